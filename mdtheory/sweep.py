"""``mdtheory sweep``: a grid of sensitivity checks from a TOML file, run in parallel, resumable.

    [sweep]    results = "runs.jsonl"       (default: STEM.jsonl), precision_bits = 96, record_every = 0
    [problem]  start = "min:1e-6"          (the rare outcome 0 is favoured by the cost), spread = "1"
    [grid]     eps, eta, T, d, lambda, regularizer   (lists; lambda = "0" means no anchor)
    [claim]    a bound, exactly as in claim files (kind = "upper_bound", bound = "1e6", ...)

Each grid point is MD on the simplex with the point's regularizer (negative_entropy, tsallis with q = 1/2,
log_barrier), a linear cost (0 on outcome 0, ``spread`` elsewhere), started at ``start`` and perturbed by
eps along e_0 - x_0, optionally anchored at the uniform distribution with strength lambda; it is measured
on a precision ladder (flint backend) and checked against [claim]. One JSON line per point is appended to
the results file as soon as the point finishes, written by this process only (workers return rows), and
flushed to disk: a killed sweep loses only the points in flight, and a rerun skips every point already on
file, so none is lost and none duplicated. A line cut short by the kill is dropped on the rerun. The results
file is STEM.jsonl in the current directory unless named; a relative name (in the file or on the command line)
is relative to the current directory, never to the sweep file's folder.
Points run on local processes by default, or on a Dask cluster given its scheduler address.

A result is only reused for the computation that produced it: each point's key is a hash of its whole
normalized specification (grid values, start, spread, claim, precision, record_every), and the results
file starts with a header recording the sweep's settings. A rerun whose settings changed is refused
(name a new results file); a second sweep writing the same file at once is refused (the file is locked);
rows of other grids in the file are ignored in the summary; a corrupted complete line is moved to
FILE.quarantine with its line number reported.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import itertools
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from mdtheory.claimfile import (
    ClaimFileError,
    bound_from_table,
    check_table_keys,
    names_its_file,
    default_quantity,
    precision_bits,
    read_toml,
    toml_integer,
    toml_number,
)
from mdtheory.engine.context import MAX_PRECISION_BITS
from mdtheory.engine.run import MAX_STEPS
from mdtheory.errors import MDTheoryError
from mdtheory.processes import exit_with_parent
from mdtheory.verdict import HOLDS, VIOLATED

MAX_SWEEP_DIMENSION = 1000  # each grid d derives its catalogue regularizer symbolically
MAX_SWEEP_POINTS = 100_000  # a grid is refused above this many points, before any value is parsed or any point built
SWEEP_QUANTITIES = ("amplification", "tangent_amplification", "separation")  # what a point's measurement records
HEADER_KEY = "mdtheory_sweep"  # the results file's first line: {"mdtheory_sweep": settings, "settings_hash": ...}

GRID_KEYS = ("eps", "eta", "T", "d", "lambda", "regularizer")
REGULARIZERS = ("negative_entropy", "tsallis", "log_barrier")
SHOWN_FAILURES = 10  # the terminal lists at most this many points that did not hold; the results file has them all
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

    @property
    def settings(self) -> dict:
        """Everything but the grid that a point's result depends on, normalized."""
        return {"problem": self.problem, "claim": self.claim, "precision_bits": self.bits,
                "record_every": self.record_every, "format": 2}

    @property
    def settings_hash(self) -> str:
        return _digest(self.settings)

    def key(self, point: dict) -> str:
        """A point's key: the hash of its grid values and the sweep's settings."""
        return _digest({"point": {k: point[k] for k in GRID_KEYS}, "settings": self.settings})


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


@names_its_file
def load_sweep(path: str | Path, max_precision_bits: int = MAX_PRECISION_BITS) -> Sweep:
    path = Path(path)
    data = read_toml(path, SweepFileError)
    try:
        return _parse(path, data, max_precision_bits)
    except SweepFileError:
        raise
    except ClaimFileError as err:  # the shared helpers name the key; the error says it is a sweep file
        raise SweepFileError(str(err)) from None


def _parse(path: Path, data: dict, max_precision_bits: int) -> Sweep:
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
    try:  # refuse a bad [claim] now, not in every worker
        bound_from_table(data["claim"], quantities=SWEEP_QUANTITIES)
    except ClaimFileError as err:
        if not str(err).startswith("[claim] quantity"):
            raise
        table = data["claim"]
        named = (repr(table["quantity"]) if "quantity" in table else
                 f"{default_quantity(table['kind'])!r} (the quantity of kind = {table['kind']!r})")
        raise SweepFileError(f"[claim] quantity: a sweep point measures a perturbed pair of MD runs "
                             f"({', '.join(SWEEP_QUANTITIES)}), not {named}; convergence, regret, policy and "
                             "worst-case quantities are checked from a claim file (mdtheory check, mdtheory falsify)"
                             ) from None
    for key in GRID_KEYS:
        if not isinstance(grid[key], list) or not grid[key]:
            raise SweepFileError(f"[grid] {key}: expected a non-empty list")
    count = math.prod(len(grid[key]) for key in GRID_KEYS)
    if count > MAX_SWEEP_POINTS:
        raise SweepFileError(f"[grid]: {count} points ({' x '.join(f'{len(grid[k])} {k}' for k in GRID_KEYS)}) exceed "
                             f"the limit of {MAX_SWEEP_POINTS}; give fewer values, or split the grid into several "
                             "sweep files")
    axes = {}
    for key in GRID_KEYS:
        values = grid[key]
        if key in ("T", "d"):
            axes[key] = [toml_integer(v, f"[grid] {key}", 1 if key == "T" else 2) for v in values]
            ceiling = MAX_STEPS if key == "T" else MAX_SWEEP_DIMENSION
            if max(axes[key]) > ceiling:
                raise SweepFileError(f"[grid] {key}: {max(axes[key])} exceeds the limit of {ceiling}")
        elif key == "regularizer":
            bad = [v for v in values if v not in REGULARIZERS]
            if bad:
                raise SweepFileError(f"[grid] regularizer: {bad[0]!r}; choose from {', '.join(REGULARIZERS)}")
            axes[key] = list(values)
        else:
            for i, v in enumerate(values):
                number = toml_number(v, f"[grid] {key}[{i}]")  # exact strings only; kept as written
                if (number < 0) if key == "lambda" else (number <= 0):
                    raise SweepFileError(f"[grid] {key}[{i}]: {v!r} must be {'>= 0' if key == 'lambda' else 'positive'}")
            axes[key] = list(values)
    start = problem.get("start", "min:1e-6")
    if not isinstance(start, str) or not start.startswith("min:"):
        raise SweepFileError(f"[problem] start: expected \"min:P\" (outcome 0 starts at P), got {start!r}")
    p = toml_number(start[4:], "[problem] start")
    if not 0 < p < sp.Rational(1, max(axes["d"])):
        raise SweepFileError(f"[problem] start: the smallest probability must be in (0, 1/d) for every d, got {start[4:]}")
    if not toml_number(problem.get("spread", "1"), "[problem] spread") > 0:
        raise SweepFileError("[problem] spread: must be positive")
    points = [dict(zip(GRID_KEYS, combo)) for combo in itertools.product(*(axes[k] for k in GRID_KEYS))]
    for key in GRID_KEYS:
        normalized = [str(toml_number(v, key)) if key not in ("T", "d", "regularizer") else v for v in axes[key]]
        if len(set(normalized)) != len(normalized):
            raise SweepFileError(f"[grid] {key}: a value is repeated (perhaps written two ways); list each value once")
    # Relative to the current directory, like every output path (never beside the sweep file, which may be in
    # the source tree): a path is read the same way on the command line and in the file.
    if not isinstance(settings.get("results", ""), str) or settings.get("results") == "":
        raise SweepFileError("[sweep] results: expected a file name such as \"runs.jsonl\" (relative to the current "
                             "directory)")
    results = Path(settings["results"]) if "results" in settings else Path(path.stem + ".jsonl")
    bits = precision_bits(settings.get("precision_bits", 96), "[sweep] precision_bits", max_precision_bits)
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
    reg = factory(d, domain=Domain.SIMPLEX)  # each catalogue default (tsallis: q = 1/2)
    md = MirrorDescent(reg, linear(reg.variables, [0] + [exact_number(spread)] * (d - 1)))
    if exact_number(lam) > 0:
        md = anchored(md, lam)
    return md, MirrorDescentKernel(md)


def evaluate(point: dict, key: str, problem: dict, claim: dict, bits: int, record_every: int) -> dict:
    """One grid point, measured and checked; a row for the results file. Errors are results too."""
    from mdtheory.checker.instance import check_instance
    from mdtheory.checker.measure import peak_of
    from mdtheory.engine.ladder import trusted_or_none
    from mdtheory.engine.run import RunSpec
    from mdtheory.symbolic.parsing import exact_number

    started = time.perf_counter()
    row = {**point, "key": key}
    try:
        d, lam = point["d"], exact_number(point["lambda"])
        p = exact_number(problem["start"].partition(":")[2])
        x0 = [p] + [(1 - p) / (d - 1)] * (d - 1)
        direction = [1 - p] + [-(1 - p) / (d - 1)] * (d - 1)
        md, kernel = _problem(point["regularizer"], d, str(point["lambda"]), str(problem["spread"]))
        # rows record about 50 steps; the bound is still checked at every step (the run's envelopes between records)
        every = record_every or max(1, point["T"] // 50)
        spec = RunSpec.build(x0, direction, point["eps"], point["eta"], point["T"], record_every=every,
                             parameters=[sp.Rational(1, d)] * d if lam > 0 else ())
        result, m = check_instance(bound_from_table(claim), md, spec, bits, with_float64=False, kernel=kernel,
                                   backend="flint")
        row.update(verdict=result.verdict, measured=result.measured.text(), claimed=result.claimed.text(),
                   margin=result.margin.text(),
                   trusted_digits=result.trusted_digits, explanation=result.explanation)
        if m is not None:
            amplification, separation = peak_of(m, "amplification"), peak_of(m, "separation")
            row.update(peak_amplification=trusted_or_none(m.ctx, amplification.value, amplification.digits),
                       peak_separation=trusted_or_none(m.ctx, separation.value, separation.digits))
    except MDTheoryError as err:
        row.update(verdict="error", error=str(err))
    except Exception as err:  # noqa: BLE001 - one point's internal error must not take the sweep down
        row.update(verdict="internal_error", error=f"{type(err).__name__}: {err}")
    row["seconds"] = round(time.perf_counter() - started, 3)
    return row


def _parse_lines(raw: bytes) -> tuple[dict | None, list[dict], list[tuple[int, bytes]]]:
    """(header, rows, corrupted (line number, bytes)) of the complete lines of a results file."""
    header, rows, corrupted = None, [], []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            corrupted.append((number, line))
            continue
        if HEADER_KEY in data:
            header = header or data
        elif "key" in data:
            rows.append(data)
        else:
            corrupted.append((number, line))
    return header, rows, corrupted


def completed_keys(results: Path, sweep: Sweep, handle) -> set[str]:
    """Keys already on file for this sweep's settings, with the file (open, locked) repaired first: a last
    line cut short by a kill is removed, a corrupted complete line is moved to FILE.quarantine, and a file
    written with other settings is refused."""
    handle.seek(0)
    raw = handle.read()
    good_end = raw.rfind(b"\n") + 1
    header, rows, corrupted = _parse_lines(raw[:good_end])
    if header is not None and header.get("settings_hash") != sweep.settings_hash:
        changed = sorted(k for k in sweep.settings if header[HEADER_KEY].get(k) != sweep.settings[k])
        raise SweepFileError(
            f"{results} holds results of a sweep with other settings (changed: {', '.join(changed) or 'format'}); "
            "its verdicts do not answer this sweep: name a new results file ([sweep] results or --results) "
            "or delete the old one")
    if raw and header is None and rows:
        raise SweepFileError(f"{results} has no sweep header (written by an older mdtheory, or by hand); name a new "
                             "results file or delete it")
    if corrupted or good_end != len(raw):
        quarantine = results.with_name(results.name + ".quarantine")
        if corrupted:
            with open(quarantine, "ab") as out:
                for number, line in corrupted:
                    out.write(f"# line {number} of {results.name}\n".encode() + line + b"\n")
            warnings.warn(f"{results}: corrupted line(s) {', '.join(str(n) for n, _ in corrupted)} moved to "
                          f"{quarantine}; those points are run again", stacklevel=2)
        bad = {number for number, _ in corrupted}
        kept = [line for number, line in enumerate(raw[:good_end].splitlines(), 1) if number not in bad]
        handle.seek(0)
        handle.truncate()
        handle.write(b"".join(line + b"\n" for line in kept))
        handle.flush()
        os.fsync(handle.fileno())
    if header is None:
        handle.write(json.dumps({HEADER_KEY: sweep.settings, "settings_hash": sweep.settings_hash}).encode() + b"\n")
        handle.flush()
    return {row["key"] for row in rows}


def _lock(handle, results: Path):
    # A POSIX record lock (lockf), not flock: forked pool workers do not inherit it, so a worker orphaned by
    # a killed sweep cannot keep the file locked.
    try:
        fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0, os.SEEK_SET)
    except (BlockingIOError, PermissionError):
        raise SweepFileError(f"{results} is being written by another sweep (it is locked); wait for it, or name "
                             "another results file") from None


def run_sweep(sweep: Sweep, scheduler: str | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> dict:
    """Run every point not yet on file; returns counts. Rows are appended as points finish."""
    if workers is not None and workers < 1:
        raise SweepFileError(f"workers: expected at least 1, got {workers}")
    sweep.results.parent.mkdir(parents=True, exist_ok=True)
    if sweep.results.exists() and not sweep.results.is_file():  # a device or pipe is read back without end
        raise SweepFileError(f"{sweep.results}: the results file is not a regular file (a folder, device, pipe or "
                             "socket); name a file ([sweep] results or --results)")
    with open(sweep.results, "a+b") as out:
        _lock(out, sweep.results)
        done = completed_keys(sweep.results, sweep, out)
        todo = [p for p in sweep.points if sweep.key(p) not in done]
        summary = {"points": len(sweep.points), "already_done": len(sweep.points) - len(todo), "ran": 0}
        arguments = (sweep.problem, sweep.claim, sweep.bits, sweep.record_every)

        def record(row):
            if row["key"] in done:
                return  # a point can only come back once per run, but never write a key twice
            done.add(row["key"])
            out.write(json.dumps(row).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
            summary["ran"] += 1
            if progress is not None:
                progress(summary["ran"], len(todo))

        if not todo:
            return summary
        if scheduler is None:
            with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, initializer=exit_with_parent,
                                     initargs=(os.getpid(),)) as pool:
                futures = [pool.submit(evaluate, point, sweep.key(point), *arguments) for point in todo]
                for future in as_completed(futures):
                    record(future.result())
        else:
            from distributed import as_completed as dask_completed

            from mdtheory.processes import dask_client

            with dask_client(scheduler) as client:
                futures = [client.submit(evaluate, point, sweep.key(point), *arguments, pure=False) for point in todo]
                for future in dask_completed(futures):
                    record(future.result())
    return summary


def read_results(results: Path, sweep: Sweep | None = None) -> list[dict]:
    """The rows on file (complete, well-formed lines), only those of ``sweep``'s points when it is given."""
    if not results.exists():
        return []
    _, rows, _ = _parse_lines(results.read_bytes())
    if sweep is not None:
        keys = {sweep.key(p) for p in sweep.points}
        rows = [r for r in rows if r["key"] in keys]
    return rows


def not_holding(rows: list[dict], sweep: Sweep) -> list[dict]:
    """The rows whose verdict is not holds (violated, inconclusive, an error), in the grid's order."""
    order = {sweep.key(p): i for i, p in enumerate(sweep.points)}
    return sorted((r for r in rows if r["verdict"] != HOLDS), key=lambda r: order.get(r["key"], len(order)))


def describe_row(row: dict) -> str:
    """One point on one line: its grid values, its verdict, and the error or the measured and claimed values."""
    grid = ", ".join(f"{key} = {row[key]}" for key in GRID_KEYS if key in row)
    detail = row.get("error") or f"measured {row.get('measured')}, claimed {row.get('claimed')}"
    return f"{row['verdict']} at {grid}: {detail}"


def heatmap_figure(rows: list[dict], x: str = "eta", y: str = "eps", value: str = "peak_amplification"):
    """Heatmaps of log10 ``value`` over two grid axes, one panel per regularizer, on one colour scale shared by
    every panel (a colour means the same value everywhere); where other axes vary, each cell shows the largest
    value over them (the worst case), and a cell where any point did not hold is marked x (violated) or ?
    (inconclusive, an error)."""
    import math

    import numpy as np
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    from mdtheory.symbolic.parsing import exact_number

    for axis in (x, y):
        if axis not in GRID_KEYS:
            raise MDTheoryError(f"plot axis {axis!r} is not a grid key ({', '.join(GRID_KEYS)})")
    drawn = [r for r in rows if r.get(value) is not None]
    if not drawn:
        raise MDTheoryError(f"no finished points with {value!r} to plot")
    order = lambda values: sorted(set(values), key=lambda v: exact_number(v) if isinstance(v, str) else v)
    xs, ys = order(r[x] for r in rows if x in r), order(r[y] for r in rows if y in r)
    regularizers = sorted({r["regularizer"] for r in rows if "regularizer" in r})
    grids, marks = {}, {}
    for name in regularizers:
        grid = np.full((len(ys), len(xs)), np.nan)
        cell_marks: dict[tuple[int, int], str] = {}
        for r in rows:
            if r.get("regularizer") != name or r.get(x) not in xs or r.get(y) not in ys:
                continue
            i, j = ys.index(r[y]), xs.index(r[x])
            if r.get(value) is not None and float(r[value]) > 0:
                grid[i, j] = np.fmax(grid[i, j], math.log10(float(r[value])))
            if r["verdict"] == VIOLATED:
                cell_marks[(i, j)] = "x"
            elif r["verdict"] != HOLDS:
                cell_marks.setdefault((i, j), "?")
        grids[name], marks[name] = grid, cell_marks
    finite = np.concatenate([g[np.isfinite(g)] for g in grids.values()])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm = Normalize(low, high if high > low else low + 1)  # one scale for every panel
    fig = Figure(figsize=(4.6 * len(regularizers) + 1.2, 3.8))
    axes = fig.subplots(1, len(regularizers), squeeze=False)
    for ax, name in zip(axes.flat, regularizers):
        image = ax.imshow(grids[name], origin="lower", aspect="auto", cmap="viridis", norm=norm)
        for (i, j), mark in marks[name].items():
            ax.text(j, i, mark, ha="center", va="center", fontsize=12, fontweight="bold",
                    color="red" if mark == "x" else "orange", gid=f"not holding:{mark}")
        ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=7)
        ax.set_yticks(range(len(ys)), [str(v) for v in ys], fontsize=7)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(name + (f" ({len(marks[name])} cells not holding: x violated, ? other)" if marks[name] else ""),
                     fontsize=9)
    fig.colorbar(image, ax=list(axes.flat), label=f"log10 {value} (one scale, every panel)")
    return fig


def plot_results(results: Path, out: Path, x: str = "eta", y: str = "eps", value: str = "peak_amplification",
                 sweep: Sweep | None = None) -> Path:
    """``heatmap_figure`` of the results on file, written to ``out``."""
    rows = read_results(results, sweep)
    if not any(r.get(value) is not None for r in rows):
        raise MDTheoryError(f"{results} has no finished points with {value!r} to plot")
    fig = heatmap_figure(rows, x, y, value)
    fig.savefig(out, dpi=100)  # not tight_layout: the shared colour bar is placed by matplotlib itself
    return out
