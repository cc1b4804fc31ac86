"""The worst-case table (README, docs/worst-case.md) from docs/data/worst_case_table.json, which
benchmarks/worst_case_table.py measures: the README shows exactly its rendering, every exact value lies in its
certified interval (from the JSON alone, in fractions), and two cheap rows recomputed from the library match it."""

import importlib.util
import math
import re
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "data" / "worst_case_table.json"
# an SDP-made end recomputed here may differ from the stored one in its last bits (another machine's BLAS); this is
# far below the interval's width (about 1e-9 relative) and any change of method
RECOMPUTED_AGREEMENT = Fraction(1, 10**12)
PEPIT_ACCURACY = 1e-6  # relative: PEPit's float against the exact value (CLARABEL reaches about 1e-8 here)


def script():
    spec = importlib.util.spec_from_file_location("worst_case_table", ROOT / "benchmarks" / "worst_case_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table():
    return script()


@pytest.fixture(scope="module")
def document(table):
    return table.load()


def test_the_readme_and_the_docs_page_show_the_measured_table(table, document):
    rendered = table.table(document)
    assert rendered.count("\n") >= 12, "the table has a row per example"
    assert rendered in (ROOT / "README.md").read_text(), \
        "README.md's worst-case table is not the JSON's: paste table(load()) from benchmarks/worst_case_table.py"
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    assert rendered in hooks.expand((ROOT / "docs" / "worst-case.md").read_text())


def test_every_exact_value_lies_in_its_certified_interval(document):
    """From the JSON alone: lower <= upper, and lower <= exact <= upper (squared for the amplification), in
    fractions; a row with both an exact value and an interval is checked, and most rows have both."""
    checked = 0
    for name, row in document["rows"].items():
        certified = row["certified"]
        if certified is None:
            continue
        lower = Fraction(certified["lower"])
        upper = None if certified["upper"] is None else Fraction(certified["upper"])
        assert upper is None or lower <= upper, name
        if row["exact"] is None:
            continue
        exact = Fraction(row["exact"]["value"])
        if certified["squared"]:
            exact *= exact
        assert lower <= exact, (name, "the certified lower end exceeds the exact value")
        assert upper is None or exact <= upper, (name, "the exact value exceeds the certified upper end")
        checked += 1
    assert checked >= 10


def test_a_closed_row_is_closed_for_every_n(document):
    """Where the table says "yes" both ends are one exact value, the docstring's."""
    for name in ("nolips_function_value", "bregman_proximal_point", "nolips_divergence", "no_lips_1", "no_lips_2"):
        row = document["rows"][name]
        assert row["certified"]["every_n"] == "both ends", name
        assert row["certified"]["lower"] == row["certified"]["upper"] == row["exact"]["value"], name


def test_the_printed_ends_are_rounded_outward_and_the_exact_values_to_nearest(table):
    assert table.interval_text({"lower": "1/3", "upper": "2/3", "squared": False}) == "[0.3333333333, 0.6666666667]"
    assert table.interval_text({"lower": "1/3", "upper": "1/3", "squared": False}) == "[1/3, 1/3]"
    # squared ends: the square roots, outward (sqrt 2 = 1.41421356237...)
    assert table.interval_text({"lower": "2", "upper": "2", "squared": True}) == "[1.414213562, 1.414213563]"
    assert table.interval_text({"lower": "4/9", "upper": "4/9", "squared": True}) == "[2/3, 2/3]"
    assert table.nearest_text(Fraction(2, 3)) == "0.6666666667"
    assert table.nearest_text(Fraction(1, 3)) == "0.3333333333"
    assert table.nearest_text(Fraction(6, 5) ** 10) == "6.191736422"


def _recomputed(table, name):
    return next(row for row in table._rows() if row.id == name).certified()


def test_a_bregman_row_recomputed_from_the_library_is_the_stored_one(table, document):
    """NoLips in function value: the every-n potential and the instance, recomputed, give the stored interval."""
    recomputed = _recomputed(table, "nolips_function_value")
    stored = document["rows"]["nolips_function_value"]["certified"]
    assert recomputed == stored


def test_gd_suboptimality_recomputed_from_the_library_matches_the_stored_one(table, document):
    """GD at T = 2: the SDP's instance and the dual certificate, recomputed, give the stored ends (to far below
    their width) and contain Drori & Teboulle's 1/5."""
    recomputed = _recomputed(table, "gd_suboptimality")
    stored = document["rows"]["gd_suboptimality"]["certified"]
    for end in ("lower", "upper"):
        new, old = Fraction(recomputed[end]), Fraction(stored[end])
        assert abs(new - old) <= RECOMPUTED_AGREEMENT * old, (end, new, old)
    assert Fraction(recomputed["lower"]) <= Fraction(1, 5) <= Fraction(recomputed["upper"])
    assert {k: v for k, v in recomputed.items() if k not in ("lower", "upper")} == \
        {k: v for k, v in stored.items() if k not in ("lower", "upper")}


def test_the_pepit_column_states_its_solver_and_lies_near_the_exact_value(document):
    """PEPit's float is evidence: it is recorded with its solver and solve, and lies within its solver's accuracy
    (PEPIT_ACCURACY) of the exact value; the table shows it scaled to mdtheory's
    normalization."""
    for name, row in document["rows"].items():
        pepit = row["pepit"]
        assert pepit is not None and pepit["solver"] == "CLARABEL" and pepit["solve"], name
        if row["exact"] is None:
            continue
        value = pepit["value"] * float(Fraction(pepit["scale"]))
        exact = float(Fraction(row["exact"]["value"]))
        shown = math.sqrt(value) if pepit["squared"] else value
        assert abs(shown - exact) <= PEPIT_ACCURACY * exact, (name, shown, exact)


def test_the_script_refuses_an_unknown_row(table, capsys):
    with pytest.raises(SystemExit) as stopped:
        table.main(["--only", "no_such_row"])
    assert stopped.value.code == 2
    assert re.search(r"no such row: no_such_row", capsys.readouterr().err)
