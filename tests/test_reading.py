"""Verdicts as data: the numbers in measured, claimed and margin are the measured numbers, with their digits."""

import mpmath
import pytest
import sympy as sp

from mdtheory.checker import HOLDS, VIOLATED, UpperBound, exactly, laddered, measure, reading, rounded
from mdtheory.checker.bounds import T
from mdtheory.checker.reading import DISPLAY_DIGITS, Reading, joined
from mdtheory.checker.result import NamedCheck, check_json
from mdtheory.engine.context import working_context
from mdtheory.engine.ladder import format_trusted
from mdtheory.engine.run import RunSpec
from mdtheory.symbolic.catalogue import euclidean
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import Objective

ETA = sp.Rational(1, 10)
STEPS = 80


def expanding_line(bits=128):
    """GD on f = -x^2/2: x+ = (1 + eta) x, so the amplification is exactly (11/10)^t."""
    reg = euclidean(1)
    md = MirrorDescent(reg, Objective("expanding", -reg.variables[0] ** 2 / 2, reg.variables))
    return measure(md, RunSpec.build([1], [1], "1e-20", ETA, STEPS), bits)


def test_an_upper_bound_reports_the_measured_numbers_themselves():
    m = expanding_line()
    ctx = m.ctx
    # measured/claimed = 1.1^t / (1.1^t + 1) grows with t: the closest approach is the last step
    result = UpperBound(bound=sp.Rational(11, 10) ** T + 1).check(m)
    assert result.verdict == HOLDS
    value, position = result.measured.figures[:2]
    truth = (1 + ctx.exact(ETA)) ** STEPS
    assert value.trusted == m.digits("amplification")[-1] >= 15  # 38 digits at 128 bits, less 20 for eps = 1e-20
    assert abs(value.value - truth) <= truth * ctx.mpf(10) ** -(value.trusted - 1)
    assert position.value == ctx.exact(ETA * STEPS) and position.trusted is None  # a position, not a laddered value
    (claimed,) = result.claimed.figures
    assert abs(claimed.value - (truth + 1)) <= truth * ctx.mpf(10) ** -30
    (margin,) = result.margin.figures
    assert abs(margin.value - 1 / (truth + 1)) <= ctx.mpf(10) ** -30
    # the text is these figures written out, and the JSON carries them with what their digits are
    assert result.measured.text().startswith(f"amplification = {value.text()} at eta*T = {position.text()}")
    data = check_json(NamedCheck("line", result, m))
    assert data["measured"] == result.measured.text()
    # the text shows DISPLAY_DIGITS of the 17 trusted digits; the JSON keeps all of them
    assert value.text() == format_trusted(ctx, value.value, DISPLAY_DIGITS)
    assert data["figures"]["measured"][0] == {"value": format_trusted(ctx, value.value, value.trusted),
                                              "trusted_digits": value.trusted}
    assert data["figures"]["measured"][1] == {"value": "8.0", "rounded_to": 6}


def test_a_violation_reports_the_exceeding_value():
    m = expanding_line()
    result = UpperBound(bound=sp.Integer(2)).check(m)
    assert result.verdict == VIOLATED
    truth = (1 + m.ctx.exact(ETA)) ** STEPS  # the largest value, and the closest to (farthest above) the bound
    assert abs(result.measured.figures[0].value / truth - 1) < m.ctx.mpf(10) ** -20


def test_each_kind_of_figure_writes_its_digits():
    ctx = working_context(128)
    third = ctx.mpf(1) / 3
    assert laddered(ctx, third, 5).text() == "0.33333"
    assert laddered(ctx, third, 40).text() == "0.333333333333"  # at most 12 trusted digits in a table
    assert laddered(ctx, third, 0).text() == "?" and laddered(ctx, third, 0).as_json()["value"] is None  # no digit
    # no trusted digit: the bound on the size the ladder gives, and null in JSON
    nothing = laddered(ctx, ctx.mpf("1e-30"), 0, ctx.mpf("2e-30"))
    assert nothing.text() == "0 +- 3.0e-30"
    assert nothing.as_json() == {"value": None, "trusted_digits": 0, "at_most": "3.0e-30"}
    assert rounded(third, 3, ctx).text() == "0.333"
    assert rounded(sp.Rational(1, 3), 4).text() == "0.3333"
    assert rounded(0.000123456, 2, notation="e").text() == "1.23e-04"
    assert rounded(-0.5, 2, notation="f", signed=True).text() == "-0.50"
    assert rounded(0.25, 0, notation="%").text() == "25%"
    assert exactly(sp.Rational(1, 100)).text() == "1/100"
    assert exactly(sp.Rational(1, 100)).as_json() == {"value": "1/100", "exact": True}


def test_a_reading_is_text_with_figures_in_order():
    ctx = working_context(64)
    r = reading("peak ", rounded(ctx.mpf(2), 3, ctx), " at t = ", exactly(7)) + "; done"
    assert isinstance(r, Reading) and r.text() == str(r) == "peak 2.0 at t = 7; done"
    assert [f.value for f in r.figures] == [2, 7]
    listed = joined(", ", [reading("a = ", exactly(1)), "b", reading("c = ", exactly(3))])
    assert listed.text() == "a = 1, b, c = 3" and [f.value for f in listed.figures] == [1, 3]


@pytest.mark.parametrize("raw", [1.5, mpmath.mpf(2), sp.Rational(1, 3), 7])
def test_a_bare_number_in_a_reading_is_refused(raw):
    """A number must say what its digits are: a bare one would be written with every digit it has."""
    with pytest.raises(TypeError, match="laddered"):
        reading("value ", raw)
