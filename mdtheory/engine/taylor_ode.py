"""A Taylor-series integrator for autonomous ODEs y' = F(y), in a precision context the caller owns.

F is a compiled sympy expression (``engine.codegen.CompiledExpressions``); evaluated in a ``SeriesArithmetic``
instead of a number context, it builds a graph of truncated power series whose coefficients come from the
classical recurrences (Cauchy product, quotient, exp, log, power: Moore 1966, Jorba & Zou 2005), each computed
once, so that a step of order n costs O(n^2) per operation. Coefficient k + 1 of y is coefficient k of F(y)
divided by k + 1.

Accuracy follows the context: the order is ``taylor_order(bits)`` and the step is cut so that the last
coefficients' terms are below 2^-bits of the solution's scale (as mpmath's odefun chooses it), so a run at 2b
bits doubles the precision and the integration accuracy together and the ladder (``engine.ladder``) keeps the
digits both rungs agree on. This step control is a heuristic, not an enclosure: the truncation error is
estimated from the coefficients, not bounded, so no verdict from this module is called proved; the validated
counterpart, with an a-priori box per step and the series' remainder bounded on it, is ``engine.taylor_enclosure``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mdtheory.errors import MDTheoryError

# Steps a run may take to reach its last time: a solution that blows up (or comes near a singularity) shrinks
# the step without end, and is refused when it needs more than this.
MAX_TAYLOR_STEPS = 20_000
# The step is this fraction of the radius on which the last coefficients stay below the tolerance (mpmath's 1/2).
STEP_SAFETY = 2


def taylor_order(bits: int) -> int:
    """The order of the series at ``bits`` bits: higher with the precision, so that a step's error scales with
    2^-bits at a step length that stays near the solution's radius of convergence."""
    return 8 + bits // 4


class TaylorStepError(MDTheoryError):
    """The integration could not reach a requested time (a blow-up, a singularity, a function with no series)."""


class Series:
    """A power series in the time offset whose coefficients are computed on demand, each once."""

    __slots__ = ("ctx", "c")

    def __init__(self, ctx, coefficients: list):
        self.ctx, self.c = ctx, coefficients

    def coef(self, k: int):
        c = self.c
        while len(c) <= k:
            c.append(self._next(len(c)))
        return c[k]

    def _next(self, k: int):
        raise TaylorStepError("a variable's next coefficient is set by the integrator, not computed")

    # ---- arithmetic with series and scalars
    def _wrap(self, other):
        return other if isinstance(other, Series) else Constant(self.ctx, other)

    def __add__(self, other):
        return Sum(self, self._wrap(other), 1)

    __radd__ = __add__

    def __sub__(self, other):
        return Sum(self, self._wrap(other), -1)

    def __rsub__(self, other):
        return Sum(self._wrap(other), self, -1)

    def __neg__(self):
        return Sum(Constant(self.ctx, 0), self, -1)

    def __pos__(self):
        return self

    def __mul__(self, other):
        return Product(self, self._wrap(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        return Quotient(self, self._wrap(other))

    def __rtruediv__(self, other):
        return Quotient(self._wrap(other), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Series):
            return Exponential(exponent * Logarithm(self))
        if isinstance(exponent, int) and 1 <= exponent <= 4:  # exact zeros of the product kept (x**2 of a line)
            result = self
            for _ in range(exponent - 1):
                result = Product(result, self)
            return result
        return Power(self, exponent)

    def __rpow__(self, base):
        return Exponential(self * self.ctx.log(base))

    def _refuse(self, *_):
        raise TaylorStepError("the flow's Taylor integrator cannot compare power series (abs, max, min, sign in "
                              "the gradient): the flow needs an analytic objective")

    __lt__ = __le__ = __gt__ = __ge__ = __abs__ = __bool__ = _refuse


class Variable(Series):
    """A coordinate of the solution: its coefficients are appended by the integrator."""


class Constant(Series):
    def __init__(self, ctx, value):
        super().__init__(ctx, [ctx.mpf(value)])

    def coef(self, k: int):
        return self.c[0] if k == 0 else self.ctx.zero


class Sum(Series):
    __slots__ = ("a", "b", "sign")

    def __init__(self, a: Series, b: Series, sign: int):
        super().__init__(a.ctx, [])
        self.a, self.b, self.sign = a, b, sign

    def _next(self, k):
        return self.a.coef(k) + self.sign * self.b.coef(k)


class Product(Series):
    __slots__ = ("a", "b")

    def __init__(self, a: Series, b: Series):
        super().__init__(a.ctx, [])
        self.a, self.b = a, b

    def _next(self, k):
        a, b = self.a, self.b
        return self.ctx.fdot((a.coef(j), b.coef(k - j)) for j in range(k + 1))


class Quotient(Series):
    __slots__ = ("a", "b")

    def __init__(self, a: Series, b: Series):
        super().__init__(a.ctx, [])
        self.a, self.b = a, b

    def _next(self, k):
        b = self.b
        return (self.a.coef(k) - self.ctx.fdot((b.coef(j), self.c[k - j]) for j in range(1, k + 1))) / b.coef(0)


class Exponential(Series):
    __slots__ = ("a",)

    def __init__(self, a: Series):
        super().__init__(a.ctx, [])
        self.a = a

    def _next(self, k):
        if k == 0:
            return self.ctx.exp(self.a.coef(0))
        a = self.a
        return self.ctx.fdot((j * a.coef(j), self.c[k - j]) for j in range(1, k + 1)) / k


class Logarithm(Series):
    __slots__ = ("a",)

    def __init__(self, a: Series):
        super().__init__(a.ctx, [])
        self.a = a

    def _next(self, k):
        a = self.a
        if k == 0:
            return self.ctx.log(a.coef(0))
        tail = self.ctx.fdot((j * self.c[j], a.coef(k - j)) for j in range(1, k)) / k
        return (a.coef(k) - tail) / a.coef(0)


class Power(Series):
    """a^r for a constant r: p_k = sum_{j=1..k} (r j - (k - j)) a_j p_{k-j} / (k a_0)."""

    __slots__ = ("a", "r")

    def __init__(self, a: Series, r):
        super().__init__(a.ctx, [])
        self.a, self.r = a, a.ctx.mpf(r)

    def _next(self, k):
        a, r = self.a, self.r
        if k == 0:
            return self.ctx.power(a.coef(0), r)
        total = self.ctx.fdot(((r * j - (k - j)) * a.coef(j), self.c[k - j]) for j in range(1, k + 1))
        return total / (k * a.coef(0))


class SeriesArithmetic:
    """What compiled code calls its ``mpmath`` argument, over power series: constants are the context's numbers,
    functions build series. A function with no series here is refused, naming it."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.pi, self.e = ctx.pi, ctx.e

    def mpf(self, value):
        return self.ctx.mpf(value)

    def exp(self, a):
        return Exponential(a) if isinstance(a, Series) else self.ctx.exp(a)

    def log(self, a):
        return Logarithm(a) if isinstance(a, Series) else self.ctx.log(a)

    def sqrt(self, a):
        return Power(a, self.ctx.mpf(1) / 2) if isinstance(a, Series) else self.ctx.sqrt(a)

    def power(self, base, exponent):
        if isinstance(base, Series) or isinstance(exponent, Series):
            return (base if isinstance(base, Series) else Constant(self.ctx, base)) ** exponent
        return self.ctx.power(base, exponent)

    def __getattr__(self, name):
        raise TaylorStepError(f"the flow's Taylor integrator has no power series for {name}(): write the "
                              "objective and the mirror map with exp, log, powers and sqrt")


def integrate(ctx, field: Callable, y0: Sequence, times: Sequence, order: int | None = None,
              series_at_start: Callable | None = None) -> list[list]:
    """y(t) at each of ``times`` (increasing, >= 0) for y' = field(arithmetic, y), y(0) = y0, in ``ctx``.

    ``field(arithmetic, y)`` is called with ``SeriesArithmetic`` and a list of ``Series``; it returns the
    derivative's entries (series or constants). A field singular at the start (a 1/t coefficient, t a
    coordinate of y) cannot give the first step's series by its recurrence; ``series_at_start(arithmetic, y0,
    order)`` then gives the coefficients of the solution there, one list per coordinate, and the field's
    recurrence takes every later step."""
    order = order or taylor_order(ctx.prec)
    arithmetic = SeriesArithmetic(ctx)
    first = series_at_start
    tol = ctx.ldexp(1, -ctx.prec)
    t, y, out, steps = ctx.zero, [ctx.mpf(v) for v in y0], [], 0
    for target in times:
        target = ctx.mpf(target)
        while t < target:
            steps += 1
            if steps > MAX_TAYLOR_STEPS:
                raise TaylorStepError(f"the flow needs more than {MAX_TAYLOR_STEPS} Taylor steps to reach t = "
                                      f"{ctx.nstr(target, 8)} (at t = {ctx.nstr(t, 8)} the step is "
                                      f"{ctx.nstr(target - t, 3)} or less): it blows up or nears a singularity; "
                                      "choose earlier times")
            if first is None:
                series = _coefficients(ctx, arithmetic, field, y, order)
            else:
                series, first = first(arithmetic, y, order), None
            h = min(target - t, _step(ctx, series, tol))
            y = [ctx.polyval(c[::-1], h) for c in series]
            if not all(ctx.isfinite(v) for v in y):
                raise TaylorStepError(f"the flow left the reals near t = {ctx.nstr(t, 8)} (a value is not finite)")
            t = t + h if t + h < target else target
        out.append(list(y))
    return out


def _coefficients(ctx, arithmetic, field, y, order) -> list[list]:
    variables = [Variable(ctx, [v]) for v in y]
    derivative = as_series(ctx, field(arithmetic, variables))
    for k in range(order):
        for v, d in zip(variables, derivative):
            v.c.append(d.coef(k) / (k + 1))
    return [v.c for v in variables]


def as_series(ctx, entries) -> list[Series]:
    """Compiled expressions' entries as series: a constant entry (a linear f's gradient) as a Constant."""
    return [e if isinstance(e, Series) else Constant(ctx, e) for e in entries]


def _step(ctx, series: list[list], tol):
    """The step on which the last two coefficients' terms stay below tol times the solution's scale."""
    scale = max([ctx.one] + [abs(c[0]) for c in series])
    radius = ctx.inf
    for c in series:
        n = len(c) - 1
        for k in (n, n - 1):
            if c[k] != 0:
                radius = min(radius, ctx.nthroot(tol * scale / abs(c[k]), k))
    if radius == ctx.inf:
        return radius  # a polynomial of degree < n - 1: the series is the solution
    return radius / STEP_SAFETY


__all__ = ["MAX_TAYLOR_STEPS", "SeriesArithmetic", "TaylorStepError", "Variable", "as_series", "integrate",
           "taylor_order"]
