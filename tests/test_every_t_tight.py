"""Issue 28, item 2 for GD's suboptimality: Drori & Teboulle's L/(2 eta L T + 1), both ends, for every T.

The upper end is a dual certificate whose multipliers are closed forms in (i, T), verified symbolically in T
(``tight_gd.prove_for_every_t``) and exactly, from the class's interpolation forms, at T = 1..30; the lower end is
a Huber instance, exact at T = 1..30 by simulation in Fractions. Ground truth: Drori & Teboulle 2014, Theorems 3.1
and 3.2 (L R^2/(4 T h + 2), R^2 = 2 in mdtheory's normalization ||x_0 - x*||^2/2 <= 1)."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from mdtheory.checker import huber, tight_gd
from mdtheory.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "every_t" / "gd_tight.toml"


def _claim(tmp_path, bound, expected, eta="1", L_f="1") -> Path:
    path = tmp_path / "claim.toml"
    path.write_text(f'[worst_case]\nmethod = "gd"\nquantity = "suboptimality"\neta = "{eta}"\nL_f = "{L_f}"\n'
                    f'horizons = "all"\n\n[claim]\nbound = "{bound}"\nexpected = "{expected}"\n')
    return path


def _run(tmp_path, path) -> tuple[int, dict]:
    out = tmp_path / "out.json"
    code = main(["worst-case", str(path), "--json", str(out)])
    return code, json.loads(out.read_text())


def test_the_tight_rate_is_proved_for_every_t_and_both_ends_meet(tmp_path, capsys):
    code, data = _run(tmp_path, EXAMPLE)
    assert code == 0 and data["verdict"] == "proved"
    assert data["tight"]["worst_case"] == "1/(2*T + 1)" and data["tight"]["proved_for_every_t"]
    out = capsys.readouterr().out
    assert "certified for every T: f(x_T) - f* <= L_f/(2 eta L_f T + 1) = 1/(2*T + 1)" in out
    assert "the two ends meet for every T" in out


def test_certificate_says_why_no_file_is_written(tmp_path, capsys):
    """The proof's multipliers are closed forms in T: --certificate writes nothing and says so (not that no
    potential was certified)."""
    folder = tmp_path / "certs"
    assert main(["worst-case", str(EXAMPLE), "--certificate", str(folder), "--no-progress"]) == 0
    assert "no certificate (the proof's multipliers are closed forms in T" in capsys.readouterr().out
    assert not folder.exists() or not list(folder.glob("*.json"))


def test_a_claim_below_the_worst_case_is_violated_by_the_huber_instance(tmp_path):
    code, data = _run(tmp_path, _claim(tmp_path, "1/(2*T + 2)", "violated"))
    assert code == 0 and data["verdict"] == "violated" and "1/3 at T = 1" in data["why"]
    # below only from T = 4 on: 1/(2T + 1) > 1/(2T + 1/2 + T/8) exactly when T/8 > 1/2
    code, data = _run(tmp_path, _claim(tmp_path, "1/(2*T + 1/2 + T/8)", "violated"))
    assert code == 0 and data["verdict"] == "violated" and "T = 5" in data["why"]


def test_other_step_sizes_up_to_one_over_l_are_proved_with_their_own_rate(tmp_path):
    """eta L = 1/2 (L = 2, eta = 1/4): L/(2 eta L T + 1) = 2/(T + 1); just below it is violated."""
    code, data = _run(tmp_path, _claim(tmp_path, "2/(T + 1)", "proved", eta="1/4", L_f="2"))
    assert code == 0 and data["verdict"] == "proved" and data["tight"]["worst_case"] == "2/(T + 1)"
    code, data = _run(tmp_path, _claim(tmp_path, "199/(100*(T + 1))", "violated", eta="1/4", L_f="2"))
    assert code == 0 and data["verdict"] == "violated"


def test_past_one_over_l_the_tight_proof_is_not_used(tmp_path):
    """eta L = 3/2: Drori & Teboulle's multipliers do not hold there (the adjacent weight changes sign); the
    potential cannot prove 1/(3T + 1) either, so the answer stays inconclusive, not proved."""
    code, data = _run(tmp_path, _claim(tmp_path, "1/(3*T + 1)", "proved", eta="3/2"))
    assert code == 3 and data["verdict"] == "inconclusive" and "tight" not in data


def test_the_symbolic_proof_holds_for_every_t():
    proved, checks = tight_gd.prove_for_every_t()
    assert proved, checks
    assert any("row i of W sums to 0" in check for check in checks)


@pytest.mark.parametrize("h", [Fraction(1), Fraction(1, 2), Fraction(2, 7)])
def test_the_closed_forms_are_exact_certificates_at_t_1_to_30(h):
    """At each T the certificate is built from the class's interpolation forms (not from the closed forms of the
    residual), its residual factored by exact LDL^T, and compared entry by entry with tau/2 v v^T + Laplacian; the
    Huber instance's ratio is exactly 1/(2 h T + 1)."""
    for T in range(1, tight_gd.EXACT_HORIZONS + 1):
        fixed = tight_gd.exact_certificate(T, h)
        assert fixed.factors is not None and fixed.matches_closed_form, T
        assert huber.huber_ratio(T, h) == 1 / (2 * h * T + 1)
        assert huber.huber_class_violations(T, h) == [], T


def test_the_class_check_rejects_a_function_that_is_not_one_smooth(monkeypatch):
    """The Huber instance's class check can fail: values x^2/2 everywhere with slopes clipped at 1 are no convex
    1-smooth function's values and gradients."""
    monkeypatch.setattr(huber, "_huber", lambda x: x * x / 2)
    assert huber.huber_class_violations(3, Fraction(1)) != []


def test_published_values_at_small_t():
    """Drori & Teboulle at h = 1: 1/3, 1/5, 1/7; lambda_i = (i + 1)/(2T - i) at T = 5: 1/10, 2/9, 3/8, 4/7, 5/6."""
    assert [tight_gd.tau(T, Fraction(1)) for T in (1, 2, 3)] == [Fraction(1, 3), Fraction(1, 5), Fraction(1, 7)]
    assert [tight_gd.lam(i, 5) for i in range(5)] == [Fraction(1, 10), Fraction(2, 9), Fraction(3, 8),
                                                     Fraction(4, 7), Fraction(5, 6)]


def _right_at_t_one_only(i, T):
    """mu_i at T = 1 (1/2, 1/2), but 1/(T + 1) for every i: right at T = 1 only."""
    return Fraction(1, T + 1)


def test_a_multiplier_right_at_t_one_only_is_rejected():
    assert tight_gd.exact_certificate(1, Fraction(1), multiplier_b=_right_at_t_one_only).matches_closed_form
    with pytest.raises(Exception, match="do not cancel"):
        tight_gd.exact_certificate(2, Fraction(1), multiplier_b=_right_at_t_one_only)


def test_one_multiplier_changed_by_1e6_breaks_the_fixed_t_certificate():
    """lambda_1 raised by 1e-6 at T = 4, mu moved with it so that the values still cancel: the residual is no
    longer PSD (the Huber direction is in its kernel), and exact LDL^T says so."""
    changed_a = lambda i, T: tight_gd.lam(i, T) + (Fraction(1, 10**6) if i == 1 else 0)
    changed_b = lambda i, T: changed_a(i, T) - (changed_a(i - 1, T) if i else 0) if i < T else 1 - changed_a(T - 1, T)
    fixed = tight_gd.exact_certificate(4, Fraction(1), changed_a, changed_b)
    assert not fixed.matches_closed_form and fixed.factors is None


@pytest.mark.parametrize("lambda_form, mu_form", [
    (None, lambda i, T: 1 / (T + 1)),  # mu_i = 1/2 at T = 1 for i = 0 and 1: right at T = 1 only
    (lambda i, T: (i + 1) / (2 * T), None),  # lambda_0 = 1/2 at T = 1: right at T = 1 only
    (lambda i, T: (i + 1) / (2 * T - i), lambda i, T: (i + 1) / (2 * T - i) - i / (2 * T + 2 - i)),  # off by one
])
def test_the_symbolic_proof_rejects_a_closed_form_right_at_one_t_only(lambda_form, mu_form):
    proved, checks = tight_gd.prove_for_every_t(lambda_form, mu_form)
    assert not proved and checks[0].startswith("not verified")


def test_the_fixed_t_worst_case_brackets_the_closed_form():
    """The fixed-horizon PEP (worst_case, its own certificate and instance) at T = 1..3 holds 1/(2T + 1) inside
    its certified interval: the closed form is neither above its upper end nor below its lower end."""
    from mdtheory.checker.worst_case import worst_case_suboptimality

    for T in (1, 2, 3):
        case = worst_case_suboptimality("gd", Fraction(1), T)
        assert case.lower <= tight_gd.tau(T, Fraction(1)) <= case.upper
