"""``domain = "ball"``, ``radius = R``: the closed Euclidean ball {x : ||x|| <= R}, for a Euclidean phi
(Hess phi = c I), whose Bregman projection is the Euclidean one: y scaled to the sphere when ||y|| > R."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import DomainError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.sets import ConstraintSet, euclidean_scale, register


@register
@dataclass(frozen=True)
class Ball(ConstraintSet):
    radius: sp.Expr
    name = "ball"
    keys = {"radius": True}
    regularizer_domain = Domain.REALS

    @classmethod
    def from_table(cls, table, n, number, numbers):
        radius = number(table["radius"], "[problem] radius")
        if not radius > 0:
            raise DomainError(f"[problem] radius: must be positive, got {radius}")
        return cls(radius)

    def check_regularizer(self, regularizer):
        if regularizer.domain is not Domain.REALS or euclidean_scale(regularizer) is None:
            raise DomainError(f"[problem] regularizer: on domain = \"ball\" the Bregman projection is computed in "
                              f"closed form for a Euclidean phi (Hess phi = c I), not for {regularizer.name!r}; use "
                              "regularizer = \"euclidean\"")

    def check_point(self, point, what):
        norm2 = sum(v * v for v in point)
        if not norm2 <= self.radius ** 2:
            raise DomainError(f"{what} is outside the ball ||x|| <= {self.radius}: its squared norm is {norm2}; "
                              "move it inside")

    def describe(self):
        return f"the ball ||x|| <= {self.radius}"

    def projection_text(self):
        return f"x+ = y min(1, {self.radius}/||y||) (Euclidean projection onto ||x|| <= {self.radius})"

    def project(self, ctx, y):
        norm, radius = ctx.vector_norm(y), ctx.exact(self.radius)
        return list(y) if norm <= radius else [v * (radius / norm) for v in y]

    def project_tangent(self, ctx, y, w, at_kink="refuse"):
        norm, radius = ctx.vector_norm(y), ctx.exact(self.radius)
        at_sphere = abs(norm - radius) <= self.kink_tolerance(ctx, radius)
        if at_sphere and at_kink == "refuse":
            raise DomainError(f"the projection onto {self.describe()} is not differentiable where the mirror step "
                              f"lands on the sphere (||y|| = {ctx.nstr(norm, 12)}): the tangent (amplification, "
                              "separation's derivative) is undefined there; change eta or x0")
        if norm < radius and not at_sphere:
            return list(w)
        inner = ctx.fsum(a * b for a, b in zip(y, w)) / (norm * norm)
        return [(radius / norm) * (wi - yi * inner) for wi, yi in zip(w, y)]

    def optimality_gaps(self, ctx, g, x):
        """min over the ball of <g, v - x> = -R ||g|| - <g, x>: 0 exactly at a minimizer, negative elsewhere."""
        radius, inner = ctx.exact(self.radius), ctx.fsum(a * b for a, b in zip(g, x))
        bound = radius * ctx.vector_norm(g)
        return [-bound - inner], [bound + abs(inner)]

    def linear_minimum(self, ctx, g):
        """-R ||g||, at x = -R g/||g||."""
        value = ctx.exact(self.radius) * ctx.vector_norm(g)
        return -value, value

    def linear_minimizer(self, g):
        norm = sp.sqrt(sum(v * v for v in g))
        if norm == 0:
            return None
        return tuple(sp.radsimp(-self.radius * v / norm) for v in g)
