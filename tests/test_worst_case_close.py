"""Issue 28 item 1, closing the certified interval: gd's suboptimality at eta L <= 1 has Drori & Teboulle's Huber
instance as its lower end (exactly 1/(2 eta L T + 1), the worst case), written by --instance and in the class."""

import json
from fractions import Fraction

import pytest

from mdtheory.checker.interpolation import interpolation_violations
from mdtheory.checker.huber import huber_instance
from mdtheory.cli import main


def test_gd_suboptimality_lower_end_is_the_huber_instance_exactly_one_eleventh(tmp_path):
    """At T = 5 (eta = 1, L = 1) the lower end is exactly 1/11 through the CLI, the certified upper end lies above
    it within 1e-6, and the written instance meets every interpolation inequality and has value 1/11."""
    claim = tmp_path / "gd_sub.toml"
    claim.write_text('[worst_case]\nmethod = "gd"\nquantity = "suboptimality"\neta = "1"\nhorizons = [5]\n')
    out, folder = tmp_path / "out.json", tmp_path / "instances"
    assert main(["worst-case", str(claim), "--json", str(out), "--instance", str(folder), "--no-progress"]) == 0
    case = json.loads(out.read_text())["horizons"][0]
    lower, upper = Fraction(case["lower_exact"]), Fraction(case["upper_exact"])
    assert lower == Fraction(1, 11) and "Huber" in case["how_lower"]
    assert lower <= upper and (upper - lower) / upper < Fraction(1, 10**6)
    document = json.loads((folder / "gd_sub_T5_instance.json").read_text())
    assert Fraction(document["value"]) == Fraction(document["objective"]) / Fraction(document["initial"]) == lower
    (function,) = document["functions"]
    points = [(tuple(map(Fraction, p["x"])), tuple(map(Fraction, p["g"])), Fraction(p["f"])) for p in function["points"]]
    assert interpolation_violations(Fraction(function["L"]), Fraction(function["mu"]), points) == []


@pytest.mark.parametrize("eta, L_f, T", [(Fraction(1, 2), Fraction(3, 2), 3), (Fraction(1, 3), Fraction(2), 4)])
def test_huber_instance_scales_with_l_f_and_the_step(eta, L_f, T):
    """f = L_f Huber at step eta: value L_f/(2 eta L_f T + 1), every interpolation inequality of the L_f class met."""
    instance = huber_instance(T, eta, L_f)
    assert instance.value == L_f / (2 * eta * L_f * T + 1)
    (_, L, mu, points), = instance.functions
    assert L == L_f and interpolation_violations(L, mu, list(points)) == []


def test_no_huber_instance_past_eta_l_one():
    """Past eta L = 1 the Huber run is not the worst case (Drori & Teboulle's rate needs h <= 1): none is given."""
    assert huber_instance(3, Fraction(3, 2), Fraction(1)) is None


def test_md_upper_bound_over_a_wider_band_agrees_with_band_zeros():
    """md (kappa = 9, eta = 1/5) at T = 6 over the iterates: band 1's certified upper bound (pairs of points one
    step apart posed too, with the function values' equations) agrees with band 0's within 1e-7 relative;
    both are exact upper bounds on the class, so neither may lie below the other by more than the solver's
    accuracy."""
    from mdtheory.checker.banded_dual import certified_upper

    args = ("md", Fraction(1, 5), 6, Fraction(1), Fraction(1), Fraction(9), None)
    _, band0, _, _ = certified_upper(*args, 0)
    _, band1, how, _ = certified_upper(*args, 1)
    assert band0 is not None and band1 is not None, how
    assert abs(band1 - band0) / band0 < Fraction(1, 10**7)
