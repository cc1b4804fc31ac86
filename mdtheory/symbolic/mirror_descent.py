"""The Mirror Descent step, its Jacobian and closed-form T-step maps, derived from (phi, f).

Unconstrained (R^n, orthant):   grad phi(x+) = grad phi(x) - eta grad f(x).
Simplex, separable phi = sum h(x_i):   h'(x+_i) = h'(x_i) - eta g_i + nu, with the scalar nu making
sum x+ = 1. When the scalar inverse psi = (h')^{-1} satisfies psi(z + nu) = s(nu) psi(z) (negative
entropy: psi(z) = exp(z - 1)), the multiplier drops out and x+ = psi(y) / sum psi(y) in closed form.

Jacobians come from the implicit function theorem when the step has no closed form:
    unconstrained:  d x+/d x = Hphi(x+)^{-1} (Hphi(x) - eta Hf(x)),
    simplex:        d x+/d x = (D - D 1 1^T D / 1^T D 1) (Hphi(x) - eta Hf(x)),  D = diag(1/h''(x+_i)).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import DomainError, NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.regularizer import (
    Regularizer,
    hessian,
    is_separable,
    mirror_map,
    strict_convexity,
)

ETA = sp.Symbol("eta", positive=True)
STEPS = sp.Symbol("T", positive=True, integer=True)
PLAIN_MD = "md"  # the method name (mdtheory.methods) of plain MD, the update this module derives


@dataclass(frozen=True)
class MirrorDescent:
    """MD on ``objective`` in the geometry of ``regularizer``; the step size stays the symbol ``ETA``.
    ``method`` names the update rule the engine runs on (phi, f) (``mdtheory.methods``): plain MD, whose
    derivation this module holds, by default."""

    regularizer: Regularizer
    objective: Objective
    method: str = PLAIN_MD
    # a closed convex set the iterates are projected onto (``symbolic.sets``), or None: phi's own domain
    constraint: object = None
    # the method's options, ((key, value), ...) as a claim file's [method] table gives them (hashable)
    method_options: tuple = ()

    def __post_init__(self):
        if tuple(map(str, self.objective.variables)) != tuple(map(str, self.regularizer.variables)):
            raise ValueError(
                f"objective variables {[str(v) for v in self.objective.variables]} differ from the "
                f"regularizer's {[str(v) for v in self.regularizer.variables]}; build the objective on "
                "regularizer.variables"
            )
        if self.regularizer.domain is Domain.SIMPLEX and not is_separable(self.regularizer):
            raise NotStrictlyConvexError(
                "on the simplex only separable regularizers phi = sum h(x_i) are supported (the "
                "normalization is a scalar Lagrange multiplier); write phi as a sum of one-variable terms"
            )
        strict_convexity(self.regularizer)
        if self.constraint is not None:
            if self.method == PLAIN_MD:  # plain MD's step would leave the set silently
                raise DomainError(f"{self.constraint.describe()}: plain MD does not project onto it; run the method "
                                  "\"projected_md\" (mdtheory.methods.projected)")
            if self.constraint.regularizer_domain is not self.regularizer.domain:
                raise DomainError(f"{self.constraint.describe()}: phi's mirror step lives on "
                                  f"{self.constraint.regularizer_domain.describe()}, but phi is on "
                                  f"{self.regularizer.domain.describe()}")
            self.constraint.check_regularizer(self.regularizer)

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        return self.regularizer.variables

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        return self.objective.parameters


def _objective_in(md: MirrorDescent, attribute: str) -> sp.Matrix:
    # The objective may be built on symbols with other assumptions; rename to the regularizer's.
    renaming = dict(zip(md.objective.variables, md.variables))
    return getattr(md.objective, attribute).subs(renaming)


@functools.cache
def objective_gradient(md: MirrorDescent) -> sp.Matrix:
    return _objective_in(md, "gradient")


@functools.cache
def objective_hessian(md: MirrorDescent) -> sp.Matrix:
    return _objective_in(md, "hessian")


@functools.cache
def next_variables(md: MirrorDescent) -> tuple[sp.Symbol, ...]:
    """Symbols for x+ in implicit (Newton-based) Jacobians."""
    return tuple(sp.Symbol(f"{v}_next", **md.regularizer.domain.symbol_assumptions) for v in md.variables)


@functools.cache
def dual_step(md: MirrorDescent) -> sp.Matrix:
    """y+ = grad phi(x) - eta grad f(x)."""
    return mirror_map(md.regularizer) - ETA * objective_gradient(md)


@functools.cache
def normalization_is_multiplicative(reg: Regularizer) -> bool:
    """True when psi(z + nu) / psi(z) is free of z, so the simplex step normalizes in closed form."""
    inverse = inverse_mirror_map(reg)
    if reg.domain is not Domain.SIMPLEX or not inverse.is_closed_form:
        return False
    nu = sp.Symbol("nu", real=True)
    y = inverse.dual_variables[0]
    psi = inverse.expressions[0]
    ratio = sp.simplify(psi.subs(y, y + nu) / psi)
    return y not in ratio.free_symbols


def _apply_inverse(reg: Regularizer, dual: sp.Matrix) -> sp.Matrix | None:
    inverse = inverse_mirror_map(reg)
    if not inverse.is_closed_form:
        return None
    at_dual = dict(zip(inverse.dual_variables, dual))
    return sp.Matrix([e.subs(at_dual) for e in inverse.expressions])


# The subgradient a nonsmooth f's derivative carries (sign, Heaviside, and Max/Min inside them): simplify
# rewrites sign(u) as u/|u| or a Piecewise, turning the subgradient sign(0) = 0 at a kink into 0/0.
KINKS = (sp.sign, sp.Heaviside, sp.Max, sp.Min)


def simplify_keeping_kinks(expr: sp.Expr) -> sp.Expr:
    """sp.simplify with every kink function held as an opaque real symbol, so it comes back as written."""
    held: dict = {}
    walk = sp.preorder_traversal(expr)
    for node in walk:
        if isinstance(node, KINKS):
            held.setdefault(node, sp.Dummy("kink", real=True))
            walk.skip()
    return sp.simplify(expr.xreplace(held)).xreplace({symbol: kink for kink, symbol in held.items()})


def _primal(reg: Regularizer, dual: sp.Matrix) -> sp.Matrix | None:
    """The primal point of a dual point in closed form (normalized on the simplex), or None."""
    primal = _apply_inverse(reg, dual)
    if primal is None:
        return None
    if reg.domain is Domain.SIMPLEX:
        if not normalization_is_multiplicative(reg):
            return None
        primal = (primal / sum(primal)).applyfunc(simplify_keeping_kinks)
    return primal


@functools.cache
def md_step(md: MirrorDescent) -> sp.Matrix | None:
    """x+ as explicit expressions in x and eta, or None when the step needs a numerical solve."""
    return _primal(md.regularizer, dual_step(md))


@functools.cache
def md_step_jacobian(md: MirrorDescent) -> tuple[sp.Matrix, bool]:
    """d x+ / d x, and whether it is written in the next-point symbols ``next_variables`` (implicit form)."""
    step = md_step(md)
    if step is not None:
        return step.jacobian(md.variables), False
    reg = md.regularizer
    at_next = dict(zip(md.variables, next_variables(md)))
    forward = hessian(reg) - ETA * objective_hessian(md)
    hess_next = hessian(reg).subs(at_next)
    if reg.domain is not Domain.SIMPLEX:
        return hess_next.LUsolve(forward), True
    weights = sp.diag(*[1 / hess_next[i, i] for i in range(reg.dim)])
    ones = sp.ones(reg.dim, 1)
    projector = weights - weights * ones * ones.T * weights / (ones.T * weights * ones)[0, 0]
    return projector * forward, True


def is_linear_objective(md: MirrorDescent) -> bool:
    return all(g.free_symbols.isdisjoint(md.variables) for g in objective_gradient(md))


@functools.cache
def closed_form_t_step(md: MirrorDescent) -> sp.Matrix | None:
    """x_T in terms of x_0 (the variables), eta and T, where MD has a closed form.

    For a linear objective f = <c, x> the dual iterates move on a line, y_T = grad phi(x_0) - eta T c,
    so x_T = (grad phi)^{-1}(y_T) whenever the inverse has a closed form; on the simplex with a
    multiplicative normalization (negative entropy) this is x_T = softmax(log x_0 - eta T c).
    """
    if not is_linear_objective(md):
        return None
    reg = md.regularizer
    return _primal(reg, mirror_map(reg) - ETA * STEPS * objective_gradient(md))


def affine_step(md: MirrorDescent, eta) -> tuple[sp.Matrix, sp.Matrix] | None:
    """x+ = M x + m exactly, when phi and f are both quadratic (GD and Mahalanobis MD on quadratics)."""
    step = md_step(md)
    if step is None:
        return None
    step = step.subs(ETA, eta)
    M = step.jacobian(md.variables)
    if any(entry.free_symbols for entry in M):
        return None
    return M, step.subs({v: 0 for v in md.variables})


def anchored(md: MirrorDescent, strength) -> MirrorDescent:
    """MD on F(x) = f(x) + lambda * D_phi(x, a), the anchor a entering as parameters (the symbols
    ``second_point(regularizer)``), so that each run can anchor where it likes: at a fixed point, or at its
    own start."""
    from mdtheory.symbolic.parsing import exact_real
    from mdtheory.symbolic.regularizer import bregman_divergence, second_point

    lam = exact_real(strength)
    if lam <= 0:
        from mdtheory.errors import StepSizeError

        raise StepSizeError(f"the anchoring strength lambda must be positive, got {lam}")
    reg = md.regularizer
    renaming = dict(zip(md.objective.variables, reg.variables))
    expr = md.objective.expr.subs(renaming) + lam * bregman_divergence(reg)
    objective = Objective(f"{md.objective.name} + {lam} D_phi(x, a)", expr, reg.variables,
                          (*md.objective.parameters, *second_point(reg)))
    return MirrorDescent(reg, objective, md.method, constraint=md.constraint, method_options=md.method_options)
