"""Inexact Mirror Descent: per-step errors injected after each exact step, and online MD with regret.

An inexact MD step returns some x~ near the exact x+ instead of x+ itself (a prox step solved only to a
tolerance, a quantized or communicated iterate). ``StepError`` says which x~; ``online_mirror_descent``
plays MD against a loss sequence with the error injected after every step and keeps the regret against the
best fixed point of the simplex (a vertex, for linear losses).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.engine.context import working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.schedule import StepSchedule, step_size_at
from mdtheory.errors import DomainError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.parsing import exact_real


def linear_loss_problem(regularizer) -> MirrorDescent:
    """MD on f(x) = <c, x> with the loss vector c as run-time parameters."""
    from mdtheory.symbolic.objectives import Objective

    costs = sp.symbols(f"c1:{regularizer.dim + 1}", real=True)
    expr = sum(c * x for c, x in zip(costs, regularizer.variables))
    return MirrorDescent(regularizer, Objective("online linear loss", expr, regularizer.variables, costs))


class StepError:
    """x~ from the exact step's x+ (each subclass says how, and how large the error is)."""

    def apply(self, ctx, x: list) -> list:
        raise NotImplementedError


@dataclass(frozen=True)
class BoundaryPush(StepError):
    """Moves min(size/2, x_min/2) of probability from the smallest coordinate to the largest: an error of
    l1 size at most ``size`` that points toward the boundary, where a regularizer's dual is most sensitive.
    It never leaves the simplex (it at most halves the smallest coordinate)."""

    size: sp.Rational

    def __post_init__(self):
        object.__setattr__(self, "size", exact_real(self.size))
        if self.size < 0:
            raise DomainError(f"an error size must be >= 0, got {self.size}")

    def apply(self, ctx, x):
        if self.size == 0:
            return x
        low = min(range(len(x)), key=lambda i: x[i])
        high = max(range(len(x)), key=lambda i: x[i])
        moved = min(ctx.exact(self.size) / 2, x[low] / 2)
        return [xi - moved if i == low else xi + moved if i == high else xi for i, xi in enumerate(x)]


@dataclass
class OnlineRun:
    bits: int
    ctx: object
    cumulative_loss: object
    comparator_loss: object
    regret: list = field(default_factory=list)  # regret after each step
    smallest: list = field(default_factory=list)  # the smallest coordinate after each step
    magnitude: list = field(default_factory=list)  # |cumulative loss| + |comparator loss|: what the regret cancels
    largest_loss: object = 0  # max_t ||l_t||_inf

    @property
    def final_regret(self):
        return self.regret[-1]


def online_mirror_descent(md: MirrorDescent, x0: Sequence, eta, losses: Callable[[int], Sequence], steps: int,
                          bits: int, error: StepError | None = None,
                          kernel: MirrorDescentKernel | None = None, in_context: bool = False,
                          rule=None) -> OnlineRun:
    """Online MD on the simplex: play x_t, suffer <l_t, x_t>, step on the linear loss l_t (the objective's
    parameters are the loss vector), then apply ``error``. Regret is against the best fixed vertex.
    ``losses(t)`` (t = 0, 1, ...) gives exact numbers, or with ``in_context`` ``losses(ctx, t)`` gives numbers of
    the run's context (losses such as (1 + sin t)/2 that are not rational). ``eta``: an exact number, or a
    schedule (``engine.schedule.StepSchedule``) whose eta_t makes the step after round t + 1. ``rule``: the
    method that plays (``mdtheory.methods.Method.online_step``: ftrl steps from x0 on the sum of the losses);
    plain MD's step by default."""
    if md.regularizer.domain is not Domain.SIMPLEX or len(md.parameters) != md.regularizer.dim:
        raise DomainError("online MD needs a simplex regularizer and the linear objective sum_i c_i x_i whose "
                          "parameters c are the loss vector (``linear_loss_problem`` builds it)")
    ctx = working_context(bits)
    kernel = kernel or MirrorDescentKernel(md)
    md.regularizer.domain.check_point([exact_real(v) for v in x0], "x0")
    x = [ctx.exact(v) for v in x0]
    start = x
    eta_at = step_size_at(ctx, eta if isinstance(eta, StepSchedule) else exact_real(eta))
    totals = [ctx.mpf(0)] * len(x)
    loss = ctx.mpf(0)
    run = OnlineRun(bits, ctx, loss, loss)
    for t in range(steps):
        ell = losses(ctx, t) if in_context else [ctx.exact(exact_real(v)) for v in losses(t)]
        run.largest_loss = max([run.largest_loss, *(abs(v) for v in ell)])
        eta = eta_at(t)
        loss += ctx.fsum(li * xi for li, xi in zip(ell, x))
        totals = [a + li for a, li in zip(totals, ell)]
        x = kernel.step(ctx, x, eta, ell) if rule is None else rule.online_step(kernel, ctx, x, start, eta, ell, totals)
        if error is not None:
            x = error.apply(ctx, x)
        run.regret.append(loss - min(totals))
        run.magnitude.append(abs(loss) + abs(min(totals)))
        run.smallest.append(min(x))
    run.cumulative_loss, run.comparator_loss = loss, min(totals)
    return run
