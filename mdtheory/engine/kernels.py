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

from dataclasses import dataclass

from mdtheory.engine.codegen import compiled_geometry, compiled_model
from mdtheory.engine.domain_checks import check_in_domain, check_strictly_convex_at
from mdtheory.engine.inverse import InverseSolver
from mdtheory.engine.objective import CompiledObjective, ObjectiveOracle
from mdtheory.engine.simplex import SimplexMultiplier
from mdtheory.errors import DomainError, MDTheoryError, NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import PLAIN_MD, MirrorDescent
from mdtheory.symbolic.model import derive_geometry, derive_model


@dataclass(frozen=True)
class FirstOrderResiduals:
    """A kernel's own first-order conditions at a point: ``residuals`` (each 0 at a minimizer), the
    ``magnitudes`` their uncertainty scales with, the ``objective`` they are about ("f + lambda ||x||_1, ...") and
    the ``condition`` they state ("0 in grad f(x*) + lambda d||x*||_1")."""

    residuals: list
    magnitudes: list
    objective: str
    condition: str


class MirrorDescentKernel:
    """Compiled step, Jacobian and objective of ``md`` (parameters of the objective passed at call time).
    With an ``oracle`` the objective's sympy form is never compiled: only phi's geometry is derived."""

    # False where nothing reads the run's tangent (a convergence or a regret claim): the run loop then skips it,
    # and a projection's kink takes the active face's derivative instead of stopping the run
    tangent_needed = True

    def __init__(self, md: MirrorDescent, oracle: ObjectiveOracle | None = None):
        if md.method != PLAIN_MD:  # running plain MD on a problem that names another method would be silent
            raise MDTheoryError(f"MirrorDescentKernel runs plain MD; this problem runs method {md.method!r}: build "
                                "its kernel with mdtheory.methods.kernel_for(problem)")
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

    # ------------------------------------------- the objective a claim is about: f alone, or f + a method's term
    # A method that minimizes f plus a term of its own (a composite method) overrides these three; the
    # convergence checker reads only them, never what the kernel is. Plain MD's answers: the objective is f.
    def first_order_residuals(self, ctx, x, params=()) -> FirstOrderResiduals | None:
        """The kernel's own first-order conditions at x, a ``FirstOrderResiduals`` (each residual 0 at a
        minimizer of ``objective``), or None: the objective is f, and the checker states its conditions (grad f
        = 0, the simplex multiplier, the variational inequality on the boundary)."""
        return None

    def minimizer_not_computed(self) -> str | None:
        """Why x* of ``objective`` cannot be computed (the error text; the claim must declare it), or None: the
        checker computes it (exactly for a linear f, by Newton on the optimality conditions otherwise)."""
        return None

    def objective_constants(self, ctx, x0) -> dict:
        """Constants a bound may name that the objective's own term adds, evaluated at the start x0 in ``ctx``:
        name -> (value, how it was obtained). None for f alone."""
        return {}

    def objective_gradient(self, ctx, x, params=()):
        return self.f.gradient(ctx, list(x), list(params))

    def objective_hessian(self, ctx, x, params=()):
        return self.f.hessian(ctx, list(x), list(params))

    def mirror_map(self, ctx, x):
        return self.maps.mirror_map(ctx, *x)

    def regularizer_value(self, ctx, x):
        return self.maps.phi(ctx, *x)[0]

    def regularizer_hessian(self, ctx, x):
        return self.hessian_at(ctx, x)  # no finiteness test: a certificate's wide ball may be unbounded

    def hessian_at(self, ctx, x, where: str = "", finite: bool = False):
        """Hess phi(x) as rows; a DomainError where evaluating it divides by zero (phi is not twice
        differentiable at x) or, with ``finite`` in a guarded context, where an entry is not finite (arb
        balls divide by zero without raising)."""
        return self._second_derivatives(self.maps.hessian, ctx, x, where, finite)

    def curvature_at(self, ctx, x, where: str = "", finite: bool = False):
        """diag Hess phi(x) of a separable phi, undefined points refused as in ``hessian_at``."""
        return self._second_derivatives(self.maps.curvature, ctx, x, where, finite)

    def _second_derivatives(self, compiled, ctx, x, where: str, finite: bool):
        try:
            values = compiled(ctx, *x)
        except MDTheoryError:
            raise  # a named error (an overflow guard) already says what happened
        except (ZeroDivisionError, ValueError) as err:
            raise self.hessian_undefined(ctx, x, where, err) from None
        if finite and ctx.guards_domain:
            entries = [h for row in values for h in row] if values and isinstance(values[0], list) else values
            if not all(ctx.isfinite(h) for h in entries):
                raise self.hessian_undefined(ctx, x, where)
        return values

    def hessian_undefined(self, ctx, x, where: str, err: Exception | None = None) -> DomainError:
        cause = f"evaluating it divides by zero ({type(err).__name__})" if err is not None else "an entry is not finite"
        return DomainError(
            f"Hess phi of {self.geometry.regularizer.name!r} is undefined at {where + ', ' if where else ''}"
            f"x = ({', '.join(ctx.nstr(v, 8) for v in x)}): {cause}. Either phi is not twice differentiable at this "
            "point (as |x_i|^p with p < 2 at a zero coordinate, e.g. p_norm) or its derived formula is 0/0 there. "
            "MD's Jacobian, the tangent and Newton's inverse all need Hess phi: start the run (x0 and the perturbed "
            "start) where phi is twice differentiable, e.g. off the coordinate hyperplanes")

    def dual_point(self, ctx, x, eta, params=()):
        """grad phi(x) - eta grad f(x): the dual point the step inverts."""
        try:
            if self.model is not None:
                return self.model.dual_step(ctx, *x, eta, *params)
            gradient = self.oracle.gradient(ctx, list(x), list(params))
            return [g - eta * df for g, df in zip(self.maps.mirror_map(ctx, *x), gradient)]
        except MDTheoryError:
            raise  # a named error (an overflow guard) already says what happened
        except (ZeroDivisionError, ValueError) as err:
            raise DomainError(
                f"the dual step grad phi(x) - eta grad f(x) cannot be evaluated at x = "
                f"({', '.join(ctx.nstr(v, 8) for v in x)}) ({type(err).__name__}: {err}): grad phi or grad f is "
                "undefined there (a singularity of f or phi, not a matter of the step size); start elsewhere "
                "or change f") from None

    # ----------------------------------------------------------------- the step and its derivatives
    def step(self, ctx, x, eta, params=()):
        """x+ from x."""
        x_next = None
        if self.closed_form_step is not None:
            try:
                x_next = self.closed_form_step(ctx, *x, eta, *params)
            except MDTheoryError:
                raise
            except (ZeroDivisionError, ValueError):
                # The composed formula can fail where the step is defined (0/0 in its simplified form); the
                # step as defined, the dual point and then the inverse, either succeeds or names the cause:
                # the dual point undefined at x, or outside the image of grad phi.
                x_next = None
        if x_next is None:
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
            try:
                return ctx.as_matrix(self.closed_form_jacobian(ctx, x, eta, params))
            except MDTheoryError:
                raise
            except (ZeroDivisionError, ValueError):
                pass  # the differentiated formula fails where the implicit form below may not (see step)
        hess_x = self.hessian_at(ctx, x)
        hess_f = self.objective_hessian(ctx, x, params)
        forward = ctx.as_matrix([[hess_x[i][j] - eta * hess_f[i][j] for j in range(self.dim)] for i in range(self.dim)])
        hess_next = self.hessian_at(ctx, x_next)
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
            hess_x = self.hessian_at(ctx, x)
            hess_f_w = self.f.hessian_vector(ctx, list(x), list(params), w)
            forward = [ctx.fsum(h * wj for h, wj in zip(row, w)) - eta * hw for row, hw in zip(hess_x, hess_f_w)]
            return ctx.solve(ctx.as_matrix(self.hessian_at(ctx, x_next)), forward)
        hess_f_w = self.f.hessian_vector(ctx, list(x), list(params), w)
        forward = [h * wi - eta * hw for h, wi, hw in zip(self.curvature_at(ctx, x), w, hess_f_w)]
        weights = [1 / h for h in self.curvature_at(ctx, x_next)]
        if self.domain is not Domain.SIMPLEX:
            return [u * f for u, f in zip(weights, forward)]
        mean = ctx.fsum(u * f for u, f in zip(weights, forward)) / ctx.fsum(weights)
        return [u * (f - mean) for u, f in zip(weights, forward)]

    def check_strictly_convex_at(self, ctx, x, where: str):
        """Raise NotStrictlyConvexError unless Hess phi(x) is positive definite in ``ctx``; a DomainError
        where Hess phi is undefined at x (a non-finite pivot is no evidence about convexity)."""
        try:
            check_strictly_convex_at(ctx, self.maps, x, where)
        except NotStrictlyConvexError:
            (self.curvature_at if self.separable else self.hessian_at)(ctx, x, where, finite=True)  # if undefined
            raise
        except MDTheoryError:
            raise  # a named error (an overflow guard) already says what happened
        except (ZeroDivisionError, ValueError) as err:
            raise self.hessian_undefined(ctx, x, where, err) from None
