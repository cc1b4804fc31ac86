"""What `mdtheory verify` prints: a line per claim, a closing line, the per-check tables behind --details, and
a running line that honours --no-progress (issue 30, item 2)."""

import io

from mdtheory.cli import main

QUICK_CLAIMS = ["--claim", "claim1_quadratic_stability", "--claim", "practice_policy_optimization", "--quick"]
MAX_LINES = 40  # verify's output for every default claim fits a screen


def verify_output(monkeypatch, capsys, tmp_path, *args):
    monkeypatch.setenv("COLUMNS", "100")
    code = main(["verify", *args, "--out", str(tmp_path / "report"), "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_verify_prints_a_line_per_claim_and_ends_with_the_summary(monkeypatch, capsys, tmp_path):
    code, out, err = verify_output(monkeypatch, capsys, tmp_path, *QUICK_CLAIMS, "--jobs", "1", "--details")
    assert code == 0
    lines = out.rstrip("\n").splitlines()
    assert max(len(line) for line in lines if not line.startswith("report: ")) <= 100  # a path is as long as it is
    assert lines[-1] == "2 claims, 14 checks, all as predicted"
    claim1 = next(line for line in lines if line.startswith("claim1_quadratic_stability "))
    # claim 1's quick run: 5 checks hold, 2 (beyond the step-size edge) are violated as the claim predicts
    assert claim1.split()[1:4] == ["holds", "7", "all"] and "5 hold, 2 violated" in claim1
    # --details: each predicted violation's verdict cell starts "violated," (then "as predicted", wrapped)
    assert "GD quadratic," in out and out.count("violated,") == 2 and "(!)" not in out
    # --no-progress: no running line. JAX, imported into this test process by the framework tests, warns at every
    # fork (the symbolic budget forks a child that runs sympy only); that line is the host process's, not verify's
    assert [line for line in err.splitlines() if not line.startswith("warning: os.fork() was called")] == []


def test_the_per_check_rows_are_behind_details(monkeypatch, capsys, tmp_path):
    from mdtheory.checker import VIOLATED, ClaimReport, NamedCheck, UpperBound, measure
    from mdtheory.claims import REGISTRY, load_all
    from mdtheory.engine.run import RunSpec
    from mdtheory.symbolic.catalogue import euclidean
    from mdtheory.symbolic.mirror_descent import MirrorDescent
    from mdtheory.symbolic.objectives import Objective

    def beyond_the_edge(quick=False, full=False, progress=None):
        """GD on x^2 at eta = 11/10 > 2/L: the bound 1 fails, as predicted."""
        reg = euclidean(1)
        md = MirrorDescent(reg, Objective("x^2", reg.variables[0] ** 2, reg.variables))
        m = measure(md, RunSpec.build([1], [1], "1e-10", "11/10", 4), 64)
        return ClaimReport("edge", "beyond the edge", "", [NamedCheck("GD beyond the edge", UpperBound(1).check(m), m,
                                                                      VIOLATED)])

    load_all()
    monkeypatch.setitem(REGISTRY, "edge", beyond_the_edge)
    code, out, _ = verify_output(monkeypatch, capsys, tmp_path, "--claim", "edge")
    assert code == 0
    assert "GD beyond the edge" not in out and "all (1 violated)" in out
    assert out.rstrip().splitlines()[-1] == "1 claim, 1 check, all as predicted"


def rows(claim, n, off=()):
    """Summary rows as verify collects them: n checks, those in ``off`` not as predicted."""
    return [(claim, f"check {k} of {claim}, a label as long as the longest in the library", off[k] if k in off
             else "holds", "holds", "amplification = 1.00000000000 at eta*T = 7.5", "<= 1", "0 to the ladder", 26, 3.2)
            for k in range(n)]


def test_every_default_claim_fits_forty_lines_at_100_columns():
    """The rendering, on as many claims and checks as the default verify has (14 claims, 161 checks)."""
    from rich.console import Console

    from mdtheory.claims import load_all
    from mdtheory.terminal import ClaimRun, claims_table, closing_line

    names = list(load_all())
    runs = [ClaimRun(name, "holds", 12.5, rows(name, 161 // len(names) + (k < 161 % len(names))))
            for k, name in enumerate(names)]
    console = Console(width=100, record=True)
    console.print(claims_table(runs))
    console.print(closing_line(runs))
    text = console.export_text().rstrip("\n").splitlines()
    assert len(text) <= MAX_LINES - 2  # and the report line
    assert text[-1] == f"{len(names)} claims, 161 checks, all as predicted"


def test_what_was_not_as_predicted_is_named_and_marked():
    from rich.console import Console

    from mdtheory.terminal import ClaimRun, checks_table, claims_table, closing_line

    runs = [ClaimRun("library_online", "violated", 1.0, rows("library_online", 4, {2: "violated"})),
            ClaimRun("claim2_exponential_separation", "inconclusive", 1.0,
                     rows("claim2_exponential_separation", 3, {0: "inconclusive"})),
            ClaimRun("claim1_quadratic_stability", "holds", 1.0, rows("claim1_quadratic_stability", 2))]
    assert closing_line(runs) == ("3 claims, 9 checks, 2 not as predicted (library_online: 1 violated; "
                                  "claim2_exponential_separation: 1 inconclusive)")
    console = Console(width=100, record=True, force_terminal=True)
    console.print(claims_table(runs))
    text = console.export_text(clear=False)
    assert "3 of 4; not: check 2 of" in text and "(violated, expected holds)" in " ".join(text.split())
    wide = Console(width=200, record=True)
    wide.print(checks_table(runs[0].rows))
    assert "violated (!) expected holds" in wide.export_text()
    html = console.export_html()
    assert "color: #800000" in html or "color: #ff0000" in html  # the unexpected violation is red


def test_predicted_violation_is_neutral_and_an_unexpected_one_red():
    from mdtheory.terminal import verdict_cell

    predicted = verdict_cell("violated", "violated")
    assert predicted.plain == "violated, as predicted" and not str(predicted.style)
    unexpected = verdict_cell("violated", "holds")
    assert "red" in str(unexpected.style) and "(!)" in unexpected.plain
    assert str(verdict_cell("holds", "holds").style) == "green"


def test_running_line_plain_and_live_and_silent():
    from mdtheory.terminal import RunningLine

    plain = io.StringIO()
    with RunningLine(2, stream=plain) as line:
        line.start("claim_a")
        line.finish("claim_a", "holds", 1.25)
    assert plain.getvalue() == "  running claim_a ...\n[1/2] claim_a: holds (1.2s)\n"

    live = io.StringIO()
    with RunningLine(2, stream=live, live=True) as line:
        line.start("claim_a")
        line.finish("claim_a", "holds", 1.0)
    assert "[1/2] claim_a: holds (1.0s)" in live.getvalue()

    silent = io.StringIO()
    with RunningLine(2, stream=silent, enabled=False, live=True) as line:
        line.start("claim_a")
        line.finish("claim_a", "holds", 1.0)
    assert silent.getvalue() == ""


def test_plain_running_line_says_what_is_still_running(monkeypatch):
    import time

    from mdtheory import terminal

    monkeypatch.setattr(terminal, "HEARTBEAT_SECONDS", 0.0)
    monkeypatch.setattr(terminal, "REFRESH_SECONDS", 0.01)
    plain = io.StringIO()
    with terminal.RunningLine(1, stream=plain) as line:
        line.start("claim_a")
        deadline = time.monotonic() + 5
        while "still running: claim_a" not in plain.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "still running: claim_a" in plain.getvalue()
