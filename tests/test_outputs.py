"""Where results go (issue 30, item 3): nothing a user runs writes into the package or the source tree.

Witnesses, sweep results, risk output, JSON and reports go to the current directory (named after the input's
stem) or to the path the user gives; a relative path, on the command line or in a sweep file, is relative to
the current directory. Every loader error starts with the file's path; sweep names the points that did not
hold; an exact witness prints its decimal beside its fraction.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import mdtheory.sweep
from mdtheory.cli import main

REPO = Path(__file__).resolve().parents[1]
HEDGE = REPO / "mdtheory" / "theorems" / "online" / "hedge.toml"
SMALL_SWEEP = REPO / "tests" / "sweeps" / "small.toml"
CEILING = 300  # seconds: a guard against a hang of the whole README walk, not a speed target


def run_cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(map(str, argv)))
    return code, out.getvalue(), err.getvalue()


def listing(root: Path) -> dict[str, float]:
    """Every file and folder under ``root`` with its modification time."""
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def test_readme_commands_write_nothing_into_the_package_or_the_tests(tmp_path):
    """The README's commands that write files, run from another folder against a fresh copy of the
    repository: the copy's package and tests/ are unchanged (names and modification times), and each result
    is in the current directory."""
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    for folder in ("mdtheory", "tests"):
        shutil.copytree(REPO / folder, copy / folder, ignore=ignore)
    shutil.copy(REPO / "README.md", copy / "README.md")
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    before = {folder: listing(copy / folder) for folder in ("mdtheory", "tests")}
    commands = [
        ["falsify", "mdtheory/theorems/online/hedge.toml", "--twin", "--no-progress"],
        ["sweep", "tests/sweeps/small.toml", "--no-progress", "--workers", "2"],
        ["check", "mdtheory/theorems/online/hedge.toml", "--json", "hedge.json", "--no-progress"],
        ["risk", "--d", "3", "--steps", "20", "--eta", "1/10", "--no-validate"],
        ["verify", "--quick", "--claim", "claim1_quadratic_stability", "--no-progress", "--jobs", "1"],
    ]
    for command in commands:
        # inputs are the copy's files; the current directory is another folder, where every result must land
        argv = [copy / a if a.startswith(("mdtheory/", "tests/")) else a for a in command]
        done = subprocess.run([sys.executable, "-m", "mdtheory.cli", *map(str, argv)], cwd=work, env=env,
                              capture_output=True, text=True, timeout=CEILING)
        assert done.returncode in (0, 1), (command, done.stdout[-2000:], done.stderr[-2000:])
    for folder in ("mdtheory", "tests"):
        after = listing(copy / folder)
        assert after == before[folder], (folder, sorted(set(after) ^ set(before[folder])),
                                         [k for k in after if k in before[folder] and after[k] != before[folder][k]])
    for written in ("hedge.witness.toml", "small.jsonl", "hedge.json", "report/report.md"):
        assert (work / written).is_file(), (written, sorted(p.name for p in work.rglob("*")))


def test_falsify_writes_its_witness_in_the_current_directory_with_decimals(tmp_path, monkeypatch):
    library = tmp_path / "library"
    library.mkdir()
    claim = library / "hedge.toml"
    shutil.copy(HEDGE, claim)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, out, _ = run_cli("falsify", claim, "--twin", "--no-progress")
    assert code == 1
    assert sorted(p.name for p in library.iterdir()) == ["hedge.toml"]  # nothing beside the claim file
    witness = work / "hedge.witness.toml"
    assert "witness claim file: hedge.witness.toml" in out
    # the twin's stated step size 1/5 is its witness: the fraction and its decimal, in the terminal and the file
    assert "eta = 1/5 (0.2)" in out
    text = witness.read_text()
    assert "# eta = 1/5 (0.2)" in text
    assert run_cli("check", witness, "--no-progress")[0] == 1  # the file still reproduces the violation


def test_an_exact_witness_value_is_shown_with_its_decimal():
    from mdtheory.search import with_decimal

    assert str(with_decimal(sp.Rational(219999999999781, 10**14))) == "219999999999781/100000000000000 (2.19999999999781)"
    assert str(with_decimal(sp.Rational(-1, 3))) == "-1/3 (-0.333333333333333)"
    assert str(with_decimal(sp.Integer(3))) == "3"  # an integer is its own decimal


SWEEP = """
[sweep]
precision_bits = 64
results = "{results}"

[grid]
eps = ["1e-12"]
eta = ["1/10", "1/4"]
T = [40]
d = [3]
lambda = ["0"]
regularizer = ["negative_entropy"]

[claim]
kind = "upper_bound"
bound = "1e4"
"""


def test_sweep_results_are_relative_to_the_current_directory_and_failed_points_are_named(tmp_path, monkeypatch):
    sweeps = tmp_path / "sweeps"
    sweeps.mkdir()
    plan = sweeps / "grid.toml"
    plan.write_text(SWEEP.format(results="out/runs.jsonl"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, out, _ = run_cli("sweep", plan, "--no-progress", "--workers", "1")
    assert code == 1  # eta = 1/4 amplifies past 1e4 at T = 40; eta = 1/10 does not
    assert (work / "out" / "runs.jsonl").is_file()
    assert sorted(p.name for p in sweeps.iterdir()) == ["grid.toml"]
    assert "1 point did not hold" in out
    failed = [line for line in out.splitlines() if line.startswith("  violated at ")]
    assert len(failed) == 1 and "eta = 1/4" in failed[0] and "regularizer = negative_entropy" in failed[0]
    assert "eta = 1/10" not in out


def test_sweep_default_results_and_the_terminal_shows_at_most_the_first_failures(tmp_path, monkeypatch):
    plan = tmp_path / "sweeps" / "grid.toml"
    plan.parent.mkdir()
    plan.write_text(SWEEP.format(results="").replace('results = ""\n', "").replace('["1/10", "1/4"]', '["1/4"]')
                    .replace('["1e-12"]', '["1e-12", "1e-8"]'))  # both points are violated (tests/sweeps/small.toml)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(mdtheory.sweep, "SHOWN_FAILURES", 1)
    code, out, _ = run_cli("sweep", plan, "--no-progress", "--workers", "1")
    assert code == 1
    assert (work / "grid.jsonl").is_file() and not (plan.parent / "grid.jsonl").exists()
    assert "2 points did not hold (the first 1; every one is in grid.jsonl)" in out
    assert len([line for line in out.splitlines() if line.startswith("  violated at ")]) == 1


@pytest.mark.parametrize("command, name, text, key", [
    ("check", "claim.toml", HEDGE.read_text().split("[twin]")[0] + "[twin]\nwhy = 1\n", "[twin]"),
    ("falsify", "claim.toml", HEDGE.read_text().replace("[search]", "[search]\nbogus = 1"), "[search]"),
    ("sweep", "grid.toml", SWEEP.format(results="r.jsonl").replace('eta = ["1/10", "1/4"]', 'eta = ["-1"]'),
     "[grid] eta"),
    ("worst-case", "class.toml", "[worst_case]\nmethod = \"newton\"\neta = \"1\"\nhorizons = [1]\n",
     "[worst_case] method"),
])
def test_every_loader_error_starts_with_the_file(tmp_path, command, name, text, key):
    path = tmp_path / name
    path.write_text(text)
    code, _, err = run_cli(command, path, *(["--twin"] if command in ("check", "falsify") else []), "--no-progress")
    assert code == 2
    assert err.startswith(f"error: {path}: {key}"), err
    assert err.count(str(path)) == 1, err  # named once, not once per layer


def test_a_library_file_that_does_not_load_is_named_by_verify(tmp_path, monkeypatch):
    """The issue's second half: a stray file in the theorem library made verify fail without saying which."""
    from mdtheory.claims import theorem_library

    family = tmp_path / "online"
    family.mkdir()
    stray = family / "stray.toml"
    stray.write_text(HEDGE.read_text().split("[twin]")[0])  # no [twin]: the library checks every file's twin
    monkeypatch.setattr(theorem_library, "theorem_files", lambda name: [stray])
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("verify", "--claim", "library_online", "--no-progress", "--jobs", "1", "--out", "report")
    assert code == 2
    assert f"error: {stray}: [twin]" in err, err
