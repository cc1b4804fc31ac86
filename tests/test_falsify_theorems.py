"""falsify beyond sensitivity: library theorems (regret, convergence) searched over their stated ranges, with
planted-false versions found and their witnesses reproduced by ``mdtheory check``; structural choices (a
regularizer parameter's levels, the dimension d); sum_i objectives; bad ranges."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import sympy as sp

from mdtheory.claimfile import ClaimFileError, claim_from_tables, load_claim, read_claim_tables
from mdtheory.cli import main
from mdtheory.search import SearchError, falsify_file, structural_variants
from mdtheory.search import closest_approach, with_instance
from mdtheory.symbolic.parsing import parse_expression
from mdtheory.errors import ExpressionError

SUITE = Path(__file__).parent / "falsify"
LIBRARY = Path(__file__).parent.parent / "mdtheory" / "theorems"
SMALL = 24  # candidates; refinement and the ladder add about 80 more measurements


def test_a_regret_bound_with_a_tightened_constant_is_found_and_the_witness_reproduces(tmp_path):
    result = falsify_file(SUITE / "hedge_tightened_false.toml", candidates=SMALL)
    assert result.verdict == "violated" and not result.witness.certified
    eta = sp.Rational(result.witness.instance["eta"])
    assert sp.Rational(1, 50) <= eta <= 2  # inside the stated range
    witness = tmp_path / "witness.toml"
    witness.write_text(result.witness.claim_text)
    assert main(["check", str(witness), "--no-progress"]) == 1


def test_the_twin_of_a_library_theorem_is_falsified_from_the_command_line(tmp_path, capsys):
    # the twin's stated instance is above its bound on the screen, so it goes to the ladder first
    code = main(["falsify", str(LIBRARY / "online" / "hedge.toml"), "--twin", "--candidates", "8", "--no-progress",
                 "--witness", str(tmp_path / "w.toml")])
    assert code == 1 and "certified: no" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "w.toml"), "--no-progress"]) == 1


def test_the_screen_measures_what_the_check_measures():
    # Hedge's regret against the closed form of two experts with constant losses (0, 1): the learner's loss
    # in round s is the weight of expert 2, e^{-eta(s-1)}/(1 + e^{-eta(s-1)}), the best expert's is 0.
    data, name = read_claim_tables(LIBRARY / "online" / "hedge.toml")
    data["problem"]["losses"] = ["0", "1"]
    data["claim"]["bound"] = "1"
    claim = claim_from_tables(data, name)
    eta, steps = sp.Rational(1, 3), claim.problem.steps
    log_ratio, t = closest_approach(with_instance(claim, {"eta": eta, "x0": None, "parameters": ()}, 53))
    regret = [sum(1 / (1 + math.exp(float(eta) * s)) for s in range(n)) for n in range(1, steps + 1)]
    # the regret grows to its limit; past t ~ 110 the increments are below 53 bits, so t is the first step there
    assert math.isclose(log_ratio, math.log(regret[-1]), rel_tol=1e-12) and regret[t - 1] > regret[-1] * (1 - 1e-15)


@pytest.mark.slow  # about 10 s: the ladder screen measures each candidate's regret
def test_loss_parameters_are_searched_and_substituted_in_the_witness(tmp_path):
    data, _ = read_claim_tables(SUITE / "hedge_tightened_false.toml")
    text = (SUITE / "hedge_tightened_false.toml").read_text().replace('"2/5"]', '"a"]').replace(
        'eta = ["1/50", "2"]', 'eta = ["1/50", "2"]\nparameters = {a = ["1/5", "3/5"]}')
    path = tmp_path / "p.toml"
    path.write_text(text)
    assert load_claim(path).problem.parameter_values == (sp.Rational(2, 5),)  # the middle of the range
    result = falsify_file(path, candidates=SMALL)
    assert result.verdict == "violated" and "a" in result.witness.instance
    assert '"a"' not in result.witness.claim_text and "losses" in result.witness.claim_text


def test_regularizer_levels_are_exact_values_each_a_problem():
    data, _ = read_claim_tables(SUITE / "hypentropy_scale_false.toml")
    variants = structural_variants(data)
    assert [label for label, _ in variants] == [f"regularizer beta = {b}" for b in ("1/2", "9/8", "7/4", "19/8", "3")]
    assert variants[2][1]["problem"]["regularizer"] == {"name": "hypentropy", "beta": "7/4"}


def test_a_bound_false_only_at_some_regularizer_levels_is_found_there(tmp_path):
    result = falsify_file(SUITE / "hypentropy_scale_false.toml", candidates=2000)
    assert result.verdict == "violated" and result.witness.certified
    beta = sp.Rational(result.witness.variant.split("= ")[1])
    assert beta > 2  # hypentropy near 0 is GD with step eta*beta: non-expansive only for beta <= 2
    witness = tmp_path / "w.toml"
    witness.write_text(result.witness.claim_text)
    assert main(["check", str(witness), "--no-progress"]) == 1


def test_sum_i_writes_an_objective_for_every_dimension():
    xs = sp.symbols("x1:4")
    expr = parse_expression("sum_i(i*x_i) + sum_i((x_i - 1/i)**2)/2", dict(zip(("x1", "x2", "x3"), xs)),
                            indexed=("x", xs))
    assert sp.expand(expr - (xs[0] + 2 * xs[1] + 3 * xs[2] + sum((x - sp.Rational(1, k + 1)) ** 2
                                                                   for k, x in enumerate(xs)) / 2)) == 0
    with pytest.raises(ExpressionError, match="needs variables"):
        parse_expression("sum_i(x_i)", {})
    with pytest.raises(ExpressionError, match="does not nest"):
        parse_expression("sum_i(sum_i(x_i))", {}, indexed=("x", xs))


def test_dimension_variants_reset_the_start_and_direction():
    data, _ = read_claim_tables(SUITE / "kl_peak_every_dimension_false.toml")
    variants = dict(structural_variants(data))
    five = variants["d = 5"]
    assert five["problem"]["variables"] == {"name": "x", "d": 5} and five["run"]["x0"] == ["1/5"] * 5
    assert five["run"]["direction"] == ["1", "-1", "0", "0", "0"]
    assert variants["d = 2"]["run"]["x0"] == ["1/2", "1/2"]


@pytest.mark.parametrize("edit, words", [
    (('d = [2, 3, 5]', 'd = []'), "d: expected a non-empty list"),
    (('d = [2, 3, 5]', 'd = [2, 3, 5]\ndirection = ["1", "-1"]'), "direction: a fixed direction"),
    (('variables = {name = "x", d = 2}', 'variables = ["x1", "x2"]'), "needs .*variables"),
    (('d = [2, 3, 5]', 'levels = 3'), "levels: counts"),
    (('d = [2, 3, 5]', 'regularizer = {q = ["1", "1/2"]}'), "is empty"),
    (('d = [2, 3, 5]', 'd = [2, 3, 5]\nregularizer = {q = ["1/2", "2"]}\nlevels = 40'), "exceed 64"),
])
def test_bad_structural_ranges_name_the_key(tmp_path, edit, words):
    text = (SUITE / "kl_peak_every_dimension_false.toml").read_text()
    assert edit[0] in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(edit[0], edit[1]))
    with pytest.raises((SearchError, ClaimFileError), match=words):
        falsify_file(path, candidates=5)


@pytest.mark.parametrize("variables, words", [
    ('{name = "x"}', "variables.d"), ('{name = "x", d = 0}', "integer dimension"),
    ('{name = "1x", d = 2}', "variables.name"), ('{name = "x", d = 2, e = 1}', "variables.e"),
])
def test_bad_indexed_variables_name_the_key(tmp_path, variables, words):
    text = (SUITE / "kl_peak_every_dimension_false.toml").read_text()
    path = tmp_path / "bad.toml"
    path.write_text(text.replace('{name = "x", d = 2}', variables))
    with pytest.raises(ClaimFileError, match=words):
        falsify_file(path, candidates=5)


@pytest.mark.parametrize("search, words", [
    ('eta = ["2", "1"]', "eta: expected"), ('x0 = [["0", "1"]]', "on the simplex use"),
    ('margin = "1/2"\nx0 = "domain"', "margin: must be in"), ('direction = "any"', "direction: unknown key"),
])
def test_bad_theorem_search_ranges_name_the_key(tmp_path, search, words):
    text = (SUITE / "beck_teboulle_tightened_false.toml").read_text()
    before, after = text.split("[search]\n")
    keys = {line.split(" ")[0] for line in search.splitlines()}
    kept = [line for line in after.splitlines() if line.split(" ")[0] not in keys]
    path = tmp_path / "bad.toml"
    path.write_text(before + "[search]\n" + search + "\n" + "\n".join(kept) + "\n")
    with pytest.raises(ClaimFileError, match=words):  # a SearchError is one
        falsify_file(path, candidates=5)


def test_a_policy_claim_searches_its_step_size_only(tmp_path):
    text = (LIBRARY / "policy" / "npg_agarwal.toml").read_text()
    path = tmp_path / "p.toml"
    path.write_text(text.replace("[search]\n", '[search]\nx0 = "domain"\n', 1))
    with pytest.raises(SearchError, match="step size eta only"):
        falsify_file(path, candidates=5)


SEARCHABLE = sorted(p for p in LIBRARY.glob("*/*.toml") if "[search]" in p.read_text())


def test_most_of_the_library_states_a_range_to_search():
    assert len(SEARCHABLE) >= 9  # the limit, growth and 3000-step claims have none


def test_a_twin_that_moves_the_stated_instance_outside_the_range_moves_the_range_too():
    data, _ = read_claim_tables(LIBRARY / "seed_paper" / "gd_step_size_edge.toml", twin=True)
    assert data["run"]["eta"] == "11/10" and data["search"]["eta"] == ["1/100", "11/10"]
    assert data["search"]["x0"] == [["-2", "2"], ["-2", "2"]]  # the rest of [search] is kept


# a small budget (candidates, and seconds that bound the refinement too): every twin is violated at its stated
# instance, and the theorems' closest approaches are far from 1; the files' own budgets are what a user runs
LIBRARY_SEARCH_CANDIDATES, LIBRARY_SEARCH_SECONDS = 12, 15


@pytest.mark.slow
@pytest.mark.parametrize("path", SEARCHABLE, ids=lambda p: p.stem)
def test_library_theorems_are_not_falsified_over_their_ranges_and_their_twins_are(path):
    budget = dict(candidates=LIBRARY_SEARCH_CANDIDATES, seconds=LIBRARY_SEARCH_SECONDS)
    assert falsify_file(path, **budget).verdict == "not falsified"
    assert falsify_file(path, twin=True, **budget).verdict == "violated"


def test_a_theorem_search_is_deterministic_for_a_seed():
    first, second = (falsify_file(LIBRARY / "policy" / "npg_agarwal.toml", candidates=6, seed=5) for _ in range(2))
    assert first.best == second.best and first.best_ratio == second.best_ratio and first.history == second.history
