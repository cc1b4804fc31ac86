"""Proofs for every T against the worst case at fixed T: for MD (f convex 1-smooth, phi 1-strongly convex and
kappa-smooth), the certified growth rate rho of ``horizons = "all"`` (docs/every-t.md), the best explicit
instance's growth rate (exact), and the growth of the full class's PEP value between two horizons (the SDP
solver's floats, every interpolation inequality: evidence, not a proof).

    python benchmarks/every_t.py               # kappa 3/2, 3, 9 at eta = 1 and 1/5; PEP at T = 4 and 8
    python benchmarks/every_t.py --witness 8,24 --rows 9:1/5   # adds the growth of exact instances (issue 28
        # item 2's witness): the SDP's worst case made exact at T1 and T2 (certified lower bounds, from
        # worst_case.sdp_instance: every inequality up to T = 20, the banded primal over the iterates past it)
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from mdtheory.checker.every_t import check_every_t
from mdtheory.checker.worst_case import ClassClaim, _solve

HORIZONS = (4, 8)  # the PEP's growth per step: (value(8) / value(4))^(1/4), square-rooted (it bounds the square)


def witness_growth(kappa: Fraction, eta: Fraction, horizons) -> tuple[float, str]:
    """(growth per step of the amplification between the exact instances at the two horizons, their values):
    both are certified lower bounds on the squared amplification, each checked in rationals."""
    from mdtheory.checker.worst_case import (AMPLIFICATION, MAX_MD_FULL_CLASS_HORIZON, PRIMAL_BAND,
                                             sdp_instance)

    values = []
    for T in horizons:
        band = PRIMAL_BAND if T > MAX_MD_FULL_CLASS_HORIZON else None
        instance, why = sdp_instance("md", eta, T, Fraction(1), Fraction(1), kappa, AMPLIFICATION, band)
        if instance is None:
            raise SystemExit(f"no exact instance at T = {T}: {why}")
        values.append(instance.value)
    growth = float(values[1] / values[0]) ** (1 / (2 * (horizons[1] - horizons[0])))
    return growth, ", ".join(f"{float(v):.10g}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--witness", type=lambda text: tuple(int(T) for T in text.split(",")))
    parser.add_argument("--rows", type=lambda text: text.split(","), help="e.g. 9:1/5,3:1 (kappa:eta)")
    args = parser.parse_args()
    extra = (f" exact instances' growth T = {args.witness[0]}..{args.witness[1]} (squared values) | rho above it |"
             if args.witness else "")
    print("| kappa | eta | certified rho^2 | rho (up) | C | best explicit instance's rate | rho above it | "
          f"PEP growth T = 4..8 (floats) | rho above it |{extra} seconds |")
    print("|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.witness else "") + "---|")
    for kappa in ("3/2", "3", "9"):
        for eta in ("1", "1/5"):
            if args.rows and f"{kappa}:{eta}" not in args.rows:
                continue
            started = time.perf_counter()
            result = check_every_t(ClassClaim("md", Fraction(eta), "all", Fraction(1), Fraction(1), Fraction(kappa)))
            seconds = time.perf_counter() - started
            values = [_solve("md", Fraction(eta), T, Fraction(1), Fraction(1), Fraction(kappa), band=None)[1]
                      for T in HORIZONS]
            growth = (values[1] / values[0]) ** (1 / (2 * (HORIZONS[1] - HORIZONS[0])))
            rate = result.rate
            witness = ""
            if args.witness:
                exact_growth, values = witness_growth(Fraction(kappa), Fraction(eta), args.witness)
                witness = f" {exact_growth:.6f} ({values}) | {100 * (result.rho() / exact_growth - 1):.3f}% |"
                seconds = time.perf_counter() - started
            print(f"| {kappa} | {eta} | {rate.rho_squared} | {result.rho():.6f} | {float(rate.constant):.6g} | "
                  f"{result.witness_rate} | {100 * result.gap():.2f}% | {growth:.6f} | "
                  f"{100 * (result.rho() / growth - 1):.3f}% |{witness} {seconds:.1f} |")


if __name__ == "__main__":
    main()
