"""The kernel of a method whose derived step is a closed form: state+ and d state+ / d state compiled once.

A method (``mdtheory.methods``) derives its step with the symbolic layer as a ``SymbolicStep``; this kernel
compiles it and runs it in any context. What is not the step (f, grad phi, Hess phi, the convexity checks,
which convergence measurements and the run loop read at the point x) is plain MD's on the same (phi, f).
"""

from __future__ import annotations

import dataclasses
import functools

from mdtheory.engine.codegen import CompiledExpressions, compile_matrix
from mdtheory.engine.domain_checks import check_in_domain
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.objective import ObjectiveOracle
from mdtheory.errors import DomainError, MDTheoryError
from mdtheory.symbolic.mirror_descent import PLAIN_MD, MirrorDescent

# Compiled steps kept (``_compiled``): one per derived step a session meets, as ``methods.derived_step`` keeps them
COMPILED_STEP_CACHE_ENTRIES = 256


class ExplicitStepKernel(MirrorDescentKernel):
    """``derived.step`` and ``derived.jacobian`` (a SymbolicStep of ``problem``'s method) compiled; the state
    is flat, its first ``dim`` entries the point x."""

    def __init__(self, problem: MirrorDescent, derived, oracle: ObjectiveOracle | None = None):
        if derived.step is None or derived.jacobian is None:
            raise MDTheoryError(f"method {problem.method!r}: its derived step or Jacobian has no closed form, which "
                                "ExplicitStepKernel compiles; solve it in the method's own kernel")
        super().__init__(dataclasses.replace(problem, method=PLAIN_MD), oracle)
        self.md = problem
        self.derived = derived
        try:
            hash(derived)
        except TypeError:  # a plug-in's own mutable step: compiled for this kernel
            self.closed_form_step, self.step_jacobian = _compile(derived)
        else:  # a shared step (``methods.derived_step``): compiled once, as a falsify search asks for many kernels
            self.closed_form_step, self.step_jacobian = _compiled(derived)
        self.has_closed_form_step = True

    def step(self, ctx, state, eta, params=()):
        try:
            state_next = self.closed_form_step(ctx, *state, eta, *params)
        except MDTheoryError:
            raise
        except (ZeroDivisionError, ValueError) as err:
            raise DomainError(f"method {self.md.method!r}: the step cannot be evaluated at the state "
                              f"({', '.join(ctx.nstr(v, 8) for v in state)}) ({type(err).__name__}: {err}); start "
                              "elsewhere or reduce eta") from None
        check_in_domain(ctx, state_next[:self.dim], self.domain)
        return state_next

    def closed_form_jacobian(self, ctx, state, eta, params=()):
        return self.step_jacobian(ctx, *state, eta, *params)

    def jacobian(self, ctx, state, state_next, eta, params=()):
        return ctx.as_matrix(self.closed_form_jacobian(ctx, state, eta, params))

    def tangent(self, ctx, state, state_next, eta, w, params=()):
        return ctx.matvec(self.jacobian(ctx, state, state_next, eta, params), w)


def _compile(derived) -> tuple:
    """The step and its Jacobian as generated functions of (ctx, *state, eta, *params); they hold no state."""
    return (CompiledExpressions(list(derived.step), derived.arguments),
            compile_matrix(derived.jacobian, derived.arguments))


_compiled = functools.lru_cache(maxsize=COMPILED_STEP_CACHE_ENTRIES)(_compile)
