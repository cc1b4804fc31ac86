"""`mdtheory sweep`: local processes, a real Dask LocalCluster, and resuming after a kill."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mdtheory.cli import main
from mdtheory.sweep import SweepFileError, load_sweep, read_results, run_sweep

SMALL = Path(__file__).parent / "sweeps" / "small.toml"


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """A sweep's default results file is STEM.jsonl in the current directory (issue 30), no longer beside the
    sweep file: each test runs in its own folder, as a user runs a sweep in theirs."""
    monkeypatch.chdir(tmp_path)


def a_sweep(tmp_path, grid=None, extra=""):
    text = SMALL.read_text()
    if grid is not None:
        text = text.split("[grid]")[0] + "[grid]\n" + grid + "\n[claim]" + text.split("[claim]")[1]
    path = tmp_path / "sweep.toml"
    path.write_text(text + extra)
    return path


def assert_complete(sweep):
    rows = read_results(sweep.results)
    keys = [row["key"] for row in rows]
    assert len(keys) == len(set(keys)), "a point was written twice"
    assert set(keys) == {sweep.key(p) for p in sweep.points}, "a point is missing"
    return rows


def test_local_processes_run_every_point_once_and_a_rerun_does_nothing(tmp_path):
    sweep = load_sweep(a_sweep(tmp_path))
    summary = run_sweep(sweep, workers=2)
    assert len(sweep.points) == 2 * 2 * 2 * 3  # eps x eta x lambda x regularizer (T and d single)
    assert summary == {"points": len(sweep.points), "already_done": 0, "ran": len(sweep.points)}
    rows = assert_complete(sweep)
    entropic = [r for r in rows if r["regularizer"] == "negative_entropy" and r["eta"] == "1/4"]
    assert all(r["verdict"] == "violated" for r in entropic)  # amplification ~ 2e4 > 1e4
    assert all(r["verdict"] == "holds" for r in rows if r["regularizer"] != "negative_entropy")
    assert all(r["trusted_digits"] >= 4 for r in rows)
    assert run_sweep(sweep, workers=2) == {"points": len(sweep.points), "already_done": len(sweep.points), "ran": 0}


def test_dask_local_cluster_runs_the_sweep(tmp_path):
    from distributed import LocalCluster

    grid = 'eps = ["1e-10"]\neta = ["1/10", "1/4"]\nT = [30]\nd = [3]\nlambda = ["0"]\nregularizer = ["negative_entropy", "tsallis"]'
    sweep = load_sweep(a_sweep(tmp_path, grid))
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        summary = run_sweep(sweep, scheduler=cluster.scheduler_address)
    assert summary["ran"] == 4
    rows = assert_complete(sweep)
    local = tmp_path / "local.jsonl"
    run_sweep(dataclasses.replace(sweep, results=local), workers=1)
    by_key = {r["key"]: r for r in read_results(local)}
    for row in rows:  # the cluster computes the same numbers as local processes
        assert row["peak_amplification"] == by_key[row["key"]]["peak_amplification"]


def test_a_killed_sweep_resumes_with_no_point_lost_or_duplicated(tmp_path):
    path = a_sweep(tmp_path)
    sweep = load_sweep(path)
    process = subprocess.Popen([sys.executable, "-m", "mdtheory.cli", "sweep", str(path), "--workers", "1",
                                "--no-progress"], start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(read_results(sweep.results)) >= 3:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its worker processes, mid-run
    process.wait()
    written = len(read_results(sweep.results))  # complete rows; the first line is the sweep's header
    assert 3 <= written < len(sweep.points), "the kill must land mid-sweep"
    with open(sweep.results, "a") as handle:  # as if the kill had cut a line short
        handle.write('{"eps": "1e-12", "eta": "1/1')
    summary = run_sweep(sweep, workers=2)
    assert summary["already_done"] == written and summary["ran"] == len(sweep.points) - written
    assert_complete(sweep)


def test_sweep_command_plots_a_heatmap(tmp_path, capsys):
    path = a_sweep(tmp_path, 'eps = ["1e-10"]\neta = ["1/10", "1/4"]\nT = [20, 40]\nd = [3]\nlambda = ["0"]\n'
                             'regularizer = ["negative_entropy", "log_barrier"]')
    code = main(["sweep", str(path), "--workers", "2", "--plot", str(tmp_path / "h.png"), "--x", "eta", "--y", "T",
                 "--no-progress"])
    assert code == 1  # entropic MD at eta = 1/4, T = 40 exceeds the bound 1e4: the exit code says so
    assert (tmp_path / "h.png").stat().st_size > 0
    assert "verdicts: holds 7, violated 1" in capsys.readouterr().out


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace("[grid]", "[gird]"), "unknown section"),
    (lambda t: t.replace('T = [40]', 'T = [40]\nsteps = [3]'), "steps: unknown key"),
    (lambda t: t.replace('"1/10", "1/4"', '0.1, "1/4"'), "TOML float"),
    (lambda t: t.replace('"log_barrier"]', '"shannon"]'), "'shannon'"),
    (lambda t: t.replace('start = "min:1e-6"', 'start = "zipf:2"'), "min:P"),
    (lambda t: t.replace('bound = "1e4"', 'bound = "import os"'), "bound"),
    # ranges are bounded before any point runs
    (lambda t: t.replace("T = [40]", "T = [1000000000000]"), "T: 1000000000000 exceeds the limit"),
    (lambda t: t.replace("d = [3]", "d = [1000000]"), "d: 1000000 exceeds the limit"),
    (lambda t: t.replace('lambda = ["0", "1/20"]', 'lambda = ["0", "-1/20"]'), r"lambda\[1\]"),
    (lambda t: t.replace('eta = ["1/10", "1/4"]', 'eta = ["0", "1/4"]'), r"eta\[0\]"),
    (lambda t: t.replace('eps = ["1e-12", "1e-8"]', 'eps = ["1e-99999999"]'), "decimal exponent"),
    (lambda t: t.replace('start = "min:1e-6"', 'start = "min:1/2"'), "smallest probability"),
    (lambda t: t.replace('spread = "1"', 'spread = "-1"'), "spread"),
    (lambda t: t.replace("precision_bits = 64", "precision_bits = 1000000000"), "--max-precision-bits"),
])
def test_bad_sweep_files_name_the_key(tmp_path, edit, words):
    path = tmp_path / "bad.toml"
    path.write_text(edit(SMALL.read_text()))
    with pytest.raises(SweepFileError, match=words):
        load_sweep(path)


def processes_running(marker: str) -> list[int]:
    """pids whose command line contains ``marker`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_killing_only_the_sweep_leaves_no_orphaned_worker(tmp_path):
    path = a_sweep(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "mdtheory.cli", "sweep", str(path), "--workers", "2",
                                "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sweep = load_sweep(path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(read_results(sweep.results)) < 1:
        time.sleep(0.05)
    assert len(processes_running(str(path))) >= 2, "the workers must be running"
    os.kill(process.pid, signal.SIGKILL)  # the parent alone: its pool cannot shut down
    process.wait()
    deadline = time.monotonic() + 30
    while processes_running(str(path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    def describe(pid):
        try:
            fds = {fd.name: os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
            return Path(f"/proc/{pid}/wchan").read_text(), Path(f"/proc/{pid}/status").read_text().split("\n")[:10], fds
        except OSError as err:
            return str(err)
    left = {pid: describe(pid) for pid in processes_running(str(path))}
    assert not left, f"a pool worker outlived its sweep: {left}"


def test_changed_settings_are_refused_not_answered_from_stale_rows(tmp_path):
    grid = 'eps = ["1e-10"]\neta = ["1/10"]\nT = [20]\nd = [3]\nlambda = ["0"]\nregularizer = ["negative_entropy"]'
    sweep = load_sweep(a_sweep(tmp_path, grid))
    run_sweep(sweep, workers=1)
    for edit in ('bound = "1e4"', 'bound = "1e-4"'), ("precision_bits = 64", "precision_bits = 96"), \
            ('start = "min:1e-6"', 'start = "min:1e-3"'), ('spread = "1"', 'spread = "2"'):
        path = tmp_path / "sweep.toml"
        original = path.read_text()
        path.write_text(original.replace(*edit))
        with pytest.raises(SweepFileError, match="other settings"):
            run_sweep(load_sweep(path), workers=1)
        path.write_text(original)
    # the same settings with another grid share the file; each sweep counts only its own rows
    wider = load_sweep(a_sweep(tmp_path, grid.replace('eta = ["1/10"]', 'eta = ["1/10", "1/4"]')))
    assert run_sweep(wider, workers=1) == {"points": 2, "already_done": 1, "ran": 1}
    assert len(read_results(sweep.results, sweep)) == 1 and len(read_results(wider.results, wider)) == 2
    assert main(["sweep", str(a_sweep(tmp_path, grid)), "--no-progress"]) == 0  # holds: 1 row, not the wider one


def test_a_second_writer_is_refused_while_the_file_is_locked(tmp_path):
    import fcntl

    sweep = load_sweep(a_sweep(tmp_path))
    sweep.results.write_text("")
    with open(sweep.results, "a") as holder:
        fcntl.lockf(holder.fileno(), fcntl.LOCK_EX)
        code = subprocess.run([sys.executable, "-c", "import sys\nfrom mdtheory.cli import main\n"
                               f"sys.exit(main(['sweep', {str(sweep.path)!r}, '--no-progress']))"],
                              capture_output=True, text=True)
    assert code.returncode == 2 and "locked" in code.stderr


def test_a_corrupted_line_is_quarantined_with_its_line_number(tmp_path):
    grid = 'eps = ["1e-10", "1e-8"]\neta = ["1/10"]\nT = [20]\nd = [3]\nlambda = ["0"]\nregularizer = ["tsallis"]'
    sweep = load_sweep(a_sweep(tmp_path, grid))
    run_sweep(sweep, workers=1)
    lines = sweep.results.read_text().splitlines()
    lines[2] = lines[2][:-1] + "#garbage#"  # a complete line whose JSON is broken
    sweep.results.write_text("\n".join(lines) + "\n")
    with pytest.warns(UserWarning, match="line\\(s\\) 3 moved"):
        summary = run_sweep(sweep, workers=1)
    assert summary == {"points": 2, "already_done": 1, "ran": 1}
    assert "#garbage#" in sweep.results.with_name(sweep.results.name + ".quarantine").read_text()
    assert_complete(sweep)



def test_a_point_whose_perturbation_the_precision_cannot_hold_is_inconclusive_not_an_error(tmp_path):
    from mdtheory.sweep import evaluate

    grid = 'eps = ["1e-40"]\neta = ["1/10"]\nT = [20]\nd = [3]\nlambda = ["0"]\nregularizer = ["negative_entropy"]'
    sweep = load_sweep(a_sweep(tmp_path, grid))
    point = sweep.points[0]
    row = evaluate(point, sweep.key(point), sweep.problem, sweep.claim, sweep.bits, sweep.record_every)
    assert row["verdict"] == "inconclusive" and "precision_bits >= " in row["explanation"]
    assert "peak_amplification" not in row  # nothing was measured, so no number is reported
