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
from mdtheory.errors import DomainError, ExpressionError
from mdtheory.symbolic.catalogue import euclidean, negative_entropy, p_norm
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


# ------------------------------------------------------------------ 15: a kink of f at the start
@pytest.mark.parametrize("objective, eta", [("abs(x1 - x2)", "1/10"), ("abs(x1 - x2)", "1e-6"),
                                            ("max(x1, x2)", "1/10"), ("max(x1 - x2, x2 - x1)", "1/10")])
def test_a_kink_through_the_start_is_stepped_with_a_subgradient_not_refused(tmp_path, objective, eta):
    # The simplified step wrote sign(u) as u/|u| (or hoisted it out of a guarding Piecewise): 0/0 at the uniform
    # start, reported as "reduce eta" at every eta. The perturbed start leaves the kink, so the amplification is
    # ~eta/eps (the map jumps there): far below 1e12.
    result = check(tmp_path, problem={"variables": ["x1", "x2"], "domain": "simplex", "regularizer": "negative_entropy",
                                      "objective": objective},
                   run={"x0": ["1/2", "1/2"], "direction": ["1", "-1"], "eta": eta, "steps": 5, "eps": "1e-10"},
                   claim={"kind": "upper_bound", "bound": "1e12"})
    expect(result, 0, "holds")
    assert "reduce eta" not in result[1]


@pytest.mark.parametrize("objective", ["abs(x1 - x2)", "max(x1, x2)", "max(x1, x2, 1/2)"])
def test_the_step_at_a_kink_takes_the_documented_subgradient(objective):
    # sign(0) = 0 and Heaviside(0) = 1/2 (symbolic.objectives): at the uniform point both coordinates get the
    # same subgradient entry, so negative entropy's step stays there exactly; off the kink it is the smooth
    # piece's exact step x1+ = x1 e^{-eta g1} / sum.
    reg = negative_entropy(2)
    kernel = MirrorDescentKernel(MirrorDescent(reg, from_text(objective, reg.variables)))
    ctx = working_context(128)
    half, eta = ctx.exact("1/2"), ctx.exact("1/10")
    assert kernel.step(ctx, [half, half], eta) == [half, half]
    x = [ctx.exact("3/4"), ctx.exact("1/4")]  # x1 > x2 (and > 1/2): gradient (1, 0) for max, (1, -1) for abs
    g = {"abs(x1 - x2)": (1, -1)}.get(objective, (1, 0))
    weights = [xi * ctx.exp(-eta * gi) for xi, gi in zip(x, g)]
    expected = [w / sum(weights) for w in weights]
    assert all(abs(a - b) < ctx.ldexp(1, -120) for a, b in zip(kernel.step(ctx, x, eta), expected))


def test_a_guarded_piecewise_branch_is_not_evaluated_outside_its_condition():
    # Common-subexpression elimination hoisted exp(1/x) out of the branch x > 0 and divided by zero at x = 0.
    x = sp.Symbol("x", real=True)
    compiled = CompiledExpressions([sp.Piecewise((sp.exp(1 / x) / (1 + sp.exp(1 / x)), x > 0), (0, True))], [x])
    ctx = working_context(64)
    assert compiled(ctx, ctx.mpf(0)) == [0]


def test_heaviside_keeps_its_value_at_zero():
    x = sp.Symbol("x", real=True)
    compiled = CompiledExpressions([sp.Heaviside(x, 0), sp.Heaviside(x, 1), sp.Heaviside(x), sp.sign(x)], [x])
    ctx = working_context(64)
    assert compiled(ctx, ctx.mpf(0)) == [0, 1, ctx.mpf(1) / 2, 0]


def test_a_closed_form_step_that_fails_falls_back_to_the_step_as_defined(monkeypatch):
    # Where the composed formula divides by zero but the step is defined, the dual step and the inverse give it.
    reg = negative_entropy(2)
    kernel = MirrorDescentKernel(MirrorDescent(reg, from_text("x1", reg.variables)))
    ctx = working_context(128)
    x, eta = [ctx.exact("1/3"), ctx.exact("2/3")], ctx.exact("1/2")
    expected = kernel.step(ctx, x, eta)

    def failing(*args):
        raise ZeroDivisionError

    monkeypatch.setattr(kernel, "closed_form_step", failing)
    assert all(abs(a - b) < ctx.ldexp(1, -110) for a, b in zip(kernel.step(ctx, x, eta), expected))


# ------------------------------------------------------------------ 14: p_norm at a zero coordinate
P_NORM = {"variables": ["x1", "x2"], "domain": "reals", "regularizer": {"name": "p_norm", "p": "3/2"},
          "objective": "x1**2/2 + x2**2/2"}


def test_p_norm_at_a_zero_coordinate_is_refused_naming_the_start(tmp_path):
    # Hess phi has |x_i|^(p-2) / sign(x_i)^2 / sqrt|x_i| terms: 0/0 at x2 = 0, an internal error (exit 4) before;
    # a claim file is refused at load, where Hess phi at x0 is looked at first
    expect(check(tmp_path, problem=P_NORM, run={"x0": ["1", "0"], "direction": ["1", "1"]}),
           2, "[run] x0: Hess phi is not defined at the start", "twice differentiable")


@pytest.mark.parametrize("backend", ["mpmath", "flint"])
def test_p_norm_at_a_zero_coordinate_is_refused_by_the_run_too(backend):
    # from Python nothing looked at the start before the run: the run's own Hessian evaluation names it
    reg = p_norm(2, sp.Rational(3, 2))
    md = MirrorDescent(reg, Objective("f", sum(v**2 for v in reg.variables) / 2, reg.variables))
    spec = RunSpec.build(["1", "0"], ["1", "1"], "1e-10", "1/10", 3)
    with pytest.raises(DomainError, match="Hess phi of 'p_norm.*' is undefined at x_0 of the base run"):
        run_mirror_descent(md, spec, 64, backend=backend)


def test_p_norm_off_the_coordinate_hyperplanes_still_runs(tmp_path):
    code, output = check(tmp_path, problem=P_NORM, run={"x0": ["1", "1/2"], "direction": ["1", "1"]})
    assert code in (0, 1), output


# ------------------------------------------------------------------ 8: the golden fixture
# One inner session per mode (pytester sessions are slow): each inner test must fail with its own message.
NON_FINITE = {"nan": "ctx.nan", "inf": "ctx.inf", "text_nan": "'nan'", "text_ninf": "'-inf'"}
BAD_DIGITS = {"zero": 0, "negative": -3, "text": "10", "fraction": 2.5, "boolean": True}


def test_golden_check_refuses_non_finite_values_and_malformed_entries(pytester):
    tests = ["import mpmath", "ctx = mpmath.MPContext()", "ctx.dps = 60"]
    entries = {"pi": {"value": "3.141592654e0", "digits": 10, "bits": 200},
               "nan_entry": {"value": "nan", "digits": 10, "bits": 200}}
    for name, value in NON_FINITE.items():
        tests.append(f"def test_{name}(golden):\n    golden.check('pi', {value}, digits=10, trusted_digits=55, bits=200)")
    for name, digits in BAD_DIGITS.items():
        # a wrong value (e, not pi): a digits of 0 or less used to pin nothing and pass it
        entries[name] = {"value": "2.718281828e0", "digits": digits, "bits": 200}
        tests.append(f"def test_{name}(golden):\n    golden.check({name!r}, ctx.pi, digits=10, trusted_digits=55, bits=200)")
    tests.append("def test_nan_entry(golden):\n    golden.check('nan_entry', ctx.pi, digits=10, trusted_digits=55, bits=200)")
    tests.append("def test_control(golden):\n    golden.check('pi', ctx.pi, digits=10, trusted_digits=55, bits=200)")
    pytester.makepyfile(test_pin="\n".join(tests) + "\n")
    (pytester.path / "golden").mkdir()
    (pytester.path / "golden" / "test_pin.json").write_text(json.dumps(entries))
    result = pytester.runpytest()
    result.assert_outcomes(failed=len(NON_FINITE) + len(BAD_DIGITS) + 1, passed=1)
    # each failure's report: the text after its "____ test_name ____" header
    parts = re.split(r"_{3,} (test_\w+) _{3,}", result.stdout.str())
    reports = dict(zip(parts[1::2], parts[2::2]))
    for name in NON_FINITE:
        assert re.search(r"cannot check 'pi': its value '\S+' is not a finite number", reports[f"test_{name}"])
    for name, digits in BAD_DIGITS.items():
        assert (f"golden file {pytester.path / 'golden' / 'test_pin.json'}, entry {name!r}: digits is {digits!r}; "
                "digits must be a positive integer") in reports[f"test_{name}"]
    assert "entry 'nan_entry': value is 'nan'; a golden value must be a finite decimal" in reports["test_nan_entry"]


def test_golden_regeneration_refuses_a_non_finite_value(pytester):
    # It stored "n.an00e0" for nan.
    pytester.makepyfile(test_pin="""
import mpmath
def test_value(golden):
    golden.check("x", mpmath.MPContext().nan, digits=10, trusted_digits=55, bits=200)
""")
    result = pytester.runpytest("--regen-golden")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*refusing to write 'x': its value 'nan' is not a finite number*"])
    assert not (pytester.path / "golden" / "test_pin.json").exists()
