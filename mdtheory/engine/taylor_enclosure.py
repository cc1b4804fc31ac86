"""A validated Taylor integrator in ball arithmetic (python-flint's arb): y(t) of y' = F(y) enclosed at given times.

Each step, from a vector of balls [y] that contains the solution at time t, over a step h:

1. An a-priori enclosure: a box B (a vector of balls) with [y] + [0, h] F(B) contained in B. Then every solution
   from a point of [y] exists on [t, t + h] and stays in [y] + [0, h] F(B), which is inside B (Picard-Lindelof,
   the first step of Lohner's method; Moore 1966, Nedialkov, Jackson & Corliss 1999). B is found by iterating
   B <- [y] + [0, h] F(B) from an inflated [y]; h is halved when no box validates.
2. The Taylor series with its Lagrange remainder: y(t + h) lies in sum_{k<n} c_k([y]) h^k + c_n(B) h^n, where
   c_k(p) is the k-th Taylor coefficient of the solution through p (the recurrences of ``engine.taylor_ode``,
   run here on arb balls, so c_k([y]) contains c_k(p) for every p in [y]) and y^(n)(tau)/n! = c_n(y(tau)) with
   y(tau) in B.

Every operation is on balls guaranteed to contain the exact real result, and the time is kept exactly (a
rational), so the final balls contain the exact solution at the stated times. The step length comes from the
same heuristic as the point integrator's (on the coefficients' midpoints); it affects the width, never the rigor.
The boxes are not rotated (no Lohner QR): the wrapping effect makes the radii grow like e^(|J| t), |J| the
field's Jacobian in absolute value. Starting from radii near 2^-bits this leaves a usable enclosure over moderate
times; where it does not, the caller finds the balls too wide to decide and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from mdtheory.engine.context import ArbContext
from mdtheory.engine.taylor_ode import STEP_SAFETY, SeriesArithmetic, TaylorStepError, _coefficients

MAX_ENCLOSURE_STEPS = 20_000  # steps to the last time, as the point integrator allows
PICARD_ITERATIONS = 6  # B <- [y] + [0, h] F(B) tried this often before h is halved
MAX_HALVINGS = 40  # a step halved this often without a validated box: the field is not enclosed there
INFLATION = 2  # an unvalidated box's radii are multiplied by this (plus 2^-bits of its size) for the next try


class EnclosureError(TaylorStepError):
    """No validated enclosure could be made up to a requested time (a box that does not validate, a blow-up)."""


class BallSeriesContext(ArbContext):
    """The arb context with what ``taylor_ode``'s series recurrences ask of a context beyond mpmath's names."""

    @property
    def zero(self):
        return self._arb(0)

    @property
    def one(self):
        return self._arb(1)

    def fdot(self, pairs):
        return sum((a * b for a, b in pairs), self._arb(0))


def enclose(ctx: BallSeriesContext, field: Callable, y0: Sequence, times: Sequence[Fraction],
            order: int) -> list[list]:
    """Balls containing y(t) at each of ``times`` (exact, increasing, > 0) for y' = field(arithmetic, y), y(0) in
    the balls ``y0``; run under ``flint_precision(ctx.prec)``."""
    arithmetic = SeriesArithmetic(ctx)
    t, y, out, steps = Fraction(0), list(y0), [], 0
    for target in times:
        while t < target:
            steps += 1
            if steps > MAX_ENCLOSURE_STEPS:
                raise EnclosureError(f"the enclosure needs more than {MAX_ENCLOSURE_STEPS} steps to reach t = "
                                     f"{target}")
            series = _coefficients(ctx, arithmetic, field, y, order - 1)
            h = min(target - t, _dyadic_step(ctx, series, order))
            y, h = _validated_step(ctx, arithmetic, field, y, series, h, order)
            t += h
            if not all(v.is_finite() for v in y):
                raise EnclosureError(f"the enclosure is unbounded near t = {float(t):.6g}")
        out.append(list(y))
    return out


def _validated_step(ctx, arithmetic, field, y, series, h: Fraction, order: int) -> tuple[list, Fraction]:
    """(balls containing y(t + h), h), h halved until an a-priori box validates."""
    arb = ctx._arb
    for _ in range(MAX_HALVINGS):
        step = arb(h.numerator) / h.denominator
        interval = arb.union(arb(0), step)  # [0, h] and a little more: it contains every tau in [0, h]
        box = _a_priori_box(ctx, arithmetic, field, y, interval)
        if box is not None:
            remainder = _coefficients(ctx, arithmetic, field, box, order)
            return [ctx.fdot(((c, step ** k) for k, c in enumerate(coefficients)))
                    + rest[order] * step ** order for coefficients, rest in zip(series, remainder)], h
        h /= 2
    raise EnclosureError(f"no a-priori enclosure validates for a step of {float(h):.3g} or more")


def _a_priori_box(ctx, arithmetic, field, y, interval) -> list | None:
    """A box B with y + interval * F(B) inside B (that box, which contains the solutions over the step), or None."""
    arb, eps = ctx._arb, ctx.ldexp(1, -ctx.prec)
    box = list(y)
    for _ in range(PICARD_ITERATIONS):
        image = [a + interval * d for a, d in zip(y, _values(ctx, field(ctx, box)))]
        if all(b.contains(p) for b, p in zip(box, image)):
            return image
        box = [arb(p.mid(), p.rad() * INFLATION + eps * (1 + abs(p.mid()))) for p in image]
    return None


def _values(ctx, entries) -> list:
    return [e if type(e) is ctx._arb else ctx.mpf(e) for e in entries]


def _dyadic_step(ctx, series: list[list], order: int) -> Fraction:
    """A power of two near the step on which the last coefficients' terms stay below 2^-bits of the solution's
    scale (``taylor_ode._step``'s rule, on the midpoints): a heuristic, which the validation makes safe."""
    scale = max([1.0] + [abs(float(c[0].mid())) for c in series])
    tol = 2.0 ** -ctx.prec
    radius = float("inf")
    for c in series:
        for k in (order - 1, order - 2):
            size = abs(float(c[k].mid())) + float(c[k].rad())
            if size > 0:
                radius = min(radius, (tol * scale / size) ** (1 / k))
    radius = min(radius, 2.0**10) / STEP_SAFETY
    exponent = 0
    while 2.0**exponent > radius and exponent > -200:
        exponent -= 1
    while 2.0 ** (exponent + 1) <= radius:
        exponent += 1
    return Fraction(2) ** exponent


__all__ = ["MAX_ENCLOSURE_STEPS", "BallSeriesContext", "EnclosureError", "enclose"]
