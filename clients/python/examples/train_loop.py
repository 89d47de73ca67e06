"""A plain training loop that reports its evaluations to cmrwatch.

The "model" here is a stand-in whose losses follow the CMR paper's laws, so the example runs anywhere in seconds:

    python3 examples/train_loop.py --url http://127.0.0.1:8090 --token "$(head -1 tokens.txt)" --ratio 0.25

Replace ``evaluate`` with your own general- and domain-validation passes.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cmrwatch_client import Publisher  # noqa: E402


def evaluate(tokens, ratio, base_general=2.30, base_domain=2.20, unit=2e8):
    """Stand-in losses: dDom = a1*T^s1 + b1 (falls), dGen = a2*T^s2 + a3*T^s3 + b2 (rises, then falls)."""
    t = max(tokens / unit, 1e-9)
    d_dom = -0.35 * ratio ** 0.5 * t ** 0.3
    d_gen = 0.08 * ratio * t ** 0.5 - 0.01 * t ** 0.9
    return base_general + d_gen, base_domain + d_dom


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8090")
    p.add_argument("--token", required=True)
    p.add_argument("--experiment", default="demo-finance")
    p.add_argument("--run", default=None)
    p.add_argument("--ratio", type=float, default=0.25)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--eval-every", type=int, default=10)
    p.add_argument("--tokens-per-step", type=int, default=4_000_000)
    a = p.parse_args()
    run = a.run or "r%03d" % round(a.ratio * 100)
    with Publisher(a.url, a.token, experiment=a.experiment, run=run, ratio=a.ratio,
                   base_general_loss=2.30, base_domain_loss=2.20,
                   budget_tokens=a.steps * a.tokens_per_step) as pub:
        for step in range(1, a.steps + 1):
            # ... forward, backward, optimizer step on a batch mixed at ratio a.ratio ...
            if step % a.eval_every == 0:
                tokens = step * a.tokens_per_step
                general, domain = evaluate(tokens, a.ratio)
                pub.log(tokens=tokens, general_loss=general, domain_loss=domain, step=step)
    print("accepted %d events, rejected %d" % (pub.accepted, len(pub.rejected)))


if __name__ == "__main__":
    main()
