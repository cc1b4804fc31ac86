"""TOML claim files: a check described without Python.

    [problem]  variables, domain, regularizer, objective
    [run]      x0, direction, eps, eta, steps, precision_bits, (record_every, float64, backend)
    [claim]    kind, plus that kind's parameters

Numbers are exact strings ("1e-12", "1/4"); expressions are parsed safely. Unknown keys and bad values
are refused, naming the key.
"""

from __future__ import annotations

import inspect
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from mdtheory.checker.bounds import EPS, ETA_T, QUANTITIES, T, Decay, ExponentialGrowth, MinForm, Saturation, UpperBound
from mdtheory.engine.context import MAX_PRECISION_BITS
from mdtheory.engine.run import BACKENDS, MAX_STEPS, RunSpec
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.catalogue import CATALOGUE
from mdtheory.symbolic.domains import Domain, check_variable_names
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.parsing import CONSTANTS, FUNCTIONS, exact_number, parse_expression
from mdtheory.symbolic.regularizer import Regularizer


class ClaimFileError(MDTheoryError):
    """A claim file that is malformed; the message names the key."""


MAX_FILE_BYTES = 1_000_000
RESERVED_NAMES = set(FUNCTIONS) | set(CONSTANTS) | {"T", "etaT", "eps", "eta"}


SECTIONS = {
    "problem": {"variables": True, "domain": True, "regularizer": True, "objective": True},
    "run": {"x0": True, "direction": True, "eps": True, "eta": True, "steps": True, "precision_bits": True,
            "record_every": False, "float64": False, "backend": False},
    "claim": {"kind": True},
}
OPTIONAL_SECTIONS = {"search"}  # read by ``mdtheory falsify`` (mdtheory.falsify), which checks its keys
CLAIM_KEYS = {
    "upper_bound": {"bound": True, "quantity": False},
    "decay": {"constant": True, "rho": True, "quantity": False},
    "exponential_growth": {"rate": False, "window": False, "quantity": False, "exact": False},
    "saturation": {"level": True, "factor": False, "quantity": False},
    "min_form": {"level": True, "rate": True, "factor": False},
}


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


def check_table_keys(table: dict, allowed: dict[str, bool], where: str):
    if not isinstance(table, dict):
        raise ClaimFileError(f"[{where}] must be a table")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ClaimFileError(f"[{where}] {unknown[0]}: unknown key; allowed keys: {', '.join(allowed)}")
    missing = [k for k, required in allowed.items() if required and k not in table]
    if missing:
        raise ClaimFileError(f"[{where}] {missing[0]}: missing required key")


def toml_number(value, key: str) -> sp.Rational:
    if isinstance(value, float):
        raise ClaimFileError(f"{key}: {value!r} is a TOML float; write numbers as exact strings such as \"{value!r}\"")
    try:
        return exact_number(value)
    except MDTheoryError as err:
        raise ClaimFileError(f"{key}: {err}") from None


def toml_numbers(value, key: str, length: int | None = None) -> list[sp.Rational]:
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


def _expression(value, key: str, symbols: dict) -> sp.Expr:
    if not isinstance(value, str):
        raise ClaimFileError(f"{key}: expected an expression string")
    try:
        return parse_expression(value, symbols, decimals_are_exact=True)
    except MDTheoryError as err:
        raise ClaimFileError(f"{key}: {err}") from None


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
            raise ClaimFileError(f"{key}: {err}") from None
        if reg.domain is not domain:
            raise ClaimFileError(f"{key}: {name} lives on {reg.domain.value}, but [problem] domain is {domain.value}")
        if reg.dim != len(variables):
            raise ClaimFileError(f"{key}: {name} has dimension {reg.dim}, but {len(variables)} variables are declared")
        return reg
    if isinstance(value, str):
        try:
            return Regularizer.from_text(value, variables, domain)
        except MDTheoryError as err:
            raise ClaimFileError(f"{key}: {err}") from None
    raise ClaimFileError(f"{key}: expected a catalogue name, a table {{name = ..., params}}, or an expression")


def bound_from_table(table: dict):
    if not isinstance(table, dict):
        raise ClaimFileError("[claim] must be a table with a kind, e.g. [claim] kind = \"upper_bound\"")
    if "kind" not in table:
        raise ClaimFileError(f"[claim] kind: missing required key; choose one of {', '.join(CLAIM_KEYS)}")
    kind = table["kind"]
    if not isinstance(kind, str) or kind not in CLAIM_KEYS:
        raise ClaimFileError(f"[claim] kind: {kind!r} is not a bound kind; choose one of {', '.join(CLAIM_KEYS)}")
    check_table_keys(table, {"kind": True, **CLAIM_KEYS[kind]}, "claim")
    symbols = {"T": T, "etaT": ETA_T, "eps": EPS}
    quantity = table.get("quantity", "separation" if kind in ("exponential_growth", "saturation") else "amplification")
    if quantity not in QUANTITIES:
        raise ClaimFileError(f"[claim] quantity: {quantity!r}; choose one of {', '.join(QUANTITIES)}")
    expr = lambda k: _expression(table[k], f"[claim] {k}", symbols)
    if kind == "upper_bound":
        return UpperBound(expr("bound"), quantity)
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
        return ExponentialGrowth(expr("rate") if "rate" in table else None, window, quantity, exact)
    options = {"factor": toml_number(table["factor"], "[claim] factor")} if "factor" in table else {}
    if "factor" in options and options["factor"] < 1:
        raise ClaimFileError(f"[claim] factor: expected a number >= 1 (the band around the level), got {options['factor']}")
    if kind == "saturation":
        return Saturation(expr("level"), quantity=quantity, **options)
    return MinForm(expr("level"), expr("rate"), **options)


def read_toml(path: str | Path, error=None) -> dict:
    """A TOML file's tables, or a ClaimFileError (or ``error``) naming what is wrong with the file."""
    error = error or ClaimFileError
    path = Path(path)
    if path.is_dir():
        raise error(f"{path}: is a directory; give the path of a .toml file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise error(f"{path}: {path.stat().st_size} bytes; a claim or sweep file may have at most {MAX_FILE_BYTES}")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except UnicodeDecodeError as err:
        raise error(f"{path}: not UTF-8 text (byte {err.start}); save the file as UTF-8") from None
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None
    except RecursionError:
        raise error(f"{path}: nested too deeply to be TOML a claim file needs") from None


def load_claim_file(path: str | Path, max_steps: int = MAX_STEPS, max_precision_bits: int = MAX_PRECISION_BITS) -> ClaimFile:
    """Read and check a claim file. ``max_steps`` and ``max_precision_bits`` bound the work it may ask for
    (the CLI's --max-steps and --max-precision-bits raise them)."""
    data = read_toml(path)
    unknown = sorted(set(data) - set(SECTIONS) - OPTIONAL_SECTIONS)
    if unknown:
        raise ClaimFileError(f"[{unknown[0]}]: unknown section; sections are {', '.join(SECTIONS)}")
    for section, keys in SECTIONS.items():
        if section not in data:
            raise ClaimFileError(f"[{section}]: missing section")
        if section != "claim":
            check_table_keys(data[section], keys, section)
    problem, run = data["problem"], data["run"]
    variables = problem["variables"]
    if not isinstance(variables, list) or not variables or not all(isinstance(v, str) and v.isidentifier() for v in variables):
        raise ClaimFileError("[problem] variables: expected a non-empty list of names such as [\"x1\", \"x2\"]")
    reserved = sorted(set(variables) & RESERVED_NAMES)
    if reserved:
        raise ClaimFileError(f"[problem] variables: {reserved[0]!r} names a function or constant; choose another name")
    try:
        check_variable_names(variables, "[problem]")
    except MDTheoryError as err:
        raise ClaimFileError(f"[problem] variables: {err}") from None
    try:
        domain = Domain.parse(problem["domain"])
    except MDTheoryError as err:
        raise ClaimFileError(f"[problem] domain: {err}") from None
    reg = _regularizer(problem["regularizer"], variables, domain)
    by_name = dict(zip(variables, reg.variables))
    search = data.get("search")
    if search is not None and not isinstance(search, dict):
        raise ClaimFileError("[search] must be a table")
    ranges = _parameter_ranges(search, variables)
    parameters = tuple(sp.Symbol(name, real=True) for name in ranges)
    by_name.update(zip(ranges, parameters))
    objective = Objective("user", _expression(problem["objective"], "[problem] objective", by_name), reg.variables,
                          parameters)
    try:
        md = MirrorDescent(reg, objective)
    except MDTheoryError as err:
        raise ClaimFileError(f"[problem] regularizer: {err}") from None
    n = len(variables)
    x0, direction = toml_numbers(run["x0"], "[run] x0", n), toml_numbers(run["direction"], "[run] direction", n)
    eps, eta = toml_number(run["eps"], "[run] eps"), toml_number(run["eta"], "[run] eta")
    for key, value in (("eps", eps), ("eta", eta)):
        if value <= 0:
            raise ClaimFileError(f"[run] {key}: must be positive, got {value}")
    checks = (
        ("x0", lambda: domain.check_point(x0, "x0")),
        ("direction", lambda: domain.check_direction(direction)),
        ("eps", lambda: domain.check_point([a + eps * v for a, v in zip(x0, direction)], "the perturbed start x0 + eps*v")),
    )
    for key, check in checks:
        try:
            check()
        except MDTheoryError as err:
            raise ClaimFileError(f"[run] {key}: {err}") from None
    try:
        # The stated instance takes each searched parameter at the middle of its range.
        middles = [(lo + hi) / 2 for lo, hi in ranges.values()]
        spec = RunSpec.build(x0, direction, eps, eta, toml_integer(run["steps"], "[run] steps", 1),
                             toml_integer(run.get("record_every", 1), "[run] record_every", 1), parameters=middles,
                             max_steps=max_steps)
    except MDTheoryError as err:
        raise ClaimFileError(f"[run] {err}") from None
    bits = precision_bits(run["precision_bits"], "[run] precision_bits", max_precision_bits)
    float64 = run.get("float64", True)
    if not isinstance(float64, bool):
        raise ClaimFileError("[run] float64: expected true or false")
    backend = run.get("backend", "mpmath")
    if backend not in BACKENDS:
        raise ClaimFileError(f"[run] backend: {backend!r}; choose one of {', '.join(BACKENDS)}")
    return ClaimFile(str(path), md, spec, bits, bound_from_table(data["claim"]), float64, backend, search,
                     data["claim"], problem)


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
        if not name.isidentifier() or name in RESERVED_NAMES or name in variables:
            raise ClaimFileError(f"{key}: choose a name that is not a variable, function or constant")
        low, high = toml_numbers(interval, key, 2)
        if not low < high:
            raise ClaimFileError(f"{key}: the interval [{low}, {high}] is empty; give [low, high] with low < high")
        ranges[name] = (low, high)
    return ranges
