"""PEPit's improved interior gradient method (IGA, Auslender & Teboulle 2006), two-sided: a certified bracket
[lower, upper] of its worst case at given parameters (its docstring gives no closed form; at its parameters the
bracket meets c_n / c, below).

The performance estimation problem is PEPit's (``wc_improved_interior_algorithm``): f_1 L-smooth convex, f_2 a
closed convex indicator, h mu-strongly convex, n steps, maximize F(x_n) - F* subject to
c D_h(x*; x_0) + f_1(x_0) - f_1(x*) <= 1. Posed as PEPit poses it, its feasible set is unbounded in directions
that change no constraint (translating every point; adding to all gradients a vector orthogonal to every
point; the Gram entries between two of h's gradients, or between h's and f_1's, appear in no constraint). Then
every dual feasible residual is singular, no interior point exists on the dual side, and solvers disagree from
the 5th digit. Here the problem is posed without those directions (``pose``):

- x* = 0, h(x*) = 0 with gradient 0 (h plus a linear function is in the class and runs the same), f_1(x*) = 0;
- f_1's gradients as g_1(x*) plus differences d_k = g_1(x_k) - g_1(x*): the differences and the points form the
  Gram matrix; g_1(x*), h's gradients and f_2's free subgradient at x_n enter only through their inner
  products with the points, free scalars. The partial Gram matrix (points and differences a clique, each
  remaining vector joined to the points only) has a chordal pattern, so it completes to a PSD matrix exactly
  when the clique's block is PSD and each free vector's products lie in the range of the points' block (Grone,
  Johnson, Sa & Wolkowicz 1984): the reduced problem has the same value, and its dual has interior points.

At the docstring's parameters (L = mu = c = lam = 1, n = 5) the reduced problem is well posed (Clarabel: the
dual residual's least eigenvalue 5e-4) and its solution shows the structure: the Gram matrix is 0 at the
optimum (the worst case is a limit, points shrinking to x* while h's and f_1's gradients grow, so no solver
attains it and PEPit's unreduced problem is ill-conditioned), and the value is c_n / c = prod_t (1 - alpha_t),
the method's own sequence c_(t+1) = (1 - alpha_t) c_t. Floats are evidence only; the bracket is proved:

- upper (``dual_certificate``): the dual value is c_n / c; h's and f_2's multipliers are rational multiples of
  it, f_1's rational except the rows (0, k), solved from the equality of f_1(x_k)'s value. Every equality of
  the dual (one per free scalar) is checked exactly with sympy, the step sizes as symbols: each residual's
  numerator reduces to 0 modulo the quadratics alpha_t^2 + lam c_t alpha_t - lam c_t that define them. In
  256-bit ball arithmetic every multiplier is certainly > 0 and the residual matrix certainly positive
  definite (a ball Cholesky factorization, all pivots certainly > 0): c_n / c is a proved upper bound.
- lower (``build_instance``, ``check_instance``): the float solution projected in ball arithmetic onto the
  active set with Gram matrix 0 (the limit point), mixed with weight r^2 = 1e-16 with an interior point, and
  realized in rational coordinates; the IGA is run on it and every interpolation inequality of the three
  classes is evaluated from the coordinates alone (nothing from ``pose``), each certainly satisfied. Then
  functions of the classes with these values and gradients exist (Taylor, Hendrickx & Glineur 2017 for f_1
  and h; the indicator of the points' convex hull for f_2), and the instance's ratio is a proved lower bound.

``certified_bracket`` returns both; at the docstring's parameters its width is 5.7e-18.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from mdtheory.checker.worst_case import WorstCaseError


# --------------------------------------------------------------------------- the reduced problem
@dataclass
class Problem:
    """The reduced PEP over one number type: each constraint is sum_var linear[var] var + sum_(i <= j)
    gram[(i, j)] G_ij <= rhs, G the Gram matrix of ``gram_names``; the free scalars are ``free_names`` (function
    values and the free vectors' products with the points). ``rows`` name each interpolation inequality."""

    gram_names: list
    free_names: list
    rows: list  # (label, linear dict, gram dict)
    initial: tuple  # (linear dict, gram dict): the initial quantity, constrained <= 1
    objective: tuple  # (linear dict, gram dict): F(x_n) - F*
    alphas: list
    points: dict = field(default_factory=dict)  # "f_1": f_1's points (vector, value's name), x* first


def step_sizes(n: int, c, lam, number, sqrt) -> list:
    """alpha_t = (sqrt((c_t lam)^2 + 4 c_t lam) - lam c_t)/2, c_(t+1) = (1 - alpha_t) c_t, in the number type."""
    alphas, ct, lam = [], number(c), number(lam)
    for _ in range(n):
        alpha = (sqrt((ct * lam) ** 2 + 4 * ct * lam) - lam * ct) / 2
        alphas.append(alpha)
        ct = (1 - alpha) * ct
    return alphas


def pose(n: int, L, mu, c, lam, number, alphas) -> Problem:
    """The reduced PEP of n IGA steps (see the module's docstring), coefficients in ``number``'s type; the step
    sizes ``alphas`` given (numbers of that type, or sympy symbols for the exact identities)."""
    points_block = ["x0"] + [f"z{t}" for t in range(1, n + 1)]
    f1_keys = ["x0"] + [f"y{t}" for t in range(1, n)] + ["xn"]
    gram_names = points_block + [f"d_{k}" for k in f1_keys]
    free_vectors = ["g1s", "gh0"] + [f"ghz{t}" for t in range(1, n + 1)] + ["g2xn"]
    free_names = ([f"f1({k})" for k in f1_keys] + [f"h({p})" for p in points_block]
                  + [f"<{b},{p}>" for b in free_vectors for p in points_block])
    one, zero = number(1), number(0)
    gram_index = {name: i for i, name in enumerate(gram_names)}

    def comb(*terms):
        out = {}
        for coefficient, vector in terms:
            for key, value in vector.items():
                out[key] = out.get(key, zero) + coefficient * value
        # g_1(x*) cancels in differences; for balls "not == 0" keeps every ball that is not exactly 0 ("!=" would not)
        return {key: value for key, value in out.items() if not value == 0}  # noqa: SIM201

    def inner(u, v):
        linear, gram = {}, {}
        for a, ca in u.items():
            for b, cb in v.items():
                product = ca * cb
                if a in gram_index and b in gram_index:
                    key = tuple(sorted((gram_index[a], gram_index[b])))
                    gram[key] = gram.get(key, zero) + product
                else:
                    free, point = (a, b) if b in gram_index else (b, a)
                    if point not in points_block or free not in free_vectors:
                        raise AssertionError(f"<{a},{b}> is not in the reduced problem")
                    name = f"<{free},{point}>"
                    linear[name] = linear.get(name, zero) + product
        return linear, gram

    def add(*parts):
        linear, gram = {}, {}
        for coefficient, (lin, gr) in parts:
            for key, value in lin.items():
                linear[key] = linear.get(key, zero) + coefficient * value
            for key, value in gr.items():
                gram[key] = gram.get(key, zero) + coefficient * value
        return linear, gram

    scalar = lambda name: ({name: one}, {}) if name else ({}, {})
    x0, xs = {"x0": one}, {}
    g1s = {"g1s": one}
    # the run: y_0 = x_0 and its gradient is f_1's at x_0; each step's z solves
    # grad h(z) + g_2(z) = grad h(z_prev) - (alpha_t / c_(t+1)) g, and alpha_t / c_(t+1) = lam / alpha_t
    f1_points = [(xs, g1s, None), (x0, comb((one, g1s), (one, {"d_x0": one})), "f1(x0)")]
    h_points = [(xs, {}, None), (x0, {"gh0": one}, "h(x0)")]
    f2_points = [(xs, comb((-one, g1s)))]
    x, z, g, gh = x0, x0, f1_points[1][1], {"gh0": one}
    for t, alpha in enumerate(alphas):
        y = comb((1 - alpha, x), (alpha, z))
        if t >= 1:
            g = comb((one, g1s), (one, {f"d_y{t}": one}))
            f1_points.append((y, g, f"f1(y{t})"))
        z, gh_new = {f"z{t + 1}": one}, {f"ghz{t + 1}": one}
        f2_points.append((z, comb((one, gh), (-number(lam) / alpha, g), (-one, gh_new))))
        h_points.append((z, gh_new, f"h(z{t + 1})"))
        x = comb((1 - alpha, x), (alpha, z))
        gh = gh_new
    f1_points.append((x, comb((one, g1s), (one, {"d_xn": one})), "f1(xn)"))
    f2_points.append((x, {"g2xn": one}))

    rows, L, mu = [], number(L), number(mu)
    for i, (xi, gi, fi) in enumerate(f1_points):  # f_i >= f_j + <g_j, x_i - x_j> + |g_i - g_j|^2 / (2L)
        for j, (xj, gj, fj) in enumerate(f1_points):
            if i != j:
                dx, dg = comb((one, xi), (-one, xj)), comb((one, gi), (-one, gj))
                rows.append((f"f_1 at ({i}, {j})", *add((one, scalar(fj)), (-one, scalar(fi)), (one, inner(gj, dx)),
                                                        (1 / (2 * L), inner(dg, dg)))))
    for i, (xi, gi, hi) in enumerate(h_points):  # h_i >= h_j + <s_j, x_i - x_j> + mu |x_i - x_j|^2 / 2
        for j, (xj, gj, hj) in enumerate(h_points):
            if i != j:
                dx = comb((one, xi), (-one, xj))
                rows.append((f"h at ({i}, {j})", *add((one, scalar(hj)), (-one, scalar(hi)), (one, inner(gj, dx)),
                                                      (mu / 2, inner(dx, dx)))))
    for i, (xi, _) in enumerate(f2_points):  # <g_j, x_i - x_j> <= 0
        for j, (xj, gj) in enumerate(f2_points):
            if i != j:
                rows.append((f"f_2 at ({i}, {j})", *inner(gj, comb((one, xi), (-one, xj)))))
    c_ = number(c)
    initial = add((-c_, scalar("h(x0)")), (-c_, inner({"gh0": one}, comb((-one, x0)))), (one, scalar("f1(x0)")))
    objective = scalar("f1(xn)")
    named = {"f_1": [(xk, fk) for xk, _, fk in f1_points]}
    return Problem(gram_names, free_names, rows, initial, objective, alphas, named)


# --------------------------------------------------------------------------- the float solve (evidence only)
SUPPORT_THRESHOLD = 1e-7  # a float multiplier above this is in the dual's support (the support's least is ~5e-3)
READING_TOLERANCE = 1e-6  # the float dual suggests the certificate's form (its value c_n / c, multiples of it) to this
# accuracy (Clarabel's, ~1e-9 at n >= 7); the form is then checked exactly, so this decides nothing proved
MULTIPLE_DENOMINATOR = 1000  # the non-f_1 multipliers are read as simple rational multiples of the dual value
RATIONAL_DIGITS = 10 ** 12  # f_1's multipliers rounded to this denominator (the residual's margin is ~5e-4)
BITS = 256  # ball arithmetic precision
INSTANCE_SCALE = Fraction(1, 10 ** 8)  # r: the instance's points have norm ~r, its weight on the interior point r^2
INTERIOR_BOUND = 100  # the interior point's free scalars are kept in [-this, this]


def _arrays(problem: Problem):
    """(rows' linear parts, rows' Gram matrices, initial, objective) as numpy float arrays."""
    import numpy as np

    d, index = len(problem.gram_names), {k: i for i, k in enumerate(problem.free_names)}

    def dense(linear, gram):
        a, A = np.zeros(len(index)), np.zeros((d, d))
        for key, value in linear.items():
            a[index[key]] += float(value)
        for (i, j), value in gram.items():
            A[i, j] += float(value) / (1 if i == j else 2)
            if i != j:
                A[j, i] += float(value) / 2
        return a, A

    rows = [dense(lin, gr) for _, lin, gr in problem.rows]
    return rows, dense(*problem.initial), dense(*problem.objective)


def _stacked(rows, initial):
    """The rows and the initial condition as one matrix acting on (free scalars, vec(G)), and the right side:
    one cvxpy constraint instead of 127 (compiling those took seconds)."""
    import numpy as np

    matrix = np.array([np.concatenate([a, A.reshape(-1)]) for a, A in rows]
                      + [np.concatenate([initial[0], initial[1].reshape(-1)])])
    return matrix, np.append(np.zeros(len(rows)), 1.0)


def solve_float(n: int, L, mu, c, lam):
    """The reduced SDP solved in floats by Clarabel: (value, multipliers with the initial condition's last, free
    scalars, Gram matrix). Evidence only: every number that is reported is re-derived exactly."""
    import math
    import warnings

    import cvxpy as cp

    problem = pose(n, L, mu, c, lam, float, step_sizes(n, c, lam, float, math.sqrt))
    rows, initial, objective = _arrays(problem)
    G = cp.Variable((len(problem.gram_names),) * 2, PSD=True)
    u = cp.Variable(len(problem.free_names))
    matrix, rhs = _stacked(rows, initial)
    constraint = matrix @ cp.hstack([u, cp.vec(G, order="C")]) <= rhs
    sdp = cp.Problem(cp.Maximize(objective[0] @ u + cp.trace(objective[1] @ G)), [constraint])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # cvxpy's "may be inaccurate"
        sdp.solve(solver="CLARABEL", tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13, max_iter=500)
    if sdp.status not in ("optimal", "optimal_inaccurate"):  # evidence either way: the certificates decide
        raise WorstCaseError(f"the reduced IGA problem: Clarabel ended '{sdp.status}'")
    return sdp.value, [float(v) for v in constraint.dual_value], u.value, G.value


# --------------------------------------------------------------------------- the dual certificate (upper end)
def dual_value(alphas, one):
    """c_n / c = prod_t (1 - alpha_t): the value of the dual certificate (the float dual's, to 1e-9 and better)."""
    value = one
    for alpha in alphas:
        value = value * (1 - alpha)
    return value


def read_recipe(problem: Problem, floats: list) -> dict:
    """How each multiplier is made exact, read from the float dual: f_1's rows (i, j) with i, j >= 1 and
    (j, 0) rounded to rationals; f_1's rows (0, k) solved from the equation of f_1(x_k)'s value (so that it
    holds exactly); every other multiplier in the support a simple rational multiple of the dual value."""
    tau = floats[-1]
    recipe = {}
    for (label, _, _), value in zip(problem.rows, floats):
        if label.startswith("f_1 at (0, "):
            recipe[label] = ("solved",)
        elif label.startswith("f_1"):
            if value <= SUPPORT_THRESHOLD:
                raise WorstCaseError(f"the float dual leaves {label} out of its support: no certificate of this form")
            recipe[label] = ("rational", Fraction(round(value * RATIONAL_DIGITS), RATIONAL_DIGITS))
        elif value > SUPPORT_THRESHOLD:
            multiple = Fraction(value / tau).limit_denominator(MULTIPLE_DENOMINATOR)
            if abs(float(multiple) * tau - value) > READING_TOLERANCE:
                raise WorstCaseError(f"{label}'s multiplier {value} is no simple multiple of the dual value")
            recipe[label] = ("multiple", multiple)
    return recipe


def multipliers(problem: Problem, recipe: dict, tau, number) -> dict:
    """The multipliers of ``recipe`` in ``problem``'s number type, the dual value being ``tau``."""
    values = {}
    for label, (kind, *data) in recipe.items():
        if kind == "rational":
            values[label] = number(data[0])
        elif kind == "multiple":
            values[label] = number(data[0]) * tau
    for label, linear, _ in problem.rows:
        if recipe.get(label, ("",))[0] != "solved":
            continue
        [(variable, coefficient)] = [(k, v) for k, v in linear.items() if k.startswith("f1(")]
        rest = sum((values[other] * lin.get(variable, 0) for other, lin, _ in problem.rows
                    if other in values and variable in lin), number(0))
        target = problem.objective[0].get(variable, number(0)) - tau * problem.initial[0].get(variable, number(0))
        values[label] = (target - rest) / coefficient
    return values


def _sympy_rational(q):
    import sympy as sp

    q = Fraction(q)
    return sp.Rational(q.numerator, q.denominator)


def equalities_hold(n: int, L, mu, c, lam, recipe: dict) -> int:
    """Every equality of the dual (one per free scalar: the multipliers' combination of that scalar's
    coefficients equals the objective's) holds exactly for the true step sizes: with alpha_t symbols, each
    residual's numerator reduces to 0 modulo alpha_t^2 + lam c_t alpha_t - lam c_t (c_(t+1) = (1 - alpha_t) c_t),
    the triangular set whose roots the step sizes are. Returns the number of equalities checked."""
    import sympy as sp

    number = _sympy_rational
    a = sp.symbols(f"a0:{n}")
    problem = pose(n, L, mu, c, lam, number, list(a))
    tau = dual_value(a, sp.Integer(1))
    values = multipliers(problem, recipe, tau, number)
    relations, ct = [], number(c)
    for alpha in a:
        relations.append(sp.Poly(alpha ** 2 + number(lam) * ct * alpha - number(lam) * ct, alpha))
        ct = sp.expand((1 - alpha) * ct)
    for variable in problem.free_names:
        residual = sum((value * lin.get(variable, 0) for (label, lin, _) in problem.rows
                        for value in [values.get(label)] if value is not None), sp.Integer(0))
        residual += tau * problem.initial[0].get(variable, 0) - problem.objective[0].get(variable, 0)
        numerator = sp.numer(sp.together(residual))
        for t in reversed(range(n)):  # alpha_t's relation is monic in alpha_t, with lower alphas in its coefficients
            numerator = sp.Poly(numerator, a[t]).rem(relations[t]).as_expr()
        if sp.expand(numerator) != 0:
            raise WorstCaseError(f"the dual's equality for {variable} does not hold exactly")
    return len(problem.free_names)


def _ball(q):
    from flint import arb

    q = Fraction(q)
    return arb(q.numerator) / q.denominator


def _positive_definite(matrix) -> bool:
    """A ball Cholesky factorization: True when every pivot is certainly > 0, so that every symmetric matrix in
    the balls (the exact one among them) is positive definite."""
    size = len(matrix)
    factor = [[None] * size for _ in range(size)]
    for j in range(size):
        pivot = matrix[j][j] - sum((factor[j][k] ** 2 for k in range(j)), _ball(0))
        if not pivot > 0:
            return False
        factor[j][j] = pivot.sqrt()
        for i in range(j + 1, size):
            factor[i][j] = (matrix[i][j] - sum((factor[i][k] * factor[j][k] for k in range(j)), _ball(0))) / factor[j][j]
    return True


def residual_matrix(problem: Problem, values: dict, tau):
    """sum_i lambda_i A_i + tau A_initial - A_objective: the Gram part of the dual, as nested lists."""
    size = len(problem.gram_names)
    matrix = [[_ball(0)] * size for _ in range(size)]

    def add(weight, gram):
        for (i, j), value in gram.items():
            part = weight * value / (1 if i == j else 2)
            matrix[i][j] = matrix[i][j] + part
            if i != j:
                matrix[j][i] = matrix[j][i] + part

    for label, _, gram in problem.rows:
        if label in values:
            add(values[label], gram)
    add(tau, problem.initial[1])
    add(_ball(-1), problem.objective[1])
    return matrix


@dataclass(frozen=True)
class DualCertificate:
    upper: object  # an arb ball around c_n / c, the exact dual value
    recipe: dict  # the multipliers' exact form (``multipliers``)
    multipliers: int
    equalities: int
    bits: int


def dual_certificate(n: int, L, mu, c, lam, recipe: dict, bits: int = BITS) -> DualCertificate:
    """The upper end: the equalities exactly (``equalities_hold``), then in ball arithmetic every multiplier
    certainly > 0 and the residual matrix certainly positive definite."""
    from flint import arb

    from mdtheory.engine.context import flint_precision

    equalities = equalities_hold(n, L, mu, c, lam, recipe)
    with flint_precision(bits):
        alphas = step_sizes(n, c, lam, _ball, arb.sqrt)
        problem = pose(n, L, mu, c, lam, _ball, alphas)
        tau = dual_value(alphas, _ball(1))
        values = multipliers(problem, recipe, tau, _ball)
        negative = [label for label, value in values.items() if not value > 0]
        if negative:
            raise WorstCaseError(f"the multipliers of {negative[:3]} are not certainly positive")
        if not _positive_definite(residual_matrix(problem, values, tau)):
            raise WorstCaseError("the residual matrix is not certainly positive definite")
        return DualCertificate(tau, recipe, len(values) + 1, equalities, bits)


# --------------------------------------------------------------------------- an explicit instance (lower end)
def _limit_point(problem_float: Problem, problem_ball: Problem, floats: list, u_float):
    """The float solution's free scalars projected, in ball arithmetic, onto the affine set where the dual's
    support is active with the Gram matrix 0 (the worst case is a limit: points shrinking to x*, gradients
    growing): u - A^T (A A^T)^(-1) (A u - b) over a maximal independent set of the active rows."""
    import numpy as np
    import scipy.linalg
    from flint import arb, arb_mat

    rows_float, initial_float, _ = _arrays(problem_float)
    active = [i for i, value in enumerate(floats[:-1]) if value > SUPPORT_THRESHOLD]
    matrix = np.array([rows_float[i][0] for i in active] + [initial_float[0]])
    _, triangular, pivots = scipy.linalg.qr(matrix.T, pivoting=True)
    rank = int((np.abs(np.diag(triangular)) > 1e-9 * abs(triangular[0, 0])).sum())
    chosen = sorted(pivots[:rank])
    index = {k: i for i, k in enumerate(problem_ball.free_names)}
    linear = [problem_ball.rows[active[k]][1] if k < len(active) else problem_ball.initial[0] for k in chosen]
    rhs = [_ball(0) if k < len(active) else _ball(1) for k in chosen]
    A = arb_mat([[line.get(name, _ball(0)) for name in problem_ball.free_names] for line in linear])
    u = arb_mat([[arb(float(v))] for v in u_float])
    b = arb_mat([[v] for v in rhs])
    correction = A.transpose() * (A * A.transpose()).solve(A * u - b)
    projected = u - correction
    return {name: projected[index[name], 0] for name in problem_ball.free_names}


def _interior_point(problem_float: Problem):
    """A point of the relative interior: the least slack maximized over the reduced problem with the Gram
    matrix above that slack times the identity (an SDP, floats), its Gram matrix factored and rounded to
    rational coordinates. Returns (each Gram vector's rational coordinates, rational free scalars)."""
    import warnings

    import cvxpy as cp
    import numpy as np

    rows, initial, _ = _arrays(problem_float)
    size = len(problem_float.gram_names)
    G, u, t = cp.Variable((size, size), PSD=True), cp.Variable(len(problem_float.free_names)), cp.Variable()
    matrix, rhs = _stacked(rows, initial)
    constraints = [matrix @ cp.hstack([u, cp.vec(G, order="C")]) + t <= rhs, G >> t * np.eye(size),
                   cp.trace(G) <= size, cp.abs(u) <= INTERIOR_BOUND, t <= 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cp.Problem(cp.Maximize(t), constraints).solve(solver="CLARABEL")
    if t.value is None or t.value <= 0:
        raise WorstCaseError("no interior point found for the IGA problem (its least slack is not positive)")
    factor = np.linalg.cholesky(G.value)  # row k: the k-th Gram vector's coordinates
    coordinates = [[Fraction(x).limit_denominator(10 ** 9) for x in row] for row in factor]
    free = {name: Fraction(value).limit_denominator(10 ** 12) for name, value in zip(problem_float.free_names, u.value)}
    return coordinates, free


@dataclass(frozen=True)
class Instance:
    """An explicit instance: rational coordinates (in R^(2n+2)) of the points x_0, z_1..z_n and of every gradient
    the run asks for, rational function values; x* = 0 with f_1(x*) = h(x*) = 0 and grad h(x*) = 0. The iterates
    y_t, x_n are the method's combinations with the step sizes (algebraic)."""

    n: int
    L: Fraction
    mu: Fraction
    c: Fraction
    lam: Fraction
    points: dict  # "x0", "z1", ... -> coordinates
    gradients: dict  # "g1s" (f_1 at x*), "d_x0", "d_y1", ..., "d_xn" (f_1's minus g1s), "gh0", "ghz1"..., "g2xn"
    values: dict  # "f1(x0)", "f1(y1)", ..., "f1(xn)", "h(x0)", "h(z1)", ...


def build_instance(n: int, L, mu, c, lam, floats: list, u_float, scale: Fraction = INSTANCE_SCALE) -> Instance:
    """(1 - r^2) times the limit point plus r^2 times an interior point, realized: points r e_p, f_1's gradient
    differences r (L/2) x~_k, each free vector the one in the points' span with the required products."""
    import math

    from flint import arb

    from mdtheory.engine.context import flint_precision

    problem_float = pose(n, L, mu, c, lam, float, step_sizes(n, c, lam, float, math.sqrt))
    with flint_precision(BITS):
        alphas = step_sizes(n, c, lam, _ball, arb.sqrt)
        problem_ball = pose(n, L, mu, c, lam, _ball, alphas)
        limit = {name: _fraction(value) for name, value in _limit_point(problem_float, problem_ball, floats, u_float).items()}
    coordinates, interior = _interior_point(problem_float)
    weight = scale ** 2
    free = {name: (1 - weight) * limit[name] + weight * interior[name] for name in problem_float.free_names}
    dimension = n + 1
    named = {name: [scale * x for x in row] for name, row in zip(problem_float.gram_names, coordinates)}
    points = {name: named[name] for name in problem_float.gram_names[:dimension]}
    gradients = {name: named[name] for name in problem_float.gram_names[dimension:]}
    for name in sorted({key[1:key.index(",")] for key in free if key.startswith("<")}):
        gradients[name] = _in_span(list(points.values()), [free[f"<{name},{p}>"] for p in points])
    values = {name: value for name, value in free.items() if not name.startswith("<")}
    return Instance(n, Fraction(L), Fraction(mu), Fraction(c), Fraction(lam), points, gradients, values)


def _in_span(vectors: list, products: list) -> list:
    """The vector in the span of ``vectors`` with these inner products with them, exactly (Gaussian
    elimination on their Gram matrix, in rationals)."""
    size = len(vectors)
    dot = lambda u, v: sum((a * b for a, b in zip(u, v)), Fraction(0))
    system = [[dot(vectors[i], vectors[j]) for j in range(size)] + [products[i]] for i in range(size)]
    for col in range(size):
        pivot = next(r for r in range(col, size) if system[r][col] != 0)
        system[col], system[pivot] = system[pivot], system[col]
        for r in range(size):
            if r != col and system[r][col] != 0:
                ratio = system[r][col] / system[col][col]
                system[r] = [a - ratio * b for a, b in zip(system[r], system[col])]
    weights = [system[i][size] / system[i][i] for i in range(size)]
    return [sum((w * v[k] for w, v in zip(weights, vectors)), Fraction(0)) for k in range(len(vectors[0]))]


def _fraction(ball) -> Fraction:
    mantissa, exponent = ball.mid().man_exp()
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


@dataclass(frozen=True)
class InstanceCheck:
    ratio: object  # an arb ball: (F(x_n) - F*) / (c D_h(x*; x_0) + f_1(x_0) - f_1(x*))
    inequalities: int
    bits: int


def evaluate_instance(instance: Instance) -> tuple:
    """Runs the IGA on the instance from its coordinates alone (nothing from ``pose``), in ball arithmetic at
    the caller's precision: (the slacks of f_1's interpolation inequalities for L-smooth convex functions, h's
    for mu-strongly convex ones, f_2's for a convex indicator (-<g_j, x_i - x_j>, at x*, the z_t and x_n), in
    ``pose``'s order; F(x_n) - F*; the initial quantity). Each step's z_(t+1) satisfies its optimality
    condition by construction: f_2's subgradient there is what the condition leaves."""
    n = instance.n
    L, mu, c, lam = (_ball(v) for v in (instance.L, instance.mu, instance.c, instance.lam))
    vec = lambda coordinates: [_ball(x) for x in coordinates]
    dimension = len(instance.points["x0"])
    add = lambda *terms: [sum(parts, _ball(0)) for parts in zip(*[[w * x for x in v] for w, v in terms])]
    dot = lambda u, v: sum((a * b for a, b in zip(u, v)), _ball(0))
    one, zero = _ball(1), [_ball(0)] * dimension
    g1s = vec(instance.gradients["g1s"])
    value = lambda name: _ball(instance.values[name])
    f1 = [(zero, g1s, _ball(0))]
    h = [(zero, zero, _ball(0))]
    x0 = vec(instance.points["x0"])
    gh = vec(instance.gradients["gh0"])
    g = add((one, g1s), (one, vec(instance.gradients["d_x0"])))
    f1.append((x0, g, value("f1(x0)")))
    h.append((x0, gh, value("h(x0)")))
    f2 = [(zero, [-v for v in g1s])]
    x, z, ct = x0, x0, c
    for t in range(n):
        alpha = ((ct * lam) ** 2 + 4 * ct * lam).sqrt() / 2 - lam * ct / 2
        ct = (1 - alpha) * ct
        y = add((1 - alpha, x), (alpha, z))
        if t >= 1:
            g = add((one, g1s), (one, vec(instance.gradients[f"d_y{t}"])))
            f1.append((y, g, value(f"f1(y{t})")))
        z = vec(instance.points[f"z{t + 1}"])
        gh_new = vec(instance.gradients[f"ghz{t + 1}"])
        f2.append((z, add((one, gh), (-alpha / ct, g), (-one, gh_new))))  # the step alpha_t / c_(t+1), as PEPit
        h.append((z, gh_new, value(f"h(z{t + 1})")))
        x = add((1 - alpha, x), (alpha, z))
        gh = gh_new
    f1.append((x, add((one, g1s), (one, vec(instance.gradients["d_xn"]))), value("f1(xn)")))
    f2.append((x, vec(instance.gradients["g2xn"])))
    slacks = []
    for i, (xi, gi, fi) in enumerate(f1):
        for j, (xj, gj, fj) in enumerate(f1):
            if i != j:
                dg = add((one, gi), (-one, gj))
                slacks.append(fi - fj - dot(gj, add((one, xi), (-one, xj))) - dot(dg, dg) / (2 * L))
    for i, (xi, gi, hi) in enumerate(h):
        for j, (xj, gj, hj) in enumerate(h):
            if i != j:
                dx = add((one, xi), (-one, xj))
                slacks.append(hi - hj - dot(gj, dx) - mu / 2 * dot(dx, dx))
    for i, (xi, _) in enumerate(f2):
        for j, (xj, gj) in enumerate(f2):
            if i != j:
                slacks.append(-dot(gj, add((one, xi), (-one, xj))))
    initial = c * (0 - h[1][2] - dot(h[1][1], add((-one, x0)))) + f1[1][2]
    return slacks, f1[-1][2], initial


def check_instance(instance: Instance, bits: int = BITS) -> InstanceCheck:
    """The instance's classes checked (``evaluate_instance``): every slack certainly > 0, so that functions of
    the classes with these values and gradients exist; returns the ratio's ball, a proved lower bound."""
    from mdtheory.engine.context import flint_precision

    with flint_precision(bits):
        slacks, objective, initial = evaluate_instance(instance)
        failing = sum(1 for s in slacks if not s > 0)
        if failing:
            raise WorstCaseError(f"the IGA instance is not certainly in the class: {failing} inequalities")
        if not initial > 0:
            raise WorstCaseError("the IGA instance's initial quantity is not certainly positive")
        return InstanceCheck(objective / initial, len(slacks), bits)


# --------------------------------------------------------------------------- the bracket
@dataclass(frozen=True)
class Bracket:
    """The IGA's worst case at (n, L, mu, c, lam) lies in [lower, upper]: ``upper`` (a ball around the exact
    dual value c_n / c, ``exact_upper()`` as nested radicals) proved by the dual certificate, ``lower`` (a ball)
    the ratio of an explicit instance of the class. Its upper end is a proved upper bound, its lower end a
    proved lower bound."""

    n: int
    parameters: dict
    lower: object  # arb ball: the instance's ratio
    upper: object  # arb ball: c_n / c
    dual: DualCertificate
    instance: Instance
    check: InstanceCheck
    how: str

    def exact_upper(self):
        """c_n / c as sympy nested square roots (its tree grows about threefold per step: for small n)."""
        return exact_dual_value(self.n, self.parameters["c"], self.parameters["lam"])

    def width(self) -> Fraction:
        """A proved upper bound on upper - lower, as an exact rational."""
        return _fraction((self.upper - self.lower).upper())

    def ends(self) -> tuple[Fraction, Fraction]:
        """(an exact rational <= every point of the lower ball, one >= every point of the upper ball)."""
        return _fraction(self.lower.lower()), _fraction(self.upper.upper())

    def bounds_text(self, digits: int = 16) -> tuple:
        """(a decimal <= every point of the lower ball, a decimal >= every point of the upper ball)."""
        from mdtheory.checker.certify import round_down
        from mdtheory.engine.context import flint_precision

        with flint_precision(BITS):
            lower = round_down(self.lower, digits)
            upper = round_down(-self.upper, digits)
        return lower, upper[1:] if upper.startswith("-") else "-" + upper


def exact_dual_value(n: int, c, lam):
    """c_n / c = prod_t (1 - alpha_t) with the step sizes as sympy nested square roots."""
    import sympy as sp

    number = _sympy_rational
    return dual_value(step_sizes(n, c, lam, number, sp.sqrt), sp.Integer(1))


def certified_bracket(n: int = 5, L=1, mu=1, c=1, lam=1) -> Bracket:
    """A certified bracket of the worst case of PEPit's ``wc_improved_interior_algorithm(L, mu, c, lam, n)``
    (defaults: its docstring's parameters). Raises WorstCaseError where a certificate of this form is not found
    (the float dual's support or value differs from the form read at the docstring's parameters)."""
    import math

    from mdtheory.engine.context import flint_precision

    if n < 1:
        raise WorstCaseError("n: the IGA's worst case is posed for n >= 1 steps")
    L, mu, c, lam = (Fraction(v) for v in (L, mu, c, lam))
    if min(L, mu, c, lam) <= 0:
        raise WorstCaseError("L, mu, c, lam: the IGA's parameters must be positive")
    _, floats, free, _ = solve_float(n, L, mu, c, lam)
    problem_float = pose(n, L, mu, c, lam, float, step_sizes(n, c, lam, float, math.sqrt))
    closed_form = dual_value(problem_float.alphas, 1.0)
    if abs(floats[-1] - closed_form) > READING_TOLERANCE:
        raise WorstCaseError(f"the float dual value {floats[-1]} is not c_n / c = {closed_form}: no certificate "
                             "of this form here")
    dual = dual_certificate(n, L, mu, c, lam, read_recipe(problem_float, floats))
    instance = build_instance(n, L, mu, c, lam, floats, free)
    check = check_instance(instance)
    with flint_precision(BITS):
        if not check.ratio.upper() <= dual.upper.upper():
            raise WorstCaseError("the instance's ratio exceeds the dual value: a defect")
    how = (f"upper: c_n/c = prod_t (1 - alpha_t), the value of a dual certificate ({dual.multipliers} multipliers; "
           f"its {dual.equalities} equalities exact modulo the step sizes' defining quadratics, multipliers > 0 "
           f"and residual positive definite in {dual.bits}-bit ball arithmetic); lower: an explicit instance "
           f"(rational coordinates, {check.inequalities} interpolation inequalities certainly satisfied), the "
           f"worst case approached as its points shrink to x* (weight r^2 = {INSTANCE_SCALE ** 2} on an interior "
           "point)")
    return Bracket(n, {"L": L, "mu": mu, "c": c, "lam": lam}, check.ratio, dual.upper, dual, instance, check, how)
