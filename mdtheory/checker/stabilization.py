"""The cost of stabilization: softmax / KL Mirror Descent with a fixed anchor against plain MD, in ``mdtheory
risk``'s setting (``entropic_float.RiskSetting``: a linear cost c with c_k = 0 on the rare outcome k and c_i =
spread elsewhere, so f(x) - min f = spread (1 - x_k)).

The anchored run is MD with step eta on <c, x> + lambda KL(x, a) (claim 4). In the logits (x = softmax(z)) one
step is z <- (1 - eta lambda) z - eta c + eta lambda log a, so z_t = rho_t z_0 + (1 - rho_t) (log a - c/lambda)
with rho_t = (1 - eta lambda)^t; with a uniform anchor log a is a constant the softmax drops, which is
``entropic_float``'s closed form. Its fixed point z* = log a - c/lambda, x*_i = a_i exp(-c_i/lambda) / Z, is the
minimizer of <c, x> + lambda KL(x, a) (stationarity: c + lambda (log x - log a) is constant). Plain MD tends to
e_k instead: the anchor's bias is where x* sits against it, x*_k = 1/(1 + (d-1) exp(-spread/lambda)) for the
uniform anchor, and the suboptimality it settles at, spread (1 - x*_k).

What anchoring costs is reported per lambda, beside plain MD:
* bias: the limit x*_k and its suboptimality, and x_k(T) of both runs at the horizon;
* the steps to reach a suboptimality g: the first t with spread R_t/(1 + R_t) <= g, where R_t = sum_{i != k}
  x_ti / x_tk = exp(-e_t spread) S(rho_t), S(rho) = sum_{i != k} (x_0i / x_0k)^rho, e_t = eta t (plain) or
  (1 - rho_t)/lambda (anchored). R_t does not increase with t (x_0k is the smallest probability, so S grows with
  rho), so a float64 search proposes the step and the precision ladder decides it: R at t - 1 above the level
  and at t at or below it, on both rungs, by more than their disagreement;
* noise amplification: the peak of A(t) over every step (``entropic_float.extent``), and with a noise level the
  noise separation's peak and the first step it reaches the tolerance (what ``risk`` measures without an anchor);
* the time per step of both updates with a framework's kernels, measured in one run, interleaved.
Every number is a ``Figure``: laddered values with their trusted digits, decided step counts exactly, float64
closed forms and measured times rounded for display.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp

from mdtheory.checker.reading import Figure, exactly, laddered, rounded
from mdtheory.engine.context import decimal_digits, working_context
from mdtheory.engine.entropic_float import RiskSetting, extent
from mdtheory.engine.ladder import resolved_digits

LADDER_BITS = 128  # the closed forms run at 128 and 256 bits
DEFAULT_TARGET_GAP = sp.Rational(1, 1000)  # f(x) - min f, in the cost's units (claim 4's target)
# The laddered sums over the initial probabilities hold one term per distinct value; beyond this many the
# horizon values and the step counts are not computed (the limits, exact in d, still are).
MAX_LADDERED_TERMS = 100_000
STEP_SEARCH_LIMIT = 2**50  # a target not reached by then is reported as beyond it
# The float64 search's step is confirmed by the ladder; a miss moves it one step at a time, at most this far
# (float64's log R is accurate to ~1e-13 relative, so a miss is a step or two).
LADDER_WALK = 64
# Timing: each update runs TIMED_REPEATS times (plain and anchored interleaved, after WARMUP_STEPS steps each,
# which also compile jax's kernels); the fastest repeat is the one least disturbed by other work, and the median
# is reported beside it to show how much that work moved the times.
# A repeat has at most TIMED_WORK coordinate updates, between MIN_TIMED_STEPS and MAX_TIMED_STEPS steps.
TIMED_REPEATS = 5
WARMUP_STEPS = 3
MIN_TIMED_STEPS = 3
MAX_TIMED_STEPS = 100
TIMED_WORK = 20_000_000
SHOWN_DIGITS = 4  # float64 closed forms and measured times are shown to this many significant digits


def fixed_point(ctx, anchor, costs, strength) -> list:
    """x*_i = a_i exp(-c_i/lambda) / sum_j a_j exp(-c_j/lambda), the minimizer of <c, x> + lambda KL(x, a), in
    ``ctx`` (``anchor``, ``costs`` and ``strength`` exact numbers)."""
    lam = ctx.exact(strength)
    logs = [ctx.log(ctx.exact(a)) - ctx.exact(c) / lam for a, c in zip(anchor, costs)]
    top = max(logs)
    weights = [ctx.exp(z - top) for z in logs]
    total = ctx.fsum(weights)
    return [w / total for w in weights]


def anchored_logit_step(ctx, z, anchor, costs, eta, strength) -> list:
    """One anchored MD step in the logits: z <- (1 - eta lambda) z - eta c + eta lambda log a."""
    keep, pull = 1 - ctx.exact(eta * strength), ctx.exact(eta * strength)
    return [keep * zi - ctx.exact(eta) * ctx.exact(c) + pull * ctx.log(ctx.exact(a))
            for zi, a, c in zip(z, anchor, costs)]


@dataclass(frozen=True)
class Cost:
    """One run's side of the comparison; ``strength`` None is plain MD."""

    strength: sp.Rational | None
    limit_x_k: Figure  # where the run settles: x*_k (1 for plain MD)
    limit_gap: Figure  # f(x*) - min f (0 for plain MD)
    final_x_k: Figure | None  # x_k(T); None when not laddered (``note``)
    final_gap: Figure | None
    steps: Figure | None  # the first t with f(x_t) - min f <= the target; None: ``steps_note`` says why
    steps_note: str
    extra_steps: Figure | None  # steps - plain MD's steps
    peak_amplification: Figure
    peak_step: int
    noise_peak: Figure | None
    noise_crossing: int | None  # first step the noise separation reaches the tolerance; None: never
    seconds_per_step: Figure | None  # the fastest repeat's
    median_seconds_per_step: Figure | None  # the median repeat's: how far other work on the machine moved it

    @property
    def label(self) -> str:
        return "plain MD" if self.strength is None else f"lambda = {self.strength}"

    def as_json(self) -> dict:
        def figure(f):
            return None if f is None else f.as_json()

        return {"lambda": None if self.strength is None else str(self.strength),
                "limit_x_k": figure(self.limit_x_k), "limit_gap": figure(self.limit_gap),
                "final_x_k": figure(self.final_x_k), "final_gap": figure(self.final_gap),
                "steps_to_target": figure(self.steps), "steps_note": self.steps_note,
                "extra_steps": figure(self.extra_steps),
                "peak_amplification": figure(self.peak_amplification), "peak_step": self.peak_step,
                "noise_peak": figure(self.noise_peak), "noise_crossing": self.noise_crossing,
                "seconds_per_step": figure(self.seconds_per_step),
                "median_seconds_per_step": figure(self.median_seconds_per_step)}


@dataclass(frozen=True)
class Stabilization:
    target_gap: sp.Rational
    costs: tuple  # plain MD first, then one Cost per lambda in the order given
    timing: str  # how the times were measured, or why they were not
    note: str  # what was not laddered and why ("" when everything was)

    def as_json(self) -> dict:
        return {"target_gap": str(self.target_gap), "timing": self.timing, "note": self.note,
                "runs": [c.as_json() for c in self.costs]}


class _Rung:
    """log R_t (see the module docstring) at one precision, from the float64 initial probabilities (exact binary
    numbers), one term per distinct value."""

    def __init__(self, setting: RiskSetting, bits: int, values: np.ndarray, counts: np.ndarray):
        self.ctx = ctx = working_context(bits)
        self.bits = bits
        self.setting = setting
        k = setting.target
        p = ctx.mpf(float(setting.initial()[k]))
        log_p = ctx.log(p)
        self.terms = [(ctx.log(ctx.mpf(float(v))) - log_p, int(m)) for v, m in zip(values, counts)]
        self.log_plain_sum = ctx.log(ctx.fsum(ctx.mpf(float(v)) * int(m) for v, m in zip(values, counts)) / p)
        self.spread = ctx.exact(setting.spread)

    def log_ratio(self, strength, t: int):
        """(log R_t, the size of the terms it is a difference of)."""
        ctx = self.ctx
        if strength is None:
            pulled = ctx.exact(self.setting.eta) * t * self.spread
            return self.log_plain_sum - pulled, abs(self.log_plain_sum) + pulled
        exponent = t * ctx.log1p(-ctx.exact(self.setting.eta * strength))
        rho, moved = ctx.exp(exponent), -ctx.expm1(exponent)
        log_sum = ctx.log(ctx.fsum(m * ctx.exp(rho * offset) for offset, m in self.terms))
        pulled = moved / ctx.exact(strength) * self.spread
        return log_sum - pulled, abs(log_sum) + pulled

    def log_level(self, target):
        """log(g / (spread - g)): R_t at or below it is f(x_t) - min f <= g."""
        ctx = self.ctx
        return ctx.log(ctx.exact(target)) - ctx.log(ctx.exact(self.setting.spread - target))


def _sign(coarse, fine, fine_ctx, coarse_bits, magnitude):
    """The sign of a laddered difference (+1 or -1), or None when the rungs' disagreement, or the coarse rung's
    roundoff on the terms it was formed from, could change it."""
    uncertainty = abs(fine - fine_ctx.mpf(coarse)) + 2 * fine_ctx.mpf(magnitude) * fine_ctx.ldexp(1, -coarse_bits)
    if abs(fine) <= uncertainty:
        return None
    return 1 if fine > 0 else -1


class _Ladder:
    def __init__(self, setting: RiskSetting, target):
        x0, k = setting.initial(), setting.target
        self.values, self.counts = np.unique(np.delete(x0, k), return_counts=True)
        self.setting, self.target = setting, target
        self.laddered = len(self.values) <= MAX_LADDERED_TERMS
        self.rungs = ((_Rung(setting, LADDER_BITS, self.values, self.counts),
                       _Rung(setting, 2 * LADDER_BITS, self.values, self.counts)) if self.laddered else None)

    def above_target(self, strength, t: int):
        """Whether f(x_t) - min f > g (True), < g (False), or undecided (None)."""
        signs = []
        for rung in self.rungs:
            log_ratio, size = rung.log_ratio(strength, t)
            level = rung.log_level(self.target)
            signs.append((log_ratio - level, size + abs(level)))
        (coarse, _), (fine, size) = signs
        sign = _sign(coarse, fine, self.rungs[1].ctx, LADDER_BITS, size)
        return None if sign is None else sign > 0

    def horizon(self, strength) -> tuple[Figure, Figure]:
        """x_k(T) and f(x_T) - min f, laddered."""
        x_k, gap = [], []
        for rung in self.rungs:
            ctx = rung.ctx
            log_ratio, size = rung.log_ratio(strength, self.setting.steps)
            ratio = ctx.exp(log_ratio)
            x_k.append((1 / (1 + ratio), size))
            gap.append((rung.spread * ratio / (1 + ratio), size))
        return self._figure(x_k), self._figure(gap)

    def _figure(self, pair) -> Figure:
        (coarse, _), (fine, size) = pair
        ctx = self.rungs[1].ctx
        # a relative error of R is at most the absolute error of log R: the rungs' distance and the coarse
        # roundoff on the terms log R was formed from
        uncertainty = abs(fine - ctx.mpf(coarse)) + abs(fine) * (ctx.mpf(size) + 2) * ctx.ldexp(1, -LADDER_BITS)
        digits = resolved_digits(ctx, fine, uncertainty, decimal_digits(self.rungs[0].ctx))
        return laddered(ctx, fine, digits, uncertainty)


def _log_ratio64(setting: RiskSetting, offsets: np.ndarray, counts: np.ndarray, plain_log_sum: float,
                 strength, t: int) -> float:
    eta, spread = float(setting.eta), float(setting.spread)
    if strength is None:
        return plain_log_sum - eta * t * spread
    exponent = t * math.log1p(-float(setting.eta * strength))
    rho, moved = math.exp(exponent), -math.expm1(exponent)
    top = rho * float(offsets.max())
    return top + math.log(float(np.sum(counts * np.exp(rho * offsets - top)))) - moved / float(strength) * spread


def _steps_to_target(ladder: _Ladder, strength) -> tuple[int | None, str]:
    """The first step with f(x_t) - min f <= g, or None and why."""
    setting, target = ladder.setting, ladder.target
    p = float(setting.initial()[setting.target])
    offsets = np.log(ladder.values) - math.log(p)
    plain_log_sum = math.log(float(np.sum(ladder.values * ladder.counts)) / p)
    level = math.log(float(target)) - math.log(float(setting.spread - target))

    def below(t):
        return _log_ratio64(setting, offsets, ladder.counts.astype(np.float64), plain_log_sum, strength, t) <= level

    if strength is not None:
        # the limit: R_inf = (d - 1) exp(-spread/lambda); x_t only approaches it, so a limit at or above the
        # target is never reached
        limit = []
        for rung in ladder.rungs:
            terms = (rung.ctx.log(setting.d - 1), -rung.spread / rung.ctx.exact(strength), -rung.log_level(target))
            limit.append((rung.ctx.fsum(terms), rung.ctx.fsum(abs(term) for term in terms)))
        sign = _sign(limit[0][0], limit[1][0], ladder.rungs[1].ctx, LADDER_BITS, limit[1][1])
        if sign is None:
            return None, "undecided: the anchored limit's suboptimality is within the ladder's resolution of the target"
        if sign > 0:
            return None, "never: the anchored limit's suboptimality exceeds the target"
    low, high = 0, 0
    if not below(0):
        high = 1
        while not below(high):
            low, high = high, 2 * high
            if high > STEP_SEARCH_LIMIT:
                return None, f"beyond {STEP_SEARCH_LIMIT} steps"
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (low, mid) if below(mid) else (mid, high)
    t = high
    for _ in range(LADDER_WALK):
        here = ladder.above_target(strength, t)
        if here is None:
            return None, f"undecided: at t = {t} the suboptimality is within the ladder's resolution of the target"
        if here:
            t += 1
            continue
        before = True if t == 0 else ladder.above_target(strength, t - 1)
        if before is None:
            return None, f"undecided: at t = {t - 1} the suboptimality is within the ladder's resolution of the target"
        if not before:
            t -= 1
            continue
        return t, ""
    return None, f"undecided: the float64 search and the ladder differ by more than {LADDER_WALK} steps"


def _limit(setting: RiskSetting, strength) -> tuple[Figure, Figure]:
    """x*_k = 1/(1 + R*) and spread R*/(1 + R*), R* = (d - 1) exp(-spread/lambda), laddered."""
    rungs = []
    for bits in (LADDER_BITS, 2 * LADDER_BITS):
        ctx = working_context(bits)
        ratio = (setting.d - 1) * ctx.exp(-ctx.exact(setting.spread / strength))
        rungs.append((ctx, 1 / (1 + ratio), ctx.exact(setting.spread) * ratio / (1 + ratio)))
    (coarse_ctx, coarse_x, coarse_gap), (ctx, x_k, gap) = rungs
    figures = []
    for coarse, fine in ((coarse_x, x_k), (coarse_gap, gap)):
        uncertainty = abs(fine - ctx.mpf(coarse)) + abs(fine) * 4 * ctx.ldexp(1, -LADDER_BITS)
        figures.append(laddered(ctx, fine, resolved_digits(ctx, fine, uncertainty, decimal_digits(coarse_ctx)),
                                uncertainty))
    return figures[0], figures[1]


def compare(setting: RiskSetting, strengths, target_gap=DEFAULT_TARGET_GAP, timing_run=None) -> Stabilization:
    """Plain MD against a fixed uniform anchor at each lambda in ``strengths`` (each with 0 < eta lambda < 1).
    ``timing_run``, a ``FrameworkRun``, times both updates with that framework's kernels (None: not timed)."""
    target = sp.Rational(target_gap)
    ladder = _Ladder(setting, target)
    note = "" if ladder.laddered else (
        f"x_k(T) and the steps to the target are not computed: the start has {len(ladder.values)} distinct "
        f"probabilities, more than the {MAX_LADDERED_TERMS} the laddered sums take")
    seconds, timing = ([(None, None)] * (len(strengths) + 1), "not measured (the run was not validated)")
    if timing_run is not None:
        seconds, timing = time_per_step(setting, strengths, timing_run)
    costs, plain_steps = [], None
    for index, strength in enumerate((None, *strengths)):
        anchored_setting = setting if strength is None else dataclasses.replace(setting, anchor=strength)
        prefix = "" if strength is None else "anchored "
        if strength is None:
            limit_x_k, limit_gap = exactly(1), exactly(0)
        else:
            limit_x_k, limit_gap = _limit(setting, strength)
        final_x_k = final_gap = steps_figure = extra = None
        steps_note = "not computed (see the note)"
        if ladder.laddered:
            final_x_k, final_gap = ladder.horizon(strength)
            steps, steps_note = _steps_to_target(ladder, strength)
            if steps is not None:
                steps_figure = exactly(steps)
                if strength is None:
                    plain_steps = steps
                elif plain_steps is not None:
                    extra = exactly(steps - plain_steps)
        peak = extent(anchored_setting, prefix + "amplification")
        noise_peak = noise_crossing = None
        if setting.noise is not None:
            noise = extent(anchored_setting, prefix + "noise separation", (setting.tolerance,))
            noise_peak, noise_crossing = rounded(noise.peak, SHOWN_DIGITS), noise.crossings[setting.tolerance]
        costs.append(Cost(strength, limit_x_k, limit_gap, final_x_k, final_gap, steps_figure, steps_note, extra,
                          rounded(peak.peak, SHOWN_DIGITS), peak.peak_step, noise_peak, noise_crossing,
                          *(None if value is None else rounded(value, 3) for value in seconds[index])))
    return Stabilization(target, tuple(costs), timing, note)


# ---------------------------------------------------------------------------------------- timing
def time_per_step(setting: RiskSetting, strengths, run) -> tuple[list[float], str]:
    """Seconds per step of plain MD and of each anchored update, run with ``run``'s framework kernels as
    ``frameworks.run.run_update`` runs plain MD, the anchored step adding what a training loop adds: the
    multiplicative update raises x to 1 - eta lambda in place (x **= r; jax rebinds) before x <- x w / sum(x w)
    with w = a^(eta lambda) exp(-eta c); the logits update scales z in place (z *= r) before z <- z - eta c +
    eta lambda log a. Returns (fastest, median) seconds per step (plain first) and how they were measured."""
    from mdtheory.engine.frameworks import backend
    from mdtheory.engine.frameworks.run import check_combination

    check_combination(setting, run)
    kernels = backend(run)
    steps = max(MIN_TIMED_STEPS, min(setting.steps, MAX_TIMED_STEPS, TIMED_WORK // setting.d))
    loops = [_timed_loop(setting, kernels, run, strength) for strength in (None, *strengths)]
    for loop in loops:
        loop(WARMUP_STEPS)
    repeats = [[] for _ in loops]
    for _ in range(TIMED_REPEATS):
        for i, loop in enumerate(loops):
            repeats[i].append(loop(steps)[0] / steps)
    described = (f"{run.describe()}, {setting.update} update: the fastest and the median of {TIMED_REPEATS} repeats "
                 f"of {steps} steps, plain and anchored interleaved, each ending when its iterate is back on the host")
    return [(min(times), float(np.median(times))) for times in repeats], described


def _timed_loop(setting: RiskSetting, kernels, run, strength):
    """A function of a number n of steps that runs them from x_0 and returns (seconds, the last iterate it formed:
    x_n for the multiplicative update, x_(n-1) for the logits update, whose softmax comes before each step)."""
    formats = run.formats
    x0, c, eta = setting.initial(), setting.costs(), float(setting.eta)
    log_anchor = -math.log(setting.d)  # the uniform anchor
    pull = 0.0 if strength is None else float(setting.eta * strength)
    keep = 1 - pull

    def multiplicative(steps):
        x = kernels.array(x0, formats.storage)
        w = kernels.exp(kernels.array(-eta * c + pull * log_anchor, formats.storage))
        started = time.perf_counter()
        for _ in range(steps):
            if strength is not None:
                x **= keep
            x = kernels.multiply_(x, w)
            x = kernels.normalize_(x)
        final = kernels.to_float64(x)
        return time.perf_counter() - started, final

    def logits(steps):
        z = kernels.log(kernels.array(x0, formats.storage))
        step = kernels.array(eta * c - pull * log_anchor, formats.storage)
        started = time.perf_counter()
        for _ in range(steps):
            x = kernels.softmax(kernels.cast(z, formats.softmax))
            if strength is not None:
                z *= keep
            z = kernels.subtract_(z, step)
        final = kernels.to_float64(x)
        return time.perf_counter() - started, final

    return multiplicative if setting.update == "multiplicative" else logits
