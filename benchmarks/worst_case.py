"""Worst-case layer timings: the certified pipeline (relaxed solve, exact rebuild, rationalized dual checked by
an exact LDL^T) against a straightforward PEPit solve of the same problem, measured side by side in one run.

    python benchmarks/worst_case.py            # GD at eta = 2/L (the edge) and 2.2/L, T = 5, 10, 20
    python benchmarks/worst_case.py --full     # adds T = 30 and MD (kappa = 3) at T = 2, 4, 8
"""

from __future__ import annotations

import argparse
import time
import warnings
from fractions import Fraction

from mdtheory.worstcase import _build, worst_case_amplification


def straightforward(method, eta, T, **constants) -> tuple[float, float]:
    problem = _build(method, eta, T, constants.get("L_f", Fraction(1)), constants.get("mu_phi"),
                     constants.get("L_phi"))[0]
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = problem.solve(verbose=0, wrapper="cvxpy", solver="CLARABEL")
    return value, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    cases = [("gd", Fraction(2), T, {}) for T in (5, 10, 20)] + [("gd", Fraction(11, 5), T, {}) for T in (5, 10, 20)]
    if args.full:
        cases += [("gd", Fraction(2), 30, {}), ("gd", Fraction(11, 5), 30, {})]
        cases += [("md", Fraction(1, 2), T, {"mu_phi": Fraction(1), "L_phi": Fraction(3)}) for T in (2, 4, 8)]
    print("| method | eta | T | plain PEPit solve (s) | certified pipeline (s) | ratio | plain value | certified "
          "[lower, upper] (squared) |\n|---|---|---|---|---|---|---|---|")
    for method, eta, T, constants in cases:
        value, plain = straightforward(method, eta, T, **constants)
        started = time.perf_counter()
        case = worst_case_amplification(method, eta, T, claimed=Fraction(1) if eta == 2 else None, **constants)
        certified = time.perf_counter() - started
        upper = "not certified" if case.upper is None else f"{float(case.upper):.9g}"
        print(f"| {method} | {eta} | {T} | {plain:.2f} | {certified:.2f} | {certified / plain:.2f} | {value:.9g} | "
              f"[{float(case.lower):.9g}, {upper}] |", flush=True)


if __name__ == "__main__":
    main()
