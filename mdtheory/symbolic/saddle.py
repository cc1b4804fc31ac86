"""The symbolic layer of a saddle point min_x max_y f(x, y): its monotone operator and the mirror step of phi on
each player's block, derived with sympy (the saddle kind, ``problems.saddle``, and its methods compose them)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.mirror_descent import _primal
from mdtheory.symbolic.regularizer import Regularizer, mirror_map


@dataclass(frozen=True)
class SaddleGame:
    """min_x max_y f(x, y) with phi_x on x's block and phi_y on y's: the symbolic layer of a saddle method."""

    rows: Regularizer  # phi_x on x1..xm
    columns: Regularizer  # phi_y on y1..yn
    payoff: sp.Expr | None  # f(x, y); None for a variational inequality given by its operator
    parameters: tuple = ()
    given_operator: sp.ImmutableMatrix | None = None  # F(z) stated directly ([problem] operator), monotone

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        return (*self.rows.variables, *self.columns.variables)

    @functools.cached_property
    def operator(self) -> sp.Matrix:
        """F(z) = (grad_x f, -grad_y f): monotone for f convex in x and concave in y (or the stated F)."""
        if self.given_operator is not None:
            return sp.Matrix(self.given_operator)
        f = sp.Matrix([self.payoff])
        return sp.Matrix.vstack(f.jacobian(self.rows.variables).T, -f.jacobian(self.columns.variables).T)

    def operator_at(self, point) -> sp.Matrix:
        return self.operator.xreplace(dict(zip(self.variables, point)))

    def mirror_step(self, point, displacement) -> sp.Matrix:
        """argmin_u <displacement, u> + D_phi(u, point) on each block: grad phi(u) = grad phi(point) - displacement,
        in closed form from phi (normalized on the simplex)."""
        blocks, start = [], 0
        for reg in (self.rows, self.columns):
            here = list(point[start:start + reg.dim])
            dual = mirror_map(reg).xreplace(dict(zip(reg.variables, here))) - sp.Matrix(
                displacement[start:start + reg.dim])
            # held as dummies through the inverse mirror map, which substitutes its dual symbols (y1, y2, ...) one
            # by one: y's own coordinates (real on R^n) carry the same names
            held = {v: sp.Dummy(str(v), **v.assumptions0) for v in self.variables}
            primal = _primal(reg, dual.xreplace(held))
            primal = None if primal is None else primal.xreplace({d: v for v, d in held.items()})
            if primal is None:
                raise MDTheoryError(f"[problem] regularizer: the mirror step of {reg.name} on {reg.domain.describe()} "
                                    "has no closed form (a saddle method composes it); use the negative entropy on the "
                                    "simplex or the Euclidean phi on R^n")
            blocks.append(primal)
            start += reg.dim
        return sp.Matrix.vstack(*blocks)
