"""``domain = "marginals"``, ``rows = [a1, ..., am]``, ``columns = [b1, ..., bn]``: the transport polytope
{X >= 0 : X 1 = a, X^T 1 = b} of m x n plans with the given exact marginals (positive, summing to the same
total), the variables laid out row-major (x1 = X[1, 1], x2 = X[1, 2], ...). For the negative entropy (phi = c sum
x log x on the positive orthant) the Bregman (KL) projection of y > 0 is diag(u) Y diag(v), which has no closed
form: it is computed on each rung by Sinkhorn's alternating scaling until the marginals agree to the rung's
resolution, and its derivative by implicit differentiation of the scaling fixed point."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from mdtheory.errors import DomainError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.sets import ConstraintSet, register

# Sinkhorn stops once every row and column sum is within 2^(-prec + SINKHORN_SLACK_BITS) * total of its marginal
# (a few bits above the rung's rounding, which a sum of n entries reaches)
SINKHORN_SLACK_BITS = 8
# scalings (a row pass and a column pass) before the projection is refused: Sinkhorn converges linearly, at a
# rate set by the plan's smallest entries, so a plan this far from converging is degenerate for the rung
MAX_SINKHORN_ITERATIONS = 20000
# the vertices (the optimality test of a boundary x*, the exact argmin of a linear f) are enumerated over the
# supports of m + n - 1 cells: beyond this many candidate supports they are not computed
MAX_VERTEX_SUPPORTS = 5000


@register
@dataclass(frozen=True)
class Marginals(ConstraintSet):
    rows: tuple
    columns: tuple
    name = "marginals"
    keys = {"rows": True, "columns": True}
    regularizer_domain = Domain.POSITIVE
    full_dimensional = False

    @classmethod
    def from_table(cls, table, n, number, numbers):
        rows = tuple(numbers(table["rows"], "[problem] rows", None))
        columns = tuple(numbers(table["columns"], "[problem] columns", None))
        for key, values in (("rows", rows), ("columns", columns)):
            if len(values) < 2:
                raise DomainError(f"[problem] {key}: expected at least 2 marginals (with one the polytope is a single "
                                  f"point), got {len(values)}")
            bad = next((i for i, v in enumerate(values) if not v > 0), None)
            if bad is not None:
                raise DomainError(f"[problem] {key}: entry {bad} is {values[bad]}; every marginal must be positive")
        if len(rows) * len(columns) != n:
            raise DomainError(f"[problem] rows: {len(rows)} rows times {len(columns)} columns is "
                              f"{len(rows) * len(columns)} cells, but there are {n} variables; give one variable per "
                              "cell, row-major")
        if sp.simplify(sum(rows) - sum(columns)) != 0:
            raise DomainError(f"[problem] columns: the column marginals sum to {sum(columns)}, the rows to {sum(rows)}; "
                              "give marginals with the same total")
        return cls(rows, columns)

    def _cell(self, i, j):
        return i * len(self.columns) + j

    def check_regularizer(self, regularizer):
        from mdtheory.symbolic.regularizer import hessian

        matrix, x = hessian(regularizer), regularizer.variables
        scales = {sp.simplify(matrix[i, i] * x[i]) for i in range(len(x))}
        off_diagonal = any(matrix[i, j] != 0 for i in range(len(x)) for j in range(len(x)) if i != j)
        if (regularizer.domain is not Domain.POSITIVE or off_diagonal or len(scales) != 1
                or not next(iter(scales)).is_positive):
            raise DomainError(f"[problem] regularizer: on domain = \"marginals\" the Bregman projection is Sinkhorn's "
                              f"scaling, the KL projection of the negative entropy (Hess phi = c diag(1/x)), not of "
                              f"{regularizer.name!r}; use regularizer = \"negative_entropy\"")

    def check_point(self, point, what):
        bad = next((i for i, v in enumerate(point) if not v >= 0), None)
        if bad is not None:
            raise DomainError(f"{what} is outside {self.describe()}: coordinate {bad} is {point[bad]}, which must be "
                              ">= 0")
        self._check_sums(point, what, list(self.rows), list(self.columns), "the marginal")

    def _check_sums(self, point, what, rows, columns, wanted):
        m, n = len(self.rows), len(self.columns)
        for i in range(m):
            total = sum(point[self._cell(i, j)] for j in range(n))
            if sp.simplify(total - rows[i]) != 0:
                raise DomainError(f"{what}: row {i} (coordinates {self._cell(i, 0)}..{self._cell(i, n - 1)}) sums to "
                                  f"{total}, not {wanted} {rows[i]}; give a plan with the marginals of "
                                  f"{self.describe()}")
        for j in range(n):
            total = sum(point[self._cell(i, j)] for i in range(m))
            if sp.simplify(total - columns[j]) != 0:
                raise DomainError(f"{what}: column {j} sums to {total}, not {wanted} {columns[j]}; give a plan with "
                                  f"the marginals of {self.describe()}")

    def check_direction(self, direction):
        super().check_direction(direction)
        zeros = [0] * max(len(self.rows), len(self.columns))
        self._check_sums(direction, "the perturbation leaves the polytope", zeros, zeros, "the change")

    def default_direction(self, n):
        """A 2 x 2 cycle +1, -1 / -1, +1 in the top-left corner: every row and column sum is unchanged."""
        cycle = {self._cell(0, 0): 1, self._cell(0, 1): -1, self._cell(1, 0): -1, self._cell(1, 1): 1}
        return [sp.Integer(cycle.get(k, 0)) for k in range(n)]

    def describe(self):
        return (f"the transport polytope with row marginals {[str(v) for v in self.rows]} and column marginals "
                f"{[str(v) for v in self.columns]}")

    def projection_text(self):
        return ("x+ = diag(u) y diag(v) with the row and column marginals of the plan (KL projection: Sinkhorn's "
                "scaling to the rung's resolution)")

    def project(self, ctx, y):
        return self.sinkhorn(ctx, y)

    def sinkhorn(self, ctx, y):
        m, n = len(self.rows), len(self.columns)
        rows, columns = [ctx.exact(v) for v in self.rows], [ctx.exact(v) for v in self.columns]
        tolerance = ctx.fsum(rows) * ctx.ldexp(1, -ctx.prec + SINKHORN_SLACK_BITS)
        x = [list(y[i * n:(i + 1) * n]) for i in range(m)]
        error = None
        for _ in range(MAX_SINKHORN_ITERATIONS):
            for i in range(m):
                scale = rows[i] / ctx.fsum(x[i])
                x[i] = [v * scale for v in x[i]]
            for j in range(n):
                scale = columns[j] / ctx.fsum(x[i][j] for i in range(m))
                for i in range(m):
                    x[i][j] *= scale
            # the columns hold after their pass; the rows' error says how far the fixed point is
            error = max(abs(ctx.fsum(x[i]) - rows[i]) for i in range(m))
            if error <= tolerance:
                return [v for row in x for v in row]
        raise DomainError(f"[problem] rows, columns: Sinkhorn's scaling onto {self.describe()} did not bring the "
                          f"marginals within {ctx.nstr(tolerance, 3)} in {MAX_SINKHORN_ITERATIONS} iterations (error "
                          f"{ctx.nstr(error, 3)}) at {ctx.prec} bits: the mirror step's plan is too close to a face for "
                          "the projection to be resolved; reduce eta or move x0 away from zero entries")

    def project_tangent(self, ctx, y, w, at_kink="refuse"):
        """x_ij = y_ij exp(p_i + q_j) with X 1 = a and X^T 1 = b: differentiating,
        dx_ij = x_ij (w_ij / y_ij + dp_i + dq_j), and dp, dq solve the m + n - 1 linear equations that keep the
        marginals (dq_n = 0 fixes the one free shift p + c, q - c; the last column's equation follows from the
        others). Smooth on the open orthant, where the mirror step of the entropy lies: no kinks."""
        m, n = len(self.rows), len(self.columns)
        x = self.sinkhorn(ctx, y)
        z = [x[k] * w[k] / y[k] for k in range(m * n)]
        zero = ctx.mpf(0)
        system, rhs = [], []
        for i in range(m):  # row i: sum_j z_ij + a_i dp_i + sum_j x_ij dq_j = 0
            system.append([ctx.fsum(x[self._cell(i, j)] for j in range(n)) if r == i else zero for r in range(m)]
                          + [x[self._cell(i, j)] for j in range(n - 1)])
            rhs.append(-ctx.fsum(z[self._cell(i, j)] for j in range(n)))
        for j in range(n - 1):  # column j: sum_i z_ij + sum_i x_ij dp_i + b_j dq_j = 0
            system.append([x[self._cell(i, j)] for i in range(m)]
                          + [ctx.fsum(x[self._cell(i, j)] for i in range(m)) if c == j else zero for c in range(n - 1)])
            rhs.append(-ctx.fsum(z[self._cell(i, j)] for i in range(m)))
        solution = ctx.solve(ctx.as_matrix(system), rhs)
        dp, dq = list(solution[:m]), list(solution[m:]) + [zero]
        return [x[self._cell(i, j)] * (w[self._cell(i, j)] / y[self._cell(i, j)] + dp[i] + dq[j])
                for i in range(m) for j in range(n)]

    @cached_property
    def vertices(self) -> tuple:
        """The polytope's vertices, exact: each is the unique plan on a spanning tree of the m + n - 1 cells
        of its support (a basic feasible solution), found by peeling off the rows and columns with one cell."""
        m, n = len(self.rows), len(self.columns)
        supports = math.comb(m * n, m + n - 1)
        if supports > MAX_VERTEX_SUPPORTS:
            raise DomainError(f"the vertices of {self.describe()} are not enumerated for {m} x {n} plans ({supports} "
                              f"candidate supports, above the limit {MAX_VERTEX_SUPPORTS}); declare x* with "
                              "[solution] x and the claim's constants instead")
        found = []
        for support in itertools.combinations(range(m * n), m + n - 1):
            plan = _plan_on_tree(support, list(self.rows), list(self.columns), n)
            if plan is not None and plan not in found:
                found.append(plan)
        return tuple(found)

    def optimality_gaps(self, ctx, g, x):
        """<g, v - x> at the polytope's vertices v."""
        values, magnitudes = [], []
        size = ctx.fsum(abs(gi * xi) for gi, xi in zip(g, x))
        for vertex in self.vertices:
            v = [ctx.exact(c) for c in vertex]
            values.append(ctx.fsum(gi * (vi - xi) for gi, vi, xi in zip(g, v, x)))
            magnitudes.append(ctx.fsum(abs(gi * vi) for gi, vi in zip(g, v)) + size)
        return values, magnitudes

    def linear_minimum(self, ctx, g):
        """The smallest <g, v> over the polytope's vertices v."""
        values = [ctx.fsum(gi * ctx.exact(vi) for gi, vi in zip(g, v)) for v in self.vertices]
        best = min(values)
        return best, ctx.fsum(abs(gi) for gi in g) * ctx.fsum(ctx.exact(v) for v in self.rows)

    def linear_minimizer(self, g):
        values = [sp.nsimplify(sum(gi * vi for gi, vi in zip(g, v))) for v in self.vertices]
        low = min(values, key=lambda v: sp.N(v, 50))
        best = [v for v, value in zip(self.vertices, values) if sp.simplify(value - low) == 0]
        return best[0] if len(best) == 1 else None


def _plan_on_tree(support, rows, columns, n):
    """The plan with these marginals supported on ``support`` (cells k = i n + j), or None where the support is
    not a spanning tree of the rows and columns or the plan has a negative entry. Peels a row or column with a
    single open cell: that cell takes what the line still needs."""
    open_cells = set(support)
    plan = {}
    while open_cells:
        line = None
        for i in range(len(rows)):
            cells = [k for k in open_cells if k // n == i]
            if len(cells) == 1:
                line = cells[0], "row", i
                break
        if line is None:
            for j in range(len(columns)):
                cells = [k for k in open_cells if k % n == j]
                if len(cells) == 1:
                    line = cells[0], "column", j
                    break
        if line is None:
            return None  # a cycle: not a tree
        cell, kind, _ = line
        value = rows[cell // n] if kind == "row" else columns[cell % n]
        plan[cell] = value
        rows[cell // n] -= value
        columns[cell % n] -= value
        open_cells.remove(cell)
    if any(sp.simplify(v) != 0 for v in rows + columns) or any(v < 0 for v in plan.values()):
        return None
    return tuple(plan.get(k, sp.Integer(0)) for k in range(len(rows) * n))
