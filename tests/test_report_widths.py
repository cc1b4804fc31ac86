"""Numbers in the report's tables are written to a readable width (at most DISPLAY_DIGITS significant digits,
never more than the ladder trusts); the claim's JSON keeps every trusted digit."""

import json
import re

import mpmath
import pytest
import sympy as sp

from mdtheory.checker import HOLDS, CheckResult, ClaimReport, NamedCheck, exactly, laddered, reading, rounded
from mdtheory.checker.reading import DISPLAY_DIGITS
from mdtheory.checker.result import markdown_table
from mdtheory.cli import main
from mdtheory.engine.context import working_context
from mdtheory.report import write_report

DECIMAL = re.compile(r"(?<![\w/.])[-+]?(\d+\.\d*|\.\d+|\d+(?=[eE]))([eE][-+]?\d+)?(?![\w/])")


def significant_digits(number: str) -> int:
    """Significant digits as written; a trailing ".0" is how mpmath's nstr writes an integer, not a digit."""
    mantissa = re.split("[eE]", number)[0].lstrip("+-").removesuffix(".0").replace(".", "")
    return len(mantissa.lstrip("0")) or 1


def table_cells(markdown: str) -> list[str]:
    """Every cell of every Markdown table row (header and rule rows left out)."""
    cells = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells += [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
    return cells


def decimals_in(text: str) -> list[str]:
    """The decimal numbers in ``text`` (with a point or an exponent); integers and fractions are exact."""
    return [m.group(0) for m in DECIMAL.finditer(text)]


def agrees(shown: str, full: str) -> bool:
    """``shown`` is ``full`` rounded to the digits it writes."""
    digits = significant_digits(shown)
    with mpmath.workdps(len(full) + 10):
        return mpmath.mpf(shown) == mpmath.mpf(mpmath.nstr(mpmath.mpf(full), digits))


def test_the_helpers_count_what_a_reader_sees():
    assert decimals_in("peak 249732.222573 at eta*T = 13.75, 250000000000/999999 = 2.5e+11, T = 55") == [
        "249732.222573", "13.75", "2.5e+11"]
    assert [significant_digits(n) for n in ("249732.222573", "0.00012", "2.5e+11", "1.0", "249117334806.0")] == [
        12, 2, 2, 1, 12]


def test_a_table_writes_a_long_figure_to_the_display_width_and_the_json_keeps_it(tmp_path):
    mpmath_ctx = working_context(512)
    value = mpmath_ctx.pi * 10**5
    figure = laddered(mpmath_ctx, value, 70)
    assert figure.shown == DISPLAY_DIGITS  # laddered() caps the display, not the digits it records
    uncapped = laddered(mpmath_ctx, value, 70, cap=None)
    result = CheckResult("saturation", HOLDS, reading("peak ", figure, " at eta*T = ", rounded(sp.Rational(11, 4), 6)),
                         reading("<= ", exactly(sp.Rational(10**6))), reading(rounded(sp.Rational(1, 3), 4), " decades"),
                         70, "separation", "made up for this test")
    table = markdown_table(("case", "peak", "uncapped figure", "T"), [("pi", figure, uncapped, 3)])
    report = ClaimReport("widths", "widths", "a statement", [NamedCheck("pi: peak", result)], tables=[table])
    write_report([report], tmp_path)

    markdown = (tmp_path / "report.md").read_text()
    numbers = [n for cell in table_cells(markdown) for n in decimals_in(cell)]
    assert "314159.265359" in numbers  # the table and the check's row show the figure, 12 digits
    assert max(significant_digits(n) for n in numbers) <= DISPLAY_DIGITS
    (figure_json, _), _, _ = json.loads((tmp_path / "widths.json").read_text())["checks"][0]["figures"].values()
    assert figure_json["trusted_digits"] == 70
    assert significant_digits(figure_json["value"]) == 70  # every trusted digit, no more
    assert mpmath_ctx.mpf(figure_json["value"]) == mpmath_ctx.mpf(mpmath_ctx.nstr(value, 70))
    assert agrees("314159.265359", figure_json["value"])


def test_a_table_refuses_a_bare_number():
    ctx = working_context(128)
    for bare in (ctx.pi, 0.1, sp.Rational(1, 3), sp.Float(2)):
        with pytest.raises(TypeError, match="wrap the number"):
            markdown_table(("x",), [(bare,)])
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        markdown_table(("x",), [("a", "b")])


def test_claim3s_tables_show_the_peaks_that_its_json_keeps(tmp_path):
    """Claim 3's tables printed its peak amplifications with all ~75 trusted digits. Its own run and the
    report's writer, in this process (verify's worker process would double the test's time)."""
    from mdtheory.claims.claim3_kl_linear import run

    write_report([run(quick=True)], tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    data = json.loads((tmp_path / "claim3_kl_linear.json").read_text())
    for cell in table_cells(markdown):
        for number in decimals_in(cell):
            assert significant_digits(number) <= DISPLAY_DIGITS, (cell, number)
    notes = "\n".join(line for line in markdown.splitlines() if line.startswith("- "))
    assert all(significant_digits(n) <= DISPLAY_DIGITS for n in decimals_in(notes))
    peaks = {c["label"]: c["peak"]["value"] for c in data["checks"] if c["peak"]}
    full = peaks["uniform d = 100: peak = d^2/(4(d-1))"]
    assert significant_digits(full) > 60  # the JSON keeps the ladder's digits
    (row,) = [line for line in markdown.splitlines() if line.startswith("| 100 |")]
    shown = table_cells(row)[1]
    assert significant_digits(shown) == DISPLAY_DIGITS and agrees(shown, full)


FIRST_CLAIM = """[problem]
variables = ["x"]
domain = "DOMAIN"
RADIUS
regularizer = "euclidean"
objective = "3*x**2/2"

[run]
x0 = ["1/2"]
direction = ["1"]
eps = "1e-20"
eta = "1/2"
steps = 10
precision_bits = 64

[claim]
kind = "upper_bound"
bound = "(1/2)**T"
"""


@pytest.mark.parametrize("domain, radius, message", [
    ("ball", 'radius = "-1"', "[problem] radius: must be positive, got -1"),
    ("reals", 'radius = "1"', '[problem] radius: only domain = "ball" takes it'),
])
def test_a_set_error_names_its_key_once(tmp_path, capsys, domain, radius, message):
    """A constraint set's own key error read "[problem] domain: [problem] radius: ..."."""
    path = tmp_path / "first.toml"
    path.write_text(FIRST_CLAIM.replace("DOMAIN", domain).replace("RADIUS", radius))
    assert main(["check", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {message}" in err and err.count("[problem]") == 1
