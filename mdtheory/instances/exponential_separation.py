"""The claim-2 construction: a strongly convex, well-conditioned phi and a convex f on R^3 (PAPER.md).

Write x = (u1, u2, z), u = (u1, u2), softplus(t) = log(1 + e^t):
    f(x)   = -v z + sum_{i<K} sum_{s=+-1} r^2 softplus(s (n_i . u)/r + (z - i D)/ell),  n_i = nA (i even), nB (odd)
    phi(x) = ||x||^2/2 + B cos(a . u) cos(b z + p),  b = pi/D,  B = s_phi / (||a||^2 + b^2).
Design values: s_phi = 4/5, v = 1, nA = (2, 11/5), nB = (21/20, 14/5), ell = 1/8, D = 5/4, a = (10, 6/5),
p = 27/10; the tube width r and the ridge count K come from the horizon (K <= v ell / (4 r^2)).

This module holds the construction (symbolic and numerical) and its symbolic certificates; the claim
itself is ``claim2_exponential_separation``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from mdtheory.engine.objective import ObjectiveOracle
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.parsing import exact_number
from mdtheory.symbolic.regularizer import Regularizer, hessian

S_PHI = sp.Rational(4, 5)
DRIFT = sp.Integer(1)
N_A = (sp.Integer(2), sp.Rational(11, 5))
N_B = (sp.Rational(21, 20), sp.Rational(14, 5))
ELL = sp.Rational(1, 8)
SPACING = sp.Rational(5, 4)
A_VEC = (sp.Integer(10), sp.Rational(6, 5))
PHASE = sp.Rational(27, 10)
FREQUENCY = sp.pi / SPACING
AMPLITUDE = S_PHI / (A_VEC[0] ** 2 + A_VEC[1] ** 2 + FREQUENCY**2)

U1, U2, Z = sp.symbols("u1 u2 z", real=True)
VARIABLES = (U1, U2, Z)


def regularizer() -> Regularizer:
    phi = (U1**2 + U2**2 + Z**2) / 2 + AMPLITUDE * sp.cos(A_VEC[0] * U1 + A_VEC[1] * U2) * sp.cos(FREQUENCY * Z + PHASE)
    return Regularizer("claim2_phi", phi, VARIABLES, Domain.REALS)


def ridge_normal(i: int):
    return N_A if i % 2 == 0 else N_B


def objective_expression(K: int, r) -> sp.Expr:
    r = r if isinstance(r, sp.Basic) else exact_number(r)  # r may stay a symbol for the proofs
    terms = [
        r**2 * sp.log(1 + sp.exp(s * (ridge_normal(i)[0] * U1 + ridge_normal(i)[1] * U2) / r + (Z - i * SPACING) / ELL))
        for i in range(K) for s in (1, -1)
    ]
    return -DRIFT * Z + sp.Add(*terms)


def objective(K: int, r) -> Objective:
    """The sympy form of f (compiled directly only for small K; see ``RidgeOracle``)."""
    return Objective(f"ridges(K={K}, r={r})", objective_expression(K, r), VARIABLES)


def convexity_budget(r) -> int:
    """The largest K allowed by K <= v ell / (4 r^2)."""
    return int(sp.floor(DRIFT * ELL / (4 * exact_number(r) ** 2)))


def tube_width(K: int) -> sp.Rational:
    """The widest r (a rational with 4 significant digits, rounded down) with K <= v ell / (4 r^2)."""
    exact = sp.sqrt(DRIFT * ELL / (4 * K))
    scale = 10 ** (4 - int(math.floor(math.log10(float(exact)))) - 1)
    return sp.Rational(int(sp.floor(exact * scale)), scale)


@dataclass(frozen=True)
class RidgeOracle(ObjectiveOracle):
    """f, grad f and Hess f with the ridge sum evaluated through its exact asymptotics.

    A ridge whose two arguments g_s = s n.u/r + (z - iD)/ell are both below -cutoff contributes less than
    e^-cutoff: it is dropped, with the cutoff set past the working precision. A ridge with both arguments
    above +cutoff has softplus(g) = g to working precision: its sum is linear and is added in closed form
    (r^2 * 2 (z - iD)/ell to f, 2 r^2 / ell to df/dz, nothing to the Hessian). Only the ridges in between
    are evaluated term by term.
    """

    K: int
    r: sp.Rational

    def _constants(self, ctx):
        key = (id(ctx), ctx.prec)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            num = ctx.exact
            normals = [[num(c) for c in N_A], [num(c) for c in N_B]]
            cache[key] = {
                "r": num(self.r), "ell": num(ELL), "D": num(SPACING), "v": num(DRIFT), "n": normals,
                # Past this many units of g a ridge's deviation from its asymptote, e^-|g| times at most
                # |n|^2 + 1 < e^3, is below the working precision.
                "cutoff": ctx.exact(ctx.prec) * ctx.ln2 + 8,
                "n_max": max(abs(c) for n in normals for c in n) * 2,
            }
        return cache[key]

    def _ridges(self, ctx, x):
        """(constants, [(normal, s, g, sigma)] of active ridge terms, passed ridge count, their sum of z - iD).

        Memoized on the last point: the step and the Jacobian ask for the same x in turn."""
        memo = self.__dict__.setdefault("_memo", {})
        key = (id(ctx), ctx.prec, *map(repr, x))  # repr: arb balls are not hashable
        if key in memo:
            return memo[key]
        c = self._constants(ctx)
        u1, u2, z = x
        # Every |n.u|/r is at most n_max (|u1| + |u2|)/r: ridges farther than that plus the cutoff, in units
        # of ell, are at their asymptotes.
        reach = (c["cutoff"] + c["n_max"] * (abs(u1) + abs(u2)) / c["r"]) * c["ell"]
        first = max(0, int(ctx.floor((z - reach) / c["D"])))
        last = min(self.K - 1, int(ctx.ceil((z + reach) / c["D"])))
        terms = []
        passed_below = min(first, self.K)
        for i in range(first, last + 1):
            n = c["n"][i % 2]
            along = (n[0] * u1 + n[1] * u2) / c["r"]
            shift = (z - i * c["D"]) / c["ell"]
            for s in (1, -1):
                g = s * along + shift
                terms.append((n, s, g, _sigmoid(ctx, g)))
        passed_offset = passed_below * z - c["D"] * passed_below * (passed_below - 1) / 2
        memo.clear()
        memo[key] = (c, terms, passed_below, passed_offset)
        return memo[key]

    def truncation_error(self, ctx):
        """A bound on what the asymptotic treatment leaves out of any gradient component: each of at most 2K
        ridge terms is within e^-(cutoff - 1) of its asymptote (the slack covers a ball's width), times
        at most r |n|_max + r^2/ell."""
        c = self._constants(ctx)
        per_term = c["r"] * c["n_max"] + c["r"] ** 2 / c["ell"]
        return 2 * self.K * per_term * ctx.exp(-(c["cutoff"] - 1))

    def value(self, ctx, x, params=()):
        c, terms, passed, offset = self._ridges(ctx, x)
        r2 = c["r"] ** 2
        total = -c["v"] * x[2] + r2 * 2 * offset / c["ell"]
        for _, _, g, _ in terms:
            total += r2 * (g + ctx.log1p(ctx.exp(-g)) if g > 0 else ctx.log1p(ctx.exp(g)))
        return total

    def gradient(self, ctx, x, params=()):
        c, terms, passed, _ = self._ridges(ctx, x)
        r, ell = c["r"], c["ell"]
        g0 = g1 = ctx.mpf(0)
        g2 = -c["v"] + passed * 2 * r * r / ell
        for n, s, _, sigma in terms:
            weight = r * sigma * s
            g0 += weight * n[0]
            g1 += weight * n[1]
            g2 += r * r * sigma / ell
        return [g0, g1, g2]

    def hessian(self, ctx, x, params=()):
        c, terms, _, _ = self._ridges(ctx, x)
        ratio = c["r"] / c["ell"]
        h = [ctx.mpf(0)] * 6  # (00, 01, 02, 11, 12, 22)
        for n, s, _, sigma in terms:
            weight = sigma * (1 - sigma)
            w0, w1, w2 = s * n[0], s * n[1], ratio
            h[0] += weight * w0 * w0
            h[1] += weight * w0 * w1
            h[2] += weight * w0 * w2
            h[3] += weight * w1 * w1
            h[4] += weight * w1 * w2
            h[5] += weight * w2 * w2
        return [[h[0], h[1], h[2]], [h[1], h[3], h[4]], [h[2], h[4], h[5]]]


def _sigmoid(ctx, t):
    if t >= 0:
        return 1 / (1 + ctx.exp(-t))
    e = ctx.exp(t)
    return e / (1 + e)


def hessian_bound_certificate() -> dict:
    """Prove (1 - s_phi) I <= Hess phi <= (1 + s_phi) I on all of R^3, symbolically.

    Hess phi = I + B N with N the Hessian of cos(a.u) cos(bz + p). In the orthonormal frame
    (a/|a|, a_perp/|a|, e_z), N = 0 on a_perp and, on span(a/|a|, e_z),
        N2 = [[-A c, sqrt(A) b s], [sqrt(A) b s, -b^2 c]],  A = |a|^2, c = c1 c2, s = s1 s2.
    With S = A + b^2, both S I - N2 and S I + N2 are positive semidefinite: their traces are >= 2S - S > 0,
    and their determinants are S^2 (1 -+ (X + Y)/2) + A b^2 X Y with X = cos(th1 + th2), Y = cos(th1 - th2)
    ranging over [-1, 1]^2 independently. The determinant is bilinear in (X, Y), so its minimum over the
    square is at a corner; sympy evaluates the four corners exactly. Hence spec(N) is in [-S, S] and
    spec(Hess phi) in [1 - B S, 1 + B S] = [1 - s_phi, 1 + s_phi].
    """
    reg = regularizer()
    th1, th2, X, Y = sp.symbols("theta1 theta2 X Y", real=True)
    A = A_VEC[0] ** 2 + A_VEC[1] ** 2
    b = FREQUENCY
    S = A + b**2
    c1, s1, c2, s2 = sp.cos(th1), sp.sin(th1), sp.cos(th2), sp.sin(th2)
    a = sp.Matrix(A_VEC)
    structured = sp.zeros(3, 3)
    structured[:2, :2] = -a * a.T * c1 * c2
    structured[:2, 2] = a * b * s1 * s2
    structured[2, :2] = (a * b * s1 * s2).T
    structured[2, 2] = -b**2 * c1 * c2
    N = (hessian(reg) - sp.eye(3)) / AMPLITUDE
    N = N.subs({sp.cos(A_VEC[0] * U1 + A_VEC[1] * U2): c1, sp.sin(A_VEC[0] * U1 + A_VEC[1] * U2): s1,
                sp.cos(FREQUENCY * Z + PHASE): c2, sp.sin(FREQUENCY * Z + PHASE): s2})
    structure = sp.simplify(N - structured) == sp.zeros(3, 3)
    a_perp = sp.Matrix([-A_VEC[1], A_VEC[0], 0])
    null_direction = sp.simplify(structured * a_perp) == sp.zeros(3, 1)
    c, s = (X + Y) / 2, (Y - X) / 2  # c1 c2 and s1 s2 in terms of X = cos(th1 + th2), Y = cos(th1 - th2)
    product_identities = (sp.simplify(sp.expand_trig(sp.cos(th1 + th2)) - (c1 * c2 - s1 * s2)) == 0
                          and sp.simplify(sp.expand_trig(sp.cos(th1 - th2)) - (c1 * c2 + s1 * s2)) == 0)
    corners_ok, traces_ok, bilinear = True, True, True
    corner_values = {}
    for sign in (1, -1):
        block = sp.Matrix([[S + sign * A * c, -sign * sp.sqrt(A) * b * s], [-sign * sp.sqrt(A) * b * s, S + sign * b**2 * c]])
        det = sp.expand(block.det())
        bilinear &= sp.degree(det, X) <= 1 and sp.degree(det, Y) <= 1
        for cx in (-1, 1):
            for cy in (-1, 1):
                value = sp.simplify(det.subs({X: cx, Y: cy}))
                corner_values[(sign, cx, cy)] = value
                corners_ok &= bool(sp.N(value, 50) >= 0)
        trace = sp.expand(block.trace())
        for cx in (-1, 1):
            for cy in (-1, 1):
                traces_ok &= bool(sp.N(trace.subs({X: cx, Y: cy}), 50) > 0)
    amplitude_identity = sp.simplify(AMPLITUDE * S - S_PHI) == 0
    proved = structure and null_direction and product_identities and bilinear and corners_ok and traces_ok and amplitude_identity
    return {
        "proved": bool(proved),
        "structure": structure, "null_direction": null_direction, "product_identities": product_identities,
        "bilinear": bilinear, "corners_nonnegative": corners_ok, "traces_positive": traces_ok,
        "B*S == s_phi": amplitude_identity,
        "spectrum": (1 - S_PHI, 1 + S_PHI), "condition_number": (1 + S_PHI) / (1 - S_PHI),
        "min_corner": min(sp.N(v, 12) for v in corner_values.values()),
    }


def convexity_certificate() -> dict:
    """Each ridge term r^2 softplus(w.x + c) has Hessian r^2 sigma'(g) w w^T with sigma' > 0 (a nonnegative
    multiple of an outer product); the drift -v z is linear. So f is convex for every K and r."""
    n1, n2, r, ell, shift = sp.symbols("n1 n2 r ell c", real=True)
    r_pos, ell_pos = sp.Symbol("r", positive=True), sp.Symbol("ell", positive=True)
    proved = True
    for s in (1, -1):
        g = s * (n1 * U1 + n2 * U2) / r_pos + (Z - shift) / ell_pos
        term = r_pos**2 * sp.log(1 + sp.exp(g))
        w = sp.Matrix([s * n1 / r_pos, s * n2 / r_pos, 1 / ell_pos])
        sigma_prime = sp.exp(g) / (1 + sp.exp(g)) ** 2
        difference = sp.simplify(sp.hessian(term, VARIABLES) - r_pos**2 * sigma_prime * w * w.T)
        proved &= difference == sp.zeros(3, 3)
    t = sp.Symbol("t", real=True)
    positive = (sp.exp(t) / (1 + sp.exp(t)) ** 2).is_positive
    return {"proved": bool(proved and positive), "ridge_hessian_is_outer_product": bool(proved),
            "sigma_prime_positive": bool(positive)}


def smoothness_certificate() -> dict:
    """A smoothness constant of f independent of K and r (for r <= ell).

    Hess f = sum_{i,s} sigma'(g_is) (r grad g_is)(r grad g_is)^T and ||r grad g||^2 = |n_i|^2 + (r/ell)^2.
    For fixed s and parity, the arguments g of successive ridges differ by exactly 2D/ell = Lambda, and
    sigma'(t) <= min(1/4, e^-|t|), so the sum of sigma' over them is at most
    C = 1/4 + 2 e^{-Lambda/2} / (1 - e^{-Lambda}). Hence L_f <= 2 C (|nA|^2 + |nB|^2 + 2 (r/ell)^2)
    <= 2 C (|nA|^2 + |nB|^2 + 2).
    """
    t = sp.Symbol("t", real=True)
    sigma_prime = sp.exp(t) / (1 + sp.exp(t)) ** 2
    # sigma' <= 1/4: (1 + e^t)^2 - 4 e^t = (1 - e^t)^2 >= 0.
    quarter = sp.simplify((1 + sp.exp(t)) ** 2 - 4 * sp.exp(t) - (1 - sp.exp(t)) ** 2) == 0
    # sigma'(t) <= e^{-t} for t >= 0 (and it is even): (1 + e^t)^2 - e^{2t} = 1 + 2 e^t > 0.
    tail = sp.simplify((1 + sp.exp(t)) ** 2 - sp.exp(2 * t) - (1 + 2 * sp.exp(t))) == 0
    even = sp.simplify(sigma_prime.subs(t, -t) - sigma_prime) == 0
    spacing = 2 * SPACING / ELL
    per_family = sp.Rational(1, 4) + 2 * sp.exp(-spacing / 2) / (1 - sp.exp(-spacing))
    norms = sum(c**2 for c in N_A) + sum(c**2 for c in N_B)
    bound = 2 * per_family * (norms + 2)
    return {"proved": bool(quarter and tail and even), "Lambda": spacing, "per_family_sum": per_family,
            "L_f_bound": bound, "L_f_bound_value": sp.N(bound, 10)}


def invariance_certificate() -> dict:
    """f and phi are even in u, so grad_u vanishes on u = 0; with phi strictly convex the inverse mirror
    map of a dual point with y_u = 0 is on the line, so MD (and GD) never leave u = 0."""
    reg = regularizer()
    f = objective_expression(2, sp.Symbol("r", positive=True))
    flip = {U1: -U1, U2: -U2}
    even_f = sp.simplify(f.xreplace(flip) - f) == 0
    even_phi = sp.simplify(reg.phi.xreplace(flip) - reg.phi) == 0
    on_line = {U1: 0, U2: 0}
    grad_u_f = [sp.simplify(sp.diff(f, v).subs(on_line)) for v in (U1, U2)]
    grad_u_phi = [sp.simplify(sp.diff(reg.phi, v).subs(on_line)) for v in (U1, U2)]
    proved = even_f and even_phi and all(g == 0 for g in grad_u_f + grad_u_phi)
    return {"proved": bool(proved), "f_even_in_u": even_f, "phi_even_in_u": even_phi,
            "grad_u_vanishes_on_line": all(g == 0 for g in grad_u_f + grad_u_phi)}
