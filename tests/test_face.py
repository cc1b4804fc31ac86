"""The notebook face and the command-line face: ``import mdtheory`` offers the commands as functions returning
the library's results (shown as a Markdown table in Jupyter, as the CLI's lines under ``str``), and
``mdtheory --version`` / ``mdtheory list`` say what is installed and what there is to check."""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import re
import subprocess
import sys
import tomllib
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

import mdtheory
from mdtheory.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLAIMFILES = Path(__file__).parent / "claimfiles"
THEOREMS = ROOT / "mdtheory" / "theorems"


def run_cli(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as done:  # argparse's --version and --help end the parse
            code = done.code
    return code, out.getvalue()


def test_check_returns_the_result_and_shows_it_as_a_table():
    """GD on f = (2x + y - 1)^2/2 + (y + 1)^2/2 (Hess f = [[4, 2], [2, 2]]), eta = 1/6, direction (1, 1): one
    step maps it to (I - H/6)(1, 1) = (0, 1/3), so the closest approach to the bound 1 is 1/(3 sqrt 2)."""
    path = CLAIMFILES / "gd_nonexpansive.toml"
    checked = mdtheory.check(str(path))
    assert checked.verdict == "holds" and checked.as_predicted
    peak = checked.result.measured.figures[0]
    ctx = mpmath.MPContext()
    ctx.prec = 256
    assert peak.trusted >= 20
    assert abs(ctx.mpf(peak.value) - 1 / (3 * ctx.sqrt(2))) < ctx.mpf(10) ** -(peak.trusted - 1)
    table = checked._repr_markdown_()
    assert "| verdict | holds |" in table
    assert f"| measured | {checked.result.measured.text()} |" in table and peak.text() in table
    assert f"| trusted digits | {checked.result.trusted_digits} |" in table
    assert f"| update | {checked.update_text}" in table
    # the terminal's lines are the CLI's lines: one formatting path
    code, printed = run_cli(["check", str(path), "--no-progress"])
    assert code == 0
    for name in ("verdict", "measured", "claimed", "margin", "trusted digits", "update"):
        (line,) = [line for line in str(checked).splitlines() if line.startswith(f"{name}: ")]
        assert line in printed.splitlines(), name
    assert checked.result._repr_markdown_().count("| measured |") == 1


def test_check_takes_a_claim_and_shows_a_twin_as_not_predicted(tmp_path):
    claim = mdtheory.load_claim(CLAIMFILES / "gd_nonexpansive.toml")
    assert mdtheory.check(claim).verdict == "holds"
    # a claim predicted to hold that is violated (GD on x^2/2 at eta = 5/2: |1 - eta| = 3/2 per step)
    path = tmp_path / "edge.toml"
    path.write_text('[problem]\nvariables = ["x"]\ndomain = "reals"\nregularizer = "euclidean"\nobjective = "x**2/2"\n'
                    '[run]\nx0 = ["1"]\ndirection = ["1"]\neps = "1e-10"\neta = "5/2"\nsteps = 4\nprecision_bits = 64\n'
                    '[claim]\nkind = "upper_bound"\nbound = "1"\n')
    violated = mdtheory.check(path)
    assert violated.verdict == "violated" and not violated.as_predicted
    table = violated._repr_markdown_()
    assert "| verdict | violated |" in table and "| expected | holds (not as the claim predicts) |" in table
    # the largest amplification of 4 steps is (3/2)^4 = 81/16 = 5.0625, exactly
    figure = violated.result.measured.figures[0]
    assert figure.trusted >= 6
    exact = Fraction(81, 16)
    assert abs(Fraction(str(figure.value)) - exact) < exact * Fraction(1, 10 ** (figure.trusted - 1))
    assert f"| measured | amplification = {figure.text()}" in table
    with pytest.raises(TypeError, match="already built"):
        mdtheory.check(claim, twin=True)


def test_falsify_through_the_face_returns_the_search_and_its_witness(tmp_path):
    """GD on x^2/2 over eta in [1/10, 3]: the amplification after T steps is |1 - eta|^T, above 1 for eta > 2."""
    path = tmp_path / "gd_false.toml"
    path.write_text('[problem]\nvariables = ["x"]\ndomain = "reals"\nregularizer = "euclidean"\nobjective = "x**2/2"\n'
                    '[run]\nx0 = ["1"]\ndirection = ["1"]\neps = "1e-20"\neta = "1"\nsteps = 10\nprecision_bits = 128\n'
                    '[search]\neta = ["1/10", "3"]\n[claim]\nkind = "upper_bound"\nbound = "1"\n')
    result = mdtheory.falsify(path, candidates=50)
    assert result.verdict == "violated" and result.witness is not None
    witness = result.witness
    eta = Fraction(str(witness.spec.eta))
    assert eta > 2
    figure = witness.measured.figures[0]
    exact = abs(1 - eta) ** witness.spec.steps  # the peak is at the last step
    assert figure.trusted >= 10
    assert abs(Fraction(str(figure.value)) - exact) < exact * Fraction(1, 10 ** (figure.trusted - 1))
    table = result._repr_markdown_()
    assert "| verdict | violated |" in table
    assert f"| measured | {witness.measured.text()} |" in table
    assert f"| trusted digits | {witness.trusted_digits} |" in table
    assert str(result) == result.summary()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gd_false.toml"]  # the face writes no witness file


def test_worst_case_through_the_face_shows_the_cli_interval(tmp_path):
    """GD with eta = 11/5 on the 1-smooth convex class: the worst amplification after T steps is at least
    |1 - 11/5|^T = (6/5)^T (a quadratic), so amplification <= 1 is violated at T = 2."""
    path = tmp_path / "gd.toml"
    path.write_text('[worst_case]\nmethod = "gd"\neta = "11/5"\nhorizons = [2]\n\n[claim]\nbound = "1"\n'
                    'expected = "violated"\n')
    result = mdtheory.worst_case(path)
    assert result.verdict == "violated" and result.cases[0].lower == Fraction(6, 5) ** 4
    ((T, interval, verdict),) = result.rows()
    assert (T, verdict) == ("2", "violated") and interval.startswith("[1.44, ")
    table = result._repr_markdown_()
    assert f"| 2 | {interval} | violated |" in table and "violated (expected violated)" in table
    code, printed = run_cli(["worst-case", str(path), "--no-progress"])
    assert code == 0 and interval in printed  # the CLI prints the same interval
    assert interval in str(result)


def test_version_is_the_installed_metadata_and_pyprojects():
    version = importlib.metadata.version("mdtheory")
    assert mdtheory.__version__ == version
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == version
    assert run_cli(["--version"]) == (0, f"mdtheory {version}\n")
    assert run_cli(["check", "--version"]) == (0, f"mdtheory {version}\n")


def test_list_names_every_theorem_file_claim_and_regularizer():
    from mdtheory.claims import load_all
    from mdtheory.symbolic.catalogue import CATALOGUE

    on_disk = {f"{path.parent.name}/{path.stem}": path for path in THEOREMS.rglob("*.toml")}
    code, printed = run_cli(["list", "--json"])
    assert code == 0
    found = json.loads(printed)
    assert {row["name"] for row in found["theorems"]} == set(on_disk)
    for row in found["theorems"]:
        data = tomllib.loads(on_disk[row["name"]].read_text())
        assert row["twin"] == ("twin" in data) and row["title"] == data.get("theorem", {}).get("name")
    assert [row["name"] for row in found["claims"]] == list(load_all())
    assert all(row["about"] for row in found["claims"] + found["catalogue"])
    assert [row["name"] for row in found["catalogue"]] == list(CATALOGUE)
    code, text = run_cli(["list"])
    assert code == 0
    for name in [*on_disk, *load_all(), *CATALOGUE]:
        assert re.search(rf"^  {re.escape(name)}: ", text, re.M), name
    assert mdtheory.listing() == found


def test_check_help_names_the_docs_section_of_the_claim_file_format():
    code, text = run_cli(["check", "--help"])
    assert code == 0
    named = re.findall(r'section\s+"([^"]+)"', " ".join(text.split()))
    assert named, "check --help names no section of docs/claim-language.md"
    headings = {line.lstrip("#").strip() for line in (ROOT / "docs" / "claim-language.md").read_text().splitlines()
                if line.startswith("#")}
    assert set(named) <= headings


def test_import_mdtheory_stays_cheap_and_falsify_stays_the_function():
    probe = ("import sys, mdtheory; cheap = 'sympy' not in sys.modules; mdtheory.__version__; "
             "cheap = cheap and 'sympy' not in sys.modules; import mdtheory.search; "
             "from mdtheory.face import falsify; print(cheap, mdtheory.falsify is falsify)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'chek'"):
        mdtheory.chek


def test_the_python_tours_notebook_paragraph_runs_and_holds():
    text = (ROOT / "docs" / "python.md").read_text()
    paragraph = text[text.index("**Python and notebooks.**"):text.index("## Catalogue")]
    namespace = {}
    exec(compile("\n".join(re.findall(r"```python\n(.*?)```", paragraph, re.S)), "docs/python.md", "exec"), namespace)
    assert namespace["checked"].verdict == "holds"
    assert "| verdict | holds |" in namespace["checked"]._repr_markdown_()
