"""Run Mirror Descent from x_0 and from x_0 + eps v, and propagate the tangent J_t v.

The tangent is renormalized every step and its growth kept as a log-norm, so growth over hundreds of
orders of magnitude is carried exactly. Everything is evaluated in the run's own context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from mdtheory.engine import linalg
from mdtheory.engine.context import (
    ArbContext,
    Float64Context,
    ball_to_mpf,
    flint_precision,
    is_float64,
    to_context,
    working_context,
)
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.errors import DomainError, StepSizeError
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.parsing import exact_number

SERIES_FIELDS = ("separation", "amplification", "log_tangent_amplification", "objective")
# mpmath is the reference; flint runs the same generated kernels on C-level arb numbers (midpoints kept
# between steps), several times faster, and tests hold it to the reference's trusted digits.
BACKENDS = ("mpmath", "flint")


@dataclass(frozen=True)
class RunSpec:
    """What to run, with every number exact."""

    x0: tuple[sp.Rational, ...]
    direction: tuple[sp.Rational, ...]
    eps: sp.Rational
    eta: sp.Rational
    steps: int
    record_every: int = 1
    parameters: tuple[sp.Rational, ...] = ()
    perturbed_parameters: tuple[sp.Rational, ...] | None = None

    @classmethod
    def build(cls, x0, direction, eps, eta, steps, record_every=1, parameters=(), perturbed_parameters=None):
        spec = cls(
            x0=tuple(exact_number(v) for v in x0),
            direction=tuple(exact_number(v) for v in direction),
            eps=exact_number(eps),
            eta=exact_number(eta),
            steps=steps,
            record_every=record_every,
            parameters=tuple(exact_number(v) for v in parameters),
            perturbed_parameters=None if perturbed_parameters is None
            else tuple(exact_number(v) for v in perturbed_parameters),
        )
        spec.validate_numbers()
        return spec

    def validate_numbers(self):
        if self.eta <= 0:
            raise StepSizeError(f"the step size eta must be positive, got {self.eta}")
        if self.eps <= 0:
            raise DomainError(f"the perturbation size eps must be positive, got {self.eps}")
        if not isinstance(self.steps, int) or self.steps < 1:
            raise StepSizeError(f"steps must be a positive integer, got {self.steps!r}")
        if not isinstance(self.record_every, int) or self.record_every < 1:
            raise StepSizeError(f"record_every must be a positive integer, got {self.record_every!r}")
        if len(self.x0) != len(self.direction):
            raise DomainError(f"x0 has {len(self.x0)} coordinates but the direction has {len(self.direction)}")

    @property
    def perturbed_start(self) -> tuple[sp.Rational, ...]:
        return tuple(x + self.eps * v for x, v in zip(self.x0, self.direction))

    def check_against(self, md: MirrorDescent):
        domain = md.regularizer.domain
        if len(self.x0) != md.regularizer.dim:
            raise DomainError(f"x0 has {len(self.x0)} coordinates; the problem has dimension {md.regularizer.dim}")
        if len(self.parameters) != len(md.parameters):
            raise DomainError(f"the objective has {len(md.parameters)} parameters, {len(self.parameters)} given")
        domain.check_point(self.x0, "x0")
        domain.check_direction(self.direction)
        domain.check_point(self.perturbed_start, "the perturbed start x0 + eps*v")


@dataclass
class RunSeries:
    """A run's time series, in the run's context (mpf values, or float64 for a float64 run)."""

    bits: int
    ctx: object
    t: list[int] = field(default_factory=list)
    eta_t: list = field(default_factory=list)
    separation: list = field(default_factory=list)
    amplification: list = field(default_factory=list)
    log_tangent_amplification: list = field(default_factory=list)
    objective: list = field(default_factory=list)
    final: list = field(default_factory=list)
    final_perturbed: list = field(default_factory=list)

    def tangent_amplification(self, index: int):
        return self.ctx.exp(self.log_tangent_amplification[index])


def run_mirror_descent(
    md: MirrorDescent,
    spec: RunSpec,
    bits: int | None,
    kernel: MirrorDescentKernel | None = None,
    progress: Callable[[int, int], None] | None = None,
    backend: str = "mpmath",
    perturbed: bool = True,
) -> RunSeries:
    """Iterate base, perturbed and tangent trajectories; ``bits=None`` runs in float64.
    ``perturbed=False`` skips the perturbed trajectory (its separation series then stays empty) when only
    the tangent is wanted.

    With ``backend="flint"`` the arithmetic is python-flint's arb at ``bits`` bits; the series come back
    as mpf values of a ``bits``-bit mpmath context, exactly as from the reference backend."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    spec.check_against(md)
    kernel = kernel or MirrorDescentKernel(md)
    if bits is None:
        # float64 is run as a user's float code would be: overflow, underflow and 0/0 propagate as
        # inf and nan, and are reported downstream, not raised.
        with np.errstate(all="ignore"):
            return _iterate(md, spec, kernel, Float64Context(), progress, perturbed)
    reference = working_context(bits)
    if backend == "mpmath":
        return _iterate(md, spec, kernel, reference, progress, perturbed)
    with flint_precision(bits):
        return _as_mpmath(_iterate(md, spec, kernel, ArbContext(bits), progress, perturbed), reference)


def _as_mpmath(series: RunSeries, ctx) -> RunSeries:
    convert = lambda values: [ball_to_mpf(ctx, v) for v in values]
    return RunSeries(
        bits=series.bits, ctx=ctx, t=series.t, eta_t=convert(series.eta_t),
        **{name: convert(getattr(series, name)) for name in SERIES_FIELDS},
        final=convert(series.final), final_perturbed=convert(series.final_perturbed),
    )


def _iterate(md, spec, kernel, ctx, progress, perturbed=True) -> RunSeries:
    num = (lambda v: ctx.mpf(float(v))) if is_float64(ctx) else (lambda v: to_context(ctx, v))
    eta = num(spec.eta)
    params = [num(p) for p in spec.parameters]
    params_perturbed = params if spec.perturbed_parameters is None else [num(p) for p in spec.perturbed_parameters]
    x = [num(v) for v in spec.x0]
    x_perturbed = [num(v) for v in spec.perturbed_start]
    tangent = [num(v) for v in spec.direction]
    tangent_norm = linalg.norm(ctx, tangent)
    tangent = [w / tangent_norm for w in tangent]
    initial_separation = linalg.difference_norm(ctx, x, x_perturbed)
    log_growth = ctx.mpf(0)
    series = RunSeries(bits=ctx.prec, ctx=ctx)

    def record(t):
        series.t.append(t)
        series.eta_t.append(num(spec.eta * t))  # rounded once from the exact product: window ends are exact
        if perturbed:
            separation = linalg.difference_norm(ctx, x, x_perturbed)
            series.separation.append(separation)
            series.amplification.append(separation / initial_separation)
        series.log_tangent_amplification.append(log_growth)
        series.objective.append(kernel.objective(ctx, x, params))

    record(0)
    for t in range(1, spec.steps + 1):
        x_next = linalg.midpoints(ctx, kernel.step(ctx, x, eta, params))
        tangent = linalg.midpoints(ctx, kernel.tangent(ctx, x, x_next, eta, tangent, params))
        growth = linalg.norm(ctx, tangent)
        if growth == 0:
            log_growth = ctx.ninf  # J_t v = 0 exactly: the tangent is annihilated and stays so
        else:
            log_growth = linalg.midpoints(ctx, [log_growth + ctx.log(growth)])[0]
            tangent = linalg.midpoints(ctx, [w / growth for w in tangent])
        if perturbed:
            x_perturbed = linalg.midpoints(ctx, kernel.step(ctx, x_perturbed, eta, params_perturbed))
        x = x_next
        if t % spec.record_every == 0 or t == spec.steps:
            record(t)
        if progress is not None:
            progress(t, spec.steps)
    series.final, series.final_perturbed = x, (x_perturbed if perturbed else [])
    return series
