"""GD's suboptimality, two-sided and tight for every T: Drori & Teboulle's L/(2 eta L T + 1).

Gradient descent x_(i+1) = x_i - eta grad f(x_i) on f convex and L-smooth, with ||x_0 - x*||^2/2 <= 1 and
0 < h = eta L <= 1, has f(x_T) - f* <= L/(2 h T + 1) for every T >= 1, and a one-dimensional Huber function
attains it (Drori & Teboulle 2014, Theorems 3.1 and 3.2: L R^2/(4 T h + 2) with R^2 = 2 here).

Scaling f to f/L maps the class with step eta to the class with L = 1 and step h = eta L and divides every value
by L, so both ends are stated with L = 1 and h symbolic.

Upper end, a dual certificate whose multipliers depend on (i, T). With x* = 0, f* = 0, grad f(x*) = 0, the
inequalities used are interpolation inequalities of the class (``potential.interpolation``):

    A_i  (x_i, x_(i+1)), i = 0..T-1:  f_(i+1) - f_i + <g_(i+1), x_i - x_(i+1)> + ||g_i - g_(i+1)||^2/2 <= 0
    B_i  (x*, x_i),     i = 0..T:    f_i - <g_i, x_i> + ||g_i||^2/2 <= 0

with multipliers lambda_i = (i + 1)/(2T - i) on A_i and mu_i = lambda_i - lambda_(i-1) on B_i (lambda_(-1) = 0,
lambda_T = 1): mu_i = (2T + 1)/((2T - i)(2T + 1 - i)) for i < T, mu_T = 1/(T + 1); none depends on h. With
tau = 1/(2 h T + 1), sum lambda_i A_i + sum mu_i B_i - (f_T - tau ||x_0||^2/2) has no function values (the mu_i
telescope) and its quadratic part, over the Gram basis (x_0, g_0, ..., g_T), is

    Z = tau/2 v v^T + sum_(k < i) w_(k,i) (e_k - e_i)(e_k - e_i)^T,      v = x_0 - (1/tau) sum_i mu_i g_i

(completing the square in x_0 leaves a matrix W on the g's with zero row sums and off-diagonal entries
-w_(k,i) <= 0: a weighted graph Laplacian). So Z is PSD and f_T - f* <= tau for every T. ``prove_for_every_t``
verifies this with sympy for symbolic T, i, k and h: the signs, the value identities, every entry of W by
region (non-adjacent, adjacent, diagonal at i = 0, 0 < i < T, i = T) and each row sum zero, the sums over k
done by the telescoping mu_k = lambda_k - lambda_(k-1) (itself an identity checked in k and T).
``exact_certificate(T, h)`` builds the same certificate at one T from the class's interpolation forms in exact
rationals and checks the decomposition and an exact LDL^T (the region formulas against the forms: tests, T up to
30).

Lower end: f(x) = Huber with kink c = 1 (x^2/2 on |x| <= 1, |x| - 1/2 beyond: convex and 1-smooth, its
derivative clip(x, -1, 1) monotone and 1-Lipschitz), x_0 = 2 h T + 1: every iterate x_i = x_0 - i h >= h T + 1
stays on the linear part, f(x_T) - f* = h T + 1/2 and ||x_0 - x*||^2/2 = (2 h T + 1)^2/2, a ratio of exactly
1/(2 h T + 1) for every T (sympy) and at T = 1..30 by exact simulation (Fractions).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from mdtheory.checker.huber import huber_class_violations, huber_ratio, tau

EXACT_HORIZONS = 30  # the closed forms are also checked exactly, certificate and instance, at T = 1..this


# --------------------------------------------------------------------------- the closed forms
def lam(i: int, T: int) -> Fraction:
    """The multiplier on A_i, the inequality between x_i and x_(i+1)."""
    return Fraction(i + 1, 2 * T - i)


def mu(i: int, T: int) -> Fraction:
    """The multiplier on B_i, the inequality between x* and x_i."""
    return Fraction(1, T + 1) if i == T else Fraction(2 * T + 1, (2 * T - i) * (2 * T + 1 - i))


def laplacian_weight(k: int, i: int, T: int, h: Fraction) -> Fraction:
    """w_(k,i) >= 0 (k < i): minus the entry (g_k, g_i) of W, the Schur complement of x_0 in the residual."""
    adjacent = lam(k, T) * (h - 1) if i == k + 1 else 0
    return -(Fraction(1, 2) * (adjacent + h * mu(i, T)) - mu(i, T) * mu(k, T) / (2 * tau(T, h)))


# --------------------------------------------------------------------------- at one T, exactly
@dataclass(frozen=True)
class FixedT:
    """The certificate at one T from the class's interpolation forms: inequalities with their multipliers, the
    residual Z (exact) and its LDL^T factors, and whether Z equals the closed-form decomposition."""

    T: int
    h: Fraction
    inequalities: tuple  # (name, multiplier, form)
    residual: tuple
    factors: object  # worst_case._ldlt's, None if not PSD
    matches_closed_form: bool


def exact_certificate(T: int, h: Fraction, multiplier_a=lam, multiplier_b=mu) -> FixedT:
    """The certificate at T with the given multipliers (the closed forms unless a test passes others)."""
    from mdtheory.checker.potential import _add, _lin, _quadratic, interpolation
    from mdtheory.checker.worst_case import WorstCaseError, _ldlt

    n = T + 2  # Gram basis x_0, g_0, ..., g_T; values f_0..f_T
    x = [{0: Fraction(1)}]
    g = [{1 + i: Fraction(1)} for i in range(T + 1)]
    for i in range(T):
        x.append(_lin((1, x[-1]), (-h, g[i])))
    f = [{i: Fraction(1)} for i in range(T + 1)]
    point = lambda i: (x[i], g[i], f[i])
    optimum = ({}, {}, {})
    inequalities = [(f"A_{i} (x_{i}, x_{i + 1})", multiplier_a(i, T), interpolation(Fraction(1), 0, *point(i),
                                                                                   *point(i + 1)))
                    for i in range(T)]
    inequalities += [(f"B_{i} (x*, x_{i})", multiplier_b(i, T), interpolation(Fraction(1), 0, *optimum, *point(i)))
                     for i in range(T + 1)]
    objective = _add((1, ({}, f[T], Fraction(0))), (-tau(T, h) / 2, _quadratic(x[0], x[0])))
    total = _add(*((m, form) for _, m, form in inequalities), (-1, objective))
    if total[1] or total[2]:
        raise WorstCaseError(f"at T = {T} the multipliers do not cancel the function values")
    residual = [[total[0].get((r, s), Fraction(0)) for s in range(n)] for r in range(n)]
    v = [Fraction(1)] + [-mu(i, T) / tau(T, h) for i in range(T + 1)]
    closed = [[tau(T, h) / 2 * v[r] * v[s] for s in range(n)] for r in range(n)]
    for i in range(T + 1):
        for k in range(i):
            w = laplacian_weight(k, i, T, h)
            for a, b, sign in ((k, k, 1), (i, i, 1), (k, i, -1), (i, k, -1)):
                closed[1 + a][1 + b] += sign * w
    return FixedT(T, h, tuple(inequalities), tuple(tuple(row) for row in residual), _ldlt(residual),
                  residual == closed)


# --------------------------------------------------------------------------- for every T, symbolically
def _one_sign(expression, substitution: dict, symbols) -> bool:
    """expression >= 0 after the substitution (each new symbol ranging over [0, inf)): numerator and denominator
    polynomials whose coefficients are all >= 0, or all <= 0 for both (a sufficient test, exact)."""
    import sympy as sp

    numerator, denominator = sp.fraction(sp.cancel(sp.together(expression.subs(substitution, simultaneous=True))))
    numerator, denominator = sp.Poly(sp.expand(numerator), *symbols), sp.Poly(sp.expand(denominator), *symbols)
    if numerator.is_zero:
        return True
    signs = lambda poly: {sp.sign(c) for c in poly.coeffs()}
    return len(signs(numerator)) == 1 and signs(numerator) == signs(denominator)


def prove_for_every_t(lambda_form=None, mu_form=None) -> tuple[bool, tuple]:
    """(True, the checks in words) when every identity and sign holds for symbolic T, i, k and 0 < h <= 1;
    (False, the first failure) else. ``lambda_form(i, T)``, ``mu_form(i, T)`` (sympy; mu_form for i < T): other
    closed forms to check instead of Drori & Teboulle's (tests change one). Nothing here is sampled: each check is
    a sympy identity or a one-sign polynomial after substituting the ranges (e.g. i = k + 1 + m,
    T = k + 2 + m + j, h = 1/(1 + u) with k, j, m, u >= 0)."""
    import sympy as sp

    T, i, k, j, m, u, h = sp.symbols("T i k j m u h", nonnegative=True)  # T, h > 0 where it matters
    lambda_form = lambda_form or (lambda i_, T_: (i_ + 1) / (2 * T_ - i_))
    mu_form = mu_form or (lambda i_, T_: (2 * T_ + 1) / ((2 * T_ - i_) * (2 * T_ + 1 - i_)))
    lam_ = lambda i_: lambda_form(i_, T)
    mu_ = lambda i_: mu_form(i_, T)
    mu_last = 1 / (T + 1)
    a = 2 * h * T + 1  # 1/tau
    zero = lambda e: sp.simplify(sp.cancel(sp.together(e))) == 0
    checks = []

    def need(ok, what):
        checks.append(what)
        if not ok:
            raise _Failed(what)

    try:
        # signs: lambda_i, mu_i >= 0 for 0 <= i <= T - 1 (T = i + 1 + j), mu_T > 0
        need(_one_sign(lam_(i), {T: i + 1 + j}, (i, j)) and _one_sign(mu_(i), {T: i + 1 + j}, (i, j)),
             "lambda_i = (i + 1)/(2T - i) and mu_i = (2T + 1)/((2T - i)(2T + 1 - i)) >= 0 for 0 <= i < T")
        # the function values: f_0: mu_0 - lambda_0; f_i: lambda_(i-1) - lambda_i + mu_i; f_T: lambda_(T-1) + mu_T
        need(zero(mu_(0) - lam_(0)) and zero(lam_(i - 1) - lam_(i) + mu_(i)) and zero(lam_(T - 1) + mu_last - 1),
             "the function values cancel: mu_i = lambda_i - lambda_(i-1) (an identity in i and T), mu_0 = lambda_0, "
             "lambda_(T-1) + mu_T = 1")
        # sums by telescoping: sum_(k<i) mu_k = lambda_(i-1) - lambda_(-1), lambda_(-1) = 0;
        # sum_(k>i) mu_k = 1 - lambda_i
        need(zero(lam_(-1)), "sum_(k < i) mu_k = lambda_(i-1) (telescoping; lambda_(-1) = 0), sum_(k > i) mu_k = "
                             "1 - lambda_i (the total is lambda_(T-1) + mu_T = 1)")
        below = lambda i_: lam_(i_ - 1)  # sum_(k < i_) mu_k, i_ <= T
        above = lambda i_: 1 - lam_(i_)  # sum_(i_ < k <= T) mu_k, i_ < T
        # W, the Schur complement of x_0 in Z (x_0's row is -mu_i/2, its pivot tau/2). Entries by region:
        # off-diagonal (k < i): (h mu_i + [i = k + 1] lambda_k (h - 1))/2 - a mu_i mu_k/2
        off = lambda k_, i_, mu_i, adjacent: (h * mu_i + (lam_(k_) * (h - 1) if adjacent else 0)) / 2 \
            - a * mu_i * mu_(k_) / 2
        # diagonal: (lambda_(i-1) + lambda_i)/2 (those present) + mu_i/2 - a mu_i^2/2
        diag = lambda lams, mu_i: sum(lams) / 2 + mu_i / 2 - a * mu_i ** 2 / 2
        p = sp.Symbol("p", nonnegative=True)
        need(_one_sign(-off(k, i, mu_(i), False), {i: k + 1 + m, T: k + 2 + m + j, h: 1 / (1 + u)}, (k, m, j, u))
             and _one_sign(-off(k, T, mu_last, False), {T: k + 1 + m, h: 1 / (1 + u)}, (k, m, u)),
             "w_(k,i) = -W_(k,i) >= 0 for 0 <= k < i <= T without the adjacent term, 0 < h <= 1")
        need(_one_sign(-off(i - 1, i, mu_(i), True), {i: 1 + p, T: 2 + p + j, h: 1 / (1 + u)}, (p, j, u))
             and _one_sign(-off(T - 1, T, mu_last, True), {T: 1 + p, h: 1 / (1 + u)}, (p, u)),
             "w_(i-1,i) >= 0 (adjacent: the (h - 1) lambda_(i-1)/2 term is <= 0 too) for 1 <= i <= T, 0 < h <= 1")
        # each row of W sums to 0: the diagonal plus the off-diagonal entries of the row, summed by region
        row_sum = lambda i_, mu_i, lams, below_sum, above_sum, neighbours: \
            diag(lams, mu_i) + (h * mu_i * i_ - a * mu_i * below_sum) / 2 \
            + (h * above_sum - a * mu_i * above_sum) / 2 + (h - 1) * neighbours / 2
        # row i (0 < i < T): k < i contribute (h mu_i - a mu_i mu_k)/2, k > i (h mu_k - a mu_k mu_i)/2; the
        # adjacent extras (h - 1) lambda_(i-1)/2 and (h - 1) lambda_i/2
        need(zero(row_sum(i, mu_(i), (lam_(i - 1), lam_(i)), below(i), above(i), lam_(i - 1) + lam_(i))),
             "row i of W sums to 0 for 0 < i < T (identity in i, T, h)")
        need(zero(row_sum(0, mu_(0), (lam_(0),), 0, above(0), lam_(0))), "row 0 of W sums to 0 (identity in T, h)")
        need(zero(row_sum(T, mu_last, (lam_(T - 1),), below(T), 0, lam_(T - 1))),
             "row T of W sums to 0 (identity in T, h)")
        checks.append("so W = sum_(k<i) w_(k,i) (e_k - e_i)(e_k - e_i)^T and Z = tau/2 v v^T + W (completing the "
                      "square in x_0) is PSD for every T >= 1 and 0 < h <= 1")
        # the lower end: the Huber instance, iterates x_i = x_0 - i h with x_0 = 2 h T + 1
        x_T = a - T * h
        need(_one_sign(x_T - 1, {h: 1 / (1 + u)}, (T, u)), "Huber instance: x_T = h T + 1 >= 1, so every iterate "
                                                           "stays where grad f = 1")
        need(zero((x_T - sp.Rational(1, 2)) / (a ** 2 / 2) - 1 / a),
             "Huber instance: (f(x_T) - f*)/(||x_0 - x*||^2/2) = (h T + 1/2)/((2 h T + 1)^2/2) = 1/(2 h T + 1)")
    except _Failed as failure:
        return False, (f"not verified: {failure}",)
    return True, tuple(checks)


class _Failed(Exception):
    pass


# --------------------------------------------------------------------------- a claim for every T
@dataclass(frozen=True)
class TightVerdict:
    """A GD suboptimality claim for every T at 0 < eta L <= 1: both ends, L/(2 eta L T + 1), and the verdict."""

    claim: object
    proved_for_every_t: bool
    checks: tuple  # the symbolic checks in words (or the first that failed)
    exact_horizons: int  # certificate and instance also checked exactly at T = 1..this
    verdict: str | None
    why: object  # a Reading, or None

    certified = False  # no certificate file is written for this proof (docs/every-t.md)
    no_file_why = ("the proof's multipliers are closed forms in T, which the every-T certificate schema does not "
                   "express; its symbolic checks and the exact certificates at T = 1..30 ran above")

    @property
    def rate(self):
        import sympy as sp

        from mdtheory.checker.bounds import T

        q = lambda value: sp.Rational(value.numerator, value.denominator)
        L, h = q(self.claim.L_f), q(self.claim.eta * self.claim.L_f)
        return L / (2 * h * T + 1)

    def lines(self) -> list[str]:
        from mdtheory.checker.potential_rate import suboptimality_verdict_lines

        claim = self.claim
        lines = [f"gd, eta = {claim.eta} (L_f = {claim.L_f}), suboptimality, every T >= 1"]
        if self.proved_for_every_t:
            lines.append(f"certified for every T: f(x_T) - f* <= L_f/(2 eta L_f T + 1) = {self.rate} (Drori & "
                         f"Teboulle's multipliers (i + 1)/(2T - i) and (2T + 1)/((2T - i)(2T + 1 - i)), the residual "
                         f"a rank-one term plus a weighted Laplacian: {len(self.checks)} checks symbolic in T, i, k "
                         f"and eta; exact certificates at T = 1..{self.exact_horizons})")
            lines.append(f"attained for every T: f = L_f Huber(x) (kink 1), x_0 = 2 eta L_f T + 1, "
                         f"||x_0 - x*||^2/2 scaled to 1: f(x_T) - f* = {self.rate} (symbolic in T; exact at "
                         f"T = 1..{self.exact_horizons}): the two ends meet for every T")
        else:
            lines.append(f"no rate certified: {self.checks[0]}")
        return lines + suboptimality_verdict_lines(self)

    def as_json(self) -> dict:
        from mdtheory.checker.potential import exact_text as q

        claim = self.claim
        return {"quantity": claim.quantity, "method": claim.method, "eta": q(claim.eta), "L_f": q(claim.L_f),
                "horizons": "all", "bound": None if claim.bound is None else str(claim.bound),
                "expected": claim.expected, "verdict": self.verdict,
                "why": None if self.why is None else self.why.text(),
                "why_figures": None if self.why is None else self.why.as_json(),
                "tight": {"worst_case": str(self.rate), "proved_for_every_t": self.proved_for_every_t,
                          "checks": list(self.checks), "exact_horizons": self.exact_horizons,
                          "multipliers": {"A_i (x_i, x_(i+1))": "(i + 1)/(2T - i)",
                                          "B_i (x*, x_i), i < T": "(2T + 1)/((2T - i)(2T + 1 - i))",
                                          "B_T (x*, x_T)": "1/(T + 1)"},
                          "instance": "f = L_f Huber (kink 1), x_0 = 2 eta L_f T + 1, x* = 0"}}


def check_tight(claim) -> TightVerdict:
    """GD's suboptimality for every T at 0 < eta L_f <= 1 (the caller checks the range): proved when the claim is
    at least L_f/(2 eta L_f T + 1) at every T (exactly, ``potential_rate._at_least_for_every_t``), violated where
    the Huber instance exceeds it at some T <= EXACT_HORIZONS (exact), else inconclusive."""
    import sympy as sp

    from mdtheory.checker.bounds import ETA_T, T as T_SYMBOL
    from mdtheory.checker.potential_rate import _at_least_for_every_t
    from mdtheory.checker.reading import exactly, reading
    from mdtheory.verdict import INCONCLUSIVE, PROVED, VIOLATED

    h = claim.eta * claim.L_f
    proved, checks = prove_for_every_t()
    for T in range(1, EXACT_HORIZONS + 1):
        fixed = exact_certificate(T, h)
        if (fixed.factors is None or not fixed.matches_closed_form or huber_ratio(T, h) != tau(T, h)
                or huber_class_violations(T, h)):
            proved, checks = False, (f"the closed forms fail the exact check at T = {T}",)
            break
    result = lambda verdict, why: TightVerdict(claim, proved, checks, EXACT_HORIZONS, verdict, why)
    if claim.bound is None:
        return result(None, None)
    q = lambda value: sp.Rational(value.numerator, value.denominator)
    bound = claim.bound.subs(ETA_T, q(claim.eta) * T_SYMBOL)
    for T in range(1, EXACT_HORIZONS + 1):
        instance = claim.L_f * huber_ratio(T, h)
        if sp.simplify(q(instance) - bound.subs(T_SYMBOL, T)) > 0:
            return result(VIOLATED, reading("the Huber instance has f(x_T) - f* = ", exactly(instance), " at T = ",
                                            exactly(T), ", above the claim"))
    if not proved:
        return result(INCONCLUSIVE, reading(f"no rate certified: {checks[0]}"))
    rate = q(claim.L_f) / (2 * q(h) * T_SYMBOL + 1)
    if _at_least_for_every_t(bound, rate):
        return result(PROVED, None)
    return result(INCONCLUSIVE, reading("the claim is not shown at least L_f/(2 eta L_f T + 1) at every T, and the "
                                        "Huber instance does not exceed it at T = 1..", exactly(EXACT_HORIZONS)))
