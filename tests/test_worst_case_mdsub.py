"""md's suboptimality (issue 28 item 1): the certified interval of examples/worst_case/md_suboptimality.toml's class
(L_f = 3, mu_phi = 1, L_phi = 3, eta = 1/3) closes to a relative width of 1e-6, its lower end an instance read
out of the SDP, made exact, and checked here on the written data alone."""

import json
from fractions import Fraction

import pytest

from mdtheory.checker.interpolation import interpolation_violations
from mdtheory.checker.worst_case import worst_case_suboptimality
from mdtheory.cli import main

CLOSED = Fraction(1, 10**6)  # the relative width the certified interval must close to (issue 28's aim)
NOLIPS = {"L_f": Fraction(3), "mu_phi": Fraction(1), "L_phi": Fraction(3)}


def _in_the_class(document) -> None:
    for function in document["functions"]:
        triples = [(tuple(map(Fraction, p["x"])), tuple(map(Fraction, p["g"])), Fraction(p["f"]))
                   for p in function["points"]]
        assert interpolation_violations(Fraction(function["L"]), Fraction(function["mu"]), triples) == []


def test_md_suboptimality_at_T2_closes_through_the_cli_and_its_instance_is_in_the_class(tmp_path):
    """At T = 2 the interval is within 1e-6 (relative) and its lower end is the written instance's value, which
    passes every interpolation condition of f (convex, 3-smooth) and h = phi* (1/3-strongly convex, 1-smooth)."""
    path = tmp_path / "mdsub.toml"
    path.write_text('[worst_case]\nmethod = "md"\nquantity = "suboptimality"\neta = "1/3"\nL_f = "3"\n'
                    'mu_phi = "1"\nL_phi = "3"\nhorizons = [2]\n')
    out, folder = tmp_path / "out.json", tmp_path / "instances"
    assert main(["worst-case", str(path), "--json", str(out), "--instance", str(folder), "--no-progress"]) == 0
    row = json.loads(out.read_text())["horizons"][0]
    lower, upper = Fraction(row["lower_exact"]), Fraction(row["upper_exact"])
    assert 0 < lower <= upper and (upper - lower) / upper < CLOSED
    document = json.loads((folder / "mdsub_T2_instance.json").read_text())
    value = Fraction(document["value"])
    assert value == Fraction(document["objective"]) / Fraction(document["initial"]) and lower <= value <= upper
    assert [f["name"] for f in document["functions"]] == ["f", "h = phi*"]
    _in_the_class(document)


@pytest.mark.slow
@pytest.mark.parametrize("T", [5])
def test_md_suboptimality_closes_to_1e6_at_T5(T):
    """T = 5 was 3.9e-7 wide, T = 10 1.4e-5 (the solver stopped "almost solved", the repair refused every step);
    T = 10 is now 7.0e-7 wide but takes about 220 s of CPU (its upper bound), too long even for a slow test."""
    case = worst_case_suboptimality("md", Fraction(1, 3), T, **NOLIPS)
    assert case.instance is not None and case.upper is not None
    assert case.lower <= case.instance.value <= case.upper
    assert (case.upper - case.lower) / case.upper < CLOSED
