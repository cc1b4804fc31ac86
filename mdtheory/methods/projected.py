"""Projected mirror descent, registered as "projected_md": the mirror step in phi's own domain, then the Bregman
projection onto the problem's constraint set C (``MirrorDescent.constraint``, ``symbolic.sets``):

    y = (grad phi)^-1 (grad phi(x) - eta grad f(x)),    x+ = argmin_{x in C} D_phi(x, y),

which is argmin_{x in C} <eta grad f(x_t), x> + D_phi(x, x_t) for a phi that is not of Legendre type on C.

A method file, not a property plain MD reads: the projection is another update rule (its step, its tangent and
its update text differ from MD's), and plain MD's kernel stays as it is; the sets are their own files, each
with its closed-form projection. The tangent is the projection's derivative on the active face (the chain rule
through the mirror step); where the projection is not differentiable (the mirror step on a kink: the sphere of a
ball, a bound of a box) the set refuses the tangent, so a run whose sensitivity is claimed stops with a
DomainError naming the point rather than pick a side; a convergence claim, which reads no tangent, runs on (the
kernel's ``tangent_needed`` is False there, and the unused tangent takes the active face's derivative).
"""

from __future__ import annotations

import dataclasses
import re

from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep, method, register
from mdtheory.symbolic.mirror_descent import PLAIN_MD

PROJECTED_MD = "projected_md"


def unprojected(problem):
    """The same (phi, f) running plain MD on phi's own domain: the mirror step before the projection."""
    return dataclasses.replace(problem, method=PLAIN_MD, constraint=None)


class ProjectedKernel(MirrorDescentKernel):
    """Plain MD's kernel on (phi, f) for the mirror step, composed with the constraint set's projection."""

    def __init__(self, problem, oracle=None):
        if problem.constraint is None:
            raise MDTheoryError(f"method {PROJECTED_MD!r} projects onto a constraint set, and this problem has none; "
                                "give [problem] domain = \"ball\", \"box\" (with bounds), \"simplices\" or \"marginals\"")
        super().__init__(unprojected(problem), oracle)
        self.md = problem
        self.constraint = problem.constraint
        # the batched closed forms (falsify's screen) would run the unprojected step: they are not offered
        self.has_closed_form_step = False

    def mirror_step(self, ctx, x, eta, params=()):
        return super().step(ctx, x, eta, params)

    def step(self, ctx, x, eta, params=()):
        return self.constraint.project(ctx, self.mirror_step(ctx, x, eta, params))

    def tangent(self, ctx, x, x_next, eta, w, params=()):
        y = self.mirror_step(ctx, x, eta, params)
        return self.constraint.project_tangent(ctx, y, super().tangent(ctx, x, y, eta, w, params),
                                               at_kink="refuse" if self.tangent_needed else "active face")

    def jacobian(self, ctx, x, x_next, eta, params=()):
        if not self.constraint.full_dimensional:
            raise MDTheoryError(f"worst_case_amplification on {self.constraint.describe()}: the worst case is taken "
                                "over every direction of R^n, which leave the set; claim amplification along a "
                                "direction that sums to 0 in each block instead")
        y = self.mirror_step(ctx, x, eta, params)
        inner = super().jacobian(ctx, x, y, eta, params)
        columns = [self.constraint.project_tangent(ctx, y, [inner[i, j] for i in range(self.dim)])
                   for j in range(self.dim)]
        return ctx.as_matrix([[columns[j][i] for j in range(self.dim)] for i in range(self.dim)])


class ProjectedMirrorDescent(Method):
    name = PROJECTED_MD
    state = ("x",)

    def derive(self, problem) -> SymbolicStep:
        # the projection is piecewise (clipping, scaling past the sphere): no single closed form; the kernel
        # composes plain MD's derived step with the set's projection
        return SymbolicStep(problem.variables, None, None, problem.parameters)

    def kernel(self, problem, oracle=None) -> ProjectedKernel:
        return ProjectedKernel(problem, oracle)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        mirror = re.sub(r"\bx(\w*)\+", r"y\1", method(PLAIN_MD).update_text(unprojected(problem), renaming))
        return f"{mirror}; then {problem.constraint.projection_text()}"


register(ProjectedMirrorDescent())
