"""Tsallis entropy regularizer phi(x) = (1 - sum_i x_i^q) / (1 - q), q > 0, q != 1 (q -> 1 is entropy)."""

from mdtheory.errors import NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.parsing import exact_real
from mdtheory.symbolic.regularizer import Regularizer


def tsallis(n: int, q="1/2", domain: Domain | str = Domain.SIMPLEX) -> Regularizer:
    q = exact_real(q)
    if q <= 0 or q == 1:
        raise NotStrictlyConvexError(
            f"Tsallis index q = {q} is not allowed: need q > 0 and q != 1 (use negative_entropy for q = 1)"
        )
    domain = Domain.parse(domain)
    x = make_variables(n, domain)
    return Regularizer(f"tsallis(q={q})", (1 - sum(xi**q for xi in x)) / (1 - q), x, domain)
