"""PEPit's Bregman examples, two-sided (issue 28 item 3): exact instances in PEPit's classes give the certified
lower ends, the potentials (tests/test_worst_case_every_t.py) and the NoLips divergence lemmas the upper ends;
the ground truth is each docstring's theory, 1/(gamma n) and 2/(n (n - 1)), in exact rationals."""

from fractions import Fraction

import pytest

from mdtheory.checker import pepit_bregman as pb
from mdtheory.checker.worst_case import WorstCaseError

SOLVER_AGREEMENT = 1e-8  # PEPit's float (CLARABEL's accuracy; SCS, cvxpy's default, is 4.6e-7 off at n = 10) vs exact


@pytest.mark.parametrize("gamma", [Fraction(1, 2), Fraction(1), Fraction(3)])
@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_the_kink_instances_meet_one_over_gamma_n_exactly(gamma, n):
    """NoLips in function value and the Bregman proximal point: the instance's ratio is 1/(gamma n), exactly,
    so with the potential's proof the interval is closed: [1/(gamma n), 1/(gamma n)]."""
    nolips = pb.nolips_function_value_instance(gamma, Fraction(1), n)
    proximal = pb.bregman_proximal_point_instance(gamma, n)
    assert nolips.ratio == proximal.ratio == 1 / (gamma * n)
    assert nolips.iterates == proximal.iterates == (Fraction(1),) * (n + 1)  # the kink holds the iterate


@pytest.mark.parametrize("n", [2, 3, 4, 10])
def test_the_staircase_instance_meets_two_over_n_n_minus_1_exactly(n):
    """NoLips in Bregman divergence: every D_h(x_(t-1); x_t) equals gamma, D_h(x*; x_0) = gamma n (n - 1)/2."""
    instance = pb.nolips_divergence_instance(Fraction(1), Fraction(1), n)
    assert instance.ratio == Fraction(2, n * (n - 1))
    assert instance.iterates == tuple(Fraction(n - t) for t in range(n + 1))


def test_an_instance_outside_the_class_is_refused():
    """A nonconvex kernel (slopes falling) is caught by the exact class check, not evaluated."""
    f1 = pb.linear(Fraction(1))
    h = pb.PiecewiseLinear(((Fraction(1), Fraction(0)),), Fraction(2), Fraction(0))
    with pytest.raises(WorstCaseError, match="L h - f_1 convex"):
        pb._nolips_run(h, f1, Fraction(1), Fraction(1), Fraction(1), Fraction(1), 2)


def test_the_step_takes_the_named_end_of_its_optimality_set():
    """Where the kernel is flat the step's optimality set is a segment: the simulator takes the end asked for."""
    h = pb.PiecewiseLinear(((Fraction(0), Fraction(0)), (Fraction(2), Fraction(2))), Fraction(-1), Fraction(3))
    assert pb._optimality_point(h, Fraction(1), nonnegative=True) == 2
    assert pb._optimality_point(h, Fraction(1), nonnegative=True, largest=False) == 0
    assert pb._optimality_point(h, Fraction(-5), nonnegative=True) == 0  # the normal at 0 takes the rest
    with pytest.raises(WorstCaseError):
        pb._optimality_point(h, Fraction(3), nonnegative=True)  # flat to the right: no largest point


def test_the_instances_hold_for_every_n_symbolically():
    assert len(pb.kink_instances_for_every_n()) == 2
    assert len(pb.divergence_instance_for_every_n()) == 2
    assert len(pb.nonconvex_instances_for_every_n()) == 2


def test_the_lemmas_telescope_for_every_n_and_a_wrong_weight_is_caught():
    import dataclasses

    for telescoping in (pb.DIVERGENCE_SUM, pb.NONCONVEX_SUM):
        assert "symbolically" in pb.telescopes_for_every_n(telescoping)[1]
    wrong = tuple((lemma, (lambda k, n: k + 1) if lemma == "descent" else weight, steps)
                  for lemma, weight, steps in pb.DIVERGENCE_SUM.combination)
    with pytest.raises(WorstCaseError, match="telescope"):
        pb.telescopes_for_every_n(dataclasses.replace(pb.DIVERGENCE_SUM, combination=wrong))
    short = ((lemma, weight, (0, "n - 2")) for lemma, weight, _ in pb.NONCONVEX_SUM.combination)  # one step short
    with pytest.raises(WorstCaseError, match="telescope"):
        pb.telescopes_for_every_n(dataclasses.replace(pb.NONCONVEX_SUM, combination=tuple(short)))


def test_nolips_in_bregman_divergence_is_proved_for_every_n_and_the_interval_closes():
    """gamma = 1/L (PEPit's docstring): the four lemmas have exact certificates; the proved 2/(n (n - 1)) equals
    the instance's value at every n tried, so the certified interval has width 0."""
    proof, how = pb.certify_nolips_divergence(Fraction(1), Fraction(1))
    assert proof is not None, how
    for part in proof.lemmas:
        assert all(value > 0 for _, value, _ in part.inequalities)
        assert all(d > 0 for d, _ in part.factors)
    for n in range(2, 9):
        assert pb.nolips_divergence_instance(Fraction(1), Fraction(1), n).ratio == Fraction(2, n * (n - 1))


@pytest.mark.parametrize("gamma", [Fraction(1, 2), Fraction(1, 3)])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_the_nonconvex_instances_meet_the_docstrings_exactly(gamma, n):
    """no_lips_1: gamma/(n (1 - L gamma)) (the descent lemma an equality at every step); no_lips_2: gamma/n."""
    first = pb.nolips_nonconvex_instance("no_lips_1", gamma, Fraction(1), n)
    second = pb.nolips_nonconvex_instance("no_lips_2", gamma, Fraction(1), n)
    assert first.ratio == gamma / (n * (1 - gamma))
    assert second.ratio == gamma / n


def test_nolips_nonconvex_is_proved_for_every_n_at_the_docstrings_parameters():
    """PEPit's no_lips_1 (L = 1, gamma = 1/2: 1/n) and no_lips_2 (L = 1, gamma = 1: 1/n): one exact lemma each."""
    for example, gamma in (("no_lips_1", Fraction(1, 2)), ("no_lips_2", Fraction(1))):
        proof, how = pb.certify_nolips_nonconvex(example, gamma, Fraction(1))
        assert proof is not None, how
        assert all(d > 0 for d, _ in proof.lemmas[0].factors)
    assert pb.certify_nolips_nonconvex("no_lips_1", Fraction(1), Fraction(1))[0] is None  # gamma = 1/L: no rate


@pytest.mark.slow
def test_nolips_in_bregman_divergence_is_not_proved_past_one_over_l_and_proved_below():
    assert pb.certify_nolips_divergence(Fraction(3, 2), Fraction(1))[0] is None
    assert pb.certify_nolips_divergence(Fraction(1, 2), Fraction(1))[0] is not None
    assert pb.certify_nolips_nonconvex("no_lips_2", Fraction(3, 2), Fraction(1))[0] is None


# (PEPit example, its keyword arguments at the docstring's parameters, the exact value, its instance)
PEPIT_FLOATS = [
    ("no_lips_in_function_value", {"L": 1, "gamma": 0.5, "n": 3}, Fraction(2, 3),
     lambda: pb.nolips_function_value_instance(Fraction(1, 2), Fraction(1), 3)),
    ("bregman_proximal_point", {"gamma": 3, "n": 5}, Fraction(1, 15),
     lambda: pb.bregman_proximal_point_instance(Fraction(3), 5)),
    ("no_lips_in_bregman_divergence", {"L": 1, "gamma": 1, "n": 10}, Fraction(2, 90),
     lambda: pb.nolips_divergence_instance(Fraction(1), Fraction(1), 10)),
    ("no_lips_1", {"L": 1, "gamma": 0.5, "n": 5}, Fraction(1, 5),
     lambda: pb.nolips_nonconvex_instance("no_lips_1", Fraction(1, 2), Fraction(1), 5)),
    ("no_lips_2", {"L": 1, "gamma": 1, "n": 3}, Fraction(1, 3),
     lambda: pb.nolips_nonconvex_instance("no_lips_2", Fraction(1), Fraction(1), 3)),
]


@pytest.mark.slow
@pytest.mark.parametrize("example, arguments, exact, instance", PEPIT_FLOATS, ids=[e[0] for e in PEPIT_FLOATS])
def test_pepits_float_lies_at_the_closed_interval(example, arguments, exact, instance):
    """PEPit's solve at its docstring's parameters is within its solver's accuracy of the closed interval
    [instance, proved bound] = [exact, exact]."""
    import importlib

    folder = "nonconvex_optimization" if example in ("no_lips_1", "no_lips_2") else "composite_convex_minimization"
    module = importlib.import_module(f"PEPit.examples.{folder}.{example}")
    pepit, theory = getattr(module, f"wc_{example}")(wrapper="cvxpy", solver="CLARABEL", verbose=-1,
                                                   **arguments)
    assert instance().ratio == exact
    assert abs(theory - float(exact)) < 1e-15 and abs(pepit - float(exact)) < SOLVER_AGREEMENT
