"""Checks that an iterate is where MD's theory applies: inside phi's domain, and (where phi's strict
convexity was only sampled, not proved) at a point where Hess phi is positive definite."""

from __future__ import annotations

from mdtheory.errors import DomainError, NotStrictlyConvexError
from mdtheory.symbolic.domains import Domain


def is_real(ctx, value) -> bool:
    return isinstance(value, type(ctx.mpf(0))) and ctx.isfinite(value)


def check_in_domain(ctx, x, domain: Domain):
    """Raise DomainError unless x is a finite point of ``domain``; float64 runs, which do not guard the
    domain, let inf and nan through as plain float code would."""
    if not ctx.guards_domain:
        return
    if not all(is_real(ctx, xi) for xi in x) or (
        domain is not Domain.REALS and not all(xi > 0 for xi in x)
    ) or (domain is Domain.BOX and not all(xi < 1 for xi in x)):
        raise DomainError(
            f"an MD iterate left {domain.describe()}: x = {[ctx.nstr(v, 8) for v in x]}; the step "
            "size is too large for this regularizer and objective, reduce eta"
        )


def check_strictly_convex_at(ctx, geometry, x, where: str):
    """Raise NotStrictlyConvexError unless Hess phi(x) of the compiled ``geometry`` is positive definite in
    ``ctx`` (for arb: the whole ball of every pivot is positive)."""
    pivots = (geometry.curvature(ctx, *x) if geometry.curvature is not None
              else ctx.cholesky_pivots(geometry.hessian(ctx, *x)))
    bad = next((i for i, p in enumerate(pivots) if not p > 0), None)
    if bad is not None:
        derived = geometry.geometry
        raise NotStrictlyConvexError(
            f"phi of {derived.regularizer.name!r} is not strictly convex at {where}, "
            f"x = ({', '.join(ctx.nstr(v, 8) for v in x)}): Hessian pivot {bad} is {ctx.nstr(pivots[bad], 6)} "
            f"<= 0. Its convexity was only sampled ({derived.convexity.detail}), so it is checked at every iterate, "
            "and no verdict is issued past such a point; add a strongly convex term or restrict the domain"
        )
