"""Issue 28, items 4 and 6: worst-case certificates anyone can replay (as data, by a standalone checker that
imports nothing from mdtheory, and by Coq), inconclusive verdicts that say why, and an example file for every
method and quantity worst-case supports."""

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

from mdtheory.checker.pep_methods import PEP_METHODS
from mdtheory.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "worst_case"
COQ = ROOT / "proofs" / "coq"
CHECKER = ROOT / "proofs" / "check_certificate.py"
# the examples whose certificates are committed under proofs/coq and replayed by Coq in CI
COMMITTED = ("gd_nonexpansive", "md_amplification", "md_suboptimality", "gd_suboptimality")


def _check_with_the_standalone_checker(*paths) -> subprocess.CompletedProcess:
    """In isolated mode (-I: no PYTHONPATH, no site-packages of the user, not the current directory), so it
    could not import mdtheory even if it tried."""
    return subprocess.run([sys.executable, "-I", str(CHECKER), *map(str, paths)], capture_output=True, text=True,
                          timeout=120)


def _tampered(document: dict) -> dict:
    """The last multiplier changed by 1e-6."""
    tampered = json.loads(json.dumps(document))
    inequality = tampered["certificate"]["inequalities"][-1]
    inequality["multiplier"] = str(Fraction(inequality["multiplier"]) + Fraction(1, 10**6))
    return tampered


# --------------------------------------------------------------------------- example files (item 6)
def test_there_is_an_example_for_every_method_and_quantity():
    covered = set()
    for path in EXAMPLES.glob("*.toml"):
        table = tomllib.loads(path.read_text())["worst_case"]
        covered.add((table["method"], table.get("quantity", "amplification")))
    supported = {(m, q) for m in ("gd", "md") for q in ("amplification", "suboptimality")} | {("mahalanobis",
                                                                                                "amplification")}
    supported |= {(name, quantity) for name, method in PEP_METHODS.items() for quantity in method.quantities}
    assert covered == supported


# examples whose SDPs take more than a few seconds (five horizons of a plug-in method); their small horizons are
# tested in the default suite by tests/test_worst_case_methods.py
SLOW_EXAMPLES = ("accelerated_suboptimality", "extragradient_residual")


@pytest.mark.parametrize("name", [pytest.param(path.stem, marks=pytest.mark.slow) if path.stem in SLOW_EXAMPLES
                                  else path.stem for path in sorted(EXAMPLES.glob("*.toml"))])
def test_each_example_reaches_its_expected_verdict(tmp_path, name):
    path = EXAMPLES / f"{name}.toml"
    expected = tomllib.loads(path.read_text())["claim"]["expected"]
    out = tmp_path / "out.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    data = json.loads(out.read_text())
    assert data["verdict"] == expected and all(row["verdict"] == expected for row in data["horizons"])


# --------------------------------------------------------------------------- inconclusive says why (item 6)
def test_an_inconclusive_verdict_says_by_how_much_the_upper_bound_exceeds_the_claim(tmp_path, capsys):
    """One MD step with kappa = 3 amplifies by at most 3, exactly (the certificate), and the SDP's worst case
    made exact by 3 - 2.2e-9 (mdtheory.checker.interpolation): the claim 3 - 1e-9 lies between, and the verdict
    says the upper bound exceeds it by exactly 1e-9."""
    path = tmp_path / "w.toml"
    path.write_text('[worst_case]\nmethod = "md"\neta = "1"\nmu_phi = "1"\nL_phi = "3"\nhorizons = [1]\n\n'
                    '[claim]\nbound = "2.999999999"\n')
    out = tmp_path / "w.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 3
    printed = capsys.readouterr().out
    assert ("T = 1: inconclusive: the certified upper bound amplification <= 3 exceeds the claim 3 by 1e-09 "
            "(relative 3.3e-10) at T = 1") in printed
    row = json.loads(out.read_text())["horizons"][0]
    assert row["upper_squared"] == "9" and row["why"] in printed
    assert [figure["value"] for figure in row["why_figures"]][:4] == ["3", "3", "1e-09", "3.3e-10"]


def test_a_claim_false_by_1e_14_is_violated_by_the_exact_huber_instance(tmp_path):
    """GD with eta = 1 - 5e-14 at T = 1: the worst suboptimality is 1/(2 eta + 1) (a Huber function attains it),
    above the claim 1/3 of eta = 1 by about 1.1e-14; the fixed-T lower end is that Huber instance, exact, so the
    claim is violated (it was inconclusive while the lower end was the SDP's instance, about 1e-10 below)."""
    path = tmp_path / "w.toml"
    path.write_text('[worst_case]\nmethod = "gd"\neta = "1 - 5e-14"\nquantity = "suboptimality"\nhorizons = [1]\n\n'
                    '[claim]\nbound = "1/(2*T + 1)"\n')
    out = tmp_path / "w.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 1
    row = json.loads(out.read_text())["horizons"][0]
    eta = 1 - Fraction(5, 10**14)
    assert Fraction(row["lower_exact"]) == 1 / (2 * eta + 1) > Fraction(1, 3) and row["verdict"] == "violated"


def test_a_claim_the_certificate_misses_by_1e_10_is_inconclusive_and_says_so(tmp_path, capsys):
    """The fast gradient method at T = 2 against Taylor, Hendrickx & Glineur's 4/((T + 2)(T + 3)) = 1/5: the
    certificate's bound exceeds the claim by about 1e-10 and the explicit instance lies below it: inconclusive,
    and the reason gives the excess (computed here from the exact bound)."""
    path = tmp_path / "w.toml"
    path.write_text('[worst_case]\nmethod = "accelerated"\neta = "1"\nquantity = "suboptimality"\nhorizons = [2]\n\n'
                    '[claim]\nbound = "4/((T + 2)*(T + 3))"\n')
    out = tmp_path / "w.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 3
    row = json.loads(out.read_text())["horizons"][0]
    excess = Fraction(row["upper_exact"]) - Fraction(1, 5)
    assert Fraction(row["lower_exact"]) < Fraction(1, 5)
    assert excess > 0 and f"exceeds the claim 0.2 by {float(excess):.1g}" in capsys.readouterr().out


# --------------------------------------------------------------------------- certificates as data (item 4)
def test_the_standalone_checker_imports_nothing_but_the_standard_library_and_is_short():
    tree = ast.parse(CHECKER.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"json", "sys", "fractions", "pathlib"}
    assert len(CHECKER.read_text().splitlines()) < 300


def test_committed_certificates_pass_the_standalone_checker_and_a_tampered_one_is_rejected(tmp_path):
    result = _check_with_the_standalone_checker(COQ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok ") == len(list(COQ.glob("*.json"))) >= 5
    for path in COQ.glob("*.json"):
        tampered = tmp_path / path.name
        tampered.write_text(json.dumps(_tampered(json.loads(path.read_text()))))
    result = _check_with_the_standalone_checker(tmp_path)
    assert result.returncode == 1 and result.stdout.count("REJECTED") == len(list(COQ.glob("*.json")))
    assert "the multipliers do not cancel" in result.stdout or "the residual is not" in result.stdout


@pytest.mark.parametrize("field, value, why", [
    ("eta", "1000001/1000000", "step 1 is not where GD says"),  # a certificate for another step size
    ("L_f", "2", "the functions' classes are not the claim's"),
    ("claimed_at_T", "999999/1000000", "the upper bound exceeds the claimed value"),
])
def test_the_standalone_checker_ties_the_certificate_to_the_claim(tmp_path, field, value, why):
    document = json.loads((COQ / "gd_nonexpansive_T5.json").read_text())
    document["claim"][field] = value
    path = tmp_path / "c.json"
    path.write_text(json.dumps(document))
    result = _check_with_the_standalone_checker(path)
    assert result.returncode == 1 and why in result.stdout


def test_committed_certificates_are_what_worst_case_writes(tmp_path):
    """proofs/coq is generated: the example files' certificates, written again, are identical (the .json, the .v
    and the library of checks they import, CertificateChecks.v), and nothing else is there."""
    for name in COMMITTED:
        assert main(["worst-case", str(EXAMPLES / f"{name}.toml"), "--certificate", str(tmp_path), "--no-progress"]) == 0
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(path.name for path in COQ.iterdir())
    for name in written:
        assert (tmp_path / name).read_text() == (COQ / name).read_text(), name


def test_the_coq_file_is_a_function_of_the_certificate_document():
    from mdtheory.coq import LIBRARY, coq_library, coq_replay

    for path in COQ.glob("*.json"):
        assert coq_replay(json.loads(path.read_text())) == path.with_suffix(".v").read_text()
    assert (COQ / f"{LIBRARY}.v").read_text() == coq_library()


def test_each_coq_file_holds_only_its_data_and_the_lemma_and_imports_the_checks():
    """The checking functions stand once, in the library; a certificate's file defines its data, applies them,
    and proves the lemma (so a change to the checks is one change, and the files do not repeat each other)."""
    from mdtheory.coq import LIBRARY, LOGICAL

    checks = ("Fixpoint", "Section", "signs_ok", "residual_ok", "ldlt_ok", "bound_ok", "claim_ok")
    for path in [*COQ.glob("*_T*.v"), *(ROOT / "proofs" / "every_t").glob("*.v")]:
        text = path.read_text()
        assert f"From {LOGICAL} Require Import {LIBRARY}." in text, path.name
        assert not any(word in text for word in checks), path.name
        assert text.endswith("Lemma certificate_holds : certificate_checks = true.\n"
                             "Proof. vm_compute. reflexivity. Qed.\n"), path.name
    library = (COQ / f"{LIBRARY}.v").read_text()
    assert all(word in library for word in checks) and "Lemma" not in library


# --------------------------------------------------------------------------- Coq replays (item 4)
def _coqc(folder: Path, name: str) -> subprocess.CompletedProcess:
    """coqc in a scratch folder (it writes .vo, .glob, ... beside the file: never into the source tree), with the
    folder as the library's logical path, as docs/certificates.md replays it."""
    from mdtheory.coq import LOGICAL

    return subprocess.run(["coqc", "-Q", ".", LOGICAL, f"{name}.v"], cwd=folder, capture_output=True, text=True,
                          timeout=300)


def _with_the_library(folder: Path) -> None:
    """The committed library of checks, compiled in folder (the certificates import it)."""
    from mdtheory.coq import LIBRARY

    shutil.copy(COQ / f"{LIBRARY}.v", folder)
    result = _coqc(folder, LIBRARY)
    assert result.returncode == 0, result.stdout + result.stderr


needs_coq = pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc is not installed (CI installs Debian's coq)")


@needs_coq
def test_coq_rejects_a_certificate_with_one_multiplier_changed_by_1e_6(tmp_path):
    from mdtheory.coq import coq_replay

    document = json.loads((COQ / "md_amplification_T1.json").read_text())
    _with_the_library(tmp_path)
    (tmp_path / "tampered.v").write_text(coq_replay(_tampered(document)))
    result = _coqc(tmp_path, "tampered")
    # the lemma's boolean evaluates to false (the untampered file's replay: the slow test below and CI)
    assert result.returncode != 0 and 'Unable to unify "true" with "false"' in result.stdout + result.stderr


@needs_coq
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(path.stem for path in COQ.glob("*_T*.v")))
def test_coq_replays_every_committed_certificate(tmp_path, name):
    _with_the_library(tmp_path)
    shutil.copy(COQ / f"{name}.v", tmp_path)
    result = _coqc(tmp_path, name)
    assert result.returncode == 0, result.stdout + result.stderr
