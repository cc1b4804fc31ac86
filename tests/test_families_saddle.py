"""The saddle kind (min_x max_y x^T A y) and its methods, held to independent computations: the Euclidean
extragradient on R^m x R^n as exact Fractions from a hand-written recurrence, and the entropic methods on the
simplices (mirror-prox, simultaneous and optimistic MWU) from multiplicative-weights recurrences in mpmath at
300 bits written here; the library's saddle theorems through the CLI; bad input names its key.

Exit codes: 0 holds, 1 violated, 2 bad input.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim, toml_text
from mdtheory.theorems import LIBRARY

from .helpers import run_cli, saddle_claim_file

STEPS = 30


def claim_file(tmp_path, problem: dict, run_table: dict, quantity: str, bound: str = "100") -> str:
    return saddle_claim_file(tmp_path, problem, run_table, quantity, bound, STEPS, "saddle.toml")


def close(value, exact, digits) -> bool:
    """The measured mpf agrees with ``exact`` (an mpf or a Fraction) to the digits it claims, compared at 300 bits."""
    ctx = mpmath.MPContext()
    ctx.prec = 300
    exact = ctx.mpf(exact.numerator) / exact.denominator if isinstance(exact, Fraction) else ctx.mpf(exact)
    return abs(ctx.mpf(value) - exact) <= abs(exact) * ctx.mpf(10) ** -digits + ctx.mpf(10) ** -(digits + 5)


# ---- Euclidean phi on R^2 x R^2: the extragradient method, exactly
A_REALS = [[Fraction(1), Fraction(2)], [Fraction(-1), Fraction(1)]]  # invertible: the only equilibrium is 0


def operator(z):
    x, y = z[:2], z[2:]
    ay = [sum(a * b for a, b in zip(row, y)) for row in A_REALS]
    atx = [sum(A_REALS[i][j] * x[i] for i in range(2)) for j in range(2)]
    return [*ay, *(-v for v in atx)]


def test_euclidean_mirror_prox_is_the_extragradient_method_in_exact_rationals(tmp_path):
    eta = Fraction(1, 4)
    z = [Fraction(1), Fraction(0), Fraction(0), Fraction(1)]
    squared = [sum(v * v for v in z)]
    for _ in range(STEPS):
        w = [a - eta * g for a, g in zip(z, operator(z))]
        z = [a - eta * g for a, g in zip(z, operator(w))]
        squared.append(sum(v * v for v in z))
    named = check_claim(load_claim(claim_file(
        tmp_path, {"matrix": [[str(a) for a in row] for row in A_REALS], "domain": "reals",
                   "equilibrium": {"x": ["0", "0"], "y": ["0", "0"]}},
        {"x0": ["1", "0"], "y0": ["0", "1"], "eta": "1/4"}, "equilibrium_distance", "1")))
    m = named.measurement
    values, digits = m.values("equilibrium_distance"), m.digits("equilibrium_distance")
    assert len(values) == STEPS + 1 and min(digits) >= 30
    for value, exact, d in zip(values, squared, digits):
        assert close(value * value, exact, d - 1), (value, exact, d)
    # ||z_T|| falls below ||z_0|| = sqrt(2) at every step on this instance (the rational recurrence says so)
    assert named.result.verdict == ("holds" if max(squared[1:]) <= 1 else "violated")
    assert "mirror-prox" in named.update_text


# ---- entropic phi on two simplices: multiplicative weights, independently at 300 bits
A_GAME = [["1", "0", "-1/2"], ["-1", "2", "0"]]  # 2 x 3, entries of both signs


def entropic_run(rule: str, eta: str, steps: int):
    """Played points of each round under ``rule``, from the uniform start, at 300 bits."""
    ctx = mpmath.MPContext()
    ctx.prec = 300
    A = [[ctx.mpf(Fraction(a).numerator) / Fraction(a).denominator for a in row] for row in A_GAME]
    m, n, step = len(A), len(A[0]), ctx.mpf(Fraction(eta).numerator) / Fraction(eta).denominator

    def field(x, y):  # (A y, A^T x): x's losses, y's gains
        return ([ctx.fsum(A[i][j] * y[j] for j in range(n)) for i in range(m)],
                [ctx.fsum(A[i][j] * x[i] for i in range(m)) for j in range(n)])

    def weights(p, g, sign):
        raw = [a * ctx.exp(sign * step * b) for a, b in zip(p, g)]
        return [r / ctx.fsum(raw) for r in raw]

    x, y = [ctx.mpf(1) / m] * m, [ctx.mpf(1) / n] * n
    previous = field(x, y)
    played = []
    for _ in range(steps):
        losses, gains = field(x, y)
        if rule == "mirror_prox":
            u, v = weights(x, losses, -1), weights(y, gains, 1)
            played.append((u, v))
            losses, gains = field(u, v)
            x, y = weights(x, losses, -1), weights(y, gains, 1)
        else:
            played.append((x, y))
            if rule == "optimistic_mwu":
                losses, gains, previous = ([2 * a - b for a, b in zip(losses, previous[0])],
                                           [2 * a - b for a, b in zip(gains, previous[1])], (losses, gains))
            x, y = weights(x, losses, -1), weights(y, gains, 1)
    return ctx, A, played


def gaps_and_regrets(ctx, A, played):
    m, n = len(A), len(A[0])
    loss, gain, payoff = [ctx.mpf(0)] * m, [ctx.mpf(0)] * n, ctx.mpf(0)
    gap, regret_x, regret_y = [], [ctx.mpf(0)], [ctx.mpf(0)]
    for t, (u, v) in enumerate(played, start=1):
        loss = [s + ctx.fsum(A[i][j] * v[j] for j in range(n)) for i, s in enumerate(loss)]
        gain = [s + ctx.fsum(A[i][j] * u[i] for i in range(m)) for j, s in enumerate(gain)]
        payoff += ctx.fsum(u[i] * A[i][j] * v[j] for i in range(m) for j in range(n))
        gap.append((max(gain) - min(loss)) / t)
        regret_x.append(payoff - min(loss))
        regret_y.append(max(gain) - payoff)
    return gap, regret_x, regret_y


@pytest.mark.parametrize("rule", ["mirror_prox", "mwu", "optimistic_mwu"])
def test_entropic_methods_match_an_independent_multiplicative_weights_recurrence(tmp_path, rule):
    ctx, A, played = entropic_run(rule, "1/3", STEPS)
    gap, regret_x, regret_y = gaps_and_regrets(ctx, A, played)
    for quantity, expected in (("duality_gap", gap), ("regret_x", regret_x)):
        named = check_claim(load_claim(claim_file(tmp_path, {"matrix": A_GAME}, {"eta": "1/3", "method": rule},
                                                  quantity)))
        m = named.measurement
        assert m.t[0] == (1 if quantity == "duality_gap" else 0) and m.t[-1] == STEPS
        series = [(quantity, expected)] + ([("regret_y", regret_y)] if quantity == "regret_x" else [])
        for name, exact in series:
            digits = m.digits(name)
            assert min(digits[1:]) >= 25, (name, digits)
            assert all(close(v, e, d - 1) for v, e, d in zip(m.values(name), exact, digits) if d > 0), name
        assert named.result.verdict == "holds"
    # the identity the quantities share: the gap of the averages is the players' summed regret over T
    assert all(abs(g - (rx + ry) / t) < ctx.mpf(10) ** -80
               for t, (g, rx, ry) in enumerate(zip(gap, regret_x[1:], regret_y[1:]), start=1))


def test_omega_is_the_exact_bregman_radius_from_the_start(tmp_path):
    """From x0 = (1/4, 3/4), y0 uniform on 3: max_i KL(e_i || x0) + max_j KL(e_j || y0) = log 4 + log 3."""
    named = check_claim(load_claim(claim_file(tmp_path, {"matrix": A_GAME}, {"eta": "1/3", "x0": ["1/4", "3/4"]},
                                              "duality_gap", "Omega/(eta*T)")))
    fine, _ = named.measurement.constants["Omega"]
    ctx = mpmath.MPContext()
    ctx.prec = 300
    assert abs(ctx.mpf(fine) - ctx.log(12)) < ctx.mpf(10) ** -70  # 256 bits on the fine rung
    assert named.measurement.constants["Amax"][0] == 2


@pytest.mark.parametrize("stem", ["nemirovski_mirror_prox", "hedge_in_a_game"])
def test_the_library_theorems_hold_and_their_twins_are_violated_through_the_cli(stem):
    path = str(LIBRARY / "saddle" / f"{stem}.toml")
    code, output = run_cli(["check", path])
    assert code == 0 and "verdict: holds" in output, output
    code, output = run_cli(["check", path, "--twin"])  # violated, as the twin predicts: exit 0
    assert code == 0 and "verdict: violated" in output and "planted-false twin" in output, output


@pytest.mark.parametrize("problem, run_table, quantity, message", [
    ({"matrix": [["1", "0"], ["0", "2"]], "equilibrium": {"x": ["1/2", "1/2"], "y": ["2/3", "1/3"]}}, {},
     "equilibrium_distance", "[problem] equilibrium: not an equilibrium of A: its duality gap"),
    ({"matrix": [["1", "0"], ["0", "2"]]}, {"method": "accelerated"}, "duality_gap",
     "[run] method: 'accelerated' does not run on a saddle problem; choose one of mirror_prox, mwu, optimistic_mwu"),
    ({"matrix": [["1", "0"], ["0", "2"]]}, {}, "equilibrium_distance", "[problem] equilibrium = {x = [...], y = [...]}"),
    ({"matrix": [["1", 0.5]]}, {}, "duality_gap", "[problem] matrix[0][1]: 0.5 is a TOML float"),
    ({"matrix": [["1", "2"]], "domain": "reals"}, {"x0": ["1"], "y0": ["1", "0"]}, "regret_x",
     "best responses on R^n are unbounded"),
])
def test_bad_saddle_input_names_the_key(tmp_path, problem, run_table, quantity, message):
    code, output = run_cli(["check", claim_file(tmp_path, problem, {"eta": "1/2", **run_table}, quantity)])
    assert code == 2 and message in output, output


def test_a_saddle_method_on_a_minimization_problem_is_refused(tmp_path):
    path = tmp_path / "offline.toml"
    path.write_text(toml_text({
        "problem": {"variables": ["x"], "domain": "reals", "regularizer": "euclidean", "objective": "x**2/2"},
        "run": {"x0": ["1"], "eta": "1/2", "steps": 3, "precision_bits": 64, "method": "mirror_prox"},
        "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1"}}))
    code, output = run_cli(["check", str(path)])
    assert code == 2 and "'mirror_prox' is a saddle-point method" in output, output
