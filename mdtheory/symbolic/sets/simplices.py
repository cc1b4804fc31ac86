"""``domain = "simplices"``, ``blocks = [k1, k2, ...]``: a product of probability simplices, the coordinates
taken in blocks of the given sizes, each block summing to 1. For the negative entropy (phi = c sum x log x on the
positive orthant) the Bregman (KL) projection is normalization block by block, so that MD is one softmax step
per block."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import DomainError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.sets import ConstraintSet, register


@register
@dataclass(frozen=True)
class Simplices(ConstraintSet):
    blocks: tuple
    name = "simplices"
    keys = {"blocks": True}
    regularizer_domain = Domain.POSITIVE
    full_dimensional = False

    @classmethod
    def from_table(cls, table, n, number, numbers):
        blocks = table["blocks"]
        if (not isinstance(blocks, list) or not blocks
                or not all(isinstance(b, int) and not isinstance(b, bool) and b >= 1 for b in blocks)):
            raise DomainError(f"[problem] blocks: expected a list of block sizes (integers >= 1), got {blocks!r}")
        if sum(blocks) != n:
            raise DomainError(f"[problem] blocks: the block sizes sum to {sum(blocks)}, but there are {n} variables; "
                              "give one size per simplex, summing to the number of variables")
        return cls(tuple(blocks))

    def _spans(self):
        start = 0
        for size in self.blocks:
            yield range(start, start + size)
            start += size

    def check_regularizer(self, regularizer):
        from mdtheory.symbolic.regularizer import hessian

        matrix, x = hessian(regularizer), regularizer.variables
        scales = {sp.simplify(matrix[i, i] * x[i]) for i in range(len(x))}
        off_diagonal = any(matrix[i, j] != 0 for i in range(len(x)) for j in range(len(x)) if i != j)
        if (regularizer.domain is not Domain.POSITIVE or off_diagonal or len(scales) != 1
                or not next(iter(scales)).is_positive):
            raise DomainError(f"[problem] regularizer: on domain = \"simplices\" the Bregman projection is "
                              f"normalization block by block, which holds for the negative entropy (Hess phi = "
                              f"c diag(1/x)), not for {regularizer.name!r}; use regularizer = \"negative_entropy\"")

    def check_point(self, point, what):
        bad = next((i for i, v in enumerate(point) if not v >= 0), None)
        if bad is not None:
            raise DomainError(f"{what} is outside {self.describe()}: coordinate {bad} is {point[bad]}, which must be "
                              ">= 0")
        for k, span in enumerate(self._spans()):
            total = sum(point[i] for i in span)
            if sp.simplify(total - 1) != 0:
                raise DomainError(f"{what} is outside {self.describe()}: block {k} (coordinates {span.start}.."
                                  f"{span.stop - 1}) sums to {total}, not 1; normalize each block")

    def check_direction(self, direction):
        super().check_direction(direction)
        for k, span in enumerate(self._spans()):
            total = sum(direction[i] for i in span)
            if total != 0:
                raise DomainError(f"the perturbation leaves {self.describe()}: its block {k} sums to {total}, not 0; "
                                  "use a direction that sums to 0 in each block")

    def default_direction(self, n):
        span = next((span for span in self._spans() if len(span) > 1), None)
        if span is None:
            return super().default_direction(n)  # every block is one point: refused by check_direction
        return [sp.Integer(int(i == span.start)) - sp.Integer(int(i == span.start + 1)) for i in range(n)]

    def describe(self):
        return f"the product of simplices with blocks {list(self.blocks)}"

    def projection_text(self):
        return f"x+ = y normalized to sum 1 in each block {list(self.blocks)} (KL projection)"

    def project(self, ctx, y):
        out = list(y)
        for span in self._spans():
            total = ctx.fsum(y[i] for i in span)
            for i in span:
                out[i] = y[i] / total
        return out

    def project_tangent(self, ctx, y, w, at_kink="refuse"):
        """d (y_i / s) = (w_i - x_i sum w) / s in each block (s: the block's sum); smooth on the orthant."""
        out = list(w)
        for span in self._spans():
            total = ctx.fsum(y[i] for i in span)
            moved = ctx.fsum(w[i] for i in span)
            for i in span:
                out[i] = (w[i] - (y[i] / total) * moved) / total
        return out

    def optimality_gaps(self, ctx, g, x):
        """<g, e_j - x> within each block, at its vertices e_j: g_j - <g_b, x_b> >= 0."""
        values, magnitudes = [], []
        for span in self._spans():
            inner = ctx.fsum(g[i] * x[i] for i in span)
            size = ctx.fsum(abs(g[i] * x[i]) for i in span)
            for j in span:
                values.append(g[j] - inner)
                magnitudes.append(abs(g[j]) + size)
        return values, magnitudes

    def linear_minimum(self, ctx, g):
        """The sum over blocks of the block's smallest g_j, at a vertex of each simplex."""
        terms = [min(g[i] for i in span) for span in self._spans()]
        return ctx.fsum(terms), ctx.fsum(abs(v) for v in terms)

    def linear_minimizer(self, g):
        point = []
        for span in self._spans():
            block = [g[i] for i in span]
            low = min(block, key=lambda v: sp.N(v, 50))
            if sum(1 for v in block if v == low) > 1:
                return None
            point += [sp.Integer(int(v == low)) for v in block]
        return tuple(point)
