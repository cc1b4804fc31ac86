"""Trust, round three (issue 25), falsify and sweep: every [search] key honoured or refused by name, grids
capped before they are built, and refusals (exit 2) where internal errors (exit 4) or hangs were.

Ground truth: GD on f = sum_i i x_i^2 / 2 (Hess f = diag(1, ..., d)) multiplies the i-th coordinate of a
perturbation by 1 - eta i each step, so with eta = 4/5 it is non-expansive in d = 2 (|1 - 8/5| = 3/5) and
expands in every d >= 3 (|1 - 12/5| = 7/5); GD on f = 3 x^2 / 2 with eta = 2/3 multiplies by |1 - 2| = 1
exactly.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest
import sympy as sp

from mdtheory import processes
from mdtheory.claimfile import toml_text
from mdtheory.search import TheoremSpace
from tests.test_trust import cli, expect

BY_DIMENSION = {
    "problem": {"variables": {"name": "x", "d": 2}, "domain": "reals", "regularizer": "euclidean",
                "objective": "sum_i(i*x_i**2/2)"},
    "run": {"x0": ["1/3", "1/3"], "direction": ["1", "0"], "eps": "1e-20", "eta": "4/5", "steps": 10,
            "precision_bits": 128},
    "search": {"x0": [["-1", "1"]], "candidates": 200, "seconds": 60},
    "claim": {"kind": "upper_bound", "bound": "1"},
}


def written(tmp_path, tables: dict, name="case.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def edited(base: dict, **sections) -> dict:
    """``base`` with each section's keys updated; a key set to None is removed."""
    data = {section: dict(table) for section, table in base.items()}
    for section, updates in sections.items():
        data[section].update(updates)
        data[section] = {k: v for k, v in data[section].items() if v is not None}
    return data


# ------------------------------------------------------------------ item 7: [search] d with one value
@pytest.mark.parametrize("dims, found", [([5], "d = 5"), ([3, 3], "d = 3")])
def test_search_d_with_one_value_searches_that_dimension_not_the_files_own(tmp_path, dims, found):
    # The file states d = 2, where the claim holds; d = [5] (or [3, 3]) asks for d = 5 (d = 3) alone, where it
    # is false. Before: the file's own d = 2 was searched and the answer was "not falsified".
    path = written(tmp_path, edited(BY_DIMENSION, search={"d": dims}))
    witness = tmp_path / "w.toml"
    expect(cli("falsify", path, "--no-progress", "--witness", witness), 1, "verdict: violated", found)
    expect(cli("check", witness, "--no-progress"), 1, "verdict: violated")
    # the control: in d = 2 the claim holds, so a d the search ignored could not pass this test
    expect(cli("falsify", written(tmp_path, edited(BY_DIMENSION, search={"d": [2]}), "two.toml"), "--no-progress"),
           3, "not falsified")


@pytest.mark.parametrize("dims, words", [([1000], "[search] d: 1000 is outside [1, 64]"),
                                         ([2, 1000], "[search] d: 1000 is outside [1, 64]"),
                                         ([0], "[search] d")])
def test_a_dimension_over_the_limit_is_refused_naming_search_d(tmp_path, dims, words):
    expect(cli("falsify", written(tmp_path, edited(BY_DIMENSION, search={"d": dims})), "--no-progress"), 2, words)


@pytest.mark.parametrize("tables, words", [
    # margin bounds x0 = "domain" only: beside a box, or with no searched start, it was silently ignored
    (edited(BY_DIMENSION, search={"margin": "1/100"}), "[search] margin"),
    (edited(BY_DIMENSION, search={"x0": None, "margin": "1/100"}), "[search] margin"),
    # a parameter the objective does not use would be searched without effect
    (edited(BY_DIMENSION, search={"parameters": {"a": ["1", "2"]}}), "[search] parameters.a: the objective does not"),
    # a one-point box interval is no range: named as a single point with the fix, not as "empty"
    (edited(BY_DIMENSION, search={"x0": [["1", "1"]]}), "is a single point"),
    # levels was turned into that many exact values before the variant count was checked
    (edited(BY_DIMENSION, problem={"variables": ["x"], "regularizer": {"name": "hypentropy", "beta": "1"},
                                   "objective": "x**2/2"},
            run={"x0": ["1"], "direction": ["1"]},
            search={"regularizer": {"beta": ["1/2", "3"]}, "levels": 10**9}), "[search] levels: 1000000000"),
], ids=["margin-beside-a-box", "margin-without-x0", "unused-parameter", "one-point-box", "huge-levels"])
def test_other_search_keys_that_would_be_ignored_are_refused(tmp_path, tables, words):
    expect(cli("falsify", written(tmp_path, tables), "--no-progress"), 2, words)


# ------------------------------------------------------------------ item 15: no [search] x0 on R^n
def test_without_search_x0_the_stated_start_is_kept_exactly(tmp_path):
    # GD on x^2/2 is non-expansive only for eta <= 2: searching eta alone must find eta in (2, 201/100] from
    # the stated start 1/3. Before: refused with 'x0: "domain" is only for the simplex'.
    tables = {"problem": {"variables": ["x"], "domain": "reals", "regularizer": "euclidean", "objective": "x**2/2"},
              "run": {"x0": ["1/3"], "direction": ["1"], "eps": "1e-20", "eta": "1", "steps": 50,
                      "precision_bits": 128},
              "search": {"eta": ["1/10", "201/100"], "candidates": 2000, "seconds": 60},
              "claim": {"kind": "upper_bound", "bound": "1"}}
    witness = tmp_path / "w.toml"
    expect(cli("falsify", written(tmp_path, tables), "--no-progress", "--witness", witness), 1, "verdict: violated",
           "x0 = (1/3 (0.333333333333333))")
    assert 'x0 = ["1/3"]' in witness.read_text()
    # x0 = "domain" on R^n is still refused, saying what it means and how to keep [run] x0
    tables["search"]["x0"] = "domain"
    expect(cli("falsify", written(tmp_path, tables, "domain.toml"), "--no-progress"), 2,
           '[search] x0: "domain" searches the simplex', "leave x0 out to keep [run] x0")


# ------------------------------------------------------------------ exact instances inside the stated range
def test_a_fixed_step_size_is_checked_exactly_not_as_its_rounded_decimal(tmp_path):
    # GD with eta = 2/L on f = 3x^2/2 multiplies by |1 - 3 eta| = 1 exactly: the claim "never expands" holds.
    # Before: the ladder ran eta = 0.666666666666667 (2/3 rounded up to 15 digits), where 1 - 3 eta < -1,
    # and reported a "violated" witness outside the stated instance.
    tables = {"problem": {"variables": ["x"], "domain": "reals", "regularizer": "euclidean", "objective": "3*x**2/2"},
              "run": {"x0": ["1"], "direction": ["1"], "eps": "1e-20", "eta": "2/3", "steps": 50,
                      "precision_bits": 128},
              "search": {"x0": [["-1", "1"]], "candidates": 200, "seconds": 60},
              "claim": {"kind": "upper_bound", "bound": "1"}}
    expect(cli("falsify", written(tmp_path, tables), "--no-progress"), 3, "not falsified")


def test_claim_language_candidates_stay_inside_their_intervals():
    # 8-digit decimals of a float near the top of [1/10, 2/3] rounded to 0.66666667 > 2/3 before
    space = TheoremSpace((sp.Rational(1, 10), sp.Rational(2, 3)), "stated", None, None, 2,
                         {"a": (sp.Rational(0), sp.Rational(2, 3))})
    for u in (1 - 1e-12, 0.999999999, 0.5, 0.0):
        point = space.point(np.array([u, u]))
        assert sp.Rational(1, 10) <= point["eta"] <= sp.Rational(2, 3)
        assert 0 <= point["parameters"][0] <= sp.Rational(2, 3)
    assert space.point(np.array([1 - 1e-12, 1 - 1e-12]))["eta"] == sp.Rational(2, 3)


# ------------------------------------------------------------------ item 13: sweep grids capped before building
def test_a_huge_sweep_grid_is_refused_before_it_is_built(tmp_path):
    # 200 x 200 x 3 x 200 = 24,000,000 points: before, every point was built (12,000,000 reached 4 GB) before
    # the first ran; now refused from the axis lengths alone, within the ceiling of tests.test_trust.cli.
    values = [f"1/{k}" for k in range(1, 201)]
    grid = {"eps": values, "eta": values, "T": [10, 11, 12], "d": [3], "lambda": values,
            "regularizer": ["negative_entropy"]}
    path = written(tmp_path, {"grid": grid, "claim": {"kind": "upper_bound", "bound": "1"}})
    expect(cli("sweep", path, "--no-progress"), 2, "[grid]: 24000000 points", "the limit of 100000")


# ------------------------------------------------------------------ item 14: refusals, not internal errors
@pytest.mark.parametrize("claim, named", [
    ({"kind": "upper_bound", "quantity": "suboptimality", "bound": "1"}, "not 'suboptimality'"),
    ({"kind": "upper_bound", "quantity": "worst_case_amplification", "bound": "1"}, "not 'worst_case_amplification'"),
    ({"kind": "limit", "tolerance": "1/1000"}, "not 'distance_to_solution' (the quantity of kind = 'limit')"),
])
def test_a_sweep_on_a_quantity_its_points_do_not_measure_is_refused_up_front(tmp_path, claim, named):
    # before: every point ran and came back an internal error ('RunSeries' object has no attribute ...), exit 4
    grid = {"eps": ["1e-12"], "eta": ["1/10"], "T": [10], "d": [3], "lambda": ["0"], "regularizer": ["negative_entropy"]}
    path = written(tmp_path, {"grid": grid, "claim": claim})
    expect(cli("sweep", path, "--no-progress", "--workers", "1"), 2, "[claim] quantity", named, "claim file")
    assert not path.with_suffix(".jsonl").exists()


def a_free_local_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_nobody_answers_at_is_refused_with_its_address(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the sweep's default results file goes to the current directory
    # before: distributed's 30 s connect timeout, then OSError: an internal error (exit 4) after 31.5 s
    monkeypatch.setattr(processes, "SCHEDULER_CONNECT_SECONDS", 2)  # the child forked by cli() inherits it
    address = f"tcp://127.0.0.1:{a_free_local_port()}"
    claim = written(tmp_path, BY_DIMENSION)
    expect(cli("falsify", claim, "--no-progress", "--scheduler", address), 2, f"--scheduler {address}",
           "no Dask scheduler answered within 2 s")
    grid = {"eps": ["1e-12"], "eta": ["1/10"], "T": [10], "d": [3], "lambda": ["0"], "regularizer": ["negative_entropy"]}
    sweep = written(tmp_path, {"grid": grid, "claim": {"kind": "upper_bound", "bound": "1"}}, "sweep.toml")
    expect(cli("sweep", sweep, "--no-progress", "--scheduler", address), 2, f"--scheduler {address}")
    # a malformed address was a ValueError (exit 4)
    expect(cli("falsify", claim, "--no-progress", "--scheduler", "nonsense"), 2, "--scheduler nonsense",
           "not a scheduler address")


def test_a_scheduler_without_workers_is_refused_not_waited_on_forever(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(processes, "SCHEDULER_CONNECT_SECONDS", 2)
    with LocalCluster(n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        expect(cli("falsify", written(tmp_path, BY_DIMENSION), "--no-progress", "--scheduler",
                   cluster.scheduler_address), 2, "the scheduler has no worker")
