"""The accelerated mirror ODE of Krichene, Bayen & Bartlett (NeurIPS 2015, eq. (AMD_r)), for ``engine.taylor_ode``:

    X' = (r/t) (grad phi*(Z) - X),   Z' = -(t/r) grad f(X),   X(0) = x0,   Z(0) = grad phi(x0).

The state is (X, Z, t) with t' = 1, so that the integrator's autonomous form carries the time. The r/t
coefficient is singular at t = 0, where the field's recurrence would divide by t's zero constant term; there
the solution's series comes from the equations themselves, coefficient by coefficient: with
X = sum x_k t^k and Z = sum z_k t^k, t X' = r (grad phi*(Z) - X) reads k x_k = r (P_k - x_k), so

    x_k = r P_k / (k + r)         (P_k: coefficient k of grad phi*(Z), which needs z_0 .. z_k),
    z_k = -G_{k-2} / (r k)        (k >= 2; z_1 = 0; G_j: coefficient j of grad f(X), which needs x_0 .. x_j),

the unique analytic solution through (x0, z0) for r > 0. Every later step is an ordinary Taylor step of the
regular field (t > 0 there).
"""

from __future__ import annotations

from mdtheory.engine.taylor_ode import Variable, as_series


class AcceleratedMirrorODE:
    """The field and the start series of AMD_r in ``ctx``, from the compiled inverse mirror map ``primal``
    (grad phi*, on the dual variables) and ``gradient`` (grad f, on the primal ones)."""

    def __init__(self, ctx, primal, gradient, r):
        self.ctx, self.primal, self.gradient, self.r = ctx, primal, gradient, ctx.exact(r)

    @staticmethod
    def text(r) -> str:
        return (f"X' = (r/t)(grad phi*(Z) - X), Z' = -(t/r) grad f(X), X(0) = x0, Z(0) = grad phi(x0), r = {r} "
                "(accelerated mirror ODE of Krichene, Bayen & Bartlett; the first step from the series of the solution "
                "at t = 0")

    def start(self, x0: list, z0: list) -> list:
        return [*x0, *z0, self.ctx.zero]

    def split(self, y: list) -> tuple[list, list]:
        """(X, Z) of a state."""
        n = (len(y) - 1) // 2
        return y[:n], y[n:2 * n]

    def field(self, arithmetic, y):
        (x, z), t, r = self.split(y), y[-1], self.r
        mirrored = self.primal(arithmetic, *z)
        return ([(p - xi) * r / t for p, xi in zip(mirrored, x)]
                + [-(t * g) / r for g in self.gradient(arithmetic, *x)] + [self.ctx.one])

    def series_at_start(self, arithmetic, y0: list, order: int) -> list[list]:
        """The coefficients (up to ``order``) of the solution at t = 0, by the recurrences of the docstring."""
        ctx, r = self.ctx, self.r
        x0, z0 = self.split(y0)
        x, z = [Variable(ctx, [v]) for v in x0], [Variable(ctx, [v]) for v in z0]
        mirrored = as_series(ctx, self.primal(arithmetic, *z))
        gradient = as_series(ctx, self.gradient(arithmetic, *x))
        time = [ctx.zero, ctx.one] + [ctx.zero] * (order - 1)
        for k in range(1, order + 1):
            for zi, g in zip(z, gradient):
                zi.c.append(ctx.zero if k == 1 else -g.coef(k - 2) / (r * k))
            for xi, p in zip(x, mirrored):
                xi.c.append(r * p.coef(k) / (k + r))
        return [v.c for v in x] + [v.c for v in z] + [time]


__all__ = ["AcceleratedMirrorODE"]
