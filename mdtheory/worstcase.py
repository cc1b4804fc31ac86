"""The worst-case file format (``mdtheory worst-case FILE``) and its JSON; the performance estimation and its
certificates are ``mdtheory.checker.worst_case``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from mdtheory.checker.bounds import BOUND_SYMBOLS
from mdtheory.checker.pep_methods import PEP_METHODS
from mdtheory.checker.worst_case import (
    AMPLIFICATION,
    WorstCase,
    Certificate,
    QUANTITIES,
    SUBOPTIMALITY,
    ClassClaim,
    ClassVerdict,
    WorstCaseError,
    bound_value,
    checked_horizon,
    exact_positive,
)
from mdtheory.claimfile import check_table_keys, names_its_file, read_toml, toml_number
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.parsing import parse_expression
from mdtheory.verdict import PROVED, VIOLATED, Verdict

WORST_CASE_KEYS = {"method": True, "eta": True, "horizons": True, "L_f": False, "mu_phi": False, "L_phi": False,
                   "quantity": False}
CLAIM_KEYS = {"bound": True, "expected": False}
EVERY_T = "all"  # horizons = "all": proved for every T by a potential (mdtheory.checker.potential)


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
    if method not in ("gd", "md", "mahalanobis", *PEP_METHODS):
        raise WorstCaseError(f"[worst_case] method: {method!r}; choose gd, md, mahalanobis, {', '.join(PEP_METHODS)}")
    plugin = PEP_METHODS.get(method)
    quantity = table.get("quantity", plugin.quantities[0] if plugin else AMPLIFICATION)
    if plugin and quantity not in plugin.quantities:
        raise WorstCaseError(f"[worst_case] quantity: {quantity!r}; {method} bounds {' or '.join(plugin.quantities)}")
    if plugin and ("mu_phi" in table or "L_phi" in table or table["horizons"] == EVERY_T):
        raise WorstCaseError(f"[worst_case] {'horizons' if table['horizons'] == EVERY_T else 'mu_phi'}: {method} "
                             "has no phi and no potential for every T; remove mu_phi and L_phi and list the horizons")
    if not plugin and quantity not in QUANTITIES:
        raise WorstCaseError(f"[worst_case] quantity: {quantity!r}; choose {' or '.join(QUANTITIES)}")
    if quantity == SUBOPTIMALITY and method == "mahalanobis":
        raise WorstCaseError("[worst_case] quantity: the suboptimality is posed for gd and md")
    horizons = table["horizons"]
    if horizons == EVERY_T:  # a potential for every T: mdtheory.checker.potential
        horizons = []
    elif not isinstance(horizons, list) or not horizons or not all(isinstance(T, int) and not isinstance(T, bool)
                                                                   for T in horizons):
        raise WorstCaseError("[worst_case] horizons: expected a list of positive integers such as [1, 5, 10], or "
                             "\"all\" for every T")
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
        if expected not in (PROVED, VIOLATED):
            raise WorstCaseError(f"[claim] expected: {expected!r}; choose proved or violated")
        expected = Verdict(expected)
    claim = ClassClaim(method, exact_positive(number("eta"), "[worst_case] eta"),
                       EVERY_T if table["horizons"] == EVERY_T else tuple(horizons),
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
                          {"function": label[0], "i": label[1], "j": label[2], **({"kind": label[3]} if len(label) > 3 else {})},
                          "multiplier": q(multiplier), "form": form(parts)}
                         for label, multiplier, parts in certificate.inequalities],
        "functions": [{"name": name, "class": kind, "L": q(L), "mu": q(mu),
                       "points": [{"x": coordinates(x), "g": coordinates(g), "f": coordinates(f)} for x, g, f in points]}
                      for name, kind, L, mu, points in certificate.functions],
        "residual": [[q(c) for c in row] for row in certificate.residual],
        "ldlt": [{"d": q(d), "l": [q(c) for c in column]} for d, column in certificate.factors],
    }


CERTIFICATE_SCHEMA = "mdtheory-worst-case-certificate/1"  # docs/certificates.md describes it


def certificate_name(source: str, T: int) -> str:
    """The certificate's file stem: the claim file's stem and the horizon, as a Coq module name (letters, digits
    and underscores, starting with a letter)."""
    import re

    stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(source).stem)
    return f"{stem if stem[:1].isalpha() else 'c_' + stem}_T{T}"


def _statement(claim: ClassClaim, T: int, upper: Fraction) -> str:
    """What the certificate proves, in words (the checkers verify the arithmetic behind it)."""
    if claim.method in PEP_METHODS:
        return PEP_METHODS[claim.method].statement(claim.eta, claim.L_f, T, claim.quantity, exact_text(upper))
    f_class = f"every convex {claim.L_f}-smooth f"
    if claim.method == "gd":
        algorithm, setting = f"gradient descent x_(t+1) = x_t - {claim.eta} grad f(x_t)", f"{f_class}, in any dimension"
    elif claim.method == "md":
        algorithm = f"mirror descent grad phi(x_(t+1)) = grad phi(x_t) - {claim.eta} grad f(x_t)"
        setting = f"{f_class} and every phi {claim.mu_phi}-strongly convex and {claim.L_phi}-smooth, in any dimension"
    else:
        algorithm = (f"mirror descent with phi = x^T M x/2 (spectrum of M in [{claim.mu_phi}, {claim.L_phi}]), "
                     f"x_(t+1) = x_t - {claim.eta} M^(-1) grad f(x_t)")
        setting = f"every convex f {claim.L_f}-smooth in the M-norm"
    if claim.quantity == AMPLIFICATION:
        what = f"||x_T - x'_T||^2 <= {exact_text(upper)} ||x_0 - x'_0||^2 for any two runs"
    else:
        divergence = "||x_0 - x*||^2/2" if claim.method == "gd" else "D_phi(x*, x_0)"
        what = f"f(x_T) - f(x*) <= {exact_text(upper)} for x* a minimizer and {divergence} <= 1"
    return f"for {setting}, {algorithm} satisfies {what} at T = {T}"


def certificate_document(result: ClassVerdict, case: WorstCase, source: str) -> dict:
    """One horizon's certificate as a self-contained document (``CERTIFICATE_SCHEMA``): the claim it proves
    (the class, the method, T, the upper bound and, when the claim was proved, the claimed value it is checked
    against, all exact) and the certificate itself (``certificate_json``). ``proofs/check_certificate.py``
    re-checks it with ``fractions`` alone; ``mdtheory.coq.coq_replay`` writes it as a Coq file."""
    claim, certificate = result.claim, case.certificate
    upper = certificate.factor * certificate.bound
    verdict = result.verdicts[result.cases.index(case)]
    claimed = None
    if verdict == PROVED:  # the claim's value at T on the bounded quantity (the amplification's square)
        value = bound_value(claim.bound, case.T, claim.eta, claim.quantity)
        claimed = exact_text(Fraction(int(value.p), int(value.q))) if value.is_Rational else None
    return {
        "schema": CERTIFICATE_SCHEMA,
        "source": Path(source).name,
        "claim": {"method": claim.method, "quantity": claim.quantity, "T": case.T, "eta": exact_text(claim.eta),
                  "L_f": exact_text(claim.L_f),
                  "mu_phi": None if claim.mu_phi is None else exact_text(claim.mu_phi),
                  "L_phi": None if claim.L_phi is None else exact_text(claim.L_phi),
                  "bounded": PEP_METHODS[claim.method].bounded(claim.quantity) if claim.method in PEP_METHODS else
                             "||x_T - x'_T||^2 over ||x_0 - x'_0||^2" if claim.quantity == AMPLIFICATION else
                             "f(x_T) - f(x*) with the initial distance at most 1",
                  "upper_bound": exact_text(upper),
                  "bound": None if claim.bound is None else str(claim.bound), "verdict": verdict,
                  "claimed_at_T": claimed,
                  "statement": _statement(claim, case.T, upper)},
        "certificate": certificate_json(certificate),
    }
