"""The range a falsify search covers: ``[search]``'s keys read into an exact space, its structural variants
(dimensions, regularizer levels), and uniform numbers in [0, 1)^k mapped into it as candidates.

Two spaces: ``SearchSpace`` for a quantity measured on a perturbed pair (its candidates carry a direction and
are screened in float64, ``Candidates``), ``TheoremSpace`` for every other quantity (its points are exact
instances measured by the problem itself, ``TheoremSpace.point``). Both draw their uniform numbers with
``space_filling`` from the same generator, so a seed gives the same candidates wherever they are screened.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from mdtheory.claimfile import (
    MAX_INDEXED_DIMENSION,
    ClaimFile,
    ClaimFileError,
    check_table_keys,
    toml_integer,
    toml_number,
    toml_numbers,
)
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.domains import Domain

SEARCH_KEYS = {"x0": False, "margin": False, "direction": False, "eta": False, "parameters": False,
               "d": False, "regularizer": False, "levels": False, "candidates": False, "seconds": False, "seed": False}
DEFAULT_LEVELS = 5
DEFAULT_MARGIN = sp.Rational(1, 1000)  # x0 = "domain": every coordinate of a searched start at least this
MAX_VARIANTS = 64
DEFAULT_CANDIDATES = 20_000  # a float64 screen's default budget
THEOREM_CANDIDATES = 300  # the default budget of a screen that measures each candidate on its own ladder
DEFAULT_SECONDS = 60
MAX_CANDIDATES = 10**9  # and at most a day: a search is bounded by both budgets, whichever ends first
MAX_SECONDS = 86_400
SIGNIFICANT = 15  # digits kept when a float64 candidate becomes an exact one


class SearchError(ClaimFileError):
    """A malformed [search] table; the message names the key."""


@dataclass(frozen=True)
class SearchSpace:
    """The range a claim quantifies over, every bound exact."""

    dim: int
    domain: Domain
    start: str  # "stated": [run] x0, not searched; "simplex": the simplex with ``margin``; "box": ``box``
    stated_x0: tuple  # [run] x0, exact
    box: tuple | None  # ((lo, hi), ...) per coordinate when ``start`` is "box"
    margin: sp.Rational
    direction: tuple | None  # fixed, or None: any
    eta: tuple  # (lo, hi), possibly lo == hi
    parameters: dict  # name -> (lo, hi)
    candidates: int
    seconds: float
    seed: int

    @property
    def free_dimensions(self) -> int:
        """How many uniform numbers one candidate takes (its start if searched, its step size, its parameters)."""
        return (0 if self.start == "stated" else self.dim) + 1 + len(self.parameters)


def search_space(claim: ClaimFile) -> SearchSpace:
    table = claim.search
    if table is None:
        raise SearchError(f"{claim.path}: no [search] table; falsify needs the range to search (see the README)")
    check_table_keys(table, SEARCH_KEYS, "search")
    reg = claim.md.regularizer
    domain, dim = reg.domain, reg.dim
    start, box, margin = search_start(table, dim, domain)
    direction = table.get("direction", "any")
    if direction == "any":
        direction = None
    else:
        direction = tuple(toml_numbers(direction, "[search] direction", dim))
        try:
            domain.check_direction(direction)
        except MDTheoryError as err:
            raise SearchError(f"[search] direction: {err}") from None
    eta = eta_range(table, claim.spec.eta)
    ranges = dict(zip((str(p) for p in claim.md.parameters), _parameter_values(claim)))
    check_parameters_used(claim.md.parameters, claim.md.objective.expr.free_symbols, "objective")
    seconds = toml_number(table.get("seconds", DEFAULT_SECONDS), "[search] seconds")
    candidates = toml_integer(table.get("candidates", DEFAULT_CANDIDATES), "[search] candidates", 1)
    check_budgets(candidates, seconds, "[search] ")
    return SearchSpace(dim, domain, start, tuple(claim.spec.x0), box, margin, direction, eta, ranges, candidates,
                       float(seconds), toml_integer(table.get("seed", 0), "[search] seed", 0))


def eta_range(table: dict, stated) -> tuple:
    """[search] eta as an exact interval; without it, the stated step size alone."""
    if "eta" not in table:
        return stated, stated
    eta = tuple(toml_numbers(table["eta"], "[search] eta", 2))
    if not 0 < eta[0] <= eta[1]:
        raise SearchError(f"[search] eta: expected [low, high] with 0 < low <= high, got [{eta[0]}, {eta[1]}]")
    return eta


def search_start(table: dict, dim: int, domain: Domain) -> tuple[str, tuple | None, sp.Rational]:
    """(start, box, margin) from [search] x0 and margin. Without x0 the start is not searched: the claim's
    own [run] x0 is kept ("stated"), so a margin would have nothing to bound and is refused, as is a margin
    beside a box (it bounds only x0 = "domain")."""
    if "x0" not in table:
        if "margin" in table:
            raise SearchError("[search] margin: bounds a searched start (x0 = \"domain\") away from the simplex's "
                              "boundary; without [search] x0 the start is [run] x0, not searched: remove margin, or "
                              "add x0 = \"domain\"")
        return "stated", None, DEFAULT_MARGIN
    margin = toml_number(table.get("margin", DEFAULT_MARGIN), "[search] margin")
    box = search_box(table["x0"], dim, domain, margin)
    if box is not None and "margin" in table:
        raise SearchError("[search] margin: bounds x0 = \"domain\" on the simplex, not a box; remove margin (the box "
                          "states the start's range)")
    return ("simplex" if box is None else "box"), box, margin


def check_parameters_used(parameters, used: set, where: str) -> None:
    """A searched parameter that the problem does not use would be searched without effect: refused."""
    for p in parameters:
        if p not in used:
            raise SearchError(f"[search] parameters.{p}: the {where} does not use {p}, so searching it would change "
                              f"nothing; use {p} in the {where} or remove it from [search] parameters")


def search_box(where, dim: int, domain: Domain, margin) -> tuple | None:
    """[search] x0: "domain" (the simplex, every coordinate at least ``margin``: None) or a box, one
    [low, high] pair per coordinate or one pair for every coordinate."""
    if where == "domain":
        if domain is not Domain.SIMPLEX:
            raise SearchError(f"[search] x0: \"domain\" searches the simplex; on {domain.value} give a box "
                              "[[\"lo\", \"hi\"], ...] per coordinate, or leave x0 out to keep [run] x0")
        if not 0 < margin < sp.Rational(1, dim):
            raise SearchError(f"[search] margin: must be in (0, 1/d) = (0, 1/{dim}), got {margin}")
        return None
    if domain is Domain.SIMPLEX:
        raise SearchError("[search] x0: on the simplex use x0 = \"domain\" with a margin")
    if not isinstance(where, list) or len(where) not in (1, dim):
        raise SearchError(f"[search] x0: expected \"domain\" or a box of {dim} [low, high] pairs (or one pair for "
                          "every coordinate)")
    box = tuple(tuple(toml_numbers(pair, f"[search] x0[{i}]", 2)) for i, pair in enumerate(where)) * (dim // len(where))
    for i, (lo, hi) in enumerate(box):
        if lo == hi:
            raise SearchError(f"[search] x0[{i}]: [{lo}, {hi}] is a single point; a box searches intervals: give "
                              "low < high, or leave x0 out to keep [run] x0")
        if not lo < hi:
            raise SearchError(f"[search] x0[{i}]: the interval [{lo}, {hi}] is empty")
        if domain is Domain.POSITIVE and not lo > 0:
            raise SearchError(f"[search] x0[{i}]: [{lo}, {hi}] leaves the positive orthant; start it above 0")
    return box


def check_budgets(candidates, seconds, where: str = "--") -> None:
    if candidates is not None and not (isinstance(candidates, int) and 1 <= candidates <= MAX_CANDIDATES):
        raise SearchError(f"{where}candidates: expected an integer in [1, {MAX_CANDIDATES}], got {candidates!r}")
    if seconds is not None and not 0 < seconds <= MAX_SECONDS:
        raise SearchError(f"{where}seconds: expected a time in (0, {MAX_SECONDS}] seconds, got {seconds}")


def _parameter_values(claim: ClaimFile):
    table = claim.search.get("parameters", {})
    return [tuple(toml_numbers(table[str(p)], f"[search] parameters.{p}", 2)) for p in claim.md.parameters]


def structural_variants(tables: dict) -> list[tuple[str, dict]]:
    """(label, tables) per structural choice of [search]: every dimension in ``d = [2, 3, 5]`` (for
    [problem] variables = {name, d}), and ``levels`` equally spaced exact values (endpoints included) of each
    catalogue-regularizer parameter in ``regularizer = {q = [lo, hi]}``. Every combination is its own
    problem (its maps are derived once). Without such keys: the file itself, labelled "". A single choice
    (``d = [5]``) is one labelled variant: the search runs it, not the file's own d."""
    search = tables.get("search") or {}
    axes = [axis for axis in (_dimension_axis(tables, search), *_regularizer_axes(tables, search)) if axis]
    if not axes:
        return [("", tables)]
    count = math.prod(len(axis) for axis in axes)
    if count > MAX_VARIANTS:
        raise SearchError(f"[search]: {count} structural variants (dimensions x regularizer levels) exceed "
                          f"{MAX_VARIANTS}; lower levels or give fewer dimensions")
    variants = []
    for choice in itertools.product(*axes):
        data = {section: dict(table) if isinstance(table, dict) else table for section, table in tables.items()}
        for _, apply in choice:
            apply(data)
        variants.append((", ".join(label for label, _ in choice), data))
    return variants


def _dimension_axis(tables: dict, search: dict) -> list:
    if "d" not in search:
        return []
    variables = tables["problem"].get("variables")
    if not isinstance(variables, dict):
        raise SearchError("[search] d: needs [problem] variables = {name = \"x\", d = ...} and an objective written "
                          "for every dimension with sum_i(...)")
    dims = search["d"]
    if not isinstance(dims, list) or not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                                                         for d in dims):
        raise SearchError(f"[search] d: expected a non-empty list of dimensions such as [2, 3, 5], got {dims!r}")
    if "direction" in search and search["direction"] != "any":
        raise SearchError("[search] direction: a fixed direction has one dimension; with [search] d use \"any\"")
    domain = Domain.parse(tables["problem"].get("domain", "reals"))
    smallest = 2 if domain is Domain.SIMPLEX else 1  # the simplex in d = 1 is a point: nothing to perturb
    outside = [d for d in dims if not smallest <= d <= MAX_INDEXED_DIMENSION]
    if outside:
        raise SearchError(f"[search] d: {outside[0]} is outside [{smallest}, {MAX_INDEXED_DIMENSION}], the dimensions "
                          f"a problem on {domain.value} written with sum_i(...) can take (each coordinate is a symbol "
                          "the model derives maps over); give dimensions in that range")

    def apply(d: int):
        def to(data: dict):
            data["problem"]["variables"] = {**variables, "d": d}
            if d == variables.get("d"):
                return
            where = search.get("x0", "domain")
            if domain is Domain.SIMPLEX:
                data["run"]["x0"] = [f"1/{d}"] * d
            elif isinstance(where, list) and len(where) == 1:
                lo, hi = toml_numbers(where[0], "[search] x0[0]", 2)
                data["run"]["x0"] = [str((lo + hi) / 2)] * d
            elif "x0" not in search:
                raise SearchError(f"[search] d: [run] x0 has {variables.get('d')} coordinates, so it is no start in "
                                  f"d = {d}; add [search] x0 = [[\"lo\", \"hi\"]], one pair for every coordinate")
            else:
                raise SearchError("[search] x0: with [search] d give one [low, high] pair for every coordinate")
            data["run"]["direction"] = ["1", "-1"] + ["0"] * (d - 2) if domain is Domain.SIMPLEX else ["1"] + ["0"] * (d - 1)
        return to

    return [(f"d = {d}", apply(d)) for d in sorted(set(dims))]


def _regularizer_axes(tables: dict, search: dict) -> list:
    ranges = search.get("regularizer")
    if ranges is None:
        if "levels" in search:
            raise SearchError("[search] levels: counts the values of [search] regularizer parameters; give "
                              "regularizer = {name = [low, high]} or remove levels")
        return []
    if not isinstance(ranges, dict) or not ranges:
        raise SearchError("[search] regularizer: expected a table of the regularizer's parameters, {q = [low, high]}")
    stated = tables["problem"].get("regularizer")
    if isinstance(stated, str):
        stated = {"name": stated}
    if stated is None:
        raise SearchError("[search] regularizer: searches the parameters of [problem] regularizer, and this problem "
                          "names none; name a catalogue regularizer with parameters there, or remove it")
    if not isinstance(stated, dict):
        raise SearchError("[search] regularizer: searches the parameters of a catalogue regularizer; [problem] "
                          "regularizer is an expression (write its parameter into [search] parameters instead)")
    levels = toml_integer(search.get("levels", DEFAULT_LEVELS), "[search] levels", 2)
    if levels > MAX_VARIANTS:  # refused before any level is built
        raise SearchError(f"[search] levels: {levels} exceeds the limit of {MAX_VARIANTS} structural variants; "
                          "give fewer levels")
    axes = []
    for name, interval in ranges.items():
        if name in ("name", "n", "domain"):
            raise SearchError(f"[search] regularizer.{name}: not a parameter that can be searched")
        lo, hi = toml_numbers(interval, f"[search] regularizer.{name}", 2)
        if lo == hi:
            raise SearchError(f"[search] regularizer.{name}: [{lo}, {hi}] is a single value; to fix {name}, write it "
                              f"in [problem] regularizer = {{name = ..., {name} = \"{lo}\"}}; to search it, give "
                              "low < high")
        if not lo < hi:
            raise SearchError(f"[search] regularizer.{name}: the interval [{lo}, {hi}] is empty; give [low, high] "
                              "with low < high")

        def apply(name=name, value=None):
            def to(data: dict):
                current = data["problem"]["regularizer"]
                current = {"name": current} if isinstance(current, str) else current
                data["problem"]["regularizer"] = {**current, name: str(value)}
            return to

        axes.append([(f"regularizer {name} = {value}", apply(name, value))
                     for value in (lo + (hi - lo) * sp.Rational(k, levels - 1) for k in range(levels))])
    return axes


# ----------------------------------------------------------------------------------------------- candidates
@dataclass
class Candidates:
    """A batch in float64: starts (B, d), unit directions (B, d), step sizes (B,), parameters (B, p)."""

    x0: np.ndarray
    direction: np.ndarray
    eta: np.ndarray
    parameters: np.ndarray

    def __len__(self):
        return len(self.eta)

    def take(self, index) -> Candidates:
        index = np.atleast_1d(index)
        return Candidates(self.x0[index], self.direction[index], self.eta[index], self.parameters[index])

    @classmethod
    def joined(cls, batches: list) -> Candidates:
        return cls(*(np.concatenate([getattr(b, name) for b in batches]) for name in
                     ("x0", "direction", "eta", "parameters")))


def _uniform(space: SearchSpace, unit: np.ndarray, rng: np.random.Generator, direction=None) -> Candidates:
    """Map uniform numbers in [0, 1)^k (one row per candidate) into the space; the directions are drawn
    from ``rng`` unless given."""
    count, column = len(unit), 0
    if space.start == "stated":
        x0 = np.tile([float(v) for v in space.stated_x0], (count, 1))
    elif space.start == "simplex":
        x0 = simplex_points(unit, space.dim, float(space.margin))
    else:
        lo = np.array([float(a) for a, _ in space.box])
        hi = np.array([float(b) for _, b in space.box])
        x0 = lo + (hi - lo) * unit[:, : space.dim]
    column += 0 if space.start == "stated" else space.dim
    lo, hi = float(space.eta[0]), float(space.eta[1])
    eta = lo + (hi - lo) * unit[:, column]
    column += 1
    parameters = np.empty((count, len(space.parameters)))
    for j, (a, b) in enumerate(space.parameters.values()):
        parameters[:, j] = float(a) + (float(b) - float(a)) * unit[:, column + j]
    if direction is not None:
        direction = np.array(direction, dtype=float)
    elif space.direction is None:
        direction = rng.standard_normal((count, space.dim))
        if space.domain is Domain.SIMPLEX:
            direction -= direction.mean(axis=1, keepdims=True)
    else:
        direction = np.tile([float(v) for v in space.direction], (count, 1))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return Candidates(x0, direction, eta, parameters)


def simplex_points(unit: np.ndarray, dim: int, margin: float) -> np.ndarray:
    """Rows of uniform numbers as points of the simplex at least ``margin`` from its boundary: exponential
    spacings of the first ``dim`` columns give a uniform point."""
    spacings = -np.log1p(-unit[:, :dim] * (1 - 1e-16))
    weights = spacings / spacings.sum(axis=1, keepdims=True)
    return margin + (1 - dim * margin) * weights


def space_filling(dimensions: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` points of [0, 1)^dimensions: half space-filling (a Latin hypercube), half independent uniform."""
    from scipy.stats import qmc

    filling = count // 2
    return np.vstack([
        qmc.LatinHypercube(d=dimensions, seed=rng).random(filling) if filling else np.empty((0, dimensions)),
        rng.random((count - filling, dimensions)),
    ])


def draw(space: SearchSpace, count: int, rng: np.random.Generator) -> Candidates:
    return _uniform(space, space_filling(space.free_dimensions, count, rng), rng)



def exact_decimal(value: float, digits: int = SIGNIFICANT) -> sp.Rational:
    """A float candidate as the exact decimal of its leading ``digits``."""
    return sp.Rational(f"{value:.{digits}g}")


def within(value: float, interval: tuple, digits: int = SIGNIFICANT) -> sp.Rational:
    """A float drawn from the exact ``interval`` as an exact decimal of ``digits`` digits that stays inside it
    (rounding 0.6666... up would step past 2/3); a one-point interval is its exact value."""
    lo, hi = interval
    if lo == hi:
        return lo
    return min(max(exact_decimal(value, digits), lo), hi)



# ----------------------------------------------------------------------------------------------- claim-language kinds
THEOREM_SEARCH_KEYS = {"x0": False, "margin": False, "eta": False, "parameters": False, "d": False, "regularizer": False,
                       "levels": False, "candidates": False, "seconds": False, "seed": False}
WITNESS_DIGITS = 8  # a claim-language candidate becomes an exact instance with this many digits (a readable witness)


@dataclass(frozen=True)
class TheoremSpace:
    """The range of one claim: its step size, its start (or the stated one), its free parameters."""

    eta: tuple | None  # None: the problem takes no step (its step_size is None)
    start: str  # "stated": [run] x0, not searched; "simplex"; "box"
    box: tuple | None
    margin: sp.Rational
    dim: int
    parameters: dict  # name -> (lo, hi)

    @property
    def free_dimensions(self) -> int:
        return (0 if self.start == "stated" else self.dim) + (self.eta is not None) + len(self.parameters)

    def point(self, unit: np.ndarray) -> dict:
        """Uniform numbers in [0, 1)^k as an exact instance: {"eta" (None for a problem that takes no step), "x0"
        (or None), "parameters"}, every value a WITNESS_DIGITS decimal inside its exact interval."""
        column, x0 = 0, None
        if self.start == "simplex":
            x0 = [exact_decimal(v, WITNESS_DIGITS)
                  for v in simplex_points(unit[None, : self.dim], self.dim, float(self.margin))[0]]
            x0[-1] = 1 - sum(x0[:-1])
            column = self.dim
        elif self.start == "box":
            x0 = [within(float(lo) + float(hi - lo) * u, (lo, hi), WITNESS_DIGITS)
                  for (lo, hi), u in zip(self.box, unit[: self.dim])]
            column = self.dim
        eta = None
        if self.eta is not None:
            lo, hi = self.eta
            eta = within(float(lo) + float(hi - lo) * unit[column], self.eta, WITNESS_DIGITS)
            column += 1
        parameters = tuple(within(float(a) + float(b - a) * unit[column + j], (a, b), WITNESS_DIGITS)
                           for j, (a, b) in enumerate(self.parameters.values()))
        return {"eta": eta, "x0": None if x0 is None else tuple(x0), "parameters": parameters}


def theorem_space(problem, search: dict) -> TheoremSpace:
    """The range [search] states for a claim on ``problem`` (any kind), asked through the Problem protocol."""
    check_table_keys(search, THEOREM_SEARCH_KEYS, "search")
    (domain, dim), eta, names = problem.search_start(), problem.step_size, [str(p) for p in problem.parameters]
    check_parameters_used(problem.parameters, *problem.parameter_uses())
    if domain is None and not names:
        for key in ("x0", "margin", "parameters"):
            if key in search:
                raise SearchError(f"[search] {key}: this {problem.kind} claim searches its step size eta only")
    start, box, margin = ("stated", None, None) if domain is None else search_start(search, dim, domain)
    table = search.get("parameters", {})
    ranges = {name: tuple(toml_numbers(table[name], f"[search] parameters.{name}", 2)) for name in names}
    if eta is None and "eta" in search:
        raise SearchError(f"[search] eta: a {problem.kind} claim takes no step size; search x0 or remove eta")
    return TheoremSpace(None if eta is None else eta_range(search, eta), start, box, margin, dim, ranges)
