"""phi(x) = sum_i x_i log x_i + (1 - x_i) log(1 - x_i): the Fermi-Dirac entropy on the open unit box, whose
mirror map log(x/(1 - x)) diverges at both faces (MD with it is a coordinatewise logistic update)."""

import sympy as sp

from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.regularizer import Regularizer


def fermi_dirac(n: int, domain: Domain | str = Domain.BOX) -> Regularizer:
    domain = Domain.parse(domain)
    x = make_variables(n, domain)
    return Regularizer("fermi_dirac", sum(xi * sp.log(xi) + (1 - xi) * sp.log(1 - xi) for xi in x), x, domain)
