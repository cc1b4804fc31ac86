"""The README's library tour runs as written, and says what it computes."""

import re
from pathlib import Path

import mpmath

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_library_tour_runs_and_its_verdict_example_is_true():
    text = README.read_text()
    tour = text[text.index("## Library tour"):text.index("### Where things live")]
    namespace = {}
    exec(compile("\n".join(re.findall(r"```python\n(.*?)```", tour, re.S)), "README library tour", "exec"), namespace)
    result, peak = namespace["result"], namespace["peak"]
    assert result.verdict == "holds"
    # GD with Hess f = diag(4, 1), eta = 1/4: J = diag(0, 3/4), so ||J (1, 1)|| / ||(1, 1)|| = 0.75 / sqrt(2)
    assert peak.trusted >= 20
    ctx = mpmath.MPContext()
    ctx.prec = 256
    assert abs(ctx.mpf(peak.value) - ctx.mpf(3) / 4 / ctx.sqrt(2)) < ctx.mpf(10) ** -(peak.trusted - 1)
    assert str(result.measured).startswith(f"amplification = {peak.text()} at eta*T = 0.25")


def test_the_trust_sections_tolerance_table_states_the_codes_values():
    """Every row of "Every tolerance" names a module constant and its value; the table is held to the code, so a
    tolerance changed in one place and not the other fails here."""
    import importlib
    from fractions import Fraction

    from mdtheory.symbolic.parsing import exact_number

    section = README.read_text().split("**Every tolerance**", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| `([\w.]+)\.([A-Z0-9_]+)` \| ([^|]+) \|", section, re.M)
    assert len(rows) >= 15, "the tolerance table was not found"
    for module, name, stated in rows:
        value = getattr(importlib.import_module(f"mdtheory.{module}"), name)
        exact = exact_number(stated.split()[0])
        if isinstance(value, float):
            assert float(exact) == value, f"{module}.{name}: README says {stated}, the code {value}"
        else:
            assert Fraction(int(exact.p), int(exact.q)) == Fraction(str(value)), \
                f"{module}.{name}: README says {stated}, the code {value}"
