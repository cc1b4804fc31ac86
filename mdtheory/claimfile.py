"""TOML claim files: a theorem about one instance, described without Python.

    [theorem]    name, reference, statement                 (optional: where the claim comes from)
    [problem]    kind = "offline" (default): variables, domain, regularizer, objective
                 kind = "online": regularizer (on the simplex), losses (expressions in the round t) or loss_table
                 kind = "mdp": P, r, gamma, rho, tau
    [run]        offline: x0, eta, steps, precision_bits; direction and eps for sensitivity quantities;
                 (record_every, float64, backend); online: x0 (default uniform), eta, steps, precision_bits;
                 mdp: pi0 ("uniform" or a table), eta, steps, precision_bits
    [constants]  name = "exact number": constants a bound may name beside the computed ones
    [solution]   offline convergence: x (a point, or "computed"), comparators, limit = {A, b, geometry}
    [claim]      kind, quantity, that kind's parameters, expected ("holds" or "violated"), norm
    [twin]       why, expected (default "violated"), and overrides of the other sections' keys:
                 the planted-false version of the claim (``mdtheory check FILE --twin``)
    [search]     ranges for ``mdtheory falsify``

Numbers are exact strings: rationals ("1e-12", "1/4") or closed forms ("sqrt(2*log(3))/10", "log(2)"), kept
exact (RATIONAL_SECTIONS take rationals only); expressions are parsed safely. Unknown keys and bad values
are refused, naming the key.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from mdtheory.checker.bounds import (
    EPS,
    ETA_T,
    HOLDS,
    QUANTITIES,
    SENSITIVITY_QUANTITIES,
    VIOLATED,
    Decay,
    ExponentialGrowth,
    Limit,
    MinForm,
    Saturation,
    T,
    UpperBound,
    constant_symbol,
)
from mdtheory.checker.claim import Claim, Theorem
from mdtheory.checker.reading import rounded
from mdtheory.engine.context import MAX_PRECISION_BITS, working_context
from mdtheory.engine.ladder import resolved_digits
from mdtheory.engine.run import BACKENDS, MAX_STEPS, RunSpec
from mdtheory.engine.schedule import STEP, StepSchedule
from mdtheory.errors import MDTheoryError
from mdtheory.methods import UnknownMethodError, method
from mdtheory.problems import DEFAULT_KIND, UnknownProblemKind, problem_kind, problem_kinds
from mdtheory.symbolic.catalogue import CATALOGUE
from mdtheory.methods.projected import PROJECTED_MD
from mdtheory.symbolic.domains import Domain, check_variable_names
from mdtheory.symbolic.mirror_descent import PLAIN_MD, MirrorDescent
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.parsing import (CONSTANTS, FUNCTIONS, VARIADIC, _brief, exact_real,
                                       parse_expression, reserved_word)
from mdtheory.symbolic.regularizer import Regularizer, hessian, is_quadratic
from mdtheory.verdict import PROVED
from mdtheory.symbolic.sets import read_constraint_set


class ClaimFileError(MDTheoryError):
    """A claim file that is malformed; the message names the key."""


MAX_FILE_BYTES = 1_000_000
SUGGESTED_PRECISION_BITS = 128  # the examples' precision: the ladder runs 128 and 256 bits (about 38 and 77 digits)
# What a missing required key's error suggests writing, where one value suits most files.
MISSING_KEY_SUGGESTIONS = {
    "precision_bits": f"add precision_bits = {SUGGESTED_PRECISION_BITS} (the ladder then runs {SUGGESTED_PRECISION_BITS} "
                      f"and {2 * SUGGESTED_PRECISION_BITS} bits; raise it when too few digits are trusted)"}
START_CURVATURE_DIGITS = 30  # Hess phi at x0 is evaluated at this many digits and at twice as many
MAX_INDEXED_DIMENSION = 64  # variables = {name, d}: each coordinate is a symbol the model derives maps over
RESERVED_NAMES = set(FUNCTIONS) | set(VARIADIC) | set(CONSTANTS) | {"T", "etaT", "eps", "eta"}


OFFLINE_RUN = {"x0": True, "direction": False, "eps": False, "eta": True, "steps": True, "precision_bits": True,
               "record_every": False, "float64": False, "backend": False, "method": False}
SECTIONS = ("theorem", "problem", "run", "constants", "solution", "claim", "twin", "search")
REQUIRED_SECTIONS = ("problem", "run", "claim")
THEOREM_KEYS = {"name": True, "reference": False, "statement": False}
SOLUTION_KEYS = {"x": False, "comparators": False, "limit": False}
TWIN_KEYS = {"why": True, "expected": False, **{section: False for section in ("problem", "run", "constants",
                                                                              "solution", "claim", "search", "method")}}
CLAIM_KEYS = {
    "upper_bound": {"bound": True, "quantity": False},
    "decay": {"constant": True, "rho": True, "quantity": False},
    "exponential_growth": {"rate": False, "window": False, "quantity": False, "exact": False, "rate_tolerance": False},
    "saturation": {"level": True, "factor": False, "quantity": False},
    "min_form": {"level": True, "rate": True, "factor": False},
    "limit": {"tolerance": True, "quantity": False},
}
COMMON_CLAIM_KEYS = {"kind": True, "expected": False, "norm": False}


@dataclass
class ClaimFile:
    path: str
    md: MirrorDescent
    spec: RunSpec
    bits: int
    bound: object
    float64: bool
    backend: str = "mpmath"
    search: dict | None = None  # the raw [search] table, for falsify
    claim_table: dict | None = None  # the raw [claim] table, for writing witnesses
    problem_table: dict | None = None
    tables: dict | None = None  # every table of the file, for falsify's structural variants


def keyed(key: str, err: MDTheoryError) -> ClaimFileError:
    """``err`` as a ClaimFileError that names ``key`` once: the one place a key is put in front of a message
    from below. ``key`` is "[section] name", or "[section]" for a message that names its key itself
    ("steps: ..."). An error that already names its key (a ClaimFileError from a helper that was given the
    key) passes unchanged; a message that opens with the key, its section or its bare name (a library's
    "tolerance: ...", "[problem]: ...") has that opening replaced by the key, not repeated after it; one that
    names another key of the section ("[problem] radius: ..." under "[problem] domain") keeps its own."""
    if isinstance(err, ClaimFileError):
        return err
    message = str(err)
    section, name = (key.split("] ", 1)[0] + "]", key.split("] ", 1)[1]) if "] " in key else (key, "")
    if re.match(rf"{re.escape(section)} [\w.]+: ", message):  # names its own key ([problem] radius: ...)
        return ClaimFileError(message)
    for opening in (key, section, name):
        if opening and message.startswith(f"{opening}: "):
            message = message[len(opening) + 2:]
            break
    return ClaimFileError(f"{key}: {message}" if name else f"{section} {message}")


def check_table_keys(table: dict, allowed: dict[str, bool], where: str):
    if not isinstance(table, dict):
        raise ClaimFileError(f"[{where}] must be a table")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ClaimFileError(f"[{where}] {unknown[0]}: unknown key; allowed keys: {', '.join(allowed)}")
    missing = [k for k, required in allowed.items() if required and k not in table]
    if missing:
        suggestion = MISSING_KEY_SUGGESTIONS.get(missing[0])
        raise ClaimFileError(f"[{where}] {missing[0]}: missing required key" + (f"; {suggestion}" if suggestion else ""))


# Sections whose numbers must be rational, and why (elsewhere a closed form such as sqrt(2)/4 is read exactly).
RATIONAL_SECTIONS = {
    "[search]": "a search range's ends are rational: falsify draws its candidates between them and writes each "
                "witness as exact fractions",
    "[worst_case]": "the worst-case certificates are built in exact rational arithmetic (fractions)",
    "[grid]": "a sweep's grid values are rational: each point is written into its claim as an exact fraction",
}


def toml_number(value, key: str) -> sp.Expr:
    """An exact real read from a TOML value: a rational ("1/4", "1e-12") or a closed form ("sqrt(2*log(3))/10",
    "log(2)"), kept exact (a sympy Rational where it is one). The sections of RATIONAL_SECTIONS take rationals
    only, and say why."""
    if isinstance(value, float):
        raise ClaimFileError(f"{key}: {value!r} is a TOML float; write numbers as exact strings such as \"{value!r}\"")
    try:
        number = exact_real(value)
    except MDTheoryError as err:
        raise keyed(key, err) from None
    why = next((why for section, why in RATIONAL_SECTIONS.items() if key.startswith(section)), None)
    if why is not None and not number.is_Rational:
        raise ClaimFileError(f"{key}: {_brief(str(value))!r} = {rounded(number, 12)} is exact but not rational, and {why}; "
                             f"give a fraction or decimal near it, such as \"{rounded(number, 6)}\"")
    return number


def toml_numbers(value, key: str, length: int | None = None) -> list[sp.Expr]:
    if not isinstance(value, list):
        raise ClaimFileError(f"{key}: expected a list of exact numbers")
    if length is not None and len(value) != length:
        raise ClaimFileError(f"{key}: expected {length} entries (one per variable), got {len(value)}")
    return [toml_number(v, f"{key}[{i}]") for i, v in enumerate(value)]


def toml_integer(value, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ClaimFileError(f"{key}: expected an integer >= {minimum}, got {value!r}")
    return value


def precision_bits(value, key: str, maximum: int = MAX_PRECISION_BITS) -> int:
    bits = toml_integer(value, key, 53)
    if bits > maximum:
        raise ClaimFileError(f"{key}: {bits} exceeds the limit of {maximum} bits (the ladder also runs twice that); "
                             "raise it explicitly with --max-precision-bits N")
    return bits


def _expression(value, key: str, symbols: dict, indexed: tuple | None = None) -> sp.Expr:
    if not isinstance(value, str):
        raise ClaimFileError(f"{key}: expected an expression string")
    try:
        return parse_expression(value, symbols, decimals_are_exact=True, indexed=indexed)
    except MDTheoryError as err:
        raise keyed(key, err) from None


def variable_names(value) -> list | object:
    """[problem] variables: a list of names, or {name = "x", d = 3} for x1, ..., x3 (an objective written
    once for every dimension with sum_i(...) over x_i, i and d; falsify's [search] d varies d)."""
    if not isinstance(value, dict):
        return value
    unknown = sorted(set(value) - {"name", "d"}) or [k for k in ("name", "d") if k not in value]
    if unknown:
        raise ClaimFileError(f"[problem] variables.{unknown[0]}: variables as a table is {{name = \"x\", d = 3}}")
    name, d = value["name"], value["d"]
    if not isinstance(name, str) or not name.isidentifier():
        raise ClaimFileError("[problem] variables.name: expected a name such as \"x\" (the variables are x1, ..., xd)")
    if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_INDEXED_DIMENSION:
        raise ClaimFileError(f"[problem] variables.d: expected an integer dimension in [1, {MAX_INDEXED_DIMENSION}], "
                             f"got {d!r}")
    return [f"{name}{k}" for k in range(1, d + 1)]


def _regularizer(value, variables: list[str], domain: Domain) -> Regularizer:
    key = "[problem] regularizer"
    if isinstance(value, str) and value in CATALOGUE:
        value = {"name": value}
    if isinstance(value, dict):
        name = value.get("name")
        if name not in CATALOGUE:
            raise ClaimFileError(f"{key}.name: {name!r} is not in the catalogue ({', '.join(CATALOGUE)})")
        factory = CATALOGUE[name]
        accepted = list(inspect.signature(factory).parameters)
        params = {k: v for k, v in value.items() if k != "name"}
        for k, v in params.items():
            if k not in accepted or k in ("n", "domain"):
                takes = ", ".join(a for a in accepted if a not in ("n", "domain")) or "no parameters"
                raise ClaimFileError(f"{key}.{k}: unknown parameter of {name}; it takes {takes} (its dimension "
                                     "comes from [problem] variables)")
            if isinstance(v, float):
                raise ClaimFileError(f"{key}.{k}: write numbers as exact strings")
        args = {"n": len(variables)} if "n" in accepted else {}
        if "domain" in accepted:
            args["domain"] = domain
        try:
            reg = factory(**args, **params)
        except (MDTheoryError, TypeError) as err:
            raise keyed(key, err) from None
        if reg.domain is not domain:
            raise ClaimFileError(f"{key}: {name} lives on {reg.domain.value}, but [problem] domain is {domain.value}")
        if reg.dim != len(variables):
            raise ClaimFileError(f"{key}: {name} has dimension {reg.dim}, but {len(variables)} variables are declared")
        return reg
    if isinstance(value, str):
        try:
            return Regularizer.from_text(value, variables, domain)
        except MDTheoryError as err:
            raise keyed(key, err) from None
    raise ClaimFileError(f"{key}: expected a catalogue name, a table {{name = ..., params}}, or an expression")


def default_quantity(kind: str, quantities=QUANTITIES) -> str | None:
    """The quantity a [claim] of this kind is about when it names none."""
    default = {"exponential_growth": "separation", "saturation": "separation", "min_form": "separation",
               "limit": "distance_to_solution"}
    return default.get(kind, "amplification" if "amplification" in quantities else None)


def bound_from_table(table: dict, symbols: dict | None = None, quantities=QUANTITIES):
    """The bound of a [claim] table. ``symbols``: the names a bound may use (T, etaT, eps by default; a
    convergence, regret or MDP problem adds its constants); ``quantities``: those the problem measures."""
    if not isinstance(table, dict):
        raise ClaimFileError("[claim] must be a table with a kind, e.g. [claim] kind = \"upper_bound\"")
    if "kind" not in table:
        raise ClaimFileError(f"[claim] kind: missing required key; choose one of {', '.join(CLAIM_KEYS)}")
    kind = table["kind"]
    if not isinstance(kind, str) or kind not in CLAIM_KEYS:
        raise ClaimFileError(f"[claim] kind: {kind!r} is not a bound kind; choose one of {', '.join(CLAIM_KEYS)}")
    check_table_keys(table, {**COMMON_CLAIM_KEYS, **CLAIM_KEYS[kind]}, "claim")
    symbols = symbols or {"T": T, "etaT": ETA_T, "eps": EPS}
    quantity = table.get("quantity", default_quantity(kind, quantities))
    if quantity not in quantities:
        raise ClaimFileError(f"[claim] quantity: {quantity!r}; this problem measures {', '.join(quantities)}")

    def expr(key):
        try:
            return _expression(table[key], f"[claim] {key}", symbols)
        except ClaimFileError as err:
            if "not a known variable" in str(err):
                raise ClaimFileError(f"{err} (declare other constants in [constants])") from None
            raise

    if kind == "upper_bound":
        return UpperBound(expr("bound"), quantity)
    if kind == "limit":
        try:
            return Limit(toml_number(table["tolerance"], "[claim] tolerance"), quantity)
        except MDTheoryError as err:
            raise keyed("[claim] tolerance", err) from None
    if kind == "decay":
        return Decay(toml_number(table["constant"], "[claim] constant"), toml_number(table["rho"], "[claim] rho"), quantity)
    if kind == "exponential_growth":
        window = table.get("window")
        if window is not None:
            window = tuple(toml_numbers(window, "[claim] window", 2))
            if window[0] >= window[1]:
                raise ClaimFileError("[claim] window: expected [start, end] with start < end (in eta*T)")
        exact = table.get("exact", False)
        if not isinstance(exact, bool):
            raise ClaimFileError("[claim] exact: expected true or false")
        tolerance = table.get("rate_tolerance")
        if tolerance is not None:
            tolerance = toml_number(tolerance, "[claim] rate_tolerance")
            if tolerance < 0:
                raise ClaimFileError(f"[claim] rate_tolerance: expected a number >= 0 (relative to rate), got {tolerance}")
        return ExponentialGrowth(expr("rate") if "rate" in table else None, window, quantity, exact,
                                 rate_tolerance=tolerance)
    options = {"factor": toml_number(table["factor"], "[claim] factor")} if "factor" in table else {}
    if "factor" in options and options["factor"] < 1:
        raise ClaimFileError(f"[claim] factor: expected a number >= 1 (the band around the level), got {options['factor']}")
    if kind == "saturation":
        return Saturation(expr("level"), quantity=quantity, **options)
    return MinForm(expr("level"), expr("rate"), quantity=quantity, **options)


def read_user_file(path: str | Path, error=None, limit: int = MAX_FILE_BYTES,
                   what: str = "a claim, sweep or worst-case file") -> str:
    """The text of a file the user named (a claim, sweep, worst-case or golden file), read in bounded time and
    memory: a device, pipe or socket is refused before a byte is read (/dev/zero never ends, a FIFO blocks until
    someone writes), and at most ``limit`` + 1 bytes are read, whatever the file system says its size is."""
    error = error or ClaimFileError
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer; it is refused below
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory; give the path of {what}") from None
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror})") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise error(f"{path}: is a directory; give the path of {what}")
        if not stat.S_ISREG(mode):
            raise error(f"{path}: not a regular file (a device, pipe or socket, which may never end); give the "
                        f"path of {what} saved as a regular file")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror})") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise error(f"{path}: more than {limit} bytes; {what} may have at most {limit}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{path}: not UTF-8 text (byte {err.start}); save the file as UTF-8") from None


@contextlib.contextmanager
def naming_file(path: str | Path):
    """Every input error raised while a file is loaded starts with the file's path, once: the one place a
    file is named in front of the loaders' messages (which name the key), so that an error met while many files
    are read (verify reads the whole theorem library) says which file to fix. The error keeps its class."""
    try:
        yield
    except MDTheoryError as err:
        prefix = f"{path}: "
        if len(err.args) <= 1 and not str(err).startswith(prefix):
            err.args = (prefix + str(err),)
        raise


def names_its_file(loader):
    """A loader whose first argument is a file's path, with every input error naming that file."""
    @functools.wraps(loader)
    def load(path, *args, **kwargs):
        with naming_file(path):
            return loader(path, *args, **kwargs)
    return load


def read_toml(path: str | Path, error=None) -> dict:
    """A TOML file's tables, or a ClaimFileError (or ``error``) naming what is wrong with the file."""
    error = error or ClaimFileError
    text = read_user_file(path, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None
    except RecursionError:
        raise error(f"{path}: nested too deeply to be TOML a claim file needs") from None


def _check_sections(data: dict):
    sections = (*SECTIONS, *(s for s in _kind_sections() if s not in SECTIONS))
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ClaimFileError(f"[{unknown[0]}]: unknown section; sections are {', '.join(sections)}")
    for section in REQUIRED_SECTIONS:
        if section not in data:
            raise ClaimFileError(f"[{section}]: missing section")
    for section in SECTIONS:
        if section in data and not isinstance(data[section], dict):
            raise ClaimFileError(f"[{section}] must be a table")


def _kind_sections() -> dict[str, list[str]]:
    """Sections that only some problem kinds read: section -> those kinds."""
    readers = {}
    for kind in problem_kinds():
        for section in problem_kind(kind).sections:
            readers.setdefault(section, []).append(kind)
    return readers


def _problem_class(data: dict):
    """The registered problem kind the file names, its [problem] and [run] keys checked."""
    kind = data["problem"].get("kind", DEFAULT_KIND)
    try:
        cls = problem_kind(kind)
    except UnknownProblemKind as err:
        raise ClaimFileError(str(err)) from None
    check_table_keys(data["problem"], cls.problem_keys, "problem")
    check_table_keys(data["run"], cls.run_keys, "run")
    for section, readers in _kind_sections().items():
        if section in data and section not in cls.sections:
            raise ClaimFileError(f"[{section}]: only an {' or '.join(readers)} problem has one (this problem is {kind})")
    return cls


def checked_start(reg, domain, constraint, x0) -> None:
    """x0 in phi's domain and in the constraint set (if any), and not a point where phi is flat."""
    try:
        domain.check_point(x0, "x0")
        if constraint is not None:
            constraint.check_point(x0, "x0")
    except MDTheoryError as err:
        raise keyed("[run] x0", err) from None
    _refuse_flat_start(reg, x0)


def _offline(data: dict, max_steps: int, max_precision_bits: int, perturbed: bool):
    """(md, spec, bits, float64, backend) of an offline problem; ``perturbed``: the claim needs the perturbed pair
    (a sensitivity quantity), so [run] direction and eps are required."""
    problem, run = data["problem"], data["run"]
    variables, indexed_name = variable_names(problem["variables"]), None
    if isinstance(problem["variables"], dict):
        indexed_name = problem["variables"]["name"]
    if not isinstance(variables, list) or not variables or not all(isinstance(v, str) and v.isidentifier() for v in variables):
        raise ClaimFileError("[problem] variables: expected a non-empty list of names such as [\"x1\", \"x2\"]")
    reserved = sorted(set(variables) & RESERVED_NAMES)
    if reserved:
        raise ClaimFileError(f"[problem] variables: {reserved[0]!r} names a function or constant; choose another name")
    try:
        check_variable_names(variables, "[problem]")
    except MDTheoryError as err:
        raise keyed("[problem] variables", err) from None
    n = len(variables)
    try:
        constraint = read_constraint_set(problem, n, toml_number, toml_numbers)
        domain = constraint.regularizer_domain if constraint is not None else Domain.parse(problem["domain"])
    except MDTheoryError as err:
        raise keyed("[problem] domain", err) from None
    reg = _regularizer(problem["regularizer"], variables, domain)
    if constraint is not None:
        try:
            constraint.check_regularizer(reg)
        except MDTheoryError as err:
            raise keyed("[problem] regularizer", err) from None
    x0 = toml_numbers(run["x0"], "[run] x0", n)
    checked_start(reg, domain, constraint, x0)
    by_name = dict(zip(variables, reg.variables))
    ranges = _parameter_ranges(data.get("search"), variables)
    parameters = tuple(sp.Symbol(name, real=True) for name in ranges)
    by_name.update(zip(ranges, parameters))
    if indexed_name is None:
        expr = _expression(problem["objective"], "[problem] objective", by_name)
    else:
        expr = _expression(problem["objective"], "[problem] objective", {**by_name, "d": sp.Integer(len(variables))},
                           (indexed_name, reg.variables))
    try:
        objective = Objective("user", expr, reg.variables, parameters)
    except MDTheoryError as err:
        raise ClaimFileError(f"[problem] objective: {err}") from None
    name, options = _method_of(run, data.get("method", {}))
    try:
        if constraint is None:
            md = MirrorDescent(reg, objective, method=name, method_options=options)
        elif name in (PLAIN_MD, PROJECTED_MD):  # a constraint set is run by the projected method
            md = MirrorDescent(reg, objective, method=PROJECTED_MD, constraint=constraint, method_options=options)
        else:
            raise ClaimFileError(f"[run] method: {name!r} does not project onto [problem] domain = "
                                 f"{problem['domain']!r}; a constraint set runs {PROJECTED_MD!r} (drop the key)")
    except MDTheoryError as err:
        raise keyed("[problem] regularizer", err) from None
    if perturbed:
        for key in ("direction", "eps"):
            if key not in run:
                raise ClaimFileError(f"[run] {key}: missing; a sensitivity quantity compares the run from x0 with the "
                                     "run from x0 + eps*direction")
    # a convergence claim without a perturbation still carries a direction: its tangent is computed, unused
    direction = (toml_numbers(run["direction"], "[run] direction", n) if "direction" in run
                 else constraint.default_direction(n) if constraint is not None else _unit_direction(domain, n))
    eps = _positive(run.get("eps", "1"), "[run] eps")
    steps = toml_integer(run["steps"], "[run] steps", 1)
    # a schedule is checked at every step the run may take; too many steps are refused by RunSpec.build below
    eta = step_size(run["eta"], "[run] eta", _constants(data.get("constants", {})), min(steps, max_steps))
    checks = [("direction", lambda: domain.check_direction(direction))]
    if constraint is not None:
        checks.append(("direction", lambda: constraint.check_direction(direction)))
    if perturbed:
        checks.append(("eps", lambda: domain.check_point([a + eps * v for a, v in zip(x0, direction)],
                                                         "the perturbed start x0 + eps*v")))
        if constraint is not None:
            checks.append(("eps", lambda: constraint.check_point([a + eps * v for a, v in zip(x0, direction)],
                                                                 "the perturbed start x0 + eps*v")))
    for key, check in checks:
        try:
            check()
        except MDTheoryError as err:
            raise keyed(f"[run] {key}", err) from None
    try:
        # The stated instance takes each searched parameter at the middle of its range.
        middles = [(lo + hi) / 2 for lo, hi in ranges.values()]
        spec = RunSpec.build(x0, direction, eps, eta, steps,
                             toml_integer(run.get("record_every", 1), "[run] record_every", 1), parameters=middles,
                             max_steps=max_steps, perturbed=perturbed)
    except MDTheoryError as err:
        raise keyed("[run]", err) from None
    bits = precision_bits(run["precision_bits"], "[run] precision_bits", max_precision_bits)
    float64 = run.get("float64", True)
    if not isinstance(float64, bool):
        raise ClaimFileError("[run] float64: expected true or false")
    backend = run.get("backend", "mpmath")
    if backend not in BACKENDS:
        raise ClaimFileError(f"[run] backend: {backend!r}; choose one of {', '.join(BACKENDS)}")
    return md, spec, bits, float64, backend


def _method_of(run: dict, table: dict) -> tuple[str, tuple]:
    """([run] method, the [method] table's options as MirrorDescent carries them), checked against the registry."""
    name = run.get("method", PLAIN_MD)
    try:
        rule = method(name)
    except UnknownMethodError as err:
        raise ClaimFileError(f"[run] {err}") from None
    if not isinstance(table, dict):
        raise ClaimFileError("[method] must be a table of the method's options")
    for key, value in table.items():
        if isinstance(value, (dict, list, float)):
            raise ClaimFileError(f"[method] {key}: expected an exact number or an expression as text, such as "
                                 "\"1/2\" or \"sqrt(k+1)\"")
    try:
        rule.with_options(table)  # each method names the [method] key it refuses
    except MDTheoryError as err:
        raise ClaimFileError(str(err)) from None
    return name, tuple(sorted(table.items()))


def _refuse_flat_start(reg: Regularizer, x0: list[sp.Rational]) -> None:
    """Cheap checks first: Hess phi at x0 is looked at (in microseconds) before the budgeted symbolic work on
    phi (its convexity proof, its inverse mirror map: up to SYMBOLIC_SECONDS each), so that a phi that is not
    strictly convex at the start is refused at once. Exact where the Hessian at x0 is rational; otherwise
    refused only on a negative pivot whose sign survives a doubling of the digits (a pivot near 0 is left
    to the run, which checks every iterate)."""
    if is_quadratic(reg):
        return  # a constant Hessian is decided exactly, at once, when MirrorDescent is built
    at_start = hessian(reg).subs(dict(zip(reg.variables, x0)))
    shown = ", ".join(_brief(str(v)) for v in x0[:8]) + (", ..." if len(x0) > 8 else "")
    where = f"[run] x0: phi is not strictly convex at the start x0 = ({shown})"
    fix = "choose another start, or add a strongly convex term to phi (MD's step needs Hess phi positive definite)"
    undefined = next((entry for entry in at_start if entry.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or entry.is_real is False),
                     None)
    if undefined is not None:
        raise ClaimFileError(f"[run] x0: Hess phi is not defined at the start x0 = ({shown}) (an entry there is "
                             f"{_brief(str(undefined))}); choose a start where phi is twice differentiable")
    if all(entry.is_Rational for entry in at_start):
        if not at_start.is_positive_definite:
            raise ClaimFileError(f"{where}: Hess phi there is exactly {_brief(str(at_start.tolist()))}, which is "
                                 f"not positive definite; {fix}")
        return
    rungs = []
    for digits in (START_CURVATURE_DIGITS, 2 * START_CURVATURE_DIGITS):
        ctx = working_context(int(digits * math.log2(10)) + 1)
        rows = [[ctx.mpf(str(sp.N(at_start[i, j], digits))) for j in range(reg.dim)] for i in range(reg.dim)]
        rungs.append((ctx, ctx.cholesky_pivots(rows)))
    (_, low), (ctx, high) = rungs
    bad = next((k for k, pivot in enumerate(high) if not pivot > 0), None)
    if bad is None or not low[bad] < 0 or not high[bad] < 0:
        return
    digits = resolved_digits(ctx, high[bad], abs(high[bad] - low[bad]), START_CURVATURE_DIGITS)
    if digits >= 1:
        raise ClaimFileError(f"{where}: pivot {bad} of Hess phi there is {ctx.nstr(high[bad], min(digits, 6))} < 0; "
                             f"{fix}")


def _unit_direction(domain: Domain, n: int) -> list[sp.Rational]:
    if domain is Domain.SIMPLEX:
        return [sp.Integer(1), sp.Integer(-1)] + [sp.Integer(0)] * (n - 2) if n > 1 else [sp.Integer(0)]
    return [sp.Integer(1)] + [sp.Integer(0)] * (n - 1)


@names_its_file
def load_claim_file(path: str | Path, max_steps: int = MAX_STEPS, max_precision_bits: int = MAX_PRECISION_BITS) -> ClaimFile:
    """Read and check a sensitivity claim file (an offline problem and its perturbed pair), as ``falsify`` and
    ``sweep`` search it. ``max_steps`` and ``max_precision_bits`` bound the work it may ask for (the CLI's
    --max-steps and --max-precision-bits raise them)."""
    data = read_toml(path)
    _check_sections(data)
    return claim_file_from_tables(data, path, max_steps, max_precision_bits)


def claim_file_from_tables(data: dict, path: str | Path, max_steps: int = MAX_STEPS,
                           max_precision_bits: int = MAX_PRECISION_BITS) -> ClaimFile:
    if not _problem_class(data).perturbed_pair_quantities:
        raise ClaimFileError("[problem] kind: a sensitivity claim file is an offline problem; load the claim with "
                             "load_claim")
    md, spec, bits, float64, backend = _offline(data, max_steps, max_precision_bits, perturbed=True)
    if spec.scheduled:
        raise ClaimFileError(f"[run] eta: falsify and sweep search one constant step size; this claim's eta is the "
                             f"schedule {spec.eta}: check it with mdtheory check, or give a constant eta")
    bound = bound_from_table(data["claim"], quantities=SENSITIVITY_QUANTITIES)
    return ClaimFile(str(path), md, spec, bits, bound, float64, backend, data.get("search"), data["claim"],
                     data["problem"], data)


@names_its_file
def load_claim(path: str | Path, twin: bool = False, max_steps: int = MAX_STEPS,
               max_precision_bits: int = MAX_PRECISION_BITS) -> Claim:
    """A claim file as a ``Claim`` (any problem kind); ``twin``: its planted-false [twin] instead."""
    data, name = read_claim_tables(path, twin)
    return claim_from_tables(data, name, max_steps, max_precision_bits)


@names_its_file
def read_claim_tables(path: str | Path, twin: bool = False) -> tuple[dict, str]:
    """(the claim file's tables, its name); ``twin``: with the [twin]'s overrides applied."""
    data = read_toml(path)
    _check_sections(data)
    name = Path(path).stem
    if twin:
        data, name = with_twin(data), f"{name} (twin)"
    return data, name


def is_sensitivity_claim(data: dict) -> bool:
    """A claim on a quantity its problem measures on a perturbed pair (an offline problem's amplification,
    separation, tangent)."""
    claim = data.get("claim")
    quantity = claim.get("quantity", default_quantity(claim.get("kind"))) if isinstance(claim, dict) else None
    return quantity in _problem_class(data).perturbed_pair_quantities


def with_twin(data: dict) -> dict:
    """The claim file's tables with the [twin]'s overrides applied: the twin's expected verdict (violated
    unless stated), and its reason as the theorem's statement."""
    if "twin" not in data:
        raise ClaimFileError("[twin]: this claim file has no planted-false twin; add [twin] why = ... with overrides")
    table = data["twin"]
    check_table_keys(table, TWIN_KEYS, "twin")
    merged = {section: dict(values) for section, values in data.items() if section != "twin"}
    for section in ("problem", "run", "constants", "solution", "claim", "search", "method"):
        if section not in table:
            continue
        if not isinstance(table[section], dict):
            raise ClaimFileError(f"[twin] {section}: expected a table of [{section}] keys to override")
        if section == "claim" and "expected" in table[section]:
            # [twin] expected sets the twin's verdict; taking one of two places would silently drop the other
            raise ClaimFileError("[twin] claim.expected: the twin's expected verdict is [twin] expected (default "
                                 "\"violated\": a twin is planted false); write expected = ... directly under [twin]")
        merged.setdefault(section, {}).update(table[section])
    merged["claim"]["expected"] = table.get("expected", VIOLATED)
    theorem = dict(merged.get("theorem", {"name": ""}))  # no [theorem]: no name to show, only the twin's why
    if not isinstance(table["why"], str):
        raise ClaimFileError("[twin] why: expected text saying what was planted")
    theorem["statement"] = f"planted-false twin: {table['why']}"
    merged["theorem"] = theorem
    return merged


def claim_from_tables(data: dict, name: str, max_steps: int = MAX_STEPS,
                      max_precision_bits: int = MAX_PRECISION_BITS) -> Claim:
    problem_class = _problem_class(data)
    declared = _constants(data.get("constants", {}))
    symbols = problem_class.bound_symbols(set(declared))
    table = data["claim"]
    bound = bound_from_table(table, symbols, problem_class.quantities)
    expected = table.get("expected", HOLDS)
    if expected not in (HOLDS, VIOLATED, PROVED):
        raise ClaimFileError(f"[claim] expected: {expected!r}; choose holds or violated (or proved, for a mirror_flow "
                             "claim with [run] enclosure = true)")
    norm = table.get("norm")
    norms, kind = problem_class.norms, problem_class.kind
    if norm is not None and norm not in norms:
        raise ClaimFileError(f"[claim] norm: {norm!r}; " + (f"an {kind} problem's norm is one of {', '.join(norms)}" if norms
                                                            else f"a {kind} problem takes no norm; remove it"))
    problem = problem_class.from_tables(data, declared, bound, max_steps, max_precision_bits)
    if expected == PROVED and problem.why_not_proved() is not None:
        raise ClaimFileError(f"[claim] expected: {problem.why_not_proved()}")
    theorem = _theorem(data.get("theorem"))
    try:
        return Claim(name, problem, bound, expected, theorem)
    except MDTheoryError as err:
        raise keyed("[claim] quantity", err) from None


def _constants(table: dict) -> dict[str, sp.Rational]:
    declared = {}
    for key, value in table.items():
        if reserved_word(key):
            raise ClaimFileError(f"[constants] {key}: {reserved_word(key)}")
        if not key.isidentifier() or key in RESERVED_NAMES:
            raise ClaimFileError(f"[constants] {key}: choose a name that is not a function, constant or T, etaT, eps, eta")
        declared[key] = toml_number(value, f"[constants] {key}")
    return declared


def _theorem(table: dict | None) -> Theorem | None:
    if table is None:
        return None
    check_table_keys(table, THEOREM_KEYS, "theorem")
    for key, value in table.items():
        if not isinstance(value, str):
            raise ClaimFileError(f"[theorem] {key}: expected text")
    return Theorem(table["name"], table.get("reference", ""), table.get("statement", ""))


def _steps_eta_bits(run: dict, max_steps: int, max_precision_bits: int,
                    declared: dict | None = None) -> tuple[int, sp.Rational | StepSchedule, int]:
    """[run] steps, eta and precision_bits; ``declared``: the [constants] of a kind that takes a step-size
    schedule (eta in t and those constants); without it a schedule is refused, naming the key."""
    steps = toml_integer(run["steps"], "[run] steps", 1)
    if steps > max_steps:
        raise ClaimFileError(f"[run] steps: {steps} exceeds the limit of {max_steps}; raise it with --max-steps N")
    if declared is not None:
        eta = step_size(run["eta"], "[run] eta", declared, steps)
    elif _names_the_step(run["eta"]):
        raise ClaimFileError(f"[run] eta: {_brief(str(run['eta']))!r} is a step-size schedule (an expression in t); "
                             "this problem takes one constant step size: give eta as an exact number")
    else:
        eta = _positive(run["eta"], "[run] eta")
    return steps, eta, precision_bits(run["precision_bits"], "[run] precision_bits", max_precision_bits)


def step_size(value, key: str, declared: dict, steps: int) -> sp.Expr | StepSchedule:
    """[run] eta: an exact positive number, or a schedule eta_t, an expression in the step index t (from 0: eta_t
    makes x_{t+1} from x_t) and the names of [constants], positive at every step t < steps (checked exactly, or
    in arb balls for a closed form; ``engine.schedule``)."""
    if not isinstance(value, str):
        return _positive(value, key)
    symbols = {**{name: constant_symbol(name) for name in declared}, "t": STEP}
    try:
        expr = parse_expression(value, symbols, decimals_are_exact=True)
    except MDTheoryError as err:
        raise ClaimFileError(f"{keyed(key, err)} (eta is an exact number, or a schedule in t, the step index from "
                             "0, and the names declared in [constants])") from None
    expr = expr.xreplace({constant_symbol(name): number for name, number in declared.items()})
    if STEP not in expr.free_symbols:
        return _positive(expr, key)
    schedule = StepSchedule(expr, value)
    try:
        schedule.check_positive(steps, key)
    except MDTheoryError as err:
        raise keyed(key, err) from None
    return schedule


def _names_the_step(value) -> bool:
    """``value`` is an expression in the step index t (a schedule)."""
    try:
        return isinstance(value, str) and STEP in parse_expression(value, {"t": STEP}, decimals_are_exact=True).free_symbols
    except MDTheoryError:
        return False


def refuse_constant_eta(bound, eta) -> None:
    """A bound that names eta, for a run whose eta is a schedule, is refused: eta is no one number there."""
    if not isinstance(eta, StepSchedule):
        return
    named = [getattr(bound, f, None) for f in ("bound", "constant", "rho", "rate", "level", "formula", "tolerance")]
    if any(isinstance(e, sp.Expr) and constant_symbol("eta") in e.free_symbols for e in named):
        raise ClaimFileError(f"[claim] bound: names eta, but [run] eta is the schedule {eta.text}; name the sums "
                             "sum_eta (etaT means it) or sum_eta2, or write eta_t out in T")


def _positive(value, key: str) -> sp.Rational:
    number = toml_number(value, key)
    if number <= 0:
        raise ClaimFileError(f"{key}: must be positive, got {number}")
    return number


def toml_text(tables: dict[str, dict]) -> str:
    """Tables written as TOML (strings, ints, booleans, lists and inline tables): claim files mdtheory writes
    (falsify's witnesses) and tests build."""
    return "\n".join(f"[{name}]\n" + "".join(f"{key} = {_toml_value(value)}\n" for key, value in table.items())
                     for name, table in tables.items())


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # written as TOML floats; the loader refuses them with the key named
        return repr(value) if math.isfinite(value) else ("nan" if value != value else ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise ClaimFileError(f"cannot write {value!r} ({type(value).__name__}) to TOML")


def _parameter_ranges(search: dict | None, variables: list[str]) -> dict[str, tuple]:
    """[search] parameters = {a = ["1/2", "2"], ...}: names the objective may use, each with an interval."""
    table = (search or {}).get("parameters", {})
    if not isinstance(table, dict):
        raise ClaimFileError("[search] parameters: expected a table {name = [low, high], ...}")
    ranges = {}
    for name, interval in table.items():
        key = f"[search] parameters.{name}"
        if reserved_word(name):
            raise ClaimFileError(f"{key}: {reserved_word(name)}")
        if not name.isidentifier() or name in RESERVED_NAMES or name in variables:
            raise ClaimFileError(f"{key}: choose a name that is not a variable, function or constant")
        low, high = toml_numbers(interval, key, 2)
        if not low < high:
            raise ClaimFileError(f"{key}: the interval [{low}, {high}] is empty; give [low, high] with low < high")
        ranges[name] = (low, high)
    return ranges
