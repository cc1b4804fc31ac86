"""Policy Mirror Descent (NPG, entropy-regularized NPG) on a tabular MDP, on the precision ladder.

Quantities at each step t: value_gap V*(rho) - V^{pi_t}(rho), soft_q_gap ||Q* - Q^{pi_t}||_inf and, for tau > 0,
log_policy_gap ||log pi* - log pi_t||_inf (all regularized when tau > 0; ``engine.mdp`` says how V* and Q* are
obtained). Constants: eta, gamma, tau, A (the largest number of actions), S, and the initial gaps Vgap0, Qgap0,
logpigap0 (the last for tau > 0).
"""

from __future__ import annotations

import sympy as sp

from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.engine.context import working_context
from mdtheory.engine.ladder import laddered
from mdtheory.engine.mdp import (
    TabularMDP,
    check_step_size,
    engine_step,
    optimal_values_exact,
    policy_md_step,
    q_from_values,
    soft_optimal,
    soft_values,
)
from mdtheory.errors import DomainError


def check_policy_quantity(mdp: TabularMDP, quantity: str) -> None:
    """Refuse a quantity this MDP does not define, before anything runs."""
    if quantity == "log_policy_gap" and mdp.tau == 0:
        raise DomainError(
            "log_policy_gap needs tau > 0: without entropy regularization an optimal policy is deterministic "
            "(log pi* = -infinity off its action) and need not be unique, so ||log pi* - log pi_t||_inf is not "
            "defined; set [problem] tau > 0 (the regularized optimum is unique and puts mass on every action), or "
            "bound value_gap or soft_q_gap")


def _rung(mdp: TabularMDP, pi0, eta, steps: int, bits: int, exact_optimum):
    ctx = working_context(bits)
    if mdp.tau == 0:
        V_star = [ctx.exact(v) for v in exact_optimum]
        Q_star = q_from_values(ctx, mdp, V_star)
        log_pi_star = None
    else:
        Q_star, V_star, pi_star, _ = soft_optimal(ctx, mdp)
        log_pi_star = [[ctx.log(p) for p in row] for row in pi_star]
    eta_c = ctx.exact(eta)
    rho = [ctx.exact(p) for p in mdp.rho]
    pi = [[ctx.exact(p) for p in row] for row in pi0]
    out = {q: ([], []) for q in ("value_gap", "soft_q_gap", "log_policy_gap")}
    for t in range(steps + 1):
        V, Q = soft_values(ctx, mdp, pi)
        gap = ctx.fsum(p * (a - b) for p, a, b in zip(rho, V_star, V))
        out["value_gap"][0].append(gap)
        out["value_gap"][1].append(ctx.fsum(p * (abs(a) + abs(b)) for p, a, b in zip(rho, V_star, V)))
        q_gap = max(abs(a - b) for ra, rb in zip(Q_star, Q) for a, b in zip(ra, rb))
        out["soft_q_gap"][0].append(q_gap)
        out["soft_q_gap"][1].append(max(max(abs(a), abs(b)) for ra, rb in zip(Q_star, Q) for a, b in zip(ra, rb)))
        if log_pi_star is not None:
            logs = [[ctx.log(p) for p in row] for row in pi]
            out["log_policy_gap"][0].append(max(abs(a - b) for ra, rb in zip(log_pi_star, logs) for a, b in zip(ra, rb)))
            out["log_policy_gap"][1].append(max(max(abs(a), abs(b)) for ra, rb in zip(log_pi_star, logs)
                                                for a, b in zip(ra, rb)))
        if t < steps:
            pi = policy_md_step(ctx, mdp, pi, Q, eta_c)
    return ctx, out


def measure_policy_md(mdp: TabularMDP, pi0, eta: sp.Rational, steps: int, bits: int,
                      convention: str = "agarwal") -> SeriesMeasurement:
    """Policy MD at the claim's ``eta``, stated in ``convention`` (``engine.mdp.STEP_CONVENTIONS``); the constant
    eta and the time axis eta t are the claim's eta."""
    step = engine_step(mdp, eta, convention)
    check_step_size(mdp, step)
    mdp.check_policy(pi0)
    exact_optimum = optimal_values_exact(mdp)[0] if mdp.tau == 0 else None
    (coarse_ctx, coarse), (ctx, fine) = (_rung(mdp, pi0, step, steps, b, exact_optimum) for b in (bits, 2 * bits))
    names = ["value_gap", "soft_q_gap"] + (["log_policy_gap"] if mdp.tau > 0 else [])
    derived = {q: laddered(ctx, fine[q][0], coarse[q][0], coarse[q][1], bits) for q in names}
    pair = lambda value: (ctx.exact(value), coarse_ctx.exact(value))
    constants = {"eta": pair(eta), "gamma": pair(mdp.gamma), "tau": pair(mdp.tau),
                 "A": pair(max(mdp.actions)), "S": pair(mdp.states),
                 "Vgap0": (fine["value_gap"][0][0], coarse["value_gap"][0][0]),
                 "Qgap0": (fine["soft_q_gap"][0][0], coarse["soft_q_gap"][0][0])}
    provenance = {name: "exact (from the MDP and the run)" for name in ("eta", "gamma", "tau", "A", "S")}
    provenance.update(Vgap0="computed: V*(rho) - V^{pi_0}(rho)", Qgap0="computed: ||Q* - Q^{pi_0}||_inf")
    if mdp.tau > 0:
        constants["logpigap0"] = (fine["log_policy_gap"][0][0], coarse["log_policy_gap"][0][0])
        provenance["logpigap0"] = "computed: ||log pi* - log pi_0||_inf"
    optimum = ("V* by exact policy iteration in rationals" if mdp.tau == 0 else
               "Q*_tau by soft value iteration to the working precision's resolution")
    return SeriesMeasurement(ctx, list(range(steps + 1)), [ctx.exact(eta * t) for t in range(steps + 1)],
                             derived, (bits, 2 * bits), constants, provenance, reference=optimum)


def _amplification_rung(mdp: TabularMDP, pi0, perturbed, norm_squared, eta, steps: int, bits: int,
                        anchor_at_start: bool):
    """||pi_t - pi'_t|| / sqrt(norm_squared) at ``bits`` bits; with ``anchor_at_start`` each run is anchored at its
    own start."""
    ctx = working_context(bits)
    eta_c, norm_c = ctx.exact(eta), ctx.sqrt(ctx.exact(norm_squared))
    starts = [[[ctx.exact(p) for p in row] for row in start] for start in (pi0, perturbed)]
    anchors = starts if anchor_at_start else [None, None]
    pis, series = starts, []
    for t in range(steps + 1):
        series.append(ctx.sqrt(ctx.fsum((a - b) ** 2 for ra, rb in zip(*pis) for a, b in zip(ra, rb))) / norm_c)
        if t < steps:
            pis = [policy_md_step(ctx, mdp, pi, soft_values(ctx, mdp, pi, anchor)[1], eta_c, anchor)
                   for pi, anchor in zip(pis, anchors)]
    return ctx, series


def policy_amplification(mdp: TabularMDP, pi0, direction, sigma: sp.Rational, eta: sp.Rational, steps: int,
                         bits: int, anchor_at_start: bool = False) -> SeriesMeasurement:
    """||pi_t - pi'_t|| / (sigma ||v||) for the runs from pi0 and pi0 + sigma v (v sums to 0 in each state), as
    the quantity ``amplification`` on the ladder (bits, 2 bits). With tau > 0 each run is regularized toward
    the uniform policy, or (``anchor_at_start``) toward its own start, so a perturbed start moves its anchor."""
    check_step_size(mdp, eta)
    mdp.check_policy(pi0)
    perturbed = [[p + sigma * v for p, v in zip(row, d)] for row, d in zip(pi0, direction)]
    mdp.check_policy(perturbed, "pi0 + sigma v")
    norm_squared = sigma ** 2 * sum(sp.Rational(v) ** 2 for row in direction for v in row)  # (sigma ||v||)^2, exact
    (_, coarse), (ctx, fine) = (_amplification_rung(mdp, pi0, perturbed, norm_squared, eta, steps, b, anchor_at_start)
                                for b in (bits, 2 * bits))
    # a difference of two runs: it cancels at the policies' magnitude (1), i.e. 1/(sigma ||v||) in amplification units
    amplification = laddered(ctx, fine, coarse, [1 / ctx.sqrt(ctx.exact(norm_squared))] * len(fine), bits)
    return SeriesMeasurement(ctx, list(range(steps + 1)), [ctx.exact(eta * t) for t in range(steps + 1)],
                             {"amplification": amplification}, (bits, 2 * bits),
                             {"eta": (ctx.exact(eta), ctx.exact(eta))},
                             {"eta": "exact (the run's step size)"},
                             reference="the run from pi0 + sigma v" + (", each anchored at its start" if anchor_at_start else ""))
