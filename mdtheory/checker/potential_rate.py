"""Rates for every T whose multipliers depend on the step: the suboptimality of GD and MD.

With ||x_0 - x*||^2/2 <= 1 (GD) or D_phi(x*, x_0) <= 1 (MD), the potential

    phi_k = eta k (f(x_k) - f*) + D(x*, x_k)        (D = ||.||^2/2 for GD, D_phi for MD)

is non-increasing in k when eta <= 1/L_f (GD) or eta <= mu_phi/L_f (MD: f is (L_f/mu_phi)-smooth relative to
phi, NoLips' setting in mdtheory's class), so eta T (f(x_T) - f*) <= phi_T <= phi_0 <= 1: f(x_T) - f* <= 1/(eta T)
for every T >= 1 (Bauschke, Bolte & Teboulle's D/(gamma n); for GD the textbook O(1/T)). One step, from k to
k + 1, is a small PEP whose objective phi_(k+1) - phi_k is affine in k; so are the multipliers that prove it
<= 0, lambda(k) = c0 + c1 k, solved for directly (one SDP), rationalized, and then the identity (the function
values cancel: polynomial identities in k), the signs (c0, c1 >= 0) and the residual S(k) = S0 + k S1 (a matrix
identity in k), PSD for every k >= 0 because S0 and S1 are (exact LDL^T; and conversely S(k) PSD for every k
forces both: k = 0, and S(k)/k as k grows), verified with sympy symbolically in k: for every k, not at one k.
Translations and tilts that keep the class put x* (and for MD y*) at the origin with f* = 0, grad f(x*) = 0.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

from mdtheory.checker.potential import (EVERY_T_SCHEMA, Part, _add, _Function, _Leaves, _lin, _matrix, _part_json,
                                        _Problem, _quadratic, exact_text, interpolation)
from mdtheory.checker.reading import exactly, reading
from mdtheory.verdict import INCONCLUSIVE, VIOLATED
from mdtheory.checker.worst_case import (INACTIVE, PROVED, RATIONALIZATIONS, 
                                        WorstCaseError, _ldlt, _quadratic_suboptimality, _restore_value_equations)

FIRST_HORIZONS = 3  # explicit instances (one-dimensional quadratics) are evaluated exactly at T = 1..this



@dataclass(frozen=True)
class StepRate:
    """A proof that phi_(k+1) <= phi_k for every k >= 0 (module docstring): the multipliers as affine
    functions of k (exact), the two halves of the certificate (free of k, per unit k: each a ``Part`` whose
    multipliers are c0, resp. c1) and what was verified."""

    method: str
    eta: Fraction
    multipliers: tuple  # ((function, i, j), c0, c1): lambda = c0 + c1 k
    parts: tuple  # (Part for objective_0 with c0, Part for objective_1 with c1)
    checks: tuple  # what was verified symbolically, in words


def one_step(method: str, eta: Fraction, L_f: Fraction, mu_phi=None, L_phi=None):
    """(functions, number of points, number of values, objective's constant part, its part per unit k): the
    objective phi_(k+1) - phi_k = objective_0 + k objective_1."""
    leaves = _Leaves()
    f = _Function("f", "convex and L-smooth", L_f, Fraction(0), [({}, {}, {})])  # (x*, 0, f*) at the origin
    if method == "gd":
        x, g, g1 = leaves.point(), leaves.point(), leaves.point()
        fk, fk1 = leaves.value(), leaves.value()
        x1 = _lin((1, x), (-eta, g))
        f.points += [(x, g, fk), (x1, g1, fk1)]
        distance = _add((Fraction(1, 2), _quadratic(x1, x1)), (Fraction(-1, 2), _quadratic(x, x)))
        functions = [f]
    elif method == "md":
        h = _Function("h = phi* (the conjugate of phi)", "mu-strongly convex and L-smooth", 1 / mu_phi, 1 / L_phi,
                      [({}, {}, leaves.value())])  # (y*, x*, h*) at the origin
        y, g, x, g1, x1 = (leaves.point() for _ in range(5))
        hk, hk1, fk, fk1 = (leaves.value() for _ in range(4))
        h.points += [(y, x, hk), (_lin((1, y), (-eta, g)), x1, hk1)]
        f.points += [(x, g, fk), (x1, g1, fk1)]
        # D_phi(x*, x_k) = h(y_k) - h(y*) - <x*, y_k - y*> = h_k - h* with x* = 0: the difference is h_(k+1) - h_k
        distance = ({}, _lin((1, hk1), (-1, hk)), Fraction(0))
        functions = [f, h]
    elif method in PEPIT_BREGMAN:
        return _pepit_bregman_step(method, eta, L_f)
    else:
        raise WorstCaseError(f"method: {method!r}; the suboptimality for every T is posed for gd and md")
    objective_0 = _add((1, distance), (eta, ({}, fk1, Fraction(0))))  # eta (k + 1) f_(k+1) - eta k f_k, f* = 0
    objective_1 = ({}, _lin((eta, fk1), (-eta, fk)), Fraction(0))
    return functions, leaves.points, leaves.values, objective_0, objective_1


PEPIT_BREGMAN = ("nolips", "bregman_proximal_point")  # PEPit's classes, posed by the library only


def _pepit_bregman_step(method: str, gamma: Fraction, L: Fraction):
    """One step of PEPit's Bregman examples, in their classes (convex functions, not smooth):

    - ``nolips`` (PEPit's "NoLips in function value"): f_1 convex and L-smooth relative to h (f_1 and
      d = L h - f_1 convex), f_2 the indicator of a closed convex set; grad h(x_(k+1)) = grad h(x_k) - gamma
      (grad f_1(x_k) + n_(k+1)) with n_(k+1) normal to the set at x_(k+1); x* minimizes f_1 + f_2
      (grad f_1(x*) = -n*); D = D_h. The normal at x_k is a free leaf (a larger class: still an upper bound).
    - ``bregman_proximal_point``: f_1, f_2 convex; grad f_2(x_(k+1)) = grad f_2(x_k) - gamma grad f_1(x_(k+1));
      x* minimizes f_1; D = D_(f_2).

    With x* = 0, f_1(x*) = 0, and the kernel's value and gradient 0 at x* (a shift and a tilt of the kernel,
    which keep every class and every step), D(x*, x_k) = <s_k, x_k> - h_k."""
    leaves = _Leaves()
    if method == "nolips":
        g_star, x, g, s, n_k, x1, g1, n1 = (leaves.point() for _ in range(8))
        fk, fk1, hk, hk1 = (leaves.value() for _ in range(4))
        s1 = _lin((1, s), (-gamma, g), (-gamma, n1))
        f1 = _Function("f_1", "convex", None, Fraction(0), [({}, g_star, {}), (x, g, fk), (x1, g1, fk1)])
        f2 = _Function("f_2 (an indicator)", "convex", None, Fraction(0),
                       [({}, _lin((-1, g_star)), {}), (x, n_k, {}), (x1, n1, {})])
        h = _Function("h", "convex", None, Fraction(0), [({}, {}, {}), (x, s, hk), (x1, s1, hk1)])
        d = _Function("d = L h - f_1", "convex", None, Fraction(0),
                      [({}, _lin((-1, g_star)), {}), (x, _lin((L, s), (-1, g)), _lin((L, hk), (-1, fk))),
                       (x1, _lin((L, s1), (-1, g1)), _lin((L, hk1), (-1, fk1)))])
        functions = [f1, f2, h, d]
    else:
        x, g, s, x1, g1 = (leaves.point() for _ in range(5))
        fk, fk1, hk, hk1 = (leaves.value() for _ in range(4))
        s1 = _lin((1, s), (-gamma, g1))
        f1 = _Function("f_1", "convex", None, Fraction(0), [({}, {}, {}), (x, g, fk), (x1, g1, fk1)])
        h = _Function("f_2 (the kernel)", "convex", None, Fraction(0), [({}, {}, {}), (x, s, hk), (x1, s1, hk1)])
        functions = [f1, h]
    divergence = lambda point, gradient, value: _add((1, _quadratic(gradient, point)), (-1, ({}, value, Fraction(0))))
    distance = _add((1, divergence(x1, s1, hk1)), (-1, divergence(x, s, hk)))
    objective_0 = _add((1, distance), (gamma, ({}, fk1, Fraction(0))))
    objective_1 = ({}, _lin((gamma, fk1), (-gamma, fk)), Fraction(0))
    return functions, leaves.points, leaves.values, objective_0, objective_1


def _inequalities(functions) -> list:
    return [((k, i, j), interpolation(fn.L, fn.mu, *fn.points[i], *fn.points[j]))
            for k, fn in enumerate(functions) for i in range(len(fn.points)) for j in range(len(fn.points)) if i != j]


def _solve_affine(inequalities, n: int, m: int, objective_0, objective_1):
    """Multipliers lambda(k) = c0 + c1 k (floats) with c0, c1 >= 0, the function values cancelling at every k
    (two linear systems: the parts free of k and per unit k) and the residual S(k) = S0 + k S1 PSD for every
    k >= 0, which holds exactly when S0 and S1 are both PSD (k = 0, and S(k)/k as k grows); the least total.
    None when the solver finds none."""
    import cvxpy as cp

    c0, c1 = cp.Variable(len(inequalities), nonneg=True), cp.Variable(len(inequalities), nonneg=True)
    constraints = []
    for c, objective in ((c0, objective_0), (c1, objective_1)):
        residual = sum(c[j] * _matrix(form[0], n) for j, (_, form) in enumerate(inequalities))
        residual = residual - _matrix(objective[0], n)
        slack = cp.Variable((n, n), PSD=True)
        constraints += [slack == residual] + [
            sum(c[j] * float(form[1].get(r, 0)) for j, (_, form) in enumerate(inequalities))
            == float(objective[1].get(r, 0)) for r in range(m)]
    sdp = cp.Problem(cp.Minimize(cp.sum(c0) + cp.sum(c1)), constraints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sdp.solve(solver="CLARABEL")
        except Exception:  # a solver failure proves nothing; the caller says so
            return None
    if sdp.status not in ("optimal", "optimal_inaccurate"):
        return None
    return [max(float(v), 0.0) for v in c0.value], [max(float(v), 0.0) for v in c1.value]


def _exact_half(duals, digits, inequalities, objective, n, m):
    """One of c0, c1 rationalized (coarse first), its value equations restored exactly, and its residual
    factored: (multipliers, residual, factors) or None."""
    forms = [form for _, form in inequalities]
    largest = max(duals, default=0.0)
    lam = [Fraction(d).limit_denominator(10 ** digits) if d > INACTIVE * max(largest, 1e-300) else Fraction(0)
           for d in duals]
    restored, _ = _restore_value_equations([Fraction(0), *lam], [({}, {}, Fraction(0)), *forms], objective[1], m)
    if restored is None:
        return None
    lam = restored[1:]
    total = _add(*((value, form) for value, form in zip(lam, forms)), (-1, objective))
    if total[1] or total[2] > 0:
        return None
    residual = [[total[0].get((i, j), Fraction(0)) for j in range(n)] for i in range(n)]
    factors = _ldlt(residual)
    return None if factors is None else (lam, residual, factors)


def certify_step(method: str, eta: Fraction, L_f: Fraction, mu_phi=None, L_phi=None) -> tuple[StepRate | None, str]:
    """(the proof that phi_(k+1) <= phi_k for every k >= 0, how) or (None, why not)."""
    import sympy as sp

    functions, n, m, objective_0, objective_1 = one_step(method, eta, L_f, mu_phi, L_phi)
    inequalities = _inequalities(functions)
    solved = _solve_affine(inequalities, n, m, objective_0, objective_1)
    if solved is None:
        return None, "the SDP found no multipliers affine in k (the step may be too long for this potential)"
    for digits in RATIONALIZATIONS:
        halves = [_exact_half(duals, digits, inequalities, objective, n, m)
                  for duals, objective in zip(solved, (objective_0, objective_1))]
        if None in halves:
            continue
        (lam0, S0, factors0), (lam1, S1, factors1) = halves
        # symbolically in k: lambda(k) = c0 + c1 k, the identity and S(k) = S0 + k S1 as polynomials in k
        k = sp.Symbol("k", nonnegative=True)
        q = lambda value: sp.Rational(value.numerator, value.denominator)
        lam = [q(c0) + q(c1) * k for c0, c1 in zip(lam0, lam1)]
        forms = [form for _, form in inequalities]
        for r in range(m):
            identity = sum(l * q(form[1].get(r, Fraction(0))) for l, form in zip(lam, forms)) \
                - q(objective_0[1].get(r, Fraction(0))) - k * q(objective_1[1].get(r, Fraction(0)))
            if sp.expand(identity) != 0:
                raise WorstCaseError("the exact multipliers do not cancel the function values in k: a bug")
        S = sp.zeros(n, n)
        for l, form in zip(lam, forms):
            for (i, j), c in form[0].items():
                S[i, j] += l * q(c)
        for (i, j), c in objective_0[0].items():
            S[i, j] -= q(c)
        for (i, j), c in objective_1[0].items():
            S[i, j] -= k * q(c)
        if sp.expand(S - sp.Matrix(S0).applyfunc(q) - k * sp.Matrix(S1).applyfunc(q)) != sp.zeros(n, n):
            raise WorstCaseError("the residual is not S0 + k S1: a bug")
        multipliers = tuple((label, c0, c1) for (label, _), c0, c1 in zip(inequalities, lam0, lam1) if c0 or c1)
        problem = _Problem(n, m, functions, [])
        parts = tuple(Part(name, proves, problem, objective,
                           tuple((label, value, form) for (label, form), value in zip(inequalities, lam) if value),
                           tuple(tuple(row) for row in residual), factors)
                      for name, proves, objective, lam, residual, factors in (
                          ("step, free of k", "the part of phi_(k+1) - phi_k free of k, with the multipliers c0",
                           objective_0, lam0, S0, factors0),
                          ("step, per unit k", "the part of phi_(k+1) - phi_k per unit k, with the multipliers c1",
                           objective_1, lam1, S1, factors1)))
        checks = ("every multiplier is c0 + c1 k with c0, c1 >= 0 (exact)",
                  f"the function values cancel for every k: {m} polynomial identities in k (sympy)",
                  "the residual is S0 + k S1 for every k (sympy), S0 and S1 PSD by exact LDL^T: PSD for every k >= 0")
        return StepRate(method, eta, multipliers, parts, checks), \
            f"multipliers affine in k, rationalized to 1e-{digits} and verified for every k"
    return None, "no rationalization of the affine multipliers gave PSD residuals S0 and S1 exactly"


# --------------------------------------------------------------------------- claims for every T
def suboptimality_verdict_lines(result) -> list[str]:
    """The last lines of a suboptimality answer for every T: why, then the verdict against what was expected."""
    lines = [] if result.why is None else [f"{result.verdict}: {result.why.text()}"]
    if result.verdict is not None:
        claim = result.claim
        lines.append(f"claim suboptimality <= {claim.bound} for every T: {result.verdict} (expected {claim.expected})")
    return lines


@dataclass(frozen=True)
class RateVerdict:
    """A suboptimality claim for every T: the certified rate 1/(eta T) (or None, with why), the best explicit
    instance at T = 1..FIRST_HORIZONS (exact), and the verdict."""

    claim: object
    step: StepRate | None
    how: str
    lower: tuple  # (T, exact lower bound, how) per horizon evaluated
    verdict: str | None
    why: object  # a Reading, or None

    no_file_why = "no potential was certified"  # what --certificate says when ``certified`` is False

    @property
    def certified(self) -> bool:
        return self.step is not None

    def lines(self) -> list[str]:
        claim = self.claim
        lines = [f"{claim.method}, eta = {claim.eta} (L_f = {claim.L_f}"
                 + (f", phi: mu = {claim.mu_phi}, L = {claim.L_phi}" if claim.method != "gd" else "")
                 + "), suboptimality, every T >= 1"]
        if self.step is None:
            lines.append(f"no rate certified: {self.how}")
        else:
            lines.append(reading("certified for every T: f(x_T) - f* <= 1/(eta T) = ", exactly(1 / self.claim.eta),
                                 f"/T ({self.how})").text())
        for T, value, how in self.lower:
            lines.append(reading("T = ", exactly(T), ": an explicit instance has f(x_T) - f* = ",
                                 exactly(value), f" ({how})").text())
        return lines + suboptimality_verdict_lines(self)

    def as_json(self) -> dict:
        q = exact_text
        claim = self.claim
        return {"quantity": claim.quantity, "method": claim.method, "eta": q(claim.eta), "L_f": q(claim.L_f),
                "mu_phi": None if claim.mu_phi is None else q(claim.mu_phi),
                "L_phi": None if claim.L_phi is None else q(claim.L_phi), "horizons": "all",
                "bound": None if claim.bound is None else str(claim.bound), "expected": claim.expected,
                "verdict": self.verdict, "why": None if self.why is None else self.why.text(),
                "why_figures": None if self.why is None else self.why.as_json(),
                "rate": None if self.step is None else {
                    "bound": f"{q(1 / claim.eta)}/T", "how": self.how, "checks": list(self.step.checks),
                    "multipliers": [{"which": {"function": k, "i": i, "j": j}, "c0": q(c0), "c1": q(c1)}
                                    for (k, i, j), c0, c1 in self.step.multipliers]},
                "explicit_instances": [{"T": T, "suboptimality": q(value), "instance": how}
                                       for T, value, how in self.lower]}

    def document(self, source: str) -> dict:
        from pathlib import Path

        q = exact_text
        claim = self.claim
        divergence = "||x_0 - x*||^2/2" if claim.method == "gd" else "D_phi(x*, x_0)"
        phi = ("" if claim.method == "gd" else
               f" and every phi {claim.mu_phi}-strongly convex and {claim.L_phi}-smooth")
        statement = (f"for every convex {claim.L_f}-smooth f{phi}, in any dimension, and every T >= 1, "
                     + ("gradient descent" if claim.method == "gd" else "mirror descent")
                     + f" with eta = {claim.eta} satisfies f(x_T) - f* <= {q(1 / claim.eta)}/T when {divergence} <= 1")
        return {"schema": EVERY_T_SCHEMA, "source": Path(source).name,
                "claim": {"method": claim.method, "quantity": claim.quantity, "eta": q(claim.eta), "L_f": q(claim.L_f),
                          "mu_phi": None if claim.mu_phi is None else q(claim.mu_phi),
                          "L_phi": None if claim.L_phi is None else q(claim.L_phi),
                          "rate": f"{q(1 / claim.eta)}/T", "bound": None if claim.bound is None else str(claim.bound),
                          "verdict": self.verdict, "statement": statement},
                "potential": {"phi_k": "eta k (f(x_k) - f*) + "
                                       + ("||x_k - x*||^2/2" if claim.method == "gd" else "D_phi(x*, x_k)")},
                "parts": [_part_json(part) for part in self.step.parts]}


def _at_least_for_every_t(bound, rate):
    """bound(T) >= rate(T) for every integer T >= 1, shown exactly: with T = 1 + u, the difference is a rational
    function of u whose numerator and denominator have coefficients of one sign (a sufficient test); None when
    the test does not decide."""
    import sympy as sp

    from mdtheory.checker.bounds import T as T_SYMBOL

    u = sp.Symbol("u", nonnegative=True)
    difference = sp.cancel(sp.together((bound - rate).subs(T_SYMBOL, 1 + u)))
    if difference == 0:
        return True
    numerator, denominator = sp.fraction(difference)
    try:
        numerator, denominator = sp.Poly(numerator, u), sp.Poly(denominator, u)
    except sp.PolynomialError:
        return None
    if not all(c.is_Rational for c in numerator.all_coeffs() + denominator.all_coeffs()):
        return None
    if all(c <= 0 for c in denominator.all_coeffs()):
        numerator, denominator = -numerator, -denominator
    if not all(c >= 0 for c in denominator.all_coeffs()) or denominator.eval(0) == 0:
        return None
    return True if all(c >= 0 for c in numerator.all_coeffs()) else None


def check_rate(claim) -> RateVerdict:
    """A suboptimality claim with horizons "all" (gd or md)."""
    import sympy as sp

    from mdtheory.checker.bounds import ETA_T, T as T_SYMBOL

    if claim.method not in ("gd", "md"):
        raise WorstCaseError("[worst_case] method: the suboptimality for every T is posed for gd and md")
    eta = claim.eta
    step, how = certify_step(claim.method, eta, claim.L_f, claim.mu_phi, claim.L_phi)
    bound = None if claim.bound is None else claim.bound.subs(ETA_T, sp.Rational(eta.numerator, eta.denominator)
                                                              * T_SYMBOL)
    mu = claim.mu_phi if claim.method == "md" else Fraction(1)
    lower, violated = [], None
    for T in range(1, FIRST_HORIZONS + 1):
        value, described = _quadratic_suboptimality(eta, T, claim.L_f, mu)
        lower.append((T, value, described))
        if bound is not None and violated is None and \
                sp.simplify(sp.Rational(value.numerator, value.denominator) - bound.subs(T_SYMBOL, T)) > 0:
            violated = T
    if bound is None:
        return RateVerdict(claim, step, how, tuple(lower), None, None)
    if violated is not None:
        return RateVerdict(claim, step, how, tuple(lower), VIOLATED,
                           reading("the explicit instance exceeds the claim at T = ", exactly(violated)))
    if step is None:
        return RateVerdict(claim, None, how, tuple(lower), INCONCLUSIVE, reading(f"no rate certified: {how}"))
    rate = 1 / (sp.Rational(eta.numerator, eta.denominator) * T_SYMBOL)
    if _at_least_for_every_t(bound, rate):
        return RateVerdict(claim, step, how, tuple(lower), PROVED, None)
    return RateVerdict(claim, step, how, tuple(lower), INCONCLUSIVE,
                       reading("the certified rate ", exactly(1 / eta), "/T is not shown below the claim at every T "
                               "(the potential eta k (f_k - f*) + D proves no better)"))


# --------------------------------------------------------------------------- for every step size too (GD)
ETA_SAMPLES = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1))  # eta L at which GD's step is solved


@dataclass(frozen=True)
class EveryStepSize:
    """GD's potential step proved for every k >= 0, every L > 0 and every 0 < eta <= 1/L at once: the multipliers
    as closed forms c0(eta) + c1(eta) k, and the symbolic LDL^T pivots of S0 and S1 (functions of eta and L)."""

    multipliers: tuple  # ((function, i, j), c0(eta), c1(eta)) as sympy expressions
    pivots: tuple  # sympy expressions in eta and L, each >= 0 wherever 0 < eta L <= 1
    checks: tuple


def _nonnegative_where_step_allowed(expression, eta, L) -> bool:
    """expression(eta, L) >= 0 for every L > 0 and 0 < eta <= 1/L: with eta = 1/(L (1 + u)), u >= 0, the numerator
    and denominator are polynomials in u and L with coefficients of one sign each (a sufficient test, exact)."""
    import sympy as sp

    u = sp.Symbol("u", nonnegative=True)
    numerator, denominator = sp.fraction(sp.cancel(sp.together(expression.subs(eta, 1 / (L * (1 + u))))))
    numerator, denominator = sp.Poly(sp.expand(numerator), u, L), sp.Poly(sp.expand(denominator), u, L)
    if numerator.is_zero:
        return True
    signs = lambda poly: {sp.sign(c) for c in poly.coeffs()}
    return len(signs(numerator)) == 1 and len(signs(denominator)) == 1


def certify_gd_step_for_every_step_size() -> tuple[EveryStepSize | None, str]:
    """Solve GD's step at eta L in ETA_SAMPLES (L = 1), fit each multiplier's c0 and c1 as a + b eta through the
    first two samples (exact rationals), require the fit exact at the others, and verify with eta, L and k
    symbolic: the function values cancel (polynomial identities), every c0(eta), c1(eta) >= 0 for eta > 0, and
    S0, S1 PSD wherever 0 < eta L <= 1 (symbolic LDL^T, each pivot shown >= 0 there)."""
    import sympy as sp

    solved = []
    for eta in ETA_SAMPLES:
        step, how = certify_step("gd", eta, Fraction(1))
        if step is None:
            return None, f"at eta L = {eta}: {how}"
        solved.append({label: (c0, c1) for label, c0, c1 in step.multipliers})
    labels = sorted(set().union(*solved))
    eta, L, k = sp.symbols("eta L k", positive=True)
    fitted = {}
    for label in labels:
        forms = []
        for which in (0, 1):
            values = [row.get(label, (Fraction(0), Fraction(0)))[which] for row in solved]
            slope = (values[1] - values[0]) / (ETA_SAMPLES[1] - ETA_SAMPLES[0])
            offset = values[0] - slope * ETA_SAMPLES[0]
            if any(offset + slope * sample != value for sample, value in zip(ETA_SAMPLES, values)):
                return None, f"the multiplier on {label} is not affine in eta at the samples"
            forms.append(sp.Rational(offset.numerator, offset.denominator)
                         + sp.Rational(slope.numerator, slope.denominator) * eta)
        fitted[label] = tuple(forms)
    if any(x < 0 for pair in fitted.values() for c in pair for x in sp.Poly(c, eta).coeffs()):
        return None, "a fitted multiplier is negative for some eta > 0"
    functions, n, m, objective_0, objective_1 = one_step("gd", eta, L)
    inequalities = dict(_inequalities(functions))
    pivots = []
    for which, objective in ((0, objective_0), (1, objective_1)):
        for r in range(m):
            identity = sum(c[which] * inequalities[label][1].get(r, 0) for label, c in fitted.items()) \
                - objective[1].get(r, 0)
            if sp.expand(identity) != 0:
                return None, "the fitted multipliers do not cancel the function values for every eta"
        S = sp.zeros(n, n)
        for label, c in fitted.items():
            for (i, j), value in inequalities[label][0].items():
                S[i, j] += c[which] * value
        for (i, j), value in objective[0].items():
            S[i, j] -= value
        for p in range(n):
            d = sp.cancel(S[p, p])
            if d == 0:
                if any(sp.cancel(S[p, j]) != 0 for j in range(p + 1, n)):
                    return None, "a zero pivot with a nonzero row"
                continue
            if not _nonnegative_where_step_allowed(d, eta, L):
                return None, f"the pivot {d} is not shown >= 0 for 0 < eta L <= 1"
            pivots.append(d)
            for i in range(p + 1, n):
                factor = sp.cancel(S[i, p] / d)
                for j in range(p + 1, n):
                    S[i, j] = sp.cancel(S[i, j] - factor * S[p, j])
    checks = (f"multipliers fitted at eta L = {', '.join(map(str, ETA_SAMPLES))} as a + b eta, exact at every sample",
              "the function values cancel: polynomial identities in eta, L and k",
              "S0 and S1 PSD for 0 < eta L <= 1: symbolic LDL^T, every pivot >= 0 there")
    multipliers = tuple((label, *fitted[label]) for label in labels)
    return EveryStepSize(multipliers, tuple(pivots), checks), "proved for every k, L and 0 < eta <= 1/L"
