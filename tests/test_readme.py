"""The documentation runs as written, and says what the code does.

Every fenced code block in docs/*.md runs here:
- ``python`` blocks run in order, one namespace per page (a block marked ``<!-- docs-test: pytest -->`` is a test
  module instead, run by pytest in a temporary folder);
- ``toml`` and ``bash`` blocks say how they run in a marker line above them,
  ``<!-- docs-test: mdtheory check {file} => 0; mdtheory check {file} --twin => 0 -->`` (a toml block is written to
  ``{file}``; the number after ``=>`` is the exit code the page promises) or, for a bash block of ``mdtheory``
  command lines, ``<!-- docs-test: => 3, 1 -->`` (one exit code per line); a marker ending in `` slow`` runs with
  the slow tests; a bash block marked ``<!-- docs-test: shell => 0 -->`` runs whole in bash (its lines need not be
  ``mdtheory`` commands), in a temporary folder that sees the repository's examples/ and proofs/; one marked
  ``<!-- docs-test: benchmark -->`` runs a script under benchmarks/ that measures time, which a test never asserts:
  the test checks that the script exists and takes the options shown;
- the two install commands are CI's: they run in ``.ci/run`` from the README, and must equal it here;
- ``text`` blocks are output listings, not code; the one in "Reading a result" must be what ``check`` prints.
A code block in another language, or a toml / bash block without a marker, fails. Commands run in a temporary
current directory; paths under mdtheory/ and tests/ are the repository's.
"""

import contextlib
import importlib
import importlib.util
import io
import re
import shlex
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
BLOCK = re.compile(r"(?:^<!-- (?P<marker>[^\n]*?) -->\n)?^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$", re.M | re.S)
CI_MARKERS = ("main-command", "test-command")  # .ci/run extracts these from the README
PAGES = sorted(DOCS.glob("*.md"))


def blocks(path: Path) -> list[dict]:
    return [dict(m.groupdict(), line=path.read_text()[:m.start()].count("\n") + 1, page=path.name)
            for m in BLOCK.finditer(path.read_text())]


def marker_spec(block) -> tuple[str, bool]:
    """The docs-test marker's text without its prefix and trailing 'slow', and whether it is slow."""
    marker = block["marker"] or ""
    if not marker.startswith("docs-test:"):
        return "", False
    spec = marker.removeprefix("docs-test:").strip()
    slow = spec.endswith(" slow") or spec == "slow"
    return spec.removesuffix("slow").strip(), slow


def run_cli(argv: list[str]) -> tuple[int, str]:
    from mdtheory.cli import main

    argv = [str(ROOT / a) if a.startswith(("mdtheory/", "tests/")) else a for a in argv]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    return code, out.getvalue()


def commands(block) -> list[tuple[list[str], int]]:
    """The (argv, expected exit code) pairs a toml or bash block runs."""
    spec, _ = marker_spec(block)
    if block["lang"] == "toml":
        steps = [step.split("=>") for step in spec.split(";") if step.strip()]
        return [(shlex.split(command)[1:], int(code)) for command, code in steps]
    lines = [line for line in block["body"].replace("\\\n", " ").splitlines() if line.strip()]
    codes = [int(c) for c in spec.removeprefix("=>").split(",")]
    assert len(codes) == len(lines), f"{block['page']}:{block['line']}: one exit code per command line"
    return [(shlex.split(line, comments=True)[1:], code) for line, code in zip(lines, codes)]


def cases(kind: str):
    for page in PAGES:
        for block in blocks(page):
            spec, slow = marker_spec(block)
            if block["lang"] == "bash" and spec == "benchmark":
                if kind == "benchmark":
                    yield pytest.param(block, id=f"{page.name}:{block['line']}")
            elif block["lang"] == "bash" and spec.startswith("shell"):
                if kind == "shell":
                    yield pytest.param(block, id=f"{page.name}:{block['line']}",
                                       marks=[pytest.mark.slow] if slow else [])
            elif block["lang"] == "toml" or (block["lang"] == "bash" and block["marker"] not in CI_MARKERS):
                if kind == "command":
                    yield pytest.param(block, id=f"{page.name}:{block['line']}",
                                       marks=[pytest.mark.slow] if slow else [])
            elif block["lang"] == "python" and spec == "pytest" and kind == "pytest":
                yield pytest.param(block, id=f"{page.name}:{block['line']}", marks=[pytest.mark.slow] if slow else [])


def test_every_code_block_is_one_the_tests_run():
    allowed = {"python", "toml", "bash", "text"}
    for page in [*PAGES, README]:
        for block in blocks(page):
            where = f"{block['page']}:{block['line']}"
            assert block["lang"] in allowed, f"{where}: a ```{block['lang']} block; use one of {sorted(allowed)}"
            if block["lang"] in ("toml", "bash") and block["marker"] not in CI_MARKERS and page != README:
                assert marker_spec(block)[0], f"{where}: a {block['lang']} block needs a <!-- docs-test: ... --> line"


@pytest.mark.parametrize("block", list(cases("command")))
def test_a_pages_commands_exit_as_the_page_says(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    claim = tmp_path / "page.toml"
    claim.write_text(block["body"])
    for argv, expected in commands(block):
        argv = [a.replace("{file}", str(claim)) for a in argv]
        if "--no-progress" not in argv and argv[0] in ("check", "falsify", "sweep", "verify", "worst-case"):
            argv.append("--no-progress")
        code, printed = run_cli(argv)
        assert code == expected, (block["page"], block["line"], argv, printed[-3000:])


@pytest.mark.parametrize("block", list(cases("benchmark")))
def test_a_pages_benchmark_names_a_script_that_takes_its_options(block):
    for line in block["body"].replace("\\\n", " ").splitlines():
        argv = shlex.split(line, comments=True)
        if not argv:
            continue
        assert argv[0] == "python" and argv[1].startswith("benchmarks/"), (block["page"], line)
        assert (ROOT / argv[1]).is_file(), (block["page"], line)
        done = subprocess.run([sys.executable, str(ROOT / argv[1]), *argv[2:], "--help"], capture_output=True,
                              text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, (block["page"], line, done.stderr[-2000:])


@pytest.mark.parametrize("block", list(cases("shell")))
def test_a_pages_shell_block_exits_as_the_page_says(block, tmp_path):
    """A block of shell lines (python, coqc, mdtheory) runs as written in a scratch folder: nothing is written into
    the repository."""
    expected = int(marker_spec(block)[0].removeprefix("shell").strip().removeprefix("=>"))
    for shared in ("examples", "proofs"):
        (tmp_path / shared).symlink_to(ROOT / shared)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block["body"]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                                                       "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert done.returncode == expected, (block["page"], block["line"], done.stdout[-3000:] + done.stderr[-3000:])


@pytest.mark.parametrize("page", [p for p in PAGES if any(b["lang"] == "python" and marker_spec(b)[0] != "pytest"
                                                            for b in blocks(p))], ids=lambda p: p.name)
def test_a_pages_python_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = "\n".join(b["body"] for b in blocks(page) if b["lang"] == "python" and marker_spec(b)[0] != "pytest")
    namespace = {}
    exec(compile(code, str(page), "exec"), namespace)
    if page.name == "python.md":
        the_python_tour_says_what_it_computes(namespace)


@pytest.mark.parametrize("block", list(cases("pytest")))
def test_a_pages_test_module_passes(block, tmp_path):
    """A test module shown on a page (the golden fixture's) passes: once writing its golden values, once against
    them."""
    (tmp_path / "test_page.py").write_text(block["body"])
    for extra in (["--regen-golden"], []):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_page.py",
                               *extra], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "golden" / "test_page.json").is_file()


def the_python_tour_says_what_it_computes(namespace):
    result, peak = namespace["result"], namespace["peak"]
    assert result.verdict == "holds"
    # GD with Hess f = diag(4, 1), eta = 1/4: J = diag(0, 3/4), so ||J (1, 1)|| / ||(1, 1)|| = 0.75 / sqrt(2)
    assert peak.trusted >= 20
    ctx = mpmath.MPContext()
    ctx.prec = 256
    assert abs(ctx.mpf(peak.value) - ctx.mpf(3) / 4 / ctx.sqrt(2)) < ctx.mpf(10) ** -(peak.trusted - 1)
    assert str(result.measured).startswith(f"amplification = {peak.text()} at eta*T = 0.25")
    assert namespace["checked"].verdict == "holds"
    assert "| verdict | holds |" in namespace["checked"]._repr_markdown_()
    assert namespace["twin"].verdict == "violated" and namespace["twin"].as_predicted


def fenced(path: Path, marker: str) -> str:
    return next(b["body"] for b in blocks(path) if b["marker"] == marker)


def test_the_readme_is_the_getting_started_page_in_short():
    """The README's two commands (which .ci/run runs) and its first claim are the docs' own, word for word."""
    started = DOCS / "getting-started.md"
    for marker in CI_MARKERS:
        assert fenced(README, marker) == fenced(started, marker), marker
    first = lambda path: next(b["body"] for b in blocks(path) if b["lang"] == "toml")
    assert first(README) == first(started)
    assert len(README.read_text().splitlines()) <= 100, "the README is the front door; the rest goes to docs/"


def test_reading_a_result_shows_what_check_prints_for_the_first_claim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    claim = tmp_path / "first.toml"
    claim.write_text(next(b["body"] for b in blocks(DOCS / "getting-started.md") if b["lang"] == "toml"))
    code, printed = run_cli(["check", str(claim), "--no-progress"])
    assert code == 0
    shown = next(b["body"] for b in blocks(DOCS / "reading-results.md") if b["lang"] == "text")
    assert printed.startswith(shown), (shown, printed)


def test_the_tolerance_table_states_the_codes_values():
    """Every row of "Every tolerance" names a module constant and its value; the table is held to the code, so a
    tolerance changed in one place and not the other fails here."""
    from mdtheory.symbolic.parsing import exact_number

    section = (DOCS / "reading-results.md").read_text().split("## Every tolerance", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w.]+)\.([A-Z0-9_]+)` \| ([^|]+) \|", section, re.M)
    assert len(rows) >= 15, "the tolerance table was not found"
    for module, name, stated in rows:
        value = getattr(importlib.import_module(f"mdtheory.{module}"), name)
        if isinstance(value, tuple):  # stated as its entries, in order, separated by commas
            entries = [exact_number(entry.split()[0]) for entry in stated.split(",")]
            assert [Fraction(int(e.p), int(e.q)) for e in entries] == [Fraction(str(v)) for v in value], \
                f"{module}.{name}: the docs say {stated}, the code {value}"
            continue
        exact = exact_number(stated.split()[0])
        if isinstance(value, float):
            assert float(exact) == value, f"{module}.{name}: the docs say {stated}, the code {value}"
        else:
            assert Fraction(int(exact.p), int(exact.q)) == Fraction(str(value)), \
                f"{module}.{name}: the docs say {stated}, the code {value}"


def hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_key_and_quantity_the_code_reads_is_explained(monkeypatch):
    docs = hooks()
    assert docs.missing_meanings() == []
    online = importlib.import_module("mdtheory.problems").problem_kind("online")
    monkeypatch.setattr(online, "run_keys", {**online.run_keys, "momentum": False})
    assert docs.missing_meanings() == ["[run] momentum: read by the code, not explained in docs/hooks.py MEANINGS"]
    assert "| `[run (online)]` | `momentum` | no | **not documented** |" in docs.claim_keys()


def test_the_generated_pages_have_every_library_file_and_command_time():
    from mdtheory.theorems import LIBRARY

    docs = hooks()
    page = docs.expand((DOCS / "library.md").read_text())
    for path in LIBRARY.glob("*/*.toml"):
        assert f"| `{path.stem}` |" in page, path.stem
    times = docs.expand((DOCS / "measured-times.md").read_text())
    for command in ("mdtheory verify --quick", "mdtheory verify", "mdtheory appendix", "pytest"):
        assert f"| `{command}" in times, command
    with pytest.raises(KeyError, match="no such generator"):
        docs.expand("<!-- generated: nothing -->")


def test_no_page_points_outside_the_repository_and_the_readmes_links_exist():
    for page in [*PAGES, README]:
        assert "shared/PAPER" not in page.read_text(), page.name
    links = re.findall(r"\]\(((?!https?:)[^)#]+)", README.read_text())
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).exists(), link
