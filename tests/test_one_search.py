"""One search for every problem kind (issue 26, item 2): a kind registered in this file, and nowhere else, is
searched by ``mdtheory falsify`` through the same pipeline as the built-in kinds (space, screen, refine, confirm,
witness), with --workers too, and the planted violation is found where the closed form puts it.

The kind: x_{t+1} = (1 - eta) x_t from x0 = 2, whose magnitude |x_t| = |1 - eta|^t |x0| is exact in rational
arithmetic. The claim "|x_t| <= |x0| at every step" holds exactly for eta in [0, 2] and fails from t = 1 on for
every eta > 2, with measured / claimed = |1 - eta| there. Searched over eta in [1/10, 21/10], a witness must lie
in (2, 21/10]; over [1/10, 2], nothing may be found (eta = 2 is the equality case).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.claimfile import precision_bits, toml_integer, toml_number, toml_text
from mdtheory.cli import main
from mdtheory.engine.context import working_context
from mdtheory.engine.ladder import laddered
from mdtheory.problems import Problem, register
from mdtheory.search import falsify_file
from mdtheory.search.screens import SCREEN_BITS


@register("toy_damped_step")
@dataclass(frozen=True)
class DampedStep(Problem):
    """x_{t+1} = (1 - eta) x_t from x0, for t < steps; the quantity "magnitude" is |x_t|."""

    eta: sp.Rational
    x0: sp.Rational
    steps: int
    bits: int
    constants: dict = field(default_factory=dict)
    problem_keys = {"kind": True}
    run_keys = {"x0": True, "eta": True, "steps": True, "precision_bits": True}
    quantities = ("magnitude",)

    @classmethod
    def from_tables(cls, data, declared, bound, max_steps, max_precision_bits):
        run = data["run"]
        return cls(toml_number(run["eta"], "[run] eta"), toml_number(run["x0"], "[run] x0"),
                   toml_integer(run["steps"], "[run] steps", 1),
                   precision_bits(run["precision_bits"], "[run] precision_bits", max_precision_bits), declared)

    def update_text(self) -> str:
        return f"x_(t+1) = (1 - eta) x_t with eta = {self.eta}"

    def measurements(self, bound, progress=None) -> list:
        rungs = []
        for bits in (self.bits, 2 * self.bits):
            ctx = working_context(bits)
            x, factor, path = ctx.exact(self.x0), 1 - ctx.exact(self.eta), []
            for _ in range(self.steps + 1):
                path.append(abs(x))
                x = factor * x
            rungs.append((ctx, path))
        (_, coarse), (ctx, fine) = rungs
        return [SeriesMeasurement(ctx, list(range(self.steps + 1)), [ctx.exact(self.eta) * t for t in range(self.steps + 1)],
                                  {"magnitude": laddered(ctx, fine, coarse, coarse, self.bits)},
                                  (self.bits, 2 * self.bits), {}, {})]

    # what falsify searches: the step size (the start is the stated one, there are no free parameters)
    @property
    def step_size(self):
        return self.eta

    def at(self, point: dict, bits: int) -> DampedStep:
        return dataclasses.replace(self, eta=point["eta"], bits=bits)


X0, STEPS = Fraction(2), 6


def claim_file(tmp_path, eta_range: list[str], name: str = "toy.toml") -> str:
    path = tmp_path / name
    path.write_text(toml_text({
        "theorem": {"name": "a damped step never grows"},
        "problem": {"kind": "toy_damped_step"},
        "run": {"x0": str(X0), "eta": "1/2", "steps": STEPS, "precision_bits": 64},
        "search": {"eta": eta_range, "candidates": 30, "seed": 1},
        "claim": {"kind": "upper_bound", "quantity": "magnitude", "bound": str(X0)},
    }))
    return str(path)


def test_a_kind_registered_in_one_file_is_searched_and_its_planted_witness_found(tmp_path, capsys):
    path = claim_file(tmp_path, ["1/10", "21/10"])
    witness, report = tmp_path / "w.toml", tmp_path / "r.json"
    assert main(["falsify", path, "--no-progress", "--witness", str(witness), "--json", str(report)]) == 1
    found = json.loads(report.read_text())
    assert found["verdict"] == "violated"
    assert found["screen"] == f"one candidate at a time at {SCREEN_BITS} bits (the claim's own measurement)"
    eta = Fraction(found["witness"]["eta"])
    assert Fraction(2) < eta <= Fraction(21, 10)  # where the closed form puts every violation
    assert found["witness"]["first_violation_t"] == 1  # |x_1| = |1 - eta| |x0| > |x0| already
    # read at the step of the largest ratio, the last one: |x_T| = |1 - eta|^T |x0| with T = STEPS
    value = re.fullmatch(r"magnitude = (\S+) at eta\*T = \S+ \(.*\)", found["witness"]["measured"]).group(1)
    exact = abs(1 - eta) ** STEPS * X0
    assert abs(Fraction(value) - exact) <= exact * Fraction(1, 10**10)
    capsys.readouterr()
    assert main(["check", str(witness), "--no-progress"]) == 1  # the witness file reproduces the violation
    assert "update: x_(t+1) = (1 - eta) x_t with eta = " + str(sp.Rational(eta.numerator, eta.denominator)) \
        in capsys.readouterr().out


def test_the_registered_kind_holds_up_to_the_equality_case_and_is_not_falsified(tmp_path):
    result = falsify_file(claim_file(tmp_path, ["1/10", "2"]))
    assert result.verdict == "not falsified" and result.witness is None
    # the closest approach is the equality at eta = 2, measured / claimed = 1 up to the float of its log
    assert result.best["eta"] == "2" and math.isclose(result.best_ratio, 1.0, rel_tol=1e-12)


def test_the_registered_kind_is_screened_on_workers_with_the_same_candidates(tmp_path):
    path = claim_file(tmp_path, ["1/10", "21/10"])
    here, there = falsify_file(path, candidates=12), falsify_file(path, candidates=12, workers=1)
    assert here.verdict == there.verdict == "violated"
    assert here.history == there.history and here.witness.instance == there.witness.instance


@pytest.mark.slow
def test_a_regret_claim_is_screened_on_dask_with_the_same_candidates():
    from distributed import LocalCluster

    hedge = Path(__file__).parent.parent / "mdtheory" / "theorems" / "online" / "hedge.toml"
    budget = dict(candidates=12, seconds=3600, seed=2)  # seconds that never run out: both searches go to the end
    here = falsify_file(hedge, **budget)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = falsify_file(hedge, scheduler=cluster.scheduler_address, **budget)
    assert dask.verdict == here.verdict == "not falsified"
    assert dask.best == here.best and dask.best_ratio == here.best_ratio and dask.history == here.history
