"""The derived model: every map of Mirror Descent that the engine evaluates, derived from (phi, f) once.

A geometry is phi on its domain with its mirror map grad phi and the inverse (grad phi)^{-1}: a verified
closed form, or the Newton system grad phi(x) = y whose Jacobian is Hess phi. For a separable phi the
Hessian is diagonal, and its diagonal (the curvature) is all Newton and the tangent need.

A model is a geometry and an objective f (an anchored objective included: ``anchored`` builds a new
MirrorDescent), with what MD composes from both: the dual step y+ = grad phi(x) - eta grad f(x), and,
where the inverse is a closed form valid on every dual point, the step x+ itself and its Jacobian.

Both are frozen and cached on what they are derived from, so every kernel, certificate and check of the
same (phi, f) shares one derivation, and the engine compiles each bundle once (``engine.codegen``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import InverseMirrorMap, inverse_mirror_map
from mdtheory.symbolic.mirror_descent import (
    ETA,
    MirrorDescent,
    dual_step,
    md_step,
    md_step_jacobian,
    objective_gradient,
    objective_hessian,
)
from mdtheory.symbolic.regularizer import (
    ConvexityCertificate,
    Regularizer,
    hessian,
    is_separable,
    mirror_map,
    strict_convexity,
)


@dataclass(frozen=True, eq=False)
class Geometry:
    """phi, grad phi, Hess phi, its diagonal where phi is separable, and the inverse mirror map."""

    regularizer: Regularizer
    mirror_map: sp.ImmutableMatrix
    hessian: sp.ImmutableMatrix
    curvature: tuple[sp.Expr, ...] | None  # diag Hess phi, for a separable phi (then the Hessian is diagonal)
    inverse: InverseMirrorMap
    convexity: ConvexityCertificate

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        return self.regularizer.variables

    @property
    def phi(self) -> sp.Expr:
        return self.regularizer.phi

    @property
    def domain(self) -> Domain:
        return self.regularizer.domain

    @property
    def dim(self) -> int:
        return self.regularizer.dim

    @property
    def separable(self) -> bool:
        return self.curvature is not None


@dataclass(frozen=True, eq=False)
class Model:
    """MD on (phi, f): the geometry, f with its gradient and Hessian, the dual step and, where it exists in
    closed form on every dual point, the step and its Jacobian. Step maps take (x, eta, f's parameters)."""

    md: MirrorDescent
    geometry: Geometry
    objective: sp.Expr
    objective_gradient: sp.ImmutableMatrix
    objective_hessian: sp.ImmutableMatrix
    dual_step: sp.ImmutableMatrix
    step: sp.ImmutableMatrix | None
    step_jacobian: sp.ImmutableMatrix | None  # d x+ / d x where step is a closed form

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        return self.md.variables

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        return self.md.parameters

    @property
    def step_arguments(self) -> tuple[sp.Symbol, ...]:
        return (*self.md.variables, ETA, *self.md.parameters)


@functools.cache
def derive_geometry(reg: Regularizer) -> Geometry:
    hess = hessian(reg)
    return Geometry(
        regularizer=reg,
        mirror_map=sp.ImmutableMatrix(mirror_map(reg)),
        hessian=sp.ImmutableMatrix(hess),
        curvature=tuple(hess[i, i] for i in range(reg.dim)) if is_separable(reg) else None,
        convexity=strict_convexity(reg),
        inverse=inverse_mirror_map(reg),
    )


@functools.cache
def derive_model(md: MirrorDescent) -> Model:
    geometry = derive_geometry(md.regularizer)
    # A composed closed-form step bypasses the engine's image check, so it is kept only where the
    # closed-form inverse is valid on every dual point.
    step = md_step(md) if not geometry.inverse.conditions else None
    jacobian = None
    if step is not None:
        jacobian, implicit = md_step_jacobian(md)
        jacobian = None if implicit else jacobian
    renaming = dict(zip(md.objective.variables, md.variables))
    return Model(
        md=md,
        geometry=geometry,
        objective=md.objective.expr.subs(renaming),
        objective_gradient=sp.ImmutableMatrix(objective_gradient(md)),
        objective_hessian=sp.ImmutableMatrix(objective_hessian(md)),
        dual_step=sp.ImmutableMatrix(dual_step(md)),
        step=None if step is None else sp.ImmutableMatrix(step),
        step_jacobian=None if jacobian is None else sp.ImmutableMatrix(jacobian),
    )
