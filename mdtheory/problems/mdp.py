"""``[problem] kind = "mdp"``: policy mirror descent (NPG; entropy-regularized when tau > 0) on a tabular MDP."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.bounds import MDP_QUANTITIES
from mdtheory.checker.claim import with_declared
from mdtheory.checker.policy import check_policy_quantity, measure_policy_md
from mdtheory.claimfile import ClaimFileError, _steps_eta_bits, keyed, toml_numbers
from mdtheory.engine.mdp import (DEFAULT_STEP_CONVENTION, STEP_CONVENTIONS, TabularMDP, check_step_size, engine_step,
                                 policy_update_text)
from mdtheory.errors import MDTheoryError
from mdtheory.problems import Problem, register


@register("mdp")
@dataclass(frozen=True)
class PolicyProblem(Problem):
    """Policy MD (NPG, entropy-regularized when mdp.tau > 0) on a tabular MDP from the policy ``pi0``."""

    mdp: TabularMDP
    pi0: tuple
    eta: sp.Rational
    steps: int
    bits: int
    constants: dict = field(default_factory=dict)
    convention: str = DEFAULT_STEP_CONVENTION  # how the claim's eta scales the step on Q
    problem_keys = {"kind": True, "P": True, "r": True, "gamma": True, "rho": True, "tau": False}
    run_keys = {"pi0": False, "eta": True, "steps": True, "precision_bits": True, "step_convention": False}
    quantities = MDP_QUANTITIES
    constant_names = ("eta", "gamma", "tau", "A", "S", "Vgap0", "Qgap0", "logpigap0")

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int) -> PolicyProblem:
        problem, run = data["problem"], data["run"]
        try:
            mdp = TabularMDP.build(problem["P"], problem["r"], problem["gamma"], problem["rho"], problem.get("tau", 0))
        except MDTheoryError as err:
            raise keyed("[problem]", err) from None
        pi0 = run.get("pi0", "uniform")
        if pi0 == "uniform":
            pi0 = mdp.uniform_policy()
        else:
            if not isinstance(pi0, list) or len(pi0) != mdp.states:
                raise ClaimFileError(f"[run] pi0: expected \"uniform\" or one row of action probabilities per state "
                                     f"({mdp.states} rows)")
            pi0 = [toml_numbers(row, f"[run] pi0[{s}]", a) for s, (row, a) in enumerate(zip(pi0, mdp.actions))]
        try:
            mdp.check_policy(pi0)
        except MDTheoryError as err:
            raise keyed("[run] pi0", err) from None
        steps, eta, bits = _steps_eta_bits(run, max_steps, max_precision_bits)
        convention = run.get("step_convention", DEFAULT_STEP_CONVENTION)
        if convention not in STEP_CONVENTIONS:
            raise ClaimFileError(f"[run] step_convention: {convention!r}; choose one of "
                                 + "; ".join(f'"{name}": {text}' for name, text in STEP_CONVENTIONS.items()))
        if convention == "xiao" and mdp.tau != 0:
            raise ClaimFileError("[run] step_convention: \"xiao\" states unregularized policy MD (tau = 0); with "
                                 "tau > 0 remove the key (Cen et al.'s eta Q_tau/(1 - gamma), the default)")
        try:
            check_step_size(mdp, engine_step(mdp, eta, convention))
        except MDTheoryError as err:
            raise keyed("[run] eta", err) from None
        return cls(mdp, tuple(tuple(row) for row in pi0), eta, steps, bits, declared, convention)

    def check_quantity(self, quantity: str) -> None:
        super().check_quantity(quantity)
        check_policy_quantity(self.mdp, quantity)

    def numbers_read(self) -> dict:
        return {"eta": self.eta, **self.constants}

    def update_text(self) -> str:
        return policy_update_text(self.mdp, self.convention)

    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        return [with_declared(measure_policy_md(self.mdp, self.pi0, self.eta, self.steps, self.bits,
                                                     self.convention), self.constants)]

    @property
    def step_size(self):
        return self.eta

    def at(self, point: dict, bits: int) -> PolicyProblem:
        check_step_size(self.mdp, engine_step(self.mdp, point["eta"], self.convention))
        return dataclasses.replace(self, eta=point["eta"], bits=bits)
