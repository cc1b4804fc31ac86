"""Ball-arithmetic certificates: bounds that are proofs, and honest failure when none can be produced."""

import pytest
import sympy as sp
from flint import arb

from mdtheory.checker.certify import (
    enclose_trajectory,
    entropic_linear_amplification,
    exact_ball,
    round_down,
)
from mdtheory.engine.context import flint_precision
from mdtheory.engine.closed_forms import GroupedSimplexStart
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.symbolic.catalogue import euclidean, hypentropy
from mdtheory.symbolic.mirror_descent import MirrorDescent, affine_step
from mdtheory.symbolic.objectives import quadratic
from mdtheory.symbolic.parsing import exact_number


@pytest.mark.parametrize("text", ["2.4962447426e29", "-3.75", "1.999999999999999", "7e-12", "1000", "1/3"])
def test_round_down_never_exceeds_the_ball(text):
    with flint_precision(200):
        ball = exact_ball(text)
        printed = round_down(ball, 6)
        assert exact_number(printed) <= exact_number(text)
        assert exact_number(text) - exact_number(printed) <= abs(exact_number(text)) * sp.Rational(1, 10**5)


def test_kl_peak_certificate_proves_the_formula_and_nothing_more():
    delta = exact_number("1e-6")
    start = GroupedSimplexStart((1, 2), (delta, (1 - delta) / 2), (0, 1), (2, -1))
    peak = 1 / (4 * delta * (1 - delta))
    certificates = entropic_linear_amplification(start, "1/4", 55, "1e-40", 256)
    for certificate in certificates.values():
        lower = exact_number(certificate.lower_bound)
        assert lower >= sp.Rational(99, 100) * peak  # proved
        assert lower <= peak  # and not more than the continuous peak allows


def test_enclosure_contains_the_exact_rational_iterates():
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[2, 1], [0, 1]], [1, -1]))
    eta = sp.Rational(1, 7)
    M, m = affine_step(md, eta)
    boxes = enclose_trajectory(MirrorDescentKernel(md), [3, -2], eta, 30, 256)
    exact = sp.Matrix([3, -2])
    with flint_precision(256):
        for box in boxes[1:]:
            exact = M * exact + m
            assert all(b.contains(exact_ball(e)) for b, e in zip(box, exact))
            assert max(b.rad() for b in box) < arb(10) ** -60


def test_enclosure_through_newton_inverse_is_tight():
    # hypentropy's inverse is closed form, but the Krawczyk step does not know: it encloses grad phi(x) = y.
    reg = hypentropy(2, "1/2")
    md = MirrorDescent(reg, quadratic(reg.variables, [[1, 0], [1, 2]], [0, 1]))
    boxes = enclose_trajectory(MirrorDescentKernel(md), ["1/2", "-1"], sp.Rational(1, 10), 50, 256)
    with flint_precision(256):
        assert max(b.rad() for b in boxes[-1]) < arb(10) ** -50


def test_no_certificate_when_the_balls_are_wider_than_the_perturbation():
    # A perturbation of 1e-30 is below the width of 64-bit balls: the enclosures overlap and no positive
    # lower bound on the amplification can be proved, however much the map expands.
    from mdtheory.checker.certify import separation_lower_bound
    from mdtheory.symbolic.objectives import Objective

    reg = euclidean(1)
    md = MirrorDescent(reg, Objective("expanding", -reg.variables[0] ** 2, reg.variables))
    kernel = MirrorDescentKernel(md)
    eps = sp.Rational(1, 10**30)
    a = enclose_trajectory(kernel, ["1/3"], sp.Rational(1, 2), 40, 64)
    b = enclose_trajectory(kernel, [sp.Rational(1, 3) + eps], sp.Rational(1, 2), 40, 64)
    with flint_precision(64):
        bound = separation_lower_bound(a[-1], b[-1], exact_ball(eps))
    assert bound is None or exact_number(bound) <= 0
    # At 256 bits the same statement is proved: the amplification is exactly 2^40.
    a = enclose_trajectory(kernel, ["1/3"], sp.Rational(1, 2), 40, 256)
    b = enclose_trajectory(kernel, [sp.Rational(1, 3) + eps], sp.Rational(1, 2), 40, 256)
    with flint_precision(256):
        bound = exact_number(separation_lower_bound(a[-1], b[-1], exact_ball(eps)))
    assert sp.Rational(999999, 10**6) * 2**40 <= bound <= 2**40
