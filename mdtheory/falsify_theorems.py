"""``mdtheory falsify`` on the claim language: convergence, regret and policy bounds searched over a range.

The sensitivity search (``mdtheory.falsify``) screens perturbed pairs vectorized in float64. A convergence,
regret or policy bound needs more than a trajectory at each candidate: x* or a comparator (found by Newton's
method), the best expert in hindsight, the MDP's optimal values, the constants the bound names (D0, G, L,
...), and the theorem's hypotheses checked (a declared L that the candidate contradicts takes the candidate
out of the range). So each candidate here runs the claim's own measurement, once, at ``SCREEN_BITS`` (a
53/106-bit ladder): slower per candidate, but the screen then measures exactly what the check measures.

[search] keys for these kinds (every one optional; what is not searched keeps the claim file's value):

    eta = ["1/100", "1"]              # the step size, an interval
    x0 = "domain"                     # the start: the simplex with margin, or a box [["lo", "hi"], ...];
                                      # without x0 the start is [run] x0, not searched
    margin = "1/1000"                 # with x0 = "domain" only
    parameters = {a = ["1/2", "2"]}   # free names of the objective (offline) or of the losses (online)
    regularizer = {q = ["1/2", "2"]}  # parameters of a catalogue regularizer, on `levels` exact values
    d = [2, 3, 5]                     # dimensions, for [problem] variables = {name = "x", d = 2} and sum_i(...)
    candidates = 300; seconds = 60; seed = 0

T up to [run] steps is searched by construction: the bound is checked at every step t <= steps.

Search, confirm, prove: candidates half space-filling (Latin hypercube) and half random, the best refined
by Nelder-Mead (scipy) on measured / claimed, the finalists checked on the claim's own precision ladder
with exact parameters. A confirmed violation is a witness: an explicit instance, written out as a claim
file that ``mdtheory check`` reproduces. These quantities are not enclosed in ball arithmetic, so a witness
here is ``certified: no`` (confirmed on the ladder) and the result says so.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from fractions import Fraction
from dataclasses import dataclass

import numpy as np
import sympy as sp

from mdtheory.checker.bounds import UpperBound
from mdtheory.checker.reading import Reading
from mdtheory.checker.claim import Claim, check_claim, claim_measurements
from mdtheory.claimfile import check_table_keys, claim_from_tables, toml_integer, toml_number, toml_numbers, toml_text
from mdtheory.engine.context import MAX_PRECISION_BITS
from mdtheory.engine.run import MAX_STEPS
from mdtheory.errors import MDTheoryError
from mdtheory.falsify import (
    DEFAULT_SECONDS,
    FalsifyResult,
    SearchError,
    check_budgets,
    check_parameters_used,
    exact_decimal,
    exact_vector,
    initial_simplex,
    with_decimal,
    within,
    witness_comments,
    search_start,
    simplex_points,
    space_filling,
    structural_variants,
)
from mdtheory.verdict import NOT_FALSIFIED, VIOLATED

THEOREM_SEARCH_KEYS = {"x0": False, "margin": False, "eta": False, "parameters": False, "d": False, "regularizer": False,
                       "levels": False, "candidates": False, "seconds": False, "seed": False}
DEFAULT_CANDIDATES = 300
SCREEN_BITS = 53
BATCH = 25  # candidates drawn at a time (progress is reported per batch)
REFINED = 2
REFINE_EVALUATIONS = 40
CONFIRMED = 4
WITNESS_DIGITS = 8  # a candidate becomes an exact instance with this many digits (a readable witness)


@dataclass(frozen=True)
class TheoremSpace:
    """The range of one claim: its step size, its start (or the stated one), its free parameters."""

    eta: tuple
    start: str  # "stated": [run] x0, not searched; "simplex"; "box"
    box: tuple | None
    margin: sp.Rational
    dim: int
    parameters: dict  # name -> (lo, hi)

    @property
    def free_dimensions(self) -> int:
        return (0 if self.start == "stated" else self.dim) + 1 + len(self.parameters)

    def point(self, unit: np.ndarray) -> dict:
        """Uniform numbers in [0, 1)^k as an exact instance: {"eta", "x0" (or None), "parameters"}, every value
        a WITNESS_DIGITS decimal inside its exact interval."""
        column, x0 = 0, None
        if self.start == "simplex":
            x0 = [_decimal(v) for v in simplex_points(unit[None, : self.dim], self.dim, float(self.margin))[0]]
            x0[-1] = 1 - sum(x0[:-1])
            column = self.dim
        elif self.start == "box":
            x0 = [within(float(lo) + float(hi - lo) * u, (lo, hi), WITNESS_DIGITS)
                  for (lo, hi), u in zip(self.box, unit[: self.dim])]
            column = self.dim
        lo, hi = self.eta
        eta = within(float(lo) + float(hi - lo) * unit[column], self.eta, WITNESS_DIGITS)
        parameters = tuple(within(float(a) + float(b - a) * unit[column + 1 + j], (a, b), WITNESS_DIGITS)
                           for j, (a, b) in enumerate(self.parameters.values()))
        return {"eta": eta, "x0": None if x0 is None else tuple(x0), "parameters": parameters}


def _decimal(value: float) -> sp.Rational:
    return exact_decimal(value, WITNESS_DIGITS)


def theorem_space(claim: Claim, search: dict) -> TheoremSpace:
    check_table_keys(search, THEOREM_SEARCH_KEYS, "search")
    problem = claim.problem
    (domain, dim), eta, names = problem.search_start(), problem.step_size, [str(p) for p in problem.parameters]
    check_parameters_used(problem.parameters, *problem.parameter_uses())
    if domain is None and not names:
        for key in ("x0", "margin", "parameters"):
            if key in search:
                raise SearchError(f"[search] {key}: this {problem.kind} claim searches its step size eta only")
    start, box, margin = ("stated", None, None) if domain is None else search_start(search, dim, domain)
    if "eta" in search:
        eta_range = tuple(toml_numbers(search["eta"], "[search] eta", 2))
        if not 0 < eta_range[0] <= eta_range[1]:
            raise SearchError(f"[search] eta: expected [low, high] with 0 < low <= high, got "
                              f"[{eta_range[0]}, {eta_range[1]}]")
    else:
        eta_range = (eta, eta)
    table = search.get("parameters", {})
    ranges = {name: tuple(toml_numbers(table[name], f"[search] parameters.{name}", 2)) for name in names}
    return TheoremSpace(eta_range, start, box, margin, dim, ranges)


def with_instance(claim: Claim, point: dict, bits: int | None = None) -> Claim:
    """The claim at one point of its range (and at ``bits`` if given); MDTheoryError if the point is not an
    instance (a start outside the domain, a step size the problem refuses)."""
    problem = claim.problem
    return dataclasses.replace(claim, problem=problem.at(point, bits or problem.bits))


def closest_approach(claim: Claim) -> tuple[float, int] | None:
    """max over steps (and reference points) of log(measured / claimed), as far as the claim's ladder
    resolves it; None when the instance cannot be measured or contradicts the theorem's declared constants."""
    try:
        measurements = claim_measurements(claim)
    except MDTheoryError:
        return None
    return max((claim.bound.closest_approach(m) for m in measurements), default=(-math.inf, 0))


@dataclass
class TheoremWitness:
    """An explicit instance violating the bound, confirmed on the claim's own precision ladder."""

    instance: dict  # exact values as text: eta, x0, parameters, the structural choice
    measured: Reading
    claimed: Reading
    trusted_digits: int
    at_t: int
    float_ratio: float  # measured / claimed at the screening precision
    claim_text: str  # the witness as a claim file
    certified: bool = False  # not enclosed in ball arithmetic: confirmed on the ladder

    def describe(self) -> list[str]:
        return ["witness: " + ", ".join(f"{k} = {v}" for k, v in instance_values(self.instance)),
                f"measured: {self.measured}", f"claimed: {self.claimed}", f"trusted digits: {self.trusted_digits}",
                "certified: no (confirmed on the precision ladder; this quantity is not enclosed in ball arithmetic)"]

    def as_json(self) -> dict:
        return {**self.instance, "measured": self.measured.text(), "claimed": self.claimed.text(),
                "trusted_digits": self.trusted_digits, "certified": self.certified, "first_violation_t": self.at_t,
                "screen_ratio": self.float_ratio}


@dataclass(frozen=True)
class Variant:
    """One structural choice of the range (a regularizer parameter's level, ...), with its own model."""

    label: str
    claim: Claim
    tables: dict
    space: TheoremSpace


def falsify_theorem(tables: dict, name: str, candidates: int | None = None, seconds: float | None = None,
                    seed: int | None = None, progress: Callable[[str], None] | None = None,
                    max_steps: int = MAX_STEPS, max_precision_bits: int = MAX_PRECISION_BITS) -> FalsifyResult:
    """Search the [search] range of a claim-language claim file's tables (see the module docstring)."""
    if "search" not in tables:
        raise SearchError("no [search] table; falsify needs the range to search (see the README)")
    search = tables["search"]
    check_table_keys(search, THEOREM_SEARCH_KEYS, "search")
    variants = []
    for label, data in structural_variants(tables):
        claim = claim_from_tables(data, name, max_steps, max_precision_bits)
        if not isinstance(claim.bound, UpperBound):
            raise SearchError("[claim] kind: falsify searches upper_bound and decay claims (a measured quantity "
                              "against a bound at every step)")
        variants.append(Variant(label, claim, data, theorem_space(claim, search)))
    seconds_default = toml_number(search.get("seconds", DEFAULT_SECONDS), "[search] seconds")
    budget = candidates or toml_integer(search.get("candidates", DEFAULT_CANDIDATES), "[search] candidates", 1)
    check_budgets(budget, seconds or seconds_default, "[search] " if seconds is None else "--")
    check_budgets(candidates, seconds)
    deadline = time.monotonic() + float(seconds or seconds_default)
    rng = np.random.default_rng(toml_integer(search.get("seed", 0), "[search] seed", 0) if seed is None else seed)
    say = progress or (lambda text: None)
    started = time.perf_counter()
    screened: list[tuple[float, int, int, np.ndarray]] = []  # (log ratio, t, variant, unit point)
    history = []

    unmeasured = [0]  # candidates outside the problem (a start it refuses) or that could not be measured

    def measured(approach):
        if approach is None:
            unmeasured[0] += 1
            return -math.inf, 0
        return approach

    def evaluate(k: int, unit: np.ndarray) -> tuple[float, int]:
        variant = variants[k]
        try:
            candidate = with_instance(variant.claim, variant.space.point(unit), SCREEN_BITS)
        except MDTheoryError:
            return measured(None)
        return measured(closest_approach(candidate))

    tally = {"ladder": 0, "discarded": 0}

    def confirm(entry) -> TheoremWitness | None:
        """The ladder's verdict on a screened candidate: a witness if it confirms the violation."""
        log_ratio, t, k, unit = entry
        variant = variants[k]
        point = _stated_point(variant) if unit is None else variant.space.point(unit)
        try:
            check = check_claim(with_instance(variant.claim, point))
        except MDTheoryError:
            tally["discarded"] += int(log_ratio > 0)
            return None
        tally["ladder"] += 1
        say(f"ladder: {check.result.verdict} (measured/claimed at {SCREEN_BITS} bits {math.exp(log_ratio):.6g})")
        if check.result.verdict != VIOLATED:
            tally["discarded"] += int(log_ratio > 0)
            return None
        return TheoremWitness(_instance_text(variant, point), check.result.measured, check.result.claimed,
                              check.result.trusted_digits, check.result.extra.get("first_violation_t", t),
                              math.exp(log_ratio), witness_tables_text(variant, point))

    witness = None
    for k, variant in enumerate(variants[:budget]):  # each variant's stated instance first
        screened.append((*measured(_stated(variant)), k, None))
        if screened[-1][0] > 0:  # the stated instance already exceeds the bound at the screen: confirm it now
            witness = confirm(screened[-1])
            if witness is not None:
                break
    while witness is None and len(screened) < budget and time.monotonic() < deadline:
        size = min(BATCH, budget - len(screened))
        per_variant = [space_filling(v.space.free_dimensions, size, rng) for v in variants]
        base = len(screened)
        for i in range(size):
            k = (base + i) % len(variants)
            screened.append((*evaluate(k, per_variant[k][i]), k, per_variant[k][i]))
            if time.monotonic() >= deadline:
                break
        best = max(r[0] for r in screened)
        history.append((len(screened), math.exp(best) if math.isfinite(best) else 0.0))
        say(f"screened {len(screened)}/{budget} candidates at {SCREEN_BITS} bits; best measured/claimed "
            f"{history[-1][1]:.6g}")
    completed = len(screened) - unmeasured[0]  # refinement's evaluations are not candidates
    order = sorted(range(len(screened)), key=lambda i: -screened[i][0])
    refined = []
    for i in order[:REFINED] if witness is None else []:
        log_ratio, _, k, unit = screened[i]
        if not math.isfinite(log_ratio) or time.monotonic() > deadline or unit is None:
            continue
        refined.append(_refine(evaluate, k, unit))
    say(f"refined {len(refined)} candidates")
    finalists = sorted([screened[i] for i in order[:CONFIRMED]] + refined, key=lambda r: -r[0])
    for entry in finalists[:CONFIRMED] if witness is None else []:
        if not entry[0] > -1e-9:
            break
        if entry[3] is None and entry[0] > 0:
            continue  # a stated instance above the bound was confirmed (and discarded) already
        witness = confirm(entry)
        if witness is not None:
            break
    ladder_runs, discarded = tally["ladder"], tally["discarded"]
    best_log, _, best_k, best_unit = finalists[0] if finalists else (-math.inf, 0, 0, None)
    best_variant = variants[best_k]
    best_point = _stated_point(best_variant) if best_unit is None else best_variant.space.point(best_unit)
    return FalsifyResult(
        verdict=VIOLATED if witness is not None else NOT_FALSIFIED, candidates=len(screened), refined=len(refined),
        confirmed_on_ladder=ladder_runs, discarded=discarded,
        best_ratio=math.exp(best_log) if math.isfinite(best_log) else 0.0, best=_instance_text(best_variant, best_point),
        witness=witness, seconds=time.perf_counter() - started, steps_per_second=0.0, vectorized=False,
        completed=completed, history=history,
        top_ratios=[math.exp(r[0]) for r in finalists if math.isfinite(r[0])],
        screen=f"one candidate at a time at {SCREEN_BITS} bits (the claim's own measurement)")


def _stated_point(variant: Variant) -> dict:
    problem = variant.claim.problem
    return {"eta": problem.step_size, "x0": None, "parameters": problem.parameter_values}


def _stated(variant: Variant) -> tuple[float, int] | None:
    try:
        return closest_approach(with_instance(variant.claim, _stated_point(variant), SCREEN_BITS))
    except MDTheoryError:
        return None


def _refine(evaluate, k: int, unit: np.ndarray):
    """Nelder-Mead on log(measured / claimed) from one candidate, inside the unit cube."""
    from scipy.optimize import minimize

    def loss(theta):
        value = evaluate(k, np.clip(theta, 0.0, 1.0 - 1e-12))[0]
        return -value if math.isfinite(value) else 1e300

    result = minimize(loss, unit, method="Nelder-Mead",
                      options={"maxfev": REFINE_EVALUATIONS, "initial_simplex": initial_simplex(unit)})
    best = np.clip(result.x, 0.0, 1.0 - 1e-12)
    log_ratio, t = evaluate(k, best)
    return log_ratio, t, k, best


def _instance_text(variant: Variant, point: dict) -> dict:
    names = [str(p) for p in variant.claim.problem.parameters]
    text = {"eta": str(point["eta"])}
    if point["x0"] is not None:
        text["x0"] = [str(v) for v in point["x0"]]
    text.update({name: str(v) for name, v in zip(names, point["parameters"])})
    if variant.label:
        text["variant"] = variant.label
    return text


def instance_values(instance: dict) -> list[tuple[str, Reading | str]]:
    """(name, value) of an instance (``_instance_text``): each exact number with its decimal beside it."""
    return [(k, v if k == "variant" else exact_vector(map(_exact, v)) if isinstance(v, list) else
             with_decimal(_exact(v))) for k, v in instance.items()]


def _exact(text: str) -> sp.Rational:
    """An instance value back from the text it was written as (an exact rational this module wrote)."""
    value = Fraction(text)
    return sp.Rational(value.numerator, value.denominator)


def witness_tables_text(variant: Variant, point: dict) -> str:
    """The witness as a claim file, without [search] or [twin], predicting holds: ``mdtheory check`` on it
    reports the violation (exit 1)."""
    data = {section: dict(table) for section, table in variant.tables.items() if section not in ("search", "twin")}
    data["run"]["eta"] = str(point["eta"])
    problem = variant.claim.problem
    if point["x0"] is not None:
        data["run"]["x0"] = [str(v) for v in point["x0"]]
    data["problem"] = problem.witness_problem_table(data["problem"], point["parameters"])
    data["claim"] = {k: v for k, v in data["claim"].items() if k != "expected"}
    return witness_comments(instance_values(_instance_text(variant, point))) + toml_text(data)
