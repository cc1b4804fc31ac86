"""Online problems on projection domains (``[problem] kind = "online"`` with ``domain = "ball"|"box"|
"simplices"|"marginals"``): online gradient descent on a ball against alternating linear losses, its regret
against the best point of the ball in hindsight (-R L/||L||), checked against an independent computation; the
Zinkevich (2003) bound R^2/(2 eta) + eta G^2 T/2 holds and its twin divided by 4 is violated; a box's
comparator is a corner; bad input names its key (issue 26, item 6)."""

from fractions import Fraction

import mpmath
import pytest

from mdtheory.claimfile import load_claim, toml_text
from mdtheory.cli import main

OGD = {"problem": {"kind": "online", "domain": "ball", "radius": "1", "losses": ["(-1)**(t+1)", "1/2"]},
       "run": {"x0": ["0", "0"], "eta": "1/5", "steps": 24, "precision_bits": 128},
       "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "1/(2*eta) + eta*G**2*T/2"},
       "twin": {"why": "the Zinkevich bound divided by 4", "claim": {"bound": "(1/(2*eta) + eta*G**2*T/2)/4"}}}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def regret_series(path):
    problem = load_claim(path).problem
    return problem.measurements(None)[0].values("regret")


def independent_regret(eta, steps, radius=1):
    """OGD written out: play x_t, suffer <l_t, x_t>, x_{t+1} = P(x_t - eta l_t) with P(y) = y min(1, R/||y||);
    regret_k = sum_{t<=k} <l_t, x_t> + R ||L_k||. Fractions until the first projection, then 400-bit mpmath (the
    projection's norm is irrational here); returns (the Fraction prefix, the full mpmath series)."""
    ctx = mpmath.MPContext()
    ctx.prec = 400
    x, exact_x, played, exact_played, totals = [ctx.mpf(0)] * 2, (Fraction(0), Fraction(0)), 0, Fraction(0), [0, 0]
    exact, series = [], []
    for t in range(1, steps + 1):
        loss = (Fraction((-1) ** (t + 1)), Fraction(1, 2))
        played += sum(ctx.mpf(li.numerator) / li.denominator * xi for li, xi in zip(loss, x))
        totals = [a + li for a, li in zip(totals, loss)]
        series.append(played + radius * ctx.sqrt(sum(ctx.mpf(v.numerator) / v.denominator * v for v in totals)))
        y = [xi - ctx.mpf(eta.numerator) / eta.denominator * (ctx.mpf(li.numerator) / li.denominator)
             for xi, li in zip(x, loss)]
        norm = ctx.sqrt(sum(v * v for v in y))
        x = y if norm <= radius else [v * radius / norm for v in y]
        if exact_x is not None:
            exact_played += sum(li * xi for li, xi in zip(loss, exact_x))
            norm2 = sum(v * v for v in totals)
            exact_y = tuple(xi - eta * li for xi, li in zip(exact_x, loss))
            exact.append((exact_played, norm2))  # regret_t = exact_played + R sqrt(norm2)
            exact_x = exact_y if sum(v * v for v in exact_y) <= radius ** 2 else None
    return exact, series


def test_ogd_on_a_ball_against_alternating_losses_matches_an_independent_computation(tmp_path):
    """l_t = ((-1)^(t+1), 1/2), eta = 1/5, R = 1: x1 alternates 0, -1/5 and x2 falls by 1/10 a round, so the
    iterates stay inside the ball (exactly, in Fractions) until round 10; then each step is scaled onto the
    sphere. The comparator is -R ||L_t|| with L_t = (t mod 2, t/2)."""
    exact, series = independent_regret(Fraction(1, 5), 24)
    measured = regret_series(write(tmp_path, OGD))
    assert len(measured) == 25 and measured[0] == 0
    assert len(exact) == 11  # x_11 = (0, -1) lies on the sphere; the step from it is the first one scaled back
    for t, (played, norm2) in enumerate(exact, start=1):  # the exact prefix: sum <l, x> in Fractions
        value = mpmath.mpf(played.numerator) / played.denominator + mpmath.sqrt(mpmath.mpf(norm2.numerator) /
                                                                                 norm2.denominator)
        assert abs(measured[t] - value) < mpmath.mpf(10) ** -14
    # round 8 by hand: even rounds suffer -1 * (-1/5) each (4/5), x2 = -(t - 1)/10 suffers -28/20; L_8 = (0, 4)
    assert exact[7] == (Fraction(-3, 5), Fraction(16))
    assert max(abs(m - s) for m, s in zip(measured[1:], series)) < mpmath.mpf(10) ** -60


def test_the_zinkevich_bound_holds_on_the_ball_and_its_twin_is_violated(tmp_path, capsys):
    path = write(tmp_path, OGD)
    assert main(["check", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "verdict: holds" in out and "then x+ = y min(1, 1/||y||)" in out
    assert "G = 1.11803398875: computed: max_t ||l_t||_2" in out
    assert main(["check", str(path), "--twin", "--no-progress"]) == 0  # as predicted: violated
    assert "verdict: violated" in capsys.readouterr().out


def test_on_a_box_the_comparator_is_a_corner(tmp_path):
    """l_t = (1, -2) every round on [-1, 2] x [0, 1], x0 = (1, 1/2), eta = 1/4: x1 falls by 1/4 to the bound -1
    (round 9 on), x2 rises by 1/2 to the bound 1 (round 2 on); L_k = (k, -2k), best corner (-1, 1) with
    <L_k, corner> = -3k. Played losses in Fractions: x1_t - 2 x2_t."""
    tables = {"problem": {"kind": "online", "domain": "box", "lower": ["-1", "0"], "upper": ["2", "1"],
                          "losses": ["1", "-2"]},
              "run": {"x0": ["1", "1/2"], "eta": "1/4", "steps": 12, "precision_bits": 96},
              "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "100"}}
    x, played, expected = (Fraction(1), Fraction(1, 2)), Fraction(0), [Fraction(0)]
    for k in range(1, 13):
        played += x[0] - 2 * x[1]
        expected.append(played + 3 * k)
        x = (max(x[0] - Fraction(1, 4), Fraction(-1)), min(x[1] + Fraction(1, 2), Fraction(1)))
    measured = regret_series(write(tmp_path, tables))
    assert all(abs(m - mpmath.mpf(e.numerator) / e.denominator) < mpmath.mpf(10) ** -25
               for m, e in zip(measured, expected))


@pytest.mark.parametrize("problem, run, words", [
    ({"domain": "ball"}, {}, "[problem] radius: missing"),
    ({"domain": "reals", "radius": None}, {}, "[problem] domain: 'reals'; an online problem is played on the simplex"),
    ({"domain": "simplex"}, {}, "[problem] radius: only domain = \"ball\" takes it"),
    ({"regularizer": "negative_entropy"}, {}, "[problem] regularizer"),
    ({}, {"x0": ["1", "1"]}, "[run] x0"),
    ({"losses": None, "loss": "x1**2 + t*x2", "dimension": 2}, {}, "[problem] loss: on the ball"),
], ids=["no radius", "not a set", "a ball's key on the simplex", "not euclidean", "x0 outside", "curved loss"])
def test_bad_online_domains_name_their_key(tmp_path, capsys, problem, run, words):
    tables = {"problem": {**OGD["problem"], **problem}, "run": {**OGD["run"], **run}, "claim": OGD["claim"]}
    tables["problem"] = {k: v for k, v in tables["problem"].items() if v is not None}
    if problem.get("domain") == "ball":
        tables["problem"].pop("radius")
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert words in capsys.readouterr().err


def test_a_loss_affine_in_x_is_played_on_the_ball_like_its_gradient(tmp_path):
    """f_t(x) = (-1)^(t+1) x1 + x2/2 + t: the offset t is suffered by the play and the comparator alike."""
    tables = {"problem": {"kind": "online", "domain": "ball", "radius": "1", "dimension": 2,
                          "loss": "(-1)**(t+1)*x1 + x2/2 + t"},
              "run": OGD["run"], "claim": OGD["claim"]}
    affine = regret_series(write(tmp_path, tables, "affine.toml"))
    linear = regret_series(write(tmp_path, OGD))
    assert max(abs(a - b) for a, b in zip(affine, linear)) < mpmath.mpf(10) ** -60
