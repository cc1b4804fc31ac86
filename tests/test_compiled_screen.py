"""falsify's compiled screen (numba) against the numpy screen on the same candidates, against closed forms,
inside a falsify run, and compiled once per claim."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

from mdtheory.claimfile import load_claim_file  # noqa: E402
from mdtheory.cli import main  # noqa: E402
from mdtheory.search import Candidates, Screen, SearchError, draw, search_space  # noqa: E402

AGREEMENT = 1e-12  # |compiled - numpy| <= AGREEMENT * max(1, |numpy|): absolute near the verdict's 0, relative
                   # far from it, where 100 accumulated logs of that size carry rounding of about 1e-14 relative

# issue 26's workload, the claim benchmarks/falsify_screen.py times: the screens agree on what is benchmarked
SOFTMAX = (Path(__file__).resolve().parent.parent / "benchmarks" / "falsify_screen.toml").read_text()


def claim_text(problem: dict, run: dict, search: dict, claim: dict) -> str:
    """A claim file's text from its tables; every claim here is an upper bound, run at 128 bits."""
    tables = {"problem": problem, "run": {**run, "precision_bits": 128}, "search": search,
              "claim": {"kind": "upper_bound", **claim}}
    return "".join(f"[{name}]\n" + "".join(f"{key} = {toml(value)}\n" for key, value in table.items())
                   for name, table in tables.items())


def toml(value) -> str:
    if isinstance(value, dict):  # an inline table
        return "{" + ", ".join(f"{key} = {toml(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)  # a string, a number, or a list of them: JSON and TOML spell these alike


def problem(variables: str, domain: str, regularizer: str, objective: str) -> dict:
    return {"variables": variables.split(), "domain": domain, "regularizer": regularizer, "objective": objective}


def run(x0: str, direction: str, eta: str, steps: int, eps: str = "1e-20") -> dict:
    return {"x0": x0.split(), "direction": direction.split(), "eps": eps, "eta": eta, "steps": steps}


GRADIENT_DESCENT = claim_text(problem("x", "reals", "euclidean", "x**2/2"), run("1", "1", "1", 50),
                              {"x0": [["-1", "1"]], "eta": ["1/10", "201/100"]}, {"bound": "1"})

# Further shapes: a quadratic phi with a parameter in f, a separable phi on the box, one on the positive
# orthant, a bound in eta*T on the separation, and a bound that leaves the compiled screen's range. The step
# sizes stay where the dynamics do not amplify rounding by much: at eta = 8 on the box two float64 orders of
# the same arithmetic (the numpy screen and its own per-candidate loop) already differ by 3e-9.
SHAPES = {
    "quadratic_phi_with_parameter": claim_text(
        problem("x y", "reals", "x**2/2 + 8*y**2", "a*(x - y)**2/2 + x**4/12"), run("1 1", "1 0", "1", 30),
        {"x0": [["-1", "1"], ["-1", "1"]], "eta": ["1/100", "2"], "parameters": {"a": ["1/2", "1"]}}, {"bound": "2"}),
    "fermi_dirac_on_the_box": claim_text(
        problem("x y", "box", "fermi_dirac", "(x - 1/3)**2 + x*y"), run("1/2 1/2", "1 1", "1", 40),
        {"x0": [["1/100", "99/100"]], "eta": ["1/10", "2"]}, {"bound": "1 + T/10"}),
    "entropy_on_the_orthant": claim_text(
        problem("x y", "positive", "x*log(x) - x + y*log(y) - y", "(x - 1)**2/2 + x*y/4 + y"),
        run("1 1", "1 0", "1/10", 40), {"x0": [["1/10", "2"]], "eta": ["1/100", "1"]}, {"bound": "2"}),
    "separation_against_exp_etaT": claim_text(
        problem("p q", "simplex", "negative_entropy", "q"), run("1/2 1/2", "1 -1", "1/4", 40, eps="1e-30"),
        {"x0": "domain", "margin": "1/1000", "eta": ["1/10", "1/2"]},
        {"quantity": "separation", "bound": "1e-30 * exp(etaT/2)"}),
    "bound_beyond_the_compiled_range": GRADIENT_DESCENT.replace('bound = "1"', 'bound = "1e-200 * (1 + T)"'),
}


def claim_of(text: str, tmp_path, name: str = "claim.toml"):
    path = tmp_path / name
    path.write_text(text)
    return load_claim_file(path)


def assert_screens_agree(claim, count: int = 400, seed: int = 0):
    numpy_screen, compiled_screen = Screen(claim, claim.spec.steps, engine="numpy"), Screen(claim, claim.spec.steps)
    assert compiled_screen.engine == "numba" and "compiled with numba" in compiled_screen.engine_note
    batch = draw(search_space(claim), count, np.random.default_rng(seed))
    expected, _ = numpy_screen.log_ratios(batch)
    measured, _ = compiled_screen.log_ratios(batch)
    assert np.array_equal(np.isfinite(measured), np.isfinite(expected))
    assert np.isfinite(expected).sum() > count // 2  # the comparison is about measured candidates
    finite = np.isfinite(expected)
    assert np.all(np.abs(measured[finite] - expected[finite]) <= AGREEMENT * np.maximum(1, np.abs(expected[finite])))
    return compiled_screen


def test_compiled_screen_equals_numpy_on_softmax_over_the_simplex(tmp_path):
    screen = assert_screens_agree(claim_of(SOFTMAX, tmp_path))
    # softmax's step over its one denominator: a single reciprocal per step, and exp(eta c) out of the loop
    assert screen.compiled.reciprocal.source.count("1/") == 1 and "exp" not in screen.compiled.each_step.source


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_compiled_screen_equals_numpy_on_other_claim_shapes(tmp_path, shape):
    assert_screens_agree(claim_of(SHAPES[shape], tmp_path))


def test_compiled_screen_equals_the_closed_form_of_gd_on_a_quadratic(tmp_path):
    # GD on f = x^2/2: J = 1 - eta, so log A_T = T log|1 - eta| exactly (the worst T is 50 when |1 - eta| > 1,
    # 1 otherwise). Outside the compiled range, the numpy screen measures: eta = 10^5 grows by 10^80 within a
    # window of 16 steps, 10^10 by 10^320, beyond float64, which numpy, normalizing every step, survives
    # until x_31 = 0.3 (1 - 10^10)^31 overflows; eta = 1 contracts to 0 in one step.
    screen = Screen(claim_of(GRADIENT_DESCENT, tmp_path), 50)
    etas = np.array([0.5, 1.5, 2.005, 1.999, 1e5, 1e10, 1.0])
    batch = Candidates(np.full((7, 1), 0.3), np.ones((7, 1)), etas, np.zeros((7, 0)))
    log_ratios, at = screen.log_ratios(batch)
    worst = [1, 1, 50, 1, 50, 30]
    expected = [t * math.log(abs(1 - e)) for t, e in zip(worst, etas)]
    assert np.allclose(log_ratios[:6], expected, rtol=1e-12, atol=1e-12)
    assert list(at[:6]) == worst
    assert log_ratios[6] == -np.inf and at[6] == 0  # as numpy has it: the tangent vanished, nothing measured
    _, _, outside = screen.compiled.log_ratios(batch.x0, batch.direction, batch.eta, batch.parameters, 1e-20, 0.0, 50)
    assert list(outside) == [False, False, False, False, True, True, True]


def test_compilation_happens_once_per_claim_not_per_batch(tmp_path):
    claim = claim_of(SOFTMAX, tmp_path)
    screen = Screen(claim, claim.spec.steps)
    rng = np.random.default_rng(1)
    for size in (1, 300, 700):  # batch sizes across and within a block of 256
        screen.log_ratios(draw(search_space(claim), size, rng))
    assert len(screen.compiled.loop.signatures) == 1  # one compiled loop, whatever the batch's size
    again = Screen(claim_of(SOFTMAX, tmp_path, "again.toml"), claim.spec.steps)
    assert again.compiled is screen.compiled  # the same claim loaded again: the same compilation


def test_falsify_finds_the_planted_witness_with_either_screen_and_says_which_ran(tmp_path, monkeypatch):
    # the planted-false "GD non-expansive for eta in [1/10, 201/100]" fails only for eta in (2, 201/100]
    monkeypatch.chdir(tmp_path)  # the witness file is written to the current directory
    path = tmp_path / "gd_false.toml"
    path.write_text(GRADIENT_DESCENT)  # the claim of the closed-form test above: its compilation is reused
    compiled_json, numpy_json = tmp_path / "compiled.json", tmp_path / "numpy.json"
    assert main(["falsify", str(path), "--candidates", "600", "--json", str(compiled_json), "--no-progress"]) == 1
    falsify_module = sys.modules["mdtheory.search.screens"]
    monkeypatch.setattr(falsify_module, "numba_available", lambda: False)
    assert main(["falsify", str(path), "--candidates", "600", "--json", str(numpy_json), "--no-progress"]) == 1
    compiled, numpy = (json.loads(p.read_text()) for p in (compiled_json, numpy_json))
    assert "compiled with numba" in compiled["screen"] and "compiled with numba" in compiled["screen_engine"]
    assert "numba not installed: pip install 'mdtheory[fast]'" in numpy["screen"]
    for result in (compiled, numpy):
        witness = result["witness"]
        assert witness["certified"] and 2 < float(eval_fraction(witness["eta"])) <= 2.01


def eval_fraction(text: str) -> float:
    numerator, _, denominator = text.partition("/")
    return int(numerator) / int(denominator or 1)


def test_asking_for_numba_without_it_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["mdtheory.search.screens"], "numba_available", lambda: False)
    claim = claim_of(GRADIENT_DESCENT, tmp_path)
    with pytest.raises(SearchError, match=r"numba is not installed; pip install 'mdtheory\[fast\]'"):
        Screen(claim, 10, engine="numba")
    assert Screen(claim, 10).engine == "numpy"
