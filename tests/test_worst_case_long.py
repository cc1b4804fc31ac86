"""Issue 28 item 5: gd's and md's amplification at long horizons, by the banded SDP posed over the iterates and
solved by Clarabel directly (mdtheory.checker.banded_dual), certified by the same exact ``dual_certificate``."""

import json
from fractions import Fraction

import pytest

from mdtheory.checker import banded_dual
from mdtheory.checker.worst_case import LONG_HORIZON, MAX_GD_AMPLIFICATION_HORIZON, MAX_MD_HORIZON, worst_case_amplification
from mdtheory.cli import main

KAPPA_9 = {"mu_phi": Fraction(1), "L_phi": Fraction(9)}


@pytest.mark.parametrize("method, eta, T, constants", [
    ("gd", Fraction(11, 5), 4, {}),  # past the edge: exactly 1.2^(2T), attained by f = L x^2/2
    ("md", Fraction(1, 5), 4, KAPPA_9),  # the lower bound is the PEP's own worst case, made exact
])
def test_long_horizon_bound_agrees_with_the_pepit_solvers_within_its_certified_width(method, eta, T, constants):
    """The same relaxation (band 0) solved two ways: the new certified upper bound lies within the current
    solver's certified interval's width of its upper bound, and never below its certified lower bound."""
    current = worst_case_amplification(method, eta, T, **constants)
    value, upper, how, certificate = banded_dual.certified_upper(method, eta, T, Fraction(1), constants.get("mu_phi"),
                                                                 constants.get("L_phi"), None)
    assert upper is not None and certificate is not None, how
    assert upper >= current.lower
    assert abs(upper - current.upper) <= current.upper - current.lower
    if method == "gd":
        assert upper >= Fraction(6, 5) ** (2 * T)  # the exact worst case
    # the certificate is exact: every d_r >= 0 and the residual is sum_r d_r l_r l_r^T, entry by entry
    n = len(certificate.residual)
    assert all(d >= 0 for d, _ in certificate.factors)
    rebuilt = [[sum((d * l[i] * l[j] for d, l in certificate.factors), Fraction(0)) for j in range(n)] for i in range(n)]
    assert rebuilt == [list(row) for row in certificate.residual]
    assert "over the iterates" in how and "relaxation" in how


def test_a_wrong_multiplier_is_not_certified():
    """The exact check is the judge: the solver's multipliers with the initial condition's lowered by 1% (a
    bound below the worst case) leave the residual indefinite, and no bound comes out."""
    from mdtheory.checker.worst_case import dual_certificate

    problem = banded_dual.iterate_problem("gd", Fraction(11, 5), 3, Fraction(1), None, None)
    duals, value = banded_dual.solve_dual(*problem, growth=1.2)
    assert abs(value - 1.2 ** 6) < 1e-6 * 1.2 ** 6  # the solver's value, evidence
    objective, initial, constraints, functions, _ = problem
    assert dual_certificate(objective, initial, constraints, duals, None, functions)[0] is not None
    lowered = [duals[0] * 0.99, *duals[1:]]
    upper, why, _ = dual_certificate(objective, initial, constraints, lowered, None, functions)
    assert upper is None and "positive semidefinite" in why


def test_horizons_past_the_pepit_limit_run_through_the_command(tmp_path):
    """T = LONG_HORIZON + 1 (PEPit's memory limit for md was 30): gd at the edge eta = 2/L is proved
    non-expansive, and md's interval is certified, through `mdtheory worst-case`."""
    T = LONG_HORIZON + 1
    path = tmp_path / "gd.toml"
    path.write_text(f'[worst_case]\nmethod = "gd"\neta = "2"\nhorizons = [{T}]\n\n[claim]\nbound = "1"\n')
    out = tmp_path / "gd.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    assert row["verdict"] == "proved" and row["upper_squared"] == "1" and "over the iterates" in row["how_upper"]
    path = tmp_path / "md.toml"
    path.write_text(f'[worst_case]\nmethod = "md"\neta = "1/2"\nmu_phi = "1"\nL_phi = "3"\nhorizons = [{T}]\n')
    out = tmp_path / "md.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    assert row["upper_squared"] is not None and Fraction(row["lower_squared"]) <= Fraction(row["upper_squared"])
    assert abs(float(Fraction(row["upper_squared"])) - row["solver_value_squared"]) <= 1e-5 * row["solver_value_squared"]


@pytest.mark.parametrize("method, limit", [("gd", MAX_GD_AMPLIFICATION_HORIZON), ("md", MAX_MD_HORIZON)])
def test_horizons_up_to_100_are_accepted_and_beyond_refused(tmp_path, capsys, method, limit):
    from mdtheory.worstcase import load_class_claim

    assert limit == 100
    phi = 'mu_phi = "1"\nL_phi = "3"\n' if method == "md" else ""
    path = tmp_path / "w.toml"
    path.write_text(f'[worst_case]\nmethod = "{method}"\neta = "1/2"\n{phi}horizons = [{limit}]\n')
    assert load_class_claim(path).horizons == (limit,)
    path.write_text(f'[worst_case]\nmethod = "{method}"\neta = "1/2"\n{phi}horizons = [{limit + 1}]\n')
    assert main(["worst-case", str(path), "--no-progress"]) == 2
    assert f"limit of {limit} steps" in capsys.readouterr().err


@pytest.mark.slow
def test_gd_is_proved_non_expansive_at_T_100(tmp_path):
    """About 3 s of CPU and 0.33 GB (PEPit's solve would need about 15 GB)."""
    path = tmp_path / "gd.toml"
    path.write_text('[worst_case]\nmethod = "gd"\neta = "2"\nhorizons = [100]\n\n[claim]\nbound = "1"\n')
    out = tmp_path / "out.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    assert row["verdict"] == "proved" and row["upper_squared"] == "1" and row["lower_squared"] == "1"
