"""A method registered in this file alone runs through the checker like plain MD, against exact closed forms.

Two toys, each derived from the symbolic layer's MD step and compiled by ExplicitStepKernel:
- relaxed MD, x+ = (1 - a) x + a MD(x): on f = ||A x||^2 / 2 in the Euclidean geometry each eigen-direction of
  A^T A (eigenvalue lam) is scaled by 1 - a eta lam per step, so along e_1 (lam = 1, eta = 1/2, a = 1/2) the
  amplification is exactly (3/4)^T, where plain MD's is (1/2)^T;
- heavy ball on MD, state (x, x_prev): x+ = MD(x) + beta (x - x_prev). On f = x^2 / 2 with eta = beta = 1/4 the
  iterates obey x_{t+1} = x_t - x_{t-1} / 4 (a double root 1/2), and from x_{-1} = x_0 the amplification is
  exactly (1 + T/2) / 2^T.
"""

from dataclasses import dataclass

import pytest
import sympy as sp

from mdtheory.checker.bounds import HOLDS, VIOLATED, ClosedFormAgreement
from mdtheory.checker.claim import Claim, OfflineProblem, check_claim
from mdtheory.engine.explicit_step import ExplicitStepKernel
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep, UnknownMethodError, kernel_for, method, methods, register
from mdtheory.symbolic.catalogue import euclidean
from mdtheory.symbolic.mirror_descent import MirrorDescent, md_step
from mdtheory.symbolic.objectives import quadratic

from .helpers import RelaxedMirrorDescent

BITS = 96
STEPS = 30


@dataclass(frozen=True)
class HeavyBallMirrorDescent(Method):
    momentum: sp.Rational
    name = "toy_heavy_ball"
    state = ("x", "x_prev")

    def derive(self, problem):
        x = sp.Matrix(problem.variables)
        previous = sp.Matrix([sp.Symbol(f"{v}_prev", real=True) for v in problem.variables])
        state = (*x, *previous)
        step = sp.Matrix.vstack(md_step(problem) + self.momentum * (x - previous), x)
        return SymbolicStep(state, step, step.jacobian(state), problem.parameters)

    def kernel(self, problem, oracle=None):
        return ExplicitStepKernel(problem, self.derive(problem), oracle)

    def update_text(self, problem, renaming=None):
        return f"x+ = MD(x) + {self.momentum} (x - x_prev), x_prev+ = x"


register(RelaxedMirrorDescent(sp.Rational(1, 2)))
register(HeavyBallMirrorDescent(sp.Rational(1, 4)))


def relaxed_problem(method_name="toy_relaxed"):
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1, 0], [0, 2]], [0, 0]), method=method_name)
    return md, RunSpec.build(["1", "1"], [1, 0], "1/1000", "1/2", STEPS)


def heavy_ball_problem():
    reg = euclidean(1)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1]], [0]), method="toy_heavy_ball")
    return md, RunSpec.build(["1"], [1], "1/1000", "1/4", STEPS)


def checked(md, spec, formula, quantity, backend="mpmath"):
    claim = Claim(f"{md.method} {quantity}", OfflineProblem(md, spec, BITS, backend=backend),
                  ClosedFormAgreement(formula, quantity))
    return check_claim(claim)


@pytest.mark.parametrize("quantity", ["tangent_amplification", "amplification"])
def test_relaxed_md_has_the_closed_form_amplification(quantity):
    result = checked(*relaxed_problem(), "(3/4)**T", quantity)
    assert result.verdict == HOLDS, result.result.explanation
    assert result.update == "x+ = (1 - 1/2) x + 1/2 MD(x)"


def test_plain_md_on_the_same_problem_is_not_the_relaxed_one():
    assert checked(*relaxed_problem("md"), "(3/4)**T", "tangent_amplification").verdict == VIOLATED
    assert checked(*relaxed_problem("md"), "(1/2)**T", "tangent_amplification").verdict == HOLDS


@pytest.mark.parametrize("backend", ["mpmath", "flint"])
@pytest.mark.parametrize("quantity", ["tangent_amplification", "amplification"])
def test_heavy_ball_state_of_two_vectors(quantity, backend):
    md, spec = heavy_ball_problem()
    assert checked(md, spec, "(1 + T/2)/2**T", quantity, backend).verdict == HOLDS
    assert checked(md, spec, "(1 + T/3)/2**T", quantity, backend).verdict == VIOLATED


def test_heavy_ball_iterates_are_the_exact_recurrence():
    md, spec = heavy_ball_problem()
    series = run_mirror_descent(md, spec, BITS, keep_path=True)
    exact = [sp.Integer(1), sp.Integer(1)]  # x_{-1}, x_0
    for _ in range(STEPS):
        exact.append(exact[-1] - exact[-2] / 4)
    ctx = series.ctx
    assert len(series.path) == STEPS + 1 and all(len(x) == 1 for x in series.path)  # the point, not the state
    for x, value in zip(series.path, exact[1:]):
        # each value is a dyadic rational of at most STEPS + 2 bits: every step is exact at BITS bits
        assert x[0] == ctx.exact(value)


def test_unknown_method_lists_the_registered_ones():
    with pytest.raises(UnknownMethodError, match="'nope' is not a registered method") as refused:
        method("nope")
    # other tests (the docs' example) may register more methods in the same process: each registered name is listed
    assert all(name in str(refused.value) for name in ("md", "toy_heavy_ball", "toy_relaxed"))
    assert isinstance(UnknownMethodError("x"), MDTheoryError)
    md, spec = relaxed_problem("nope")
    with pytest.raises(UnknownMethodError, match="registered methods are md"):
        check_claim(Claim("unknown", OfflineProblem(md, spec, BITS), ClosedFormAgreement("1", "amplification")))


def test_registry():
    assert {"md", "toy_relaxed", "toy_heavy_ball"} <= set(methods())
    assert method("md").state == ("x",) and method("toy_heavy_ball").state == ("x", "x_prev")
    with pytest.raises(MDTheoryError, match="'toy_relaxed' is already registered"):
        register(RelaxedMirrorDescent(sp.Rational(1, 3)))
    with pytest.raises(MDTheoryError, match="lower case letters"):
        register(type("Bad", (Method,), {"name": "Has Space"})())
    with pytest.raises(MDTheoryError, match="a Method instance"):
        register(RelaxedMirrorDescent)


def test_a_plain_md_kernel_refuses_another_method():
    md, spec = relaxed_problem()
    with pytest.raises(MDTheoryError, match="kernel_for"):
        MirrorDescentKernel(md)
    plain = MirrorDescent(md.regularizer, md.objective)
    with pytest.raises(MDTheoryError, match="kernel runs method 'md' and the problem names 'toy_relaxed'"):
        run_mirror_descent(md, spec, BITS, kernel=kernel_for(plain))
    assert isinstance(kernel_for(plain), MirrorDescentKernel) and isinstance(kernel_for(md), ExplicitStepKernel)


def test_worst_case_refused_for_a_state_of_two_vectors():
    md, spec = heavy_ball_problem()
    with pytest.raises(MDTheoryError, match="carries 2 vectors"):
        run_mirror_descent(md, spec, BITS, perturbed=False, worst_case=True)
