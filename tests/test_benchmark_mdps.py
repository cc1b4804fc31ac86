"""Benchmark MDPs (gymnasium, the `real` extra) as exact tables: against the environment's own floats, and
V* from exact policy iteration against value iteration run on gymnasium's raw table."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mdtheory.data import benchmark_mdp
from mdtheory.engine.context import working_context
from mdtheory.engine.mdp import TabularMDP, optimal_values_exact
from mdtheory.errors import MDTheoryError

gymnasium = pytest.importorskip("gymnasium")


def raw_table(env_id, **options):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gymnasium.make(env_id, **options).unwrapped


def float_value_iteration(env, gamma: float, sweeps: int = 2000) -> np.ndarray:
    """V* of the episodic environment discounted by gamma, from gymnasium's floats: a done transition ends."""
    V = np.zeros(len(env.P))
    for _ in range(sweeps):
        V = np.array([max(sum(p * (rew + (0 if done else gamma * V[nxt])) for p, nxt, rew, done in env.P[s][a])
                          for a in env.P[s]) for s in range(len(env.P))])
    return V


def test_frozenlake_tables_are_exact_thirds_and_the_absorbing_state_is_added():
    source = benchmark_mdp("frozenlake4x4")
    assert len(source.P) == 17 and source.deviation < 1e-16
    entries = {p for row_set in source.P for row in row_set for p in row}
    assert entries <= {0, sp.Rational(1, 3), sp.Rational(2, 3), 1}
    assert source.P[16] == [[0] * 16 + [1]] * 4 and source.r[16] == [0] * 4
    assert source.rho == [1] + [0] * 16


@pytest.mark.parametrize("name, options", [("frozenlake4x4", {"map_name": "4x4"}), ("cliffwalking", {})])
def test_exact_optimal_values_equal_value_iteration_on_gymnasiums_floats(name, options):
    source = benchmark_mdp(name)
    mdp = TabularMDP.build(source.P, source.r, "9/10", source.rho)
    exact_values, _ = optimal_values_exact(mdp)
    env = raw_table(source.env_id, **options)
    floats = float_value_iteration(env, 0.9)
    assert np.max(np.abs(np.array([float(v) for v in exact_values[:-1]]) - floats)) < 1e-12


def test_a_missing_gymnasium_names_the_install_command(hide_package):
    hide_package("gymnasium")
    with pytest.raises(MDTheoryError, match=r'pip install -e "\.\[real\]"'):
        benchmark_mdp("frozenlake4x4")


def test_unknown_benchmark_names_the_choices():
    with pytest.raises(MDTheoryError, match="frozenlake4x4, frozenlake8x8, cliffwalking, taxi"):
        benchmark_mdp("mountaincar")


def test_policy_amplification_on_a_bandit_is_the_softmax_closed_form():
    """One state, gamma = 0: NPG is softmax MD on the rewards, pi_t = softmax(log pi_0 + eta t r) (no gymnasium
    involved); the laddered amplification equals that map's finite difference computed directly."""

    from mdtheory.checker.policy import policy_amplification

    mdp = TabularMDP.build([[[1], [1], [1]]], [[1, 0, 0]], 0, [1])
    p, sigma, eta = sp.Rational(1, 10**6), sp.Rational(1, 10**20), sp.Rational(1, 4)
    pi0 = [[p, (1 - p) / 2, (1 - p) / 2]]
    v = [[1 - p, -(1 - p) / 2, -(1 - p) / 2]]
    m = policy_amplification(mdp, pi0, v, sigma, eta, 80, 128)
    ctx = working_context(512)

    def closed(start, t):
        logits = [ctx.log(x) + ctx.mpf(eta.p) / eta.q * t * r for x, r in zip(start, (1, 0, 0))]
        total = ctx.fsum(ctx.exp(z) for z in logits)
        return [ctx.exp(z) / total for z in logits]

    start = [ctx.mpf(x.p) / x.q for x in pi0[0]]
    moved = [x + ctx.mpf(sigma.p) / sigma.q * (ctx.mpf(d.p) / d.q) for x, d in zip(start, v[0])]
    norm = ctx.mpf(sigma.p) / sigma.q * ctx.sqrt(ctx.fsum((ctx.mpf(d.p) / d.q) ** 2 for d in v[0]))
    for t in (1, 20, 55, 80):
        exact = ctx.sqrt(ctx.fsum((a - b) ** 2 for a, b in zip(closed(start, t), closed(moved, t)))) / norm
        assert m.digits("amplification")[t] >= 10
        assert abs(m.values("amplification")[t] / exact - 1) < 1e-10


def test_large_policy_evaluation_on_arb_mat_agrees_with_mpmaths_solve(monkeypatch):
    """Beyond LARGE_SYSTEM states the values come from arb_mat's midpoint LU, below it from mpmath's LU; on
    FrozenLake 8x8 (65 states) both paths agree to the working precision."""

    from mdtheory.engine import mdp as engine

    source = benchmark_mdp("frozenlake8x8")
    mdp = TabularMDP.build(source.P, source.r, "9/10", source.rho)
    ctx = working_context(256)
    pi = [[ctx.mpf(1) / 4] * 4 for _ in range(mdp.states)]
    monkeypatch.setattr(engine, "LARGE_SYSTEM", 1000)
    dense, _ = engine.soft_values(ctx, mdp, pi)
    monkeypatch.setattr(engine, "LARGE_SYSTEM", 10)
    sparse, _ = engine.soft_values(ctx, mdp, pi)
    assert max(abs(a - b) for a, b in zip(dense, sparse)) < ctx.ldexp(1, -250)
