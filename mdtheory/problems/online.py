"""``[problem] kind = "online"``: online mirror descent on the simplex against a sequence of losses, judged on
its regret against the best fixed point in hindsight: linear losses (``losses``, ``loss_table``: the best vertex)
or a convex loss f_t(x) of the played point (``loss``: ``mdtheory.checker.hindsight``). With ``domain`` naming a
constraint set (``symbolic.sets``: ball, box, simplices, marginals) the played point is projected onto it (online
gradient descent on a ball or a box), and the comparator is the set's closed-form minimum of the cumulative
linear loss (``checker.regret.measure_projected_regret``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from mdtheory.checker.bounds import ONLINE_QUANTITIES
from mdtheory.checker.claim import with_declared
from mdtheory.checker.convergence import DUAL_NORMS
from mdtheory.checker.hindsight import ConvexLosses, NonconvexLossError, convex_update_text, measure_convex_regret
from mdtheory.checker.regret import (measure_projected_regret, measure_regret, projected_regret_update_text,
                                    regret_update_text)
from mdtheory.claimfile import (ClaimFileError, _expression, _parameter_ranges, _regularizer,
                                _steps_eta_bits, keyed, toml_integer, toml_number, toml_numbers)
from mdtheory.claimfile import checked_start, refuse_constant_eta
from mdtheory.engine.schedule import StepSchedule, schedule_text
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.errors import MDTheoryError
from mdtheory.methods import UnknownMethodError, method, methods
from mdtheory.problems import Problem, register
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import PLAIN_MD
from mdtheory.symbolic.regularizer import Regularizer
from mdtheory.symbolic.sets import read_constraint_set, set_keys

ROUND = sp.Symbol("t", positive=True, integer=True)  # the round an online loss expression is evaluated at
# a loss f_t(x) is differentiated twice by sympy in x1, ..., xd and its Hessian summed over rounds: d is kept
# small enough that this stays quick
MAX_LOSS_DIMENSION = 16


@register("online")
@dataclass(frozen=True)
class OnlineProblem(Problem):
    """Online MD on the simplex: against linear losses, expert i's loss in round t = 1, ..., steps is
    ``losses[i]``, an expression in t, or ``table[(t - 1) mod len(table)][i]``, an exact number; against a
    convex loss of the played point, round t's loss is ``loss`` = f_t(x), an expression in t and x1, ..., xd."""

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
    loss: sp.Expr | None = None
    norm: str = "l1"  # G is measured in its dual norm
    constraint: object = None  # the set the played points are projected onto (symbolic.sets), or None: the simplex
    method: str = PLAIN_MD  # the rule that plays (``[run] method``): md, or ftrl (methods.ftrl)
    problem_keys = {"kind": True, "regularizer": False, "losses": False, "loss_table": False, "loss": False,
                    "dimension": False, "domain": False, **set_keys()}
    run_keys = {"x0": False, "eta": True, "steps": True, "precision_bits": True, "method": False}
    quantities = ONLINE_QUANTITIES
    constant_names = ("eta", "d", "G")
    step_sum_names = ("sum_eta", "sum_eta2", "sum_g2")
    norms = DUAL_NORMS

    def __post_init__(self):
        if sum(given is not None for given in (self.losses, self.table, self.loss)) != 1:
            raise MDTheoryError("an online problem has losses (expressions in t), a table or a loss f_t(x): one of them")

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int) -> OnlineProblem:
        problem, run = data["problem"], data["run"]
        if sum(key in problem for key in ("losses", "loss_table", "loss")) != 1:
            raise ClaimFileError("[problem] losses: give one of losses (one expression in t per expert), loss_table "
                                 "(rows) or loss (f_t(x), an expression in t and x1, ..., xd, with dimension = d)")
        if "loss" in problem:
            return cls._convex_from_tables(data, declared, max_steps, max_precision_bits)
        if "dimension" in problem:
            raise ClaimFileError("[problem] dimension: only a loss f_t(x) (loss) takes it; linear losses give one "
                                 "entry per expert")
        symbols = {"t": ROUND}
        ranges = _parameter_ranges(data.get("search"), ["t"])
        parameters = tuple(sp.Symbol(name, real=True) for name in ranges)
        symbols.update(zip(ranges, parameters))
        if ranges and "losses" not in problem:
            raise ClaimFileError("[search] parameters: only loss expressions (losses) take parameters, not a loss_table")
        if "losses" in problem:
            if not isinstance(problem["losses"], list) or len(problem["losses"]) < 2:
                raise ClaimFileError("[problem] losses: expected a list of at least 2 expressions in t (one per expert)")
            rows = [tuple(_expression(v, f"[problem] losses[{i}]", symbols) for i, v in enumerate(problem["losses"]))]
        else:
            table = problem["loss_table"]
            if not isinstance(table, list) or not table:
                raise ClaimFileError("[problem] loss_table: expected a list of rows, one loss per expert")
            rows = [tuple(toml_numbers(row, f"[problem] loss_table[{k}]", len(table[0]) if isinstance(table[0], list)
                                       else None)) for k, row in enumerate(table)]
            if len(rows[0]) < 2:
                raise ClaimFileError("[problem] loss_table: expected at least 2 experts per row")
        d = len(rows[0])
        reg, x0, constraint, norm = _played_on(data, d)
        steps, eta, bits = _steps_eta_bits(run, max_steps, max_precision_bits, declared)
        rule = _online_method(run)
        refuse_constant_eta(bound, eta)
        if constraint is not None and isinstance(eta, StepSchedule):
            raise ClaimFileError("[run] eta: an online problem on a constraint set takes a constant step; give eta "
                                 "as a number (schedules run on the simplex)")
        if "losses" in problem:
            # the stated instance takes each searched parameter at the middle of its range
            middles = tuple((lo + hi) / 2 for lo, hi in ranges.values())
            return cls(reg, x0, eta, steps, bits, losses=rows[0], constants=declared, parameters=parameters,
                       parameter_values=middles, norm=norm, constraint=constraint, method=rule)
        return cls(reg, x0, eta, steps, bits, table=tuple(rows), constants=declared, norm=norm, constraint=constraint,
                   method=rule)

    @classmethod
    def _convex_from_tables(cls, data: dict, declared: dict, max_steps: int, max_precision_bits: int) -> OnlineProblem:
        problem, run = data["problem"], data["run"]
        if "dimension" not in problem:
            raise ClaimFileError("[problem] dimension: a loss f_t(x) needs the dimension d of the simplex it is "
                                 "played on (dimension = 3 for x1, x2, x3)")
        d = toml_integer(problem["dimension"], "[problem] dimension", 2)
        if d > MAX_LOSS_DIMENSION:
            raise ClaimFileError(f"[problem] dimension: {d} exceeds the limit of {MAX_LOSS_DIMENSION} for a loss f_t(x) "
                                 "(its Hessian is derived symbolically); use at most that many coordinates")
        variables = [f"x{i + 1}" for i in range(d)]
        reg, x0, constraint, norm = _played_on(data, d)
        ranges = _parameter_ranges(data.get("search"), ["t", *variables])
        parameters = tuple(sp.Symbol(name, real=True) for name in ranges)
        symbols = {"t": ROUND, **{str(v): v for v in reg.variables}, **dict(zip(ranges, parameters))}
        loss = _expression(problem["loss"], "[problem] loss", symbols)
        steps, eta, bits = _steps_eta_bits(run, max_steps, max_precision_bits)
        middles = tuple((lo + hi) / 2 for lo, hi in ranges.values())
        made = cls(reg, x0, eta, steps, bits, loss=loss, constants=declared, parameters=parameters,
                   parameter_values=middles, norm=norm, constraint=constraint, method=_online_method(run))
        if constraint is not None and not made.convex_losses().linear:
            raise ClaimFileError(f"[problem] loss: on {constraint.describe()} the best fixed point in hindsight is "
                                 "computed for losses affine in x (the set's closed-form minimum of the cumulative "
                                 "loss); a loss curved in x is compared on the simplex only (drop domain)")
        try:
            made.convex_losses().symbolic_convexity()
        except NonconvexLossError as err:
            raise ClaimFileError(str(err)) from None
        return made

    def convex_losses(self) -> ConvexLosses:
        values = dict(zip(self.parameters, self.parameter_values))
        return ConvexLosses(self.loss.subs(values), self.regularizer.variables, ROUND)

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

    def linear_losses(self) -> Callable:
        """The loss vector of round t + 1 in ``ctx``: a linear loss's, or the gradient of a loss affine in x
        (its offset f_t(0) is suffered by the played point and the comparator alike, so regret does not see it)."""
        if self.loss is None:
            return self.loss_function()
        convex, origin = self.convex_losses(), [0] * self.regularizer.dim
        return lambda ctx, t: convex(ctx, t + 1, [ctx.mpf(v) for v in origin])[1]

    def numbers_read(self) -> dict:
        return {"eta": self.eta, "x0": self.x0, **self.constants}

    def update_text(self) -> str:
        return method(self.method).online_text(self._step_text())

    def _step_text(self) -> str:
        if self.constraint is not None:
            return projected_regret_update_text(self.regularizer, self.constraint)
        if self.loss is not None:
            return convex_update_text(self.regularizer)
        return regret_update_text(self.regularizer) + schedule_text(self.eta, "the step after round t + 1")

    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        rule = method(self.method)
        if self.constraint is not None:
            m = measure_projected_regret(self.regularizer, self.constraint, self.x0, self.eta, self.linear_losses(),
                                         self.steps, self.bits, self.norm, rule)
            return [with_declared(m, self.constants)]
        if self.loss is not None:
            m = measure_convex_regret(self.regularizer, self.convex_losses(), self.x0, self.eta, self.steps, self.bits,
                                      self.norm, rule)
            return [with_declared(m, self.constants)]
        m = measure_regret(self.regularizer, self.x0, self.eta, self.loss_function(), self.steps, self.bits, self.norm,
                           rule)
        return [with_declared(m, self.constants)]

    @property
    def step_size(self):
        if isinstance(self.eta, StepSchedule):
            raise ClaimFileError(f"[run] eta: falsify searches one constant step size; this claim's eta is the "
                                 f"schedule {self.eta}: check it with mdtheory check, or give a constant eta")
        return self.eta

    def search_start(self) -> tuple:
        return Domain.SIMPLEX, self.regularizer.dim

    def parameter_uses(self) -> tuple[set, str]:
        if self.loss is not None:
            return set(self.loss.free_symbols), "loss"
        return set().union(*(sp.sympify(loss).free_symbols for loss in self.losses or ())), "losses"

    def at(self, point: dict, bits: int) -> OnlineProblem:
        x0 = point["x0"] or self.x0
        (self.constraint or Domain.SIMPLEX).check_point(x0, "x0")
        return dataclasses.replace(self, x0=tuple(x0), eta=point["eta"], bits=bits,
                                   parameter_values=point["parameters"] or self.parameter_values)

    def witness_problem_table(self, table: dict, values: tuple) -> dict:
        if not self.parameters:
            return table
        substituted = dict(zip(self.parameters, values))
        if self.loss is not None:
            return {**table, "loss": str(self.loss.subs(substituted))}
        return {**table, "losses": [str(loss.subs(substituted)) for loss in self.losses]}


def _online_method(run: dict) -> str:
    """``[run] method``: a registered method that plays online (``Method.plays_online``), plain MD by default."""
    name = run.get("method", PLAIN_MD)
    online = sorted(n for n, rule in methods().items() if rule.plays_online)
    try:
        rule = method(name)
    except UnknownMethodError:
        rule = None
    if rule is None or not rule.plays_online:
        raise ClaimFileError(f"[run] method: {name!r} is not a method an online problem plays; choose one of "
                             f"{', '.join(online)} (md: a mirror step from the point played; ftrl: follow the "
                             "regularized leader, the minimizer of the losses so far plus D_phi(x, x0)/eta)")
    return name


def _played_on(data: dict, d: int) -> tuple:
    """(phi, x0, constraint set or None, norm) of an online problem in dimension d: the simplex, or with
    ``[problem] domain`` a constraint set (a Euclidean phi by default on a ball or a box, whose G is measured in
    l2; x0 is then given, since a set has no one natural start)."""
    problem, run = data["problem"], data["run"]
    constraint, domain = None, Domain.SIMPLEX
    if "domain" in problem:
        try:
            constraint = read_constraint_set(problem, d, toml_number, toml_numbers)
        except MDTheoryError as err:  # a set's messages open with the key they are about
            raise ClaimFileError(str(err)) from None
        if constraint is None and str(problem["domain"]).strip().lower() != Domain.SIMPLEX.value:
            raise ClaimFileError(f"[problem] domain: {problem['domain']!r}; an online problem is played on the simplex "
                                 "or on a constraint set with a projection: \"ball\" (radius), \"box\" (lower, "
                                 "upper), \"simplices\" (blocks) or \"marginals\" (rows, columns)")
    if constraint is not None:
        domain = constraint.regularizer_domain
    euclidean = domain is Domain.REALS
    reg = _regularizer(problem.get("regularizer", "euclidean" if euclidean else "negative_entropy"),
                       [f"x{i + 1}" for i in range(d)], domain)
    if constraint is not None:
        try:
            constraint.check_regularizer(reg)
        except MDTheoryError as err:
            raise keyed("[problem] regularizer", err) from None
        if "x0" not in run:
            raise ClaimFileError(f"[run] x0: missing; on {constraint.describe()} give the first point played")
    x0 = tuple(toml_numbers(run["x0"], "[run] x0", d)) if "x0" in run else (sp.Rational(1, d),) * d
    checked_start(reg, domain, constraint, x0)
    return reg, x0, constraint, data["claim"].get("norm") or ("l2" if euclidean else "l1")
