"""``[problem] kind = "offline"`` (the default): mirror descent on a fixed objective f.

Sensitivity quantities (amplification, separation, tangent) come from the run from x0 and the run from
x0 + eps*direction, measured and judged together; convergence quantities from reference points (x* and declared
comparators, ``[solution]``); worst_case_amplification from the Jacobian's largest singular value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.bounds import CONVERGENCE_QUANTITIES, EPS, SENSITIVITY_QUANTITIES
from mdtheory.checker.claim import with_declared
from mdtheory.checker.convergence import (DUAL_NORMS, AffineLimit, Solution, check_kept_numbers,
                                          check_reference_point, convergence_measurements)
from mdtheory.checker.float_convergence import FloatConvergenceScreen
from mdtheory.checker.instance import check_instance
from mdtheory.checker.measure import Measurement, measure, measure_worst_case
from mdtheory.checker.result import md_update_text
from mdtheory.claimfile import (OFFLINE_RUN, SOLUTION_KEYS, ClaimFileError, _offline, check_table_keys,
                                refuse_constant_eta, toml_numbers)
from mdtheory.engine.ladder import trusted_or_none
from mdtheory.engine.run import WORST_CASE_MAX_DIM, RunSpec
from mdtheory.engine.schedule import schedule_text
from mdtheory.errors import MDTheoryError
from mdtheory.methods import kernel_for
from mdtheory.problems import Problem, register
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.sets import set_keys


@register("offline")
@dataclass(frozen=True)
class OfflineProblem(Problem):
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
    problem_keys = {"kind": False, "variables": True, "domain": True, "regularizer": True, "objective": True,
                    **set_keys()}  # a constraint set's own keys (radius, bounds, blocks): symbolic.sets
    run_keys = OFFLINE_RUN
    quantities = (*SENSITIVITY_QUANTITIES, *CONVERGENCE_QUANTITIES)
    constant_names = ("eta", "d", "G", "sigma", "L", "mu", "fstar", "D0", "r0")
    step_sum_names = ("sum_eta", "sum_eta2", "sum_g2")
    sections = ("solution", "method")
    norms = DUAL_NORMS
    # the worst case is a maximum over directions, measured as a series from the Jacobian, not on the pair
    perturbed_pair_quantities = tuple(q for q in SENSITIVITY_QUANTITIES if q != "worst_case_amplification")

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int) -> OfflineProblem:
        perturbed = bound.quantity in cls.perturbed_pair_quantities
        md, spec, bits, float64, backend = _offline(data, max_steps, max_precision_bits, perturbed=perturbed)
        refuse_constant_eta(bound, spec.eta)
        solution = solution_from_table(data.get("solution", {}), md, bound)
        return cls(md, spec, bits, float64, backend, solution, declared, data["claim"].get("norm"))

    @classmethod
    def bound_symbols(cls, declared: set[str]) -> dict:
        return {**super().bound_symbols(declared), "eps": EPS}

    def numbers_read(self) -> dict:
        spec = self.spec
        return {"eta": spec.eta, "eps": spec.eps, "x0": spec.x0, "direction": spec.direction, **self.constants}

    def update_text(self) -> str:
        return md_update_text(self.md) + schedule_text(self.spec.eta)

    def judged(self, bound, progress: Callable[[int, int], None] | None = None):
        if bound.quantity not in self.perturbed_pair_quantities:
            return None
        return check_instance(bound, self.md, self.spec, self.bits, with_float64=self.float64, progress=progress,
                              backend=self.backend)

    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        if bound.quantity in CONVERGENCE_QUANTITIES:
            check_kept_numbers(self.spec, self.md.regularizer.dim, self.solution)
            kernel = kernel_for(self.md)
            kernel.tangent_needed = False  # convergence reads no tangent (a projection's kink need not stop it)
            m = measure(self.md, self.spec, self.bits, with_float64=False, progress=progress, kernel=kernel,
                        backend=self.backend, keep_path=True)
            return convergence_measurements(m, kernel, self.solution, self.constants, self.norm,
                                            quantities=(bound.quantity,), release_iterates=True)
        if bound.quantity == "worst_case_amplification":
            return [with_declared(measure_worst_case(self.md, self.spec, self.bits), self.constants)]
        raise MDTheoryError(f"{bound.quantity}: measured with its perturbed pair by check_instance, not here")

    def extra_series(self, measurement) -> dict[str, list]:
        """A sensitivity claim's JSON carries the worst case over directions beside the pair's amplification."""
        if not (isinstance(measurement, Measurement) and measurement.spec.perturbed
                and self.md.regularizer.dim <= WORST_CASE_MAX_DIM):
            return {}
        worst = measure_worst_case(self.md, self.spec, self.bits)
        quantity = "worst_case_amplification"
        return {quantity: [trusted_or_none(worst.ctx, value, digits)
                           for value, digits in zip(worst.values(quantity), worst.digits(quantity))]}

    @property
    def step_size(self):
        if self.spec.scheduled:
            raise ClaimFileError(f"[run] eta: falsify searches one constant step size; this claim's eta is the "
                                 f"schedule {self.spec.eta}: check it with mdtheory check, or give a constant eta")
        return self.spec.eta

    def search_start(self) -> tuple:
        return self.md.regularizer.domain, self.md.regularizer.dim

    @property
    def parameters(self) -> tuple:
        return tuple(self.md.parameters)

    @property
    def parameter_values(self) -> tuple:
        return tuple(self.spec.parameters)

    def parameter_uses(self) -> tuple[set, str]:
        return self.md.objective.expr.free_symbols, "objective"

    def at(self, point: dict, bits: int) -> OfflineProblem:
        spec = self.spec
        x0 = point["x0"] or spec.x0
        self.md.regularizer.domain.check_point(x0, "x0")
        spec = RunSpec.build(x0, spec.direction, spec.eps, point["eta"], spec.steps, spec.record_every,
                             parameters=point["parameters"] or spec.parameters, perturbed=False)
        return dataclasses.replace(self, spec=spec, bits=bits)

    def float_screen(self, bound):
        """Convergence quantities: the loop generated from the method's derived step (``checker.float_convergence``)."""
        if bound.quantity not in CONVERGENCE_QUANTITIES:
            return None
        return FloatConvergenceScreen(self.md, self.solution, self.constants, self.norm, bound.quantity,
                                      bound.bound, self.spec.eps, self.spec.steps, self.spec.x0,
                                      self.spec.record_every)

    def witness_problem_table(self, table: dict, values: tuple) -> dict:
        if not self.md.parameters:
            return table
        substituted = dict(zip(self.md.parameters, values))
        renaming = dict(zip(self.md.regularizer.variables, (sp.Symbol(n) for n in table["variables"])))
        return {**table, "objective": str(self.md.objective.expr.subs(substituted).xreplace(renaming))}


def solution_from_table(table: dict, md: MirrorDescent, bound) -> Solution:
    """[solution]: the reference points of a convergence claim (x*, given or computed, and comparators), or the
    affine set a limit claim converges to."""
    check_table_keys(table, SOLUTION_KEYS, "solution")
    n = md.regularizer.dim
    point = table.get("x", "computed")
    if point == "computed":
        point = None
    else:
        point = tuple(toml_numbers(point, "[solution] x", n))
        try:
            check_reference_point(md, point, "x*")
        except MDTheoryError as err:
            raise ClaimFileError(f"[solution] x: {err}") from None
    comparators = table.get("comparators", [])
    if not isinstance(comparators, list):
        raise ClaimFileError("[solution] comparators: expected a list of points")
    comparators = tuple(tuple(toml_numbers(c, f"[solution] comparators[{i}]", n)) for i, c in enumerate(comparators))
    for i, c in enumerate(comparators):
        try:
            check_reference_point(md, c, f"comparator {i}")
        except MDTheoryError as err:
            raise ClaimFileError(f"[solution] comparators[{i}]: {err}") from None
    limit = table.get("limit")
    if limit is not None:
        if point is not None or comparators:
            raise ClaimFileError("[solution] limit: a limit is the reference point itself; drop x and comparators")
        check_table_keys(limit, {"A": True, "b": True, "geometry": False}, "solution] limit")
        rows = limit["A"]
        if not isinstance(rows, list) or not rows:
            raise ClaimFileError("[solution] limit.A: expected a list of rows")
        A = tuple(tuple(toml_numbers(row, f"[solution] limit.A[{i}]", n)) for i, row in enumerate(rows))
        b = tuple(toml_numbers(limit["b"], "[solution] limit.b", len(A)))
        geometry = limit.get("geometry", "regularizer")
        if geometry not in ("regularizer", "euclidean"):
            raise ClaimFileError(f"[solution] limit.geometry: {geometry!r}; choose regularizer or euclidean")
        limit = AffineLimit(A, b, geometry)
    if bound.kind == "limit" and limit is None and point is None:
        raise ClaimFileError("[claim] kind: a limit claim needs [solution] limit = {A, b} or x = [...]")
    return Solution(point, comparators, limit)
