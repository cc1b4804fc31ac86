"""Problem kinds: what a claim is about, each a plug-in behind one protocol.

A claim file's ``[problem] kind = "..."`` names a registered :class:`Problem` subclass; the claim language
(``mdtheory.claimfile``), the checker (``mdtheory.checker.claim``), ``mdtheory check`` and ``mdtheory falsify`` ask
the problem, never its type, for everything that depends on the kind. The built-in kinds are ``offline`` (MD on a
fixed objective, :mod:`mdtheory.problems.offline`), ``online`` (online MD against a loss sequence,
:mod:`mdtheory.problems.online`), ``mdp`` (policy MD on a tabular MDP, :mod:`mdtheory.problems.mdp`) and ``saddle``
(min_x max_y x^T A y run by a saddle method, :mod:`mdtheory.problems.saddle`).

Adding a kind
-------------
Write one file that subclasses :class:`Problem` and decorates it with ``@register("name")``; import it before a
claim file names the kind (a test file, a plug-in module). Nothing else changes. A subclass declares:

Class attributes
    ``problem_keys``, ``run_keys``
        The keys its ``[problem]`` and ``[run]`` tables take, each mapped to whether it is required (``kind``
        among the problem keys). The claim language refuses any other key, naming it, before
        ``from_tables`` runs.
    ``quantities``
        The quantities a bound on this problem may be about (``[claim] quantity``).
    ``constant_names``
        The names the measurement computes and a bound may use beside ``T``, ``etaT`` and ``[constants]``.
    ``sections`` (optional)
        Claim-file sections beyond problem, run, constants, claim, theorem, twin and search that the kind reads
        (offline: ``("solution",)``); another kind given one is refused.
    ``norms`` (optional)
        The values ``[claim] norm`` may take (default: none, so the key is refused).
    ``perturbed_pair_quantities`` (optional)
        Quantities measured and judged together on a perturbed pair (offline's sensitivity quantities), for which
        ``judged`` answers instead of ``measurements``.

Instance attributes
    ``bits``: the working precision of the lower rung (the ladder also runs twice that); ``constants``: the
    ``[constants]`` the file declares (exact numbers a bound may name, not checked).

Methods
    ``from_tables(data, declared, bound, max_steps, max_precision_bits)`` (classmethod)
        Build the problem from the claim file's tables (``data["problem"]``, ``data["run"]``, ...), refusing a
        bad value with a ``ClaimFileError`` that names the key and the fix. ``declared`` are the ``[constants]``;
        ``bound`` the claim's bound (some kinds read only what the bound's quantity needs).
    ``update_text()``
        The update this problem runs, in words, printed with the result.
    ``measurements(bound, progress)``
        The laddered measurement(s) the claim is judged on (a list: one per reference point, or one).
        Each must offer what ``bound.check`` reads: ``values(quantity)``, ``digits(quantity)``, ``constants`` ...,
        as ``mdtheory.checker.measure.SeriesMeasurement`` does; build each series with
        ``mdtheory.engine.ladder.laddered`` from runs at ``bits`` and ``2 * bits``, so that only the digits that
        survive the precision doubling count.
    ``judged(bound, progress)`` (optional)
        ``(CheckResult, measurement)`` for a quantity measured and judged in one go, else None (the default).
    ``why_not_proved()`` (optional)
        None where the instance can reach the verdict "proved" (a certificate checked in exact or ball
        arithmetic, as the mirror flow's enclosure), else why not and the fix: a claim file that expects proved is
        refused with it. The default: the ladder's verdicts are holds and violated, never proved.
    ``check_quantity(quantity)`` (optional)
        Refuse a quantity this instance cannot measure (the default checks ``quantities``).
    ``extra_series(measurement)`` (optional)
        Columns added to each row of ``check --json``'s series (default: none).
    For ``mdtheory falsify`` (optional; without them only the stated instance is checked):
        ``step_size`` (the stated eta; None for a problem that takes no step, whose points have eta None),
        ``search_start()`` ((domain, dimension) where a start x0 may be searched,
        or (None, 0)), ``parameters`` / ``parameter_values`` (free names of the problem's expressions and the
        stated values), ``parameter_uses()`` ((symbols the expressions use, what they are called)),
        ``stated_point()`` (the file's own instance as such a point; the default reads ``step_size`` and
        ``parameter_values``), ``at(point, bits)`` (a copy at ``{"eta", "x0", "parameters"}``, MDTheoryError if
        that is not an instance), ``witness_problem_table(table, values)`` (the ``[problem]`` table with the
        parameters written in, for a witness claim file). ``mdtheory.search`` runs one pipeline over these for
        every kind: it draws points of the stated range, measures each with ``at(point, 53)`` and
        ``measurements``, refines the best, confirms the finalists with ``at(point, bits)`` on the full ladder
        and writes the witness. A quantity in ``perturbed_pair_quantities`` is screened in float64 instead.
        ``float_screen(bound)`` (optional): an object whose ``log_ratios(x0, eta, parameters)`` (float arrays,
        one row per candidate) gives each candidate's max over t >= 1 of log(measured / claimed) and the t, in
        float64, to screen candidates in bulk (offline convergence claims: ``checker.float_convergence``); None
        (the default) to measure each on the ladder, or ``FloatScreenUnavailable`` naming why not.

Example: a scalar linear recurrence x_{t+1} = a x_t whose |x_T| is known in closed form (the full, tested
version is ``tests/test_plugin_problem.py``)::

    @register("scalar_recurrence")
    @dataclass(frozen=True)
    class ScalarRecurrence(Problem):
        problem_keys = {"kind": True, "a": True}
        run_keys = {"x0": True, "steps": True, "precision_bits": True}
        quantities = ("magnitude",)
        constant_names = ("a",)
        a: sp.Rational
        x0: sp.Rational
        steps: int
        bits: int
        constants: dict = field(default_factory=dict)

        @classmethod
        def from_tables(cls, data, declared, bound, max_steps, max_precision_bits):
            return cls(toml_number(data["problem"]["a"], "[problem] a"), ...)

        def update_text(self):
            return "x_{t+1} = a x_t"

        def measurements(self, bound, progress=None):
            return [SeriesMeasurement(ctx, ..., {"magnitude": laddered(ctx, fine, coarse, ...)}, ...)]
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable

from mdtheory.checker.bounds import ETA_T, REGISTERED_QUANTITIES, STEP_SUMS, T, constant_symbol
from mdtheory.errors import MDTheoryError

DEFAULT_KIND = "offline"  # a [problem] table without kind = ... is an offline problem
# Loaded by name when first asked for (``problem_kind``), so that the claim language, which the kinds' readers
# use, can import this registry without importing the kinds.
BUILT_IN_KINDS = ("offline", "online", "mdp", "mirror_flow", "saddle", "stochastic")


class UnknownProblemKind(MDTheoryError):
    """A [problem] kind that no registered Problem answers to."""


class Problem(ABC):
    """The protocol every problem kind implements; see the module docstring for what each member must do."""

    kind: str = ""  # set by @register
    problem_keys: dict = {}
    run_keys: dict = {}
    quantities: tuple = ()
    constant_names: tuple = ()
    step_sum_names: tuple = ()  # the sums its measurements carry (checker.bounds.STEP_SUMS: sum_eta, ...)
    sections: tuple = ()
    norms: tuple = ()
    perturbed_pair_quantities: tuple = ()
    parameters: tuple = ()
    parameter_values: tuple = ()

    @classmethod
    @abstractmethod
    def from_tables(cls, data: dict, declared: dict, bound, max_steps: int, max_precision_bits: int) -> Problem:
        """The problem a claim file's tables describe."""

    @classmethod
    def bound_symbols(cls, declared: set[str]) -> dict:
        """The names a bound on this problem may use: T, etaT, its step sums, the computed constants and the
        declared ones."""
        return {"T": T, "etaT": ETA_T, **{n: STEP_SUMS[n] for n in cls.step_sum_names},
                **{n: constant_symbol(n) for n in (*cls.constant_names, *declared)}}

    @abstractmethod
    def update_text(self) -> str:
        """The update this problem runs, printed with the result."""

    @abstractmethod
    def measurements(self, bound, progress: Callable[[int, int], None] | None = None) -> list:
        """The laddered measurement(s) the claim is judged on."""

    def judged(self, bound, progress: Callable[[int, int], None] | None = None):
        """(CheckResult, measurement) for a quantity measured and judged together; None for the others."""
        return None

    def why_not_proved(self) -> str | None:
        """None where this instance can reach the verdict "proved" (a certificate checked in exact or ball
        arithmetic); else why not and the fix, for a claim file that expects proved (``[claim] expected``)."""
        return (f"kind {self.kind!r} is judged on the precision ladder, whose verdicts are holds and violated (a "
                "measurement of one instance, not a certificate); expect holds, or prove it with a mirror_flow claim "
                "with [run] enclosure = true or a worst-case file (mdtheory worst-case)")

    def check_quantity(self, quantity: str) -> None:
        if quantity not in self.quantities:
            raise MDTheoryError(f"quantity {quantity!r} is not measured on an {type(self).__name__}; it measures "
                                f"{', '.join(self.quantities)}")

    def numbers_read(self) -> dict:
        """The numbers the claim file gave this problem, by name ("eta", "x0", a declared constant ...): values, or
        tuples of values. ``check`` prints each one read as a closed form (sqrt(2)/4) with its decimal value."""
        return dict(getattr(self, "constants", {}))

    def extra_series(self, measurement) -> dict[str, list]:
        """Columns beside the measured series in ``check --json`` (quantity -> one value or None per row)."""
        return {}

    # ---- what ``mdtheory falsify`` searches
    @property
    def step_size(self):
        raise MDTheoryError(f"a {self.kind} problem has no step size to search")

    def search_start(self) -> tuple:
        """(domain, dimension) of the start x0 falsify may search; (None, 0): the start is not searched."""
        return None, 0

    def parameter_uses(self) -> tuple[set, str]:
        """(the symbols the problem's expressions use, what those expressions are called)."""
        return set(), "problem"

    def stated_point(self) -> dict:
        """The claim file's own instance as a point, the first candidate falsify screens: its step size, its
        start kept (x0 None), its parameters' stated values."""
        return {"eta": self.step_size, "x0": None, "parameters": tuple(self.parameter_values)}

    def at(self, point: dict, bits: int) -> Problem:
        """This problem at ``point`` = {"eta", "x0" (None: the stated start), "parameters"} and ``bits``."""
        raise MDTheoryError(f"a {self.kind} problem cannot be searched (it defines no at())")

    def witness_problem_table(self, table: dict, values: tuple) -> dict:
        """The [problem] table with the free parameters at ``values``, for a witness claim file."""
        return table

    def float_screen(self, bound):
        """A float64 screen of ``bound``'s quantity over this problem's search space, or None: each candidate
        is then measured on the ladder."""
        return None


_REGISTRY: dict[str, type[Problem]] = {}


def register(kind: str):
    """Class decorator: ``@register("name")`` makes ``[problem] kind = "name"`` build this class."""
    if not isinstance(kind, str) or not kind.isidentifier():
        raise MDTheoryError(f"problem kind {kind!r}: expected a name such as \"offline\"")

    def add(cls: type[Problem]) -> type[Problem]:
        if not (isinstance(cls, type) and issubclass(cls, Problem)):
            raise MDTheoryError(f"problem kind {kind!r}: {cls!r} is not a subclass of mdtheory.problems.Problem")
        if _REGISTRY.get(kind, cls) is not cls:
            raise MDTheoryError(f"problem kind {kind!r}: already registered by {_REGISTRY[kind].__qualname__}")
        cls.kind = kind
        _REGISTRY[kind] = cls
        REGISTERED_QUANTITIES.update(cls.quantities)
        return cls

    return add


def problem_kind(name: str) -> type[Problem]:
    """The registered Problem class called ``name``."""
    if name in BUILT_IN_KINDS and name not in _REGISTRY:
        importlib.import_module(f"mdtheory.problems.{name}")
    if not isinstance(name, str) or name not in _REGISTRY:
        raise UnknownProblemKind(f"[problem] kind: {name!r}; choose one of {', '.join(problem_kinds())}")
    return _REGISTRY[name]


def problem_kinds() -> tuple[str, ...]:
    """The names of every registered kind, the built-in ones first."""
    for name in BUILT_IN_KINDS:
        if name not in _REGISTRY:
            importlib.import_module(f"mdtheory.problems.{name}")
    return (*BUILT_IN_KINDS, *(name for name in _REGISTRY if name not in BUILT_IN_KINDS))


__all__ = ["BUILT_IN_KINDS", "DEFAULT_KIND", "Problem", "UnknownProblemKind", "problem_kind", "problem_kinds",
           "register"]
