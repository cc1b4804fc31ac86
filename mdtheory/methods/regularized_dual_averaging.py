"""Regularized dual averaging (RDA), registered as "rda": dual averaging on f + r with the term r handled by its
prox.

L. Xiao, Dual averaging methods for regularized stochastic learning and online optimization, JMLR 11 (2010),
Algorithm 1 with the auxiliary function h(x) = D_phi(x, x0) (minimized at x0, where it is 0) and the step eta,
beta_t = beta(t) / eta (the ``[method] beta`` option, an expression in k as for ``dual_averaging``):

    s_{k+1} = s_k + grad f(x_k),   s_0 = 0
    x_{k+1} = argmin_x <s_{k+1}, x> + (k + 1) r(x) + (beta(k + 1) / eta) D_phi(x, x0)

(Xiao's <gbar_t, x> + r(x) + (beta_t / t) h(x) with t = k + 1, multiplied by t), r(x) = lambda ||x||_1
(``[method] l1``; ``mdtheory.methods.l1_term``): grad phi(x_{k+1}) = shrink(grad phi(x0) - eta s_{k+1} /
beta(k + 1), eta (k + 1) lambda / beta(k + 1)), soft-thresholding on R^n. With lambda = 0 it is
``dual_averaging``. The state is (x, s, a, k) as there; the quantities are about f + r (the kernel's
objective), G and sum_g2 about grad f.

Xiao's Theorem 1 (beta nondecreasing, x0 a minimizer of r, h 1-strongly convex, ||grad f||_* <= G): the regret
of x_1..x_t (his indexing: our x_0..x_{t-1}) against any x with h(x) <= D^2 is at most
beta_t D^2 + (G^2 / 2) sum_{tau=0}^{t-1} 1 / beta_tau (r not strongly convex, beta_0 = beta_1); Corollary 2:
with beta_t = gamma sqrt(t), at most (gamma D^2 + G^2 / gamma) sqrt(t)
(mdtheory/theorems/convergence/xiao_rda.toml checks it on f + r at the average, gamma = 1/eta).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sympy as sp

from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.domain_checks import check_in_domain
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep, register
from mdtheory.methods.dual_averaging import COUNTER, DEFAULT_SCHEDULE, DualAveraging, schedule_from_text
from mdtheory.methods.l1_term import L1_OPTION, L1Objective, L1Term, prox_step, prox_tangent, weight_from_text
from mdtheory.symbolic.mirror_descent import PLAIN_MD

RDA = "rda"


class RegularizedDualAveragingKernel(L1Objective, MirrorDescentKernel):
    """The RDA step on the flat state (x, s, a, k): plain MD's kernel on (phi, f) for grad f, grad phi and the
    inverse, composed with the l1 prox; its objective is f + r."""

    def __init__(self, problem, term: L1Term, beta: sp.Expr, oracle=None):
        super().__init__(dataclasses.replace(problem, method=PLAIN_MD), oracle)
        self.md = problem
        self.term = term
        term.check(self, problem.method)
        self.beta = CompiledExpressions([beta.subs(COUNTER, COUNTER + 1)], (COUNTER,))  # beta(k + 1)
        self.origins = {}
        self.has_closed_form_step = False
        self.tangent_needed = True  # see CompositeKernel

    def origin_in(self, ctx):
        key = (type(ctx).__name__, ctx.prec)
        if key not in self.origins:
            self.origins[key] = self.term.origin(ctx, self)
        return self.origins[key]

    def _split(self, state):
        d = self.dim
        return state[:d], state[d:2 * d], state[2 * d:3 * d], state[3 * d]

    def _prox(self, ctx, state, eta, params):
        x, s, a, k = self._split(state)
        s_next = [si + gi for si, gi in zip(s, self.objective_gradient(ctx, x, params))]
        beta = self.beta(ctx, k)[0]
        if not beta > 0:
            raise MDTheoryError(f"method {RDA!r}: beta(k + 1) = {ctx.nstr(beta, 8)} at k = {ctx.nstr(k, 8)} is not "
                                "positive; [method] beta must be a positive, nondecreasing schedule")
        z = [g - eta * si / beta for g, si in zip(self.mirror_map(ctx, a), s_next)]
        tau = eta * (k + 1) * ctx.exact(self.term.weight) / beta
        x_next, zeroed, kinks = prox_step(self, ctx, z, tau, self.origin_in(ctx), x)
        return x_next, s_next, a, k, beta, zeroed, kinks, tau

    def step(self, ctx, state, eta, params=()):
        x_next, s_next, a, k, *_ = self._prox(ctx, state, eta, params)
        check_in_domain(ctx, x_next, self.domain)
        return [*x_next, *s_next, *a, k + 1]

    def tangent(self, ctx, state, state_next, eta, w, params=()):
        x, _, a, _ = self._split(state)
        wx, ws, wa, _ = self._split(w)
        _, _, _, _, beta, zeroed, kinks, tau = self._prox(ctx, state, eta, params)
        ds = [u + hw for u, hw in zip(ws, self.f.hessian_vector(ctx, list(x), list(params), wx))]
        dz = [h * v - eta * dsi / beta for h, v, dsi in zip(self.curvature_at(ctx, a), wa, ds)]
        dx = prox_tangent(self, ctx, state_next[:self.dim], dz, zeroed, kinks, tau)
        return [*dx, *ds, *wa, w[-1] * 0]

    def jacobian(self, ctx, state, state_next, eta, params=()):
        raise MDTheoryError(f"worst_case_amplification: method {RDA!r} carries the state (x, s, a, k), and the worst "
                            "case over directions is taken for one-vector methods; claim tangent_amplification along "
                            "a direction instead")


@dataclass(frozen=True)
class RegularizedDualAveraging(Method):
    term: L1Term = L1Term()
    beta: sp.Expr = DEFAULT_SCHEDULE
    name = RDA
    state = ("x", "s", "a", "k")
    options = {**L1_OPTION,
               "beta": "the schedule beta(k), an expression in k; beta_t = beta(t)/eta in Xiao's notation (default 1)"}

    def configure(self, table: dict) -> RegularizedDualAveraging:
        changed = self
        if "l1" in table:
            changed = dataclasses.replace(changed, term=L1Term(weight_from_text(table["l1"])))
        if "beta" in table:
            changed = dataclasses.replace(changed, beta=schedule_from_text(table["beta"]))
        return changed

    def derive(self, problem) -> SymbolicStep:
        # the prox is piecewise (soft-thresholding): no single closed form; the kernel composes the pieces
        return SymbolicStep(problem.variables, None, None, problem.parameters)

    def kernel(self, problem, oracle=None) -> RegularizedDualAveragingKernel:
        if oracle is not None:
            raise MDTheoryError(f"method {RDA!r} runs on a symbolic objective; it takes no oracle")
        return RegularizedDualAveragingKernel(problem, self.term, self.beta, oracle)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        beta = sp.sstr(self.beta.subs(COUNTER, sp.Symbol("k") + 1))
        return (f"s+ = s + grad f(x), x+ = argmin <s+, x'> + (k + 1) r(x') + (beta(k + 1)/eta) D_phi(x', x0), "
                f"r = {self.term.text()}, beta(k + 1) = {beta}, s_0 = 0 (regularized dual averaging, Xiao 2010)")

    # the same state as dual averaging's (x, s, x0, k), started the same way
    initial_state = DualAveraging.initial_state
    initial_tangent = DualAveraging.initial_tangent


register(RegularizedDualAveraging())
