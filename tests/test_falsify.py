"""falsify: planted-false claims are found and proved, true ones never reported violated; the vectorized
float64 screen against closed forms and against the per-candidate path; bad search ranges."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from mdtheory.claimfile import load_claim_file
from mdtheory.cli import main
from mdtheory.search import Candidates, Screen, SearchError, draw, falsify, falsify_file, search_space, witness_file

SUITE = Path(__file__).parent / "falsify"
PLANTED = sorted(SUITE.glob("*_false.toml"))
LIBRARY = Path(__file__).parent.parent / "mdtheory" / "theorems"
TRUE = sorted(SUITE.glob("*_true.toml")) + [LIBRARY / "online" / "hedge.toml", LIBRARY / "convergence" / "beck_teboulle.toml"]
SMALL_BUDGET = 1500  # candidates, for the default suite; the slow suite uses each file's own budget


@pytest.mark.parametrize("path", [SUITE / "gd_small_region_false.toml", SUITE / "kl_peak_false.toml",
                                  SUITE / "mahalanobis_quarter_false.toml"], ids=lambda p: p.stem)
def test_planted_false_claims_are_found_and_the_witness_reproduces(path, tmp_path):
    claim = load_claim_file(path)
    result = falsify(claim, candidates=SMALL_BUDGET)
    assert result.verdict == "violated" and result.witness is not None
    assert result.witness.certified  # closed-form steps: the ball of the amplification lies above the bound
    witness = tmp_path / "witness.toml"
    witness.write_text(witness_file(claim, result.witness))
    assert main(["check", str(witness), "--no-progress"]) == 1  # mdtheory check reproduces: violated


@pytest.mark.parametrize("path", [SUITE / "kl_peak_true.toml", SUITE / "gd_nonexpansive_true.toml"],
                         ids=lambda p: p.stem)
def test_true_claims_are_never_reported_violated(path):
    result = falsify(load_claim_file(path), candidates=SMALL_BUDGET)
    assert result.verdict == "not falsified" and result.witness is None
    assert result.best_ratio <= 1 + 1e-9 or result.discarded >= 1  # a float64 "violation" is discarded, not reported


def test_an_attained_bound_costs_float64_false_alarms_that_the_ladder_discards():
    # The KL peak 1/(4 delta (1 - delta)) is attained: float64 sees ratios of 1 + rounding; none survives.
    result = falsify(load_claim_file(SUITE / "kl_peak_true.toml"), candidates=SMALL_BUDGET)
    assert abs(result.best_ratio - 1) < 1e-6 and result.confirmed_on_ladder >= 1 and result.witness is None


def test_search_is_deterministic_for_a_seed():
    claim = load_claim_file(SUITE / "gd_small_region_false.toml")
    first, second = (falsify(claim, candidates=500, seed=7) for _ in range(2))
    assert first.best == second.best and first.best_ratio == second.best_ratio


def test_vectorized_screen_equals_the_closed_form_of_gd_on_a_quadratic():
    # GD on f = x^2/2: J = 1 - eta, so log A_T = T log|1 - eta| exactly; the worst step is T = steps when
    # |1 - eta| > 1, T = 1 otherwise.
    claim = load_claim_file(SUITE / "gd_small_region_false.toml")
    screen = Screen(claim, 50)
    etas = np.array([0.5, 1.5, 2.005, 1.999])
    batch = Candidates(np.full((4, 1), 0.3), np.ones((4, 1)), etas, np.zeros((4, 0)))
    log_ratios, at = screen.log_ratios(batch)
    expected = [(50 if abs(1 - e) > 1 else 1) * math.log(abs(1 - e)) for e in etas]
    assert np.allclose(log_ratios, expected, rtol=1e-12, atol=1e-12)
    assert list(at) == [1, 1, 50, 1]


def test_vectorized_screen_agrees_with_the_per_candidate_run():
    claim = load_claim_file(SUITE / "kl_peak_false.toml")
    screen = Screen(claim, claim.spec.steps)
    batch = draw(search_space(claim), 12, np.random.default_rng(3))
    vectorized, _ = screen.log_ratios(batch)
    looped = np.array([screen._one(batch.take(i))[0] for i in range(len(batch))])
    assert np.allclose(vectorized, looped, rtol=1e-9)


@pytest.mark.parametrize("search, words", [
    ('eta = ["1", "1/2"]', "eta: expected \\[low, high\\] with 0 < low <= high"),
    ('eta = ["0", "1"]', "eta"),
    ('x0 = [["1", "-1"]]', "x0\\[0\\]: the interval"),
    ('x0 = "domain"', "searches the simplex; on reals give a box.*or leave x0 out"),
    ('x0 = [["-1", "1"], ["0", "1"]]', "box of 1"),
    ('direction = ["0"]', "direction is zero"),
    ("seconds = 0", "seconds"),
    ('colour = "red"', "colour: unknown key"),
    ('parameters = {b = ["2", "1"]}', "is empty"),
    ('parameters = {x = ["0", "1"]}', "not a variable"),
])
def test_bad_search_ranges_name_the_key(tmp_path, search, words):
    before, after = (SUITE / "gd_small_region_false.toml").read_text().split("[search]\n")
    key = search.split(" ")[0]
    kept = [line for line in after.splitlines() if not line.startswith(key + " ")]  # the edit replaces its key
    text = before + "[search]\n" + search + "\n" + "\n".join(kept) + "\n"
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(Exception) as raised:
        falsify(load_claim_file(path), candidates=10)
    assert raised.type.__name__ in ("SearchError", "ClaimFileError") and raised.match(words)


def test_margin_outside_the_simplex_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text((SUITE / "kl_peak_false.toml").read_text().replace('margin = "1/1000"', 'margin = "1/2"'))
    with pytest.raises(SearchError, match="margin: must be in"):
        falsify(load_claim_file(path), candidates=10)


def test_falsify_command_writes_json_plot_and_witness(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["falsify", str(SUITE / "gd_small_region_false.toml"), "--candidates", "800", "--json", str(out),
                 "--plot", str(tmp_path / "r.png"), "--witness", str(tmp_path / "w.toml"), "--no-progress"])
    assert code == 1 and (tmp_path / "r.png").stat().st_size > 0 and (tmp_path / "w.toml").exists()
    import json

    data = json.loads(out.read_text())
    assert data["verdict"] == "violated" and data["witness"]["certified"] is True
    assert main(["falsify", str(SUITE / "kl_growth_rate_true.toml"), "--candidates", "800", "--no-progress"]) == 3
    assert "proves nothing" in capsys.readouterr().out


@pytest.mark.slow
def test_the_planted_suite_at_default_budgets():
    # every kind: sensitivity, regret, convergence, regularizer levels, dimensions; each file's own budget
    found = [falsify_file(path).verdict == "violated" for path in PLANTED]
    assert sum(found) >= 0.9 * len(PLANTED), dict(zip((p.stem for p in PLANTED), found))
    for path in TRUE:
        assert falsify_file(path).verdict == "not falsified", path.stem


def test_screening_on_local_processes_and_on_dask_gives_the_same_answer():
    from distributed import LocalCluster

    claim = load_claim_file(SUITE / "kl_peak_false.toml")
    here = falsify(claim, candidates=9000, seed=3)
    local = falsify(claim, candidates=9000, seed=3, workers=2)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = falsify(claim, candidates=9000, seed=3, scheduler=cluster.scheduler_address)
    for other in (local, dask):
        assert other.best == here.best and other.best_ratio == here.best_ratio and other.verdict == here.verdict


def test_certify_proves_nothing_for_an_instance_that_holds_or_a_quantity_it_cannot_enclose():
    from mdtheory.search import certify

    claim = load_claim_file(SUITE / "gd_small_region_false.toml")
    screen = Screen(claim, claim.spec.steps)
    holding = dataclasses.replace(claim.spec, eta=claim.spec.eta)  # eta = 1: x_1 = 0, amplification 0 <= 1
    assert not certify(screen, holding, 1, 256)
    violating = dataclasses.replace(claim.spec, eta=sp.Rational(201, 100))  # |1 - 2.01|^t > 1
    assert certify(screen, violating, 10, 256)
    # x - 2.01 x in balls triples the radius every step (the dependency problem): by t = 200 the balls of
    # the two trajectories overlap at 256 bits, and no certificate is claimed although 1.01^200 > 1.
    assert not certify(screen, violating, 200, 256)
    tangent = Screen(dataclasses.replace(claim, bound=dataclasses.replace(claim.bound, quantity="tangent_amplification")),
                     claim.spec.steps)
    assert not certify(tangent, violating, 10, 256)  # no ball enclosure of the tangent: no certificate claimed
