"""The simplex step's Lagrange multiplier: x+ = psi(y + nu 1) with sum x+ = 1, psi = (grad phi)^{-1}.

sum psi(y + nu) increases in nu, so nu is found in float64 by a safeguarded bracket-and-bisect, then
refined by Newton at working precision (slope sum 1 / h''(x_i)).
"""

from __future__ import annotations

import math

import numpy as np

from mdtheory.engine.inverse import EXTRA_PRECISE_NEWTON, FLOAT64, InverseSolver
from mdtheory.errors import DomainError, NewtonConvergenceError

MAX_BRACKET_DOUBLINGS = 200
# A closed-form inverse evaluated outside the image of grad phi (e.g. the wrong branch of a power) maps
# back to a different y; a relative mismatch above this is treated as leaving the image.
IMAGE_CHECK_FLOAT = 1e-8


class SimplexMultiplier:
    """The normalized simplex step of one geometry, through its inverse solver."""

    def __init__(self, inverse: InverseSolver):
        self.inverse = inverse
        self.maps = inverse.maps
        self.name = inverse.name

    def __call__(self, ctx, y, seed):
        """x+ = psi(y + nu 1) with sum x+ = 1."""
        nu = self.float_multiplier(y, seed)
        if not ctx.refines_float_seed:
            return self.shifted_inverse(ctx, y, nu, seed)
        nu = ctx.mpf(nu)
        tolerance = ctx.ldexp(1, -(ctx.prec - 8))
        for _ in range(EXTRA_PRECISE_NEWTON + int(math.log2(ctx.prec))):
            x = self.shifted_inverse(ctx, y, nu, seed)
            hess = self.maps.hessian(ctx, *x)
            slope = sum(1 / hess[i][i] for i in range(len(x)))
            delta = (sum(x) - 1) / slope
            nu = ctx.midpoints([nu - delta])[0]
            if abs(ctx.midpoints([delta])[0]) <= tolerance * (1 + abs(nu)):
                return self.shifted_inverse(ctx, y, nu, seed)
        raise NewtonConvergenceError(
            f"the simplex multiplier of {self.name!r} did not converge at {ctx.prec} bits; reduce eta"
        )

    def shifted_inverse(self, ctx, y, nu, seed):
        return self.inverse(ctx, [yi + nu for yi in y], seed)

    def float_multiplier(self, y, seed) -> float:
        """nu with sum psi(y + nu) = 1, in float64. psi is valid on an interval of nu (the shifted dual point
        must stay in the image of grad phi) and sum psi increases there, so: find a valid nu, walk (doubling)
        to a sign change without leaving the valid interval (halving back where it would), then bisect."""
        # y in float64 once, not at each of the ~50 evaluations a bisection makes (the same numbers: np.float64
        # of a working-precision number rounds as float does)
        y_float = [float(v) for v in y]
        y_float64 = [np.float64(v) for v in y_float]

        def excess(nu):
            """sum psi(y + nu) - 1, or None where y + nu is outside the image of grad phi."""
            try:
                with np.errstate(all="ignore"):
                    x = self.shifted_inverse(FLOAT64, y_float64, nu, seed)
                    back = self.maps.mirror_map(FLOAT64, *x)
            except (DomainError, NewtonConvergenceError):
                return None
            shifted = [v + nu for v in y_float]
            if not all(np.isfinite(v) and v > 0 for v in x) or any(
                abs(b - s) > IMAGE_CHECK_FLOAT * (1 + abs(s)) for b, s in zip(back, shifted)
            ):
                return None
            return float(sum(x)) - 1

        trials = [0.0] + [sign * 2.0**k for k in range(-30, MAX_BRACKET_DOUBLINGS) for sign in (1, -1)]
        start = next((nu for nu in trials if excess(nu) is not None), None)
        if start is None:
            raise self.no_interior_step("no shift of the dual point lies in the image of grad phi")
        value = excess(start)
        if value == 0:
            return start
        direction = 1.0 if value < 0 else -1.0  # sum psi increases with nu
        inside, width = start, 1.0
        for _ in range(4 * MAX_BRACKET_DOUBLINGS):
            trial = inside + direction * width
            trial_value = excess(trial)
            if trial_value is None:  # past the end of the valid interval: come back halfway
                width /= 2
                if width <= 1e-15 * (1 + abs(inside)):
                    raise self.no_interior_step("sum_i psi(y_i + nu) never reaches 1 inside the image of grad phi")
                continue
            if (trial_value > 0) == (direction > 0) or trial_value == 0:
                lo, hi = (inside, trial) if direction > 0 else (trial, inside)
                break
            inside, width = trial, width * 2
        else:
            raise self.no_interior_step("no bracket for the multiplier was found")
        for _ in range(2000):
            mid = 0.5 * (lo + hi)
            value = excess(mid)
            if value == 0 or hi - lo <= 1e-15 * (1 + abs(mid)):
                return mid
            if value is None or value > 0:
                hi = mid
            else:
                lo = mid
        return 0.5 * (lo + hi)

    def no_interior_step(self, why: str) -> NewtonConvergenceError:
        return NewtonConvergenceError(
            f"the MD step of {self.name!r} on the simplex has no interior solution here ({why}). "
            "This happens when grad phi stays bounded at the simplex's boundary (phi is not of Legendre type, "
            "e.g. a quadratic or Tsallis with q > 1): the constrained step then lands on the boundary, which "
            "MD's interior form x+ = psi(y + nu 1) does not represent. A smaller eta helps only while the "
            "iterates stay away from the boundary; a regularizer whose gradient diverges there (negative "
            "entropy, log barrier, Tsallis with q < 1) always has an interior step"
        )
