"""Online losses that depend on the played point: [problem] loss = f_t(x), regret against the best fixed point in
hindsight, convexity and G, against computations written independently here (mpmath, exact rationals)."""

import re

import mpmath
import pytest
import sympy as sp

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim, toml_text
from mdtheory.cli import main
from mdtheory.theorems import theorem_files


def claim_file(tmp_path, problem, steps=12, bound="log(d)/eta + eta*G**2*T/2", norm=None, name="claim.toml"):
    claim = {"kind": "upper_bound", "quantity": "regret", "bound": bound}
    if norm:
        claim["norm"] = norm
    path = tmp_path / name
    path.write_text(toml_text({"problem": {"kind": "online", **problem},
                               "run": {"eta": "1/2", "steps": steps, "precision_bits": 64}, "claim": claim}))
    return path


def exponentiated_gradient(loss, gradient, steps, ctx):
    """Played losses f_t(x_t) of EG from the uniform start, written out: x <- x exp(-eta g) / sum."""
    eta, x, played = ctx.mpf(1) / 2, [ctx.mpf(1) / 3] * 3, []
    for t in range(1, steps + 1):
        played.append(loss(t, x))
        w = [xi * ctx.exp(-eta * gi) for xi, gi in zip(x, gradient(t, x))]
        x = [wi / ctx.fsum(w) for wi in w]
    return played


def test_the_log_loss_theorem_matches_an_independent_hindsight_solution():
    """The library's EG theorem: the regret after T rounds against min F_T, F_T(y) = -sum log <a_t, y>, whose
    minimizer is interior, so it solves grad F_T(y) = lambda 1, sum y = 1 (mpmath.findroot at 200 bits)."""
    path = next(p for p in theorem_files("online") if p.stem == "eg_log_loss")
    named = check_claim(load_claim(path))
    steps = 40
    with mpmath.workprec(200):
        a = lambda t: [(2 + mpmath.sin(t)) / 2, (2 + mpmath.cos(mpmath.mpf(t) / 2)) / 2, mpmath.mpf(1)]
        dot = lambda u, v: mpmath.fsum(p * q for p, q in zip(u, v))
        played = exponentiated_gradient(lambda t, x: -mpmath.log(dot(a(t), x)),
                                        lambda t, x: [-ai / dot(a(t), x) for ai in a(t)], steps, mpmath.mp)

        def kkt(y1, y2, lam):
            y = [y1, y2, 1 - y1 - y2]
            return [mpmath.fsum(-a(t)[i] / dot(a(t), y) for t in range(1, steps + 1)) - lam for i in range(3)]

        y1, y2, lam = mpmath.findroot(kkt, (mpmath.mpf(1) / 3, mpmath.mpf(1) / 3, -steps))
        y = [y1, y2, 1 - y1 - y2]
        assert min(y) > mpmath.mpf(1) / 100  # interior: the first-order conditions characterize the minimizer
        best = -mpmath.fsum(mpmath.log(dot(a(t), y)) for t in range(1, steps + 1))
        regret = mpmath.fsum(played) - best
    m = named.measurement
    assert abs(m.values("regret")[-1] - regret) < mpmath.mpf(10) ** -25
    assert m.digits("regret")[-1] >= 15
    assert "Frank-Wolfe gap" in m.reference and "checked, not proved" in m.convexity
    assert named.result.verdict == "holds"


@pytest.mark.parametrize("target, comparator", [
    (["1/2", "1/3", "1/6"], ["1/2", "1/3", "1/6"]),      # the mean of c_t is in the simplex: it is the minimizer
    (["3/2", "-1/4", "-1/4"], ["1", "0", "0"]),          # outside: the projection, a vertex (boundary solution)
])
def test_squared_losses_have_an_exact_comparator(tmp_path, target, comparator):
    """f_t(x) = ||x - c_t||^2/2 with c_t = target + (-1)^t (1, -1, 0)/10: F_T is minimized at the Euclidean
    projection of the mean (T even: target) onto the simplex, known exactly; its Hessian is constant: proved convex."""
    c = [sp.Rational(v) for v in target]
    loss = " + ".join(f"(x{i + 1} - ({v}) - (-1)**t*{w}/10)**2/2" for i, (v, w) in enumerate(zip(c, (1, -1, 0))))
    named = check_claim(load_claim(claim_file(tmp_path, {"dimension": 3, "loss": loss})))
    ctx = mpmath.MPContext()
    ctx.prec = 200
    shift = lambda t: [ctx.mpf((-1) ** t) * w / 10 for w in (1, -1, 0)]
    centre = lambda t: [ctx.mpf(v.p) / v.q + s for v, s in zip(c, shift(t))]
    played = exponentiated_gradient(lambda t, x: ctx.fsum((xi - ci) ** 2 for xi, ci in zip(x, centre(t))) / 2,
                                    lambda t, x: [xi - ci for xi, ci in zip(x, centre(t))], 12, ctx)
    y = [sp.Rational(v) for v in comparator]
    best = sum(sum((yi - ci - sp.Integer(-1) ** t * sp.Rational(w, 10)) ** 2 for yi, ci, w in zip(y, c, (1, -1, 0))) / 2
               for t in range(1, 13))
    regret = ctx.fsum(played) - ctx.mpf(best.p) / best.q
    m = named.measurement
    assert abs(m.values("regret")[-1] - regret) < ctx.mpf(10) ** -25
    assert m.digits("regret")[-1] >= 15
    assert m.convexity.startswith("proved")


def test_a_loss_linear_in_x_is_compared_with_the_best_vertex_as_the_losses_key(tmp_path):
    experts = ["(1 + sin(t/3))/2", "(1 + cos(t/5))/2", "2/5"]
    as_loss = check_claim(load_claim(claim_file(
        tmp_path, {"dimension": 3, "loss": " + ".join(f"x{i + 1}*({e})" for i, e in enumerate(experts))})))
    as_losses = check_claim(load_claim(claim_file(tmp_path, {"losses": experts}, name="experts.toml")))
    for a, b in zip(as_loss.measurement.values("regret"), as_losses.measurement.values("regret")):
        assert abs(a - b) < mpmath.mpf(10) ** -30
    assert "best fixed vertex" in as_loss.measurement.reference


def test_g_is_the_largest_dual_norm_of_the_gradients_played(tmp_path):
    """f_t(x) = <a_t, x>^2/2 with a_t = (1, t, 2): grad f_t(x_t) = <a_t, x_t> a_t; G in l_inf (norm l1, the default)
    and in l2 (norm l2)."""
    problem = {"dimension": 3, "loss": "(x1 + t*x2 + 2*x3)**2/2"}
    ctx = mpmath.MPContext()
    ctx.prec = 200
    a = lambda t: [1, t, 2]
    gradient = lambda t, x: [ctx.fsum(ai * xi for ai, xi in zip(a(t), x)) * ai for ai in a(t)]
    points = []
    exponentiated_gradient(lambda t, x: points.append((t, x)), gradient, 5, ctx)
    for norm, dual in ((None, lambda g: max(map(abs, g))), ("l2", lambda g: ctx.sqrt(ctx.fsum(v * v for v in g)))):
        m = check_claim(load_claim(claim_file(tmp_path, problem, steps=5, norm=norm))).measurement
        expected = max(dual(gradient(t, x)) for t, x in points)
        assert abs(m.constants["G"][0] - expected) < ctx.mpf(10) ** -30, norm


@pytest.mark.parametrize("problem, message", [
    ({"loss": "-log(x1 + x2)"}, r"\[problem\] dimension: a loss f_t\(x\) needs the dimension"),
    ({"dimension": 2, "loss": "x1", "losses": ["0", "1"]}, r"\[problem\] losses: give one of"),
    ({"dimension": 2, "loss": "-x1**2"}, r"\[problem\] loss: f_t\(x\) is not convex \(its constant Hessian"),
    ({"dimension": 2, "loss": "x1**3 - 3*x1**2"}, r"\[problem\] loss: f_t\(x\) is not convex: its Hessian"),
    ({"dimension": 2, "loss": "x1 + y"}, r"\[problem\] loss"),
    ({"dimension": 1000, "loss": "x1"}, r"\[problem\] dimension: 1000 exceeds the limit"),
])
def test_bad_losses_are_refused_naming_the_key(tmp_path, capsys, problem, message):
    assert main(["check", str(claim_file(tmp_path, problem, steps=3)), "--no-progress"]) == 2
    assert re.search(message, capsys.readouterr().err)


# ---------------------------------------------------------------- dual norms l_q for p-norm regularizers
@pytest.mark.parametrize("p", ["3/2", "7/4"])
def test_p_norm_regularizers_name_sigma_and_measure_g_in_the_dual_norm(tmp_path, p):
    """phi = ||x||_p^2/2 is (p - 1)-strongly convex in l_p; G is the largest l_q norm (q = p/(p - 1)) of the
    gradients along the run. The iterates here come from the closed-form dual map of phi,
    x_i = ||theta||_q^(2 - q) |theta_i|^(q - 1) sign(theta_i), theta_{s+1} = theta_s - eta grad f(x_s)."""
    path = tmp_path / "pnorm.toml"
    path.write_text(toml_text({
        "problem": {"variables": ["x1", "x2"], "domain": "reals", "regularizer": {"name": "p_norm", "p": p},
                    "objective": "(x1 - 1)**2/2 + (x2 + 1/2)**2"},
        "run": {"x0": ["2", "1"], "eta": "1/5", "steps": 8, "precision_bits": 64},
        "solution": {"x": ["1", "-1/2"]},
        "claim": {"kind": "upper_bound", "quantity": "best_suboptimality",
                  "bound": "(D0 + eta**2*G**2*T/(2*sigma))/(eta*T)"}}))
    named = check_claim(load_claim(path))
    ctx = mpmath.MPContext()
    ctx.prec = 200
    P = ctx.mpf(sp.Rational(p).p) / sp.Rational(p).q
    Q = P / (P - 1)
    norm = lambda v, r: ctx.fsum(abs(c) ** r for c in v) ** (1 / r)
    gradient = lambda x: [x[0] - 1, 2 * x[1] + 1]
    x = [ctx.mpf(2), ctx.mpf(1)]
    theta = [norm(x, P) ** (2 - P) * abs(c) ** (P - 1) * ctx.sign(c) for c in x]
    largest = 0
    for _ in range(8):
        g = gradient(x)
        largest = max(largest, norm(g, Q))
        theta = [th - gi / 5 for th, gi in zip(theta, g)]
        x = [norm(theta, Q) ** (2 - Q) * abs(th) ** (Q - 1) * ctx.sign(th) for th in theta]
    constants = named.measurement.constants
    assert constants["sigma"][0] == P - 1
    assert abs(constants["G"][0] - largest) < ctx.mpf(10) ** -30
    assert f"l{sp.Rational(p) / (sp.Rational(p) - 1)} norm" in named.measurement.provenance["G"]
    assert named.result.verdict == "holds"
