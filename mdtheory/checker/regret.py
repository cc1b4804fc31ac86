"""Regret of online Mirror Descent on the simplex, on the precision ladder.

Round t = 1, ..., T plays x_t (x_1 = x0), suffers <l_t, x_t>, and steps on the linear loss l_t. The regret
after t rounds is sum_{s<=t} <l_s, x_s> - min_i sum_{s<=t} l_{s,i}: for linear losses the best fixed point
of the simplex is a vertex, so the comparator is exact. Constants: eta, d, T, and G = max_t ||l_t||_inf; step
sums (checker.bounds.STEP_SUMS) sum_eta, sum_eta2 and sum_g2 = sum_{s<t} ||l_s||_*^2 after t rounds. A schedule
eta_t (engine.schedule, t from 0) makes the step after round t + 1: eta_0 is the first round's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sympy as sp

from mdtheory.checker.convergence import DUAL_NORMS, _dual_norm
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.checker.result import md_update_text
from mdtheory.engine.context import MAX_EXPONENT_ARGUMENT_BITS, working_context
from mdtheory.engine.inexact import linear_loss_problem, online_mirror_descent
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import laddered
from mdtheory.engine.schedule import StepSchedule, step_sums
from mdtheory.errors import ExpressionError, OverflowGuardError
from mdtheory.methods import method
from mdtheory.methods.projected import PROJECTED_MD, ProjectedKernel


def regret_update_text(regularizer) -> str:
    """The step online MD runs each round, from the same derived step as offline MD on f = <l_t, x>."""
    md = linear_loss_problem(regularizer)
    renaming = {c: sp.Symbol(f"l{i + 1}") for i, c in enumerate(md.parameters)}
    return ("each round, x = x_t, x+ = x_{t+1}, f = <l_t, x> with l_t = (l1, l2, ...) the round's losses: "
            + md_update_text(md, renaming))


def measure_regret(regularizer, x0, eta, losses: Callable, steps: int, bits: int, norm: str = "l1",
                   rule=None) -> SeriesMeasurement:
    """``losses(ctx, t)``: the loss vector of round t + 1 (t = 0, ..., steps - 1) in ``ctx``. G is the largest
    dual norm of ``norm`` (l1: the sup norm) of a loss vector. ``rule``: the method that plays
    (``Method.online_step``), plain MD by default."""
    md = linear_loss_problem(regularizer)
    kernel = MirrorDescentKernel(md)
    guard = 2**MAX_EXPONENT_ARGUMENT_BITS
    largest = {}  # the largest dual norm of a loss vector, by context
    squares = {}  # sum_{s<t} ||l_s||_*^2 for t = 0, 1, ..., by context

    def guarded_losses(ctx, t):
        try:
            vector = losses(ctx, t)
            size = _dual_norm(ctx, vector, norm)
            largest[id(ctx)] = max(largest.get(id(ctx), ctx.mpf(0)), size)
            sums = squares.setdefault(id(ctx), [ctx.mpf(0)])
            sums.append(sums[-1] + size * size)
            return vector
        except OverflowGuardError:  # the loss expression itself, not the step
            raise ExpressionError(
                f"[problem] losses: round t = {t + 1} takes exp of an argument past the exponent guard "
                f"2^{MAX_EXPONENT_ARGUMENT_BITS} (about {guard:.2g}), beyond which no precision holds exp's value; "
                "rewrite the loss expressions so that they stay within it") from None

    try:
        coarse, fine = (online_mirror_descent(md, x0, eta, guarded_losses, steps, b, kernel=kernel, in_context=True,
                                              rule=rule)
                        for b in (bits, 2 * bits))
    except OverflowGuardError:
        # a step's exp argument is grad phi(x) - eta l_t (the entropy's log x - eta l_t): eta * |loss| sets it
        raise OverflowGuardError(
            f"online MD with eta = {eta}: a step takes exp of grad phi(x) - eta * loss, and that argument passed the "
            f"exponent guard 2^{MAX_EXPONENT_ARGUMENT_BITS} (about {guard:.2g}), beyond which no precision holds exp's value. "
            f"The limit is on eta * |loss|, not on eta alone: rescale the losses (Hedge's regret bound is stated for "
            f"losses in [0, 1]) so that eta * max|loss| < 2^{MAX_EXPONENT_ARGUMENT_BITS}"
            + ("" if isinstance(eta, StepSchedule) else f", i.e. |loss| < {float(guard / eta):.3g} at this eta")) from None
    ctx = fine.ctx
    zero = [ctx.mpf(0)]
    regret = laddered(ctx, zero + fine.regret, zero + coarse.regret, zero + coarse.magnitude, bits)
    constants = {"d": (ctx.mpf(regularizer.dim), coarse.ctx.mpf(regularizer.dim)),
                 "G": (largest[id(ctx)], largest[id(coarse.ctx)])}
    provenance = {"d": "exact (the number of experts)",
                  "G": f"computed: max_t ||l_t||_{DUAL_NORMS[norm][1:]} over the rounds played"}
    if not isinstance(eta, StepSchedule):  # a schedule is no one number: bounds name its sums
        constants["eta"], provenance["eta"] = (ctx.exact(eta), coarse.ctx.exact(eta)), "exact (the run's step size)"
    contexts = (ctx, coarse.ctx)
    sums = {"sum_eta": lambda rung: step_sums(contexts[rung], eta, steps),
            "sum_eta2": lambda rung: step_sums(contexts[rung], eta, steps, 2),
            "sum_g2": lambda rung: squares[id(contexts[rung])]}
    return SeriesMeasurement(ctx, list(range(steps + 1)), list(step_sums(ctx, eta, steps)),
                             {"regret": regret}, (bits, 2 * bits), constants, provenance,
                             reference="the best fixed vertex in hindsight", step_sums=sums)


def projected_loss_problem(regularizer, constraint):
    """Projected MD on f = <c, x> onto ``constraint``, the loss vector c as run-time parameters."""
    return dataclasses.replace(linear_loss_problem(regularizer), method=PROJECTED_MD, constraint=constraint)


def projected_regret_update_text(regularizer, constraint) -> str:
    md = projected_loss_problem(regularizer, constraint)
    renaming = {c: sp.Symbol(f"l{i + 1}") for i, c in enumerate(md.parameters)}
    return ("each round, x = x_t, x+ = x_{t+1}, f = <l_t, x> with l_t = (l1, l2, ...) the round's losses: "
            + method(md.method).update_text(md, renaming))


def measure_projected_regret(regularizer, constraint, x0, eta, losses: Callable, steps: int, bits: int,
                             norm: str, rule=None) -> SeriesMeasurement:
    """Online MD projected onto ``constraint`` (online gradient descent on a ball or a box for a Euclidean phi):
    play x_t, suffer <l_t, x_t>, take the mirror step on l_t and project. The comparator after k rounds is
    min over C of <L_k, x>, L_k = l_1 + ... + l_k, from the set's closed form (-R ||L_k|| on a ball, a corner of
    a box), evaluated on each rung. ``rule``: the method that plays (``Method.online_step``: ftrl projects lazily,
    Proj(x0 - eta L_t) for the Euclidean phi), plain MD by default."""
    kernel = ProjectedKernel(projected_loss_problem(regularizer, constraint))
    kernel.tangent_needed = False  # regret reads no tangent: a step onto the sphere or a bound is no kink here

    def rung(b):
        ctx = working_context(b)
        x, step = [ctx.exact(v) for v in x0], ctx.exact(eta)
        start = x
        totals, played, size, largest = [ctx.mpf(0)] * len(x), ctx.mpf(0), ctx.mpf(0), ctx.mpf(0)
        regret, magnitude = [ctx.mpf(0)], [ctx.mpf(0)]
        for t in range(steps):
            ell = losses(ctx, t)
            largest = max(largest, _dual_norm(ctx, ell, norm))
            played += ctx.fsum(li * xi for li, xi in zip(ell, x))
            size += ctx.fsum(abs(li * xi) for li, xi in zip(ell, x))
            totals = [a + li for a, li in zip(totals, ell)]
            best, best_size = constraint.linear_minimum(ctx, totals)
            regret.append(played - best)
            magnitude.append(size + best_size)
            x = (kernel.step(ctx, x, step, ell) if rule is None
                 else rule.online_step(kernel, ctx, x, start, step, ell, totals))
        return ctx, regret, magnitude, largest

    (coarse_ctx, coarse, coarse_size, coarse_g), (ctx, fine, _, fine_g) = rung(bits), rung(2 * bits)
    regret = laddered(ctx, fine, coarse, coarse_size, bits)
    constants = {"eta": (ctx.exact(eta), coarse_ctx.exact(eta)),
                 "d": (ctx.mpf(regularizer.dim), coarse_ctx.mpf(regularizer.dim)), "G": (fine_g, coarse_g)}
    provenance = {"eta": "exact (the run's step size)", "d": "exact (the number of coordinates)",
                  "G": f"computed: max_t ||l_t||_{DUAL_NORMS[norm][1:]} over the rounds played"}
    return SeriesMeasurement(ctx, list(range(steps + 1)), [ctx.exact(eta * t) for t in range(steps + 1)],
                             {"regret": regret}, (bits, 2 * bits), constants, provenance,
                             reference=f"the best fixed point of {constraint.describe()} in hindsight (closed form)")
