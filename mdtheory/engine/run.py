"""Run a method of the MD family from x_0 and from x_0 + eps v, and propagate the tangent J_t v.

The problem names its method (``mdtheory.methods``; plain MD by default), whose kernel computes the step and
its tangent on the method's state (the vectors it carries, held as one flat list; the first is the point x_t
every quantity is measured on). The tangent is renormalized every step and its growth kept as a log-norm, so
growth over hundreds of orders of magnitude is carried exactly. Everything is evaluated in the run's own context.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from mdtheory.engine.context import ArbContext, Float64Context, ball_to_mpf, flint_precision, working_context
from mdtheory.errors import DomainError, MDTheoryError, PrecisionError, StepSizeError
from mdtheory.engine.schedule import StepSchedule, step_size_at, step_sums
from mdtheory.methods import kernel_for, method
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.parsing import exact_real

SERIES_FIELDS = ("separation", "amplification", "log_tangent_amplification", "objective")
# Recorded sparsely, checked densely: with record_every > 1 the run keeps, for each recorded step t_i, the
# largest and smallest value of these over every step since the previous record (t_{i-1}, t_i], with the steps
# attaining them, so that a bound "for every t" sees every step without every step being kept.
ENVELOPE_FIELDS = ("separation", "amplification", "log_tangent_amplification")
# Default ceilings on the work one run may ask for; callers (and the CLI's --max-steps) may raise them.
MAX_STEPS = 1_000_000
MAX_RECORDED = 100_000  # recorded steps per run: each one is kept on both rungs of the ladder
# Numbers a convergence claim keeps per rung: steps x (dimension + reference points), the iterates and the claimed
# quantity at every step from each reference (checker.convergence.check_kept_numbers). Measured: about 0.8 KB
# each, both rungs and the check together (a 1-D claim with record_every = 1000: 1.6 KB per step, 1.7 GB peak at
# 1,000,000 steps), so the largest allowed claim stays under about 2 GB of memory.
MAX_PATH_ENTRIES = 2_000_000
# The perturbation must survive rounding with this many bits to spare (about 4 decimal digits).
PERTURBATION_MARGIN_BITS = 14
# mpmath is the reference; flint runs the same generated kernels on C-level arb numbers (midpoints kept
# between steps), several times faster, and tests hold it to the reference's trusted digits.
BACKENDS = ("mpmath", "flint")


@dataclass(frozen=True)
class RunSpec:
    """What to run, with every number exact; ``eta`` a constant or a schedule (``engine.schedule``: eta_t for
    the step from x_t to x_{t+1}, t = 0, ..., steps - 1)."""

    x0: tuple[sp.Rational, ...]
    direction: tuple[sp.Rational, ...]
    eps: sp.Rational
    eta: sp.Rational | StepSchedule
    steps: int
    record_every: int = 1
    parameters: tuple[sp.Rational, ...] = ()
    perturbed_parameters: tuple[sp.Rational, ...] | None = None
    # False for a run without a perturbation (a convergence claim): only the base run and the tangent along
    # ``direction`` are computed, and the perturbed start is not checked
    perturbed: bool = True

    @classmethod
    def build(cls, x0, direction, eps, eta, steps, record_every=1, parameters=(), perturbed_parameters=None,
              max_steps: int = MAX_STEPS, perturbed: bool = True):
        spec = cls(
            x0=_exact_vector(x0, "x0"),
            direction=_exact_vector(direction, "direction"),
            eps=_exact_scalar(eps, "eps"),
            eta=eta if isinstance(eta, StepSchedule) else _exact_scalar(eta, "eta"),
            steps=steps,
            record_every=record_every,
            parameters=_exact_vector(parameters, "parameters"),
            perturbed_parameters=None if perturbed_parameters is None
            else _exact_vector(perturbed_parameters, "perturbed_parameters"),
            perturbed=perturbed,
        )
        spec.validate_numbers(max_steps)
        return spec

    def validate_numbers(self, max_steps: int = MAX_STEPS):
        if not self.scheduled and self.eta <= 0:
            raise StepSizeError(f"eta: the step size must be positive, got {self.eta}")
        if self.eps <= 0:
            raise DomainError(f"eps: the perturbation size must be positive, got {self.eps}")
        for key, value in (("steps", self.steps), ("record_every", self.record_every)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise StepSizeError(f"{key}: expected a positive integer, got {value!r}")
        if self.steps > max_steps:
            raise StepSizeError(f"steps: {self.steps} exceeds the limit of {max_steps} steps per run; raise it "
                                "explicitly (mdtheory check --max-steps N, or RunSpec.build(..., max_steps=N))")
        if self.steps // self.record_every > MAX_RECORDED:
            raise StepSizeError(f"record_every: {self.steps // self.record_every} recorded steps exceed the limit of "
                                f"{MAX_RECORDED}; set record_every >= {-(-self.steps // MAX_RECORDED)}")
        if len(self.x0) != len(self.direction):
            raise DomainError(f"x0 has {len(self.x0)} coordinates but the direction has {len(self.direction)}")
        if self.scheduled:
            self.eta.check_positive(self.steps, "eta")

    @property
    def scheduled(self) -> bool:
        """eta is a schedule eta_t, not one number."""
        return isinstance(self.eta, StepSchedule)

    def elapsed(self, ctx, t: int):
        """sum_{s<t} eta_s in ``ctx`` (eta*t for a constant eta, rounded once from the exact product): what etaT
        means, and the time axis of rates and plots."""
        if not self.scheduled:
            return ctx.exact(self.eta * t)
        return step_sums(ctx, self.eta, self.steps)[t]

    def resolving_bits(self) -> int:
        """The smallest precision at which x0 + eps*v keeps PERTURBATION_MARGIN_BITS bits of the
        perturbation after rounding (|eps v_i| against |x_i| 2^-bits, in the best-resolved coordinate)."""
        ratios = [abs(x) / (self.eps * abs(v)) for x, v in zip(self.x0, self.direction) if v != 0]
        return max(53, _ceil_log2(min(ratios)) + PERTURBATION_MARGIN_BITS + 1)

    def check_resolved_at(self, bits: int) -> None:
        required = self.resolving_bits()
        if bits < required:
            raise UnresolvedPerturbationError(
                f"eps = {self.eps} is not resolved at precision_bits = {bits}: x0 + eps*v rounds to x0, or keeps "
                f"fewer than {PERTURBATION_MARGIN_BITS} bits of the perturbation; precision_bits >= {required} "
                "resolves it (or choose a larger eps)", required)

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
        if self.perturbed:
            domain.check_point(self.perturbed_start, "the perturbed start x0 + eps*v")


def _ceil_log2(value: sp.Expr) -> int:
    """ceil(log2(value)) for a positive exact real, exactly for a rational and without sympy's log (0 for
    value <= 1); for a closed form (sqrt(2)/4), which is no power of 2, from 30 digits of its logarithm."""
    if value <= 1:
        return 0
    if not value.is_Rational:
        return math.ceil(float(sp.log(value, 2).evalf(30)))
    p, q = int(value.p), int(value.q)
    k = max(0, p.bit_length() - q.bit_length())  # here p/q < 2^(k+1)
    while p > q << k:  # p/q > 2^k
        k += 1
    while k > 0 and p <= q << (k - 1):  # p/q <= 2^(k-1)
        k -= 1
    return k


class UnresolvedPerturbationError(PrecisionError):
    """The perturbation eps*v vanishes (or nearly) when x0 + eps*v is rounded to the working precision.
    The checker turns it into an inconclusive verdict naming the precision that would resolve it."""

    def __init__(self, message: str, required_bits: int):
        super().__init__(message)
        self.required_bits = required_bits


def _exact_vector(values, key: str) -> tuple[sp.Expr, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise DomainError(f"{key}: expected a list of exact numbers, got {type(values).__name__} {values!r:.40}")
    return tuple(_exact_scalar(v, f"{key}[{i}]") for i, v in enumerate(values))


def _exact_scalar(value, key: str) -> sp.Expr:
    try:
        return exact_real(value)
    except MDTheoryError as err:
        raise type(err)(f"{key}: {err}") from None


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
    # max(||x_t||, ||x'_t||): the magnitude the separation cancels, which the precision ladder needs to tell a
    # resolved difference from an absorbed one
    scale: list = field(default_factory=list)
    convexity_points: int = 0  # iterates at which phi's Hessian was checked positive definite
    final: list = field(default_factory=list)
    final_perturbed: list = field(default_factory=list)
    path: list = field(default_factory=list)  # x_0, ..., x_T of the base run, kept when a claim needs every step
    # log ||d x_t / d x_0|| on the allowed directions (every direction at once), when the run carries the frame
    log_worst_case_amplification: list = field(default_factory=list)
    # with record_every > 1: name -> {"max", "max_t", "min", "min_t"}, one entry per recorded step, over the steps
    # since the previous record (ENVELOPE_FIELDS), and "scale": the largest scale over those steps
    envelope: dict = field(default_factory=dict)

    def tangent_amplification(self, index: int):
        return self.ctx.exp(self.log_tangent_amplification[index])


def run_mirror_descent(
    md: MirrorDescent,
    spec: RunSpec,
    bits: int | None,
    kernel=None,
    progress: Callable[[int, int], None] | None = None,
    backend: str = "mpmath",
    perturbed: bool = True,
    keep_path: bool = False,
    worst_case: bool = False,
) -> RunSeries:
    """Iterate base, perturbed and tangent trajectories of the method ``md`` names; ``bits=None`` runs in
    float64. ``kernel`` is that method's compiled step (built with ``methods.kernel_for`` when not given).
    ``perturbed=False`` skips the perturbed trajectory (its separation series then stays empty) when only
    the tangent is wanted; so does a spec without a perturbation (``RunSpec.perturbed``). ``keep_path``
    keeps every base iterate (convergence claims read them). ``worst_case`` also carries the product of the
    one-step Jacobians on a basis of the allowed directions (``JacobianProductNorm``; mpmath backend only, for
    dimensions up to WORST_CASE_MAX_DIM).

    With ``backend="flint"`` the arithmetic is python-flint's arb at ``bits`` bits; the series come back
    as mpf values of a ``bits``-bit mpmath context, exactly as from the reference backend."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    perturbed = perturbed and spec.perturbed
    rule = method(md.method)
    if worst_case and len(rule.state) > 1:
        raise MDTheoryError(f"worst_case_amplification: method {rule.name!r} carries {len(rule.state)} vectors "
                            f"({', '.join(rule.state)}) and the worst case carries one; claim amplification along a "
                            "direction instead")
    if worst_case and md.regularizer.dim > WORST_CASE_MAX_DIM:
        raise MDTheoryError(f"worst_case_amplification: dimension {md.regularizer.dim} exceeds {WORST_CASE_MAX_DIM} "
                            "(it carries a dim x dim frame); claim amplification along a direction instead")
    if worst_case and (bits is None or backend != "mpmath"):
        raise ValueError("the worst case is carried in mpmath matrices (QR and SVD): run it at high precision "
                         "with backend='mpmath'")
    if keep_path and (spec.steps + 1) * md.regularizer.dim > MAX_PATH_ENTRIES:
        raise StepSizeError(f"steps: keeping {spec.steps + 1} iterates of dimension {md.regularizer.dim} exceeds "
                            f"{MAX_PATH_ENTRIES} numbers; use fewer steps for a convergence claim")
    spec.check_against(md)
    if bits is not None and perturbed:
        spec.check_resolved_at(bits)
    kernel = kernel or kernel_for(md)
    if getattr(kernel, "md", md).method != md.method:
        raise MDTheoryError(f"the kernel runs method {kernel.md.method!r} and the problem names {md.method!r}; build "
                            "the kernel with mdtheory.methods.kernel_for(problem)")
    if bits is None:
        # float64 is run as a user's float code would be: overflow, underflow and 0/0 propagate as
        # inf and nan, and are reported downstream, not raised.
        with np.errstate(all="ignore"):
            return _iterate(md, rule, spec, kernel, Float64Context(), progress, perturbed, keep_path)
    reference = working_context(bits)
    if backend == "mpmath":
        return _iterate(md, rule, spec, kernel, reference, progress, perturbed, keep_path, worst_case)
    with flint_precision(bits):
        return _as_mpmath(_iterate(md, rule, spec, kernel, ArbContext(bits), progress, perturbed, keep_path), reference)


def _as_mpmath(series: RunSeries, ctx) -> RunSeries:
    convert = lambda values: [ball_to_mpf(ctx, v) for v in values]
    return RunSeries(
        bits=series.bits, ctx=ctx, t=series.t, eta_t=convert(series.eta_t),
        **{name: convert(getattr(series, name)) for name in (*SERIES_FIELDS, "scale")},
        convexity_points=series.convexity_points,
        final=convert(series.final), final_perturbed=convert(series.final_perturbed),
        path=[convert(x) for x in series.path],
        envelope={name: ({key: (convert(v) if key in ("max", "min") else v) for key, v in stats.items()}
                         if isinstance(stats, dict) else convert(stats)) for name, stats in series.envelope.items()},
    )


def _flat(ctx, vectors) -> list:
    return [ctx.exact(v) for vector in vectors for v in vector]


def _iterate(md, rule, spec, kernel, ctx, progress, perturbed=True, keep_path=False, worst_case=False) -> RunSeries:
    num = ctx.exact
    eta_at = step_size_at(ctx, spec.eta)
    params = [num(p) for p in spec.parameters]
    params_perturbed = params if spec.perturbed_parameters is None else [num(p) for p in spec.perturbed_parameters]
    dim = md.regularizer.dim
    # The state is the method's vectors one after the other; the point x_t is the first. With one vector (plain
    # MD) the state is the point itself, so that nothing is sliced or added on the way.
    single = len(rule.state) == 1
    point_of = (lambda state: state) if single else (lambda state: state[:dim])
    x = _flat(ctx, rule.initial_state(spec.x0))
    x_perturbed = _flat(ctx, rule.initial_state(spec.perturbed_start))
    tangent = _flat(ctx, rule.initial_tangent(spec.x0, spec.direction))
    tangent_norm = ctx.vector_norm(point_of(tangent))  # the amplification is of the point's tangent, from 1 at t = 0
    tangent = [w / tangent_norm for w in tangent]
    initial_separation = ctx.distance(point_of(x), point_of(x_perturbed))
    log_growth = ctx.mpf(0)  # log ||J_t ... J_1 tangent_0||, the whole state's tangent
    series = RunSeries(bits=ctx.prec, ctx=ctx)
    # a kernel whose tangent nothing reads (a convergence or regret claim) skips it: its series stays empty
    track_tangent = perturbed or worst_case or kernel.tangent_needed
    check_convexity = kernel.checks_convexity_along_run and ctx.guards_domain
    frame = JacobianProductNorm(ctx, tangent_basis(dim, md.regularizer.domain)) if worst_case else None

    def point_log_growth():
        """log ||d x_t / d x_0 v|| / ||v||: the state's log growth, less what the other vectors carry."""
        if single or log_growth == ctx.ninf:
            return log_growth
        share = ctx.vector_norm(point_of(tangent))
        return log_growth + ctx.log(share) if share != 0 else ctx.ninf

    def convex_at(point, t, which):
        if check_convexity:
            kernel.check_strictly_convex_at(ctx, point, f"x_{t} of the {which} run at {ctx.prec} bits")
            series.convexity_points += 1

    convex_at(point_of(x), 0, "base")
    if perturbed:
        convex_at(point_of(x_perturbed), 0, "perturbed")

    dense = spec.record_every > 1
    watched = [name for name in ENVELOPE_FIELDS
               if perturbed or (track_tangent and name == "log_tangent_amplification")] if dense else []
    if dense:
        series.envelope = {name: {"max": [], "max_t": [], "min": [], "min_t": []} for name in watched}
        if perturbed:
            series.envelope["scale"] = []
    block: dict = {}  # name -> [max, max_t, min, min_t] since the last record

    def observe(t):
        """Every step's values enter the envelope of the block that the next record closes."""
        values = {"log_tangent_amplification": point_log_growth()} if track_tangent else {}
        if perturbed:
            separation = ctx.distance(point_of(x), point_of(x_perturbed))
            values["separation"], values["amplification"] = separation, separation / initial_separation
            scale = max(ctx.vector_norm(point_of(x)), ctx.vector_norm(point_of(x_perturbed)))
            values["scale"] = scale if "scale" not in block else max(block["scale"], scale)
            block["scale"] = values["scale"]
        for name in watched:
            value, stats = values[name], block.get(name)
            if stats is None:
                block[name] = [value, t, value, t]
            else:
                if value > stats[0]:
                    stats[0], stats[1] = value, t
                if value < stats[2]:
                    stats[2], stats[3] = value, t

    def close_block():
        for name in watched:
            stats = block[name]
            for key, value in zip(("max", "max_t", "min", "min_t"), stats):
                series.envelope[name][key].append(value)
        if "scale" in block:
            series.envelope["scale"].append(block["scale"])
        block.clear()

    def record(t):
        if dense:
            close_block()
        series.t.append(t)
        series.eta_t.append(spec.elapsed(ctx, t))  # eta*t or sum_{s<t} eta_s, exact then rounded where it can be
        if perturbed:
            separation = ctx.distance(point_of(x), point_of(x_perturbed))
            series.separation.append(separation)
            series.amplification.append(separation / initial_separation)
            series.scale.append(max(ctx.vector_norm(point_of(x)), ctx.vector_norm(point_of(x_perturbed))))
        if track_tangent:
            series.log_tangent_amplification.append(point_log_growth())
        series.objective.append(kernel.objective(ctx, point_of(x), params))
        if frame is not None:
            series.log_worst_case_amplification.append(frame.log_norm())

    if dense:
        observe(0)
    record(0)
    if keep_path:
        series.path.append(point_of(x))
    for t in range(1, spec.steps + 1):
        eta = eta_at(t - 1)  # the step from x_{t-1} to x_t
        x_next = ctx.midpoints(kernel.step(ctx, x, eta, params))
        if frame is not None:  # the worst case forms J_t anyway: one Jacobian per step serves the frame and the tangent
            jacobian = kernel.jacobian(ctx, x, x_next, eta, params)
            frame.advance(jacobian)
            tangent = ctx.matvec(jacobian, tangent)
        elif track_tangent:
            tangent = ctx.midpoints(kernel.tangent(ctx, x, x_next, eta, tangent, params))
        if track_tangent:
            growth = ctx.vector_norm(tangent)
            if growth == 0:
                log_growth = ctx.ninf  # J_t v = 0 exactly: the tangent is annihilated and stays so
            else:
                log_growth = ctx.midpoints([log_growth + ctx.log(growth)])[0]
                tangent = ctx.midpoints([w / growth for w in tangent])
        if perturbed:
            x_perturbed = ctx.midpoints(kernel.step(ctx, x_perturbed, eta, params_perturbed))
            convex_at(point_of(x_perturbed), t, "perturbed")
        convex_at(point_of(x_next), t, "base")
        x = x_next
        if keep_path:
            series.path.append(point_of(x))
        if dense:
            observe(t)
        if t % spec.record_every == 0 or t == spec.steps:
            record(t)
        if progress is not None:
            progress(t, spec.steps)
    series.final, series.final_perturbed = point_of(x), (point_of(x_perturbed) if perturbed else [])
    return series


WORST_CASE_MAX_DIM = 20  # the worst case carries a dim x dim frame: beyond this, use directions instead


def tangent_basis(dim: int, domain: Domain) -> list[list[sp.Rational]]:
    """A basis of the directions a perturbation may take: e_i, or e_i - e_d on the simplex."""
    if domain is not Domain.SIMPLEX:
        return [[sp.Integer(int(i == j)) for j in range(dim)] for i in range(dim)]
    return [[sp.Integer(int(i == j)) - sp.Integer(int(j == dim - 1)) for j in range(dim)] for i in range(dim - 1)]


class JacobianProductNorm:
    """log ||J_t ... J_1||, the operator norm of d x_t / d x_0 restricted to the allowed directions.

    The product is carried applied to an orthonormal basis of those directions, re-orthonormalized (QR) every
    step with the log of the scale accumulated, so that its growth never overflows; the largest singular
    value is read off the product of the triangular factors. mpmath matrices (an mpmath context) only.
    """

    def __init__(self, ctx, basis):
        self.ctx = ctx
        columns = ctx.matrix([[ctx.exact(v) for v in row] for row in basis]).T
        self.frame, _ = ctx.qr(columns, mode="skinny")
        self.accumulated = ctx.eye(columns.cols)
        self.log_scale = ctx.mpf(0)
        self.steps = 0

    def advance(self, jacobian):
        ctx = self.ctx
        self.frame, r = ctx.qr(jacobian * self.frame, mode="skinny")
        self.accumulated = r * self.accumulated
        scale = ctx.mnorm(self.accumulated, 1)
        self.accumulated = self.accumulated / scale
        self.log_scale += ctx.log(scale)
        self.steps += 1

    def log_norm(self):
        ctx = self.ctx
        if self.steps == 0:
            return ctx.mpf(0)  # d x_0 / d x_0 = I: exactly 1, which an SVD would only approximate
        return self.log_scale + ctx.log(max(ctx.svd_r(self.accumulated, compute_uv=False)))
