"""Claim 3 (arXiv 2606.11431): KL geometry on the simplex amplifies perturbations even for linear objectives.

Setting. Entropic Mirror Descent (phi = sum x_i log x_i on the simplex) on f(x) = <c, x>, step eta. Its
T-step map is x_T = softmax(log x_0 - s c) with s = eta*T, and (derived by sympy below)
    J_T = d x_T / d x_0 = (diag(x_T) - x_T x_T^T) diag(1/x_0).

Two-group instances (derived by sympy in ``mdtheory.instances.two_group_simplex``). Let coordinate 1 have
start delta and cost 0, and the other d-1 coordinates share the rest of the mass and cost Delta > 0.
Moving mass into coordinate 1 (v = (d-1, -1, ..., -1)) keeps the two-group shape, and the tangent
amplification is
    A(s) = x_1(s) (1 - x_1(s)) / (delta (1 - delta)),   x_1(s) = delta e^{Delta s} / (delta e^{Delta s} + 1 - delta),
which is also the operator norm of J_T on the tangent space whenever A >= 1. Hence
  - growth: A(s) ~ e^{Delta s} while x_1 << 1, i.e. rate Delta per unit eta*T;
  - peak:   A* = 1/(4 delta (1 - delta)) at s* = log((1 - delta)/delta) / Delta;
  - near the boundary (delta -> 0) the peak is 1/(4 delta); from a uniform start (delta = 1/d) it is
    d^2 / (4 (d - 1)), linear in d;
  - finite perturbation of a coordinate of size eps (delta = eps, doubled by the perturbation): the
    separation saturates at sqrt(3/2) (3 - 2 sqrt 2) ~ 0.2101 for d = 3, whatever eps, an amplification of
    (3 - 2 sqrt 2)/eps.

Checked. The sympy Jacobian of the closed form against the formula above (symbolic identity); the
engine's product of one-step Jacobians against A(s) at every step (delta in {1e-6, 1e-12, 1e-30},
Delta = 1, eta = 1/4, d = 3); the fitted growth rate against Delta; the peak against 1/(4 delta (1-delta));
the operator norm at the peak; the uniform-start peaks for d in {10, 10^2, 10^3, 10^4, 10^5} (exact
grouped closed form); the finite-perturbation saturation level.
"""

from __future__ import annotations

import math

import sympy as sp

from mdtheory.checker import (HOLDS, CheckResult, ClaimReport, ClosedFormAgreement, ExponentialGrowth, NamedCheck, Saturation,
                              exactly, joined, reading, rounded)
from mdtheory.checker.bounds import ETA_T, agreement
from mdtheory.checker.measure import Measurement, least_squares_slope, measure
from mdtheory.checker.result import markdown_table
from mdtheory.claims import register
from mdtheory.engine.closed_forms import GroupedSimplexStart, entropic_linear_operator_norm, entropic_linear_series
from mdtheory.engine.ladder import PrecisionLadder
from mdtheory.engine.run import RunSpec
from mdtheory.instances.two_group_simplex import delta_, derived_formulas, gap_, s_
from mdtheory.symbolic.catalogue import negative_entropy
from mdtheory.symbolic.mirror_descent import STEPS, ETA, MirrorDescent, closed_form_t_step
from mdtheory.symbolic.objectives import linear
from mdtheory.symbolic.parsing import exact_number
from mdtheory.verdict import INCONCLUSIVE, VIOLATED

BITS = 256
GAP = sp.Integer(1)
STEP = sp.Rational(1, 4)
DELTAS = ("1e-6", "1e-12", "1e-30")
DIMENSIONS = (10, 100, 1000, 10**4, 10**5)
FINITE_EPS = "1e-12"
# The recorded peak is the best grid point; on a grid of spacing eta*Delta = 1/4 it is within a factor
# 4 x(1-x) >= 0.996 of the continuous peak.
PEAK_FACTOR = sp.Rational(101, 100)

def jacobian_certificate() -> tuple[bool, bool]:
    """sympy: (1) the Jacobian of the closed-form T-step map is (diag(x_T) - x_T x_T^T) diag(1/x_0);
    (2) along v = (2, -1, -1) from the two-group start it amplifies by A(s)."""
    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, [0, 1, 1]))
    closed = closed_form_t_step(md).subs(ETA * STEPS, s_)
    closed = closed.subs(s_, s_ * gap_)  # costs (0, Delta, Delta)
    x0 = sp.Matrix(reg.variables)
    jacobian = closed.jacobian(reg.variables)
    formula = (sp.diag(*closed) - closed * closed.T) * sp.diag(*[1 / v for v in x0])
    identity = sp.simplify(jacobian - formula) == sp.zeros(3, 3)
    start = {reg.variables[0]: delta_, reg.variables[1]: (1 - delta_) / 2, reg.variables[2]: (1 - delta_) / 2}
    v = sp.Matrix([2, -1, -1])
    image = jacobian.subs(start) * v
    along = sp.simplify(image[0] / v[0] - derived_formulas()["amplification"])
    shape = sp.simplify(image[1] - image[2]) == 0 and sp.simplify(image[0] + 2 * image[1]) == 0
    return identity, bool(along == 0 and shape)


def _closed_form_measurement(start: GroupedSimplexStart, eps, eta, steps, bits, record_every=1) -> Measurement:
    ladder = PrecisionLadder(bits).run(lambda b: entropic_linear_series(start, eps, eta, steps, b, record_every))
    float_run = entropic_linear_series(start, eps, eta, steps, None, record_every)
    spec = RunSpec(x0=start.x0, direction=start.direction, eps=sp.Rational(eps), eta=sp.Rational(eta), steps=steps,
                   record_every=record_every)
    return Measurement(None, spec, ladder, float_run)


def _peak_operator_norm(start, peak_t, formula_peak) -> CheckResult:
    ctx_c, coarse = entropic_linear_operator_norm(start, STEP, peak_t, BITS)
    ctx_f, fine = entropic_linear_operator_norm(start, STEP, peak_t, 2 * BITS)
    exact = ctx_f.mpf(str(sp.N(formula_peak, 2 * BITS // 3)))
    return agreement("closed_form", ctx_f, fine, coarse, exact, f"||J_T|| at T = {peak_t}", "A(s) at that step")


CERTIFIED_FRACTION = sp.Rational(99, 100)  # the certified peak must reach 99% of 1/(4 delta (1 - delta))
CERTIFICATE_BITS = 256


def _certified_peak(start, peak_t, peak_level, name: str) -> NamedCheck:
    """Ball arithmetic on the closed form: a proof that the amplification at the peak step is at least
    99% of the continuous peak 1/(4 delta (1 - delta)), for the tangent and for a finite eps = 1e-40."""
    from mdtheory.checker.certify import entropic_linear_amplification

    certificates = entropic_linear_amplification(start, STEP, peak_t, "1e-40", CERTIFICATE_BITS)
    threshold = CERTIFIED_FRACTION * peak_level
    proved = all(c.proved and exact_number(c.lower_bound) >= threshold for c in certificates.values())
    label = f"{name}: certified peak amplification at T = {peak_t}"
    lower = joined(", ", (reading(f"{k} >= ", exactly(c.lower_bound)) for k, c in certificates.items()))
    return NamedCheck(label, CheckResult(
        "certificate", HOLDS if proved else INCONCLUSIVE, reading("proved: ") + lower,
        reading(">= 0.99/(4 delta (1-delta)) = ", rounded(threshold, 10)), "proved lower bound" if proved else "not proved",
        10, "tangent_amplification",
        f"ball arithmetic (arb, {CERTIFICATE_BITS} bits) on the closed-form T-step map: a theorem about this instance"
        if proved else "the ball enclosure was too wide or below the threshold: no certificate"))


@register("claim3_kl_linear")
def run(quick: bool = False, full: bool = False, progress=None) -> ClaimReport:
    from mdtheory.progress import SILENT

    progress = progress or SILENT
    formulas = derived_formulas()
    identity, along = jacobian_certificate()
    certificate = CheckResult(
        "symbolic", HOLDS if identity and along else VIOLATED,
        "sympy: J_T = (diag(x_T) - x_T x_T^T) diag(1/x_0), and J_T v = A(s) v on the two-group family",
        "identity", "simplify(difference) == 0" if identity and along else "nonzero difference", 0, "tangent_amplification",
        "symbolic identity proved by sympy" if identity and along else "the symbolic identity failed")
    checks = [NamedCheck("sympy Jacobian of the T-step map", certificate)]
    certified_labels = []
    rows = []

    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, [0, GAP, GAP]))
    for delta_text in (DELTAS[:2] if quick else DELTAS):
        delta = exact_number(delta_text)
        at = {delta_: delta, gap_: GAP}
        s_star = formulas["s_star"].subs(at)
        steps = int(sp.ceiling(2 * s_star / STEP)) + 4
        spec = RunSpec.build([delta, (1 - delta) / 2, (1 - delta) / 2], [2, -1, -1], "1e-40", STEP, steps)
        label = f"delta = {delta_text}"
        m = measure(md, spec, BITS, progress=progress(f"KL boundary {label}"))
        amplification_formula = formulas["amplification"].subs(at).subs(s_, ETA_T)
        checks.append(NamedCheck(f"{label}: tangent = A(s) at every step",
                                 ClosedFormAgreement(amplification_formula).check(m), m))
        # On the window up to s*/2 the slope of log A(s) falls short of Delta by a relative delta e^(Delta s) <=
        # sqrt(delta) (the saturation starting): the fit is biased by that much beyond its standard error, and
        # the claim says so rather than relying on a silent band.
        growth = ExponentialGrowth(rate=formulas["rate"].subs(at), window=(1, sp.floor(s_star / 2)),
                                   quantity="tangent_amplification", exact=True, rate_tolerance=sp.sqrt(delta)).check(m)
        checks.append(NamedCheck(f"{label}: growth rate = Delta", growth, m))
        peak_level = formulas["peak"].subs(at)
        saturation = Saturation(peak_level, PEAK_FACTOR, quantity="tangent_amplification").check(m)
        checks.append(NamedCheck(f"{label}: peak = 1/(4 delta (1-delta))", saturation, m))
        start = GroupedSimplexStart((1, 2), (delta, (1 - delta) / 2), (0, GAP), (2, -1))
        peak_index = max(range(len(m.fine.t)), key=lambda i: m.fine.log_tangent_amplification[i])
        peak_t = m.fine.t[peak_index]
        norm_check = _peak_operator_norm(start, peak_t, amplification_formula.subs(ETA_T, STEP * peak_t))
        checks.append(NamedCheck(f"{label}: operator norm at the peak", norm_check))
        certified = _certified_peak(start, peak_t, peak_level, label)
        checks.append(certified)
        certified_labels.append(certified.label)
        # the table's numbers are the checks' own figures (the JSON carries their every trusted digit)
        rows.append((label, growth.measured.figures[0] if growth.measured.figures else "?",
                     rounded(m.fine.eta_t[peak_index], 6, m.ctx), rounded(s_star, 6), saturation.measured.figures[0],
                     rounded(peak_level, 8), saturation.verdict))

    # Uniform start in high dimension, by the exact grouped closed form.
    dims = DIMENSIONS[:3] if quick else DIMENSIONS
    peaks = []
    high_rows = []
    for d in dims:
        delta = sp.Rational(1, d)
        at = {delta_: delta, gap_: GAP}
        s_star = formulas["s_star"].subs(at)
        steps = int(sp.ceiling(2 * s_star / STEP)) + 4
        start = GroupedSimplexStart((1, d - 1), (delta, delta), (0, GAP), (d - 1, -1))
        progress(f"uniform start d = {d}")(0, 1)
        m = _closed_form_measurement(start, "1e-30", STEP, steps, BITS)
        peak_level = formulas["peak"].subs(at)
        saturation = Saturation(peak_level, PEAK_FACTOR, quantity="tangent_amplification").check(m)
        checks.append(NamedCheck(f"uniform d = {d}: peak = d^2/(4(d-1))", saturation, m))
        peak_index = max(range(len(m.fine.t)), key=lambda i: m.fine.log_tangent_amplification[i])
        peaks.append((d, m.fine.log_tangent_amplification[peak_index], m.ctx))
        high_rows.append((d, saturation.measured.figures[0], rounded(peak_level, 8),
                          rounded(m.fine.eta_t[peak_index], 5, m.ctx), rounded(s_star, 5), saturation.verdict))
    slope = least_squares_slope([math.log(d) for d, _, _ in peaks], [float(log_peak) for _, log_peak, _ in peaks])

    # Finite perturbation of a coordinate that is itself of size eps.
    eps = exact_number(FINITE_EPS)
    start = GroupedSimplexStart((1, 2), (eps, (1 - eps) / 2), (0, GAP), (2, -1))
    s_star = formulas["s_star"].subs({delta_: eps, gap_: GAP})
    m = _closed_form_measurement(start, sp.Rational(1, 2) * eps, STEP, int(sp.ceiling(2 * s_star / STEP)) + 4, BITS)
    finite_level = sp.sqrt(sp.Rational(3, 2)) * (3 - 2 * sp.sqrt(2))
    finite = Saturation(finite_level, PEAK_FACTOR).check(m)
    checks.append(NamedCheck(f"finite: coordinate eps = {FINITE_EPS} doubled, separation saturates at sqrt(3/2)(3-2 sqrt 2)",
                             finite, m))

    table = markdown_table(("delta", "fitted rate (claimed 1)", "peak at eta*T", "s* formula", "peak amplification",
                            "formula 1/(4 delta(1-delta))", "verdict"), rows)
    high = markdown_table(("d", "peak amplification", "formula d^2/(4(d-1))", "peak at eta*T", "s* = log(d-1)", "verdict"),
                          high_rows)
    return ClaimReport(
        name="claim3_kl_linear",
        title="KL geometry amplifies even linear objectives",
        statement=__doc__,
        checks=checks,
        tables=[table, high],
        certified=certified_labels,
        notes=[f"Uniform start: log(peak) against log(d) has slope {slope:.4f} over d = {dims[0]}..{dims[-1]} "
               "(the formula d^2/(4(d-1)) gives slope -> 1).",
               f"Finite perturbation: peak separation {finite.measured.figures[0]} against "
               f"sqrt(3/2)(3 - 2 sqrt 2) = {rounded(finite_level, 10)}: an amplification of about "
               f"{rounded((3 - 2 * sp.sqrt(2)) / eps, 4)}."],
    )


