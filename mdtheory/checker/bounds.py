"""Stated bounds and their verdicts: holds, violated or inconclusive, with margins and trusted digits.

A verdict is never given on digits the precision ladder did not confirm: with fewer than
``MIN_TRUSTED_DIGITS`` trusted digits, or a fitting window that is too short, the answer is inconclusive.
A measured value is compared with a bound evaluated on both rungs: holds or violated only when measured -
claimed is away from zero by more than both uncertainties; otherwise inconclusive, unless the ladder shows the
two equal (the bound is attained: tight). Margins are taken relative to the bound or in decades, never as a
relative gap of a value near zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.measure import Extremes, Measurement, RateFit, fit_growth_rate, peak_of
from mdtheory.checker.reading import DISPLAY_DIGITS, Reading, as_reading, exactly, laddered, reading, rounded
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.context import ArbContext, flint_precision, working_context
from mdtheory.engine.ladder import agreeing_digits, resolved_digits, trusted_or_none
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.mirror_descent import STEPS
from mdtheory.symbolic.parsing import as_expression
from mdtheory.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Verdict


MIN_TRUSTED_DIGITS = 4
RATE_SIGMAS = 3  # a fitted rate differs from a claim when it is farther than 3 standard errors of the fit
# (a claim may widen this by stating a relative ``rate_tolerance``; none is added silently)
POSITIVE_RATE_FLOOR = sp.Rational(1, 1000)  # "any c > 0" needs a rate above this, per unit eta*T
# Equality shown by the ladder: measured - claimed on the fine rung at most 2^-(coarse bits / 2) of the coarse
# rung's rounding at that step (UpperBound._attained_within)
ATTAINED_SHRINK_DIVISOR = 2
MIN_WINDOW_POINTS = 5
MIN_WINDOW_SPAN = sp.Integer(1)  # in units of eta*T
DEFAULT_SATURATION_FACTOR = sp.Integer(10)

# T is the step count of the symbolic layer's closed forms (one symbol: a bound and a closed form can meet)
T, ETA_T, EPS = STEPS, sp.Symbol("etaT", nonnegative=True), sp.Symbol("eps", positive=True)
# The sums step-size theorems name, over the steps s < t before the step t a bound is evaluated at (eta_s makes
# x_{s+1}; engine.schedule): sum_eta = sum_s eta_s (etaT means it: eta*t for a constant eta), sum_eta2 =
# sum_s eta_s^2, sum_g2 = sum_s ||g_s||_*^2 with g_s the gradient (loss) the step used and ||.||_* the claim's
# dual norm. A measurement carries those its problem computes (``step_sums``: name -> rung -> the sums at
# t = 0, ..., T), on each rung of the ladder; a problem kind offers them to bounds in ``step_sum_names``.
SUM_ETA, SUM_ETA2, SUM_G2 = (sp.Symbol(name, nonnegative=True) for name in ("sum_eta", "sum_eta2", "sum_g2"))
STEP_SUMS = {"sum_eta": SUM_ETA, "sum_eta2": SUM_ETA2, "sum_g2": SUM_G2}
SENSITIVITY_QUANTITIES = ("amplification", "tangent_amplification", "separation", "worst_case_amplification")
# Convergence to a reference point r (x*, a comparator or a stated limit); t is a recorded step:
#   suboptimality f(x_t) - f(r), best_suboptimality min_{s<t} f(x_s) - f(r) (f(x_0) - f(r) at t = 0),
#   average_suboptimality f(mean_{s<t} x_s) - f(r), bregman_to_solution D_phi(r, x_t), distance_to_solution ||x_t - r||
CONVERGENCE_QUANTITIES = ("suboptimality", "best_suboptimality", "average_suboptimality", "bregman_to_solution",
                          "distance_to_solution")
ONLINE_QUANTITIES = ("regret",)  # sum_{s<t} <l_s, x_s> - min_x sum_{s<t} <l_s, x>
# Policy MD on an MDP: V*(rho) - V^{pi_t}(rho), ||Q* - Q^{pi_t}||_inf and ||log pi* - log pi_t||_inf (soft
# versions for tau > 0)
MDP_QUANTITIES = ("value_gap", "soft_q_gap", "log_policy_gap")
QUANTITIES = (*SENSITIVITY_QUANTITIES, *CONVERGENCE_QUANTITIES, *ONLINE_QUANTITIES, *MDP_QUANTITIES)


def constant_symbol(name: str) -> sp.Symbol:
    """The symbol a bound uses for a named constant of the instance (L, mu, D0, gamma, ...)."""
    return sp.Symbol(name, real=True)


@dataclass
class CheckResult:
    """A verdict with what it compared: measured, claimed and margin are readings (numbers with their digits,
    turned into text only where shown); a plain string is taken as a reading without numbers."""

    kind: str
    verdict: Verdict
    measured: Reading
    claimed: Reading
    margin: Reading
    trusted_digits: int
    quantity: str
    explanation: str
    rate: dict | None = None
    peak: dict | None = None
    bound_curve: list | None = None  # (eta_t, value) pairs of the claimed bound, for plots
    extra: dict = field(default_factory=dict)
    convexity: str | None = None  # how strict convexity of phi was established ("proved (...)" or "checked along ...")

    def __post_init__(self):
        self.measured, self.claimed, self.margin = map(as_reading, (self.measured, self.claimed, self.margin))

    def fields(self) -> list[tuple[str, str]]:
        """What the verdict compared, as (name, text) pairs: the readings' own text (``Reading.text``), so a
        notebook, the terminal and the CLI show the same digits."""
        return [("verdict", str(self.verdict)), ("kind", self.kind), ("measured", self.measured.text()),
                ("claimed", self.claimed.text()), ("margin", self.margin.text()),
                ("trusted digits", str(self.trusted_digits))] + \
            ([("convexity", self.convexity)] if self.convexity else [])

    def _repr_markdown_(self) -> str:
        from mdtheory.checker.result import fields_markdown

        return fields_markdown(self.fields(), self.explanation)

    def __str__(self) -> str:
        from mdtheory.checker.result import fields_text

        return fields_text(self.fields(), self.explanation)


def decided(kind: str, holds: bool, measured: Reading | str, claimed: Reading | str, margin: Reading | str,
            trusted_digits: int, explanation: str,
            quantity: str = "amplification", confirmed: bool = True) -> CheckResult:
    """A verdict computed by a claim itself (a comparison the bound kinds above do not cover): holds or
    violated, or inconclusive when the claim could not confirm its measurement."""
    verdict = INCONCLUSIVE if not confirmed else HOLDS if holds else VIOLATED
    return CheckResult(kind=kind, verdict=verdict, measured=measured, claimed=claimed, margin=margin,
                       trusted_digits=trusted_digits if confirmed else 0, quantity=quantity, explanation=explanation)


# Quantities that problem kinds registered at run time measure (mdtheory.problems.register adds them).
REGISTERED_QUANTITIES: set[str] = set()


def _check_quantity(quantity: str):
    if quantity not in QUANTITIES and quantity not in REGISTERED_QUANTITIES:
        known = (*QUANTITIES, *sorted(REGISTERED_QUANTITIES - set(QUANTITIES)))
        raise MDTheoryError(f"unknown quantity {quantity!r}; choose one of {', '.join(known)}")


# BoundOnRungs remembers the bound at this many steps at most (then starts afresh): a dense check evaluates
# it at every step, and a value is re-evaluated, identically, rather than kept for a run of a million steps.
BOUND_CACHE_ENTRIES = 4096


class BoundOnRungs:
    """A bound (in T, etaT, eps and the instance's constants) evaluated on both rungs of the ladder, at any step
    t, recorded or not: in balls (arb) at the fine rung's precision with the fine constants and at the coarse
    rung's with the coarse ones. Its uncertainty is the rungs' distance, the coarse roundoff on the value and
    both balls' radii: a bound whose own evaluation cancels (2 - ((1 + 1e-45)^T - 1) 1e45, where both rungs
    round 1 + 1e-45 to 1 and agree on 2) is as unresolved as a measurement would be, and a constant the rungs
    disagree on widens it. Values come from the rungs' own contexts; a bound arb cannot evaluate gets no radius."""

    def __init__(self, m, expr):
        names = sorted(m.constants)
        self.sums = getattr(m, "step_sums", {})
        symbols = [T, ETA_T, EPS, *STEP_SUMS.values(), *(constant_symbol(n) for n in names)]
        stray = expr.free_symbols - set(symbols)
        uncomputed = sorted(n for n, symbol in STEP_SUMS.items() if symbol in expr.free_symbols and n not in self.sums)
        if stray or uncomputed:
            allowed = ", ".join(["T", "etaT", *(["eps"] if m.eps is not None else []), *self.sums, *names])
            scheduled = constant_symbol("eta") in stray and getattr(getattr(m, "spec", None), "scheduled", False)
            why = ("eta is a schedule here: name sum_eta or sum_eta2" if scheduled else
                   f"{', '.join(uncomputed)} is not summed for this quantity: the gradients are summed along the runs "
                   "of convergence and regret quantities" if uncomputed else "declare others in [constants]")
            raise MDTheoryError(f"bound {expr} uses unknown symbols {sorted(map(str, stray)) + uncomputed}; allowed "
                                f"here: {allowed} ({why})")
        if EPS in expr.free_symbols and m.eps is None:
            raise MDTheoryError(f"bound {expr} uses eps, but this problem has no perturbation")
        self.m, self.expr = m, expr
        self.varies = bool(expr.free_symbols & {T, ETA_T, *STEP_SUMS.values()})
        self.named_sums = {name: [self.sums[name](rung) for rung in (0, 1)] for name, symbol in STEP_SUMS.items()
                           if symbol in expr.free_symbols}
        self.compiled = CompiledExpressions([expr], symbols)
        ladder = getattr(m, "ladder", None)
        self.contexts = (m.ctx, ladder.coarse.ctx if ladder is not None else working_context(m.bits[0]))
        self.roundoff = m.ctx.ldexp(1, -self.contexts[1].prec)
        self.spec = getattr(m, "spec", None)  # eta*t (or the schedule's sum) exact for a run; else as recorded
        self.recorded = {t: i for i, t in enumerate(m.fine.t)}
        self.arguments = []
        for rung, ctx in enumerate(self.contexts):
            eps = ctx.exact(m.eps) if m.eps is not None else ctx.mpf(0)
            self.arguments.append((eps, [ctx.mpf(m.constants[n][rung]) for n in names]))
        self._cache = {}
        self.ball_failure = None  # why the bound could not be evaluated in balls, once it could not

    def _eta_t(self, rung, ctx, t):
        if self.spec is not None:
            return self.spec.elapsed(ctx, t)
        return ctx.mpf(self.m.fine.eta_t[self.recorded[t]])  # a series measurement records eta*t (sum_eta) each step

    def _step_sums(self, rung, ctx, t) -> list:
        """The step sums at t on this rung: those the bound names (each rung's list computed once), 0 for the others."""
        return [ctx.mpf(self.named_sums[name][rung][t]) if name in self.named_sums else ctx.mpf(0) for name in STEP_SUMS]

    def on_rung(self, rung: int, t) -> tuple:
        """(value, radius) at step t: the value in the rung's own context, the radius of the same evaluation in an
        arb ball at the rung's precision (what rounding inside the expression may have cost it)."""
        ctx = self.contexts[rung]
        eps, constants = self.arguments[rung]
        try:
            value = self.compiled(ctx, ctx.mpf(t), self._eta_t(rung, ctx, t), eps, *self._step_sums(rung, ctx, t),
                                  *constants)[0]
        except ZeroDivisionError:  # a rate such as D0/T at T = 0, a step no bound is checked at
            return ctx.inf, ctx.mpf(0)
        radius = ctx.mpf(0)
        if self.ball_failure is None:
            try:
                with flint_precision(ctx.prec):
                    arb = ArbContext(ctx.prec)
                    # arb.mpf: a constant bound compiles to an exact int, a ball of radius 0
                    ball = arb.mpf(self.compiled(arb, arb.mpf(ctx.mpf(t)), arb.mpf(self._eta_t(rung, ctx, t)), arb.mpf(eps),
                                                 *(arb.mpf(v) for v in self._step_sums(rung, ctx, t)),
                                                 *(arb.mpf(c) for c in constants))[0])
                    mantissa, exponent = ball.rad().man_exp()
                    radius = ctx.ldexp(ctx.mpf(int(mantissa)), int(exponent)) if ball.is_finite() else ctx.inf
            except (AttributeError, TypeError, ValueError, ZeroDivisionError) as err:
                self.ball_failure = f"{type(err).__name__}: {str(err)[:80]}"  # e.g. a function arb's context lacks
        return value, radius

    def at(self, t) -> tuple:
        """(fine value, coarse value in the fine context, absolute uncertainty of the fine value) at step t."""
        key = t if self.varies else None
        if key not in self._cache:
            ctx = self.m.ctx
            (fine, fine_radius), (coarse, coarse_radius) = self.on_rung(0, t), self.on_rung(1, t)
            coarse = ctx.mpf(coarse)
            if not ctx.isfinite(fine_radius):
                fine_radius = abs(fine) + 1  # arb lost the value entirely: nothing of it is resolved
            uncertainty = (abs(fine - coarse) + abs(fine) * self.roundoff + fine_radius + ctx.mpf(coarse_radius)
                           if ctx.isfinite(fine) else ctx.mpf(0))
            if len(self._cache) >= BOUND_CACHE_ENTRIES:
                self._cache.clear()
            self._cache[key] = (fine, coarse, uncertainty)
        return self._cache[key]

    def lowest(self, first: int, last: int) -> tuple:
        """(t, fine, coarse, uncertainty) where the bound is smallest over the steps first..last, each judged
        by value less uncertainty (what a value must stay below)."""
        if not self.varies:
            return (last, *self.at(last))
        return min(((t, *self.at(t)) for t in range(first, last + 1)), key=lambda row: row[1] - row[3])


def bound_series(m, expr) -> tuple[list, list]:
    """``expr`` at every recorded step of a measurement, and its absolute uncertainty (``BoundOnRungs``)."""
    bound = BoundOnRungs(m, expr)
    rows = [bound.at(t) for t in m.fine.t]
    return [row[0] for row in rows], [row[2] for row in rows]


def _along_series(m: Measurement, expr) -> list:
    return bound_series(m, expr)[0]


def _evaluate(ctx, expr: sp.Expr, **values) -> object:
    symbols = {"T": T, "etaT": ETA_T, "eps": EPS}
    stray = expr.free_symbols - set(symbols.values())
    if stray:
        raise MDTheoryError(f"bound {expr} uses unknown symbols {sorted(map(str, stray))}; allowed: T, etaT, eps")
    names = list(values)
    compiled = CompiledExpressions([expr], [symbols[n] for n in names])
    return compiled(ctx, *[values[n] for n in names])[0]


BOUND_SYMBOLS = {"T": T, "etaT": ETA_T, "eps": EPS}


def _expression_field(bound, name: str, symbols=BOUND_SYMBOLS):
    """Bound fields given as text go through the safe parser, never sympify (which evaluates Python)."""
    value = getattr(bound, name)
    if value is not None:
        object.__setattr__(bound, name, as_expression(value, symbols, f"{type(bound).__name__}.{name}"))


@dataclass(frozen=True)
class UpperBound:
    """quantity(t) <= bound(T, etaT) at every step t >= 1 (e.g. amplification <= 1, or <= C*g(T)).

    Step 0 is left out: there the amplification is 1 by definition, which would make every bound of 1
    look attained. A step is decided once its uncertainty is small on the scale of the larger of the value
    and the bound: a value near zero far below its bound, and a value far above it (1e684 against 1), are
    both resolved even when few of their own digits are."""

    bound: sp.Expr
    quantity: str = "amplification"
    kind: str = "upper_bound"

    def __post_init__(self):
        _check_quantity(self.quantity)
        _expression_field(self, "bound")

    def closest_approach(self, m: Measurement) -> tuple[float, int]:
        """(max over t >= 1 of log(measured / claimed), the t attaining it), unjudged: how close this
        instance comes to violating the bound (falsify's objective). The value counts only as far as the
        ladder resolves it (value - uncertainty, against bound + its uncertainty): a quantity that has sunk
        to the rounding floor under a bound decaying below it is not an approach. -inf when no step has a
        resolved positive value. Every step counts where the run kept every step's extremes."""
        ctx = m.ctx
        bound = BoundOnRungs(m, self.bound)
        extremes = m.extremes(self.quantity)
        if extremes is None:
            rows = zip(m.values(self.quantity), m.uncertainties(self.quantity), m.fine.t)
        else:
            rows = zip(extremes.high, extremes.high_uncertainty, extremes.high_t)
        best, best_t = -math.inf, 0
        for value, u, t in rows:
            claimed, _, ub = bound.at(t)
            if t >= 1 and claimed > 0 and value - u > 0:
                ratio = float(ctx.log(value - u) - ctx.log(claimed + ub))
                if ratio > best:
                    best, best_t = ratio, t
        return best, best_t

    def check(self, m: Measurement) -> CheckResult:
        """Each recorded step t_i stands for the steps (t_{i-1}, t_i] since the previous record: the largest value
        there (every step is seen, see ``Measurement.extremes``) against the smallest bound there. A block is
        violated when its largest value exceeds the bound at its own step by more than both uncertainties,
        resolved when it stays below the block's lowest bound by more than both, and otherwise unresolved: then
        the verdict is inconclusive, unless the ladder shows equality (``_attained_within``)."""
        bound = BoundOnRungs(m, self.bound)
        result = self._decide(m, bound)
        if bound.ball_failure is not None:  # the cancellation the balls catch (item 2) went unwatched: say so
            result.explanation += (f"; the bound could not be evaluated in arb balls ({bound.ball_failure}), so its "
                                   "uncertainty is the rungs' distance alone")
        return result

    def _decide(self, m: Measurement, bound: BoundOnRungs) -> CheckResult:
        ctx = m.ctx
        every_step = getattr(m, "dense", {}).get(self.quantity)
        if every_step is not None:  # known at every step (convergence quantities from every kept iterate)
            times, series = every_step
            extremes = Extremes.of_steps(times, series.values, series.coarse, series.uncertainty)
        else:
            extremes, times = m.extremes(self.quantity), list(m.fine.t)
        if extremes is None:
            return self._check_sampled(m, bound)
        coarse_bits, fine_bits = self._bits(m)
        steps = [i for i, t in enumerate(times) if t >= 1]
        if not steps:
            raise MDTheoryError("the run recorded no step t >= 1; set steps >= 1")
        # A block's record is kept only while the verdict may report it (the closest to the bound, the largest,
        # the first exceeding or unresolved, the first two attained): a dense check has one block per step.
        blocks, by_state = {}, {"exceeds": [], "attained": [], "unresolved": []}
        worst = largest = fewest_digits = None
        single_steps = True
        for i in steps:
            first = times[i - 1] + 1 if i > 0 else 1
            high, high_t, u = extremes.high[i], extremes.high_t[i], extremes.high_uncertainty[i]
            claimed, claimed_coarse, ub = bound.at(high_t)
            low_t, low, low_coarse, low_u = bound.lowest(first, times[i])
            if not (low > 0 and claimed > 0):
                raise MDTheoryError(f"the bound {self.bound} is not positive at every step t >= 1; state a positive bound")
            tolerance = None
            if high - u > claimed + ub:
                state = "exceeds"
            elif high + u < low - low_u:
                state = "below"
            elif first == times[i] and (tolerance := self._attained_within(
                    m, high, extremes.high_coarse[i], u, claimed, claimed_coarse, ub)) is not None:
                state = "attained"  # one step: the coarse extreme is at the same step
            else:
                state, tolerance = "unresolved", None
            blocks[i] = dict(state=state, value=high, t=high_t, u=u, claimed=claimed, ub=ub, low=low, low_u=low_u,
                             gaps=(high - claimed, ctx.mpf(extremes.high_coarse[i]) - claimed_coarse),
                             tolerance=tolerance,
                             ratio=high / claimed, first=first, last=times[i],
                             digits=resolved_digits(ctx, max(abs(high), low), u + low_u, ctx.dps))
            if state != "below":
                by_state[state].append(i)
            if worst is None or blocks[i]["ratio"] > blocks[worst]["ratio"]:  # the first of equals, as max()
                worst = i
            if largest is None or blocks[i]["value"] > blocks[largest]["value"]:
                largest = i
            fewest_digits = blocks[i]["digits"] if fewest_digits is None else min(fewest_digits, blocks[i]["digits"])
            single_steps = single_steps and first == times[i]
            reported = {worst, largest, *by_state["exceeds"][:1], *by_state["unresolved"][:1], *by_state["attained"][:2]}
            for j in [j for j in blocks if j not in reported]:
                del blocks[j]
        exceed = by_state["exceeds"]
        trusted = blocks[exceed[0]]["digits"] if exceed else fewest_digits
        digits = m.digits(self.quantity)
        index_of = {t: i for i, t in enumerate(m.fine.t)}
        curve = [(s, bound.at(t)[0]) for s, t in zip(m.fine.eta_t, m.fine.t)]

        def value(i):
            b = blocks[i]
            shown_digits = (digits[index_of[b["t"]]] if b["t"] in index_of else
                            resolved_digits(ctx, b["value"], b["u"], ctx.dps))
            return laddered(ctx, b["value"], shown_digits, b["u"])

        position = lambda i: rounded(self._eta_t(m, blocks[i]["t"]), 6, ctx)
        measured = reading(f"{self.quantity} = ", value(worst), " at eta*T = ", position(worst), " (closest to the bound)")
        if largest != worst:
            measured += reading("; largest ", value(largest), " at eta*T = ", position(largest))
        w = blocks[worst]
        relative_u = (w["u"] + w["ub"]) / w["claimed"]
        margin_value = 1 - w["ratio"]
        attained, unresolved = by_state["attained"], by_state["unresolved"]
        if w["state"] == "attained":
            margin = reading("0 to the ladder's resolution (", rounded(margin_value, 2, ctx, signed=True),
                             " of the bound on the fine rung)")
        else:
            margin = reading(laddered(ctx, margin_value, resolved_digits(ctx, margin_value, relative_u, ctx.dps),
                                      relative_u), " of the bound")
        dense = "every step" if single_steps else (
            "every step (between records, the largest value against the smallest bound there)")
        common = dict(
            kind=self.kind, quantity=self.quantity, trusted_digits=trusted, bound_curve=curve, measured=measured,
            claimed=reading(f"<= {self.bound} (= ", rounded(w["claimed"], 10, ctx), " there)"), margin=margin,
        )
        if exceed:
            first = blocks[exceed[0]]
            return CheckResult(verdict=VIOLATED, explanation=(
                f"{self.quantity} exceeds the bound first at eta*T = {position(exceed[0])} "
                f"({value(exceed[0])} > {ctx.nstr(first['claimed'], 10)}), beyond both uncertainties"),
                extra={"first_violation_t": first["t"]}, **common)
        if trusted < MIN_TRUSTED_DIGITS:
            return CheckResult(verdict=INCONCLUSIVE, explanation=(
                f"{self.quantity} is resolved to only {trusted} digits of the bound's scale by the precision "
                f"ladder (need {MIN_TRUSTED_DIGITS}); raise precision_bits"), **common)
        if unresolved:
            b = blocks[unresolved[0]]
            gap = b["value"] - b["low"]
            if b["first"] == b["last"]:
                why = (f"at eta*T = {position(unresolved[0])} measured - claimed = {ctx.nstr(gap, 3)} is within the "
                       f"combined uncertainty {ctx.nstr(b['u'] + b['low_u'], 3)} of the measurement and the bound: "
                       "neither holds nor violated is resolved, and the rungs do not show the two equal; raise "
                       "precision_bits")
            else:
                why = (f"between the recorded steps t = {b['first'] - 1} and {b['last']} the largest {self.quantity} "
                       f"({value(unresolved[0])} at {self._step(m, b['t'])}) is not resolved below the smallest bound there "
                       f"({ctx.nstr(b['low'], 6)}), and no step exceeds its own bound beyond the uncertainties: record "
                       "every step (record_every = 1) to decide")
            return CheckResult(verdict=INCONCLUSIVE, explanation=why, extra={"unresolved_t": b["t"]}, **common)
        tight = bool(attained)
        return CheckResult(verdict=HOLDS, explanation=(
            f"the bound holds at {dense}" + (
                "; it is attained (tight) to the ladder's resolution at " + ", ".join(
                    f"{self._step(m, blocks[i]['t'])} (measured - claimed {ctx.nstr(blocks[i]['gaps'][1], 2)} at {coarse_bits} "
                    f"bits, {ctx.nstr(blocks[i]['gaps'][0], 2)} at {fine_bits}, within {ctx.nstr(blocks[i]['tolerance'], 2)})"
                    for i in attained[:2])
                + (f" and {len(attained) - 2} more steps" if len(attained) > 2 else "")
                + ": the fine rung is off the bound by less than 2^-(coarse bits/2) of the coarse rung's rounding, "
                "so the two are equal to that tolerance" if tight else
                f"; the closest approach leaves a gap of {ctx.nstr(w['claimed'] - w['value'], 3)}, resolved")),
            # tightness: measured / claimed at the step closest to the bound (1: attained)
            extra={"tight": tight, "tightness": ctx.nstr(w["ratio"], 4), "tightness_t": w["t"]}, **common)

    @staticmethod
    def _bits(m) -> tuple[int, int]:
        ladder = getattr(m, "ladder", None)
        return (ladder.coarse.bits, ladder.fine.bits) if ladder is not None else tuple(m.bits)

    @staticmethod
    def _step(m, t) -> str:
        """Step t as a verdict names it: its index, or, for a run at stated times (a flow), its time."""
        row_times = getattr(m, "row_times", ())
        return f"t = {row_times[t] if row_times else t}"

    @staticmethod
    def _eta_t(m, t):
        spec = getattr(m, "spec", None)
        return spec.elapsed(m.ctx, t) if spec is not None else m.fine.eta_t[list(m.fine.t).index(t)]

    @staticmethod
    def _attained_within(m, fine, coarse, u, claimed, claimed_coarse, ub):
        """The tolerance within which the ladder shows measured = claimed at one step, or None when it does not.

        The coarse rung's rounding at this step (the ladder's uncertainty less the rungs' distance, plus its
        roundoff on the bound) is the most either rung may be off by rounding there; the fine rung carries
        coarse_bits more bits. Equality is shown when the bound is itself known to that rounding and the fine
        rung is within 2^-(coarse_bits / ATTAINED_SHRINK_DIVISOR) of it from the bound: a true gap larger than
        that would show on the fine rung, and a gap the coarse rung lost but the fine rung sees does not pass."""
        ctx = m.ctx
        coarse_bits = UpperBound._bits(m)[0]
        roundoff = ctx.ldexp(1, -coarse_bits)
        rounding = u - abs(fine - ctx.mpf(coarse)) + abs(claimed) * roundoff
        if ub > rounding:
            return None  # the bound's own evaluation is not resolved to the coarse precision
        tolerance = rounding * ctx.ldexp(1, -(coarse_bits // ATTAINED_SHRINK_DIVISOR))
        return tolerance if abs(fine - claimed) <= tolerance else None

    def _check_sampled(self, m, bound: BoundOnRungs) -> CheckResult:
        """The quantity was kept only at the recorded steps: a resolved excess there is a violation, but nothing
        said about the steps in between, so never holds."""
        ctx = m.ctx
        values, uncertainty = m.values(self.quantity), m.uncertainties(self.quantity)
        times = list(m.fine.t)
        steps = [i for i, t in enumerate(times) if t >= 1]
        if not steps:
            raise MDTheoryError("the run recorded no step t >= 1; set steps >= 1")
        rows = {i: bound.at(times[i]) for i in steps}
        worst = max(steps, key=lambda i: values[i] / rows[i][0])
        exceed = [i for i in steps if values[i] - uncertainty[i] > rows[i][0] + rows[i][2]]
        shown = lambda i: laddered(ctx, values[i], m.digits(self.quantity)[i], uncertainty[i])
        position = lambda i: rounded(m.fine.eta_t[i], 6, ctx)
        i = exceed[0] if exceed else worst
        common = dict(kind=self.kind, quantity=self.quantity, bound_curve=[(s, r[0]) for s, r in zip(m.fine.eta_t, (bound.at(t) for t in times))],
                      measured=reading(f"{self.quantity} = ", shown(i), " at eta*T = ", position(i),
                                       f" (checked at the {len(steps)} recorded steps only)"),
                      claimed=reading(f"<= {self.bound} (= ", rounded(rows[i][0], 10, ctx), " there)"),
                      margin=reading(rounded(1 - values[i] / rows[i][0], 6, ctx), " of the bound at the recorded steps"))
        if exceed:
            return CheckResult(verdict=VIOLATED, trusted_digits=m.digits(self.quantity)[i], explanation=(
                f"{self.quantity} exceeds the bound at eta*T = {position(i)}"), extra={"first_violation_t": times[i]},
                **common)
        return CheckResult(verdict=INCONCLUSIVE, trusted_digits=0, explanation=(
            f"{self.quantity} was kept only at the recorded steps (t = {', '.join(map(str, times[:4]))}, ...): a bound "
            "for every t is not decided by a sample; record every step (record_every = 1)"), **common)


@dataclass(frozen=True)
class Limit:
    """The iterates converge to the stated limit r: ||x_T - r|| <= tolerance at the last step T.

    A finite run cannot prove a limit; what is decided is this finite statement, on the ladder. A wrong limit
    (another point) is violated once the run is closer to the true limit than the distance between the two,
    less the tolerance."""

    tolerance: sp.Expr
    quantity: str = "distance_to_solution"
    kind: str = "limit"

    def __post_init__(self):
        _expression_field(self, "tolerance", {})
        if not (self.tolerance.is_number and self.tolerance.is_positive):
            raise MDTheoryError(f"tolerance: expected a positive number, got {self.tolerance}")

    def check(self, m) -> CheckResult:
        ctx = m.ctx
        values, uncertainty, digits = m.values(self.quantity), m.uncertainties(self.quantity), m.digits(self.quantity)
        last = len(values) - 1
        tolerance = _evaluate(ctx, self.tolerance)
        value, u = values[last], uncertainty[last]
        shown = laddered(ctx, value, digits[last], u)
        common = dict(kind=self.kind, quantity=self.quantity, trusted_digits=digits[last],
                      measured=reading("||x_T - limit|| = ", shown, " at T = ", exactly(m.fine.t[last]),
                                       *([f" (limit: {m.reference})"] if m.reference else [])),
                      claimed=reading("<= ", exactly(self.tolerance)), margin=reading(rounded(tolerance - value, 6, ctx)),
                      bound_curve=[(s, tolerance) for s in m.fine.eta_t])
        if value - u > tolerance:
            return CheckResult(verdict=VIOLATED, explanation=(
                f"after {m.fine.t[last]} steps the iterate is {shown} from the stated limit, farther than the "
                f"tolerance {self.tolerance}: it converges elsewhere, or not within the horizon"), **common)
        if value + u <= tolerance:
            return CheckResult(verdict=HOLDS, explanation=(
                f"x_T is within {self.tolerance} of the stated limit (a finite-horizon statement)"), **common)
        return CheckResult(verdict=INCONCLUSIVE, explanation=(
            "the distance to the limit is not resolved against the tolerance; raise precision_bits"), **common)


def Decay(constant, rho, quantity: str = "amplification") -> UpperBound:
    """quantity(t) <= C * rho^T."""
    constant, rho = as_expression(constant, {}, "Decay constant"), as_expression(rho, {}, "Decay rho")
    for name, value in (("constant", constant), ("rho", rho)):
        if not (value.is_number and value.is_positive):
            raise MDTheoryError(f"Decay {name}: expected a positive number, got {value}")
    return UpperBound(constant * rho ** T, quantity, kind="decay")


@dataclass(frozen=True)
class ExponentialGrowth:
    """log(quantity) grows at least at rate ``rate`` per unit eta*T on ``window`` (any rate > 0 when
    ``rate`` is None); with ``exact``, the rate equals ``rate`` to the fit's resolution.

    The default window for the separation runs from the start to its peak: saturation ends the growth.
    """

    rate: sp.Expr | None = None
    window: tuple | None = None
    quantity: str = "separation"
    exact: bool = False
    kind: str = "exponential_growth"
    # a relative band the claim states around its rate (the fit of a curve that is only nearly exponential on its
    # window is biased beyond its standard error); None: the fit's RATE_SIGMAS standard errors alone
    rate_tolerance: sp.Expr | None = None

    def __post_init__(self):
        _check_quantity(self.quantity)
        _expression_field(self, "rate", {})
        _expression_field(self, "rate_tolerance", {})
        if self.rate_tolerance is not None and not (self.rate_tolerance.is_number and self.rate_tolerance >= 0):
            raise MDTheoryError(f"rate_tolerance: expected a number >= 0 (relative to the claimed rate), got "
                                f"{self.rate_tolerance}")

    def fit(self, m: Measurement) -> RateFit | None:
        ctx = m.ctx
        if self.quantity == "tangent_amplification":
            logs = list(m.fine.log_tangent_amplification)
        else:
            logs = [ctx.log(v) if v > 0 else ctx.ninf for v in m.values(self.quantity)]
        window = self.window
        if window is None:
            end = peak_of(m, self.quantity).eta_t if self.quantity != "tangent_amplification" else m.fine.eta_t[-1]
            window = (m.fine.eta_t[0], end)
        else:
            window = tuple(ctx.exact(w) for w in window)
        return fit_growth_rate(ctx, m.fine.eta_t, logs, m.digits(self.quantity), window)

    def check(self, m: Measurement) -> CheckResult:
        ctx = m.ctx
        fit = self.fit(m)
        claimed = reading("rate > 0") if self.rate is None else reading(f"rate {'=' if self.exact else '>='} ",
                                                                        exactly(self.rate))
        if fit is None or fit.points < MIN_WINDOW_POINTS or fit.window[1] - fit.window[0] < ctx.exact(MIN_WINDOW_SPAN):
            span = "none" if fit is None else f"{fit.points} points over eta*T {ctx.nstr(fit.window[0], 4)}..{ctx.nstr(fit.window[1], 4)}"
            return CheckResult(self.kind, INCONCLUSIVE, "no fit", claimed, "n/a", 0, self.quantity, (
                f"the fitting window is too short ({span}); need {MIN_WINDOW_POINTS} points over at least "
                f"{MIN_WINDOW_SPAN} unit of eta*T: run longer or record more often"))
        rate_text = laddered(ctx, fit.rate, fit.digits)  # "?" when the fit resolves no digit
        drawn_rate = fit.rate if self.rate is None else _evaluate(ctx, self.rate)
        # The claimed rate is drawn through the fitted intercept over the window.
        curve = [(s, ctx.exp(fit.intercept + drawn_rate * s)) for s in m.fine.eta_t if fit.window[0] <= s <= fit.window[1]]
        common = dict(kind=self.kind, quantity=self.quantity, trusted_digits=fit.digits, rate=fit.as_dict(ctx),
                      bound_curve=curve,
                      measured=reading("rate ", rate_text, " +- ", rounded(fit.stderr, 2, ctx)), claimed=claimed)
        window_digits = min(d for s, d in zip(m.fine.eta_t, m.digits(self.quantity)) if fit.window[0] <= s <= fit.window[1])
        if window_digits < MIN_TRUSTED_DIGITS:
            return CheckResult(verdict=INCONCLUSIVE, margin="n/a", explanation=(
                f"the {self.quantity} values in the window keep only {window_digits} trusted digits (need "
                f"{MIN_TRUSTED_DIGITS}); raise precision_bits"), **common)
        sigma = RATE_SIGMAS * fit.stderr
        if self.rate is None:
            floor = ctx.exact(POSITIVE_RATE_FLOOR)
            margin = reading(rounded(fit.rate - sigma - floor, 6, ctx), " above the floor ", exactly(POSITIVE_RATE_FLOOR))
            if fit.rate - sigma > floor:
                return CheckResult(verdict=HOLDS, margin=margin, explanation="exponential growth resolved", **common)
            if fit.rate + sigma <= floor:
                return CheckResult(verdict=VIOLATED, margin=margin, explanation="no exponential growth", **common)
            return CheckResult(verdict=INCONCLUSIVE, margin=margin,
                               explanation="the rate is not resolved from zero; run longer", **common)
        claimed_rate = _evaluate(ctx, self.rate)
        stated = ctx.mpf(0) if self.rate_tolerance is None else _evaluate(ctx, self.rate_tolerance) * abs(claimed_rate)
        # the fitted rate is known only to its trusted digits: a line fitted to an exact exponential has a
        # standard error below its own rounding
        sigma = max(sigma, abs(fit.rate) * ctx.mpf(10) ** -fit.digits)
        tolerance = max(sigma, stated)
        gap = fit.rate - claimed_rate
        margin = reading(rounded(gap, 6, ctx), " (tolerance ", rounded(tolerance, 3, ctx),
                         f" = {RATE_SIGMAS} standard errors of the fit, at least its last trusted digit)"
                         if stated <= sigma else
                         f" = the stated rate_tolerance {self.rate_tolerance} of the rate)")
        ok = abs(gap) <= tolerance if self.exact else gap >= -tolerance
        return CheckResult(verdict=HOLDS if ok else VIOLATED, margin=margin, explanation=(
            f"fitted rate {rate_text} against claimed {self.rate}, within tolerance" if ok else
            f"fitted rate {rate_text} is {'not equal to' if self.exact else 'below'} the claimed {self.rate} "
            "beyond tolerance"), **common)


def _check_factor(bound):
    _expression_field(bound, "factor", {})
    if not (bound.factor.is_number and bound.factor.is_real and bound.factor >= 1):
        raise MDTheoryError(f"factor: expected a number >= 1 (a band of a factor around the level), got {bound.factor}")


def _positive_level(ctx, level, expr):
    if not level > 0:
        raise MDTheoryError(f"level: {expr} = {ctx.nstr(level, 6)} at this eps; state a positive level")
    return level


def _decades(ctx, ratio):
    return ctx.log10(ratio)


@dataclass(frozen=True)
class Saturation:
    """The peak of the separation lies within a factor ``factor`` of ``level``(eps)."""

    level: sp.Expr
    factor: sp.Expr = DEFAULT_SATURATION_FACTOR
    quantity: str = "separation"
    kind: str = "saturation"

    def __post_init__(self):
        _check_quantity(self.quantity)
        _expression_field(self, "level", {"eps": EPS})
        _check_factor(self)

    def check(self, m: Measurement) -> CheckResult:
        ctx = m.ctx
        peak = peak_of(m, self.quantity)
        level = _positive_level(ctx, _evaluate(ctx, self.level, eps=ctx.exact(m.spec.eps)), self.level)
        factor = _evaluate(ctx, self.factor)
        off = abs(_decades(ctx, peak.value / level))
        allowed = _decades(ctx, factor)
        common = dict(
            kind=self.kind, quantity=self.quantity, trusted_digits=peak.digits,
            peak={"value": trusted_or_none(ctx, peak.value, peak.digits), "trusted_digits": peak.digits,
                  "eta_t": ctx.nstr(peak.eta_t, 8)},
            measured=reading("peak ", laddered(ctx, peak.value, peak.digits), " at eta*T = ", rounded(peak.eta_t, 6, ctx)),
            claimed=reading(f"{self.level} = ", rounded(level, 8, ctx), ", within a factor ", exactly(self.factor)),
            margin=reading(rounded(allowed - off, 4, ctx), " decades"), bound_curve=[(s, level) for s in m.fine.eta_t],
        )
        if peak.digits < MIN_TRUSTED_DIGITS:
            return CheckResult(verdict=INCONCLUSIVE, explanation="the peak is not resolved; raise precision_bits", **common)
        if peak.at_end(m):
            return CheckResult(verdict=INCONCLUSIVE, explanation=(
                "the separation is still growing at the last step: no saturation within the horizon; run longer"),
                **common)
        ok = off <= allowed
        return CheckResult(verdict=HOLDS if ok else VIOLATED, explanation=(
            f"the peak is {ctx.nstr(off, 3)} decades from the claimed level (allowed {ctx.nstr(allowed, 3)})"),
            **common)


@dataclass(frozen=True)
class MinForm:
    """separation(t) stays within a factor ``factor`` of min{level(eps), sep_0 * exp(rate * eta*t)} up to
    its peak: exponential growth at ``rate`` that saturates at ``level``."""

    level: sp.Expr
    rate: sp.Expr
    factor: sp.Expr = DEFAULT_SATURATION_FACTOR
    quantity: str = "separation"
    kind: str = "min_form"

    def __post_init__(self):
        if self.quantity != "separation":  # sep_0 and level(eps) are separations: the form is about nothing else
            raise MDTheoryError(f"quantity: min_form is a statement about the separation, not {self.quantity!r}; "
                                "leave quantity out or use an upper_bound on that quantity")
        _expression_field(self, "level", {"eps": EPS})
        _expression_field(self, "rate", {})
        _check_factor(self)

    def check(self, m: Measurement) -> CheckResult:
        ctx = m.ctx
        peak = peak_of(m, "separation")
        level = _positive_level(ctx, _evaluate(ctx, self.level, eps=ctx.exact(m.spec.eps)), self.level)
        rate = _evaluate(ctx, self.rate)
        allowed = _decades(ctx, _evaluate(ctx, self.factor))
        start = m.fine.separation[0]
        predicted = [min(level, start * ctx.exp(rate * s)) for s in m.fine.eta_t]
        upto = range(peak.index + 1)
        offs = [abs(_decades(ctx, m.fine.separation[i] / predicted[i])) for i in upto]
        extremes = m.extremes("separation")
        if extremes is None:
            return CheckResult(self.kind, INCONCLUSIVE, "not measured at every step", "min-form", "n/a", 0, "separation",
                               "the separation was kept only at the recorded steps; record every step (record_every = 1)")
        if any(extremes.high_t[i] != extremes.low_t[i] for i in upto):
            # between records: the predicted curve is monotone, so the block's largest and smallest separation
            # against its smallest and largest prediction (at the block's ends) bound every step's ratio
            times = list(m.fine.t)
            at = lambda t: min(level, start * ctx.exp(rate * m.spec.elapsed(ctx, t)))
            for i in upto:
                ends = (at(times[i - 1] + 1), at(times[i])) if i > 0 else (predicted[0], predicted[0])
                offs[i] = max(offs[i], abs(_decades(ctx, extremes.high[i] / min(ends))),
                              abs(_decades(ctx, extremes.low[i] / max(ends))))
        worst = max(upto, key=lambda i: offs[i])
        digits = min(m.digits("separation")[i] for i in upto)
        common = dict(
            kind=self.kind, quantity="separation", trusted_digits=digits,
            peak={"value": trusted_or_none(ctx, peak.value, peak.digits), "trusted_digits": peak.digits,
                  "eta_t": ctx.nstr(peak.eta_t, 8)},
            measured=reading("worst ratio to the min-form ", rounded(m.fine.separation[worst] / predicted[worst], 4, ctx),
                             " at eta*T = ", rounded(m.fine.eta_t[worst], 5, ctx)),
            claimed=reading(f"min{{{self.level}, sep0*exp({self.rate}*eta*T)}} within a factor ", exactly(self.factor)),
            margin=reading(rounded(allowed - offs[worst], 4, ctx), " decades"),
            bound_curve=list(zip(m.fine.eta_t, predicted)),
        )
        if digits < MIN_TRUSTED_DIGITS:
            return CheckResult(verdict=INCONCLUSIVE, explanation="the separation is not resolved; raise precision_bits", **common)
        if peak.at_end(m):
            return CheckResult(verdict=INCONCLUSIVE, explanation="no saturation within the horizon; run longer", **common)
        ok = offs[worst] <= allowed
        return CheckResult(verdict=HOLDS if ok else VIOLATED, explanation=(
            "the separation follows the min-form up to its peak" if ok else
            f"the separation leaves the min-form's band at eta*T = {ctx.nstr(m.fine.eta_t[worst], 5)}"), **common)


@dataclass(frozen=True)
class ClosedFormAgreement:
    """quantity(t) equals ``formula``(T, etaT, eps) at every recorded step, to every trusted digit."""

    formula: sp.Expr
    quantity: str = "tangent_amplification"
    kind: str = "closed_form"

    def __post_init__(self):
        _check_quantity(self.quantity)
        _expression_field(self, "formula")

    def check(self, m: Measurement) -> CheckResult:
        ctx = m.ctx
        values, digits = m.values(self.quantity), m.digits(self.quantity)
        exact = _along_series(m, self.formula)
        agreement = [
            digits[i] if values[i] == exact[i] else resolved_digits(ctx, exact[i], abs(values[i] - exact[i]), ctx.dps)
            for i in range(len(values))
        ]
        worst = min(range(len(values)), key=lambda i: agreement[i] - digits[i])
        trusted = min(digits)
        common = dict(kind=self.kind, quantity=self.quantity, trusted_digits=trusted,
                      bound_curve=list(zip(m.fine.eta_t, exact)),
                      measured=reading("agrees to ", exactly(min(agreement)), " digits (worst at eta*T = ",
                                       rounded(m.fine.eta_t[worst], 5, ctx), ")"),
                      claimed=f"{self.quantity} = {self.formula}",
                      margin=reading(exactly(min(a - d for a, d in zip(agreement, digits))), " digits beyond the trusted ones"))
        if trusted < MIN_TRUSTED_DIGITS:
            return CheckResult(verdict=INCONCLUSIVE, explanation="too few trusted digits; raise precision_bits", **common)
        ok = all(a >= d - 1 for a, d in zip(agreement, digits))
        if ok and any(b - a != 1 for a, b in zip(m.fine.t, m.fine.t[1:])):
            return CheckResult(verdict=INCONCLUSIVE, explanation=(
                f"the series equals the closed form at the {len(values)} recorded steps, but the steps between them "
                "were not compared; record every step (record_every = 1)"), **common)
        return CheckResult(verdict=HOLDS if ok else VIOLATED, explanation=(
            "the measured series equals the closed form to its trusted digits" if ok else
            f"the measured series departs from the closed form at eta*T = {ctx.nstr(m.fine.eta_t[worst], 5)}"),
            **common)


def agreement(kind: str, ctx, fine, coarse, exact_value, measured_label: str, claimed_label: str) -> CheckResult:
    """A scalar measured on both rungs of the ladder against an exact value: holds when they agree to every
    digit the ladder trusts (at least MIN_TRUSTED_DIGITS)."""
    fine, coarse, exact_value = ctx.mpf(fine), ctx.mpf(coarse), ctx.mpf(exact_value)
    digits = agreeing_digits(coarse, fine, ctx, ctx.dps)
    agree = resolved_digits(ctx, exact_value, abs(fine - exact_value), ctx.dps)
    common = dict(kind=kind, quantity="tangent_amplification", trusted_digits=digits,
                  measured=reading(f"{measured_label} = ", laddered(ctx, fine, digits)),
                  claimed=reading(f"{claimed_label} = ", rounded(exact_value, DISPLAY_DIGITS, ctx)),
                  margin=reading("agree to ", exactly(min(agree, digits)), " of ", exactly(digits), " trusted digits"))
    if digits < MIN_TRUSTED_DIGITS:
        return CheckResult(verdict=INCONCLUSIVE, explanation="too few trusted digits; raise precision", **common)
    ok = agree >= digits - 1
    return CheckResult(verdict=HOLDS if ok else VIOLATED, explanation=(
        "measured equals the formula to the trusted digits" if ok else "measured differs from the formula"), **common)
