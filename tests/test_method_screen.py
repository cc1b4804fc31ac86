"""falsify's float64 screen generated from any method's derived step (checker.float_convergence,
search.generated_screen): it measures what the ladder measures, for accelerated MD, dual averaging and a method
registered here, and a method without a closed-form step keeps the ladder screen, saying why."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import mpmath
import numpy as np
import pytest

from mdtheory.claimfile import claim_from_tables, read_claim_tables
from mdtheory.cli import main
from mdtheory.methods import SymbolicStep, register
from mdtheory.problems import offline
from mdtheory.search import LadderScreen
from mdtheory.search.generated_screen import GeneratedScreen, theorem_screen
from mdtheory.search.space import structural_variants

from .helpers import RelaxedMirrorDescent

pytest.importorskip("numba")

LIBRARY = Path(__file__).parent.parent / "mdtheory" / "theorems" / "convergence"
AGREEMENT = 1e-12  # relative, on log(measured / claimed): float64 against the 53-bit rung of the ladder
CANDIDATES = 2  # drawn, beside the stated instance


class RelaxedEntropicStep(RelaxedMirrorDescent):
    """x+ = (1 - a) x + a MD(x), under a name of its own: a method the search has never heard of, with a closed-form
    step."""

    name = "toy_screen_relaxed"


class ImplicitStep(RelaxedEntropicStep):
    """The same rule, declaring no closed form (as a step solved numerically would)."""

    name = "toy_screen_implicit"

    def derive(self, problem):
        return SymbolicStep(problem.variables, None, None, problem.parameters)


register(RelaxedEntropicStep())
register(ImplicitStep())

TOY = """
[problem]
variables = ["x1", "x2", "x3"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "x1**2/2 + x2**2/4 + x3**2/8"

[run]
method = "{method}"
x0 = ["1/2", "1/4", "1/4"]
eta = "1"
steps = 30
precision_bits = 64

[search]
x0 = "domain"
margin = "1/100"
eta = ["1/10", "3"]
candidates = 40

[claim]
kind = "upper_bound"
quantity = "{quantity}"
bound = "D0/(eta*T)"
"""


def screens(tables: dict, name: str):
    (label, variant), = structural_variants(tables)
    claim = claim_from_tables(variant, name)
    return theorem_screen(claim, variant, label), LadderScreen(claim, variant, label)


def assert_agree(fast, ladder, seed=1):
    batch = fast.draw(CANDIDATES, np.random.default_rng(seed))
    batch = type(batch).joined([fast.stated(), batch])
    (screened, screened_t), (laddered, laddered_t) = fast.log_ratios(batch), ladder.log_ratios(batch)
    assert np.all(np.isfinite(laddered))
    assert np.allclose(screened, laddered, rtol=AGREEMENT, atol=0) and np.array_equal(screened_t, laddered_t)


@pytest.mark.slow  # about 8 s each: the method's derivation (2-3 s in sympy), twice, and numba's compilation
@pytest.mark.parametrize("theorem, steps", [("tseng_accelerated", 40), ("nesterov_dual_averaging", 60)])
def test_the_generated_screen_measures_what_the_ladder_measures(theorem, steps, monkeypatch):
    # the ladder derives the method's step for every candidate it measures; here once (each measurement sets the
    # same flag on the kernel it is given)
    monkeypatch.setattr(offline, "kernel_for", functools.cache(offline.kernel_for))
    # the library files at fewer steps (the ladder's 53 bits take a second a candidate); dual averaging keeps
    # its sparse records (every 50 steps there, every 20 here): a block counts with its largest value
    data, name = read_claim_tables(LIBRARY / f"{theorem}.toml")
    data = copy.deepcopy(data)
    data["run"]["steps"] = steps
    if "record_every" in data["run"]:
        data["run"]["record_every"] = 20
    fast, ladder = screens(data, name)
    assert isinstance(fast, GeneratedScreen)
    assert_agree(fast, ladder)


def test_a_method_registered_elsewhere_gets_the_generated_screen(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY.format(method="toy_screen_relaxed", quantity="bregman_to_solution"))  # x* by Newton
    data, name = read_claim_tables(path)
    fast, ladder = screens(data, name)
    assert isinstance(fast, GeneratedScreen)
    assert_agree(fast, ladder, seed=2)


def test_falsify_finds_a_false_bound_with_the_generated_screen_and_the_ladder_confirms_it(tmp_path, capsys,
                                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "toy.toml"
    # a tenth of a rate the search comes within a factor of 2 of: false, confirmed on the precision ladder
    path.write_text(TOY.format(method="toy_screen_relaxed", quantity="suboptimality").replace(
        'bound = "D0/(eta*T)"', 'bound = "D0/(10*eta*T)"'))
    assert main(["falsify", str(path), "--candidates", "40", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "generated from the method's derived step" in out and "verdict: violated" in out
    assert main(["check", str(tmp_path / "toy.witness.toml"), "--no-progress"]) == 1  # the witness reproduces


@pytest.mark.parametrize("method, hidden, why", [("toy_screen_implicit", None, "has no closed-form step"),
                                                 ("toy_screen_relaxed", "numba", "pip install 'mdtheory[fast]'")])
def test_what_has_no_float_screen_is_screened_on_the_ladder_saying_why(tmp_path, hide_package, method, hidden, why):
    if hidden:
        hide_package(hidden)
    path = tmp_path / "toy.toml"
    path.write_text(TOY.format(method=method, quantity="suboptimality"))
    data, name = read_claim_tables(path)
    fast, _ = screens(data, name)
    assert type(fast) is LadderScreen and why in fast.screen_text


def test_the_generated_screen_against_the_closed_form_of_entropic_md_on_a_linear_cost(tmp_path):
    # f = <c, x> on the simplex: MD with the negative entropy gives x_t proportional to x0 exp(-eta t c), and x* is
    # the vertex of the smallest c (computed exactly); against the bound 1/T the screen's value is
    # max_t log(t (f(x_t) - min c)), here from the closed form in exact arithmetic
    text = TOY.format(method="md", quantity="suboptimality").replace(
        'objective = "x1**2/2 + x2**2/4 + x3**2/8"', 'objective = "x1 + 2*x2 + 3*x3"').replace(
        'bound = "D0/(eta*T)"', 'bound = "1/T"')
    path = tmp_path / "linear.toml"
    path.write_text(text)
    data, name = read_claim_tables(path)
    fast, _ = screens(data, name)
    batch = fast.draw(4, np.random.default_rng(3))
    x0, eta, _ = fast.instances(batch)
    screened, screened_t = fast.log_ratios(batch)
    c = [1, 2, 3]
    with mpmath.workdps(40):  # the float64 instance's numbers, exactly, in 40 digits
        for i in range(len(eta)):
            start, step = [mpmath.mpf(v) for v in x0[i]], mpmath.mpf(eta[i])
            values = []
            for t in range(1, 31):
                weights = [s * mpmath.exp(-step * t * ci) for s, ci in zip(start, c)]
                values.append(float(mpmath.log(t * (mpmath.fsum(w * ci for w, ci in zip(weights, c)) / mpmath.fsum(weights) - 1))))
            assert screened[i] == pytest.approx(max(values), rel=AGREEMENT)
            assert screened_t[i] == 1 + int(np.argmax(values))
