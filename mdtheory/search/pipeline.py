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
policy, or a registered kind's own) take the same keys but direction, with 300 candidates by default.

One pipeline for every problem kind (``search``): space, screen, refine, confirm, certify, witness. What
differs is the screen (``mdtheory.search.screens``): a quantity measured on a perturbed pair is screened in
float64 (``Screen``), a convergence quantity of a method with a closed-form step in float64 by code generated
from that step (``generated_screen.GeneratedScreen``), any other by the problem's own measurement at 53 bits
(``LadderScreen``).
1. screen candidates (a perturbed pair: in float64, compiled or vectorized over the batch, every trajectory
   and its tangent J_t v), half of them space-filling (Latin hypercube), half random; here, on ``workers``
   local processes, or on a Dask cluster;
2. refine the most promising ones with scipy's Nelder-Mead, maximizing measured / claimed;
3. confirm the best on the precision ladder with exact (rational) parameters: a float64 "violation" the
   ladder does not confirm is discarded and counted;
4. on a perturbed pair where the step has a closed form, certify the witness in ball arithmetic (python-flint arb, no
   midpoints dropped): the amplification's ball lies above the bound's.

The answer is ``violated`` with a witness (written as a claim file that ``mdtheory check`` reproduces),
or ``not falsified`` after N candidates, with the closest approach. Never ``holds``: a search that finds
nothing proves nothing. The float64 screen measures the tangent amplification ||J_t v|| / ||v|| (for
``amplification`` claims this is the limit eps -> 0; the ladder then checks the stated eps).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable

import numpy as np

from mdtheory.checker.bounds import UpperBound
from mdtheory.claimfile import (
    ClaimFile,
    check_table_keys,
    claim_file_from_tables,
    claim_from_tables,
    is_sensitivity_claim,
    names_its_file,
    read_claim_tables,
)
from mdtheory.engine.context import MAX_PRECISION_BITS
from mdtheory.engine.run import MAX_STEPS
from mdtheory.search.generated_screen import theorem_screen
from mdtheory.search.screens import Screen
from mdtheory.search.space import (
    THEOREM_SEARCH_KEYS,
    SearchError,
    check_budgets,
    search_space,
    structural_variants,
)
from mdtheory.search.witness import FalsifyResult
from mdtheory.verdict import NOT_FALSIFIED, VIOLATED

HISTORY_POINTS = 40  # (candidates, best so far) points recorded per screened batch, at most
NEAR_VIOLATION = -1e-9  # a finalist whose screened log ratio is below this is not taken to the ladder


@names_its_file
def falsify_file(path, twin: bool = False, candidates: int | None = None, seconds: float | None = None,
                 seed: int | None = None, progress: Callable[[str], None] | None = None, workers: int | None = None,
                 scheduler: str | None = None, max_steps: int = MAX_STEPS,
                 max_precision_bits: int = MAX_PRECISION_BITS) -> FalsifyResult:
    """Search a claim file of any problem kind (``twin``: its planted-false [twin]); see the module docstring."""
    data, name = read_claim_tables(path, twin)
    table = data["claim"]
    if table.get("kind") not in ("upper_bound", "decay"):
        raise SearchError("[claim] kind: falsify searches upper_bound and decay claims (a measured quantity against a "
                          "bound at every step)")
    if is_sensitivity_claim(data):
        claim = claim_file_from_tables(data, path, max_steps, max_precision_bits)
        return falsify(claim, candidates, seconds, seed, progress, workers, scheduler)
    if "search" not in data:
        raise SearchError("no [search] table; falsify needs the range to search (see the README)")
    check_table_keys(data["search"], THEOREM_SEARCH_KEYS, "search")
    screens = []
    for label, tables in structural_variants(data):
        claim = claim_from_tables(tables, name, max_steps, max_precision_bits)
        if not isinstance(claim.bound, UpperBound):
            raise SearchError("[claim] kind: falsify searches upper_bound and decay claims (a measured quantity "
                              "against a bound at every step)")
        screens.append((label, theorem_screen(claim, tables, label)))
    return search(screens, candidates, seconds, seed, progress, workers, scheduler)


def falsify(claim: ClaimFile, candidates: int | None = None, seconds: float | None = None, seed: int | None = None,
            progress: Callable[[str], None] | None = None, workers: int | None = None,
            scheduler: str | None = None) -> FalsifyResult:
    """Search a perturbed-pair claim's [search] range on the float64 screen (see ``search``)."""
    if not isinstance(claim.bound, UpperBound):
        raise SearchError("[claim] kind: falsify searches upper_bound and decay claims (a measured quantity against a "
                          "bound at every step)")
    if claim.bound.quantity not in ("amplification", "tangent_amplification", "separation"):
        raise SearchError("[claim] quantity: falsify screens amplification, tangent_amplification and separation")
    variants = structural_variants(claim.tables) if claim.tables else [("", None)]
    if len(variants) == 1 and not variants[0][0]:  # no structural key: the file as written
        return search([("", Screen(claim, claim.spec.steps))], candidates, seconds, seed, progress, workers,
                      scheduler)
    search_space(claim)  # the file's own [search] table is checked before any variant is built
    screens = []
    for label, data in variants:
        variant = claim_file_from_tables(data, claim.path)
        screens.append((label, Screen(variant, variant.spec.steps)))
    return search(screens, candidates, seconds, seed, progress, workers, scheduler)


def search(screens: list, candidates: int | None = None, seconds: float | None = None, seed: int | None = None,
           progress: Callable[[str], None] | None = None, workers: int | None = None,
           scheduler: str | None = None) -> FalsifyResult:
    """The one search: each (label, screen) in turn, with the budgets split evenly between structural variants;
    the first confirmed violation ends it. Screening runs in this process, on ``workers`` local processes, or
    on the Dask cluster at ``scheduler``; the candidates and their order are the same in every case, so a seed
    gives the same answer wherever it runs."""
    default_candidates, default_seconds, default_seed = screens[0][1].defaults()
    check_budgets(candidates, seconds)
    if workers is not None and workers < 1:
        raise SearchError(f"workers: expected at least 1, got {workers}")
    budget, limit = candidates or default_candidates, seconds or default_seconds
    seed = default_seed if seed is None else seed
    say = progress or (lambda text: None)
    if len(screens) == 1 and not screens[0][0]:
        return _search_one(screens[0][1], budget, limit, seed, say, workers, scheduler)
    results = []
    for label, screen in screens:
        say(label)
        result = _search_one(screen, max(1, budget // len(screens)), limit / len(screens), seed, say, workers,
                             scheduler)
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


def _search_one(screen, budget: int, seconds: float, seed: int, say, workers, scheduler) -> FalsifyResult:
    """Screen, refine, confirm: the stated instance first, then ``budget`` - 1 drawn candidates (or until
    ``seconds``), the best refined by Nelder-Mead, the finalists taken to the precision ladder until one is
    confirmed (and, where the screen can, certified)."""
    deadline = time.monotonic() + seconds
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    stated = screen.stated()
    stated_ratio = screen.log_ratios(stated)[0]
    pool, pool_ratio, history, screened = [stated], [stated_ratio], [], 1
    screening_seconds, screening_steps, completed = 0.0, 0, 0  # completed: drawn candidates measured
    ladder_runs, discarded, witness = 0, 0, None
    if screen.confirms_stated_first and stated_ratio[0] > 0:  # above the bound already: confirm it now
        ran, witness = screen.confirm(stated, float(stated_ratio[0]), say)
        ladder_runs, discarded = int(ran), int(witness is None)
    batches = () if witness is not None else _screened_batches(screen, budget - 1, deadline, rng, workers, scheduler)
    for batch, ratios, seconds_taken in batches:
        screening_seconds += seconds_taken
        screening_steps += len(batch) * screen.steps
        completed += int(np.sum(np.isfinite(ratios)))
        previous = max(float(np.max(np.concatenate(pool_ratio))), -700.0)
        running = np.maximum.accumulate(np.maximum(ratios, previous))  # the best so far, candidate by candidate
        for i in np.unique(np.linspace(0, len(batch) - 1, HISTORY_POINTS).astype(int)):
            history.append((screened + int(i) + 1, float(np.exp(running[i]))))
        keep = np.argsort(ratios)[-screen.confirmed * 2:]
        pool.append(batch.take(keep))
        pool_ratio.append(ratios[keep])
        screened += len(batch)
        say(f"screened {screened}/{budget} candidates; best measured/claimed {history[-1][1]:.6g}")
    pool = type(stated).joined(pool)
    ratios = np.concatenate(pool_ratio)
    order = np.argsort(ratios)[::-1]
    refined = []
    for i in order[:screen.refined] if witness is None else ():
        start = screen.unit_of(pool.take(i))
        if not np.isfinite(ratios[i]) or time.monotonic() > deadline or start is None:
            continue
        better = refine(screen, pool.take(i), start, rng, deadline)
        refined.append((screen.log_ratios(better)[0][0], better, False))
    say(f"refined {len(refined)} candidates")
    finalists = sorted([(ratios[i], pool.take(i), i == 0) for i in order[:screen.confirmed]] + refined,
                       key=lambda r: -r[0])
    for log_ratio, one, is_stated in finalists[:screen.confirmed] if witness is None else ():
        if not log_ratio > NEAR_VIOLATION:  # not even close to a violation on the screen
            break
        if is_stated and screen.confirms_stated_first and log_ratio > 0:
            continue  # confirmed (and discarded) before the search
        ran, witness = screen.confirm(one, float(log_ratio), say)
        ladder_runs += int(ran)
        if witness is not None:
            break
        discarded += int(log_ratio > 0)
    best_log, best_one, _ = finalists[0]
    elapsed = time.perf_counter() - started
    return FalsifyResult(
        verdict=VIOLATED if witness is not None else NOT_FALSIFIED, candidates=screened, refined=len(refined),
        confirmed_on_ladder=ladder_runs, discarded=discarded,
        best_ratio=math.exp(best_log) if np.isfinite(best_log) else 0.0, best=screen.describe(best_one),
        witness=witness, seconds=elapsed, steps_per_second=screening_steps / max(screening_seconds, 1e-9),
        vectorized=screen.vectorized, screen_engine=screen.engine_note, completed=completed, history=history,
        top_ratios=[float(math.exp(r)) for r, _, _ in finalists if np.isfinite(r)], screen=screen.screen_text)


def refine(screen, one, start: np.ndarray, rng: np.random.Generator, deadline: float = math.inf):
    """Nelder-Mead (scipy) from one candidate's uniform numbers, maximizing log(measured / claimed) inside the
    unit cube (what the screen keeps of the candidate, a perturbed pair's direction, stays). Past ``deadline``
    (time.monotonic) no further point is measured: the search's seconds bound the refinement too."""
    from scipy.optimize import minimize

    def unpack(theta):
        return screen.at_unit(np.clip(theta, 0.0, 1.0 - 1e-12), one, rng)

    def loss(theta):
        if time.monotonic() > deadline:
            return 1e300  # out of time: Nelder-Mead keeps the best point it has measured
        value = screen.log_ratios(unpack(theta))[0][0]
        return -value if np.isfinite(value) else 1e300

    result = minimize(loss, start, method="Nelder-Mead",
                      options={"maxfev": screen.refine_evaluations, "initial_simplex": initial_simplex(start),
                               "xatol": 1e-12, "fatol": 1e-14})
    return unpack(result.x)


def initial_simplex(theta0: np.ndarray) -> np.ndarray:
    steps = np.where(theta0 < 0.5, 0.05, -0.05)
    return np.vstack([theta0] + [theta0 + np.eye(len(theta0))[i] * steps[i] for i in range(len(theta0))])


def _screened_batches(screen, budget: int, deadline: float, rng, workers, scheduler):
    """(batch, log ratios, seconds of screening) in drawing order until the budget or the deadline, screened
    here or on executors (a few batches in flight per worker; each worker builds the screen once)."""
    drawn = [0]

    def next_batch():
        if drawn[0] >= budget or time.monotonic() >= deadline:
            return None
        batch = screen.draw(min(screen.batch, budget - drawn[0]), rng)
        drawn[0] += len(batch)
        return batch

    if workers is None and scheduler is None:
        while (batch := next_batch()) is not None:
            clock = time.perf_counter()
            ratios = screen.log_ratios(batch)[0]
            yield batch, ratios, time.perf_counter() - clock
        return
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
    recipe, token = screen.recipe(), f"{os.getpid()}-{id(screen)}-{time.monotonic_ns()}"
    with executor:
        queue, clock = [], time.perf_counter()
        while True:
            while len(queue) < in_flight and (batch := next_batch()) is not None:
                queue.append((batch, submit(_screen_remote, recipe, token, batch)))
            if not queue:
                return
            batch, future = queue.pop(0)
            ratios = future.result()
            now = time.perf_counter()
            yield batch, ratios, now - clock  # wall time: the workers screen in parallel
            clock = now


_REMOTE_SCREENS: dict = {}


def _screen_remote(recipe: tuple, token: str, batch) -> np.ndarray:
    """A worker's screen of one batch; the screen (a compiled kernel, a derived model) is built once per worker
    and search."""
    if token not in _REMOTE_SCREENS:
        _REMOTE_SCREENS.clear()
        cls, args = recipe
        _REMOTE_SCREENS[token] = cls(*args)
    return _REMOTE_SCREENS[token].log_ratios(batch)[0]
