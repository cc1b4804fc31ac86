"""The objective f as the engine evaluates it: value, gradient, Hessian and Hessian-vector product at
(x, f's parameters) in a context. ``ObjectiveOracle`` is the interface; ``CompiledObjective`` serves it from
a compiled model, and a hand-written oracle stands in for an objective too large to compile."""

from __future__ import annotations

from mdtheory.engine.codegen import CompiledModel
from mdtheory.engine.domain_checks import is_real
from mdtheory.errors import DomainError


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


class CompiledObjective(ObjectiveOracle):
    """f from a compiled model: the reference every hand-written oracle is tested against."""

    def __init__(self, model: CompiledModel):
        self.model = model

    def value(self, ctx, x, params):
        value = self.model.objective(ctx, *x, *params)[0]
        if ctx.guards_domain and not _finite_real(ctx, value):
            raise _undefined(ctx, "f", x, [value])
        return value

    def gradient(self, ctx, x, params) -> list:
        gradient = self.model.objective_gradient(ctx, *x, *params)
        if ctx.guards_domain and not all(_finite_real(ctx, g) for g in gradient):
            raise _undefined(ctx, "grad f", x, gradient)
        return gradient

    def hessian(self, ctx, x, params) -> list:
        return self.model.objective_hessian(ctx, *x, *params)


def _finite_real(ctx, value) -> bool:
    """A finite real number of ``ctx``, or an exact integer (a compiled constant piece, such as a
    subgradient 1 of max)."""
    return isinstance(value, int) or is_real(ctx, value)


def _undefined(ctx, what: str, x, values) -> DomainError:
    """f is not a finite real number at a point the run reached (atanh(2 x) past x = 1/2, log(x) at x <= 0 on
    R^n): the run left where f is defined. float64 runs, which do not guard the domain, propagate nan as user
    code would."""
    shown = lambda v: ctx.nstr(v, 8) if is_real(ctx, v) else str(v)
    return DomainError(f"objective: {what} is not a finite real number at x = [{', '.join(shown(v) for v in x)}] "
                       f"({what} = {', '.join(shown(v) for v in values)}): the run left where f is defined; restrict "
                       "the domain, start elsewhere or reduce eta so that the run stays where f is real")
