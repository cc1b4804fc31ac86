"""Issue 28 item 1: md's amplification past the full class's horizon, its lower bound read out of the banded PEP
solved over the iterates by Clarabel directly (mdtheory.checker.banded_primal), made exact and checked against
every interpolation inequality of the class (mdtheory.checker.interpolation)."""

import importlib
from fractions import Fraction

import pytest

from mdtheory.checker import banded_dual
from mdtheory.checker.interpolation import interpolation_violations
from mdtheory.checker.worst_case import AMPLIFICATION, PRIMAL_BAND, _solve, sdp_instance

banded_primal = importlib.import_module("mdtheory.checker.banded_primal")
KAPPA_9 = (Fraction(1), Fraction(1), Fraction(9))  # L_f, mu_phi, L_phi
ETA = Fraction(1, 5)


def test_the_primal_over_the_iterates_has_pepits_band_one_value():
    """The same banded SDP (PRIMAL_BAND) posed two ways (over PEPit's leaves through cvxpy, over the iterates straight to
    Clarabel): the values agree to the solvers' accuracy."""
    T = 3
    *_, value = banded_primal.solve_primal("md", ETA, T, *KAPPA_9, PRIMAL_BAND)
    _, pepit_value = _solve("md", ETA, T, *KAPPA_9, PRIMAL_BAND)
    assert abs(value - pepit_value) <= 1e-6 * pepit_value


def test_its_instance_is_in_the_class_and_meets_the_upper_bound():
    """The instance from the new path: every interpolation inequality of the exact class holds at its written
    points (checked here independently of PEPit's expressions), its value is the objective over the initial
    quantity, and it lies below the certified upper bound and within 1e-6 of it (relative, the amplification)."""
    T = 4
    instance, why = sdp_instance("md", ETA, T, *KAPPA_9, AMPLIFICATION, PRIMAL_BAND)
    assert instance is not None, why
    for name, L, mu, triples in instance.functions:
        assert interpolation_violations(L, mu, triples) == [], name
    assert instance.value == instance.objective / instance.initial
    _, upper, how, _ = banded_dual.certified_upper("md", ETA, T, *KAPPA_9, None)
    assert upper is not None, how
    assert instance.value <= upper
    assert 1 - (instance.value / upper) <= 2e-6  # squared: 1e-6 on the amplification


@pytest.mark.slow
def test_past_the_full_class_the_instance_reaches_the_band_sdps_value():
    """At T = 24 (PEPit's band-1 solve, the path before, took 2.5 GB there): the exact instance's amplification within
    1e-6 of the banded SDP's (its solver's value, an upper bound on the class up to the solver's accuracy), and below
    the certified upper bound of the band-0 relaxation."""
    T = 24
    instance, why = sdp_instance("md", ETA, T, *KAPPA_9, AMPLIFICATION, PRIMAL_BAND)
    assert instance is not None, why
    *_, value = banded_primal.solve_primal("md", ETA, T, *KAPPA_9, PRIMAL_BAND)
    assert abs(float(instance.value) / value - 1) <= 2e-6  # squared: 1e-6 on the amplification
    _, upper, how, _ = banded_dual.certified_upper("md", ETA, T, *KAPPA_9, None)
    assert upper is not None, how
    assert instance.value <= upper
    assert 1 - (instance.value / upper) <= 2e-4  # squared; the band-0 upper bound is the looser side (docs)
