"""phi(x) = x^T A x / 2 on R^n, A symmetric positive definite: preconditioned gradient descent."""

import sympy as sp

from mdtheory.errors import NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.parsing import exact_real
from mdtheory.symbolic.regularizer import Regularizer


def mahalanobis(A) -> Regularizer:
    """``A`` is a square matrix of exact entries (ints, Rationals or strings such as "1/3")."""
    matrix = sp.Matrix([[exact_real(a) for a in row] for row in A])
    if not matrix.is_square or matrix != matrix.T:
        raise NotStrictlyConvexError(f"A must be a symmetric square matrix, got {matrix.tolist()}")
    x = make_variables(matrix.rows, Domain.REALS)
    column = sp.Matrix(x)
    return Regularizer("mahalanobis", sp.expand((column.T * matrix * column)[0, 0] / 2), x, Domain.REALS)
