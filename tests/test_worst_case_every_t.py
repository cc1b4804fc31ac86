"""Issue 28, item 2: worst-case claims for every T (``horizons = "all"``), proved by a one-step quadratic
potential checked exactly, written as a certificate that a standalone checker (standard library only) replays,
and paired with an explicit instance's growth rate."""

import ast
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from mdtheory.checker.every_t import check_every_t
from mdtheory.checker.potential import certify_rate
from mdtheory.checker.worst_case import ClassClaim
from mdtheory.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "every_t"
COMMITTED = ROOT / "proofs" / "every_t"
CHECKER = ROOT / "proofs" / "check_every_t.py"


def _claim_file(tmp_path, method="gd", eta="1", bound="1", expected="proved", extra="") -> Path:
    phi = 'mu_phi = "1"\nL_phi = "3"\n' if method == "md" else ""
    path = tmp_path / "claim.toml"
    path.write_text(f'[worst_case]\nmethod = "{method}"\neta = "{eta}"\nL_f = "1"\n{phi}horizons = "all"\n{extra}\n'
                    f'[claim]\nbound = "{bound}"\nexpected = "{expected}"\n')
    return path


def _run(tmp_path, path, *more) -> tuple[int, dict]:
    out = tmp_path / "out.json"
    code = main(["worst-case", str(path), "--json", str(out), *more])
    return code, json.loads(out.read_text())


def _checked(checker: Path, *paths) -> subprocess.CompletedProcess:
    """In isolated mode (-I): it could not import mdtheory even if it tried."""
    return subprocess.run([sys.executable, "-I", str(checker), *map(str, paths)], capture_output=True, text=True,
                          timeout=120)


def _tampered(document: dict, part: int = 0) -> dict:
    """One multiplier (the part's last) changed by 1e-6."""
    tampered = json.loads(json.dumps(document))
    inequality = tampered["parts"][part]["inequalities"][-1]
    inequality["multiplier"] = str(Fraction(inequality["multiplier"]) + Fraction(1, 10**6))
    return tampered


# --------------------------------------------------------------------------- GD: non-expansive for every T
def test_gd_is_non_expansive_for_every_t_at_eta_one(tmp_path):
    code, data = _run(tmp_path, _claim_file(tmp_path))
    assert code == 0 and data["verdict"] == "proved" and data["horizons"] == "all"
    # the one-step certificate is the textbook one: rho^2 = 1, C = 1
    assert data["rate"]["rho_squared"] == "1" and data["rate"]["constant"] == "1"


def test_gd_past_two_over_l_is_not_proved_and_is_violated(tmp_path):
    """eta = 2 + 1/10: f = x^2/2 multiplies the difference by 11/10 each step, so "non-expansive" is false; the
    potential certifies the growth rate exactly (rho = 11/10, the explicit instance's)."""
    code, data = _run(tmp_path, _claim_file(tmp_path, eta="21/10", expected="proved"))
    assert code == 1 and data["verdict"] == "violated"
    assert data["violated_at"] == {"T": 1, "squared_amplification": "121/100"}
    assert data["rate"]["rho_squared"] == "121/100" and data["witness"]["rate"] == "11/10"
    assert data["witness"]["meets"] is True


def test_the_certified_rate_for_every_t_can_be_claimed_past_the_edge(tmp_path):
    code, data = _run(tmp_path, _claim_file(tmp_path, eta="21/10", bound="(11/10)**T"))
    assert code == 0 and data["verdict"] == "proved"
    code, data = _run(tmp_path, _claim_file(tmp_path, eta="21/10", bound="(109/100)**T", expected="violated"))
    assert code == 0 and data["verdict"] == "violated"


def test_a_rate_above_one_is_not_certified_as_non_expansion():
    """The exact check, not the solver, decides: at eta = 21/10 no multipliers make rho^2 = 1 work."""
    assert certify_rate("gd", Fraction(21, 10), Fraction(1), None, None, Fraction(1)) is None
    assert certify_rate("gd", Fraction(1), Fraction(1), None, None, Fraction(1)) is not None


# --------------------------------------------------------------------------- certificates
def test_the_certificate_is_replayed_and_a_changed_multiplier_is_rejected(tmp_path):
    folder = tmp_path / "certs"
    folder.mkdir()
    assert main(["worst-case", str(EXAMPLES / "gd_nonexpansive.toml"), "--certificate", str(folder)]) == 0
    written = folder / "gd_nonexpansive_every_T.json"
    result = _checked(CHECKER, written)
    assert result.returncode == 0 and result.stdout.startswith("ok"), result.stdout + result.stderr
    bad = tmp_path / "tampered_every_T.json"
    bad.write_text(json.dumps(_tampered(json.loads(written.read_text()))))
    result = _checked(CHECKER, bad)
    assert result.returncode == 1 and "REJECTED" in result.stdout


def test_the_checker_imports_only_the_standard_library_and_its_sibling():
    tree = ast.parse(CHECKER.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"json", "sys", "fractions", "pathlib", "check_certificate"}
    assert len(CHECKER.read_text().splitlines()) < 300


def test_the_committed_certificates_pass_and_every_multiplier_changed_fails(tmp_path):
    """proofs/every_t (CI checks it too): each part of each certificate, each multiplier changed by 1e-6."""
    paths = sorted(COMMITTED.glob("*.json"))
    assert len(paths) >= 2
    result = _checked(CHECKER, COMMITTED)
    assert result.returncode == 0 and result.stdout.count("ok ") == len(paths), result.stdout
    changed = 0
    for path in paths:
        document = json.loads(path.read_text())
        for p, part in enumerate(document["parts"]):
            for k, inequality in enumerate(part["inequalities"]):
                tampered = json.loads(json.dumps(document))
                entry = tampered["parts"][p]["inequalities"][k]
                entry["multiplier"] = str(Fraction(entry["multiplier"]) + Fraction(1, 10**6))
                (tmp_path / f"{path.stem}_{p}_{k}_every_T.json").write_text(json.dumps(tampered))
                changed += 1
    result = _checked(CHECKER, tmp_path)
    assert result.returncode == 1 and result.stdout.count("REJECTED") == changed > 10


def test_a_changed_rate_or_potential_is_rejected(tmp_path):
    document = json.loads((COMMITTED / "md_rate_every_T.json").read_text())
    for where, key, value in (("claim", "rho_squared", "120/100"), ("claim", "constant", "7"),
                              ("claim", "eta", "11/10"), ("potential", "p12", "0")):
        tampered = json.loads(json.dumps(document))
        tampered[where][key] = value
        path = tmp_path / f"{key}_every_T.json"
        path.write_text(json.dumps(tampered))
        result = _checked(CHECKER, path)
        assert result.returncode == 1 and "REJECTED" in result.stdout, key


# --------------------------------------------------------------------------- MD
def test_md_rate_example_is_proved_with_three_exact_parts(tmp_path):
    code, data = _run(tmp_path, EXAMPLES / "md_rate.toml")
    assert code == 0 and data["verdict"] == "proved" and set(data["rate"]["P"]) == {"p11", "p12", "p22"}


def test_md_rate_meets_the_exact_spectral_radius_of_a_quadratic_instance():
    """eta L_f/mu_phi = 3 > 2: f = x^2/2, phi = x^2/2 multiply the difference by |1 - 3| = 2 each step (the
    spectral radius of that instance, exactly). The certified rho^2 is exactly 4: no instance grows faster."""
    claim = ClassClaim("md", Fraction(3), "all", Fraction(1), Fraction(1), Fraction(3, 2))
    result = check_every_t(claim)
    assert result.rate is not None and result.rate.rho_squared == 4 and result.witness_rate == 2
    assert result.gap() == 0


def test_a_claim_below_an_explicit_instance_is_violated_not_proved(tmp_path):
    """The amplification of f = 0 is 1 at every T: a bound (1 - 1e-9)^T is false at T = 1."""
    code, data = _run(tmp_path, _claim_file(tmp_path, method="md", bound="(1 - 1e-9)**T", expected="violated"))
    assert code == 0 and data["verdict"] == "violated"


@pytest.mark.slow
@pytest.mark.parametrize("kappa", ["3/2", "3", "9"])
def test_md_growth_rate_is_paired_with_a_witness(kappa):
    """Item 2: the certified rho (no claim: the SDP's least rho^2, raised and certified exactly) lies above the
    best explicit instance's growth rate (sound), and the gap is reported (docs/every-t.md has the table)."""
    claim = ClassClaim("md", Fraction(1), "all", Fraction(1), Fraction(1), Fraction(kappa))
    result = check_every_t(claim)
    assert result.rate is not None and result.witness_rate == 1
    assert result.rate.rho_squared >= result.witness_rate ** 2 and result.solver_rho_squared is not None
    assert result.rate.rho_squared >= Fraction(result.solver_rho_squared)  # certified at or above the SDP's


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("method, bound, extra, message", [
    ("gd", "T + 1", "", "A * r**T"),
    ("mahalanobis", "1", 'mu_phi = "1"\nL_phi = "2"', "posed for gd and md"),
])
def test_bad_every_t_claims_are_refused_clearly(tmp_path, capsys, method, bound, extra, message):
    assert main(["worst-case", str(_claim_file(tmp_path, method=method, bound=bound, extra=extra))]) == 2
    assert message in capsys.readouterr().err


def test_horizons_must_be_a_list_or_all(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[worst_case]\nmethod = "gd"\neta = "1"\nhorizons = "every"\n')
    assert main(["worst-case", str(path)]) == 2
    assert '"all" for every T' in capsys.readouterr().err


# --------------------------------------------------------------------------- rates with step-dependent multipliers
def test_gd_suboptimality_one_over_eta_t_is_proved_for_every_t(tmp_path):
    """The potential eta k (f_k - f*) + ||x_k - x*||^2/2: multipliers eta on (x*, x_k) and eta (k + 1) on
    (x_k, x_(k+1)), found by the SDP and verified symbolically in k."""
    code, data = _run(tmp_path, EXAMPLES / "gd_suboptimality.toml")
    assert code == 0 and data["verdict"] == "proved" and data["rate"]["bound"] == "1/T"
    multipliers = {(m["which"]["i"], m["which"]["j"]): (m["c0"], m["c1"]) for m in data["rate"]["multipliers"]}
    assert multipliers == {(0, 1): ("1", "0"), (1, 2): ("1", "1")}


def test_nolips_rate_in_the_bregman_setting_is_proved_for_every_t(tmp_path):
    code, data = _run(tmp_path, EXAMPLES / "md_nolips.toml")
    assert code == 0 and data["verdict"] == "proved" and data["rate"]["bound"] == "3/T"


def test_a_rate_the_potential_cannot_reach_is_inconclusive_and_one_below_an_instance_violated(tmp_path):
    """1/(2T + 1) is GD's exact worst case (Drori & Teboulle): true, but below the potential's 1/T; it is proved by
    tight_gd's certificate instead (tests/test_every_t_tight.py); 1/(10 T) is below the explicit quadratic's 0.148
    at T = 1. MD's rate below the potential's stays inconclusive."""
    sub = 'quantity = "suboptimality"'
    code, data = _run(tmp_path, _claim_file(tmp_path, bound="1/(2*T + 1)", expected="proved", extra=sub))
    assert code == 0 and data["verdict"] == "proved" and "tight" in data
    code, data = _run(tmp_path, _claim_file(tmp_path, method="md", bound="1/(2*T + 1)", expected="proved", extra=sub))
    assert code == 3 and data["verdict"] == "inconclusive" and "not shown below the claim" in data["why"]
    code, data = _run(tmp_path, _claim_file(tmp_path, bound="1/(10*T)", expected="violated", extra=sub))
    assert code == 0 and data["verdict"] == "violated"


def test_a_step_too_long_for_the_potential_is_inconclusive(tmp_path):
    """MD with eta = 2 mu_phi/L_f: the potential's step inequality fails (the SDP finds no multipliers). The
    claim "at most 1" is true of the explicit instance (f = x^2/2 oscillates at exactly 1), so it is not violated
    either: inconclusive, saying why; "at most 1/T" is violated by that instance at T = 2."""
    sub = 'quantity = "suboptimality"'
    code, data = _run(tmp_path, _claim_file(tmp_path, method="md", eta="2", bound="1", extra=sub))
    assert code == 3 and data["verdict"] == "inconclusive" and data["rate"] is None and "no rate" in data["why"]
    path = _claim_file(tmp_path, method="md", eta="2", bound="1/T", expected="violated", extra=sub)
    code, data = _run(tmp_path, path)
    assert code == 0 and data["verdict"] == "violated" and "T = 2" in data["why"]


# --------------------------------------------------------------------------- PEPit's Bregman examples (item 3)
# (PEPit example, the library's method, gamma, L, n at the example's __main__ parameters); its docstring's theory
# is 1/(gamma n) for both (NoLips: tight for gamma <= 1/L; the Bregman proximal point: an empirical tight value)
PEPIT_EXAMPLES = [("no_lips_in_function_value", "nolips", Fraction(1, 2), Fraction(1), 3),
                  ("bregman_proximal_point", "bregman_proximal_point", Fraction(3), None, 5)]


@pytest.mark.parametrize("example, method, gamma, L, n", PEPIT_EXAMPLES, ids=[e[0] for e in PEPIT_EXAMPLES])
def test_pepits_bregman_example_is_proved_for_every_n_in_its_own_class(example, method, gamma, L, n):
    """In PEPit's class (NoLips: f_1 convex, L h - f_1 convex, f_2 an indicator; BPP: f_1, f_2 convex), the
    potential gamma k (F(x_k) - F*) + D(x*, x_k) proves F(x_n) - F* <= D(x*, x_0)/(gamma n) for every n, with
    multipliers affine in k verified symbolically in k."""
    from mdtheory.checker.potential_rate import certify_step

    step, how = certify_step(method, gamma, L)
    assert step is not None, how
    assert all(c0 >= 0 and c1 >= 0 for _, c0, c1 in step.multipliers)


def test_nolips_is_not_proved_past_its_step_limit():
    from mdtheory.checker.potential_rate import certify_step

    assert certify_step("nolips", Fraction(3, 2), Fraction(1))[0] is None


@pytest.mark.slow
@pytest.mark.parametrize("example, method, gamma, L, n", PEPIT_EXAMPLES, ids=[e[0] for e in PEPIT_EXAMPLES])
def test_pepits_float_value_meets_the_value_proved_for_every_n(example, method, gamma, L, n):
    """PEPit's own solve at the example's parameters (floats: evidence) lies within 1e-8 of the value proved
    exactly here, which is its docstring's theory 1/(gamma n): the proved bound is the worst case there."""
    import importlib

    from mdtheory.checker.potential_rate import certify_step

    module = importlib.import_module(f"PEPit.examples.composite_convex_minimization.{example}")
    solve = getattr(module, f"wc_{example}")
    constants = {"L": float(L)} if L is not None else {}
    pepit, theory = solve(gamma=float(gamma), n=n, wrapper="cvxpy", solver=None, verbose=-1, **constants)
    proved = 1 / (gamma * n)
    assert certify_step(method, gamma, L)[0] is not None
    assert abs(theory - float(proved)) < 1e-15 and abs(pepit - float(proved)) < 1e-8


def test_the_page_shows_what_the_command_prints(capsys):
    """docs/every-t.md's listing is the output for its first claim (examples/every_t/gd_nonexpansive.toml)."""
    page = (ROOT / "docs" / "every-t.md").read_text()
    listing = page.split("```text\n", 1)[1].split("```", 1)[0]
    assert main(["worst-case", str(EXAMPLES / "gd_nonexpansive.toml")]) == 0
    assert capsys.readouterr().out == listing


# --------------------------------------------------------------------------- Coq
def test_the_committed_coq_replays_are_the_certificates_own():
    """Each proofs/every_t/NAME_every_T_partK.v is generated from NAME_every_T.json (a pure function of it)."""
    from mdtheory.coq import coq_replays_every_t

    written = set()
    for path in sorted(COMMITTED.glob("*_every_T.json")):
        for k, text in enumerate(coq_replays_every_t(json.loads(path.read_text())).values()):
            replay = COMMITTED / f"{path.stem}_part{k}.v"
            assert replay.read_text() == text, replay.name
            written.add(replay.name)
    assert written == {path.name for path in COMMITTED.glob("*.v")}


@pytest.mark.slow
def test_coq_replays_each_part_and_rejects_a_changed_multiplier(tmp_path):
    """coqc in a scratch folder (it writes .vo and .glob beside the file), on md_rate's three parts and on its
    step with one multiplier changed by 1e-6."""
    import shutil

    from mdtheory.coq import coq_replays_every_t

    if shutil.which("coqc") is None:
        pytest.skip("coqc is not installed (Debian's coq package; .ci/run installs it)")
    # the parts import the checks of proofs/coq/CertificateChecks.v (docs/certificates.md), compiled first
    coqc = ["coqc", "-Q", ".", "MDTheory"]
    for path in [ROOT / "proofs" / "coq" / "CertificateChecks.v", *COMMITTED.glob("md_rate_every_T_part*.v")]:
        shutil.copy(path, tmp_path)
        done = subprocess.run([*coqc, path.name], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    tampered = _tampered(json.loads((COMMITTED / "md_rate_every_T.json").read_text()))
    (tmp_path / "tampered.v").write_text(next(iter(coq_replays_every_t(tampered).values())))
    done = subprocess.run([*coqc, "tampered.v"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "false" in done.stdout + done.stderr


def test_gd_rate_is_proved_for_every_k_and_every_step_size_symbolically():
    """Multipliers fitted in (k, eta) -- eta on (x*, x_k), eta (k + 1) on (x_k, x_(k+1)) -- and verified with
    eta, L and k symbolic: f(x_T) - f* <= ||x_0 - x*||^2/(2 eta T) for every T, L and 0 < eta <= 1/L."""
    import sympy as sp

    from mdtheory.checker.potential_rate import _nonnegative_where_step_allowed, certify_gd_step_for_every_step_size

    proof, how = certify_gd_step_for_every_step_size()
    assert proof is not None, how
    eta = sp.Symbol("eta", positive=True)
    assert {label: (c0, c1) for label, c0, c1 in proof.multipliers} == {(0, 0, 1): (eta, 0), (0, 1, 2): (eta, eta)}
    L = sp.Symbol("L", positive=True)
    # the sign test can fail: 1 - 2 eta L is negative at eta = 1/L
    assert not _nonnegative_where_step_allowed(1 - 2 * eta * L, eta, L)
    assert _nonnegative_where_step_allowed(eta ** 2 * (1 - eta * L / 2), eta, L)


def test_a_plot_is_not_written_for_every_t_and_the_command_says_so(tmp_path, capsys):
    plot = tmp_path / "p.png"
    assert main(["worst-case", str(EXAMPLES / "gd_past_the_edge.toml"), "--plot", str(plot)]) == 0
    assert not plot.exists() and "no plot" in capsys.readouterr().err
