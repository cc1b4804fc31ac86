"""Convergence quantities of a laddered MD run, measured from a reference point, and the constants of the
instance that convergence bounds name.

The reference point r is x* (declared exactly, or computed on each rung by Newton's method on the
optimality conditions), a declared comparator, or a stated limit (the Bregman projection of x_0 onto an
affine set, argmin D(x, x_0) subject to A x = b, in the geometry of phi or the Euclidean one). Every
quantity is computed on both rungs of the ladder and carries the uncertainty of a difference of terms that
may cancel (``engine.ladder.laddered``).

Constants: eta (a constant step size; a schedule has none) and d are exact; fstar = f(r) and D0 = D_phi(r, x_0) are computed on each rung; G is the
largest dual norm of the gradients the run used (max_{s<T} ||grad f(x_s)||_*: with it, sum_s ||g_s||_*^2 <=
G^2 T as the rate proofs use); sigma is exact for a quadratic phi (smallest eigenvalue, Euclidean norm) and
is Pinsker's 1 (l1 norm) for the negative entropy on the simplex; L and mu (smoothness and strong convexity
of f relative to phi) are exact generalized eigenvalues when f and phi are both quadratic. A constant the
instance computes cannot be declared (it is refused, naming how it is computed); L, mu and sigma may be
declared where the instance does not compute them, and a declared L, mu or (Euclidean) sigma is checked at
every iterate of the run, and one the instance contradicts is refused with the evidence. Step sums
(checker.bounds.STEP_SUMS): sum_eta and sum_eta2 from the step sizes, sum_g2 = sum_{s<t} ||grad f(x_s)||_*^2 from
the gradients G is the largest of, at every step on each rung.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from dataclasses import dataclass

import sympy as sp

from mdtheory.checker.measure import Measurement
from mdtheory.engine.domain_checks import is_real
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import format_trusted, laddered
from mdtheory.engine.run import MAX_PATH_ENTRIES, tangent_basis
from mdtheory.errors import DomainError, MDTheoryError, NewtonConvergenceError, StepSizeError
from mdtheory.symbolic.catalogue.p_norm import strong_convexity as p_norm_convexity
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.parsing import exact_real
from mdtheory.symbolic.mirror_descent import objective_gradient, objective_hessian
from mdtheory.symbolic.regularizer import hessian, is_quadratic, random_domain_point

MAX_NEWTON = 200
DUAL_NORMS = {"l1": "linf", "l2": "l2", "linf": "l1"}
# Declarable where the instance does not compute them (L and mu of a non-quadratic problem, sigma of an unknown
# geometry): each is checked at every iterate of the run against the condition it stands for.
CHECKED_CONSTANTS = {"L": "L Hess phi - Hess f is positive semidefinite",
                     "mu": "Hess f - mu Hess phi is positive semidefinite",
                     "sigma": "Hess phi - sigma I is positive semidefinite"}
# A residual, or f(x_s) - f(x*), is resolved nonzero when at least this many of its digits survive the
# precision doubling (engine.ladder.laddered): then x* is refused as a minimizer.
RESOLVED_NONZERO_DIGITS = 1
# Hess f counts as positive semidefinite at an iterate when its smallest pivot on the tangent space is above
# -scale 2^(-bits/2) (scale: the Hessian's largest entry; bits: the coarse rung's), as for a declared L.
CONVEXITY_SLACK_EXPONENT = sp.Rational(1, 2)
# Where convexity of f is not proved, Hess f is also checked at this many random points of the domain
# (symbolic.regularizer.random_domain_point, a fixed seed): a nonconvex region the run never visits is found
CONVEXITY_SAMPLE_POINTS = 24
CONVEXITY_SAMPLE_SEED = 20260611
# sympy functions that make f nondifferentiable somewhere: there its gradient is one subgradient, so the
# first-order conditions and the Hessian say nothing about optimality or convexity
NONSMOOTH = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise)
# Computed at each reference point (x*, a comparator, the limit), beside the instance's constants
REFERENCE_CONSTANTS = {"fstar": "f at {name}", "D0": "D_phi({name}, x0)"}


class ContradictedConstantError(MDTheoryError):
    """A declared constant that the instance contradicts (an L below the true smoothness, ...)."""


class ReferencePointError(MDTheoryError):
    """x* that is not the minimizer: the optimality conditions fail there, an iterate has f below f(x*), or f
    is not convex, so that a stationary point need not minimize it."""


class ComputedConstantError(MDTheoryError):
    """A declared constant that the instance computes itself (d, eta, G, fstar, D0, ...): a declared value
    would replace the computed one, so the bound would no longer be about this instance."""


@dataclass(frozen=True)
class AffineLimit:
    """argmin D(x, x_0) subject to A x = b, with D the Bregman divergence of phi (``geometry="regularizer"``)
    or half the squared Euclidean distance (``"euclidean"``, gradient descent's limit)."""

    A: tuple
    b: tuple
    geometry: str = "regularizer"

    def describe(self) -> str:
        which = "D_phi(x, x0)" if self.geometry == "regularizer" else "||x - x0||^2"
        return f"argmin {which} subject to A x = b"


@dataclass(frozen=True)
class Solution:
    """Where convergence is measured from: x* (exact, or None to compute it), comparators, or a limit."""

    point: tuple | None = None
    comparators: tuple = ()
    limit: AffineLimit | None = None


@dataclass(frozen=True)
class Geometry:
    """How the constants sigma and G are measured: the norm phi is strongly convex in, and its dual."""

    sigma: sp.Expr | None
    norm: str
    how: str


def geometry_of(md) -> Geometry:
    reg = md.regularizer
    p_norm = p_norm_convexity(reg)
    if p_norm is not None:
        p, sigma, q = p_norm
        return Geometry(sigma, f"l{p}", f"exact: ||x||_p^2/2 is (p - 1) = {sigma}-strongly convex in l{p} (Ball, Carlen "
                                        f"& Lieb 1994); G is measured in its dual l{q}")
    if reg.domain is Domain.SIMPLEX and reg.name == "negative_entropy":
        return Geometry(sp.Integer(1), "l1", "Pinsker's inequality: negative entropy is 1-strongly convex in l1 on the simplex")
    if is_quadratic(reg) and reg.domain is not Domain.SIMPLEX:
        eigenvalues = _exact_eigenvalues(hessian(reg))
        if eigenvalues:
            return Geometry(min(eigenvalues, key=lambda e: sp.N(e, 50)), "l2",
                            "exact: the smallest eigenvalue of the (constant) Hessian of phi")
    return Geometry(None, "l2", "not known for this regularizer")


def _exact_eigenvalues(matrix: sp.Matrix) -> list | None:
    if matrix.free_symbols or matrix.shape[0] > 4:
        return None
    values = []
    for value, multiplicity in matrix.eigenvals().items():
        if not value.is_real:
            return None
        values += [value] * multiplicity
    return values


def _relative_eigenvalues(md) -> tuple[sp.Expr, sp.Expr] | None:
    """(largest, smallest) eigenvalue of Hess phi^{-1} Hess f when both are constant: the exact relative
    smoothness L and relative strong convexity mu (Euclidean: the usual ones)."""
    reg = md.regularizer
    if not is_quadratic(reg) or reg.domain is Domain.SIMPLEX or md.parameters:
        return None
    hess_f = objective_hessian(md)
    if hess_f.free_symbols:
        return None
    values = _exact_eigenvalues(hessian(reg).inv() * hess_f)
    if not values:
        return None
    order = sorted(values, key=lambda e: sp.N(e, 50))
    return order[-1], order[0]


def _number(ctx, value):
    """An exact sympy number (rational or algebraic) in ``ctx``."""
    if isinstance(value, sp.Rational):
        return ctx.exact(value)
    return ctx.mpf(str(sp.N(value, int(ctx.prec * 0.302) + 20)))


# --------------------------------------------------------------------------- reference points
def check_reference_point(md, point, what: str) -> None:
    """A reference point (x*, a comparator) must lie in the closed domain: on a vertex or a face is allowed,
    where MD's iterates never are; with a constraint set, in the closed set."""
    md.regularizer.domain.check_point(point, what, closed=True)
    if md.constraint is not None:
        md.constraint.check_point(point, what)


def linear_minimizer(md, parameters) -> tuple | None:
    """x* of a linear f, whose Hessian is 0 so that Newton cannot find it: the exact argmin of <g, x> over the
    constraint set, the simplex (a vertex) or the unit box (a corner). None where f is not linear; a
    ReferencePointError where the minimum is not attained at one point (a face, or an unbounded domain)."""
    gradient = objective_gradient(md).subs(dict(zip(md.parameters, parameters)))
    if gradient.free_symbols or gradient.has(*NONSMOOTH):
        return None
    g = [sp.nsimplify(v) if not v.is_Rational else v for v in gradient]
    domain = md.regularizer.domain
    if md.constraint is not None:
        point = md.constraint.linear_minimizer(g)
        where = md.constraint.describe()
    elif domain is Domain.SIMPLEX:
        low = min(g, key=lambda v: sp.N(v, 50))
        point = None if sum(1 for v in g if v == low) > 1 else tuple(sp.Integer(int(v == low)) for v in g)
        where = domain.describe()
    elif domain is Domain.BOX:
        point = None if any(v == 0 for v in g) else tuple(sp.Integer(int(v < 0)) for v in g)
        where = domain.describe()
    else:
        raise ReferencePointError(f"x*: f is linear (gradient {list(g)}), so it has no minimizer on "
                                  f"{domain.describe()}; declare a comparator as [solution] x")
    if point is None:
        raise ReferencePointError(f"x*: f is linear (gradient {list(g)}) and its minimum over {where} is attained on "
                                  "a face, not at one point; declare the minimizer you mean as [solution] x")
    return point


def minimizer(ctx, kernel: MirrorDescentKernel, params, seed) -> list:
    """x* by Newton's method on grad f(x) = 0 (grad f(x) = lambda 1, sum x = 1 on the simplex), seeded at the
    run's last iterate. An interior minimizer only: one on the boundary must be declared."""
    simplex = kernel.domain is Domain.SIMPLEX
    if kernel.md.constraint is not None and not kernel.md.constraint.full_dimensional:
        raise ReferencePointError(f"x*: the minimizer over {kernel.md.constraint.describe()} is not computed for a "
                                  "nonlinear f (it needs a multiplier per block); declare it as [solution] x")
    d = kernel.dim
    x = list(seed)
    lam = ctx.fsum(kernel.objective_gradient(ctx, x, params)) / d  # the multiplier's value at the seed
    for _ in range(MAX_NEWTON):
        g = kernel.objective_gradient(ctx, x, params)
        H = kernel.objective_hessian(ctx, x, params)
        if simplex:
            residual = [gi - lam for gi in g] + [ctx.fsum(x) - 1]
            system = [[H[i][j] for j in range(d)] + [-1] for i in range(d)] + [[1] * d + [0]]
        else:
            residual, system = g, H
        try:
            delta = ctx.solve(ctx.as_matrix(system), [-v for v in residual])
        except ZeroDivisionError:
            raise NewtonConvergenceError("x*: the Hessian of f is singular at the current point; declare [solution] x") from None
        x, lam = [xi + di for xi, di in zip(x, delta)], (lam + delta[d] if simplex else lam)
        _check_interior(ctx, kernel, x, "x*: Newton's method left the domain; the minimizer may lie on the boundary: "
                                        "declare [solution] x")
        if max(abs(di) for di in delta[:d]) <= ctx.ldexp(1, -ctx.prec + 4) * (1 + max(abs(xi) for xi in x)):
            constraint = kernel.md.constraint
            if constraint is not None and ctx.distance(constraint.project(ctx, x), x) > ctx.ldexp(1, -ctx.prec // 2):
                raise DomainError(f"x*: the unconstrained minimizer lies outside {constraint.describe()}, so the "
                                  "minimizer over it is on its boundary: declare it as [solution] x")
            return x
    raise NewtonConvergenceError(f"x*: Newton's method did not converge in {MAX_NEWTON} steps; declare [solution] x")


def bregman_projection(ctx, kernel: MirrorDescentKernel, x0, limit: AffineLimit) -> list:
    """argmin D(x, x0) subject to A x = b (and sum x = 1 on the simplex): Newton on
    grad phi(x) - grad phi(x0) = A^T lambda, A x = b, damped to stay in the domain."""
    A = [[ctx.exact(a) for a in row] for row in limit.A]
    b = [ctx.exact(v) for v in limit.b]
    if kernel.domain is Domain.SIMPLEX:
        A, b = A + [[ctx.mpf(1)] * kernel.dim], b + [ctx.mpf(1)]
    d, k = kernel.dim, len(A)
    euclidean = limit.geometry == "euclidean"
    gradient = (lambda x: list(x)) if euclidean else (lambda x: kernel.mirror_map(ctx, x))
    curvature = (lambda x: [[int(i == j) for j in range(d)] for i in range(d)]) if euclidean else (
        lambda x: kernel.regularizer_hessian(ctx, x))
    x, lam = list(x0), [ctx.mpf(0)] * k
    target = gradient(x0)
    for _ in range(MAX_NEWTON):
        g, H = gradient(x), curvature(x)
        residual = [g[i] - target[i] - ctx.fsum(A[j][i] * lam[j] for j in range(k)) for i in range(d)]
        residual += [ctx.fsum(A[j][i] * x[i] for i in range(d)) - b[j] for j in range(k)]
        system = [[H[i][c] for c in range(d)] + [-A[j][i] for j in range(k)] for i in range(d)]
        system += [[A[j][c] for c in range(d)] + [0] * k for j in range(k)]
        try:
            delta = ctx.solve(ctx.as_matrix(system), [-v for v in residual])
        except ZeroDivisionError:
            raise NewtonConvergenceError("[solution] limit: the constraints A x = b are degenerate (A must have "
                                         "independent rows)") from None
        step = ctx.mpf(1)
        while True:  # damped: a Legendre phi has its projection inside the domain
            trial = [xi + step * di for xi, di in zip(x, delta[:d])]
            if euclidean or _inside(ctx, kernel, trial):
                break
            step /= 2
            if step < ctx.ldexp(1, -60):
                raise NewtonConvergenceError("[solution] limit: the projection could not stay inside the domain")
        x, lam = trial, [l + step * dl for l, dl in zip(lam, delta[d:])]
        if step == 1 and max(abs(v) for v in delta[:d]) <= ctx.ldexp(1, -ctx.prec + 4) * (1 + max(abs(v) for v in x)):
            if euclidean:
                _check_interior(ctx, kernel, x, "[solution] limit: the Euclidean projection lies outside the domain")
            return x
    raise NewtonConvergenceError(f"[solution] limit: Newton's method did not converge in {MAX_NEWTON} steps")


def _inside(ctx, kernel, x) -> bool:
    if kernel.domain is Domain.REALS:
        return True
    return all(v > 0 for v in x) and (kernel.domain is not Domain.BOX or all(v < 1 for v in x))


def _check_interior(ctx, kernel, x, message: str):
    if not _inside(ctx, kernel, x):
        raise DomainError(message)


# --------------------------------------------------------------------------- quantities
QUANTITIES = ("suboptimality", "best_suboptimality", "average_suboptimality", "bregman_to_solution",
              "distance_to_solution")


class _Reference:
    """A reference point on one rung with what every quantity at it needs: f(r) and phi(r)."""

    def __init__(self, ctx, kernel, params, point):
        self.point = point
        self.f = kernel.objective(ctx, point, params)
        self.phi = phi_at(ctx, kernel, point)


def phi_at(ctx, kernel, point):
    """phi at a reference point, which may lie on the boundary of phi's domain (a vertex of the simplex): there
    phi is its limit from inside (0 log 0 = 0), taken exactly by sympy coordinate by coordinate, the point's
    other coordinates being the rung's numbers as exact binary fractions."""
    try:
        value = kernel.regularizer_value(ctx, point)
    except (ZeroDivisionError, ValueError):
        value = None
    if value is not None and is_real(ctx, value):
        return value
    reg = kernel.md.regularizer
    exact = [_binary_fraction(ctx, v) for v in point]
    phi = reg.phi.subs({v: x for v, x in zip(reg.variables, exact) if not _on_edge(x)})
    for v, x in zip(reg.variables, exact):
        if _on_edge(x):
            phi = sp.limit(phi, v, x, "+" if x == 0 else "-")
    if not phi.is_finite:
        raise ReferencePointError(f"phi is not finite at the reference point ({', '.join(ctx.nstr(v, 8) for v in point)}"
                                  f"), so D_phi to it is not; choose a point where phi is finite")
    return _number(ctx, phi)


def _on_edge(x) -> bool:
    return x == 0 or x == 1


def _binary_fraction(ctx, value) -> sp.Rational:
    mantissa, exponent = ctx.mpf(value).man_exp
    return sp.Integer(int(mantissa)) * sp.Integer(2) ** int(exponent)


def _quantity(ctx, kernel, name, x, fx, best, f_average, ref: _Reference) -> tuple:
    """(value, magnitude) of one convergence quantity at the iterate ``x`` (f(x) = ``fx``, min_{s<t} f(x_s) =
    ``best``, f at the average of the earlier iterates = ``f_average``) from the reference ``ref``; the
    magnitude is the sum of the absolute values of the terms that may cancel (``engine.ladder.laddered``)."""
    if name == "suboptimality":
        return fx - ref.f, abs(fx) + abs(ref.f)
    if name == "best_suboptimality":
        return best - ref.f, abs(best) + abs(ref.f)
    if name == "average_suboptimality":
        return f_average - ref.f, abs(f_average) + abs(ref.f)
    if name == "bregman_to_solution":
        grad, phi_x = kernel.mirror_map(ctx, x), kernel.regularizer_value(ctx, x)
        inner = [gi * (ri - xi) for gi, ri, xi in zip(grad, ref.point, x)]
        return (ref.phi - phi_x - ctx.fsum(inner), abs(ref.phi) + abs(phi_x) + ctx.fsum(abs(v) for v in inner))
    if name == "distance_to_solution":
        return ctx.distance(x, ref.point), max(ctx.vector_norm(x), ctx.vector_norm(ref.point))
    raise ValueError(f"unknown convergence quantity {name!r}")


class PathSummary:
    """What the convergence quantities need from a run, gathered one iterate at a time (``observe``): the
    recorded iterates with f there, min_{s<t} f(x_s) and f at the average of x_0, ..., x_{t-1} at each
    recorded t, and the lowest f over the whole run with where it was. Nothing grows with the number of
    steps beyond the recorded points: the running sum and the running minimum are one vector and one number.

    With ``dense`` (the quantities a bound needs) and ``references`` it also keeps those quantities at every
    step from each reference: the value, and the magnitude where ``magnitudes`` (the ladder needs them from one
    rung only), as plain numbers, so that a bound "for every t" sees every step without the iterates being kept
    a second time.
    """

    def __init__(self, ctx, kernel: MirrorDescentKernel, params, recorded, references=(), dense=(),
                 magnitudes: bool = True):
        self.ctx, self.kernel, self.params = ctx, kernel, params
        self.recorded = set(recorded)
        self.t = 0
        self.total = None  # sum_{s<t} x_s
        self.best = None  # min_{s<t} f(x_s)
        self.lowest = None  # (min_s f(x_s), s) over every iterate seen
        self.points, self.f_values, self.best_values, self.f_averages = {}, {}, {}, {}
        self.references = [_Reference(ctx, kernel, params, r) for r in references] if dense else []
        self.dense, self.keep_magnitudes = tuple(dense), magnitudes
        # (quantity, reference index) -> values at every step, and their magnitudes
        self.dense_values = {(q, i): [] for q in self.dense for i in range(len(self.references))}
        self.dense_magnitudes = {key: [] for key in self.dense_values}

    def observe(self, x):
        ctx, t = self.ctx, self.t
        fx = self.kernel.objective(ctx, x, self.params)
        best = fx if t == 0 else self.best
        f_average = None
        if t in self.recorded or "average_suboptimality" in self.dense:  # f at the running average: a step's work
            f_average = fx if t == 0 else self.kernel.objective(ctx, [v / t for v in self.total], self.params)
        if t in self.recorded:
            self.points[t], self.f_values[t] = x, fx
            self.best_values[t], self.f_averages[t] = best, f_average
        for (name, i), values in self.dense_values.items():
            value, magnitude = _quantity(ctx, self.kernel, name, x, fx, best, f_average, self.references[i])
            values.append(value)
            if self.keep_magnitudes:
                self.dense_magnitudes[name, i].append(magnitude)
        self.total = list(x) if self.total is None else [a + b for a, b in zip(self.total, x)]
        self.best = fx if self.best is None else min(self.best, fx)
        if self.lowest is None or fx < self.lowest[0]:
            self.lowest = (fx, t)
        self.t += 1

    @classmethod
    def of_run(cls, ctx, kernel, run, params, recorded=None, references=(), dense=(), magnitudes=True) -> PathSummary:
        summary = cls(ctx, kernel, params, run.t if recorded is None else recorded, references, dense, magnitudes)
        for x in run.path:
            summary.observe(x)
        return summary


def _series(ctx, kernel, summary: PathSummary, recorded, r) -> dict[str, tuple[list, list]]:
    """Each convergence quantity at the ``recorded`` steps from reference ``r``: (values, magnitudes)."""
    ref = _Reference(ctx, kernel, summary.params, r)
    result = {q: ([], []) for q in QUANTITIES}
    for t in recorded:
        x, fx, best, f_average = summary.points[t], summary.f_values[t], summary.best_values[t], summary.f_averages[t]
        for name in result:
            value, magnitude = _quantity(ctx, kernel, name, x, fx, best, f_average, ref)
            result[name][0].append(value)
            result[name][1].append(magnitude)
    return result


# --------------------------------------------------------------------------- is x* the minimizer?
def is_smooth(md) -> bool:
    """f has no max, min, abs, sign or piecewise part (where its gradient would be one subgradient)."""
    return not objective_gradient(md).has(*NONSMOOTH) and not md.objective.expr.has(*NONSMOOTH)


def _reduced(ctx, basis, matrix) -> list:
    """B^T M B for the tangent basis B (rows of ``basis``), as rows."""
    k, d = len(basis), len(matrix)
    mb = [[ctx.fsum(matrix[i][l] * basis[j][l] for l in range(d)) for j in range(k)] for i in range(d)]
    return [[ctx.fsum(basis[i][l] * mb[l][j] for l in range(d)) for j in range(k)] for i in range(k)]


def symbolic_convexity(md, parameters) -> str | None:
    """'proved: ...' when Hess f is constant and positive semidefinite on the tangent space (exact); None when
    sympy cannot decide (then convexity is checked along the run). A constant Hessian that is not positive
    semidefinite is refused: no stationary point of such an f is a minimizer."""
    hessian_f = objective_hessian(md).subs(dict(zip(md.parameters, parameters)))
    if hessian_f.free_symbols or hessian_f.has(*NONSMOOTH, sp.DiracDelta):
        return None
    basis = sp.Matrix(tangent_basis(md.regularizer.dim, md.regularizer.domain)).T
    reduced = basis.T * hessian_f * basis
    if reduced.is_positive_semidefinite:
        return "proved: Hess f is constant and positive semidefinite (exact)"
    if reduced.is_positive_semidefinite is False:
        raise ReferencePointError(f"x*: f is not convex (its constant Hessian {hessian_f.tolist()} is not positive "
                                  "semidefinite on the domain): a stationary point need not minimize f, so f* is "
                                  "not known; a convergence claim to x* needs a convex f")
    return None


def _positive_semidefinite(ctx, basis, hessian, bits: int) -> bool | None:
    """B^T H B positive semidefinite up to CONVEXITY_SLACK_EXPONENT (LDL^T pivots of the shifted matrix); None
    where Hess f is not a finite real matrix (a point where f is not defined)."""
    if not all(isinstance(v, int) or is_real(ctx, v) for row in hessian for v in row):
        return None
    reduced = _reduced(ctx, basis, hessian)
    scale = max(abs(v) for row in reduced for v in row) or ctx.mpf(1)
    slack = scale * ctx.ldexp(1, -int(bits * CONVEXITY_SLACK_EXPONENT))
    shifted = [[v + (slack if i == j else 0) for j, v in enumerate(row)] for i, row in enumerate(reduced)]
    return all(p > 0 for p in ctx.cholesky_pivots(shifted))


def certify_minimizer(m: Measurement, kernel, rungs, points, summaries, how_obtained: str) -> str:
    """Check that x* (``points``: on each rung) minimizes f, and say how: the first-order conditions at x*
    (grad f(x*) = 0, or grad f(x*) = lambda 1 on the simplex, x* being interior; for x* on the boundary of the
    closed domain, or with a constraint set, the variational inequality <grad f(x*), v - x*> >= 0 at the
    vertices v) on the ladder; convexity of
    f, proved, or checked at every iterate, at x* and at CONVEXITY_SAMPLE_POINTS random points of the domain;
    and no iterate with f below f(x*) beyond its uncertainty (for a nonsmooth f, only the last). Raises ReferencePointError with the evidence otherwise."""
    fine, coarse = rungs
    ctx, bits = fine.ctx, m.ladder.coarse.bits
    shown = lambda x: f"[{', '.join(ctx.nstr(v, 10) for v in x)}]"
    where = f"x* ({how_obtained}) = {shown(points[0])}"
    fix = ("declare the minimizer as [solution] x, or x = \"computed\"" if how_obtained == "declared"
           else "declare the minimizer as [solution] x")
    # no iterate below x*
    lows = [summary.lowest for summary in summaries]
    f_refs = [kernel.objective(r.ctx, p, r.params) for r, p in zip(rungs, points)]
    gap = laddered(ctx, [lows[0][0] - f_refs[0]], [lows[1][0] - f_refs[1]], [abs(lows[1][0]) + abs(f_refs[1])], bits)
    if gap.values[0] < 0 and gap.digits[0] >= RESOLVED_NONZERO_DIGITS:
        raise ReferencePointError(f"{where} is not the minimizer: f(x_{lows[0][1]}) - f(x*) = "
                                  f"{ctx.nstr(gap.values[0], gap.digits[0])} < 0 (resolved on the precision ladder), "
                                  f"so f* is below f(x*); {fix}")
    if not is_smooth(m.md):
        return (f"f is not differentiable, so optimality is checked only as: no iterate has f below f(x*) "
                f"(lowest f(x_s) - f(x*) = {format_trusted(ctx, gap.values[0], min(3, gap.digits[0]))})")
    own = [kernel.first_order_residuals(r.ctx, p, r.params) for r, p in zip(rungs, points)]
    if own[0] is not None:  # the kernel's objective adds a term to f: it states its own conditions
        first_order = _own_first_order(m, own, where, fix)
    elif m.md.constraint is not None or kernel.domain.on_boundary(points[0]):
        first_order = _variational_inequality(m, kernel, rungs, points, where, fix)
    else:
        first_order = _first_order_conditions(m, kernel, rungs, points, where, fix)
    convexity = _convexity(m, kernel, rungs, points, where)
    return f"{first_order}; f convex: {convexity}; no iterate below f(x*)"


def _variational_inequality(m: Measurement, kernel, rungs, points, where: str, fix: str) -> str:
    """x* on the boundary, or a constraint set C: the first-order condition is <grad f(x*), v - x*> >= 0 for
    every v in C, checked at the vertices of C (or in closed form for a ball), on the ladder: a gap resolved
    negative refuses x*."""
    fine, coarse = rungs
    ctx, bits = fine.ctx, m.ladder.coarse.bits
    gaps = [_gaps(r.ctx, kernel, kernel.objective_gradient(r.ctx, p, r.params), p) for r, p in zip(rungs, points)]
    ladder = laddered(ctx, gaps[0][0], gaps[1][0], gaps[1][1], bits)
    for i, (value, digits) in enumerate(zip(ladder.values, ladder.digits)):
        if value < 0 and digits >= RESOLVED_NONZERO_DIGITS:
            raise ReferencePointError(f"{where} is not a minimizer over {_closed_domain(m.md)}: the variational "
                                      f"inequality <grad f(x*), v - x*> >= 0 fails at vertex test {i}, where it is "
                                      f"{ctx.nstr(value, digits)} (resolved on the precision ladder); {fix}")
    how = "in closed form, -R ||grad f(x*)|| - <grad f(x*), x*>" if m.md.constraint is not None and \
        m.md.constraint.name == "ball" else f"at the {len(ladder.values)} vertex tests of the set"
    return (f"the variational inequality <grad f(x*), x - x*> >= 0 holds on {_closed_domain(m.md)} (checked {how}; "
            "no value resolved negative on the ladder)")


def _gaps(ctx, kernel, g, x) -> tuple[list, list]:
    """The values of <g, v - x> at the vertices v of the closed domain (all >= 0 at a minimizer), with their
    magnitudes; for a constraint set, the set's own."""
    constraint = kernel.md.constraint
    if constraint is not None:
        return constraint.optimality_gaps(ctx, g, x)
    domain = kernel.domain
    if domain is Domain.SIMPLEX:
        inner, size = ctx.fsum(a * b for a, b in zip(g, x)), ctx.fsum(abs(a * b) for a, b in zip(g, x))
        return [gj - inner for gj in g], [abs(gj) + size for gj in g]
    if domain is Domain.BOX:  # the unit box: its vertices separate coordinate by coordinate
        values = [v for gi, xi in zip(g, x) for v in (gi * (0 - xi), gi * (1 - xi))]
        return values, [abs(gi) * (1 + abs(xi)) for gi, xi in zip(g, x) for _ in range(2)]
    # the closed positive orthant, a cone: <g, v - x> >= 0 for all v >= 0 iff g >= 0 and <g, x> = 0
    return [*g, *(-gi * xi for gi, xi in zip(g, x))], [*(abs(gi) for gi in g), *(abs(gi * xi) for gi, xi in zip(g, x))]


def _first_order_conditions(m: Measurement, kernel, rungs, points, where: str, fix: str) -> str:
    fine, coarse = rungs
    ctx, bits = fine.ctx, m.ladder.coarse.bits
    simplex = kernel.domain is Domain.SIMPLEX

    def residual(r, x):
        g = kernel.objective_gradient(r.ctx, x, r.params)
        lam = r.ctx.fsum(g) / len(g) if simplex else 0
        scale = max(abs(v) for v in g) + abs(lam)
        return [v - lam for v in g], scale

    (res_fine, _), (res_coarse, scale) = residual(fine, points[0]), residual(coarse, points[1])
    _, start_scale = residual(coarse, [coarse.ctx.exact(v) for v in m.spec.x0])
    ladder = laddered(ctx, res_fine, res_coarse, [scale + start_scale] * len(res_fine), bits)
    worst = max(range(len(res_fine)), key=lambda i: ladder.digits[i] if res_fine[i] != 0 else -1)
    if res_fine[worst] != 0 and ladder.digits[worst] >= RESOLVED_NONZERO_DIGITS:
        what = "grad f(x*) - lambda 1" if simplex else "grad f(x*)"
        raise ReferencePointError(f"{where} is not a minimizer: the first-order conditions fail there: component "
                                  f"{worst} of {what} is {ctx.nstr(res_fine[worst], ladder.digits[worst])} "
                                  f"(resolved on the precision ladder, not 0); {fix}")
    return "first-order conditions hold at x* (residual resolved to 0 on the ladder)"


def _own_first_order(m: Measurement, own, where: str, fix: str) -> str:
    """x* of the kernel's own objective (a composite method's f + r): each residual of the conditions it states
    (``MirrorDescentKernel.first_order_residuals``, one per rung) resolved to 0 on the ladder."""
    ctx, bits = m.ladder.fine.ctx, m.ladder.coarse.bits
    ladder = laddered(ctx, own[0].residuals, own[1].residuals, own[1].magnitudes, bits)
    for i, (value, digits) in enumerate(zip(ladder.values, ladder.digits)):
        if value != 0 and digits >= RESOLVED_NONZERO_DIGITS:
            raise ReferencePointError(f"{where} is not a minimizer of {own[0].objective}: {own[0].condition} fails "
                                      f"at coordinate {i}, whose residual is {ctx.nstr(value, digits)} (resolved on "
                                      f"the precision ladder, not 0); {fix}")
    return f"{own[0].condition} (each coordinate's residual resolved to 0 on the ladder)"


def _convexity(m: Measurement, kernel, rungs, points, where: str) -> str:
    """A point where the first-order conditions hold minimizes a convex f: proved, or checked."""
    fine = rungs[0]
    ctx, bits = fine.ctx, m.ladder.coarse.bits
    shown = lambda x: f"[{', '.join(ctx.nstr(v, 10) for v in x)}]"
    convexity = symbolic_convexity(m.md, m.spec.parameters)
    if convexity is None:
        rng = random.Random(CONVEXITY_SAMPLE_SEED)
        samples = [random_domain_point(m.md.regularizer, rng, digits=30) for _ in range(CONVEXITY_SAMPLE_POINTS)]
        candidates = [(f"x_{s}", x) for s, x in enumerate(fine.run.path)] + [("x*", points[0])] + [
            ("a sample point", [ctx.exact(v) for v in point]) for point in samples]
        basis = [[ctx.exact(v) for v in row] for row in tangent_basis(kernel.dim, kernel.domain)]
        for at, x in candidates:
            if _positive_semidefinite(ctx, basis, kernel.objective_hessian(ctx, x, fine.params), bits) is False:
                raise ReferencePointError(
                    f"{where}: f is not convex (Hess f is not positive semidefinite at {at} = {shown(x)}), so a "
                    "point where the first-order conditions hold need not minimize f and f* is not known; a "
                    "convergence claim to x* needs a convex f")
        convexity = (f"Hess f positive semidefinite at the {len(fine.run.path)} iterates, x* and "
                     f"{CONVEXITY_SAMPLE_POINTS} random points of the domain (checked, not proved)")
    return convexity


def dual_norm_name(norm: str) -> str:
    """The dual of l1, l2, linf, or of l<p> (a p-norm regularizer's geometry): l<p/(p - 1)>."""
    if norm in DUAL_NORMS:
        return DUAL_NORMS[norm]
    p = exact_real(norm[1:])
    return f"l{p / (p - 1)}"


def _dual_norm(ctx, g, norm: str):
    dual = dual_norm_name(norm)
    if dual == "linf":
        return max(abs(v) for v in g)
    if dual == "l1":
        return ctx.fsum(abs(v) for v in g)
    if dual == "l2":
        return ctx.vector_norm(g)
    q = _number(ctx, exact_real(dual[1:]))
    return ctx.fsum(abs(v) ** q for v in g) ** (1 / q)


@dataclass
class _Rung:
    ctx: object
    run: object
    params: list


def _rungs(m: Measurement) -> list[_Rung]:
    return [_Rung(r.ctx, r, [r.ctx.exact(p) for p in m.spec.parameters]) for r in (m.ladder.fine, m.ladder.coarse)]


def instance_constants(m: Measurement, kernel: MirrorDescentKernel, declared: dict[str, sp.Rational],
                       norm: str | None = None) -> tuple[dict[str, tuple], dict[str, str], dict]:
    """The constants a bound may name, on both rungs, with how each was obtained (see the module docstring), and
    the step sums (``checker.bounds.STEP_SUMS``: sum_eta, sum_eta2, and sum_g2 from the same gradients as G).
    ``declared`` constants join them; one the instance computes is refused, and L, mu and a Euclidean sigma
    are checked first."""
    md = m.md
    geometry = geometry_of(md)
    if norm is None:
        norm = geometry.norm
    if norm not in DUAL_NORMS and norm != geometry.norm:
        raise MDTheoryError(f"norm: {norm!r}; choose one of {', '.join(DUAL_NORMS)}")
    rungs = _rungs(m)
    constants, how = {}, {}

    def both(name, fine, coarse, text):
        constants[name], how[name] = (fine, coarse), text

    if not m.spec.scheduled:  # a schedule is no one number: bounds name its sums
        both("eta", *(r.ctx.exact(m.spec.eta) for r in rungs), "exact (the run's step size)")
    both("d", *(r.ctx.mpf(md.regularizer.dim) for r in rungs), "exact (the dimension)")
    squares = []  # sum_{s<t} ||g_s||_*^2 for t = 0, ..., T, and the largest ||g_s||_*, one gradient at a time
    for r in rungs:
        total, largest, sums = r.ctx.mpf(0), None, [r.ctx.mpf(0)]
        for x in itertools.islice(r.run.path, len(r.run.path) - 1):
            g = _dual_norm(r.ctx, kernel.objective_gradient(r.ctx, x, r.params), norm)
            largest = g if largest is None else max(largest, g)
            total += g * g
            sums.append(total)
        squares.append((largest, sums))
    both("G", *(largest for largest, _ in squares),
         f"computed: the largest {dual_norm_name(norm)} norm of grad f(x_s), s < T, along the run")
    if geometry.sigma is not None and norm == geometry.norm:
        both("sigma", *(_number(r.ctx, geometry.sigma) for r in rungs), geometry.how)
    own = [kernel.objective_constants(r.ctx, [r.ctx.exact(v) for v in m.spec.x0]) for r in rungs]
    for name, (fine, text) in own[0].items():
        both(name, fine, own[1][name][0], text)
    relative = _relative_eigenvalues(md)
    if relative is not None:
        both("L", *(_number(r.ctx, relative[0]) for r in rungs), f"exact: {relative[0]}, the largest eigenvalue of "
             "Hess phi^-1 Hess f")
        both("mu", *(_number(r.ctx, relative[1]) for r in rungs), f"exact: {relative[1]}, the smallest eigenvalue of "
             "Hess phi^-1 Hess f")
    computed = {**how, **{name: text.format(name="the reference point") for name, text in REFERENCE_CONSTANTS.items()}}
    for name in declared:
        if name in computed:
            raise ComputedConstantError(f"[constants] {name}: the instance computes it ({computed[name]}); remove "
                                        "the declaration (a bound that needs another value can write it out)")
    for name, value in declared.items():
        evidence = _contradiction(m, kernel, name, value, norm)
        if evidence:
            raise ContradictedConstantError(f"[constants] {name} = {value}: contradicted by the instance: {evidence}")
        if name in CHECKED_CONSTANTS and not (name == "sigma" and norm != "l2"):
            what = CHECKED_CONSTANTS[name]
            text = f"declared; checked at the {len(m.fine.path)} iterates of the run: {what}"
        else:
            text = "declared (not checked)"
        both(name, *(r.ctx.exact(value) for r in rungs), text)
    sums = {**m.step_sums, "sum_g2": lambda rung: squares[rung][1]}
    return constants, how, sums


def _contradiction(m, kernel, name, value, norm) -> str | None:
    """Where the run contradicts a declared L, mu or Euclidean sigma, as text; None when it does not."""
    ctx, params = m.fine.ctx, [m.fine.ctx.exact(p) for p in m.spec.parameters]
    c = ctx.exact(value)
    if name not in ("L", "mu", "sigma") or (name == "sigma" and norm != "l2"):
        return None
    basis = tangent_basis(kernel.dim, kernel.domain)
    B = ctx.matrix([[ctx.exact(v) for v in row] for row in basis]).T
    for s, x in enumerate(m.fine.path):
        H_phi = ctx.matrix(kernel.regularizer_hessian(ctx, x))
        H_f = ctx.matrix(kernel.objective_hessian(ctx, x, params)) if name != "sigma" else ctx.eye(kernel.dim)
        matrix = {"L": c * H_phi - H_f, "mu": H_f - c * H_phi, "sigma": H_phi - c * H_f}[name]
        reduced = B.T * matrix * B
        reduced = (reduced + reduced.T) / 2
        eigenvalues = ctx.eigsy(reduced, eigvals_only=True)
        smallest = min(eigenvalues[i] for i in range(eigenvalues.rows))
        scale = ctx.mnorm(B.T * H_phi * B, 1) * abs(c) + ctx.mnorm(B.T * H_f * B, 1)
        if smallest < -scale * ctx.ldexp(1, -m.ladder.coarse.bits // 2):
            what = {"L": "L Hess phi - Hess f", "mu": "Hess f - mu Hess phi", "sigma": "Hess phi - sigma I"}[name]
            return (f"at x_{s} = [{', '.join(ctx.nstr(v, 8) for v in x)}], {what} has the eigenvalue "
                    f"{ctx.nstr(smallest, 6)} < 0")
    return None


def check_kept_numbers(spec, dim: int, solution: Solution) -> None:
    """Refuse, before the run, a convergence claim whose kept numbers (engine.run.MAX_PATH_ENTRIES: the iterates
    and the claimed quantity at every step from each reference point) exceed the limit."""
    references = 1 + len(solution.comparators)
    kept = spec.steps * (dim + references)
    if kept > MAX_PATH_ENTRIES:
        raise StepSizeError(f"[run] steps: {spec.steps} steps keep {spec.steps} x (dimension {dim} + {references} "
                            f"reference point{'s' if references > 1 else ''}) = {kept} numbers for a convergence claim, "
                            f"above the limit of {MAX_PATH_ENTRIES}; use steps <= {MAX_PATH_ENTRIES // (dim + references)}"
                            + (" or fewer comparators" if references > 1 else ""))


def convergence_measurements(m: Measurement, kernel: MirrorDescentKernel, solution: Solution,
                             declared: dict[str, sp.Rational], norm: str | None = None,
                             quantities=QUANTITIES, release_iterates: bool = False) -> list[Measurement]:
    """One Measurement per reference point (x*, then each comparator; or the limit), each carrying every
    convergence quantity at the recorded steps and the instance's constants (fstar and D0 for that point). When
    the run recorded sparsely, ``quantities`` (those the claim's bound reads; by default all) are also kept at
    every step (``Measurement.dense``): only those, since every step is what memory grows with. ``release_iterates``: the run's iterates are dropped once they are
    summarized (for a caller that owns the run and needs them no further)."""
    constants, how, sums = instance_constants(m, kernel, declared, norm)
    rungs = _rungs(m)
    shown = lambda points: f"[{', '.join(rungs[0].ctx.nstr(v, 10) for v in points[0])}]"
    references: list[tuple[str, str, list]] = []  # (name, how it was obtained, the point on each rung)
    if solution.limit is not None:
        points = [bregman_projection(r.ctx, kernel, [r.ctx.exact(v) for v in m.spec.x0], solution.limit)
                  for r in rungs]
        references.append(("the limit", solution.limit.describe(), points))
    elif solution.point is not None:
        references.append(("x*", "declared", [[r.ctx.exact(v) for v in solution.point] for r in rungs]))
    elif (why := kernel.minimizer_not_computed()) is not None:
        raise ReferencePointError(f"x*: {why}")
    elif (exact := linear_minimizer(m.md, m.spec.parameters)) is not None:
        references.append(("x*", f"computed: the exact minimizer of the linear f over {_closed_domain(m.md)}",
                           [[r.ctx.exact(v) for v in exact] for r in rungs]))
    else:
        points = [minimizer(r.ctx, kernel, r.params, [r.ctx.mpf(v) for v in m.fine.path[-1]]) for r in rungs]
        references.append(("x*", "computed: Newton on the optimality conditions", points))
    for i, point in enumerate(solution.comparators):
        check_reference_point(m.md, point, f"[solution] comparators[{i}]")
        references.append((f"comparator {i}", "declared", [[r.ctx.exact(v) for v in point] for r in rungs]))
    every = list(range(len(m.fine.path)))
    # recorded sparsely: a bound "for every t" is checked on every iterate, so the summaries keep the quantities
    # it reads at every step, as numbers (the coarse rung's magnitudes alone: the ladder reads no others)
    sparse = list(m.fine.t) != every
    dense = tuple(q for q in QUANTITIES if q in quantities) if sparse else ()
    summaries = [PathSummary.of_run(r.ctx, kernel, r.run, r.params, references=[p[rung] for _, _, p in references],
                                    dense=dense, magnitudes=rung == 1)
                 for rung, r in enumerate(rungs)]
    checked = {}  # reference name -> how x* was checked to be the minimizer
    if references[0][0] == "x*":
        checked["x*"] = certify_minimizer(m, kernel, rungs, references[0][2], summaries, references[0][1])
    if release_iterates:  # everything below reads the summaries
        for r in rungs:
            r.run.path = []
    result = []
    for i, (name, how_obtained, points) in enumerate(references):
        series = [_series(r.ctx, kernel, summary, r.run.t, p)
                  for r, summary, p in zip(rungs, summaries, points)]
        derived = {q: laddered(rungs[0].ctx, series[0][q][0], series[1][q][0], series[1][q][1], m.ladder.coarse.bits)
                   for q in series[0]}
        fine, coarse = summaries
        dense_series = {q: (every, laddered(rungs[0].ctx, fine.dense_values.pop((q, i)), coarse.dense_values.pop((q, i)),
                                            coarse.dense_magnitudes.pop((q, i)), m.ladder.coarse.bits))
                        for q in dense}
        local = dict(constants)
        local["fstar"] = tuple(kernel.objective(r.ctx, p, r.params) for r, p in zip(rungs, points))
        local["D0"] = tuple(_bregman(r.ctx, kernel, p, [r.ctx.exact(v) for v in m.spec.x0])
                            for r, p in zip(rungs, points))
        local_how = dict(how, **{key: "computed: " + text.format(name=name) for key, text in REFERENCE_CONSTANTS.items()})
        result.append(dataclasses.replace(m, derived={**m.derived, **derived}, dense={**m.dense, **dense_series},
                                          constants=local,
                                          provenance=local_how, step_sums=sums,
                                          reference=f"{name} ({how_obtained}) = {shown(points)}"
                                                    + (f"; {checked[name]}" if name in checked else "")))
    return result


def _closed_domain(md) -> str:
    return md.constraint.describe() if md.constraint is not None else f"the closure of {md.regularizer.domain.describe()}"


def _bregman(ctx, kernel, r, x):
    grad = kernel.mirror_map(ctx, x)
    return phi_at(ctx, kernel, r) - kernel.regularizer_value(ctx, x) - ctx.fsum(
        g * (a - b) for g, a, b in zip(grad, r, x))
