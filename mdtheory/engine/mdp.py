"""Tabular MDPs and policy Mirror Descent on them (natural policy gradient with softmax policies).

A policy is a point of a product of simplices, one per state. Policy MD with the negative entropy in each
state, entropy regularization tau >= 0 and step eta is Cen et al.'s update (Agarwal et al.'s NPG for tau = 0):

    pi_{t+1}(a|s)  ~  pi_t(a|s)^(1 - eta tau/(1 - gamma)) exp(eta Q_tau^{pi_t}(s, a)/(1 - gamma)),

with the soft values V_tau^pi = (I - gamma P_pi)^{-1} (r_pi - tau sum_a pi log pi), Q_tau^pi = r + gamma P V_tau^pi,
evaluated exactly at working precision (one linear solve per step). Optimal values: for tau = 0 by policy
iteration in exact rational arithmetic (python-flint's fmpq_mat), so V* is exact; for tau > 0 the soft Bellman
operator is a gamma-contraction, iterated until its a-posteriori error bound gamma/(1 - gamma) ||Q_k - Q_{k-1}||
is below the working precision's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mdtheory.engine.context import ArbContext, flint_precision
from mdtheory.errors import DomainError, MDTheoryError, StepSizeError
from mdtheory.symbolic.parsing import exact_real

MAX_STATES = 600  # Taxi has 500; exact policy iteration and a dense solve per step beyond this are not bounded
MAX_POLICY_ITERATIONS = 1000


def exact(value, key: str) -> sp.Rational:
    """A rational: the MDP's optimal values are computed by policy iteration in exact rationals."""
    try:
        number = exact_real(value)
    except MDTheoryError as err:
        raise DomainError(f"{key}: {err}") from None
    if not number.is_Rational:
        raise DomainError(f"{key}: {value!r} is exact but not rational, and the MDP's optimal values are computed by "
                          "policy iteration in exact rationals; give a fraction or decimal")
    return number


@dataclass(frozen=True)
class TabularMDP:
    """Transitions, r[s][a], discount gamma in [0, 1), start distribution rho, entropy weight tau >= 0; all exact.
    ``successors[s][a]`` holds the (s', P(s'|s, a)) with a nonzero probability (``build`` takes the dense P)."""

    successors: tuple
    r: tuple
    gamma: sp.Rational
    rho: tuple
    tau: sp.Rational = sp.Integer(0)

    @classmethod
    def build(cls, P, r, gamma, rho, tau=0) -> "TabularMDP":
        """Checks shapes and that every row of P and rho is a probability vector, exactly. Numbers are exact
        (ints, Rationals or strings such as "1/3"); a float is refused with its key named."""
        if not isinstance(P, (list, tuple)) or not P:
            raise DomainError("P: expected a list over states of lists over actions of next-state distributions")
        S = len(P)
        if S > MAX_STATES:
            raise DomainError(f"P: {S} states exceed the limit of {MAX_STATES}")
        if not isinstance(r, (list, tuple)) or len(r) != S:
            raise DomainError(f"r: expected one row of rewards per state ({S}), got {len(r) if isinstance(r, list) else r!r}")
        rows_P, rows_r = [], []
        for s, (actions, rewards) in enumerate(zip(P, r)):
            if not isinstance(actions, (list, tuple)) or not actions:
                raise DomainError(f"P[{s}]: expected a non-empty list of next-state distributions, one per action")
            if not isinstance(rewards, (list, tuple)) or len(rewards) != len(actions):
                raise DomainError(f"r[{s}]: expected {len(actions)} rewards (one per action of P[{s}])")
            dists = []
            for a, row in enumerate(actions):
                if not isinstance(row, (list, tuple)) or len(row) != S:
                    raise DomainError(f"P[{s}][{a}]: expected {S} probabilities (one per next state)")
                # (next state, probability) for the nonzero entries: Taxi's rows have one of 501
                nonzero = [(k, v if isinstance(v, sp.Rational) else exact(v, f"P[{s}][{a}][{k}]"))
                           for k, v in enumerate(row) if not (isinstance(v, sp.Rational) and v == 0)]
                nonzero = [(k, p) for k, p in nonzero if p != 0]
                total = sum((p for _, p in nonzero), sp.Integer(0))
                if any(p < 0 for _, p in nonzero) or total != 1:
                    raise DomainError(f"P[{s}][{a}]: a row of P must be nonnegative and sum to 1 exactly; it sums to "
                                      f"{total}")
                dists.append(tuple(nonzero))
            rows_P.append(tuple(dists))
            rows_r.append(tuple(exact(v, f"r[{s}][{a}]") for a, v in enumerate(rewards)))
        gamma, tau = exact(gamma, "gamma"), exact(tau, "tau")
        if not 0 <= gamma < 1:
            raise DomainError(f"gamma: the discount must lie in [0, 1), got {gamma}")
        if tau < 0:
            raise DomainError(f"tau: the entropy weight must be >= 0, got {tau}")
        if not isinstance(rho, (list, tuple)) or len(rho) != S:
            raise DomainError(f"rho: expected a start distribution over the {S} states")
        rho = tuple(exact(v, f"rho[{k}]") for k, v in enumerate(rho))
        if any(p < 0 for p in rho) or sum(rho) != 1:
            raise DomainError(f"rho: the start distribution must be nonnegative and sum to 1 exactly; it sums to {sum(rho)}")
        return cls(tuple(rows_P), tuple(rows_r), gamma, rho, tau)

    @property
    def states(self) -> int:
        return len(self.successors)

    @property
    def actions(self) -> list[int]:
        return [len(a) for a in self.successors]

    def uniform_policy(self) -> list[list[sp.Rational]]:
        return [[sp.Rational(1, n)] * n for n in self.actions]

    def check_policy(self, pi, what: str = "pi0") -> None:
        if len(pi) != self.states or any(len(row) != n for row, n in zip(pi, self.actions)):
            raise DomainError(f"{what}: expected one distribution over actions per state, shaped like r")
        for s, row in enumerate(pi):
            if any(not p > 0 for p in row) or sum(row) != 1:
                raise DomainError(f"{what}[{s}]: a policy row must be positive (softmax policies) and sum to 1 exactly")


def _in_context(ctx, mdp: TabularMDP):
    return ([[[(k, ctx.exact(p)) for k, p in row] for row in actions] for actions in mdp.successors],
            [[ctx.exact(v) for v in row] for row in mdp.r])


def q_from_values(ctx, mdp: TabularMDP, V, P=None, r=None) -> list:
    """Q(s, a) = r(s, a) + gamma sum_s' P(s'|s, a) V(s')."""
    if P is None:
        P, r = _in_context(ctx, mdp)
    gamma = ctx.exact(mdp.gamma)
    return [[r[s][a] + gamma * ctx.fsum(p * V[k] for k, p in P[s][a]) for a in range(len(r[s]))]
            for s in range(len(r))]


# states beyond which policy evaluation solves on flint's arb_mat (midpoint LU in C: 17 states take 0.5 ms instead
# of mpmath's 40 ms), not with mpmath's LU
LARGE_SYSTEM = 8


def _evaluate(ctx, rows: list[dict], rhs: list) -> list:
    """The solution of (I - gamma P_pi) V = r_pi, given the sparse rows {k: gamma P_pi(k|s)}."""
    S = len(rows)
    if S <= LARGE_SYSTEM:
        system = ctx.as_matrix([[(1 if s == k else 0) - rows[s].get(k, 0) for k in range(S)] for s in range(S)])
        return ctx.solve(system, rhs)
    from flint import arb_mat

    arb = ArbContext(ctx.prec)
    with flint_precision(ctx.prec):
        system = arb_mat(S, S)
        for s, row in enumerate(rows):
            system[s, s] = 1
            for k, value in row.items():
                system[s, k] -= arb.mpf(value)
        solution = system.solve(arb_mat([[arb.mpf(v)] for v in rhs]), algorithm="approx")
        return [ctx.mpf(tuple(int(part) for part in solution[i, 0].mid().man_exp())) for i in range(S)]


def soft_values(ctx, mdp: TabularMDP, pi, anchor=None) -> tuple[list, list]:
    """(V_tau^pi, Q_tau^pi) in ``ctx`` (tau = 0: the ordinary values). With an ``anchor`` policy the regularizer
    is tau KL(pi(.|s) || anchor(.|s)) instead of the negative entropy (the uniform anchor, up to a constant)."""
    S, gamma, tau = mdp.states, ctx.exact(mdp.gamma), ctx.exact(mdp.tau)
    P, r = _in_context(ctx, mdp)
    rows = []
    for s in range(S):
        row = {}
        for a, successors in enumerate(P[s]):
            for k, p in successors:
                row[k] = row.get(k, 0) + gamma * pi[s][a] * p
        rows.append(row)
    if not tau:
        r_pi = [ctx.fsum(pi[s][a] * r[s][a] for a in range(len(r[s]))) for s in range(S)]
    else:
        log_ratio = ((lambda s, a: ctx.log(pi[s][a])) if anchor is None else
                     (lambda s, a: ctx.log(pi[s][a]) - ctx.log(anchor[s][a])))
        r_pi = [ctx.fsum(pi[s][a] * (r[s][a] - tau * log_ratio(s, a)) for a in range(len(r[s]))) for s in range(S)]
    V = _evaluate(ctx, rows, r_pi)
    return V, q_from_values(ctx, mdp, V, P, r)


def policy_md_step(ctx, mdp: TabularMDP, pi, Q, eta, anchor=None):
    """One step of (entropy- or KL-regularized) NPG: a softmax of the logits in each state, computed stably;
    with an ``anchor``, pi_{t+1} ~ pi_t^(1 - eta tau/(1 - gamma)) anchor^(eta tau/(1 - gamma)) exp(eta Q/(1 - gamma))."""
    gamma, tau = ctx.exact(mdp.gamma), ctx.exact(mdp.tau)
    keep = 1 - eta * tau / (1 - gamma)
    result = []
    for s, (row, q) in enumerate(zip(pi, Q)):
        logits = [keep * ctx.log(p) + eta * qa / (1 - gamma) for p, qa in zip(row, q)]
        if anchor is not None and tau:
            logits = [z + (1 - keep) * ctx.log(a) for z, a in zip(logits, anchor[s])]
        top = max(logits)
        weights = [ctx.exp(z - top) for z in logits]
        total = ctx.fsum(weights)
        result.append([w / total for w in weights])
    return result


# How a theorem scales the step on Q (``[run] step_convention``): Agarwal et al. (2021) and Cen et al. (2022) write
# pi_{t+1} ~ pi_t exp(eta A^{pi_t}/(1 - gamma)) (equal to exp(eta Q/(1 - gamma)) after normalizing in each state),
# Xiao (2022) writes pi_{t+1} ~ pi_t exp(eta Q^{pi_t}): the same update at eta (1 - gamma). ``policy_md_step`` takes
# the Agarwal step; each convention maps the claim's eta to it.
DEFAULT_STEP_CONVENTION = "agarwal"
STEP_CONVENTIONS = {
    "agarwal": "pi_{t+1} ∝ pi_t exp(eta Q/(1 - gamma)) (Agarwal, Kakade, Lee & Mahajan 2021; Cen et al. 2022 with tau)",
    "xiao": "pi_{t+1} ∝ pi_t exp(eta Q) (Xiao 2022, unregularized: tau = 0)",
}


def engine_step(mdp: TabularMDP, eta, convention: str = DEFAULT_STEP_CONVENTION):
    """The step ``policy_md_step`` takes for a claim's eta stated in ``convention``."""
    if convention not in STEP_CONVENTIONS:
        raise MDTheoryError(f"step_convention: {convention!r}; choose one of {', '.join(STEP_CONVENTIONS)}")
    return eta * (1 - mdp.gamma) if convention == "xiao" else eta


def policy_update_text(mdp: TabularMDP, convention: str = DEFAULT_STEP_CONVENTION) -> str:
    """The update ``policy_md_step`` runs, as text, with this MDP's gamma and tau, in the claim's eta under
    ``convention``: by default its logits are (1 - eta tau/(1 - gamma)) log pi_t + eta Q/(1 - gamma), the step
    on Q being eta/(1 - gamma) (Agarwal et al.'s convention); under "xiao" they are log pi_t + eta Q."""
    eta = sp.Symbol("eta", positive=True)
    if convention == "xiao":
        return (f"pi_{{t+1}}(a|s) ∝ pi_t(a|s) exp(eta Q^{{pi_t}}(s,a)) (step_convention = \"xiao\"; the default "
                f"\"agarwal\" would step eta Q/(1 - gamma)) at gamma = {mdp.gamma}")
    scale = sp.sstr(eta / (1 - mdp.gamma))
    if mdp.tau == 0:
        return (f"pi_{{t+1}}(a|s) ∝ pi_t(a|s) exp(eta Q^{{pi_t}}(s,a) / (1 - gamma)) = pi_t(a|s) exp({scale} * "
                f"Q^{{pi_t}}(s,a)) at gamma = {mdp.gamma}")
    keep = sp.sstr(1 - eta * mdp.tau / (1 - mdp.gamma))
    return (f"pi_{{t+1}}(a|s) ∝ pi_t(a|s)^(1 - eta tau/(1 - gamma)) exp(eta Q_tau^{{pi_t}}(s,a) / (1 - gamma)) = "
            f"pi_t(a|s)^({keep}) exp({scale} * Q_tau^{{pi_t}}(s,a)) at gamma = {mdp.gamma}, tau = {mdp.tau}")


def check_step_size(mdp: TabularMDP, eta: sp.Rational) -> None:
    if eta <= 0:
        raise StepSizeError(f"eta: must be positive, got {eta}")
    if mdp.tau > 0 and eta * mdp.tau > 1 - mdp.gamma:
        raise StepSizeError(f"eta: entropy-regularized NPG needs eta <= (1 - gamma)/tau = {(1 - mdp.gamma) / mdp.tau} "
                            f"(Cen et al.), got {eta}; the update would raise pi_t to a negative power")


def optimal_values_exact(mdp: TabularMDP) -> tuple[list[sp.Rational], list[int]]:
    """V* and a deterministic optimal policy by policy iteration in exact rationals (tau = 0 only)."""
    from flint import fmpq, fmpq_mat

    if mdp.tau != 0:
        raise MDTheoryError("exact optimal values are for tau = 0; the regularized optimum is irrational")
    S = mdp.states
    P = [[[(k, fmpq(int(p.p), int(p.q))) for k, p in row] for row in actions] for actions in mdp.successors]
    r = [[fmpq(int(v.p), int(v.q)) for v in row] for row in mdp.r]
    gamma = fmpq(int(mdp.gamma.p), int(mdp.gamma.q))
    policy = [0] * S
    for _ in range(MAX_POLICY_ITERATIONS):
        system = fmpq_mat(S, S)
        for s in range(S):
            system[s, s] = 1
            for k, p in P[s][policy[s]]:
                system[s, k] -= gamma * p
        V = system.solve(fmpq_mat(S, 1, [r[s][policy[s]] for s in range(S)]))
        V = [V[k, 0] for k in range(S)]
        Q = [[r[s][a] + gamma * sum((p * V[k] for k, p in P[s][a]), fmpq(0)) for a in range(len(r[s]))]
             for s in range(S)]
        # switch only on a strict gain, so that the iteration stops (ties keep the current action)
        greedy = [max(range(len(Q[s])), key=lambda a: Q[s][a]) for s in range(S)]
        improved = [a if Q[s][a] > Q[s][policy[s]] else policy[s] for s, a in enumerate(greedy)]
        if improved == policy:
            return [sp.Rational(int(v.p), int(v.q)) for v in V], policy
        policy = improved
    raise MDTheoryError(f"policy iteration did not stop within {MAX_POLICY_ITERATIONS} iterations")


def soft_optimal(ctx, mdp: TabularMDP, max_iterations: int = 200_000):
    """(Q*_tau, V*_tau, pi*_tau, error bound on Q*) by soft value iteration in ``ctx`` (tau > 0)."""
    gamma, tau = ctx.exact(mdp.gamma), ctx.exact(mdp.tau)
    P, r = _in_context(ctx, mdp)

    def soft_max(q):
        top = max(q)
        return top + tau * ctx.log(ctx.fsum(ctx.exp((qa - top) / tau) for qa in q))

    Q = [list(row) for row in r]
    # a few ulps of the values: below that the change is rounding noise
    target = ctx.ldexp(1, -ctx.prec + 8) * (1 + max(abs(v) for row in r for v in row)) / (1 - gamma)
    for _ in range(max_iterations):
        new = q_from_values(ctx, mdp, [soft_max(q) for q in Q], P, r)
        change = max(abs(a - b) for row_a, row_b in zip(new, Q) for a, b in zip(row_a, row_b))
        Q = new
        bound = gamma / (1 - gamma) * change if gamma else change
        if bound <= target:
            V = [soft_max(q) for q in Q]
            pi = [[ctx.exp((qa - v) / tau) for qa in q] for q, v in zip(Q, V)]
            return Q, V, pi, bound
    raise MDTheoryError(f"soft value iteration did not reach {ctx.prec}-bit resolution in {max_iterations} "
                        "iterations; lower precision_bits or gamma")
