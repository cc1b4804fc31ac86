"""mdtheory.testing.md_oracle on two implementations written by others' conventions: jaxopt's MirrorDescent with
the KL projection (installed from the package index) and a torch softmax policy update written as a training
loop writes it (ours: no other installable package with a mirror-descent / exponentiated-gradient step could be
installed here). Each passes when correct and is caught with each planted bug, and each bug is shown to change
the iterates at the tested setting."""

import numpy as np
import pytest

from mdtheory.testing import md_oracle

torch = pytest.importorskip("torch")
jax = jnp = None  # imported by the jax_loaded fixture, never at collection: see tests/conftest.py


@pytest.fixture
def jax_loaded():
    global jax, jnp
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    pytest.importorskip("jaxopt")

SETTING = dict(d=2000, start="zipf:2", eta="1/10", steps=5)
# rewards large enough that the dual point log x + 1 - eta c reaches 1e2: exp overflows float32 there
REWARD_CLAIM = """
[problem]
variables = ["p1", "p2", "p3"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "-40*p1"

[run]
x0 = ["1e-6", "1/2", "1/2 - 1e-6"]
direction = ["1", "0", "-1"]
eps = "1e-20"
eta = "3"
steps = 4
precision_bits = 128

[claim]
kind = "upper_bound"
quantity = "separation"
bound = "1"
"""


def costs_of(setting):
    from mdtheory.engine.entropic_float import RiskSetting

    return RiskSetting.build(**setting).costs()


# ---------------------------------------------------------------- jaxopt's MirrorDescent, KL projection
def kl_projection(y, hyperparams=None):
    return jax.nn.softmax(y)


def renormalizing_twice(y, hyperparams=None):
    weights = jnp.exp(y - y.max())
    total = weights.sum()
    return weights / total / total  # the normalization applied once too often


def without_max_shift(y, hyperparams=None):
    weights = jnp.exp(y)
    return weights / weights.sum()


def jaxopt_step(costs, eta, projection):
    from jaxopt import MirrorDescent

    c = jnp.asarray(np.asarray(costs, dtype=np.float32))
    solver = MirrorDescent(fun=lambda x: jnp.dot(c, x), stepsize=eta, maxiter=1,
                           projection_grad=MirrorDescent.make_projection_grad(projection, lambda x: jnp.log(x) + 1))

    def step(x):
        return solver.update(x, solver.init_state(x, None), None).params

    return step


@pytest.mark.imports_jax
def test_jaxopt_mirror_descent_passes_and_renormalizing_twice_is_caught(jax_loaded):
    step = jaxopt_step(costs_of(SETTING), 0.1, kl_projection)
    result = md_oracle(step, SETTING, framework="jax", update="mirror")
    assert result.largest_ratio <= 1
    x0 = jnp.asarray(np.asarray(costs_of(SETTING) * 0 + 1 / 2000, dtype=np.float32))
    buggy = jaxopt_step(costs_of(SETTING), 0.1, renormalizing_twice)
    assert float(jnp.abs(buggy(x0) / step(x0) - 1).max()) > 0.5  # the bug changes the iterate
    with pytest.raises(AssertionError, match=r"step 1, coordinate \d+: .* exceeds the rounding budget"):
        md_oracle(buggy, SETTING, framework="jax", update="mirror")


@pytest.mark.imports_jax
def test_jaxopt_log_sum_exp_without_the_max_shift_is_caught_where_rewards_are_large(tmp_path, jax_loaded):
    claim = tmp_path / "rewards.toml"
    claim.write_text(REWARD_CLAIM)
    costs, eta = [-40, 0, 0], 3.0
    correct = md_oracle(jaxopt_step(costs, eta, kl_projection), claim=claim, framework="jax", update="mirror")
    assert correct.largest_ratio <= 1
    x0 = jnp.asarray(np.array([1e-6, 0.5, 0.5 - 1e-6], dtype=np.float32))
    assert not np.all(np.isfinite(np.asarray(jaxopt_step(costs, eta, without_max_shift)(x0))))  # exp(1e2) = inf
    with pytest.raises(AssertionError, match=r"step 1, coordinate \d+: the iterate is nan"):
        md_oracle(jaxopt_step(costs, eta, without_max_shift), claim=claim, framework="jax", update="mirror")


# ---------------------------------------------------------------- a torch softmax policy update (ours)
LOGIT_OFFSET = 100.0  # a policy's logits are defined up to a constant; networks' logits are far from normalized


def policy_update(costs, eta, softmax=None):
    """Logits z (the policy's parameters), z <- z - eta * cost in place, policy = softmax(z)."""
    step_size = torch.tensor(np.asarray(costs, dtype=np.float64) * eta, dtype=torch.float32)

    def step(logits):
        logits.sub_(step_size)
        return logits

    def init(x0):
        return torch.log(x0) + LOGIT_OFFSET

    def readout(logits):
        return (softmax or (lambda z: torch.softmax(z, dim=0)))(logits)

    return step, init, readout


def softmax_without_max_shift(z):
    weights = torch.exp(z)
    return weights / weights.sum()


def softmax_renormalized_twice(z):
    weights = torch.exp(z - z.max())
    total = weights.sum()
    return weights / total / total


@pytest.mark.parametrize("bug", [softmax_without_max_shift, softmax_renormalized_twice])
def test_torch_policy_update_passes_and_each_planted_bug_is_caught(bug):
    costs = costs_of(SETTING)
    step, init, readout = policy_update(costs, 0.1)
    result = md_oracle(step, SETTING, framework="torch", update="logits", init=init, readout=readout)
    assert result.largest_ratio <= 1
    x0 = torch.full((2000,), 1 / 2000, dtype=torch.float32)
    changed = (bug(init(x0)) / readout(init(x0)) - 1).abs()
    assert not bool(torch.all(changed <= 0.5))  # nan (overflow) or a wrong scale: the bug changes the iterate
    step, init, _ = policy_update(costs, 0.1)
    with pytest.raises(AssertionError, match=r"step 0, coordinate \d+: .*(exceeds|nan)"):
        md_oracle(step, SETTING, framework="torch", update="logits", init=init, readout=bug)


def test_oracle_refuses_a_claim_that_is_not_entropic_md(tmp_path):
    from mdtheory.errors import ExpressionError

    claim = tmp_path / "euclid.toml"
    claim.write_text(REWARD_CLAIM.replace('domain = "simplex"', 'domain = "reals"')
                     .replace('regularizer = "negative_entropy"', 'regularizer = "euclidean"'))
    with pytest.raises(ExpressionError, match="negative_entropy"):
        md_oracle(lambda x: x, claim=claim)
