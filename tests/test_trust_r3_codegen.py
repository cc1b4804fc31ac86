"""Trust, round three (issue 25), items 8, 12, 14 and 15: code execution through generated kernels, the golden
fixture's non-finite values and digits, a nonsmooth objective with its kink at the start, and p_norm at a zero
coordinate. Each test fails on the code before the fix (see the commit messages)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sympy as sp

from mdtheory.checker.bounds import UpperBound
from mdtheory.checker.claim import ROUND, Claim, OnlineProblem, check_claim
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.context import working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.errors import ExpressionError
from mdtheory.symbolic.catalogue import euclidean, negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import Objective, from_text
from mdtheory.symbolic.regularizer import Regularizer
from tests.test_trust import check, expect

pytest_plugins = ["pytester"]


# ------------------------------------------------------------------ 12: code in sympy objects never runs
def _touching(marker: Path) -> str:
    """Python code that creates ``marker``: a test fails if it ever runs."""
    return f"__import__('pathlib').Path({str(marker)!r}).touch()"


def test_symbol_named_with_code_in_online_losses_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = sp.Symbol(_touching(marker))
    problem = OnlineProblem(negative_entropy(2), (sp.Rational(1, 2), sp.Rational(1, 2)), sp.Rational(1, 10), 3, 64,
                            losses=(ROUND + evil, sp.Integer(0) * ROUND))
    with pytest.raises(ExpressionError, match="not among its arguments"):
        check_claim(Claim("evil", problem, UpperBound(bound=100, quantity="regret")))
    assert not marker.exists()


def test_self_printing_object_in_an_objective_is_refused_on_the_plain_md_path(tmp_path):
    # A sympy function that prints itself (the printer calls _mpmathcode) reached the kernel verbatim.
    marker = tmp_path / "pwned"

    class Evil(sp.Function):
        def fdiff(self, argindex=1):
            return sp.Integer(0)

        def _mpmathcode(self, printer):
            return f"({_touching(marker)} or 0)"

    reg = euclidean(1)
    (x,) = reg.variables
    md = MirrorDescent(reg, Objective("evil", x**2 / 2 + Evil(x), reg.variables))
    with pytest.raises(ExpressionError, match="cannot be compiled"):
        run_mirror_descent(md, RunSpec.build(["1"], ["1"], "1e-10", "1/2", 3), 64)
    assert not marker.exists()


def test_code_smuggled_as_a_statement_or_a_builtin_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    x = sp.Symbol("x")
    for printed in (f"0\n    {_touching(marker)}", "open('/etc/passwd')", "mpmath.__class__", "(lambda: 0)()"):
        class Printed(sp.Function):
            def _mpmathcode(self, printer, printed=printed):
                return printed

        with pytest.raises(ExpressionError, match="cannot be compiled"):
            CompiledExpressions([x + Printed(x)], [x])
    assert not marker.exists()


def test_a_stray_symbol_named_like_a_generated_one_is_refused():
    # The user's a0 was printed as a0, silently the generated name of the first argument: t + a0 gave 2t.
    t = sp.Symbol("t")
    with pytest.raises(ExpressionError, match="'a0', not among its arguments"):
        CompiledExpressions([t + sp.Symbol("a0")], [t])


def test_variables_named_with_code_are_renamed_and_run_correctly(tmp_path):
    # Arguments are renamed to a0, a1, ...: a variable named with code is only a name. GD on x^2/2 with
    # eta = 1/2 halves x every step: x_3 = 1/8 exactly.
    marker = tmp_path / "pwned"
    x = sp.Symbol(_touching(marker), real=True)
    reg = Regularizer("euclidean", x**2 / 2, (x,), "reals")
    md = MirrorDescent(reg, Objective("square", x**2 / 2, (x,)))
    series = run_mirror_descent(md, RunSpec.build(["1"], ["1"], "1e-10", "1/2", 3), 64)
    assert series.final == [series.ctx.mpf(1) / 8]
    assert not marker.exists()
