"""Long runs: the main job at default settings and claim 2's saturation sweep. CI runs them (-m slow)."""

import json

import pytest

from mdtheory.checker import HOLDS
from mdtheory.claims import load_all
from mdtheory.cli import main

pytestmark = pytest.mark.slow


def test_verify_default_settings_all_claims_hold(tmp_path):
    assert main(["verify", "--out", str(tmp_path), "--no-progress"]) == 0
    for name in load_all():
        data = json.loads((tmp_path / f"{name}.json").read_text())
        assert data["verdict"] == HOLDS, name
        assert any(tmp_path.glob(f"{name}*.png")), f"{name} has no picture in the report"


def test_claim2_full_saturation_sweep():
    report = load_all()["claim2_exponential_separation"](full=True)
    assert report.verdict == HOLDS
    assert any("Saturation: log(peak)" in note for note in report.notes)
    assert sum("GD on the same f does not amplify" in c.label for c in report.checks) == 3


def test_benchmark_mdps_full_adds_frozenlake8x8_cliffwalking_and_taxi():
    pytest.importorskip("gymnasium")
    report = load_all()["practice_benchmark_mdps"](full=True)
    assert report.verdict == HOLDS
    assert {"frozenlake8x8: Agarwal et al. NPG bound", "cliffwalking: Cen et al. linear rate",
            "taxi: Agarwal et al. NPG bound", "taxi: Cen et al. linear rate"} <= {
        c.label for c in report.checks}
