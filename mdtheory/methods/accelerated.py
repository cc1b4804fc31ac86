"""Accelerated mirror descent, registered as "accelerated": Tseng's accelerated Bregman method.

P. Tseng, On accelerated proximal gradient methods for convex-concave optimization (2008), Algorithm 1 with
theta_k = 2/(k + 2) (the AGM in a Bregman geometry of d'Aspremont, Scieur & Taylor, Acceleration Methods,
2021, section 4.4; Allen-Zhu & Orecchia's linear coupling is the same template). With the step eta:

    y_k     = (1 - theta_k) x_k + theta_k z_k
    z_{k+1} : grad phi(z_{k+1}) = grad phi(z_k) - (eta / theta_k) grad f(y_k)
    x_{k+1} = (1 - theta_k) x_k + theta_k z_{k+1},       theta_k = 2/(k + 2),   x_0 = z_0 = x0.

The state is (x, z, k): x (the point every quantity is measured on, the sequence the rates are about), the
mirror sequence z, and the step counter k, one number that theta_k is read from (the run loop carries a flat
state, so a counter is one more entry whose tangent is 0). The step and its Jacobian are derived with sympy
from phi and f and compiled by ``ExplicitStepKernel``; the inverse mirror map must have a closed form (the
Euclidean and Mahalanobis geometries, the negative entropy on the simplex).

Tseng's Corollary 1(a): if phi is sigma-strongly convex and f is L-smooth in one norm and eta <= sigma/L, then
f(x_T) - f(x) <= theta_{T-1}^2 D_phi(x, x0) / eta = 4 D_phi(x, x0) / (eta (T + 1)^2) for T >= 1
(mdtheory/theorems/convergence/tseng_accelerated.toml).
"""

from __future__ import annotations

import sympy as sp

from mdtheory.engine.explicit_step import ExplicitStepKernel
from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep, derived_step, register
from mdtheory.symbolic.mirror_descent import ETA, _primal, objective_gradient
from mdtheory.symbolic.regularizer import mirror_map

COUNTER = sp.Symbol("k_step", nonnegative=True)  # the step index k, carried as the state's last entry


def coupling(counter: sp.Expr) -> sp.Expr:
    """theta_k = 2/(k + 2): theta_0 = 1, and (1 - theta_{k+1}) / theta_{k+1}^2 <= 1 / theta_k^2 (Tseng's condition)."""
    return 2 / (counter + 2)


def mirror_variables(problem) -> tuple[sp.Symbol, ...]:
    """Symbols for z, with the domain's assumptions (positive on the simplex)."""
    return tuple(sp.Symbol(f"z_{v}", **problem.regularizer.domain.symbol_assumptions) for v in problem.variables)


class AcceleratedMirrorDescent(Method):
    name = "accelerated"
    state = ("x", "z", "k")

    def derive(self, problem) -> SymbolicStep:
        reg = problem.regularizer
        x, z = sp.Matrix(problem.variables), sp.Matrix(mirror_variables(problem))
        theta = coupling(COUNTER)
        y = (1 - theta) * x + theta * z
        gradient_at_y = objective_gradient(problem).xreplace(dict(zip(problem.variables, y)))
        dual = mirror_map(reg).xreplace(dict(zip(problem.variables, z))) - ETA / theta * gradient_at_y
        z_next = _primal(reg, dual)
        if z_next is None:
            raise MDTheoryError(f"method 'accelerated': the inverse mirror map of {reg.name} has no closed form on "
                                f"{reg.domain.describe()}, which its mirror step needs; use a regularizer whose "
                                "mirror map sympy inverts (the Euclidean or a Mahalanobis one, the negative entropy "
                                "on the simplex)")
        x_next = (1 - theta) * x + theta * z_next
        state = (*x, *z, COUNTER)
        step = sp.Matrix.vstack(x_next, z_next, sp.Matrix([COUNTER + 1]))
        return SymbolicStep(state, step, step.jacobian(state), problem.parameters)

    def kernel(self, problem, oracle=None) -> ExplicitStepKernel:
        return ExplicitStepKernel(problem, derived_step(self, problem), oracle)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        return ("y = (1 - theta_k) x + theta_k z, grad phi(z+) = grad phi(z) - (eta/theta_k) grad f(y), "
                "x+ = (1 - theta_k) x + theta_k z+, theta_k = 2/(k + 2), x_0 = z_0 = x0 (Tseng 2008, Algorithm 1)")

    def initial_state(self, x0: tuple) -> tuple[tuple, ...]:
        return tuple(x0), tuple(x0), (sp.Integer(0),)

    def initial_tangent(self, x0: tuple, direction: tuple) -> tuple[tuple, ...]:
        return tuple(direction), tuple(direction), (sp.Integer(0),)


register(AcceleratedMirrorDescent())
