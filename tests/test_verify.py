"""`mdtheory verify` end to end: table, report folder, exit code."""

import json

from mdtheory.cli import main
from mdtheory.claims import load_all


def test_verify_writes_the_report(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["verify", "--claim", "claim1_quadratic_stability", "--quick", "--out", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "claim1_quadratic_stability" in printed and "verdict" in printed
    data = json.loads((out / "claim1_quadratic_stability.json").read_text())
    assert data["verdict"] == "holds"
    assert all({"verdict", "kind", "measured", "claimed", "margin", "trusted_digits", "series"} <= set(c) for c in data["checks"])
    assert (out / "claim1_quadratic_stability.png").stat().st_size > 10_000
    assert "claim1_quadratic_stability" in (out / "report.md").read_text()


def test_verify_exits_nonzero_when_a_claim_is_violated(tmp_path, monkeypatch):
    from mdtheory.checker import HOLDS, ClaimReport, NamedCheck, UpperBound, measure
    from mdtheory.claims import REGISTRY
    from mdtheory.engine.run import RunSpec
    from mdtheory.symbolic.catalogue import euclidean
    from mdtheory.symbolic.mirror_descent import MirrorDescent
    from mdtheory.symbolic.objectives import Objective

    def planted(quick=False, full=False, progress=None):
        """Planted false claim: GD on a concave quadratic is non-expansive."""
        reg = euclidean(1)
        md = MirrorDescent(reg, Objective("concave", -reg.variables[0] ** 2, reg.variables))
        m = measure(md, RunSpec.build([1], [1], "1e-10", "1/10", 10), 64)
        return ClaimReport("planted", "false", planted.__doc__, [NamedCheck("GD", UpperBound(1).check(m), m, HOLDS)])

    load_all()
    monkeypatch.setitem(REGISTRY, "planted", planted)
    assert main(["verify", "--claim", "planted", "--out", str(tmp_path), "--no-progress"]) == 1


def test_unknown_claim_is_refused(tmp_path):
    assert main(["verify", "--claim", "nope", "--out", str(tmp_path)]) == 2


def test_parallel_verify_writes_the_same_report_as_sequential(tmp_path, capsys):
    import re

    claims = ["--claim", "claim1_quadratic_stability", "--claim", "practice_policy_optimization", "--quick", "--no-progress"]
    assert main(["verify", *claims, "--jobs", "2", "--out", str(tmp_path / "parallel")]) == 0
    assert main(["verify", *claims, "--jobs", "1", "--out", str(tmp_path / "sequential")]) == 0
    without_times = lambda p: re.sub(r"\| \d+\.\d \|", "| t |", (p / "report.md").read_text())
    assert without_times(tmp_path / "parallel") == without_times(tmp_path / "sequential")
    assert (tmp_path / "parallel" / "practice_policy_optimization-amplification.png").exists()


def test_summary_table_fits_an_80_column_terminal():
    from rich.console import Console

    from mdtheory.terminal import checks_table

    row = ("claim2_exponential_separation", "eps = 1e-8: min-form with measured c and level [certified]", "holds",
           "violated", "worst ratio to the min-form 0.1894 at eta*T = 1.0",
           "min{175409779399/2500000000000, sep0*exp(243014216969/5000000000000*eta*T)} within a factor 30",
           "1.3 decades", 21, 12.5)
    console = Console(width=80, record=True, force_terminal=True)
    console.print(checks_table([row]))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text  # cells wrap, nothing is cut
    assert "(!)" in text and "[" in text  # not as predicted: marked; brackets are text, not markup


def test_progress_draws_live_bars_in_a_terminal_and_plain_lines_elsewhere():
    import io

    from mdtheory.progress import Progress

    plain = io.StringIO()  # not a terminal: a quick run prints no line (tests/test_first_hour_polish.py: sparse)
    report = Progress(stream=plain)("run")
    for done in range(0, 11):
        report(done, 10)
    assert plain.getvalue() == ""

    live = io.StringIO()
    with Progress(stream=live, live=True) as progress:
        progress("ladder rung")(7, 20)
        progress.note("a milestone")
    text = live.getvalue()
    assert "ladder rung" in text and "7/20" in text and "a milestone" in text

    silent = io.StringIO()
    with Progress(stream=silent, enabled=False, live=True) as progress:
        progress("run")(1, 2)
        progress.note("nothing")
    assert silent.getvalue() == ""
