"""Certified lower bounds with ball arithmetic (python-flint ``arb``).

A certificate is a theorem about one instance: every operation is done on balls that are guaranteed to
contain the exact real result, so the lower endpoint of the final ball is a proven lower bound. Exact
rationals enter as exact quotients of integers; nothing passes through a float.

flint's working precision is a process-wide setting; ``flint_precision`` (in the engine) sets it for the
duration of one certificate and restores it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mdtheory.engine.closed_forms import GroupedSimplexStart
from mdtheory.engine.context import ArbContext, flint_precision
from mdtheory.symbolic.parsing import exact_number, exact_real


@dataclass(frozen=True)
class Certificate:
    """``quantity >= lower_bound`` proved at ``bits`` bits of ball arithmetic (None when not proved)."""

    statement: str
    lower_bound: str | None
    bits: int
    method: str
    enclosure: str

    @property
    def proved(self) -> bool:
        return self.lower_bound is not None


def exact_ball(value):
    """An exact number (a rational, or a closed form such as sqrt(2)/4) as a ball at flint's precision."""
    from flint import ctx

    return ArbContext(ctx.prec).exact(value)


def round_down(ball, digits: int = 10) -> str | None:
    """A decimal string with ``digits`` significant digits that is <= every point of ``ball`` (None if the
    ball is unbounded below). The lower endpoint is read exactly and rounded down in integer arithmetic."""
    lower = ball.lower()
    if not lower.is_finite():
        return None
    mantissa, exponent = lower.mid().man_exp()
    value = sp.Integer(int(mantissa)) * sp.Integer(2) ** int(exponent)
    if value == 0:
        return "0"
    magnitude = int(sp.floor(sp.log(abs(value), 10)))
    if abs(value) < sp.Rational(10) ** magnitude:  # guard the floating log at exact powers of ten
        magnitude -= 1
    units = int(sp.floor(value / sp.Rational(10) ** (magnitude - digits + 1)))  # exact floor, `digits` digits
    significand = str(abs(units))
    # the exponent signed, e+11, as a context's nstr writes it
    text = f"{'-' if units < 0 else ''}{significand[0]}.{significand[1:]}e{magnitude + len(significand) - digits:+d}"
    assert exact_ball(exact_number(text)) <= lower
    return text


def entropic_linear_amplification(start: GroupedSimplexStart, eta, steps: int, eps, bits: int = 256) -> dict:
    """Certified lower bounds on the finite amplification ||x_T - x_T'|| / ||x_0 - x_0'|| and the tangent
    amplification ||J_T v|| / ||v|| of entropic MD with a linear objective, from the closed form
    x_T = softmax(log x_0 - eta T c), evaluated in ball arithmetic for both starts."""
    with flint_precision(bits):
        m = start.multiplicities
        s = exact_ball(exact_real(eta) * steps)
        eps_ball = exact_ball(eps)
        x0 = [exact_ball(v) for v in start.x0]
        v = [exact_ball(d) for d in start.direction]
        c = [exact_ball(cost) for cost in start.costs]

        def softmax(point):
            weights = [p * (-s * ci).exp() for p, ci in zip(point, c)]
            total = sum((k * w for k, w in zip(m, weights)), exact_ball(0))
            return [w / total for w in weights]

        x = softmax(x0)
        x_perturbed = softmax([p + eps_ball * d for p, d in zip(x0, v)])
        norm = lambda vector: sum((k * w * w for k, w in zip(m, vector)), exact_ball(0)).sqrt()
        v_norm = norm(v)
        finite = norm([a - b for a, b in zip(x, x_perturbed)]) / (eps_ball * v_norm)
        scaled = [d / p for d, p in zip(v, x0)]
        mean = sum((k * xi * ui for k, xi, ui in zip(m, x, scaled)), exact_ball(0))
        tangent = norm([xi * (ui - mean) for xi, ui in zip(x, scaled)]) / v_norm
        return {
            "finite": Certificate(
                f"||x_T - x_T'|| / ||x_0 - x_0'|| at T = {steps} (eta = {eta}, eps = {eps})", round_down(finite), bits,
                "closed-form T-step map in ball arithmetic", str(finite)),
            "tangent": Certificate(
                f"||J_T v|| / ||v|| at T = {steps} (eta = {eta})", round_down(tangent), bits,
                "J_T = (diag(x_T) - x_T x_T^T) diag(1/x_0) in ball arithmetic", str(tangent)),
        }


class CertificateFailure(Exception):
    """The enclosure could not be continued (balls too wide for the inclusion test)."""


KRAWCZYK_ATTEMPTS = 6


def enclose_trajectory(kernel, x0, eta, steps: int, bits: int, truncation_error=None, params=()):
    """Boxes X_0, ..., X_T (lists of arb) containing the exact MD iterates from the exact point ``x0``.

    Each step evaluates the dual point Y = grad phi(X_t) - eta grad f(X_t) in ball arithmetic (plus a
    rigorous bound on any truncation the objective makes, ``truncation_error(ctx)``), then encloses the
    unique solution of grad phi(x) = y over all y in Y with the Krawczyk operator
        K(B) = x~ - C (grad phi(x~) - Y) + (I - C Hess phi(B)) (B - x~),
    accepting K(B) only when it lies in the interior of the box B (which proves existence and uniqueness).
    Raises CertificateFailure when no box passes the test.
    """
    from flint import arb, arb_mat

    with flint_precision(bits):
        ctx = ArbContext(bits)
        eta_ball = exact_ball(eta)
        box = [exact_ball(v) for v in x0]
        params = [exact_ball(p) for p in params]
        boxes = [box]
        dim = len(box)
        for t in range(1, steps + 1):
            dual = [arb(y) for y in kernel.dual_point(ctx, box, eta_ball, params)]
            if truncation_error is not None:
                slack = truncation_error(ctx) * eta_ball
                dual = [y + arb(0, slack.upper()) for y in dual]
            guess = [arb(v.mid()) for v in box]
            target = [arb(y.mid()) for y in dual]
            for _ in range(8):  # Newton on midpoints: only a good centre, rigor comes from the test below
                residual = [g - y for g, y in zip(kernel.mirror_map(ctx, guess), target)]
                step = arb_mat(kernel.regularizer_hessian(ctx, guess)).solve(arb_mat([[r] for r in residual]))
                guess = [arb((g - step[i, 0]).mid()) for i, g in enumerate(guess)]
            centre_hessian = arb_mat([[arb(arb(h).mid()) for h in row] for row in kernel.regularizer_hessian(ctx, guess)])
            preconditioner = arb_mat([[arb(c.mid()) for c in row] for row in centre_hessian.inv().tolist()])
            offset = [g - y for g, y in zip(kernel.mirror_map(ctx, guess), dual)]
            width = max(y.rad() for y in dual) * 4 + arb(2) ** (-bits + 40) * (1 + max(abs(g.mid()) for g in guess))
            for _ in range(KRAWCZYK_ATTEMPTS):
                trial = [arb(g.mid(), width.upper()) for g in guess]
                hessian_box = arb_mat(kernel.regularizer_hessian(ctx, trial))
                contraction = arb_mat(ctx_identity(dim)) - preconditioner * hessian_box
                correction = preconditioner * arb_mat([[o] for o in offset])
                spread = contraction * arb_mat([[b - g] for b, g in zip(trial, guess)])
                candidate = [guess[i] - correction[i, 0] + spread[i, 0] for i in range(dim)]
                if all(b.contains_interior(k) for b, k in zip(trial, candidate)):
                    box = candidate
                    break
                width = width * 4
            else:
                raise CertificateFailure(f"the Krawczyk inclusion test failed at step {t}: the enclosure is too wide")
            boxes.append(box)
        return boxes


def ctx_identity(n: int):
    return [[1 if i == j else 0 for j in range(n)] for i in range(n)]


def separation_lower_bound(box_a, box_b, norm_of_initial_difference, digits: int = 10) -> str | None:
    """A proven lower bound on ||a - b|| / ||a_0 - b_0|| for all a in box_a, b in box_b."""
    difference = [a - b for a, b in zip(box_a, box_b)]
    norm = sum((d * d for d in difference), exact_ball(0)).sqrt()
    return round_down(norm / norm_of_initial_difference, digits)
