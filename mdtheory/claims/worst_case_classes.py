"""For every function in a class: claim 1 and MD's one-step amplification, by performance estimation (PEPit)
with exact certificates on both sides (``mdtheory.checker.worst_case``).

Setting. Two runs share f (and phi) and start at distance 1; the worst squared amplification
||x_T - x'_T||^2 over every convex L-smooth f (and, for MD, every phi that is mu-strongly convex and
L_phi-smooth) is the value of a semidefinite program, exact for these classes. The solver's value is
evidence; an upper bound is proved by the SDP's dual multipliers, rationalized and checked in exact rational
arithmetic (the residual matrix is PSD by an exact LDL^T), a lower bound by an instance in the class evaluated
exactly: the SDP's own worst case, rounded to rationals, repaired and checked against every interpolation inequality
in exact arithmetic (``mdtheory.checker.interpolation``), or, where that fails, an explicit instance.

Statements checked:
  (a) claim 1 over the class: GD with eta = 1/L and with eta = 2/L (the edge) is non-expansive for every
      convex L-smooth f in every dimension, at T = 1, 5, 10 and 20: proved (the certified upper bound is 1
      exactly);
  (b) GD with eta = 2.2/L is not: at T = 5 and 10 the quadratic f = L x^2/2 amplifies by 1.2^T, a certified
      lower bound above 1 (predicted violated), and the certified interval shows how close the quadratic is to
      the worst case;
  (c) MD, one step: for phi with L_phi/mu = kappa in {3/2, 3, 9} and eta = mu/L_f, the amplification of one step
      is at most kappa over the class: proved. Further steps (claim 2 over the class) at eta = mu/(2 L_f):
      T = 1, 2, 4 for kappa = 3, and with verify --full T up to 30 for every kappa, with the growth rate of
      the certified upper bounds fitted per unit eta*T. The upper bounds come from an SDP that keeps only the
      interpolation inequalities between the two runs' points of the same step (a relaxation, so still an
      upper bound; its value equals the full class's to the solver's accuracy where both were solved). The
      lower bounds are the SDP's worst case made exact (up to T = 24), so the certified interval closes and shows
      whether the worst case itself grows over the horizons run; past T = 24 the lower bound is the best explicit
      instance, a quadratic phi = x^T M x/2, M = diag(mu, L_phi), with f = l (u.x)^2/2 at 45 degrees (an oblique
      projection, bounded in T), and the interval is reported;
  (d) Mahalanobis MD, phi = x^T M x/2 with cond M in {4, 100}, f convex and L-smooth in the M-norm: the
      Euclidean amplification is at most sqrt(cond M) for eta = 1/L and 2/L (proved: cond M times GD's
      certificate in z = M^(1/2) x, by norm equivalence), and at the edge eta = 2/L with T odd it is attained
      (the reflection I - 2uu^T in z, u = (e1 + e2)/sqrt 2, M = diag(1, cond M): both sides certified). At
      eta = 1/L, or T even, the best instance constructed is the oblique projection, (1 + cond M)/(2 sqrt(cond M))
      = 1.25 and 5.05, below the proved bound: the interval is reported, not closed.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from mdtheory.checker import ClaimReport, NamedCheck, decided, exactly, joined, reading, rounded
from mdtheory.checker.result import markdown_table
from mdtheory.checker.worst_case import ClassClaim, check_class_claim, interval_curve, interval_reading
from mdtheory.claims import register
from mdtheory.plotting import draw_intervals
from mdtheory.verdict import INCONCLUSIVE, PROVED, VIOLATED

GD_HORIZONS = (1, 5, 10, 20)
QUICK_GD_HORIZONS = (1, 5)
PAST_EDGE_HORIZONS = (5, 10)
KAPPAS = (Fraction(3, 2), Fraction(3), Fraction(9))
MD_HORIZONS = (1, 2, 4)
CURVE_KAPPA = Fraction(3)  # the growth over T is reported for this kappa
CURVE_ETA = Fraction(1, 2)  # eta L_f/mu
FULL_CURVE_HORIZONS = (1, 2, 4, 8, 12, 16, 20, 25, 30)  # verify --full: claim 2 over the class, kappa in KAPPAS
RATE_FROM = 8  # the growth rate is fitted to the certified upper bounds from this T on
MAHALANOBIS_KAPPAS = (Fraction(4), Fraction(100))
MAHALANOBIS_EDGE_HORIZONS = (1, 3, 5)  # odd: at the edge the reflection instance attains sqrt(cond M)
MAHALANOBIS_HORIZONS = (1, 2, 4)


def fitted_rate(result, eta: Fraction) -> float | None:
    """Least-squares slope of log(certified upper amplification) against eta*T over T >= RATE_FROM: how fast
    the worst case over the class can grow (evidence from proved upper bounds; the fit itself proves nothing)."""
    import numpy as np

    points = [(float(eta) * c.T, math.log(c.interval()[1])) for c in result.cases
              if c.T >= RATE_FROM and c.upper is not None]
    if len(points) < 2:
        return None
    s, y = zip(*points)
    return float(np.polyfit(s, y, 1)[0])


def _interval(case):
    """The certified amplification interval, rounded outward to 9 digits for display."""
    return interval_reading(case, 9)


def _intervals(result):
    return reading("certified amplification ") + joined(", ", (reading(f"T = {c.T}: ") + _interval(c)
                                                               for c in result.cases))


def _proved(label: str, result) -> NamedCheck:
    """holds when every horizon is proved (upper bound <= the claim, exactly); inconclusive when one is not."""
    verdict = result.verdict
    return NamedCheck(label, decided(
        "worst_case", verdict == PROVED, _intervals(result),
        reading("<= ", exactly(result.claim.bound), " for every f in the class"), f"per T: {', '.join(result.verdicts)}",
        0 if verdict == INCONCLUSIVE else 30,
        "upper: exact dual certificate; lower: an instance in the class, evaluated exactly",
        "amplification", confirmed=verdict != INCONCLUSIVE))


@register("worst_case_classes")
def run(quick: bool = False, full: bool = False, progress=None) -> ClaimReport:
    from mdtheory.progress import SILENT

    progress = progress or SILENT
    curves = {}  # label -> [(T, certified lower, certified upper)] of the amplification
    checks, table = [], []
    one = sp.Integer(1)
    rates = []
    for eta in (Fraction(1), Fraction(2)):
        claim = ClassClaim("gd", eta, QUICK_GD_HORIZONS if quick else GD_HORIZONS, bound=one)
        result = check_class_claim(claim, progress(f"worst case: GD, eta = {eta}/L"))
        curves[f"GD, eta = {eta}/L"] = interval_curve(result)
        checks.append(_proved(f"GD, eta = {eta}/L: non-expansive for every convex L-smooth f", result))
    claim = ClassClaim("gd", Fraction(11, 5), PAST_EDGE_HORIZONS, bound=one, expected=VIOLATED)
    result = check_class_claim(claim, progress("worst case: GD past the edge"))
    curves["GD, eta = 2.2/L"] = interval_curve(result)
    checks.append(NamedCheck("GD, eta = 2.2/L: amplifies (certified lower bound > 1)", decided(
        "worst_case", result.verdict != VIOLATED, _intervals(result), "<= 1 for every f",
        f"per T: {', '.join(result.verdicts)}", 30, "lower: f = L x^2/2, (1.2)^T exactly", "amplification"),
        None, VIOLATED))
    for kappa in KAPPAS:
        claim = ClassClaim("md", Fraction(1), (1,), mu_phi=Fraction(1), L_phi=kappa,
                           bound=sp.Rational(kappa.numerator, kappa.denominator))
        result = check_class_claim(claim, progress(f"worst case: MD one step, kappa = {kappa}"))
        checks.append(_proved(f"MD, kappa = {kappa}, eta = mu/L_f: one step amplifies by at most kappa", result))
        if quick or (kappa != CURVE_KAPPA and not full):
            continue
        horizons = FULL_CURVE_HORIZONS if full else MD_HORIZONS
        curve = check_class_claim(ClassClaim("md", CURVE_ETA, horizons, mu_phi=Fraction(1), L_phi=kappa),
                                  progress(f"worst case: MD curve, kappa = {kappa}"))
        curves[f"MD, kappa = {kappa}, eta = mu/(2 L_f)"] = interval_curve(curve)
        for case in curve.cases:
            table.append(("md", str(kappa), "1/2", case.T, rounded(case.solver_value, 8), _interval(case), case.how_upper))
        rate = fitted_rate(curve, CURVE_ETA)
        if rate is not None:
            rates.append(f"kappa = {kappa}: log(certified upper amplification) grows at {rate:.4f} per unit eta*T "
                         f"(mu = L_f = 1; least squares over T >= {RATE_FROM}, up to T = {horizons[-1]}); the "
                         f"certified lower bound at T = {horizons[-1]}: {str(_interval(curve.cases[-1])).split(',')[0][1:]}")
    for kappa in MAHALANOBIS_KAPPAS:
        root = sp.sqrt(sp.Rational(kappa.numerator, kappa.denominator))
        for eta, horizons in ((Fraction(2), MAHALANOBIS_EDGE_HORIZONS), (Fraction(1), MAHALANOBIS_HORIZONS)):
            claim = ClassClaim("mahalanobis", eta, horizons, mu_phi=Fraction(1), L_phi=kappa, bound=root)
            result = check_class_claim(claim, progress(f"worst case: Mahalanobis MD, cond M = {kappa}, eta = {eta}/L"))
            checks.append(_proved(f"Mahalanobis MD, cond M = {kappa}, eta = {eta}/L_M: amplification <= sqrt(cond M)",
                                  result))
            for case in result.cases:
                table.append(("mahalanobis", str(kappa), str(eta), case.T, rounded(case.solver_value, 8), _interval(case),
                              case.how_lower))
            if eta == 2:
                curves[f"Mahalanobis, cond M = {kappa}, eta = 2/L_M"] = interval_curve(result)
                attained = all(case.lower == kappa == case.upper for case in result.cases)
                checks.append(NamedCheck(f"Mahalanobis MD, cond M = {kappa}, eta = 2/L_M, odd T: sqrt(cond M) is "
                                         "attained (both sides certified)", decided(
                    "worst_case", attained, reading("certified squared amplification ") + joined(", ", (
                        reading(f"T = {c.T}: [", exactly(c.lower), ", ", exactly(c.upper), "]") for c in result.cases)),
                    reading("= cond M = ", exactly(kappa), " exactly on both sides"), "lower = upper" if attained else "a gap remains", 30,
                    "lower: the reflection instance, M = diag(1, cond M), u = (e1 + e2)/sqrt 2", "amplification")))

    def draw(path):
        draw_intervals(path, curves, "for every f (and phi) in the class: certified intervals")

    return ClaimReport("worst_case_classes", "worst case over function classes (PEP), certified", __doc__, checks,
                       tables=[markdown_table(("method", "kappa", "eta L_f", "T", "solver (squared)", "certified amplification",
                                               "how (md: the upper bound; mahalanobis: the lower bound)"), table)],
                       figures={"intervals": draw},
                       notes=["check decides one instance, falsify searches a range, worst-case bounds every function "
                              "of a class; see `mdtheory worst-case FILE.toml`.", *rates])
