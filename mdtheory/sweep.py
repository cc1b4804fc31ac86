"""``mdtheory sweep``: a grid of sensitivity checks from a TOML file, run in parallel, resumable.

    [sweep]    results = "runs.jsonl"       (default: FILE with .jsonl), precision_bits = 96, record_every = 0
    [problem]  start = "min:1e-6"          (the rare outcome 0 is favoured by the cost), spread = "1"
    [grid]     eps, eta, T, d, lambda, regularizer   (lists; lambda = "0" means no anchor)
    [claim]    a bound, exactly as in claim files (kind = "upper_bound", bound = "1e6", ...)

Each grid point is MD on the simplex with the point's regularizer (negative_entropy, tsallis with q = 1/2,
log_barrier), a linear cost (0 on outcome 0, ``spread`` elsewhere), started at ``start`` and perturbed by
eps along e_0 - x_0, optionally anchored at the uniform distribution with strength lambda; it is measured
on a precision ladder (flint backend) and checked against [claim]. One JSON line per point is appended to
the results file as soon as the point finishes, written by this process only (workers return rows), and
flushed to disk: a killed sweep loses only the points in flight, and a rerun skips every point already on
file, so none is lost and none duplicated. A line cut short by the kill is dropped on the rerun.
Points run on local processes by default, or on a Dask cluster given its scheduler address.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from mdtheory.claimfile import ClaimFileError, bound_from_table, check_table_keys, toml_integer, toml_number
from mdtheory.errors import MDTheoryError

GRID_KEYS = ("eps", "eta", "T", "d", "lambda", "regularizer")
REGULARIZERS = ("negative_entropy", "tsallis", "log_barrier")
SECTIONS = {
    "sweep": {"results": False, "precision_bits": False, "record_every": False},
    "problem": {"start": False, "spread": False},
    "grid": {key: True for key in GRID_KEYS},
    "claim": {"kind": True},
}


class SweepFileError(ClaimFileError):
    """A malformed sweep file; the message names the key."""


@dataclass(frozen=True)
class Sweep:
    path: Path
    results: Path
    points: list[dict]
    problem: dict
    claim: dict
    bits: int
    record_every: int


def point_key(point: dict) -> str:
    return json.dumps({k: point[k] for k in GRID_KEYS}, sort_keys=True)


def load_sweep(path: str | Path) -> Sweep:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise SweepFileError(f"{path}: {err}") from None
    try:
        return _parse(path, data)
    except SweepFileError:
        raise
    except ClaimFileError as err:  # the shared helpers name the key; the error says it is a sweep file
        raise SweepFileError(str(err)) from None


def _parse(path: Path, data: dict) -> Sweep:
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise SweepFileError(f"[{unknown[0]}]: unknown section; sections are {', '.join(SECTIONS)}")
    for section in ("grid", "claim"):
        if section not in data:
            raise SweepFileError(f"[{section}]: missing section")
    settings, problem, grid = data.get("sweep", {}), data.get("problem", {}), data["grid"]
    check_table_keys(settings, SECTIONS["sweep"], "sweep")
    check_table_keys(problem, SECTIONS["problem"], "problem")
    check_table_keys(grid, SECTIONS["grid"], "grid")
    bound_from_table(data["claim"])  # refuse a bad [claim] now, not in every worker
    axes = {}
    for key in GRID_KEYS:
        values = grid[key]
        if not isinstance(values, list) or not values:
            raise SweepFileError(f"[grid] {key}: expected a non-empty list")
        if key in ("T", "d"):
            axes[key] = [toml_integer(v, f"[grid] {key}", 1 if key == "T" else 2) for v in values]
        elif key == "regularizer":
            bad = [v for v in values if v not in REGULARIZERS]
            if bad:
                raise SweepFileError(f"[grid] regularizer: {bad[0]!r}; choose from {', '.join(REGULARIZERS)}")
            axes[key] = list(values)
        else:
            for i, v in enumerate(values):
                toml_number(v, f"[grid] {key}[{i}]")  # exact strings only; kept as written
            axes[key] = list(values)
    start = problem.get("start", "min:1e-6")
    if not isinstance(start, str) or not start.startswith("min:"):
        raise SweepFileError(f"[problem] start: expected \"min:P\" (outcome 0 starts at P), got {start!r}")
    toml_number(start[4:], "[problem] start")
    toml_number(problem.get("spread", "1"), "[problem] spread")
    points = [dict(zip(GRID_KEYS, combo)) for combo in itertools.product(*(axes[k] for k in GRID_KEYS))]
    keys = [point_key(p) for p in points]
    if len(set(keys)) != len(keys):
        raise SweepFileError("[grid]: repeated values make repeated points; list each value once")
    results = Path(settings["results"]) if "results" in settings else path.with_suffix(".jsonl")
    if not results.is_absolute():
        results = path.parent / results
    bits = toml_integer(settings.get("precision_bits", 96), "[sweep] precision_bits", 53)
    record_every = toml_integer(settings.get("record_every", 0), "[sweep] record_every", 0)
    return Sweep(path, results, points, {"start": problem.get("start", "min:1e-6"), "spread": problem.get("spread", "1")},
                 data["claim"], bits, record_every)


@functools.lru_cache(maxsize=32)
def _problem(regularizer: str, d: int, lam: str, spread: str):
    """(md, kernel) for one grid cell; compiled once per worker process."""
    from mdtheory.engine.kernels import MirrorDescentKernel
    from mdtheory.symbolic.catalogue import CATALOGUE
    from mdtheory.symbolic.domains import Domain
    from mdtheory.symbolic.mirror_descent import MirrorDescent, anchored
    from mdtheory.symbolic.objectives import linear
    from mdtheory.symbolic.parsing import exact_number

    factory = CATALOGUE[regularizer]
    reg = factory(d, "1/2", Domain.SIMPLEX) if regularizer == "tsallis" else factory(d, Domain.SIMPLEX)
    md = MirrorDescent(reg, linear(reg.variables, [0] + [exact_number(spread)] * (d - 1)))
    if exact_number(lam) > 0:
        md = anchored(md, lam)
    return md, MirrorDescentKernel(md)


def evaluate(point: dict, problem: dict, claim: dict, bits: int, record_every: int) -> dict:
    """One grid point, measured and checked; a row for the results file. Errors are results too."""
    from mdtheory.checker.measure import measure, peak_of
    from mdtheory.engine.ladder import format_trusted
    from mdtheory.engine.run import RunSpec
    from mdtheory.symbolic.parsing import exact_number

    started = time.perf_counter()
    row = {**point, "key": point_key(point)}
    try:
        d, lam = point["d"], exact_number(point["lambda"])
        p = exact_number(problem["start"].partition(":")[2])
        x0 = [p] + [(1 - p) / (d - 1)] * (d - 1)
        direction = [1 - p] + [-(1 - p) / (d - 1)] * (d - 1)
        md, kernel = _problem(point["regularizer"], d, str(point["lambda"]), str(problem["spread"]))
        every = record_every or max(1, point["T"] // 50)
        spec = RunSpec.build(x0, direction, point["eps"], point["eta"], point["T"], record_every=every,
                             parameters=[sp.Rational(1, d)] * d if lam > 0 else ())
        m = measure(md, spec, bits, with_float64=False, kernel=kernel, backend="flint")
        result = bound_from_table(claim).check(m)
        amplification, separation = peak_of(m, "amplification"), peak_of(m, "separation")
        row.update(verdict=result.verdict, measured=result.measured, claimed=result.claimed, margin=result.margin,
                   trusted_digits=result.trusted_digits,
                   peak_amplification=format_trusted(m.ctx, amplification.value, amplification.digits),
                   peak_separation=format_trusted(m.ctx, separation.value, separation.digits))
    except MDTheoryError as err:
        row.update(verdict="error", error=str(err))
    row["seconds"] = round(time.perf_counter() - started, 3)
    return row


def completed_keys(results: Path) -> set[str]:
    """Keys already on file. A last line cut short by a kill (no newline, or not JSON) is removed."""
    if not results.exists():
        return set()
    raw = results.read_bytes()
    good_end = raw.rfind(b"\n") + 1
    keys = set()
    for line in raw[:good_end].splitlines():
        if line.strip():
            keys.add(json.loads(line)["key"])
    if good_end != len(raw):
        with open(results, "r+b") as handle:
            handle.truncate(good_end)
    return keys


def run_sweep(sweep: Sweep, scheduler: str | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> dict:
    """Run every point not yet on file; returns counts. Rows are appended as points finish."""
    done = completed_keys(sweep.results)
    todo = [p for p in sweep.points if point_key(p) not in done]
    summary = {"points": len(sweep.points), "already_done": len(sweep.points) - len(todo), "ran": 0}
    if not todo:
        return summary
    sweep.results.parent.mkdir(parents=True, exist_ok=True)
    arguments = (sweep.problem, sweep.claim, sweep.bits, sweep.record_every)
    with open(sweep.results, "a") as out:
        def record(row):
            if row["key"] in done:
                return  # a point can only come back once per run, but never write a key twice
            done.add(row["key"])
            out.write(json.dumps(row) + "\n")
            out.flush()
            os.fsync(out.fileno())
            summary["ran"] += 1
            if progress is not None:
                progress(summary["ran"], len(todo))

        if scheduler is None:
            with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
                futures = [pool.submit(evaluate, point, *arguments) for point in todo]
                for future in as_completed(futures):
                    record(future.result())
        else:
            from distributed import Client, as_completed as dask_completed

            with Client(scheduler) as client:
                futures = [client.submit(evaluate, point, *arguments, pure=False) for point in todo]
                for future in dask_completed(futures):
                    record(future.result())
    return summary


def read_results(results: Path) -> list[dict]:
    return [json.loads(line) for line in results.read_text().splitlines() if line.strip()]


def plot_results(results: Path, out: Path, x: str = "eta", y: str = "eps", value: str = "peak_amplification") -> Path:
    """Heatmaps of log10 ``value`` over two grid axes, one panel per regularizer; where other axes vary,
    each cell shows the largest value over them (the worst case)."""
    import math

    import numpy as np

    from mdtheory.plotting import saved_figure
    from mdtheory.symbolic.parsing import exact_number

    for axis in (x, y):
        if axis not in GRID_KEYS:
            raise MDTheoryError(f"plot axis {axis!r} is not a grid key ({', '.join(GRID_KEYS)})")
    rows = [r for r in read_results(results) if r.get("verdict") != "error" and value in r]
    if not rows:
        raise MDTheoryError(f"{results} has no finished points with {value!r} to plot")
    order = lambda values: sorted(set(values), key=lambda v: exact_number(v) if isinstance(v, str) else v)
    xs, ys = order(r[x] for r in rows), order(r[y] for r in rows)
    regularizers = sorted({r["regularizer"] for r in rows})
    with saved_figure(out, 1, len(regularizers), (4.6 * len(regularizers), 3.8), squeeze=False) as (fig, axes):
        for ax, name in zip(axes.flat, regularizers):
            grid = np.full((len(ys), len(xs)), np.nan)
            for r in rows:
                if r["regularizer"] == name:
                    i, j = ys.index(r[y]), xs.index(r[x])
                    grid[i, j] = np.fmax(grid[i, j], math.log10(float(r[value])))
            image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
            ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=7)
            ax.set_yticks(range(len(ys)), [str(v) for v in ys], fontsize=7)
            ax.set_xlabel(x)
            ax.set_ylabel(y)
            ax.set_title(name, fontsize=9)
            fig.colorbar(image, ax=ax, label=f"log10 {value}")
    return out
