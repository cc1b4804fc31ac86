"""Benchmarks: each workload's time on mdtheory's best path, on naive mpmath and on numpy float64, with
the ratios, and the digits each agrees with a 2P+64-bit reference. Timings are measured, never asserted.

    python benchmarks/run.py            # W1 (d up to 1e4), W2, W3 (T = 1e4), claim 2 at default settings
    python benchmarks/run.py --full     # W1 up to d = 1e5, W3 with T = 1e5, and the whole `mdtheory verify`

Naive mpmath runs that would take hours are timed on a prefix of the steps and extrapolated linearly;
the table says so.
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
import time

import mpmath
import numpy as np
import sympy as sp

from mdtheory.engine.context import working_context
from mdtheory.engine.fast_kl import certified_separation, separation_float64, separation_precise
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.oracles import MatrixObjectiveOracle
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.symbolic.catalogue import hypentropy
from mdtheory.symbolic.matrix_objectives import least_squares
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import quadratic
from mdtheory.symbolic.regularizer import Regularizer

P = 128  # the working precision of the high-precision paths
ROWS: list[tuple] = []


def digits(value, reference) -> int:
    ctx = working_context(2 * P + 64)
    a, b = ctx.mpf(value), ctx.mpf(reference)
    if a == b:
        return 99
    if b == 0 or not ctx.isfinite(a):
        return 0
    return max(0, int(math.floor(-float(ctx.log10(abs(a - b) / abs(b))))))


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def row(workload, path, seconds, agreement, note=""):
    ROWS.append((workload, path, seconds, agreement, note))
    print(f"  {workload:<22} {path:<34} {seconds:10.3f} s   {agreement:>3} digits  {note}", flush=True)


def w1(d: int, steps: int = 1000):
    """KL MD, linear objective, uniform start with one good coordinate, eps = 1e-30, separation every step."""
    x0 = [sp.Rational(1, d)] * d
    v = [d - 1] + [-1] * (d - 1)
    c = [0] + [1] * (d - 1)
    eps, eta = "1e-30", sp.Rational(1, 100)
    name = f"W1 KL d={d:g}"
    _, reference = separation_precise(x0, v, c, eps, eta, steps, 2 * P + 64)
    best, t_best = timed(lambda: certified_separation(x0, v, c, eps, eta, steps, [steps // 2, steps], bits=2 * P))
    certified = min(r[2] for r in best.checkpoints)
    row(name, "float64 difference + certificate", t_best, digits(best.separation[-1], reference),
        f"certified {certified} digits at 2 checkpoints")
    _, t_fast = timed(lambda: separation_float64(x0, v, c, eps, eta, steps))
    row(name, "float64 difference (uncertified)", t_fast, digits(best.separation[-1], reference))

    def naive_float():
        x = np.full(d, 1.0 / d)
        xp = x + 1e-30 * np.array(v, dtype=float)
        out = []
        for t in range(steps + 1):
            w = np.log(x) - float(eta) * t * np.array(c, dtype=float)
            a = np.exp(w - w.max()); a /= a.sum()
            w = np.log(xp) - float(eta) * t * np.array(c, dtype=float)
            b = np.exp(w - w.max()); b /= b.sum()
            out.append(np.linalg.norm(a - b))
        return out

    naive, t_float = timed(naive_float)
    row(name, "numpy float64 (subtract runs)", t_float, digits(naive[-1], reference))
    prefix = max(1, min(steps, 20_000 // d))
    _, t_prefix = timed(lambda: [separation_precise(x0, v, c, eps, eta, t, P) for t in range(prefix)])
    t_naive = t_prefix * (steps + 1) / prefix
    row(name, f"naive mpmath {P} bits (extrapolated)", t_naive, digits(separation_precise(x0, v, c, eps, eta, steps, P)[1], reference),
        f"timed on {prefix} steps")
    print(f"    ratios: best/float64 = {t_best / t_float:.2f}, naive mpmath/best = {t_naive / t_best:.1f}")


def w2(steps: int = 1000, d: int = 100):
    """MD with phi = hypentropy (beta = 1) on 0.5 ||A x - b||^2, dense exact A (d x d), plus the tangent."""
    name = f"W2 least squares d={d}"
    rng = random.Random(2026)
    A = [[sp.Rational(rng.randint(-3, 3), 30) for _ in range(d)] for _ in range(d)]
    b = [sp.Rational(rng.randint(-3, 3), 3) for _ in range(d)]

    def derive():
        objective = least_squares(d, A, b)
        reg = hypentropy(d)
        md = MirrorDescent(reg, objective.scalar_objective(reg.variables))
        return md, MirrorDescentKernel(md, oracle=MatrixObjectiveOracle(objective))

    (md, kernel), t_derive = timed(derive)
    row(name, "derivation + code generation", t_derive, "-", "matrix-level: grad f = A^T (A x - b)")
    prefix = min(steps, 100)
    eta, x0, v = sp.Rational(1, 4), [0] * d, [1] + [0] * (d - 1)
    spec = RunSpec.build(x0, v, "1e-20", eta, steps, record_every=prefix)
    (_, reference), t_reference = timed(lambda: naive_w2(A, b, eta, prefix, 2 * P + 64))
    at_prefix = lambda series: series.log_tangent_amplification[1]
    best, t_best = timed(lambda: run_mirror_descent(md, spec, P, kernel, backend="flint", perturbed=False))
    row(name, f"mdtheory flint {P} bits", t_best, digits(at_prefix(best), reference), f"T = {steps}")
    prefix_spec = RunSpec.build(x0, v, "1e-20", eta, prefix, record_every=prefix)
    reference_backend, t_mp = timed(lambda: run_mirror_descent(md, prefix_spec, P, kernel, perturbed=False))
    row(name, f"mdtheory mpmath {P} bits (extrapolated)", t_mp * steps / prefix,
        digits(at_prefix(reference_backend), reference), f"timed on {prefix} steps")
    floats, t_float = timed(lambda: run_mirror_descent(md, spec, None, kernel, perturbed=False))
    row(name, "mdtheory float64", t_float, digits(at_prefix(floats), reference))
    (_, naive), t_prefix = timed(lambda: naive_w2(A, b, eta, prefix, P))
    t_naive = t_prefix * steps / prefix
    row(name, f"naive mpmath {P} bits (extrapolated)", t_naive, digits(naive, reference), f"timed on {prefix} steps")
    print(f"    ratios: naive mpmath/best = {t_naive / t_best:.1f}, best/float64 = {t_best / t_float:.1f}; "
          f"reference ({2 * P + 64}-bit naive loop, {prefix} steps) took {t_reference:.1f} s")


def naive_w2(A, b, eta, steps: int, bits: int):
    """The textbook loop with mpmath matrices: x+ = sinh(asinh(x) - eta A^T (A x - b)), and the tangent
    w+ = diag(sqrt(1 + x+^2)) (diag(1/sqrt(1 + x^2)) w - eta A^T A w)."""
    ctx = mpmath.MPContext()
    ctx.prec = bits
    d = len(A)
    A_m = ctx.matrix([[ctx.mpf(a.p) / a.q for a in row] for row in A])
    b_m = ctx.matrix([ctx.mpf(v.p) / v.q for v in b])
    Q = A_m.T * A_m
    eta = ctx.mpf(eta.p) / eta.q
    x = ctx.matrix([0] * d)
    w = ctx.matrix([1] + [0] * (d - 1))
    log_growth = ctx.mpf(0)
    for _ in range(steps):
        gradient = A_m.T * (A_m * x - b_m)
        x_next = ctx.matrix([ctx.sinh(ctx.asinh(x[i]) - eta * gradient[i]) for i in range(d)])
        hw = Q * w
        w = ctx.matrix([ctx.sqrt(1 + x_next[i] ** 2) * (w[i] / ctx.sqrt(1 + x[i] ** 2) - eta * hw[i]) for i in range(d)])
        growth = ctx.norm(w)
        log_growth += ctx.log(growth)
        w = w / growth
        x = x_next
    return x, log_growth


def w3(steps: int):
    """3-d MD with phi = ||x||^2/2 + sum log cosh(x_i) (Newton inverse) on a quadratic, plus the tangent."""
    reg = Regularizer.from_text("x1**2/2 + x2**2/2 + x3**2/2 + log(cosh(x1)) + log(cosh(x2)) + log(cosh(x3))",
                                3, "reals", name="logcosh")
    md = MirrorDescent(reg, quadratic(reg.variables, [[2, 1, 0], [0, 1, 1], [1, 0, 3]], [1, -1, 2]))
    prefix = min(steps, 2000)
    spec = RunSpec.build(["1", "-2", "1/2"], ["1", "0", "0"], "1e-20", "1/20", steps, record_every=prefix)
    kernel = MirrorDescentKernel(md)
    name = f"W3 logcosh T={steps:g}"
    (_, reference), t_reference = timed(lambda: naive_w3(prefix, 2 * P + 64))
    at_prefix = lambda series: series.log_tangent_amplification[1]
    best, t_best = timed(lambda: run_mirror_descent(md, spec, P, kernel, backend="flint", perturbed=False))
    row(name, f"mdtheory flint {P} bits", t_best, digits(at_prefix(best), reference), "Newton inverse + tangent")
    prefix_spec = RunSpec.build(["1", "-2", "1/2"], ["1", "0", "0"], "1e-20", "1/20", prefix, record_every=prefix)
    reference_backend, t_mp = timed(lambda: run_mirror_descent(md, prefix_spec, P, kernel, perturbed=False))
    row(name, f"mdtheory mpmath {P} bits (extrapolated)", t_mp * steps / prefix,
        digits(at_prefix(reference_backend), reference), f"timed on {prefix} steps")
    floats, t_float = timed(lambda: run_mirror_descent(md, spec, None, kernel, perturbed=False))
    row(name, "mdtheory float64", t_float, digits(at_prefix(floats), reference))
    (_, value), t_prefix = timed(lambda: naive_w3(prefix, P))
    t_naive = t_prefix * steps / prefix
    row(name, f"naive mpmath {P} bits (extrapolated)", t_naive, digits(value, reference), f"timed on {prefix} steps")
    print(f"    ratios: naive mpmath/best = {t_naive / t_best:.1f}, best/float64 = {t_best / t_float:.1f}; "
          f"reference ({2 * P + 64}-bit naive loop, {prefix} steps) took {t_reference:.1f} s")


def naive_w3(steps: int, bits: int = P):
    """The textbook loop: mpmath matrices, lu_solve for Newton and for the tangent."""
    ctx = mpmath.MPContext()
    ctx.prec = bits
    A = ctx.matrix([[2, 1, 0], [0, 1, 1], [1, 0, 3]])
    b = ctx.matrix([1, -1, 2])
    H_f = A.T * A
    eta = ctx.mpf(1) / 20
    grad_phi = lambda x: ctx.matrix([x[i] + ctx.tanh(x[i]) for i in range(3)])
    hess_phi = lambda x: ctx.diag([2 - ctx.tanh(x[i]) ** 2 for i in range(3)])
    x = ctx.matrix([1, -2, ctx.mpf(1) / 2])
    w = ctx.matrix([1, 0, 0])
    log_growth = ctx.mpf(0)
    for _ in range(steps):
        y = grad_phi(x) - eta * (H_f * x - A.T * b)
        z = x
        for _ in range(30):
            delta = ctx.lu_solve(hess_phi(z), grad_phi(z) - y)
            z = z - delta
            if ctx.norm(delta) < ctx.ldexp(1, -bits + 8):
                break
        w = ctx.lu_solve(hess_phi(z), (hess_phi(x) - eta * H_f) * w)
        growth = ctx.norm(w)
        log_growth += ctx.log(growth)
        w = w / growth
        x = z
    return x, log_growth


def claim2_default():
    from mdtheory.claims import load_all

    _, seconds = timed(lambda: load_all()["claim2_exponential_separation"]())
    row("claim 2 default", "mdtheory verify --claim claim2...", seconds, "-")


def verify_all():
    _, seconds = timed(lambda: subprocess.run([sys.executable, "-m", "mdtheory.cli", "verify", "--out",
                                               "/tmp/mdtheory-benchmark-report", "--no-progress"],
                                              check=False, capture_output=True))
    row("mdtheory verify", "default settings", seconds, "-")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    print(f"{'workload':<24} {'path':<34} {'time':>12}   agreement with a {2 * P + 64}-bit reference")
    for d in ((1000, 10_000, 100_000) if args.full else (1000, 10_000)):
        w1(d)
    w2()
    w3(100_000 if args.full else 10_000)
    claim2_default()
    from falsify_screen import measure as falsify_screen  # benchmarks/ is on sys.path when run as a script

    for workload, path, seconds, note in falsify_screen()[0]:
        row(workload, path, seconds, "-", note)
    if args.full:
        verify_all()
    print("\n| workload | path | time (s) | digits vs 2P+64 reference | note |\n|---|---|---|---|---|")
    for workload, path, seconds, agreement, note in ROWS:
        print(f"| {workload} | {path} | {seconds:.3f} | {agreement} | {note} |")


if __name__ == "__main__":
    main()
