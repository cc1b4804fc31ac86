"""falsify's float64 screen as compiled code: the MD step and the tangent J_t v of every candidate, in a loop
that numba compiles, candidates processed in blocks of ``BLOCK`` in lockstep so that the compiler can
vectorize across them.

What runs is generated from the same symbolic derivation as every other kernel (``symbolic.model``):
- the step x+ = s(x) and the tangent J(x) v as sympy expressions over (x, v, eta, parameters), with every
  subexpression that depends only on eta and the parameters (exp(eta c_i) for softmax) moved out of the
  step loop: it is computed once per candidate;
- denominators that differ only by a factor free of x are rewritten over one of them, so that a step
  takes one reciprocal where the algebra allows (softmax: one, with 1/D^2 as its square);
- each piece is printed and checked by ``engine.codegen`` (``CompiledExpressions``: only arithmetic and the
  context's functions on generated names, never user text), then spliced into one loop function (its
  names prefixed, through the syntax tree) with the context bound to ``float_kernel_context()``, a module
  of numba-compatible functions under mpmath's names.
The loop around them is fixed code, written here from counts (dimension, parameters) alone; numba
compiles the one function.

The tangent is normalized once per window of ``WINDOW`` steps, and a step compares squared growth over
squared bound with the best so far by cross-multiplication (``loop_source``): a log, square root or
division per step would stop the loop from vectorizing or dominate it. A candidate whose tangent grows or shrinks by
more than 2^240 within a window, or whose bound leaves [2^-200, 2^200], is marked for the numpy screen
instead (the cross-products could leave the normal floats there), so the two screens agree wherever
either is used.

Engines. ``SCREEN_ENGINES`` names the array engines a Screen can run: "numba" (this module, the default
when numba is installed: ``pip install mdtheory[fast]``) and "numpy" (``falsify.Screen``'s own pass). An
engine for an accelerator (torch or CuPy arrays on a device) would be one more entry here, a class with the
constructor and ``log_ratios`` of ``CompiledScreen``; none is implemented.
"""

from __future__ import annotations

import ast
import builtins
import functools
import math
import types

import numpy as np
import sympy as sp

from mdtheory.engine.codegen import KERNEL_BUILTINS, CompiledExpressions
from mdtheory.engine.context import Float64Context
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.model import Model
from mdtheory.symbolic.mirror_descent import ETA

BLOCK = 256  # candidates in lockstep: the inner loop runs over a block, so its iterations are independent
WINDOW = 16  # steps between normalizations of the tangent (one square root and one log)
GROWTH2_LIMIT = 2.0 ** 480  # a window's squared growth outside [1/GROWTH2_LIMIT, GROWTH2_LIMIT]: the candidate
BOUND_LIMIT = 2.0 ** 200  # goes to numpy, as does one whose bound leaves [1/BOUND_LIMIT, BOUND_LIMIT]: so that
# every cross-product of the comparisons (at most 2^(480 + 400)) stays a normal float, and no digit is lost
SCREEN_ENGINES = ("numba", "numpy")  # an accelerator's engine would be one more name (see the module docstring)
FLOAT64 = Float64Context()
LOOP_BUILTINS = KERNEL_BUILTINS | {"range", "float"}  # what the loop itself calls
NUMBA_HINT = "pip install 'mdtheory[fast]' (numba) to compile the screen"


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def float_kernel_context() -> types.ModuleType:
    """The context generated code names ``mpmath``, for numba: mpmath's names bound to functions numba
    compiles (math's, numpy's where math's differ in type or raise), constants as floats."""
    import numba

    context = types.ModuleType("mdtheory_float_kernel_context")
    for name in ("sqrt", "exp", "expm1", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
                 "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "hypot", "gamma", "erf", "erfc"):
        setattr(context, name, getattr(math, name))
    context.loggamma = math.lgamma
    context.floor, context.ceil, context.sign = np.floor, np.ceil, np.sign  # floats, as numpy's screen has them
    context.mpf = numba.njit(lambda value: float(value))
    context.power = numba.njit(lambda base, exponent: base ** exponent, error_model="numpy")
    context.pi, context.e, context.inf, context.ninf = math.pi, math.e, math.inf, -math.inf
    return context


def spliced(compiled: CompiledExpressions, inputs: list[str], outputs: list[str], prefix: str, indent: str) -> list[str]:
    """``compiled``'s checked source as lines of a larger function: its arguments read from ``inputs``, its
    results assigned to ``outputs``, its names prefixed by ``prefix`` so that pieces do not collide; the
    context it calls stays ``mpmath`` (bound to ``float_kernel_context()``). Changed through the tree, not
    the text, after ``check_generated_source`` accepted it."""
    function = ast.parse(compiled.source).body[0]
    arguments = [a.arg for a in function.args.args[1:]]
    assigned = {target.id for statement in function.body[:-1] for target in statement.targets}

    class Renamed(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in assigned or node.id in arguments:
                return ast.copy_location(ast.Name(prefix + node.id, node.ctx), node)
            return node

        def visit_Call(self, node):
            # mpmath.mpf(literal) as the float the numpy screen's context makes of it: numba types no integer
            # beyond 64 bits (1/10^200) and no mpf tuple (a sympy Float)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "mpf" and len(node.args) == 1:
                try:
                    literal = ast.literal_eval(node.args[0])
                except ValueError:
                    literal = None
                if isinstance(literal, int | tuple):
                    return ast.copy_location(ast.Constant(float(FLOAT64.mpf(literal))), node)
            return self.generic_visit(node)

        def visit_Constant(self, node):
            if type(node.value) is int and abs(node.value) >= 2 ** 63:  # as numpy converts it: to a float
                return ast.copy_location(ast.Constant(float(node.value)), node)
            return node

    lines = [f"{indent}{prefix}{name} = {value}" for name, value in zip(arguments, inputs)]
    for statement in function.body[:-1]:
        lines.append(indent + ast.unparse(Renamed().visit(statement)))
    results = function.body[-1].value.elts
    lines += [f"{indent}{name} = {ast.unparse(Renamed().visit(value))}" for name, value in zip(outputs, results)]
    return lines


# ------------------------------------------------------------------------------------------- the algebra
def hoisted(expressions: list, invariant: set) -> tuple[list, list]:
    """(expressions with each largest subexpression over ``invariant`` symbols alone replaced by a new
    symbol, [(symbol, subexpression)]): what a candidate computes once instead of at every step."""
    table: dict = {}

    def walk(e):
        if e.is_Atom or isinstance(e, sp.Piecewise):  # a Piecewise is evaluated whole, on its chosen branch
            return e
        if e.free_symbols and e.free_symbols <= invariant:
            return table.setdefault(e, sp.Dummy(f"h{len(table)}"))
        return e.func(*(walk(a) for a in e.args))

    replaced = [walk(e) for e in expressions]
    return replaced, [(symbol, e) for e, symbol in table.items()]


def shared_denominator(expressions: list, variables: tuple, reciprocal: sp.Symbol) -> tuple[list, sp.Expr | None]:
    """(``expressions`` with every power B^-k whose base is q D, for one denominator D and a factor q free of
    ``variables``, written q^-k ``reciprocal``^k; D), so that a step takes one reciprocal, 1/D, for all of
    them (softmax: x2 e^(eta/2) / (x1 e^(3 eta/2) + ...) = e^(-eta) x2 / (x1 + ...)). D is the first such
    base of the first expression; (``expressions``, None) where there is none."""
    where = set(variables)
    bases = [n.base for e in expressions for n in sp.preorder_traversal(e)
             if n.is_Pow and n.exp.is_negative and n.exp.is_Integer and n.base.free_symbols & where]
    if not bases:
        return expressions, None
    denominator = bases[0]

    def factor(base):
        """q with base = q * denominator, or None: q read at a unit vector, then the identity checked."""
        for i in range(len(variables)):
            point = {v: int(i == j) for j, v in enumerate(variables)}
            at = denominator.subs(point)
            if at != 0:
                q = sp.powsimp(base.subs(point) / at)
                zero = sp.expand(sp.powsimp(sp.expand(base - q * denominator)))
                return q if zero == 0 and not q.free_symbols & where else None
        return None

    factors = {base: factor(base) for base in set(bases)}

    def rewritten(n):
        q = factors.get(n.base) if n.is_Pow and n.exp.is_negative and n.exp.is_Integer else None
        return n if q is None else q ** n.exp * reciprocal ** (-n.exp)

    return [e.replace(lambda n: n.is_Pow and n.base in factors, rewritten) for e in expressions], denominator


@functools.cache
def compiled_screen(model: Model, bound: sp.Expr, bound_arguments: tuple, positive: bool):
    """The compiled screen of ``model`` against ``bound`` (in ``bound_arguments`` = (t, eta*t, eps)),
    compiled once per model and bound; every batch reuses it."""
    return CompiledScreen(model, bound, bound_arguments, positive)


class CompiledScreen:
    """``log_ratios(x0, direction, eta, parameters, eps, offset)`` as numba code, for a model with a closed-form
    step and Jacobian. Construction generates and checks the source; the first use of ``loop`` compiles it."""

    def __init__(self, model: Model, bound: sp.Expr, bound_arguments: tuple, positive: bool):
        d, parameters = model.geometry.dim, model.parameters
        x, eta = model.variables, ETA
        v = [sp.Dummy(f"v{i}") for i in range(d)]  # Dummy: never equal to a user's symbol of that name
        jacobian = model.step_jacobian
        step = list(model.step)
        tangent = [sum((jacobian[i, j] * v[j] for j in range(d)), sp.Integer(0)) for i in range(d)]
        reciprocal = sp.Dummy("r")
        body, denominator = shared_denominator(step + tangent, x, reciprocal)
        denominator = sp.Integer(1) if denominator is None else denominator
        (denominator, *body), invariants = hoisted([denominator, *body], {eta, *parameters})
        h = [symbol for symbol, _ in invariants]
        self.dim, self.parameters, self.hoisted = d, len(parameters), len(h)
        self.once = CompiledExpressions([e for _, e in invariants] or [sp.Integer(0)], [eta, *parameters])
        self.reciprocal = CompiledExpressions([1 / denominator], [*x, eta, *parameters, *h])
        self.each_step = CompiledExpressions(body, [*x, *v, eta, *parameters, *h, reciprocal])
        self.bound = CompiledExpressions([bound], list(bound_arguments))
        self.simplex = model.geometry.domain is Domain.SIMPLEX
        self.positive = positive
        self.source = loop_source(self)
        self._loop = None

    @property
    def loop(self):
        if self._loop is None:
            import numba

            namespace = {"np": np, "math": math, "mpmath": float_kernel_context(), "BLOCK": BLOCK, "WINDOW": WINDOW,
                         "GROWTH2_LIMIT": GROWTH2_LIMIT, "BOUND_LIMIT": BOUND_LIMIT,
                         "__builtins__": {name: getattr(builtins, name) for name in LOOP_BUILTINS}}
            exec(compile(self.source, "<mdtheory-screen-loop>", "exec"), namespace)  # written by loop_source
            matrix, vector = numba.float64[:, ::1], numba.float64[::1]
            signature = numba.void(matrix, matrix, vector, matrix, numba.float64, numba.float64, numba.int64, vector,
                                   numba.int64[::1], numba.boolean[::1])
            # one explicit signature: compiled here, once, and never again for another batch's shapes
            self._loop = numba.njit(signature, error_model="numpy", cache=False)(namespace["screen"])
        return self._loop

    def compile(self) -> None:
        """Compile now (a claim's screen is compiled once, before its first batch)."""
        self.loop  # noqa: B018

    def log_ratios(self, x0, direction, eta, parameters, eps: float, offset: float, steps: int):
        """(max over 1 <= t <= steps of log(measured / claimed), the t attaining it, the candidates the numpy
        screen must measure instead): -inf and t = 0 where no step counted."""
        count = len(eta)
        best, best_t = np.empty(count), np.zeros(count, dtype=np.int64)
        extreme = np.zeros(count, dtype=np.bool_)
        self.loop(np.ascontiguousarray(x0, dtype=np.float64), np.ascontiguousarray(direction, dtype=np.float64),
                  np.ascontiguousarray(eta, dtype=np.float64),
                  np.ascontiguousarray(np.reshape(parameters, (count, self.parameters)), dtype=np.float64),
                  float(eps), float(offset), int(steps), best, best_t, extreme)
        return best, best_t, extreme


def loop_source(screen: CompiledScreen) -> str:
    """The screening loop: fixed code written from the counts (coordinates, parameters, hoisted values) with
    the screen's checked pieces spliced in. Per block: load, the hoisted values once, then every step for
    every candidate of the block (the inner loop, which the compiler vectorizes), then the log ratios.

    The tangent w is normalized at the start of each window of WINDOW steps and not within it, so that its
    squared norm is the window's squared growth G^2. The best log ratio so far becomes, as a window starts,
    a threshold on (G / b)^2 (one exp); a step compares G^2 / b^2 with it by cross-multiplication, without
    a division, square root or log, keeping the window's best as the pair (G^2, b^2); as the window ends,
    its best becomes a log ratio (one log) and the window's growth is added to the log growth (another)."""
    d, p, h, simplex, positive = screen.dim, screen.parameters, screen.hoisted, screen.simplex, screen.positive
    xs, ws, hs, ps = ([f"{n}{i}" for i in range(k)] for n, k in (("x", d), ("w", d), ("h", h), ("p", p)))
    nxt, tan = [f"n{i}" for i in range(d)], [f"u{i}" for i in range(d)]
    per_candidate = ["e", "base", "best_v", "threshold_growth2", "threshold_bound2"]
    L = ["def screen(X0, W0, E, P, eps, offset, steps, best, best_t, extreme):",
         "    n = E.shape[0]",
         *(f"    {a} = np.empty(BLOCK)" for a in xs + ws + hs + ps + per_candidate),
         "    alive = np.empty(BLOCK, np.bool_)",
         "    flag = np.empty(BLOCK, np.bool_)",
         "    bt = np.empty(BLOCK, np.int64)",
         "    window_t = np.empty(BLOCK, np.int64)",
         "    for b0 in range(0, n, BLOCK):",
         "        m = min(BLOCK, n - b0)",
         "        for k in range(m):",
         *(f"            x{i}[k] = X0[b0 + k, {i}]" for i in range(d)),
         *(f"            w{i}[k] = W0[b0 + k, {i}]" for i in range(d)),
         *(f"            p{j}[k] = P[b0 + k, {j}]" for j in range(p)),
         "            e[k] = E[b0 + k]",
         "            base[k] = 0.0",
         "            best_v[k] = -math.inf",
         "            alive[k] = True",
         "            flag[k] = False",
         "            bt[k] = 0"]
    if h:
        L += ["        for k in range(m):",
              *spliced(screen.once, ["e[k]"] + [f"p{j}[k]" for j in range(p)], [f"h{i}[k]" for i in range(h)],
                       "once_", " " * 12)]
    L += ["        for t0 in range(1, steps + 1, WINDOW):",
          "            for k in range(m):",  # the best so far as a threshold on this window's (G / b)^2
          "                threshold_growth2[k] = math.exp(2.0 * (best_v[k] - base[k]))",
          "                threshold_bound2[k] = 1.0",
          "                window_t[k] = 0",
          "            for t in range(t0, min(t0 + WINDOW, steps + 1)):",
          "                tf = float(t)",
          "                for k in range(m):",
          "                    ek = e[k]",
          *spliced(screen.reciprocal, [f"{a}[k]" for a in xs] + ["ek"] + [f"{a}[k]" for a in ps + hs], ["q"],
                   "reciprocal_", " " * 20),
          *spliced(screen.each_step, [f"{a}[k]" for a in xs + ws] + ["ek"] + [f"{a}[k]" for a in ps + hs] + ["q"],
                   nxt + tan, "step_", " " * 20)]
    if simplex:  # as the kernel's step: the iterate renormalized onto the simplex
        L += [f"                    total = 1.0 / ({' + '.join(nxt)})",
              *(f"                    {a} = {a} * total" for a in nxt)]
    finite = " & ".join(f"(abs({a}) < math.inf)" for a in nxt)
    L += [f"                    growth2 = {' + '.join(f'{u} * {u}' for u in tan)}",
          f"                    ok = alive[k] & (growth2 < math.inf) & {finite}"
          + "".join(f" & ({a} > 0.0)" for a in nxt if positive),
          *(f"                    x{i}[k] = {nxt[i]}" for i in range(d)),
          *(f"                    w{i}[k] = {tan[i]}" for i in range(d)),
          *spliced(screen.bound, ["tf", "ek * tf", "eps"], ["b"], "bound_", " " * 20),
          "                    bound2 = b * b",
          "                    better = ok & (b > 0.0) & (growth2 * threshold_bound2[k] > threshold_growth2[k] * bound2)",
          "                    threshold_growth2[k] = growth2 if better else threshold_growth2[k]",
          "                    threshold_bound2[k] = bound2 if better else threshold_bound2[k]",
          "                    window_t[k] = t if better else window_t[k]",
          # outside the range, including a growth that overflowed (which numpy, normalizing every step, survives)
          "                    inside = (growth2 <= GROWTH2_LIMIT) & (growth2 >= 1.0 / GROWTH2_LIMIT)",
          "                    outside = ~inside | ((b > 0.0) & ((b < 1.0 / BOUND_LIMIT) | (b > BOUND_LIMIT)))",
          "                    flag[k] = flag[k] | (alive[k] & outside)",
          "                    alive[k] = ok",
          "            for k in range(m):",  # the window ends
          "                if window_t[k] > 0:",
          "                    best_v[k] = base[k] + 0.5 * math.log(threshold_growth2[k] / threshold_bound2[k])",
          "                    bt[k] = window_t[k]",
          f"                growth2 = {' + '.join(f'{w}[k] * {w}[k]' for w in ws)}",
          "                inverse = 1.0 / math.sqrt(growth2)",
          *(f"                {w}[k] = {w}[k] * inverse" for w in ws),
          "                base[k] = base[k] + 0.5 * math.log(growth2)",
          "        for k in range(m):",
          "            best_t[b0 + k] = bt[k]",
          "            best[b0 + k] = best_v[k] + offset if bt[k] > 0 else -math.inf",
          "            extreme[b0 + k] = flag[k]"]
    return "\n".join(L) + "\n"
