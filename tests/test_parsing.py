import pytest
import sympy as sp

from mdtheory.errors import ExpressionError, FloatLiteralWarning
from mdtheory.symbolic.parsing import exact_number, parse_expression

x, y = sp.symbols("x y", real=True)
SYMBOLS = {"x": x, "y": y}


def test_parses_math_exactly():
    assert parse_expression("x**2/2 + log(1 + exp(y)) - pi", SYMBOLS) == x**2 / 2 + sp.log(1 + sp.exp(y)) - sp.pi
    assert parse_expression("softplus(x)", SYMBOLS) == sp.log(1 + sp.exp(x))


def test_float_literal_becomes_the_decimal_it_spells_with_a_warning():
    with pytest.warns(FloatLiteralWarning, match="1/10"):
        assert parse_expression("0.1*x", SYMBOLS) == sp.Rational(1, 10) * x


def test_a_tiny_decimal_is_read_exactly_and_its_warning_stays_short():
    """1e-5000 is a 5001-digit rational: writing it into the warning raised ValueError (Python refuses
    int-to-str conversions past 4300 digits), so loading such a formula crashed instead of warning."""
    with pytest.warns(FloatLiteralWarning, match="of about 5000 digits") as said:
        assert parse_expression("1e-5000*x**2", SYMBOLS) == sp.Rational(1, 10**5000) * x**2
    assert len(str(said[0].message)) < 300


def test_an_overlong_decimal_literal_is_refused_briefly():
    """sp.Rational of a 4400-digit decimal raised TypeError; now an ExpressionError that quotes it briefly."""
    with pytest.raises(ExpressionError, match="longer than 1000 characters") as refused:
        parse_expression("1" * 4400 + ".5*x", SYMBOLS)
    assert len(str(refused.value)) < 400


@pytest.mark.parametrize(
    "text, message",
    [
        ("__import__('os').system('true')", "not allowed"),
        ("x.__class__", "Attribute"),
        ("x^2", r"write \*\* for powers"),
        ("z + 1", "not a known variable"),
        ("exp", "it is a function"),
        ("lambda: 1", "Lambda"),
        ("x +", "not a mathematical expression"),
        ("2**100000", "exponent larger"),
        ("x / 0", "divides by zero"),
        ("'text'", "not a number"),
        ("exp(x, y)", "exactly one argument"),
    ],
)
def test_refuses_what_is_not_math_and_names_it(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(text, SYMBOLS)


def test_exact_numbers():
    assert exact_number("1e-12") == sp.Rational(1, 10**12)
    assert exact_number("1/4") == sp.Rational(1, 4)
    assert exact_number(3) == 3
    with pytest.raises(ExpressionError, match="Python float"):
        exact_number(0.1)
    with pytest.raises(ExpressionError, match="not an exact number"):
        exact_number("one half")
