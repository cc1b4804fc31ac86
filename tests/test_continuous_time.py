"""The mirror flow (``[problem] kind = "mirror_flow"``) against its closed forms: the digits the ladder trusts are
the closed form's digits, a wrong closed form is violated, and bad input exits 2 naming the key."""

import dataclasses
import re
from fractions import Fraction

import mpmath
import pytest

from mdtheory.checker.bounds import ClosedFormAgreement
from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim

from .helpers import EUCLIDEAN_FLOW_PROBLEM, run_cli

TIMES = '["1/10", "1/2", 1, 2, 5]'
# Euclidean phi, f = x^T A x/2 - b^T x with A = [[2, 1], [1, 2]] (eigenvalues 3 along (1, 1), 1 along (1, -1)) and
# x* = (1, 0): X(t) = x* + e^{-At}(x0 - x*) with x0 - x* = (2, 0) = (1, 1) + (1, -1), so
# X(t) - x* = e^{-3t} (1, 1) + e^{-t} (1, -1) and f(X(t)) - f* = 3 e^{-6t} + e^{-2t}.
EUCLIDEAN = EUCLIDEAN_FLOW_PROBLEM + """
[run]
x0 = ["3", "0"]
times = {times}
precision_bits = 64

[solution]
x = ["1", "0"]

[claim]
kind = "upper_bound"
quantity = "{quantity}"
bound = "{bound}"
"""
# Negative entropy on the simplex, f = <c, x> with c = (1, 2, 0), x0 uniform: X(t) = softmax(log x0 - t c), so
# X(t) is proportional to (e^{-t}, e^{-2t}, 1); x* = e_3, f* = 0 and D_phi(x*, X(t)) = -log X_3(t).
ENTROPIC = """
[problem]
kind = "mirror_flow"
variables = ["x1", "x2", "x3"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "x1 + 2*x2"

[run]
x0 = ["1/3", "1/3", "1/3"]
times = {times}
precision_bits = 64

[solution]
x = ["0", "0", "1"]

[claim]
kind = "upper_bound"
quantity = "{quantity}"
bound = "{bound}"
"""

EUCLIDEAN_FORMS = {"suboptimality": "3*exp(-6*t) + exp(-2*t)",
                   "distance_to_solution": "sqrt(2*exp(-6*t) + 2*exp(-2*t))"}
ENTROPIC_FORMS = {"suboptimality": "(exp(-t) + 2*exp(-2*t))/(1 + exp(-t) + exp(-2*t))",
                  "bregman_to_solution": "log(1 + exp(-t) + exp(-2*t))"}


def exact(formula: str, t: Fraction) -> mpmath.mpf:
    with mpmath.workprec(400):
        t = mpmath.mpf(t.numerator) / t.denominator
        return +eval(formula, {"exp": mpmath.exp, "sqrt": mpmath.sqrt, "log": mpmath.log, "t": t})  # our own formulas


def write(tmp_path, template, quantity, bound="10 + D0", times=TIMES, name="flow.toml"):
    path = tmp_path / name
    path.write_text(template.format(quantity=quantity, bound=bound, times=times))
    return str(path)


def closed_form_claim(path, formula):
    """The claim of the file with its bound replaced by agreement with ``formula`` (in t, which is etaT)."""
    claim = load_claim(path)
    return dataclasses.replace(claim, bound=ClosedFormAgreement(re.sub(r"\bt\b", "etaT", formula), claim.bound.quantity))


@pytest.mark.parametrize("template, forms", [(EUCLIDEAN, EUCLIDEAN_FORMS), (ENTROPIC, ENTROPIC_FORMS)],
                         ids=["euclidean-quadratic", "entropic-linear"])
def test_the_trusted_digits_are_the_closed_forms(tmp_path, template, forms):
    times = [Fraction(1, 10), Fraction(1, 2), Fraction(1), Fraction(2), Fraction(5)]
    for quantity, formula in forms.items():
        named = check_claim(closed_form_claim(write(tmp_path, template, quantity), formula))
        assert str(named.result.verdict) == "holds", named.result
        m = named.measurement
        values, digits, uncertainty = m.values(quantity), m.digits(quantity), m.uncertainties(quantity)
        assert len(values) == len(times) + 1  # t = 0 and the stated times
        for t, value, d, u in zip(times, values[1:], digits[1:], uncertainty[1:]):
            assert d >= 12, (quantity, t, d)  # 64 bits against 128: about 19 digits, less what f - f* cancels
            with mpmath.workprec(400):  # what the ladder trusts is true: within its uncertainty of the exact value
                error = abs(mpmath.mpf(value) - exact(formula, t))
                assert error <= mpmath.mpf(u), (quantity, t, value, error, u)
                assert error <= abs(exact(formula, t)) * mpmath.mpf(10) ** (1 - d)


def test_a_closed_form_off_in_the_twelfth_digit_is_violated(tmp_path):
    claim = closed_form_claim(write(tmp_path, EUCLIDEAN, "suboptimality"), "(3*exp(-6*t) + exp(-2*t))*(1 + 10**(-12))")
    assert str(check_claim(claim).result.verdict) == "violated"


def test_the_rate_and_its_planted_twin(tmp_path):
    rate = write(tmp_path, ENTROPIC, "suboptimality", "D0/t", times='[1, 2, 4, 8, 16]')
    code, output = run_cli(["check", rate])
    assert code == 0 and "verdict: holds" in output and "checked at the 5 stated times" in output, output
    # D0 = log 3; f(X(1)) - f* = (e^-1 + 2 e^-2)/(1 + e^-1 + e^-2) = 0.425..., above log(3)/4 = 0.275 at t = 1
    wrong = write(tmp_path, ENTROPIC, "suboptimality", "D0/(4*t)", times='[1, 2, 4, 8, 16]', name="w.toml")
    code, output = run_cli(["check", wrong])
    assert code == 1 and "exceeds the bound first at eta*T = 1" in output, output


@pytest.mark.parametrize("edit, message", [
    (("times = {times}", 'times = ["1", "1/2"]'), "[run] times[1]: 1/2 does not follow 1"),
    (("times = {times}", 'times = ["0", "1"]'), "[run] times[0]: 0 is not positive"),
    (("times = {times}", "times = 3"), "[run] times: expected a list"),
    (('objective = "x1 + 2*x2"', 'objective = "abs(x1 - 1/2) + x2"'), "[problem] objective: the flow is integrated"),
    (('kind = "upper_bound"\nquantity = "{quantity}"\nbound = "{bound}"', 'kind = "limit"\ntolerance = "1"'), "[claim] kind: 'limit' counts steps"),
    (('bound = "{bound}"', 'bound = "1/T"'), "[claim] bound"),
    (('x = ["0", "0", "1"]', 'x = ["0", "0", "2"]'), "[solution] x"),
    (('x0 = ["1/3", "1/3", "1/3"]', 'x0 = ["1/2", "1/3", "1/3"]'), "[run] x0"),
])
def test_bad_input_exits_2_naming_the_key(tmp_path, edit, message):
    template = ENTROPIC.replace(*edit)
    path = tmp_path / "bad.toml"
    path.write_text(template.replace("{times}", TIMES).replace("{quantity}", "suboptimality")
                    .replace("{bound}", "D0/t"))
    code, output = run_cli(["check", str(path)])
    assert code == 2 and message in output, output
