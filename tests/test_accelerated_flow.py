"""The accelerated mirror ODE (``[problem] kind = "mirror_flow"``, ``[run] flow = "accelerated"``) against its
Bessel-function solution: the digits the ladder trusts are the closed form's, the rate without its r^2 is
violated where the solution says, and bad input exits 2 naming the key (the library theorem and its twin, r = 1/2,
run in tests/test_theorem_library.py).

Euclidean phi and f = x^2/2 in one dimension: Z = X + (t/r) X', so Z' = -(t/r) X reads
X'' + ((r + 1)/t) X' + X = 0, whose solution regular at 0 with X(0) = x0 is
X(t) = x0 Gamma(nu + 1) (2/t)^nu J_nu(t), nu = r/2 (t^-nu J_nu(t) solves y'' + ((2 nu + 1)/t) y' + y = 0, and
J_nu(t) ~ (t/2)^nu / Gamma(nu + 1) at 0). For r = 3 (nu = 3/2) it is elementary: 3 x0 (sin t - t cos t)/t^3.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim, read_toml
from mdtheory.search.space import theorem_space
from mdtheory.search.witness import witness_tables_text

from .helpers import run_cli

TIMES = [Fraction(1, 10), Fraction(1, 2), Fraction(1), Fraction(46, 25), Fraction(5), Fraction(12)]
QUADRATIC = """
[problem]
kind = "mirror_flow"
variables = ["x"]
domain = "reals"
regularizer = "euclidean"
objective = "x**2/2"

[run]
flow = "accelerated"
r = {r}
x0 = ["3/2"]
times = ["1/10", "1/2", 1, "46/25", 5, 12]
precision_bits = 64

[solution]
x = ["0"]

[claim]
kind = "{kind}"
quantity = "{quantity}"
{bound}
"""
X0 = Fraction(3, 2)


def bessel_solution(r: Fraction, t: Fraction) -> mpmath.mpf:
    """X(t) = x0 Gamma(nu + 1) (2/t)^nu J_nu(t), nu = r/2, evaluated by mpmath at 400 bits."""
    with mpmath.workprec(400):
        nu, t = mpmath.mpf(r.numerator) / (2 * r.denominator), mpmath.mpf(t.numerator) / t.denominator
        return +(mpmath.mpf(X0.numerator) / X0.denominator * mpmath.gamma(nu + 1) * (2 / t) ** nu
                 * mpmath.besselj(nu, t))


def write(tmp_path, r="2", quantity="suboptimality", kind="upper_bound", bound='bound = "r**2*D0/t**2"',
          name="amd.toml"):
    path = tmp_path / name
    path.write_text(QUADRATIC.format(r=r, quantity=quantity, kind=kind, bound=bound))
    return str(path)


@pytest.mark.parametrize("r", [Fraction(2), Fraction(3), Fraction(1, 2)], ids=["r=2", "r=3", "r=1/2"])
def test_the_trusted_digits_are_the_bessel_solution(tmp_path, r):
    """Every digit the ladder trusts, from the first step (the series at the singular t = 0) on, is J_nu's."""
    for quantity, of_x in (("distance_to_solution", abs), ("suboptimality", lambda x: x * x / 2)):
        named = check_claim(load_claim(write(tmp_path, r=f'"{r}"', quantity=quantity, bound='bound = "100"')))
        assert str(named.result.verdict) == "holds", named.result
        m = named.measurement
        values, digits, uncertainty = m.values(quantity), m.digits(quantity), m.uncertainties(quantity)
        assert len(values) == len(TIMES) + 1
        for t, value, d, u in zip(TIMES, values[1:], digits[1:], uncertainty[1:]):
            with mpmath.workprec(400):
                exact = of_x(bessel_solution(r, t))
                error = abs(mpmath.mpf(value) - exact)
                assert d >= 12, (quantity, t, d)  # 64 bits against 128
                assert error <= mpmath.mpf(u), (quantity, t, value, exact, u)
                assert error <= abs(exact) * mpmath.mpf(10) ** (1 - d), (quantity, t, d)


def test_r_3_is_the_elementary_solution(tmp_path):
    """r = 3: X(t) = 3 x0 (sin t - t cos t)/t^3, with no Bessel function: the trusted digits are its digits."""
    m = check_claim(load_claim(write(tmp_path, r="3", quantity="distance_to_solution", bound='bound = "100"'))).measurement
    for t, value, d in zip(TIMES, m.values("distance_to_solution")[1:], m.digits("distance_to_solution")[1:]):
        with mpmath.workprec(400):
            t = mpmath.mpf(t.numerator) / t.denominator
            exact = abs(9 * (mpmath.sin(t) - t * mpmath.cos(t)) / (2 * t**3))
            assert d >= 12 and abs(mpmath.mpf(value) - exact) <= exact * mpmath.mpf(10) ** (1 - d), (t, value, d)


def test_on_the_quadratic_the_rate_without_r_squared_is_violated_where_J1_peaks(tmp_path):
    """r = 2: f(X(t)) - f* = (x0^2/2) (2 J_1(t)/t)^2, above D0/t^2 = x0^2/(2 t^2) where |J_1(t)| > 1/2 (t = 1.84)."""
    assert abs(bessel_solution(Fraction(2), Fraction(46, 25))) * Fraction(46, 25) / X0 > 1  # 2 |J_1(1.84)| > 1
    code, output = run_cli(["check", write(tmp_path)])
    assert code == 0 and "verdict: holds" in output, output
    code, output = run_cli(["check", write(tmp_path, bound='bound = "D0/t**2"', name="w.toml")])
    assert code == 1 and "exceeds the bound first at eta*T = 1.84" in output, output


@pytest.mark.parametrize("edit, message", [
    (('flow = "accelerated"', 'flow = "fast"'), "[run] flow: 'fast'"),
    (("r = {r}\n", ""), "[run] r: the accelerated mirror ODE needs r"),
    (("r = {r}", 'r = "0"'), "[run] r: 0 is not positive"),
    (("r = {r}", 'r = "abc"'), "[run] r"),
    (('flow = "accelerated"\n', ""), "[run] r: the accelerated mirror ODE's parameter"),
    (('flow = "accelerated"\nr = {r}\n', ""), "[claim] bound: names r"),
])
def test_bad_input_exits_2_naming_the_key(tmp_path, edit, message):
    path = tmp_path / "bad.toml"
    path.write_text(QUADRATIC.replace(*edit).format(r="2", quantity="suboptimality", kind="upper_bound",
                                                    bound='bound = "r**2*D0/t**2"'))
    code, output = run_cli(["check", str(path)])
    assert code == 2 and message in output, output


SEARCHED = """
[problem]
kind = "mirror_flow"
variables = ["x1", "x2", "x3"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "x1 + 2*x2"

[run]
{flow}x0 = ["1/10", "1/10", "4/5"]
times = [1, 4]
precision_bits = 64

[solution]
x = ["0", "0", "1"]

[claim]
kind = "upper_bound"
quantity = "suboptimality"
bound = "D0/(2*t)"

[search]
{search}
candidates = 8
"""


def test_a_flows_search_points_and_witness_have_no_step_size(tmp_path):
    """The search space of a problem whose step_size is None draws only its start; the witness writes no eta."""
    path = tmp_path / "flow.toml"
    path.write_text(SEARCHED.format(flow="", search='x0 = "domain"'))
    claim, tables = load_claim(str(path)), read_toml(path)
    space = theorem_space(claim.problem, tables["search"])
    assert space.free_dimensions == 3
    point = space.point(np.array([0.1, 0.2, 0.3]))
    assert point["eta"] is None and sum(point["x0"]) == 1 and all(v > 0 for v in point["x0"]), point
    witness = witness_tables_text(tables, claim.problem, point)
    assert "eta" not in witness and f'x0 = ["{point["x0"][0]}"' in witness, witness


@pytest.mark.slow  # about 8 s: 90 flows at 53 bits, most of it sympy simplifying each start's exact D0
def test_falsify_searches_the_start_and_writes_a_witness_check_reproduces(tmp_path, monkeypatch):
    """f = <c, x>, c = (1, 2, 0), on the simplex: X(t) is proportional to (x0_1 e^-t, x0_2 e^-2t, x0_3), so D0/(2t)
    (D0 = log(1/x0_3)) holds from the stated x0 near e_3 and fails from a start near e_1, where X(4) is still near
    e_1 (f(X(4)) = 0.84 > D0/8 = 0.71 at x0_1 = 0.97, x0_3 = 0.0034)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "flow.toml"
    path.write_text(SEARCHED.format(flow="", search='x0 = "domain"'))
    assert run_cli(["check", str(path)])[0] == 0
    code, output = run_cli(["falsify", str(path), "--witness", "w.toml"])
    assert code == 1 and "verdict: violated" in output and "x0 = (" in output, output
    witness = (tmp_path / "w.toml").read_text()
    assert "eta" not in witness, witness  # a flow takes no step size
    code, output = run_cli(["check", "w.toml"])
    assert code == 1 and "verdict: violated" in output, output


@pytest.mark.parametrize("flow", ["", 'flow = "accelerated"\nr = 2\n'], ids=["mirror", "accelerated"])
def test_falsify_refuses_a_step_size_range_for_a_flow(tmp_path, flow):
    path = tmp_path / "flow.toml"
    path.write_text(SEARCHED.format(flow=flow, search='eta = ["1", "2"]'))
    code, output = run_cli(["falsify", str(path)])
    assert code == 2 and "[search] eta: a mirror_flow claim takes no step size" in output, output
