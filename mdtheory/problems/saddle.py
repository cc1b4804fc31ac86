"""``[problem] kind = "saddle"``: min_x max_y x^T A y, a bilinear saddle point (a two-player zero-sum matrix game),
on the product of two probability simplices (or of R^m and R^n), run by a saddle method of ``mdtheory.methods``
(``methods.saddle_point.SaddleMethod``).

The payoff f(x, y) = x^T A y is given by its matrix A (``[problem] matrix``, exact numbers; x in the simplex of
dimension m = rows, y in the simplex of dimension n = columns). Each player's geometry is phi (``[problem]
regularizer``, the negative entropy by default) on its own block; the monotone operator
F(x, y) = (grad_x f, -grad_y f) and every mirror step are derived from f and phi with sympy
(``symbolic.saddle.SaddleGame``). A saddle method (mirror-prox, simultaneous or optimistic multiplicative
weights) says how the joint point z = (x, y) moves and which point each round plays.

In place of the matrix, ``[problem] objective = "..."`` gives a smooth f(x, y) in x1..xm and y1..yn, convex in x
and concave in y (checked exactly for a quadratic f, the claim's hypothesis otherwise), on the same domains; its
duality gap max_y f(xbar, y) - min_x f(x, ybar) is computed by solving the two inner problems at each rung's
working precision (``engine.concave_max``; the update line says how), and L, a Lipschitz constant of F, is computed
exactly for a quadratic f (on the simplices from sqrt(||x||_1^2 + ||y||_1^2) to its dual, on R^n Euclidean).

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
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.claim import with_declared
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.claimfile import ClaimFileError, _expression, _regularizer, _steps_eta_bits, keyed, toml_numbers
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.concave_max import concave_maximum
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
VI_QUANTITIES = ("vi_gap", "operator_residual")  # of a variational inequality, [problem] operator
AVERAGED = ("duality_gap", "vi_gap")  # at the average of the played points: from T = 1


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
    problem_keys = {"kind": True, "matrix": False, "objective": False, "operator": False, "domain": False,
                    "regularizer": False,
                    "equilibrium": False}
    run_keys = {"x0": False, "y0": False, "eta": True, "steps": True, "precision_bits": True, "method": False}
    quantities = (*SADDLE_QUANTITIES, *VI_QUANTITIES)
    constant_names = ("eta", "m", "n", "Amax", "Omega", "L")

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int) -> SaddleProblem:
        problem, run = data["problem"], data["run"]
        if sum(key in problem for key in ("matrix", "objective", "operator")) != 1:
            raise ClaimFileError("[problem] matrix, objective, operator: give exactly one: matrix = [[...]] for the "
                                 "bilinear x^T A y, objective = \"...\" for a smooth f convex in x1..xm and concave "
                                 "in y1..yn, or operator = [\"...\", ...] for a monotone F(x, y), one entry per "
                                 "variable (a variational inequality)")
        if "objective" in problem or "operator" in problem:
            return smooth_tables(cls, problem, run, declared, max_steps, max_precision_bits)
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
        start = _start(run, regs, domain)
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
        elif quantity in VI_QUANTITIES:
            raise MDTheoryError(f"quantity {quantity!r}: measured on a variational inequality, [problem] operator")
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
        if self.matrix is not None:
            operator = "F(x, y) = (A y, -A^T x)"
        elif self.game.payoff is None:
            operator = f"F(x, y) = ({', '.join(map(str, self.game.operator))}), a variational inequality"
            if self.on_simplices and affine(self.game):
                operator += (" (its gap function's inner problem solved at each rung's precision by "
                             f"{vi_gap_maximum(self.game).how()})")
        else:
            operator = (f"F(x, y) = (grad_x f, -grad_y f), f = {self.game.payoff} (the duality gap's inner problems "
                        f"solved at each rung's precision by {smooth_inner_method(self)})")
        return (f"{saddle_method(self.method_name).update_text(self.game)}; {operator}, "
                f"phi = {self.game.rows.name} on each player's block ({self.game.rows.domain.describe()})")

    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        self.check_quantity(bound.quantity)
        run = self._run if self.matrix is not None else functools.partial(smooth_run, self)
        coarse, fine = (run(bits) for bits in (self.bits, 2 * self.bits))
        ctx = fine["ctx"]
        gap = bound.quantity in AVERAGED
        first = 1 if gap else 0  # the average of no played point is no point: the gap starts at T = 1
        names = (bound.quantity,) if gap else tuple(q for q in self.quantities if q not in AVERAGED and fine.get(q))
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


# ---- [problem] objective: a smooth f, convex in x1..xm and concave in y1..yn, in place of the matrix. Its duality
# gap max_y f(xbar, y) - min_x f(x, ybar) has no closed form: each inner problem is solved at the working precision
# of each rung (engine.concave_max), only the digits the rungs share trusted. Convexity-concavity is checked exactly
# for a quadratic f (constant Hessian blocks), the claim's hypothesis for any other (the result says so); L is
# computed exactly for a quadratic f, else declared in [constants].

def smooth_tables(cls, problem: dict, run: dict, declared: dict, max_steps: int, max_precision_bits: int):
    if "operator" in problem:
        entries = problem["operator"]
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ClaimFileError("[problem] operator: expected a list of expression strings, F(x, y)'s components "
                                 "for x1..xm then y1..yn, e.g. [\"y1\", \"-x1\"]")
        text = " ".join(entries)
    else:
        text = problem["objective"]
    if not isinstance(text, str):
        raise ClaimFileError("[problem] objective: expected an expression string in x1..xm and y1..yn, e.g. "
                             "\"x1*y1 + 2*x2*y2 + (x1**2 + x2**2)/2 - (y1**2 + y2**2)/2\"")
    try:
        domain = Domain.parse(problem.get("domain", Domain.SIMPLEX.value))
    except MDTheoryError as err:
        raise keyed("[problem] domain", err) from None
    if domain not in DOMAINS:
        raise ClaimFileError(f"[problem] domain: {domain.value!r}; a saddle problem is played on \"simplex\" "
                             "or \"reals\"")
    default = "negative_entropy" if domain is Domain.SIMPLEX else "euclidean"
    name = problem.get("regularizer", default)
    key = "[problem] operator" if "operator" in problem else "[problem] objective"
    regs = [_player_regularizer(name, player, _dimension(text, key, run, player, domain), domain) for player in "xy"]
    game_variables = (*regs[0].variables, *regs[1].variables)
    symbols = {str(v): v for v in game_variables}
    if "operator" in problem:
        if len(entries) != len(game_variables):
            raise ClaimFileError(f"[problem] operator: {len(entries)} entries for {len(game_variables)} variables "
                                 f"({', '.join(symbols)}); give one component of F per variable")
        operator = sp.ImmutableMatrix([_expression(e, f"[problem] operator[{i}]", symbols)
                                       for i, e in enumerate(entries)])
        game = SaddleGame(regs[0], regs[1], None, given_operator=operator)
        _check_monotone(game)
    else:
        payoff = _expression(text, "[problem] objective", symbols)
        _check_convex_concave(payoff, regs[0].variables, regs[1].variables)
        game = SaddleGame(regs[0], regs[1], payoff)
    start = _start(run, regs, domain)
    steps, eta, bits = _steps_eta_bits(run, max_steps, max_precision_bits)
    rule = saddle_method(run.get("method", DEFAULT_METHOD))
    equilibrium = None
    if "equilibrium" in problem:
        equilibrium = _smooth_equilibrium(problem["equilibrium"], game)
    return cls(game, None, tuple(start), eta, steps, bits, rule.name, equilibrium, declared)


def _start(run: dict, regs, domain: Domain) -> list:
    """Both players' starts, x0 then y0, from [run] (the uniform strategy by default on the simplex)."""
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
    return start


def _dimension(text: str, key_read: str, run: dict, player: str, domain: Domain) -> int:
    """A player's dimension: its start's length where [run] gives one, else the largest index among its
    variables in the objective."""
    key = f"{player}0"
    if isinstance(run.get(key), list):
        size = len(run[key])
    else:
        size = max((int(i) for i in re.findall(rf"(?<![A-Za-z0-9_]){player}(\d+)(?![A-Za-z0-9_])", text)), default=0)
    if size < (2 if domain is Domain.SIMPLEX else 1):
        raise ClaimFileError(f"{key_read}: player {player} needs "
                             f"{'at least two strategies' if domain is Domain.SIMPLEX else 'a variable'} "
                             f"({player}1, {player}2, ...); name them in it or give [run] {key}")
    return size


def _blocks(payoff: sp.Expr, xs, ys) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """The Hessian blocks d2f/dx2, d2f/dxdy, d2f/dy2."""
    return (sp.hessian(payoff, xs), sp.Matrix([[sp.diff(payoff, a, b) for b in ys] for a in xs]),
            sp.hessian(payoff, ys))


def jacobian(game: SaddleGame) -> sp.Matrix:
    return game.operator.jacobian(game.variables)


def affine(game: SaddleGame) -> bool:
    """F affine (f quadratic): its Jacobian constant, monotonicity and L exact."""
    return not any(h.free_symbols & set(game.variables) for h in jacobian(game))


def _check_monotone(game: SaddleGame) -> None:
    """Exactly for an affine F (its Jacobian's symmetric part positive semidefinite); any other F's monotonicity is
    the claim's hypothesis (the result says so)."""
    j = jacobian(game)
    if affine(game) and ((j + j.T) / 2).is_positive_semidefinite is False:
        raise ClaimFileError(f"[problem] operator: not monotone: the symmetric part of its Jacobian, "
                             f"{((j + j.T) / 2).tolist()}, is not positive semidefinite")


@functools.cache
def vi_gap_maximum(game: SaddleGame):
    """max over u in the simplices of <F(u), zbar - u>, concave in u for a monotone affine F."""
    zbar = tuple(sp.Dummy(f"bar_{v}") for v in game.variables)
    g = sum(f * (b - v) for f, b, v in zip(game.operator, zbar, game.variables))
    return concave_maximum(sp.expand(g), game.variables, zbar, True, (game.rows.dim, game.columns.dim))


def _check_convex_concave(payoff: sp.Expr, xs, ys) -> None:
    """Exactly, where the Hessian blocks are constant (f quadratic); any other f's convexity-concavity is the
    claim's hypothesis (the result says so)."""
    hxx, _, hyy = _blocks(payoff, xs, ys)
    if any(h.free_symbols & {*xs, *ys} for h in (*hxx, *hyy)):
        return
    if hxx.is_positive_semidefinite is False:
        raise ClaimFileError(f"[problem] objective: not convex in x: its Hessian in x, {hxx.tolist()}, is not "
                             "positive semidefinite (min_x max_y needs f convex in x and concave in y)")
    if (-hyy).is_positive_semidefinite is False:
        raise ClaimFileError(f"[problem] objective: not concave in y: its Hessian in y, {hyy.tolist()}, is not "
                             "negative semidefinite (min_x max_y needs f convex in x and concave in y)")


def smooth_quantity(problem, quantity: str) -> None:
    game = problem.game
    if game.payoff is None:
        if quantity in GAP_QUANTITIES:
            raise MDTheoryError(f"quantity {quantity!r}: a variational inequality has no payoff; measure vi_gap "
                                "(on the simplices, F affine), operator_residual (on R^n) or equilibrium_distance")
        if quantity == "vi_gap" and not (problem.on_simplices and affine(game)):
            raise MDTheoryError("quantity 'vi_gap': max_u <F(u), zbar - u> is computed on the simplices for an "
                                "affine F (a concave quadratic program); on R^n it is unbounded in general, measure "
                                "operator_residual; for a nonlinear F it is not offered")
        if quantity == "operator_residual" and problem.on_simplices:
            raise MDTheoryError("quantity 'operator_residual': ||F(z_T)|| is 0 only at an unconstrained solution; "
                                "it is measured on R^n (domain = \"reals\"); on the simplices measure vi_gap")
    elif quantity in VI_QUANTITIES:
        raise MDTheoryError(f"quantity {quantity!r}: measured on a variational inequality, [problem] operator")
    if quantity in GAP_QUANTITIES[1:]:
        raise MDTheoryError(f"quantity {quantity!r}: each player's regret is measured on a matrix game "
                            "([problem] matrix); for [problem] objective use duality_gap or equilibrium_distance")
    if quantity == "duality_gap" and not problem.on_simplices and affine(game):
        hxx, _, hyy = _blocks(game.payoff, game.rows.variables, game.columns.variables)
        if not (hxx.is_positive_definite and (-hyy).is_positive_definite):
            raise MDTheoryError("quantity 'duality_gap': on R^m x R^n max_y f(xbar, y) or min_x f(x, ybar) is "
                                "unbounded unless f is strongly convex in x and strongly concave in y; play on the "
                                "simplices (domain = \"simplex\") or add such terms")
    if quantity == "equilibrium_distance" and problem.equilibrium is None:
        raise MDTheoryError("quantity 'equilibrium_distance': give the equilibrium it is measured to, "
                            "[problem] equilibrium = {x = [...], y = [...]}")


def smooth_inner_method(problem) -> str:
    game = problem.game
    return concave_maximum(game.payoff, game.columns.variables, game.rows.variables, problem.on_simplices).how()


def smooth_run(problem, bits: int) -> dict:
    """Every series on one rung: the gap at the average of the played points, its inner problems solved here."""
    ctx = working_context(bits)
    game = problem.game
    rule = saddle_method(problem.method_name)
    step, played = _compiled(rule, game)
    eta = ctx.exact(problem.eta)
    state = [ctx.exact(v) for vector in rule.initial_state(problem.start) for v in vector]
    m = game.rows.dim
    xs, ys = game.rows.variables, game.columns.variables
    star = None if problem.equilibrium is None else [ctx.exact(v) for v in problem.equilibrium]
    sums = [ctx.mpf(0)] * len(game.variables)
    names = (*SADDLE_QUANTITIES, *VI_QUANTITIES)
    out = {"ctx": ctx, **{name: [] for name in names}, **{f"{name}_magnitude": [] for name in names}}
    if game.payoff is None:
        hypothesis = "" if affine(game) else "; F monotone is the claim's hypothesis, not checked"
        gap = vi_gap_maximum(game) if problem.on_simplices and affine(game) else None
        residual = None if problem.on_simplices else CompiledExpressions(list(game.operator), game.variables)
        out["reference"] = (f"max_u <F(u), zbar - u> over the simplices, solved at the working precision of each "
                            f"rung by {gap.how()}{hypothesis}" if gap else f"||F(z_t)||_2{hypothesis}")
    else:
        best_y = concave_maximum(game.payoff, ys, xs, problem.on_simplices)  # max_y f(xbar, y)
        best_x = concave_maximum(-game.payoff, xs, ys, problem.on_simplices)  # -min_x f(x, ybar)
        hypothesis = "" if affine(game) else "; f convex in x and concave in y is the claim's hypothesis, not checked"
        out["reference"] = (f"max_y f(xbar, y) - min_x f(x, ybar), each inner problem solved at the working "
                            f"precision of each rung by {best_y.how()}{hypothesis}")

    def averaged(name: str, value, magnitude):
        out[name].append(value)
        out[f"{name}_magnitude"].append(magnitude)

    def record(t: int, point):
        zbar = [s / t for s in sums] if t else None
        if game.payoff is not None:
            upper, lower = (best_y(ctx, zbar[:m], zbar[m:]), best_x(ctx, zbar[m:], zbar[:m])) if t else (0, 0)
            averaged("duality_gap", ctx.mpf(upper + lower), ctx.mpf(abs(upper) + abs(lower)))
        elif gap is not None:
            # a maximum found by Newton's method: the rungs' distance carries the solver's error
            value = gap(ctx, zbar, zbar) if t else ctx.mpf(0)
            averaged("vi_gap", value, abs(value))
        else:
            components = residual(ctx, *point)
            averaged("operator_residual", ctx.sqrt(ctx.fsum(c * c for c in components)),
                     ctx.fsum(abs(c) for c in components))
        if star is not None:
            out["equilibrium_distance"].append(ctx.sqrt(ctx.fsum((a - b) ** 2 for a, b in zip(point, star))))
            out["equilibrium_distance_magnitude"].append(ctx.fsum(abs(a) + abs(b) for a, b in zip(point, star)))

    record(0, state[:len(sums)])
    for t in range(problem.steps):
        sums = [s + w for s, w in zip(sums, played(ctx, *state, eta))]
        state = step(ctx, *state, eta)
        record(t + 1, state[:len(sums)])
    return out


def smooth_constants(problem) -> tuple[dict, dict]:
    game = problem.game
    m, n = game.rows.dim, game.columns.dim
    exact = {"eta": problem.eta, "m": sp.Integer(m), "n": sp.Integer(n)}
    provenance = {"eta": "exact (the run's step size)", "m": "exact (x's dimension)", "n": "exact (y's dimension)"}
    if problem.on_simplices:
        exact["Omega"] = bregman_radius(game.rows, problem.start[:m]) + bregman_radius(game.columns, problem.start[m:])
        provenance["Omega"] = ("exact: max over the simplices of D_phi(z, z0) = sum over the players of "
                               "max_i D_phi(e_i, z0) (D_phi(., z0) is convex: its maximum is at a vertex)")
    if affine(game):
        j = jacobian(game)
        if problem.on_simplices:
            # ||F(z) - F(z')||_inf per block <= (largest entry of each Jacobian block) x ||dx||_1, ||dy||_1: F is
            # Lipschitz from sqrt(||x||_1^2 + ||y||_1^2) to its dual with that 2 x 2 matrix's spectral norm
            b = sp.Matrix([[max(abs(h) for h in j[rows, columns]) for columns in (slice(0, m), slice(m, m + n))]
                           for rows in (slice(0, m), slice(m, m + n))])
            exact["L"] = sp.nsimplify(sp.sqrt(sp.Max(*(b.T * b).eigenvals())))
            provenance["L"] = ("exact: the spectral norm of the 2 x 2 matrix of the largest |entry| of each block of "
                               "F's Jacobian, a Lipschitz constant of F from sqrt(||x||_1^2 + ||y||_1^2) to its dual "
                               "norm (F affine)")
        else:
            exact["L"] = sp.sqrt(sp.Max(*(j.T * j).eigenvals()))
            provenance["L"] = "exact: the spectral norm of F's Jacobian (F affine), Euclidean"
    return exact, provenance


def _smooth_equilibrium(table, game: SaddleGame) -> tuple:
    """[problem] equilibrium = {x = [...], y = [...]}, checked exactly: F(z*) = 0 on R^n; on the simplices the
    equilibrium's KKT conditions, F(z*)_i minimal in its block wherever z*_i > 0 (for a convex-concave f:
    grad_x f minimal where x* > 0, grad_y f maximal where y* > 0, a saddle point; for a monotone F: a solution of
    the variational inequality)."""
    if not isinstance(table, dict) or set(table) != {"x", "y"}:
        raise ClaimFileError("[problem] equilibrium: expected {x = [...], y = [...]}, each player's point")
    x = toml_numbers(table["x"], "[problem] equilibrium.x", game.rows.dim)
    y = toml_numbers(table["y"], "[problem] equilibrium.y", game.columns.dim)
    operator = [sp.simplify(v) for v in game.operator_at((*x, *y))]
    gx, gy = operator[:len(x)], [-v for v in operator[len(x):]]
    if game.rows.domain is Domain.SIMPLEX:
        for player, point, gradient, best in (("x", x, gx, min), ("y", y, gy, max)):
            if any(v < 0 for v in point) or sp.simplify(sum(point) - 1) != 0:
                raise ClaimFileError(f"[problem] equilibrium.{player}: not on the simplex (entries >= 0 summing to 1)")
            edge = best(gradient)
            if any(sp.simplify(g - edge) != 0 for g, v in zip(gradient, point) if v > 0):
                if game.payoff is None:
                    raise ClaimFileError(f"[problem] equilibrium.{player}: not a solution: F's {player} components "
                                         f"{[g if best is min else -g for g in gradient]} at it are not all least "
                                         f"where {player}* > 0")
                raise ClaimFileError(f"[problem] equilibrium.{player}: not a best response: the partial derivatives "
                                     f"{gradient} of f at it are not all {'least' if best is min else 'largest'} "
                                     f"where {player}* > 0")
    elif any(v != 0 for v in operator):
        raise ClaimFileError(f"[problem] equilibrium: F(z*) = {operator}, not 0: not a saddle point on R^n")
    return (*x, *y)
