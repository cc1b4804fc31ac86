"""Optimistic mirror descent of both players, registered as "optimistic_mwu": optimistic multiplicative weights
when phi is the negative entropy on the simplices, on a saddle problem (``[problem] kind = "saddle"``).

A. Rakhlin and K. Sridharan, Optimization, learning, and games with predictable sequences, NeurIPS 2013;
C. Daskalakis and I. Panageas, Last-iterate convergence: zero-sum games and constrained min-max optimization,
ITCS 2019 (OMWU). Each player predicts that this round's operator repeats the last one:

    z_{t+1} = argmin_u <eta (2 F(z_t) - F(z_{t-1})), u> + D_phi(u, z_t),     z_{-1} = z_0

(the first step is plain MWU). The state is (z, z_prev); both players play z_t.
"""

from __future__ import annotations

import sympy as sp

from mdtheory.methods import register
from mdtheory.methods.saddle_point import SaddleMethod
from mdtheory.symbolic.mirror_descent import ETA
from mdtheory.symbolic.saddle import SaddleGame


class OptimisticMultiplicativeWeights(SaddleMethod):
    name = "optimistic_mwu"
    state = ("z", "z_prev")

    def played(self, game: SaddleGame) -> sp.Matrix:
        return sp.Matrix(game.variables)

    def derive(self, game: SaddleGame):
        z, previous = self.state_symbols(game)
        direction = 2 * game.operator_at(z) - game.operator_at(previous)
        return self.step(game, sp.Matrix.vstack(game.mirror_step(z, ETA * direction), sp.Matrix(z)))

    def update_text(self, game, renaming=None) -> str:
        return ("z+ = argmin_u <eta (2 F(z) - F(z_prev)), u> + D_phi(u, z), z_prev+ = z, z_prev = z at the start, "
                "the point played is z (optimistic MWU, Rakhlin & Sridharan 2013)")


register(OptimisticMultiplicativeWeights())
