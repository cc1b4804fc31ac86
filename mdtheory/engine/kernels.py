"""Numerical Mirror Descent steps and Jacobians, compiled from the symbolic layer.

One kernel serves every precision: methods take the context to evaluate in. The step uses the symbolic
closed form where the symbolic layer found one (and where that form is valid on all dual points);
otherwise it takes the dual step and inverts the mirror map, in closed form with an image check, or by
Newton seeded in float64 and finished at working precision. On the simplex the Lagrange multiplier of a
non-multiplicative normalization is found the same way.
"""

from __future__ import annotations

import math

import numpy as np

from mdtheory.engine.codegen import CompiledExpressions, compile_matrix
from mdtheory.engine.context import Float64Context, PythonFloatContext
from mdtheory.errors import DomainError, NewtonConvergenceError, NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.mirror_descent import (
    ETA,
    MirrorDescent,
    dual_step,
    md_step,
    md_step_jacobian,
    objective_gradient,
    objective_hessian,
)
from mdtheory.symbolic.regularizer import hessian, is_separable, mirror_map, strict_convexity

FLOAT64 = Float64Context()
PYTHON_FLOAT = PythonFloatContext()
MAX_FLOAT_NEWTON = 60
MAX_BRACKET_DOUBLINGS = 200
FLOAT_NEWTON_TOLERANCE = 4e-15
# Quadratic convergence from a float64 seed reaches 2^-bits in about log2(bits/50) steps; the slack
# covers poorly conditioned Hessians.
EXTRA_PRECISE_NEWTON = 12
# A closed-form inverse evaluated outside the image of grad phi (e.g. the wrong branch of a power) maps
# back to a different y; a relative mismatch above this is treated as leaving the image.
IMAGE_CHECK_FLOAT = 1e-8


class ObjectiveOracle:
    """A numerical stand-in for the objective's value, gradient and Hessian, for objectives whose sympy
    form is too large to compile (long sums evaluated with exact asymptotics). The symbolic objective of
    the MirrorDescent stays the reference: an oracle must agree with it, and tests check that."""

    def value(self, ctx, x, params):
        raise NotImplementedError

    def gradient(self, ctx, x, params) -> list:
        raise NotImplementedError

    def hessian(self, ctx, x, params) -> list:
        raise NotImplementedError

    def hessian_vector(self, ctx, x, params, w) -> list:
        """Hess f(x) w; override where the product is cheaper than forming the Hessian."""
        return [ctx.fsum(h * wj for h, wj in zip(row, w)) for row in self.hessian(ctx, x, params)]


class MirrorDescentKernel:
    """Compiled step, Jacobian and objective of ``md`` (parameters of the objective passed at call time)."""

    def __init__(self, md: MirrorDescent, oracle: ObjectiveOracle | None = None):
        self.md = md
        self.oracle = oracle
        reg = md.regularizer
        x, params = md.variables, md.parameters
        step_args = [*x, ETA, *params]
        self.domain = reg.domain
        self.dim = reg.dim
        # Where strict convexity was only sampled, not proved, every iterate a verdict rests on is checked.
        self.convexity = strict_convexity(reg)
        self.checks_convexity_along_run = self.convexity.method != "symbolic"
        self.inverse_map = inverse_mirror_map(reg)
        self._grad_phi = CompiledExpressions(list(mirror_map(reg)), x)
        self._hess_phi = compile_matrix(hessian(reg), x)
        # For phi = sum_i h_i(x_i) the Hessian is diagonal: Newton and the tangent then need no linear
        # solve, and grad and curvature are compiled together so that they share subexpressions.
        self.separable = is_separable(reg)
        self._curvature = CompiledExpressions([hessian(reg)[i, i] for i in range(reg.dim)], x) if self.separable else None
        self._grad_and_curvature = (
            CompiledExpressions([*mirror_map(reg), *(hessian(reg)[i, i] for i in range(reg.dim))], x)
            if self.separable else None
        )
        if oracle is None:
            self._hess_f = compile_matrix(objective_hessian(md), [*x, *params])
            self._hess_f_vector = lambda ctx, x_, params_, w: [
                ctx.fsum(h * wj for h, wj in zip(row, w)) for row in self._hess_f(ctx, *x_, *params_)
            ]
            renaming = dict(zip(md.objective.variables, x))
            self._objective = CompiledExpressions([md.objective.expr.subs(renaming)], [*x, *params])
            self._dual_step = CompiledExpressions(list(dual_step(md)), step_args)
        else:
            self._hess_f = lambda ctx, *args: oracle.hessian(ctx, list(args[: reg.dim]), list(args[reg.dim:]))
            self._hess_f_vector = lambda ctx, x_, params_, w: oracle.hessian_vector(ctx, list(x_), list(params_), w)
            self._objective = lambda ctx, *args: [oracle.value(ctx, list(args[: reg.dim]), list(args[reg.dim:]))]
            self._dual_step = self._oracle_dual_step
        self._inverse = (
            CompiledExpressions(list(self.inverse_map.expressions), self.inverse_map.dual_variables)
            if self.inverse_map.is_closed_form else None
        )
        # A composed closed-form step bypasses the image check, so it is used only where the closed-form
        # inverse is valid for every dual point.
        step = md_step(md) if oracle is None else None
        self._step = (
            CompiledExpressions(list(step), step_args)
            if step is not None and not self.inverse_map.conditions else None
        )
        self._jacobian = None
        self._phi = self._grad_f = None  # compiled on first use (convergence claims only)
        if self._step is not None:
            jacobian, implicit = md_step_jacobian(md)
            self._jacobian = compile_matrix(jacobian, step_args) if not implicit else None

    def _oracle_dual_step(self, ctx, *args):
        x, eta, params = list(args[: self.dim]), args[self.dim], list(args[self.dim + 1:])
        gradient = self.oracle.gradient(ctx, x, params)
        return [g - eta * df for g, df in zip(self._grad_phi(ctx, *x), gradient)]

    # ----------------------------------------------------------------- evaluation
    def objective(self, ctx, x, params=()):
        return self._objective(ctx, *x, *params)[0]

    def mirror_map(self, ctx, x):
        return self._grad_phi(ctx, *x)

    def regularizer_value(self, ctx, x):
        if self._phi is None:
            self._phi = CompiledExpressions([self.md.regularizer.phi], self.md.variables)
        return self._phi(ctx, *x)[0]

    def objective_gradient(self, ctx, x, params=()):
        """grad f(x), compiled on first use: only convergence claims (G, x*) ask for it."""
        if self.oracle is not None:
            return self.oracle.gradient(ctx, list(x), list(params))
        if self._grad_f is None:
            self._grad_f = CompiledExpressions(list(objective_gradient(self.md)), [*self.md.variables, *self.md.parameters])
        return self._grad_f(ctx, *x, *params)

    def objective_hessian(self, ctx, x, params=()):
        return self._hess_f(ctx, *x, *params)

    def regularizer_hessian(self, ctx, x):
        return self._hess_phi(ctx, *x)

    def dual_point(self, ctx, x, eta, params=()):
        """grad phi(x) - eta grad f(x): the dual point the step inverts."""
        return self._dual_step(ctx, *x, eta, *params)

    def step(self, ctx, x, eta, params=()):
        """x+ from x."""
        if self._step is not None:
            try:
                x_next = self._step(ctx, *x, eta, *params)
            except (ZeroDivisionError, ValueError):
                raise self._outside_image(ctx, self._dual_step(ctx, *x, eta, *params)) from None
        else:
            y = self._dual_step(ctx, *x, eta, *params)
            x_next = self._normalize_on_simplex(ctx, y, x) if self.domain is Domain.SIMPLEX else self.inverse(ctx, y, x)
        if self.domain is Domain.SIMPLEX:
            total = sum(x_next)
            x_next = [xi / total for xi in x_next]
        self._check_in_domain(ctx, x_next)
        return x_next

    @property
    def has_closed_form_step(self) -> bool:
        """Step and Jacobian are closed forms: both run elementwise on numpy arrays of many points at once."""
        return self._step is not None and self._jacobian is not None

    def closed_form_jacobian(self, ctx, x, eta, params=()):
        """d x+ / d x at x as rows of entries (no matrix type), for batches of points; needs a closed-form step."""
        return self._jacobian(ctx, *x, eta, *params)

    def jacobian(self, ctx, x, x_next, eta, params=()):
        """d x+ / d x at x (x_next = step(x))."""
        if self._jacobian is not None:
            return ctx.as_matrix(self._jacobian(ctx, *x, eta, *params))
        hess_x = self._hess_phi(ctx, *x)
        hess_f = self._hess_f(ctx, *x, *params)
        forward = ctx.as_matrix([[hess_x[i][j] - eta * hess_f[i][j] for j in range(self.dim)] for i in range(self.dim)])
        hess_next = self._hess_phi(ctx, *x_next)
        if self.domain is not Domain.SIMPLEX:
            return ctx.solve(ctx.as_matrix(hess_next), forward)
        weights = [1 / hess_next[i][i] for i in range(self.dim)]
        total = sum(weights)
        projector = ctx.as_matrix([
            [(weights[i] if i == j else 0) - weights[i] * weights[j] / total for j in range(self.dim)]
            for i in range(self.dim)
        ])
        return ctx.matmul(projector, forward)

    def tangent(self, ctx, x, x_next, eta, w, params=()):
        """J w at x (x_next = step(x)) without forming J where that is cheaper:
        J w = Hess phi(x+)^{-1} (Hess phi(x) - eta Hess f(x)) w, projected onto the simplex's tangent space
        (weights 1/Hess phi(x+)_ii) there. O(d) per step for a separable phi and a cheap Hess f w."""
        if not self.separable:
            if self._jacobian is not None or self.domain is Domain.SIMPLEX:
                return ctx.matvec(self.jacobian(ctx, x, x_next, eta, params), w)
            hess_x = self._hess_phi(ctx, *x)
            forward = [
                ctx.fsum(h * wj for h, wj in zip(row, w)) - eta * hw
                for row, hw in zip(hess_x, self._hess_f_vector(ctx, x, params, w))
            ]
            return ctx.solve(ctx.as_matrix(self._hess_phi(ctx, *x_next)), forward)
        forward = [
            h * wi - eta * hw
            for h, wi, hw in zip(self._curvature(ctx, *x), w, self._hess_f_vector(ctx, x, params, w))
        ]
        weights = [1 / h for h in self._curvature(ctx, *x_next)]
        if self.domain is not Domain.SIMPLEX:
            return [u * f for u, f in zip(weights, forward)]
        mean = ctx.fsum(u * f for u, f in zip(weights, forward)) / ctx.fsum(weights)
        return [u * (f - mean) for u, f in zip(weights, forward)]

    def check_strictly_convex_at(self, ctx, x, where: str):
        """Raise NotStrictlyConvexError unless Hess phi(x) is positive definite in ``ctx`` (for arb: the
        whole ball of every pivot is positive)."""
        if self.separable:
            pivots = self._curvature(ctx, *x)
        else:
            pivots = ctx.cholesky_pivots(self._hess_phi(ctx, *x))
        bad = next((i for i, p in enumerate(pivots) if not p > 0), None)
        if bad is not None:
            raise NotStrictlyConvexError(
                f"phi of {self.md.regularizer.name!r} is not strictly convex at {where}, "
                f"x = ({', '.join(ctx.nstr(v, 8) for v in x)}): Hessian pivot {bad} is {ctx.nstr(pivots[bad], 6)} "
                f"<= 0. Its convexity was only sampled ({self.convexity.detail}), so it is checked at every iterate, "
                "and no verdict is issued past such a point; add a strongly convex term or restrict the domain"
            )

    # ----------------------------------------------------------------- inverse mirror map
    def inverse(self, ctx, y, seed):
        """(grad phi)^{-1}(y); ``seed`` (the previous iterate) starts Newton when there is no closed form."""
        if self._inverse is None:
            return self._newton_inverse(ctx, y, seed)
        try:
            x = self._inverse(ctx, *y)
        except (ZeroDivisionError, ValueError):
            raise self._outside_image(ctx, y) from None
        if self.inverse_map.conditions and ctx.guards_domain:
            back = self._grad_phi(ctx, *x)
            tolerance = ctx.ldexp(1, -(ctx.prec // 2))
            for xi, bi, yi in zip(x, back, y):
                if not _is_real(ctx, xi) or abs(bi - yi) > tolerance * (1 + abs(yi)):
                    raise self._outside_image(ctx, y)
        return x

    def _outside_image(self, ctx, y) -> DomainError:
        conditions = ", ".join(map(str, self.inverse_map.conditions)) or "see the inverse's domain"
        return DomainError(
            f"the dual point y = {[ctx.nstr(v, 8) for v in y]} is outside the image of grad phi "
            f"({conditions}) for {self.md.regularizer.name!r}: the step size is too large for this "
            "objective here; reduce eta"
        )

    def _newton_inverse(self, ctx, y, seed):
        name = self.md.regularizer.name
        x = self._float_newton(y, seed)
        if not ctx.refines_float_seed:
            if x is None:
                raise NewtonConvergenceError(
                    f"float64 Newton for the inverse mirror map of {name!r} did not converge in "
                    f"{MAX_FLOAT_NEWTON} steps; reduce eta or check that y is in the image of grad phi"
                )
            return [np.float64(v) for v in x]
        x = [ctx.mpf(v) for v in (x if x is not None else seed)]
        tolerance = ctx.ldexp(1, -(ctx.prec - 8))
        budget = EXTRA_PRECISE_NEWTON + int(math.log2(ctx.prec))
        residual = [ctx.inf]
        for _ in range(budget):
            try:
                residual, delta = self._newton_direction(ctx, x, y)
            except ZeroDivisionError:
                break  # singular Hessian: reported below with the residual reached
            x = ctx.midpoints(self._damped(ctx, x, delta))
            if ctx.vector_norm(ctx.midpoints(delta)) <= tolerance * (1 + ctx.vector_norm(x)):
                return x
        raise NewtonConvergenceError(
            f"Newton for the inverse mirror map of {name!r} did not converge in {budget} steps at "
            f"{ctx.prec} bits (last residual {ctx.nstr(ctx.vector_norm(residual), 5)}); the dual point "
            "may be outside the image of grad phi or the Hessian nearly singular there: reduce eta, or "
            "start farther from the boundary"
        )

    def _newton_direction(self, ctx, x, y):
        """(grad phi(x) - y, Hess phi(x)^{-1} (grad phi(x) - y)); ZeroDivisionError if Hess phi(x) is singular."""
        if self.separable:
            both = self._grad_and_curvature(ctx, *x)
            residual = [g - yi for g, yi in zip(both[: self.dim], y)]
            if any(h == 0 for h in both[self.dim:]):
                raise ZeroDivisionError("singular Hessian")
            return residual, [r / h for r, h in zip(residual, both[self.dim:])]
        residual = [g - yi for g, yi in zip(self._grad_phi(ctx, *x), y)]
        return residual, ctx.solve(ctx.as_matrix(self._hess_phi(ctx, *x)), residual)

    def _float_newton(self, y, seed):
        # A separable phi needs no linear solve, so plain Python floats do (several times cheaper per
        # scalar than numpy's); they raise on an overflowing intermediate (exp(1e6 x) in a Gaussian bump),
        # where numpy float64, whose inf and 0 cancel to the right result more often, gets a second try.
        if self.separable:
            try:
                return self._float_newton_in(PYTHON_FLOAT, float, y, seed)
            except OverflowError:
                pass
        try:
            return self._float_newton_in(FLOAT64, np.float64, y, seed)
        except OverflowError:
            return None

    def _float_newton_in(self, ctx, number, y, seed):
        x = [number(v) for v in seed]
        target = [number(v) for v in y]
        norm = lambda vector: math.sqrt(math.fsum(v * v for v in vector))
        with np.errstate(all="ignore"):
            for _ in range(MAX_FLOAT_NEWTON):
                try:
                    _, delta = self._newton_direction(ctx, x, target)
                    x = self._damped(ctx, x, list(delta))
                except OverflowError:
                    raise
                except (np.linalg.LinAlgError, ArithmeticError, ValueError):
                    return None
                if not all(math.isfinite(v) for v in x):
                    return None
                if norm(delta) <= FLOAT_NEWTON_TOLERANCE * (1 + norm(x)):
                    return x
        return None

    def _damped(self, ctx, x, delta):
        """x - delta, halving the step while it would leave the positive orthant."""
        step = 1
        for _ in range(60):
            candidate = [xi - step * di for xi, di in zip(x, delta)]
            if self.domain is Domain.REALS or all(c > 0 for c in candidate):
                return candidate
            step = step / 2
        return candidate

    # ----------------------------------------------------------------- simplex normalization
    def _normalize_on_simplex(self, ctx, y, seed):
        """x+ = psi(y + nu 1) with sum x+ = 1, nu found by safeguarded Newton (increasing in nu)."""
        nu = self._float_multiplier(y, seed)
        if not ctx.refines_float_seed:
            return self._shifted_inverse(ctx, y, nu, seed)
        nu = ctx.mpf(nu)
        tolerance = ctx.ldexp(1, -(ctx.prec - 8))
        for _ in range(EXTRA_PRECISE_NEWTON + int(math.log2(ctx.prec))):
            x = self._shifted_inverse(ctx, y, nu, seed)
            hess = self._hess_phi(ctx, *x)
            slope = sum(1 / hess[i][i] for i in range(self.dim))
            delta = (sum(x) - 1) / slope
            nu = ctx.midpoints([nu - delta])[0]
            if abs(ctx.midpoints([delta])[0]) <= tolerance * (1 + abs(nu)):
                return self._shifted_inverse(ctx, y, nu, seed)
        raise NewtonConvergenceError(
            f"the simplex multiplier of {self.md.regularizer.name!r} did not converge at {ctx.prec} bits; "
            "reduce eta"
        )

    def _shifted_inverse(self, ctx, y, nu, seed):
        return self.inverse(ctx, [yi + nu for yi in y], seed)

    def _float_multiplier(self, y, seed) -> float:
        """nu with sum psi(y + nu) = 1, in float64. psi is valid on an interval of nu (the shifted dual point
        must stay in the image of grad phi) and sum psi increases there, so: find a valid nu, walk (doubling)
        to a sign change without leaving the valid interval (halving back where it would), then bisect."""
        def excess(nu):
            """sum psi(y + nu) - 1, or None where y + nu is outside the image of grad phi."""
            try:
                with np.errstate(all="ignore"):
                    x = self._shifted_inverse(FLOAT64, [np.float64(v) for v in y], nu, seed)
                    back = self._grad_phi(FLOAT64, *x)
            except (DomainError, NewtonConvergenceError):
                return None
            shifted = [float(v) + nu for v in y]
            if not all(np.isfinite(v) and v > 0 for v in x) or any(
                abs(b - s) > IMAGE_CHECK_FLOAT * (1 + abs(s)) for b, s in zip(back, shifted)
            ):
                return None
            return float(sum(x)) - 1

        trials = [0.0] + [sign * 2.0**k for k in range(-30, MAX_BRACKET_DOUBLINGS) for sign in (1, -1)]
        start = next((nu for nu in trials if excess(nu) is not None), None)
        if start is None:
            raise self._no_interior_step("no shift of the dual point lies in the image of grad phi")
        value = excess(start)
        if value == 0:
            return start
        direction = 1.0 if value < 0 else -1.0  # sum psi increases with nu
        inside, width = start, 1.0
        for _ in range(4 * MAX_BRACKET_DOUBLINGS):
            trial = inside + direction * width
            trial_value = excess(trial)
            if trial_value is None:  # past the end of the valid interval: come back halfway
                width /= 2
                if width <= 1e-15 * (1 + abs(inside)):
                    raise self._no_interior_step("sum_i psi(y_i + nu) never reaches 1 inside the image of grad phi")
                continue
            if (trial_value > 0) == (direction > 0) or trial_value == 0:
                lo, hi = (inside, trial) if direction > 0 else (trial, inside)
                break
            inside, width = trial, width * 2
        else:
            raise self._no_interior_step("no bracket for the multiplier was found")
        for _ in range(2000):
            mid = 0.5 * (lo + hi)
            value = excess(mid)
            if value == 0 or hi - lo <= 1e-15 * (1 + abs(mid)):
                return mid
            if value is None or value > 0:
                hi = mid
            else:
                lo = mid
        return 0.5 * (lo + hi)

    def _no_interior_step(self, why: str) -> NewtonConvergenceError:
        return NewtonConvergenceError(
            f"the MD step of {self.md.regularizer.name!r} on the simplex has no interior solution here ({why}). "
            "This happens when grad phi stays bounded at the simplex's boundary (phi is not of Legendre type, "
            "e.g. a quadratic or Tsallis with q > 1): the constrained step then lands on the boundary, which "
            "MD's interior form x+ = psi(y + nu 1) does not represent. A smaller eta helps only while the "
            "iterates stay away from the boundary; a regularizer whose gradient diverges there (negative "
            "entropy, log barrier, Tsallis with q < 1) always has an interior step"
        )

    def _check_in_domain(self, ctx, x):
        if not ctx.guards_domain:
            return
        if not all(_is_real(ctx, xi) for xi in x) or (
            self.domain is not Domain.REALS and not all(xi > 0 for xi in x)
        ) or (self.domain is Domain.BOX and not all(xi < 1 for xi in x)):
            raise DomainError(
                f"an MD iterate left {self.domain.describe()}: x = {[ctx.nstr(v, 8) for v in x]}; the step "
                "size is too large for this regularizer and objective, reduce eta"
            )


def _is_real(ctx, value) -> bool:
    return isinstance(value, type(ctx.mpf(0))) and ctx.isfinite(value)
