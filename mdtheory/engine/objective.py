"""The objective f as the engine evaluates it: value, gradient, Hessian and Hessian-vector product at
(x, f's parameters) in a context. ``ObjectiveOracle`` is the interface; ``CompiledObjective`` serves it from
a compiled model, and a hand-written oracle stands in for an objective too large to compile."""

from __future__ import annotations

from mdtheory.engine.codegen import CompiledModel


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
        return self.model.objective(ctx, *x, *params)[0]

    def gradient(self, ctx, x, params) -> list:
        return self.model.objective_gradient(ctx, *x, *params)

    def hessian(self, ctx, x, params) -> list:
        return self.model.objective_hessian(ctx, *x, *params)
