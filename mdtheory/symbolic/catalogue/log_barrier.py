"""phi(x) = -sum_i log x_i on the positive orthant (or the simplex)."""

import sympy as sp

from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.regularizer import Regularizer


def log_barrier(n: int, domain: Domain | str = Domain.POSITIVE) -> Regularizer:
    domain = Domain.parse(domain)
    x = make_variables(n, domain)
    return Regularizer("log_barrier", -sum(sp.log(xi) for xi in x), x, domain)
