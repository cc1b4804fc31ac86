"""Issue 25 ("Trust, round three"), item 13: the memory of convergence claims. A claim recorded sparsely is still
checked at every step, from what the bound reads alone (one quantity, kept as numbers), and a claim whose kept
numbers exceed engine.run.MAX_PATH_ENTRIES is refused before it runs, naming [run] steps, the limit and the fix.

Exit codes: 0 holds, 1 violated, 2 bad input, 3 inconclusive.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from mdtheory.problems import offline as offline_problem
from mdtheory.checker.bounds import CONVERGENCE_QUANTITIES
from mdtheory.checker.convergence import Solution, check_kept_numbers
from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.engine.run import MAX_PATH_ENTRIES, RunSpec
from mdtheory.errors import StepSizeError

# GD on f = x^2/2 from x0 = 2 with eta = 1/10: x_t = 2 (9/10)^t, so f(x_t) - f* = 2 (81/100)^t exactly
# (0.6973568802 at t = 5). The bound 1/10 + (T - 5)^2 is below it at t = 5 alone (at t = 4 and 6 it is 1.1,
# above 0.86 and 0.56), and with record_every = 4 step 5 is never recorded.
LINE = {
    "problem": {"variables": ["x1"], "domain": "reals", "regularizer": "euclidean", "objective": "x1**2/2"},
    "run": {"x0": ["2"], "eta": "1/10", "steps": 12, "record_every": 4, "precision_bits": 64},
    "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1/10 + (T - 5)**2"},
}


def check(tmp_path, *extra, **tables) -> tuple[int, str]:
    data = {section: {**LINE[section], **tables.get(section, {})} for section in LINE}
    data.update({k: v for k, v in tables.items() if k not in LINE})
    path = tmp_path / "claim.toml"
    path.write_text(toml_text(data))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["check", str(path), "--no-progress", *extra])
    return code, out.getvalue()


@pytest.mark.parametrize("record_every", [1, 4])
def test_a_convergence_bound_broken_between_records_is_violated(tmp_path, record_every):
    code, output = check(tmp_path, run={"record_every": record_every})
    assert code == 1 and "verdict: violated" in output, output
    assert "0.697356880" in output, output  # 2 (81/100)^5, at the step no record holds


def test_the_same_claim_with_a_bound_above_every_step_holds_at_every_step(tmp_path):
    code, output = check(tmp_path, claim={"bound": "2 + (T - 5)**2"})
    assert code == 0 and "holds at every step" in output, output


def test_the_dense_check_reads_only_the_claimed_quantity(tmp_path, monkeypatch):
    """The measurement a sparsely recorded claim is judged on carries its own quantity at every step, and no
    other (each one would cost as much memory as the claim's own)."""
    seen = []
    original = offline_problem.convergence_measurements

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        seen.extend(result)
        return result

    monkeypatch.setattr(offline_problem, "convergence_measurements", spy)
    code, output = check(tmp_path, claim={"quantity": "distance_to_solution", "bound": "3"})
    assert code == 0, output
    (m,) = seen
    # every step: only the claimed quantity; the recorded steps (bounded by MAX_RECORDED): every quantity, for the JSON
    assert set(m.dense) == {"distance_to_solution"} and set(m.derived) >= set(CONVERGENCE_QUANTITIES)
    every_t, series = m.dense["distance_to_solution"]
    assert every_t == list(range(13)) and len(series.values) == 13
    assert m.fine.path == [] and m.ladder.coarse.path == []  # the iterates are released once summarized


def _no_run(*args, **kwargs):
    raise AssertionError("the run started: the refusal must come before it")


@pytest.mark.parametrize("comparators, steps", [([], MAX_PATH_ENTRIES // 2 + 1), ([["1/2"], ["1/3"]], MAX_PATH_ENTRIES // 4 + 1)])
def test_a_claim_just_above_the_kept_numbers_limit_is_refused_before_it_runs(tmp_path, monkeypatch, comparators,
                                                                              steps):
    monkeypatch.setattr(offline_problem, "measure", _no_run)
    tables = {"solution": {"comparators": comparators}} if comparators else {}
    code, output = check(tmp_path, "--max-steps", str(2 * steps), run={"steps": steps, "record_every": 1000},
                         **tables)
    assert code == 2, output
    assert "[run] steps" in output and f"limit of {MAX_PATH_ENTRIES}" in output, output
    assert f"use steps <= {steps - 1}" in output, output


def test_the_limit_itself_is_allowed():
    for references, steps in ((1, MAX_PATH_ENTRIES // 2), (3, MAX_PATH_ENTRIES // 4)):
        solution = Solution(comparators=tuple((1,) for _ in range(references - 1)))
        spec = RunSpec.build(["1"], ["1"], "1", "1", steps, record_every=1000, perturbed=False, max_steps=steps)
        check_kept_numbers(spec, 1, solution)  # no refusal
        with pytest.raises(StepSizeError, match=r"\[run\] steps"):
            check_kept_numbers(RunSpec.build(["1"], ["1"], "1", "1", steps + 1, record_every=1000, perturbed=False,
                                             max_steps=steps + 1), 1, solution)
