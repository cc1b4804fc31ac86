"""Claim 4 (arXiv 2606.11431): anchoring stabilizes Mirror Descent, and the choice of anchor matters.

Setting. MD on F(x) = f(x) + lambda * D_phi(x, a). The anchor is either fixed (the same a for both runs)
or the initialization (each run anchors at its own x_0, so perturbing the start also moves the anchor).

Theorem as checked, on claim 3's KL instance (entropic MD, f = <c, x>, c = (0, 1, 1), x_0 = (delta,
(1-delta)/2, (1-delta)/2), delta = 1e-6, eta = 1/4, fixed anchor a = uniform, lambda in {1/50, 1/10, 1/2}):
  (a) fixed anchor: the dual iterates contract exactly by (1 - eta lambda) per step, so the finite
      amplification decays at rate log(1 - eta lambda)/eta per unit eta*T long after its peak;
  (b) anchor at the initialization: the anchored fixed point is x* = softmax(log x_0 - c/lambda), which
      moves with x_0, so the amplification does not decay: it converges to claim 3's A(s) at s = 1/lambda,
      A(1/lambda) = x*_1 (1 - x*_1) / (delta (1 - delta));
  (c) comparison: long after the peak the fixed anchor's amplification is below the initialization
      anchor's (which is frozen at A(1/lambda): large when 1/lambda is near claim 3's peak time s*).
Also measured and reported (not verdicts): the peak amplification, the suboptimality f(x_T) - min f
and the iterations to reach f - min f <= 1e-3, against plain MD (anchoring costs accuracy: the anchored
fixed point is not the minimizer), and the wall time per iteration against plain MD.
On claim 2's construction (lambda = 1/20, eta = 1/10, fixed anchor at the base start): the fixed
anchor's long-run amplification falls below the initialization anchor's.
The amplification is the finite one (separation over initial separation): with an initialization anchor
the tangent J_T v would also have to carry the anchor's motion, which the engine's tangent does not.
"""

from __future__ import annotations

import math
import time

import sympy as sp

from mdtheory.checker import (HOLDS, VIOLATED, CheckResult, ClaimReport, ExponentialGrowth, NamedCheck, exactly, laddered,
                              reading, rounded)
from mdtheory.checker.measure import measure, peak_of
from mdtheory.checker.result import markdown_table
from mdtheory.claims import register
from mdtheory.instances import exponential_separation as construction
from mdtheory.instances.two_group_simplex import delta_, derived_formulas, gap_, s_
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.objective import ObjectiveOracle
from mdtheory.engine.run import RunSpec
from mdtheory.symbolic.catalogue import negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent, anchored
from mdtheory.symbolic.objectives import linear
from mdtheory.symbolic.parsing import exact_number

BITS = 192
# The fast arbitrary-precision backend (arb arithmetic): tests hold it to the mpmath reference digit for digit.
BACKEND = "flint"
DELTA = exact_number("1e-6")
GAP = sp.Integer(1)
STEP = sp.Rational(1, 4)
EPS = "1e-12"
STRENGTHS = (sp.Rational(1, 50), sp.Rational(1, 10), sp.Rational(1, 2))
TARGET = sp.Rational(1, 1000)  # suboptimality target for "iterations to accuracy"
DECAY_RATE_TOLERANCE = sp.Rational(1, 100)  # relative: the fixed anchor's decay rate is checked to 1%
LIMIT_TOLERANCE = sp.Rational(1, 100)  # init anchor: final amplification within 1% of A(1/lambda)


def kl_problem():
    reg = negative_entropy(3)
    return MirrorDescent(reg, linear(reg.variables, [0, GAP, GAP]))


def _suboptimality_steps(m, target) -> str:
    for t, value in zip(m.fine.t, m.fine.objective):  # min f = 0 at the vertex e1
        if value <= m.ctx.mpf(target):
            return str(t)
    return "never"


def _timed_measure(md, spec, bits, progress, label, kernel=None):
    kernel = kernel or MirrorDescentKernel(md)  # compiled before the clock starts
    started = time.perf_counter()
    m = measure(md, spec, bits, with_float64=False, progress=progress(label), kernel=kernel, backend=BACKEND)
    return m, (time.perf_counter() - started) / (2 * spec.steps)


def _kl_checks(quick: bool, progress):
    base = kl_problem()
    x0 = [DELTA, (1 - DELTA) / 2, (1 - DELTA) / 2]
    direction = [2, -1, -1]
    perturbed = [x + exact_number(EPS) * v for x, v in zip(x0, direction)]
    uniform = [sp.Rational(1, 3)] * 3
    formulas = derived_formulas()
    at = {delta_: DELTA, gap_: GAP}
    s_star = formulas["s_star"].subs(at)
    checks, rows = [], []
    plain_steps = int(sp.ceiling(3 * s_star / STEP))
    plain, plain_time = _timed_measure(base, RunSpec.build(x0, direction, EPS, STEP, plain_steps), BITS, progress, "plain MD")
    plain_peak = peak_of(plain, "amplification")
    rows.append(("plain MD", "-", plain_peak, plain, plain_time, plain_time))
    for lam in (STRENGTHS[1:2] if quick else STRENGTHS):
        md = anchored(base, lam)
        # Long enough for the tail to show the asymptotic rate: (1 - eta lambda)^T corrections die out.
        steps = int(sp.ceiling(max(3 * s_star, 30 / lam) / STEP))
        fixed, fixed_time = _timed_measure(md, RunSpec.build(x0, direction, EPS, STEP, steps, parameters=uniform), BITS,
                                           progress, f"fixed anchor, lambda = {lam}")
        init, init_time = _timed_measure(md, RunSpec.build(x0, direction, EPS, STEP, steps, parameters=x0,
                                                           perturbed_parameters=perturbed), BITS, progress,
                                         f"init anchor, lambda = {lam}")
        end = steps * STEP
        decay_rate = sp.log(1 - STEP * lam) / STEP
        # The dual difference contracts exactly by 1 - eta lambda; the primal amplification only asymptotically
        # (the mirror map's Jacobian along the run still converges to the fixed point's), so the fit on the
        # window is biased beyond its standard error (1.3e-7 relative at lambda = 1/10). What is checked is the
        # rate to DECAY_RATE_TOLERANCE, stated here and in the margin (it was an undocumented band before).
        decay = ExponentialGrowth(rate=decay_rate, window=(end / 2, end), quantity="amplification", exact=True,
                                  rate_tolerance=DECAY_RATE_TOLERANCE).check(fixed)
        checks.append(NamedCheck(f"lambda = {lam}, fixed anchor: decays at log(1 - eta lambda)/eta", decay, fixed))
        limit = formulas["amplification"].subs(at).subs(s_, 1 / lam)
        ctx = init.ctx
        final = init.fine.amplification[-1]
        exact = ctx.mpf(str(sp.N(limit, 40)))
        off = abs(final - exact) / exact
        ok = off <= ctx.mpf(str(LIMIT_TOLERANCE))
        checks.append(NamedCheck(f"lambda = {lam}, anchor at x_0: converges to A(1/lambda)", CheckResult(
            "limit", HOLDS if ok else VIOLATED, reading("final amplification ", rounded(final, 10, ctx)),
            reading("A(1/lambda) = ", rounded(limit, 10)),
            reading("relative gap ", rounded(off, 3, ctx), " (tolerance ", exactly(LIMIT_TOLERANCE), ")"),
            init.ladder.trusted_digits("amplification"), "amplification",
            "the initialization anchor's amplification tends to A(1/lambda), not to 0" if ok else
            "the initialization anchor's long-run amplification differs from A(1/lambda)",
            bound_curve=[(s, exact) for s in init.fine.eta_t]), init))
        fixed_final, init_final = fixed.fine.amplification[-1], init.fine.amplification[-1]
        resolved = fixed_final + fixed.uncertainties("amplification")[-1] < init_final - init.uncertainties("amplification")[-1]
        checks.append(NamedCheck(f"lambda = {lam}: fixed anchor ends below the init anchor", CheckResult(
            "comparative", HOLDS if resolved else VIOLATED,
            reading("long-run amplification: fixed ", rounded(fixed_final, 4, ctx), ", init ", rounded(init_final, 6, ctx)),
            "fixed < init", reading("ratio init/fixed ", rounded(init_final / fixed_final, 4, ctx)),
            min(fixed.ladder.trusted_digits("amplification"), init.ladder.trusted_digits("amplification")),
            "amplification", "the anchor choice decides whether the amplification decays")))
        rows.append(("fixed anchor (uniform)", lam, peak_of(fixed, "amplification"), fixed, fixed_time, plain_time))
        rows.append(("anchor at x_0", lam, peak_of(init, "amplification"), init, init_time, plain_time))
    table = markdown_table(
        ("method", "lambda", "peak amplification", "at eta*T", "long-run amplification", "f(x_T) - min f",
         "iterations to f - min f <= 1e-3", "time per iteration (vs plain)"),
        [(label, str(lam), laddered(m.ctx, peak.value, peak.digits, cap=6), rounded(peak.eta_t, 5, m.ctx),
          reading(_last(m, "amplification", 6), " (eta*T = ", rounded(m.fine.eta_t[-1], 4, m.ctx), ")"),
          _last(m, "objective", 4), _suboptimality_steps(m, TARGET), _time_per_iteration(seconds, plain_seconds))
         for label, lam, peak, m, seconds, plain_seconds in rows])
    return checks, table


def _last(m, quantity: str, cap: int):
    """The quantity at the run's last recorded step, with its trusted digits (at most ``cap``)."""
    return laddered(m.ctx, m.values(quantity)[-1], m.digits(quantity)[-1], m.uncertainties(quantity)[-1], cap=cap)


def _time_per_iteration(seconds: float, plain_seconds: float):
    return reading(rounded(seconds * 1e3, 2, notation="f"), " ms (", rounded(seconds / plain_seconds, 2, notation="f"), "x)")


class AnchoredOracle(ObjectiveOracle):
    """f + lambda * D_phi(x, a): the ridge oracle plus the anchor term's exact derivatives."""

    def __init__(self, base: ObjectiveOracle, kernel: MirrorDescentKernel, strength):
        self.base, self.kernel, self.strength = base, kernel, strength

    def value(self, ctx, x, params):
        return self.base.value(ctx, x, ())  # the report tracks f itself, not the anchored F

    def gradient(self, ctx, x, params):
        lam = ctx.mpf(self.strength.p) / self.strength.q
        at_x, at_a = self.kernel.mirror_map(ctx, x), self.kernel.mirror_map(ctx, params)
        return [g + lam * (p - q) for g, p, q in zip(self.base.gradient(ctx, x, ()), at_x, at_a)]

    def hessian(self, ctx, x, params):
        lam = ctx.mpf(self.strength.p) / self.strength.q
        hess_phi = self.kernel.regularizer_hessian(ctx, x)
        return [[h + lam * p for h, p in zip(row, prow)] for row, prow in zip(self.base.hessian(ctx, x, ()), hess_phi)]


def _construction_checks(progress):
    lam, step, horizon = sp.Rational(1, 20), sp.Rational(1, 10), 100
    K = int(math.ceil((horizon + 2) / float(construction.SPACING))) + 4
    r = construction.tube_width(K)
    reg = construction.regularizer()
    plain_md = MirrorDescent(reg, construction.objective(2, r))
    base_oracle = construction.RidgeOracle(K, r)
    plain_kernel = MirrorDescentKernel(plain_md, base_oracle)
    md = anchored(plain_md, lam)
    kernel = MirrorDescentKernel(md, AnchoredOracle(base_oracle, plain_kernel, lam))
    start, direction, eps = ["0", "0", "-1"], [1, 0, 0], "1e-8"
    steps = int(horizon / step)
    perturbed = [sp.Rational(x) + exact_number(eps) * v for x, v in zip(start, direction)]
    plain, plain_time = _timed_measure(plain_md, RunSpec.build(start, direction, eps, step, steps, record_every=10), 96,
                                       progress, "claim-2 construction, plain MD", plain_kernel)
    fixed, fixed_time = _timed_measure(md, RunSpec.build(start, direction, eps, step, steps, record_every=10,
                                                         parameters=start), 96, progress,
                                       "claim-2 construction, fixed anchor", kernel)
    init, init_time = _timed_measure(md, RunSpec.build(start, direction, eps, step, steps, record_every=10,
                                                       parameters=start, perturbed_parameters=perturbed), 96, progress,
                                     "claim-2 construction, init anchor", kernel)
    ctx = fixed.ctx
    fixed_final, init_final = fixed.fine.amplification[-1], init.fine.amplification[-1]
    ok = fixed_final < init_final
    check = NamedCheck(f"claim-2 construction, lambda = {lam}: fixed anchor's long-run amplification below the init anchor's",
                       CheckResult("comparative", HOLDS if ok else VIOLATED,
                                   reading("fixed ", rounded(fixed_final, 4, ctx), ", init ", rounded(init_final, 4, ctx)),
                                   "fixed < init", reading("ratio ", rounded(init_final / fixed_final, 4, ctx)),
                                   min(fixed.ladder.trusted_digits("amplification"), init.ladder.trusted_digits("amplification")),
                                   "amplification", "compared at eta*T = 100"), fixed)
    rows = []
    for label, m, seconds in (("plain MD", plain, plain_time), (f"fixed anchor, lambda = {lam}", fixed, fixed_time),
                              (f"anchor at x_0, lambda = {lam}", init, init_time)):
        peak = peak_of(m, "amplification")
        rows.append((label, laddered(m.ctx, peak.value, peak.digits, cap=5), _last(m, "amplification", 5),
                     _last(m, "objective", 6), _time_per_iteration(seconds, plain_time)))
    return [check], markdown_table(("method (claim-2 construction)", "peak amplification", "long-run amplification",
                                    "f(x_T)", "time per iteration (vs plain)"), rows)


@register("claim4_anchoring")
def run(quick: bool = False, full: bool = False, progress=None) -> ClaimReport:
    from mdtheory.progress import SILENT

    progress = progress or SILENT
    checks, kl_table = _kl_checks(quick, progress)
    tables = [kl_table]
    if not quick:
        construction_checks, construction_table = _construction_checks(progress)
        checks += construction_checks
        tables.append(construction_table)
    return ClaimReport(
        name="claim4_anchoring",
        title="anchoring stabilizes; a fixed anchor beats anchoring at the initialization",
        statement=__doc__,
        checks=checks,
        tables=tables,
        notes=["Anchoring costs accuracy: the anchored iterates converge to the minimizer of f + lambda D_phi(x, a), "
               "not of f; see f(x_T) - min f and the iterations to 1e-3 (\"never\" when the anchored fixed point is "
               "farther than that)."],
    )
