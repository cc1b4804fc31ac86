"""A convergence claim's closest approach in float64, generated from any method's derived step and compiled with
numba: falsify's fast screen for convergence quantities (``mdtheory.search.generated_screen``).

What the precision ladder measures for one instance (``checker.convergence``: the run, the quantity at every
step from each reference point, the constants the bound names, max over t >= 1 of log(measured / claimed))
is generated here as one loop over candidates, from the same derivations:
- the step: the method's ``SymbolicStep`` (``methods.Method.derive``, with the claim's ``[method]`` options)
  and its initial state (``Method.initial_state`` applied to symbols for x0); the point is state[:d];
- the quantities (suboptimality, best_suboptimality, average_suboptimality, bregman_to_solution,
  distance_to_solution) as ``convergence._quantity`` defines them, from f, phi and grad phi;
- the constants as ``convergence.instance_constants`` computes them: eta, d, G (the largest dual norm of
  grad f(x_s), s < T), sum_eta, sum_eta2, sum_g2, sigma, L and mu where the instance has them exactly, the
  declared ones, and per reference point fstar = f(r) and D0 = D_phi(r, x0) (phi(r) taken exactly once, so
  that a vertex is allowed as on the ladder).
Each piece is printed and checked by ``engine.codegen`` and spliced into the loop by
``engine.compiled_screen.spliced`` (scalar code per candidate, so that max, abs and the subgradients of a
nonsmooth f compile as they do for the ladder's contexts).

It never decides a verdict: it ranks candidates, and the best go to the ladder. What it does not screen it
refuses at construction (``FloatScreenUnavailable``, with the reason; the search then measures each candidate on
the ladder): a step without a closed form, a limit as reference point, x* computed for an f with searched
parameters, numba not installed. The hypotheses the ladder checks (a declared L at every iterate, x* minimizing
f, phi strictly convex along the run) are not screened: a candidate the ladder refuses is discarded there.
"""

from __future__ import annotations

import builtins
import dataclasses
import math
import time

import numpy as np
import sympy as sp

from mdtheory.checker.bounds import EPS, ETA_T, STEP_SUMS, T, constant_symbol
from mdtheory.checker.convergence import (
    _relative_eigenvalues,
    dual_norm_name,
    geometry_of,
    linear_minimizer,
    minimizer,
    phi_at,
)
from mdtheory.engine.codegen import CompiledExpressions
from mdtheory.engine.compiled_screen import LOOP_BUILTINS, NUMBA_HINT, float_kernel_context, numba_available, spliced
from mdtheory.engine.context import working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.errors import ExpressionError, MDTheoryError
from mdtheory.methods import configured, derived_step
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import PLAIN_MD, objective_gradient
from mdtheory.symbolic.parsing import exact_real
from mdtheory.symbolic.regularizer import mirror_map

REFERENCE_BITS = 106  # x* computed once (Newton, f without searched parameters) and phi(r) at this precision


class FloatScreenUnavailable(MDTheoryError):
    """This claim has no float64 screen (the reason says why); its candidates are measured on the ladder."""


def _float(value) -> float:
    return float(value) if isinstance(value, sp.Rational) else float(sp.N(value, 30))


class FloatConvergenceScreen:
    """``log_ratios(x0, eta, parameters)``: max over 1 <= t <= steps of log(measured / claimed) of every
    candidate (rows), and the t attaining it; -inf (t = 0) where the run leaves the domain or no step has a
    positive quantity under a positive bound. ``md``, ``solution``, ``declared``, ``norm``: the offline
    problem's; ``eps``, ``steps`` and ``start`` (the stated x0, for a search that keeps it) its run's."""

    def __init__(self, md, solution, declared: dict, norm: str | None, quantity: str, bound: sp.Expr, eps,
                 steps: int, start: tuple, record_every: int = 1):
        if not numba_available():
            raise FloatScreenUnavailable(f"numba is not installed ({NUMBA_HINT})")
        rule = configured(md)
        try:
            derived = derived_step(rule, md)
        except MDTheoryError as err:  # the ladder meets the same refusal, and reports it, at the stated instance
            raise FloatScreenUnavailable(f"method {rule.name!r} does not derive its step here ({err})") from None
        if derived.step is None:
            raise FloatScreenUnavailable(f"method {rule.name!r} has no closed-form step")
        if solution.limit is not None:
            raise FloatScreenUnavailable("the reference point is a limit (a Bregman projection per start)")
        d, x = md.regularizer.dim, tuple(md.regularizer.variables)
        parameters = tuple(md.parameters)
        self.dim, self.parameter_count, self.steps, self.quantity = d, len(parameters), steps, quantity
        self.start, self.record_every = tuple(start), int(record_every)
        # f, phi and Newton at the point x are plain MD's on the same (phi, f) (``ExplicitStepKernel``'s too)
        kernel = MirrorDescentKernel(dataclasses.replace(md, method=PLAIN_MD))
        references = self._references(md, solution, kernel)
        self.references = np.array([[_float(v) for v in r] for r in references], dtype=np.float64)
        ctx = working_context(REFERENCE_BITS)
        self.phi_at_references = np.array([float(phi_at(ctx, kernel, [ctx.exact(v) if isinstance(v, sp.Rational)
                                                                      else ctx.mpf(v) for v in r]))
                                           for r in references], dtype=np.float64)
        # the constants the ladder's measurement carries, by name (convergence.instance_constants)
        geometry = geometry_of(md)
        norm = norm or geometry.norm
        fixed = {"d": float(d), **{name: _float(v) for name, v in declared.items()}}
        if geometry.sigma is not None and norm == geometry.norm:
            fixed["sigma"] = _float(geometry.sigma)
        relative = _relative_eigenvalues(md)
        if relative is not None:
            fixed["L"], fixed["mu"] = _float(relative[0]), _float(relative[1])
        per_candidate = ("eta", "G", "fstar", "D0")
        names = sorted({*fixed, *per_candidate})
        state = derived.state
        x0 = tuple(sp.Dummy(f"start{i}") for i in range(d))
        initial = [sp.Integer(v) if isinstance(v, int) else v for vector in rule.initial_state(x0) for v in vector]
        if len(initial) != len(state):
            raise FloatScreenUnavailable(f"method {rule.name!r}: its initial state has {len(initial)} entries and its "
                                         f"step {len(state)}")
        point = state[:d]
        gradient = objective_gradient(md)
        mirror = list(mirror_map(md.regularizer))
        try:
            self.pieces = {
                "initial": CompiledExpressions(initial, list(x0)),
                "step": CompiledExpressions([stabilized(e) for e in derived.step], list(derived.arguments)),
                "objective": CompiledExpressions([md.objective.expr], [*x, *parameters]),
                "gradient": CompiledExpressions(list(gradient), [*x, *parameters]),
                "phi": CompiledExpressions([md.regularizer.phi, *mirror], list(x)),
                "bound": CompiledExpressions([bound], [T, ETA_T, EPS, *STEP_SUMS.values(),
                                                       *(constant_symbol(n) for n in names)]),
            }
        except ExpressionError as err:
            raise FloatScreenUnavailable(f"a piece does not compile for the float screen ({err})") from None
        self.state_size, self.point_symbols = len(state), point
        self.dual = dual_norm_name(norm)
        self.names, self.fixed = names, fixed
        self.eps = _float(eps) if eps is not None else 0.0
        self.domain = md.regularizer.domain
        self.source = _loop_source(self)
        self._loop = None
        self.compile_seconds = 0.0

    @staticmethod
    def _references(md, solution, kernel) -> list:
        """x* (declared, or computed as the ladder computes it where it does not depend on the candidate) and each
        comparator, exact where they are."""
        if solution.point is not None:
            first = list(solution.point)
        elif md.parameters:
            raise FloatScreenUnavailable("x* is computed per instance and f has searched parameters")
        else:
            exact = linear_minimizer(md, ())
            if exact is not None:
                first = list(exact)
            else:  # Newton, once: x* of an f without searched parameters is the same for every candidate
                ctx = working_context(REFERENCE_BITS)
                seed = [ctx.mpf(1) / md.regularizer.dim] * md.regularizer.dim if md.regularizer.domain is \
                    Domain.SIMPLEX else [ctx.mpf(1) / 2] * md.regularizer.dim
                try:
                    first = [sp.Float(str(v), 32) for v in minimizer(ctx, kernel, [], seed)]
                except MDTheoryError as err:
                    raise FloatScreenUnavailable(f"x* could not be computed once for every candidate ({err})") from None
        return [first, *(list(c) for c in solution.comparators)]

    @property
    def loop(self):
        if self._loop is None:
            import numba

            namespace = {"np": np, "math": math, "mpmath": float_kernel_context(),
                         "__builtins__": {name: getattr(builtins, name) for name in LOOP_BUILTINS}}
            exec(compile(self.source, "<mdtheory-convergence-screen>", "exec"), namespace)  # written by _loop_source
            matrix, vector = numba.float64[:, ::1], numba.float64[::1]
            signature = numba.void(matrix, vector, matrix, matrix, vector, numba.float64, numba.int64, vector,
                                   numba.int64[::1])
            self._loop = numba.njit(signature, error_model="numpy", cache=False)(namespace["screen"])
        return self._loop

    def compile(self) -> None:
        """Compile now (once per claim and process); FloatScreenUnavailable where numba cannot type the loop."""
        from numba.core.errors import NumbaError

        started = time.perf_counter()
        try:
            self.loop  # noqa: B018
        except NumbaError as err:
            raise FloatScreenUnavailable(f"numba cannot compile it ({str(err).strip().splitlines()[0][:160]})") from None
        self.compile_seconds += time.perf_counter() - started

    def log_ratios(self, x0, eta, parameters) -> tuple[np.ndarray, np.ndarray]:
        count = len(eta)
        best, best_t = np.empty(count), np.zeros(count, dtype=np.int64)
        self.loop(np.ascontiguousarray(x0, dtype=np.float64), np.ascontiguousarray(eta, dtype=np.float64),
                  np.ascontiguousarray(np.reshape(parameters, (count, self.parameter_count)), dtype=np.float64),
                  self.references, self.phi_at_references, self.eps, int(self.steps), best, best_t)
        return best, best_t


def stabilized(expression: sp.Expr) -> sp.Expr:
    """``expression`` with a normalization by exponential weights, u exp(E) / sum_j a_j exp(E_j) (the simplex's
    mirror steps), written u / sum_j a_j exp(E_j - E): equal, but its exponents are differences, so that float64
    gives 0 where one weight dominates instead of inf / inf (a sum of gradients over a thousand steps). Any other
    expression is returned as it is."""
    numerator, denominator = sp.fraction(expression)
    weights = [f for f in sp.Mul.make_args(numerator) if isinstance(f, sp.exp)]
    if not denominator.is_Add or len(weights) != 1:
        return expression
    if not all(any(isinstance(f, sp.exp) for f in sp.Mul.make_args(term)) for term in denominator.args):
        return expression
    (weight,) = weights
    exponent = weight.args[0]

    def relative(term):
        factors = sp.Mul.make_args(term)
        (own,) = [f for f in factors if isinstance(f, sp.exp)] or [None]
        rest = sp.Mul(*(f for f in factors if f is not own))
        return rest * sp.exp(sp.factor_terms(sp.expand(own.args[0] - exponent)))

    if any(len([f for f in sp.Mul.make_args(term) if isinstance(f, sp.exp)]) != 1 for term in denominator.args):
        return expression
    return (numerator / weight) / sp.Add(*(relative(term) for term in denominator.args))


def _dual_norm_lines(dual: str, g: list[str], indent: str) -> list[str]:
    """``gn`` = the dual norm of the gradient ``g``, as ``convergence._dual_norm`` computes it."""
    if dual == "linf":
        return [f"{indent}gn = {'max(' if len(g) > 1 else '('}{', '.join(f'abs({v})' for v in g)})"]
    if dual == "l1":
        return [f"{indent}gn = {' + '.join(f'abs({v})' for v in g)}"]
    if dual == "l2":
        return [f"{indent}gn = math.sqrt({' + '.join(f'{v} * {v}' for v in g)})"]
    q = _float(exact_real(dual[1:]))
    return [f"{indent}gn = ({' + '.join(f'abs({v}) ** {q!r}' for v in g)}) ** {1 / q!r}"]


def _loop_source(screen: FloatConvergenceScreen) -> str:
    """The screening loop: fixed code written from the counts, with the checked pieces spliced in. Per candidate:
    the initial state, then every step (the quantity at t from each reference, the dual norms of the gradients
    at s < T), then the constants and the bound at every t >= 1."""
    d, p, n, refs = screen.dim, screen.parameter_count, screen.state_size, len(screen.references)
    pieces, quantity = screen.pieces, screen.quantity
    xs, ss, ps = [f"x{i}" for i in range(d)], [f"s{i}" for i in range(n)], [f"p{j}" for j in range(p)]
    ns = [f"n{i}" for i in range(n)]
    I = " " * 8
    L = ["def screen(X0, E, P, R, PHIR, eps, steps, best, best_t):",
         "    count = E.shape[0]",
         f"    values = np.empty(({refs}, steps + 1))",
         "    gsq = np.empty(steps + 1)",
         "    for c in range(count):",
         "        e = E[c]",
         *(f"        p{j} = P[c, {j}]" for j in range(p)),
         *(f"        start{i} = X0[c, {i}]" for i in range(d)),
         *spliced(pieces["initial"], [f"start{i}" for i in range(d)], ss, "init_", I),
         *(f"        total{i} = 0.0" for i in range(d)),
         "        lowest = math.inf",
         "        sumg = 0.0",
         "        G = 0.0",
         "        alive = True",
         "        for t in range(steps + 1):",
         "            if t > 0:"]
    J = " " * 16
    L += spliced(pieces["step"], ss + ["e"] + ps, ns, "step_", J)
    domain = screen.domain
    inside = [f"(abs(n{i}) < math.inf)" for i in range(d)]
    if domain is not Domain.REALS:
        # >= 0: a coordinate that underflows to 0 in float64 is positive on the ladder (mpmath's exponents do
        # not underflow); a step that truly leaves the domain is refused when the ladder confirms
        inside += [f"(n{i} >= 0.0)" for i in range(d)]
    if domain is Domain.BOX:
        inside += [f"(n{i} <= 1.0)" for i in range(d)]
    L += [f"{J}if not ({' and '.join(inside)}):",
          f"{J}    alive = False",
          f"{J}    break",
          *(f"{J}{s} = {m}" for s, m in zip(ss, ns)),
          *(f"            x{i} = s{i}" for i in range(d))]
    K = " " * 12
    L += spliced(pieces["objective"], xs + ps, ["fx"], "f_", K)
    if quantity == "average_suboptimality":
        L += [f"{K}if t == 0:", f"{K}    fa = fx", f"{K}else:",
              *(f"{K}    mean{i} = total{i} / t" for i in range(d)),
              *spliced(pieces["objective"], [f"mean{i}" for i in range(d)] + ps, ["fa"], "fa_", K + "    ")]
    if quantity == "best_suboptimality":
        L += [f"{K}fb = fx if t == 0 else lowest"]
    if quantity == "bregman_to_solution":
        L += spliced(pieces["phi"], xs, ["phix"] + [f"gphi{i}" for i in range(d)], "phi_", K)
    for r in range(refs):
        rs = [f"R[{r}, {i}]" for i in range(d)]
        if quantity in ("suboptimality", "best_suboptimality", "average_suboptimality"):
            L += spliced(pieces["objective"], rs + ps, [f"fr{r}"], f"fr{r}_", K)
            measured = {"suboptimality": "fx", "best_suboptimality": "fb", "average_suboptimality": "fa"}[quantity]
            L += [f"{K}values[{r}, t] = {measured} - fr{r}"]
        elif quantity == "bregman_to_solution":
            inner = " + ".join(f"gphi{i} * (R[{r}, {i}] - x{i})" for i in range(d))
            L += [f"{K}values[{r}, t] = PHIR[{r}] - phix - ({inner})"]
        else:  # distance_to_solution
            L += [f"{K}values[{r}, t] = math.sqrt({' + '.join(f'(x{i} - R[{r}, {i}]) ** 2' for i in range(d))})"]
    L += [*(f"{K}total{i} += x{i}" for i in range(d)),
          f"{K}lowest = min(lowest, fx)",
          f"{K}gsq[t] = sumg",
          f"{K}if t < steps:",
          *spliced(pieces["gradient"], xs + ps, [f"g{i}" for i in range(d)], "g_", K + "    "),
          *_dual_norm_lines(screen.dual, [f"g{i}" for i in range(d)], K + "    "),
          f"{K}    G = max(G, gn)",
          f"{K}    sumg += gn * gn",
          "        best[c] = -math.inf",
          "        best_t[c] = 0",
          "        if not alive:",
          "            continue"]
    # the constants: per reference fstar = f(r) and D0 = D_phi(r, x0); eta and G per candidate
    L += spliced(pieces["phi"], [f"start{i}" for i in range(d)], ["phi0"] + [f"gphi0_{i}" for i in range(d)],
                 "phi0_", I)
    for r in range(refs):
        rs = [f"R[{r}, {i}]" for i in range(d)]
        L += spliced(pieces["objective"], rs + ps, [f"fstar{r}"], f"fstar{r}_", I)
        inner = " + ".join(f"gphi0_{i} * (R[{r}, {i}] - start{i})" for i in range(d))
        L += [f"        D0_{r} = PHIR[{r}] - phi0 - ({inner})"]
    # as the ladder's closest approach (``UpperBound.closest_approach`` over ``Measurement.extremes``): each block of
    # steps a record closes (every ``record_every`` steps, and the last) counts with its largest value (the first
    # step attaining it) against the bound at that step
    L += [*(f"        top{r} = -math.inf" for r in range(refs)),
          *(f"        top_t{r} = 0" for r in range(refs)),
          "        for t in range(1, steps + 1):",
          *(line for r in range(refs) for line in (f"            if values[{r}, t] > top{r}:",
                                                   f"                top{r} = values[{r}, t]",
                                                   f"                top_t{r} = t")),
          f"            if t % {screen.record_every} != 0 and t != steps:",
          "                continue"]
    for r in range(refs):
        own = {"eta": "e", "G": "G", "fstar": f"fstar{r}", "D0": f"D0_{r}"}
        constants = [own[name] if name in own else repr(screen.fixed[name]) for name in screen.names]
        L += [f"{K}if top_t{r} > 0:",
              f"{K}    tf = float(top_t{r})",
              *spliced(pieces["bound"], ["tf", "e * tf", "eps", "e * tf", "e * e * tf", f"gsq[top_t{r}]", *constants],
                       ["b"], f"bound{r}_", K + "    "),
              f"{K}    if top{r} > 0.0 and b > 0.0:",
              f"{K}        ratio = math.log(top{r}) - math.log(b)",
              f"{K}        if ratio > best[c]:",
              f"{K}            best[c] = ratio",
              f"{K}            best_t[c] = top_t{r}",
              f"{K}top{r} = -math.inf",
              f"{K}top_t{r} = 0"]
    return "\n".join(L) + "\n"
