"""``[problem] kind = "saddle"`` with ``objective = "..."``: min_x max_y f(x, y) for a smooth f, convex in x1..xm and
concave in y1..yn, on two simplices or on R^m x R^n, in place of the bilinear ``matrix`` (``problems.saddle``).

The operator F = (grad_x f, -grad_y f) and each mirror step are derived with sympy as for a matrix game. The
duality gap of the averaged played points, max_y f(xbar, y) - min_x f(x, ybar), has no closed form here: each inner
problem is solved at the working precision of each rung (``engine.concave_max``) and only the digits the two rungs
share are trusted. Convexity in x and concavity in y are checked exactly for a quadratic f (constant Hessian
blocks); for any other f they are the claim's hypothesis, said so in the result. The Lipschitz constant L of F is
computed exactly for a quadratic f, else a bound that names it needs it declared in [constants].
"""

from __future__ import annotations

import re

import sympy as sp

from mdtheory.claimfile import ClaimFileError, _expression, _steps_eta_bits, keyed, toml_numbers
from mdtheory.engine.concave_max import concave_maximum
from mdtheory.engine.context import working_context
from mdtheory.errors import MDTheoryError
from mdtheory.problems.saddle import (DEFAULT_METHOD, DOMAINS, GAP_QUANTITIES, SADDLE_QUANTITIES, _compiled,
                                      _player_regularizer, bregman_radius, saddle_method)
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.saddle import SaddleGame


def smooth_tables(cls, problem: dict, run: dict, declared: dict, max_steps: int, max_precision_bits: int):
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
    regs = [_player_regularizer(name, player, _dimension(text, run, player, domain), domain) for player in "xy"]
    game_variables = (*regs[0].variables, *regs[1].variables)
    payoff = _expression(text, "[problem] objective", {str(v): v for v in game_variables})
    _check_convex_concave(payoff, regs[0].variables, regs[1].variables)
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
        equilibrium = _equilibrium(problem["equilibrium"], game)
    return cls(game, None, tuple(start), eta, steps, bits, rule.name, equilibrium, declared)


def _dimension(text: str, run: dict, player: str, domain: Domain) -> int:
    """A player's dimension: its start's length where [run] gives one, else the largest index among its
    variables in the objective."""
    key = f"{player}0"
    if isinstance(run.get(key), list):
        size = len(run[key])
    else:
        size = max((int(i) for i in re.findall(rf"(?<![A-Za-z0-9_]){player}(\d+)(?![A-Za-z0-9_])", text)), default=0)
    if size < (2 if domain is Domain.SIMPLEX else 1):
        raise ClaimFileError(f"[problem] objective: player {player} needs "
                             f"{'at least two strategies' if domain is Domain.SIMPLEX else 'a variable'} "
                             f"({player}1, {player}2, ...); name them in the objective or give [run] {key}")
    return size


def _blocks(payoff: sp.Expr, xs, ys) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """The Hessian blocks d2f/dx2, d2f/dxdy, d2f/dy2."""
    return (sp.hessian(payoff, xs), sp.Matrix([[sp.diff(payoff, a, b) for b in ys] for a in xs]),
            sp.hessian(payoff, ys))


def quadratic(game: SaddleGame) -> bool:
    return not any(h.free_symbols & set(game.variables) for block in _blocks(game.payoff, game.rows.variables,
                                                                               game.columns.variables) for h in block)


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
    if quantity in GAP_QUANTITIES[1:]:
        raise MDTheoryError(f"quantity {quantity!r}: each player's regret is measured on a matrix game "
                            "([problem] matrix); for [problem] objective use duality_gap or equilibrium_distance")
    game = problem.game
    if quantity == "duality_gap" and not problem.on_simplices and quadratic(game):
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
    best_y = concave_maximum(game.payoff, ys, xs, problem.on_simplices)  # max_y f(xbar, y)
    best_x = concave_maximum(-game.payoff, xs, ys, problem.on_simplices)  # -min_x f(x, ybar)
    star = None if problem.equilibrium is None else [ctx.exact(v) for v in problem.equilibrium]
    sums = [ctx.mpf(0)] * len(game.variables)
    hypothesis = "" if quadratic(game) else "; f convex in x and concave in y is the claim's hypothesis, not checked"
    out = {"ctx": ctx, **{name: [] for name in SADDLE_QUANTITIES},
           **{f"{name}_magnitude": [] for name in SADDLE_QUANTITIES},
           "reference": f"max_y f(xbar, y) - min_x f(x, ybar), each inner problem solved at the working precision "
                        f"of each rung by {best_y.how()}{hypothesis}"}

    def record(t: int, point):
        if t:
            xbar, ybar = [s / t for s in sums[:m]], [s / t for s in sums[m:]]
            upper, lower = best_y(ctx, xbar, ybar), best_x(ctx, ybar, xbar)
            out["duality_gap"].append(upper + lower)
            out["duality_gap_magnitude"].append(abs(upper) + abs(lower))
        else:
            out["duality_gap"].append(ctx.mpf(0))
            out["duality_gap_magnitude"].append(ctx.mpf(0))
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
    if quadratic(game):
        hxx, hxy, hyy = _blocks(game.payoff, game.rows.variables, game.columns.variables)
        if problem.on_simplices:
            # ||F(z) - F(z')||_inf per block <= (largest entry of each Hessian block) x ||dx||_1, ||dy||_1: F is
            # Lipschitz from sqrt(||x||_1^2 + ||y||_1^2) to its dual with the 2 x 2 matrix's spectral norm
            bxx, bxy, byy = (max(abs(h) for h in block) for block in (hxx, hxy, hyy))
            exact["L"] = sp.nsimplify((bxx + byy) / 2 + sp.sqrt(((bxx - byy) / 2) ** 2 + bxy ** 2))
            provenance["L"] = ("exact: the spectral norm of [[max|f_xx|, max|f_xy|], [max|f_xy|, max|f_yy|]], a "
                               "Lipschitz constant of F from sqrt(||x||_1^2 + ||y||_1^2) to its dual norm (f quadratic)")
        else:
            jacobian = sp.Matrix(sp.BlockMatrix([[hxx, hxy], [-hxy.T, -hyy]]))
            exact["L"] = sp.sqrt(sp.Max(*(jacobian.T * jacobian).eigenvals()))
            provenance["L"] = "exact: the spectral norm of F's Jacobian (f quadratic: F is affine), Euclidean"
    return exact, provenance


def _equilibrium(table, game: SaddleGame) -> tuple:
    """[problem] equilibrium = {x = [...], y = [...]}, checked exactly: F(z*) = 0 on R^n; on the simplices the
    equilibrium's KKT conditions, grad_x f(z*)_i minimal wherever x*_i > 0 and grad_y f(z*)_j maximal wherever
    y*_j > 0 (for a convex-concave f, a saddle point)."""
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
                raise ClaimFileError(f"[problem] equilibrium.{player}: not a best response: the partial derivatives "
                                     f"{gradient} of f at it are not all {'least' if best is min else 'largest'} "
                                     f"where {player}* > 0")
    elif any(v != 0 for v in operator):
        raise ClaimFileError(f"[problem] equilibrium: F(z*) = {operator}, not 0: not a saddle point on R^n")
    return (*x, *y)
