"""The inverse mirror map x = (grad phi)^{-1}(y) in any context.

A verified closed form is evaluated with an image check where it holds only on part of the dual space;
otherwise Newton on grad phi(x) = y, seeded in float64 and finished at working precision. Float64 Newton for
a separable phi needs no linear solve, so it runs on plain Python floats (several times cheaper per scalar
than numpy's) and falls back to numpy float64 where a Python float overflows.
"""

from __future__ import annotations

import math

import numpy as np

from mdtheory.engine.codegen import CompiledGeometry
from mdtheory.engine.context import Float64Context, PythonFloatContext
from mdtheory.engine.domain_checks import is_real
from mdtheory.errors import DomainError, NewtonConvergenceError, OverflowGuardError
from mdtheory.symbolic.domains import Domain

FLOAT64 = Float64Context()
PYTHON_FLOAT = PythonFloatContext()
MAX_FLOAT_NEWTON = 60
FLOAT_NEWTON_TOLERANCE = 4e-15
# Quadratic convergence from a float64 seed reaches 2^-bits in about log2(bits/50) steps; the slack
# covers poorly conditioned Hessians.
EXTRA_PRECISE_NEWTON = 12


class InverseSolver:
    """(grad phi)^{-1} of one compiled geometry."""

    def __init__(self, geometry: CompiledGeometry):
        self.maps = geometry
        self.geometry = geometry.geometry
        self.name = self.geometry.regularizer.name
        self.separable, self.dim = self.geometry.separable, self.geometry.dim
        self.on_reals = self.geometry.domain is Domain.REALS

    def __call__(self, ctx, y, seed):
        """x with grad phi(x) = y; ``seed`` (the previous iterate) starts Newton when there is no closed form."""
        if self.maps.inverse is None:
            return self.newton(ctx, y, seed)
        try:
            x = self.maps.inverse(ctx, *y)
        except OverflowGuardError:
            raise  # exp's argument guard, not the image of grad phi: its own message names the limit
        except (ZeroDivisionError, ValueError):
            raise self.outside_image(ctx, y) from None
        if self.geometry.inverse.conditions and ctx.guards_domain:
            back = self.maps.mirror_map(ctx, *x)
            tolerance = ctx.ldexp(1, -(ctx.prec // 2))
            for xi, bi, yi in zip(x, back, y):
                if not is_real(ctx, xi) or abs(bi - yi) > tolerance * (1 + abs(yi)):
                    raise self.outside_image(ctx, y)
        return x

    def outside_image(self, ctx, y) -> DomainError:
        conditions = ", ".join(map(str, self.geometry.inverse.conditions)) or "see the inverse's domain"
        return DomainError(
            f"the dual point y = {[ctx.nstr(v, 8) for v in y]} is outside the image of grad phi "
            f"({conditions}) for {self.name!r}: the step size is too large for this "
            "objective here; reduce eta"
        )

    # ----------------------------------------------------------------- Newton
    def newton(self, ctx, y, seed):
        x = self.float_seed(y, seed)
        if not ctx.refines_float_seed:
            if x is None:
                raise NewtonConvergenceError(
                    f"float64 Newton for the inverse mirror map of {self.name!r} did not converge in "
                    f"{MAX_FLOAT_NEWTON} steps; reduce eta or check that y is in the image of grad phi"
                )
            return [np.float64(v) for v in x]
        x = [ctx.mpf(v) for v in (x if x is not None else seed)]
        tolerance = ctx.ldexp(1, -(ctx.prec - 8))
        budget = EXTRA_PRECISE_NEWTON + int(math.log2(ctx.prec))
        residual = [ctx.inf]
        for _ in range(budget):
            try:
                residual, delta = self.newton_direction(ctx, x, y)
            except ZeroDivisionError:
                break  # singular Hessian: reported below with the residual reached
            x = ctx.midpoints(self.damped(x, delta))
            if ctx.vector_norm(ctx.midpoints(delta)) <= tolerance * (1 + ctx.vector_norm(x)):
                return x
        raise NewtonConvergenceError(
            f"Newton for the inverse mirror map of {self.name!r} did not converge in {budget} steps at "
            f"{ctx.prec} bits (last residual {ctx.nstr(ctx.vector_norm(residual), 5)}); the dual point "
            "may be outside the image of grad phi or the Hessian nearly singular there: reduce eta, or "
            "start farther from the boundary"
        )

    def newton_direction(self, ctx, x, y, separable: bool | None = None):
        """(grad phi(x) - y, Hess phi(x)^{-1} (grad phi(x) - y)); ZeroDivisionError if Hess phi(x) is
        singular. ``separable=False`` takes the general path (a linear solve) for any phi."""
        if self.separable if separable is None else separable:
            dim = self.dim
            both = self.maps.mirror_map_and_curvature(ctx, *x)
            residual = [g - yi for g, yi in zip(both[:dim], y)]
            if any(h == 0 for h in both[dim:]):
                raise ZeroDivisionError("singular Hessian")
            return residual, [r / h for r, h in zip(residual, both[dim:])]
        residual = [g - yi for g, yi in zip(self.maps.mirror_map(ctx, *x), y)]
        return residual, ctx.solve(ctx.as_matrix(self.maps.hessian(ctx, *x)), residual)

    def float_seed(self, y, seed):
        """Newton's float64 answer from ``seed``, or None where it fails (then precise Newton starts at seed).
        Python floats raise on an overflowing intermediate (exp(1e6 x) in a Gaussian bump), where numpy
        float64, whose inf and 0 cancel to the right result more often, gets a second try."""
        if self.separable:
            try:
                return self.float_newton(PYTHON_FLOAT, float, y, seed)
            except OverflowError:
                pass
        try:
            return self.float_newton(FLOAT64, np.float64, y, seed)
        except OverflowError:
            return None

    def float_newton(self, ctx, number, y, seed, separable: bool | None = None):
        """Newton in a float context whose scalars are ``number``; None where it fails to converge."""
        x = [number(v) for v in seed]
        target = [number(v) for v in y]
        norm = lambda vector: math.sqrt(math.fsum(v * v for v in vector))
        with np.errstate(all="ignore"):
            for _ in range(MAX_FLOAT_NEWTON):
                try:
                    _, delta = self.newton_direction(ctx, x, target, separable)
                    x = self.damped(x, list(delta))
                except OverflowError:
                    raise
                except (np.linalg.LinAlgError, ArithmeticError, ValueError):
                    return None
                if not all(math.isfinite(v) for v in x):
                    return None
                if norm(delta) <= FLOAT_NEWTON_TOLERANCE * (1 + norm(x)):
                    return x
        return None

    def damped(self, x, delta):
        """x - delta, halving the step while it would leave the positive orthant."""
        step = 1
        for _ in range(60):
            candidate = [xi - step * di for xi, di in zip(x, delta)]
            if self.on_reals or all(c > 0 for c in candidate):
                return candidate
            step = step / 2
        return candidate
