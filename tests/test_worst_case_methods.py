"""Issue 27, item 7: worst case for the plug-in PEP methods (mdtheory/checker/pep_methods/): the fast gradient
method and extragradient, certified exactly on both sides, their certificates replayed by the standalone checker,
and held to published values and to PEPit's own problems solved independently."""

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from mdtheory.cli import main

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT / "proofs" / "check_certificate.py"
# PEPit's float values carry the SDP solver's error (Clarabel's default tolerances are 1e-8): they are compared
# with the certified interval widened by this much, relative
SOLVER_ACCURACY = Fraction(1, 10**6)


def _claim_file(tmp_path, method, quantity, eta, horizons, bound=None, extra=""):
    path = tmp_path / f"{method}.toml"
    claim = "" if bound is None else f'\n[claim]\nbound = "{bound}"\nexpected = "proved"\n'
    path.write_text(f'[worst_case]\nmethod = "{method}"\nquantity = "{quantity}"\neta = "{eta}"\n'
                    f"horizons = {horizons}\n{extra}{claim}")
    return path


def _run(tmp_path, path, *options):
    out = tmp_path / "out.json"
    code = main(["worst-case", str(path), "--json", str(out), "--no-progress", *options])
    return code, json.loads(out.read_text()) if out.exists() else None


def _interval(row):
    return Fraction(row["lower_exact"]), Fraction(row["upper_exact"])


def _replay(*paths):
    return subprocess.run([sys.executable, "-I", str(CHECKER), *map(str, paths)], capture_output=True, text=True, check=False,
                          timeout=120)


def _inside(value: float, low: Fraction, high: Fraction) -> bool:
    return low * (1 - SOLVER_ACCURACY) <= Fraction(value) <= high * (1 + SOLVER_ACCURACY)


# --------------------------------------------------------------------------- the fast gradient method
def test_accelerated_interval_holds_the_tight_value_and_pepits_example(tmp_path):
    from PEPit.examples.unconstrained_convex_minimization import (
        wc_accelerated_gradient_convex_simplified,
    )

    # T = 3: the first horizon at which the momentum acts (it is 0 at t = 0, so T = 1, 2 are gradient descent)
    path = _claim_file(tmp_path, "accelerated", "suboptimality", "1", "[1, 3]")
    code, data = _run(tmp_path, path, "--certificate", str(tmp_path / "certificates"))
    assert code == 0
    for row in data["horizons"]:
        T = row["T"]
        low, high = _interval(row)
        # Taylor, Hendrickx & Glineur's tight 2 L ||x_0 - x*||^2/((T + 2)(T + 3)), here ||x_0 - x*||^2 = 2
        assert low <= Fraction(4, (T + 2) * (T + 3)) <= high
        assert high - low < Fraction(1, 10**7)
        assert row["how_lower"].startswith("the SDP's worst case")  # made exact: above every quadratic
        # PEPit's own example (||x_0 - x*||^2 <= 1): twice its value is ours
        tau, _ = wc_accelerated_gradient_convex_simplified(mu=0, L=1, n=T, wrapper="cvxpy", solver="CLARABEL", verbose=-1)
        assert _inside(2 * tau, low, high)
    assert _interval(data["horizons"][1])[1] < Fraction(1, 7)  # below gradient descent's tight 1/(2T + 1)
    replay = _replay(tmp_path / "certificates")
    assert replay.returncode == 0 and replay.stdout.count("ok ") == 2, replay.stdout


def test_accelerated_rate_is_proved_below_the_known_bound(tmp_path):
    path = _claim_file(tmp_path, "accelerated", "suboptimality", "1", "[2]", bound="4/(T + 1)**2")
    code, data = _run(tmp_path, path)
    assert code == 0 and data["verdict"] == "proved"
    assert Fraction(data["horizons"][0]["upper_exact"]) <= Fraction(4, 9)


def test_a_tampered_accelerated_certificate_is_rejected(tmp_path):
    path = _claim_file(tmp_path, "accelerated", "suboptimality", "1/2", "[1]")
    assert main(["worst-case", str(path), "--certificate", str(tmp_path), "--no-progress"]) == 0
    document = json.loads((tmp_path / "accelerated_T1.json").read_text())
    for field, value in (("eta", "1"), ("T", 2)):
        tampered = json.loads(json.dumps(document))
        tampered["claim"][field] = value
        (tmp_path / "tampered.json").write_text(json.dumps(tampered))
        assert _replay(tmp_path / "tampered.json").returncode == 1, field


# --------------------------------------------------------------------------- extragradient
def _rotation_value(eta: Fraction, T: int) -> Fraction:
    """||F(x_T)||^2 for F(x) = (-x_2, x_1) from x_0 = (1, 1) (||x_0||^2/2 = 1), by 2 x 2 matrices in rationals."""
    A = ((0, -1), (1, 0))
    apply = lambda M, v: tuple(sum(M[i][k] * v[k] for k in range(2)) for i in range(2))
    x = (Fraction(1), Fraction(1))
    for _ in range(T):
        leading = tuple(a - eta * b for a, b in zip(x, apply(A, x)))
        x = tuple(a - eta * b for a, b in zip(x, apply(A, leading)))
    return sum(c * c for c in apply(A, x))


def _pepit_extragradient(eta: float, T: int, L: float) -> float:
    """The same problem posed with PEPit's own operator class, independently of the plug-in's."""
    from PEPit import PEP
    from PEPit.operators import LipschitzStronglyMonotoneOperatorCheap

    problem = PEP()
    F = problem.declare_function(LipschitzStronglyMonotoneOperatorCheap, mu=0, L=L)
    star = F.stationary_point()
    x = start = problem.set_initial_point()
    problem.set_initial_condition((start - star) ** 2 <= 2)
    for _ in range(T):
        x = x - eta * F.gradient(x - eta * F.gradient(x))
    problem.set_performance_metric(F.gradient(x) ** 2)
    return problem.solve(wrapper="cvxpy", solver="CLARABEL", verbose=0)


def test_extragradient_interval_holds_a_rotation_and_pepits_problem(tmp_path):
    path = _claim_file(tmp_path, "extragradient", "residual_squared", "1/2", "[1, 2]")
    code, data = _run(tmp_path, path, "--certificate", str(tmp_path / "certificates"))
    assert code == 0
    for row in data["horizons"]:
        T = row["T"]
        low, high = _interval(row)
        assert _rotation_value(Fraction(1, 2), T) <= low <= high
        assert _inside(_pepit_extragradient(0.5, T, 1.0), low, high)
    assert _interval(data["horizons"][0])[0] == Fraction(13, 8)  # the rotation: 2 |3/4 - i/2|^2
    replay = _replay(tmp_path / "certificates")
    assert replay.returncode == 0 and replay.stdout.count("ok ") == 2, replay.stdout
    # an operator inequality relabelled with the other kind is not the class's
    document = json.loads((tmp_path / "certificates" / "extragradient_T1.json").read_text())
    which = document["certificate"]["inequalities"][1]["which"]
    which["kind"] = "monotone" if which["kind"] == "lipschitz" else "lipschitz"
    (tmp_path / "tampered.json").write_text(json.dumps(document))
    replay = _replay(tmp_path / "tampered.json")
    assert replay.returncode == 1 and "is not the class's" in replay.stdout


def test_extragradient_known_rate_is_proved(tmp_path):
    # Gorbunov, Loizou & Gidel: ||F(x_T)||^2 <= ||x_0 - x*||^2/(eta^2 (T + 1)), here 8/(T + 1)
    path = _claim_file(tmp_path, "extragradient", "residual_squared", "1/2", "[1]", bound="8/(T + 1)")
    code, data = _run(tmp_path, path)
    assert code == 0 and data["verdict"] == "proved"


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("extra, horizons, key", [
    ('mu_phi = "1"\nL_phi = "2"\n', "[1]", "mu_phi"),
    ("", '"all"', "horizons"),
    ("", "[41]", "horizons"),
])
def test_bad_plugin_files_are_refused_naming_the_key(tmp_path, capsys, extra, horizons, key):
    path = _claim_file(tmp_path, "accelerated", "suboptimality", "1", horizons, extra=extra)
    assert main(["worst-case", str(path), "--no-progress"]) == 2
    assert f"[worst_case] {key}" in capsys.readouterr().err


def test_a_quantity_the_method_does_not_bound_is_refused(tmp_path, capsys):
    path = _claim_file(tmp_path, "extragradient", "amplification", "1/2", "[1]")
    assert main(["worst-case", str(path), "--no-progress"]) == 2
    assert "residual_squared" in capsys.readouterr().err
