"""The library theorems that exercise the language's newer features (an irrational tuned step, a projection
domain, a boundary solution), each held to an independent computation at high precision and checked through the
CLI: the true instance holds and its planted-false twin is violated, as each file predicts."""

import json
from pathlib import Path

import mpmath
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim
from mdtheory.cli import main

THEOREMS = Path(__file__).parent.parent / "mdtheory" / "theorems"
PREC = 256
AGREE = mpmath.mpf(10) ** -30


def context():
    ctx = mpmath.MPContext()
    ctx.prec = PREC
    return ctx


def measured_and_verdicts(path, quantity, tmp_path):
    """The true instance's series (checked in Python) and both verdicts through the CLI, which exits 0 only when
    a verdict is the one the file predicts."""
    true = check_claim(load_claim(path))
    assert true.result.verdict == "holds", true.result.explanation
    out = tmp_path / "twin.json"
    assert main(["check", str(path), "--twin", "--json", str(out), "--no-progress"]) == 0
    assert json.loads(out.read_text())["verdict"] == "violated"
    return true.measurement.values(quantity)


def assert_agree(measured, exact):
    ctx = context()
    assert len(measured) == len(exact)
    assert max(abs(ctx.mpf(m) - e) for m, e in zip(measured, exact)) < AGREE


def test_hedge_at_the_irrational_tuned_step_matches_a_direct_run(tmp_path):
    """Hedge on the loss table's alternating leader losses at eta = sqrt(8 log 4/100), in mpmath: the regret
    reaches 0.789 of sqrt(N log(d)/2) (so the twin's half of it is exceeded) and never the bound."""
    ctx = context()
    rows, d, n = [[1, 0, 1, 1], [0, 1, 1, 1]], 4, 100
    eta = ctx.sqrt(8 * ctx.log(4) / n)
    cumulative, learner, regret = [ctx.mpf(0)] * d, ctx.mpf(0), [ctx.mpf(0)]
    for t in range(n):
        weights = [ctx.exp(-eta * c) for c in cumulative]
        row = rows[t % 2]
        learner += ctx.fsum(w * l for w, l in zip(weights, row)) / ctx.fsum(weights)
        cumulative = [c + l for c, l in zip(cumulative, row)]
        regret.append(learner - min(cumulative))
    measured = measured_and_verdicts(THEOREMS / "online" / "hedge_tuned.toml", "regret", tmp_path)
    assert_agree(measured, regret)
    bound = ctx.sqrt(n * ctx.log(d) / 2)
    assert bound / 2 < max(regret) < bound and abs(max(regret) / bound - ctx.mpf("0.789")) < ctx.mpf("0.001")


def test_projected_gradient_on_the_ball_matches_a_direct_run_with_x_star_on_the_sphere(tmp_path):
    """x_{k+1} = Pi(x_k - grad f(x_k)) onto the unit ball, in mpmath; f* = f(1, 0) = 1/20. L D0/k holds (Beck &
    Teboulle 2009), FISTA's 4 L D0/(k + 1)^2 fails, and the projection clips in 16 of the 40 steps."""
    ctx = context()
    f = lambda x: (x[0] - 3) ** 2 / 80 + x[1] ** 2 / 2
    x, gaps, clipped = [ctx.mpf(-4) / 5, ctx.mpf(-3) / 5], [], 0
    for _ in range(41):
        gaps.append(f(x) - ctx.mpf(1) / 20)
        y = [x[0] - (x[0] - 3) / 40, ctx.mpf(0)]
        norm = ctx.sqrt(y[0] ** 2 + y[1] ** 2)
        clipped += norm > 1
        x = [yi / norm for yi in y] if norm > 1 else y
    measured = measured_and_verdicts(THEOREMS / "convergence" / "projected_gradient_ball.toml", "suboptimality",
                                     tmp_path)
    assert_agree(measured, gaps)
    d0 = ((ctx.mpf(-4) / 5 - 1) ** 2 + (ctx.mpf(3) / 5) ** 2) / 2  # ||x0 - x*||^2/2 = 9/5
    assert all(g <= d0 / k for k, g in enumerate(gaps) if k >= 1)
    assert any(g > 4 * d0 / (k + 1) ** 2 for k, g in enumerate(gaps))
    assert clipped == 16


def entropic_gap(ctx, s, costs):
    """f(x) - f* for a linear f with costs c (the smallest 0) at the entropic MD iterate x proportional to exp(-s c)."""
    weights = [ctx.exp(-s * c) for c in costs]
    return ctx.fsum(w * c for w, c in zip(weights, costs)) / ctx.fsum(weights)


def best_so_far(gaps):
    """best_suboptimality at t: the smallest gap over s < t (at t = 0, x0's own)."""
    return [gaps[0]] + [min(gaps[:t]) for t in range(1, len(gaps))]


def test_entropic_md_on_a_product_of_simplices_matches_the_closed_form(tmp_path):
    """f = (x2 + x3 + x5)/2 on Delta_3 x Delta_2: each block's iterate is softmax(-eta t c_b), in closed form."""
    ctx = context()
    eta = ctx.mpf(1) / 8
    gaps = [entropic_gap(ctx, eta * t, [0, ctx.mpf(1) / 2, ctx.mpf(1) / 2]) +
            entropic_gap(ctx, eta * t, [0, ctx.mpf(1) / 2]) for t in range(41)]
    measured = measured_and_verdicts(THEOREMS / "convergence" / "entropic_md_simplices.toml", "best_suboptimality",
                                     tmp_path)
    assert_agree(measured, best_so_far(gaps))
    assert abs(gaps[0] - ctx.mpf(7) / 12) < AGREE  # f(x0) - f* = 1/3 + 1/4


def test_beck_teboulle_at_the_irrational_tuned_step_matches_the_closed_form_with_a_vertex_solution(tmp_path):
    """f = x2 + x3 on the simplex, x* = e1 (a vertex), eta = sqrt(2 log 3/100): gap(t) = 2e^(-eta t)/(1 + 2e^(-eta t))."""
    ctx = context()
    eta = ctx.sqrt(2 * ctx.log(3) / 100)
    gaps = [entropic_gap(ctx, eta * t, [0, 1, 1]) for t in range(101)]
    measured = measured_and_verdicts(THEOREMS / "convergence" / "beck_teboulle_tuned_vertex.toml",
                                     "best_suboptimality", tmp_path)
    assert_agree(measured, best_so_far(gaps))
    bound = lambda t: (ctx.log(3) + eta ** 2 * t / 2) / (eta * t)  # D0 = log 3, G = sigma = 1
    assert all(b <= bound(t) for t, b in enumerate(best_so_far(gaps)) if t >= 1)
