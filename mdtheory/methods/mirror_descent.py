"""Plain mirror descent, registered as "md": grad phi(x+) = grad phi(x) - eta grad f(x).

The derivation is the symbolic layer's (``symbolic.mirror_descent``, bundled by ``symbolic.model``) and the
kernel the engine's ``MirrorDescentKernel`` (closed form where one is valid on every dual point, otherwise the
dual step and Newton, with the simplex multiplier); this file joins them to the method protocol.
"""

from __future__ import annotations

import sympy as sp

from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.methods import Method, SymbolicStep, register
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.mirror_descent import PLAIN_MD, dual_step, normalization_is_multiplicative
from mdtheory.symbolic.model import derive_model
from mdtheory.symbolic.regularizer import mirror_map

UPDATE_COMPONENTS_SHOWN = 2  # the update text writes the first coordinates out, then "..."


class PlainMirrorDescent(Method):
    name = PLAIN_MD
    state = ("x",)
    plays_online = True

    def online_step(self, kernel, ctx, played, start, eta, loss, total):
        return kernel.step(ctx, played, eta, loss)

    def derive(self, problem) -> SymbolicStep:
        model = derive_model(problem)
        return SymbolicStep(problem.variables, model.step, model.step_jacobian, problem.parameters)

    def kernel(self, problem, oracle=None) -> MirrorDescentKernel:
        return MirrorDescentKernel(problem, oracle)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        """The MD step the engine runs, written from the derived dual step y = grad phi(x) - eta grad f(x) and the
        inverse mirror map as the engine applies them: in closed form where the inverse is one, else the equation
        Newton solves; on the simplex with the normalization the engine uses. ``renaming`` substitutes symbols in
        the text (online MD: the loss vector c for l_t)."""
        reg = problem.regularizer
        dual = dual_step(problem)
        if renaming:
            dual = dual.subs(renaming)
        inverse = inverse_mirror_map(reg)
        next_point = [sp.Symbol(f"{v}+") for v in problem.variables]

        def shortest(expression):
            candidates = (expression, sp.powsimp(sp.expand(expression)))
            return min((sp.sstr(c) for c in candidates), key=len)

        if inverse.is_closed_form and (reg.domain is not Domain.SIMPLEX or normalization_is_multiplicative(reg)):
            at_dual = dict(zip(inverse.dual_variables, dual))
            parts = [shortest(e.subs(at_dual)) for e in inverse.expressions]
            relation = "∝" if reg.domain is Domain.SIMPLEX else "="
            how = "normalized to sum 1" if reg.domain is Domain.SIMPLEX else "closed form"
        else:
            gradient = mirror_map(reg).subs(dict(zip(problem.variables, next_point)))
            parts = [f"{shortest(y)}" for y in dual]
            relation = None
            how = ("plus a multiplier nu making sum x+ = 1, solved numerically" if reg.domain is Domain.SIMPLEX
                   else "solved for x+ numerically (Newton)")
        shown = range(min(UPDATE_COMPONENTS_SHOWN, len(parts)))
        if relation is None:
            written = [f"{shortest(gradient[i])} = {parts[i]}" for i in shown]
        else:
            written = [f"{next_point[i]} {relation} {parts[i]}" for i in shown]
        more = ", ..." if len(parts) > len(shown) else ""
        return f"grad phi(x+) = grad phi(x) - eta grad f(x): {', '.join(written)}{more} ({how})"


register(PlainMirrorDescent())
