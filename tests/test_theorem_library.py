"""The theorem library from claim files: every true instance holds and every planted-false twin is violated;
the claim-file keys of the new problem kinds, against exact answers; bad claims name their key."""

import json

import mpmath
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import ClaimFileError, load_claim, toml_text
from mdtheory.cli import main
from mdtheory.theorems import FAMILIES, theorem_files

LIBRARY = [path for family in FAMILIES for path in theorem_files(family)]


def test_the_library_has_at_least_eight_published_theorems_each_with_a_twin():
    assert len(LIBRARY) >= 8
    for path in LIBRARY:
        claim, twin = load_claim(path), load_claim(path, twin=True)
        assert claim.theorem.name and claim.theorem.reference and claim.theorem.statement, path.stem
        assert claim.expected == "holds" and twin.expected == "violated", path.stem


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_the_theorem_holds_and_its_planted_false_twin_is_violated(path):
    true, twin = check_claim(load_claim(path)), check_claim(load_claim(path, twin=True))
    assert true.result.verdict == "holds", (path.stem, true.result.explanation)
    assert twin.result.verdict == "violated", (path.stem, twin.result.explanation)


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def hedge_tables(problem):
    return {"problem": {"kind": "online", **problem}, "run": {"eta": "1/10", "steps": 100, "precision_bits": 128},
            "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "log(d)/eta + eta*T/8"}}


@pytest.mark.parametrize("problem", [{"losses": ["0", "1"]}, {"loss_table": [["0", "1"], ["0", "1"]]},
                                     {"losses": ["0", "1 - 0*sin(t)"]}], ids=["expressions", "table", "in t"])
def test_online_claim_files_reproduce_the_closed_form_regret(tmp_path, problem):
    """Constant losses (0, 1) from the uniform start: regret_T = sum_{s<T} 1/(1 + e^(eta s)); a loss table's rows
    repeat, so two equal rows are the constant sequence."""
    named = check_claim(load_claim(write(tmp_path, hedge_tables(problem))))
    ctx = mpmath.MPContext()
    ctx.prec = 256
    closed = ctx.fsum(1 / (1 + ctx.exp(ctx.mpf(s) / 10)) for s in range(100))
    m = named.measurement
    assert abs(m.values("regret")[-1] - closed) < ctx.mpf(10) ** -30
    assert named.result.verdict == "holds"


def test_a_loss_table_cycles_through_its_rows(tmp_path):
    """Losses alternating (1, 0), (0, 1): after two rounds from the uniform start the regret is
    1/2 + e^(-eta)/(1 + e^(-eta)) - 1 exactly."""
    tables = hedge_tables({"loss_table": [["1", "0"], ["0", "1"]]})
    tables["run"]["steps"] = 2
    m = check_claim(load_claim(write(tmp_path, tables))).measurement
    ctx = mpmath.MPContext()
    ctx.prec = 256
    x2 = ctx.exp(-ctx.mpf(1) / 10) / (1 + ctx.exp(-ctx.mpf(1) / 10))  # weight of expert 0 in round 2
    assert abs(m.values("regret")[2] - (ctx.mpf(1) / 2 + (1 - x2) - 1)) < ctx.mpf(10) ** -30


def test_worst_case_amplification_of_gd_past_the_edge_is_the_exact_power(tmp_path):
    """GD on x1^2 + x2^2/4 with eta = 11/10: J_T = diag((-6/5)^T, (9/20)^T), so ||J_T|| = (6/5)^T."""
    path = LIBRARY[[p.stem for p in LIBRARY].index("gd_step_size_edge")]
    m = check_claim(load_claim(path, twin=True)).measurement
    ctx = m.ctx
    for i, t in enumerate(m.t):
        assert abs(m.values("worst_case_amplification")[i] / (ctx.mpf(6) / 5) ** t - 1) < ctx.mpf(10) ** -30


def test_a_for_every_x_claim_names_each_comparator_it_was_checked_at():
    path = LIBRARY[[p.stem for p in LIBRARY].index("relative_smoothness_poisson")]
    result = check_claim(load_claim(path)).result
    assert list(result.extra["references"].values()) == ["holds"] * 3
    assert "comparator 1" in result.explanation


def test_check_cli_runs_a_twin_and_writes_constants_and_series(tmp_path):
    path = LIBRARY[[p.stem for p in LIBRARY].index("npg_agarwal")]
    out = tmp_path / "twin.json"
    assert main(["check", str(path), "--twin", "--json", str(out), "--no-progress"]) == 0  # violated, as predicted
    data = json.loads(out.read_text())
    assert data["verdict"] == "violated" and data["expected"] == "violated"
    assert data["constants"]["gamma"]["value"].startswith("0.9") and "exact" in data["constants"]["gamma"]["how"]
    assert len(data["series"]) == 61 and data["series"][3]["value_gap"] is not None


CHAIN = {"kind": "mdp", "P": [[["1", "0"], ["0", "1"]], [["1", "0"], ["1", "0"]]], "r": [["0", "1"], ["0", "0"]],
         "gamma": "1/2", "rho": ["1", "0"]}
MDP_RUN = {"eta": "1", "steps": 5, "precision_bits": 128}
OFFLINE = {"variables": ["x1", "x2"], "domain": "reals", "regularizer": "euclidean", "objective": "x1**2 + x2**2"}
OFFLINE_RUN = {"x0": ["1", "1"], "eta": "1/4", "steps": 5, "precision_bits": 128}


@pytest.mark.parametrize("tables, message", [
    ({"problem": CHAIN, "run": MDP_RUN, "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "1"}},
     r"\[claim\] quantity: 'regret'; this problem measures value_gap"),
    ({"problem": CHAIN, "run": MDP_RUN, "claim": {"kind": "upper_bound", "quantity": "value_gap", "bound": "L/T"}},
     r"\[claim\] bound: .*L"),
    ({"problem": {**CHAIN, "P": [[["1", "0"], ["1/2", "1/4"]], [["1", "0"], ["1", "0"]]]}, "run": MDP_RUN,
      "claim": {"kind": "upper_bound", "quantity": "value_gap", "bound": "1"}}, r"\[problem\] P\[0\]\[1\].*sum to 1"),
    ({"problem": OFFLINE, "run": OFFLINE_RUN, "claim": {"kind": "upper_bound", "quantity": "amplification",
                                                         "bound": "1"}}, r"\[run\] direction: missing"),
    ({"problem": OFFLINE, "run": OFFLINE_RUN, "constants": {"eta": "1"},
      "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "1"}}, r"\[constants\] eta"),
    ({"problem": OFFLINE, "run": OFFLINE_RUN, "claim": {"kind": "upper_bound", "quantity": "suboptimality",
                                                         "bound": "1", "expected": "maybe"}}, r"\[claim\] expected"),
    ({"problem": OFFLINE, "run": OFFLINE_RUN, "claim": {"kind": "upper_bound", "quantity": "suboptimality",
                                                         "bound": "1"}, "twin": {"claim": {"bound": "2"}}},
     r"\[twin\] why: missing"),
    ({"problem": {"kind": "online", "losses": ["0", "1"]}, "run": {"eta": "1", "steps": 3, "precision_bits": 128},
      "solution": {"x": ["1", "0"]}, "claim": {"kind": "upper_bound", "quantity": "regret", "bound": "1"}},
     r"\[solution\]: only an offline( or \w+)* problem has one \(this problem is online\)"),
    ({"problem": OFFLINE, "run": OFFLINE_RUN, "claim": {"kind": "limit", "tolerance": "1e-6"}},
     r"\[claim\] kind: a limit claim needs \[solution\]"),
])
def test_bad_claims_name_their_key(tmp_path, tables, message):
    with pytest.raises(ClaimFileError, match=message):
        load_claim(write(tmp_path, tables), twin="twin" in tables)


def test_a_declared_constant_the_instance_contradicts_is_refused_with_the_evidence(tmp_path):
    """x1^2 + x2^2 + x1^4/12 is at least 2-smooth: a declared L = 1 is contradicted at the first iterate; the CLI
    exits 2. (Not a quadratic f: there L is computed exactly, and declaring it is refused.)"""
    tables = {"problem": {**OFFLINE, "objective": "x1**2 + x2**2 + x1**4/12"}, "run": OFFLINE_RUN, "constants": {"L": "1"},
              "claim": {"kind": "upper_bound", "quantity": "suboptimality", "bound": "L*D0/(2*T)"}}
    path = write(tmp_path, tables)
    with pytest.raises(Exception, match=r"\[constants\] L = 1: contradicted by the instance: at x_0"):
        check_claim(load_claim(path))
    assert main(["check", str(path), "--no-progress"]) == 2


def test_cen_et_al_log_policy_bound_holds_and_a_tightened_one_fails(tmp_path):
    """Cen et al. (2022), Thm 1: ||log pi*_tau - log pi^(t+1)||_inf <= 2 C1 (1 - eta tau)^t / tau."""
    path = LIBRARY[[p.stem for p in LIBRARY].index("npg_entropy_cen")]
    c1 = "(Qgap0 + 2*tau*(1 - eta*tau/(1 - gamma))*logpigap0)"
    for factor, verdict in (("1", "holds"), ("1/10000", "violated")):
        text = path.read_text().split("[twin]")[0].replace('quantity = "soft_q_gap"', 'quantity = "log_policy_gap"')
        text = text.replace(text[text.index("bound = "):].splitlines()[0],
                            f'bound = "{factor}*2*{c1}*(1 - eta*tau)**(T - 1)/tau"')
        target = tmp_path / "log_policy.toml"
        target.write_text(text)
        assert check_claim(load_claim(target)).result.verdict == verdict


def test_nonsmooth_objectives_get_a_documented_subgradient_at_kinks():
    """sign(0) = 0 for |x| (0 is in [-1, 1]); at a tie of max the active gradients are averaged; the Hessian is
    the almost-everywhere one (0 for piecewise-affine f)."""
    import sympy as sp

    from mdtheory.engine.codegen import CompiledExpressions
    from mdtheory.errors import MDTheoryError
    from mdtheory.symbolic.objectives import from_text
    from mdtheory.symbolic.parsing import parse_expression

    x, y = sp.symbols("x y", real=True)
    ctx = mpmath.MPContext()
    for text, point, gradient in (("abs(x - 1/3) + y", (sp.Rational(1, 3), 0), (0, 1)),
                                  ("max(x, y)", (sp.Rational(1, 2), sp.Rational(1, 2)), (sp.Rational(1, 2), sp.Rational(1, 2))),
                                  ("max(x, y)", (1, 0), (1, 0))):
        f = from_text(text, (x, y))
        compiled = CompiledExpressions(list(f.gradient) + list(f.hessian), [x, y])
        values = compiled(ctx, *(ctx.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in point))
        assert values[:2] == [ctx.mpf(g.p) / g.q if isinstance(g, sp.Rational) else g for g in gradient], text
        assert values[2:] == [0, 0, 0, 0], text
    with pytest.raises(MDTheoryError, match="two or more arguments"):
        parse_expression("max(x)", {"x": x})


@pytest.mark.parametrize("loss, message", [("1/(t - 1)", r"losses: cannot be evaluated at round t = 1"),
                                           ("log(t - 1)", r"losses\[0\] is -inf at round t = 1")])
def test_a_loss_that_cannot_be_evaluated_names_the_round(tmp_path, loss, message):
    from mdtheory.errors import MDTheoryError

    path = write(tmp_path, hedge_tables({"losses": [loss, "1"]}))
    with pytest.raises(MDTheoryError, match=message):
        check_claim(load_claim(path))
    assert main(["check", str(path), "--no-progress"]) == 2


def test_a_for_every_x_verdict_is_violated_at_any_point_and_inconclusive_if_one_is_undecided():
    from mdtheory.checker.bounds import CheckResult
    from mdtheory.checker.claim import _combined

    def result(verdict):
        return CheckResult(kind="upper_bound", verdict=verdict, measured="m", claimed="c", margin="0",
                           trusted_digits=10, quantity="suboptimality", explanation=verdict)

    points = ["x*", "comparator 0", "comparator 1"]
    assert _combined([result("holds"), result("inconclusive"), result("violated")], points)[1].verdict == "violated"
    index, combined = _combined([result("holds"), result("inconclusive"), result("holds")], points)
    assert (index, combined.verdict) == (1, "inconclusive")
    assert _combined([result("holds")] * 3, points)[1].extra["references"] == dict.fromkeys(points, "holds")
