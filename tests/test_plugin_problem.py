"""A problem kind added in one file (this one), with nothing else touched (issue 26, item 1): the scalar linear
recurrence x_{t+1} = a x_t from x0, whose magnitude |x_t| = |a|^t |x0| is known exactly. A claim file names it
with [problem] kind = "toy_recurrence"; load_claim builds it, check_claim judges a bound on it, and the verdict
and the measured values are compared with the closed form in rational arithmetic.

Exit codes: 0 holds (as predicted), 1 violated, 2 bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pytest
import sympy as sp

from mdtheory.checker.bounds import HOLDS, VIOLATED
from mdtheory.checker.claim import check_claim
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.claimfile import load_claim, precision_bits, toml_integer, toml_number, toml_text
from mdtheory.engine.context import working_context
from mdtheory.engine.ladder import laddered
from mdtheory.problems import Problem, problem_kind, problem_kinds, register

from .helpers import run_cli


@register("toy_recurrence")
@dataclass(frozen=True)
class ScalarRecurrence(Problem):
    """x_{t+1} = a x_t from x0, for t < steps; the quantity "magnitude" is |x_t|."""

    a: sp.Rational
    x0: sp.Rational
    steps: int
    bits: int
    constants: dict = field(default_factory=dict)
    problem_keys = {"kind": True, "a": True}
    run_keys = {"x0": True, "steps": True, "precision_bits": True}
    quantities = ("magnitude",)
    constant_names = ("a",)

    @classmethod
    def from_tables(cls, data, declared, bound, max_steps, max_precision_bits):
        problem, run = data["problem"], data["run"]
        return cls(toml_number(problem["a"], "[problem] a"), toml_number(run["x0"], "[run] x0"),
                   toml_integer(run["steps"], "[run] steps", 1),
                   precision_bits(run["precision_bits"], "[run] precision_bits", max_precision_bits), declared)

    def update_text(self) -> str:
        return f"x_(t+1) = a x_t with a = {self.a}"

    def measurements(self, bound, progress=None) -> list:
        rungs = []
        for bits in (self.bits, 2 * self.bits):
            ctx = working_context(bits)
            x, a, path = ctx.exact(self.x0), ctx.exact(self.a), []
            for _ in range(self.steps + 1):
                path.append(abs(x))
                x = a * x
            rungs.append((ctx, path))
        (_, coarse), (ctx, fine) = rungs
        magnitude = laddered(ctx, fine, coarse, coarse, self.bits)
        return [SeriesMeasurement(ctx, list(range(self.steps + 1)), [ctx.mpf(0)] * (self.steps + 1),
                                  {"magnitude": magnitude}, (self.bits, 2 * self.bits),
                                  {"a": (ctx.exact(self.a), ctx.exact(self.a))}, {"a": "exact (the recurrence's factor)"})]


A, X0, STEPS = Fraction(9, 10), Fraction(-2), 12


def claim_file(tmp_path, bound: str, **problem) -> str:
    path = tmp_path / "toy.toml"
    path.write_text(toml_text({
        "theorem": {"name": "geometric decay of a linear recurrence"},
        "problem": {"kind": "toy_recurrence", "a": str(A), **problem},
        "run": {"x0": str(X0), "steps": STEPS, "precision_bits": 64},
        "claim": {"kind": "upper_bound", "quantity": "magnitude", "bound": bound},
    }))
    return str(path)


def exact_verdict(bound) -> tuple[str, int | None]:
    """The verdict in rational arithmetic, and the first step the bound is exceeded at."""
    for t in range(STEPS + 1):
        if abs(A) ** t * abs(X0) > bound(t):
            return VIOLATED, t
    return HOLDS, None


@pytest.mark.parametrize("text, bound", [
    ("21/10 * a**T", lambda t: Fraction(21, 10) * A ** t),  # above 2 (9/10)^T at every step
    ("2 * (89/100)**T", lambda t: 2 * Fraction(89, 100) ** t),  # below it from T = 1 on
    ("5/2 - T/5", lambda t: Fraction(5, 2) - Fraction(t, 5)),  # a line crossing the decay: 0.7 < 0.775 at T = 9
])
def test_a_claim_on_a_registered_kind_is_judged_as_the_closed_form_says(tmp_path, text, bound):
    claim = load_claim(claim_file(tmp_path, text))
    assert type(claim.problem) is ScalarRecurrence
    named = check_claim(claim)
    verdict, first = exact_verdict(bound)
    assert named.result.verdict == verdict, named.result.explanation
    assert named.update_text == "x_(t+1) = a x_t with a = 9/10"
    if first is not None:
        assert named.result.extra["first_violation_t"] == first
    m = named.measurement
    for t, (value, digits) in enumerate(zip(m.values("magnitude"), m.digits("magnitude"))):
        exact = abs(A) ** t * abs(X0)
        assert digits >= 15  # 64 bits against 128: the rungs agree to about 19 digits
        assert abs(Fraction(m.ctx.nstr(value, 30)) - exact) <= exact * Fraction(1, 10**digits)


def test_the_cli_checks_the_new_kind(tmp_path):
    code, output = run_cli(["check", claim_file(tmp_path, "2 * (89/100)**T")])
    assert code == 1 and "verdict: violated" in output and "update: x_(t+1) = a x_t" in output, output


def test_an_unknown_kind_is_refused_listing_every_registered_kind(tmp_path):
    code, output = run_cli(["check", claim_file(tmp_path, "1", kind="toy_recurence")])
    assert code == 2, output
    assert "[problem] kind: 'toy_recurence'" in output, output
    # the built-in kinds first, then those registered since (this file's, and any other a test registered)
    assert "choose one of offline, online, mdp, " in output and "toy_recurrence" in output, output
    assert problem_kinds()[:3] == ("offline", "online", "mdp") and "toy_recurrence" in problem_kinds()
    assert problem_kind("toy_recurrence") is ScalarRecurrence


@pytest.mark.parametrize("tables, message", [
    ({"a": 0.9}, "[problem] a: 0.9 is a TOML float"),  # the kind's own reader names its key
    ({"b": "1"}, "[problem] b: unknown key; allowed keys: kind, a"),  # the core checks the kind's declared keys
])
def test_bad_input_on_the_new_kind_names_the_key(tmp_path, tables, message):
    code, output = run_cli(["check", claim_file(tmp_path, "1", **tables)])
    assert code == 2 and message in output, output


def test_a_bound_may_name_the_kinds_constants_and_no_other(tmp_path):
    code, output = run_cli(["check", claim_file(tmp_path, "2 * L**T")])
    assert code == 2 and "[claim] bound" in output and "'L'" in output, output
