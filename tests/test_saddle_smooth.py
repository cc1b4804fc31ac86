"""The saddle kind's smooth convex-concave f (``[problem] objective``): the duality gap, whose inner problems the
toolkit solves at each rung's precision, held to independent computations: on R^2 x R^2 a quadratic f whose inner
problems have closed forms, run as the Euclidean extragradient method in exact Fractions; on two simplices an
entropic mirror-prox recurrence in mpmath at 300 bits with each inner problem (a concave quadratic in one
variable on [0, 1]) solved by its own clipped vertex. Monotone variational inequalities (``[problem] operator``):
the gap function of an affine F on two simplices against a solve over [0, 1]^2 at 300 bits, ||F(z_t)|| on R^n
against the extragradient method in Fractions. The library theorem through the CLI; bad input names its key.

Exit codes: 0 holds (or a twin's violation as predicted), 2 bad input.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim
from mdtheory.theorems import LIBRARY

from .helpers import run_cli, saddle_claim_file

STEPS = 20


def claim_file(tmp_path, problem: dict, run_table: dict, quantity: str = "duality_gap", bound: str = "100") -> str:
    return saddle_claim_file(tmp_path, problem, run_table, quantity, bound, STEPS, "smooth.toml")


def context() -> mpmath.MPContext:
    ctx = mpmath.MPContext()
    ctx.prec = 300
    return ctx


def assert_agrees(values, digits, exact, ctx) -> None:
    """Each measured value agrees with the independent one to the digits the ladder trusts (less one), and the
    ladder trusts at least 25 of them."""
    assert len(values) == len(exact) and min(digits) >= 25, digits
    for value, truth, d in zip(values, exact, digits):
        assert abs(ctx.mpf(value) - truth) <= abs(truth) * ctx.mpf(10) ** -(d - 1), (value, truth, d)


# ---- R^2 x R^2: f = x^T A y + a |x|^2/2 - b |y|^2/2, Euclidean: the extragradient method, exactly
A = [[Fraction(1), Fraction(2)], [Fraction(-1), Fraction(1)]]
CURVATURE_X, CURVATURE_Y = Fraction(1), Fraction(2)  # a and b
OBJECTIVE = "x1*y1 + 2*x1*y2 - x2*y1 + x2*y2 + (x1**2 + x2**2)/2 - (y1**2 + y2**2)"


def operator(z):
    x, y = z[:2], z[2:]
    ay = [sum(a * b for a, b in zip(row, y)) for row in A]
    atx = [sum(A[i][j] * x[i] for i in range(2)) for j in range(2)]
    return [*(g + CURVATURE_X * v for g, v in zip(ay, x)), *(-g + CURVATURE_Y * v for g, v in zip(atx, y))]


def exact_gap(xbar, ybar) -> Fraction:
    """max_y f(xbar, y) at y = A^T xbar / b, min_x f(x, ybar) at x = -A ybar / a: both in closed form."""
    atx = [sum(A[i][j] * xbar[i] for i in range(2)) for j in range(2)]
    ay = [sum(a * b for a, b in zip(row, ybar)) for row in A]
    upper = CURVATURE_X * sum(v * v for v in xbar) / 2 + sum(v * v for v in atx) / (2 * CURVATURE_Y)
    lower = -sum(v * v for v in ay) / (2 * CURVATURE_X) - CURVATURE_Y * sum(v * v for v in ybar) / 2
    return upper - lower


def test_the_gap_of_a_quadratic_on_the_reals_matches_its_closed_form_in_fractions(tmp_path):
    eta = Fraction(1, 4)
    z = [Fraction(1), Fraction(0), Fraction(0), Fraction(1)]
    sums, gaps = [Fraction(0)] * 4, []
    for t in range(1, STEPS + 1):
        w = [a - eta * g for a, g in zip(z, operator(z))]
        sums = [s + v for s, v in zip(sums, w)]
        z = [a - eta * g for a, g in zip(z, operator(w))]
        gaps.append(exact_gap([s / t for s in sums[:2]], [s / t for s in sums[2:]]))
    named = check_claim(load_claim(claim_file(
        tmp_path, {"objective": OBJECTIVE, "domain": "reals"}, {"x0": ["1", "0"], "y0": ["0", "1"], "eta": "1/4"})))
    m = named.measurement
    ctx = context()
    assert_agrees(m.values("duality_gap"), m.digits("duality_gap"),
                  [ctx.mpf(g.numerator) / g.denominator for g in gaps], ctx)
    # L: F is affine with Jacobian [[a I, A], [-A^T, b I]]; its spectral norm from mpmath's SVD at 300 bits
    jacobian = ctx.matrix([[1, 0, 1, 2], [0, 1, -1, 1], [-1, 1, 2, 0], [-2, -1, 0, 2]])
    norm = max(ctx.svd_r(jacobian, compute_uv=False))
    value = m.constants["L"][0]
    assert abs(ctx.mpf(value) - norm) <= norm * ctx.mpf(10) ** -30
    assert named.result.verdict == ("holds" if max(gaps) <= 100 else "violated")


# ---- two simplices, entropic mirror-prox, f = 3 x1 y2 + x2 y1 + |x|^2/2 - |y|^2/4 - y1/2: the inner problems
# are concave quadratics in one variable on [0, 1], some of their maximizers on the boundary
SIMPLEX_OBJECTIVE = "3*x1*y2 + x2*y1 + (x1**2 + x2**2)/2 - (y1**2 + y2**2)/4 - y1/2"


def f(ctx, x, y):
    return (3 * x[0] * y[1] + x[1] * y[0] + (x[0] ** 2 + x[1] ** 2) / 2 - (y[0] ** 2 + y[1] ** 2) / 4 - y[0] / 2)


def gradients(x, y):
    gx = [3 * y[1] + x[0], y[0] + x[1]]
    gy = [x[1] - y[0] / 2 - x[1] / (2 * x[1]), 3 * x[0] - y[1] / 2]  # d/dy1 of -y1/2 is -1/2, as an mpf
    return gx, gy


def best_on_segment(ctx, g) -> mpmath.mpf:
    """max over s in [0, 1] of a concave g(s) that is quadratic: its vertex, clipped (three samples fix it)."""
    g0, g1, gh = g(ctx.mpf(0)), g(ctx.mpf(1)), g(ctx.mpf(1) / 2)
    a = 4 * (g0 + g1 - 2 * gh)  # g(s) = a s^2 / 2 + b s + g0
    b = g1 - g0 - a / 2
    candidates = [g0, g1]
    if a < 0 and 0 < -b / a < 1:
        candidates.append(g(-b / a))
    return max(candidates)


def test_the_gap_on_the_simplices_matches_an_independent_mirror_prox_and_inner_solve(tmp_path):
    ctx = context()
    eta = ctx.mpf(1) / 4

    def mirror(x, y, gx, gy):
        ex = [a * ctx.exp(-eta * g) for a, g in zip(x, gx)]
        ey = [a * ctx.exp(eta * g) for a, g in zip(y, gy)]
        return [v / ctx.fsum(ex) for v in ex], [v / ctx.fsum(ey) for v in ey]

    x, y = [ctx.mpf(1) / 2] * 2, [ctx.mpf(1) / 2] * 2
    sx, sy, gaps, boundary = [0, 0], [0, 0], [], 0
    for t in range(1, STEPS + 1):
        wx, wy = mirror(x, y, *gradients(x, y))
        sx, sy = [a + b for a, b in zip(sx, wx)], [a + b for a, b in zip(sy, wy)]
        x, y = mirror(x, y, *gradients(wx, wy))
        xbar, ybar = [v / t for v in sx], [v / t for v in sy]
        upper = best_on_segment(ctx, lambda s, xbar=xbar: f(ctx, xbar, [s, 1 - s]))
        lower = -best_on_segment(ctx, lambda s, ybar=ybar: -f(ctx, [s, 1 - s], ybar))
        boundary += upper in (f(ctx, xbar, [ctx.mpf(0), ctx.mpf(1)]), f(ctx, xbar, [ctx.mpf(1), ctx.mpf(0)]))
        gaps.append(upper - lower)
    m = check_claim(load_claim(claim_file(tmp_path, {"objective": SIMPLEX_OBJECTIVE}, {"eta": "1/4"}))).measurement
    assert_agrees(m.values("duality_gap"), m.digits("duality_gap"), gaps, ctx)
    assert boundary, "the instance should put some inner maximizer on a face of the simplex"


# ---- monotone variational inequalities, [problem] operator
# on two simplices, an affine monotone F (a skew part and a positive semidefinite one): its gap function
# max_u <F(u), zbar - u> is a concave quadratic in (u_x1, u_y1) on [0, 1]^2, solved here over the interior, the
# edges (each a clipped vertex) and the corners
VI_OPERATOR = ["y1 + x1 - x2 + 2", "2*y2 + x2 - x1", "-x1 + y1/2", "-2*x2 + y2/2 + 1"]


def vi_operator(z):
    x1, x2, y1, y2 = z
    return [y1 + x1 - x2 + 2, 2 * y2 + x2 - x1, -x1 + y1 / 2, -2 * x2 + y2 / 2 + 1]


def vi_gap_on_the_square(ctx, zbar) -> mpmath.mpf:
    def g(s, r):
        u = [s, 1 - s, r, 1 - r]
        return ctx.fsum(f * (b - v) for f, b, v in zip(vi_operator(u), zbar, u))

    candidates = [g(ctx.mpf(s), ctx.mpf(r)) for s in (0, 1) for r in (0, 1)]
    for fixed in (ctx.mpf(0), ctx.mpf(1)):
        candidates.append(best_on_segment(ctx, lambda s, fixed=fixed: g(s, fixed)))
        candidates.append(best_on_segment(ctx, lambda r, fixed=fixed: g(fixed, r)))
    # the interior stationary point: g is quadratic, so its gradient and Hessian come from differences exactly
    h = ctx.mpf(1)
    g00, gs, gr, gss, grr, gsr = g(0, 0), g(h, 0), g(0, h), g(2 * h, 0), g(0, 2 * h), g(h, h)
    hss, hrr, hsr = gss - 2 * gs + g00, grr - 2 * gr + g00, gsr - gs - gr + g00
    bs, br = gs - g00 - hss / 2, gr - g00 - hrr / 2
    det = hss * hrr - hsr * hsr
    if det > 0 and hss < 0:
        s, r = (-bs * hrr + br * hsr) / det, (-br * hss + bs * hsr) / det
        if 0 < s < 1 and 0 < r < 1:
            candidates.append(g(s, r))
    return max(candidates)


def test_the_gap_function_of_a_monotone_operator_matches_an_independent_solve(tmp_path):
    ctx = context()
    eta = ctx.mpf(1) / 4

    def mirror(z, direction):
        e = [a * ctx.exp(-eta * d) for a, d in zip(z, direction)]
        return [e[0] / (e[0] + e[1]), e[1] / (e[0] + e[1]), e[2] / (e[2] + e[3]), e[3] / (e[2] + e[3])]

    z, sums, gaps = [ctx.mpf(1) / 2] * 4, [ctx.mpf(0)] * 4, []
    for t in range(1, STEPS + 1):
        w = mirror(z, vi_operator(z))
        sums = [a + b for a, b in zip(sums, w)]
        z = mirror(z, vi_operator(w))
        gaps.append(vi_gap_on_the_square(ctx, [v / t for v in sums]))
    m = check_claim(load_claim(claim_file(tmp_path, {"operator": VI_OPERATOR}, {"eta": "1/4"}, "vi_gap"))).measurement
    assert_agrees(m.values("vi_gap"), m.digits("vi_gap"), gaps, ctx)


def test_the_operator_residual_on_the_reals_matches_the_extragradient_in_fractions(tmp_path):
    eta = Fraction(1, 4)
    z = [Fraction(1), Fraction(0), Fraction(0), Fraction(1)]
    squared = [sum(v * v for v in operator(z))]
    for _ in range(STEPS):
        w = [a - eta * g for a, g in zip(z, operator(z))]
        z = [a - eta * g for a, g in zip(z, operator(w))]
        squared.append(sum(v * v for v in operator(z)))
    entries = ["y1 + 2*y2 + x1", "-y1 + y2 + x2", "-x1 + x2 + 2*y1", "-2*x1 - x2 + 2*y2"]  # the F of OBJECTIVE
    m = check_claim(load_claim(claim_file(tmp_path, {"operator": entries, "domain": "reals"},
                                          {"x0": ["1", "0"], "y0": ["0", "1"], "eta": "1/4"},
                                          "operator_residual"))).measurement
    ctx = context()
    values = [v * v for v in m.values("operator_residual")]
    assert_agrees(values, [d - 1 for d in m.digits("operator_residual")],
                  [ctx.mpf(v.numerator) / v.denominator for v in squared], ctx)


def test_the_library_smooth_theorem_holds_and_its_twin_is_violated_through_the_cli():
    path = str(LIBRARY / "saddle" / "nemirovski_smooth_mirror_prox.toml")
    code, output = run_cli(["check", path])
    assert code == 0 and "verdict: holds" in output and "L = 3" in output, output
    code, output = run_cli(["check", path, "--twin"])
    assert code == 0 and "verdict: violated" in output, output


@pytest.mark.parametrize("problem, run_table, quantity, message", [
    ({"matrix": [["1", "0"], ["0", "2"]], "objective": "x1*y1"}, {}, "duality_gap",
     "[problem] matrix, objective, operator: give exactly one"),
    ({}, {}, "duality_gap", "[problem] matrix, objective, operator: give exactly one"),
    ({"objective": "x1*y1 - x1**2 + x2*y2"}, {}, "duality_gap", "[problem] objective: not convex in x"),
    ({"objective": "x1*y1 + x2*y2 + y1**2"}, {}, "duality_gap", "[problem] objective: not concave in y"),
    ({"objective": "x1*y1 + x2*y2 + z"}, {}, "duality_gap", "[problem] objective"),
    ({"objective": "x1*y1 + x2*y2"}, {}, "regret_x", "measured on a matrix game"),
    ({"objective": "x1*y1 + x2*y2", "domain": "reals"}, {"x0": ["1", "0"], "y0": ["0", "1"]}, "duality_gap",
     "unbounded unless f is strongly convex in x"),
    ({"objective": "x1*y1 + x2*y2", "equilibrium": {"x": ["1", "0"], "y": ["1/2", "1/2"]}}, {},
     "equilibrium_distance", "[problem] equilibrium.y: not a best response"),
    ({"operator": ["y1", "-x1"]}, {"x0": ["1/2", "1/2"], "y0": ["1/2", "1/2"]}, "vi_gap",
     "[problem] operator: 2 entries for 4 variables"),
    ({"operator": ["y1", "-x1"]}, {}, "vi_gap", "[problem] operator: player x needs at least two strategies"),
    ({"operator": ["-x1", "x2", "y1", "y2"]}, {}, "vi_gap", "[problem] operator: not monotone"),
    ({"operator": ["y1", "-x1"], "domain": "reals"}, {"x0": ["1"], "y0": ["1"]}, "vi_gap",
     "on R^n it is unbounded in general, measure operator_residual"),
    ({"operator": ["y1", "y2", "-x1", "-x2"]}, {}, "duality_gap", "a variational inequality has no payoff"),
    ({"matrix": [["1", "0"], ["0", "2"]]}, {}, "vi_gap", "measured on a variational inequality"),
    ({"operator": ["y1", "y2", "-x1", "-x2"], "equilibrium": {"x": ["1", "0"], "y": ["1/2", "1/2"]}}, {},
     "equilibrium_distance", "[problem] equilibrium.y: not a solution"),
])
def test_bad_smooth_input_names_the_key(tmp_path, problem, run_table, quantity, message):
    code, output = run_cli(["check", claim_file(tmp_path, problem, {"eta": "1/2", **run_table}, quantity)])
    assert code == 2 and message in output, output
