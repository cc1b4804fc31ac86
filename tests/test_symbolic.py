"""The symbolic layer: derivations from phi, inverse mirror maps, strict convexity, closed forms."""


import pytest
import sympy as sp

from mdtheory.errors import NotStrictlyConvexError
from mdtheory.symbolic.catalogue import euclidean, log_barrier, mahalanobis, negative_entropy
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.mirror_descent import (
    ETA,
    STEPS,
    MirrorDescent,
    affine_step,
    closed_form_t_step,
    md_step,
    normalization_is_multiplicative,
)
from mdtheory.symbolic.objectives import linear, quadratic
from mdtheory.symbolic.regularizer import (
    Regularizer,
    bregman_divergence,
    hessian,
    mirror_map,
    second_point,
    strict_convexity,
)

from .conftest import catalogue_cases

CLOSED_FORM = {
    "euclidean", "mahalanobis", "negative_entropy_simplex", "negative_entropy_orthant", "tsallis_simplex",
    "tsallis_orthant", "log_barrier", "log_barrier_simplex", "hypentropy",
}


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_catalogue_inverse_kind(name, reg):
    inverse = inverse_mirror_map(reg)
    assert inverse.is_closed_form == (name in CLOSED_FORM), inverse.note


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_catalogue_is_strictly_convex(name, reg):
    certificate = strict_convexity(reg)
    expected = "sampled" if name == "p_norm" else "symbolic"
    assert certificate.method == expected


def test_log_barrier_inverse_carries_its_domain_condition():
    inverse = inverse_mirror_map(log_barrier(1))
    (y,) = inverse.dual_variables
    assert inverse.expressions == (-1 / y,)
    assert inverse.conditions == (y < 0,)


def test_bregman_of_negative_entropy_is_kl_on_the_simplex():
    reg = negative_entropy(2)
    x, xp = reg.variables, second_point(reg)
    divergence = bregman_divergence(reg)
    point = {x[0]: sp.Rational(1, 3), x[1]: sp.Rational(2, 3), xp[0]: sp.Rational(1, 2), xp[1]: sp.Rational(1, 2)}
    kl = sp.Rational(1, 3) * sp.log(sp.Rational(2, 3)) + sp.Rational(2, 3) * sp.log(sp.Rational(4, 3))
    assert sp.simplify(divergence.subs(point) - kl) == 0


def test_bregman_of_euclidean_is_half_squared_distance():
    reg = euclidean(2)
    x, xp = reg.variables, second_point(reg)
    expected = ((x[0] - xp[0]) ** 2 + (x[1] - xp[1]) ** 2) / 2
    assert sp.expand(bregman_divergence(reg) - expected) == 0


def test_mirror_map_and_hessian_of_mahalanobis():
    reg = mahalanobis([[2, 1], [1, 3]])
    assert hessian(reg) == sp.Matrix([[2, 1], [1, 3]])
    assert mirror_map(reg) == sp.Matrix([[2, 1], [1, 3]]) * sp.Matrix(reg.variables)


def test_entropy_normalization_is_multiplicative_and_tsallis_is_not():
    from mdtheory.symbolic.catalogue import tsallis

    assert normalization_is_multiplicative(negative_entropy(3))
    assert not normalization_is_multiplicative(tsallis(3))


def test_entropy_linear_t_step_is_softmax():
    reg = negative_entropy(3)
    c = [1, sp.Rational(5, 2), -2]
    md = MirrorDescent(reg, linear(reg.variables, c))
    closed = closed_form_t_step(md)
    x = reg.variables
    weights = [x[i] * sp.exp(-ETA * STEPS * c[i]) for i in range(3)]
    softmax = sp.Matrix([w / sum(weights) for w in weights])
    assert sp.simplify(closed - softmax) == sp.zeros(3, 1)


def test_gd_on_quadratic_exact_iteration_matches_matrix_power_closed_form():
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[2, 1], [0, 1]], [1, -1]))
    eta = sp.Rational(1, 5)
    M, m = affine_step(md, eta)
    x = sp.Matrix([3, -2])
    step = md_step(md).subs(ETA, eta)
    iterate = x
    for _ in range(25):
        iterate = step.subs(dict(zip(reg.variables, iterate)))
    fixed = (sp.eye(2) - M).LUsolve(m)
    closed = fixed + M**25 * (x - fixed)
    assert iterate == closed  # exact rationals: no tolerance


def test_not_strictly_convex_is_refused_with_the_point():
    with pytest.raises(NotStrictlyConvexError, match="smallest eigenvalue"):
        strict_convexity(Regularizer.from_text("x1**4 - x1**2", 1, "reals"))
    with pytest.raises(NotStrictlyConvexError, match="never positive"):
        strict_convexity(Regularizer.from_text("sqrt(x1) + x2**2", 2, "positive"))
    with pytest.raises(NotStrictlyConvexError, match="not positive definite"):
        strict_convexity(mahalanobis([[1, 2], [2, 1]]))


def test_md_refuses_non_separable_phi_on_the_simplex():
    reg = Regularizer.from_text("(x1 + x2)**2 + x1**2 + x2**2", 2, "simplex")
    with pytest.raises(NotStrictlyConvexError, match="separable"):
        MirrorDescent(reg, linear(reg.variables, [1, 0]))


def test_user_regularizer_round_trip_spot_checks_use_domain_points():
    reg = Regularizer.from_text("x1*log(x1) - x1 + x2**2/2", 2, Domain.POSITIVE)
    inverse = inverse_mirror_map(reg)
    assert inverse.is_closed_form
    assert sp.simplify(inverse.expressions[0] - sp.exp(inverse.dual_variables[0])) == 0
