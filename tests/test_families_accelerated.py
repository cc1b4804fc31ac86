"""Accelerated mirror descent (``[run] method = "accelerated"``, Tseng 2008) against an independent computation,
and the claim-file keys that choose a method.

Ground truth: on f = x^T A x / 2 in the Euclidean geometry (grad phi = identity) with rational A, x0 and eta,
Tseng's iterates are rational; the recurrence is run here in fractions, written from the paper's Algorithm 1
and not from the method file, and the checker's f(x_T) - f* must agree with it to every trusted digit.
"""

import json
import re
from fractions import Fraction

import pytest

from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.methods import configured, method, methods
from mdtheory.symbolic.catalogue import euclidean
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import quadratic

A = (Fraction(1), Fraction(1, 100))  # the Hessian of f = (x1^2 + x2^2/100)/2; L = 1
X0 = (Fraction(1), Fraction(-2))
ETA = Fraction(1)  # = sigma / L
STEPS = 30
BITS = 96


def tseng_in_fractions(steps=STEPS):
    """x_0, ..., x_steps of Tseng's Algorithm 1 (theta_k = 2/(k+2)) with D = ||.||^2/2 and the step eta."""
    x, z, path = list(X0), list(X0), [tuple(X0)]
    for k in range(steps):
        theta = Fraction(2, k + 2)
        y = [(1 - theta) * xi + theta * zi for xi, zi in zip(x, z)]
        z = [zi - ETA / theta * a * yi for zi, a, yi in zip(z, A, y)]
        x = [(1 - theta) * xi + theta * zi for xi, zi in zip(x, z)]
        path.append(tuple(x))
    return path


def f(x):
    return sum(a * xi * xi for a, xi in zip(A, x)) / 2


def claim_tables(**run):
    return {"problem": {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean",
                        "objective": "x1**2/2 + x2**2/200"},
            "run": {"x0": ["1", "-2"], "eta": "1", "steps": STEPS, "precision_bits": BITS,
                    "method": "accelerated", **run},
            "solution": {"x": ["0", "0"]},
            "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "4*L*D0/(sigma*(T+1)**2)"}}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def test_the_iterates_are_tsengs_recurrence_in_fractions():
    reg = euclidean(2)
    # quadratic(variables, A, b) is ||A x - b||^2/2: Hessian diag(1, 1/100)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1, 0], [0, "1/10"]], [0, 0]), method="accelerated")
    series = run_mirror_descent(md, RunSpec.build(["1", "-2"], [1, 0], "1/1000", "1", STEPS), BITS, keep_path=True)
    ctx = series.ctx
    for t, (point, exact) in enumerate(zip(series.path, tseng_in_fractions())):
        for value, want in zip(point, exact):
            assert abs(value - ctx.mpf(want.numerator) / want.denominator) <= ctx.mpf(2) ** (16 - BITS), t


def test_the_cli_reports_f_of_the_accelerated_iterates_and_the_rate_holds(tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["check", str(write(tmp_path, claim_tables())), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["verdict"] == "holds" and "theta_k = 2/(k + 2)" in result["update"]
    exact = [f(x) for x in tseng_in_fractions()]
    rows = result["series"]
    assert [row["t"] for row in rows] == list(range(STEPS + 1))
    for row in rows:
        digits = row["trusted_digits"]["suboptimality"]
        assert digits >= 20
        want = exact[row["t"]]
        assert abs(Fraction(row["suboptimality"]) - want) <= Fraction(1, 10 ** (digits - 1)) * max(abs(want), 1)
    # Tseng's Corollary 1(a) on these fractions, independently of the checker: f(x_T) <= 4 L D0 / (T+1)^2
    D0 = sum(x * x for x in X0) / 2
    assert all(exact[T] <= 4 * D0 / (T + 1) ** 2 for T in range(1, STEPS + 1))


def test_plain_md_misses_the_accelerated_rate_on_an_ill_conditioned_quadratic(tmp_path):
    """The twin's mistake in fractions: GD at eta = 1/L decays as (1 - 1/100)^(2T) along x2, above 4 L D0/(T+1)^2."""
    tables = claim_tables(method="md")
    tables["claim"]["expected"] = "violated"
    assert main(["check", str(write(tmp_path, tables))]) == 0
    gd = [f((X0[0] * (1 - A[0]) ** T, X0[1] * (1 - A[1]) ** T)) for T in range(STEPS + 1)]
    D0 = sum(x * x for x in X0) / 2
    assert any(gd[T] > 4 * D0 / (T + 1) ** 2 for T in range(1, STEPS + 1))


def test_the_method_is_registered_with_its_state():
    assert "accelerated" in methods() and method("accelerated").state == ("x", "z", "k")
    reg = euclidean(1)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1]], [0]), method="accelerated")
    derived = configured(md).derive(md)
    assert derived.step.shape == (3, 1) and derived.jacobian.shape == (3, 3)


@pytest.mark.parametrize("change, message", [
    ({"run": {"method": "nesterov"}}, r"\[run\] method: 'nesterov' is not a registered method; the registered "
                                      r"methods are md, accelerated, composite_md, dual_averaging"),
    ({"method": {"momentum": "1/2"}}, r"\[method\] momentum: method 'accelerated' has no option 'momentum'; it "
                                      r"takes no options"),
    ({"method": {"momentum": 0.5}}, r"\[method\] momentum: expected an exact number"),
])
def test_a_bad_method_key_exits_2_naming_it(tmp_path, capsys, change, message):
    tables = claim_tables()
    for section, values in change.items():
        tables.setdefault(section, {}).update(values)
    assert main(["check", str(write(tmp_path, tables))]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_falsify_refuses_to_screen_the_perturbed_pairs_of_another_method(tmp_path, capsys):
    tables = claim_tables(direction=["1", "0"], eps="1/1000")
    tables.pop("solution")
    tables["claim"] = {"kind": "upper_bound", "quantity": "amplification", "bound": "2"}
    tables["search"] = {"eta": ["1/2", "1"], "candidates": 10}
    assert main(["falsify", str(write(tmp_path, tables))]) == 2
    assert "[run] method: falsify screens the perturbed pairs of plain MD only" in capsys.readouterr().err
