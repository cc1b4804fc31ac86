"""``mdtheory falsify``: search a stated range for an instance where a claimed bound fails, then prove it.

A claim file with a ``[search]`` table states the range a bound quantifies over:

    [search]
    x0 = "domain"                  # the simplex (with margin), or a box [["lo", "hi"], ...] per coordinate;
                                   # without x0 the start is [run] x0, not searched
    margin = "1/1000"              # with x0 = "domain": every coordinate of x0 at least this
    direction = "any"              # the unit sphere (the simplex's tangent space there), or a fixed list
    eta = ["1/100", "2"]           # an interval (default: [run] eta alone)
    parameters = {a = ["1/2", "2"]}  # free names of the objective, each with an interval
    regularizer = {q = ["1/2", "2"]}  # a catalogue regularizer's parameters, on `levels` (5) exact values
    d = [2, 3, 5]                  # dimensions, for [problem] variables = {name = "x", d = 2} and sum_i(...);
                                   # d = [5] searches d = 5 alone (at most MAX_INDEXED_DIMENSION)
    candidates = 20000             # screening budget; seconds = 60; seed = 0

Regularizer levels and dimensions are structural: each choice is its own problem, searched in turn with the
budgets split evenly; a single choice (``d = [5]``) is searched alone, never the file's own. Every
[search] key is honoured or refused with the key named. Claims on other quantities (convergence, regret,
policy) are searched by ``mdtheory.falsify_theorems``; ``falsify_file`` picks the search a claim file needs.

Search, then confirm, then prove:
1. screen candidates in float64, vectorized over the batch (one numpy pass runs every trajectory and its
   tangent J_t v), half of them space-filling (Latin hypercube), half random;
2. refine the most promising ones with scipy's Nelder-Mead, maximizing measured / claimed;
3. confirm the best on the precision ladder with exact (rational) parameters: a float64 "violation" the
   ladder does not confirm is discarded and counted;
4. where the step has a closed form, certify the witness in ball arithmetic (python-flint arb, no
   midpoints dropped): the amplification's ball lies above the bound's.

The answer is ``violated`` with a witness (written as a claim file that ``mdtheory check`` reproduces),
or ``not falsified`` after N candidates, with the closest approach. Never ``holds``: a search that finds
nothing proves nothing. The float64 screen measures the tangent amplification ||J_t v|| / ||v|| (for
``amplification`` claims this is the limit eps -> 0; the ladder then checks the stated eps).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from mdtheory.checker.bounds import EPS, ETA_T, T, UpperBound
from mdtheory.checker.instance import check_instance
from mdtheory.checker.reading import Reading, exactly, joined, reading, rounded
from mdtheory.claimfile import (
    MAX_INDEXED_DIMENSION,
    ClaimFile,
    ClaimFileError,
    check_table_keys,
    claim_file_from_tables,
    is_sensitivity_claim,
    names_its_file,
    read_claim_tables,
    toml_integer,
    toml_number,
    toml_numbers,
    toml_text,
)
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.compiled_screen import BLOCK as BLOCK_OF_CANDIDATES
from mdtheory.engine.compiled_screen import NUMBA_HINT, SCREEN_ENGINES, compiled_screen, numba_available
from mdtheory.engine.context import MAX_PRECISION_BITS, ArbContext, Float64Context, flint_precision, working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.run import MAX_STEPS, RunSpec
from mdtheory.errors import ExpressionError, MDTheoryError
from mdtheory.symbolic.domains import Domain
from mdtheory.verdict import NOT_FALSIFIED, VIOLATED, Verdict

SEARCH_KEYS = {"x0": False, "margin": False, "direction": False, "eta": False, "parameters": False,
               "d": False, "regularizer": False, "levels": False, "candidates": False, "seconds": False, "seed": False}
DEFAULT_LEVELS = 5
DEFAULT_MARGIN = sp.Rational(1, 1000)  # x0 = "domain": every coordinate of a searched start at least this
MAX_VARIANTS = 64
DEFAULT_CANDIDATES = 20_000
DEFAULT_SECONDS = 60
MAX_CANDIDATES = 10**9  # and at most a day: a search is bounded by both budgets, whichever ends first
MAX_SECONDS = 86_400
BATCH = 4096  # candidates per vectorized pass
REFINED = 4  # candidates refined by Nelder-Mead
CONFIRMED = 6  # candidates taken to the precision ladder
SIGNIFICANT = 15  # digits kept when a float64 candidate becomes an exact one
FLOAT64 = Float64Context()
DECIMAL_DIGITS = 15  # a witness's fraction is shown with its decimal to this many significant digits (as many as
                     # a candidate keeps, SIGNIFICANT, so a decimal-born value's decimal is the value itself)
DECIMAL_BITS = 64  # the context that rounds it (15 digits need 50 bits)


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
    if "eta" in table:
        eta = tuple(toml_numbers(table["eta"], "[search] eta", 2))
        if not 0 < eta[0] <= eta[1]:
            raise SearchError(f"[search] eta: expected [low, high] with 0 < low <= high, got [{eta[0]}, {eta[1]}]")
    else:
        eta = (claim.spec.eta, claim.spec.eta)
    ranges = dict(zip((str(p) for p in claim.md.parameters), _parameter_values(claim)))
    check_parameters_used(claim.md.parameters, claim.md.objective.expr.free_symbols, "objective")
    seconds = toml_number(table.get("seconds", DEFAULT_SECONDS), "[search] seconds")
    candidates = toml_integer(table.get("candidates", DEFAULT_CANDIDATES), "[search] candidates", 1)
    check_budgets(candidates, seconds, "[search] ")
    return SearchSpace(dim, domain, start, tuple(claim.spec.x0), box, margin, direction, eta, ranges, candidates,
                       float(seconds), toml_integer(table.get("seed", 0), "[search] seed", 0))


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

    def take(self, index) -> "Candidates":
        index = np.atleast_1d(index)
        return Candidates(self.x0[index], self.direction[index], self.eta[index], self.parameters[index])


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


# ----------------------------------------------------------------------------------------------- screening
class Screen:
    """measured / claimed of every candidate in float64, vectorized over the batch.

    Runs x_{t+1} = step(x_t) and w_{t+1} = J(x_t) w_t (renormalized, its log-growth accumulated) for every
    candidate, with the step and Jacobian generated from the model. ``engine`` "numba" runs them as compiled
    code (``engine.compiled_screen``, the default where numba is installed), "numpy" on numpy arrays of
    candidates through the same generated kernel the ladder uses; a step without a closed form (Newton
    inverse) falls back to one candidate at a time. ``engine_note`` says which ran and why."""

    def __init__(self, claim: ClaimFile, steps: int, engine: str | None = None):
        if engine is not None and engine not in SCREEN_ENGINES:
            raise SearchError(f"screen engine: {engine!r} is not one of {', '.join(SCREEN_ENGINES)}")
        self.claim = claim
        self.steps = steps
        self.kernel = MirrorDescentKernel(claim.md)
        self.vectorized = self.kernel.has_closed_form_step
        self.quantity = claim.bound.quantity
        self.bound = CompiledExpressions([claim.bound.bound], [T, ETA_T, EPS])
        self.eps = float(claim.spec.eps)
        self.offset = math.log(self.eps) if self.quantity == "separation" else 0.0
        self.positive = claim.md.regularizer.domain is not Domain.REALS
        self.space = search_space(claim) if claim.search is not None else None  # exact instances stay inside it
        self.compiled, self.engine = None, "numpy"
        if not self.vectorized:
            self.engine_note = "numpy, one candidate at a time (the step has no closed form)"
        elif engine == "numpy":
            self.engine_note = "vectorized numpy"
        elif not numba_available():
            if engine == "numba":
                raise SearchError(f"screen engine: numba is not installed; {NUMBA_HINT}")
            self.engine_note = f"vectorized numpy (numba not installed: {NUMBA_HINT})"
        else:
            self._compile(engine)

    def _compile(self, engine: str | None) -> None:
        """The compiled screen, compiled here (once per claim and process); where numba cannot type this
        claim's kernel (or its rewritten pieces do not compile), the numpy screen, saying why (or the error,
        when numba was asked for by name)."""
        from numba.core.errors import NumbaError

        try:
            compiled = compiled_screen(self.kernel.model.model, self.claim.bound.bound, (T, ETA_T, EPS), self.positive)
            compiled.compile()
        except (NumbaError, ExpressionError) as err:
            reason = str(err).strip().splitlines()[0][:160]
            if engine == "numba":
                raise SearchError(f"screen engine: numba cannot compile this claim's kernel ({reason})") from None
            self.engine_note = f"vectorized numpy (numba cannot compile this claim's kernel: {reason})"
            return
        self.compiled, self.engine = compiled, "numba"
        self.engine_note = f"compiled with numba, blocks of {BLOCK_OF_CANDIDATES} candidates"

    def log_ratios(self, batch: Candidates) -> tuple[np.ndarray, np.ndarray]:
        """(max over t >= 1 of log(measured / claimed), the t attaining it); -inf where a run failed."""
        if self.compiled is not None:
            best, best_t, extreme = self.compiled.log_ratios(batch.x0, batch.direction, batch.eta, batch.parameters,
                                                             self.eps, self.offset, self.steps)
            if extreme.any():  # outside the range where the compiled screen's cross-products stay normal floats
                which = np.flatnonzero(extreme)
                best[which], best_t[which] = self._vectorized(batch.take(which))
            return best, best_t
        if self.vectorized:
            return self._vectorized(batch)
        rows = [self._one(batch.take(i)) for i in range(len(batch))]
        return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])

    def _vectorized(self, batch: Candidates):
        kernel, ctx = self.kernel, FLOAT64
        count = len(batch)
        x = [batch.x0[:, i].copy() for i in range(batch.x0.shape[1])]
        w = [batch.direction[:, i].copy() for i in range(batch.x0.shape[1])]
        params = [batch.parameters[:, j] for j in range(batch.parameters.shape[1])]
        log_growth = np.zeros(count)
        best, best_t = np.full(count, -np.inf), np.zeros(count, dtype=int)
        alive = np.ones(count, dtype=bool)
        offset = self.offset
        with np.errstate(all="ignore"):
            for t in range(1, self.steps + 1):
                rows = kernel.closed_form_jacobian(ctx, x, batch.eta, params)
                w = [sum(np.asarray(rows[i][j]) * w[j] for j in range(len(w))) for i in range(len(w))]
                x = [np.broadcast_to(np.asarray(v, dtype=float), (count,)) for v in kernel.step(ctx, x, batch.eta, params)]
                norm = np.sqrt(sum(v * v for v in w))
                log_growth = log_growth + np.log(norm)
                w = [v / norm for v in w]
                ok = np.isfinite(norm) & np.all([np.isfinite(v) for v in x], axis=0)
                if self.positive:
                    ok &= np.all([v > 0 for v in x], axis=0)
                alive &= ok
                bound = np.broadcast_to(np.asarray(self.bound(ctx, float(t), batch.eta * t, self.eps)[0], dtype=float), (count,))
                value = np.where(alive & (bound > 0), log_growth + offset - np.log(bound), -np.inf)
                better = value > best
                best, best_t = np.where(better, value, best), np.where(better, t, best_t)
        return best, best_t

    def _one(self, one: Candidates):
        from mdtheory.engine.run import run_mirror_descent

        try:
            spec = exact_spec(self.claim, one, self.space)
            series = run_mirror_descent(self.claim.md, spec, None, self.kernel, perturbed=False)
        except MDTheoryError:
            return -np.inf, 0
        offset = self.offset
        best, best_t = -np.inf, 0
        for t, s, log_a in zip(series.t, series.eta_t, series.log_tangent_amplification):
            if t >= 1:
                bound = float(self.bound(FLOAT64, float(t), float(s), self.eps)[0])
                value = float(log_a) + offset - math.log(bound) if bound > 0 and math.isfinite(float(log_a)) else -np.inf
                if value > best:
                    best, best_t = value, t
        return best, best_t


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


def exact_spec(claim: ClaimFile, one: Candidates, space: SearchSpace | None = None) -> RunSpec:
    """A one-candidate batch as an exact instance: decimals of SIGNIFICANT digits, kept inside ``space``'s
    intervals (eta, the box, the parameters) and with its stated x0 exact; on the simplex the last coordinate
    of a searched x0 makes the sum 1 and the last of the direction makes it 0."""
    if space is not None and space.start == "stated":
        x0 = list(claim.spec.x0)
    elif space is not None and space.start == "box":
        x0 = [within(v, interval) for v, interval in zip(one.x0[0], space.box)]
    else:
        x0 = [exact_decimal(v) for v in one.x0[0]]
    direction = [exact_decimal(v) for v in one.direction[0]]
    if claim.md.regularizer.domain is Domain.SIMPLEX:
        if space is None or space.start != "stated":
            x0[-1] = 1 - sum(x0[:-1])
        direction[-1] = -sum(direction[:-1])
    if space is None:
        eta, parameters = exact_decimal(one.eta[0]), [exact_decimal(v) for v in one.parameters[0]]
    else:
        eta = within(one.eta[0], space.eta)
        parameters = [within(v, interval) for v, interval in zip(one.parameters[0], space.parameters.values())]
    return RunSpec.build(x0, direction, claim.spec.eps, eta, claim.spec.steps, parameters=parameters)


# ----------------------------------------------------------------------------------------------- refinement
def refine(screen: Screen, space: SearchSpace, start: Candidates, rng: np.random.Generator,
           evaluations: int = 300) -> Candidates:
    """Nelder-Mead (scipy) from one candidate over its start, step size and parameters (the direction is
    kept), maximizing log(measured / claimed) inside the space."""
    from scipy.optimize import minimize

    def unpack(theta) -> Candidates:
        return _uniform(space, np.clip(theta, 0.0, 1.0 - 1e-12)[None, :], rng, direction=start.direction)

    def loss(theta):
        value = screen.log_ratios(unpack(theta))[0][0]
        return -value if np.isfinite(value) else 1e300

    theta0 = _to_unit(space, start)
    result = minimize(loss, theta0, method="Nelder-Mead",
                      options={"maxfev": evaluations, "initial_simplex": initial_simplex(theta0), "xatol": 1e-12,
                               "fatol": 1e-14})
    return unpack(result.x)


def initial_simplex(theta0: np.ndarray) -> np.ndarray:
    steps = np.where(theta0 < 0.5, 0.05, -0.05)
    return np.vstack([theta0] + [theta0 + np.eye(len(theta0))[i] * steps[i] for i in range(len(theta0))])


def _to_unit(space: SearchSpace, one: Candidates) -> np.ndarray:
    """Inverse of ``_uniform`` for one candidate (the simplex start via its exponential spacings)."""
    parts = []
    if space.start == "simplex":
        weights = (one.x0[0] - float(space.margin)) / (1 - space.dim * float(space.margin))
        spacings = np.maximum(weights, 1e-300) / np.max(np.maximum(weights, 1e-300)) * 0.5
        parts.append(1 - np.exp(-spacings))
    elif space.start == "box":
        lo = np.array([float(a) for a, _ in space.box])
        hi = np.array([float(b) for _, b in space.box])
        parts.append((one.x0[0] - lo) / (hi - lo))
    lo, hi = float(space.eta[0]), float(space.eta[1])
    parts.append([0.5 if hi == lo else (one.eta[0] - lo) / (hi - lo)])
    parts.append([(one.parameters[0, j] - float(a)) / (float(b) - float(a))
                  for j, (a, b) in enumerate(space.parameters.values())])
    return np.clip(np.concatenate([np.ravel(p) for p in parts]), 0, 1 - 1e-12)


# ----------------------------------------------------------------------------------------------- proof
def certify(screen: Screen, spec: RunSpec, t: int, bits: int) -> bool:
    """Ball-arithmetic proof that amplification(t) > bound(t) for this exact instance: both trajectories
    are run in arb at ``bits`` without dropping radii, so every ball contains the exact value. Only for
    steps in closed form and the ``amplification`` quantity; False when the balls do not separate."""
    kernel = screen.kernel
    if not kernel.has_closed_form_step or screen.quantity != "amplification":
        return False
    with flint_precision(bits):
        ctx = ArbContext(bits)
        eta = ctx.exact(spec.eta)
        params = [ctx.exact(p) for p in spec.parameters]
        x = [ctx.exact(v) for v in spec.x0]
        xp = [ctx.exact(v) for v in spec.perturbed_start]
        initial = ctx.distance(x, xp)
        try:
            for _ in range(t):
                x, xp = kernel.step(ctx, x, eta, params), kernel.step(ctx, xp, eta, params)
        except (MDTheoryError, ZeroDivisionError, ValueError):
            return False
        amplification = ctx.distance(x, xp) / initial
        bound = screen.bound(ctx, ctx.mpf(t), ctx.exact(spec.eta * t), ctx.exact(spec.eps))[0]
        return bool(amplification > bound)


# ----------------------------------------------------------------------------------------------- the search
@dataclass
class Witness:
    spec: RunSpec
    measured: Reading
    claimed: Reading
    trusted_digits: int
    certified: bool
    at_t: int
    float_ratio: float
    claim_text: str = ""  # the witness as a claim file (``witness_file``)
    variant: str = ""  # the structural choice it was found at

    def values(self) -> list[tuple[str, Reading]]:
        """(name, exact value with its decimal) of what the witness chose: x0, direction, eta, parameters."""
        spec = self.spec
        return ([("x0", exact_vector(spec.x0)), ("direction", exact_vector(spec.direction)),
                 ("eta", with_decimal(spec.eta))]
                + ([("parameters", exact_vector(spec.parameters))] if spec.parameters else []))

    def describe(self) -> list[str]:
        return ["witness: " + ", ".join(f"{name} = {value}" for name, value in self.values())
                + (f", {self.variant}" if self.variant else ""),
                f"measured: {self.measured}", f"claimed: {self.claimed}", f"trusted digits: {self.trusted_digits}",
                "certified: " + ("yes, in ball arithmetic (arb): the amplification's ball lies above the bound at "
                                 f"t = {self.at_t}" if self.certified else "no (confirmed on the precision ladder only)")]

    def as_json(self) -> dict:
        spec = self.spec
        return {"x0": [str(v) for v in spec.x0], "direction": [str(v) for v in spec.direction], "eta": str(spec.eta),
                "parameters": [str(v) for v in spec.parameters], "eps": str(spec.eps), "steps": spec.steps,
                "measured": self.measured.text(), "claimed": self.claimed.text(), "trusted_digits": self.trusted_digits,
                "certified": self.certified, "first_violation_t": self.at_t, "float64_ratio": self.float_ratio,
                **({"variant": self.variant} if self.variant else {})}


def with_decimal(value) -> Reading:
    """An exact value as itself, with its decimal beside it unless it is an integer:
    ``219999999999781/100000000000000 (2.19999999999781)``."""
    value = sp.sympify(value) if isinstance(value, int) else value  # only ints and sympy numbers come here
    if value.is_Integer:
        return reading(exactly(value))
    ctx = working_context(DECIMAL_BITS)  # nstr writes 1/5 as 0.2, not 0.200000000000000
    decimal = ctx.mpf(value.p) / value.q if value.is_Rational else ctx.mpf(sp.N(value, DECIMAL_DIGITS + 5))
    return reading(exactly(value), " (", rounded(decimal, DECIMAL_DIGITS, ctx), ")")


def exact_vector(values) -> Reading:
    return reading("(") + joined(", ", map(with_decimal, values)) + reading(")")


def witness_comments(values: list[tuple[str, Reading]], variant: str = "") -> str:
    """The head of a witness claim file: what falsify chose, each fraction with its decimal."""
    lines = ["# a counterexample found by mdtheory falsify: mdtheory check on this file reproduces the violation"]
    lines += [f"# {name} = {value}" for name, value in values] + ([f"# {variant}"] if variant else [])
    return "\n".join(lines) + "\n\n"


@dataclass
class FalsifyResult:
    verdict: Verdict  # violated or not falsified
    candidates: int
    refined: int
    confirmed_on_ladder: int
    discarded: int  # float64 violations the ladder did not confirm
    best_ratio: float  # the largest measured / claimed seen in float64
    best: dict
    witness: Witness | None
    seconds: float
    steps_per_second: float  # MD steps (with the tangent) per second in the screening passes
    vectorized: bool
    completed: int = 0  # drawn candidates whose float64 run finished inside the domain
    history: list = field(default_factory=list)  # (candidates so far, best ratio so far)
    top_ratios: list = field(default_factory=list)
    screen: str = ""  # how candidates were screened, when not the vectorized float64 pass
    screen_engine: str = ""  # which float64 screen ran (Screen.engine_note)

    def screening(self) -> str:
        if self.screen:
            return self.screen
        engine = self.screen_engine or ('vectorized' if self.vectorized else 'one at a time')
        return f"float64 ({engine}, {self.steps_per_second:.3g} MD steps/s)"

    def summary(self) -> str:
        lines = [f"verdict: {self.verdict}",
                 f"candidates: {self.candidates} screened in {self.screening()}, {self.refined} refined, "
                 f"{self.confirmed_on_ladder} taken to the precision ladder, {self.discarded} screened violations "
                 "discarded (not confirmed)",
                 f"closest approach (screen): measured/claimed = {self.best_ratio:.6g} at {self.best}"]
        if self.witness is not None:
            lines += self.witness.describe()
        else:
            if self.completed == 0:
                lines.append("none of the drawn candidates could be measured (every trajectory overflowed, left the "
                             "domain or contradicted the claim's constants): this range was not searched at all; "
                             "narrow it")
            lines.append("nothing was found, which proves nothing: the claim is not falsified, not proved")
        return "\n".join(lines)

    __str__ = summary

    def fields(self) -> list[tuple[str, str]]:
        """The verdict, the search and the witness (its readings' own text) as (name, text) pairs."""
        fields = [("verdict", self.verdict), ("candidates", f"{self.candidates} screened in {self.screening()}, "
                                                            f"{self.refined} refined, {self.confirmed_on_ladder} taken "
                                                            "to the precision ladder"),
                  ("closest approach (screen)", f"measured/claimed = {self.best_ratio:.6g} at {self.best}")]
        if self.witness is None:
            return fields
        witness = self.witness
        return fields + [("witness", witness.describe()[0].removeprefix("witness: ")),
                         ("measured", witness.measured.text()), ("claimed", witness.claimed.text()),
                         ("trusted digits", str(witness.trusted_digits)),
                         ("certified", "yes, in ball arithmetic (arb)" if witness.certified
                          else "no (precision ladder only)")]

    def _repr_markdown_(self) -> str:
        from mdtheory.checker.result import fields_markdown

        return fields_markdown(self.fields(), "" if self.witness else "nothing was found, which proves nothing: "
                                                                       "not falsified, not proved")


def falsify(claim: ClaimFile, candidates: int | None = None, seconds: float | None = None, seed: int | None = None,
            progress: Callable[[str], None] | None = None, workers: int | None = None,
            scheduler: str | None = None) -> FalsifyResult:
    """Search ``claim``'s [search] range (see the module docstring). Screening runs in this process, on
    ``workers`` local processes, or on the Dask cluster at ``scheduler``; the candidates and their order are
    the same in every case, so a seed gives the same answer wherever it runs. Structural choices
    ([search] regularizer levels) are searched one after the other with the budgets split evenly; the
    first confirmed violation ends the search."""
    variants = structural_variants(claim.tables) if claim.tables else [("", None)]
    if len(variants) == 1 and not variants[0][0]:  # no structural key: the file as written
        return _falsify_one(claim, candidates, seconds, seed, progress, workers, scheduler)
    space = search_space(claim)
    check_budgets(candidates, seconds)
    share_candidates = max(1, (candidates or space.candidates) // len(variants))
    share_seconds = (seconds or space.seconds) / len(variants)
    say = progress or (lambda text: None)
    results = []
    for label, data in variants:
        say(label)
        variant = claim_file_from_tables(data, claim.path)
        result = _falsify_one(variant, share_candidates, share_seconds, seed, progress, workers, scheduler)
        result.best = {**result.best, "variant": label}
        if result.witness is not None:
            result.witness.variant = label
        results.append(result)
        if result.witness is not None:
            break
    return merged(results)


def merged(results: list[FalsifyResult]) -> FalsifyResult:
    """One answer from searches of several variants: the witness if one was found, else the closest approach."""
    found = [r for r in results if r.witness is not None]
    best = found[0] if found else max(results, key=lambda r: r.best_ratio)
    history, offset = [], 0
    for r in results:
        history += [(count + offset, ratio) for count, ratio in r.history]
        offset += r.candidates
    running = 0.0
    history = [(count, running := max(running, ratio)) for count, ratio in history]
    seconds = sum(r.seconds for r in results)
    return dataclasses.replace(
        best, verdict=VIOLATED if found else NOT_FALSIFIED, candidates=offset,
        refined=sum(r.refined for r in results), confirmed_on_ladder=sum(r.confirmed_on_ladder for r in results),
        discarded=sum(r.discarded for r in results), completed=sum(r.completed for r in results), seconds=seconds,
        steps_per_second=float(np.mean([r.steps_per_second for r in results])), history=history,
        top_ratios=sorted((x for r in results for x in r.top_ratios), reverse=True),
        screen=f"{best.screening()}; {len(results)} structural variant{'s' if len(results) > 1 else ''} searched")


def _falsify_one(claim: ClaimFile, candidates, seconds, seed, progress, workers, scheduler) -> FalsifyResult:
    if not isinstance(claim.bound, UpperBound):
        raise SearchError("[claim] kind: falsify searches upper_bound and decay claims (a measured quantity against a "
                          "bound at every step)")
    if claim.bound.quantity not in ("amplification", "tangent_amplification", "separation"):
        raise SearchError("[claim] quantity: falsify screens amplification, tangent_amplification and separation")
    space = search_space(claim)
    check_budgets(candidates, seconds)
    budget = candidates or space.candidates
    deadline = time.monotonic() + (seconds or space.seconds)
    rng = np.random.default_rng(space.seed if seed is None else seed)
    say = progress or (lambda text: None)
    if claim.md.method != "md":  # the float screen is generated from plain MD's step (symbolic.model)
        raise SearchError(f"[run] method: falsify screens the perturbed pairs of plain MD only, and this claim runs {claim.md.method!r}; check the stated instance with mdtheory check, or search a convergence quantity")
    screen = Screen(claim, claim.spec.steps)
    started = time.perf_counter()
    stated = Candidates(np.array([[float(v) for v in claim.spec.x0]]),
                        np.array([[float(v) for v in claim.spec.direction]]) /
                        math.sqrt(sum(float(v) ** 2 for v in claim.spec.direction)),
                        np.array([float(claim.spec.eta)]), np.array([[float(v) for v in claim.spec.parameters]]))
    pool_x, pool_ratio, history, screened = [stated], [screen.log_ratios(stated)[0]], [], 1
    screening_seconds, screening_steps, completed = 0.0, 0, 0
    for batch, ratios, seconds_taken in _screened_batches(claim, screen, space, budget - 1, deadline, rng, workers,
                                                          scheduler):
        screening_seconds += seconds_taken
        screening_steps += len(batch) * screen.steps
        completed += int(np.sum(np.isfinite(ratios)))
        previous = max(float(np.max(np.concatenate(pool_ratio))), -700.0)
        running = np.maximum.accumulate(np.maximum(ratios, previous))  # the best so far, candidate by candidate
        for i in np.unique(np.linspace(0, len(batch) - 1, 40).astype(int)):
            history.append((screened + int(i) + 1, float(np.exp(running[i]))))
        keep = np.argsort(ratios)[-CONFIRMED * 2:]
        pool_x.append(batch.take(keep))
        pool_ratio.append(ratios[keep])
        screened += len(batch)
        say(f"screened {screened}/{budget} candidates; best measured/claimed {history[-1][1]:.6g}")
    pool = Candidates(*(np.concatenate([getattr(c, name) for c in pool_x]) for name in
                        ("x0", "direction", "eta", "parameters")))
    ratios = np.concatenate(pool_ratio)
    order = np.argsort(ratios)[::-1]
    refined = []
    for i in order[:REFINED]:
        if not np.isfinite(ratios[i]) or time.monotonic() > deadline:
            continue
        better = refine(screen, space, pool.take(i), rng)
        refined.append((screen.log_ratios(better)[0][0], better))
    say(f"refined {len(refined)} candidates")
    finalists = sorted([(ratios[i], pool.take(i)) for i in order[:CONFIRMED]] + refined, key=lambda r: -r[0])
    best_log, best_one = finalists[0]
    ladder_runs, discarded, witness = 0, 0, None
    for log_ratio, one in finalists[:CONFIRMED]:
        if not log_ratio > -1e-9:  # not even close to a violation in float64
            break
        try:
            spec = exact_spec(claim, one, space)
            spec.check_against(claim.md)
        except MDTheoryError:
            discarded += int(log_ratio > 0)
            continue
        ladder_runs += 1
        try:
            result, m = check_instance(claim.bound, claim.md, spec, claim.bits, with_float64=False, backend=claim.backend)
        except MDTheoryError:
            discarded += int(log_ratio > 0)
            continue
        say(f"ladder: {result.verdict} (float64 measured/claimed {math.exp(log_ratio):.6g})")
        if result.verdict == VIOLATED and m is not None:
            first = result.extra["first_violation_t"]
            certified = certify(screen, spec, first, 2 * claim.bits)
            witness = Witness(spec, result.measured, result.claimed, result.trusted_digits, certified, first,
                              math.exp(log_ratio))
            witness.claim_text = witness_file(claim, witness)
            break
        discarded += int(log_ratio > 0)
    elapsed = time.perf_counter() - started
    return FalsifyResult(
        verdict=VIOLATED if witness is not None else NOT_FALSIFIED, candidates=screened, refined=len(refined),
        confirmed_on_ladder=ladder_runs, discarded=discarded, best_ratio=math.exp(best_log) if np.isfinite(best_log) else 0.0,
        best=_describe(claim, best_one), witness=witness, seconds=elapsed,
        steps_per_second=screening_steps / max(screening_seconds, 1e-9), vectorized=screen.vectorized,
        screen_engine=screen.engine_note, completed=completed, history=history,
        top_ratios=[float(math.exp(r)) for r, _ in finalists if np.isfinite(r)],
    )


def _screened_batches(claim, screen, space, budget, deadline, rng, workers, scheduler):
    """(batch, log ratios, seconds of screening) in drawing order until the budget or the deadline, screened
    here or on executors (a few batches in flight per worker; each worker builds its Screen once)."""
    sizes = lambda: min(BATCH, budget - drawn[0])
    drawn = [0]

    def next_batch():
        if drawn[0] >= budget or time.monotonic() >= deadline:
            return None
        batch = draw(space, sizes(), rng)
        drawn[0] += len(batch)
        return batch

    if workers is None and scheduler is None:
        while (batch := next_batch()) is not None:
            clock = time.perf_counter()
            ratios = screen.log_ratios(batch)[0]
            yield batch, ratios, time.perf_counter() - clock
        return
    if workers is not None and workers < 1:
        raise SearchError(f"workers: expected at least 1, got {workers}")
    if scheduler is None:
        from concurrent.futures import ProcessPoolExecutor

        from mdtheory.processes import exit_with_parent

        executor = ProcessPoolExecutor(max_workers=workers, initializer=exit_with_parent, initargs=(os.getpid(),))
        submit, in_flight = executor.submit, 2 * workers
    else:
        from mdtheory.processes import dask_client

        executor = dask_client(scheduler)
        submit = lambda *args: executor.submit(*args, pure=False)
        in_flight = 2 * max(1, sum(executor.nthreads().values()))
    with executor:
        queue, clock = [], time.perf_counter()
        while True:
            while len(queue) < in_flight and (batch := next_batch()) is not None:
                queue.append((batch, submit(_screen_remote, claim, batch)))
            if not queue:
                return
            batch, future = queue.pop(0)
            ratios = future.result()
            now = time.perf_counter()
            yield batch, ratios, now - clock  # wall time: the workers screen in parallel
            clock = now


_REMOTE_SCREENS: dict = {}


def _screen_remote(claim: ClaimFile, batch: Candidates) -> np.ndarray:
    """A worker's screen of one batch; the Screen (its compiled kernel) is built once per worker and claim."""
    key = (claim.path, claim.spec)
    if key not in _REMOTE_SCREENS:
        _REMOTE_SCREENS.clear()
        _REMOTE_SCREENS[key] = Screen(claim, claim.spec.steps)
    return _REMOTE_SCREENS[key].log_ratios(batch)[0]


def _describe(claim: ClaimFile, one: Candidates) -> dict:
    names = [str(v) for v in claim.md.regularizer.variables]
    return {"x0": dict(zip(names, (float(v) for v in one.x0[0]))),
            "direction": dict(zip(names, (float(v) for v in one.direction[0]))), "eta": float(one.eta[0]),
            **({"parameters": dict(zip((str(p) for p in claim.md.parameters), map(float, one.parameters[0])))}
               if claim.md.parameters else {})}


def witness_file(claim: ClaimFile, witness: Witness) -> str:
    """A claim file for the witness, without [search]: ``mdtheory check`` on it reproduces the verdict."""
    problem = dict(claim.problem_table)
    if claim.md.parameters:
        values = dict(zip(claim.md.parameters, witness.spec.parameters))
        renaming = dict(zip(claim.md.regularizer.variables, (sp.Symbol(name) for name in problem["variables"])))
        problem["objective"] = str(claim.md.objective.expr.subs(values).xreplace(renaming))
    run = {"x0": [str(v) for v in witness.spec.x0], "direction": [str(v) for v in witness.spec.direction],
           "eps": str(witness.spec.eps), "eta": str(witness.spec.eta), "steps": witness.spec.steps,
           "precision_bits": claim.bits, "backend": claim.backend}
    return witness_comments(witness.values()) + toml_text({"problem": problem, "run": run, "claim": claim.claim_table})


def result_json(result: FalsifyResult) -> dict:
    data = {key: getattr(result, key) for key in ("verdict", "candidates", "completed", "refined", "confirmed_on_ladder",
                                                 "discarded", "best_ratio", "best", "seconds", "steps_per_second",
                                                 "vectorized", "history", "top_ratios")}
    data["screen"] = result.screening()
    data["screen_engine"] = result.screen_engine
    data["witness"] = None if result.witness is None else result.witness.as_json()
    return data


def falsify_figure(result: FalsifyResult):
    """Left: the best measured / claimed (float64) against the candidates screened; right: the finalists'
    ratios. The line at 1 is where measured = claimed; a flat history is drawn flat, with room."""
    from matplotlib.figure import Figure

    from mdtheory.plotting import legend_of_drawn, pad_flat

    fig = Figure(figsize=(10, 3.8))
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.set_yscale("log")
        ax.axhline(1, color="k", linestyle="--", linewidth=1, label="measured = claimed")
    if result.history:
        counts, best = zip(*result.history)
        left.plot(counts, best, marker=".", label="best so far (float64)")
    left.set_xlabel("candidates screened")
    left.set_ylabel("best measured / claimed (float64)")
    pad_flat(left, log_axis=True)
    legend_of_drawn(left)
    if result.top_ratios:
        right.plot(range(1, len(result.top_ratios) + 1), result.top_ratios, "o", label="finalist")
    right.set_xlabel("finalist (by float64 ratio)")
    right.set_ylabel("measured / claimed")
    pad_flat(right, log_axis=True)
    right.set_title(f"verdict: {result.verdict}" + (" (certified)" if result.witness and result.witness.certified else ""))
    return fig


def plot(result: FalsifyResult, path) -> None:
    from mdtheory.plotting import save

    save(falsify_figure(result), path)


@names_its_file
def falsify_file(path, twin: bool = False, candidates: int | None = None, seconds: float | None = None,
                 seed: int | None = None, progress: Callable[[str], None] | None = None, workers: int | None = None,
                 scheduler: str | None = None, max_steps: int = MAX_STEPS,
                 max_precision_bits: int = MAX_PRECISION_BITS) -> FalsifyResult:
    """Search a claim file of any kind (``twin``: its planted-false [twin]): a sensitivity claim on the
    vectorized float64 screen, a convergence, regret or policy claim with ``falsify_theorems``."""
    from mdtheory.falsify_theorems import falsify_theorem

    data, name = read_claim_tables(path, twin)
    table = data["claim"]
    if table.get("kind") not in ("upper_bound", "decay"):
        raise SearchError("[claim] kind: falsify searches upper_bound and decay claims (a measured quantity against a "
                          "bound at every step)")
    if is_sensitivity_claim(data):
        claim = claim_file_from_tables(data, path, max_steps, max_precision_bits)
        return falsify(claim, candidates, seconds, seed, progress, workers, scheduler)
    if workers is not None or scheduler is not None:
        raise SearchError("--workers/--scheduler: a convergence, regret or policy claim is screened in this process")
    return falsify_theorem(data, name, candidates, seconds, seed, progress, max_steps, max_precision_bits)
