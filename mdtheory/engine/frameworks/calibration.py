"""How accurate a framework's kernels are, measured on the run's own inputs and device against mpmath.

exp, log and division: the largest error in units in the last place of the exact result (at most
CALIBRATION_SAMPLE inputs per kernel, spread evenly over the sorted inputs, both ends included). Sums: the
largest relative error of the framework's sum of each probed vector (all its terms, against an exact sum).
Softmax (a fused kernel: its exp, sum and division are not the ones measured separately): the largest
|log(y~_i / y_i)| over the outputs whose exact value is a normal number of the format, y = the exact softmax of
the very logits the framework was given."""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from mdtheory.engine.entropic_float import dtype_of

CALIBRATION_SAMPLE = 4096  # inputs per elementwise kernel
REFERENCE_BITS = 200  # mpmath's precision for the exact results; sums of floats are exact at far fewer digits


@dataclass(frozen=True)
class SoftmaxProbe:
    step: int
    error: float  # largest log-ratio error over normal outputs (inf: an output is 0 or not finite where it should not be)
    logit_range: float  # max z - min z of the input


@dataclass(frozen=True)
class Calibration:
    ulps: dict  # kernel -> largest measured error in ulps
    inputs: dict  # kernel -> how many inputs were measured
    sum_error: float  # largest relative error of a sum
    sum_terms: int  # terms in the longest probed sum
    softmax: tuple  # SoftmaxProbe per probed step

    def describe(self) -> str:
        parts = [f"{kernel} {self.ulps[kernel]:.3g} ulp on {self.inputs[kernel]} inputs" for kernel in self.ulps]
        parts.append(f"sum of {self.sum_terms} terms: relative error {self.sum_error:.3g}")
        parts += [f"softmax at t = {p.step}: log-ratio error {p.error:.3g}" for p in self.softmax]
        return "; ".join(parts)


def _sample(values: np.ndarray) -> np.ndarray:
    values = np.unique(values)
    if values.size <= CALIBRATION_SAMPLE:
        return values
    return values[np.unique(np.linspace(0, values.size - 1, CALIBRATION_SAMPLE).astype(int))]


def _ulp(ctx, exact, fmt: str):
    import ml_dtypes

    info = ml_dtypes.finfo(dtype_of(fmt))
    lowest = int(np.log2(float(info.tiny)))
    exponent = lowest if exact == 0 else max(lowest, int(ctx.floor(ctx.log(abs(exact), 2))))
    return ctx.ldexp(1, exponent - int(info.nmant))


def _ulps(ctx, computed: np.ndarray, exact: list, fmt: str) -> float:
    worst = 0.0
    for a, e in zip(computed, exact):
        if not np.isfinite(a):
            return float("inf")
        worst = max(worst, float(abs(ctx.mpf(float(a)) - e) / _ulp(ctx, e, fmt)))
    return worst


def calibrate(kernels, probes) -> Calibration:
    ctx = mpmath.MPContext()
    ctx.prec = REFERENCE_BITS
    ulps, inputs = {}, {}

    def record(kernel, error, count):
        ulps[kernel] = max(ulps.get(kernel, 0.0), error)
        inputs[kernel] = inputs.get(kernel, 0) + count

    for values, fmt in probes.exp:
        x = _sample(values)
        computed = kernels.to_float64(kernels.exp(kernels.array(x, fmt)))
        record("exp", _ulps(ctx, computed, [ctx.exp(ctx.mpf(float(v))) for v in x], fmt), x.size)
    for values, fmt in probes.log:
        x = _sample(values)
        computed = kernels.to_float64(kernels.log(kernels.array(x, fmt)))
        record("log", _ulps(ctx, computed, [ctx.log(ctx.mpf(float(v))) for v in x], fmt), x.size)
    sum_error, sum_terms = 0.0, 0
    for values, fmt in probes.sum:
        computed = float(kernels.to_float64(kernels.sum(kernels.array(values, fmt))))
        exact = ctx.fsum(ctx.mpf(float(v)) for v in values)
        sum_error = max(sum_error, float(abs(ctx.mpf(computed) - exact) / exact) if np.isfinite(computed) else float("inf"))
        sum_terms = max(sum_terms, values.size)
    for values, fmt in probes.division:
        numerators = kernels.array(values, fmt)
        total = kernels.sum(numerators)
        denominator = ctx.mpf(float(kernels.to_float64(total)))
        x = _sample(values)
        computed = kernels.to_float64(kernels.divide(kernels.array(x, fmt), total))
        record("division", _ulps(ctx, computed, [ctx.mpf(float(v)) / denominator for v in x], fmt), x.size)
    softmax = tuple(_softmax_probe(ctx, kernels, logits, fmt, step) for logits, fmt, step in probes.softmax)
    return Calibration(ulps, inputs, sum_error, sum_terms, softmax)


def _softmax_probe(ctx, kernels, logits: np.ndarray, fmt: str, step: int) -> SoftmaxProbe:
    import ml_dtypes

    tiny = ctx.mpf(float(ml_dtypes.finfo(dtype_of(fmt)).tiny))
    computed = kernels.to_float64(kernels.softmax(kernels.array(logits, fmt)))
    top = ctx.mpf(float(logits.max()))
    weights = [ctx.exp(ctx.mpf(float(z)) - top) for z in logits]
    log_total = ctx.log(ctx.fsum(weights))
    worst = 0.0
    for z, y, w in zip(logits, computed, weights):
        if w < tiny * ctx.exp(log_total):
            continue  # a subnormal output: the bound's absolute underflow term covers it
        if not (np.isfinite(y) and y > 0):
            worst = float("inf")
            break
        worst = max(worst, float(abs(ctx.log(ctx.mpf(float(y))) - (ctx.mpf(float(z)) - top - log_total))))
    return SoftmaxProbe(step, worst, float(logits.max() - logits.min()))
