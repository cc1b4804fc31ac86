"""The composite term r(x) = lambda ||x||_1 of the composite methods (``composite_md``, ``rda``), handled by its
prox in the geometry of phi, not by a subgradient.

Both methods take a step of the form x+ = argmin_x <c, x> + tau ||x||_1 + D_phi(x, u) for a dual point
z = grad phi(u) - c and a threshold tau >= 0. Its optimality condition, grad phi(x+) = z - tau s with s in the
subdifferential of ||.||_1 at x+, is solved coordinate by coordinate for a separable phi:

- on R^n (a separable phi whose mirror map is defined at 0, o = grad phi(0)): soft-thresholding of the dual
  point around o, grad phi(x+)_i = z_i - tau sign(z_i - o_i) where |z_i - o_i| > tau, and x+_i = 0 otherwise.
  For the Euclidean phi (o = 0) this is the closed form x+ = sign(z) max(|z| - tau, 0); for another phi the
  shrunk dual point is inverted by plain MD's inverse (a closed form where sympy finds one, Newton at working
  precision otherwise: each coordinate is a monotone 1-D root);
- on the positive orthant or the unit box, ||x||_1 = sum_i x_i is linear: the prox is the shift
  grad phi(x+) = z - tau 1, exact wherever the inverse mirror map is;
- on the simplex ||x||_1 = 1 is constant, so the term changes nothing: refused, naming the key.

The tangent: d x+_i = (Hess phi(x+)_ii)^-1 dz_i on a coordinate the prox keeps, 0 on one it sets to 0. Where
|z_i - o_i| = tau (a kink: the coordinate lands exactly on the threshold) the prox is not differentiable: the
derivative from inside the threshold is 0, from outside it is MD's. A run whose tangent is read (a sensitivity
claim) stops there with a DomainError naming the coordinate rather than pick a side; a convergence claim,
which reads no tangent, runs on with the inside (zero) branch.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from mdtheory.engine.kernels import FirstOrderResiduals
from mdtheory.errors import DomainError, MDTheoryError
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.parsing import exact_real, parse_expression

L1_OPTION = {"l1": "lambda >= 0, an exact number: the composite term r(x) = lambda ||x||_1; the claim's quantities "
                   "are about f + r (default 0)"}
# |z_i - o_i| within this many units in the last place of tau (times its scale) counts as on the threshold
KINK_ULPS = 64


def weight_from_text(text) -> sp.Expr:
    """The ``[method] l1`` option: lambda, an exact real number >= 0."""
    try:
        weight = exact_real(parse_expression(str(text), {}, decimals_are_exact=True))
    except MDTheoryError as err:
        raise MDTheoryError(f"[method] l1: {err}; write lambda as an exact number such as \"1/10\"") from None
    if not weight >= 0:
        raise MDTheoryError(f"[method] l1: lambda = {weight} is negative; the term lambda ||x||_1 must be convex, "
                            "so write lambda >= 0 such as \"1/10\"")
    return weight


@dataclass(frozen=True)
class L1Term:
    """r(x) = weight ||x||_1 on the problem's domain (see the module's documentation)."""

    weight: sp.Expr = sp.Integer(0)

    def check(self, kernel, method_name: str) -> None:
        """Refuse a problem where the prox is not coordinatewise or the term is meaningless, naming the key."""
        if self.weight == 0:
            return
        md = kernel.md
        if md.constraint is not None:
            raise MDTheoryError(f"[method] l1: method {method_name!r} takes the l1 prox on phi's own domain, and this "
                                f"problem has the constraint set {md.constraint.describe()}; use a domain without one "
                                "(reals, positive, box)")
        if kernel.domain is Domain.SIMPLEX:
            raise MDTheoryError("[method] l1: on the simplex ||x||_1 = 1 is constant, so lambda ||x||_1 changes "
                                "neither the step nor the minimizer; state the problem on the positive orthant "
                                "(domain = \"positive\") or on the reals, where the term matters, or remove l1")
        if not kernel.separable:
            raise MDTheoryError(f"[method] l1: the l1 prox is solved coordinate by coordinate, which needs a separable "
                                f"phi; {md.regularizer.name!r} couples the coordinates; use a separable regularizer "
                                "(euclidean, hypentropy, negative_entropy, ...)")

    def origin(self, ctx, kernel):
        """grad phi(0), around which the dual point is shrunk on R^n (None off R^n, where the prox is a shift)."""
        if kernel.domain is not Domain.REALS:
            return None
        try:
            return kernel.mirror_map(ctx, [ctx.mpf(0)] * kernel.dim)
        except (ZeroDivisionError, ValueError):
            raise MDTheoryError(f"[method] l1: grad phi of {kernel.md.regularizer.name!r} is undefined at 0, where the "
                                "l1 prox puts coordinates; use a regularizer differentiable at 0") from None

    def value(self, ctx, x):
        """r(x) = lambda ||x||_1."""
        return ctx.exact(self.weight) * ctx.fsum(abs(v) for v in x)

    def shrink(self, ctx, z, tau, origin):
        """(the dual point of x+, the coordinates set to 0, the coordinates on a kink): the prox's optimality
        condition solved coordinate by coordinate (see the module's documentation)."""
        if origin is None:  # ||x||_1 = sum x on the positive orthant or the box: a shift
            return [v - tau for v in z], [], []
        shrunk, zeroed, kinks = [], [], []
        tolerance = abs(tau) * ctx.ldexp(1, -ctx.prec) * KINK_ULPS
        for i, (v, o) in enumerate(zip(z, origin)):
            u = v - o
            if tau > 0 and abs(abs(u) - tau) <= tolerance:
                kinks.append(i)
            if u > tau:
                shrunk.append(v - tau)
            elif u < -tau:
                shrunk.append(v + tau)
            else:
                shrunk.append(o)
                zeroed.append(i)
        for i in kinks:  # on the threshold both branches give x+_i = 0: the value is the kink's, exactly
            shrunk[i] = origin[i]
            if i not in zeroed:
                zeroed.append(i)
        return shrunk, zeroed, kinks

    def refuse_kink(self, ctx, kinks, tau, method_name: str) -> DomainError:
        i = kinks[0]
        return DomainError(f"method {method_name!r}: the l1 prox is not differentiable where a coordinate lands on "
                           f"its threshold (coordinate {i}: |grad phi(y)_{i} - grad phi(0)_{i}| = threshold "
                           f"{ctx.nstr(tau, 12)}, y the unshrunk step); the derivative from inside the threshold is 0 "
                           "and from outside it is MD's, so the tangent (amplification) is undefined there; change eta, "
                           "x0 or l1 for a sensitivity claim (a convergence claim runs on)")

    def text(self) -> str:
        return f"lambda ||x||_1, lambda = {self.weight}"


def prox_step(kernel, ctx, z, tau, origin, seed):
    """x+ with grad phi(x+) = shrink(z, tau) and the shrink's (zeroed, kinks): the inverse of plain MD's kernel
    (closed form or Newton at working precision), the zeroed coordinates set to exactly 0."""
    shrunk, zeroed, kinks = kernel.term.shrink(ctx, z, tau, origin)
    x_next = list(kernel.inverse(ctx, shrunk, seed))
    for i in zeroed:
        x_next[i] = ctx.mpf(0)
    return x_next, zeroed, kinks


def prox_tangent(kernel, ctx, x_next, dz, zeroed, kinks, tau):
    """d x+ = Hess phi(x+)^-1 dz on the kept coordinates, 0 on the zeroed ones; a kink is refused when the kernel's
    tangent is read (``tangent_needed``)."""
    if kinks and kernel.tangent_needed:
        raise kernel.term.refuse_kink(ctx, kinks, tau, kernel.md.method)
    curvature = kernel.curvature_at(ctx, x_next)
    return [dz_i * 0 if i in zeroed else dz_i / h for i, (dz_i, h) in enumerate(zip(dz, curvature))]


def first_order_residuals(term: L1Term, ctx, domain, g, x) -> tuple[list, list]:
    """(residuals, magnitudes) of 0 in grad f(x) + lambda d||x||_1 (+ the normal cone of the closed domain): each
    residual is 0 at a minimizer of f + r. On R^n: g_i + lambda sign(x_i) where x_i != 0, and
    max(|g_i| - lambda, 0) where x_i = 0; on the orthant or the box, where r = lambda sum x: g_i + lambda inside,
    its negative part at x_i = 0 and its positive part at x_i = 1."""
    lam = ctx.exact(term.weight)
    residuals, magnitudes = [], []
    for gi, xi in zip(g, x):
        if domain is Domain.REALS:
            value = max(abs(gi) - lam, ctx.mpf(0)) if xi == 0 else gi + (lam if xi > 0 else -lam)
        else:
            value = gi + lam
            if xi == 0:
                value = min(value, ctx.mpf(0))
            elif domain is Domain.BOX and xi == 1:
                value = max(value, ctx.mpf(0))
        residuals.append(value)
        magnitudes.append(abs(gi) + lam)
    return residuals, magnitudes


class L1Objective:
    """The kernel's answers for the objective f + r, r = ``self.term`` (mixed into a composite method's kernel
    before ``MirrorDescentKernel``): its value, its first-order conditions, that its x* is declared, and the
    constant r0 = r(x0)."""

    def objective(self, ctx, x, params=()):
        return super().objective(ctx, x, params) + self.term.value(ctx, x)

    def first_order_residuals(self, ctx, x, params=()):
        residuals, magnitudes = first_order_residuals(self.term, ctx, self.domain,
                                                      self.objective_gradient(ctx, x, params), x)
        return FirstOrderResiduals(residuals, magnitudes, f"f + {self.term.text()}",
                                   "0 in grad f(x*) + lambda d||x*||_1")

    def minimizer_not_computed(self) -> str:
        return (f"the minimizer of f + {self.term.text()} (method {self.md.method!r}) is not computed; declare it as "
                "[solution] x (it is checked: 0 in grad f(x*) + lambda d||x*||_1)")

    def objective_constants(self, ctx, x0) -> dict:
        return {"r0": (self.term.value(ctx, x0), f"computed: the composite term r(x0), r = {self.term.text()}")}
