"""F1: falsify's float64 screen, vectorized over candidates, against a per-candidate Python loop (the same
generated kernel through run_mirror_descent in float64), measured side by side in one run.

    python benchmarks/falsify_screen.py

Workload: softmax MD on the simplex in d = 3 (negative entropy, linear cost), T = 100 steps with the
tangent J_t v, candidates drawn from the [search] range (margin 1/1000, any direction, eta in [1/10, 1/2]).
Prints MD steps per second of each path, their ratio, and how closely the two agree on the same candidates.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from mdtheory.claimfile import load_claim_file
from mdtheory.falsify import Screen, draw, search_space

CLAIM = """
[problem]
variables = ["p", "q", "r"]
domain = "simplex"
regularizer = "negative_entropy"
objective = "q + r/2"
[run]
x0 = ["1/3", "1/3", "1/3"]
direction = ["1", "-1", "0"]
eps = "1e-30"
eta = "1/4"
steps = 100
precision_bits = 128
[search]
x0 = "domain"
margin = "1/1000"
eta = ["1/10", "1/2"]
[claim]
kind = "upper_bound"
bound = "1000"
"""


def measure(vectorized_candidates: int = 20_000, looped_candidates: int = 40) -> list[tuple]:
    path = Path(tempfile.mkdtemp()) / "f1.toml"
    path.write_text(CLAIM)
    claim = load_claim_file(path)
    screen = Screen(claim, claim.spec.steps)
    batch = draw(search_space(claim), vectorized_candidates, np.random.default_rng(0))
    started = time.perf_counter()
    vectorized, _ = screen.log_ratios(batch)
    vectorized_seconds = time.perf_counter() - started
    sample = batch.take(np.arange(looped_candidates))
    started = time.perf_counter()
    looped = np.array([screen._one(sample.take(i))[0] for i in range(looped_candidates)])
    looped_seconds = time.perf_counter() - started
    steps = claim.spec.steps
    fast = vectorized_candidates * steps / vectorized_seconds
    slow = looped_candidates * steps / looped_seconds
    agreement = float(np.max(np.abs(vectorized[:looped_candidates] - looped)))
    return [
        ("F1 screen d=3, T=100", f"vectorized numpy, {vectorized_candidates} candidates", vectorized_seconds,
         f"{fast:.3g} MD steps/s"),
        ("F1", f"per-candidate loop, {looped_candidates} candidates", looped_seconds,
         f"{slow:.3g} MD steps/s; ratio {fast / slow:.0f}x; max |log ratio difference| {agreement:.1e}"),
    ]


if __name__ == "__main__":
    for workload, path, seconds, note in measure():
        print(f"{workload:<24} {path:<44} {seconds:9.3f} s   {note}")
