"""phi(x) = sum_i x_i log x_i: on the simplex, the KL geometry (exponentiated gradient)."""

import sympy as sp

from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.regularizer import Regularizer


def negative_entropy(n: int, domain: Domain | str = Domain.SIMPLEX) -> Regularizer:
    domain = Domain.parse(domain)
    x = make_variables(n, domain)
    return Regularizer("negative_entropy", sum(xi * sp.log(xi) for xi in x), x, domain)
