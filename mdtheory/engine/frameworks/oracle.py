"""The oracle behind ``mdtheory.testing.md_oracle``: a user's MD step against the certified trajectory.

The problem is entropic MD on the simplex with a linear cost c: x_t = softmax(log x_0 - eta t c) exactly. The
certified trajectory is that closed form in ball arithmetic (python-flint ``arb``, ORACLE_BITS bits: every ball
contains the exact x_ti). The rounding budget is the calibrated model of ``frameworks.bound`` for the framework,
precision and update form the user names, calibrated on this problem's own inputs; coordinate i of the user's
iterate at step t is within budget when |x~_ti - x_ti| <= x_ti (exp(E_t) - 1) + 2 tiny.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from mdtheory.engine.frameworks import FrameworkRun, backend
from mdtheory.engine.frameworks.bound import budget
from mdtheory.engine.frameworks.calibration import calibrate
from mdtheory.engine.frameworks.run import run_update
from mdtheory.errors import DomainError, ExpressionError

ORACLE_BITS = 128
ORACLE_UPDATES = ("multiplicative", "logits", "mirror")
STEP_KERNELS = ("exp", "log", "sum", "divide")  # what the calibration measures, and so what a step may replace


@dataclass(frozen=True)
class OracleProblem:
    """x_0 (float64: the numbers the user's code is given, exactly), the linear cost c, eta and T. Offers what
    the framework run and the budget read of a risk setting."""

    x0: tuple
    c: tuple
    eta: sp.Rational
    steps: int
    update: str = "multiplicative"
    arithmetic: str = "float32"

    @property
    def d(self) -> int:
        return len(self.x0)

    def initial(self) -> np.ndarray:
        return np.array(self.x0, dtype=np.float64)

    def costs(self) -> np.ndarray:
        return np.array(self.c, dtype=np.float64)

    @functools.cached_property
    def target(self) -> int:
        return int(np.argmin(self.initial()))

    def times(self) -> np.ndarray:
        return np.arange(self.steps + 1)


@dataclass(frozen=True)
class OracleResult:
    steps: int
    largest_ratio: float  # the largest |x~_ti - x_ti| / budget over every step and coordinate (<= 1: within)
    model: str


def certified_trajectory(problem: OracleProblem):
    """x_t as arb balls, t = 0..T, from the exact float64 x_0, the cost and eta."""
    from flint import arb, ctx as flint_ctx

    old = flint_ctx.prec
    flint_ctx.prec = ORACLE_BITS
    try:
        eta = arb(problem.eta.p) / problem.eta.q
        logs = [arb(float(x)).log() for x in problem.x0]
        costs = [arb(float(c)) for c in problem.c]
        for t in range(problem.steps + 1):
            z = [log - eta * t * c for log, c in zip(logs, costs)]
            top = max(z, key=lambda ball: float(ball.mid()))
            weights = [(zi - top).exp() for zi in z]
            total = sum(weights, arb(0))
            yield [w / total for w in weights]
    finally:
        flint_ctx.prec = old


class StepKernels:
    """The framework's kernels, with those the step computes otherwise put in their place."""

    def __init__(self, framework_kernels, replaced: dict):
        self._framework_kernels, self._replaced = framework_kernels, replaced

    def __getattr__(self, name):
        return self._replaced[name] if name in self._replaced else getattr(self._framework_kernels, name)


def step_kernels(run: FrameworkRun, replaced: dict | None):
    replaced = dict(replaced or {})
    unknown = sorted(set(replaced) - set(STEP_KERNELS))
    if unknown:
        raise ExpressionError(f"md_oracle kernels: {', '.join(map(repr, unknown))} is not a kernel the calibration "
                              f"measures; name only {', '.join(STEP_KERNELS)} (functions on the framework's arrays, "
                              "computing as your step does)")
    return StepKernels(backend(run), replaced) if replaced else backend(run)


def run_oracle(step, problem: OracleProblem, run: FrameworkRun, init=None, readout=None,
               kernels=None) -> OracleResult:
    import ml_dtypes

    from mdtheory.engine.entropic_float import dtype_of
    from mdtheory.engine.frameworks.bound import weights_out_of_range

    if problem.update not in ORACLE_UPDATES:
        raise ExpressionError(f"md_oracle update={problem.update!r}: choose one of {', '.join(ORACLE_UPDATES)} (the "
                              "arithmetic your step follows: x * w / sum, softmax of stored logits, or softmax(log x - eta c))")
    why = weights_out_of_range(problem, run) if problem.update == "multiplicative" else None
    if why is not None:
        raise DomainError(f"md_oracle: no rounding budget for {run.describe()}: the model does not apply: {why}")
    replaced = sorted(kernels or {})
    kernels = step_kernels(run, kernels)
    probe_update = "multiplicative" if problem.update == "multiplicative" else "logits"
    calibration = calibrate(kernels, run_update(_replace(problem, update=probe_update), run, measure=False).probes)
    model = budget(problem, run, calibration)
    why = model.not_applying()
    if why is not None:
        raise DomainError(f"md_oracle: no rounding budget for {run.describe()}: the model does not apply: {why}")
    exponents = dict(model.exponents())
    tiny = max(float(ml_dtypes.finfo(dtype_of(f)).tiny) for f in (run.formats.storage, run.formats.softmax))
    state = kernels.array(problem.initial(), run.formats.storage)
    state = state if init is None else init(state)
    largest = 0.0
    for t, truth in enumerate(certified_trajectory(problem)):
        iterate = kernels.to_float64(state if readout is None else readout(state))
        if iterate.shape != (problem.d,):
            raise AssertionError(f"md_oracle: step {t}: the iterate has shape {iterate.shape}, expected ({problem.d},)")
        growth = math.expm1(exponents[t])
        for i, (x, ball) in enumerate(zip(iterate, truth)):
            exact = float(ball.mid())
            allowed = abs(exact) * growth + 2 * tiny + float(ball.rad())
            distance = abs(x - exact) if np.isfinite(x) else math.inf
            if not distance <= allowed:
                raise AssertionError(
                    f"md_oracle: step {t}, coordinate {i}: the iterate is {float(x)!r}, the certified x_t[{i}] = {exact:.17g}; "
                    f"|difference| = {distance:.6g} exceeds the rounding budget {allowed:.6g} by {distance - allowed:.6g} "
                    f"(the first step and coordinate out of budget; {run.describe()}, {problem.update} update, log-ratio "
                    f"budget E_{t} = {exponents[t]:.3g})")
            largest = max(largest, float(distance / allowed))
        if t < problem.steps:
            state = step(state)
    described = model.describe() + (f"; measured on the step's own {', '.join(replaced)}" if replaced else "")
    return OracleResult(problem.steps, largest, described)


def _replace(problem: OracleProblem, **changes) -> OracleProblem:
    import dataclasses

    return dataclasses.replace(problem, **changes)
