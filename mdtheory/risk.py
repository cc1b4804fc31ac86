"""``mdtheory risk``: does the initialization sensitivity of KL Mirror Descent matter in a given setting?

The setting is softmax / entropic MD on the simplex with a linear cost (a bandit's rewards, a token's
logits' gradient), the practitioner's case of claim 3: d outcomes, an initial distribution whose smallest
probability p_k belongs to the outcome that the cost favours (c_k = 0, every other c_i = spread), a step
size eta, a horizon T, and either an arithmetic (float64, float32, bfloat16) or an initialization noise
level sigma. Everything predicted comes from closed forms, and each prediction says which:

* amplification A(t) = ||J_t v|| / ||v|| along v = e_k - x_0 (mass moved onto the rare outcome), from
  x_t = softmax(log x_0 - eta t c) and J_t = (diag x_t - x_t x_t^T) diag(1/x_0) (claim 3's formula);
  with a fixed anchor a = uniform and strength lambda, x_t = softmax(rho_t log x_0 - (1 - rho_t) c / lambda)
  and J_t gains the factor rho_t = (1 - eta lambda)^t (claim 4's closed form);
* noise: the exact separation of the runs from x_0 and x_0 + sigma v/||v||, computed cancellation-free;
* arithmetic: rounding perturbs every coordinate *relatively* (a float stores x_i (1 + delta)), and
  relative perturbations are not amplified by a multiplicative update: J_t (x_0 * delta) = x_t * (delta -
  <x_t, delta>). A first-order error analysis of x <- x * w / sum(x * w) (w = exp(-eta c) rounded once)
  gives ||x~_t - x_t|| ~ 2 kappa (t + 1) u ||x_t||, kappa = 3 + ceil(log2 d) rounding errors per coordinate
  and step (product, quotient, the rounded w, a pairwise sum). The "naive" column u A(t) is what the
  amplification alone would predict if rounding were an absolute perturbation; it is shown to be refuted.
  The bound is not first-order only: ||x~_t - x_t|| <= ||x_t|| (exp(2 kappa (t+1) u') - 1), so for
  bfloat16 (u = 2^-8) it says honestly that nothing is guaranteed after a few dozen steps. Its arithmetic
  model (correctly rounded exp, products and quotients, pairwise sums) is stated in the report; it is the
  emulation's (numpy and ml_dtypes), not any framework's.

``assess(..., framework=FrameworkRun(...))`` runs the update with numpy's, torch's or jax's own kernels instead
(``mdtheory.engine.frameworks``): the emulation becomes a column of its own, the framework's exp, log,
division, sums and softmax are calibrated on the run's inputs, and the rounding bound is the calibrated one
(any summation order, measured ulp budgets), or "does not apply: <why>" when the run breaks its model.

``assess(..., anchors=(lambda, ...))`` adds the cost of stabilization (``mdtheory.checker.stabilization``): per
lambda, beside plain MD, where the anchored run settles (its bias), the steps to a suboptimality target, the peak
amplification and the noise's, and the time per step with the run's framework (numpy in the setting's arithmetic
without ``framework``); ``write`` also draws their trade-off, peak amplification against bias, over lambda.

The closed forms and the runs are ``mdtheory.engine.entropic_float``; this module turns them into a report.
``assess(..., validate=True)`` also runs the update in the stated arithmetic (bfloat16 through ml_dtypes)
and measures its distance to the exact trajectory, so that every prediction sits next to a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from mdtheory.engine.entropic_float import (
    MAX_VALIDATION_WORK,
    SATURATION,
    RiskSetting,
    amplification,
    extent,
    first_crossing,
    logit_stall,
    noise_separation,
    rounding_bound,
    run_in_arithmetic,
    unit_roundoff,
)
from mdtheory.errors import DomainError, ExpressionError, StepSizeError
from mdtheory.plotting import saved_figure


@dataclass
class RiskReport:
    setting: RiskSetting
    times: np.ndarray
    columns: dict[str, np.ndarray]
    explanations: dict[str, str]
    summary: list[str] = field(default_factory=list)
    crossings: dict[str, dict[str, int | None]] = field(default_factory=dict)
    # each summarized column's largest value and its step; "over" says which steps: every step of the horizon
    # (closed forms) or only the recorded ones (a measured run)
    peaks: dict[str, dict] = field(default_factory=dict)
    stall: dict | None = None  # logits update: where the logits stop moving, and what that predicts
    # columns known only at the recorded steps (measured runs, and the calibrated bound)
    sampled: set = field(default_factory=lambda: {"measured rounding"})
    framework: dict | None = None  # --framework: the run, its calibration, the bound's model or why it does not apply
    stabilization: object = None  # --anchor: checker.stabilization.Stabilization, plain MD against each lambda

    def as_json(self) -> dict:
        s = self.setting
        return {
            "setting": {"d": s.d, "start": s.start, "spread": str(s.spread), "eta": str(s.eta), "steps": s.steps,
                        "arithmetic": s.arithmetic, "noise": None if s.noise is None else str(s.noise),
                        "tolerance": str(s.tolerance), "anchor": None if s.anchor is None else str(s.anchor),
                        "update": s.update,
                        "smallest_initial_probability": float(s.initial()[s.target])},
            "summary": self.summary,
            "crossings": self.crossings,
            "peaks": self.peaks,
            "logit_stall": self.stall,
            "framework": self.framework,
            "stabilization": None if self.stabilization is None else self.stabilization.as_json(),
            "explanations": self.explanations,
            "series": {"t": [int(t) for t in self.times], **{k: [float(v) for v in vs] for k, vs in self.columns.items()}},
        }


def assess(setting: RiskSetting, validate: bool = True, framework=None, anchors=None, target_gap=None) -> RiskReport:
    """The report; ``framework`` (a ``FrameworkRun``) runs the update with that framework's kernels. ``anchors``
    (lambdas) adds the cost of stabilization at suboptimality ``target_gap`` (default
    ``stabilization.DEFAULT_TARGET_GAP``); the setting's own anchor draws only the anchored columns."""
    times = setting.times()
    columns: dict[str, np.ndarray] = {"amplification": amplification(setting)}
    explanations = {
        "amplification": "A(t) = ||J_t v||/||v||, v = e_k - x_0, from x_t = softmax(log x_0 - eta t c) and "
                         "J_t = (diag x_t - x_t x_t^T) diag(1/x_0) (claim 3's closed form)",
    }
    u = unit_roundoff(setting.arithmetic)
    columns["naive u*A"] = u * columns["amplification"]
    explanations["naive u*A"] = (f"u A(t), u = {u:.3g} ({setting.arithmetic}): rounding treated as an absolute "
                                 "perturbation along v; rounding is relative, so this is not what happens")
    columns["rounding bound"] = rounding_bound(setting)
    explanations["rounding bound"] = (
        "||x_t|| (exp(2 kappa (t+1) u') - 1) + 2 sqrt(d) tiny, kappa = 3 + ceil(log2 d), u' = -log(1-u): error "
        "analysis of x <- x w / sum(x w) in that arithmetic, relative errors only (they are not amplified)"
        if setting.update == "multiplicative" else
        "||x_t|| (exp(2 D_t + u' max|z_t - max z_t| + 2 kappa u') - 1): the logits' accumulated rounding D_t "
        "(each step rounds eta c and z - eta c, errors u'|z|), then the softmax's own rounding")
    explanations["rounding bound"] += (
        f"; arithmetic model: {setting.arithmetic} with correctly rounded exp, log, products and quotients and "
        "pairwise sums (ceil(log2 d) roundings per sum), the emulation's (numpy, ml_dtypes); no framework's kernels "
        "are calibrated against it (--framework does)")
    final = None
    if validate and setting.d * setting.steps > MAX_VALIDATION_WORK:
        raise StepSizeError(f"the measured run would take d * steps = {setting.d * setting.steps:.3g} coordinate updates "
                            f"(limit {MAX_VALIDATION_WORK:.0e}); shorten --steps or pass --no-validate")
    sampled = {"measured rounding"}
    framework_json = None
    if framework is not None:
        if not validate:
            raise StepSizeError("--framework runs the update with the framework's kernels; drop --no-validate")
        columns, explanations, final, framework_json = _framework_columns(setting, framework, columns, explanations)
        sampled |= {"rounding bound", "emulated rounding"}
    elif validate:
        columns["measured rounding"], final = run_in_arithmetic(setting)
        explanations["measured rounding"] = (f"||x~_t - x_t||: the {setting.update} update run in {setting.arithmetic} "
                                             "against the exact trajectory from the same x_0")
    if setting.noise is not None:
        columns["noise separation"] = noise_separation(setting)
        explanations["noise separation"] = (f"||x'_t - x_t|| for x'_0 = x_0 + {setting.noise} v/||v||: both runs in "
                                            "closed form, the difference computed without cancellation")
    if setting.anchor is not None:
        columns["anchored amplification"] = amplification(setting, anchored=True)
        explanations["anchored amplification"] = (f"fixed anchor at the uniform distribution, lambda = {setting.anchor}: "
                                                  "x_t = softmax(rho log x_0 - (1 - rho) c/lambda), J_t gains rho = "
                                                  "(1 - eta lambda)^t (claim 4's closed form)")
        if setting.noise is not None:
            columns["anchored noise separation"] = noise_separation(setting, anchored=True)
            explanations["anchored noise separation"] = "the noise separation of the anchored runs, same closed form"
    report = RiskReport(setting, times, columns, explanations, sampled=sampled, framework=framework_json)
    _summarize(report)
    anchors = tuple(anchors or ())
    if target_gap is not None and not anchors:
        raise ExpressionError("--target-gap sets the suboptimality the anchored runs are compared at; add --anchor "
                              "LAMBDA[,LAMBDA...]")
    if anchors:
        report.stabilization = _stabilization(setting, anchors, target_gap, framework if validate else None, validate)
    stall = logit_stall(setting)
    if stall is not None:
        report.stall = {**stall, "measured_x_k": None if final is None else float(final[setting.target])}
        measured = "" if final is None else f"; measured x_k(T) = {final[setting.target]:.4g}"
        report.summary.append(
            f"the logits stall in {setting.arithmetic}: beyond |z| = {stall['magnitude']:g}, z - eta c rounds back to z, "
            f"so the other logits stop at -{stall['magnitude']:g} while the favoured one stays at {stall['logit_k']:.6g}: "
            f"predicted long-run x_k = {stall['x_k']:.4g} instead of 1{measured}")
    return report


SMALLEST_PLOTTED = 1e-300  # a bias below float64's range is drawn at this floor of the log axis
MAX_ANCHORS = 8  # --anchor values in one report (each adds a column of the table and a point of the plot)


def parse_anchors(text: str) -> tuple:
    """--anchor LAMBDA[,LAMBDA...]: exact positive numbers, distinct, at most MAX_ANCHORS."""
    from mdtheory.symbolic.parsing import exact_number

    pieces = [piece.strip() for piece in str(text).split(",")]
    if len(pieces) > MAX_ANCHORS:
        raise DomainError(f"--anchor {text}: {len(pieces)} values, at most {MAX_ANCHORS}; compare fewer lambdas per run")
    strengths = []
    for piece in pieces:
        if not piece:
            raise ExpressionError(f"--anchor {text!r}: an empty value; give lambdas separated by commas, e.g. "
                                  "--anchor 1/20,1/10")
        try:
            strength = exact_number(piece)
        except ExpressionError:
            raise ExpressionError(f"--anchor: {piece!r} is not a number; give lambda exactly, as a decimal or a "
                                  "fraction (0.05, 1/20), several separated by commas") from None
        if strength <= 0:
            raise DomainError(f"--anchor {piece}: lambda must be positive (0 is plain MD, which the report shows "
                              "anyway); give a value with 0 < eta * lambda < 1")
        if strength in strengths:
            raise DomainError(f"--anchor: {piece} is given twice; give each lambda once")
        strengths.append(strength)
    return tuple(strengths)


def parse_target_gap(text: str | None):
    """--target-gap G: the suboptimality f(x) - min f the steps are counted to (None: the default)."""
    from mdtheory.symbolic.parsing import exact_number

    if text is None:
        return None
    try:
        gap = exact_number(text)
    except ExpressionError:
        raise ExpressionError(f"--target-gap: {text!r} is not a number; give the suboptimality exactly, e.g. "
                              "--target-gap 1e-3") from None
    if gap <= 0:
        raise DomainError(f"--target-gap {text}: the suboptimality f(x) - min f to reach must be positive, e.g. 1e-3")
    return gap


def _stabilization(setting: RiskSetting, anchors: tuple, target_gap, framework, validate: bool):
    import dataclasses

    from mdtheory.checker.stabilization import DEFAULT_TARGET_GAP, compare
    from mdtheory.engine.frameworks import FrameworkRun

    for strength in anchors:
        try:
            dataclasses.replace(setting, anchor=strength).validate()
        except StepSizeError as err:
            raise StepSizeError(f"--anchor {strength}: {err}") from None
    timing = None
    if validate:
        timing = framework or FrameworkRun("numpy", "cpu", setting.arithmetic)
    return compare(setting, anchors, DEFAULT_TARGET_GAP if target_gap is None else sp.Rational(target_gap), timing)


def _framework_columns(setting: RiskSetting, framework, columns: dict, explanations: dict):
    """The framework's run, the emulation beside it, and the calibrated bound in place of the emulation's."""
    from mdtheory.engine.frameworks import FrameworkRun, backend
    from mdtheory.engine.frameworks.bound import calibrated_bound
    from mdtheory.engine.frameworks.calibration import calibrate
    from mdtheory.engine.frameworks.run import run_update

    trajectory = run_update(setting, framework)
    bound = calibrated_bound(setting, framework, calibrate(backend(framework), trajectory.probes))
    columns = {name: values for name, values in columns.items() if name != "rounding bound"}
    explanations = {name: text for name, text in explanations.items() if name != "rounding bound"}
    if bound.values is not None:
        columns["rounding bound"] = bound.values
        explanations["rounding bound"] = ("||x_t|| (exp(E_t) - 1) + 2 sqrt(d) tiny, E_t the log-ratio error the "
                                          f"calibrated model allows (mdtheory.engine.frameworks.bound); {bound.model}")
    else:
        explanations["rounding bound"] = f"does not apply: {bound.not_applying}; {bound.model}"
    columns["measured rounding"] = trajectory.distances
    explanations["measured rounding"] = (f"||x~_t - x_t||: the {setting.update} update run by {framework.describe()} "
                                         "(its own kernels, in place) against the exact trajectory from the same x_0")
    if framework.framework != "numpy":
        emulation = FrameworkRun("numpy", "cpu", framework.precision)
        columns["emulated rounding"] = run_update(setting, emulation).distances
        explanations["emulated rounding"] = f"the same update run by {emulation.describe()} (ml_dtypes for bfloat16)"
    described = {"framework": framework.framework, "device": framework.device, "precision": framework.precision,
                 "bound_model": bound.model, "bound_does_not_apply": bound.not_applying,
                 "calibration": {"ulps": bound.calibration.ulps, "inputs": bound.calibration.inputs,
                                 "sum_relative_error": bound.calibration.sum_error,
                                 "sum_terms": bound.calibration.sum_terms,
                                 "softmax_log_ratio_error": {p.step: p.error for p in bound.calibration.softmax}}}
    return columns, explanations, trajectory.final, described


def _summarize(report: RiskReport):
    """Every statement about a closed-form column (its peak, the step it reaches a level, "stays below") is
    about every step 0..T (``entropic_float.extent``); the table and the plot show the recorded times only. The
    measured run is compared at its recorded times, and says so."""
    s, times, cols = report.setting, report.times, report.columns
    eta = float(s.eta)
    levels = (s.tolerance, SATURATION)
    extents = {name: extent(s, name, levels) for name in cols if name not in report.sampled}
    for name, found in extents.items():
        report.peaks[name] = {"max": found.peak, "t": found.peak_step, "over": "every step"}
    peak = extents["amplification"]
    p = float(s.initial()[s.target])
    report.summary.append(
        f"smallest initial probability p = {p:.3g} (outcome {s.target}); peak amplification "
        f"{peak.peak:.4g} at t = {peak.peak_step} (eta t = {eta * peak.peak_step:.4g}); "
        f"1/(4p) = {1 / (4 * p):.4g}"
    )
    # the measured run is compared where it was recorded: every step when T <= POINTS, else a sample
    recorded = "at every step" if len(times) == s.steps + 1 else f"at the {len(times)} recorded steps"
    for name in report.sampled & set(cols):
        i = int(np.argmax(cols[name]))
        report.peaks[name] = {"max": float(cols[name][i]), "t": int(times[i]), "over": f"{len(times)} recorded steps"}
    for name in ("noise separation", "anchored noise separation", "naive u*A", "rounding bound", "measured rounding"):
        if name not in cols:
            continue
        if name in extents:
            crossing = {"tolerance": extents[name].crossings[s.tolerance],
                        "saturation": extents[name].crossings[SATURATION]}
            below, scope = "stays below", ""
        else:
            crossing = {"tolerance": first_crossing(times, cols[name], s.tolerance),
                        "saturation": first_crossing(times, cols[name], SATURATION)}
            below, scope = ("stays below", "") if len(times) == s.steps + 1 else ("is below", f" ({recorded})")
        report.crossings[name] = crossing
        said = ", ".join(f"reaches {label} {level} at t = {crossing[key]}" if crossing[key] is not None
                         else f"{below} {label} {level}"
                         for key, label, level in (("tolerance", "the tolerance", s.tolerance),
                                                   ("saturation", "O(1) =", SATURATION)))
        report.summary.append(f"{name}{scope}: {said} (max {report.peaks[name]['max']:.3g})")
    run_name = s.arithmetic if report.framework is None else (
        f"{report.framework['framework']} ({report.framework['device']}, {report.framework['precision']})")
    if report.framework is not None and report.framework["bound_does_not_apply"]:
        report.summary.append(f"rounding bound: does not apply: {report.framework['bound_does_not_apply']}")
    elif "measured rounding" in cols:
        ratio = float(np.max(cols["measured rounding"] / cols["rounding bound"]))
        naive = extents["naive u*A"].peak
        report.summary.append(
            f"rounding: {recorded} the measured {run_name} run stays within {ratio:.3g} of the bound "
            f"({'holds there' if ratio <= 1 else 'VIOLATED'}); the naive u*A would reach {naive:.3g}"
        )
    if "emulated rounding" in cols:
        ratio = float(np.max(cols["measured rounding"] / np.maximum(cols["emulated rounding"], 1e-300)))
        report.summary.append(f"emulation: {recorded} the {run_name} run is at most {ratio:.3g} times the emulated "
                              f"error (largest {report.peaks['measured rounding']['max']:.3g} against "
                              f"{report.peaks['emulated rounding']['max']:.3g} emulated)")
    if s.anchor is not None:
        plain_max, anchored_max = extents["amplification"].peak, extents["anchored amplification"].peak
        line = f"anchoring (lambda = {s.anchor}): peak amplification {anchored_max:.4g} vs {plain_max:.4g} without"
        if s.noise is not None:
            plain = report.crossings["noise separation"]["tolerance"]
            anchored = report.crossings["anchored noise separation"]["tolerance"]
            verdict = ("prevents it" if plain is not None and anchored is None else
                       "does not prevent it" if anchored is not None else "not needed: the noise never reaches the tolerance")
            line += f"; against the noise, anchoring {verdict}"
        report.summary.append(line)


def write(report: RiskReport, out) -> list:
    """risk.md, risk.json and risk.png in ``out``; returns the paths."""
    import json
    from pathlib import Path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "risk.json").write_text(json.dumps(report.as_json(), indent=2))
    (out / "risk.md").write_text(markdown(report))
    plot(report, out / "risk.png")
    paths = [out / "risk.md", out / "risk.json", out / "risk.png"]
    if report.stabilization is not None:
        plot_tradeoff(report, out / "stabilization.png")
        paths.append(out / "stabilization.png")
    return paths


def markdown(report: RiskReport, rows: int = 12) -> str:
    s = report.setting
    run_name = s.arithmetic if report.framework is None else (
        f"{report.framework['framework']} ({report.framework['device']}, {report.framework['precision']})")
    lines = [f"# mdtheory risk: d = {s.d}, start {s.start}, spread {s.spread}, eta = {s.eta}, T = {s.steps}, "
             f"{run_name} {s.update} update" + (f", noise {s.noise}" if s.noise is not None else "")
             + (f", anchor lambda = {s.anchor}" if s.anchor is not None else ""), ""]
    lines += [f"- {line}" for line in report.summary] + ["", "## Where each column comes from", ""]
    lines += [f"- **{name}**: {text}" for name, text in report.explanations.items()] + [""]
    names = list(report.columns)
    lines += ["| t | eta t | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    picks = np.unique(np.linspace(0, len(report.times) - 1, rows).astype(int))
    for i in picks:
        t = report.times[i]
        lines.append(f"| {t} | {float(s.eta) * t:.4g} | " + " | ".join(f"{report.columns[n][i]:.4g}" for n in names) + " |")
    if report.stabilization is not None:
        lines += [""] + stabilization_markdown(report)
    return "\n".join(lines) + "\n"


def stabilization_markdown(report: RiskReport) -> list[str]:
    """The cost of stabilization: plain MD and each anchor, one row each."""
    s, stab = report.setting, report.stabilization
    gap = f"f - min f <= {stab.target_gap}"
    noise = "" if s.noise is None else f" | noise peak (reaches {s.tolerance} at t)"
    lines = [
        "## The cost of stabilization", "",
        f"Fixed anchor at the uniform distribution, minimizing <c, x> + lambda KL(x, uniform): the anchored run settles "
        f"at x*_k = 1/(1 + (d-1) exp(-spread/lambda)) (plain MD at x_k = 1), f(x) - min f = spread (1 - x_k); steps: "
        f"the first t with {gap} (--target-gap; extra: against plain MD, negative when the anchor's pull toward the "
        "uniform distribution lifts the rare outcome sooner); bias values and steps decided at "
        "128 and 256 bits, digits shown are trusted; peak amplification over every step (closed form, float64).",
        f"Time per step: {stab.timing}.",
    ]
    if stab.note:
        lines.append(f"Note: {stab.note}.")
    lines += ["", f"| run | settles at x_k | its f - min f | x_k(T = {s.steps}) | f(x_T) - min f | steps to {gap} | "
                  f"extra steps | peak amplification (at t){noise} | time per step, s (median) |",
              "|---" * (9 + (s.noise is not None)) + "|"]
    for cost in stab.costs:
        steps = cost.steps_note if cost.steps is None else cost.steps.text()
        noise_cell = ""
        if s.noise is not None:
            crossing = "never" if cost.noise_crossing is None else str(cost.noise_crossing)
            noise_cell = f" | {cost.noise_peak} ({crossing})"
        lines.append(f"| {cost.label} | {cost.limit_x_k} | {cost.limit_gap} | {_text(cost.final_x_k)} | "
                     f"{_text(cost.final_gap)} | {steps} | {_text(cost.extra_steps)} | "
                     f"{cost.peak_amplification} ({cost.peak_step}){noise_cell} | {_text(cost.seconds_per_step)} "
                     f"({_text(cost.median_seconds_per_step)}) |")
    return lines


def _text(figure) -> str:
    return "-" if figure is None else figure.text()


def plot_tradeoff(report: RiskReport, path):
    """Peak amplification against the bias (the suboptimality the anchored run settles at), one point per lambda;
    plain MD (no bias) as a line."""
    s, costs = report.setting, report.stabilization.costs
    plain, anchored = costs[0], costs[1:]
    with saved_figure(path, 1, 1, (6.4, 4.4), dpi=110) as (fig, axes):
        bias = [max(float(c.limit_gap.value), SMALLEST_PLOTTED) for c in anchored]
        peaks = [float(c.peak_amplification.value) for c in anchored]
        axes.loglog(bias, peaks, "o-", label="anchored, uniform anchor")
        for c, x, y in zip(anchored, bias, peaks):
            axes.annotate(f"lambda = {c.strength}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
        axes.axhline(float(plain.peak_amplification.value), color="black", ls="--", lw=0.8,
                     label="plain MD (no bias)")
        axes.axvline(float(report.stabilization.target_gap), color="gray", lw=0.8, label="target suboptimality")
        axes.set_xlabel("bias: f(x*) - min f where the anchored run settles")
        axes.set_ylabel("peak amplification A(t)")
        axes.set_title(f"cost of stabilization: d = {s.d}, start {s.start}, eta = {s.eta}")
        axes.legend(fontsize=8)


def plot(report: RiskReport, path):
    s = report.setting
    eta_t = float(s.eta) * report.times
    with saved_figure(path, 1, 2, (11, 4), dpi=110) as (fig, (left, right)):
        left.semilogy(eta_t, report.columns["amplification"], label="A(t)")
        if "anchored amplification" in report.columns:
            left.semilogy(eta_t, report.columns["anchored amplification"], label=f"A(t), anchor lambda = {s.anchor}")
        left.set_xlabel("eta t")
        left.set_title("amplification (closed form)")
        left.legend()
        for name, style in (("noise separation", "-"), ("anchored noise separation", "-"), ("naive u*A", ":"),
                            ("rounding bound", "--"), ("measured rounding", "-"), ("emulated rounding", ":")):
            if name in report.columns:
                right.semilogy(eta_t, np.maximum(report.columns[name], 1e-300), style, label=name)
        right.axhline(float(s.tolerance), color="gray", lw=0.8)
        right.axhline(float(SATURATION), color="black", lw=0.8)
        right.set_xlabel("eta t")
        right.set_title(f"separation ({s.arithmetic}); lines: tolerance, O(1)")
        right.legend(fontsize=8)
