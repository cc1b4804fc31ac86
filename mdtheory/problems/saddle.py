"""``[problem] kind = "saddle"``: min_x max_y x^T A y, a bilinear saddle point (a two-player zero-sum matrix game),
on the product of two probability simplices (or of R^m and R^n), run by a saddle method of ``mdtheory.methods``
(``methods.saddle_point.SaddleMethod``).

The payoff f(x, y) = x^T A y is given by its matrix A (``[problem] matrix``, exact numbers; x in the simplex of
dimension m = rows, y in the simplex of dimension n = columns). Each player's geometry is phi (``[problem]
regularizer``, the negative entropy by default) on its own block; the monotone operator
F(x, y) = (grad_x f, -grad_y f) and every mirror step are derived from f and phi with sympy
(``symbolic.saddle.SaddleGame``). A saddle method (mirror-prox, simultaneous or optimistic multiplicative
weights) says how the joint point z = (x, y) moves and which point each round plays.

Quantities, each measured on the precision ladder (bits, 2*bits):
    ``duality_gap``: max_j (A^T xbar)_j - min_i (A ybar)_i at the average (xbar, ybar) of the points played in
        rounds 0..T-1 (for mirror-prox the extrapolated points w_t, for MWU the iterates), T >= 1;
    ``regret_x``, ``regret_y``: each player's regret against its best fixed strategy in hindsight,
        sum_t x_t^T A y_t - min_i sum_t (A y_t)_i and max_j sum_t (A^T x_t)_j - sum_t x_t^T A y_t (so that
        duality_gap = (regret_x + regret_y) / T exactly);
    ``equilibrium_distance``: ||z_T - z*||_2, the last iterate's Euclidean distance to the stated equilibrium
        ``[problem] equilibrium`` (checked exactly to be one).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.claim import with_declared
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.claimfile import ClaimFileError, _regularizer, _steps_eta_bits, keyed, toml_numbers
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.context import working_context
from mdtheory.engine.ladder import laddered
from mdtheory.errors import MDTheoryError
from mdtheory.methods import method
from mdtheory.problems import Problem, register
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import ETA
from mdtheory.symbolic.regularizer import Regularizer, bregman_divergence, second_point
from mdtheory.symbolic.saddle import SaddleGame

DEFAULT_METHOD = "mirror_prox"
DOMAINS = (Domain.SIMPLEX, Domain.REALS)
GAP_QUANTITIES = ("duality_gap", "regret_x", "regret_y")  # defined by best responses: on the simplices only
SADDLE_QUANTITIES = (*GAP_QUANTITIES, "equilibrium_distance")


@register("saddle")
@dataclass(frozen=True)
class SaddleProblem(Problem):
    """min_x max_y x^T A y from (x0, y0), run by the saddle method ``method_name``."""

    game: SaddleGame
    matrix: tuple | None  # A's rows, exact; None for a smooth f given as [problem] objective (game.payoff)
    start: tuple  # z0 = (x0, y0)
    eta: sp.Rational
    steps: int
    bits: int
    method_name: str = DEFAULT_METHOD
    equilibrium: tuple | None = None  # z* = (x*, y*), exact
    constants: dict = field(default_factory=dict)
    problem_keys = {"kind": True, "matrix": False, "objective": False, "domain": False, "regularizer": False, "equilibrium": False}
    run_keys = {"x0": False, "y0": False, "eta": True, "steps": True, "precision_bits": True, "method": False}
    quantities = SADDLE_QUANTITIES
    constant_names = ("eta", "m", "n", "Amax", "Omega", "L")

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int) -> SaddleProblem:
        problem, run = data["problem"], data["run"]
        if ("matrix" in problem) == ("objective" in problem):
            raise ClaimFileError("[problem] matrix, objective: give exactly one: matrix = [[...]] for the bilinear "
                                 "x^T A y, or objective = \"...\" for a smooth f convex in x1..xm and concave in "
                                 "y1..yn")
        if "objective" in problem:
            return _smooth(cls, problem, run, declared, max_steps, max_precision_bits)
        matrix = problem["matrix"]
        if not isinstance(matrix, list) or not matrix or not all(isinstance(row, list) for row in matrix):
            raise ClaimFileError("[problem] matrix: expected a list of rows of exact numbers, A[i][j] the payoff x "
                                 "pays when x plays i and y plays j, e.g. [[\"1\", \"0\"], [\"0\", \"2\"]]")
        columns = len(matrix[0])
        rows = tuple(tuple(toml_numbers(row, f"[problem] matrix[{i}]", columns)) for i, row in enumerate(matrix))
        if len(rows) * columns < 2:
            raise ClaimFileError("[problem] matrix: a 1 x 1 game has nothing to play; give at least two strategies")
        try:
            domain = Domain.parse(problem.get("domain", Domain.SIMPLEX.value))
        except MDTheoryError as err:
            raise keyed("[problem] domain", err) from None
        if domain not in DOMAINS:
            raise ClaimFileError(f"[problem] domain: {domain.value!r}; a saddle problem is played on \"simplex\" "
                                 "(each player a mixed strategy) or \"reals\" (unconstrained, Euclidean)")
        default = "negative_entropy" if domain is Domain.SIMPLEX else "euclidean"
        name = problem.get("regularizer", default)
        regs = [_player_regularizer(name, player, size, domain) for player, size in (("x", len(rows)), ("y", columns))]
        for reg in regs:
            if domain is Domain.SIMPLEX and reg.dim < 2:
                raise ClaimFileError("[problem] matrix: on the simplex each player needs at least two strategies "
                                     f"(A is {len(rows)} x {columns})")
        payoff = (sp.Matrix([regs[0].variables]) * sp.Matrix(rows) * sp.Matrix(regs[1].variables))[0, 0]
        game = SaddleGame(regs[0], regs[1], payoff)
        start = []
        for player, reg in zip("xy", regs):
            key = f"{player}0"
            if key in run:
                point = tuple(toml_numbers(run[key], f"[run] {key}", reg.dim))
            elif domain is Domain.SIMPLEX:
                point = (sp.Rational(1, reg.dim),) * reg.dim
            else:
                raise ClaimFileError(f"[run] {key}: missing; on R^{reg.dim} give player {player}'s start")
            try:
                domain.check_point(point, key)
            except MDTheoryError as err:
                raise keyed(f"[run] {key}", err) from None
            start += point
        steps, eta, bits = _steps_eta_bits(run, max_steps, max_precision_bits)
        rule = saddle_method(run.get("method", DEFAULT_METHOD))
        equilibrium = None
        if "equilibrium" in problem:
            equilibrium = _equilibrium(problem["equilibrium"], rows, domain)
        return cls(game, rows, tuple(start), eta, steps, bits, rule.name, equilibrium, declared)

    @property
    def on_simplices(self) -> bool:
        return self.game.rows.domain is Domain.SIMPLEX

    def check_quantity(self, quantity: str) -> None:
        super().check_quantity(quantity)
        if self.matrix is None:
            smooth_quantity(self, quantity)
        elif quantity in GAP_QUANTITIES and not self.on_simplices:
            raise MDTheoryError(f"quantity {quantity!r}: best responses on R^n are unbounded; it is measured on "
                                "the simplices (domain = \"simplex\")")
        if quantity == "equilibrium_distance" and self.equilibrium is None:
            raise MDTheoryError("quantity 'equilibrium_distance': give the equilibrium it is measured to, "
                                "[problem] equilibrium = {x = [...], y = [...]}")

    def numbers_read(self) -> dict:
        return {"eta": self.eta, "x0": self.start[:self.game.rows.dim], "y0": self.start[self.game.rows.dim:],
                **self.constants}

    def update_text(self) -> str:
        operator = ("F(x, y) = (A y, -A^T x)" if self.matrix is not None
                    else f"F(x, y) = (grad_x f, -grad_y f), f = {self.game.payoff} (the duality gap's inner problems "
                         f"solved at each rung's precision by {smooth_inner_method(self)})")
        return (f"{saddle_method(self.method_name).update_text(self.game)}; {operator}, "
                f"phi = {self.game.rows.name} on each player's block ({self.game.rows.domain.describe()})")

    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        self.check_quantity(bound.quantity)
        run = self._run if self.matrix is not None else functools.partial(smooth_run, self)
        coarse, fine = (run(bits) for bits in (self.bits, 2 * self.bits))
        ctx = fine["ctx"]
        gap = bound.quantity == "duality_gap"
        first = 1 if gap else 0  # the average of no played point is no point: the gap starts at T = 1
        names = ("duality_gap",) if gap else tuple(q for q in SADDLE_QUANTITIES[1:] if fine[q])
        derived = {name: laddered(ctx, fine[name][first:], coarse[name][first:], coarse[f"{name}_magnitude"][first:],
                                  self.bits) for name in names}
        constants, provenance = self._constants(ctx, coarse["ctx"])
        m = SeriesMeasurement(ctx, list(range(first, self.steps + 1)),
                              [ctx.exact(self.eta) * t for t in range(first, self.steps + 1)], derived,
                              (self.bits, 2 * self.bits), constants, provenance,
                              reference=fine.get("reference") or ("the players' best fixed responses"
                                                                  if gap or not self.equilibrium
                                                                  else "the stated equilibrium"))
        return [with_declared(m, self.constants)]

    def _run(self, bits: int) -> dict:
        """Every series on one rung: the played points' running sums give the regrets and the gap."""
        ctx = working_context(bits)
        rule = saddle_method(self.method_name)
        step, played = _compiled(rule, self.game)
        eta = ctx.exact(self.eta)
        state = [ctx.exact(v) for vector in rule.initial_state(self.start) for v in vector]
        rows = [[ctx.exact(a) for a in row] for row in self.matrix]
        m, n = len(rows), len(rows[0])
        star = None if self.equilibrium is None else [ctx.exact(v) for v in self.equilibrium]
        losses_x, gains_y, payoff = [ctx.mpf(0)] * m, [ctx.mpf(0)] * n, ctx.mpf(0)
        out = {"ctx": ctx, **{name: [] for name in SADDLE_QUANTITIES},
               **{f"{name}_magnitude": [] for name in SADDLE_QUANTITIES}}

        def record(t: int, point):
            if self.on_simplices:
                worst_x, best_y = min(losses_x), max(gains_y)
                out["regret_x"].append(payoff - worst_x)
                out["regret_x_magnitude"].append(abs(payoff) + abs(worst_x))
                out["regret_y"].append(best_y - payoff)
                out["regret_y_magnitude"].append(abs(payoff) + abs(best_y))
                out["duality_gap"].append((best_y - worst_x) / t if t else ctx.mpf(0))
                out["duality_gap_magnitude"].append((abs(best_y) + abs(worst_x)) / t if t else ctx.mpf(0))
            if star is not None:
                out["equilibrium_distance"].append(ctx.sqrt(ctx.fsum((a - b) ** 2 for a, b in zip(point, star))))
                out["equilibrium_distance_magnitude"].append(ctx.fsum(abs(a) + abs(b) for a, b in zip(point, star)))

        record(0, state[:m + n])
        for t in range(self.steps):
            w = played(ctx, *state, eta)
            u, v = w[:m], w[m:]
            ay = [ctx.fsum(a * b for a, b in zip(row, v)) for row in rows]
            payoff += ctx.fsum(a * b for a, b in zip(u, ay))
            losses_x = [s + a for s, a in zip(losses_x, ay)]
            gains_y = [s + ctx.fsum(rows[i][j] * u[i] for i in range(m)) for j, s in enumerate(gains_y)]
            state = step(ctx, *state, eta)
            record(t + 1, state[:m + n])
        return out

    def _constants(self, ctx, coarse_ctx) -> tuple[dict, dict]:
        if self.matrix is None:
            exact, provenance = smooth_constants(self)
            return {k: (ctx.exact(v), coarse_ctx.exact(v)) for k, v in exact.items()}, provenance
        m, n = len(self.matrix), len(self.matrix[0])
        exact = {"eta": self.eta, "m": sp.Integer(m), "n": sp.Integer(n),
                 "Amax": max(abs(a) for row in self.matrix for a in row)}
        provenance = {"eta": "exact (the run's step size)", "m": "exact (x's strategies: A's rows)",
                      "n": "exact (y's strategies: A's columns)", "Amax": "exact: max_ij |A_ij|"}
        if self.on_simplices:
            exact["Omega"] = bregman_radius(self.game.rows, self.start[:m]) + bregman_radius(
                self.game.columns, self.start[m:])
            provenance["Omega"] = ("exact: max over the simplices of D_phi(z, z0) = sum over the players of "
                                   "max_i D_phi(e_i, z0) (D_phi(., z0) is convex: its maximum is at a vertex)")
        return {k: (ctx.exact(v), coarse_ctx.exact(v)) for k, v in exact.items()}, provenance

    # ---- falsify searches the step size (the start is a point of a product of simplices, which the search's
    # one-domain start does not describe)
    @property
    def step_size(self):
        return self.eta

    def at(self, point: dict, bits: int) -> SaddleProblem:
        if not point["eta"] > 0:
            raise MDTheoryError(f"eta = {point['eta']}: a step size must be positive")
        return dataclasses.replace(self, eta=point["eta"], bits=bits)


def runs_on_a_saddle(rule) -> bool:
    """A saddle method says which point each round plays (``methods.saddle_point.SaddleMethod.played``)."""
    return callable(getattr(rule, "played", None))


def saddle_method(name):
    rule = method(name) if isinstance(name, str) else None
    if not runs_on_a_saddle(rule):
        from mdtheory.methods import methods

        offered = sorted(n for n, r in methods().items() if runs_on_a_saddle(r))
        raise ClaimFileError(f"[run] method: {name!r} does not run on a saddle problem; choose one of "
                             f"{', '.join(offered)}")
    return rule


@functools.cache
def _compiled(rule, game: SaddleGame) -> tuple[CompiledExpressions, CompiledExpressions]:
    derived = rule.derive(game)
    arguments = (*derived.state, ETA)
    return CompiledExpressions(list(derived.step), arguments), CompiledExpressions(list(rule.played(game)), arguments)


def bregman_radius(reg: Regularizer, start) -> sp.Expr:
    """max over the simplex of D_phi(u, start), exactly: the largest D_phi(e_i, start) over the vertices, phi at a
    vertex taken as its limit from inside (0 log 0 = 0)."""
    divergence = bregman_divergence(reg).xreplace(dict(zip(second_point(reg), start)))
    values = []
    for i in range(reg.dim):
        value = divergence
        for j, v in enumerate(reg.variables):
            value = sp.limit(value, v, 0, "+") if j != i else value.xreplace({v: 1})
        values.append(sp.nsimplify(sp.simplify(value)) if value.is_number and not value.is_Rational else value)
    return sp.simplify(sp.Max(*values))


def _player_regularizer(name, player: str, size: int, domain: Domain) -> Regularizer:
    """phi on one player's block, in that player's variables (a catalogue phi comes in x1..xd: renamed)."""
    reg = _regularizer(name, [f"{player}{i + 1}" for i in range(size)], domain)
    own = tuple(sp.Symbol(f"{player}{i + 1}", **domain.symbol_assumptions) for i in range(size))
    return Regularizer(reg.name, reg.phi.xreplace(dict(zip(reg.variables, own))), own, domain)


def _equilibrium(table, rows: tuple, domain: Domain) -> tuple:
    """[problem] equilibrium = {x = [...], y = [...]}, checked exactly: on the simplices max_j (A^T x*)_j =
    min_i (A y*)_i (a duality gap of 0), on R^n F(z*) = (A y*, -A^T x*) = 0."""
    if not isinstance(table, dict) or set(table) != {"x", "y"}:
        raise ClaimFileError("[problem] equilibrium: expected {x = [...], y = [...]}, each player's strategy")
    x = toml_numbers(table["x"], "[problem] equilibrium.x", len(rows))
    y = toml_numbers(table["y"], "[problem] equilibrium.y", len(rows[0]))
    A = sp.Matrix(rows)
    ay, atx = A * sp.Matrix(y), A.T * sp.Matrix(x)
    if domain is Domain.SIMPLEX:
        for player, point in (("x", x), ("y", y)):
            if any(v < 0 for v in point) or sp.simplify(sum(point) - 1) != 0:
                raise ClaimFileError(f"[problem] equilibrium.{player}: not a mixed strategy (entries >= 0 summing to 1)")
        gap = sp.simplify(max(atx) - min(ay))
        if gap != 0:
            raise ClaimFileError(f"[problem] equilibrium: not an equilibrium of A: its duality gap max_j (A^T x*)_j - "
                                 f"min_i (A y*)_i is {gap}, not 0")
    elif any(sp.simplify(v) != 0 for v in (*ay, *atx)):
        raise ClaimFileError("[problem] equilibrium: not an equilibrium on R^n: A y* and A^T x* must both be 0")
    return (*x, *y)


# the smooth convex-concave f of [problem] objective: its own module, which reads this one's helpers
from mdtheory.problems.saddle_smooth import (  # noqa: E402
    smooth_constants, smooth_inner_method, smooth_quantity, smooth_run, smooth_tables as _smooth)
