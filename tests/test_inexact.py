"""Per-step error injection and online MD, against exact answers."""

import pytest
import sympy as sp

from mdtheory.engine.context import working_context
from mdtheory.engine.inexact import BoundaryPush, linear_loss_problem, online_mirror_descent
from mdtheory.errors import DomainError
from mdtheory.symbolic.catalogue import euclidean, negative_entropy


def test_exact_online_entropic_md_matches_the_closed_form_regret():
    md = linear_loss_problem(negative_entropy(3))
    losses = lambda t: [(t % 3 == 0) * 1, sp.Rational(1, 2), (t % 2) * sp.Rational(3, 4)]
    eta, T = sp.Rational(1, 5), 60
    run = online_mirror_descent(md, ["1/3", "1/3", "1/3"], eta, losses, T, 300)
    # x_t = softmax(-eta L_t), L_t the cumulative loss before round t: exact in sympy
    totals, loss = [sp.Integer(0)] * 3, sp.Integer(0)
    for t in range(T):
        weights = [sp.exp(-eta * L) for L in totals]
        x = [w / sum(weights) for w in weights]
        loss += sum(sp.nsimplify(li) * xi for li, xi in zip(losses(t), x))
        totals = [L + sp.nsimplify(li) for L, li in zip(totals, losses(t))]
    exact = sp.N(loss - min(totals), 90)
    assert abs(run.final_regret - run.ctx.mpf(str(exact))) < run.ctx.mpf(10) ** -80


def test_boundary_push_is_an_error_of_the_stated_size_toward_the_boundary():
    ctx = working_context(128)
    x = [ctx.exact(v) for v in ("1e-9", "3/10", "7/10 - 1e-9")]
    pushed = BoundaryPush("1e-6").apply(ctx, x)
    assert pushed[0] == x[0] / 2 and pushed[2] == x[2] + x[0] / 2 and pushed[1] == x[1]  # x_min < eps: halved
    assert abs(sum(pushed) - 1) < ctx.mpf(10) ** -35
    big = [ctx.exact(v) for v in ("1/10", "3/10", "3/5")]
    pushed = BoundaryPush("1e-3").apply(ctx, big)
    assert abs(sum(abs(a - b) for a, b in zip(pushed, big)) - ctx.exact("1e-3")) < ctx.mpf(10) ** -35
    assert BoundaryPush(0).apply(ctx, big) == big
    with pytest.raises(DomainError, match=">= 0"):
        BoundaryPush("-1e-3")


def test_online_md_refuses_a_problem_off_the_simplex():
    with pytest.raises(DomainError, match="simplex"):
        online_mirror_descent(linear_loss_problem(euclidean(2)), [1, 0], "1/10", lambda t: (1, 0), 5, 64)


def test_an_error_larger_than_the_smallest_weight_traps_entropic_md():
    md = linear_loss_problem(negative_entropy(2))
    losses = lambda t: (1, 0) if t < 100 else (0, 1)
    exact = online_mirror_descent(md, ["1/2", "1/2"], "1/10", losses, 300, 128)
    pushed = online_mirror_descent(md, ["1/2", "1/2"], "1/10", losses, 300, 128, BoundaryPush("1e-3"))
    assert exact.final_regret / 300 < 0.05 and pushed.final_regret / 300 > 0.3
    assert pushed.smallest[-1] < exact.smallest[-1] * exact.ctx.mpf(10) ** -40  # the weight never comes back
