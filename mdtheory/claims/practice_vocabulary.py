"""Practice: softmax MD at vocabulary scale, in float64, float32 and bfloat16 (`mdtheory risk`'s predictions
against measured runs).

Setting. d = 50,000 outcomes (tokens) with a pretrained-looking Zipf(2) initial distribution, whose
smallest probability is p = 2.43e-10; a linear cost that favours the rarest token (c_k = 0, the others
c_i = 1), as a reward-driven update would; eta = 1/10, T = 400 (eta T = 40, past the takeover of the rare
token at eta t ~ log(1/p) = 22). Perturbations move mass onto the rare token (v = e_k - x_0).

Statements checked, each a closed-form prediction of ``mdtheory.risk`` against a run that iterates the
update step by step (the measurement):
  (a) the tangent J_t v, iterated in float64, equals the closed form A(t) (relative 1e-9), and its peak is
      1/(4p) within 1%: the rarest token's probability sets the amplification, as in claim 3;
  (b) initialization noise sigma = 1e-9: the separation of two iterated float64 runs equals the closed form
      within the runs' own rounding bound, and the predicted times at which it reaches the tolerance 1e-3
      and O(1) = 1/10 are the measured ones;
  (c) rounding: runs in float32 and in bfloat16 (elementwise bfloat16, sums accumulated in float32) stay
      within the rounding bound of ``mdtheory.risk`` at every step: rounding is relative, and relative
      perturbations are not amplified, so
  (d) the float32 rounding error stays 1000 times below u A(t), what the amplification would predict if
      rounding were an absolute perturbation;
  (e) a fixed anchor at the uniform distribution (lambda = 1/20): the iterated anchored float64 runs
      equal the anchored closed form within rounding. Whether that anchor prevents the noise from
      mattering is reported, not assumed;
  (f) the same update stored as logits (z <- z - eta c, x = softmax(z)), as a model's output layer does:
      in float32 and bfloat16 the run stays within its rounding bound, and in bfloat16 it stalls where
      predicted: past |z| = 32 half the spacing of bfloat16 numbers exceeds the step eta c = 1/10, so the
      other logits stop at -32 and the rare token's probability stays at 1/(1 + (d-1) e^(-32 - z_k)) (within
      1%) instead of reaching 1. That is rounding doing damage, but not through amplification.
"""

from __future__ import annotations

from mdtheory.checker import ClaimReport
from mdtheory.claims import register
from mdtheory.instances.vocabulary import FULL, QUICK, vocabulary_checks


@register("practice_vocabulary")
def run(quick: bool = False, full: bool = False, progress=None) -> ClaimReport:
    checks, notes, figure = vocabulary_checks(QUICK if quick else FULL, "Zipf(2)", progress)
    report = ClaimReport("practice_vocabulary", "vocabulary-scale softmax MD: noise, float32, bfloat16, anchoring",
                         __doc__, checks, notes=notes)
    report.figures["separations"] = figure
    return report
