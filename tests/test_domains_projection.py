"""Constraint sets with projections (ball, box, product of simplices: methods/projected.py, symbolic/sets) and
reference points on the closed domain (a vertex x*, a linear f's x* computed exactly), each against an
independent exact computation; bad input names its key (issue 26, item 6)."""

from fractions import Fraction
from math import isqrt

import mpmath
import pytest

from mdtheory.claimfile import load_claim, toml_text
from mdtheory.cli import main
from mdtheory.engine.run import run_mirror_descent
from mdtheory.methods import kernel_for

BITS = 256


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def path_of(path):
    """The run's iterates at BITS bits, through the claim file's own problem."""
    problem = load_claim(path).problem
    kernel = kernel_for(problem.md)
    kernel.tangent_needed = False  # as a convergence claim runs: the ball's path meets the sphere exactly
    series = run_mirror_descent(problem.md, problem.spec, BITS, kernel=kernel, perturbed=False, keep_path=True)
    return series.path


def close(a, b, digits=70):
    ctx = mpmath.MPContext()
    ctx.prec = BITS
    return all(abs(ctx.mpf(x) - ctx.mpf(y.numerator) / y.denominator) < ctx.mpf(10) ** -digits for x, y in zip(a, b))


BALL = {"problem": {"variables": ["x1", "x2"], "domain": "ball", "radius": "2", "regularizer": "euclidean",
                    "objective": "3*x1 + 4*x2"},
        "run": {"x0": ["0", "0"], "eta": "1/10", "steps": 12, "precision_bits": 128},
        "claim": {"kind": "upper_bound", "quantity": "best_suboptimality",
                  "bound": "(D0 + eta**2*G**2*T/(2*sigma))/(eta*T)"},
        "twin": {"why": "the bound divided by 4", "claim": {"bound": "(D0 + eta**2*G**2*T/(2*sigma))/(4*eta*T)"}}}


def test_projected_gd_on_a_ball_reaches_the_boundary_point_exactly_and_the_bound_there_holds(tmp_path, capsys):
    """f = <g, x>, g = (3, 4), R = 2: x* = -R g/||g|| = (-6/5, -8/5). In fractions: x_t = -t eta g inside the
    ball until t = 4 (on the sphere), then the mirror step -(3/2, 2) is scaled back onto x* for ever."""
    path = write(tmp_path, BALL)
    x, g, R, eta, expected = (Fraction(0), Fraction(0)), (3, 4), 2, Fraction(1, 10), []
    for _ in range(13):
        expected.append(x)
        y = tuple(xi - eta * gi for xi, gi in zip(x, g))
        norm2 = sum(v * v for v in y)
        if norm2 > R * R:
            root = Fraction(isqrt(norm2.numerator), isqrt(norm2.denominator))
            assert root * root == norm2  # exact here: the scaling stays rational
            y = tuple(R * v / root for v in y)
        x = y
    assert expected[4] == expected[12] == (Fraction(-6, 5), Fraction(-8, 5))
    iterates = path_of(path)
    assert all(close(a, b) for a, b in zip(iterates, expected))
    assert main(["check", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "x* (computed: the exact minimizer of the linear f over the ball ||x|| <= 2) = [-1.2, -1.6]" in out
    assert "variational inequality" in out and "then x+ = y min(1, 2/||y||)" in out
    assert main(["check", str(path), "--twin", "--no-progress"]) == 0  # as predicted: violated
    assert "verdict: violated" in capsys.readouterr().out


def test_box_clipping_equals_projected_gd_in_fractions(tmp_path):
    """grad f = (x1 - 3/2, 4 (x2 + 1/3)) on [-1/2, 1] x [0, 1]: x2 is clipped to 0 at once, x1 climbs and is
    clipped at 1 from step 5 (never exactly on a bound before the clip, so the tangent is defined)."""
    tables = {"problem": {"variables": ["x1", "x2"], "domain": "box", "lower": ["-1/2", "0"], "upper": ["1", "1"],
                          "regularizer": "euclidean", "objective": "(x1 - 3/2)**2/2 + 2*(x2 + 1/3)**2"},
              "run": {"x0": ["0", "1/2"], "eta": "1/5", "steps": 8, "precision_bits": 128},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "10"}}
    lower, upper, eta = (Fraction(-1, 2), Fraction(0)), (Fraction(1), Fraction(1)), Fraction(1, 5)
    x, expected = (Fraction(0), Fraction(1, 2)), []
    for _ in range(9):
        expected.append(x)
        grad = (x[0] - Fraction(3, 2), 4 * (x[1] + Fraction(1, 3)))
        x = tuple(min(max(xi - eta * gi, lo), hi) for xi, gi, lo, hi in zip(x, grad, lower, upper))
    assert expected[1] == (Fraction(3, 10), 0) and expected[5][0] == 1
    assert all(close(a, b) for a, b in zip(path_of(write(tmp_path, tables)), expected))


def test_entropic_md_on_two_simplices_is_a_softmax_per_block(tmp_path):
    """blocks [2, 3]: each block takes its own softmax step x_b+ ∝ x_b exp(-eta grad_b f(x)), computed here
    from the gradient written by hand."""
    tables = {"problem": {"variables": ["x1", "x2", "x3", "x4", "x5"], "domain": "simplices", "blocks": [2, 3],
                          "regularizer": "negative_entropy", "objective": "x1*x3 + (x2 - x4)**2 + x5**2/2"},
              "run": {"x0": ["1/2", "1/2", "1/5", "3/10", "1/2"], "eta": "3/4", "steps": 10, "precision_bits": 128},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "10"},
              "solution": {"x": ["0", "1", "0", "1", "0"]}}
    ctx = mpmath.MPContext()
    ctx.prec = BITS
    x = [ctx.mpf(1) / 2, ctx.mpf(1) / 2, ctx.mpf(1) / 5, ctx.mpf(3) / 10, ctx.mpf(1) / 2]
    expected = [x]
    for _ in range(10):
        g = [x[2], 2 * (x[1] - x[3]), x[0], -2 * (x[1] - x[3]), x[4]]
        w = [xi * ctx.exp(-ctx.mpf(3) / 4 * gi) for xi, gi in zip(x, g)]
        x = [w[0] / (w[0] + w[1]), w[1] / (w[0] + w[1])] + [v / (w[2] + w[3] + w[4]) for v in w[2:]]
        expected.append(x)
    iterates = path_of(write(tmp_path, tables))
    assert len(iterates) == 11
    assert max(abs(a - b) for p, q in zip(iterates, expected) for a, b in zip(p, q)) < ctx.mpf(10) ** -70


def test_a_simplex_vertex_is_accepted_as_x_star_and_f_star_is_read_from_it(tmp_path, capsys):
    """f = x1/2 + x2 + 3 x3/2 on the simplex: x* = e_1, f* = 1/2, D0 = KL(e_1, uniform) = log 3; e_2 is refused."""
    tables = {"problem": {"variables": ["x1", "x2", "x3"], "domain": "simplex", "regularizer": "negative_entropy",
                          "objective": "x1/2 + x2 + 3*x3/2"},
              "run": {"x0": ["1/3", "1/3", "1/3"], "eta": "1/2", "steps": 20, "precision_bits": 128},
              "solution": {"x": ["1", "0", "0"]},
              "claim": {"kind": "upper_bound", "quantity": "best_suboptimality",
                        "bound": "(D0 + eta**2*G**2*T/(2*sigma))/(eta*T) + (fstar - 1/2)"}}
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "x* (declared) = [1.0, 0.0, 0.0]" in out and "fstar = 0.5:" in out and "D0 = 1.09861228867" in out
    assert float(mpmath.log(3)) == pytest.approx(1.09861228867, abs=1e-11)
    computed = dict(tables, solution={"x": "computed"})
    assert main(["check", str(write(tmp_path, computed)), "--no-progress"]) == 0
    assert "x* (computed: the exact minimizer of the linear f" in capsys.readouterr().out
    wrong = dict(tables, solution={"x": ["0", "1", "0"]})
    assert main(["check", str(write(tmp_path, wrong)), "--no-progress"]) == 2
    assert "is not the minimizer" in capsys.readouterr().err


def test_a_singular_hessian_without_a_declared_solution_names_the_key(tmp_path, capsys):
    tables = {"problem": {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean",
                          "objective": "(x1 - x2)**2"},
              "run": {"x0": ["1", "0"], "eta": "1/10", "steps": 5, "precision_bits": 128},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1"}}
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert "[solution] x" in capsys.readouterr().err


@pytest.mark.parametrize("problem, run, words", [
    ({"domain": "ball"}, {}, "[problem] radius: missing"),
    ({"domain": "ball", "radius": "-1"}, {}, "[problem] radius: must be positive"),
    ({"domain": "simplex", "radius": "1"}, {}, "[problem] radius: only domain = \"ball\""),
    ({"domain": "ball", "radius": "1"}, {"x0": ["1", "1"]}, "[run] x0"),
    ({"domain": "ball", "radius": "1", "regularizer": "log_barrier"}, {}, "[problem] regularizer"),
    ({"domain": "box", "lower": ["0", "0"], "upper": ["1", "0"]}, {}, "[problem] upper: coordinate 1"),
    ({"domain": "simplices", "blocks": [3], "regularizer": "negative_entropy"}, {"x0": ["1/2", "1/2"]},
     "[problem] blocks: the block sizes sum to 3"),
    ({"domain": "simplices", "blocks": [1, 1], "regularizer": "negative_entropy"}, {"x0": ["1", "1"],
     "direction": ["1", "-1"], "eps": "1/100"}, "[run] direction"),
], ids=["no radius", "negative radius", "radius on the simplex", "x0 outside", "not euclidean", "empty box",
        "blocks", "direction leaves a block"])
def test_bad_domains_name_their_key(tmp_path, capsys, problem, run, words):
    tables = {"problem": {"variables": ["x1", "x2"], "regularizer": "euclidean", "objective": "x1 + x2", **problem},
              "run": {"x0": ["0", "0"], "eta": "1/10", "steps": 3, "precision_bits": 128, **run},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1"}}
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert words in capsys.readouterr().err


def test_a_sensitivity_claim_at_a_kink_is_refused(tmp_path, capsys):
    """The ball run lands exactly on the sphere at t = 4: the projection is not differentiable there, so the
    tangent (amplification) is refused, while the convergence claim above runs through it."""
    tables = dict(BALL, run=dict(BALL["run"], direction=["1", "0"], eps="1/1000"),
                  claim={"kind": "upper_bound", "quantity": "tangent_amplification", "bound": "1"})
    tables.pop("twin")
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert "not differentiable where the mirror step lands on the sphere" in capsys.readouterr().err


def test_a_method_that_does_not_project_is_refused_on_a_constraint_set(tmp_path, capsys):
    """A constraint set is run by projected_md; another method named with it would ignore the set, so it is refused
    naming [run] method."""
    path = tmp_path / "accelerated_ball.toml"
    path.write_text('[problem]\nvariables = ["x1", "x2"]\ndomain = "ball"\nradius = "2"\nregularizer = "euclidean"\n'
                    'objective = "3*x1 + 4*x2"\n\n[run]\nx0 = ["0", "0"]\neta = "1/10"\nsteps = 4\nprecision_bits = 64\n'
                    'method = "accelerated"\n\n[claim]\nkind = "upper_bound"\nquantity = "best_suboptimality"\nbound = "1"\n')
    from mdtheory.cli import main

    assert main(["check", str(path), "--no-progress"]) == 2
    assert "[run] method: 'accelerated' does not project onto [problem] domain = 'ball'" in capsys.readouterr().err
