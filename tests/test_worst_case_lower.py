"""Certified lower bounds from the SDP's worst case made exact (mdtheory.checker.interpolation, issue 28 item 1):
against exact values (Drori & Teboulle's 1/(2T + 1) for GD with eta = 1/L, attained; GD non-expansive up to
eta = 2/L, attained; one MD step amplifies by kappa, attained), and an instance that is not in the class is
refused."""

import json
from fractions import Fraction

import pytest

from mdtheory.checker import interpolation
from mdtheory.checker.interpolation import interpolation_violations
from mdtheory.checker.worst_case import sdp_instance, worst_case_suboptimality
from mdtheory.cli import main

CLOSED = Fraction(1, 10**6)  # the relative width the certified interval must close to (issue 28's aim)


@pytest.mark.parametrize("T", [1, 2, 3])
def test_gd_suboptimality_interval_closes_on_drori_teboulles_exact_value(T):
    """f(x_T) - f* <= L ||x_0 - x*||^2/(4T + 2), attained by a Huber function: with ||x_0 - x*||^2/2 <= 1 the
    worst case is exactly 1/(2T + 1), and both certified ends lie within 1e-6 of it."""
    exact = Fraction(1, 2 * T + 1)
    case = worst_case_suboptimality("gd", Fraction(1), T)
    # the SDP's worst case made exact, not a quadratic (the lower bound is its value rounded down to 40 decimals)
    assert case.instance is not None and 0 <= case.instance.value - case.lower < Fraction(1, 10**39)
    assert case.lower <= exact <= case.upper
    assert (case.upper - case.lower) / exact < CLOSED


@pytest.mark.parametrize("eta", [Fraction(1), Fraction(2)])
def test_gd_non_expansiveness_is_attained_by_the_sdps_instance(eta):
    """Up to eta = 2/L GD is non-expansive and the bound 1 is attained: the instance read out of the SDP is in
    the class (checked exactly) and amplifies by 1 up to the solver's accuracy, never above."""
    instance, why = sdp_instance("gd", eta, 3, Fraction(1), None, None, "amplification")
    assert instance is not None, why
    assert 1 - CLOSED < instance.value <= 1


def test_one_md_step_interval_closes_through_the_cli_and_its_instance_is_in_the_class(tmp_path):
    """MD with kappa = 9, eta = 1/5 (the issue's example, certified [1.11, 9] before): one step amplifies by at
    most kappa = 9, and the instance written with --instance attains it to 1e-6; its points pass the
    interpolation conditions, checked here on the written data alone."""
    path = tmp_path / "md.toml"
    path.write_text('[worst_case]\nmethod = "md"\neta = "1/5"\nmu_phi = "1"\nL_phi = "9"\nhorizons = [1]\n')
    out, folder = tmp_path / "out.json", tmp_path / "instances"
    assert main(["worst-case", str(path), "--json", str(out), "--instance", str(folder), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    lower, upper = Fraction(row["lower_squared"]), Fraction(row["upper_squared"])
    assert lower <= 81 <= upper and (upper - lower) / 81 < CLOSED
    document = json.loads((folder / "md_T1_instance.json").read_text())
    assert Fraction(document["value"]) >= lower
    assert Fraction(document["value"]) == Fraction(document["objective"]) / Fraction(document["initial"])
    assert [f["name"] for f in document["functions"]] == ["f", "h = phi*"]
    for function in document["functions"]:
        triples = [(tuple(map(Fraction, p["x"])), tuple(map(Fraction, p["g"])), Fraction(p["f"]))
                   for p in function["points"]]
        assert interpolation_violations(Fraction(function["L"]), Fraction(function["mu"]), triples) == []


def _slack(L, mu, triples, i, j) -> Fraction:
    """How far f_i lies above what the interpolation condition between points i and j needs."""
    moved = list(triples)
    moved[i] = (triples[i][0], triples[i][1], triples[i][2] - 10**6)  # far below: the violation is the slack + 10^6
    return 10**6 - next(by for a, b, by in interpolation_violations(L, mu, moved) if (a, b) == (i, j))


def test_an_instance_moved_off_the_class_is_refused():
    """The worst case's tightest pair of points (slack below 1e-10: the mixing leaves a hair), with f_i lowered
    by 1e-8, breaks the interpolation condition: the exact check says which pair."""
    instance, _ = sdp_instance("gd", Fraction(1), 2, Fraction(1), None, None, "suboptimality")
    _, L, mu, triples = instance.functions[0]
    assert interpolation_violations(L, mu, triples) == []
    pairs = [(i, j) for i in range(len(triples)) for j in range(len(triples)) if i != j]
    i, j = min(pairs, key=lambda pair: _slack(L, mu, triples, *pair))
    assert 0 <= _slack(L, mu, triples, i, j) < Fraction(1, 10**10)  # the worst case is tight somewhere
    lowered = list(triples)
    lowered[i] = (triples[i][0], triples[i][1], triples[i][2] - Fraction(1, 10**8))
    assert (i, j) in [(a, b) for a, b, _ in interpolation_violations(L, mu, lowered)]


def test_without_the_repair_the_rounded_worst_case_is_refused(monkeypatch):
    """The rounded worst case of one MD step violates some inequality by a hair (the mixing weight needed is
    about 1e-14): with the mixing switched off the exact check refuses it, and no lower bound comes out."""
    instance, _ = sdp_instance("md", Fraction(1, 5), 1, Fraction(1), Fraction(1), Fraction(9), "amplification")
    assert instance is not None and instance.mixing > 0
    monkeypatch.setattr(interpolation, "_mixing_parameter", lambda weight: Fraction(0))
    refused, why = sdp_instance("md", Fraction(1, 5), 1, Fraction(1), Fraction(1), Fraction(9), "amplification")
    assert refused is None and "violates an interpolation inequality" in why


# --------------------------------------------------------------------------- longer horizons (item 5)
def test_gd_amplification_past_its_limit_is_refused_by_name(tmp_path, capsys):
    from mdtheory.checker.worst_case import MAX_GD_AMPLIFICATION_HORIZON, MAX_HORIZON

    assert MAX_GD_AMPLIFICATION_HORIZON > MAX_HORIZON  # amplification goes further than the suboptimality
    path = tmp_path / "gd.toml"
    path.write_text(f'[worst_case]\nmethod = "gd"\neta = "1"\nhorizons = [{MAX_GD_AMPLIFICATION_HORIZON + 1}]\n')
    assert main(["worst-case", str(path), "--no-progress"]) == 2
    assert f"limit of {MAX_GD_AMPLIFICATION_HORIZON} steps" in capsys.readouterr().err


@pytest.mark.slow
def test_gd_is_proved_non_expansive_at_the_longest_horizon(tmp_path):
    """At the limit (T = 100, by mdtheory.checker.banded_dual: seconds and 0.33 GB): GD with eta = 2/L, the edge,
    is non-expansive, exactly."""
    from mdtheory.checker.worst_case import MAX_GD_AMPLIFICATION_HORIZON

    path = tmp_path / "gd.toml"
    path.write_text(f'[worst_case]\nmethod = "gd"\neta = "2"\nhorizons = [{MAX_GD_AMPLIFICATION_HORIZON}]\n\n'
                    '[claim]\nbound = "1"\n')
    out = tmp_path / "out.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    assert row["verdict"] == "proved" and row["upper_squared"] == "1" and row["lower_squared"] == "1"
