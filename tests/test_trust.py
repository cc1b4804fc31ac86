"""Bad input, per class: every case gets its exit code, a message naming the problem, and finishes under a
time and memory ceiling (each case runs the real CLI in a forked child with both limits; a hang or a
blow-up fails the test instead of the suite).

Exit codes: 0 holds, 1 violated, 2 bad input, 3 inconclusive, 4 internal error.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
import sympy as sp

from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.symbolic import budget
from mdtheory.symbolic.budget import within_budget
from mdtheory.symbolic.mirror_descent import STEPS

SECONDS = 60  # a ceiling against hangs, not a speed target
MEMORY_BYTES = 3 * 1024**3

BASE = {
    "problem": {"variables": ["x"], "domain": "reals", "regularizer": "euclidean", "objective": "x**2/2"},
    "run": {"x0": ["1"], "direction": ["1"], "eps": "1e-10", "eta": "1/2", "steps": 10, "precision_bits": 64},
    "claim": {"kind": "upper_bound", "bound": "1"},
}


def claim_file(tmp_path: Path, name="case.toml", drop=(), **sections) -> Path:
    """BASE with sections updated (``run={"eps": "1e-40"}``; ``claim`` is replaced whole), keys in ``drop``
    ("run.eta") removed."""
    data = {section: dict(table) for section, table in BASE.items()}
    for section, updates in sections.items():
        if isinstance(updates, dict) and isinstance(data.get(section), dict) and section != "claim":
            data[section].update(updates)
        else:
            data[section] = updates
    for dotted in drop:
        section, key = dotted.split(".")
        del data[section][key]
    bare = {key: value for key, value in data.items() if not isinstance(value, dict)}  # e.g. claim = 3
    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    path = tmp_path / name
    path.write_text("".join(f"{key} = {value!r}\n" for key, value in bare.items()) + toml_text(tables))
    return path


def cli(*args) -> tuple[int, str]:
    """(exit code, stdout + stderr) of ``mdtheory ARGS``, under the time and memory ceiling."""
    def child():
        budget.SYMBOLIC_SECONDS = 3.0  # hostile phi: the fallback to Newton, soon
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main([str(a) for a in args])
        return code, out.getvalue()

    return within_budget(child, seconds=SECONDS, memory_bytes=MEMORY_BYTES)


def check(tmp_path, *extra, **sections) -> tuple[int, str]:
    return cli("check", claim_file(tmp_path, **sections), "--no-progress", *extra)


def expect(result, code: int, *words):
    status, output = result
    assert status == code, output
    for word in words:
        assert word in output, output
    assert "Traceback" not in output, output


# ------------------------------------------------------------------ verdicts that used to be silently wrong
def test_absorbed_separation_is_inconclusive_not_holds(tmp_path):
    # GD on f = x with eta = 1e30: x_t ~ -1e30 t absorbs the perturbation 1e-10 at 64 and 128 bits; both rungs
    # report separation exactly 0, which is not agreement. The true amplification is exactly 1.
    for claim in ({"kind": "upper_bound", "bound": "1/2"}, {"kind": "decay", "constant": "1", "rho": "1/1000"}):
        result = check(tmp_path, problem={"objective": "x"}, run={"eta": "1e30"}, claim=claim)
        expect(result, 3, "verdict: inconclusive", "trusted digits: 0")
    # Resolved at enough precision, the same claim is decided, and correctly: amplification 1 > 1/2.
    expect(check(tmp_path, problem={"objective": "x"}, run={"eta": "1e30", "precision_bits": 192},
                 claim={"kind": "upper_bound", "bound": "1/2"}), 1, "verdict: violated")


@pytest.mark.parametrize("backend", ["mpmath", "flint"])
def test_perturbation_lost_to_rounding_is_inconclusive_with_the_precision_that_resolves_it(tmp_path, backend):
    result = check(tmp_path, run={"eps": "1e-40", "backend": backend})
    expect(result, 3, "verdict: inconclusive", "eps = ", "precision_bits = 64", "precision_bits >= 148 resolves it")
    expect(check(tmp_path, run={"eps": "1e-40", "precision_bits": 148, "backend": backend}), 0, "verdict: holds")


def test_huge_violation_is_violated_not_inconclusive(tmp_path):
    # GD on f = -x^2/2 multiplies every perturbation by 1 + eta = 11/10 per step: 1.1^16500 ~ 1.6e683.
    result = check(tmp_path, problem={"objective": "-x**2/2"}, run={"eta": "1/10", "steps": 16500, "record_every": 500})
    expect(result, 1, "verdict: violated", "e+682")


def test_upper_bound_shows_the_largest_value_and_tight_only_within_trusted_digits(tmp_path):
    # GD on f = -x^2/2 for 3 steps at eta = 1/10: 1.1, 1.21, 1.331 against the bound 1.3315: the closest
    # approach (8.7e-5 of the bound away in the seed's words, 5e-4 here) is resolved, so it is not tight.
    status, output = check(tmp_path, problem={"objective": "-x**2/2"}, run={"eta": "1/10", "steps": 3},
                           claim={"kind": "upper_bound", "bound": "13315/10000"})
    assert status == 0 and "tight" not in output and "gap of 0.0005" in output, output
    # An exactly attained bound is tight: 1.1^3 = 1.331.
    status, output = check(tmp_path, problem={"objective": "-x**2/2"}, run={"eta": "1/10", "steps": 3},
                           claim={"kind": "upper_bound", "bound": "1331/1000"})
    assert status == 0 and "attained (tight)" in output, output
    # Against the bound 2T, the value closest to its bound (1.1 at T = 1) is not the largest (1.331 at T = 3).
    status, output = check(tmp_path, problem={"objective": "-x**2/2"}, run={"eta": "1/10", "steps": 3},
                           claim={"kind": "upper_bound", "bound": "2*T"})
    assert "amplification = 1.1000000 at eta*T = 0.1 (closest to the bound); largest 1.3310000 at eta*T = 0.3" in output, output


# ------------------------------------------------------------------ phi not strictly convex
def test_phi_with_negative_curvature_everywhere_sampled_is_refused(tmp_path):
    expect(check(tmp_path, problem={"regularizer": "x**4/4 - x**2"}), 2, "not strictly convex")


def test_phi_whose_negative_curvature_the_samples_miss_is_caught_along_the_run(tmp_path):
    # h'' = 1 - 200 near x = 1/2 only; GD-like steps from 0 towards 1 land on 1/2 at the first step.
    phi = "x**2/2 + y**2/2 + exp(-1000000*(x-1/2)**2)/10000"
    result = check(tmp_path, problem={"variables": ["x", "y"], "regularizer": phi, "objective": "(x-1)**2/2 + (y-1)**2/2"},
                   run={"x0": ["0", "0"], "direction": ["1", "0"], "eta": "1/2"})
    expect(result, 2, "not strictly convex at x_1", "checked at every iterate", "no verdict")


def test_a_sampled_phi_reports_how_its_convexity_was_checked(tmp_path):
    # h'' = 1 - sin(x)/4 > 0 everywhere, which sympy does not prove: 11 iterates x 2 runs x 2 rungs are checked.
    result = check(tmp_path, problem={"regularizer": "x**2/2 + sin(x)/4"}, run={"eta": "1/10"},
                   claim={"kind": "upper_bound", "bound": "10"})
    expect(result, 0, "convexity: checked along the run (44 points")
    expect(check(tmp_path), 0, "convexity: proved")


# ------------------------------------------------------------------ start, step, domain, simplex
@pytest.mark.parametrize("sections, words", [
    ({"problem": {"domain": "positive", "regularizer": "log_barrier", "objective": "x"}, "run": {"x0": ["-1"]}},
     ["[run] x0", "outside the positive orthant"]),
    ({"problem": {"variables": ["p", "q"], "domain": "simplex", "regularizer": "negative_entropy", "objective": "p"},
      "run": {"x0": ["1/2", "1/3"], "direction": ["1", "-1"]}}, ["[run] x0", "sum to 5/6"]),
    ({"problem": {"variables": ["p", "q"], "domain": "simplex", "regularizer": "negative_entropy", "objective": "p"},
      "run": {"x0": ["1/2", "1/2"], "direction": ["1", "0"]}}, ["[run] direction", "zero-sum"]),
    ({"problem": {"variables": ["p", "q"], "domain": "simplex", "regularizer": "negative_entropy", "objective": "p"},
      "run": {"x0": ["1/2", "1/2"], "direction": ["1", "-1"], "eps": "1"}}, ["[run] eps", "perturbed start"]),
    ({"run": {"eta": "0"}}, ["[run] eta", "positive"]),
    ({"run": {"eta": "-1/2"}}, ["[run] eta", "positive"]),
    ({"run": {"direction": ["0"]}}, ["direction is zero"]),
])
def test_starts_and_steps_outside_the_assumptions(tmp_path, sections, words):
    expect(check(tmp_path, **sections), 2, *words)


def test_iterate_leaving_the_orthant_names_eta(tmp_path):
    result = check(tmp_path, problem={"domain": "positive", "regularizer": "log_barrier", "objective": "-x"},
                   run={"eta": "1/2", "steps": 5})
    expect(result, 2, "outside the image of grad phi", "reduce eta")


@pytest.mark.parametrize("regularizer", ["a**2 + b**2", {"name": "tsallis", "q": "2"}])
def test_simplex_with_a_non_legendre_phi(tmp_path, regularizer):
    problem = {"variables": ["a", "b"], "domain": "simplex", "regularizer": regularizer, "objective": "a"}
    run = {"x0": ["1/2", "1/2"], "direction": ["1", "-1"], "eta": "1/100", "steps": 5}
    # Interior steps exist: checked like any other (the inverse is valid only for y > 0, nu keeps it there).
    expect(check(tmp_path, problem=problem, run=run, claim={"kind": "upper_bound", "bound": "2"}), 0, "verdict: holds")
    # A step that would cross the boundary: the error says why, instead of "reduce eta".
    run = {**run, "eta": "40"}
    expect(check(tmp_path, problem=problem, run=run), 2, "no interior solution", "Legendre")


def test_newton_that_cannot_converge(tmp_path):
    problem = {"variables": ["x", "y"], "regularizer": "sqrt(1 + x**2 + y**2)", "objective": "3*x"}
    result = check(tmp_path, problem=problem, run={"x0": ["0", "0"], "direction": ["1", "0"], "eta": "1", "steps": 1})
    expect(result, 2, "did not converge")


def test_inverse_that_fails_its_round_trip_falls_back_to_newton_with_a_warning(tmp_path):
    result = check(tmp_path, problem={"regularizer": "x**4/4 + x**2/2"}, run={"eta": "1/10"},
                   claim={"kind": "upper_bound", "bound": "10"})
    expect(result, 0, "warning:", "falling back to Newton", "verdict: holds")


def test_iterates_that_overflow_every_precision_stop_with_a_message(tmp_path):
    result = check(tmp_path, problem={"objective": "-exp(exp(x))"}, run={"x0": ["5"], "eta": "1"})
    expect(result, 2, "exceeds every precision")


@pytest.mark.parametrize("objective, words", [
    ("x/0", ["[problem] objective", "divides by zero"]),
    ("z + x", ["[problem] objective", "'z' is not a known variable"]),
    ("0", ["verdict: holds"]),
])
def test_degenerate_objectives(tmp_path, objective, words):
    expect(check(tmp_path, problem={"objective": objective}), 0 if objective == "0" else 2, *words)


# ------------------------------------------------------------------ hostile text and unbounded work
HOSTILE = [
    ("__import__('os').system('touch /tmp/mdtheory-pwned')", "not allowed"),
    ("x.__class__", "Attribute"),
    ("(10**9999)**9999*x", "more than 100000 bits"),
    ("((2**9999)**9999)**9999*x", "more than 100000 bits"),
    ("exp(exp(exp(exp(100))))*x", "exp of a constant"),
    ("exp(exp(exp(x)))", "nests exponential functions"),
    ("-" * 19000 + "x", "nested"),
    ("+".join(["x"] * 5000), "nested"),
    ("(" * 300 + "x" + ")" * 300, "nested parentheses"),
    ("1" * 5000 + "*x", "limit"),
    ("x" * 30000, "characters long"),
    ("x**(10**100)", "exponent larger"),
]


@pytest.mark.parametrize("text, words", HOSTILE)
def test_hostile_expressions_are_refused_in_bounded_time(tmp_path, text, words):
    expect(check(tmp_path, problem={"objective": text}), 2, "[problem] objective", words)
    assert not Path("/tmp/mdtheory-pwned").exists()


@pytest.mark.parametrize("sections, words", [
    ({"run": {"eps": "1e-99999999"}}, ["[run] eps", "decimal exponent"]),
    ({"run": {"steps": 10**12}}, ["steps", "exceeds the limit", "--max-steps"]),
    ({"run": {"precision_bits": 10**9}}, ["[run] precision_bits", "--max-precision-bits"]),
    ({"run": {"steps": 1000, "record_every": 1}}, []),
])
def test_work_is_capped_and_the_cap_can_be_raised_explicitly(tmp_path, sections, words):
    result = check(tmp_path, **sections)
    expect(result, 2 if words else 0, *words)


def test_raised_caps_are_honoured(tmp_path):
    expect(check(tmp_path, "--max-steps", "20", run={"steps": 21}), 2, "limit of 20 steps")


def test_sympy_solve_on_a_hostile_phi_is_budgeted_and_falls_back_to_newton(tmp_path):
    phi = "x**2/2 + exp(-1000000*(x-1/2)**2)/10000"
    # The run stays on x > 1, away from the bump at 1/2, so each iterate is checked and a verdict is given.
    result = check(tmp_path, problem={"regularizer": phi, "objective": "(x-3)**2/2"}, run={"x0": ["2"], "eta": "1/10"},
                   claim={"kind": "upper_bound", "bound": "1"})
    expect(result, 0, "took longer than 3 s", "falling back to Newton", "verdict: holds", "checked along the run")


# ------------------------------------------------------------------ wrong types and shapes
@pytest.mark.parametrize("sections, words", [
    ({"run": {"steps": True}}, ["[run] steps", "integer"]),
    ({"run": {"steps": "10"}}, ["[run] steps", "integer"]),
    ({"run": {"x0": "1/2"}}, ["[run] x0", "list"]),
    ({"run": {"eps": 1e-10}}, ["[run] eps", "TOML float"]),
    ({"run": {"x0": [0.5]}}, ["[run] x0[0]", "TOML float"]),
    ({"run": {"backend": "gpu"}}, ["[run] backend"]),
    ({"problem": {"variables": "x"}}, ["[problem] variables"]),
    ({"problem": {"variables": ["x", "x"], "objective": "x"}, "run": {"x0": ["1", "1"], "direction": ["1", "0"]}},
     ["'x' is repeated"]),
    ({"problem": {"variables": ["exp"], "objective": "exp"}}, ["names a function"]),
    ({"problem": {"domain": "torus"}}, ["[problem] domain", "torus"]),
    ({"problem": {"regularizer": {"name": "tsallis", "q": 0.5}}}, ["regularizer.q", "exact strings"]),
    ({"claim": {"kind": "saturation", "level": "eps", "factor": "0"}}, ["[claim] factor", ">= 1"]),
    ({"claim": {"kind": "upper_bound", "bound": "K*T"}}, ["[claim] bound", "'K' is not a known variable"]),
    ({"claim": {"kind": "upper_bound", "bound": "-1"}}, ["not positive"]),
    ({"claim": {"kind": "telepathy"}}, ["[claim] kind", "telepathy"]),
    ({"claim": {"bound": "1"}}, ["[claim] kind", "missing"]),
    ({"claim": 3}, ["[claim]", "table"]),
    ({"extra": {"a": "1"}}, ["[extra]", "unknown section"]),
])
def test_wrong_types_name_the_key(tmp_path, sections, words):
    expect(check(tmp_path, **sections), 2, *words)


def test_missing_claim_section(tmp_path):
    path = claim_file(tmp_path)
    path.write_text(path.read_text().split("[claim]")[0])
    expect(cli("check", path, "--no-progress"), 2, "[claim]", "missing section")


# ------------------------------------------------------------------ the file system
def test_file_system_errors(tmp_path):
    expect(cli("check", tmp_path / "nowhere.toml"), 2, "no such file")
    expect(cli("check", tmp_path), 2, "is a directory")
    binary = tmp_path / "latin1.toml"
    binary.write_bytes(b"[problem]\nvariables = [\"\xe9\"]\n")
    expect(cli("check", binary), 2, "not UTF-8")
    broken = tmp_path / "broken.toml"
    broken.write_text("[problem\n")
    expect(cli("check", broken), 2, "not valid TOML")


def test_output_paths_are_checked_before_the_run(tmp_path):
    path = claim_file(tmp_path)
    expect(cli("check", path, "--json", tmp_path / "missing" / "out.json"), 2, "--json", "does not exist")
    expect(cli("check", path, "--json", tmp_path), 2, "--json", "is a directory")
    expect(cli("check", path, "--plot", tmp_path / "missing" / "p.png"), 2, "--plot")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        expect(cli("check", path, "--json", locked / "out.json"), 2, "not writable")


def test_json_writes_null_for_numbers_with_no_trusted_digit(tmp_path):
    out = tmp_path / "out.json"
    status, output = check(tmp_path, "--json", out, problem={"objective": "x"}, run={"eta": "1e30"})
    assert status == 3, output
    data = json.loads(out.read_text())
    assert "?" not in out.read_text()
    row = data["series"][-1]
    assert row["separation"] is None and row["trusted_digits"]["separation"] == 0
    assert float(row["separation_at_most"]) > 0  # the ladder still bounds it
    assert data["series"][0]["separation"] is not None  # at t = 0 it is resolved: 1e-10
    assert data["convexity"].startswith("proved")


def test_internal_errors_get_one_line_and_exit_4(tmp_path, monkeypatch):
    import mdtheory.checker.instance as instance

    def broken(*args, **kwargs):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(instance, "measure", broken)
    status, output = cli("check", claim_file(tmp_path), "--no-progress")
    assert status == 4 and "internal error: RuntimeError: planted bug" in output and "--debug" in output
    assert "Traceback" not in output
    status, output = cli("check", claim_file(tmp_path), "--no-progress", "--debug")
    assert status == 4 and "Traceback" in output


# ------------------------------------------------------------------ the Python API
def test_python_api_never_evaluates_strings():
    from mdtheory.checker import Decay, ExponentialGrowth, Saturation, UpperBound
    from mdtheory.engine.run import RunSpec
    from mdtheory.errors import MDTheoryError
    from mdtheory.symbolic.objectives import Objective
    from mdtheory.symbolic.regularizer import Regularizer

    x = sp.Symbol("x", real=True)
    attack = "__import__('os').system('touch /tmp/mdtheory-pwned')"
    for build in (
        lambda: Regularizer("r", attack, (x,), "reals"),
        lambda: Objective("f", attack, (x,)),
        lambda: UpperBound(attack),
        lambda: Decay(attack, "1/2"),
        lambda: Decay("1", attack),
        lambda: ExponentialGrowth(rate=attack),
        lambda: Saturation(attack),
    ):
        with pytest.raises(MDTheoryError, match="not allowed"):
            build()
    assert not Path("/tmp/mdtheory-pwned").exists()
    # text is still welcome, parsed safely; its T is the step count of the symbolic closed forms
    assert UpperBound("2*T").bound == 2 * STEPS
    with pytest.raises(MDTheoryError, match="Python float"):
        Decay("1", 0.5)
    with pytest.raises(MDTheoryError, match="x0: expected a list"):
        RunSpec.build("1/2", [1], "1e-3", "1/10", 2)
    with pytest.raises(MDTheoryError, match="steps: expected a positive integer"):
        RunSpec.build(["1/2"], [1], "1e-3", "1/10", True)
    with pytest.raises(MDTheoryError, match="repeated"):
        Regularizer("r", x**2, (x, x), "reals")
    with pytest.raises(MDTheoryError, match="factor"):
        Saturation("eps", factor="0")


def test_resolving_precision_is_computed_exactly():
    from mdtheory.engine.run import _ceil_log2

    for k in range(-5, 200, 7):
        power = sp.Integer(2) ** k
        assert _ceil_log2(power) == max(k, 0)
        assert _ceil_log2(power * (1 + sp.Rational(1, 10**30))) == max(k + 1, 0)
    assert _ceil_log2(sp.Rational(1, 3)) == 0


@pytest.mark.parametrize("args, words", [
    (["--d", "10000000000"], "at most 10000000 outcomes"),
    (["--d", "5", "--start", "zipf:1e999"], "Zipf exponent"),
    (["--d", "5", "--eta", "1e5000"], "past float64's range"),
    (["--d", "5", "--start", "min:1e-400"], "smallest probability"),
    (["--d", "100000", "--steps", "100000"], "--no-validate"),
    (["--d", "5", "--eta", "exp(1)"], "not a rational number"),
    (["--d", "5", "--start", "zipf:abc"], "not an exact number"),
])
def test_risk_settings_are_bounded(tmp_path, args, words):
    expect(cli("risk", *args), 2, words)


# ------------------------------------------------------------------ falsify's inputs
FALSIFY_BASE = {"x0": [["-1", "1"]], "eta": ["1/10", "1"], "candidates": 200, "seconds": 20}


@pytest.mark.parametrize("search, extra, words", [
    ({"candidates": 10**12}, [], ["[search] candidates", "[1, 1000000000]"]),
    ({"seconds": "1e9"}, [], ["[search] seconds", "86400"]),
    ({}, ["--candidates", "0"], ["--candidates"]),
    ({}, ["--seconds", "-1"], ["--seconds"]),
    ({"eta": ["1e5000", "1e6000"]}, [], ["not falsified", "not searched at all"]),  # every run overflows
    ({"x0": [["-1e300", "1e300"]]}, [], ["verdict:"]),
    ({"parameters": {"x": ["0", "1"]}}, [], ["[search] parameters.x", "not a variable"]),
    ({"colour": "red"}, [], ["[search] colour: unknown key"]),
    ({"x0": "everywhere"}, [], ["[search] x0"]),
], ids=lambda v: str(v)[:30])
def test_falsify_inputs_are_bounded_and_named(tmp_path, search, extra, words):
    path = claim_file(tmp_path, search={**FALSIFY_BASE, **search})
    status, output = cli("falsify", path, "--no-progress", *extra)
    assert "Traceback" not in output and "internal error" not in output, output
    for word in words:
        assert word in output, output
    assert status in (1, 2, 3), output


CHILD_OUTLIVING_ITS_PARENT = """
import os, sys, time
from mdtheory.processes import die_with_parent
parent = os.getpid()
if os.fork():
    os._exit(0)  # the parent dies between the fork and the child's request
time.sleep(0.5)
die_with_parent(parent)
open(sys.argv[1], "w").write(str(os.getpid()))
time.sleep(60)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_whose_parent_died_before_it_asked_to_die_with_it_exits(tmp_path):
    import subprocess
    import sys
    import time

    marker = tmp_path / "survivor"
    subprocess.run([sys.executable, "-c", CHILD_OUTLIVING_ITS_PARENT, str(marker)], check=True, timeout=60)
    time.sleep(2)
    assert not marker.exists(), "the orphaned child carried on after die_with_parent"
