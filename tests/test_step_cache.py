"""A method's derived step (``methods.derived_step``) is derived once per (method, problem) and never shared
between different problems; the cache changes no result."""

import json

import pytest
import sympy as sp

from mdtheory import methods
from mdtheory.cli import main
from mdtheory.methods import configured, derived_step, kernel_for
from mdtheory.methods.accelerated import AcceleratedMirrorDescent
from mdtheory.symbolic.catalogue import euclidean, negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.regularizer import Regularizer

ACCELERATED_CLAIM = """
[problem]
variables = ["x1", "x2", "x3"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "x1**2/2 + x2**2/200 + x3**2/200"

[run]
method = "accelerated"
x0 = ["1/3", "1/2", "1/6"]
eta = "1"
steps = 8
precision_bits = 64

[constants]
L = "1"

[solution]
x = ["1/201", "100/201", "100/201"]

[claim]
kind = "upper_bound"
quantity = "suboptimality"
bound = "4*L*D0/(sigma*(T+1)**2)"
"""


def accelerated(reg, diagonal):
    """Accelerated MD on f = sum_i d_i x_i^2 / 2."""
    f = sum(d * v**2 for d, v in zip(diagonal, reg.variables)) / 2
    return MirrorDescent(reg, Objective("f", f, reg.variables), method="accelerated")


@pytest.fixture
def derivations(monkeypatch):
    """Counts the accelerated method's sympy derivations, from an empty cache."""
    calls = []
    derive = AcceleratedMirrorDescent.derive

    def counted(self, problem):
        calls.append(problem)
        return derive(self, problem)

    cache = methods._derived_once
    cache.cache_clear()
    monkeypatch.setattr(AcceleratedMirrorDescent, "derive", counted)
    yield calls
    cache.cache_clear()


def test_the_same_problem_is_derived_once(derivations):
    first = accelerated(negative_entropy(3), [1, sp.Rational(1, 100), sp.Rational(1, 100)])
    equal = accelerated(negative_entropy(3), [1, sp.Rational(1, 100), sp.Rational(1, 100)])  # built anew, equal
    kernels = [kernel_for(first), kernel_for(first), kernel_for(equal)]
    assert len(derivations) == 1
    assert kernels[0] is not kernels[1]  # kernels are not shared (they carry tangent_needed), only the step
    assert kernels[0].derived is kernels[1].derived is kernels[2].derived
    assert kernels[0].closed_form_step is kernels[2].closed_form_step  # compiled once too


def test_different_problems_get_their_own_steps(derivations):
    entropy = negative_entropy(3)
    problems = [
        accelerated(entropy, [1, sp.Rational(1, 100), sp.Rational(1, 100)]),
        accelerated(entropy, [1, sp.Rational(1, 100), sp.Rational(1, 50)]),  # another f
        accelerated(euclidean(3), [1, sp.Rational(1, 100), sp.Rational(1, 100)]),  # another phi and domain
        # the same phi on the simplex with its variables renamed: another state
        accelerated(Regularizer("negative_entropy", sum(v * sp.log(v) for v in sp.symbols("u1:4", positive=True)),
                                sp.symbols("u1:4", positive=True), "simplex"),
                    [1, sp.Rational(1, 100), sp.Rational(1, 100)]),
    ]
    steps = [derived_step(configured(p), p) for p in problems]
    assert len(derivations) == len(problems)
    for problem, step in zip(problems, steps):  # each is the step a fresh derivation gives for its own problem
        fresh = AcceleratedMirrorDescent().derive(problem)
        assert step.state == fresh.state and step.step == fresh.step and step.jacobian == fresh.jacobian
    assert len({(s.state, s.step) for s in steps}) == len(problems)


def test_a_method_option_is_part_of_the_key():
    reg = euclidean(2)
    objective = Objective("f", reg.variables[0] ** 2 / 2 + reg.variables[1] ** 2, reg.variables)
    steps = [derived_step(configured(p), p) for p in (
        MirrorDescent(reg, objective, method="dual_averaging", method_options=(("beta", "1"),)),
        MirrorDescent(reg, objective, method="dual_averaging", method_options=(("beta", "2"),)))]
    assert steps[0].step != steps[1].step


def test_a_cached_step_cannot_be_changed_by_one_of_its_users():
    problem = accelerated(euclidean(2), [1, 2])
    step = derived_step(configured(problem), problem)
    with pytest.raises(TypeError):
        step.step[0] = 0


def test_check_derives_the_step_once_and_its_json_is_the_uncached_one(tmp_path, monkeypatch, derivations):
    claim = tmp_path / "accelerated.toml"
    claim.write_text(ACCELERATED_CLAIM)
    for name in ("cached.json", "again.json"):
        assert main(["check", str(claim), "--no-progress", "--json", str(tmp_path / name)]) == 0
    assert len(derivations) == 1
    # the same check with the step derived afresh
    monkeypatch.setattr(methods, "_derived_once", lambda rule, problem: rule.derive(problem))
    assert main(["check", str(claim), "--no-progress", "--json", str(tmp_path / "uncached.json")]) == 0
    assert len(derivations) == 2

    def result(name):
        data = json.loads((tmp_path / name).read_text())
        return {k: v for k, v in data.items() if not k.startswith("elapsed")}

    assert result("cached.json") == result("again.json") == result("uncached.json")
