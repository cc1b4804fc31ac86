"""What a researcher meets in the first hour, said exactly (issue 30's remaining defects): certified bounds
displayed outward, the twin's header, sparse progress off a terminal, the missing precision's suggested value,
one exponent style, falsify's closest approach written readably."""

import json
import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy as sp

from mdtheory.checker.directed import DOWN, UP, SquareRoot, directed_text
from mdtheory.checker.reading import rounded, rounded_down, rounded_up
from mdtheory.cli import main


def as_fraction(text: str) -> Fraction:
    return Fraction(Decimal(text))


# --------------------------------------------------------------------------- 1. certified intervals, outward
def test_a_bound_whose_nearest_rounding_goes_inward_is_displayed_outward():
    lower, upper = Fraction(299999999_6, 10**9), Fraction(300000000_4, 10**9)  # 2.9999999996, 3.0000000004
    assert format(float(lower), ".9g") == "3" == format(float(upper), ".9g")  # nearest: both ends inward
    assert (rounded_down(lower, 9).text(), rounded_up(upper, 9).text()) == ("2.99999999", "3.00000001")
    root_low = SquareRoot(Fraction(89999999867114890589509004922891632030381, 10**40))  # sqrt: 2.99999999778...
    assert format(math.sqrt(float(root_low.square)), ".9g") == "3"
    assert rounded_down(root_low, 9).text() == "2.99999999"
    assert rounded_down(lower, 9).as_json() == {"value": "2.99999999", "rounded_to": 9, "rounded": DOWN}


@pytest.mark.parametrize("value, text", [(Fraction(2), "2"), (SquareRoot(Fraction(4)), "2"),
                                         (SquareRoot(Fraction(6, 5) ** 4), "1.44"), (Fraction(-5, 4), "-1.25"),
                                         (Fraction(10**12), "1e+12"), (Fraction(0), "0")])
def test_an_exact_value_prints_exactly_at_both_ends(value, text):
    assert directed_text(value, 9, DOWN) == text == directed_text(value, 9, UP)


@pytest.mark.parametrize("value", [Fraction(1, 3), Fraction(-2, 3), Fraction(123456789123, 10**20),
                                   Fraction(7**40, 3**10), SquareRoot(Fraction(2)), SquareRoot(Fraction(10**30 + 1))])
@pytest.mark.parametrize("digits", [1, 3, 9])
def test_directed_text_brackets_the_exact_value_within_one_unit(value, digits):
    low, high = directed_text(value, digits, DOWN), directed_text(value, digits, UP)
    square = (lambda x: x * x) if isinstance(value, SquareRoot) else (lambda x: x)
    exact = value.square if isinstance(value, SquareRoot) else value
    assert square(as_fraction(low)) <= exact <= square(as_fraction(high)) and low != high
    significant = lambda text: text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    assert len(significant(low)) <= digits and len(significant(high)) <= digits


def test_worst_case_prints_the_certified_lower_bound_below_three(tmp_path, capsys):
    """MD, kappa = 3, one step: the certified lower bound on the amplification is sqrt of an exact rational just
    below 9 (the SDP's instance made exact), which nearest rounding showed as 3; the upper bound is 3 exactly."""
    claim = tmp_path / "md.toml"
    claim.write_text('[worst_case]\nmethod = "md"\neta = "1"\nmu_phi = "1"\nL_phi = "3"\nhorizons = [1]\n\n'
                     '[claim]\nbound = "3"\nexpected = "proved"\n')
    assert main(["worst-case", str(claim), "--no-progress", "--json", str(tmp_path / "md.json")]) == 0
    printed = capsys.readouterr().out
    row = json.loads((tmp_path / "md.json").read_text())["horizons"][0]
    (low, high), = re.findall(r"\[([0-9.e+-]+), ([0-9.e+-]+)\]", printed)
    assert as_fraction(low) ** 2 <= Fraction(row["lower_squared"]) and as_fraction(high) ** 2 >= Fraction(row["upper_squared"])
    if Fraction(row["lower_squared"]) < 9:
        assert low != "3"
    if Fraction(row["upper_squared"]) == 9:
        assert high == "3"  # exact: printed exactly


# --------------------------------------------------------------------------- 2. check --twin's header
FIRST_CLAIM = """[problem]
variables = ["x"]
domain = "reals"
regularizer = "euclidean"
objective = "3*x**2/2"

[run]
x0 = ["1"]
direction = ["1"]
eps = "1e-20"
eta = "1/2"
steps = 12
precision_bits = 128

[claim]
kind = "upper_bound"
bound = "(1/2)**T"

[twin]
why = "a contraction by 1/3 per step: false"
claim = {bound = "(1/3)**T"}
"""


def test_a_twin_without_a_theorem_is_headed_by_its_why_not_a_theorem_called_twin(tmp_path, capsys):
    claim = tmp_path / "first.toml"
    claim.write_text(FIRST_CLAIM)
    assert main(["check", str(claim), "--twin", "--no-progress"]) == 0  # violated, as the twin predicts
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "planted-false twin: a contraction by 1/3 per step: false"
    assert "theorem:" not in printed and "verdict: violated" in printed
    claim.write_text(FIRST_CLAIM.replace("[twin]", '[theorem]\nname = "GD contracts"\n\n[twin]'))
    assert main(["check", str(claim), "--twin", "--no-progress"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["theorem: GD contracts",
                                                        "  planted-false twin: a contraction by 1/3 per step: false"]


# --------------------------------------------------------------------------- 3. sparse progress off a terminal
def test_a_quick_run_piped_prints_no_progress_lines(tmp_path, capsys):
    claim = tmp_path / "first.toml"
    claim.write_text(FIRST_CLAIM)
    assert main(["check", str(claim)]) == 0  # stderr is captured: not a terminal
    captured = capsys.readouterr()
    assert "steps" not in captured.err and "verdict: holds" in captured.out


def test_a_long_run_piped_prints_a_line_at_most_every_few_seconds():
    import io

    from mdtheory.progress import PLAIN_EVERY_SECONDS, PLAIN_QUIET_SECONDS, Progress

    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream=stream, clock=lambda: now[0])
    for rung in ("rung 1", "rung 2"):
        report = progress(rung)
        for done in range(101):  # a second per step: 200 s in all
            now[0] += 1.0
            report(done, 100)
    lines = stream.getvalue().splitlines()
    assert lines and all("steps" in line for line in lines)
    first = float(lines[0].split("s]")[0].strip(" ["))
    assert first >= PLAIN_QUIET_SECONDS
    times = [float(line.split("s]")[0].strip(" [")) for line in lines]
    assert all(b - a >= PLAIN_EVERY_SECONDS for a, b in zip(times, times[1:]))
    assert len(lines) <= 200 / PLAIN_EVERY_SECONDS and "rung 2: 100/100 steps" in lines[-1]
    silent = io.StringIO()
    Progress(stream=silent, enabled=False, clock=lambda: now[0])("run")(1, 2)  # --no-progress: nothing
    assert silent.getvalue() == ""


# --------------------------------------------------------------------------- 4. a missing precision, with a value
def test_a_missing_precision_suggests_the_value_the_docs_recommend(tmp_path, capsys):
    from mdtheory.claimfile import SUGGESTED_PRECISION_BITS

    claim = tmp_path / "first.toml"
    claim.write_text(FIRST_CLAIM.replace("precision_bits = 128\n", ""))
    assert main(["check", str(claim), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "[run] precision_bits: missing required key" in error
    assert f"add precision_bits = {SUGGESTED_PRECISION_BITS}" in error
    claim.write_text(FIRST_CLAIM.replace("precision_bits = 128", f"precision_bits = {SUGGESTED_PRECISION_BITS}"))
    assert main(["check", str(claim), "--no-progress"]) == 0  # the suggestion, written in, is a valid file


# --------------------------------------------------------------------------- 5. one exponent style
@pytest.mark.parametrize("value, text", [(sp.Rational(99, 400) * 10**12, "2.475000000e+11"),
                                         (sp.Rational(1, 3) * sp.Rational(1, 10**12), "3.333333333e-13"),
                                         (sp.sqrt(2) * 10**20, "1.414213562e+20")])
def test_a_sympy_number_writes_its_exponent_as_a_context_number_does(value, text):
    from mdtheory.engine.context import working_context

    ctx = working_context(128)
    shown = rounded(value, 10).text()
    assert shown == text and "E" not in shown
    assert shown.split("e")[1] == ctx.nstr(ctx.mpf(sp.N(value, 40)), 10).split("e")[1]  # the same exponent


def test_a_certified_lower_bound_in_scientific_notation_writes_a_signed_exponent():
    from mdtheory.checker.certify import exact_ball, round_down

    assert round_down(exact_ball(sp.Rational(24962447426, 100) * 10**21), 10) == "2.496244742e+29"
    assert round_down(exact_ball(sp.Rational(7, 10**12)), 3) == "6.99e-12"


# --------------------------------------------------------------------------- 6. falsify's closest approach
def test_the_closest_approach_is_written_readably_and_the_json_keeps_the_point(tmp_path, capsys):
    claim = tmp_path / "contracts.toml"
    claim.write_text(FIRST_CLAIM.split("[twin]")[0].replace('bound = "(1/2)**T"', 'bound = "1"')
                     + '[search]\neta = ["1/100", "1/2"]\nx0 = [["-3", "3"]]\ncandidates = 16\n')
    out = tmp_path / "result.json"
    assert main(["falsify", str(claim), "--no-progress", "--json", str(out)]) == 3  # not falsified
    line, = [line for line in capsys.readouterr().out.splitlines() if line.startswith("closest approach")]
    best = json.loads(out.read_text())["best"]  # the JSON keeps every float64 digit
    assert set(best) == {"x0", "direction", "eta"} and isinstance(best["eta"], float)
    assert "{" not in line and "'" not in line and len(line) <= 100
    x0, = best["x0"].values()
    assert f"x0 = ({format(x0, '.6g')}), direction = (" in line and line.endswith(f"eta = {format(best['eta'], '.6g')}")


def test_an_exact_closest_point_is_written_with_its_decimals():
    from mdtheory.search.witness import screened_point

    assert (screened_point({"eta": "11091583/100000000", "x0": ["1/3", "2"], "lam": "5", "variant": "blocks = [2, 1]"})
            == "eta = 11091583/100000000 (0.11091583), x0 = (1/3 (0.333333333333333), 2), lam = 5, blocks = [2, 1]")
    assert screened_point({"x0": {"x": 0.1131338863556044, "y": -1e-7}, "direction": {"x": 1.0, "y": 0.0},
                           "eta": 0.5, "parameters": {"a": 0.7500001}}) == \
        "x0 = (0.113134, -1e-07), direction = (1, 0), eta = 0.5, a = 0.75"


def test_an_instances_value_in_its_description_is_exact_or_a_lower_bound():
    from mdtheory.checker.worst_case import _at_least

    assert _at_least(Fraction(25, 16)) == "1.5625"  # the oblique projection at cond M = 4: exact, so as itself
    assert _at_least(Fraction(2, 3)) == "at least 0.666666666"  # nearest would write 0.666666667, above it
