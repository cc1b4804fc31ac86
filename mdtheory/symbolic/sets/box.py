"""``domain = "box"``, ``lower = [...]``, ``upper = [...]``: the closed box {x : lower <= x <= upper}, for a
Euclidean phi (Hess phi = c I), whose Bregman projection is clipping coordinate by coordinate. Without bounds,
``domain = "box"`` stays the open unit box where the Fermi-Dirac entropy lives (a Legendre phi, no projection)."""

from __future__ import annotations

from dataclasses import dataclass

from mdtheory.errors import DomainError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.sets import ConstraintSet, euclidean_scale, register


@register
@dataclass(frozen=True)
class Box(ConstraintSet):
    lower: tuple
    upper: tuple
    name = "box"
    keys = {"lower": True, "upper": True}
    regularizer_domain = Domain.REALS

    @classmethod
    def from_table(cls, table, n, number, numbers):
        lower = tuple(numbers(table["lower"], "[problem] lower", n))
        upper = tuple(numbers(table["upper"], "[problem] upper", n))
        bad = next((i for i, (a, b) in enumerate(zip(lower, upper)) if not a < b), None)
        if bad is not None:
            raise DomainError(f"[problem] upper: coordinate {bad} is {upper[bad]}, not above lower = {lower[bad]}; "
                              "give lower < upper in every coordinate")
        return cls(lower, upper)

    def check_regularizer(self, regularizer):
        if regularizer.domain is not Domain.REALS or euclidean_scale(regularizer) is None:
            raise DomainError(f"[problem] regularizer: on domain = \"box\" with bounds the Bregman projection is "
                              f"clipping, which holds for a Euclidean phi (Hess phi = c I), not for "
                              f"{regularizer.name!r}; use regularizer = \"euclidean\" (or drop lower and upper for "
                              "the open unit box of the Fermi-Dirac entropy)")

    def check_point(self, point, what):
        bad = next((i for i, (v, a, b) in enumerate(zip(point, self.lower, self.upper)) if not a <= v <= b), None)
        if bad is not None:
            raise DomainError(f"{what} is outside {self.describe()}: coordinate {bad} is {point[bad]}, not in "
                              f"[{self.lower[bad]}, {self.upper[bad]}]; move it inside")

    def describe(self):
        return "the box lower <= x <= upper"

    def projection_text(self):
        return "x+ = min(max(y, lower), upper) (clipping: the Euclidean projection onto the box)"

    def project(self, ctx, y):
        return [min(max(v, ctx.exact(a)), ctx.exact(b)) for v, a, b in zip(y, self.lower, self.upper)]

    def project_tangent(self, ctx, y, w, at_kink="refuse"):
        out = []
        for i, (v, wi, a, b) in enumerate(zip(y, w, self.lower, self.upper)):
            a, b = ctx.exact(a), ctx.exact(b)
            at_bound = min(abs(v - a), abs(v - b)) <= self.kink_tolerance(ctx, abs(a) + abs(b))
            if at_bound and at_kink == "refuse":
                raise DomainError(f"the projection onto {self.describe()} is not differentiable where the mirror "
                                  f"step lands on a bound (coordinate {i} is {ctx.nstr(v, 12)}): the tangent "
                                  "(amplification) is undefined there; change eta or x0")
            out.append(wi if a < v < b and not at_bound else wi * 0)  # the active face: a clipped coordinate stays
        return out

    def optimality_gaps(self, ctx, g, x):
        """<g, v - x> at the vertices, coordinate by coordinate (the minimum over the box's vertices separates):
        g_i (lower_i - x_i) >= 0 and g_i (upper_i - x_i) >= 0."""
        values, magnitudes = [], []
        for gi, xi, a, b in zip(g, x, self.lower, self.upper):
            for bound in (ctx.exact(a), ctx.exact(b)):
                values.append(gi * (bound - xi))
                magnitudes.append(abs(gi) * (abs(bound) + abs(xi)))
        return values, magnitudes

    def linear_minimum(self, ctx, g):
        """sum_i min(g_i lower_i, g_i upper_i), at a corner (coordinate by coordinate)."""
        terms = [min(gi * ctx.exact(a), gi * ctx.exact(b)) for gi, a, b in zip(g, self.lower, self.upper)]
        return ctx.fsum(terms), ctx.fsum(abs(v) for v in terms)

    def linear_minimizer(self, g):
        if any(v == 0 for v in g):
            return None
        return tuple(a if v > 0 else b for v, a, b in zip(g, self.lower, self.upper))
