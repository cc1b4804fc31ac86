"""[run] step_convention of the mdp kind: the update is printed with the result, and a theorem stated with
Xiao's eta Q checks at its own step only with step_convention = "xiao"."""

import re

import mpmath
import pytest

from mdtheory.checker.claim import check_claim
from mdtheory.claimfile import load_claim, toml_text
from mdtheory.cli import main

# Agarwal et al.'s 3-state chain (mdtheory/theorems/policy/npg_agarwal.toml), gamma = 9/10
CHAIN = {"kind": "mdp",
         "P": [[["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]],
               [["1", "0", "0"], ["1", "0", "0"], ["1", "0", "0"]],
               [["0", "0", "1"], ["0", "0", "1"], ["0", "0", "1"]]],
         "r": [["1/2", "1/2", "0"], ["0", "0", "0"], ["1", "1", "1"]], "gamma": "9/10", "rho": ["1", "0", "0"]}
# Xiao (2022), Theorem 8 with the uniform start (D_0 <= log|A|): policy MD pi_{k+1} ~ pi_k exp(eta Q^{pi_k})
XIAO_BOUND = "log(A)/((1 - gamma)*eta*T) + 1/((1 - gamma)**2*T)"
# planted false: a value gap that halves every step (at Xiao's step it does not; at ten times the step it does)
TWIN_BOUND = "Vgap0/2**T"


def claim_file(tmp_path, bound, convention=None, problem=CHAIN, name="claim.toml"):
    run = {"eta": "1", "steps": 30, "precision_bits": 64}
    if convention:
        run["step_convention"] = convention
    path = tmp_path / name
    path.write_text(toml_text({"problem": problem, "run": run,
                               "claim": {"kind": "upper_bound", "quantity": "value_gap", "bound": bound}}))
    return path


def test_the_default_steps_eta_q_over_one_minus_gamma_and_says_so(tmp_path, capsys):
    """Without the key a Xiao-stated claim runs at eta/(1 - gamma) = 10 eta: the printed update shows it, and the
    planted-false twin then holds (the silent failure the key exists for)."""
    assert main(["check", str(claim_file(tmp_path, TWIN_BOUND)), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "exp(eta Q^{pi_t}(s,a) / (1 - gamma)) = pi_t(a|s) exp(10*eta * Q^{pi_t}(s,a))" in out
    assert "verdict: holds" in out


def test_xiao_convention_holds_the_theorem_and_violates_its_twin(tmp_path, capsys):
    theorem = check_claim(load_claim(claim_file(tmp_path, XIAO_BOUND, "xiao")))
    twin = check_claim(load_claim(claim_file(tmp_path, TWIN_BOUND, "xiao", name="twin.toml")))
    assert theorem.result.verdict == "holds", theorem.result.explanation
    assert twin.result.verdict == "violated", twin.result.explanation
    assert main(["check", str(claim_file(tmp_path, XIAO_BOUND, "xiao")), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "pi_{t+1}(a|s) ∝ pi_t(a|s) exp(eta Q^{pi_t}(s,a)) (step_convention = \"xiao\"" in out


BANDIT = {"kind": "mdp", "P": [[["1"], ["1"]]], "r": [["1", "0"]], "gamma": "1/2", "rho": ["1"]}


@pytest.mark.parametrize("convention, scale", [(None, 2), ("agarwal", 2), ("xiao", 1)])
def test_a_one_state_bandit_matches_the_closed_form(tmp_path, convention, scale):
    """One state, rewards (1, 0), gamma = 1/2: Q = r + gamma V, so the update is pi_t(1) = 1/(1 + exp(-c eta t))
    with c = 1/(1 - gamma) = 2 (Agarwal) or 1 (Xiao), and V* - V^{pi_t} = (1 - pi_t(1))/(1 - gamma)."""
    path = claim_file(tmp_path, "1", convention, problem=BANDIT)
    m = check_claim(load_claim(path)).measurement
    ctx = mpmath.MPContext()
    ctx.prec = 256
    for t in (0, 1, 7, 30):
        closed = (1 - 1 / (1 + ctx.exp(-scale * t))) * 2
        assert abs(m.values("value_gap")[t] - closed) < ctx.mpf(10) ** -30, (convention, t)


@pytest.mark.parametrize("convention, problem, message", [
    ("kakade", CHAIN, r"\[run\] step_convention: 'kakade'; choose one of \"agarwal\""),
    ("xiao", {**CHAIN, "tau": "1/100"}, r"\[run\] step_convention: \"xiao\" states unregularized policy MD"),
])
def test_a_bad_convention_is_refused_naming_the_key(tmp_path, capsys, convention, problem, message):
    assert main(["check", str(claim_file(tmp_path, XIAO_BOUND, convention, problem=problem)), "--no-progress"]) == 2
    assert re.search(message, capsys.readouterr().err)
