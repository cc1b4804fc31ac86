"""Step-size schedules: ``eta`` given as an exact expression in the step index t.

The convention: eta_t is the step size of the update that produces x_{t+1} from x_t, for t = 0, 1, ..., T - 1
(the first step is eta_0). ``eta = "1/sqrt(t+1)"`` takes a first step of 1; the classic 1/(mu t) of theorems
that count steps from 1 is written ``1/(mu*(t+1))``. The sums bounds name are over the steps taken before step
t: sum_eta(t) = sum_{s<t} eta_s (with a constant eta, eta*t: what etaT means), sum_eta2(t) = sum_{s<t} eta_s^2.

A schedule is positive at every step of the run or it is refused (``check_positive``): checked at each step
exactly where eta_t is rational, and in arb balls otherwise (a ball that straddles 0 at every precision tried is
refused too: positivity is shown, never assumed). Each rung of the ladder evaluates eta_t at its own precision:
a rational eta_t is rounded once from its exact value, a closed form is evaluated in the rung's arithmetic.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.context import ArbContext, flint_precision
from mdtheory.errors import StepSizeError

STEP = sp.Symbol("t", integer=True, nonnegative=True)  # the step index of a schedule, from 0
# A closed-form eta_t is shown positive in arb balls at these precisions, in turn, before it is refused
POSITIVITY_BITS = (64, 256)
# A closed-form schedule is shown positive over blocks of at least this many steps with one ball around the block
# (halved where the ball is not positive), and step by step below it
BLOCK_MIN_STEPS = 16
# Prefix sums of a rational schedule are kept exact (Fractions) up to this many steps; beyond, their
# denominators grow like lcm(1..T) (the harmonic sums of 1/(t+1)), and they are summed in the rung's arithmetic
EXACT_SUM_STEPS = 2000
# Prefix sums computed per (schedule, context, steps, power): a check asks for the same ones on every bound
SUM_CACHE_ENTRIES = 8


@dataclass(frozen=True)
class StepSchedule:
    """eta_t = ``expr`` (exact, in STEP, declared constants substituted), as written in ``text``."""

    expr: sp.Expr
    text: str
    _compiled: object = field(default=None, compare=False, repr=False)
    _rational: tuple | None = field(default=None, compare=False, repr=False)
    _checked_steps: int = field(default=0, compare=False, repr=False)  # check_positive passed for this many

    def __post_init__(self):
        object.__setattr__(self, "_compiled", CompiledExpressions([self.expr], [STEP]))
        object.__setattr__(self, "_rational", _rational_function(self.expr))

    def __str__(self) -> str:
        return self.text

    @property
    def is_rational(self) -> bool:
        """eta_t is a ratio of polynomials in t with rational coefficients: rational at every step."""
        return self._rational is not None

    def exact(self, t: int) -> sp.Expr:
        """eta_t exactly."""
        if self._rational is not None:
            value = self._fraction(t)
            return sp.Rational(value.numerator, value.denominator)
        return self.expr.subs(STEP, t)

    def at(self, ctx, t: int):
        """eta_t in ``ctx``: rounded once from the exact rational, or the closed form in ctx's arithmetic."""
        if self._rational is not None:
            return ctx.exact(self.exact(t))
        return self._compiled(ctx, ctx.mpf(t))[0]

    def _fraction(self, t: int) -> Fraction:
        numerator, denominator = self._rational
        return _horner(numerator, t) / _horner(denominator, t)

    def check_positive(self, steps: int, key: str) -> None:
        """Refuse (StepSizeError naming ``key``) a schedule that is not positive, or not defined, at some
        step t = 0, ..., steps - 1: exactly for a rational schedule (its numerator and denominator as integer
        polynomials, at every t), in arb balls otherwise (over a block of steps at once, where a ball around t
        covering the block keeps eta_t positive; step by step where it does not)."""
        fix = "give an expression in t positive at every step t = 0, ..., steps - 1"
        if steps <= self._checked_steps:
            return
        if self._rational is not None:
            numerator, denominator = (_integer_coefficients(c) for c in self._rational)
            for t in range(steps):
                p, q = _integer_horner(numerator, t), _integer_horner(denominator, t)
                if q == 0:
                    raise StepSizeError(f"{key}: {self.text} is not defined at t = {t} (a division by 0); {fix}")
                if (p > 0) != (q > 0) or p == 0:
                    raise StepSizeError(f"{key}: {self.text} = {self.exact(t)} at t = {t}, not positive; {fix}")
        else:
            pending = [(0, steps - 1)]
            while pending:
                first, last = pending.pop()
                if last - first >= BLOCK_MIN_STEPS and self._positive_on(first, last):
                    continue
                if last - first >= BLOCK_MIN_STEPS:
                    middle = (first + last) // 2
                    pending += [(middle + 1, last), (first, middle)]  # the earlier half first: the first bad t is named
                    continue
                for t in range(first, last + 1):
                    sign = self._ball_sign(t)
                    if sign is None:
                        raise StepSizeError(f"{key}: {self.text} is not shown positive at t = {t} (its value there is "
                                            f"not resolved from 0 in balls of {POSITIVITY_BITS[-1]} bits); {fix}")
                    if sign <= 0:
                        value = sp.N(self.expr.subs(STEP, t), 6)
                        raise StepSizeError(f"{key}: {self.text} = {value} at t = {t}, not positive; {fix}")
        object.__setattr__(self, "_checked_steps", max(steps, self._checked_steps))

    def _positive_on(self, first: int, last: int) -> bool:
        """eta_t > 0 for every real t in [first, last], shown by one arb ball around that interval."""
        with flint_precision(POSITIVITY_BITS[0]):
            arb = ArbContext(POSITIVITY_BITS[0])
            t = arb.mpf(first + last) / 2 + arb._arb(0, (last - first) / 2 + 1)  # radius rounded up: covers both ends
            try:
                ball = self._compiled(arb, t)[0]
            except (ZeroDivisionError, ValueError):
                return False
            return bool(ball.is_finite() and ball > 0)

    def _ball_sign(self, t: int) -> int | None:
        """+1 or -1 where an arb ball around eta_t excludes 0, 0 where eta_t is exactly 0 (or undefined),
        None where no precision tried resolves it."""
        for bits in POSITIVITY_BITS:
            with flint_precision(bits):
                arb = ArbContext(bits)
                try:
                    ball = self._compiled(arb, arb.mpf(t))[0]
                except (ZeroDivisionError, ValueError):
                    return 0
                if not ball.is_finite():
                    return 0
                if ball > 0:
                    return 1
                if ball < 0:
                    return -1
        exact = self.expr.subs(STEP, t)
        return 0 if exact.is_zero or not exact.is_finite else None

    def sums(self, ctx, steps: int, power: int = 1) -> tuple:
        """[sum_{s<t} eta_s^power for t = 0, ..., steps] in ``ctx``: exact then rounded once where the
        schedule is rational and steps <= EXACT_SUM_STEPS, else accumulated in ctx's arithmetic."""
        return _prefix_sums(self, ctx, steps, power)


@functools.lru_cache(maxsize=SUM_CACHE_ENTRIES)
def _cached_sums(schedule: StepSchedule, ctx, steps: int, power: int) -> tuple:
    total, values = (Fraction(0) if _exact_sums(schedule, steps) else ctx.mpf(0)), []
    for t in range(steps + 1):
        values.append(ctx.exact(sp.Rational(total.numerator, total.denominator)) if isinstance(total, Fraction)
                      else total)
        if t < steps:
            if isinstance(total, Fraction):
                total += schedule._fraction(t) ** power
            else:
                total += schedule.at(ctx, t) ** power
    return tuple(values)


def _prefix_sums(schedule: StepSchedule, ctx, steps: int, power: int) -> tuple:
    return _cached_sums(schedule, ctx, steps, power)


def _exact_sums(schedule: StepSchedule, steps: int) -> bool:
    return schedule.is_rational and steps <= EXACT_SUM_STEPS


def constant_sums(ctx, eta: sp.Expr, steps: int, power: int = 1) -> list:
    """[t eta^power for t = 0, ..., steps], each rounded once from the exact product."""
    return [ctx.exact(eta**power * t) for t in range(steps + 1)]


def step_sums(ctx, eta, steps: int, power: int = 1) -> tuple | list:
    """sum_{s<t} eta_s^power at every t = 0, ..., steps, for a schedule or a constant eta."""
    if isinstance(eta, StepSchedule):
        return eta.sums(ctx, steps, power)
    return constant_sums(ctx, eta, steps, power)


def step_size_at(ctx, eta):
    """t -> eta_t in ``ctx``: a schedule's value, or the constant rounded once (the same object at every t)."""
    if isinstance(eta, StepSchedule):
        return lambda t: eta.at(ctx, t)
    value = ctx.exact(eta)
    return lambda t: value


def schedule_text(eta, step: str = "the step from x_t to x_(t+1)") -> str:
    """What a printed update adds for a schedule: which eta each step takes."""
    if not isinstance(eta, StepSchedule):
        return ""
    return f"; eta = eta_t = {eta.text} for {step}, t = 0, 1, ..."


def _rational_function(expr: sp.Expr) -> tuple | None:
    """(numerator, denominator) coefficient lists (Fractions, highest degree first) of a ratio of polynomials in
    t with rational coefficients, or None."""
    numerator, denominator = sp.fraction(sp.together(expr))
    try:
        polys = [sp.Poly(part, STEP) for part in (numerator, denominator)]
    except sp.PolynomialError:
        return None
    if not all(c.is_Rational for p in polys for c in p.all_coeffs()):
        return None
    return tuple([Fraction(int(c.p), int(c.q)) for c in p.all_coeffs()] for p in polys)


def _integer_coefficients(coefficients: list) -> list[int]:
    """The coefficients times their common denominator (a positive integer): the same sign everywhere."""
    common = math.lcm(*(c.denominator for c in coefficients))
    return [int(c * common) for c in coefficients]


def _integer_horner(coefficients: list[int], t: int) -> int:
    value = 0
    for c in coefficients:
        value = value * t + c
    return value


def _horner(coefficients: list, t: int) -> Fraction:
    value = Fraction(0)
    for c in coefficients:
        value = value * t + c
    return value
