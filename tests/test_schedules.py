"""Step-size schedules: eta = an expression in the step index t (from 0), and the sums bounds name (sum_eta,
sum_eta2, sum_g2), against exact answers; a schedule that is not positive at some step is refused naming the key."""

import json
from fractions import Fraction

import mpmath
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim, toml_text
from mdtheory.cli import main
from mdtheory.theorems import theorem_files

# GD on f = 3 x^2/2 from x0 = 1 with eta_t = 1/(a (t + 2)), a = 3: x_{t+1} = (1 - 1/(t + 2)) x_t, so
# x_t = prod_{s<t} (s + 1)/(s + 2) = 1/(t + 1) exactly, and so is the amplification d x_t / d x_0.
GD = {"variables": ["x"], "domain": "reals", "regularizer": "euclidean", "objective": "3*x**2/2"}
GD_RUN = {"x0": ["1"], "eta": "1/(a*(t+2))", "steps": 30, "precision_bits": 96}
A = {"a": "3"}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def gd_exact(steps):
    """x_t, eta_t and the sums of GD above, in rational arithmetic (t = 0, ..., steps)."""
    eta = [Fraction(1, 3 * (t + 2)) for t in range(steps)]
    x = [Fraction(1)]
    for e in eta:
        x.append(x[-1] * (1 - 3 * e))
    sums = lambda terms: [sum(terms[:t], Fraction(0)) for t in range(steps + 1)]
    return x, eta, sums(eta), sums([e * e for e in eta]), sums([(3 * v) ** 2 for v in x[:-1]])


def test_gd_amplification_under_a_schedule_is_the_exact_product_on_both_rungs(tmp_path):
    tables = {"problem": GD, "constants": A, "run": {**GD_RUN, "direction": ["1"], "eps": "1/1000"},
              "claim": {"kind": "upper_bound", "quantity": "tangent_amplification", "bound": "1/T"}}
    named = check_claim(load_claim(write(tmp_path, tables)))
    assert named.result.verdict == "holds", named.result.explanation
    m = named.measurement
    x, *_ = gd_exact(30)
    for run in (m.ladder.fine, m.ladder.coarse):
        ctx = run.ctx
        for t, log_growth in zip(run.t, run.log_tangent_amplification):
            exact = ctx.mpf(x[t].numerator) / x[t].denominator
            assert abs(ctx.exp(log_growth) / exact - 1) < ctx.ldexp(1, 12 - run.bits)
    # one step short of the product: 1/(T + 2) is below it at every t >= 1
    tables["claim"]["bound"] = "1/(T+2)"
    assert check_claim(load_claim(write(tmp_path, tables))).result.verdict == "violated"


def test_the_step_sums_are_the_exact_sums_on_both_rungs(tmp_path):
    """sum_eta, sum_eta2 (from the schedule) and sum_g2 (from the run's gradients 3 x_s) against rationals;
    etaT means sum_eta under a schedule."""
    tables = {"problem": GD, "constants": A, "run": GD_RUN, "solution": {"x": ["0"]},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "2"}}
    m = check_claim(load_claim(write(tmp_path, tables))).measurement
    _, _, sum_eta, sum_eta2, sum_g2 = gd_exact(30)
    ctx = mpmath.MPContext()
    ctx.prec = 400
    exactly = lambda q: ctx.mpf(q.numerator) / q.denominator
    for rung, bits in ((0, 192), (1, 96)):
        for name, exact in (("sum_eta", sum_eta), ("sum_eta2", sum_eta2), ("sum_g2", sum_g2)):
            values = m.step_sums[name](rung)
            assert len(values) == 31
            for t, value in enumerate(values):
                assert abs(ctx.mpf(value) - exactly(exact[t])) <= exactly(exact[t]) * ctx.ldexp(1, 8 - bits), \
                    (name, rung, t)
    for t, elapsed in zip(m.fine.t, m.fine.eta_t):
        assert abs(ctx.mpf(elapsed) - exactly(sum_eta[t])) <= exactly(sum_eta[t]) * ctx.ldexp(1, 1 - 192)


@pytest.mark.parametrize("bound", ["(D0 + G**2*sum_eta2/2)/sum_eta", "(D0 + G**2*sum_eta2/2)/(4*sum_eta)"])
def test_the_classic_step_size_bound_and_a_wrong_constant_against_rationals(tmp_path, bound):
    """min_{s<t} f(x_s) - f* <= (D0 + G^2 sum_eta2/2)/sum_eta for GD (sigma = 1); the verdict and the first
    violated step are those the rational computation of both sides gives."""
    tables = {"problem": GD, "constants": A, "run": GD_RUN, "solution": {"x": ["0"]},
              "claim": {"kind": "upper_bound", "quantity": "best_suboptimality", "bound": bound}}
    result = check_claim(load_claim(write(tmp_path, tables))).result
    x, _, sum_eta, sum_eta2, _ = gd_exact(30)
    f = [Fraction(3, 2) * v * v for v in x]
    D0, G = Fraction(1, 2), max(3 * abs(v) for v in x[:-1])
    factor = 4 if "4*" in bound else 1
    exceeded = [t for t in range(1, 31) if min(f[:t]) > (D0 + G * G * sum_eta2[t] / 2) / (factor * sum_eta[t])]
    assert result.verdict == ("violated" if exceeded else "holds"), result.explanation
    assert bool(exceeded) == (factor == 4)
    if exceeded:
        assert result.extra["first_violation_t"] == exceeded[0]


@pytest.mark.parametrize("eta, message", [
    ("(7 - t)/10", r"\[run\] eta: \(7 - t\)/10 = 0 at t = 7, not positive"),
    ("sqrt(2)*(15/2 - t)", r"\[run\] eta: .* at t = 8, not positive"),
    ("1/(t - 9)", r"\[run\] eta: 1/\(t - 9\) = -1/9 at t = 0, not positive"),
    ("1/((t - 3)**2)", r"\[run\] eta: .* not defined at t = 3"),
    ("1/(mu*(t+1))", r"\[run\] eta: .*'mu'.*names declared in \[constants\]"),
])
def test_a_schedule_not_positive_at_some_step_is_refused_naming_the_key(tmp_path, capsys, eta, message):
    tables = {"problem": GD, "run": {**GD_RUN, "eta": eta}, "solution": {"x": ["0"]},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "2"}}
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)


def test_a_schedule_positive_until_the_last_step_is_taken(tmp_path):
    """(30 - t)/100 is positive at t = 0, ..., 29: the 30 steps of the run (eta_30 = 0 is never used)."""
    tables = {"problem": GD, "run": {**GD_RUN, "eta": "(30 - t)/100"}, "solution": {"x": ["0"]},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "2"}}
    assert check_claim(load_claim(write(tmp_path, tables))).result.verdict == "holds"


@pytest.mark.parametrize("tables, message", [
    ({"problem": GD, "constants": A, "run": GD_RUN, "solution": {"x": ["0"]},
      "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1/(eta*T)"}},
     r"\[claim\] bound: names eta, but \[run\] eta is the schedule"),
    ({"problem": {"kind": "mdp", "P": [[["1", "0"], ["0", "1"]], [["1", "0"], ["1", "0"]]], "r": [["0", "1"], ["0", "0"]],
                  "gamma": "1/2", "rho": ["1", "0"]}, "run": {"eta": "1/(t+1)", "steps": 5, "precision_bits": 64},
      "claim": {"kind": "upper_bound", "quantity": "value_gap", "bound": "1"}},
     r"\[run\] eta: .1/\(t\+1\). is a step-size schedule .* one constant step size"),
    ({"problem": {"kind": "online", "dimension": 2, "loss": "-log((2 + sin(t))*x1/2 + x2)"},
      "run": {"eta": "1/sqrt(t+1)", "steps": 5, "precision_bits": 64},
      "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "10"}},
     r"\[run\] eta: .1/sqrt\(t\+1\). is a step-size schedule .* one constant step size"),
])
def test_what_cannot_take_a_schedule_says_so_with_exit_2(tmp_path, capsys, tables, message):
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)


def test_falsify_refuses_a_scheduled_eta_naming_the_key(tmp_path, capsys):
    tables = {"problem": GD, "constants": A, "run": {**GD_RUN, "direction": ["1"], "eps": "1/1000"},
              "claim": {"kind": "upper_bound", "quantity": "amplification", "bound": "1"},
              "search": {"eta": ["1/10", "1"]}}
    assert main(["falsify", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert "[run] eta: falsify and sweep search one constant step size" in capsys.readouterr().err


def test_hedge_with_an_anytime_schedule_against_an_independent_computation(tmp_path):
    """Losses (0, 1) from the uniform start: after t rounds expert 2 weighs 1/(1 + exp(S_t)), S_t = sum_{s<t} eta_s,
    so regret_T = sum_{t<T} 1/(1 + exp(S_t)); eta_t = sqrt(8 log(2)/(t + 1)) (t from 0: round t + 1's step)."""
    tables = {"problem": {"kind": "online", "losses": ["0", "1"]},
              "run": {"eta": "sqrt(8*log(2)/(t+1))", "steps": 60, "precision_bits": 128},
              "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "1 + sum_g2*0"}}
    named = check_claim(load_claim(write(tmp_path, tables)))
    ctx = mpmath.MPContext()
    ctx.prec = 300
    elapsed, regret = ctx.mpf(0), [ctx.mpf(0)]
    for t in range(60):
        regret.append(regret[-1] + 1 / (1 + ctx.exp(elapsed)))
        elapsed += ctx.sqrt(8 * ctx.log(2) / (t + 1))
    m = named.measurement
    assert all(abs(value - regret[t]) < ctx.mpf(10) ** -30 for t, value in zip(m.t, m.values("regret")))
    assert abs(m.eta_t[-1] - elapsed) < ctx.mpf(10) ** -30
    assert [int(v) for v in m.step_sums["sum_g2"](0)] == list(range(61))  # ||(0, 1)||_inf^2 = 1 each round
    assert named.result.verdict == "holds"
    assert "eta_t = sqrt(8*log(2)/(t+1)) for the step after round t + 1" in named.update


def test_the_library_schedule_theorem_against_an_independent_computation():
    """Beck & Teboulle with eta_t = 1/sqrt(t + 1): entropic MD on max(2 x1, x2, x3) recomputed here in mpmath
    (the subgradient at a tie is sympy's: Heaviside(0) = 1/2 for each tied piece), both sides of the bound
    summed directly; the claim holds where they say it does, and the twin D0/sum_eta is exceeded."""
    path = next(p for p in theorem_files("convergence") if p.stem == "beck_teboulle_schedule")
    named = check_claim(load_claim(path))
    ctx = mpmath.MPContext()
    ctx.prec = 300
    weights = [2, 1, 1]
    x, xstar, steps = [ctx.mpf(1) / 3] * 3, [ctx.mpf(1) / 5, ctx.mpf(2) / 5, ctx.mpf(2) / 5], 200
    fstar = ctx.mpf(2) / 5
    D0 = ctx.fsum(p * ctx.log(p * 3) for p in xstar)
    best, values, G, sum_eta, sum_eta2 = None, [], 0, ctx.mpf(0), ctx.mpf(0)
    for t in range(steps):
        pieces = [w * v for w, v in zip(weights, x)]
        f = max(pieces)
        best = f if best is None else min(best, f)
        g = []
        for i, piece in enumerate(pieces):
            other = max(p for j, p in enumerate(pieces) if j != i)
            g.append(weights[i] * (1 if piece > other else ctx.mpf(1) / 2 if piece == other else 0))
        G = max(G, max(abs(v) for v in g))
        eta = 1 / ctx.sqrt(t + 1)
        sum_eta, sum_eta2 = sum_eta + eta, sum_eta2 + eta * eta
        values.append((best - fstar, sum_eta, sum_eta2))
        z = [v * ctx.exp(-eta * gi) for v, gi in zip(x, g)]
        x = [v / ctx.fsum(z) for v in z]
    bound = [(D0 + G**2 * s2 / 2) / s for _, s, s2 in values]
    assert all(gap < b for (gap, _, _), b in zip(values, bound))
    assert any(gap > D0 / s for gap, s, _ in values)
    m = named.measurement
    for i, t in enumerate(m.fine.t):
        if t >= 1:
            assert abs(m.values("best_suboptimality")[i] - values[t - 1][0]) < ctx.mpf(10) ** -20, t
    assert named.result.verdict == "holds"
    assert check_claim(load_claim(path, twin=True)).result.verdict == "violated"


def test_check_json_carries_the_schedule_in_the_update(tmp_path):
    tables = {"problem": GD, "constants": A, "run": GD_RUN, "solution": {"x": ["0"]},
              "claim": {"kind": "upper_bound", "quantity": "distance_to_solution", "bound": "1/(etaT*3 + 1)"}}
    out = tmp_path / "out.json"
    assert main(["check", str(write(tmp_path, tables)), "--json", str(out), "--no-progress"]) in (0, 1)
    data = json.loads(out.read_text())
    assert "eta_t = 1/(a*(t+2))" in data["update"]


@pytest.mark.parametrize("backend", ["mpmath", "flint"])
def test_both_backends_run_the_schedule_exactly(tmp_path, backend):
    """best_suboptimality at t is f(x_{t-1}) = 3/(2 t^2) (x_t = 1/(t + 1)), on the reference and the arb backend."""
    tables = {"problem": GD, "constants": A, "run": {**GD_RUN, "backend": backend}, "solution": {"x": ["0"]},
              "claim": {"kind": "upper_bound", "quantity": "best_suboptimality", "bound": "2/T**2"}}
    named = check_claim(load_claim(write(tmp_path, tables)))
    assert named.result.verdict == "holds"
    m = named.measurement
    ctx = mpmath.MPContext()
    ctx.prec = 300
    for t, value in zip(m.fine.t, m.values("best_suboptimality")):
        if t >= 1:
            assert abs(ctx.mpf(value) - ctx.mpf(3) / (2 * t * t)) < ctx.mpf(10) ** -40, t


def test_a_sensitivity_bound_cannot_name_sum_g2(tmp_path, capsys):
    tables = {"problem": GD, "constants": A, "run": {**GD_RUN, "direction": ["1"], "eps": "1/1000"},
              "claim": {"kind": "upper_bound", "quantity": "amplification", "bound": "1 + sum_g2"}}
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert "sum_g2 is not summed for this quantity" in capsys.readouterr().err
