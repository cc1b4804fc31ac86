"""Issue 28, item 4 past T = 30: the certificates solved over the iterates (mdtheory/checker/banded_dual.py) are
written over PEPit's leaves (mdtheory/checker/leaf_basis.py), so that the standalone checker and Coq replay them
as they replay the others; a multiplier changed by 1e-6 is rejected by both."""

import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from mdtheory.cli import main

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT / "proofs" / "check_certificate.py"
EXAMPLE = ROOT / "examples" / "worst_case" / "gd_nonexpansive_long.toml"  # gd, eta = 2/L, T = 31, claim 1


def _standalone(*paths) -> subprocess.CompletedProcess:
    """In isolated mode (-I), so that it could not import mdtheory if it tried."""
    return subprocess.run([sys.executable, "-I", str(CHECKER), *map(str, paths)], capture_output=True, text=True,
                          check=False, timeout=300)


def _tampered(document: dict, k: int) -> dict:
    """Inequality k's multiplier changed by 1e-6."""
    tampered = json.loads(json.dumps(document))
    inequality = tampered["certificate"]["inequalities"][k]
    inequality["multiplier"] = str(Fraction(inequality["multiplier"]) + Fraction(1, 10**6))
    return tampered


def _coqc(folder: Path, name: str) -> subprocess.CompletedProcess:
    from mdtheory.coq import LOGICAL

    return subprocess.run(["coqc", "-Q", ".", LOGICAL, f"{name}.v"], cwd=folder, capture_output=True, text=True,
                          check=False, timeout=600)


@pytest.fixture(scope="module")
def gd_long(tmp_path_factory) -> Path:
    """The example's certificate at T = 31, written by the command a user runs."""
    folder = tmp_path_factory.mktemp("gd_long")
    assert main(["worst-case", str(EXAMPLE), "--certificate", str(folder), "--no-progress"]) == 0
    return folder


def test_past_t_30_the_certificate_is_written_over_the_leaves_and_the_standalone_checker_accepts_it(gd_long):
    document = json.loads((gd_long / "gd_nonexpansive_long_T31.json").read_text())
    claim, certificate = document["claim"], document["certificate"]
    assert (claim["T"], claim["upper_bound"], claim["claimed_at_T"]) == (31, "1", "1")
    # the leaves: two free starting points and one free gradient per step and run
    assert certificate["points"] == 2 + 2 * 31 and certificate["values"] == 2 * 31
    assert (gd_long / "gd_nonexpansive_long_T31.v").exists() and (gd_long / "CertificateChecks.v").exists()
    result = _standalone(gd_long)
    assert result.returncode == 0 and result.stdout.startswith("ok "), result.stdout + result.stderr


@pytest.mark.parametrize("which", ["the initial condition", "the last inequality"])
def test_the_standalone_checker_rejects_it_with_one_multiplier_changed_by_1e_6(gd_long, tmp_path, which):
    document = json.loads((gd_long / "gd_nonexpansive_long_T31.json").read_text())
    path = tmp_path / "c.json"
    path.write_text(json.dumps(_tampered(document, 0 if which == "the initial condition" else -1)))
    result = _standalone(path)
    assert result.returncode == 1 and "REJECTED" in result.stdout
    assert any(why in result.stdout for why in ("the residual is not", "the multipliers do not cancel",
                                                "the bound is not")), result.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc is not installed (CI installs Debian's coq)")
def test_coq_replays_the_t_31_certificate_and_rejects_a_multiplier_changed_by_1e_6(gd_long, tmp_path):
    from mdtheory.coq import LIBRARY, coq_replay

    for name in (LIBRARY, "gd_nonexpansive_long_T31"):
        shutil.copy(gd_long / f"{name}.v", tmp_path)
        result = _coqc(tmp_path, name)
        assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads((gd_long / "gd_nonexpansive_long_T31.json").read_text())
    (tmp_path / "tampered.v").write_text(coq_replay(_tampered(document, -1)))
    result = _coqc(tmp_path, "tampered")
    assert result.returncode != 0 and "false" in result.stdout + result.stderr


@pytest.mark.slow
def test_md_past_t_30_is_written_over_the_leaves_and_checked(tmp_path):
    """md at T = 31, kappa = 9, eta = 1/5 (no claim): the certified upper bound is written with its certificate,
    which the standalone checker accepts, and rejects with one multiplier changed by 1e-6."""
    path = tmp_path / "md.toml"
    path.write_text('[worst_case]\nmethod = "md"\neta = "1/5"\nL_f = "1"\nmu_phi = "1"\nL_phi = "9"\n'
                    'horizons = [31]\n')
    out = tmp_path / "out"
    assert main(["worst-case", str(path), "--certificate", str(out), "--no-progress"]) == 0
    document = json.loads((out / "md_T31.json").read_text())
    assert document["certificate"]["points"] == 2 + 2 * 32 + 2 * 31  # y_0, y'_0, grad h at every y, grad f
    result = _standalone(out)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "tampered.json").write_text(json.dumps(_tampered(document, -1)))
    result = _standalone(tmp_path / "tampered.json")
    assert result.returncode == 1 and "REJECTED" in result.stdout


@pytest.mark.parametrize("method, eta, mu_phi, L_phi, claimed", [("gd", Fraction(2), None, None, Fraction(1)),
                                                                 ("md", Fraction(1, 5), Fraction(1), Fraction(9), None)])
def test_over_the_leaves_it_is_the_problem_up_to_t_30_poses(method, eta, mu_phi, L_phi, claimed):
    """At T = 3 both pipelines run: the iterates' certificate, written over the leaves, has the same leaves (the
    functions' points over them), objective and inequality forms, label by label, as the certificate PEPit's
    banded problem gives up to T = 30; only the multipliers (each solver's) may differ."""
    from mdtheory.checker.banded_dual import certified_upper
    from mdtheory.checker.leaf_basis import over_the_leaves
    from mdtheory.checker.worst_case import worst_case_amplification

    T, L_f = 3, Fraction(1)
    over_the_iterates = certified_upper(method, eta, T, L_f, mu_phi, L_phi, claimed)[3]
    leaves = over_the_leaves(method, eta, T, L_f, mu_phi, L_phi, over_the_iterates)
    pepit = worst_case_amplification(method, eta, T, L_f, mu_phi, L_phi, claimed, band=0,
                                     primal_lower=False).certificate
    assert (leaves.n_points, leaves.n_values, leaves.functions, leaves.objective) == (
        pepit.n_points, pepit.n_values, pepit.functions, pepit.objective)
    forms = {label: form for label, _, form in pepit.inequalities}
    shared = [label for label, _, _ in leaves.inequalities if label in forms]
    assert len(shared) >= T and all(form == forms[label] for label, _, form in leaves.inequalities if label in forms)
    assert leaves.bound == over_the_iterates.bound
