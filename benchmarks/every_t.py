"""Proofs for every T against the worst case at fixed T: for MD (f convex 1-smooth, phi 1-strongly convex and
kappa-smooth), the certified growth rate rho of ``horizons = "all"`` (docs/every-t.md), the best explicit
instance's growth rate (exact), and the growth of the full class's PEP value between two horizons (the SDP
solver's floats, every interpolation inequality: evidence, not a proof).

    python benchmarks/every_t.py               # kappa 3/2, 3, 9 at eta = 1 and 1/5; PEP at T = 4 and 8
"""

from __future__ import annotations

import time
from fractions import Fraction

from mdtheory.checker.every_t import check_every_t
from mdtheory.checker.worst_case import ClassClaim, _solve

HORIZONS = (4, 8)  # the PEP's growth per step: (value(8) / value(4))^(1/4), square-rooted (it bounds the square)


def main() -> None:
    print("| kappa | eta | certified rho^2 | rho (up) | C | best explicit instance's rate | rho above it | "
          "PEP growth T = 4..8 (floats) | rho above it | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kappa in ("3/2", "3", "9"):
        for eta in ("1", "1/5"):
            started = time.perf_counter()
            result = check_every_t(ClassClaim("md", Fraction(eta), "all", Fraction(1), Fraction(1), Fraction(kappa)))
            seconds = time.perf_counter() - started
            values = [_solve("md", Fraction(eta), T, Fraction(1), Fraction(1), Fraction(kappa), band=None)[1]
                      for T in HORIZONS]
            growth = (values[1] / values[0]) ** (1 / (2 * (HORIZONS[1] - HORIZONS[0])))
            rate = result.rate
            print(f"| {kappa} | {eta} | {rate.rho_squared} | {result.rho():.6f} | {float(rate.constant):.6g} | "
                  f"{result.witness_rate} | {100 * result.gap():.2f}% | {growth:.6f} | "
                  f"{100 * (result.rho() / growth - 1):.3f}% | {seconds:.1f} |")


if __name__ == "__main__":
    main()
