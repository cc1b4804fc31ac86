"""The float64 difference path for KL MD: cancellation-free, certified at checkpoints."""

import numpy as np
import sympy as sp

from mdtheory.engine.fast_kl import certified_separation, separation_float64, separation_precise, zipf_start


def test_float64_difference_keeps_digits_that_subtraction_loses():
    d = 50
    x0 = zipf_start(d)
    v = [1, -1] + [0] * (d - 2)
    costs = [sp.Rational(i % 7, 3) for i in range(d)]
    eta_t, separation = separation_float64(x0, v, costs, "1e-30", "1/10", 200)
    for t in (0, 50, 200):
        ctx, precise = separation_precise(x0, v, costs, "1e-30", "1/10", t, 256)
        assert abs(ctx.mpf(float(separation[t])) - precise) <= precise * ctx.mpf(10) ** -12
    # Subtracting two float64 runs loses everything at eps = 1e-30.
    x = np.array([float(p) for p in x0])
    assert np.linalg.norm((x + 1e-30 * np.array(v, dtype=float)) - x) == 0


def test_checkpoints_certify_and_fall_back_where_float64_loses_digits():
    d = 20
    x0 = [sp.Rational(1, d)] * d
    args = (x0, [d - 1] + [-1] * (d - 1), [0] + [1] * (d - 1), "1e-25", "1/4", 80)
    result = certified_separation(*args, [0, 40, 80])
    by_step = {t: digits for t, _, digits in result.checkpoints}
    assert by_step[0] >= 12 and by_step[40] >= 12
    # At eta*T = 20 one coordinate holds all but 1e-8 of the mass: d_1 - D cancels and float64 keeps
    # about 8 digits, so the certified value is replaced by the high-precision one.
    assert by_step[80] < 10 and result.fallbacks == 1
    ctx, precise = separation_precise(*args[:5], 80, 256)
    assert abs(ctx.mpf(float(result.separation[80])) - precise) <= precise * ctx.mpf(10) ** -15
