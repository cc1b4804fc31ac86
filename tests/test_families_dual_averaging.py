"""Dual averaging (``[run] method = "dual_averaging"``, Nesterov 2009) against an independent computation.

Ground truth: in the Euclidean geometry the step is x_{k+1} = x0 - eta s_{k+1} / beta(k + 1) with s the sum of
the gradients; on f = x^T A x / 2 with rational A, x0, eta and the rational schedule beta(k) = k + 1 every iterate
is rational. The recurrence is run here in fractions, and the checker's f(mean of x_0..x_{T-1}) - f* must agree
with it to every trusted digit.
"""

import json
import re
from fractions import Fraction

import pytest

from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.methods import configured, method
from mdtheory.symbolic.catalogue import euclidean
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import quadratic

A = (Fraction(1), Fraction(1, 4))  # the Hessian of f = (x1^2 + x2^2/4)/2
X0 = (Fraction(2), Fraction(-1))
ETA = Fraction(1, 2)
STEPS = 25


def dual_averaging_in_fractions(beta=lambda k: k + 1, steps=STEPS):
    """x_0, ..., x_steps of dual averaging with d(x) = ||x - x0||^2/2 and beta_k = beta(k)/eta."""
    x, s, path = list(X0), [Fraction(0)] * 2, [tuple(X0)]
    for k in range(steps):
        s = [si + a * xi for si, a, xi in zip(s, A, x)]
        x = [x0 - ETA * si / beta(k + 1) for x0, si in zip(X0, s)]
        path.append(tuple(x))
    return path


def f(x):
    return sum(a * xi * xi for a, xi in zip(A, x)) / 2


def claim_tables(beta="k + 1"):
    return {"problem": {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean",
                        "objective": "x1**2/2 + x2**2/8"},
            "run": {"x0": ["2", "-1"], "eta": "1/2", "steps": STEPS, "precision_bits": 96,
                    "method": "dual_averaging"},
            "method": {"beta": beta},
            "solution": {"x": ["0", "0"]},
            "claim": {"kind": "upper_bound", "quantity": "average_suboptimality",
                      "bound": "(sqrt(T+1)*D0/eta + eta*G**2*sqrt(T)/sigma)/T"}}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def test_the_cli_reports_f_at_the_average_of_the_dual_averaging_iterates(tmp_path):
    out = tmp_path / "result.json"
    assert main(["check", str(write(tmp_path, claim_tables())), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["verdict"] == "holds" and "beta(k + 1) = k + 2" in result["update"]
    path = dual_averaging_in_fractions()
    for row in result["series"]:
        T = row["t"]
        if T == 0:
            continue
        mean = [sum(x[i] for x in path[:T]) / T for i in range(2)]
        digits = row["trusted_digits"]["average_suboptimality"]
        assert digits >= 20
        want = f(mean)
        assert abs(Fraction(row["average_suboptimality"]) - want) <= Fraction(1, 10 ** (digits - 1)) * max(want, 1), T
        last = row["trusted_digits"]["suboptimality"]
        assert abs(Fraction(row["suboptimality"]) - f(path[T])) <= Fraction(1, 10 ** (last - 1)) * max(f(path[T]), 1)


def test_the_schedule_is_an_option_and_changes_the_step(tmp_path):
    """beta = 1 is lazy MD at the constant step eta: x_T = x0 - eta s_T, another path than beta = k + 1."""
    out = tmp_path / "lazy.json"
    assert main(["check", str(write(tmp_path, claim_tables(beta="1"))), "--json", str(out)]) in (0, 1)
    rows = json.loads(out.read_text())["series"]
    lazy = dual_averaging_in_fractions(beta=lambda k: 1)
    assert lazy != dual_averaging_in_fractions()
    for row in rows:
        digits = row["trusted_digits"]["suboptimality"]
        want = f(lazy[row["t"]])
        assert abs(Fraction(row["suboptimality"]) - want) <= Fraction(1, 10 ** (digits - 1)) * max(want, 1)


def test_the_method_carries_point_sum_anchor_and_counter():
    rule = method("dual_averaging")
    assert rule.state == ("x", "s", "a", "k") and "beta" in rule.options
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1, 0], [0, "1/2"]], [0, 0]), method="dual_averaging",
                       method_options=(("beta", "sqrt(k + 1)"),))
    derived = configured(md).derive(md)
    assert derived.step.shape == (7, 1) and derived.jacobian.shape == (7, 7)
    assert "sqrt(k + 2)" in configured(md).update_text(md)


@pytest.mark.parametrize("beta, message", [
    ("k - 1", r"\[method\] beta: beta\(1\) = 0 is not positive"),
    ("t + 1", r"\[method\] beta: .*write the schedule as an expression in k"),
    ("__import__('os')", r"\[method\] beta: "),
])
def test_a_bad_schedule_exits_2_naming_the_key(tmp_path, capsys, beta, message):
    assert main(["check", str(write(tmp_path, claim_tables(beta=beta)))]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_the_method_table_belongs_to_offline_problems(tmp_path, capsys):
    tables = {"problem": {"kind": "online", "losses": ["0", "1"]},
              "run": {"eta": "1/10", "steps": 10, "precision_bits": 64},
              "method": {"beta": "1"},
              "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "log(d)/eta + eta*T/8"}}
    assert main(["check", str(write(tmp_path, tables))]) == 2
    assert "[method]: only an offline problem has one" in capsys.readouterr().err
