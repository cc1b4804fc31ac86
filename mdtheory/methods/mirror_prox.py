"""Mirror-prox (Nemirovski 2004), registered as "mirror_prox": the extragradient step in the geometry of phi, on
a saddle problem (``[problem] kind = "saddle"``).

A. Nemirovski, Prox-method with rate of convergence O(1/t) for variational inequalities with Lipschitz
continuous monotone operators and smooth convex-concave saddle point problems, SIAM J. Optim. 15 (2004), 229-251;
S. Bubeck, Convex Optimization: Algorithms and Complexity (2015), section 4.5 (and 5.2.3 for saddle points).
With the monotone operator F(x, y) = (grad_x f, -grad_y f) and the constant step eta, from z_0 = (x0, y0):

    w_t     = argmin_u <eta F(z_t), u> + D_phi(u, z_t)      (the extrapolation, the point round t plays)
    z_{t+1} = argmin_u <eta F(w_t), u> + D_phi(u, z_t)

each argmin on each player's block in closed form from phi (entropic: multiplicative weights; Euclidean on R^n:
the extragradient method). The state is z; the played point w_t is an expression in z_t.
"""

from __future__ import annotations

import sympy as sp

from mdtheory.methods import register
from mdtheory.methods.saddle_point import SaddleMethod
from mdtheory.symbolic.mirror_descent import ETA
from mdtheory.symbolic.saddle import SaddleGame


class MirrorProx(SaddleMethod):
    name = "mirror_prox"
    state = ("z",)

    def played(self, game: SaddleGame) -> sp.Matrix:
        z = game.variables
        return game.mirror_step(z, ETA * game.operator_at(z))

    def derive(self, game: SaddleGame):
        z = game.variables
        # the second step at a symbolic w, then w substituted: sympy simplifies the small step, not the nested one
        w = [sp.Dummy(f"w_{v}", **v.assumptions0) for v in z]
        step = game.mirror_step(z, ETA * game.operator_at(w))
        return self.step(game, step.xreplace(dict(zip(w, self.played(game)))))

    def update_text(self, game, renaming=None) -> str:
        return ("w = argmin_u <eta F(z), u> + D_phi(u, z), z+ = argmin_u <eta F(w), u> + D_phi(u, z), the point "
                "played is w (mirror-prox, Nemirovski 2004)")


register(MirrorProx())
