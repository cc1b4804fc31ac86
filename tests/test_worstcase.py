"""Worst case over function classes (PEPit), certified: exact answers where they are known (GD is
non-expansive up to eta = 2/L; the quadratic attains (1 - eta L)^T), and a certificate that must fail."""

from fractions import Fraction

import pytest

from mdtheory.cli import main
from mdtheory.checker.worst_case import WorstCaseError, _is_psd, _rebuilt, _solve, dual_certificate, worst_case_amplification
from mdtheory.worstcase import load_class_claim


def test_exact_psd_test_on_singular_and_indefinite_matrices():
    F = Fraction
    assert _is_psd([[F(1), F(1)], [F(1), F(1)]])  # singular, PSD
    assert not _is_psd([[F(1), F(2)], [F(2), F(1)]])  # eigenvalue -1
    assert not _is_psd([[F(0), F(1)], [F(1), F(0)]])  # zero pivot with a nonzero row
    assert not _is_psd([[F(1), F(0)], [F(0), F(-1, 10**30)]])  # a tiny negative eigenvalue is still negative


@pytest.mark.parametrize("eta", [Fraction(1), Fraction(19, 10), Fraction(2)])
def test_gd_up_to_the_edge_is_proved_non_expansive_over_the_class(eta):
    case = worst_case_amplification("gd", eta, 3, claimed=Fraction(1))
    assert case.upper == 1 and case.lower == 1
    assert abs(case.solver_value - 1) < 1e-4


def test_gd_past_the_edge_has_the_quadratic_as_certified_lower_bound():
    case = worst_case_amplification("gd", Fraction(11, 5), 3)
    assert case.lower == Fraction(6, 5) ** 6
    assert case.upper is not None and case.lower <= case.upper <= case.lower * Fraction(1001, 1000)
    assert float(case.lower) <= case.solver_value <= float(case.upper) * (1 + 1e-6)


def test_one_md_step_amplifies_by_at_most_kappa_over_the_class():
    case = worst_case_amplification("md", 1, 1, L_f=1, mu_phi=1, L_phi=3, claimed=Fraction(9))
    assert case.upper == 9


def test_a_certificate_from_wrong_multipliers_is_refused():
    """Halving every multiplier breaks the function-value equations or the PSD residual: no bound comes out."""
    duals, _ = _solve("gd", Fraction(1), 3, Fraction(10001, 10000), None, None)
    objective, initial, constraints, functions = _rebuilt("gd", Fraction(1), 3, Fraction(1), None, None)
    good, _, proof = dual_certificate(objective, initial, constraints, duals, functions=functions)
    assert good is not None and proof.bound == good
    objective, initial, constraints, functions = _rebuilt("gd", Fraction(1), 3, Fraction(1), None, None)
    bad, why, proof = dual_certificate(objective, initial, constraints, [duals[0]] + [d / 2 for d in duals[1:]],
                                       functions=functions)
    assert bad is None and why and proof is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="gd", eta=1.5, T=3), "float"),
    (dict(method="gd", eta=0, T=3), "eta: must be positive"),
    (dict(method="gd", eta=1, T=10**6), "exceeds the limit"),
    (dict(method="newton", eta=1, T=3), "choose gd, md or mahalanobis"),
    (dict(method="mahalanobis", eta=1, T=3), "give mu_phi and L_phi"),
    (dict(method="mahalanobis", eta=1, T=3, mu_phi=2, L_phi=1), "must be at most L_phi"),
    (dict(method="md", eta=1, T=3, mu_phi=2, L_phi=1), "must be below L_phi"),
    (dict(method="md", eta=1, T=3), "give mu_phi and L_phi"),
])
def test_bad_classes_are_refused(kwargs, message):
    with pytest.raises(WorstCaseError, match=message):
        worst_case_amplification(**kwargs)


def test_worst_case_file_and_cli(tmp_path):
    path = tmp_path / "gd.toml"
    path.write_text('[worst_case]\nmethod = "gd"\neta = "11/5"\nhorizons = [2, 4]\n\n'
                    '[claim]\nbound = "1"\nexpected = "violated"\n')
    out = tmp_path / "out.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0  # violated, as predicted
    import json

    data = json.loads(out.read_text())
    assert data["verdict"] == "violated" and [r["T"] for r in data["horizons"]] == [2, 4]
    assert Fraction(data["horizons"][0]["lower_squared"]) == Fraction(6, 5) ** 4
    path.write_text('[worst_case]\nmethod = "gd"\neta = "1"\nhorizons = [0]\n')
    with pytest.raises(WorstCaseError, match=r"\[worst_case\] horizons"):
        load_class_claim(path)
    assert main(["worst-case", str(path), "--no-progress"]) == 2


def test_a_claim_between_the_certified_bounds_is_inconclusive():
    """One MD step with kappa = 3 is certified in [3 - 2.2e-9, 3] (the SDP's worst case made exact, below;
    the certificate, above): amplification <= 3 - 1e-12 can be neither proved nor refuted."""
    import sympy as sp

    from mdtheory.checker.worst_case import ClassClaim, check_class_claim

    claim = ClassClaim("md", Fraction(1), (1,), mu_phi=Fraction(1), L_phi=Fraction(3),
                       bound=3 - sp.Rational(1, 10**12))
    assert check_class_claim(claim).verdict == "inconclusive"


@pytest.mark.parametrize("kappa", [Fraction(4), Fraction(100)])
def test_mahalanobis_at_the_edge_attains_sqrt_cond_on_both_sides(kappa):
    # T odd, eta = 2/L: the reflection in z = M^(1/2) x seen in x has norm sqrt(cond M); the upper bound is
    # cond M times GD's certificate (exactly 1)
    for T in (1, 3):
        case = worst_case_amplification("mahalanobis", Fraction(2), T, 1, 1, kappa)
        assert case.lower == kappa == case.upper


def test_mahalanobis_below_the_edge_has_the_kantorovich_projection_as_lower_bound():
    # eta = 1/L: the projection I - uu^T in z, u at 45 degrees, has Euclidean norm (1 + kappa)/(2 sqrt kappa)
    # (Kantorovich); the proved upper bound sqrt(kappa) is not reached by any instance constructed
    kappa = Fraction(100)
    for T in (1, 2):
        case = worst_case_amplification("mahalanobis", Fraction(1), T, 1, 1, kappa)
        assert case.lower == (1 + kappa) ** 2 / (4 * kappa) and case.upper == kappa


def test_mahalanobis_lower_bound_of_an_algebraic_norm_is_rounded_down():
    import sympy as sp

    from mdtheory.checker.worst_case import _mahalanobis_lower_bound

    lower, how = _mahalanobis_lower_bound(Fraction(1, 2), 3, Fraction(1), Fraction(100))
    # (1 - 1/2)^3 = 1/8: C = I - (7/8) u u^T, the larger eigenvalue of B^T B is irrational
    s = sp.Rational(7, 8)
    C = sp.Matrix([[1 - s / 2, -s / 2], [-s / 2, 1 - s / 2]])
    trace = C[0, 0] ** 2 + C[1, 1] ** 2 + 100 * C[0, 1] ** 2 + C[1, 0] ** 2 / 100
    exact = (trace + sp.sqrt(trace ** 2 - 4 * C.det() ** 2)) / 2
    assert "rounded down" in how and 0 <= exact - sp.Rational(lower.numerator, lower.denominator) < sp.Rational(1, 10**29)


def test_md_lower_bound_from_a_quadratic_phi_is_its_oblique_projection():
    # M = diag(1, 3), f = l (u.x)^2/2 at 45 degrees, eta l u.M^(-1)u = 1 at l = L_f when eta = 3/2: one step is the
    # oblique projection I - w u^T/(u.w), of squared norm ||w||^2 ||u||^2/(u.w)^2 = (10/9)(2)/(4/3)^2 = 5/4
    from mdtheory.checker.worst_case import _explicit_lower_bound

    value, how = _explicit_lower_bound("md", Fraction(3, 2), 1, Fraction(1), Fraction(1), Fraction(3))
    assert value == Fraction(5, 4) and "diag(1, 3)" in how


def test_the_banded_relaxation_gives_the_full_class_value_and_a_valid_certificate():
    from mdtheory.checker.worst_case import _certified_upper

    for method, kwargs in (("gd", dict(mu_phi=None, L_phi=None)), ("md", dict(mu_phi=Fraction(1), L_phi=Fraction(3)))):
        full = _certified_upper(method, Fraction(1, 2), 4, Fraction(1), claimed=None, band=None, **kwargs)
        banded = _certified_upper(method, Fraction(1, 2), 4, Fraction(1), claimed=None, band=0, **kwargs)
        assert banded[1] is not None and full[1] is not None
        assert banded[1] >= full[1] * (1 - Fraction(1, 10**6))  # a relaxation: never below the class's bound
        assert abs(banded[0] - full[0]) <= 1e-6 * full[0]  # and here no looser, to the solver's accuracy


@pytest.mark.parametrize("T", [1, 2, 4])
def test_gd_suboptimality_over_the_class_is_drori_teboulles_bound(T):
    # Drori & Teboulle (2014): GD with eta = 1/L, f convex L-smooth: f(x_T) - f* <= L ||x_0 - x*||^2/(4T + 2),
    # attained (a Huber function). With D = ||x_0 - x*||^2/2 <= 1 that is 1/(2T + 1). A certified upper bound can
    # never be below an attained value; rounding the multipliers may leave it a little above (T = 1 is exact):
    # the initial condition's multiplier is inflated by up to 1e-6 (INFLATIONS), about 1e-5 of the value here.
    from mdtheory.checker.worst_case import worst_case_suboptimality

    exact = Fraction(1, 2 * T + 1)
    case = worst_case_suboptimality("gd", Fraction(1), T, claimed=exact)
    assert exact <= case.upper <= exact * (1 + Fraction(1, 10**4)) and abs(case.solver_value - float(exact)) < 1e-6
    assert T > 1 or case.upper == exact
    assert case.lower == exact  # the lower end is the Huber function itself, evaluated exactly
    low, high = case.interval()
    assert low <= float(case.lower) and high >= float(case.upper)  # no square roots for this quantity


def test_md_suboptimality_obeys_the_relative_smoothness_rate_over_the_class(tmp_path):
    # f is (L_f/mu)-smooth relative to phi; with eta = mu/L_f, f(x_T) - f* <= (L_f/mu) D_phi(x*, x_0)/T (Bauschke,
    # Bolte & Teboulle 2017; Lu, Freund & Nesterov 2018): proved over the class from its file
    path = tmp_path / "md.toml"
    path.write_text('[worst_case]\nmethod = "md"\nquantity = "suboptimality"\neta = "1"\nmu_phi = "1"\nL_phi = "3"\n'
                    'horizons = [1, 2]\n\n[claim]\nbound = "1/T"\n')
    out = tmp_path / "md.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    import json

    data = json.loads(out.read_text())
    assert data["quantity"] == "suboptimality" and data["verdict"] == "proved"
    assert all(Fraction(row["upper_exact"]) <= Fraction(1, row["T"]) for row in data["horizons"])


def test_suboptimality_is_not_posed_for_mahalanobis(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[worst_case]\nmethod = "mahalanobis"\nquantity = "suboptimality"\neta = "1"\nmu_phi = "1"\n'
                    'L_phi = "3"\nhorizons = [1]\n')
    with pytest.raises(WorstCaseError, match="posed for gd and md"):
        load_class_claim(path)
    path.write_text('[worst_case]\nmethod = "gd"\nquantity = "regret"\neta = "1"\nhorizons = [1]\n')
    with pytest.raises(WorstCaseError, match="quantity: 'regret'"):
        load_class_claim(path)


def test_mahalanobis_claims_below_the_attained_value_are_violated_and_between_the_bounds_inconclusive():
    import sympy as sp

    from mdtheory.checker.worst_case import ClassClaim, check_class_claim

    edge = ClassClaim("mahalanobis", Fraction(2), (1,), mu_phi=Fraction(1), L_phi=Fraction(100), bound=sp.Integer(9))
    assert check_class_claim(edge).verdict == "violated"  # the reflection attains 10 > 9
    inside = ClassClaim("mahalanobis", Fraction(1), (1,), mu_phi=Fraction(1), L_phi=Fraction(100), bound=sp.Integer(7))
    assert check_class_claim(inside).verdict == "inconclusive"  # certified [5.05, 10]


def test_suboptimality_claims_below_the_worst_case_are_violated_even_by_1e_15():
    import sympy as sp

    from mdtheory.checker.bounds import T as T_SYMBOL
    from mdtheory.checker.worst_case import ClassClaim, check_class_claim

    # GD, eta = 1/L, T = 1: the worst case is 1/3 (Drori-Teboulle), attained exactly by a Huber function; 1/4
    # and 1/3 - 1e-15 are refuted by it
    below = ClassClaim("gd", Fraction(1), (1,), bound=1 / (4 * T_SYMBOL), quantity="suboptimality")
    assert check_class_claim(below).verdict == "violated"
    just_below = ClassClaim("gd", Fraction(1), (1,), bound=sp.Rational(1, 3) - sp.Rational(1, 10**15),
                            quantity="suboptimality")
    assert check_class_claim(just_below).verdict == "violated"
