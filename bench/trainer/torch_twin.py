"""The agent's language model written in PyTorch, for bench/trainer-speed.sh: the same architecture as
io.cmrwatch.trainer.model.CausalLanguageModel (byte embeddings + learned positions, pre-LayerNorm blocks with a
biased fused q/k/v projection and a biased output projection, one additive causal mask made once, GELU feed-forward of
4x width, final LayerNorm, byte head), with the same initialisation and the same operations in the same order, trained
with Adam on random bytes. Prints one JSON line like the Java side.

usage: python3 torch_twin.py WIDTH LAYERS HEADS CONTEXT BATCH WARMUP STEPS THREADS
       python3 torch_twin.py --parity DIR WIDTH LAYERS HEADS CONTEXT BATCH STEPS THREADS
The second form starts from the DJL model's initial parameters and batches written by
io.cmrwatch.trainer.speed.TrainingParity into DIR, and prints the loss of every step.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.o = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, 4 * width)
        self.ff2 = nn.Linear(4 * width, width)

    def forward(self, x, mask):
        b, t, e = x.shape
        n = self.heads
        h = e // n
        y = self.ln1(x)
        # B x T x 3E -> B x 3N x T x H, split into queries, keys and values: DecoderBlock's order of operations.
        q, k, v = self.qkv(y).view(b, t, 3 * n, h).transpose(1, 2).split(n, 1)
        scores = (q * (1.0 / math.sqrt(h))) @ k.transpose(2, 3) + mask
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, e)
        x = x + self.o(a)
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class TwinModel(nn.Module):
    def __init__(self, width, layers, heads, context):
        super().__init__()
        self.tok = nn.Embedding(256, width)
        self.pos = nn.Parameter(torch.empty(context, width))
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, 256)
        # The additive causal mask (0 on and below the diagonal, -inf above), made once like the Java model's.
        self.register_buffer("mask", torch.full((context, context), float("-inf")).triu(1))
        # DJL's initialisation: both embeddings N(0, 0.02); linear weights N(0, sqrt(2 / fan_in)) (DJL's default
        # Xavier Gaussian, factor "in", magnitude 2); biases 0; LayerNorm 1 and 0 (PyTorch's default too).
        nn.init.normal_(self.tok.weight, 0.0, 0.02)
        nn.init.normal_(self.pos, 0.0, 0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / m.in_features))
                nn.init.zeros_(m.bias)

    def forward(self, ids):
        b, t = ids.shape
        # Like the Java model: the whole position table when the sequence fills the context, else its first rows.
        x = self.tok(ids) + (self.pos if t == self.pos.shape[0] else self.pos[:t])
        mask = self.mask if t == self.mask.shape[0] else self.mask[:t, :t]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.ln(x))


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def load_djl(model, directory):
    """Copies the DJL model's exported parameters (DIR/init/<name>.npy) into the twin."""
    import numpy as np

    def put(target, name):
        a = torch.from_numpy(np.load(f"{directory}/init/{name}.npy"))
        assert tuple(a.shape) == tuple(target.shape), (name, a.shape, target.shape)
        with torch.no_grad():
            target.copy_(a)

    put(model.tok.weight, "tokenEmbedding")
    put(model.pos, "positionEmbedding")
    parts = [("ln1", "attentionNorm"), ("qkv", "queryKeyValue"), ("o", "attentionOutput"),
             ("ln2", "feedForwardNorm"), ("ff1", "feedForwardIn"), ("ff2", "feedForwardOut")]
    for i, block in enumerate(model.blocks):
        for j, (mine, theirs) in enumerate(parts):
            prefix = f"{i + 1:02d}block{i}_{j + 1:02d}{theirs}"
            module = getattr(block, mine)
            if isinstance(module, nn.LayerNorm):
                put(module.weight, prefix + "_gamma")
                put(module.bias, prefix + "_beta")
            else:
                put(module.weight, prefix + "_weight")
                put(module.bias, prefix + "_bias")
    n = len(model.blocks)
    put(model.ln.weight, f"{n + 1:02d}finalNorm_gamma")
    put(model.ln.bias, f"{n + 1:02d}finalNorm_beta")
    put(model.head.weight, f"{n + 2:02d}head_weight")
    put(model.head.bias, f"{n + 2:02d}head_bias")


def parity(argv):
    directory = argv[0]
    width, layers, heads, context, batch, steps, threads = (int(a) for a in argv[1:8])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    model = TwinModel(width, layers, heads, context)
    load_djl(model, directory)
    with open(f"{directory}/batches.bin", "rb") as f:
        raw = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).long()
    batches = raw.view(-1, batch, context + 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    start = time.perf_counter()
    for s in range(steps):
        data = batches[s % batches.shape[0]]
        x, y = data[:, :-1], data[:, 1:]
        loss = -F.log_softmax(model(x), -1).gather(-1, y.unsqueeze(-1)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(round(loss.item(), 5))
    print(json.dumps({"impl": "pytorch", "seconds": round(time.perf_counter() - start, 2), "losses": losses}))


def main():
    if sys.argv[1] == "--parity":
        parity(sys.argv[2:])
        return
    width, layers, heads, context, batch, warmup, steps, threads = (int(a) for a in sys.argv[1:9])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    model = TwinModel(width, layers, heads, context)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    batches = [torch.randint(0, 256, (batch, context + 1), generator=g) for _ in range(8)]

    def step(s):
        data = batches[s % len(batches)]
        x, y = data[:, :-1], data[:, 1:]
        logits = model(x)
        loss = -F.log_softmax(logits, -1).gather(-1, y.unsqueeze(-1)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for s in range(warmup):
        step(s)
    cpu_start = time.process_time()
    start = time.perf_counter()
    loss = 0.0
    for s in range(steps):
        loss = step(s)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"impl": "pytorch", "tokensPerSecond": round(steps * batch * context / seconds, 1),
                      "tokensPerCpuSecond": round(steps * batch * context / cpu_seconds, 1),
                      "peakRssMiB": round(peak_rss_mib(), 1), "parameters": params, "lastLoss": round(loss, 4),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
