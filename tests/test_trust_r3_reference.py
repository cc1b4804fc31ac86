"""Trust, round three (issue 25), reference points and instance constants of convergence claims: a declared
x* is checked against the optimality conditions, a reference with f below f(x*) on the run is refused, a
constant the instance computes cannot be declared, and an objective that is not real is a named refusal.

Every case goes through the CLI, as a user meets it (exit codes: 0 holds, 1 violated, 2 bad input,
3 inconclusive, 4 internal error).
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest
import sympy as sp

from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.errors import ExpressionError
from mdtheory.symbolic.objectives import Objective

QUADRATIC = {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean",
             "objective": "x1**2/2 + x2**2/2"}
RUN = {"x0": ["1", "1"], "eta": "1/2", "steps": 20, "precision_bits": 64}
# true on this instance: f(x_t) - f* = 2^-2t, and 1/(d T) = 1/(2 T) lies above it
CLAIM = {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1/(d*T)"}


def check(tmp_path, **tables) -> tuple[int, str]:
    """(exit code, everything printed) of ``mdtheory check`` on a claim file of ``tables``."""
    data = {"problem": QUADRATIC, "run": RUN, "claim": CLAIM, **tables}
    path = tmp_path / "claim.toml"
    path.write_text(toml_text(data))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["check", str(path), "--no-progress"])
    return code, out.getvalue()


# --------------------------------------------------------------------------- item 6: computed constants
def test_the_instance_without_declarations_holds(tmp_path):
    code, text = check(tmp_path)
    assert code == 0, text


@pytest.mark.parametrize("name, value, how", [
    ("d", "1e300", "the dimension"),   # a false claim (bound 1e-300/T) used to come out violated, a true one...
    ("fstar", "-1", "f at the reference point"),   # ... and fstar and D0 were dropped without a word
    ("D0", "1000", "D_phi"),
    ("G", "1e9", "grad f"),
    ("L", "3", "eigenvalue"),          # x1^2/2 + x2^2/2 with the Euclidean phi: L = mu = 1 exactly
])
def test_a_declared_constant_the_instance_computes_is_refused(tmp_path, name, value, how):
    code, text = check(tmp_path, constants={name: value})
    assert code == 2, text
    assert f"[constants] {name}: the instance computes it" in text and how in text


def test_a_declared_d_cannot_turn_a_false_claim_into_holds(tmp_path):
    """1/(100 T) is false here (2^-2 > 1/100 at T = 1); with d = 1e-300 declared it read holds."""
    false_claim = {**CLAIM, "bound": "1/(100*T)"}
    assert check(tmp_path, claim=false_claim)[0] == 1
    code, text = check(tmp_path, claim={**false_claim, "bound": "1/(100*d*T)"}, constants={"d": "1e-300"})
    assert code == 2 and "[constants] d" in text


def test_a_constant_the_instance_does_not_compute_is_still_declared_and_checked(tmp_path):
    """L of a non-quadratic f is not computed: declaring it is allowed, and checked along the run."""
    quartic = {**QUADRATIC, "objective": "x1**2/2 + x2**2/2 + x1**4/12"}
    code, text = check(tmp_path, problem=quartic, constants={"L": "3"}, claim={**CLAIM, "bound": "L"})
    assert code == 0, text
    assert "L = 3.0: declared; checked at the 21 iterates" in text
    code, text = check(tmp_path, problem=quartic, constants={"L": "1"}, claim={**CLAIM, "bound": "L"})
    assert code == 2 and "contradicted by the instance" in text


# --------------------------------------------------------------------------- item 14: objectives not real
@pytest.mark.parametrize("objective, message", [
    ("x1**2/2 + x2**2/2 + log(-1)", "'log(-1)' is not real"),
    ("x1**2/2 + x2**2/2 + sqrt(-2)", "'sqrt(-2)' is not real"),
    ("x1**2/2 + x2**2/2 + atanh(2)", "'atanh(2)' is not real"),
    ("x1*log(0) + x2**2", "'log(0)' is not finite"),
])
def test_an_objective_with_a_constant_that_is_not_real_is_refused_naming_the_objective(tmp_path, objective, message):
    code, text = check(tmp_path, problem={**QUADRATIC, "objective": objective})
    assert code == 2, text
    assert text.startswith(f"error: {tmp_path / 'claim.toml'}: [problem] objective:") and message in text


@pytest.mark.parametrize("constant, shown", [(sp.log(-1), "I*pi"), (sp.sqrt(-2), "sqrt(2)*I"), (sp.log(0), "zoo")])
def test_an_objective_built_in_python_with_a_constant_that_is_not_real_is_refused(constant, shown):
    x1, x2 = sp.symbols("x1 x2")
    with pytest.raises(ExpressionError, match=f"contains the constant {re.escape(shown)}"):
        Objective("f", x1**2 / 2 + x2**2 / 2 + constant, (x1, x2))


@pytest.mark.parametrize("objective, x0, quantity", [
    ("atanh(2*x1) + x2**2", ["1/4", "1"], "suboptimality"),   # the run steps past x1 = -1/2
    ("log(x1) + x2**2", ["1/4", "1"], "suboptimality"),       # log on R^n: the first step leaves x1 > 0
    ("atanh(2*x1) + x2**2", ["1/4", "1"], "bregman_to_solution"),
])
def test_an_objective_undefined_where_the_run_goes_is_a_named_refusal(tmp_path, objective, x0, quantity):
    code, text = check(tmp_path, problem={**QUADRATIC, "objective": objective}, run={**RUN, "x0": x0, "eta": "1"},
                       claim={**CLAIM, "quantity": quantity})
    assert code == 2, text
    assert "objective: f is not a finite real number at x = [" in text and "the run left where f is defined" in text


# --------------------------------------------------------------------------- item 3: the reference point
TILTED_WELL = {**QUADRATIC, "objective": "(x1**2 - 1)**2 + x1/2 + x2**2/2"}  # local min at x1 = 0.93, global at -1.06


@pytest.mark.parametrize("tables, message", [
    # a declared x* that is not stationary, and one below which the run goes (f(x_t) - f(x*) < 0)
    ({"solution": {"x": ["1/2", "0"]}}, r"x\* \(declared\) = \[0.5, 0.0\] is not the minimizer: f\(x_20\) - f\(x\*\) = -0.12"),
    ({"problem": TILTED_WELL, "run": {**RUN, "eta": "1/20", "x0": ["1", "1/2"]}, "solution": {"x": ["93/100", "0"]}},
     r"the first-order conditions fail there: component 0 of grad f\(x\*\) is -0.0025"),
    # a stationary point of a nonconvex f: the saddle (0, 0) of a double well, and Newton's local minimum
    ({"problem": {**QUADRATIC, "objective": "(x1**2 - 1)**2 + x2**2/2"}, "run": {**RUN, "x0": ["1/2", "1"]},
      "solution": {"x": ["0", "0"]}}, r"f\(x_\d+\) - f\(x\*\) = -0.99"),
    ({"problem": TILTED_WELL, "run": {**RUN, "eta": "1/20", "x0": ["1", "1/2"]}},
     r"x\* \(computed: .*\) = \[0.930.*: f is not convex \(Hess f is not positive semidefinite at a sample point"),
])
def test_a_reference_point_that_is_not_the_minimizer_is_refused(tmp_path, tables, message):
    """Each of these came out holds: the declared or computed x* was trusted."""
    code, text = check(tmp_path, **tables)
    assert code == 2, text
    assert text.startswith("error: x*") and re.search(message, text), text


def test_the_verdict_says_how_x_star_was_checked(tmp_path):
    code, text = check(tmp_path, solution={"x": ["0", "0"]})
    assert code == 0, text
    assert ("x* (declared) = [0.0, 0.0]; first-order conditions hold at x* (residual resolved to 0 on the ladder); "
            "f convex: proved: Hess f is constant and positive semidefinite (exact); no iterate below f(x*)") in text
    # convex but not quadratic: convexity is checked, and the verdict says so
    code, text = check(tmp_path, problem={**QUADRATIC, "objective": "x1**2/2 + x2**2/2 + x1**4/12"})
    assert code == 0, text
    assert "f convex: Hess f positive semidefinite at the 21 iterates, x* and 24 random points" in text
