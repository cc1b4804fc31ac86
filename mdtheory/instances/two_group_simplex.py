"""Entropic MD on the simplex from a two-group start, in closed form (the instance of claims 3 and 4).

Coordinate 1 starts at delta with cost 0; the other d - 1 coordinates share 1 - delta and cost Delta > 0.
With s = eta T the T-step map is x_T = softmax(log x_0 - s c), so
    x_1(s) = delta e^{Delta s} / (delta e^{Delta s} + 1 - delta),
and moving mass into coordinate 1 (v = (d - 1, -1, ..., -1)) keeps the two-group shape, with tangent
amplification A(s) = x_1(s) (1 - x_1(s)) / (delta (1 - delta)). ``derived_formulas`` lets sympy derive
its rate, peak and peak location from that expression.
"""

from __future__ import annotations

import sympy as sp

delta_, gap_, s_ = sp.symbols("delta Delta s", positive=True)


def derived_formulas() -> dict[str, sp.Expr]:
    """A(s), its rate, peak and peak location, derived from the closed form by sympy."""
    x1 = delta_ * sp.exp(gap_ * s_) / (delta_ * sp.exp(gap_ * s_) + 1 - delta_)
    amplification = x1 * (1 - x1) / (delta_ * (1 - delta_))
    s_star = sp.solve(sp.diff(sp.log(amplification), s_), s_)[0]
    peak = sp.simplify(amplification.subs(s_, s_star))
    rate = sp.limit(sp.diff(sp.log(amplification), s_), s_, -sp.oo)  # slope while x_1 << 1
    return {"x1": x1, "amplification": amplification, "s_star": sp.simplify(s_star), "peak": peak, "rate": rate}
