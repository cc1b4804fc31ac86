"""Exact real numbers wherever a number is read: closed forms in sqrt, log, exp, pi are kept exact, rounded
once on each rung at that rung's precision (and enclosed in balls for certificates), shown with a decimal;
what is not a real, finite, bounded number is refused naming the key."""

import json

import pytest
import sympy as sp

from mdtheory.cli import main

GD = """
[problem]
variables = ["x"]
domain = "reals"
regularizer = "euclidean"
objective = "3*x**2/2"

[run]
x0 = ["1"]
direction = ["1"]
eps = "{eps}"
eta = "{eta}"
steps = {steps}
precision_bits = 64

[claim]
kind = "upper_bound"
bound = "{bound}"
"""
ETA = sp.sqrt(2) / 4
# GD on 3x^2/2 multiplies every perturbation by 1 - 3 eta per step: the amplification after t steps is
# |1 - 3 eta|^t, exactly (a closed form in sqrt(2), since eta is one)
AMPLIFICATION = sp.Abs(1 - 3 * ETA) ** sp.Symbol("t")
STEPS = 8
# A rung of b bits computes t products, each rounded once, from eta rounded once: its relative error is a few
# units of 2^-b. 2^-(b - 8) allows 256 of them; eta rounded at 53 bits instead would be off by 2^-53 on every rung.
ROUNDING_ULPS_BITS = 8
HEDGE = """
[problem]
kind = "online"
regularizer = "negative_entropy"
losses = ["(1 + sin(t/3))/2", "2/5"]

[run]
eta = "{eta}"
steps = 30
precision_bits = 64

[constants]
D0 = "{D0}"

[claim]
kind = "upper_bound"
quantity = "regret"
bound = "{bound}"
"""


def exactly(value) -> sp.Rational:
    """An mpf as the rational it is (no decimal conversion in between)."""
    return sp.Integer(int(value.man)) * sp.Rational(2) ** int(value.exp)


def claim_file(tmp_path, text, name="claim.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_irrational_step_is_run_exactly_on_both_rungs(tmp_path):
    """eta = sqrt(2)/4: the measured amplification equals the closed form |1 - 3 eta|^t on each rung to that
    rung's precision (64 and 128 bits), and the claim that it is at most that closed form holds, tight."""
    from mdtheory.checker.claim import check_claim
    from mdtheory.claimfile import load_claim

    path = claim_file(tmp_path, GD.format(eps="1e-12", eta="sqrt(2)/4", steps=STEPS, bound="abs(1 - 3*sqrt(2)/4)**T"))
    claim = load_claim(path)
    assert claim.problem.spec.eta == ETA and not claim.problem.spec.eta.is_Rational
    named = check_claim(claim)
    assert named.result.verdict == "holds" and named.result.extra.get("tight") is True
    m = named.measurement
    assert (m.ladder.coarse.bits, m.ladder.fine.bits) == (64, 128)
    for series in (m.ladder.coarse, m.ladder.fine):
        assert list(series.t) == list(range(STEPS + 1))
        for i, t in enumerate(series.t):
            exact = AMPLIFICATION.subs("t", t).evalf(60)
            error = abs(exactly(series.tangent_amplification(i)) - exact)
            assert error <= exact * sp.Rational(2) ** -(series.bits - ROUNDING_ULPS_BITS), (series.bits, t)


def test_the_closed_form_is_shown_with_its_decimal(tmp_path, capsys):
    path = claim_file(tmp_path, GD.format(eps="1e-12", eta="sqrt(2)/4", steps=2, bound="1"))
    assert main(["check", str(path), "--no-progress"]) == 0
    assert "eta = sqrt(2)/4 (0.353553390593274)" in capsys.readouterr().out.splitlines()


def test_contexts_round_a_closed_form_once_and_balls_enclose_it():
    from flint import arb

    from mdtheory.engine.context import ArbContext, Float64Context, flint_precision, working_context

    value = sp.sqrt(2 * sp.log(3)) / 10
    reference = sp.Float(value.evalf(80), 80)
    for bits in (64, 200):
        ctx = working_context(bits)
        assert abs(exactly(ctx.exact(value)) - reference) <= reference * sp.Rational(2) ** -bits  # rounded once
        with flint_precision(bits):
            ball = ArbContext(bits).exact(value)
            assert ball.contains(arb(str(reference.evalf(70)))) and ball.rad() < arb(2) ** (4 - bits)
    assert float(Float64Context().exact(value)) == float(reference)


def test_d0_log2_in_a_regret_bound(tmp_path, capsys):
    """Hedge's bound with its constant written as what it is, log(2) for two experts, and the tuned step
    sqrt(8 log 2 / T) at T = 30 (the bound then holds); the same constant divided by 100 is violated."""
    text = HEDGE.format(eta="sqrt(8*log(2)/30)", D0="log(2)", bound="D0/eta + eta*T/8")
    out_file = tmp_path / "hedge.json"
    assert main(["check", str(claim_file(tmp_path, text)), "--no-progress", "--json", str(out_file)]) == 0
    printed = capsys.readouterr().out
    assert "D0 = log(2) (0.693147180559945)" in printed and "declared as log(2)" in printed
    constants = json.loads(out_file.read_text())["constants"]
    assert constants["D0"]["value"].startswith("0.6931471805599453094")  # log(2) = 0.69314718055994530941...
    tightened = HEDGE.format(eta="sqrt(8*log(2)/30)", D0="log(2)", bound="D0/(100*eta)")
    assert main(["check", str(claim_file(tmp_path, tightened, "tight.toml")), "--no-progress"]) == 1


@pytest.mark.parametrize("key, value, message", [
    ("eta", "sqrt(-1)", r"\[run\] eta: .*not real"),
    ("eta", "log(0)", r"\[run\] eta: .*not finite"),
    ("eps", "exp(10**6)", r"\[run\] eps: .*larger than 2\^100000"),
    ("eps", "exp(exp(exp(10)))", r"\[run\] eps: .*exp of a constant larger"),
    ("eta", "log(4) - 2*log(2)", r"\[run\] eta: .*positive, got 0"),
    ("eta", "sqrt(2)**100000", r"\[run\] eta: .*exponent larger than"),
])
def test_a_number_that_is_not_a_bounded_real_is_refused_naming_the_key(tmp_path, capsys, key, value, message):
    import re

    numbers = {"eps": "1e-12", "eta": "1/3", key: value}
    path = claim_file(tmp_path, GD.format(steps=2, bound="1", **numbers))
    assert main(["check", str(path), "--no-progress"]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_declared_constant_that_is_not_real_is_refused(tmp_path, capsys):
    text = HEDGE.format(eta="1/5", D0="log(-2)", bound="D0/eta + eta*T/8")
    assert main(["check", str(claim_file(tmp_path, text)), "--no-progress"]) == 2
    assert "[constants] D0:" in capsys.readouterr().err


def test_where_a_rational_is_required_the_error_says_why(tmp_path, capsys):
    search = GD.format(eps="1e-12", eta="1/3", steps=2, bound="1") + '\n[search]\neta = ["1/10", "sqrt(2)"]\n'
    assert main(["falsify", str(claim_file(tmp_path, search)), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "[search] eta[1]: 'sqrt(2)' = 1.41421356237 is exact but not rational" in err
    assert "falsify draws its candidates between them" in err and '"1.41421"' in err
    worst = claim_file(tmp_path, '[worst_case]\nmethod = "gd"\neta = "sqrt(2)"\nhorizons = [2]\n', "wc.toml")
    assert main(["worst-case", str(worst), "--no-progress"]) == 2
    assert "[worst_case] eta: 'sqrt(2)'" in capsys.readouterr().err
