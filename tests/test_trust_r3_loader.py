"""Trust, round three (issue 25), the loader's items: files read in bounded time and memory, cheap checks
before budgeted symbolic work, a named refusal (exit 2) where an internal error (exit 4) or a misleading
message was, and each error message carrying its key once.

Every case runs the real CLI under the time and memory ceiling of tests/test_trust.py, so a hang or a blow-up
(the old behaviour of several cases) fails the test instead of the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.budget import within_budget
from mdtheory.testing import GoldenStore
from tests.test_trust import SECONDS, check, claim_file, cli, expect

SWEEP = Path(__file__).parent / "sweeps" / "small.toml"
POLICY = Path(__file__).resolve().parent.parent / "mdtheory" / "theorems" / "policy" / "npg_agarwal.toml"


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "claim.toml"
    os.mkfifo(path)
    return path


# ------------------------------------------------------------------ 13: files that never end
@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs a FIFO and /dev/zero")
@pytest.mark.parametrize("command", ["check", "falsify", "sweep", "worst-case"])
def test_a_file_that_never_ends_is_refused_before_it_is_read(tmp_path, command):
    # /dev/zero used to be read until MemoryError (its stat() size is 0), a FIFO to block forever
    for path in (Path("/dev/zero"), fifo(tmp_path)):
        expect(cli(command, path, "--no-progress"), 2, str(path), "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_sweep_results_file_that_never_ends_is_refused(tmp_path):
    # the results file is read back to resume: a FIFO failed with an internal error, /dev/zero never ended
    for results in (fifo(tmp_path), Path("/dev/zero")):
        expect(cli("sweep", SWEEP, "--results", results, "--no-progress"), 2, str(results), "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_golden_file_goes_through_the_same_reader(tmp_path):
    def load():
        try:
            GoldenStore(fifo(tmp_path), regenerate=False)
        except MDTheoryError as err:
            return str(err)
        return "read"

    assert "not a regular file" in within_budget(load, seconds=SECONDS)


def test_at_most_the_limit_plus_one_byte_is_read(tmp_path):
    from mdtheory.claimfile import read_user_file  # the one reader of user files

    path = tmp_path / "claim.toml"
    path.write_text("# " + "x" * 8)
    assert read_user_file(path, limit=10) == "# " + "x" * 8
    path.write_text("# " + "x" * 9)
    with pytest.raises(MDTheoryError, match="more than 10 bytes"):
        read_user_file(path, limit=10)


# ------------------------------------------------------------------ 13: cheap checks first
@pytest.mark.parametrize("regularizer, x0, words", [
    # h''(1/2) = 1 - 200 exactly; sympy's solve for its inverse mirror map used to run out its budget first
    ("x**2/2 + exp(-1000000*(x-1/2)**2)/10000", "1/2", ["exactly [[-199]]"]),
    ("x**4", "0", ["exactly [[0]]"]),
    # h''(1) = 1 - e: not rational, its sign is trusted once it survives a doubling of the digits
    ("x**2/2 - exp(x)", "1", ["pivot 0", "-1.71828"]),
])
def test_phi_not_strictly_convex_at_the_start_is_refused_before_any_symbolic_budget(tmp_path, regularizer, x0, words):
    result = check(tmp_path, problem={"regularizer": regularizer, "objective": "(x-3)**2/2"}, run={"x0": [x0]})
    expect(result, 2, "[run] x0: phi is not strictly convex at the start", *words)
    assert "took longer than" not in result[1], result[1]  # no budgeted sympy call ran before the refusal


@pytest.mark.parametrize("regularizer, x0", [("x**2 + 1/x", "0"), ("x**2 + x*log(x)", "0")])
def test_phi_undefined_at_the_start_is_refused_by_name(tmp_path, regularizer, x0):
    # Hess phi at x0 is zoo (1/x at 0) or undefined (log at 0): it was converted to a float and ended in an
    # internal error (exit 4)
    result = check(tmp_path, problem={"regularizer": regularizer, "objective": "(x-3)**2/2"}, run={"x0": [x0]})
    expect(result, 2, "[run] x0: Hess phi is not defined at the start")


def test_phi_convex_at_the_start_still_runs(tmp_path):
    # h''(2) = 1 - 2*10^6*exp(-2.25*10^6)*(...) > 0: not refused at load; the run checks every iterate
    result = check(tmp_path, problem={"regularizer": "x**2/2 + exp(-1000000*(x-1/2)**2)/10000",
                                      "objective": "(x-3)**2/2"}, run={"x0": ["2"], "eta": "1/10"})
    expect(result, 0, "verdict: holds")


# ------------------------------------------------------------------ 14: not a real finite expression
@pytest.mark.parametrize("bound, words", [
    ("log(0) + 2", ["'log(0)' is not finite"]),
    ("0**(-1)", ["'0**(-1)' is not finite"]),
    ("sqrt(-1) + 2", ["'sqrt(-1)' is not real"]),
    ("log(-1)", ["is not real"]),
    ("(-8)**(1/3)", ["is not real"]),  # the principal cube root is complex
    ("sqrt(-T)", ["'sqrt(-T)' is not real"]),
    ("atanh(1)*T", ["'atanh(1)' is not finite"]),
])
def test_a_bound_that_is_not_real_and_finite_is_refused_at_load(tmp_path, bound, words):
    expect(check(tmp_path, claim={"kind": "upper_bound", "bound": bound}), 2, "[claim] bound", *words)


def test_an_objective_that_is_not_finite_is_refused_at_load(tmp_path):
    expect(check(tmp_path, problem={"objective": "x**2/2 + log(0)*x"}), 2, "[problem] objective", "not finite")


def test_real_bounds_are_still_accepted(tmp_path):
    for bound in ("sqrt(T)*log(T + 1) + 1", "abs(-2)", "asinh(1)*(1 + T)", "(-2)**2/2"):
        expect(check(tmp_path, claim={"kind": "upper_bound", "bound": bound}), 0, "verdict: holds")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_json_file_that_fails_after_the_run_is_bad_input_and_the_result_is_shown(tmp_path):
    # /dev/full passes every check made before the run and fails the write: that was an internal error (exit 4)
    status, output = cli("check", claim_file(tmp_path), "--json", "/dev/full", "--no-progress")
    assert status == 2, output
    assert "verdict: holds" in output and "--json /dev/full: could not be written" in output, output
    assert "internal error" not in output, output


# ------------------------------------------------------------------ 15: misleading messages
def test_a_twin_expected_verdict_in_its_claim_table_is_refused_not_replaced(tmp_path):
    twin = {"why": "a bound below the measured 1/2", "claim": {"kind": "upper_bound", "bound": "1/10",
                                                               "expected": "holds"}}
    # it used to be replaced by violated without a word, and the twin passed
    expect(check(tmp_path, "--twin", twin=twin), 2, "[twin] claim.expected", "[twin] expected")
    twin["claim"].pop("expected")
    expect(check(tmp_path, "--twin", twin=twin), 0, "verdict: violated")


@pytest.mark.parametrize("sections, words", [
    ({"problem": {"variables": ["lambda"], "objective": "lambda**2/2"}}, ["[problem] variables"]),
    ({"constants": {"lambda": "2"}, "claim": {"kind": "upper_bound", "bound": "lambda*T"}}, ["[constants] lambda"]),
    ({"search": {"parameters": {"in": ["1", "2"]}}}, ["[search] parameters.in"]),
    ({"claim": {"kind": "upper_bound", "bound": "lambda*T"}}, ["[claim] bound"]),  # used, never declared
])
def test_a_python_keyword_as_a_name_is_called_a_reserved_word(tmp_path, sections, words):
    result = check(tmp_path, **sections)
    expect(result, 2, *words, "is a reserved word", "pick another name")
    assert "invalid syntax" not in result[1], result[1]


@pytest.mark.parametrize("sections, key", [
    ({"run": {"steps": 0}}, "[run] steps:"),
    ({"run": {"record_every": 0}}, "[run] record_every:"),
    ({"claim": {"kind": "limit", "tolerance": "-1"}}, "[claim] tolerance:"),
    ({"problem": {"variables": ["x", "x"], "objective": "x"}, "run": {"x0": ["1", "1"], "direction": ["1", "0"]}},
     "[problem] variables:"),
])
def test_each_message_carries_its_key_once(tmp_path, sections, key):
    status, output = check(tmp_path, **sections)
    assert status == 2, output
    # a loader error starts with the file's path, then the key, each once
    message = output.split("error: ", 1)[1].split(".toml: ", 1)[1]
    assert message.startswith(key), output
    bare = key.split("] ")[1]
    assert message.count(bare) == 1 and "[run] [run]" not in message and "[problem]:" not in message, output


@pytest.mark.parametrize("replace, key", [
    (('gamma = "9/10"', 'gamma = "2"'), "[problem] gamma:"),
    (('gamma = "9/10"', 'gamma = "9/10"\ntau = "1"'), "[run] eta:"),  # eta = 5 > (1 - gamma)/tau = 1/10
])
def test_each_mdp_message_carries_its_key_once(tmp_path, replace, key):
    text = POLICY.read_text().split("[twin]")[0].replace(*replace).replace('eta = "1/10"', 'eta = "5"')
    path = tmp_path / "mdp.toml"
    path.write_text(text)
    status, output = cli("check", path, "--no-progress")
    assert status == 2, output
    message = output.split("error: ", 1)[1].removeprefix(f"{path}: ")
    assert message.startswith(key) and message.count(key.split("] ")[1]) == 1, output
