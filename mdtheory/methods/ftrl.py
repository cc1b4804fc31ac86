"""Follow the regularized leader (FTRL), registered as "ftrl": play the minimizer of the losses so far plus the
regularizer over the step,

    x_{t+1} = argmin_x <L_t, x> + D_phi(x, x0) / eta,   L_t = l_1 + ... + l_t (the loss vectors so far),

on phi's domain or, in the online kind, on its constraint set. From x0 = argmin phi (the online kind's default
start: uniform on the simplex; 0, the centre of a ball or a box about 0) D_phi(x, x0) = phi(x) - min phi, so this
is FTRL with the regularizer phi / eta of S. Shalev-Shwartz, Online learning and online convex optimization,
Found. Trends Mach. Learn. 4 (2012), section 2.3, and E. Hazan, Introduction to online convex optimization (2016),
section 5.3 (there R / eta); with an eta schedule, phi / eta_t. Its optimality condition is MD's step taken from
x0 on the sum: grad phi(y) = grad phi(x0) - eta L_t, then the (Bregman) projection of y onto the set, which is
what ``online_step`` runs with the online kind's one-step kernel. Against linear losses on the simplex with the
negative entropy it is Hedge (x_{t+1, i} proportional to exp(-eta L_{t, i})) exactly; with the Euclidean phi on a
box it is lazy projection, Proj(x0 - eta L_t), where online MD projects greedily.

Offline, on the gradients of f, it is lazy mirror descent: ``dual_averaging`` with beta = 1 (Nesterov 2009).

Shalev-Shwartz's Theorem 2.11 (the losses L_t-Lipschitz in a norm, the regularizer (1/eta')-strongly convex in
it): regret_T(u) <= R(u) - min R + eta' sum_t L_t^2; with R = phi / eta, phi sigma-strongly convex, eta' =
eta / sigma (mdtheory/theorems/online/ftrl_lazy_box.toml checks it on a box).
"""

from __future__ import annotations

from dataclasses import dataclass

from mdtheory.methods import register
from mdtheory.methods.dual_averaging import DualAveraging

FTRL = "ftrl"


@dataclass(frozen=True)
class FollowTheRegularizedLeader(DualAveraging):
    name = FTRL
    options = {}
    plays_online = True

    def configure(self, table: dict) -> FollowTheRegularizedLeader:
        return self

    def online_step(self, kernel, ctx, played, start, eta, loss, total):
        return kernel.step(ctx, start, eta, total)

    def update_text(self, problem, renaming: dict | None = None) -> str:
        return ("s+ = s + grad f(x), grad phi(x+) = grad phi(x0) - eta s+, s_0 = 0 (follow the regularized leader: "
                "x+ = argmin <s+, x'> + D_phi(x', x0)/eta, lazy mirror descent)")

    def online_text(self, step_text: str) -> str:
        """The online kind's update text: the one-step kernel's (``step_text``) taken from x0 on the sum."""
        return ("each round, x_{t+1} = argmin <L_t, x> + D_phi(x, x0)/eta with L_t = l_1 + ... + l_t (follow the "
                f"regularized leader), computed as the MD step below with x = x0 and l_t replaced by L_t: {step_text}")


register(FollowTheRegularizedLeader())
