"""Measurements on a laddered run: growth-rate fits, peaks, worst-case amplification, float64 departure.

All arithmetic happens in the fine rung's context; a measured number carries the digits the ladder
trusted for the values it was computed from.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.engine.ladder import LadderedSeries, LadderResult, PrecisionLadder, laddered, resolved_digits, trusted_or_none
from mdtheory.engine.run import RunSeries, RunSpec, run_mirror_descent
from mdtheory.engine.schedule import step_sums
from mdtheory.errors import MDTheoryError
from mdtheory.methods import kernel_for
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.regularizer import strict_convexity

FLOAT64_DEPARTURE = sp.Rational(1, 10)  # float64 "departs" when its separation is off by more than 10%


@dataclass
class Extremes:
    """A quantity over every step, grouped by the recorded steps: entry i covers the steps (t_{i-1}, t_i] (entry 0
    is t = 0 alone). ``high`` is the largest fine value there, at step ``high_t``, with ``high_coarse`` the coarse
    rung's largest value over the same steps (possibly at another step) and ``high_uncertainty`` the ladder's
    absolute uncertainty of ``high``; likewise ``low`` for the smallest. With every step recorded each entry is
    one step and high = low = the value."""

    high: list
    high_t: list
    high_coarse: list
    high_uncertainty: list
    low: list
    low_t: list
    low_coarse: list
    low_uncertainty: list

    @classmethod
    def of_steps(cls, t, values, coarse, uncertainty) -> Extremes:
        return cls(list(values), list(t), list(coarse), list(uncertainty), list(values), list(t), list(coarse),
                   list(uncertainty))

    @classmethod
    def of_blocks(cls, recorded_t, every_t, values, coarse, uncertainty) -> Extremes:
        """Extremes of a series known at every step ``every_t``, over the blocks the recorded steps close."""
        result = cls([], [], [], [], [], [], [], [])
        start = 0
        for end_t in recorded_t:
            end = every_t.index(end_t, start) + 1
            span = range(start, end)
            high, low = max(span, key=lambda j: values[j]), min(span, key=lambda j: values[j])
            result.high.append(values[high]), result.high_t.append(every_t[high])
            result.high_coarse.append(max(coarse[j] for j in span)), result.high_uncertainty.append(uncertainty[high])
            result.low.append(values[low]), result.low_t.append(every_t[low])
            result.low_coarse.append(min(coarse[j] for j in span)), result.low_uncertainty.append(uncertainty[low])
            start = end
        return result


def _every_step_recorded(t: list) -> bool:
    return all(b - a == 1 for a, b in zip(t, t[1:]))


@dataclass
class Measurement:
    """A laddered run of one (MD, start, direction) and its float64 twin."""

    md: MirrorDescent
    spec: RunSpec
    ladder: LadderResult
    float_run: RunSeries | None
    float_failure: str | None = None  # why the float64 twin could not run (it is evidence, never a verdict)
    # quantities computed after the run on both rungs (suboptimality, Bregman distance to x*, ...)
    derived: dict[str, LadderedSeries] = field(default_factory=dict)
    # derived quantities at every step (t = 0, 1, ..., T) when the run recorded only some: for ``extremes``
    dense: dict[str, tuple[list, LadderedSeries]] = field(default_factory=dict)
    # constants of the instance a bound may name: name -> (fine value, coarse value), with how each was obtained
    constants: dict[str, tuple] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    reference: str | None = None  # which point the derived quantities refer to (x*, a comparator, the limit)
    # the step sums a bound may name (checker.bounds.STEP_SUMS): name -> rung (0 fine, 1 coarse) -> the sums at
    # t = 0, ..., T in that rung's context
    step_sums: dict = field(default_factory=dict)

    @property
    def ctx(self):
        return self.ladder.fine.ctx

    @property
    def fine(self) -> RunSeries:
        return self.ladder.fine

    @property
    def eps(self):
        return self.spec.eps

    def values(self, quantity: str) -> list:
        """The fine run's series for ``quantity`` (tangent_amplification is exp of the log series)."""
        if quantity in self.derived:
            return self.derived[quantity].values
        if quantity == "tangent_amplification":
            return [self.ctx.exp(v) for v in self.fine.log_tangent_amplification]
        return list(getattr(self.fine, quantity))

    def uncertainties(self, quantity: str) -> list:
        """Absolute uncertainty of each fine value (``engine.ladder.uncertainties``). Comparisons against a
        bound use this, not relative digits, so that a value near zero is judged against the bound's scale."""
        if quantity in self.derived:
            return self.derived[quantity].uncertainty
        if quantity != "tangent_amplification":
            return self.ladder.uncertainty[quantity]
        ctx = self.ctx
        coarse = [ctx.exp(ctx.mpf(v)) for v in self.ladder.coarse.log_tangent_amplification]
        roundoff = ctx.ldexp(1, -self.ladder.coarse.bits)
        return [abs(f - c) + abs(f) * roundoff for f, c in zip(self.values(quantity), coarse)]

    @property
    def convexity(self) -> str:
        """How strict convexity of phi was established for this measurement."""
        certificate = strict_convexity(self.md.regularizer)
        if certificate.method == "symbolic":
            return f"proved ({certificate.detail})"
        points = self.ladder.coarse.convexity_points + self.ladder.fine.convexity_points
        return f"checked along the run ({points} points, both runs, both rungs; {certificate.detail})"

    def coarse_values(self, quantity: str) -> list | None:
        """The coarse rung's series for ``quantity``, in the fine context (None where it was not kept)."""
        if quantity in self.derived:
            return self.derived[quantity].coarse
        ctx, coarse = self.ctx, self.ladder.coarse
        if quantity == "tangent_amplification":
            return [ctx.exp(ctx.mpf(v)) for v in coarse.log_tangent_amplification]
        return [ctx.mpf(v) for v in getattr(coarse, quantity)]

    def extremes(self, quantity: str) -> Extremes | None:
        """``quantity`` over every step of the run, grouped by the recorded steps (``Extremes``); None when the
        run kept it only at the recorded steps (a bound "for every t" then cannot be decided from it)."""
        t = list(self.fine.t)
        if _every_step_recorded(t):
            coarse = self.coarse_values(quantity)
            if coarse is None:
                return None
            return Extremes.of_steps(t, self.values(quantity), coarse, self.uncertainties(quantity))
        if quantity in self.dense:
            every_t, series = self.dense[quantity]
            return Extremes.of_blocks(t, every_t, series.values, series.coarse, series.uncertainty)
        name = "log_tangent_amplification" if quantity == "tangent_amplification" else quantity
        fine, coarse = self.ladder.fine.envelope.get(name), self.ladder.coarse.envelope.get(name)
        if fine is None or coarse is None:
            return None
        return _envelope_extremes(self, quantity, fine, coarse)

    def digits(self, quantity: str) -> list[int]:
        if quantity in self.derived:
            return self.derived[quantity].digits
        if quantity == "tangent_amplification":
            # exp(L) has relative error |dL|, so its digits are those of L's absolute error.
            return [_absolute_to_relative(self.ctx, v, d) for v, d in
                    zip(self.fine.log_tangent_amplification, self.ladder.digits["log_tangent_amplification"])]
        return self.ladder.digits[quantity]


def _envelope_extremes(m: Measurement, quantity: str, fine: dict, coarse: dict) -> Extremes:
    """Extremes from the run's envelopes, each value with the ladder's uncertainty (``engine.ladder.uncertainties``:
    the rungs' distance, the coarse roundoff on the value and, for a difference of trajectories, at the largest
    magnitude of the iterates over the block)."""
    ctx = m.ctx
    roundoff = ctx.ldexp(1, -m.ladder.coarse.bits)
    tangent = quantity == "tangent_amplification"
    convert = (lambda v: ctx.exp(ctx.mpf(v))) if tangent else ctx.mpf
    floors = [2 * ctx.mpf(s) * roundoff for s in m.ladder.coarse.envelope.get("scale", [])]
    initial = m.fine.separation[0] if m.fine.separation else None
    initial_floor = 2 * ctx.mpf(m.ladder.coarse.scale[0]) * roundoff if m.fine.separation else None

    def side(key):
        values, coarse_values = [convert(v) for v in fine[key]], [convert(v) for v in coarse[key]]
        uncertainty = [abs(f - c) + abs(f) * roundoff for f, c in zip(values, coarse_values)]
        if quantity == "separation":
            uncertainty = [u + floor for u, floor in zip(uncertainty, floors)]
        elif quantity == "amplification":
            uncertainty = [u + (floor + a * initial_floor) / initial if initial else ctx.inf
                           for u, floor, a in zip(uncertainty, floors, values)]
        return values, list(fine[f"{key}_t"]), coarse_values, uncertainty

    return Extremes(*side("max"), *side("min"))


@dataclass
class SeriesMeasurement:
    """Quantities of a run that is not a perturbed MD pair (an online game, policy MD on an MDP), each
    computed on both rungs of the ladder. It answers the same questions as a ``Measurement`` (values,
    uncertainties, digits, constants), so every bound kind checks it the same way."""

    ctx: object
    t: list[int]
    eta_t: list
    derived: dict[str, LadderedSeries]
    bits: tuple[int, int]
    constants: dict[str, tuple] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    reference: str | None = None
    convexity: str | None = None
    step_sums: dict = field(default_factory=dict)  # as Measurement.step_sums
    # a run at stated times (a flow): the time of each row, which the verdict names instead of the row's index
    row_times: tuple = ()
    eps = None

    @property
    def fine(self):
        return self

    def values(self, quantity: str) -> list:
        return self.derived[quantity].values

    def uncertainties(self, quantity: str) -> list:
        return self.derived[quantity].uncertainty

    def digits(self, quantity: str) -> list[int]:
        return self.derived[quantity].digits

    def coarse_values(self, quantity: str) -> list | None:
        return self.derived[quantity].coarse

    def extremes(self, quantity: str) -> Extremes | None:
        """As ``Measurement.extremes``: these series are recorded at every step they have, or not at all."""
        coarse = self.coarse_values(quantity)
        if not _every_step_recorded(self.t) or coarse is None:
            return None
        return Extremes.of_steps(self.t, self.values(quantity), coarse, self.uncertainties(quantity))


def _absolute_to_relative(ctx, log_value, digits: int) -> int:
    if digits <= 0:
        return 0
    if log_value == 0:
        return digits
    magnitude = int(math.floor(float(ctx.log10(abs(log_value)))))
    return max(0, digits - magnitude - 1)


def measure(
    md: MirrorDescent,
    spec: RunSpec,
    bits: int,
    with_float64: bool = True,
    progress: Callable[[int, int], None] | None = None,
    kernel=None,
    backend: str = "mpmath",
    keep_path: bool = False,
) -> Measurement:
    """Run ``spec`` on the precision ladder (bits, 2*bits) and, optionally, in float64. Both rungs use
    ``backend`` (``"flint"`` is the fast one; tests hold it to the mpmath reference). ``kernel``: the compiled step
    of the method ``md`` names (``methods.kernel_for(md)`` when not given)."""
    kernel = kernel or kernel_for(md)
    ladder = PrecisionLadder(bits).run(lambda b: run_mirror_descent(md, spec, b, kernel, progress, backend=backend,
                                                                    keep_path=keep_path))
    float_run, failure = None, None
    if with_float64:
        try:
            float_run = run_mirror_descent(md, spec, None, kernel)
        except MDTheoryError as err:
            failure = f"the float64 run failed: {err}"
    return Measurement(md, spec, ladder, float_run, failure,
                       step_sums=eta_sums(spec, (ladder.fine.ctx, ladder.coarse.ctx)))


@dataclass(frozen=True)
class RateFit:
    """log(quantity) = intercept + rate * eta_t, least squares over ``window`` (eta_t range)."""

    rate: object
    stderr: object
    intercept: object
    window: tuple[object, object]
    points: int
    digits: int

    def as_dict(self, ctx) -> dict:
        return {
            "rate": trusted_or_none(ctx, self.rate, self.digits),
            "trusted_digits": self.digits,
            "stderr": ctx.nstr(self.stderr, 3),
            "window_eta_t": [ctx.nstr(self.window[0], 8), ctx.nstr(self.window[1], 8)],
            "points": self.points,
        }


def fit_growth_rate(ctx, eta_t: Sequence, log_values: Sequence, digits: Sequence[int], window=None) -> RateFit | None:
    """Least-squares slope of log(quantity) against eta_t on ``window`` (default: everything).

    Returns None with fewer than 3 points. ``digits`` of the fit: the fewest trusted digits of the
    log values used, less what the fit's own standard error takes away.
    """
    lo, hi = (eta_t[0], eta_t[-1]) if window is None else window
    chosen = [i for i, s in enumerate(eta_t) if lo <= s <= hi and ctx.isfinite(log_values[i])]
    if len(chosen) < 3:
        return None
    xs = [eta_t[i] for i in chosen]
    ys = [log_values[i] for i in chosen]
    n = len(xs)
    mean_x, mean_y = ctx.fsum(xs) / n, ctx.fsum(ys) / n
    sxx = ctx.fsum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    rate = ctx.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    intercept = mean_y - rate * mean_x
    residual = ctx.fsum((y - intercept - rate * x) ** 2 for x, y in zip(xs, ys))
    stderr = ctx.sqrt(residual / (n - 2) / sxx) if n > 2 else ctx.inf
    fit_digits = min(digits[i] for i in chosen)
    if stderr > 0 and rate != 0:
        fit_digits = resolved_digits(ctx, rate, stderr, fit_digits)
    return RateFit(rate, stderr, intercept, (xs[0], xs[-1]), n, fit_digits)


@dataclass(frozen=True)
class Peak:
    value: object
    eta_t: object
    index: int
    digits: int
    step: int  # the step it is at (between records when every step was seen)

    def at_end(self, measurement) -> bool:
        """At the run's last step: the quantity may still grow past the horizon."""
        return self.step == measurement.fine.t[-1]


def least_squares_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Slope of the least-squares line through (xs, ys), in float64 (for reported scaling exponents)."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def peak_of(measurement: Measurement, quantity: str = "separation") -> Peak:
    """The largest value of ``quantity`` over every step the run saw (``extremes``), or over the recorded steps
    where only those were kept. ``index`` is the recorded step whose block holds it."""
    extremes = measurement.extremes(quantity) if hasattr(measurement, "extremes") else None
    if extremes is None:
        values = measurement.values(quantity)
        index = max(range(len(values)), key=lambda i: values[i])
        return Peak(values[index], measurement.fine.eta_t[index], index, measurement.digits(quantity)[index],
                    measurement.fine.t[index])
    ctx = measurement.ctx
    index = max(range(len(extremes.high)), key=lambda i: extremes.high[i])
    value, t = extremes.high[index], extremes.high_t[index]
    if t == measurement.fine.t[index]:
        return Peak(value, measurement.fine.eta_t[index], index, measurement.digits(quantity)[index], t)
    digits = resolved_digits(ctx, value, extremes.high_uncertainty[index], int(measurement.ladder.coarse.bits * math.log10(2)))
    return Peak(value, measurement.spec.elapsed(ctx, t), index, digits, t)


def eta_sums(spec: RunSpec, contexts: tuple) -> dict:
    """sum_eta and sum_eta2 of a run's step sizes (constant or scheduled) on the rungs' ``contexts`` (fine,
    coarse), computed when a bound first asks (``engine.schedule.step_sums``)."""
    return {name: (lambda rung, power=power: step_sums(contexts[rung], spec.eta, spec.steps, power))
            for name, power in (("sum_eta", 1), ("sum_eta2", 2))}


def float64_departure(measurement: Measurement, threshold=FLOAT64_DEPARTURE):
    """The first eta_t at which the float64 separation is off from the truth by more than ``threshold``
    (relative), or None if it never is. A float64 nan or inf counts as departed."""
    if measurement.float_run is None:
        return None
    ctx = measurement.ctx
    limit = ctx.exact(threshold)
    for i, truth in enumerate(measurement.fine.separation):
        approximate = measurement.float_run.separation[i]
        if not math.isfinite(float(approximate)):
            return measurement.fine.eta_t[i]
        if truth == 0:
            if approximate != 0:
                return measurement.fine.eta_t[i]
            continue
        if abs(ctx.mpf(float(approximate)) - truth) > limit * truth:
            return measurement.fine.eta_t[i]
    return None


def random_directions(dim: int, domain: Domain, count: int, seed: int = 0) -> list[list[sp.Rational]]:
    """``count`` exact random directions (zero-sum on the simplex)."""
    rng = random.Random(seed)
    directions = []
    for _ in range(count):
        v = [sp.Rational(rng.randrange(-1000, 1001), 1000) for _ in range(dim)]
        if domain is Domain.SIMPLEX:
            mean = sum(v) / dim
            v = [vi - mean for vi in v]
        if all(vi == 0 for vi in v):
            v[0] = sp.Integer(1)
            if domain is Domain.SIMPLEX:
                v[1] = sp.Integer(-1)
        directions.append(v)
    return directions


def measure_worst_case(md: MirrorDescent, spec: RunSpec, bits: int) -> SeriesMeasurement:
    """||J_t|| over every allowed direction on both rungs (bits, 2*bits), carried by the run itself
    (``run_mirror_descent(worst_case=True)``), with the digits the rungs agree on (``laddered``)."""
    kernel = kernel_for(md)
    coarse, fine = (run_mirror_descent(md, spec, b, kernel, perturbed=False, worst_case=True) for b in (bits, 2 * bits))
    ctx = fine.ctx
    values = [ctx.exp(v) for v in fine.log_worst_case_amplification]
    coarse_values = [ctx.exp(ctx.mpf(v)) for v in coarse.log_worst_case_amplification]
    return SeriesMeasurement(ctx, list(fine.t), list(fine.eta_t),
                             {"worst_case_amplification": laddered(ctx, values, coarse_values, coarse_values, bits)},
                             (bits, 2 * bits), {} if spec.scheduled else {"eta": (ctx.exact(spec.eta),) * 2},
                             {} if spec.scheduled else {"eta": "exact (the run's step size)"},
                             reference="every allowed direction", step_sums=eta_sums(spec, (ctx, coarse.ctx)))
