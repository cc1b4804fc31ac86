"""The protocol of the saddle kind's methods (``[problem] kind = "saddle"``): a ``Method`` that also says which
point each round plays. Each method is its own file (``mirror_prox``, ``mwu``, ``optimistic_mwu``)."""

from __future__ import annotations

import sympy as sp

from mdtheory.errors import MDTheoryError
from mdtheory.methods import Method, SymbolicStep
from mdtheory.symbolic.saddle import SaddleGame


class SaddleMethod(Method):
    """A method of the saddle kind. ``derive(game)`` gives the step of the flat state (the vectors of ``state``,
    each the joint point z = (x, y)); ``played(game)`` the point (x_t, y_t) round t plays, as expressions in the
    state before the step (the averages, the regrets and the duality gap are taken over it)."""

    def played(self, game: SaddleGame) -> sp.Matrix:
        raise NotImplementedError(f"{type(self).__name__} does not say which point it plays")

    def state_symbols(self, game: SaddleGame) -> list[tuple[sp.Symbol, ...]]:
        """The joint point's symbols for the first vector of the state, fresh ones (z_prev_x1, ...) for the others."""
        first = game.variables
        return [first, *(tuple(sp.Symbol(f"{name}_{v}", **v.assumptions0) for v in first) for name in self.state[1:])]

    def kernel(self, problem, oracle=None):
        raise MDTheoryError(f"[run] method: {self.name!r} is a saddle-point method; it runs on [problem] kind = "
                            "\"saddle\" (min_x max_y x^T A y), not on a minimization problem")

    def step(self, game: SaddleGame, state: sp.Matrix) -> SymbolicStep:
        flat = tuple(s for vector in self.state_symbols(game) for s in vector)
        return SymbolicStep(flat, state, None, game.parameters)
