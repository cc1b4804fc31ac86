"""Closed-form trajectories, evaluated directly rather than iterated.

Entropic MD with a linear objective f = <c, x> on the simplex has the T-step map
    x_T = softmax(log x_0 - eta T c),  with Jacobian  J_T = (diag(x_T) - x_T x_T^T) diag(1/x_0)
(derived and checked symbolically in ``mdtheory.claims.claim3_kl_linear``). Coordinates that share
(x_0i, c_i, v_i) stay equal forever, so a start is given as groups with multiplicities: a uniform start in
d = 10^5 dimensions with one distinguished coordinate is two groups, evaluated exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from mdtheory.engine.context import Float64Context, working_context
from mdtheory.engine.run import RunSeries
from mdtheory.errors import DomainError


@dataclass(frozen=True)
class GroupedSimplexStart:
    """Groups g with multiplicity m_g, start value x0_g, cost c_g and perturbation direction v_g."""

    multiplicities: tuple[int, ...]
    x0: tuple[sp.Rational, ...]
    costs: tuple[sp.Rational, ...]
    direction: tuple[sp.Rational, ...]

    def __post_init__(self):
        m, x0, v = self.multiplicities, self.x0, self.direction
        if not (len(m) == len(x0) == len(self.costs) == len(v)):
            raise DomainError("groups need one multiplicity, start value, cost and direction each")
        if any(k < 1 for k in m) or any(x <= 0 for x in x0):
            raise DomainError("multiplicities must be >= 1 and start values > 0")
        if sum(k * x for k, x in zip(m, x0)) != 1:
            raise DomainError("the grouped start is not on the simplex: sum of m_g x0_g must be exactly 1")
        if sum(k * d for k, d in zip(m, v)) != 0:
            raise DomainError("the perturbation leaves the simplex: sum of m_g v_g must be exactly 0")

    @property
    def dim(self) -> int:
        return sum(self.multiplicities)


def _weighted_norm(ctx, multiplicities, vector):
    return ctx.sqrt(ctx.fsum(k * w * w for k, w in zip(multiplicities, vector)))


def entropic_t_step(ctx, multiplicities, start, costs, s):
    """x_T = softmax(log x_0 - s c) with s = eta T, over groups of the given multiplicities (all 1: plain
    coordinates), shifted by the largest logit so that no exponential overflows."""
    logits = [ctx.log(x) - s * c for x, c in zip(start, costs)]
    top = max(logits)
    weights = [ctx.exp(z - top) for z in logits]
    total = ctx.fsum(k * w for k, w in zip(multiplicities, weights))
    return [w / total for w in weights]


def entropic_linear_series(start: GroupedSimplexStart, eps, eta, steps: int, bits: int | None,
                           record_every: int = 1) -> RunSeries:
    """Base, perturbed (x_0 + eps v) and tangent trajectories of the closed form; bits=None is float64."""
    if bits is None:
        with np.errstate(all="ignore"):  # float64 as a user's code would run it: inf and nan propagate
            return _entropic_linear_series(start, eps, eta, steps, Float64Context(), record_every)
    return _entropic_linear_series(start, eps, eta, steps, working_context(bits), record_every)


def _entropic_linear_series(start, eps, eta, steps, ctx, record_every) -> RunSeries:
    num = ctx.exact
    m = start.multiplicities
    x0 = [num(v) for v in start.x0]
    costs = [num(c) for c in start.costs]
    direction = [num(v) for v in start.direction]
    eps_value, eta_value = num(eps), num(eta)
    x0_perturbed = [x + eps_value * v for x, v in zip(x0, direction)]
    if not all(x > 0 for x in x0_perturbed):
        raise DomainError("the perturbed start x0 + eps*v leaves the simplex; shrink eps")
    scaled = [v / x for v, x in zip(direction, x0)]  # v / x0, the input of J_T
    direction_norm = _weighted_norm(ctx, m, direction)
    series = RunSeries(bits=ctx.prec, ctx=ctx)
    initial = None
    for t in list(range(0, steps + 1, record_every)) + ([steps] if steps % record_every else []):
        s = eta_value * t
        x = entropic_t_step(ctx, m, x0, costs, s)
        xp = entropic_t_step(ctx, m, x0_perturbed, costs, s)
        separation = _weighted_norm(ctx, m, [a - b for a, b in zip(x, xp)])
        initial = separation if initial is None else initial
        series.scale.append(max(_weighted_norm(ctx, m, x), _weighted_norm(ctx, m, xp)))
        mean = ctx.fsum(k * xi * ui for k, xi, ui in zip(m, x, scaled))
        tangent = [xi * (ui - mean) for xi, ui in zip(x, scaled)]
        series.t.append(t)
        series.eta_t.append(s)
        series.separation.append(separation)
        series.amplification.append(separation / initial)
        series.log_tangent_amplification.append(ctx.log(_weighted_norm(ctx, m, tangent) / direction_norm))
        series.objective.append(ctx.fsum(k * c * xi for k, c, xi in zip(m, costs, x)))
        series.final, series.final_perturbed = x, xp
    return series


def entropic_linear_operator_norm(start: GroupedSimplexStart, eta, t: int, bits: int):
    """||J_T|| on the tangent space {sum v = 0}, exactly, for the grouped closed form.

    Directions inside a group (zero-sum within it) are eigenvectors with eigenvalue x_g / x0_g. On the
    group-constant directions, J acts as a G x G matrix; it is symmetrized by the weights sqrt(m_g) and
    its largest singular value on the zero-sum subspace taken.
    """
    ctx = working_context(bits)
    m = start.multiplicities
    x0 = [ctx.exact(v) for v in start.x0]
    costs = [ctx.exact(c) for c in start.costs]
    x = entropic_t_step(ctx, m, x0, costs, ctx.exact(eta) * t)
    G = len(m)
    root = [ctx.sqrt(k) for k in m]
    matrix = ctx.matrix(G, G)
    for g in range(G):
        for h in range(G):
            matrix[g, h] = root[g] * ((x[g] / x0[g] if g == h else 0) - x[g] * m[h] * x[h] / x0[h]) / root[h]
    ones = ctx.matrix([[r] for r in root])
    projector = ctx.eye(G) - ones * ones.T / ctx.fsum(k for k in m)
    candidates = [max(ctx.svd_r(matrix * projector, compute_uv=False))]
    candidates += [x[g] / x0[g] for g in range(G) if m[g] >= 2]
    return ctx, max(candidates)
