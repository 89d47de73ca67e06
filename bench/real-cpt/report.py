#!/usr/bin/env python3
"""bench/real-cpt.sh's report: the estimate against the empirical CMR, as a Markdown table written into
docs/real-cpt.md (between its real-cpt:table markers) and a PNG of the estimate converging over tokens.

    report.py TRUTH.json WORKDIR RUNS DOC.md PLOT.png
    report.py --default-runs TRUTH.json      # prints the runs a user would train (the truth file's userRuns)
"""
import datetime
import json
import os
import sys

FRACTIONS = ["0.25", "0.5", "0.75", "1.0"]
BEGIN, END = "<!-- real-cpt:table -->", "<!-- /real-cpt:table -->"
TRUTH_BEGIN, TRUTH_END = "<!-- real-cpt:truth -->", "<!-- /real-cpt:truth -->"


def replace_block(text, begin, end, block, doc):
    if begin not in text or end not in text:
        sys.exit("%s has no %s ... %s markers" % (doc, begin, end))
    head, rest = text.split(begin, 1)
    return head + (block if block.startswith(begin) else begin + "\n" + block + "\n" + end) + rest.split(end, 1)[1]


def truth_block(truth):
    """Each share's readings from the truth file, and the measured CMR."""
    rows = [
        "| share R | general-loss increase at the budget, seed mean (per seed) | peak increase (at tokens) "
        "| objective turned over | feasible |",
        "|---|---|---|---|---|",
    ]
    for sh in truth["shares"]:
        m = sh["mean"]
        seeds = ", ".join("%+.3f" % x["generalLossIncreaseAtBudget"] for _, x in sorted(sh["perSeed"].items()))
        rows.append("| %s | %+.3f (%s) | %+.3f (%s) | %s | %s |" % (
            pct(sh["ratio"]), m["generalLossIncreaseAtBudget"], seeds, m["generalLossPeakIncrease"],
            format(m["generalLossPeakTokens"], ","), "yes" if m["turnedOver"] else "no",
            "**yes**" if m["feasible"] else "no"))
    seeds = ", ".join("seed %s %s" % (k, pct(v)) for k, v in sorted(truth["seedCmrs"].items()))
    return "\n".join(rows + [
        "",
        "Empirical CMR **%s**, bracketed by the shares %s and %s, binding constraint: %s; by seed: %s "
        "(spread ±%.1f pp); uncertainty ±%.1f pp (the larger of the seed spread and half the bracket). "
        "ε = %s, λ = %g. From `%s.truth.json`, made by `data/real-cpt/truth.py`." % (
            pct(truth["empiricalCmr"]), pct(truth["bracket"][0]), pct(truth["bracket"][1]), truth["binding"],
            seeds, 100 * truth["seedSpread"], 100 * truth["uncertainty"], truth["epsilon"], truth["lambda"],
            truth["experiment"]),
    ])


def default_runs(truth):
    return ",".join(truth["userRuns"])


def pct(v):
    return "—" if v is None else "%.1f %%" % (100 * v)


def read_fit(path):
    with open(path) as f:
        lines = [l for l in f if l.strip()]
    return json.loads(lines[0]) if lines else {"status": "no_output"}


def streams_series(path, budget):
    """(fraction of the budget observed, cmr, low, high) for every ok estimate, in the order published."""
    out = []
    last = None
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            last = e
            runs = e.get("analysis", e).get("runs", [])
            runs = runs if isinstance(runs, list) else []
            seen = [r.get("latestTokens") or r.get("maxTokens") or 0 for r in runs]
            if e.get("status") != "ok" or not seen or e.get("cmr") is None:
                continue
            out.append((min(seen) / budget, e["cmr"], e.get("cmrLow"), e.get("cmrHigh")))
    return out, last


def main():
    if sys.argv[1] == "--default-runs":
        with open(sys.argv[2]) as f:
            print(default_runs(json.load(f)))
        return
    truth_path, work, runs, doc, png = sys.argv[1:6]
    with open(truth_path) as f:
        truth = json.load(f)
    budget = truth["budgetTokens"]
    cmr, lo_b, hi_b = truth["empiricalCmr"], truth["bracket"][0], truth["bracket"][1]
    u = truth.get("uncertainty") or 0.0
    fits = {f: read_fit(os.path.join(work, "fit-%s.json" % f)) for f in FRACTIONS}
    series, last = streams_series(os.path.join(work, "estimates.jsonl"), budget)
    load = open("/proc/loadavg").read().split()[:3]
    ratios = sorted({int(r.split("-s")[0][1:]) / 1000 for r in runs.split(",")})

    rows = []
    for f in FRACTIONS:
        e = fits[f]
        rows.append(("`cmrwatch fit --observed-fraction %s`" % f, e))
    if last is not None:
        rows.append(("streams app, last estimate of the replay", last))
    table = [
        "| estimate from | status | CMR | interval | width | covers the empirical CMR |",
        "|---|---|---|---|---|---|",
    ]
    for name, e in rows:
        ok = e.get("status") == "ok" and e.get("cmr") is not None
        low, high = e.get("cmrLow"), e.get("cmrHigh")
        covers = "—"
        if ok and low is not None and high is not None:
            covers = "yes" if low - u <= cmr <= high + u else "no"
        table.append("| %s | %s | %s | %s | %s | %s |" % (
            name, e.get("status"), pct(e.get("cmr")) if ok else "—",
            "%s – %s" % (pct(low), pct(high)) if ok and low is not None else "—",
            "%.1f pp" % (100 * (high - low)) if ok and low is not None and high is not None else "—", covers))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    import subprocess
    commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(doc)), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    block = "\n".join([
        BEGIN,
        "Made by `bench/real-cpt.sh` on %s (load average %s at the end, 2 cores), with the estimator of main at "
        "%s, from the runs %s "
        "(domain shares %s) of `%s`. Empirical CMR **%s** (between the shares %s and %s; ±%.1f pp: the larger of the seed spread and half that gap), "
        "ε = %s, λ = %g, token unit = budget / 100." % (
            stamp, " ".join(load), commit, ", ".join("`%s`" % r for r in runs.split(",")),
            ", ".join(pct(r) for r in ratios), os.path.basename(truth_path).replace(".truth.json", ".jsonl"),
            pct(cmr), pct(lo_b), pct(hi_b), 100 * u, truth["epsilon"], truth["lambda"]),
        "",
        *table,
        "",
        "![estimate converging over tokens](real-cpt-convergence.png)",
        END,
    ])
    text = open(doc).read() if os.path.exists(doc) else "# Real text, real curves\n\n%s\n%s\n" % (BEGIN, END)
    text = replace_block(text, BEGIN, END, block, doc)
    text = replace_block(text, TRUTH_BEGIN, TRUTH_END, truth_block(truth), doc)
    with open(doc, "w") as f:
        f.write(text)
    print("\n".join(table))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    ax.axhspan(cmr - u, cmr + u, color="tab:green", alpha=0.15, lw=0)
    ax.axhline(cmr, color="tab:green", lw=1.5, label="empirical CMR %s (band: ±%.1f pp)" % (pct(cmr), 100 * u))
    for b in (lo_b, hi_b):
        ax.axhline(b, color="tab:green", lw=0.8, ls=":")
    if series:
        xs = [s[0] for s in series]
        ax.plot(xs, [s[1] for s in series], color="tab:blue", lw=1.2, drawstyle="steps-post",
                label="streams app estimate")
        lows = [s[2] if s[2] is not None else s[1] for s in series]
        highs = [s[3] if s[3] is not None else s[1] for s in series]
        ax.fill_between(xs, lows, highs, step="post", color="tab:blue", alpha=0.15, lw=0,
                        label="streams app interval")
    for f in FRACTIONS:
        e = fits[f]
        if e.get("status") == "ok" and e.get("cmr") is not None:
            low, high = e.get("cmrLow", e["cmr"]), e.get("cmrHigh", e["cmr"])
            ax.errorbar([float(f)], [e["cmr"]], yerr=[[e["cmr"] - low], [high - e["cmr"]]], fmt="o",
                        color="tab:red", capsize=4, label="cmrwatch fit at F" if f == FRACTIONS[0] else None)
    for r in ratios:
        ax.axhline(r, color="grey", lw=0.5, alpha=0.5)
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1)
    ax.set_xlabel("fraction of the CPT budget observed (%s tokens)" % format(budget, ","))
    ax.set_ylabel("domain share R")
    ax.set_title("CMR estimate on real CPT curves (%s)" % truth["experiment"], fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png)
    print("wrote %s and %s" % (doc, png))


if __name__ == "__main__":
    main()
