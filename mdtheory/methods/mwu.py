"""Simultaneous mirror descent of both players, registered as "mwu": multiplicative weights when phi is the
negative entropy on the simplices (Freund & Schapire, Adaptive game playing using multiplicative weights, Games
Econ. Behav. 29 (1999)), on a saddle problem (``[problem] kind = "saddle"``).

Both players play z_t = (x_t, y_t) and step on the same round's operator F(x, y) = (grad_x f, -grad_y f):

    z_{t+1} = argmin_u <eta F(z_t), u> + D_phi(u, z_t)

(x+ proportional to x exp(-eta A y), y+ to y exp(eta A^T x) in a bilinear game). Each player is Hedge against the
other, so each regret is at most log(dimension)/eta + eta T max|A|^2/2 for payoffs of any sign; the averages
approach equilibrium while the last iterate, in general, circles away from an interior one (Bailey & Piliouras,
Multiplicative weights update in zero-sum games, EC 2018).
"""

from __future__ import annotations

import sympy as sp

from mdtheory.methods import register
from mdtheory.methods.saddle_point import SaddleMethod
from mdtheory.symbolic.mirror_descent import ETA
from mdtheory.symbolic.saddle import SaddleGame


class SimultaneousMultiplicativeWeights(SaddleMethod):
    name = "mwu"
    state = ("z",)

    def played(self, game: SaddleGame) -> sp.Matrix:
        return sp.Matrix(game.variables)

    def derive(self, game: SaddleGame):
        z = game.variables
        return self.step(game, game.mirror_step(z, ETA * game.operator_at(z)))

    def update_text(self, game, renaming=None) -> str:
        return "z+ = argmin_u <eta F(z), u> + D_phi(u, z), both players at once, the point played is z (MWU)"


register(SimultaneousMultiplicativeWeights())
