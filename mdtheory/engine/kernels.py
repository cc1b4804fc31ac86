"""Mirror Descent's step, Jacobian and tangent in any context, composed from the compiled model.

One kernel serves every precision: methods take the context to evaluate in. Its pieces:
- the compiled maps of the derived model (``symbolic.model``, compiled once in ``engine.codegen``);
- the objective, compiled or a hand-written oracle (``engine.objective``);
- the inverse solver, a closed form with an image check or Newton (``engine.inverse``);
- on the simplex, the multiplier of a non-multiplicative normalization (``engine.simplex``);
- the domain and convexity checks (``engine.domain_checks``).
The step is the symbolic closed form where the symbolic layer found one valid on all dual points; otherwise
the dual step followed by the inverse.
"""

from __future__ import annotations

from mdtheory.engine.codegen import compiled_geometry, compiled_model
from mdtheory.engine.domain_checks import check_in_domain, check_strictly_convex_at
from mdtheory.engine.inverse import InverseSolver
from mdtheory.engine.objective import CompiledObjective, ObjectiveOracle
from mdtheory.engine.simplex import SimplexMultiplier
from mdtheory.errors import OverflowGuardError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.model import derive_geometry, derive_model


class MirrorDescentKernel:
    """Compiled step, Jacobian and objective of ``md`` (parameters of the objective passed at call time).
    With an ``oracle`` the objective's sympy form is never compiled: only phi's geometry is derived."""

    def __init__(self, md: MirrorDescent, oracle: ObjectiveOracle | None = None):
        self.md = md
        self.oracle = oracle
        # the compiled model (none with an oracle: f is then never derived), its compiled geometry, and the
        # derived geometry those maps came from
        self.model = compiled_model(derive_model(md)) if oracle is None else None
        self.maps = self.model.geometry if self.model is not None else compiled_geometry(derive_geometry(md.regularizer))
        self.geometry = self.maps.geometry
        self.f = oracle if oracle is not None else CompiledObjective(self.model)
        # plain attributes, not properties: the step and the tangent read them every iteration
        self.domain, self.dim, self.separable = self.geometry.domain, self.geometry.dim, self.geometry.separable
        self.inverse = InverseSolver(self.maps)
        self.normalize = SimplexMultiplier(self.inverse) if self.domain is Domain.SIMPLEX else None
        self.closed_form_step = self.model.step if self.model is not None else None
        # Step and Jacobian are closed forms: both run elementwise on numpy arrays of many points at once.
        self.has_closed_form_step = self.closed_form_step is not None and self.model.step_jacobian is not None
        # Where strict convexity was only sampled, not proved, every iterate a verdict rests on is checked.
        self.checks_convexity_along_run = self.geometry.convexity.method != "symbolic"

    # ----------------------------------------------------------------- evaluation
    def objective(self, ctx, x, params=()):
        return self.f.value(ctx, list(x), list(params))

    def objective_gradient(self, ctx, x, params=()):
        return self.f.gradient(ctx, list(x), list(params))

    def objective_hessian(self, ctx, x, params=()):
        return self.f.hessian(ctx, list(x), list(params))

    def mirror_map(self, ctx, x):
        return self.maps.mirror_map(ctx, *x)

    def regularizer_value(self, ctx, x):
        return self.maps.phi(ctx, *x)[0]

    def regularizer_hessian(self, ctx, x):
        return self.maps.hessian(ctx, *x)

    def dual_point(self, ctx, x, eta, params=()):
        """grad phi(x) - eta grad f(x): the dual point the step inverts."""
        if self.model is not None:
            return self.model.dual_step(ctx, *x, eta, *params)
        gradient = self.oracle.gradient(ctx, list(x), list(params))
        return [g - eta * df for g, df in zip(self.maps.mirror_map(ctx, *x), gradient)]

    # ----------------------------------------------------------------- the step and its derivatives
    def step(self, ctx, x, eta, params=()):
        """x+ from x."""
        if self.closed_form_step is not None:
            try:
                x_next = self.closed_form_step(ctx, *x, eta, *params)
            except OverflowGuardError:
                raise  # exp's argument guard, not the image of grad phi: its own message names the limit
            except (ZeroDivisionError, ValueError):
                raise self.inverse.outside_image(ctx, self.dual_point(ctx, x, eta, params)) from None
        else:
            y = self.dual_point(ctx, x, eta, params)
            x_next = self.normalize(ctx, y, x) if self.normalize is not None else self.inverse(ctx, y, x)
        if self.domain is Domain.SIMPLEX:
            total = sum(x_next)
            x_next = [xi / total for xi in x_next]
        check_in_domain(ctx, x_next, self.domain)
        return x_next

    def closed_form_jacobian(self, ctx, x, eta, params=()):
        """d x+ / d x at x as rows of entries (no matrix type), for batches of points; needs a closed-form step."""
        return self.model.step_jacobian(ctx, *x, eta, *params)

    def jacobian(self, ctx, x, x_next, eta, params=()):
        """d x+ / d x at x (x_next = step(x))."""
        if self.has_closed_form_step:
            return ctx.as_matrix(self.closed_form_jacobian(ctx, x, eta, params))
        hess_x = self.maps.hessian(ctx, *x)
        hess_f = self.objective_hessian(ctx, x, params)
        forward = ctx.as_matrix([[hess_x[i][j] - eta * hess_f[i][j] for j in range(self.dim)] for i in range(self.dim)])
        hess_next = self.maps.hessian(ctx, *x_next)
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
            if self.has_closed_form_step or self.domain is Domain.SIMPLEX:
                return ctx.matvec(self.jacobian(ctx, x, x_next, eta, params), w)
            hess_x = self.maps.hessian(ctx, *x)
            hess_f_w = self.f.hessian_vector(ctx, list(x), list(params), w)
            forward = [ctx.fsum(h * wj for h, wj in zip(row, w)) - eta * hw for row, hw in zip(hess_x, hess_f_w)]
            return ctx.solve(ctx.as_matrix(self.maps.hessian(ctx, *x_next)), forward)
        hess_f_w = self.f.hessian_vector(ctx, list(x), list(params), w)
        forward = [h * wi - eta * hw for h, wi, hw in zip(self.maps.curvature(ctx, *x), w, hess_f_w)]
        weights = [1 / h for h in self.maps.curvature(ctx, *x_next)]
        if self.domain is not Domain.SIMPLEX:
            return [u * f for u, f in zip(weights, forward)]
        mean = ctx.fsum(u * f for u, f in zip(weights, forward)) / ctx.fsum(weights)
        return [u * (f - mean) for u, f in zip(weights, forward)]

    def check_strictly_convex_at(self, ctx, x, where: str):
        """Raise NotStrictlyConvexError unless Hess phi(x) is positive definite in ``ctx``."""
        check_strictly_convex_at(ctx, self.maps, x, where)
