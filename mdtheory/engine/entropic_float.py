"""Entropic (softmax) Mirror Descent on the simplex with a linear cost, in floating point at scale.

The practitioner's case of claim 3 (a bandit's rewards, a token's logits' gradient): d outcomes (up to
10^7), an initial distribution whose smallest probability p_k belongs to the outcome the cost favours
(c_k = 0, every other c_i = spread), a step size eta and a horizon T. Everything here is a closed form in
float64 or a run of the update in a stated arithmetic; ``mdtheory risk`` composes and reports them.

* amplification A(t) = ||J_t v|| / ||v|| along v = e_k - x_0, from x_t = softmax(log x_0 - eta t c) and
  J_t = (diag x_t - x_t x_t^T) diag(1/x_0) (claim 3's formula); with a fixed anchor a = uniform and strength
  lambda, x_t = softmax(rho_t log x_0 - (1 - rho_t) c / lambda) and J_t gains rho_t = (1 - eta lambda)^t;
* noise: the exact separation of the runs from x_0 and x_0 + sigma v/||v||, computed cancellation-free;
* rounding: a bound on the distance of the run in a binary format to the exact trajectory (relative
  rounding errors are not amplified by a multiplicative update: J_t (x_0 * delta) = x_t * (delta -
  <x_t, delta>)), and the run itself (bfloat16 through ml_dtypes).
"""

from __future__ import annotations

import functools
import heapq
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from mdtheory.engine.context import working_context
from mdtheory.data import token_frequencies
from mdtheory.errors import DomainError, ExpressionError, StepSizeError
from mdtheory.symbolic.parsing import exact_number

ARITHMETICS = ("float64", "float32", "bfloat16")
UPDATES = ("multiplicative", "logits")
SATURATION = sp.Rational(1, 10)  # "O(1)": a tenth of the probability mass moved (l2)
TRUTH_BITS = 160  # the exact trajectory for a float64 run, at this many bits
POINTS = 200  # recorded times along the horizon
MAX_DISTANCE = math.sqrt(2)  # no two distributions are farther apart in l2
# Bounds on the work a setting may ask for: the float64 closed forms hold d numbers per recorded time, and
# the measured run iterates d coordinates for every step (at TRUTH_BITS for the truth).
MAX_OUTCOMES = 10**7
MAX_STEPS = 10**9
MAX_VALIDATION_WORK = 2 * 10**9  # d * steps of the measured run
MAX_EXPONENT = 700  # exp(-eta * spread * ...) and d^-S must stay inside float64's range (about e^-745)
# The peak and the crossings of a closed-form column are found over every step 0..T (``extent``), not only at
# the recorded times: intervals of steps whose upper bound cannot beat what is known are skipped, the rest
# are split down to EXTENT_LEAF steps and evaluated step by step. The bounds are evaluated in float64 like
# the columns they bound, whose relative errors stay below 1e-12 (exp of arguments up to MAX_EXPONENT), so a
# bound is widened by EXTENT_SLACK before it may rule a step out.
EXTENT_SLACK = 1e-9
EXTENT_LEAF = 16
# The peak is found to this relative resolution: an interval whose bound exceeds the largest value found by
# less is not searched further (a noise separation far above x_0k is flat to 1e-80 over 10^8 steps).
PEAK_RESOLUTION = 1e-8
# The columns sum squares of coordinates; a square below float64's normal range is off by up to the smallest
# subnormal number, so a column of d squares may exceed its exact value by sqrt(d + 2) sqrt(2^-1074) (times its
# scale) in absolute terms: a bound is also raised by that much. Noise below NOISE_FLOOR would put the whole
# noise separation there.
SQUARE_UNDERFLOW = 2.0**-1074
NOISE_FLOOR = sp.Rational(1, 10**150)
LOG1P_CANCELLATION = 2.0**-20  # log1p(y) with 1 + y below this has lost 20 bits to the rounding of 1 + y


def dtype_of(arithmetic: str):
    if arithmetic == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(arithmetic)


def unit_roundoff(arithmetic: str) -> float:
    import ml_dtypes

    return float(ml_dtypes.finfo(dtype_of(arithmetic)).eps) / 2


@dataclass(frozen=True)
class RiskSetting:
    """One practitioner's setting; numbers exact (strings or Rationals)."""

    d: int
    start: str  # "uniform", "zipf:S" (p_i ~ i^-S), "min:P" (one outcome at P, the rest uniform) or
    # "wordfreq:LANG" (the d most frequent words of a language, by the wordfreq package; optional extra)
    spread: sp.Rational
    eta: sp.Rational
    steps: int
    arithmetic: str = "float64"
    noise: sp.Rational | None = None
    tolerance: sp.Rational = sp.Rational(1, 1000)
    anchor: sp.Rational | None = None  # lambda of a fixed anchor at the uniform distribution
    update: str = "multiplicative"  # how the run in that arithmetic stores the iterate: x, or the logits z

    @classmethod
    def build(cls, d, start="uniform", spread="1", eta="1/10", steps=1000, arithmetic="float64", noise=None,
              tolerance="1e-3", anchor=None, update="multiplicative"):
        setting = cls(
            d=int(d), start=str(start), spread=exact_number(spread), eta=exact_number(eta), steps=int(steps),
            arithmetic=str(arithmetic), noise=None if noise is None else exact_number(noise),
            tolerance=exact_number(tolerance), anchor=None if anchor is None else exact_number(anchor),
            update=str(update),
        )
        setting.validate()
        return setting

    def validate(self):
        if self.d < 2:
            raise DomainError(f"d must be at least 2 outcomes, got {self.d}")
        if self.d > MAX_OUTCOMES:
            raise DomainError(f"--d {self.d}: at most {MAX_OUTCOMES} outcomes (each closed form holds d float64 numbers)")
        if self.steps < 1:
            raise StepSizeError(f"steps must be positive, got {self.steps}")
        if self.steps > MAX_STEPS:
            raise StepSizeError(f"--steps {self.steps}: at most {MAX_STEPS}")
        if self.eta <= 0 or self.spread <= 0:
            raise StepSizeError(f"eta and the cost spread must be positive, got eta = {self.eta}, spread = {self.spread}")
        if self.eta * self.spread > MAX_EXPONENT:
            raise StepSizeError(f"eta * spread = {float(self.eta * self.spread):.3g}: one step would move the mass by "
                                f"more than e^{MAX_EXPONENT}, past float64's range; reduce eta or the spread")
        if self.arithmetic not in ARITHMETICS:
            raise ExpressionError(f"unknown arithmetic {self.arithmetic!r}; choose one of {', '.join(ARITHMETICS)}")
        if self.update not in UPDATES:
            raise ExpressionError(f"unknown update {self.update!r}; choose one of {', '.join(UPDATES)}")
        if self.noise is not None and self.noise < NOISE_FLOOR:
            raise DomainError(f"the noise level must be at least {float(NOISE_FLOOR):g}, got {self.noise}: below it the "
                              "noise separation's squares leave float64's range")
        if not 0 < self.tolerance < 1:
            raise DomainError(f"the tolerance must be in (0, 1), got {self.tolerance}")
        if self.anchor is not None and not 0 < self.eta * self.anchor < 1:
            raise StepSizeError(
                f"the anchor needs 0 < eta * lambda < 1 (got {self.eta * self.anchor}): the anchored dual "
                "iterates contract by 1 - eta lambda per step; reduce lambda or eta"
            )
        self.initial()  # parses the start, with its own errors

    def initial(self) -> np.ndarray:
        """x_0 in float64: these binary numbers are the start, exactly (the truth is computed from them).
        Computed once per setting (every closed form asks for it at every recorded time); read-only."""
        return self._initial

    @functools.cached_property
    def _initial(self) -> np.ndarray:
        name, _, argument = self.start.partition(":")
        if name == "uniform" and not argument:
            x = np.full(self.d, 1.0)
        elif name == "zipf" and argument:
            exponent = float(exact_number(argument))
            if not 0 < exponent <= MAX_EXPONENT / max(1.0, math.log(self.d)):
                raise DomainError(f"the Zipf exponent must be in (0, {MAX_EXPONENT / max(1.0, math.log(self.d)):.4g}] "
                                  f"so that d^-S stays inside float64's range, got {argument}")
            x = np.arange(1, self.d + 1, dtype=np.float64) ** -exponent
        elif name == "min" and argument:
            p = exact_number(argument)
            if not sp.Rational(1, 10**300) <= p < sp.Rational(1, self.d):
                raise DomainError(f"the smallest probability must be in [1e-300, 1/d) (float64 holds the start), got {argument}")
            x = np.full(self.d, float((1 - p) / (self.d - 1)))
            x[0] = float(p)
        elif name == "wordfreq" and argument:
            language, _, size = argument.partition(":")
            if size and size != str(self.d):
                raise DomainError(f"--start {self.start}: the vocabulary size {size} differs from --d {self.d}; "
                                  f"write wordfreq:{language} or make them equal")
            x = token_frequencies(language, self.d)
        else:
            raise ExpressionError(f"unknown start {self.start!r}; use uniform, zipf:S, min:P or wordfreq:LANG "
                                  "(e.g. zipf:2, min:1e-9, wordfreq:en)")
        x = x / math.fsum(x)
        x.flags.writeable = False
        return x

    @functools.cached_property
    def target(self) -> int:
        """The rare outcome that the cost favours: the smallest initial probability (the first of ties)."""
        return int(np.argmin(self.initial()))

    def costs(self) -> np.ndarray:
        return self._costs

    @functools.cached_property
    def _costs(self) -> np.ndarray:
        c = np.full(self.d, float(self.spread))
        c[self.target] = 0.0
        c.flags.writeable = False
        return c

    def times(self) -> np.ndarray:
        every = max(1, self.steps // POINTS)
        return np.unique(np.append(np.arange(0, self.steps + 1, every), self.steps))


# ---------------------------------------------------------------------------------------- closed forms
def _softmax(logits: np.ndarray) -> np.ndarray:
    w = np.exp(logits - logits.max())
    return w / w.sum()


def _state(setting: RiskSetting, t: int, anchored: bool):
    """(x_t, rho_t): the closed-form iterate and the Jacobian's contraction factor."""
    x0, c = setting.initial(), setting.costs()
    eta = float(setting.eta)
    if not anchored:
        return _softmax(np.log(x0) - eta * t * c), 1.0
    lam = float(setting.anchor)
    rho = (1 - eta * lam) ** t
    return _softmax(rho * np.log(x0) - (1 - rho) * c / lam), rho


def amplification(setting: RiskSetting, anchored: bool = False, times=None) -> np.ndarray:
    """A(t) = ||J_t v|| / ||v|| at ``times`` (default ``setting.times()``), v = e_k - x_0:
    J_t v = rho x_t (e_k - x_tk) / x_0k."""
    x0, k = setting.initial(), setting.target
    v_norm = _v_norm(setting)
    out = []
    for t in (setting.times() if times is None else times):
        x, rho = _state(setting, int(t), anchored)
        others = np.delete(x, k)
        out.append(rho * x[k] / x0[k] * math.sqrt(math.fsum(others) ** 2 + float(np.sum(others**2))) / v_norm)
    return np.array(out)


def _v_norm(setting: RiskSetting) -> float:
    x0, k = setting.initial(), setting.target
    return math.sqrt((1 - x0[k]) ** 2 + float(np.sum(np.delete(x0, k) ** 2)))


def _noise_logit_shifts(setting: RiskSetting) -> tuple[float, float]:
    """(d_k, d_o): log x'_0i - log x_0i on the rare outcome and on all others, x'_0 = x_0 + sigma v/||v||."""
    x0, k = setting.initial(), setting.target
    v = -x0.copy()
    v[k] += 1
    scale = float(setting.noise) / float(np.linalg.norm(v))
    if scale >= 1:
        raise DomainError(f"noise {setting.noise} pushes an initial probability below 0; reduce it")
    return math.log1p(scale * v[k] / x0[k]), math.log1p(-scale)


def noise_separation(setting: RiskSetting, anchored: bool = False, times=None) -> np.ndarray:
    """||x'_t - x_t|| for x'_0 = x_0 + sigma v/||v||, exactly and cancellation-free.

    The perturbed logits differ by rho d_i, d_i = log1p(sigma' v_i / x_0i), which takes two values: d_k on
    the rare outcome and d_o on all others. With x_t summing to 1, x'_ti / x_ti - 1 = expm1(a_i) where
    a_k = -log1p((1 - x_tk) expm1(rho (d_o - d_k))) and a_o = -log1p(x_tk expm1(rho (d_k - d_o))), and
    1 - x_tk is summed from the other coordinates: nothing close is subtracted, even when x_tk ~ 1. When the
    noise dwarfs x_tk, log1p's argument nears -1 and 1 + it is x_tk + (1 - x_tk) exp(rho (d_o - d_k)), summed
    as such (log1p(-1) raised ValueError for sigma = 1e-140 at p = 1e-300)."""
    k = setting.target
    d_k, d_o = _noise_logit_shifts(setting)
    out = []
    for t in (setting.times() if times is None else times):
        x, rho = _state(setting, int(t), anchored)
        rest = math.fsum(np.delete(x, k))
        moved = rest * math.expm1(rho * (d_o - d_k))
        a_k = (-math.log1p(moved) if moved > LOG1P_CANCELLATION - 1 else
               -math.log(x[k] + rest * math.exp(rho * (d_o - d_k))))
        a_o = -math.log1p(x[k] * math.expm1(rho * (d_k - d_o)))
        out.append(math.sqrt((x[k] * math.expm1(a_k)) ** 2 + float(np.sum(np.delete(x, k) ** 2)) * math.expm1(a_o) ** 2))
    return np.array(out)


def rounding_bound(setting: RiskSetting, times=None) -> np.ndarray:
    """A bound on ||x~_t - x_t|| for the run in the setting's arithmetic at ``times`` (default ``setting.times()``):
    ||x_t|| (exp(E_t) - 1) + 2 sqrt(d) tiny, capped at sqrt(2), where E_t bounds every log-ratio error
    log(x~_i / x_i) after normalization (u' = -log(1-u), kappa = 3 + ceil(log2 d); coordinates below the
    format's smallest normal number add at most 2 tiny each):
      multiplicative update x <- x w / sum(x w): each step moves log-ratios by at most kappa u' (the rounded
        product, quotient and w, and the sum), so E_t = 2 kappa (t + 1) u';
      logits update z <- z - eta c, x = softmax(z): z~_t - z_t accumulates D_t <= D_{t-1} + u'(eta max c) +
        u'(max|z_t| + D_{t-1}) (the rounded step and the rounded difference), and the softmax adds u' max|z_t -
        max z_t| and its own kappa u', so E_t = 2 D_t + u' max|z_t - max z_t| + 2 kappa u'."""
    times = setting.times() if times is None else times
    if setting.update == "multiplicative":
        exponents = {int(t): _multiplicative_exponent(setting, int(t)) for t in times}
    else:
        wanted = set(int(t) for t in times)
        exponents = {t: exponent for t, exponent in _logit_exponents(setting) if t in wanted}
    return np.array([_rounding_bound_at(setting, int(t), exponents[int(t)]) for t in times])


def _multiplicative_exponent(setting: RiskSetting, t: int) -> float:
    kappa = 3 + math.ceil(math.log2(setting.d))
    return 2 * kappa * (t + 1) * -math.log1p(-unit_roundoff(setting.arithmetic))


def _logit_exponents(setting: RiskSetting):
    """(t, E_t) for every step t = 0..T of the logits update (the recurrence for D_t visits each step)."""
    kappa = 3 + math.ceil(math.log2(setting.d))
    log_u = -math.log1p(-unit_roundoff(setting.arithmetic))
    z0, c, eta = np.log(setting.initial()), setting.costs(), float(setting.eta)
    drift, step = log_u * float(np.max(np.abs(z0))), log_u * eta * float(c.max())
    for t in range(setting.steps + 1):
        z = z0 - eta * t * c
        if t > 0:
            drift += step + log_u * (float(np.max(np.abs(z))) + drift)
        yield t, 2 * drift + log_u * float(z.max() - z.min()) + 2 * kappa * log_u


def _rounding_bound_at(setting: RiskSetting, t: int, exponent: float, norm: float | None = None) -> float:
    import ml_dtypes

    tiny = float(ml_dtypes.finfo(dtype_of(setting.arithmetic)).tiny)
    norm = float(np.linalg.norm(_state(setting, t, False)[0])) if norm is None else norm
    return min(MAX_DISTANCE, norm * math.expm1(min(700.0, exponent)) + 2 * math.sqrt(setting.d) * tiny)


# ---------------------------------------------------------------------------------------- every step
@dataclass(frozen=True)
class Extent:
    """A closed-form column over every step 0..T, not only the recorded times: its largest value (to a relative
    PEAK_RESOLUTION) and a step where it is reached, and the first step at or above each level asked for
    (None: below it at every step)."""

    peak: float
    peak_step: int
    crossings: dict


EXTENT_COLUMNS = ("amplification", "anchored amplification", "noise separation", "anchored noise separation",
                  "naive u*A", "rounding bound")


def extent(setting: RiskSetting, column: str, levels=()) -> Extent:
    """The peak of ``column`` (one of EXTENT_COLUMNS) over every step 0..T and its first step at or above each
    of ``levels``.

    Every column is the same function at every step whether recorded or not, and its value at a step is
    computed by the same code as the recorded column. Steps are ruled out in intervals by upper bounds that
    follow from the closed forms' monotone pieces (each proved in the comments of ``_column_bounds``); the
    logits update's rounding bound, a recurrence, is evaluated at every step."""
    levels = tuple(levels)
    if column == "rounding bound" and setting.update == "logits":
        return _walk_extent(setting, levels)
    value, upper = _column_bounds(setting, column)
    return _branch_and_bound(value, upper, setting.steps, levels)


@dataclass(frozen=True)
class _Profile:
    """What the interval bounds need of x_t: x_tk, 1 - x_tk (summed from the other coordinates), the spread
    W = sum_{i != k} x_ti^2 / (1 - x_tk)^2 of the other coordinates, the anchor's factor rho_t, and ||x_t||."""

    x_k: float
    rest: float
    spread: float
    rho: float
    norm: float

    @property
    def logit(self) -> float:
        return math.inf if self.rest == 0 else math.log(self.x_k) - math.log(self.rest)


def _profile(setting: RiskSetting, t: int, anchored: bool) -> _Profile:
    x, rho = _state(setting, t, anchored)
    others = np.delete(x, setting.target)
    rest = math.fsum(others)
    spread = 1.0 if rest == 0 else min(1.0, float(np.sum((others / rest) ** 2)))  # W <= 1 always
    return _Profile(float(x[setting.target]), rest, spread, rho, float(np.linalg.norm(x)))


def _sigmoid(y: float) -> float:
    if y >= 0:
        return 1 / (1 + math.exp(-y))
    e = math.exp(y)
    return e / (1 + e)


def _largest_sigmoid_slope(low: float, high: float) -> float:
    """max of sigma'(y) = sigma(y) sigma(-y) over [low, high]: 1/4 at 0, else at the end nearer 0."""
    if low <= 0 <= high:
        return 0.25
    y = low if low > 0 else high
    return _sigmoid(y) * _sigmoid(-y)


def _column_bounds(setting: RiskSetting, column: str):
    """(value, upper): the column at an array of steps, and an upper bound on it over the steps lo..hi (with
    the absolute error its sums of squares may add below float64's normal range).

    Facts the bounds rest on, for x_t = softmax(rho_t log x_0 - e_t c) (plain: rho_t = 1, e_t = eta t; anchored:
    rho_t = (1 - eta lambda)^t, e_t = (1 - rho_t)/lambda), with c_k = 0 and every other c_i = spread > 0:
    (a) x_tk is nondecreasing in t: log(x_tk / x_ti) = rho_t log(x_0k / x_0i) + e_t spread, and both terms
        grow with t because x_0k is the smallest probability;
    (b) the other coordinates are (1 - x_tk) w_i with w_i proportional to x_0i^rho_t, so W = sum w_i^2 is
        constant (plain) or nonincreasing in t (anchored: d/d rho log sum w_i^2 = 2 (E_2rho - E_rho)[log x_0],
        and a tempered mean E_beta[log x_0] grows with beta);
    (c) hence A(t) = rho_t x_tk (1 - x_tk) sqrt(1 + W) / (x_0k ||v||), and the noise separation is
        (sigma(l_t + rho_t D) - sigma(l_t)) sqrt(1 + W), l_t = logit x_tk, D = d_k - d_o > 0;
    (d) ||x_t||^2 = x_tk^2 + (1 - x_tk)^2 W (plain) is convex in x_tk, so by (a) its largest value on an
        interval of steps is at an end; the rounding bound's exponent grows with t."""
    anchored = column.startswith("anchored ")
    profile = functools.lru_cache(maxsize=None)(lambda t: _profile(setting, t, anchored))
    underflow = math.sqrt((setting.d + 2) * SQUARE_UNDERFLOW)
    if column in ("amplification", "anchored amplification", "naive u*A"):
        factor = unit_roundoff(setting.arithmetic) if column == "naive u*A" else 1.0
        scale = factor / (float(setting.initial()[setting.target]) * _v_norm(setting))

        def value(steps):
            return factor * amplification(setting, anchored, steps)

        def upper(lo, hi):
            a, b = profile(lo), profile(hi)
            largest = 0.25 if a.x_k <= 0.5 <= b.x_k else max(a.x_k * a.rest, b.x_k * b.rest)
            return scale * a.rho * (largest * math.sqrt(1 + a.spread) + b.x_k * underflow)

        return value, upper
    if column in ("noise separation", "anchored noise separation"):
        d_k, d_o = _noise_logit_shifts(setting)
        shift = d_k - d_o

        def value(steps):
            return noise_separation(setting, anchored, steps)

        def upper(lo, hi):
            a, b = profile(lo), profile(hi)
            low = a.logit
            if low == math.inf:
                return 0.0
            # high - low, formed as a gap: low + rho D rounds to low once rho D is below low's spacing; the
            # logits' own rounding (a few units in their last place) is added, as it may hide a small gap
            gap = (max(0.0, b.logit - low) + a.rho * shift
                   + 8 * math.ulp(max(abs(low), abs(b.logit), 1.0)))
            high = low + gap
            # sigma(high) - sigma(low) = sigma(high) sigma(-low) (1 - e^-gap), no cancellation; and the
            # steepest slope on [low, high] times the largest shift
            by_values = _sigmoid(high) * _sigmoid(-low) * -math.expm1(-gap)
            by_slope = a.rho * shift * _largest_sigmoid_slope(low, high)
            return min(by_values, by_slope) * math.sqrt(1 + a.spread) + underflow

        return value, upper
    if column == "rounding bound" and setting.update == "multiplicative":
        def value(steps):
            return rounding_bound(setting, steps)

        def upper(lo, hi):
            norm = max(profile(lo).norm, profile(hi).norm)
            return _rounding_bound_at(setting, hi, _multiplicative_exponent(setting, hi), norm)

        return value, upper  # ||x_t|| >= 1/sqrt(d): the norm's squares lose nothing that counts
    raise ValueError(f"no every-step extent for the column {column!r}")


def _branch_and_bound(value, upper, steps: int, levels: tuple) -> Extent:
    def widened(lo, hi):
        return upper(lo, hi) * (1 + EXTENT_SLACK)

    ends = value(np.array([0, steps]))
    best, best_step = (float(ends[0]), 0) if ends[0] >= ends[1] else (float(ends[1]), steps)
    heap = [(-widened(0, steps), 0, steps)]
    while heap:
        bound, lo, hi = heapq.heappop(heap)
        if -bound <= best * (1 + PEAK_RESOLUTION):
            break  # no interval left can hold a value larger by more than the resolution
        if hi - lo <= EXTENT_LEAF:
            ts = np.arange(lo, hi + 1)
            values = value(ts)
            i = int(np.argmax(values))
            if values[i] > best:
                best, best_step = float(values[i]), int(ts[i])
            continue
        mid = (lo + hi) // 2
        for a, b in ((lo, mid), (mid, hi)):
            heapq.heappush(heap, (-widened(a, b), a, b))
    crossings = {}
    for level in levels:
        # best may lie up to PEAK_RESOLUTION below the true peak: a level within that is searched, never assumed
        reachable = best * (1 + PEAK_RESOLUTION) * (1 + EXTENT_SLACK) >= float(level)
        crossings[level] = _first_at_or_above(value, widened, steps, float(level)) if reachable else None
        if crossings[level] is None and best >= float(level):
            raise RuntimeError(f"a step reached {float(level):g} but no interval bound admitted it: an interval bound "
                               "is wrong")
    return Extent(best, best_step, crossings)


def _first_at_or_above(value, widened, steps: int, level: float) -> int | None:
    stack = [(0, steps)]
    while stack:  # depth first, left half first: the first leaf with a hit holds the first step
        lo, hi = stack.pop()
        if widened(lo, hi) < level:
            continue
        if hi - lo <= EXTENT_LEAF:
            ts = np.arange(lo, hi + 1)
            hits = np.nonzero(value(ts) >= level)[0]
            if hits.size:
                return int(ts[hits[0]])
            continue
        mid = (lo + hi) // 2
        stack.append((mid, hi))
        stack.append((lo, mid))
    return None  # no step reaches the level (the caller searched a level within PEAK_RESOLUTION above the peak found)


def _walk_extent(setting: RiskSetting, levels: tuple) -> Extent:
    best, best_step, crossings = -math.inf, 0, {level: None for level in levels}
    for t, exponent in _logit_exponents(setting):
        bound = _rounding_bound_at(setting, t, exponent)
        if bound > best:
            best, best_step = bound, t
        for level in levels:
            if crossings[level] is None and bound >= float(level):
                crossings[level] = t
    return Extent(best, best_step, crossings)


def logit_stall(setting: RiskSetting) -> dict | None:
    """Where a logits update stops moving in a binary format with p significand bits: once |z| >= 2^e with
    2^(e - p) >= the step eta c_i, z - eta c_i rounds back to z. Every logit that starts above -2^e and
    decreases stops at exactly -2^e; the favoured outcome's logit (c_k = 0) stays at fl(log p_k). Returns the
    stall magnitude and the long-run x_k this predicts, or None if no logit reaches it within the horizon."""
    import ml_dtypes

    if setting.update != "logits":
        return None
    bits = ml_dtypes.finfo(dtype_of(setting.arithmetic)).nmant + 1
    eta_step = float(setting.eta * setting.spread)
    magnitude = 2.0 ** (math.ceil(math.log2(eta_step)) + bits)
    z0 = np.log(setting.initial())
    k = setting.target
    if float(np.max(np.abs(np.delete(z0, k)))) + eta_step * setting.steps < magnitude or np.any(np.delete(z0, k) < -magnitude):
        return None
    z_k = float(np.asarray(z0[k]).astype(dtype_of(setting.arithmetic)))
    x_k = 1 / (1 + (setting.d - 1) * math.exp(-magnitude - z_k))
    return {"magnitude": magnitude, "logit_k": z_k, "x_k": x_k}


# ---------------------------------------------------------------------------------------- measured runs
def measured_rounding(setting: RiskSetting) -> np.ndarray:
    """||x~_t - x_t|| at ``setting.times()`` for the run in the setting's arithmetic (see ``run_in_arithmetic``)."""
    return run_in_arithmetic(setting)[0]


def run_in_arithmetic(setting: RiskSetting) -> tuple[np.ndarray, np.ndarray]:
    """The update run in the setting's arithmetic from x_0 (rounded into it): x <- x w / sum(x w), or
    z <- z - eta c with x = softmax(z). Returns its distances to the exact trajectory from the same x_0
    (float64 closed form for the narrower formats, a TRUTH_BITS-bit closed form for float64 itself) at
    ``setting.times()``, and its final iterate."""
    dtype = dtype_of(setting.arithmetic)
    # bfloat16 sums accumulate in float32, as ML frameworks do: a bfloat16 running sum stalls once it
    # passes 2^8 times the summands (d = 1000 uniform weights then sum to 0.5).
    accumulator = np.float32 if setting.arithmetic == "bfloat16" else dtype
    x0, c = setting.initial(), setting.costs()
    wanted = set(int(t) for t in setting.times())
    out = {}
    if setting.update == "multiplicative":
        x = x0.astype(dtype)
        w = np.exp((-float(setting.eta) * c).astype(dtype))
        for t in range(setting.steps + 1):
            if t in wanted:
                out[t] = _distance_to_truth(setting, t, x.astype(np.float64))
            if t < setting.steps:
                x = x * w
                x = x / x.sum(dtype=accumulator).astype(dtype)
    else:
        z = np.log(x0).astype(dtype)
        step = (float(setting.eta) * c).astype(dtype)
        for t in range(setting.steps + 1):
            weights = np.exp(z - z.max())
            x = weights / weights.sum(dtype=accumulator).astype(dtype)
            if t in wanted:
                out[t] = _distance_to_truth(setting, t, x.astype(np.float64))
            z = z - step
    return np.array([out[int(t)] for t in setting.times()]), x.astype(np.float64)


def _distance_to_truth(setting: RiskSetting, t: int, x: np.ndarray) -> float:
    if setting.arithmetic != "float64":
        return float(np.linalg.norm(x - _state(setting, t, False)[0]))
    ctx = working_context(TRUTH_BITS)
    s = ctx.exact(setting.eta * t)
    logits = [ctx.log(ctx.mpf(float(p))) - s * ctx.mpf(float(ci)) for p, ci in zip(setting.initial(), setting.costs())]
    top = max(logits)
    weights = [ctx.exp(z - top) for z in logits]
    total = ctx.fsum(weights)
    return float(ctx.sqrt(ctx.fsum((ctx.mpf(float(xi)) - wi / total) ** 2 for xi, wi in zip(x, weights))))


def first_crossing(times: np.ndarray, values: np.ndarray, level) -> int | None:
    hits = np.nonzero(values >= float(exact_number(level)))[0]
    return int(times[hits[0]]) if hits.size else None
