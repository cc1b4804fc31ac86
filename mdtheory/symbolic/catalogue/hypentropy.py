"""Hypentropy phi(x) = sum_i x_i asinh(x_i / beta) - sqrt(x_i^2 + beta^2), beta > 0 (Ghai, Hazan, Singer)."""

import sympy as sp

from mdtheory.errors import NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.parsing import exact_real
from mdtheory.symbolic.regularizer import Regularizer


def hypentropy(n: int, beta="1") -> Regularizer:
    beta = exact_real(beta)
    if beta <= 0:
        raise NotStrictlyConvexError(f"hypentropy needs beta > 0, got {beta}")
    x = make_variables(n, Domain.REALS)
    phi = sum(xi * sp.asinh(xi / beta) - sp.sqrt(xi**2 + beta**2) for xi in x)
    return Regularizer(f"hypentropy(beta={beta})", phi, x, Domain.REALS)
