"""The risk setting's update run with a framework's kernels, measured against the exact trajectory.

Multiplicative: x <- x * w in place, then x <- x / sum(x) in place, w = exp(-eta c) computed once by the
framework. Logits: z = log(x_0) by the framework, z <- z - eta c in place, x_t = softmax(z_t) taken in the
softmax format (``mixed``: the float32 logits cast to bfloat16). The distances to the truth are those of
``entropic_float`` (the float64 closed form for narrower formats, TRUTH_BITS bits for float64). The run keeps
its own inputs to each kernel (``Probes``) for the calibration, as float64 host copies (exact: every value
is a number of its format)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mdtheory.engine.entropic_float import RiskSetting, _distance_to_truth
from mdtheory.engine.frameworks import FrameworkRun, backend
from mdtheory.errors import ExpressionError


@dataclass
class Probes:
    """The run's own inputs, by kernel, with the format each was taken in."""

    log: list = field(default_factory=list)  # (values, format)
    exp: list = field(default_factory=list)
    sum: list = field(default_factory=list)
    division: list = field(default_factory=list)  # (numerators, format): divided by the framework's sum of them
    softmax: list = field(default_factory=list)  # (logits, format, step)


@dataclass
class FrameworkTrajectory:
    distances: np.ndarray  # ||x~_t - x_t|| at setting.times()
    final: np.ndarray
    probes: Probes


def check_combination(setting: RiskSetting, run: FrameworkRun):
    if run.precision == "mixed" and setting.update != "logits":
        raise ExpressionError("--precision mixed (float32 master logits, bfloat16 softmax) is a logits update; "
                              "pass --update logits")


def run_update(setting: RiskSetting, run: FrameworkRun, measure: bool = True) -> FrameworkTrajectory:
    """``measure=False``: only the probes (the distances are nan), for a caller that compares iterates itself."""
    check_combination(setting, run)
    kernels, formats = backend(run), run.formats
    x0, c, eta, steps = setting.initial(), setting.costs(), float(setting.eta), setting.steps
    wanted = set(int(t) for t in setting.times())
    out, probes = {}, Probes()
    if setting.update == "multiplicative":
        x = kernels.array(x0, formats.storage)
        argument = kernels.array(-eta * c, formats.storage)
        w = kernels.exp(argument)
        probes.exp.append((np.unique(kernels.to_float64(argument)), formats.storage))
        for t in range(steps + 1):
            if t in wanted:
                out[t] = _distance_to_truth(setting, t, kernels.to_float64(x)) if measure else float("nan")
            if t < steps:
                x = kernels.multiply_(x, w)
                if t == 0:
                    product = kernels.to_float64(x)
                    probes.sum.append((product, formats.storage))
                    probes.division.append((product, formats.storage))
                x = kernels.normalize_(x)
    else:
        rounded = kernels.array(x0, formats.storage)
        probes.log.append((kernels.to_float64(rounded), formats.storage))
        z = kernels.log(rounded)
        step = kernels.array(eta * c, formats.storage)
        for t in range(steps + 1):
            logits = kernels.cast(z, formats.softmax)
            x = kernels.softmax(logits)
            if t in (0, steps):
                probes.softmax.append((kernels.to_float64(logits), formats.softmax, t))
            if t in wanted:
                out[t] = _distance_to_truth(setting, t, kernels.to_float64(x)) if measure else float("nan")
            if t < steps:
                z = kernels.subtract_(z, step)
        for logits, fmt, _ in probes.softmax:
            shifted = kernels.to_float64(kernels.array(logits, fmt) - kernels.array(logits, fmt).max())
            probes.exp.append((shifted, fmt))
            weights = kernels.to_float64(kernels.exp(kernels.array(shifted, fmt)))
            probes.sum.append((weights, fmt))
            probes.division.append((weights, fmt))
    return FrameworkTrajectory(np.array([out[int(t)] for t in setting.times()]), kernels.to_float64(x), probes)
