"""The vocabulary-scale softmax setting and the statements checked on it.

Softmax MD on the simplex at d = 50,000 (5,000 quick) with a linear cost favouring the rarest outcome,
eta = 1/10, T = 400, noise 1e-9, tolerance 1e-3, anchor lambda = 1/20 (``FULL``, ``QUICK``), and
``vocabulary_checks``: statements (a)-(f) of ``practice_vocabulary`` for one start, each closed form of
``mdtheory.engine.entropic_float`` against a run that iterates the update step by step (``iterate_float64``,
written independently of the closed forms). The claims ``practice_vocabulary`` (Zipf(2)) and
``practice_vocabulary_wordfreq`` (real word frequencies) run them on their starts.
"""

from __future__ import annotations

import math

import numpy as np

from mdtheory.checker import NamedCheck, decided, exactly, reading, rounded
from mdtheory.plotting import saved_figure
from mdtheory.engine.entropic_float import (
    RiskSetting,
    amplification,
    first_crossing,
    logit_stall,
    noise_separation,
    rounding_bound,
    run_in_arithmetic,
    unit_roundoff,
)

FULL = dict(d=50_000, start="zipf:2", spread="1", eta="1/10", steps=400, noise="1e-9", tolerance="1e-3", anchor="1/20")
QUICK = dict(FULL, d=5_000)
TANGENT_AGREEMENT = 1e-9  # float64 iteration of 400 steps against the float64 closed form
PEAK_TOLERANCE = 0.01
NAIVE_FACTOR = 1000
STALL_TOLERANCE = 0.01


def iterate_float64(setting: RiskSetting, sigma=None, anchored: bool = False):
    """The update x <- x w / sum(x w) (or its anchored form in log space) run step by step in float64 from
    x_0 and from x_0 + sigma v/||v||, with the tangent J_t v carried along. Returns (separations, tangent
    amplifications) at ``setting.times()``."""
    x0, c, k = setting.initial(), setting.costs(), setting.target
    eta = float(setting.eta)
    v = -x0.copy()
    v[k] += 1
    v /= np.linalg.norm(v)
    lam = float(setting.anchor) if anchored else 0.0
    log_anchor = -math.log(setting.d)

    def step(x):
        if not anchored:
            y = x * np.exp(-eta * c)
            return y / y.sum()
        logits = (1 - eta * lam) * np.log(x) + eta * lam * log_anchor - eta * c
        y = np.exp(logits - logits.max())
        return y / y.sum()

    x = x0.copy()
    xp = None if sigma is None else x0 + float(sigma) * v
    w, log_growth = v.copy(), 0.0
    wanted, separations, tangents = set(int(t) for t in setting.times()), [], []
    for t in range(setting.steps + 1):
        if t in wanted:
            tangents.append(math.exp(log_growth))
            if xp is not None:
                separations.append(float(np.linalg.norm(xp - x)))
        if t == setting.steps:
            break
        x_next = step(x)
        # J w for the (anchored) multiplicative step: x+ (rho w/x - <x+, rho w/x>), rho = 1 - eta lambda
        relative = (1 - eta * lam) * w / x
        w = x_next * (relative - np.dot(x_next, relative))
        growth = np.linalg.norm(w)
        log_growth += math.log(growth)
        w /= growth
        x = x_next
        if xp is not None:
            xp = step(xp)
    return np.array(separations), np.array(tangents)


def _rounding_check(params: dict, arithmetic: str, update: str, claimed: str, explanation: str):
    """The update run in ``arithmetic`` against its rounding bound: (check, errors, bound, final iterate, setting)."""
    setting = RiskSetting.build(**{**params, "arithmetic": arithmetic, "update": update})
    measured, final = run_in_arithmetic(setting)
    bound = rounding_bound(setting)
    ratio = float(np.max(measured / bound))
    label = f"{arithmetic} {'logits ' if update == 'logits' else ''}run within the rounding bound"
    return NamedCheck(label, decided(
        "upper_bound", ratio <= 1, reading("max error ", rounded(measured.max(), 3), "; worst measured/bound ",
                                           rounded(ratio, 3)), claimed,
        reading(rounded(1 - ratio, 3), " of the bound"), 14, explanation, "separation")), measured, bound, final, setting


def _decade_above(error: float) -> float:
    """The power of ten just above a float64 rounding error: its own digits vary with the platform's exp (SIMD
    or not), so reports carry only its decade."""
    return 10.0 ** math.ceil(math.log10(max(error, 1e-300)))


def _digits(relative_uncertainty: float) -> int:
    return max(0, min(15, int(math.floor(-math.log10(max(relative_uncertainty, 1e-16))))))


def vocabulary_checks(params: dict, start_name: str, progress=None, prefix: str = ""):
    """(checks, notes, figure) of statements (a)-(f) for one vocabulary start (``params`` as RiskSetting.build
    takes them); ``prefix`` labels the checks when several starts share a report."""
    from mdtheory.progress import SILENT

    progress = progress or SILENT
    base = RiskSetting.build(**params)
    times = base.times()
    checks, notes, columns = [], [], {}
    p = float(base.initial()[base.target])

    # (a) amplification
    progress("practice: tangent, iterated")(0, 1)
    predicted = amplification(base)
    _, tangent = iterate_float64(base)
    worst = float(np.max(np.abs(tangent / predicted - 1)))
    checks.append(NamedCheck("iterated tangent = closed-form A(t)", decided(
        "closed_form", worst <= TANGENT_AGREEMENT,
        reading("max relative difference < ", rounded(_decade_above(worst), 0, notation="e"), f" over {len(times)} times"),
        reading("<= ", rounded(TANGENT_AGREEMENT, 6)),
        reading(exactly(round(math.log10(TANGENT_AGREEMENT / _decade_above(worst)))), " decades inside"), _digits(worst),
        "J_t v iterated in float64 against (x_t/p)(e_k - x_tk)/||v|| in closed form", "tangent_amplification")))
    peak = float(predicted.max())
    gap = abs(peak * 4 * p - 1)
    checks.append(NamedCheck("peak amplification = 1/(4 p_min)", decided(
        "closed_form", gap <= PEAK_TOLERANCE,
        reading("peak ", rounded(peak, 6), " at t = ", exactly(times[int(np.argmax(predicted))])),
        reading("1/(4p) = ", rounded(1 / (4 * p), 6), ", within ", rounded(PEAK_TOLERANCE, 0, notation="%")),
        reading("relative gap ", rounded(gap, 2, notation="e")), _digits(worst),
        "p = smallest initial probability (Zipf tail)", "tangent_amplification")))
    columns["A(t)"] = predicted

    # (b) noise
    progress("practice: noise runs")(0, 1)
    noise_predicted = noise_separation(base)
    noise_measured, _ = iterate_float64(base, sigma=base.noise)
    slack = 2 * rounding_bound(base)  # both float64 runs round (base is float64 arithmetic)
    excess = float(np.max(np.abs(noise_measured - noise_predicted) - slack))
    checks.append(NamedCheck(f"noise sigma = {params['noise']}: iterated runs = closed form", decided(
        "closed_form", excess <= 0, reading("max |measured - predicted| - 2 x rounding bound = ",
                                            rounded(excess, 2, notation="e")),
        "<= 0 (agreement within the float64 runs' own rounding)",
        reading("max separation ", rounded(noise_measured.max(), 4)),
        _digits(float(np.max(slack / np.maximum(noise_predicted, 1e-300)))),
        "two iterated float64 runs subtracted, against the cancellation-free closed form", "separation")))
    for label, level in (("tolerance", base.tolerance), ("O(1)", "1/10")):
        said, seen = first_crossing(times, noise_predicted, level), first_crossing(times, noise_measured, level)
        checks.append(NamedCheck(f"noise reaches {label} {level} when predicted", decided(
            "crossing_time", said == seen, reading("measured t = ", exactly(seen)),
            reading("predicted t = ", exactly(said)), "same recorded step"
            if said == seen else "differs", 15, "first recorded step at or above the level", "separation")))
    columns[f"noise separation (sigma = {params['noise']})"] = noise_predicted

    # (c), (d) rounding
    for arithmetic in ("float32", "bfloat16"):
        progress(f"practice: {arithmetic} run")(0, 1)
        check, measured, bound, _, _ = _rounding_check(
            params, arithmetic, "multiplicative", "<= ||x_t|| (exp(2 kappa (t+1) u') - 1)",
            f"the update run in {arithmetic} against the float64 closed form")
        checks.append(check)
        columns[f"{arithmetic} rounding error"] = measured
        columns[f"{arithmetic} rounding bound"] = bound
        reached = first_crossing(times, measured, base.tolerance)
        notes.append(f"{arithmetic}: the rounding error reaches {measured.max():.3g}"
                     + (f", the tolerance {base.tolerance} at t = {reached}" if reached is not None else
                        f", never the tolerance {base.tolerance}") + f" (u = {unit_roundoff(arithmetic):.3g}).")
        if arithmetic == "float32":
            naive = unit_roundoff(arithmetic) * predicted
            factor = float(naive.max() / measured.max())
            checks.append(NamedCheck("float32 rounding is not amplified like an absolute perturbation", decided(
                "upper_bound", factor >= NAIVE_FACTOR, reading("max u A(t) / max error = ", rounded(factor, 3)),
                reading(">= ", exactly(NAIVE_FACTOR)), reading("u A(t) reaches ", rounded(naive.max(), 3)), 14,
                "rounding perturbs coordinates relatively; J_t (x_0 * delta) = x_t (delta - <x_t, delta>) is O(delta)",
                "separation")))
            columns["float32 u A(t) (naive)"] = naive

    # (f) logits storage
    for arithmetic in ("float32", "bfloat16"):
        progress(f"practice: {arithmetic} logits run")(0, 1)
        check, measured, _, final, setting = _rounding_check(
            params, arithmetic, "logits", "<= ||x_t|| (exp(2 D_t + u' max|z_t - max z_t| + 2 kappa u') - 1)",
            f"z <- z - eta c in {arithmetic}, x = softmax(z), against the float64 closed form")
        checks.append(check)
        columns[f"{arithmetic} logits rounding error"] = measured
        stall = logit_stall(setting)
        if stall is not None:
            got = float(final[base.target])
            gap = abs(got / stall["x_k"] - 1)
            checks.append(NamedCheck(f"{arithmetic} logits stall at the predicted probability", decided(
                "closed_form", gap <= STALL_TOLERANCE, reading("x_k(T) = ", rounded(got, 5)),
                reading("1/(1 + (d-1) e^(-", rounded(stall["magnitude"], 6), " - z_k)) = ", rounded(stall["x_k"], 5),
                        ", within ", rounded(STALL_TOLERANCE, 0, notation="%")),
                reading("relative gap ", rounded(gap, 2, notation="e")), 3,
                f"past |z| = {stall['magnitude']:g} the step eta c is below half the spacing of {arithmetic} numbers",
                "separation")))
            notes.append(f"{arithmetic} logits: the rare token's probability stalls at {got:.4g} (the exact run reaches 1); "
                         f"the multiplicative update in the same format does not stall.")

    # (e) anchoring
    progress("practice: anchored runs")(0, 1)
    anchored_predicted = noise_separation(base, anchored=True)
    anchored_measured, _ = iterate_float64(base, sigma=base.noise, anchored=True)
    anchored_excess = float(np.max(np.abs(anchored_measured - anchored_predicted) - slack - 1e-12 * anchored_predicted))
    checks.append(NamedCheck(f"anchor lambda = {base.anchor}: iterated runs = closed form", decided(
        "closed_form", anchored_excess <= 0,
        reading("max |measured - predicted| - rounding slack = ", rounded(anchored_excess, 2, notation="e")),
        "<= 0", reading("max anchored separation ", rounded(anchored_measured.max(), 4)), 12,
        "anchored update log x+ = (1 - eta lambda) log x + eta lambda log a - eta c, iterated in float64",
        "separation")))
    plain_hit = first_crossing(times, noise_predicted, base.tolerance)
    anchored_hit = first_crossing(times, anchored_predicted, base.tolerance)
    anchored_peak = float(amplification(base, anchored=True).max())
    notes.append(f"Anchoring at the uniform distribution with lambda = {base.anchor}: peak amplification "
                 f"{anchored_peak:.4g} (plain {peak:.4g}); the noise reaches the tolerance at t = {anchored_hit} "
                 f"(plain t = {plain_hit}): "
                 + ("the noise does not reach the tolerance within T, anchored or not." if plain_hit is None and
                    anchored_hit is None else
                    "it does not prevent it; the anchor lifts the rare token sooner, so the crossing comes earlier."
                    if anchored_hit is not None and (plain_hit is None or anchored_hit <= plain_hit) else
                    "it delays it." if anchored_hit is not None else "it prevents it."))
    columns[f"anchored noise separation (lambda = {base.anchor})"] = anchored_predicted
    notes.append(f"d = {base.d}, {start_name} start, p_min = {p:.3g}; eta = {base.eta}, T = {base.steps}; "
                 f"reproduce any row with `mdtheory risk --d {base.d} --start {params['start']} --noise ... "
                 "--arithmetic ...`.")

    def draw(path):
        eta_t = float(base.eta) * times
        with saved_figure(path, 1, 2, (12, 4.2)) as (fig, (left, right)):
            left.semilogy(eta_t, columns["A(t)"], label="A(t) closed form")
            left.semilogy(eta_t, tangent, ":", label="tangent iterated (float64)")
            left.axhline(1 / (4 * p), color="gray", lw=0.8, label="1/(4 p_min)")
            left.set_xlabel("eta t")
            left.set_title(f"amplification, d = {base.d}, {start_name}")
            left.legend(fontsize=8)
            for name, values in columns.items():
                if name != "A(t)":
                    right.semilogy(eta_t, np.maximum(values, 1e-300), "--" if "bound" in name or "naive" in name else "-",
                                   label=name)
            right.axhline(float(base.tolerance), color="gray", lw=0.8)
            right.set_ylim(1e-18, 1e3)
            right.set_xlabel("eta t")
            right.set_title("separations, rounding errors and bounds")
            right.legend(fontsize=7)

    for check in checks:
        check.label = prefix + check.label
    return checks, [prefix + note for note in notes], draw
