"""Online MD against convex losses that depend on the played point, and its regret against the best fixed
point of the simplex in hindsight, on the precision ladder.

Round t = 1, ..., T plays x_t (x_1 = x0), suffers f_t(x_t), and steps on the linear loss g_t = grad f_t(x_t)
(online MD linearizes: the bounds of Zinkevich 2003 and Shalev-Shwartz 2012, Thm 2.11, are about this step).
The regret after k rounds is sum_{t<=k} f_t(x_t) - min_y F_k(y), F_k = sum_{t<=k} f_t.

The comparator min_y F_k(y) is computed on each rung: for losses linear in x it is the best vertex (exact);
otherwise a point y_k of the simplex by Newton's method on the optimality conditions restricted to the face
y_k lies on (warm-started from y_{k-1}), and certified by the Frank-Wolfe gap
gap_k = <grad F_k(y_k), y_k> - min_i d F_k/d y_i (y_k) >= F_k(y_k) - min F_k, which holds for every point of the
simplex when F_k is convex. So min F_k lies in [F_k(y_k) - gap_k, F_k(y_k)]: the regret is reported as the
middle of its interval with half the gap added to its uncertainty, and a gap the ladder does not resolve to 0
costs digits instead of being ignored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from mdtheory.checker.convergence import (CONVEXITY_SAMPLE_POINTS, CONVEXITY_SAMPLE_SEED, DUAL_NORMS, _dual_norm,
                                          _positive_semidefinite)
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.context import working_context
from mdtheory.engine.inexact import linear_loss_problem
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import LadderedSeries, laddered, resolved_digits
from mdtheory.engine.run import tangent_basis
from mdtheory.errors import DomainError, MDTheoryError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.regularizer import random_domain_point

# Newton iterations per prefix for the hindsight point (warm-started, so a few suffice once the face is found)
MAX_HINDSIGHT_NEWTON = 60
# the hindsight Newton stops once the Frank-Wolfe gap is below 2^(-prec + HINDSIGHT_GAP_SLACK_BITS) (1 + |F|)
HINDSIGHT_GAP_SLACK_BITS = 12
# halvings of a Newton step before the line search gives up (F not decreased along it); a step counts as not
# increasing F when it raises F by at most 2^(-prec + HINDSIGHT_GAP_SLACK_BITS) (1 + |F|), the roundoff level
MAX_STEP_HALVINGS = 30


class NonconvexLossError(MDTheoryError):
    """A loss f_t(x) whose Hessian is not positive semidefinite: no hindsight comparator is certified."""


@dataclass(frozen=True)
class ConvexLosses:
    """f_t(x), an expression in the round t and x1, ..., xd, with its gradient and Hessian from sympy."""

    expr: sp.Expr
    variables: tuple
    round_symbol: sp.Symbol

    def __post_init__(self):
        d = len(self.variables)
        gradient = [sp.diff(self.expr, v) for v in self.variables]
        hessian = [[sp.diff(g, v) for v in self.variables] for g in gradient]
        object.__setattr__(self, "gradient", gradient)
        object.__setattr__(self, "hessian", sp.Matrix(hessian))
        object.__setattr__(self, "_compiled", CompiledExpressions(
            [self.expr, *gradient, *(h for row in hessian for h in row)], [self.round_symbol, *self.variables]))
        object.__setattr__(self, "_d", d)

    @property
    def linear(self) -> bool:
        """f_t is affine in x (its Hessian is 0): the best fixed point is a vertex."""
        return all(sp.simplify(h) == 0 for h in self.hessian)

    def symbolic_convexity(self) -> str | None:
        """'proved: ...' when Hess f_t is constant (in t and x) and positive semidefinite on the simplex's
        tangent space (exact); None when it is not constant. A constant Hessian that is not positive
        semidefinite is refused."""
        if self.hessian.free_symbols:
            return None
        basis = sp.Matrix(tangent_basis(self._d, Domain.SIMPLEX)).T
        reduced = basis.T * self.hessian * basis
        if reduced.is_positive_semidefinite:
            return "proved: Hess f_t is constant and positive semidefinite on the simplex (exact)"
        if reduced.is_positive_semidefinite is False:
            raise NonconvexLossError(f"[problem] loss: f_t(x) is not convex (its constant Hessian {self.hessian.tolist()} "
                                     "is not positive semidefinite on the simplex); regret against the best fixed "
                                     "point in hindsight is certified for convex losses only")
        return None

    def __call__(self, ctx, t: int, x) -> tuple:
        """(f_t(x), grad f_t(x), Hess f_t(x)) in ``ctx``, for the round t = 1, 2, ..."""
        d = self._d
        try:
            values = self._compiled(ctx, ctx.mpf(t), *x)
        except (ZeroDivisionError, ValueError, OverflowError) as err:
            raise DomainError(f"[problem] loss: f_t(x) cannot be evaluated in round t = {t} at x = "
                              f"[{', '.join(ctx.nstr(v, 8) for v in x)}] ({err or type(err).__name__})") from None
        for v in values[:d + 1]:
            if not ctx.isfinite(v):
                raise DomainError(f"[problem] loss: f_t(x) or its gradient is {v} in round t = {t} at x = "
                                  f"[{', '.join(ctx.nstr(v, 8) for v in x)}]; a loss must be finite on the simplex "
                                  "where it is played and compared")
        return values[0], values[1:d + 1], [values[1 + d + i * d:1 + d + (i + 1) * d] for i in range(d)]


def convex_update_text(regularizer) -> str:
    from mdtheory.checker.result import md_update_text

    md = linear_loss_problem(regularizer)
    renaming = {c: sp.Symbol(f"g{i + 1}") for i, c in enumerate(md.parameters)}
    return ("each round, play x = x_t, suffer f_t(x_t), and step on the linear loss <g_t, x> with g_t = "
            "(g1, g2, ...) = grad f_t(x_t): x+ = x_{t+1}: " + md_update_text(md, renaming))


def _sums(ctx, losses: ConvexLosses, rounds: int, y) -> tuple:
    """F_k(y), grad F_k(y), Hess F_k(y) for k = ``rounds``."""
    d = len(y)
    value, grad, hess = ctx.mpf(0), [ctx.mpf(0)] * d, [[ctx.mpf(0)] * d for _ in range(d)]
    for t in range(1, rounds + 1):
        v, g, h = losses(ctx, t, y)
        value += v
        grad = [a + b for a, b in zip(grad, g)]
        hess = [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(hess, h)]
    return value, grad, hess


def _frank_wolfe_gap(ctx, y, grad):
    return ctx.fsum(g * v for g, v in zip(grad, y)) - min(grad)


def _on_simplex(ctx, y):
    y = [max(v, ctx.mpf(0)) for v in y]
    total = ctx.fsum(y)
    return [v / total for v in y]


def hindsight_point(ctx, losses: ConvexLosses, rounds: int, y) -> tuple:
    """(y, F_k(y), gap) with y on the simplex near argmin F_k (k = ``rounds``), from the warm start ``y``, and
    gap >= F_k(y) - min F_k when F_k is convex (the Frank-Wolfe gap)."""
    d = len(y)
    value, grad, hess = _sums(ctx, losses, rounds, y)
    gap = _frank_wolfe_gap(ctx, y, grad)
    for _ in range(MAX_HINDSIGHT_NEWTON):
        resolution = ctx.ldexp(1, -ctx.prec + HINDSIGHT_GAP_SLACK_BITS) * (1 + abs(value))
        if gap <= resolution:
            break
        # the face y lies on, and every coordinate whose partial derivative is below the face's smallest (it
        # would enter the support of a better point)
        support = [i for i in range(d) if y[i] > 0]
        floor = min(grad[i] for i in support)
        support = sorted(set(support) | {i for i in range(d) if grad[i] < floor})
        k = len(support)
        # a singular Hessian (a loss that is linear along the face) is shifted so that the step stays defined:
        # a long step along such a direction then stops at the face's boundary, where F decreases
        scale = max([abs(hess[i][j]) for i in support for j in support] + [max(abs(g) for g in grad)])
        shift = scale * ctx.ldexp(1, -ctx.prec // 2)
        system = [[hess[i][j] + (shift if i == j else 0) for j in support] + [-1] for i in support] + [[1] * k + [0]]
        try:
            delta = ctx.solve(ctx.as_matrix(system), [-grad[i] for i in support] + [0])
        except ZeroDivisionError:
            break
        step = [ctx.mpf(0)] * d
        for i, di in zip(support, delta[:k]):
            step[i] = di
        # the longest step in [0, 1] that stays on the simplex, then halved until F decreases
        alpha = min([ctx.mpf(1)] + [-y[i] / step[i] for i in range(d) if step[i] < 0])
        for _ in range(MAX_STEP_HALVINGS):
            trial = _on_simplex(ctx, [v + alpha * s for v, s in zip(y, step)])
            try:
                trial_value, trial_grad, trial_hess = _sums(ctx, losses, rounds, trial)
            except DomainError:
                trial_value = None
            if trial_value is not None and trial_value <= value + resolution:
                break
            alpha /= 2
        else:
            break
        y, value, grad, hess = trial, trial_value, trial_grad, trial_hess
        gap = _frank_wolfe_gap(ctx, y, grad)
    return y, value, max(gap, ctx.mpf(0))


def _best_vertex(ctx, losses: ConvexLosses, steps: int) -> tuple:
    """min_i F_k(e_i) for k = 1, ..., steps (exact for losses affine in x), with the comparator's gap 0."""
    d = len(losses.variables)
    vertices = [[ctx.mpf(int(i == j)) for j in range(d)] for i in range(d)]
    totals, best = [ctx.mpf(0)] * d, []
    for t in range(1, steps + 1):
        totals = [total + losses(ctx, t, e)[0] for total, e in zip(totals, vertices)]
        best.append((min(totals), sum(abs(v) for v in totals), ctx.mpf(0)))
    return best


@dataclass
class _Rung:
    ctx: object
    regret: list  # the middle of each round's regret interval
    magnitude: list
    gap: list
    points: list
    largest_gradient: object


def _rung(regularizer, losses: ConvexLosses, x0, eta, steps: int, bits: int, norm: str, kernel, rule) -> _Rung:
    ctx = working_context(bits)
    x = [ctx.exact(v) for v in x0]
    start, total = x, [ctx.mpf(0)] * len(x)
    eta = ctx.exact(eta)
    played, largest, points = ctx.mpf(0), ctx.mpf(0), []
    suffered = []
    for t in range(1, steps + 1):
        value, grad, _ = losses(ctx, t, x)
        points.append(x)
        played += value
        suffered.append((played, abs(value)))
        largest = max(largest, _dual_norm(ctx, grad, norm))
        total = [a + g for a, g in zip(total, grad)]
        x = kernel.step(ctx, x, eta, grad) if rule is None else rule.online_step(kernel, ctx, x, start, eta, grad, total)
    if losses.linear:
        comparators = _best_vertex(ctx, losses, steps)
    else:
        y, comparators = list(points[0]), []
        for k in range(1, steps + 1):
            y, value, gap = hindsight_point(ctx, losses, k, y)
            comparators.append((value - gap / 2, abs(value) + gap, gap))
    zero = ctx.mpf(0)
    regret = [zero] + [p - c for (p, _), (c, _, _) in zip(suffered, comparators)]
    running = [zero]
    for _, size in suffered:
        running.append(running[-1] + size)
    magnitude = [zero] + [r + m for r, (_, m, _) in zip(running[1:], comparators)]
    return _Rung(ctx, regret, magnitude, [zero] + [g for _, _, g in comparators], points, largest)


def _convexity(regularizer, losses: ConvexLosses, rung: _Rung, bits: int) -> str:
    proved = losses.symbolic_convexity()
    if proved is not None:
        return proved
    ctx, d = rung.ctx, len(losses.variables)
    rng = random.Random(CONVEXITY_SAMPLE_SEED)
    samples = [[ctx.exact(v) for v in random_domain_point(regularizer, rng, digits=30)]
               for _ in range(CONVEXITY_SAMPLE_POINTS)]
    basis = [[ctx.exact(v) for v in row] for row in tangent_basis(d, Domain.SIMPLEX)]
    for t, played in enumerate(rung.points, start=1):
        for where, x in [("the played point x_t", played)] + [("a seeded point", p) for p in samples]:
            if _positive_semidefinite(ctx, basis, losses(ctx, t, x)[2], bits) is False:
                raise NonconvexLossError(
                    f"[problem] loss: f_t(x) is not convex: its Hessian is not positive semidefinite in round t = {t} "
                    f"at {where} x = [{', '.join(ctx.nstr(v, 10) for v in x)}]; regret against the best fixed point "
                    "in hindsight is certified for convex losses only")
    return (f"Hess f_t positive semidefinite in every round at the played point and at {CONVEXITY_SAMPLE_POINTS} "
            "seeded points of the simplex (checked, not proved)")


def measure_convex_regret(regularizer, losses: ConvexLosses, x0, eta, steps: int, bits: int,
                          norm: str = "l1", rule=None) -> SeriesMeasurement:
    """Regret of online MD on the losses f_t(x) (see the module docstring) on the ladder (bits, 2 bits).
    ``rule``: the method that plays on the linearized losses (``Method.online_step``), plain MD by default."""
    if regularizer.domain is not Domain.SIMPLEX:
        raise DomainError("online MD against convex losses runs on the simplex; choose a simplex regularizer")
    kernel = MirrorDescentKernel(linear_loss_problem(regularizer))
    coarse, fine = (_rung(regularizer, losses, x0, eta, steps, b, norm, kernel, rule) for b in (bits, 2 * bits))
    ctx = fine.ctx
    series = laddered(ctx, fine.regret, coarse.regret, coarse.magnitude, bits)
    # the comparator is known to within its Frank-Wolfe gap: half of it on either side of the reported middle
    uncertainty = [u + ctx.mpf(max(gf, gc)) / 2 for u, gf, gc in zip(series.uncertainty, fine.gap, coarse.gap)]
    max_digits = int(bits * 0.30103)
    regret = LadderedSeries(series.values, uncertainty,
                            [resolved_digits(ctx, v, u, max_digits) for v, u in zip(series.values, uncertainty)],
                            series.coarse)
    convexity = _convexity(regularizer, losses, coarse, bits)
    d = regularizer.dim
    constants = {"eta": (ctx.exact(eta), coarse.ctx.exact(eta)), "d": (ctx.mpf(d), coarse.ctx.mpf(d)),
                 "G": (fine.largest_gradient, coarse.largest_gradient)}
    provenance = {"eta": "exact (the run's step size)", "d": "exact (the dimension of the simplex)",
                  "G": f"computed: max_t ||grad f_t(x_t)||_{DUAL_NORMS[norm][1:]} (the dual of {norm}) over the rounds played"}
    if losses.linear:
        reference = "the best fixed vertex in hindsight (exact: the losses are affine in x)"
    else:
        worst = max(fine.gap)
        reference = ("the best fixed point of the simplex in hindsight, computed in every round by Newton's method on "
                     "the optimality conditions and certified by its Frank-Wolfe gap (largest "
                     f"{ctx.nstr(worst, 3)}), which the regret's uncertainty includes")
    return SeriesMeasurement(ctx, list(range(steps + 1)), [ctx.exact(eta * t) for t in range(steps + 1)],
                             {"regret": regret}, (bits, 2 * bits), constants, provenance, reference=reference,
                             convexity=convexity)
