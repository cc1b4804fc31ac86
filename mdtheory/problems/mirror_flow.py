"""``[problem] kind = "mirror_flow"``: the continuous-time mirror flow d/dt grad phi(X) = -grad f(X), X(0) = x0.

The flow runs in the dual variable Z = grad phi(X): Z' = -grad f(grad phi*(Z)), with the inverse mirror map in
closed form (the Euclidean and Mahalanobis geometries, the negative entropy on the simplex, where grad phi* is
the softmax and Z moves only up to a multiple of (1, ..., 1)). It is integrated by the Taylor-series method of
``engine.taylor_ode`` at ``bits`` and at ``2 * bits`` bits, the order and the step's tolerance following the
precision, so that the precision and the integration accuracy are doubled together; the quantities at the
stated times keep only the digits on which the two rungs agree (``engine.ladder.laddered``).

What is checked: the claim at each time of ``[run] times`` (t_1 < ... < t_N), not at the times between them. A
bound names the time t (the symbol etaT: MD's elapsed time eta*T, of which the flow is the limit as eta -> 0)
and the instance's constants D0 = D_phi(x*, x0), fstar = f(x*) and d, computed exactly. The ladder's
verdict is "holds" or "violated"; with ``[run] enclosure = true`` (the plain flow) a "holds" becomes "proved" at
the stated times when a ball enclosure of X(t_i) (``engine.taylor_enclosure``) puts the quantity under the bound
at each of them.

``[run] flow = "accelerated"`` with ``[run] r`` integrates the accelerated mirror ODE of Krichene, Bayen & Bartlett
instead (``engine.accelerated_ode``: X' = (r/t)(grad phi*(Z) - X), Z' = -(t/r) grad f(X), its first step from the
series of the solution at the singular t = 0); a bound may then name r.

Library: f(X(t)) - f* <= D_phi(x*, x0)/t (Krichene, Bayen & Bartlett 2015, eq. (5): the Lyapunov function
V(t) = t (f(X(t)) - f*) + D_phi(x*, X(t)) is nonincreasing; Wilson, Recht & Jordan 2016, section 2.1),
``theorems/convergence/mirror_flow_rate.toml``; f(X(t)) - f* <= r^2 D_phi(x*, x0)/t^2 for the accelerated ODE with
r >= 2 (Krichene, Bayen & Bartlett 2015, Theorem 2), ``theorems/convergence/accelerated_mirror_ode.toml``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from mdtheory.checker.bounds import ETA_T, constant_symbol
from mdtheory.checker.certify import round_down
from mdtheory.checker.claim import with_declared
from mdtheory.checker.convergence import check_reference_point
from mdtheory.checker.measure import SeriesMeasurement
from mdtheory.claimfile import (ClaimFileError, _expression, _regularizer, check_table_keys, checked_start, keyed,
                                precision_bits, toml_number, toml_numbers)
from mdtheory.engine.accelerated_ode import AcceleratedMirrorODE
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.context import flint_precision, working_context
from mdtheory.engine.ladder import laddered
from mdtheory.engine.taylor_enclosure import BallSeriesContext, EnclosureError, enclose
from mdtheory.engine.taylor_ode import integrate, taylor_order
from mdtheory.errors import MDTheoryError
from mdtheory.problems import Problem, register
from mdtheory.symbolic.domains import Domain, check_variable_names
from mdtheory.symbolic.mirror_descent import KINKS, MirrorDescent, _primal, objective_gradient
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.regularizer import dual_variables, mirror_map
from mdtheory.verdict import HOLDS, PROVED

FLOW_QUANTITIES = ("suboptimality", "bregman_to_solution", "distance_to_solution")
# The bound kinds that read a series at the stated times; the others count steps (decay's rho^T, a limit
# "after T steps"), which a flow does not take.
FLOW_BOUND_KINDS = ("upper_bound", "closed_form")
MAX_TIMES = 1000  # stated times per claim: each is integrated to and measured on both rungs
COMPILED_FLOWS = 8  # flows kept compiled (sympy's inverse mirror map is most of a short run's time)


@register("mirror_flow")
@dataclass(frozen=True)
class MirrorFlowProblem(Problem):
    """The mirror flow of (phi, f) from x0, measured at ``times`` against the reference point ``solution``."""

    md: MirrorDescent
    x0: tuple
    times: tuple
    solution: tuple
    bits: int
    constants: dict = field(default_factory=dict)
    flow: str = "mirror"
    r: sp.Rational | None = None  # the accelerated ODE's r (None for the plain flow)
    enclosure: bool = False  # [run] enclosure: a ladder "holds" is also tried as "proved" by a ball enclosure
    problem_keys = {"kind": True, "variables": True, "domain": True, "regularizer": True, "objective": True}
    run_keys = {"x0": True, "times": True, "precision_bits": True, "flow": False, "r": False,
                "enclosure": False}
    sections = ("solution",)
    quantities = FLOW_QUANTITIES
    constant_names = ("d", "fstar", "D0", "r")

    @classmethod
    def bound_symbols(cls, declared: set[str]) -> dict:
        """The time is t (or etaT, the same symbol as MD's elapsed time eta*T); there is no step count T."""
        symbols = {name: symbol for name, symbol in super().bound_symbols(declared).items() if name != "T"}
        return {**symbols, "t": ETA_T}

    @classmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int):
        problem, run = data["problem"], data["run"]
        if bound.kind not in FLOW_BOUND_KINDS:
            raise ClaimFileError(f"[claim] kind: {bound.kind!r} counts steps; a mirror_flow claim is an upper_bound or "
                                 "a closed_form in the time t at the stated [run] times")
        variables = problem["variables"]
        if not isinstance(variables, list) or not variables or not all(isinstance(v, str) for v in variables):
            raise ClaimFileError("[problem] variables: expected a non-empty list of names such as [\"x1\", \"x2\"]")
        try:
            check_variable_names(variables, "[problem]")
            domain = Domain.parse(problem["domain"])
        except MDTheoryError as err:
            raise keyed("[problem] domain" if "domain" in str(err) else "[problem] variables", err) from None
        reg = _regularizer(problem["regularizer"], variables, domain)
        expr = _expression(problem["objective"], "[problem] objective", dict(zip(variables, reg.variables)))
        try:
            md = MirrorDescent(reg, Objective("user", expr, reg.variables, ()))
        except MDTheoryError as err:
            raise keyed("[problem] regularizer", err) from None
        if objective_gradient(md).has(*KINKS, sp.Abs, sp.Piecewise):
            raise ClaimFileError("[problem] objective: the flow is integrated by Taylor series, which needs an analytic "
                                 "f (no abs, max, min or sign); smooth the objective")
        if _primal(reg, sp.Matrix(dual_variables(reg))) is None:
            raise ClaimFileError(f"[problem] regularizer: the inverse mirror map of {reg.name} has no closed form on "
                                 f"{domain.describe()}, which the flow in the dual variable needs; use the Euclidean "
                                 "or a Mahalanobis phi, or the negative entropy on the simplex")
        n = len(variables)
        x0 = tuple(toml_numbers(run["x0"], "[run] x0", n))
        checked_start(reg, domain, None, x0)
        times = _times(run["times"])
        bits = precision_bits(run["precision_bits"], "[run] precision_bits", max_precision_bits)
        table = data.get("solution", {})
        check_table_keys(table, {"x": True}, "solution")
        point = tuple(toml_numbers(table["x"], "[solution] x", n))
        try:
            check_reference_point(md, point, "x*")
        except MDTheoryError as err:
            raise keyed("[solution] x", err) from None
        flow, r = _flow(run, bound)
        return cls(md, x0, times, point, bits, declared, flow, r,
                   _enclosure(run, flow, bound))

    def why_not_proved(self) -> str | None:
        return None if self.enclosure else ("proved needs the ball enclosure: add [run] enclosure = true, or expect "
                                            "holds (a ladder verdict is never proved)")

    def numbers_read(self) -> dict:
        r = {} if self.r is None else {"r": self.r}
        return {"x0": self.x0, "times": self.times, "x*": self.solution, **r, **self.constants}

    def update_text(self) -> str:
        integration = (f"Taylor series of order {taylor_order(self.bits)} at {self.bits} bits and "
                       f"{taylor_order(2 * self.bits)} at {2 * self.bits}, measured at the {len(self.times)} stated times")
        return f"{FLOWS[self.flow].text(self.r)}; {integration})"

    # ---- what ``mdtheory falsify`` searches: the start x0 over the domain (a flow takes no step size)
    @property
    def step_size(self):
        return None

    def search_start(self) -> tuple:
        return self.md.regularizer.domain, self.md.regularizer.dim

    def at(self, point: dict, bits: int) -> MirrorFlowProblem:
        x0 = point["x0"] or self.x0
        checked_start(self.md.regularizer, self.md.regularizer.domain, None, x0)
        return dataclasses.replace(self, x0=tuple(x0), bits=bits)

    def judged(self, bound, progress: Callable[[int, int], None] | None = None):
        """The bound's own check on the series at the stated times, saying that those times are what it covers."""
        m = self.measurements(bound, progress)[0]
        result = bound.check(m)
        shown = ", ".join(str(t) for t in self.times[:6]) + (", ..." if len(self.times) > 6 else "")
        result.explanation = (result.explanation.replace("every step", "every stated time")
                              + f"; checked at the {len(self.times)} stated times t = {shown} (eta*T above is t), "
                              "not between them")
        if self.enclosure:
            result = self._enclosed(bound, result)
        return result, m

    def _enclosed(self, bound, result):
        """The ladder's "holds" made "proved" at the stated times when balls containing the exact X(t_i) put the
        quantity under the bound at each of them; else the ladder's verdict, saying why it is not proved."""
        if result.verdict != HOLDS:
            result.explanation += "; no enclosure tried (it can only prove a bound the ladder finds to hold)"
            return result
        bits = 2 * self.bits
        if not all(t.is_Rational for t in self.times):
            result.explanation += "; not proved: the enclosure steps to rational times only"
            return result
        try:
            margins = _enclosed_margins(self, bound, bits)
        except EnclosureError as err:
            result.explanation += f"; not proved: {err}"
            return result
        except TypeError as err:  # ArbContext.exact: a closed form in the bound with no ball enclosure
            result.explanation += f"; not proved: {err}"
            return result
        lowest = min(margins, key=lambda m: m.lower())
        if not all(m >= 0 for m in margins):
            result.explanation += (f"; not proved: the ball enclosure at {bits} bits does not put the quantity under "
                                   f"the bound at every stated time (bound - measured in {lowest.str(5)} at the "
                                   "closest): a bound attained there stays unproved; otherwise raise precision_bits "
                                   "or state earlier times")
            return result
        result.verdict = PROVED
        result.explanation += (f"; proved at the {len(self.times)} stated times by a validated Taylor enclosure in "
                               f"arb at {bits} bits (an a-priori box per step and the Lagrange remainder on it): "
                               f"bound - measured >= {round_down(lowest)} at every stated time, not between them")
        return result

    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        reg = self.md.regularizer
        fstar = sp.simplify(self.md.objective.expr.subs(dict(zip(self.md.objective.variables, self.solution))))
        d0 = _exact_bregman(reg, self.solution, self.x0)
        flow = _compiled_flow(self.md, self.flow, self.r)
        rungs = [flow.run(working_context(bits), self.x0, self.times, self.solution, fstar)
                 for bits in (self.bits, 2 * self.bits)]
        (_, coarse), (ctx, fine) = rungs
        series = {q: laddered(ctx, fine[q], coarse[q], coarse[q + " magnitude"], self.bits) for q in FLOW_QUANTITIES}
        exact = (("d", sp.Integer(reg.dim)), ("fstar", fstar), ("D0", d0)) + (() if self.r is None else (("r", self.r),))
        constants = {name: tuple(c.exact(value) for c in (ctx, rungs[0][0])) for name, value in exact}
        provenance = {"d": "exact (the dimension)", "fstar": f"exact: f(x*) = {fstar}",
                      "D0": f"exact: D_phi(x*, x0) = {d0}", "r": "exact ([run] r)"}
        m = SeriesMeasurement(ctx, list(range(len(self.times) + 1)), [ctx.zero, *(ctx.exact(t) for t in self.times)],
                              series, (self.bits, 2 * self.bits), constants, provenance,
                              reference="x* = (" + ", ".join(map(str, self.solution)) + ")",
                              row_times=(sp.Integer(0), *self.times))
        return [with_declared(m, self.constants)]


@functools.lru_cache(maxsize=COMPILED_FLOWS)
def _compiled_flow(md: MirrorDescent, flow: str, r: sp.Rational | None) -> _CompiledFlow:
    """The compiled flow of (phi, f), derived once: falsify measures the same flow from many starts."""
    return _CompiledFlow(md, flow, r)


class _CompiledFlow:
    """The flow's right-hand side (``FLOWS[flow]`` on the compiled inverse mirror map and gradient) and the
    quantities at a point, compiled once."""

    def __init__(self, md: MirrorDescent, flow: str = "mirror", r: sp.Rational | None = None):
        reg = md.regularizer
        dual = dual_variables(reg)
        self.primal = CompiledExpressions(list(_primal(reg, sp.Matrix(dual))), dual)
        self.gradient = CompiledExpressions(list(objective_gradient(md)), reg.variables)
        self.mirror_map = CompiledExpressions(list(mirror_map(reg)), reg.variables)
        objective = md.objective.expr.xreplace(dict(zip(md.objective.variables, reg.variables)))
        self.values = CompiledExpressions([objective, reg.phi], reg.variables)
        self.reg, self.flow, self.r = reg, FLOWS[flow], r

    def run(self, ctx, x0: tuple, times: tuple, solution: tuple, fstar: sp.Expr) -> tuple:
        """(ctx, {quantity: values at 0 and each time, quantity + " magnitude": the sizes of its terms})."""
        flow = self.flow(ctx, self.primal, self.gradient, self.r)
        start = [ctx.exact(v) for v in x0]
        start = flow.start(start, self.mirror_map(ctx, *start))
        try:
            states = [start] + integrate(ctx, flow.field, start, [ctx.exact(t) for t in times],
                                         series_at_start=flow.series_at_start)
        except MDTheoryError as err:
            raise keyed("[run] times", err) from None
        star = [ctx.exact(v) for v in solution]
        f_star, phi_star = ctx.exact(fstar), ctx.exact(_exact_phi(self.reg, solution))
        out = {q: [] for q in FLOW_QUANTITIES}
        out.update({q + " magnitude": [] for q in FLOW_QUANTITIES})
        for state in states:
            for name, value in self.quantities(ctx, flow.split(state)[0], star, f_star, phi_star).items():
                out[name].append(value)
        return ctx, out

    def quantities(self, ctx, x: list, star: list, f_star, phi_star) -> dict:
        """Each quantity at X = x, and (as quantity + " magnitude") the sizes of its terms, in ``ctx``'s numbers."""
        f, phi = self.values(ctx, *x)
        linear = [g * (s - xi) for g, s, xi in zip(self.mirror_map(ctx, *x), star, x)]
        return {"suboptimality": f - f_star, "suboptimality magnitude": abs(f) + abs(f_star),
                "bregman_to_solution": phi_star - phi - ctx.fsum(linear),
                "bregman_to_solution magnitude": abs(phi_star) + abs(phi) + ctx.fsum(abs(v) for v in linear),
                "distance_to_solution": ctx.distance(x, star),
                "distance_to_solution magnitude": ctx.vector_norm(star) + ctx.vector_norm(x)}


class _MirrorFlow:
    """The plain flow in the dual variable: Z' = -grad f(grad phi*(Z)); the state is Z."""

    series_at_start = None  # regular at t = 0: the field's recurrence takes the first step too

    def __init__(self, ctx, primal, gradient, r=None):
        self.ctx, self.primal, self.gradient = ctx, primal, gradient

    @staticmethod
    def text(r) -> str:
        return "d/dt grad phi(X) = -grad f(X), X(0) = x0 (mirror flow"

    def start(self, x0: list, z0: list) -> list:
        return z0

    def split(self, z: list) -> tuple[list, list]:
        return self.primal(self.ctx, *z), z

    def field(self, arithmetic, z):
        return [-g for g in self.gradient(arithmetic, *self.primal(arithmetic, *z))]


# [run] flow: the plain mirror flow, or the accelerated mirror ODE AMD_r; each gives the integrator its state, field
# and (where the field is singular at t = 0) the series of the solution there.
FLOWS = {"mirror": _MirrorFlow, "accelerated": AcceleratedMirrorODE}


def _enclosure(run: dict, flow: str, bound) -> bool:
    """[run] enclosure: true or false; only for an upper bound on the plain flow (the accelerated ODE's 1/t is
    unbounded on a box that contains t = 0, so its first step has no a-priori enclosure here)."""
    enclosure = run.get("enclosure", False)
    if not isinstance(enclosure, bool):
        raise ClaimFileError(f"[run] enclosure: expected true or false, got {enclosure!r}")
    if enclosure and flow != "mirror":
        raise ClaimFileError("[run] enclosure: made for the plain flow only; the accelerated ODE's r/t is unbounded "
                             "on the first step's box, which contains t = 0: remove enclosure")
    if enclosure and bound.kind != "upper_bound":
        raise ClaimFileError(f"[run] enclosure: proves an upper_bound at the stated times, not a {bound.kind}; "
                             "remove enclosure")
    return enclosure


def _enclosed_margins(problem: MirrorFlowProblem, bound, bits: int) -> list:
    """Balls containing bound(t_i) - quantity(X(t_i)) at each stated time, from an enclosure of the plain flow
    (``engine.taylor_enclosure``) started from the exact grad phi(x0)."""
    md, quantity = problem.md, bound.quantity
    reg = md.regularizer
    fstar = sp.simplify(md.objective.expr.subs(dict(zip(md.objective.variables, problem.solution))))
    exact = {constant_symbol("d"): sp.Integer(reg.dim), constant_symbol("fstar"): fstar,
             constant_symbol("D0"): _exact_bregman(reg, problem.solution, problem.x0),
             **{constant_symbol(n): v for n, v in problem.constants.items()}}
    compiled = _compiled_flow(md, "mirror", None)
    with flint_precision(bits):
        ctx = BallSeriesContext(bits)
        flow = _MirrorFlow(ctx, compiled.primal, compiled.gradient)
        start = compiled.mirror_map(ctx, *(ctx.exact(v) for v in problem.x0))
        duals = enclose(ctx, flow.field, start, [Fraction(int(t.p), int(t.q)) for t in problem.times],
                        taylor_order(bits))
        star = [ctx.exact(v) for v in problem.solution]
        f_star, phi_star = ctx.exact(fstar), ctx.exact(_exact_phi(reg, problem.solution))
        return [ctx.exact(bound.bound.xreplace({ETA_T: t, **exact}))
                - compiled.quantities(ctx, compiled.primal(ctx, *z), star, f_star, phi_star)[quantity]
                for t, z in zip(problem.times, duals)]


def _flow(run: dict, bound) -> tuple[str, sp.Rational | None]:
    """[run] flow and r: the accelerated ODE needs r > 0 (its rate theorem r >= 2); the plain flow has no r, and
    a bound on it may not name one."""
    flow = run.get("flow", "mirror")
    if flow not in FLOWS:
        raise ClaimFileError(f"[run] flow: {flow!r}; choose \"mirror\" (d/dt grad phi(X) = -grad f(X), the default) "
                             "or \"accelerated\" (Krichene, Bayen & Bartlett's accelerated mirror ODE, with [run] r)")
    if flow == "mirror":
        if "r" in run:
            raise ClaimFileError("[run] r: the accelerated mirror ODE's parameter; the plain flow has none: add "
                                 "flow = \"accelerated\" or remove r")
        if any(constant_symbol("r") in value.free_symbols for value in vars(bound).values()
               if isinstance(value, sp.Basic)):
            raise ClaimFileError("[claim] bound: names r, the accelerated mirror ODE's parameter, which the plain flow "
                                 "has not; add [run] flow = \"accelerated\" and r, or write the bound without r")
        return flow, None
    if "r" not in run:
        raise ClaimFileError("[run] r: the accelerated mirror ODE needs r (X' = (r/t)(grad phi*(Z) - X)); give an exact "
                             "r > 0, such as r = 2 or \"3\" (its rate r^2 D0/t^2 is a theorem for r >= 2)")
    r = toml_number(run["r"], "[run] r")
    if not r.is_positive:
        raise ClaimFileError(f"[run] r: {r} is not positive; the ODE's damping r/t needs r > 0")
    return flow, r


def _times(value) -> tuple:
    """[run] times: exact, positive, strictly increasing."""
    if not isinstance(value, list) or not value:
        raise ClaimFileError("[run] times: expected a list of positive exact times such as [\"1/2\", 1, 2, 4]")
    if len(value) > MAX_TIMES:
        raise ClaimFileError(f"[run] times: {len(value)} times exceed the limit of {MAX_TIMES}; state fewer")
    times = tuple(toml_numbers(value, "[run] times"))
    for i, t in enumerate(times):
        if not t.is_positive:
            raise ClaimFileError(f"[run] times[{i}]: {t} is not positive; the flow starts at t = 0 from x0")
        if i and not (t > times[i - 1]):
            raise ClaimFileError(f"[run] times[{i}]: {t} does not follow {times[i - 1]}; list the times increasing")
    return times


def _exact_phi(reg, point: tuple) -> sp.Expr:
    """phi at a point of the closed domain, exactly: on the simplex's boundary its limit from inside (0 log 0 = 0)."""
    inside = {v: p for v, p in zip(reg.variables, point) if p != 0}
    phi = reg.phi.subs(inside)
    for v, p in zip(reg.variables, point):
        if p == 0 and v in phi.free_symbols:
            phi = sp.limit(phi, v, 0, "+")
    if not phi.is_finite:
        raise ClaimFileError("[solution] x: phi is not finite at x*, so D_phi(x*, X(t)) is not; choose another point")
    return sp.simplify(phi)


def _exact_bregman(reg, point: tuple, x0: tuple) -> sp.Expr:
    at_x0 = dict(zip(reg.variables, x0))
    gradient = mirror_map(reg).subs(at_x0)
    return sp.simplify(_exact_phi(reg, point) - reg.phi.subs(at_x0)
                       - sum(g * (p - x) for g, p, x in zip(gradient, point, x0)))
