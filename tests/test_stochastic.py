"""Stochastic oracles (``[problem] kind = "stochastic"``): the enumerated expectation and quantile held to an
independent computation in fractions, the sampled verdict's own words (never plain holds), and bad [noise]
tables refused naming the key."""

import itertools
import json
import re
from fractions import Fraction

import pytest

from mdtheory.checker.claim import check_claim, claim_measurements
from mdtheory.checker.result import ClaimReport, NamedCheck
from mdtheory.claimfile import load_claim
from mdtheory.cli import main
from mdtheory.verdict import HOLDS, INCONCLUSIVE, VIOLATED, Verdict, sampled

# f = x1^2/2 + x2^2 with Euclidean phi: x+ = x - eta (grad f(x) + xi), rational at every step for rational xi
QUADRATIC = """
[problem]
kind = "stochastic"
variables = ["x1", "x2"]
domain = "reals"
regularizer = "euclidean"
objective = "x1**2/2 + x2**2"

[noise]
values = [["1", "0"], ["0", "-1"], ["-1/2", "1/2"]]
probabilities = ["1/4", "1/4", "1/2"]
delta = "1/5"

[run]
x0 = ["1", "-1/2"]
eta = "1/3"
steps = 5
precision_bits = 64

[solution]
x = ["0", "0"]

[claim]
kind = "upper_bound"
quantity = "{quantity}"
bound = "{bound}"
"""
NOISE = [((1, 0), Fraction(1, 4)), ((0, -1), Fraction(1, 4)), ((Fraction(-1, 2), Fraction(1, 2)), Fraction(1, 2))]
ETA, X0, STEPS = Fraction(1, 3), (Fraction(1), Fraction(-1, 2)), 5


def f(x):
    return x[0] ** 2 / 2 + x[1] ** 2


def exact_laws():
    """Per step t: the law of (f(x_t), f(mean x_0..x_{t-1}), sum_{s<t} ||g_s||_2^2) as (probability, values) over
    every noise sequence, in fractions."""
    laws = [[] for _ in range(STEPS + 1)]
    for t in range(STEPS + 1):
        for sequence in itertools.product(NOISE, repeat=t):
            x, total, g2, p = X0, (Fraction(0), Fraction(0)), Fraction(0), Fraction(1)
            for xi, q in sequence:
                g = (x[0] + xi[0], 2 * x[1] + xi[1])
                total = (total[0] + x[0], total[1] + x[1])
                x, g2, p = (x[0] - ETA * g[0], x[1] - ETA * g[1]), g2 + g[0] ** 2 + g[1] ** 2, p * q
            mean = (total[0] / t, total[1] / t) if t else X0
            laws[t].append((p, f(x), f(mean), g2))
    return laws


def quantile(law, level):
    total = Fraction(0)
    for p, v in sorted(law, key=lambda pv: pv[1]):
        total += p
        if total >= level:
            return v


def measured(tmp_path, quantity):
    path = tmp_path / "quadratic.toml"
    path.write_text(QUADRATIC.format(quantity=quantity, bound="10"))
    claim = load_claim(path)
    return claim, claim_measurements(claim)[0]


def agrees(m, quantity, exact):
    ctx = m.ctx
    for t, value in enumerate(exact):
        gap = abs(m.values(quantity)[t] - ctx.mpf(value.numerator) / value.denominator)
        assert m.digits(quantity)[t] >= 15 and gap <= m.uncertainties(quantity)[t] + ctx.mpf(10) ** -30, (t, value)


def test_the_enumerated_expectations_are_the_exact_ones(tmp_path):
    laws = exact_laws()
    assert all(sum(p for p, *_ in law) == 1 for law in laws) and len(laws[STEPS]) == 3 ** STEPS
    claim, m = measured(tmp_path, "expected_suboptimality")
    agrees(m, "expected_suboptimality", [sum(p * v for p, v, _, _ in law) for law in laws])
    _, m = measured(tmp_path, "expected_average_suboptimality")
    agrees(m, "expected_average_suboptimality", [sum(p * v for p, _, v, _ in law) for law in laws])
    # sum_g2, the expected sum of squared gradients a bound may name, and noise_var = E||xi||^2 = 1/4 + 1/4 + 1/4
    sums = m.step_sums["sum_g2"](0)
    for t, law in enumerate(laws):
        expected = sum(p * g2 for p, _, _, g2 in law)
        assert abs(sums[t] - m.ctx.mpf(expected.numerator) / expected.denominator) < m.ctx.mpf(10) ** -15
    assert m.constants["noise_var"][0] == m.ctx.mpf(3) / 4


def test_the_enumerated_quantile_is_the_exact_one_and_decides_a_high_probability_bound(tmp_path):
    laws = exact_laws()
    _, m = measured(tmp_path, "quantile_suboptimality")
    exact = [quantile([(p, v) for p, v, _, _ in law], Fraction(4, 5)) for law in laws]
    agrees(m, "quantile_suboptimality", exact)
    # P[f(x_5) <= b] >= 4/5 holds at b = the quantile and fails just below it
    last = exact[STEPS]
    for bound, verdict in ((last * Fraction(1001, 1000), HOLDS), (last * Fraction(999, 1000), VIOLATED)):
        path = tmp_path / "tail.toml"
        path.write_text(QUADRATIC.format(quantity="quantile_suboptimality", bound=f"{bound} + 10*(5 - T)"))
        result = check_claim(load_claim(path)).result
        assert result.verdict == verdict
        # and P[f(x_5) <= b] itself, exact: the weights of the sequences below b, summed in fractions
        within = sum(p for p, v, _, _ in laws[STEPS] if v <= bound)
        assert result.extra["probability_within_bound"] == {"t": STEPS, "low": str(within), "high": str(within)}
        assert f"P[suboptimality <= bound] = {within} at t = {STEPS}, exactly" in result.explanation


# The library's instance: |x_t| <= 1 along every sequence (x+ = 3x/4 -+ 1/4 from 1/4), so f(xbar_t) = xbar^2/2 <= 1/2
SCALAR = """
[problem]
kind = "stochastic"
variables = ["x"]
domain = "reals"
regularizer = "euclidean"
objective = "x**2/2"

[noise]
values = ["1", "-1"]
probabilities = ["1/2", "1/2"]
{noise}

[run]
x0 = ["{x0}"]
eta = "1/4"
steps = {steps}
precision_bits = 64

[solution]
x = ["0"]

[claim]
kind = "upper_bound"
quantity = "expected_average_suboptimality"
bound = "{bound}"
"""
SAMPLED = 'samples = 400\nseed = 7\nrange = ["0", "1/2"]'


def run_check(tmp_path, capsys, text, *options):
    path = tmp_path / "claim.toml"
    path.write_text(text)
    code = main(["check", str(path), "--no-progress", "--json", str(tmp_path / "result.json"), *options])
    out = capsys.readouterr().out
    return code, re.findall(r"^verdict: (.*)$", out, flags=re.MULTILINE), out, json.loads(
        (tmp_path / "result.json").read_text())


def test_enumeration_and_sampling_answer_in_different_words(tmp_path, capsys):
    code, verdicts, _, data = run_check(tmp_path, capsys, SCALAR.format(noise="", x0="1/4", steps=10, bound="1/10"))
    assert (code, verdicts, data["verdict"]) == (0, ["holds"], "holds")
    code, verdicts, out, data = run_check(tmp_path, capsys, SCALAR.format(noise=SAMPLED, x0="1/4", steps=16,
                                                                          bound="1/10"))
    assert verdicts == ["holds at confidence 0.99 (n = 400 samples)"] == [data["verdict"]]
    assert code == 3 and "decided on samples" in out
    assert data["extra"]["samples"] == 400 and data["extra"]["confidence"] == "0.99"


@pytest.mark.parametrize("x0, bound, word", [("1/4", "1/8", Verdict.HOLDS_AT_CONFIDENCE),
                                             ("1", "1/10", Verdict.VIOLATED_AT_CONFIDENCE),  # f(xbar_1) = 1/2
                                             ("1/4", "1/30", INCONCLUSIVE)])  # within the Hoeffding radius
def test_sampling_never_answers_holds_or_violated(tmp_path, capsys, x0, bound, word):
    noise = SAMPLED.replace("samples = 400", "samples = 200")  # Hoeffding's radius 0.0705 over 14 steps
    plot = tmp_path / "sampled.png"
    code, verdicts, out, data = run_check(tmp_path, capsys, SCALAR.format(noise=noise, x0=x0, steps=14, bound=bound),
                                          *(["--plot", str(plot)] if word is INCONCLUSIVE else []))
    assert len(verdicts) == 1 and verdicts[0].startswith(word.value) and data["verdict"] == verdicts[0]
    # the series is the sample mean and says so, in the JSON and the plot
    assert data["quantity"] == "expected_average_suboptimality (sample mean)" and data["quantity"] in data["series"][1]
    assert word is not INCONCLUSIVE or plot.stat().st_size > 0
    if word is not INCONCLUSIVE:
        assert verdicts[0] == f"{word.value} 0.99 (n = 200 samples)"
    assert data["verdict"] not in (HOLDS, VIOLATED) and data["expected"] == HOLDS
    assert not re.search(r"^verdict: (holds|violated)$", out, flags=re.MULTILINE) and code == 3


@pytest.mark.parametrize("x0, bound, word", [("1/4", "1/2", Verdict.HOLDS_AT_CONFIDENCE),
                                             ("1", "1/1000", Verdict.VIOLATED_AT_CONFIDENCE)])
def test_a_sampled_high_probability_bound_answers_at_confidence(tmp_path, x0, bound, word):
    """P[f(xbar_t) <= b] >= 4/5 on 200 samples: Hoeffding on the indicator (radius 0.141 over 14 steps). b = 1/2 is
    above every sample (|x_t| <= 1); from x0 = 1, f(xbar_1) = 1/2 exceeds 1/1000 on every sample."""
    noise = 'samples = 200\nseed = 3\ndelta = "1/5"'
    text = SCALAR.format(noise=noise, x0=x0, steps=14, bound=bound).replace(
        "expected_average_suboptimality", "quantile_average_suboptimality")
    path = tmp_path / "tail.toml"
    path.write_text(text)
    result = check_claim(load_claim(path)).result
    assert result.verdict == f"{word.value} 0.99 (n = 200 samples)" and sampled(result.verdict)


def test_a_claim_with_a_sampled_check_is_not_holds(tmp_path):
    """A claim's overall verdict (verify's, the report's) counts a sampled check as deciding nothing exactly."""
    path = tmp_path / "claim.toml"
    path.write_text(SCALAR.format(noise=SAMPLED.replace("samples = 400", "samples = 50"), x0="1", steps=14,
                                  bound="1/10"))
    result = check_claim(load_claim(path)).result
    assert sampled(result.verdict) and result.verdict.word is Verdict.VIOLATED_AT_CONFIDENCE
    report = ClaimReport("stochastic", "", "", [NamedCheck("c", result, expected=HOLDS)])
    assert report.verdict == INCONCLUSIVE


def test_a_sample_outside_the_stated_range_is_inconclusive(tmp_path, capsys):
    narrow = SAMPLED.replace('["0", "1/2"]', '["0", "1/100"]').replace("samples = 400", "samples = 20")
    code, verdicts, out, _ = run_check(tmp_path, capsys, SCALAR.format(noise=narrow, x0="1/4", steps=16, bound="1/10"))
    assert (code, verdicts) == (3, ["inconclusive"]) and "leaves the stated range" in out


@pytest.mark.parametrize("noise, steps, bound, message", [
    ('probabilities = ["1/2", "2/5"]', 4, "1", "[noise] probabilities: they sum to 9/10, not exactly 1"),
    ('probabilities = ["3/2", "-1/2"]', 4, "1", "[noise] probabilities[1]: -1/2 is not positive"),
    ('probabilities = [0.5, 0.5]', 4, "1", "[noise] probabilities[0]: 0.5 is a TOML float"),
    ('probabilities = ["1/2"]', 4, "1", "[noise] probabilities: expected a list of 2"),
    ('probabilities = ["sqrt(2)/2", "1 - sqrt(2)/2"]', 4, "1", "[noise] probabilities[0]: sqrt(2)/2 is not rational"),
    ('values = [["1", "0"], ["-1", "0"]]', 4, "1", "[noise] values[0]: expected 1 entries"),
    ('values = ["1", "1"]', 4, "1", "[noise] values: a value is listed twice"),
    ('enumeration_budget = 8', 4, "1", "[noise] range: the law has 2^4 noise sequences"),
    ('enumeration_budget = 8\nrange = ["0", "1"]', 4, "sum_g2", "[claim] bound: names sum_g2"),
    ('confidence = "1"', 4, "1", "[noise] confidence: 1; give an exact number strictly between 0 and 1"),
    ('colour = "red"', 4, "1", "[noise] colour: unknown key"),
])
def test_bad_noise_tables_exit_2_naming_the_key(tmp_path, capsys, noise, steps, bound, message):
    text = SCALAR.format(noise="", x0="1/4", steps=steps, bound=bound)
    key = noise.split(" = ", 1)[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key} = ")] if key in ("values", "probabilities") \
        else text.splitlines()
    text = "\n".join(lines).replace("[noise]", f"[noise]\n{noise}")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["check", str(path), "--no-progress"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("edit, message", [
    (("[noise]\n", ""), "[noise]: missing"),
    (('x = ["0"]', 'x = ["1/2"]'), "[solution] x: (1/2) is not a minimizer of f"),
    (('quantity = "expected_average_suboptimality"', 'quantity = "quantile_suboptimality"'), "state [noise] delta"),
])
def test_a_missing_law_a_wrong_minimizer_and_a_quantile_without_delta_are_refused(tmp_path, capsys, edit, message):
    text = SCALAR.format(noise="", x0="1/4", steps=4, bound="1")
    if edit[0] == "[noise]\n":
        text = text.replace('[noise]\nvalues = ["1", "-1"]\nprobabilities = ["1/2", "1/2"]\n', "")
    else:
        text = text.replace(*edit)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["check", str(path), "--no-progress"]) == 2
    assert message in capsys.readouterr().err
