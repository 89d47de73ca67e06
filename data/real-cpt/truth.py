#!/usr/bin/env python3
"""The empirical CMR of a recorded CPT sweep, measured from its observed curves (no scaling-law fit).

    python3 data/real-cpt/truth.py data/real-cpt/kjv-pystdlib-w64.jsonl [--recipe WORK/recipe.json]
        [--wall WORK/logs/wall.txt] [--epsilon 0.05] [--lambda 1000] [--window 0.25] > ....truth.json

For every run, the general and domain losses over the last WINDOW of the budget (default the last quarter) are
smoothed by a least-squares line in tokens:
  - the smoothed general-loss increase at the budget, dGen(T_max) = line(T_max) - Lgen(0);
  - the objective's slope there, dF/dT = slope(Ldom) + lambda * slope(Lgen).
A share is feasible when dGen(T_max) <= epsilon (tolerance) and dF/dT <= 0 (its objective has turned over by the
budget), both read from the curve averaged over its seeds (same evaluation points). The empirical CMR is the largest
feasible share such that every smaller share is feasible too, refined by linear interpolation of the violated
constraint's margin between it and the next (infeasible) share; its bracket is those two shares. The same is done for
each seed's curves alone, and the spread of those per-seed CMRs is the uncertainty. Standard library only.
"""
import argparse
import json
import math
import statistics
import sys
from collections import defaultdict

# A grid of six shares like the one a user would train without knowing where the CMR is: 10 pp apart up to 0.5, then
# one high share.
USER_GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.7]


def line_fit(xs, ys):
    """Least-squares line y = a + b x; returns (a, b)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def measure(curve, budget, window, epsilon, lam):
    """curve: sorted list of (tokens, general, domain). Returns the run's (or mean curve's) end-of-budget reading."""
    base = [p for p in curve if p[0] == 0]
    if not base:
        raise ValueError("a run has no evaluation at 0 tokens (its base losses)")
    g0, d0 = base[0][1], base[0][2]
    tail = [p for p in curve if p[0] >= (1 - window) * budget]
    if len(tail) < 3:
        raise ValueError(f"only {len(tail)} evaluations in the last {window:.0%} of the budget")
    xs = [p[0] / budget for p in tail]  # slopes per budget, so that they read as loss change over the budget
    ag, bg = line_fit(xs, [p[1] for p in tail])
    ad, bd = line_fit(xs, [p[2] for p in tail])
    dgen = ag + bg * 1.0 - g0
    ddom = ad + bd * 1.0 - d0
    fslope = bd + lam * bg
    peak = max(curve, key=lambda p: p[1])
    return {
        "generalLossIncreaseAtBudget": round(dgen, 5),
        "domainLossChangeAtBudget": round(ddom, 5),
        "generalLossSlopePerBudget": round(bg, 5),
        "objectiveSlopePerBudget": round(fslope, 3),
        "generalLossPeakTokens": peak[0],
        "generalLossPeakIncrease": round(peak[1] - g0, 5),
        "withinTolerance": dgen <= epsilon,
        "turnedOver": fslope <= 0,
        "feasible": dgen <= epsilon and fslope <= 0,
        "_margins": {"tolerance": epsilon - dgen, "turnover": -fslope / lam},
    }


def cmr_of(readings):
    """readings: sorted list of (ratio, reading). The largest share of an all-feasible prefix, interpolated."""
    last = None
    for i, (r, m) in enumerate(readings):
        if not m["feasible"]:
            if last is None:
                return {"cmr": None, "bracket": [0.0, r], "binding": None}
            lo_r, lo_m = readings[i - 1]
            crossings = {}
            for name, margin in m["_margins"].items():
                if margin < 0:
                    a = lo_m["_margins"][name]
                    crossings[name] = lo_r + (r - lo_r) * a / (a - margin) if a > 0 else lo_r
            binding = min(crossings, key=crossings.get)
            return {"cmr": round(crossings[binding], 4), "bracket": [lo_r, r], "binding": binding}
        last = r
    return {"cmr": last, "bracket": [last, 1.0], "binding": "none (every share feasible)"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("--recipe")
    ap.add_argument("--wall")
    ap.add_argument("--epsilon", type=float, default=0.05)
    ap.add_argument("--lambda", dest="lam", type=float, default=1000.0)
    ap.add_argument("--window", type=float, default=0.25)
    a = ap.parse_args()

    runs = defaultdict(list)
    meta = {}
    with open(a.events) as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                runs[e["run"]].append((e["tokens"], e["generalLoss"], e["domainLoss"]))
                meta[e["run"]] = (e["ratio"], int(e["run"].rsplit("-s", 1)[1]), e["budgetTokens"], e["experiment"])
    budgets = {m[2] for m in meta.values()}
    if len(budgets) != 1:
        sys.exit(f"runs with different budgets: {sorted(budgets)}")
    budget = budgets.pop()
    by_share = defaultdict(dict)
    for run, pts in runs.items():
        ratio, seed, _, _ = meta[run]
        by_share[ratio][seed] = sorted(pts)

    shares, per_seed = [], defaultdict(list)
    for ratio in sorted(by_share):
        seeds = by_share[ratio]
        readings = {}
        for seed, curve in sorted(seeds.items()):
            readings[seed] = measure(curve, budget, a.window, a.epsilon, a.lam)
            per_seed[seed].append((ratio, readings[seed]))
        # The seed-mean curve at the evaluation points all seeds share.
        common = set.intersection(*(set(p[0] for p in c) for c in seeds.values()))
        mean_curve = []
        for t in sorted(common):
            pts = [next(p for p in c if p[0] == t) for c in seeds.values()]
            mean_curve.append((t, statistics.fmean(p[1] for p in pts), statistics.fmean(p[2] for p in pts)))
        mean = measure(mean_curve, budget, a.window, a.epsilon, a.lam)
        shares.append((ratio, mean, readings))

    overall = cmr_of([(r, m) for r, m, _ in shares])
    seed_cmrs = {str(s): cmr_of(rs)["cmr"] for s, rs in sorted(per_seed.items())}
    values = [v for v in seed_cmrs.values() if v is not None]
    spread = (max(values) - min(values)) / 2 if len(values) > 1 else 0.0
    # Known to within the seed spread or half the bracketing shares' gap, whichever is larger.
    resolution = (overall["bracket"][1] - overall["bracket"][0]) / 2
    # The runs a user would train without knowing the CMR: seed 1 at the shares nearest a coarse grid.
    ratios = [r for r, _, _ in shares]
    user = []
    for g in USER_GRID:
        best = min(ratios, key=lambda r: abs(r - g))
        if best not in user:
            user.append(best)

    def clean(m):
        return {k: v for k, v in m.items() if not k.startswith("_")}

    truth = {
        "schema": 1,
        "experiment": next(iter(meta.values()))[3],
        "budgetTokens": budget,
        "epsilon": a.epsilon,
        "lambda": a.lam,
        "empiricalCmr": overall["cmr"],
        "bracket": overall["bracket"],
        "binding": overall["binding"],
        "seedCmrs": seed_cmrs,
        "seedSpread": round(spread, 4),
        "uncertainty": round(max(spread, resolution), 4),
        "userRuns": ["r%04d-s1" % int(r * 1000 + 0.5) for r in user],
        "method": (
            "Measured from the observed curves, no scaling-law fit: for each run the general and domain losses over "
            f"the last {a.window:.0%} of the budget are smoothed by a least-squares line in tokens; the smoothed "
            "general-loss increase at the budget dGen(T_max) = line(T_max) - Lgen(0) must be <= epsilon, and the "
            "objective's slope there, slope(Ldom) + lambda * slope(Lgen), must be <= 0 (turned over by the budget). "
            "Feasibility of a share is read from its seed-mean curve; the empirical CMR is the largest feasible share "
            "of the all-feasible prefix, refined by linear interpolation (in the share) of the violated constraint's "
            "margin between it and the next share, which bracket it. seedCmrs repeats this on each seed's curves; "
            "seedSpread is half their range; uncertainty is the larger of seedSpread and half the bracket. userRuns "
            "are the runs a user would train without knowing the CMR (seed 1 at the shares nearest "
            + ", ".join(str(g) for g in USER_GRID) + "), the ones bench/real-cpt.sh and the tests estimate from."
        ),
        "shares": [
            {"ratio": r, "seeds": sorted(int(s) for s in rd), "mean": clean(m),
             "perSeed": {str(s): clean(x) for s, x in sorted(rd.items())}}
            for r, m, rd in shares
        ],
    }
    if a.recipe:
        with open(a.recipe) as f:
            truth["recipe"] = json.load(f)
    if a.wall:
        with open(a.wall) as f:
            truth["wallClock"] = [l.strip() for l in f if l.strip()]
    json.dump(truth, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
