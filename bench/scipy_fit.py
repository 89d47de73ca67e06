#!/usr/bin/python3
"""Fits the general law a2*x^s2 + a3*x^s3 + b2 with scipy.optimize.least_squares (loss='huber'), for the side-by-side
speed and loss comparison run by bench/fit-speed.sh (io.cmrwatch.bench.ScipyComparison).

Reads JSON problems from stdin: [{"x": [...], "y": [...], "start": [5], "lower": [5], "upper": [5], "delta": d}].
scipy's robust cost is 0.5 * f_scale^2 * sum(rho((r / f_scale)^2)) with rho(z) = z for z <= 1, 2*sqrt(z) - 1 otherwise,
which is exactly sum(huber_delta(r)) with delta = f_scale: 0.5 r^2 inside, delta*(|r| - delta/2) outside. So f_scale =
delta makes the two objectives the same function. Prints one JSON line per problem: parameters, scipy's cost, the
median seconds per fit over repeated fits, nfev and status.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import least_squares


def solve(prob):
    x = np.asarray(prob["x"], dtype=float)
    y = np.asarray(prob["y"], dtype=float)
    lnx = np.log(x)

    def fun(p):
        return p[0] * np.exp(p[1] * lnx) + p[2] * np.exp(p[3] * lnx) + p[4] - y

    def jac(p):
        x2 = np.exp(p[1] * lnx)
        x3 = np.exp(p[3] * lnx)
        return np.column_stack([x2, p[0] * x2 * lnx, x3, p[2] * x3 * lnx, np.ones_like(x)])

    def once():
        return least_squares(fun, np.asarray(prob["start"], dtype=float), jac=jac,
                             bounds=(prob["lower"], prob["upper"]), loss="huber", f_scale=prob["delta"],
                             method="trf")

    res = once()
    times = []
    budget = time.perf_counter() + prob.get("seconds", 1.0)
    while len(times) < 5 or (time.perf_counter() < budget and len(times) < 200):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return {"parameters": res.x.tolist(), "cost": float(res.cost), "seconds": float(np.median(times)),
            "fits": len(times), "nfev": int(res.nfev), "status": int(res.status)}


def main():
    for prob in json.load(sys.stdin):
        print(json.dumps(solve(prob)), flush=True)


if __name__ == "__main__":
    main()
