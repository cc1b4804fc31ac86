"""The flint backend and the matrix-level oracle against the mpmath reference and exact answers."""

import random

import numpy as np
import pytest
import sympy as sp

from mdtheory.engine.context import ArbContext, Float64Context, decimal_digits, flint_precision, working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import agreeing_digits
from mdtheory.engine.oracles import MatrixObjectiveOracle
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.errors import InverseMirrorMapFallbackWarning
from mdtheory.symbolic.catalogue import euclidean, hypentropy, mahalanobis
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.inverse import inverse_mirror_map
from mdtheory.symbolic.matrix_objectives import least_squares
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.regularizer import Regularizer, random_domain_point

from .conftest import catalogue_cases
from .test_engine import an_objective, interior_point

BITS = 160
# Two correctly rounded backends round differently inside a step; over a run those differences are
# amplified exactly like the reference's own rounding, which the ladder measures as its trusted digits.
# A backend may lose at most this many digits beyond them.
BACKEND_DIGIT_SLACK = 2


def a_direction(reg):
    """Not an invariant direction of ``an_objective`` (along one, the tangent can stay exactly 1 in one
    backend's rounding and not in another's, which says nothing about either)."""
    if reg.domain is Domain.SIMPLEX:
        return [1, -1] + [0] * (reg.dim - 2)
    return list(range(1, reg.dim + 1))


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_flint_backend_agrees_with_the_mpmath_reference_to_its_trusted_digits(name, reg):
    md = MirrorDescent(reg, an_objective(reg))
    kernel = MirrorDescentKernel(md)
    spec = RunSpec.build(interior_point(reg), a_direction(reg), "1e-25", "1/50", 40, record_every=10)
    coarse = run_mirror_descent(md, spec, BITS, kernel)
    fine = run_mirror_descent(md, spec, 2 * BITS, kernel)
    fast = run_mirror_descent(md, spec, BITS, kernel, backend="flint")
    ctx = fine.ctx
    # The tangent is compared as the amplification exp(log ||J v||), whose relative digits are absolute
    # digits of the log (a log-amplification of exactly 0 has no relative digits to speak of).
    compared = {
        "separation": lambda s: s.separation,
        "objective": lambda s: s.objective,
        "tangent amplification": lambda s: [ctx.exp(ctx.mpf(v)) for v in s.log_tangent_amplification],
    }
    for field, values in compared.items():
        for c, f, b in zip(values(coarse), values(fine), values(fast)):
            trusted = agreeing_digits(c, f, ctx, decimal_digits(coarse.ctx))  # no more than BITS carry
            assert agreeing_digits(b, f, ctx, decimal_digits(coarse.ctx)) >= trusted - BACKEND_DIGIT_SLACK, (name, field)
    assert fast.ctx.prec == BITS and isinstance(fast.final[0], type(fast.ctx.mpf(0)))  # mpf out, like the reference


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_tangent_equals_the_jacobian_times_the_direction(name, reg):
    md = MirrorDescent(reg, an_objective(reg))
    kernel = MirrorDescentKernel(md)
    ctx = working_context(300)
    eta = ctx.exact(sp.Rational(1, 50))
    x = [ctx.exact(v) for v in interior_point(reg)]
    x_next = kernel.step(ctx, x, eta)
    w = [ctx.exact(v) for v in a_direction(reg)]
    jvp = kernel.tangent(ctx, x, x_next, eta, w)
    full = kernel.jacobian(ctx, x, x_next, eta) * ctx.matrix(w)
    for i in range(reg.dim):
        assert abs(jvp[i] - full[i]) <= ctx.mpf(10) ** -85 * (1 + abs(full[i])), name


def test_flint_precision_is_restored_after_a_run():
    from flint import ctx as flint_ctx

    before = flint_ctx.prec
    reg = euclidean(2)
    md = MirrorDescent(reg, an_objective(reg))
    run_mirror_descent(md, RunSpec.build([1, 2], [1, 0], "1e-10", "1/10", 5), 300, backend="flint")
    assert flint_ctx.prec == before


def test_unknown_backend_is_a_clear_error():
    reg = euclidean(2)
    md = MirrorDescent(reg, an_objective(reg))
    with pytest.raises(ValueError, match="unknown backend 'gmpy'"):
        run_mirror_descent(md, RunSpec.build([1, 2], [1, 0], "1e-10", "1/10", 5), 100, backend="gmpy")


def small_least_squares(dim=4, rows=5):
    rng = random.Random(31)
    A = [[sp.Rational(rng.randint(-4, 4), 5) for _ in range(dim)] for _ in range(rows)]
    b = [sp.Rational(rng.randint(-3, 3), 2) for _ in range(rows)]
    return least_squares(dim, A, b), A, b


def test_matrix_level_derivation_is_the_textbook_gradient():
    objective, _, _ = small_least_squares()
    A, b, x = (dict(objective.data) and [s for s, _ in objective.data]) + [objective.x]
    assert sp.simplify(objective.gradient - A.T * (A * x - b)) == sp.ZeroMatrix(4, 1)
    assert objective.hessian == A.T * A


@pytest.mark.parametrize("context", ["mpmath", "flint", "float64"])
def test_matrix_oracle_agrees_with_the_explicit_objective(context):
    objective, _, _ = small_least_squares()
    reg = hypentropy(4)
    explicit = objective.scalar_objective(reg.variables)
    point = random_domain_point(reg, random.Random(5), digits=30)
    at = dict(zip(reg.variables, point))
    w = [sp.Rational(1, 3), -1, 2, sp.Rational(1, 7)]
    truth = {
        "value": [explicit.expr.subs(at)],
        "gradient": list(explicit.gradient.subs(at)),
        "hessian_vector": list(explicit.hessian.subs(at) * sp.Matrix(w)),
    }
    oracle = MatrixObjectiveOracle(objective)
    if context == "float64":
        ctx, digits = Float64Context(), 13
        x, wv = [float(v) for v in point], [float(v) for v in w]
        got = _oracle_values(oracle, ctx, x, wv)
    elif context == "mpmath":
        ctx, digits = working_context(300), 85
        got = _oracle_values(oracle, ctx, [ctx.exact(v) for v in point], [ctx.exact(v) for v in w])
    else:
        digits = 85
        with flint_precision(300):
            ctx = ArbContext(300)
            got = _oracle_values(oracle, ctx, [ctx.exact(v) for v in point], [ctx.exact(v) for v in w])
            got = {k: [sp.Rational(str(v.mid().str(95, radius=False))) for v in vs] for k, vs in got.items()}
    for key, values in truth.items():
        for value, exact in zip(got[key], values):
            error = abs(sp.Rational(str(value)) - exact) if context != "flint" else abs(value - exact)
            assert error <= sp.Rational(10) ** -digits * (1 + abs(exact)), (context, key)


def _oracle_values(oracle, ctx, x, w):
    return {"value": [oracle.value(ctx, x)], "gradient": oracle.gradient(ctx, x),
            "hessian_vector": oracle.hessian_vector(ctx, x, (), w)}


@pytest.mark.parametrize("backend", ["mpmath", "flint"])
def test_gradient_descent_on_least_squares_matches_exact_rational_iterates(backend):
    objective, A, b = small_least_squares()
    reg = euclidean(4)
    md = MirrorDescent(reg, objective.scalar_objective(reg.variables))
    kernel = MirrorDescentKernel(md, oracle=MatrixObjectiveOracle(objective))
    eta, steps = sp.Rational(1, 8), 30
    A_m, b_m = sp.Matrix(A), sp.Matrix(b)
    x = sp.Matrix([1, -1, 2, 0])
    for _ in range(steps):
        x = x - eta * A_m.T * (A_m * x - b_m)  # exact rationals
    series = run_mirror_descent(md, RunSpec.build([1, -1, 2, 0], [1, 0, 0, 0], "1e-20", eta, steps), 300,
                                kernel, backend=backend)
    for value, exact in zip(series.final, x):
        assert abs(sp.Rational(str(series.ctx.nstr(value, 95))) - exact) <= sp.Rational(10) ** -85 * (1 + abs(exact))


def test_dimension_100_derivation_shares_the_coordinate_inverse():
    reg = hypentropy(100)
    inverse = inverse_mirror_map(reg)
    assert inverse.is_closed_form
    assert inverse.expressions[57] == inverse.expressions[0].xreplace({inverse.dual_variables[0]: inverse.dual_variables[57]})
    # and the shared inverse is the inverse at every coordinate: grad phi(inverse(y)) = y to 60 digits
    objective = least_squares(100, [[1] * 100], [1])
    kernel = MirrorDescentKernel(MirrorDescent(reg, objective.scalar_objective(reg.variables)),
                                 oracle=MatrixObjectiveOracle(objective))
    ctx = working_context(256)
    y = [ctx.exact(sp.Rational(i - 50, 17)) for i in range(100)]
    back = kernel.mirror_map(ctx, kernel.inverse(ctx, y, [ctx.mpf(0)] * 100))
    assert max(abs(b - v) for b, v in zip(back, y)) < ctx.mpf(10) ** -60


def test_coordinates_with_different_mirror_maps_get_their_own_inverse():
    reg = Regularizer.from_text("x1*log(x1) - x1 + x2**2/2 - log(x3) + x4*log(x4) - x4", 4, "positive", name="mixed")
    inverse = inverse_mirror_map(reg)
    y1, y2, y3, y4 = inverse.dual_variables
    assert inverse.expressions == (sp.exp(y1), y2, -1 / y3, sp.exp(y4))
    assert {c.canonical for c in inverse.conditions} == {(y2 > 0).canonical, (y3 < 0).canonical}


def test_mahalanobis_tangent_uses_the_full_solve():
    reg = mahalanobis([[2, 1], [1, 3]])
    kernel = MirrorDescentKernel(MirrorDescent(reg, an_objective(reg)))
    assert not kernel.separable


@pytest.mark.parametrize("backend", ["mpmath", "flint"])
def test_recorded_eta_t_is_the_exact_product_rounded_once(backend):
    # A fit window [20, ...] must include eta*T = 20 in every backend: eta = 1/10 accumulated in binary
    # lands on either side of 20 depending on the rounding, which once moved claim 2's fitted rate.
    reg = euclidean(2)
    md = MirrorDescent(reg, an_objective(reg))
    series = run_mirror_descent(md, RunSpec.build([1, 2], [1, 0], "1e-10", "1/10", 400, record_every=200), 96,
                                backend=backend)
    assert series.eta_t[1] == 20 and series.eta_t[2] == 40


def test_python_float_seed_equals_the_numpy_seed_for_a_separable_phi():
    reg = Regularizer.from_text("x1**2/2 + x2**2/2 + log(cosh(x1)) + log(cosh(x2))", 2, "reals", name="logcosh")
    kernel = MirrorDescentKernel(MirrorDescent(reg, an_objective(reg)))
    assert kernel.separable
    y, seed = [1.9, -3.1], [1.0, -2.0]
    python_seed = kernel.inverse.float_seed(y, seed)
    # the general path: numpy float64 and a linear solve
    numpy_seed = kernel.inverse.float_newton(Float64Context(), np.float64, y, seed, separable=False)
    assert max(abs(a - b) for a, b in zip(python_seed, numpy_seed)) <= 4e-15 * max(map(abs, numpy_seed))


def test_python_float_seed_takes_what_math_lacks_from_numpy():
    # grad of |x|^3/3 compiles to an expression with sign(x), which the math module has no name for
    reg = Regularizer.from_text("x1**2/2 + abs(x1)**3/3 + x2**2/2 + abs(x2)**3/3", 2, "reals", name="cubic")
    with pytest.warns(InverseMirrorMapFallbackWarning):
        kernel = MirrorDescentKernel(MirrorDescent(reg, an_objective(reg)))
    assert kernel.separable
    x = kernel.inverse.float_seed([2.0, -3.0], [0.5, 0.5])
    assert abs(x[0] - 1) < 1e-14 and abs(x[1] - (1 - 13 ** 0.5) / 2) < 1e-14  # x + x|x| = 2, x - x^2 = -3


def test_an_overflowing_python_float_seed_is_no_seed_rather_than_an_error():
    reg = Regularizer.from_text("x1**2/2 + exp(x1) + x2**2/2 + exp(x2)", 2, "reals", name="exp")
    with pytest.warns(InverseMirrorMapFallbackWarning):  # x = y - W(e^y) does not survive sympy's round trip
        kernel = MirrorDescentKernel(MirrorDescent(reg, an_objective(reg)))
    assert kernel.separable
    assert kernel.inverse.float_seed([1e5, 0.0], [1.0, 1.0]) is None  # math.exp overflows on the way
