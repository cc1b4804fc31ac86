"""phi(x) = ||x||^2 / 2 on R^n: Mirror Descent is gradient descent."""


from mdtheory.symbolic.domains import Domain, make_variables
from mdtheory.symbolic.regularizer import Regularizer


def euclidean(n: int) -> Regularizer:
    x = make_variables(n, Domain.REALS)
    return Regularizer("euclidean", sum(xi**2 for xi in x) / 2, x, Domain.REALS)
