"""phi(x) = ||x||_p^2 / 2 on R^n, 1 < p <= 2 (the p-norm algorithm of Gentile and Grove, Littlestone,
Schuurmans). Not separable, so its inverse mirror map is computed by Newton."""

import sympy as sp

from mdtheory.errors import NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.parsing import exact_real
from mdtheory.symbolic.regularizer import Regularizer


def p_norm(n: int, p="3/2") -> Regularizer:
    p = exact_real(p)
    if not 1 < p <= 2:
        raise NotStrictlyConvexError(f"p_norm needs 1 < p <= 2 for strict convexity, got p = {p}")
    x = make_variables(n, Domain.REALS)
    phi = sum(sp.Abs(xi) ** p for xi in x) ** (2 / p) / 2
    return Regularizer(f"p_norm(p={p})", phi, x, Domain.REALS)
