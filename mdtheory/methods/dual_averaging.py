"""Dual averaging (lazy mirror descent), registered as "dual_averaging": Nesterov's simple dual averages.

Y. Nesterov, Primal-dual subgradient methods for convex problems, Math. Program. 120 (2009), method (2.14)
with lambda_k = 1 and the prox-function d(x) = D_phi(x, x0) (minimized at x0, where it is 0); L. Xiao's
regularized dual averaging (JMLR 11, 2010) with no regularizer is the same step. With the step eta and the
schedule beta (the ``[method] beta`` option, an expression in k; beta_k = beta(k) / eta):

    s_{k+1} = s_k + grad f(x_k),   s_0 = 0
    x_{k+1} = argmin_x <s_{k+1}, x> + (beta(k + 1) / eta) D_phi(x, x0),
              i.e. grad phi(x_{k+1}) = grad phi(x0) - eta s_{k+1} / beta(k + 1).

With beta = 1 this is lazy mirror descent at the constant step eta. The state is (x, s, a, k): the point x, the
sum of gradients s, the anchor a = x0 (grad phi(x0) is read from it each step; its tangent is the start's
direction) and the step counter k, one number. The step and its Jacobian are derived with sympy from phi and f
and compiled by ``ExplicitStepKernel``; the inverse mirror map must have a closed form.

Nesterov's Theorem 1, for beta nondecreasing and phi sigma-strongly convex: for every x,
sum_{i<T} <g_i, x_i - x> <= beta_T D_phi(x, x0) + sum_{i<T} ||g_i||_*^2 / (2 sigma beta_i)
(mdtheory/theorems/convergence/nesterov_dual_averaging.toml checks it for beta = sqrt(k + 1)).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sympy as sp

from mdtheory.engine.explicit_step import ExplicitStepKernel
from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep, derived_step, register
from mdtheory.symbolic.mirror_descent import ETA, _primal, objective_gradient
from mdtheory.symbolic.parsing import exact_real, parse_expression
from mdtheory.symbolic.regularizer import mirror_map

COUNTER = sp.Symbol("k_step", nonnegative=True)  # the step index: "k" in the beta option, the last entry of the state
DEFAULT_SCHEDULE = sp.Integer(1)  # beta(k) = 1: lazy mirror descent at the constant step eta


def schedule_from_text(text) -> sp.Expr:
    """The ``[method] beta`` option: an expression in k, exact, positive at k = 0 (the first step divides by it)."""
    try:
        beta = parse_expression(str(text), {"k": COUNTER}, decimals_are_exact=True)
        first = exact_real(beta.subs(COUNTER, 1))
    except MDTheoryError as err:
        raise MDTheoryError(f"[method] beta: {err}; write the schedule as an expression in k such as "
                            "\"sqrt(k + 1)\"") from None
    if not first > 0:
        raise MDTheoryError(f"[method] beta: beta(1) = {first} is not positive; the step divides by beta(k + 1), "
                            "so write a positive, nondecreasing schedule such as \"sqrt(k + 1)\"")
    return beta


@dataclass(frozen=True)
class DualAveraging(Method):
    beta: sp.Expr = DEFAULT_SCHEDULE
    name = "dual_averaging"
    state = ("x", "s", "a", "k")
    options = {"beta": "the schedule beta(k), an expression in k; beta_k = beta(k)/eta (default 1)"}

    def configure(self, table: dict) -> DualAveraging:
        return dataclasses.replace(self, beta=schedule_from_text(table["beta"])) if "beta" in table else self

    def derive(self, problem) -> SymbolicStep:
        reg = problem.regularizer
        assumptions = reg.domain.symbol_assumptions
        x = sp.Matrix(problem.variables)
        s = sp.Matrix([sp.Symbol(f"s_{v}", real=True) for v in problem.variables])
        anchor = sp.Matrix([sp.Symbol(f"a_{v}", **assumptions) for v in problem.variables])
        s_next = s + objective_gradient(problem)
        dual = mirror_map(reg).xreplace(dict(zip(problem.variables, anchor))) - ETA * s_next / self.beta.subs(
            COUNTER, COUNTER + 1)
        x_next = _primal(reg, dual)
        if x_next is None:
            raise MDTheoryError(f"method 'dual_averaging': the inverse mirror map of {reg.name} has no closed form on "
                                f"{reg.domain.describe()}, which its step needs; use a regularizer whose mirror map "
                                "sympy inverts (the Euclidean or a Mahalanobis one, the negative entropy on the simplex)")
        state = (*x, *s, *anchor, COUNTER)
        step = sp.Matrix.vstack(x_next, s_next, anchor, sp.Matrix([COUNTER + 1]))
        return SymbolicStep(state, step, step.jacobian(state), problem.parameters)

    def kernel(self, problem, oracle=None) -> ExplicitStepKernel:
        return ExplicitStepKernel(problem, derived_step(self, problem), oracle)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        beta = sp.sstr(self.beta.subs(COUNTER, sp.Symbol("k") + 1))
        return (f"s+ = s + grad f(x), grad phi(x+) = grad phi(x0) - eta s+ / beta(k + 1), beta(k + 1) = {beta}, "
                "s_0 = 0 (dual averaging, Nesterov 2009)")

    def initial_state(self, x0: tuple) -> tuple[tuple, ...]:
        zero = (sp.Integer(0),) * len(x0)
        return tuple(x0), zero, tuple(x0), (sp.Integer(0),)

    def initial_tangent(self, x0: tuple, direction: tuple) -> tuple[tuple, ...]:
        zero = (sp.Integer(0),) * len(x0)
        return tuple(direction), zero, tuple(direction), (sp.Integer(0),)


register(DualAveraging())
