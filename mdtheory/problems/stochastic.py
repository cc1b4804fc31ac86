"""``[problem] kind = "stochastic"``: mirror descent with a stochastic gradient oracle of a finite noise law.

Each step uses g_t = grad f(x_t) + xi_t, the xi_t drawn independently from the ``[noise]`` table's law: vectors
with exact probabilities summing to 1. The quantities are about the random iterates:

- ``expected_suboptimality``: E[f(x_t)] - f*;
- ``expected_average_suboptimality``: E[f(xbar_t)] - f*, xbar_t = mean of x_0, ..., x_{t-1} (x_0 at t = 0);
- ``quantile_suboptimality``, ``quantile_average_suboptimality``: the (1 - delta)-quantile of f(x_t) - f*
  (of f(xbar_t) - f*), q = min{v : P[Q <= v] >= 1 - delta}, so that an upper bound b on it states
  P[Q_t <= b] >= 1 - delta (``[noise] delta``).

While the law's number of noise sequences, k^T, fits ``[noise] enumeration_budget``, every sequence is run (as
a tree: sequences that share a prefix share its steps) on both rungs of the precision ladder and weighted by
its exact probability (a product of the stated fractions): the expectation and the quantile are exact up to the
ladder's rounding, and the verdict is holds / violated / inconclusive like any other. Beyond the budget,
``[noise] samples`` sequences are drawn with ``[noise] seed`` (exactly from the stated law) and each is run on
the ladder; the verdict is then ``holds at confidence c (n = N samples)`` or ``violated at confidence ...``
(``mdtheory.verdict.SampledVerdict``), never holds or violated, from Hoeffding's inequality with a union bound
over the T steps: for a quantity with the stated range [a, b] (``[noise] range``, required: it is checked on
every sample), |sample mean - E| <= (b - a) sqrt(log(2T/(1 - c))/(2n)) at every step t = 1..T at once with
probability >= c; for a quantile claim the quantity is the indicator of Q_t <= bound(t) (range [0, 1], no range
needed).

Constants a bound may name: eta, fstar = f(x*), D0 = D_phi(x*, x0) (x* from ``[solution] x``, checked to be a
minimizer exactly), noise_var = E||xi||_*^2 (exact; the dual norm of ``[claim] norm``, l2 by default) and the
step sum sum_g2 = E[sum_{s<t} ||g_s||_*^2] (exact under enumeration; not offered to a sampled claim).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from mdtheory.checker.bounds import MIN_TRUSTED_DIGITS, STEP_SUMS, BoundOnRungs, CheckResult, UpperBound
from mdtheory.checker.claim import with_declared
from mdtheory.checker.convergence import DUAL_NORMS, check_reference_point, phi_at
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.checker.reading import exactly, laddered as laddered_reading, reading, rounded
from mdtheory.checker.result import md_update_text
from mdtheory.claimfile import ClaimFileError, _offline, check_table_keys, toml_integer, toml_number, toml_numbers
from mdtheory.engine.context import working_context
from mdtheory.engine.inexact import linear_loss_problem
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import laddered, resolved_digits
from mdtheory.engine.schedule import StepSchedule
from mdtheory.errors import MDTheoryError
from mdtheory.problems import Problem, register
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.verdict import HOLDS_AT_CONFIDENCE, INCONCLUSIVE, VIOLATED_AT_CONFIDENCE, SampledVerdict

DEFAULT_ENUMERATION_BUDGET = 4096  # noise sequences run exactly (k^T); beyond it the claim is sampled
MAX_ENUMERATION_BUDGET = 1_000_000  # a budget above this is refused: the tree of runs would not fit in memory
DEFAULT_SAMPLES = 1000
MAX_SAMPLES = 1_000_000
DEFAULT_CONFIDENCE = sp.Rational(99, 100)
DEFAULT_SEED = 0
MAX_NOISE_VALUES = 64
EXPECTATIONS = ("expected_suboptimality", "expected_average_suboptimality")
QUANTILES = ("quantile_suboptimality", "quantile_average_suboptimality")
NOISE_KEYS = {"values": True, "probabilities": True, "enumeration_budget": False, "samples": False,
              "confidence": False, "seed": False, "range": False, "delta": False}


@dataclass(frozen=True)
class NoiseLaw:
    """xi = values[i] with probability probabilities[i] (exact rationals, each > 0, summing to 1)."""

    values: tuple
    probabilities: tuple

    def sequences(self, steps: int) -> int:
        return len(self.values) ** steps

    def second_moment(self, norm: str):
        """E||xi||^2 in ``norm`` (l1, l2, linf), exact."""
        return sp.nsimplify(sum(p * _norm(v, norm) ** 2 for v, p in zip(self.values, self.probabilities)))

    def draw(self, rng: random.Random) -> int:
        """An index drawn exactly from the law: a uniform integer below the common denominator."""
        denominator = math.lcm(*(int(p.q) for p in self.probabilities))
        u, total = rng.randrange(denominator), 0
        for i, p in enumerate(self.probabilities):
            total += int(p * denominator)
            if u < total:
                return i
        raise AssertionError("the probabilities sum to 1")  # checked when the law was read


def _norm(v, norm: str):
    if norm == "l1":
        return sum(abs(a) for a in v)
    if norm == "linf":
        return max(abs(a) for a in v)
    return sp.sqrt(sum(a * a for a in v))


@register("stochastic")
@dataclass(frozen=True)
class StochasticProblem(Problem):
    """MD with the gradient oracle grad f(x) + xi, xi from a finite law (see the module's documentation)."""

    md: MirrorDescent
    x0: tuple
    eta: sp.Expr
    steps: int
    bits: int
    noise: NoiseLaw
    solution: tuple
    budget: int = DEFAULT_ENUMERATION_BUDGET
    samples: int = DEFAULT_SAMPLES
    confidence: sp.Rational = DEFAULT_CONFIDENCE
    confidence_text: str = "0.99"
    seed: int = DEFAULT_SEED
    value_range: tuple | None = None
    delta: sp.Rational | None = None
    constants: dict = field(default_factory=dict)
    norm: str = "l2"
    problem_keys = {"kind": True, "variables": True, "domain": True, "regularizer": True, "objective": True}
    run_keys = {"x0": True, "eta": True, "steps": True, "precision_bits": True}
    quantities = (*EXPECTATIONS, *QUANTILES)
    constant_names = ("eta", "fstar", "D0", "noise_var")
    step_sum_names = ("sum_g2",)
    sections = ("noise", "solution")
    norms = tuple(DUAL_NORMS)
    noise_keys = NOISE_KEYS  # the [noise] table's keys (the documentation's key table reads them here)

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int):
        if "search" in data:
            raise ClaimFileError("[search]: falsify does not search a stochastic problem; remove [search] and check "
                                 "the stated instance with mdtheory check")
        md, spec, bits, _, _ = _offline(data, max_steps, max_precision_bits, perturbed=False)
        if md.constraint is not None:
            raise ClaimFileError("[problem] domain: a stochastic problem runs plain MD on phi's own domain (reals, "
                                 "positive orthant, simplex, box); a constraint set is not supported here")
        if isinstance(spec.eta, StepSchedule):
            raise ClaimFileError(f"[run] eta: a stochastic problem takes one constant step size; got the schedule "
                                 f"{spec.eta.text}")
        n = md.regularizer.dim
        table = data.get("noise")
        if table is None:
            raise ClaimFileError("[noise]: missing; a stochastic problem states its noise law, e.g. [noise] values = "
                                 "[[\"1\"], [\"-1\"]] and probabilities = [\"1/2\", \"1/2\"]")
        check_table_keys(table, NOISE_KEYS, "noise")
        noise = read_noise_law(table, n)
        options = _sampling_options(table)
        solution = data.get("solution")
        if not isinstance(solution, dict) or "x" not in solution:
            raise ClaimFileError("[solution] x: missing; a stochastic problem's f* is f at the stated minimizer, "
                                 "e.g. [solution] x = [\"0\"]")
        check_table_keys(solution, {"x": True}, "solution")
        point = tuple(toml_numbers(solution["x"], "[solution] x", n))
        try:
            check_reference_point(md, point, "x*")
        except MDTheoryError as err:
            raise ClaimFileError(f"[solution] x: {err}") from None
        _check_minimizer(md, point)
        problem = cls(md, tuple(spec.x0), spec.eta, spec.steps, bits, noise, point, constants=declared,
                      norm=data["claim"].get("norm", "l2"), **options)
        if noise.sequences(problem.steps) > problem.budget and bound.quantity in EXPECTATIONS \
                and problem.value_range is None:
            raise ClaimFileError(
                f"[noise] range: the law has {len(noise.values)}^{problem.steps} noise sequences, more than "
                f"enumeration_budget = {problem.budget}, so the expectation is estimated from samples, and Hoeffding's "
                "bound needs the range of the quantity: state range = [\"low\", \"high\"] (checked on every sample), "
                "or raise enumeration_budget, or run fewer steps")
        if not problem.enumerated and STEP_SUMS["sum_g2"] in getattr(bound, "bound", sp.Integer(0)).free_symbols:
            raise ClaimFileError(
                f"[claim] bound: names sum_g2, the exact E[sum ||g_s||^2] of an enumerated law; this claim is sampled "
                f"({len(noise.values)}^{problem.steps} sequences, more than enumeration_budget = {problem.budget}): "
                "bound it by a constant you state, or enumerate")
        return problem

    @property
    def enumerated(self) -> bool:
        return self.noise.sequences(self.steps) <= self.budget

    def check_quantity(self, quantity: str) -> None:
        super().check_quantity(quantity)
        if quantity in QUANTILES and self.delta is None:
            raise MDTheoryError(f"{quantity} is the (1 - delta)-quantile: state [noise] delta, e.g. delta = \"1/10\" "
                                "for a bound that holds with probability at least 9/10")

    def numbers_read(self) -> dict:
        return {"eta": self.eta, "x0": self.x0, **self.constants}

    def update_text(self) -> str:
        how = (f"all {len(self.noise.values)}^{self.steps} noise sequences enumerated, weighted exactly"
               if self.enumerated else
               f"{self.samples} noise sequences sampled (seed {self.seed}) of {len(self.noise.values)}^{self.steps}, "
               f"beyond enumeration_budget = {self.budget}")
        return (md_update_text(self.md) + f" with grad f(x_t) + xi_t, xi_t i.i.d. from [noise] "
                f"({len(self.noise.values)} values); {how}")

    # ------------------------------------------------------------------ runs
    def _rung(self, bits: int):
        """What one rung needs: its context, the kernels (f's, and MD's step on a given gradient), the exact
        numbers in the context."""
        ctx = working_context(bits)
        f_kernel = MirrorDescentKernel(self.md)
        step_kernel = MirrorDescentKernel(linear_loss_problem(self.md.regularizer))
        values = [[ctx.exact(a) for a in v] for v in self.noise.values]
        return ctx, f_kernel, step_kernel, values

    def _enumerate(self, bits: int, quantity: str):
        """Per step t: the (exact weight, Q_t, |f| magnitude) of every sequence's node at depth t, and the
        expected sum of squared gradient norms."""
        ctx, f_kernel, step_kernel, values = self._rung(bits)
        eta, dual = ctx.exact(self.eta), DUAL_NORMS[self.norm]
        fstar = f_kernel.objective(ctx, [ctx.exact(v) for v in self.solution])
        average = quantity.endswith("average_suboptimality")
        probabilities = [Fraction(int(p.p), int(p.q)) for p in self.noise.probabilities]
        x0 = [ctx.exact(v) for v in self.x0]
        levels = [[] for _ in range(self.steps + 1)]
        g2 = [ctx.mpf(0)] * (self.steps + 1)
        stack = [(0, Fraction(1), x0, [ctx.mpf(0)] * len(x0))]  # depth, weight, x_t, sum of x_0..x_{t-1}
        while stack:
            t, weight, x, total = stack.pop()
            point = [s / t for s in total] if average and t > 0 else x
            value = f_kernel.objective(ctx, point)
            levels[t].append((weight, value - fstar, abs(value) + abs(fstar)))
            if t == self.steps:
                continue
            gradient = f_kernel.objective_gradient(ctx, x)
            total_next = [s + a for s, a in zip(total, x)]
            for xi, p in zip(values, probabilities):
                g = [a + b for a, b in zip(gradient, xi)]
                w = weight * p
                g2[t + 1] += _mp(ctx, w) * _dual_norm(ctx, g, dual) ** 2
                stack.append((t + 1, w, step_kernel.step(ctx, x, eta, g), total_next))
        sums = [ctx.mpf(0)]
        for t in range(1, self.steps + 1):
            sums.append(sums[-1] + g2[t])
        return ctx, levels, sums, fstar, f_kernel

    def _sample_paths(self, bits: int, quantity: str) -> tuple:
        """Per sample, Q_t at t = 0..T (and its |f| magnitude), the samples drawn with the seed (the same
        sequences on both rungs)."""
        ctx, f_kernel, step_kernel, values = self._rung(bits)
        eta = ctx.exact(self.eta)
        fstar = f_kernel.objective(ctx, [ctx.exact(v) for v in self.solution])
        average = quantity.endswith("average_suboptimality")
        rng = random.Random(self.seed)
        paths = []
        for _ in range(self.samples):
            x = [ctx.exact(v) for v in self.x0]
            total = [ctx.mpf(0)] * len(x)
            path, magnitude = [], []
            for t in range(self.steps + 1):
                point = [s / t for s in total] if average and t > 0 else x
                value = f_kernel.objective(ctx, point)
                path.append(value - fstar)
                magnitude.append(abs(value) + abs(fstar))
                if t < self.steps:
                    xi = values[self.noise.draw(rng)]
                    g = [a + b for a, b in zip(f_kernel.objective_gradient(ctx, x), xi)]
                    total = [s + a for s, a in zip(total, x)]
                    x = step_kernel.step(ctx, x, eta, g)
            paths.append((path, magnitude))
        return ctx, paths, fstar, f_kernel

    def _constants(self, rungs) -> tuple[dict, dict]:
        constants, provenance = {}, {}
        exact = {"eta": self.eta, "noise_var": self.noise.second_moment(DUAL_NORMS[self.norm])}
        for name, value in exact.items():
            constants[name] = (rungs[0][0].exact(value), rungs[1][0].exact(value))
        provenance["eta"] = "exact ([run] eta)"
        provenance["noise_var"] = f"exact: E||xi||^2 in {DUAL_NORMS[self.norm]} over the [noise] law"
        constants["fstar"] = tuple(fstar for _, fstar, _ in rungs)
        provenance["fstar"] = f"computed: f at x* = {_shown(self.solution)}"
        constants["D0"] = tuple(_bregman(ctx, kernel, self.solution, self.x0) for ctx, _, kernel in rungs)
        provenance["D0"] = "computed: D_phi(x*, x0)"
        return constants, provenance

    # ------------------------------------------------------------------ measurements
    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        return [self._enumerated(bound)[0]]

    def _enumerated(self, bound) -> tuple:
        """(the measurement of every noise sequence weighted exactly, each rung's nodes by depth)."""
        if not self.enumerated:
            raise MDTheoryError("a sampled stochastic claim is judged on its samples (judged), not measured exactly")
        quantity = bound.quantity
        rungs = [self._enumerate(b, quantity) for b in (self.bits, 2 * self.bits)]
        (ctx, fine_levels, fine_sums, fine_fstar, fine_kernel), (cctx, coarse_levels, coarse_sums, coarse_fstar,
                                                                 coarse_kernel) = rungs
        fine = [self._statistic(ctx, level, quantity) for level in fine_levels]
        coarse = [self._statistic(cctx, level, quantity) for level in coarse_levels]
        series = laddered(ctx, [v for v, _ in fine], [v for v, _ in coarse], [m for _, m in coarse], self.bits)
        constants, provenance = self._constants([(ctx, fine_fstar, fine_kernel), (cctx, coarse_fstar, coarse_kernel)])
        steps = list(range(self.steps + 1))
        sums = {"sum_g2": lambda rung: fine_sums if rung == 0 else coarse_sums}
        m = SeriesMeasurement(ctx, steps, [ctx.exact(self.eta) * t for t in steps], {quantity: series},
                              (self.bits, 2 * self.bits), constants, provenance,
                              reference=f"x* = {_shown(self.solution)}; {len(self.noise.values)}^{self.steps} = "
                                        f"{self.noise.sequences(self.steps)} noise sequences, each weighted exactly",
                              step_sums=sums)
        return with_declared(m, self.constants), (fine_levels, coarse_levels)

    def _statistic(self, ctx, level: list, quantity: str) -> tuple:
        """(the expectation or the (1 - delta)-quantile of Q over one depth's nodes, its cancellation magnitude)."""
        if quantity in EXPECTATIONS:
            return (ctx.fsum(_mp(ctx, w) * v for w, v, _ in level),
                    ctx.fsum(_mp(ctx, w) * m for w, _, m in level))
        target, total = 1 - Fraction(int(self.delta.p), int(self.delta.q)), Fraction(0)
        for w, v, m in sorted(level, key=lambda node: node[1]):
            total += w  # exact: the quantile's rank is decided on exact weights
            if total >= target:
                return v, m
        raise AssertionError("the weights at a depth sum to 1")

    def judged(self, bound, progress: Callable[[int, int], None] | None = None):
        if self.enumerated:
            if bound.quantity in EXPECTATIONS or not isinstance(bound, UpperBound):
                return None  # the exact expectation (or a quantile under another kind), judged like any series
            m, levels = self._enumerated(bound)
            result = bound.check(m)
            return self._with_probability(result, m, bound, levels), m
        if not isinstance(bound, UpperBound):
            raise MDTheoryError(f"[claim] kind: a sampled stochastic claim is judged as an upper_bound, not "
                                f"{bound.kind}; enumerate it (raise [noise] enumeration_budget) or state an upper bound")
        return _SampledCheck(self, bound).result()

    def _with_probability(self, result: CheckResult, m, bound: UpperBound, levels) -> CheckResult:
        """The quantile's verdict with P[Q_t <= bound(t)] itself at its deciding step (the first violation, else the
        closest approach), an exact fraction: the sum of the exact weights of the sequences whose Q_t the ladder
        puts below the bound (an interval, where some sequence's Q_t is not resolved from it)."""
        t = result.extra.get("first_violation_t", result.extra.get("tightness_t", result.extra.get("unresolved_t")))
        if t is None:
            return result
        ctx, roundoff = m.ctx, m.ctx.ldexp(1, -self.bits)
        claimed, _, ub = BoundOnRungs(m, bound.bound).at(t)
        below = not_above = Fraction(0)
        # both rungs enumerate the sequences in the same order: the nodes at depth t correspond one to one
        for (w, fine, _), (_, coarse, magnitude) in zip(*(rung[t] for rung in levels)):
            u = abs(fine - ctx.mpf(coarse)) + (abs(fine) + 2 * abs(ctx.mpf(magnitude))) * roundoff
            below += w if fine + u < claimed - ub else 0
            not_above += w if fine - u <= claimed + ub else 0
        probability = str(below) if below == not_above else f"in [{below}, {not_above}]"
        result.explanation += (f"; P[{self.quantity_text(bound)} <= bound] = {probability} at t = {t}, exactly (over "
                               f"{len(levels[0][t])} noise sequences), against 1 - delta = {1 - self.delta}")
        result.extra["probability_within_bound"] = {"t": t, "low": str(below), "high": str(not_above)}
        return result

    @staticmethod
    def quantity_text(bound) -> str:
        return bound.quantity.replace("quantile_", "")
        if not isinstance(bound, UpperBound):
            raise MDTheoryError(f"[claim] kind: a sampled stochastic claim is judged as an upper_bound, not "
                                f"{bound.kind}; enumerate it (raise [noise] enumeration_budget) or state an upper bound")
        return _SampledCheck(self, bound).result()


class _SampledCheck:
    """An upper bound on an expectation or a quantile judged on seeded samples (see the module's documentation)."""

    def __init__(self, problem: StochasticProblem, bound: UpperBound):
        self.problem, self.bound, self.quantity = problem, bound, bound.quantity
        self.rungs = [problem._sample_paths(b, self.quantity) for b in (problem.bits, 2 * problem.bits)]

    def result(self):
        p, quantity = self.problem, self.quantity
        (ctx, fine_paths, fine_fstar, fine_kernel), (cctx, coarse_paths, coarse_fstar, coarse_kernel) = self.rungs
        n, steps = p.samples, list(range(p.steps + 1))
        confidence = ctx.exact(p.confidence)
        # Hoeffding, two-sided, a union bound over the T steps t = 1..T: every interval holds at once w.p. >= c
        radius_unit = ctx.sqrt(ctx.log(2 * p.steps / (1 - confidence)) / (2 * n))
        constants, provenance = p._constants([(ctx, fine_fstar, fine_kernel), (cctx, coarse_fstar, coarse_kernel)])
        base = with_declared(SeriesMeasurement(ctx, steps, [ctx.exact(p.eta) * t for t in steps], {},
                                               (p.bits, 2 * p.bits), constants, provenance), p.constants)
        bound = BoundOnRungs(base, self.bound.bound)
        if quantity in EXPECTATIONS:
            low, high = (ctx.exact(v) for v in p.value_range)
            radius = (high - low) * radius_unit
            outside = self._outside_range(ctx, fine_paths, low, high)
            if outside is not None:
                return self._inconclusive(base, radius, outside)
            fine = [ctx.fsum(path[t] for path, _ in fine_paths) / n for t in steps]
            coarse = [cctx.fsum(path[t] for path, _ in coarse_paths) / n for t in steps]
            magnitude = [cctx.fsum(m[t] for _, m in coarse_paths) / n for t in steps]
            mean = laddered(ctx, fine, coarse, magnitude, p.bits)
            statistic = "sample mean"
        else:
            radius = radius_unit
            mean = self._fractions_within(ctx, fine_paths, coarse_paths, bound)
            statistic = "fraction of samples with Q_t <= bound(t)"
        # the series is named for what it is (a sample statistic, not the quantity): the JSON's column, the result's
        # quantity and the plot's label all say so
        name = f"{quantity} ({'sample mean' if quantity in EXPECTATIONS else 'fraction of samples within the bound'})"
        m = SeriesMeasurement(ctx, steps, base.eta_t, {name: mean}, base.bits, base.constants, base.provenance,
                              reference=(f"x* = {_shown(p.solution)}; {n} noise sequences sampled with seed {p.seed} "
                                         f"of {len(p.noise.values)}^{p.steps}"))
        return self._decide(m, name, bound, radius, statistic), m

    @staticmethod
    def _outside_range(ctx, paths, low, high):
        for k, (path, _) in enumerate(paths):
            for t, v in enumerate(path):
                if not low <= v <= high:
                    return k, t, v
        return None

    def _fractions_within(self, ctx, fine_paths, coarse_paths, bound):
        """Per step, the fraction of samples whose Q_t is resolved <= bound(t), laddered as exact counts (a sample
        the ladder cannot place counts against the claim: a lower end), and the fraction not resolved above it
        (an upper end, which alone may show the claim false)."""
        p = self.problem
        low, high = [], []
        for t in range(p.steps + 1):
            claimed, _, ub = bound.at(t)
            below = not_above = 0
            for (fine, _), (coarse, magnitude) in zip(fine_paths, coarse_paths):
                u = abs(fine[t] - ctx.mpf(coarse[t])) + (abs(fine[t]) + 2 * abs(ctx.mpf(magnitude[t]))) * ctx.ldexp(1, -p.bits)
                below += fine[t] + u < claimed - ub
                not_above += fine[t] - u <= claimed + ub
            low.append(ctx.mpf(below) / p.samples)
            high.append(ctx.mpf(not_above) / p.samples)
        self.upper_fractions = high
        zero = [ctx.mpf(0)] * len(low)
        return laddered(ctx, low, low, zero, p.bits)

    def _decide(self, m, name: str, bound: BoundOnRungs, radius, statistic: str) -> CheckResult:
        p, ctx = self.problem, m.ctx
        values, uncertainty = m.values(name), m.uncertainties(name)
        expectation = self.quantity in EXPECTATIONS
        target = None if expectation else 1 - ctx.exact(p.delta)
        worst, worst_margin, violated_at, undecided = None, None, None, None
        for t in range(1, p.steps + 1):
            claimed, _, ub = bound.at(t)
            v, u = values[t], uncertainty[t]
            if expectation:  # E <= bound at every t: the upper ends below the bound
                margin = claimed - ub - (v + u + radius)
                against = v - u - radius > claimed + ub
            else:  # P[Q_t <= bound] >= 1 - delta: the lower ends above 1 - delta
                margin = v - u - radius - target
                against = self.upper_fractions[t] + radius < target
            if worst is None or margin < worst_margin:
                worst, worst_margin = t, margin
            if against and violated_at is None:
                violated_at = t
            if margin <= 0 and undecided is None:
                undecided = t
        digits = min(resolved_digits(ctx, values[t], uncertainty[t], ctx.dps) for t in range(1, p.steps + 1))
        shown = laddered_reading(ctx, values[worst], resolved_digits(ctx, values[worst], uncertainty[worst], ctx.dps),
                                 uncertainty[worst])
        claimed_text = (reading(f"E[{self.quantity.replace('expected_', '')}] <= {self.bound.bound} (= ",
                                rounded(bound.at(worst)[0], 10, ctx), " there)") if expectation else
                        reading(f"P[{self.quantity.replace('quantile_', '')} <= {self.bound.bound}] >= 1 - delta = ",
                                exactly(1 - p.delta)))
        common = dict(kind=self.bound.kind, quantity=name, trusted_digits=digits,
                      measured=reading(f"{statistic} ", shown, " at t = ", exactly(worst), " (closest to the bound), +- ",
                                       rounded(radius, 4, ctx), f" (Hoeffding at confidence {p.confidence_text}, "
                                       f"{p.samples} samples, union over {p.steps} steps)"),
                      claimed=claimed_text,
                      margin=reading(rounded(worst_margin, 4, ctx), " beyond the confidence interval"),
                      extra={"samples": p.samples, "confidence": p.confidence_text, "seed": p.seed,
                             "hoeffding_radius": ctx.nstr(radius, 6)})
        assumption = (f"Hoeffding's inequality on the {p.samples} i.i.d. samples of a quantity in the stated range "
                      f"[{p.value_range[0]}, {p.value_range[1]}] (checked on every sample)" if expectation else
                      f"Hoeffding's inequality on the indicator of Q_t <= bound(t) over {p.samples} i.i.d. samples")
        if digits < MIN_TRUSTED_DIGITS:
            return CheckResult(verdict=INCONCLUSIVE, explanation=(
                f"the {statistic} keeps only {digits} trusted digits on the precision ladder; raise precision_bits"),
                **common)
        if violated_at is not None:
            return CheckResult(verdict=SampledVerdict(VIOLATED_AT_CONFIDENCE, p.confidence_text, p.samples),
                               explanation=(f"at t = {violated_at} the whole confidence interval lies beyond the bound: "
                                            f"{assumption}, simultaneously for t = 1..{p.steps}; not an exact verdict "
                                            "(enumerate the noise sequences for one)"), **common)
        if undecided is not None:
            return CheckResult(verdict=INCONCLUSIVE, explanation=(
                f"at t = {undecided} the confidence interval ({assumption}) reaches the bound: more samples, or "
                "enumeration (raise [noise] enumeration_budget), would decide it"), **common)
        return CheckResult(verdict=SampledVerdict(HOLDS_AT_CONFIDENCE, p.confidence_text, p.samples), explanation=(
            f"the confidence interval stays on the claim's side at every step t = 1..{p.steps}: {assumption}, "
            f"simultaneously with probability >= {p.confidence_text} over the draw (seed {p.seed}); not an exact "
            "verdict (enumerate the noise sequences for one)"), **common)

    def _inconclusive(self, base, radius, outside):
        p, ctx = self.problem, base.ctx
        k, t, v = outside
        result = CheckResult(
            kind=self.bound.kind, verdict=INCONCLUSIVE, quantity=self.quantity, trusted_digits=0,
            measured=reading("sample ", exactly(k), f" at t = {t}: ", rounded(v, 6, ctx)),
            claimed=f"the quantity in [noise] range = [{p.value_range[0]}, {p.value_range[1]}]", margin="n/a",
            explanation=(f"sample {k} leaves the stated range at t = {t}: Hoeffding's bound assumes the range, so "
                         "nothing is concluded; state a range that holds for every noise sequence"))
        return result, None  # no statistic was formed: nothing to tabulate or plot


# ---------------------------------------------------------------------- reading the [noise] table
def read_noise_law(table: dict, n: int) -> NoiseLaw:
    """[noise] values (vectors of the problem's dimension, or numbers in dimension 1) and probabilities (exact,
    positive, summing exactly to 1), each error naming its key."""
    values, probabilities = table["values"], table["probabilities"]
    if not isinstance(values, list) or not values:
        raise ClaimFileError("[noise] values: expected a non-empty list of noise vectors, e.g. [[\"1\", \"0\"], "
                             "[\"-1\", \"0\"]] (numbers such as [\"1\", \"-1\"] in dimension 1)")
    if len(values) > MAX_NOISE_VALUES:
        raise ClaimFileError(f"[noise] values: {len(values)} values; at most {MAX_NOISE_VALUES}")
    vectors = []
    for i, v in enumerate(values):
        key = f"[noise] values[{i}]"
        if not isinstance(v, list):
            if n != 1:
                raise ClaimFileError(f"{key}: expected a vector of {n} exact numbers (one per variable), got {v!r}")
            v = [v]
        vector = tuple(toml_numbers(v, key, n))
        for j, a in enumerate(vector):
            if not a.is_Rational:
                raise ClaimFileError(f"{key}[{j}]: {a} is not rational; noise values are exact fractions (\"1/3\")")
        vectors.append(vector)
    if not isinstance(probabilities, list) or len(probabilities) != len(vectors):
        raise ClaimFileError(f"[noise] probabilities: expected a list of {len(vectors)} exact probabilities, one per "
                             "value")
    read = []
    for i, p in enumerate(probabilities):
        key = f"[noise] probabilities[{i}]"
        number = toml_number(p, key)
        if not number.is_Rational:
            raise ClaimFileError(f"{key}: {number} is not rational; give an exact fraction such as \"1/3\"")
        if number <= 0:
            raise ClaimFileError(f"{key}: {number} is not positive; drop a value that never occurs")
        read.append(number)
    total = sum(read, sp.Integer(0))
    if total != 1:
        raise ClaimFileError(f"[noise] probabilities: they sum to {total}, not exactly 1; give fractions whose sum is 1 "
                             "(\"1/3\" three times, not \"0.333\")")
    if len(set(vectors)) != len(vectors):
        raise ClaimFileError("[noise] values: a value is listed twice; list it once with the sum of its probabilities")
    return NoiseLaw(tuple(vectors), tuple(read))


def _sampling_options(table: dict) -> dict:
    options = {}
    if "enumeration_budget" in table:
        options["budget"] = toml_integer(table["enumeration_budget"], "[noise] enumeration_budget", 1)
        if options["budget"] > MAX_ENUMERATION_BUDGET:
            raise ClaimFileError(f"[noise] enumeration_budget: at most {MAX_ENUMERATION_BUDGET} sequences (the tree of "
                                 "runs is kept in memory)")
    if "samples" in table:
        options["samples"] = toml_integer(table["samples"], "[noise] samples", 1)
        if options["samples"] > MAX_SAMPLES:
            raise ClaimFileError(f"[noise] samples: at most {MAX_SAMPLES}")
    if "seed" in table:
        options["seed"] = toml_integer(table["seed"], "[noise] seed", 0)
    if "confidence" in table:
        confidence = toml_number(table["confidence"], "[noise] confidence")
        if not (confidence.is_Rational and 0 < confidence < 1):
            raise ClaimFileError(f"[noise] confidence: {confidence}; give an exact number strictly between 0 and 1, "
                                 "such as \"0.99\"")
        options["confidence"], options["confidence_text"] = confidence, str(table["confidence"])
    if "delta" in table:
        delta = toml_number(table["delta"], "[noise] delta")
        if not (delta.is_Rational and 0 < delta < 1):
            raise ClaimFileError(f"[noise] delta: {delta}; the tail probability is an exact number strictly between "
                                 "0 and 1, such as \"1/10\"")
        options["delta"] = delta
    if "range" in table:
        low, high = toml_numbers(table["range"], "[noise] range", 2)
        if not (low.is_Rational and high.is_Rational and low < high):
            raise ClaimFileError("[noise] range: expected [low, high], exact fractions with low < high: the range "
                                 "every sample of the quantity lies in")
        options["value_range"] = (low, high)
    return options


def _check_minimizer(md: MirrorDescent, point: tuple) -> None:
    """x* minimizes f over phi's closed domain, checked exactly: grad f(x*) = 0 on the reals; on the simplex the
    first-order condition (grad_i equal on the support, no smaller off it)."""
    variables = md.regularizer.variables
    gradient = [sp.simplify(sp.diff(md.objective.expr, v).subs(dict(zip(variables, point)))) for v in variables]
    domain = md.regularizer.domain
    if domain is Domain.SIMPLEX:
        support = [g for g, a in zip(gradient, point) if a != 0]
        low = min(support, key=lambda g: sp.N(g, 50))
        ok = all(sp.simplify(g - low) == 0 for g in support) and all(
            sp.N(g - low, 50) >= 0 for g, a in zip(gradient, point) if a == 0)
    elif domain is Domain.REALS:
        ok = all(g == 0 for g in gradient)
    else:
        raise ClaimFileError(f"[problem] domain: a stochastic problem checks its x* on the reals or the simplex; "
                             f"{domain.value} is not supported yet")
    if not ok:
        raise ClaimFileError(f"[solution] x: {_shown(point)} is not a minimizer of f (grad f there is "
                             f"{_shown(gradient)}); state the exact minimizer")


def _bregman(ctx, kernel, r, x0):
    r, x = [ctx.exact(v) for v in r], [ctx.exact(v) for v in x0]
    grad = kernel.mirror_map(ctx, x)
    return phi_at(ctx, kernel, r) - kernel.regularizer_value(ctx, x) - ctx.fsum(
        g * (a - b) for g, a, b in zip(grad, r, x))


def _dual_norm(ctx, g, norm: str):
    if norm == "l1":
        return ctx.fsum(abs(a) for a in g)
    if norm == "linf":
        return max(abs(a) for a in g)
    return ctx.sqrt(ctx.fsum(a * a for a in g))


def _mp(ctx, fraction: Fraction):
    return ctx.mpf(fraction.numerator) / fraction.denominator


def _shown(point) -> str:
    return "(" + ", ".join(str(v) for v in point) + ")"
