"""The inner problems of a saddle point's duality gap, max_y f(xbar, y) and min_x f(x, ybar), and of a monotone
variational inequality's gap function max_u <F(u), zbar - u>: a smooth concave g(u; p) maximized over u in R^n or
in a product of probability simplices (``blocks``: their dimensions) at the working precision of one rung.

On R^n: Newton's method on grad g = 0 (one step is exact for a quadratic g), kept only where -Hessian is
positive definite at the point reached (for a concave g a stationary point is then the maximum). On simplices:
for every face S (a support in each simplex), Newton's method on the KKT system grad_i g(u) = lambda_b for i in S
of block b, sum u_S = 1 per block, u = 0 off S; a point is kept where u_S >= 0 and grad_i g <= lambda_b off S (the
KKT conditions, sufficient for a concave g), the largest kept value returned. An LP (g linear) is solved at a vertex, whose KKT system is never singular.
Where no point passes, the value is nan: the ladder resolves no digit of it and a claim on it is inconclusive.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import sympy as sp

from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.errors import MDTheoryError

NEWTON_ITERATIONS = 60  # a quadratic g converges in one step; a smooth one quadratically near its maximum
CONVERGED_BITS_SPARED = 10  # a Newton step below 2^-(prec - 10) of the point's size has converged
KKT_SLACK_FRACTION = 2  # the KKT inequalities are checked to 2^-(prec / 2): a tie at a face is a tie
MAX_FACES = 1024  # a product of simplices of dimensions d_b has prod_b (2^d_b - 1) faces, each tried


class ConcaveMaximum:
    """max over u of ``objective`` (concave in ``variables``, the rest ``parameters``) on the simplex or R^n."""

    def __init__(self, objective: sp.Expr, variables: Sequence[sp.Symbol], parameters: Sequence[sp.Symbol],
                 on_simplex: bool, blocks: tuple[int, ...] | None = None):
        variables = tuple(variables)
        self.blocks = blocks or (len(variables),)
        if on_simplex and math.prod(2 ** d - 1 for d in self.blocks) > MAX_FACES:
            raise MDTheoryError(f"the inner problem on simplices of dimensions {self.blocks} tries every face; at "
                                f"most {MAX_FACES} faces are offered (fewer strategies)")
        gradient = [sp.diff(objective, v) for v in variables]
        hessian = [sp.diff(g, v) for g in gradient for v in variables]
        self.dim = len(variables)
        self.on_simplex = on_simplex
        self.quadratic = not any(h.free_symbols & set(variables) for h in hessian)
        self._evaluate = CompiledExpressions([objective, *gradient, *hessian], (*variables, *parameters))

    def how(self) -> str:
        if self.on_simplex:
            where = "the simplex" if len(self.blocks) == 1 else "the product of the simplices"
            return f"Newton's method on the KKT system of every face of {where}, the largest value at a KKT point kept"
        return ("the stationary point, " + ("one Newton step (exact for a quadratic)" if self.quadratic
                                            else "by Newton's method") + ", at a negative definite Hessian")

    def _at(self, ctx, u, parameters):
        out = self._evaluate(ctx, *u, *parameters)
        d = self.dim
        return out[0], out[1:1 + d], [out[1 + d + i * d:1 + d + (i + 1) * d] for i in range(d)]

    def __call__(self, ctx, parameters, start) -> object:
        """The maximum's value at the working precision of ``ctx`` (nan where no point passes)."""
        if self.on_simplex:
            starts = [sum(self.blocks[:b]) for b in range(len(self.blocks))]
            supports = [[tuple(start + i for i in face) for size in range(1, d + 1)
                         for face in itertools.combinations(range(d), size)] for start, d in zip(starts, self.blocks)]
            values = [v for faces in itertools.product(*supports)
                      if (v := self._on_face(ctx, faces, parameters)) is not None]
            return max(values) if values else ctx.nan
        value = self._on_space(ctx, [ctx.mpf(v) for v in start], parameters)
        return ctx.nan if value is None else value

    def _converged(self, ctx, step, point) -> bool:
        size = 1 + max((abs(v) for v in point), default=0)
        return max(abs(s) for s in step) <= size * ctx.ldexp(1, CONVERGED_BITS_SPARED - ctx.prec)

    def _on_space(self, ctx, u, parameters):
        for _ in range(NEWTON_ITERATIONS):
            _, gradient, hessian = self._at(ctx, u, parameters)
            try:
                step = ctx.lu_solve(ctx.matrix(hessian), ctx.matrix([-g for g in gradient]))
            except ZeroDivisionError:
                return None
            u = [a + b for a, b in zip(u, step)]
            if self._converged(ctx, step, u):
                value, _, hessian = self._at(ctx, u, parameters)
                try:
                    ctx.cholesky(-ctx.matrix(hessian))
                except ValueError:  # not negative definite: a saddle or a flat direction, not a certified maximum
                    return None
                return value
        return None

    def _on_face(self, ctx, faces: tuple, parameters):
        """The KKT point on one face (``faces``: the support in each simplex), or None."""
        face = [i for support in faces for i in support]
        block = {i: b for b, support in enumerate(faces) for i in support}
        k, blocks = len(face), len(faces)
        u = [ctx.mpf(0)] * self.dim
        for support in faces:
            for i in support:
                u[i] = ctx.mpf(1) / len(support)
        _, gradient, _ = self._at(ctx, u, parameters)
        lam = [ctx.fsum(gradient[i] for i in support) / len(support) for support in faces]
        for _ in range(NEWTON_ITERATIONS):
            _, gradient, hessian = self._at(ctx, u, parameters)
            jacobian = ctx.matrix(k + blocks, k + blocks)
            for a, i in enumerate(face):
                for b, j in enumerate(face):
                    jacobian[a, b] = hessian[i][j]
                jacobian[a, k + block[i]] = -1
                jacobian[k + block[i], a] = 1
            residual = ctx.matrix([*(lam[block[i]] - gradient[i] for i in face),
                                   *(1 - ctx.fsum(u[i] for i in support) for support in faces)])
            try:
                step = ctx.lu_solve(jacobian, residual)
            except ZeroDivisionError:  # g flat along the face: its maximum is on a smaller face
                return None
            for a, i in enumerate(face):
                u[i] += step[a]
            lam = [v + step[k + b] for b, v in enumerate(lam)]
            if self._converged(ctx, step, u):
                break
        else:
            return None
        value, gradient, _ = self._at(ctx, u, parameters)
        scale = 1 + max(abs(g) for g in gradient)
        slack = ctx.ldexp(scale, -(ctx.prec // KKT_SLACK_FRACTION))
        starts = [sum(self.blocks[:b]) for b in range(len(self.blocks))]
        off = [(i, b) for b, (start, d) in enumerate(zip(starts, self.blocks)) for i in range(start, start + d)
               if i not in block]
        if any(u[i] < -slack for i in face) or any(gradient[i] > lam[b] + slack for i, b in off):
            return None
        return value


@functools.cache
def concave_maximum(objective: sp.Expr, variables: tuple, parameters: tuple, on_simplex: bool,
                    blocks: tuple[int, ...] | None = None) -> ConcaveMaximum:
    return ConcaveMaximum(objective, variables, parameters, on_simplex, blocks)
