"""A claim as data, and the one runner that checks it.

A ``Claim`` is a problem (offline f, an online loss sequence, or a tabular MDP), how it is run, a bound on
one quantity, and the verdict the claim predicts. Claim files (``mdtheory.claimfile``) and Python build the
same object; ``check_claim`` measures the quantity on the precision ladder and judges it. A convergence
claim measured at several reference points (x* and declared comparators, for "for every x" statements)
holds only when it holds at each of them; the result names every point and its verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.bounds import (
    CONVERGENCE_QUANTITIES,
    HOLDS,
    INCONCLUSIVE,
    MDP_QUANTITIES,
    ONLINE_QUANTITIES,
    SENSITIVITY_QUANTITIES,
    T,
    VIOLATED,
    Verdict,
    EPS,
    ETA_T,
    CheckResult,
    constant_symbol,
)
from mdtheory.checker.convergence import Solution, check_kept_numbers, convergence_measurements
from mdtheory.checker.instance import check_instance
from mdtheory.checker.measure import measure, measure_worst_case
from mdtheory.checker.policy import check_policy_quantity, measure_policy_md
from mdtheory.checker.regret import measure_regret, regret_update_text
from mdtheory.checker.result import NamedCheck, md_update_text
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.mdp import TabularMDP, policy_update_text
from mdtheory.engine.run import RunSpec
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.regularizer import Regularizer

ROUND = sp.Symbol("t", positive=True, integer=True)  # the round an online loss expression is evaluated at


@dataclass(frozen=True)
class Theorem:
    """Where a claim comes from: a name, a reference, and the statement in words."""

    name: str
    reference: str = ""
    statement: str = ""


@dataclass(frozen=True)
class OfflineProblem:
    """MD on a fixed objective: sensitivity quantities from the perturbed pair, convergence quantities from a
    reference point (``solution``); ``constants`` are declared values a bound may name (L, mu, ... are
    checked against the instance)."""

    md: MirrorDescent
    spec: RunSpec
    bits: int
    float64: bool = True
    backend: str = "mpmath"
    solution: Solution = Solution()
    constants: dict = field(default_factory=dict)
    norm: str | None = None
    quantities = (*SENSITIVITY_QUANTITIES, *CONVERGENCE_QUANTITIES)


@dataclass(frozen=True)
class OnlineProblem:
    """Online MD on the simplex against linear losses: expert i's loss in round t = 1, ..., steps is
    ``losses[i]``, an expression in t, or ``table[(t - 1) mod len(table)][i]``, an exact number."""

    regularizer: Regularizer
    x0: tuple
    eta: sp.Rational
    steps: int
    bits: int
    losses: tuple | None = None
    table: tuple | None = None
    constants: dict = field(default_factory=dict)
    parameters: tuple = ()  # free names of the loss expressions (falsify searches them) ...
    parameter_values: tuple = ()  # ... and the values this instance gives them
    quantities = ONLINE_QUANTITIES

    def __post_init__(self):
        if (self.losses is None) == (self.table is None):
            raise MDTheoryError("an online problem has losses (expressions in t) or a table, not both")

    def loss_function(self) -> Callable:
        if self.table is not None:
            table = self.table
            return lambda ctx, t: [ctx.exact(v) for v in table[t % len(table)]]
        values = dict(zip(self.parameters, self.parameter_values))
        compiled = CompiledExpressions([loss.subs(values) for loss in self.losses], [ROUND])

        def losses(ctx, t):
            try:
                values = compiled(ctx, ctx.mpf(t + 1))
            except (ZeroDivisionError, ValueError, OverflowError) as err:
                raise MDTheoryError(f"[problem] losses: cannot be evaluated at round t = {t + 1} ({err or type(err).__name__})"
                                    ) from None
            for i, value in enumerate(values):
                if not ctx.isfinite(value):
                    raise MDTheoryError(f"[problem] losses[{i}] is {value} at round t = {t + 1}; a loss must be finite")
            return values

        return losses


@dataclass(frozen=True)
class PolicyProblem:
    """Policy MD (NPG, entropy-regularized when mdp.tau > 0) on a tabular MDP from the policy ``pi0``."""

    mdp: TabularMDP
    pi0: tuple
    eta: sp.Rational
    steps: int
    bits: int
    constants: dict = field(default_factory=dict)
    quantities = MDP_QUANTITIES


@dataclass(frozen=True)
class Claim:
    """A theorem about one instance: problem, bound (on ``bound.quantity``), and the predicted verdict."""

    name: str
    problem: OfflineProblem | OnlineProblem | PolicyProblem
    bound: object
    expected: Verdict = HOLDS
    theorem: Theorem | None = None

    def __post_init__(self):
        quantity = self.bound.quantity
        if quantity not in self.problem.quantities:
            kind = type(self.problem).__name__
            raise MDTheoryError(f"quantity {quantity!r} is not measured on an {kind}; it measures "
                                f"{', '.join(self.problem.quantities)}")
        if isinstance(self.problem, PolicyProblem):
            check_policy_quantity(self.problem.mdp, quantity)
        if self.expected not in (HOLDS, VIOLATED):
            raise MDTheoryError(f"expected: {self.expected!r}; a claim predicts holds or violated")
        object.__setattr__(self, "expected", Verdict(self.expected))  # a file's "violated" as the one type


def check_claim(claim: Claim, progress: Callable[[int, int], None] | None = None) -> NamedCheck:
    """Measure the claim's quantity on the precision ladder and judge it against its bound."""
    problem, bound = claim.problem, claim.bound
    update = (regret_update_text(problem.regularizer) if isinstance(problem, OnlineProblem) else
              policy_update_text(problem.mdp) if isinstance(problem, PolicyProblem) else md_update_text(problem.md))
    if isinstance(problem, OfflineProblem) and bound.quantity in SENSITIVITY_QUANTITIES \
            and bound.quantity != "worst_case_amplification":
        result, m = check_instance(bound, problem.md, problem.spec, problem.bits, with_float64=problem.float64,
                                   progress=progress, backend=problem.backend)
        return NamedCheck(claim.name, result, m, claim.expected, update)
    measurements = claim_measurements(claim, progress)
    if bound.quantity not in CONVERGENCE_QUANTITIES:
        return NamedCheck(claim.name, bound.check(measurements[0]), measurements[0], claim.expected, update)
    results = [bound.check(r) for r in measurements]
    index, result = _combined(results, [r.reference for r in measurements])
    return NamedCheck(claim.name, result, measurements[index], claim.expected, update)


def claim_measurements(claim: Claim, progress: Callable[[int, int], None] | None = None) -> list:
    """The laddered measurements a claim is judged on: one series, or one per reference point of a
    convergence claim (x* and each comparator). Not for the perturbed-pair sensitivity quantities, which
    ``check_instance`` measures and judges together."""
    problem, bound = claim.problem, claim.bound
    if isinstance(problem, OnlineProblem):
        m = measure_regret(problem.regularizer, problem.x0, problem.eta, problem.loss_function(), problem.steps,
                           problem.bits)
        return [_declare(m, problem.constants)]
    if isinstance(problem, PolicyProblem):
        m = measure_policy_md(problem.mdp, problem.pi0, problem.eta, problem.steps, problem.bits)
        return [_declare(m, problem.constants)]
    if bound.quantity in CONVERGENCE_QUANTITIES:
        check_kept_numbers(problem.spec, problem.md.regularizer.dim, problem.solution)
        kernel = MirrorDescentKernel(problem.md)
        m = measure(problem.md, problem.spec, problem.bits, with_float64=False, progress=progress, kernel=kernel,
                    backend=problem.backend, keep_path=True)
        return convergence_measurements(m, kernel, problem.solution, problem.constants, problem.norm,
                                        quantities=(bound.quantity,), release_iterates=True)
    if bound.quantity == "worst_case_amplification":
        return [_declare(measure_worst_case(problem.md, problem.spec, problem.bits), problem.constants)]
    raise MDTheoryError(f"{bound.quantity}: measured with its perturbed pair by check_instance, not here")


def closed_form_numbers(problem) -> list[tuple[str, sp.Expr]]:
    """The numbers of a problem that were read as closed forms (sqrt(2)/4, log(2)), by name, to be shown with
    their decimal values: a rational shows its own value, a closed form does not."""
    spec = getattr(problem, "spec", None)
    run = ({"eta": spec.eta, "eps": spec.eps, "x0": spec.x0, "direction": spec.direction} if spec is not None
           else {"eta": problem.eta, "x0": getattr(problem, "x0", ())})
    named = [(name, value) for name, value in run.items() if not isinstance(value, tuple)]
    named += [(f"{name}[{i}]", v) for name, value in run.items() if isinstance(value, tuple) for i, v in enumerate(value)]
    named += list(problem.constants.items())
    return [(name, value) for name, value in named if isinstance(value, sp.Expr) and not value.is_Rational]


def _declare(m, declared: dict):
    """Declared constants joined to a series measurement's computed ones; a computed one cannot be redeclared
    (its value is known exactly or to the working precision)."""
    clash = sorted(set(declared) & set(m.constants))
    if clash:
        raise MDTheoryError(f"[constants] {clash[0]}: computed from the instance ({m.provenance[clash[0]]}); remove it")
    if not declared:
        return m
    constants = dict(m.constants)
    provenance = dict(m.provenance)
    for name, value in declared.items():
        constants[name] = (m.ctx.exact(value), m.ctx.exact(value))
        provenance[name] = "declared (not checked)" if value.is_Rational else f"declared as {value} (not checked)"
    return dataclasses.replace(m, constants=constants, provenance=provenance)


def _combined(results: list[CheckResult], references: list[str]) -> tuple[int, CheckResult]:
    """One verdict over reference points: violated at any, holds at all, else inconclusive; the result shown
    is the deciding point's (the first violated, else the first inconclusive, else the tightest)."""
    verdicts = [r.verdict for r in results]
    if VIOLATED in verdicts:
        index = verdicts.index(VIOLATED)
    elif INCONCLUSIVE in verdicts:
        index = verdicts.index(INCONCLUSIVE)
    else:
        index = 0
    result = results[index]
    if len(results) == 1:
        return index, dataclasses.replace(result, explanation=f"{result.explanation} (at {references[0]})")
    lines = "; ".join(f"{ref}: {r.verdict}" for ref, r in zip(references, results))
    return index, dataclasses.replace(result, explanation=f"{result.explanation} (shown at {references[index]}). "
                                                          f"Checked at {len(results)} points: {lines}",
                                      extra={**result.extra, "references": dict(zip(references, verdicts))})


def bound_symbols(problem_kind: str, declared: set[str]) -> dict[str, sp.Symbol]:
    """The names a bound may use for a problem kind (the instance computes these; ``declared`` adds more)."""
    names = {"offline": ("eta", "d", "G", "sigma", "L", "mu", "fstar", "D0"),
             "online": ("eta", "d", "G"),
             "mdp": ("eta", "gamma", "tau", "A", "S", "Vgap0", "Qgap0", "logpigap0")}[problem_kind]
    symbols = {"T": T, "etaT": ETA_T, **{n: constant_symbol(n) for n in (*names, *declared)}}
    if problem_kind == "offline":
        symbols["eps"] = EPS
    return symbols


__all__ = ["Claim", "OfflineProblem", "OnlineProblem", "PolicyProblem", "Theorem", "check_claim", "claim_measurements", "bound_symbols",
           "ROUND", "T"]
