"""Real word frequencies (wordfreq, the `real` extra) as the start of `mdtheory risk`: the start is wordfreq's
numbers renormalized, and the closed forms hold on it as on the synthetic starts (against the iterated engine)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdtheory.errors import MDTheoryError
from mdtheory.engine.entropic_float import RiskSetting, amplification, noise_separation
from mdtheory.risk import assess
from tests.test_risk import CLOSED_FORM_AGREEMENT, at_times, engine_run

wordfreq = pytest.importorskip("wordfreq")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_start_is_wordfreqs_frequencies_renormalized(language):
    setting = RiskSetting.build(5000, f"wordfreq:{language}", "1", "1/10", 200)
    x = setting.initial()
    words = wordfreq.top_n_list(language, 5000, wordlist="best")
    raw = np.array([wordfreq.word_frequency(w, language, wordlist="best") for w in words])
    assert math.isclose(math.fsum(x), 1, rel_tol=0, abs_tol=1e-15)
    assert np.allclose(x * math.fsum(raw), raw, rtol=1e-15, atol=0)  # proportional, rank order kept
    assert np.all(np.diff(x) <= 0) and x.min() > 0
    assert setting.target == int(np.argmin(raw))


def test_closed_forms_equal_the_iterated_engine_on_real_frequencies():
    setting = RiskSetting.build(30, "wordfreq:en", "1", "1/4", 80, noise="1e-9")
    series = engine_run(setting)
    tangent = at_times(series, setting, [series.ctx.exp(v) for v in series.log_tangent_amplification])
    assert np.max(np.abs(amplification(setting) / tangent - 1)) < CLOSED_FORM_AGREEMENT
    separation = at_times(series, setting, series.separation)
    assert np.max(np.abs(noise_separation(setting) / separation - 1)) < CLOSED_FORM_AGREEMENT


def test_vocabulary_size_must_match_and_languages_are_named():
    with pytest.raises(MDTheoryError, match="differs from --d 50"):
        RiskSetting.build(50, "wordfreq:en:100", "1", "1/10", 10)
    with pytest.raises(MDTheoryError, match="no word list for 'xx'"):
        RiskSetting.build(50, "wordfreq:xx", "1", "1/10", 10)


def test_a_missing_extra_names_the_install_command(hide_package):
    hide_package("wordfreq")
    with pytest.raises(MDTheoryError, match=r'pip install -e "\.\[real\]"'):
        RiskSetting.build(50, "wordfreq:en", "1", "1/10", 10)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "fr"])
def test_vocabulary_scale_peak_and_noise_follow_the_closed_forms(language):
    setting = RiskSetting.build(50_000, f"wordfreq:{language}", "1", "1/10", 400, arithmetic="bfloat16", noise="1e-9")
    report = assess(setting)
    p = setting.initial().min()
    peak = float(np.max(report.columns["amplification"]))
    assert 0.9 < peak * 4 * p * (1 - p) <= 1 + 1e-12  # the peak approaches 1/(4 p (1 - p)) (claim 3) from below
    noise = float(np.max(report.columns["noise separation"]))
    assert math.isclose(noise, 1e-9 * peak, rel_tol=1e-2)  # noise this small moves linearly: sigma A(t)


def test_the_vocabulary_claim_on_real_frequencies_holds_and_compares_with_zipf():
    from mdtheory.claims import load_all

    report = load_all()["practice_vocabulary_wordfreq"](quick=True)
    assert report.verdict == "holds"
    assert {c.label.split(":")[0] for c in report.checks} == {"en", "fr"}
    assert "| zipf:2 |" in report.tables[0] and "| wordfreq:en |" in report.tables[0]


def test_verify_reports_a_claim_whose_extra_is_missing_as_inconclusive(hide_package, tmp_path):
    from mdtheory.commands.verify import _verify_one

    hide_package("wordfreq")
    name, verdict, _, section, rows = _verify_one("practice_vocabulary_wordfreq", True, False, str(tmp_path), False)
    assert verdict == "inconclusive" and 'pip install -e ".[real]"' in section
