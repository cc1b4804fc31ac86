"""The worst-case file format (``mdtheory worst-case FILE``) and its JSON; the performance estimation and its
certificates are ``mdtheory.checker.worst_case``."""

from __future__ import annotations

from fractions import Fraction

from mdtheory.checker.bounds import BOUND_SYMBOLS
from mdtheory.checker.worst_case import (
    AMPLIFICATION,
    PROVED,
    Certificate,
    QUANTITIES,
    SUBOPTIMALITY,
    VIOLATED_VERDICT,
    ClassClaim,
    ClassVerdict,
    WorstCaseError,
    checked_horizon,
    exact_positive,
)
from mdtheory.claimfile import check_table_keys, names_its_file, read_toml, toml_number
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.parsing import parse_expression

WORST_CASE_KEYS = {"method": True, "eta": True, "horizons": True, "L_f": False, "mu_phi": False, "L_phi": False,
                   "quantity": False}
CLAIM_KEYS = {"bound": True, "expected": False}


@names_its_file
def load_class_claim(path) -> ClassClaim:
    """A worst-case file: [worst_case] method, eta, horizons, L_f, mu_phi, L_phi; optional [claim] bound, expected."""
    data = read_toml(path, WorstCaseError)
    unknown = sorted(set(data) - {"worst_case", "claim"})
    if unknown:
        raise WorstCaseError(f"[{unknown[0]}]: unknown section; sections are [worst_case] and [claim]")
    if "worst_case" not in data:
        raise WorstCaseError("[worst_case]: missing section")
    table = data["worst_case"]
    check_table_keys(table, WORST_CASE_KEYS, "worst_case")

    def number(key):
        """The constant as written, exactly (not through str(): a long rational's digits pass Python's limit)."""
        if key not in table:
            return None
        value = toml_number(table[key], f"[worst_case] {key}")
        return exact_positive(Fraction(int(value.p), int(value.q)), f"[worst_case] {key}")

    method = table["method"]
    if method not in ("gd", "md", "mahalanobis"):
        raise WorstCaseError(f"[worst_case] method: {method!r}; choose gd, md or mahalanobis")
    quantity = table.get("quantity", AMPLIFICATION)
    if quantity not in QUANTITIES:
        raise WorstCaseError(f"[worst_case] quantity: {quantity!r}; choose {' or '.join(QUANTITIES)}")
    if quantity == SUBOPTIMALITY and method == "mahalanobis":
        raise WorstCaseError("[worst_case] quantity: the suboptimality is posed for gd and md")
    horizons = table["horizons"]
    if not isinstance(horizons, list) or not horizons or not all(isinstance(T, int) and not isinstance(T, bool)
                                                                 for T in horizons):
        raise WorstCaseError("[worst_case] horizons: expected a list of positive integers such as [1, 5, 10]")
    for T in horizons:
        try:
            checked_horizon(T, method, quantity)
        except WorstCaseError as err:
            raise WorstCaseError(f"[worst_case] horizons: {err}") from None
    bound, expected = None, PROVED
    if "claim" in data:
        check_table_keys(data["claim"], CLAIM_KEYS, "claim")
        try:
            bound = parse_expression(str(data["claim"]["bound"]), {"T": BOUND_SYMBOLS["T"], "etaT": BOUND_SYMBOLS["etaT"]},
                                     decimals_are_exact=True)
        except MDTheoryError as err:
            raise WorstCaseError(f"[claim] bound: {err}") from None
        expected = data["claim"].get("expected", PROVED)
        if expected not in (PROVED, VIOLATED_VERDICT):
            raise WorstCaseError(f"[claim] expected: {expected!r}; choose proved or violated")
    claim = ClassClaim(method, exact_positive(number("eta"), "[worst_case] eta"), tuple(horizons),
                       exact_positive(number("L_f") or Fraction(1), "[worst_case] L_f"), number("mu_phi"),
                       number("L_phi"), bound, expected, quantity)
    if method in ("md", "mahalanobis") and (claim.mu_phi is None or claim.L_phi is None):
        raise WorstCaseError(f"[worst_case] mu_phi: {method} needs mu_phi and L_phi (phi is mu_phi-strongly convex, "
                             "L_phi-smooth; for mahalanobis the extreme eigenvalues of M)")
    if method == "mahalanobis" and not 0 < claim.mu_phi <= claim.L_phi:
        raise WorstCaseError(f"[worst_case] mu_phi: need 0 < mu_phi <= L_phi, got {claim.mu_phi} and {claim.L_phi}")
    if method == "md" and not 0 < claim.mu_phi < claim.L_phi:
        raise WorstCaseError(f"[worst_case] mu_phi: need 0 < mu_phi < L_phi, got {claim.mu_phi} and {claim.L_phi}")
    return claim


def class_verdict_json(result: ClassVerdict) -> dict:
    claim = result.claim
    rows = []
    for case, verdict, reason in zip(result.cases, result.verdicts, result.reasons or (None,) * len(result.cases)):
        low, high = case.interval()
        exact = "squared" if claim.quantity == AMPLIFICATION else "exact"  # what the PEP bounds
        rows.append({"T": case.T, f"solver_value_{exact}": case.solver_value,
                     f"lower_{exact}": exact_text(case.lower),
                     f"upper_{exact}": None if case.upper is None else exact_text(case.upper),
                     "interval": [low, high], "how_lower": case.how_lower, "how_upper": case.how_upper,
                     "verdict": verdict, "why": None if reason is None else reason.text(),
                     "why_figures": None if reason is None else reason.as_json(), "certificate": None if case.certificate is None else
                     certificate_json(case.certificate)})
    return {"quantity": claim.quantity, "method": claim.method, "eta": str(claim.eta), "L_f": str(claim.L_f),
            "mu_phi": None if claim.mu_phi is None else str(claim.mu_phi),
            "L_phi": None if claim.L_phi is None else str(claim.L_phi),
            "bound": None if claim.bound is None else str(claim.bound), "expected": claim.expected,
            "verdict": result.verdict, "horizons": rows}


def exact_text(value: Fraction) -> str:
    """"p/q" (or "p") at any length: python-flint writes the digits, as str() refuses integers beyond 4300."""
    from flint import fmpq

    return str(fmpq(value.numerator, value.denominator))


def certificate_json(certificate: Certificate) -> dict:
    """The upper bound's certificate as exact rationals (strings "p/q"), re-checkable with ``fractions`` alone:
    see ``mdtheory.checker.worst_case.Certificate`` and the README's worst-case section for what to check."""
    q = exact_text

    def form(parts) -> dict:
        gram, linear, constant = parts
        return {"gram": [[i, j, q(c)] for (i, j), c in sorted(gram.items()) if c],
                "values": [[k, q(c)] for k, c in sorted(linear.items()) if c], "constant": q(constant)}

    def coordinates(combination: dict) -> list:
        return [[leaf, q(c)] for leaf, c in sorted(combination.items()) if c]

    return {
        "proves": "objective <= bound for every Gram matrix G >= 0 of the leaf points and values F of the leaf "
                  "function values with every inequality's form <= 0",
        "how_to_check": "(rationals may pass Python's 4300-digit int limit: sys.set_int_max_str_digits(0)) "
                        "every multiplier >= 0; sum_k multiplier_k values_k = objective values; residual = "
                        "sum_k multiplier_k gram_k - objective gram (symmetric, as n x n); residual = sum_r d_r "
                        "l_r l_r^T with every d_r >= 0; bound = objective constant - sum_k multiplier_k constant_k; "
                        "upper bound = factor * bound",
        "bound": q(certificate.bound), "factor": q(certificate.factor),
        "points": certificate.n_points, "values": certificate.n_values,
        "objective": form(certificate.objective),
        "inequalities": [{"which": "initial condition" if label == "initial" else
                          {"function": label[0], "i": label[1], "j": label[2]},
                          "multiplier": q(multiplier), "form": form(parts)}
                         for label, multiplier, parts in certificate.inequalities],
        "functions": [{"name": name, "class": kind, "L": q(L), "mu": q(mu),
                       "points": [{"x": coordinates(x), "g": coordinates(g), "f": coordinates(f)} for x, g, f in points]}
                      for name, kind, L, mu, points in certificate.functions],
        "residual": [[q(c) for c in row] for row in certificate.residual],
        "ldlt": [{"d": q(d), "l": [q(c) for c in column]} for d, column in certificate.factors],
    }
