"""phi(x) = ||x||_p^2 / 2 on R^n, 1 < p <= 2 (the p-norm algorithm of Gentile and Grove, Littlestone,
Schuurmans). Not separable, so its inverse mirror map is computed by Newton.

It is (p - 1)-strongly convex with respect to ||.||_p (Ball, Carlen & Lieb 1994; Shalev-Shwartz 2007, Lemma 17),
so the bounds that name sigma measure gradients in the dual norm ||.||_q, q = p/(p - 1) (``strong_convexity``)."""

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
    return Regularizer(f"{NAME}{p})", phi, x, Domain.REALS)


NAME = "p_norm(p="  # the regularizer's name up to p: ``strong_convexity`` reads p back from it


def strong_convexity(reg: Regularizer) -> tuple | None:
    """(p, sigma = p - 1, q = p/(p - 1)) for a p_norm regularizer: phi is sigma-strongly convex w.r.t. ||.||_p,
    whose dual norm is ||.||_q; None for any other regularizer."""
    if not reg.name.startswith(NAME):
        return None
    p = exact_real(reg.name[len(NAME):-1])
    return p, p - 1, p / (p - 1)
