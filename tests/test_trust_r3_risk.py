"""Issue 25 ("Trust, round three"), items 5, 11, 14 (part) and 15 (part): through the CLI where a user meets
them, against exact answers.

5: ``mdtheory risk`` states the peak and every crossing over every step of the horizon, not at 200 samples.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from mdtheory.cli import main
from mdtheory.engine.entropic_float import (
    EXTENT_COLUMNS,
    PEAK_RESOLUTION,
    RiskSetting,
    amplification,
    extent,
    noise_separation,
    rounding_bound,
    unit_roundoff,
)


# ------------------------------------------------------------------ item 5: risk over every step
def exact_entropic_columns(setting: RiskSetting, steps, digits=60):
    """A(t) and the noise separation of plain entropic MD on the setting's float64 start, in exact closed
    form at ``digits`` digits: x_tk = sigma(log(p/R) + eta t spread) with R the other coordinates' mass, the
    others stay proportional to x_0, so A(t) = u (R^2 + Q)^(1/2) / ((p + R u)^2 ||v||), u = exp(-eta t spread),
    Q = sum of their squares, and the separation is |x'_tk - x_tk| (1 + Q / R^2)^(1/2)."""
    ctx = mpmath.MPContext()
    ctx.dps = digits
    def exact(value):
        value = sp.Rational(value)
        return ctx.mpf(value.p) / value.q

    x0 = [exact(sp.Rational(*float(v).as_integer_ratio())) for v in setting.initial()]
    k = setting.target
    p = x0[k]
    others = [v for i, v in enumerate(x0) if i != k]
    R, Q = ctx.fsum(others), ctx.fsum(v * v for v in others)
    v_norm = ctx.sqrt((1 - p) ** 2 + Q)  # ||e_k - x_0||
    scale = exact(setting.noise) / v_norm
    p_noisy, R_noisy = p + scale * (1 - p), R * (1 - scale)
    rate = exact(setting.eta * setting.spread)
    amps, seps = [], []
    for t in steps:
        u = ctx.exp(-rate * t)
        x_k, x_k_noisy = p / (p + R * u), p_noisy / (p_noisy + R_noisy * u)
        amps.append(u * ctx.sqrt(R**2 + Q) / ((p + R * u) ** 2 * v_norm))
        seps.append(abs(x_k_noisy - x_k) * ctx.sqrt(1 + Q / R**2))
    return amps, seps, ctx.log(R / p) / rate


def test_risk_states_the_peak_and_the_crossings_of_every_step(tmp_path):
    # 100,000 steps recorded every 500: the old summary said "peak amplification 1 at t = 0" and "noise
    # separation stays below the tolerance", while the exact separation reaches 0.18 at t = 63.
    args = ["--d", "5", "--start", "min:1e-7", "--eta", "1/4", "--steps", "100000", "--noise", "1e-7"]
    assert main(["risk", *args, "--no-validate", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "risk.json").read_text())
    setting = RiskSetting.build(5, "min:1e-7", "1", "1/4", 100000, noise="1e-7")
    # ground truth: A is unimodal in t with its maximum at t* = log(R/p)/(eta spread) (claim 3's peak), so the
    # largest value over the integers is at floor(t*) or ceil(t*); the separation rises until its own peak
    # before t* + 1, so the first crossings lie in 0..t*+1, every one of which is computed exactly here.
    amps, seps, t_star = exact_entropic_columns(setting, range(0, 200))
    assert 60 < t_star < 70
    peak_step = max((int(mpmath.floor(t_star)), int(mpmath.ceil(t_star))), key=lambda t: amps[t])
    peak_line = report["summary"][0]
    assert f"peak amplification {float(amps[peak_step]):.4g} at t = {peak_step} " in peak_line
    for level, key in ((sp.Rational(1, 1000), "tolerance"), (sp.Rational(1, 10), "saturation")):
        first = next(t for t, value in enumerate(seps) if value >= level)
        assert report["crossings"]["noise separation"][key] == first
    assert abs(report["peaks"]["noise separation"]["max"] / float(max(seps)) - 1) < 1e-12
    assert "stays below the tolerance" not in next(line for line in report["summary"] if line.startswith("noise"))


@pytest.mark.parametrize("params", [
    dict(d=5, start="min:1e-7", eta="1/4", steps=1500, noise="1e-7", anchor="1/20"),
    dict(d=40, start="zipf:2", eta="1/10", steps=900, noise="1e-6", anchor="1/200", arithmetic="float32"),
    dict(d=30, start="uniform", eta="1/3", steps=400, noise="1e-3", anchor="1/7", arithmetic="bfloat16"),
    dict(d=30, start="zipf:1", eta="1/3", steps=300, noise="1e-3", arithmetic="bfloat16", update="logits"),
])
def test_extent_equals_the_column_at_every_step(params):
    """The interval bounds skip steps; each column evaluated at every step says what they may skip."""
    setting = RiskSetting.build(**params)
    steps = np.arange(setting.steps + 1)
    full = {"amplification": amplification(setting, times=steps),
            "noise separation": noise_separation(setting, times=steps),
            "rounding bound": rounding_bound(setting, times=steps)}
    full["naive u*A"] = unit_roundoff(setting.arithmetic) * full["amplification"]
    if setting.anchor is not None:
        full["anchored amplification"] = amplification(setting, True, steps)
        full["anchored noise separation"] = noise_separation(setting, True, steps)
    for column in EXTENT_COLUMNS:
        if column not in full:
            continue
        values = full[column]
        levels = sorted({1e-3, 0.1, float(values.max()), float(values.max()) / 2, float(values[len(values) // 3])})
        found = extent(setting, column, levels)
        assert values[found.peak_step] == found.peak and found.peak >= values.max() / (1 + PEAK_RESOLUTION), column
        for level in levels:
            hits = np.nonzero(values >= level)[0]
            assert found.crossings[level] == (int(hits[0]) if hits.size else None), (column, level)


def test_risk_noise_far_above_the_smallest_probability_is_answered(capsys):
    # sigma = 1e-140 against p = 1e-300: the closed form's log1p(-1) raised ValueError (exit 4), and the
    # separation is flat to 1e-80 over 10^8 steps, which the peak search must not walk
    args = ["--d", "1000", "--start", "min:1e-300", "--eta", "1e-6", "--steps", "1000000000", "--noise", "1e-140"]
    assert main(["risk", *args, "--no-validate"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("- noise separation"))
    first = int(re.search(r"reaches the tolerance 1/1000 at t = (\d+)", line).group(1))
    setting = RiskSetting.build(1000, "min:1e-300", "1", "1e-6", 10**9, noise="1e-140")
    _, before_and_at, _ = exact_entropic_columns(setting, [first - 1, first])
    assert before_and_at[0] < sp.Rational(1, 1000) <= before_and_at[1]
    assert "(max 1)" in line  # x'_tk - x_tk reaches 1 - 1e-80, times sqrt(1 + Q/R^2) = 1.0005


# ------------------------------------------------------------------ items 14 (part) and 15 (part): named refusals
THEOREMS = Path(__file__).resolve().parents[1] / "mdtheory" / "theorems"


def theorem_variant(tmp_path, source: str, replacements: dict) -> Path:
    text = (THEOREMS / source).read_text()
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / Path(source).name
    path.write_text(text)
    return path


def test_log_policy_gap_without_entropy_is_refused_by_name(tmp_path, capsys):
    # tau = 0: pi* is deterministic (log pi* = -inf off its action) and need not be unique; the run used to
    # end in KeyError: 'log_policy_gap' (exit 4)
    path = theorem_variant(tmp_path, "policy/npg_agarwal.toml", {
        'gamma = "9/10"': 'gamma = "9/10"\ntau = "0"', 'quantity = "value_gap"': 'quantity = "log_policy_gap"'})
    assert main(["check", str(path)]) == 2
    error = capsys.readouterr().err
    assert "[claim] quantity: log_policy_gap needs tau > 0" in error and "set [problem] tau > 0" in error
    # the same quantity with tau > 0 is measured (Cen et al.'s file bounds it)
    assert main(["check", str(THEOREMS / "policy" / "npg_entropy_cen.toml")]) == 0


def test_hedge_with_huge_losses_names_the_exponent_guard_not_eta(tmp_path, capsys):
    # losses of 1e30: eta = 1/5 is not the problem (any eta > 0 is allowed by the theorem); the argument of exp,
    # eta * loss = 1e29, passes the guard 2^64 on exp's argument. It used to say "reduce eta".
    path = theorem_variant(tmp_path, "online/hedge.toml", {'"(1 + sin(t/3))/2"': '"10**30*(1 + sin(t/3))/2"'})
    assert main(["check", str(path)]) == 2
    error = capsys.readouterr().err
    assert "exponent guard 2^64" in error and "rescale the losses" in error
    assert "|loss| < 9.22e+19 at this eta" in error  # 2^64 / (1/5)
    assert "reduce eta" not in error


# ------------------------------------------------------------------ item 11: the update each kind runs is printed
@pytest.mark.parametrize("source, replacements, words", [
    ("policy/npg_agarwal.toml", {}, "update: pi_{t+1}(a|s) ∝ pi_t(a|s) exp(eta Q^{pi_t}(s,a) / (1 - gamma)) = "
                                    "pi_t(a|s) exp(10*eta * Q^{pi_t}(s,a)) at gamma = 9/10"),
    ("policy/npg_entropy_cen.toml", {}, "pi_t(a|s)^(1 - eta tau/(1 - gamma)) exp(eta Q_tau^{pi_t}(s,a) / (1 - gamma))"),
    ("online/hedge.toml", {}, "update: each round, x = x_t, x+ = x_{t+1}, f = <l_t, x> with l_t = (l1, l2, ...) the "
                              "round's losses: grad phi(x+) = grad phi(x) - eta grad f(x): x1+ ∝ x1*exp(-eta*l1)"),
    ("seed_paper/kl_boundary_growth.toml", {}, "x2+ ∝ x2*exp(-eta), ... (normalized to sum 1)"),
    ("seed_paper/gd_step_size_edge.toml", {}, "grad phi(x+) = grad phi(x) - eta grad f(x): x1+ = "),
])
def test_check_prints_the_update_it_ran_in_the_terminal_and_the_json(tmp_path, capsys, source, replacements, words):
    path = theorem_variant(tmp_path, source, replacements)
    out = tmp_path / "result.json"
    main(["check", str(path), "--no-progress", "--json", str(out)])
    printed = capsys.readouterr().out
    assert words in printed
    update = next(line for line in printed.splitlines() if line.startswith("update: "))[len("update: "):]
    assert json.loads(out.read_text())["update"] == update


def test_orthant_and_numerical_updates_are_written_from_the_derived_step():
    from mdtheory.checker.result import md_update_text
    from mdtheory.symbolic.catalogue import log_barrier, p_norm, tsallis
    from mdtheory.symbolic.mirror_descent import MirrorDescent
    from mdtheory.symbolic.objectives import linear, quadratic

    reg = log_barrier(2, "positive")
    text = md_update_text(MirrorDescent(reg, quadratic(reg.variables, [[2, 0], [0, 1]], [0, 0])))
    assert "x1+ = -1/(-4*eta*x1 - 1/x1)" in text and "(closed form)" in text  # 1/x+ = 1/x + eta grad f
    reg = p_norm(2, sp.Rational(3, 2))
    assert "solved for x+ numerically (Newton)" in md_update_text(MirrorDescent(reg, linear(reg.variables, [1, 0])))
    reg = tsallis(3, sp.Rational(1, 2))
    text = md_update_text(MirrorDescent(reg, linear(reg.variables, [1, 0, 0])))
    assert "-1/sqrt(x1+) = -eta - 1/sqrt(x1)" in text and "multiplier nu" in text


def test_policy_update_text_states_the_step_policy_md_step_takes():
    """The text's coefficients, eta/(1 - gamma) on Q and 1 - eta tau/(1 - gamma) on log pi_t, reproduce the
    engine's step exactly (to the working precision): a step on eta Q (Xiao 2022) would not."""
    from mdtheory.engine.context import working_context
    from mdtheory.engine.mdp import TabularMDP, policy_md_step, policy_update_text, soft_values

    mdp = TabularMDP.build([[["1", "0"], ["0", "1"]], [["1", "0"], ["1", "0"]]], [["1/2", "0"], ["0", "1"]],
                           "3/4", ["1", "0"], tau="1/5")
    assert "exp(4*eta * Q_tau^{pi_t}(s,a))" in policy_update_text(mdp)  # 1/(1 - 3/4) = 4
    assert "pi_t(a|s)^(1 - 4*eta/5)" in policy_update_text(mdp)
    ctx, eta = working_context(200), sp.Rational(1, 3)
    pi = [[ctx.exact(sp.Rational(1, 3)), ctx.exact(sp.Rational(2, 3))], [ctx.exact(sp.Rational(1, 2))] * 2]
    Q = soft_values(ctx, mdp, pi)[1]
    stepped = policy_md_step(ctx, mdp, pi, Q, ctx.exact(eta))
    keep, scale = ctx.exact(1 - 4 * eta / 5), ctx.exact(4 * eta)
    for row, q, got in zip(pi, Q, stepped):
        weights = [p**keep * ctx.exp(scale * qa) for p, qa in zip(row, q)]
        for w, g in zip(weights, got):
            assert abs(w / ctx.fsum(weights) - g) < ctx.ldexp(1, -180)


def test_report_lists_the_update_of_each_check(tmp_path):
    from mdtheory.checker.claim import check_claim
    from mdtheory.checker.result import ClaimReport
    from mdtheory.claimfile import load_claim
    from mdtheory.report import render_claim

    named = check_claim(load_claim(THEOREMS / "online" / "hedge.toml"))
    text = render_claim(ClaimReport("hedge", "Hedge", "statement", [named]), tmp_path)
    assert "Updates run:" in text and "x1+ ∝ x1*exp(-eta*l1)" in text
    assert json.loads((tmp_path / "hedge.json").read_text())["checks"][0]["update"] == named.update_text
