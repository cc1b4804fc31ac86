"""The ball enclosure of the mirror flow (``engine.taylor_enclosure``, ``[run] enclosure = true``): the balls
contain the exact solution (closed forms evaluated in arb), are narrow, and make a bound "proved" at the stated
times only where every ball is under it."""

from fractions import Fraction

import pytest
import sympy as sp

from mdtheory.claimfile import load_claim
from mdtheory.engine.context import flint_precision
from mdtheory.engine.taylor_enclosure import BallSeriesContext, enclose
from mdtheory.engine.taylor_ode import taylor_order
from mdtheory.problems.mirror_flow import _compiled_flow, _MirrorFlow

from .helpers import EUCLIDEAN_FLOW_PROBLEM, run_cli

TIMES = [Fraction(1, 10), Fraction(1, 2), Fraction(1), Fraction(2), Fraction(5)]
# Euclidean phi, f = x^T A x/2 - b^T x, A = [[2, 1], [1, 2]], x* = (1, 0), x0 = (3, 0): X(t) - x* = e^{-3t} (1, 1)
# + e^{-t} (1, -1), and Z = X (tests/test_continuous_time.py derives it).
EUCLIDEAN = EUCLIDEAN_FLOW_PROBLEM + """
[run]
x0 = ["3", "0"]
times = ["1/10", "1/2", 1, 2, 5]
precision_bits = 64
enclosure = true

[solution]
x = ["1", "0"]

[claim]
kind = "upper_bound"
quantity = "{quantity}"
bound = "{bound}"
{expected}
"""
# Negative entropy on the simplex, f = <c, x>, c = (1, 2, 0): Z(t) = grad phi(x0) - t c exactly (grad f is constant).
ENTROPIC = EUCLIDEAN.replace('variables = ["x1", "x2"]', 'variables = ["x1", "x2", "x3"]').replace(
    'domain = "reals"', 'domain = "simplex"').replace('regularizer = "euclidean"', 'regularizer = "negative_entropy"'
).replace('"x1**2 + x1*x2 + x2**2 - 2*x1 - x2"', '"x1 + 2*x2"').replace('x0 = ["3", "0"]', 'x0 = ["1/2", "1/3", "1/6"]'
).replace('x = ["1", "0"]', 'x = ["0", "0", "1"]')


def enclosed(tmp_path, template, bits=128):
    path = tmp_path / "flow.toml"
    path.write_text(template.format(quantity="suboptimality", bound="10", expected=""))
    problem = load_claim(str(path)).problem
    compiled = _compiled_flow(problem.md, "mirror", None)
    with flint_precision(bits):
        ctx = BallSeriesContext(bits)
        start = compiled.mirror_map(ctx, *(ctx.exact(v) for v in problem.x0))
        return enclose(ctx, _MirrorFlow(ctx, compiled.primal, compiled.gradient).field, start, TIMES,
                            taylor_order(bits))


@pytest.mark.parametrize("template, exact", [
    (EUCLIDEAN, lambda t: [1 + sp.exp(-3 * t) + sp.exp(-t), sp.exp(-3 * t) - sp.exp(-t)]),
    (ENTROPIC, lambda t: [sp.log(sp.Rational(1, 2)) + 1 - t, sp.log(sp.Rational(1, 3)) + 1 - 2 * t,
                          sp.log(sp.Rational(1, 6)) + 1]),
], ids=["euclidean-quadratic", "entropic-linear"])
def test_the_balls_contain_the_exact_dual_solution_and_are_narrow(tmp_path, template, exact):
    duals = enclosed(tmp_path, template)
    with flint_precision(256):
        wide = BallSeriesContext(256)
        for t, z in zip(TIMES, duals):
            for ball, value in zip(z, exact(sp.Rational(t.numerator, t.denominator))):
                assert ball.contains(wide.exact(value)), (t, ball, value)
                assert ball.rad() < wide.exact(sp.Rational(1, 2**90)), (t, ball)  # 128 bits, less the wrapping


@pytest.mark.parametrize("quantity, bound", [("suboptimality", "D0/t"), ("bregman_to_solution", "D0"),
                                             ("distance_to_solution", "sqrt(2)")])
def test_a_bound_the_enclosure_puts_every_ball_under_is_proved_at_the_stated_times(tmp_path, quantity, bound):
    path = tmp_path / "rate.toml"
    path.write_text(ENTROPIC.format(quantity=quantity, bound=bound, expected='expected = "proved"'))
    code, output = run_cli(["check", str(path)])
    assert code == 0 and "verdict: proved" in output and "proved at the 5 stated times" in output, output


def test_a_bound_equal_to_the_exact_value_at_a_stated_time_is_not_proved(tmp_path):
    """f(X(t)) - f* = 3 e^{-6t} + e^{-2t} on the Euclidean instance: a bound equal to it at t = 1 (and above it
    elsewhere) cannot be proved by balls of positive radius, whatever the ladder says."""
    bound = "3*exp(-6*t) + exp(-2*t) + (t - 1)**2"
    path = tmp_path / "tight.toml"
    path.write_text(EUCLIDEAN.format(quantity="suboptimality", bound=bound, expected=""))
    code, output = run_cli(["check", str(path)])
    assert code == 0 and "verdict: holds" in output and "not proved: the ball enclosure" in output, output


@pytest.mark.parametrize("edit, message", [
    (("enclosure = true", 'enclosure = "yes"'), "[run] enclosure: expected true or false"),
    (("enclosure = true", 'enclosure = true\nflow = "accelerated"\nr = 2'), "[run] enclosure: made for the plain flow"),
    (("enclosure = true\n", ""), "[claim] expected: proved needs the ball enclosure"),
])
def test_bad_enclosure_input_exits_2_naming_the_key(tmp_path, edit, message):
    path = tmp_path / "bad.toml"
    path.write_text(ENTROPIC.replace(*edit).format(quantity="suboptimality", bound="D0/t", expected='expected = "proved"'))
    code, output = run_cli(["check", str(path)])
    assert code == 2 and message in output, output


def test_a_violated_bound_stays_violated(tmp_path):
    """From x0 = (1/2, 1/3, 1/6), X(1) is proportional to (e^-1/2, e^-2/3, 1/6) = (0.465, 0.114, 0.421), so
    f(X(1)) - f* = 0.693 > D0/4 = log(6)/4 = 0.448: the ladder finds the violation and no enclosure is tried."""
    path = tmp_path / "wrong.toml"
    path.write_text(ENTROPIC.format(quantity="suboptimality", bound="D0/(4*t)", expected=""))
    code, output = run_cli(["check", str(path)])
    assert code == 1 and "verdict: violated" in output and "no enclosure tried" in output, output
