"""Worst-case layer timings: the certified pipeline (relaxed and banded solve, exact rebuild, rationalized dual
checked by an exact LDL^T) against a straightforward PEPit solve of the same problem with every interpolation
inequality, measured side by side in one run.

    python benchmarks/worst_case.py            # GD at eta = 2/L and 2.2/L, T = 5, 10, 20; MD (kappa = 3,
                                               # eta = mu/(2 L_f)) at T = 8, 16, 20
    python benchmarks/worst_case.py --full     # adds MD at T = 30 (the certified pipeline only)

"digits" is how many significant digits the plain solve's value and the certified upper bound share.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from fractions import Fraction

from mdtheory.worstcase import _build, worst_case_amplification

MD = {"mu_phi": Fraction(1), "L_phi": Fraction(3)}


def straightforward(method, eta, T, **constants) -> tuple[float, float]:
    started = time.perf_counter()
    problem = _build(method, eta, T, constants.get("L_f", Fraction(1)), constants.get("mu_phi"),
                     constants.get("L_phi"))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = problem.solve(verbose=0, wrapper="cvxpy", solver="CLARABEL")
    return value, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    cases = [("gd", Fraction(2), T, {}) for T in (5, 10, 20)] + [("gd", Fraction(11, 5), T, {}) for T in (5, 10, 20)]
    cases += [("md", Fraction(1, 2), T, MD) for T in (8, 16, 20)]
    if args.full:
        cases += [("md", Fraction(1, 2), 30, MD)]
    print("| method | eta | T | plain PEPit solve (s) | certified pipeline (s) | speed-up | plain value | certified "
          "[lower, upper] (squared) | digits |\n|---|---|---|---|---|---|---|---|---|")
    for method, eta, T, constants in cases:
        value, plain = straightforward(method, eta, T, **constants) if T < 30 else (None, None)
        started = time.perf_counter()
        case = worst_case_amplification(method, eta, T, claimed=Fraction(1) if eta == 2 else None, **constants)
        certified = time.perf_counter() - started
        upper = "not certified" if case.upper is None else f"{float(case.upper):.9g}"
        digits = "" if value is None or case.upper is None else (
            f"{-math.log10(max(abs(float(case.upper) - value) / value, 1e-16)):.1f}")
        shown = lambda x, spec: "not run" if x is None else format(x, spec)
        print(f"| {method} | {eta} | {T} | {shown(plain, '.2f')} | {certified:.2f} | "
              f"{'' if plain is None else f'{plain / certified:.1f}x'} | {shown(value, '.9g')} | "
              f"[{float(case.lower):.9g}, {upper}] | {digits} |", flush=True)


if __name__ == "__main__":
    main()
