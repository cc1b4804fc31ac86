"""Ground truth for the numeric engine: exact answers, closed forms, high-precision finite differences."""

import random

import mpmath
import pytest
import sympy as sp

from mdtheory.engine.context import working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import PrecisionLadder, agreeing_digits
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.symbolic.catalogue import euclidean, mahalanobis, negative_entropy
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import ETA, STEPS, MirrorDescent, affine_step, closed_form_t_step
from mdtheory.symbolic.objectives import Objective, linear, logistic, quadratic
from mdtheory.symbolic.regularizer import random_domain_point

from .conftest import catalogue_cases

HIGH_BITS = 400  # about 120 decimal digits


def relative_digits(ctx, value, exact):
    """Decimal digits of agreement between an mpf and an exact sympy number."""
    target = ctx.mpf(str(sp.N(exact, 160)))
    if value == target:
        return 10**6
    return -ctx.log10(abs(value - target) / abs(target))


def an_objective(reg):
    """A smooth, non-trivial objective on the regularizer's variables."""
    n = reg.dim
    rows = [[(i + 2 * j) % 3 - 1 + (1 if i == j else 0) for j in range(n)] for i in range(n)]
    return quadratic(reg.variables, rows, [1] * n)


def interior_point(reg):
    return random_domain_point(reg, random.Random(7), digits=40)


@pytest.mark.parametrize("make", [lambda: euclidean(2), lambda: mahalanobis([[3, 1], [1, 2]])])
def test_quadratic_md_matches_exact_rational_closed_form(make):
    reg = make()
    md = MirrorDescent(reg, quadratic(reg.variables, [[2, 1], [0, 1]], [1, -1]))
    eta, steps = sp.Rational(1, 7), 40
    M, m = affine_step(md, eta)
    x0 = sp.Matrix([3, -2])
    fixed = (sp.eye(2) - M).LUsolve(m)
    exact = fixed + M**steps * (x0 - fixed)
    spec = RunSpec.build(list(x0), [1, 0], "1e-30", eta, steps)
    series = run_mirror_descent(md, spec, HIGH_BITS)
    for value, truth in zip(series.final, exact):
        assert relative_digits(series.ctx, value, truth) >= 110


def test_entropic_md_linear_objective_matches_softmax_closed_form():
    reg = negative_entropy(4)
    c = ["1", "-1/3", "5/2", "0"]
    md = MirrorDescent(reg, linear(reg.variables, c))
    x0 = ["1/10", "2/10", "3/10", "4/10"]
    eta, steps = sp.Rational(1, 4), 200
    closed = closed_form_t_step(md)
    at = {**dict(zip(reg.variables, map(sp.Rational, x0))), ETA: eta, STEPS: steps}
    exact = [e.subs(at) for e in closed]
    series = run_mirror_descent(md, RunSpec.build(x0, [1, -1, 0, 0], "1e-40", eta, steps), HIGH_BITS)
    for value, truth in zip(series.final, exact):
        assert relative_digits(series.ctx, value, truth) >= 100


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_jacobian_matches_central_differences(name, reg):
    md = MirrorDescent(reg, an_objective(reg))
    kernel = MirrorDescentKernel(md)
    x0 = interior_point(reg)
    eta = sp.Rational(1, 50)
    ctx = working_context(600)
    x = [ctx.exact(v) for v in x0]
    step = lambda point: kernel.step(ctx, point, ctx.exact(eta))
    jacobian = kernel.jacobian(ctx, x, step(x), ctx.exact(eta))
    h = ctx.mpf(10) ** -50
    directions = (
        [[1 if k == j else -1 if k == (j + 1) % reg.dim else 0 for k in range(reg.dim)] for j in range(reg.dim)]
        if reg.domain is Domain.SIMPLEX else
        [[1 if k == j else 0 for k in range(reg.dim)] for j in range(reg.dim)]
    )
    for direction in directions:
        forward = step([xi + h * di for xi, di in zip(x, direction)])
        backward = step([xi - h * di for xi, di in zip(x, direction)])
        finite = [(f - b) / (2 * h) for f, b in zip(forward, backward)]
        analytic = jacobian * ctx.matrix(direction)
        scale = max(abs(v) for v in finite)
        error = max(abs(analytic[i] - finite[i]) for i in range(reg.dim))
        assert error <= scale * ctx.mpf(10) ** -80, (name, direction, error)


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_inverse_mirror_map_round_trips_to_60_digits(name, reg):
    kernel = MirrorDescentKernel(MirrorDescent(reg, an_objective(reg)))
    ctx = working_context(256)
    rng = random.Random(99)
    for _ in range(3):
        point = [ctx.exact(v) for v in random_domain_point(reg, rng, digits=60)]
        seed = [v * ctx.mpf("0.8") + ctx.mpf("0.01") for v in point]  # not the answer
        back = kernel.inverse(ctx, kernel.mirror_map(ctx, point), seed)
        for b, p in zip(back, point):
            assert abs(b - p) <= abs(p) * ctx.mpf(10) ** -60, name


def test_known_growth_rate_of_a_diagonal_linear_map():
    # f = -(x1^2 + 3 x2^2)/2 makes GD the diagonal map diag(1 + eta, 1 + 3 eta): along e2 the tangent
    # grows exactly by T log(1 + 3 eta), i.e. at rate log(1 + 3 eta)/eta per unit eta*T.
    reg = euclidean(2)
    x1, x2 = reg.variables
    md = MirrorDescent(reg, Objective("expanding", -(x1**2 + 3 * x2**2) / 2, reg.variables))
    eta, steps = sp.Rational(1, 10), 300
    ladder = PrecisionLadder(256).run(
        lambda bits: run_mirror_descent(md, RunSpec.build([1, 1], [0, 1], "1e-30", eta, steps), bits)
    )
    fine = ladder.fine
    rate = fine.log_tangent_amplification[-1] / fine.eta_t[-1]
    exact_rate = sp.log(1 + 3 * eta) / eta
    assert relative_digits(fine.ctx, rate, exact_rate) >= 70
    assert ladder.trusted_digits("log_tangent_amplification") >= 70
    # The finite amplification of an exactly linear map is the same number.
    assert relative_digits(fine.ctx, fine.ctx.log(fine.amplification[-1]) / fine.eta_t[-1], exact_rate) >= 40


def test_ladder_trusts_only_surviving_digits():
    ctx = working_context(200)
    assert agreeing_digits(ctx.mpf("1.2345678"), ctx.mpf("1.2345679"), ctx, 50) == 7
    assert agreeing_digits(ctx.mpf(0), ctx.mpf(0), ctx, 50) == 50
    assert agreeing_digits(ctx.mpf("1e-30"), ctx.mpf(0), ctx, 50) == 0


def test_separation_loses_exactly_the_cancelled_digits():
    reg = euclidean(1)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1]], [0]))
    spec = RunSpec.build(["1"], ["1"], "1e-20", "1/2", 5)
    ladder = PrecisionLadder(128).run(lambda bits: run_mirror_descent(md, spec, bits))
    # 128 bits carry 38 digits; subtracting two O(1) numbers 1e-20 apart leaves about 18.
    assert 15 <= ladder.trusted_digits("separation") <= 20


def test_runs_do_not_touch_the_global_mpmath_context():
    before = mpmath.mp.prec
    reg = negative_entropy(3)
    md = MirrorDescent(reg, logistic(reg.variables, [[1, 0, 2], [0, 1, -1]], [1, -1]))
    run_mirror_descent(md, RunSpec.build(["1/3"] * 3, [1, -1, 0], "1e-10", "1/2", 5), 333)
    assert mpmath.mp.prec == before


def test_float64_run_uses_the_same_kernel():
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1, 0], [0, 2]], [0, 0]))
    spec = RunSpec.build([1, 1], [1, 0], "1e-3", "1/4", 10)
    float_run = run_mirror_descent(md, spec, None)
    precise = run_mirror_descent(md, spec, 200)
    assert abs(float(precise.separation[-1]) - float(float_run.separation[-1])) < 1e-15


def test_the_derived_model_is_derived_and_compiled_once_and_an_oracle_kernel_derives_only_phi():
    from mdtheory.engine.objective import CompiledObjective
    from mdtheory.symbolic.model import derive_geometry, derive_model

    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, ["0", "1", "2"]))
    first, second = MirrorDescentKernel(md), MirrorDescentKernel(md)
    assert first.model is second.model and first.model.model is derive_model(md)
    # x+ = x exp(-eta c) / <x, exp(-eta c)>, the closed form the model carries, in exact arithmetic
    x, eta = sp.symbols("x1:4", positive=True), derive_model(md).step_arguments[3]
    weights = [x[0], x[1] * sp.exp(-eta), x[2] * sp.exp(-2 * eta)]
    expected = [w / sum(weights) for w in weights]
    assert all(sp.simplify(a - b) == 0 for a, b in zip(derive_model(md).step, expected))
    # an oracle for c = (0, 1, 2) on an MD whose own f has c = (0, 1, 3): the kernel must use the oracle
    # and never derive or compile its f
    oracle = CompiledObjective(first.model)
    with_oracle = MirrorDescentKernel(MirrorDescent(reg, linear(reg.variables, ["0", "1", "3"])), oracle)
    assert with_oracle.model is None and with_oracle.maps.geometry is derive_geometry(reg)
    ctx = working_context(128)
    point = [ctx.exact("1/2"), ctx.exact("1/3"), ctx.exact("1/6")]
    # the oracle kernel takes the dual step and the inverse, the other the composed step: equal up to rounding
    through_inverse, composed = (k.step(ctx, point, ctx.exact("1/10")) for k in (with_oracle, first))
    assert max(abs(a - b) for a, b in zip(through_inverse, composed)) < ctx.ldexp(1, -120)


def test_the_entropic_t_step_is_the_closed_form_derived_from_phi():
    # engine.closed_forms evaluates x_T = softmax(log x_0 - eta T c) by hand (grouped, overflow-safe); the
    # reference is the map the symbolic layer derives from negative entropy, at exact points in 300 bits
    from mdtheory.engine.closed_forms import entropic_t_step

    reg = negative_entropy(3)
    costs = [sp.Integer(0), sp.Rational(1, 3), sp.Integer(2)]
    closed = closed_form_t_step(MirrorDescent(reg, linear(reg.variables, costs)))
    ctx = working_context(300)
    for start, s in (([sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 6)], sp.Rational(7, 2)),
                     ([sp.Rational(1, 10**6), sp.Rational(1, 2), sp.Rational(1, 2) - sp.Rational(1, 10**6)], 40)):
        exact = closed.subs({**dict(zip(reg.variables, start)), ETA: s, STEPS: 1})
        evaluated = entropic_t_step(ctx, [1, 1, 1], [ctx.exact(v) for v in start], [ctx.exact(c) for c in costs],
                                    ctx.exact(s))
        for value, reference in zip(evaluated, exact):
            assert abs(value - ctx.mpf(sp.N(reference, 100))) <= ctx.ldexp(abs(value), -290)
