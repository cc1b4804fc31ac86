"""Update rules of the mirror descent family, as plug-ins: one file per rule, registered by name.

A problem (``symbolic.mirror_descent.MirrorDescent``: a regularizer phi on its domain, an objective f) names
the rule it runs in its ``method`` field, plain MD ("md") by default; the run loop (``engine.run``) and every
kernel built through ``kernel_for`` look the rule up here, so the engine never names a family.

Writing a method
----------------
Subclass ``Method`` and register an instance (its options, a relaxation or a momentum, are the instance's
fields). A method is stateless: each call receives the problem.

Attributes
    name : str
        The key it is registered under, the value a problem's ``method`` field (and a claim file's
        ``[run] method``) gives.
    state : tuple of str
        The names of the vectors the iteration carries, each of the problem's dimension: ("x",) for plain MD,
        ("x", "x_prev") for a momentum method, ("x", "y", "z") for linear coupling. ``state[0]`` is the point
        x_t every quantity is measured on (separation, amplification, f(x_t), x_t against x*). The run loop
        holds the state as one flat list, the vectors one after the other in this order.

Methods to implement
    derive(problem) -> SymbolicStep
        The step and its Jacobian derived with the symbolic layer (sympy) from phi and f: ``state+`` as
        expressions in the state's symbols, the step size ``symbolic.mirror_descent.ETA`` and f's parameters.
        Compose what the symbolic layer derives (``md_step``, ``dual_step``, ``mirror_map``,
        ``inverse_mirror_map``); a step that has no closed form leaves ``step`` None and its kernel solves it.
    kernel(problem, oracle=None) -> a step kernel
        The compiled step in a precision context. ``engine.explicit_step.ExplicitStepKernel(problem,
        derived_step(self, problem), oracle)`` compiles any closed-form ``SymbolicStep`` (``derived_step`` derives
        it once per (method, problem), so each measurement's kernel does not derive it again); plain MD's kernel is
        ``engine.kernels.MirrorDescentKernel`` (Newton for the inverse mirror map, the simplex multiplier).
        What the run loop calls, each in a context ``ctx`` with the flat state ``s``: ``step(ctx, s, eta,
        params) -> s+``; ``tangent(ctx, s, s+, eta, w, params) -> J w``; ``jacobian(ctx, s, s+, eta, params)``
        (one-vector states, for the worst case); ``objective(ctx, x, params)``,
        ``check_strictly_convex_at(ctx, x, where)`` and ``checks_convexity_along_run`` at the point x.
    update_text(problem, renaming=None) -> str
        The update as the result prints it ("x+ = ..."), from the derived expressions, with ``renaming``
        substituted (online MD names the loss vector).

Options
    options : dict of str to str
        The keys a claim file's ``[method]`` table may give this method, each with what it is (default: none).
    configure(table) -> Method
        A copy of the method with the options in ``table`` (keys already checked against ``options``), each
        value read exactly; a bad value raises MDTheoryError naming ``[method] key``. A problem carries its
        options in ``MirrorDescent.method_options``; ``configured(problem)`` and ``kernel_for`` apply them.
        Options change the step, never the layout of the state or its initial value.

Online play (optional)
    plays_online : bool
        True for a method the online kind runs (``[run] method`` of ``kind = "online"``): "md" and "ftrl".
    online_step(kernel, ctx, played, start, eta, loss, total) -> the point played next round
        From the online kind's one-step kernel (MD on a linear loss, projected onto the constraint set where
        there is one): plain MD steps from the point played on the round's loss, FTRL from x0 on the sum of
        every loss so far.

The objective a claim is about (kernel members with defaults)
    A kernel's ``objective`` is what f(x_t), f*, the regret are measured on: f for plain MD. A method that adds
    a term of its own (the composite methods: f + lambda ||x||_1, ``methods.l1_term.L1Objective``) overrides, on
    its kernel, ``objective`` and these three, which the convergence checker reads instead of asking what the
    kernel is:
    first_order_residuals(ctx, x, params) -> FirstOrderResiduals or None
        Its own first-order conditions at x (``engine.kernels.FirstOrderResiduals``: residuals, their magnitudes,
        the objective and the condition as text); None (the default): the checker's conditions for f.
    minimizer_not_computed() -> str or None
        Why x* cannot be computed, so that the claim must declare it; None (the default): computed.
    objective_constants(ctx, x0) -> dict
        The constants its term adds, name -> (value at x0, how obtained): r0 = r(x0); none by default.

Methods with defaults
    initial_state(x0) -> tuple of vectors
        Every vector starts at x0 (x_0 = y_0 = z_0 = x0), exact numbers. Override together with
        ``initial_tangent``.
    initial_tangent(x0, v) -> tuple of vectors
        d state_0 / d x0 applied to the direction v: v in every vector.

Example
-------
MD relaxed by a fixed factor a, x+ = (1 - a) x + a MD(x)::

    @dataclass(frozen=True)
    class RelaxedMirrorDescent(Method):
        relaxation: sp.Rational
        name = "relaxed"

        def derive(self, problem):
            x = sp.Matrix(problem.variables)
            step = (1 - self.relaxation) * x + self.relaxation * md_step(problem)
            return SymbolicStep(problem.variables, step, step.jacobian(problem.variables), problem.parameters)

        def kernel(self, problem, oracle=None):
            return ExplicitStepKernel(problem, self.derive(problem), oracle)

        def update_text(self, problem, renaming=None):
            return f"x+ = (1 - {self.relaxation}) x + {self.relaxation} MD(x)"

    register(RelaxedMirrorDescent(sp.Rational(1, 2)))
    problem = MirrorDescent(regularizer, objective, method="relaxed")

docs/add-a-method.md walks through it, with the test that checks it against a closed form.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import re
from dataclasses import dataclass
from types import MappingProxyType

import sympy as sp

from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.mirror_descent import ETA, PLAIN_MD

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")  # a name a claim file can write: lower case, digits, underscores
# Derived steps kept by ``derived_step``: a verify run meets a few dozen (method, problem) pairs, each a few sympy
# matrices; a bound keeps a long search over many problems from holding every derivation
DERIVED_STEP_CACHE_ENTRIES = 256


class UnknownMethodError(MDTheoryError):
    """A method name nothing is registered under."""


@dataclass(frozen=True)
class SymbolicStep:
    """A method's derived step: ``step`` gives state+ in terms of ``state`` (the flat state's symbols, the
    vectors one after the other), ETA and ``parameters`` (f's); ``jacobian`` is d state+ / d state. Either is
    None where it has no closed form (its kernel then computes it numerically)."""

    state: tuple[sp.Symbol, ...]
    step: sp.Matrix | None
    jacobian: sp.Matrix | None
    parameters: tuple[sp.Symbol, ...] = ()

    @property
    def arguments(self) -> tuple[sp.Symbol, ...]:
        """The order the compiled step takes its arguments in: state, eta, f's parameters."""
        return (*self.state, ETA, *self.parameters)


class Method:
    """An update rule of the mirror descent family (see the module's documentation for implementers)."""

    name: str = ""
    state: tuple[str, ...] = ("x",)

    def derive(self, problem) -> SymbolicStep:
        raise NotImplementedError(f"{type(self).__name__} does not derive its step")

    def kernel(self, problem, oracle=None):
        raise NotImplementedError(f"{type(self).__name__} does not compile its step")

    def update_text(self, problem, renaming: dict | None = None) -> str:
        raise NotImplementedError(f"{type(self).__name__} does not write its update")

    options: dict = {}

    def with_options(self, table: dict) -> Method:
        """This method with the ``[method]`` options in ``table``; an unknown key is refused, naming it."""
        unknown = sorted(set(table) - set(self.options))
        if unknown:
            offered = (f"its options are {', '.join(f'{k} ({what})' for k, what in self.options.items())}"
                       if self.options else "it takes no options; remove the [method] table")
            raise MDTheoryError(f"[method] {unknown[0]}: method {self.name!r} has no option {unknown[0]!r}; {offered}")
        return self.configure(table) if table else self

    def configure(self, table: dict) -> Method:
        return self

    # whether the online kind plays it (``[problem] kind = "online"``, ``[run] method``); such a method answers
    # online_step
    plays_online: bool = False

    def online_step(self, kernel, ctx, played, start, eta, loss, total):
        """The point played next round: ``kernel`` is the online kind's one-step MD kernel on a linear loss (on the
        simplex, or projected onto the constraint set), ``played`` the point played this round, ``start`` x0,
        ``loss`` this round's loss vector (the gradient of a convex loss at ``played``) and ``total`` the sum of
        every loss vector so far, this round's included."""
        raise NotImplementedError(f"{type(self).__name__} does not play online")

    def online_text(self, step_text: str) -> str:
        """The online kind's update text, from the one-step kernel's (``step_text``)."""
        return step_text

    def initial_state(self, x0: tuple) -> tuple[tuple, ...]:
        return (tuple(x0),) * len(self.state)

    def initial_tangent(self, x0: tuple, direction: tuple) -> tuple[tuple, ...]:
        return (tuple(direction),) * len(self.state)


_REGISTRY: dict[str, Method] = {}
# The built-in methods by name and file, loaded when first asked for (``method``, ``methods``), so that a claim
# file can name them and the registry imports none of them (each imports the registry)
BUILT_IN_METHODS = {PLAIN_MD: "mirror_descent", "accelerated": "accelerated", "dual_averaging": "dual_averaging",
                    "projected_md": "projected", "mirror_prox": "mirror_prox", "mwu": "mwu",
                    "optimistic_mwu": "optimistic_mwu",
                    "composite_md": "composite_md", "rda": "regularized_dual_averaging", "ftrl": "ftrl"}


def _load_built_ins(*names: str) -> None:
    for name in names:
        if name not in _REGISTRY:
            importlib.import_module(f"mdtheory.methods.{BUILT_IN_METHODS[name]}")


def register(rule: Method) -> Method:
    """Make ``rule`` available under ``rule.name``; returns it. A name is registered once."""
    if not isinstance(rule, Method):
        raise MDTheoryError(f"register takes a Method instance, got {type(rule).__name__}; subclass "
                            "mdtheory.methods.Method and register an instance")
    if not isinstance(rule.name, str) or not _NAME.match(rule.name):
        raise MDTheoryError(f"a method's name must be lower case letters, digits and underscores, starting with a "
                            f"letter; {type(rule).__name__} has name {rule.name!r}")
    if not rule.state or not all(isinstance(s, str) for s in rule.state):
        raise MDTheoryError(f"method {rule.name!r}: state must name at least one vector, got {rule.state!r}")
    if rule.name in _REGISTRY:
        raise MDTheoryError(f"a method named {rule.name!r} is already registered ({type(_REGISTRY[rule.name]).__name__}); "
                            "choose another name")
    _REGISTRY[rule.name] = rule
    return rule


def method(name: str) -> Method:
    """The method registered under ``name``; an UnknownMethodError listing the registered ones otherwise."""
    rule = _REGISTRY.get(name) if isinstance(name, str) else None
    if rule is None:
        _load_built_ins(*BUILT_IN_METHODS)  # a built-in asked for the first time, or every one listed below
        rule = _REGISTRY.get(name) if isinstance(name, str) else None
    if rule is None:
        raise UnknownMethodError(f"method: {name!r} is not a registered method; the registered methods are "
                                 f"{', '.join(sorted(_REGISTRY, key=lambda n: (n != PLAIN_MD, n)))} (the default "
                                 "first; register another with mdtheory.methods.register, see docs/add-a-method.md)")
    return rule


def methods() -> MappingProxyType:
    """Every registered method by name (a read-only view)."""
    _load_built_ins(*BUILT_IN_METHODS)
    return MappingProxyType(_REGISTRY)


def configured(problem) -> Method:
    """The method ``problem`` names, with the options it carries (``MirrorDescent.method_options``)."""
    return method(problem.method).with_options(dict(problem.method_options))


def derived_step(rule: Method, problem) -> SymbolicStep:
    """``rule.derive(problem)``, derived once per (rule, problem) and shared: a method's ``kernel`` calls this, so
    that each measurement's kernel does not derive the step again in sympy. The key is the pair itself, compared by
    value: the problem's phi, f, variables (with their assumptions), domain, constraint set and method options, and
    the configured method's class and options (exact values), so a different problem never gets another's step.
    A rule or problem that cannot be hashed (a mutable plug-in) is derived every time."""
    try:
        hash((rule, problem))
    except TypeError:
        return rule.derive(problem)
    return _derived_once(rule, problem)


@functools.lru_cache(maxsize=DERIVED_STEP_CACHE_ENTRIES)
def _derived_once(rule: Method, problem) -> SymbolicStep:
    derived = rule.derive(problem)
    # shared by every kernel of the pair: immutable, so that no user of one can change another's step
    return dataclasses.replace(
        derived, step=None if derived.step is None else sp.ImmutableMatrix(derived.step),
        jacobian=None if derived.jacobian is None else sp.ImmutableMatrix(derived.jacobian))


def kernel_for(problem, oracle=None):
    """The compiled step of ``problem`` in the method it names, with its options."""
    return configured(problem).kernel(problem, oracle)


