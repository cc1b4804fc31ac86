"""Practice: the vocabulary findings rerun on real word frequencies (wordfreq, the `real` extra) instead of
Zipf(2).

Setting. The start is the d = 50,000 most frequent English words of wordfreq's "best" list (Speer et al.),
their frequencies renormalized, and the same for French; everything else as in ``practice_vocabulary``: a
linear cost favouring the rarest word, eta = 1/10, T = 400, noise sigma = 1e-9, tolerance 1e-3, anchor
lambda = 1/20 at the uniform distribution. wordfreq rounds frequencies to about three significant digits, so
the tail has ties: the rarest word (p_min about 3.5e-7 in English, three orders of magnitude above Zipf(2)'s
2.4e-10 at the same d) shares its probability with many others.

Statements checked (the same closed forms of ``mdtheory.risk`` against runs that iterate the update):
  (a) the iterated tangent equals A(t) (relative 1e-9) and its peak is 1/(4 p_min) within 1%;
  (b) the noise runs equal the closed form within their rounding, and reach 1e-3 and 1/10 when predicted;
  (c), (d) float32 and bfloat16 runs stay within the rounding bound, and float32 rounding stays 1000 times
      below u A(t);
  (e) the anchored runs equal the anchored closed form;
  (f) stored as logits, float32 and bfloat16 stay within their bound, and bfloat16 stalls where predicted
      (when the stall condition is met at this p_min).
Where the real distribution changes the conclusions drawn from Zipf is in the table (closed forms at the same
d, eta, T and noise): the larger p_min lowers the peak about 1/(4 p_min) by three orders of magnitude, and the
noise that reached the tolerance on Zipf(2) no longer does within T; the rounding findings do not change.
"""

from __future__ import annotations

from mdtheory.checker import ClaimReport, rounded
from mdtheory.checker.result import markdown_table
from mdtheory.claims import register
from mdtheory.instances.vocabulary import FULL, QUICK, vocabulary_checks
from mdtheory.engine.entropic_float import RiskSetting, amplification, first_crossing, noise_separation

LANGUAGES = ("en", "fr")


def _reached(t: int | None):
    return "not within the horizon" if t is None else t


@register("practice_vocabulary_wordfreq")
def run(quick: bool = False, full: bool = False, progress=None) -> ClaimReport:
    checks, notes, figures = [], [], {}
    rows = []  # float64 closed forms (engine.entropic_float), shown to 3 and 4 significant digits
    for start in ("zipf:2", *(f"wordfreq:{language}" for language in LANGUAGES)):
        setting = RiskSetting.build(**dict(QUICK if quick else FULL, start=start))
        times, separation = setting.times(), noise_separation(setting)
        rows.append((start, rounded(float(setting.initial()[setting.target]), 3),
                     rounded(float(amplification(setting).max()), 4),
                     *(_reached(first_crossing(times, separation, level)) for level in (setting.tolerance, "1/10"))))
    for language in LANGUAGES:
        params = dict(QUICK if quick else FULL, start=f"wordfreq:{language}")
        found, said, figure = vocabulary_checks(params, f"wordfreq {language}", progress, prefix=f"{language}: ")
        checks += found
        notes += said
        figures[f"separations-{language}"] = figure
    return ClaimReport("practice_vocabulary_wordfreq",
                       "vocabulary-scale softmax MD on real word frequencies (wordfreq)", __doc__, checks, notes=notes,
                       figures=figures, tables=[markdown_table(("start", "p_min", "peak amplification A", "noise reaches the tolerance at t",
                                               "noise reaches 1/10 at t"), rows)])
