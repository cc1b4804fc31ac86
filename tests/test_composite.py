"""Composite steps (``composite_md``: COMID, Duchi et al. 2010; ``rda``: Xiao 2010) against independent exact
computations.

Ground truth: with the Euclidean phi the l1 prox is soft-thresholding, so on f = sum_i a_i (x_i - c_i)^2 / 2
with rational a, c, x0, eta, lambda (and the rational schedule beta(k) = k + 1 for RDA) every iterate is a
Fraction. The recurrences are written here by hand and run in fractions; the checker's (f + r)(x_T) - (f + r)*
and (f + r)(mean) - (f + r)* must agree with them to every trusted digit, with exact zeros where the prox
puts them.
"""

import json
import re
from fractions import Fraction

import pytest

from mdtheory.claimfile import toml_text
from mdtheory.cli import main

A = (Fraction(1), Fraction(1, 2))
C = (Fraction(2), Fraction(-1, 3))
LAM = Fraction(1, 2)
X0 = (Fraction(3), Fraction(1))
ETA = Fraction(2, 5)
STEPS = 20
X_STAR = (Fraction(3, 2), Fraction(0))  # soft(c_i, lambda/a_i): (2 - 1/2, 0 since |-1/3| <= 1)


def soft(z, tau):
    return z - tau if z > tau else z + tau if z < -tau else Fraction(0)


def composite(x):
    return sum(a * (xi - c) ** 2 for a, xi, c in zip(A, x, C)) / 2 + LAM * sum(abs(v) for v in x)


def gradient(x):
    return [a * (xi - c) for a, xi, c in zip(A, x, C)]


def comid_in_fractions(steps=STEPS):
    x, path = list(X0), [tuple(X0)]
    for _ in range(steps):
        x = [soft(xi - ETA * g, ETA * LAM) for xi, g in zip(x, gradient(x))]
        path.append(tuple(x))
    return path


def rda_in_fractions(steps=STEPS, beta=lambda k: k + 1):
    """x_{k+1} = soft(x0 - eta s_{k+1} / beta(k + 1), eta (k + 1) lambda / beta(k + 1)), s the sum of gradients."""
    x, s, path = list(X0), [Fraction(0)] * 2, [tuple(X0)]
    for k in range(steps):
        s = [si + g for si, g in zip(s, gradient(x))]
        b = beta(k + 1)
        x = [soft(a0 - ETA * si / b, ETA * (k + 1) * LAM / b) for a0, si in zip(X0, s)]
        path.append(tuple(x))
    return path


def claim_tables(method="composite_md", quantity="suboptimality", options=None, **run):
    return {"problem": {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean",
                        "objective": "(x1 - 2)**2/2 + (x2 + 1/3)**2/4"},
            "run": {"x0": ["3", "1"], "eta": "2/5", "steps": STEPS, "precision_bits": 96, "method": method, **run},
            "method": options if options is not None else {"l1": "1/2"},
            "solution": {"x": ["3/2", "0"]},
            "claim": {"kind": "upper_bound", "quantity": quantity, "bound": "100"}}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def series(tmp_path, tables):
    out = tmp_path / "result.json"
    assert main(["check", str(write(tmp_path, tables)), "--json", str(out)]) == 0
    return json.loads(out.read_text())


def agrees(row, quantity, want):
    digits = row["trusted_digits"][quantity]
    assert digits >= 15, (row["t"], digits)  # what the ladder trusts is what is compared below
    return abs(Fraction(row[quantity]) - want) <= Fraction(1, 10 ** (digits - 1)) * max(abs(want), 1)


def test_comid_iterates_are_the_soft_thresholding_recurrence_on_f_plus_r(tmp_path):
    result = series(tmp_path, claim_tables())
    assert result["verdict"] == "holds" and "composite mirror descent" in result["update"]
    path = comid_in_fractions()
    assert path[3][1] == 0 and path[1][1] != 0  # the prox zeroes x2 from the third step on, exactly
    for row in result["series"]:
        assert agrees(row, "suboptimality", composite(path[row["t"]]) - composite(X_STAR)), row["t"]


def test_rda_average_is_the_regularized_dual_averaging_recurrence(tmp_path):
    tables = claim_tables("rda", "average_suboptimality", {"l1": "1/2", "beta": "k + 1"})
    result = series(tmp_path, tables)
    assert "regularized dual averaging" in result["update"] and "beta(k + 1) = k + 2" in result["update"]
    path = rda_in_fractions()
    for row in result["series"]:
        T = row["t"]
        if T == 0:
            continue
        mean = [sum(x[i] for x in path[:T]) / T for i in range(2)]
        assert agrees(row, "average_suboptimality", composite(mean) - composite(X_STAR)), T


def test_without_the_term_the_composite_methods_are_md_and_dual_averaging(tmp_path):
    plain = series(tmp_path, {**claim_tables(method="md", options={}), "solution": {"x": ["2", "-1/3"]}})
    comid = series(tmp_path, {**claim_tables(options={"l1": "0"}), "solution": {"x": ["2", "-1/3"]}})
    assert [r["suboptimality"] for r in plain["series"]] == [r["suboptimality"] for r in comid["series"]]


def test_r0_is_the_term_at_the_start(tmp_path):
    tables = claim_tables(quantity="average_suboptimality")
    tables["claim"]["bound"] = "r0 + 100"
    constants = series(tmp_path, tables)["constants"]
    assert "r0" in json.dumps(constants) and "the composite term r(x0)" in json.dumps(constants)
    r0 = constants["r0"]
    assert Fraction(r0["value"] if isinstance(r0, dict) else r0) == 2  # r(3, 1) = (3 + 1)/2


def test_a_coordinate_exactly_on_the_threshold_is_zero_and_its_tangent_is_refused(tmp_path, capsys):
    """x0 = (3/10, 1), f = (x1^2 + x2^2)/2, eta = 1/3, lambda = 3/5: the unshrunk step's first coordinate is
    3/10 - 1/10 = 1/5 = eta lambda, the threshold exactly (not a binary fraction: the kink is found within the
    rounding, not by luck). The prox gives 0 there (both branches agree on the value); its derivative is 0 from
    inside and 2/3 from outside, so a sensitivity claim is refused, naming the coordinate."""
    tables = {"problem": {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean",
                          "objective": "x1**2/2 + x2**2/2"},
              "run": {"x0": ["3/10", "1"], "eta": "1/3", "steps": 3, "precision_bits": 96,
                      "method": "composite_md"},
              "method": {"l1": "3/5"},
              "solution": {"x": ["0", "0"]},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "100"}}
    result = series(tmp_path, tables)
    # x_1 = (0, 2/3 - 1/5) = (0, 7/15): f + r = (7/15)^2/2 + (3/5)(7/15), exactly
    want = Fraction(7, 15) ** 2 / 2 + Fraction(3, 5) * Fraction(7, 15)
    assert agrees(next(r for r in result["series"] if r["t"] == 1), "suboptimality", want)
    sensitivity = {**tables, "run": {**tables["run"], "direction": ["1", "0"], "eps": "1e-20"},
                   "claim": {"kind": "upper_bound", "quantity": "tangent_amplification", "bound": "1"}}
    sensitivity.pop("solution")
    assert main(["check", str(write(tmp_path, sensitivity, "kink.toml"))]) == 2
    err = capsys.readouterr().err
    assert "not differentiable where a coordinate lands on its threshold (coordinate 0" in err


def test_off_the_kink_the_tangent_is_zero_on_zeroed_coordinates(tmp_path):
    """From x0 = (3, 1) the prox zeroes x2 from step 2 on and keeps x1: the tangent along e_2 dies (the ladder
    bounds it by 0), and along e_1 it shrinks by 1 - eta a_1 = 3/5 per step, exactly."""
    tables = claim_tables(quantity="tangent_amplification")
    tables.pop("solution")
    tables["run"].update(direction=["1", "0"], eps="1e-20", steps=10)
    tables["claim"]["bound"] = "1"
    result = series(tmp_path, tables)
    assert result["verdict"] == "holds"
    for row in result["series"]:
        assert agrees(row, "tangent_amplification", Fraction(3, 5) ** row["t"])
    tables["run"]["direction"] = ["0", "1"]
    rows = series(tmp_path, tables)["series"]
    assert rows[-1]["tangent_amplification"] is None and Fraction(rows[-1]["tangent_amplification_at_most"]) == 0
    # the Jacobian diag(3/5, 0) per step: the worst case over directions is (3/5)^T too
    assert Fraction(rows[-1]["worst_case_amplification"]) == Fraction(3, 5) ** 10


@pytest.mark.parametrize("options, problem, message", [
    ({"l1": "-1"}, {}, r"\[method\] l1: lambda = -1 is negative"),
    ({"l1": "abc"}, {}, r"\[method\] l1: .*write lambda as an exact number"),
    ({"lambda": "1"}, {}, r"\[method\] lambda: method 'composite_md' has no option 'lambda'; its options are l1"),
    ({"l1": "1"}, {"variables": ["x1", "x2"], "domain": "simplex", "regularizer": "negative_entropy",
                   "objective": "x1**2 + x2**2"}, r"\[method\] l1: on the simplex \|\|x\|\|_1 = 1 is constant"),
])
def test_bad_input_exits_2_naming_the_key(tmp_path, capsys, options, problem, message):
    tables = claim_tables(options=options)
    if problem:
        tables["problem"] = problem
        tables["run"]["x0"] = ["1/2", "1/2"]
        tables["solution"] = {"x": ["1/2", "1/2"]}
    assert main(["check", str(write(tmp_path, tables))]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_the_minimizer_of_f_alone_is_refused_as_x_star_of_f_plus_r(tmp_path, capsys):
    # two steps from (3, 1): every iterate is far above (f + r)(3/2, 1/100), so the first-order test decides
    wrong = {**claim_tables(steps=2), "solution": {"x": ["3/2", "1/100"]}}
    assert main(["check", str(write(tmp_path, wrong))]) == 2
    assert "is not a minimizer of f + lambda ||x||_1" in capsys.readouterr().err
    computed = {**claim_tables(), "solution": {"x": "computed"}}
    assert main(["check", str(write(tmp_path, computed, "computed.toml"))]) == 2
    assert "declare it as [solution] x" in capsys.readouterr().err
