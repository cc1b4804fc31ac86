"""F2: the planted suite at each file's default budget: how many planted-false claims falsify finds, how
long each takes, and that no true claim is reported violated.

    python benchmarks/falsify_suite.py

Files: tests/falsify/*_false.toml (planted: sensitivity bounds, a tightened library regret and convergence
bound, a bound false at some regularizer levels, one false in some dimensions), tests/falsify/*_true.toml
and two library theorems with a [search] range. Every reported violation was confirmed on the precision
ladder (falsify reports nothing else); "certified" says whether ball arithmetic also proved it.
"""

from __future__ import annotations

import time
from pathlib import Path

from mdtheory.search import falsify_file

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "falsify"
TRUE_LIBRARY = [ROOT / "mdtheory" / "theorems" / "online" / "hedge.toml",
                ROOT / "mdtheory" / "theorems" / "convergence" / "beck_teboulle.toml"]


def measure() -> list[tuple]:
    rows = []
    for path in sorted(SUITE.glob("*_false.toml")) + sorted(SUITE.glob("*_true.toml")) + TRUE_LIBRARY:
        started = time.perf_counter()
        result = falsify_file(path)
        seconds = time.perf_counter() - started
        certified = result.witness is not None and result.witness.certified
        rows.append((path.stem, path.stem.endswith("_false"), result.verdict, certified, result.candidates,
                     result.best_ratio, seconds))
    return rows


if __name__ == "__main__":
    rows = measure()
    for name, planted, verdict, certified, candidates, ratio, seconds in rows:
        print(f"{name:<34} {'planted' if planted else 'true':<8} {verdict:<14} "
              f"{'certified' if certified else '':<10} {candidates:>6} candidates  best ratio {ratio:<10.4g} "
              f"{seconds:6.1f} s")
    planted = [r for r in rows if r[1]]
    found = sum(r[2] == "violated" for r in planted)
    wrong = [r[0] for r in rows if not r[1] and r[2] == "violated"]
    print(f"planted found: {found}/{len(planted)} ({100 * found / len(planted):.0f}%); longest "
          f"{max(r[6] for r in rows):.1f} s; true claims reported violated: {wrong or 'none'}")
