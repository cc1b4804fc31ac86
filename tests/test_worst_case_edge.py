"""Issue 28 item 5, its remaining gaps: the band-order exact LDL^T (against the dense one, on exact matrices), and
gd past its step-size edge certified at long horizons against the exact worst case 1.2^T (f = L x^2/2)."""

import json
import random
from fractions import Fraction

import pytest

from mdtheory.checker import banded_dual
from mdtheory.checker.worst_case import WorstCaseError, _ldlt, _least_inflation, dual_certificate
from mdtheory.cli import main

PAST_THE_EDGE = Fraction(11, 5)  # eta L: the runs' distance grows by |1 - eta L| = 6/5 per step at worst
WIDTH = Fraction(1, 10**6)  # the aim: the certified interval within 1e-6 of the exact worst case, relatively


def banded_psd(rng, n, width, rank_one_terms):
    """An exact PSD matrix with bandwidth < ``width``: a sum of d v v^T, each v supported on ``width`` consecutive
    indices, with small rational entries and d >= 0 (some 0, so that rows can vanish)."""
    S = [[Fraction(0)] * n for _ in range(n)]
    for _ in range(rank_one_terms):
        start = rng.randrange(n - width + 1)
        v = [Fraction(rng.randint(-5, 5), rng.randint(1, 4)) for _ in range(width)]
        d = Fraction(rng.randint(0, 3))
        for a in range(width):
            for b in range(width):
                S[start + a][start + b] += d * v[a] * v[b]
    return S


def permuted(S, order):
    """S with index order[k] holding S's index k: S is banded in ``order``."""
    n = len(S)
    P = [[Fraction(0)] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            P[order[a]][order[b]] = S[a][b]
    return P


def rebuilt(factors, n):
    """sum_r d_r l_r l_r^T, over each l_r's nonzero entries."""
    R = [[Fraction(0)] * n for _ in range(n)]
    for d, l in factors:
        support = [(i, v) for i, v in enumerate(l) if v]
        for i, a in support:
            for j, b in support:
                R[i][j] += d * a * b
    return R


def test_the_band_order_ldlt_agrees_with_the_dense_one_on_exact_banded_matrices():
    """Random exact banded matrices, PSD and perturbed off PSD (by 1 or by 1e-6 on one entry), banded in a
    shuffled order: the band-order LDL^T and the dense one (diagonal pivoting) agree on PSD or not, and every
    band-order factorization rebuilds the matrix exactly with d_r > 0."""
    rng = random.Random(28)
    seen = {True: 0, False: 0}
    for _ in range(150):
        n = rng.randint(1, 12)
        width = rng.randint(1, min(4, n))
        S = banded_psd(rng, n, width, rng.randint(0, 2 * n))
        if rng.random() < 0.5:
            i, j = rng.randrange(n), rng.randrange(n)
            change = Fraction(rng.choice((-1, 1)), rng.choice((1, 3, 10**6)))
            S[i][j] += change
            if i != j:
                S[j][i] += change
        order = list(range(n))
        rng.shuffle(order)
        S = permuted(S, order)
        dense, banded = _ldlt(S), _ldlt(S, order)
        assert (dense is None) == (banded is None), S
        seen[banded is not None] += 1
        if banded is not None:
            assert all(d > 0 for d, _ in banded)
            assert rebuilt(banded, n) == S
    assert seen[True] >= 30 and seen[False] >= 30  # both kinds were met


def test_the_band_order_ldlt_on_what_the_two_by_two_minors_miss():
    F = Fraction
    # every 2 x 2 principal minor is positive, the determinant is -0.512: not PSD, by the elimination itself
    S = [[F(1), F(3, 5), F(3, 5)], [F(3, 5), F(1), F(-3, 5)], [F(3, 5), F(-3, 5), F(1)]]
    assert _ldlt(S) is None and _ldlt(S, [0, 1, 2]) is None and _ldlt(S, [2, 0, 1]) is None
    # singular PSD with a zero row in the middle, and a tiny negative Schur complement at the end
    Z = [[F(1), F(0), F(1)], [F(0), F(0), F(0)], [F(1), F(0), F(1)]]
    assert rebuilt(_ldlt(Z, [0, 1, 2]), 3) == Z
    Z[2][2] -= F(1, 10**30)
    assert _ldlt(Z, [0, 1, 2]) is None
    with pytest.raises(WorstCaseError, match="not a permutation"):
        _ldlt(Z, [0, 1, 1])


def test_the_inflations_are_bisected_only_when_monotone():
    """A monotone test (every larger inflation certifies too) finds the least one with a few calls; a test that
    fails at the largest costs one call; a non-monotone one is tried in turn."""
    inflations = [Fraction(1, 10**k) for k in range(12, 2, -1)]
    calls = []

    def from_1e7(delta):
        calls.append(delta)
        return "proof" if delta >= Fraction(1, 10**7) else None

    assert _least_inflation(inflations, from_1e7, True) == (Fraction(1, 10**7), "proof")
    assert len(calls) <= 5
    calls.clear()
    assert _least_inflation(inflations, lambda delta: calls.append(delta), True) is None and len(calls) == 1
    only_1e9 = lambda delta: "proof" if delta == Fraction(1, 10**9) else None
    assert _least_inflation(inflations, only_1e9, False) == (Fraction(1, 10**9), "proof")


def test_gd_past_the_edge_at_t_40_multipliers_sized_per_step():
    """At T = 40 the multipliers span 5.3 to 7.9e6 (a ratio of 1.5e6): against the largest, the last steps' fall below
    INACTIVE and no bound certifies; sized per step they all stay, and the exact check certifies a bound at or
    above the exact 1.2^80 (and refuses the initial condition's multiplier set below it)."""
    T = 40
    exact = Fraction(6, 5) ** (2 * T)
    problem = banded_dual.iterate_problem("gd", PAST_THE_EDGE, T, Fraction(1), None, None)
    objective, initial, constraints, functions, order = problem
    relaxed = banded_dual.iterate_problem("gd", PAST_THE_EDGE, T, 1 + Fraction(1, 10**10), None, None)
    duals, _ = banded_dual.solve_dual(*relaxed, growth=1.2)
    sizes = banded_dual.multiplier_sizes(functions, 1.2)
    assert dual_certificate(objective, initial, constraints, duals, None, functions)[0] is None
    upper, how, certificate = dual_certificate(objective, initial, constraints, duals, None, functions, sizes, order)
    assert upper is not None and exact <= upper <= exact * (1 + WIDTH), how
    assert all(d > 0 for d, _ in certificate.factors)
    assert rebuilt(certificate.factors, len(certificate.residual)) == [list(row) for row in certificate.residual]
    # the exact check is the judge: a bound below the exact worst case is refused at every weight tried
    lowered = [float(exact) * (1 - 1e-7), *duals[1:]]
    assert dual_certificate(objective, initial, constraints, lowered, None, functions, sizes, order)[0] is None


def past_the_edge(tmp_path, T) -> dict:
    path = tmp_path / "edge.toml"
    path.write_text(f'[worst_case]\nmethod = "gd"\neta = "11/5"\nhorizons = [{T}]\n\n'
                    '[claim]\nbound = "1"\nexpected = "violated"\n')
    out = tmp_path / "edge.json"
    assert main(["worst-case", str(path), "--json", str(out), "--no-progress"]) == 0
    return json.loads(out.read_text())["horizons"][0]


def test_gd_past_the_edge_is_certified_at_t_40_through_the_command(tmp_path):
    """`mdtheory worst-case` at eta = 2.2/L, T = 40 (no upper bound was certified there): the interval contains
    the exact 1.2^80 and is within 1e-6 of it, relatively."""
    row = past_the_edge(tmp_path, 40)
    exact = Fraction(6, 5) ** 80
    lower, upper = Fraction(row["lower_squared"]), Fraction(row["upper_squared"])
    assert row["verdict"] == "violated" and lower <= exact <= upper
    assert (upper - lower) <= WIDTH * exact, row["how_upper"]


@pytest.mark.slow
@pytest.mark.parametrize("T", [60, 100])
def test_gd_past_the_edge_is_certified_to_t_100(tmp_path, T):
    row = past_the_edge(tmp_path, T)
    exact = Fraction(6, 5) ** (2 * T)
    lower, upper = Fraction(row["lower_squared"]), Fraction(row["upper_squared"])
    assert lower <= exact <= upper and (upper - lower) <= WIDTH * exact, row["how_upper"]


@pytest.mark.slow
def test_md_amplification_at_t_100_certifies_in_band_order():
    """md, kappa = 9, eta = 1/5, T = 100 (7.5 minutes of CPU with the dense LDL^T, seconds in band order): a
    certified upper bound within 1e-6 of the relaxation's solver value."""
    value, upper, how, certificate = banded_dual.certified_upper("md", Fraction(1, 5), 100, Fraction(1), Fraction(1),
                                                                 Fraction(9), None)
    assert upper is not None and abs(float(upper) - value) <= 1e-6 * value, how
    assert rebuilt(certificate.factors, len(certificate.residual)) == [list(row) for row in certificate.residual]
