"""Composite mirror descent (COMID), registered as "composite_md": MD on f + r with the term r handled by its
prox in the geometry of phi.

J. Duchi, S. Shalev-Shwartz, Y. Singer, A. Tewari, Composite objective mirror descent, COLT 2010, update (3):

    x+ = argmin_x  eta <grad f(x), x'> + eta r(x') + D_phi(x', x),

with r(x) = lambda ||x||_1 (``[method] l1 = "lambda"``; ``mdtheory.methods.l1_term`` solves the prox:
soft-thresholding of the dual point grad phi(x) - eta grad f(x) by eta lambda on R^n, a shift on the positive
orthant or the box). With lambda = 0 it is plain MD. The quantities of a claim (f(x_t), f at the average, f*, the
regret) are about f + r: the kernel's objective is f + r; G and sum_g2 stay the dual norms of grad f, the
gradients the step uses, as in the paper's bounds.

Duchi et al.'s Theorem 2 (phi sigma-strongly convex, r >= 0, f convex): for every x*,
eta sum_{t=1}^T [f(x_t) + r(x_{t+1}) - f(x*) - r(x*)] <= D_phi(x*, x_1) + (eta^2 / (2 sigma)) sum_t ||grad f(x_t)||_*^2;
moving r(x_{T+1}) >= 0 out and r(x_1) in gives the bound on f + r at the average of x_1, ..., x_T that
mdtheory/theorems/convergence/duchi_comid.toml checks, r(x_1) (the constant r0) included.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mdtheory.engine.domain_checks import check_in_domain
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep, method, register
from mdtheory.methods.l1_term import L1_OPTION, L1Objective, L1Term, prox_step, prox_tangent, weight_from_text
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import PLAIN_MD

COMPOSITE_MD = "composite_md"


class CompositeKernel(L1Objective, MirrorDescentKernel):
    """Plain MD's kernel on (phi, f) for the dual point and the inverse, composed with the l1 prox; its objective
    is f + r."""

    def __init__(self, problem, term: L1Term, oracle=None):
        super().__init__(dataclasses.replace(problem, method=PLAIN_MD), oracle)
        self.md = problem
        self.term = term
        term.check(self, problem.method)
        self.origins = {}  # grad phi(0) per precision, read every step
        # the batched closed forms (falsify's screen) would run plain MD's step: they are not offered
        self.has_closed_form_step = False
        # False where the run's tangent is read by nothing (a convergence claim): a kink then takes the zero
        # branch instead of stopping the run
        self.tangent_needed = True

    def origin_in(self, ctx):
        key = (type(ctx).__name__, ctx.prec)
        if key not in self.origins:
            self.origins[key] = self.term.origin(ctx, self)
        return self.origins[key]

    def _prox(self, ctx, x, eta, params):
        z = self.dual_point(ctx, x, eta, params)
        tau = eta * ctx.exact(self.term.weight)
        return (*prox_step(self, ctx, z, tau, self.origin_in(ctx), x), tau)

    def step(self, ctx, x, eta, params=()):
        x_next, _, _, _ = self._prox(ctx, x, eta, params)
        check_in_domain(ctx, x_next, self.domain)
        return x_next

    def tangent(self, ctx, x, x_next, eta, w, params=()):
        _, zeroed, kinks, tau = self._prox(ctx, x, eta, params)
        hess_f_w = self.f.hessian_vector(ctx, list(x), list(params), w)
        dz = [h * wi - eta * hw for h, wi, hw in zip(self.curvature_at(ctx, x), w, hess_f_w)]
        return prox_tangent(self, ctx, x_next, dz, zeroed, kinks, tau)

    def jacobian(self, ctx, x, x_next, eta, params=()):
        columns = [self.tangent(ctx, x, x_next, eta, [ctx.mpf(int(i == j)) for i in range(self.dim)], params)
                   for j in range(self.dim)]
        return ctx.as_matrix([[columns[j][i] for j in range(self.dim)] for i in range(self.dim)])


@dataclass(frozen=True)
class CompositeMirrorDescent(Method):
    term: L1Term = L1Term()
    name = COMPOSITE_MD
    state = ("x",)
    options = dict(L1_OPTION)

    def configure(self, table: dict) -> CompositeMirrorDescent:
        return dataclasses.replace(self, term=L1Term(weight_from_text(table["l1"]))) if "l1" in table else self

    def derive(self, problem) -> SymbolicStep:
        # the prox is piecewise (soft-thresholding): no single closed form; the kernel composes plain MD's dual
        # point and inverse with the prox
        return SymbolicStep(problem.variables, None, None, problem.parameters)

    def kernel(self, problem, oracle=None) -> CompositeKernel:
        if oracle is not None:
            raise MDTheoryError(f"method {COMPOSITE_MD!r} runs on a symbolic objective; it takes no oracle")
        return CompositeKernel(problem, self.term, oracle)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        md = method(PLAIN_MD).update_text(dataclasses.replace(problem, method=PLAIN_MD), renaming)
        where = ("soft-thresholding of the dual point around grad phi(0) by eta lambda"
                 if problem.regularizer.domain is Domain.REALS else "the dual point shifted by -eta lambda")
        return (f"x+ = argmin eta <grad f(x), x'> + eta r(x') + D_phi(x', x), r = {self.term.text()}: {where}, then the inverse "
                f"of [{md}] (composite mirror descent, Duchi et al. 2010)")


register(CompositeMirrorDescent())
