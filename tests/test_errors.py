"""Bad input gets a clear error that names the problem and the fix, never a wrong number."""

import pytest

from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.errors import (
    DomainError,
    ExpressionError,
    InverseMirrorMapFallbackWarning,
    NewtonConvergenceError,
    PrecisionError,
    StepSizeError,
)
from mdtheory.engine.context import working_context
from mdtheory.symbolic.catalogue import euclidean, log_barrier, negative_entropy, tsallis
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import linear, quadratic
from mdtheory.symbolic.regularizer import Regularizer


def entropic_md():
    reg = negative_entropy(3)
    return MirrorDescent(reg, linear(reg.variables, [1, 0, -1]))


def run(md, x0, direction, eps="1e-10", eta="1/10", steps=3):
    return run_mirror_descent(md, RunSpec.build(x0, direction, eps, eta, steps), 80)


def test_start_outside_the_orthant():
    reg = log_barrier(2)
    md = MirrorDescent(reg, linear(reg.variables, [1, 1]))
    with pytest.raises(DomainError, match="x0 is outside the positive orthant.*coordinate 1"):
        run(md, ["1", "-1/2"], [1, 0])


def test_start_off_the_simplex():
    with pytest.raises(DomainError, match="sum to 11/10, not 1; normalize"):
        run(entropic_md(), ["1/2", "1/2", "1/10"], [1, -1, 0])


def test_perturbation_that_leaves_the_simplex():
    with pytest.raises(DomainError, match="perturbation leaves the simplex.*zero-sum"):
        run(entropic_md(), ["1/3", "1/3", "1/3"], [1, 0, 0])


def test_perturbed_start_outside_the_domain():
    with pytest.raises(DomainError, match="perturbed start"):
        run(entropic_md(), ["1/2", "499/1000", "1/1000"], [1, -1, 0], eps="1")


def test_zero_direction():
    with pytest.raises(DomainError, match="direction is zero"):
        run(entropic_md(), ["1/3", "1/3", "1/3"], [0, 0, 0])


@pytest.mark.parametrize("eta", ["0", "-1/10"])
def test_non_positive_step(eta):
    with pytest.raises(StepSizeError, match="must be positive"):
        run(entropic_md(), ["1/3", "1/3", "1/3"], [1, -1, 0], eta=eta)


def test_python_float_constants_are_refused():
    with pytest.raises(ExpressionError, match="exact strings"):
        RunSpec.build([0.1, 0.9], [1, -1], "1e-3", "1/10", 2)


def test_iterate_leaving_the_domain_names_the_step_size():
    reg = log_barrier(1)
    md = MirrorDescent(reg, linear(reg.variables, [-1]))
    # y = -1/x + eta reaches 0 after a few steps: the iterate would leave the orthant.
    with pytest.raises(DomainError, match="outside the image of grad phi.*reduce eta"):
        run(md, ["1"], [1], eta="1/2", steps=5)


def test_newton_non_convergence_is_reported():
    # grad phi maps onto the open unit ball, so a dual step outside it has no preimage.
    reg = Regularizer.from_text("sqrt(1 + x1**2 + x2**2)", 2, "reals")
    md = MirrorDescent(reg, linear(reg.variables, [3, 0]))
    with pytest.raises(NewtonConvergenceError, match="did not converge.*reduce eta"):
        run(md, ["0", "0"], [1, 0], eta="1", steps=1)


def test_closed_form_inverse_that_fails_its_round_trip_falls_back_to_newton():
    reg = Regularizer.from_text("x1**4/4 + x1**2/2", 1, "reals")
    with pytest.warns(InverseMirrorMapFallbackWarning, match="falling back to Newton"):
        inverse = inverse_mirror_map(reg)
    assert inverse.kind == "numerical"
    md = MirrorDescent(reg, quadratic(reg.variables, [[1]], [2]))
    series = run(md, ["1"], [1], steps=4)
    assert series.final[0] > 1  # moved towards the minimizer x = 2, via Newton


def test_precision_below_float64_is_refused():
    with pytest.raises(PrecisionError, match=">= 53"):
        working_context(20)


def test_tsallis_wrong_branch_is_caught_not_silently_used():
    reg = tsallis(1, "1/2", "positive")
    md = MirrorDescent(reg, linear(reg.variables, [-5]))
    # y = -1/sqrt(x)*... + 5 eta turns positive; (y)^(-2) would still be a positive number, but not the inverse.
    with pytest.raises(DomainError, match="outside the image"):
        run(md, ["1"], [1], eta="1", steps=3)


def test_mismatched_dimensions():
    reg = euclidean(2)
    md = MirrorDescent(reg, linear(reg.variables, [1, 1]))
    with pytest.raises(DomainError, match="dimension 2"):
        run(md, ["1", "2", "3"], [1, 0, 0])
