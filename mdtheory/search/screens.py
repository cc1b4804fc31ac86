"""How a falsify search screens its candidates: two screens, one protocol that ``mdtheory.search.pipeline``
drives (draw, screen, refine, confirm, describe).

``Screen`` (a quantity measured on a perturbed pair: amplification, tangent amplification, separation) runs
every candidate's trajectory and tangent in float64, compiled with numba or vectorized in numpy, thousands at
a time, then confirms the finalists on the precision ladder and certifies a witness in ball arithmetic.
``LadderScreen`` (every other quantity, of any problem kind) measures each candidate with the problem's own
measurement at ``SCREEN_BITS`` (a 53/106-bit ladder): slower per candidate, but the screen then measures exactly
what the check measures (x* or comparators, the constants the bound names, the theorem's hypotheses).
``generated_screen.GeneratedScreen`` is a LadderScreen whose candidates are screened in float64 where the problem
offers a float screen (``Problem.float_screen``: convergence quantities on any method with a closed-form step).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from mdtheory.checker.bounds import EPS, ETA_T, T
from mdtheory.checker.claim import Claim, check_claim, claim_measurements
from mdtheory.checker.instance import check_instance
from mdtheory.claimfile import ClaimFile, toml_integer, toml_number
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.compiled_screen import BLOCK as BLOCK_OF_CANDIDATES
from mdtheory.engine.compiled_screen import (
    NUMBA_HINT,
    SCREEN_ENGINES,
    compiled_screen,
    numba_available,
)
from mdtheory.engine.context import ArbContext, Float64Context, flint_precision
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.run import RunSpec
from mdtheory.errors import ExpressionError, MDTheoryError
from mdtheory.search.space import (
    DEFAULT_SECONDS,
    THEOREM_CANDIDATES,
    Candidates,
    SearchError,
    SearchSpace,
    _uniform,
    check_budgets,
    draw,
    exact_decimal,
    search_space,
    space_filling,
    theorem_space,
    within,
)
from mdtheory.search.witness import (
    TheoremWitness,
    Witness,
    instance_text,
    witness_file,
    witness_tables_text,
)
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import PLAIN_MD
from mdtheory.verdict import VIOLATED

FLOAT64 = Float64Context()
SCREEN_BITS = 53  # the lower rung a LadderScreen measures a candidate on (the upper is twice that)


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
        if claim.md.method != PLAIN_MD:  # the float screen is generated from plain MD's step (symbolic.model)
            raise SearchError(f"[run] method: falsify screens the perturbed pairs of plain MD only, and this claim runs "
                              f"{claim.md.method!r}; check the stated instance with mdtheory check, or search a "
                              f"convergence quantity")
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

    # ---- what the search pipeline asks of a screen (``mdtheory.search.pipeline``)
    batch = 4096  # candidates per vectorized pass
    refined = 4  # candidates refined by Nelder-Mead
    refine_evaluations = 300
    confirmed = 6  # candidates taken to the precision ladder
    confirms_stated_first = False  # the stated instance is one more candidate: screening is cheap
    screen_text = ""  # FalsifyResult.screening() says which float64 engine ran, at how many steps/s

    def recipe(self) -> tuple:
        """What a worker process builds this screen from."""
        return Screen, (self.claim, self.steps)

    def defaults(self) -> tuple:
        """([search] candidates, seconds, seed): the budgets and seed the file states."""
        space = self.space or search_space(self.claim)
        return space.candidates, space.seconds, space.seed

    @property
    def free_dimensions(self) -> int:
        return self.space.free_dimensions

    def stated(self) -> Candidates:
        """The claim file's own instance, as a one-candidate batch."""
        spec = self.claim.spec
        return Candidates(np.array([[float(v) for v in spec.x0]]),
                          np.array([[float(v) for v in spec.direction]]) /
                          math.sqrt(sum(float(v) ** 2 for v in spec.direction)),
                          np.array([float(spec.eta)]), np.array([[float(v) for v in spec.parameters]]))

    def draw(self, count: int, rng: np.random.Generator) -> Candidates:
        return draw(self.space, count, rng)

    def unit_of(self, one: Candidates) -> np.ndarray:
        return _to_unit(self.space, one)

    def at_unit(self, unit: np.ndarray, like: Candidates, rng: np.random.Generator) -> Candidates:
        """The candidate at ``unit`` with ``like``'s direction (refinement moves the rest)."""
        return _uniform(self.space, unit[None, :], rng, direction=like.direction)

    def confirm(self, one: Candidates, log_ratio: float, say) -> tuple[bool, Witness | None]:
        """(whether the ladder ran, the witness if it confirmed the violation): the candidate as an exact
        instance inside the space, on the claim's precision ladder, then certified in ball arithmetic."""
        claim = self.claim
        try:
            spec = exact_spec(claim, one, self.space)
            spec.check_against(claim.md)
        except MDTheoryError:
            return False, None
        try:
            result, m = check_instance(claim.bound, claim.md, spec, claim.bits, with_float64=False,
                                       backend=claim.backend)
        except MDTheoryError:
            return True, None
        say(f"ladder: {result.verdict} (float64 measured/claimed {math.exp(log_ratio):.6g})")
        if result.verdict != VIOLATED or m is None:
            return True, None
        first = result.extra["first_violation_t"]
        witness = Witness(spec, result.measured, result.claimed, result.trusted_digits,
                          certify(self, spec, first, 2 * claim.bits), first, math.exp(log_ratio))
        witness.claim_text = witness_file(claim, witness)
        return True, witness

    def describe(self, one: Candidates) -> dict:
        claim = self.claim
        names = [str(v) for v in claim.md.regularizer.variables]
        return {"x0": dict(zip(names, (float(v) for v in one.x0[0]))),
                "direction": dict(zip(names, (float(v) for v in one.direction[0]))), "eta": float(one.eta[0]),
                **({"parameters": dict(zip((str(p) for p in claim.md.parameters), map(float, one.parameters[0])))}
                   if claim.md.parameters else {})}

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


# ----------------------------------------------------------------------------------------------- any other quantity
@dataclass
class Units:
    """A batch of points of a TheoremSpace as uniform numbers (B, k); ``stated`` marks the claim file's own
    instance (its row is not a point of the space)."""

    units: np.ndarray
    stated: np.ndarray

    def __len__(self):
        return len(self.stated)

    def take(self, index) -> Units:
        index = np.atleast_1d(index)
        return Units(self.units[index], self.stated[index])

    @classmethod
    def joined(cls, batches: list) -> Units:
        return cls(np.concatenate([b.units for b in batches]), np.concatenate([b.stated for b in batches]))


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


class LadderScreen:
    """measured / claimed of each candidate by the problem's own measurement at SCREEN_BITS, one at a time; a
    claim on any problem kind that answers the Problem protocol's search members (``step_size``,
    ``search_start``, ``parameters``, ``parameter_uses``, ``stated_point``, ``at``, ``witness_problem_table``)."""

    batch = 25  # candidates drawn at a time (progress is reported per batch)
    refined = 2
    refine_evaluations = 40
    confirmed = 4
    confirms_stated_first = True  # a stated instance above the bound goes to the ladder before any search
    vectorized = False
    steps = 0  # no MD steps/s to report
    engine_note = ""
    screen_text = f"one candidate at a time at {SCREEN_BITS} bits (the claim's own measurement)"

    def __init__(self, claim: Claim, tables: dict, label: str = ""):
        self.claim, self.tables, self.label = claim, tables, label
        self.space = theorem_space(claim.problem, tables["search"])

    def recipe(self) -> tuple:
        return LadderScreen, (self.claim, self.tables, self.label)

    def defaults(self) -> tuple:
        search = self.tables["search"]
        candidates = toml_integer(search.get("candidates", THEOREM_CANDIDATES), "[search] candidates", 1)
        seconds = toml_number(search.get("seconds", DEFAULT_SECONDS), "[search] seconds")
        check_budgets(candidates, seconds, "[search] ")
        return candidates, float(seconds), toml_integer(search.get("seed", 0), "[search] seed", 0)

    @property
    def free_dimensions(self) -> int:
        return self.space.free_dimensions

    def stated(self) -> Units:
        return Units(np.zeros((1, self.free_dimensions)), np.array([True]))

    def draw(self, count: int, rng: np.random.Generator) -> Units:
        return Units(space_filling(self.free_dimensions, count, rng), np.zeros(count, dtype=bool))

    def unit_of(self, one: Units) -> np.ndarray | None:
        return None if one.stated[0] else one.units[0]  # the stated instance need not be a point of the space

    def at_unit(self, unit: np.ndarray, like: Units, rng: np.random.Generator) -> Units:
        return Units(unit[None, :], np.array([False]))

    def point(self, one: Units) -> dict:
        return self.claim.problem.stated_point() if one.stated[0] else self.space.point(one.units[0])

    def log_ratios(self, batch: Units) -> tuple[np.ndarray, np.ndarray]:
        rows = [self._one(batch.take(i)) for i in range(len(batch))]
        return np.array([r[0] for r in rows], dtype=float), np.array([r[1] for r in rows], dtype=int)

    def _one(self, one: Units) -> tuple[float, int]:
        try:
            approach = closest_approach(with_instance(self.claim, self.point(one), SCREEN_BITS))
        except MDTheoryError:
            approach = None
        return (-math.inf, 0) if approach is None else approach

    def confirm(self, one: Units, log_ratio: float, say) -> tuple[bool, TheoremWitness | None]:
        point = self.point(one)
        try:
            check = check_claim(with_instance(self.claim, point))
        except MDTheoryError:
            return False, None
        say(f"ladder: {check.result.verdict} (measured/claimed at {SCREEN_BITS} bits {math.exp(log_ratio):.6g})")
        if check.result.verdict != VIOLATED:
            return True, None
        problem = self.claim.problem
        return True, TheoremWitness(instance_text(problem, point, self.label), check.result.measured,
                                    check.result.claimed, check.result.trusted_digits,
                                    check.result.extra.get("first_violation_t", 0), math.exp(log_ratio),
                                    witness_tables_text(self.tables, problem, point, self.label), variant=self.label)

    def describe(self, one: Units) -> dict:
        return instance_text(self.claim.problem, self.point(one), self.label)
