"""The worst-case table of the README and docs/worst-case.md, measured: nothing in it is typed.

    python benchmarks/worst_case_table.py                       # every row (PEPit's SDPs included)
    python benchmarks/worst_case_table.py --only nolips_function_value,gd_suboptimality   # these rows only;
                                                                # the others keep their last entry

Per row (``ROWS``): the example (and PEPit's example of the same method, where PEPit has one), its exact value
where a closed form is known (evaluated here from the closed form, as an exact rational), PEPit's float value at
the example's parameters (solved by PEPit in this run, with CLARABEL: PEPit's own example where there is one,
else the plain PEPit solve of mdtheory's PEP of the same problem), and mdtheory's certified interval as exact
rationals, with whether it holds for every n (or T) or at the one horizon shown. Written to
``docs/data/worst_case_table.json``; ``table()`` renders it, for the docs (``docs/hooks.py``) and the README
(``tests/test_worst_case_table.py`` asserts the README shows exactly that rendering).

The amplification rows bound its square (the certificates do): their ends are stored squared (``"squared":
true``) and shown as square roots. Every end is shown rounded outward (``mdtheory.checker.directed``), every exact
value rounded to nearest, both to ``DIGITS`` significant digits. PEPit's float is evidence, never a bound.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Callable, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "data" / "worst_case_table.json"
DIGITS = 10  # significant digits shown of every exact value, certified end and PEPit float
SOLVER = "CLARABEL"  # PEPit's SDP solver here (through cvxpy); cvxpy's default, SCS, is less accurate
ONE = Fraction(1)
# PEPit's suboptimality examples start from ||x_0 - x*||^2 <= 1, mdtheory's from ||x_0 - x*||^2/2 <= 1: the
# worst case is homogeneous of degree 1 in that quantity, so PEPit's value times 2 is mdtheory's
PEPIT_TO_HALF_SQUARED_DISTANCE = Fraction(2)
EVERY, UPPER_ONLY, ONE_HORIZON = "both ends", "the upper end", "neither"  # which ends hold for every n (or T)


class Row(NamedTuple):
    """One row: what is shown, and how each cell is measured (each a function returning the cell's JSON, or None
    for a cell that has nothing: no closed form, no PEPit solve, no certified interval)."""

    id: str
    example: str  # the table's first column
    pepit_example: str | None  # PEPit's example module (under PEPit.examples), where PEPit has this example
    exact: Callable[[], dict] | None
    pepit: Callable[[], dict] | None
    certified: Callable[[], dict] | None


# --------------------------------------------------------------------------- cells
def _exact(value: Fraction, closed_form: str, source: str, status: str = "proved") -> dict:
    return {"value": str(value), "closed_form": closed_form, "source": source, "status": status}


def _pepit_example(module: str, function: str, scale: Fraction = ONE, **arguments) -> dict:
    """PEPit's own example, solved here; ``scale`` takes its value to mdtheory's normalization."""
    import importlib

    solve = getattr(importlib.import_module(f"PEPit.examples.{module}"), function)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, theory = solve(wrapper="cvxpy", solver=SOLVER, verbose=-1, **arguments)
    return {"value": value, "scale": str(scale), "squared": False, "solver": SOLVER,
            "solve": f"PEPit.examples.{module}.{function}({', '.join(f'{k}={v}' for k, v in arguments.items())})",
            "docstring_theory": theory}


def _pepit_plain(method: str, eta: Fraction, T: int, quantity: str, L_f=ONE, mu_phi=None, L_phi=None) -> dict:
    """The plain PEPit solve of mdtheory's PEP (every interpolation inequality), where PEPit has no such example."""
    from mdtheory.checker.worst_case import AMPLIFICATION, _build

    problem = _build(method, eta, T, L_f, mu_phi, L_phi, None, quantity)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = problem.solve(wrapper="cvxpy", solver=SOLVER, verbose=0)
    return {"value": value, "scale": "1", "squared": quantity == AMPLIFICATION, "solver": SOLVER,
            "solve": f"PEPit's solve of mdtheory's PEP ({method}, eta = {eta}, T = {T}, {quantity})"}


def _interval(lower: Fraction, upper: Fraction | None, squared: bool, every_n: str, at: str, lower_from: str,
              upper_from: str) -> dict:
    return {"lower": str(lower), "upper": None if upper is None else str(upper), "squared": squared,
            "every_n": every_n, "at": at, "lower_from": lower_from, "upper_from": upper_from}


def _fixed_horizon(case, at: str) -> dict:
    """A ``WorstCase`` of mdtheory.checker.worst_case: certified at its one horizon."""
    from mdtheory.checker.worst_case import AMPLIFICATION

    return _interval(case.lower, case.upper, case.quantity == AMPLIFICATION, ONE_HORIZON, at, case.how_lower,
                     case.how_upper)


@functools.cache
def _gd_suboptimality(T: int):
    from mdtheory.checker.worst_case import worst_case_suboptimality

    return worst_case_suboptimality("gd", ONE, T)


def _gd_nonexpansive(T: int) -> dict:
    """The one-step potential (every T) above, f = 0 below (amplification 1 at every T)."""
    from mdtheory.checker.every_t import check_every_t
    from mdtheory.checker.worst_case import ClassClaim

    result = check_every_t(ClassClaim("gd", ONE, "all"))
    if result.rate is None:
        return _interval(result.witness_rate ** (2 * T), None, True, ONE_HORIZON, f"T = {T}", result.witness,
                         "no potential certified")
    rate = result.rate
    closed = rate.rho_squared == result.witness_rate ** 2 == rate.constant == 1
    return _interval(result.witness_rate ** (2 * T), rate.constant * rate.rho_squared ** T, True,
                     EVERY if closed else UPPER_ONLY, "every T" if closed else f"T = {T}", result.witness,
                     f"a quadratic potential for every T: C rho^(2T) with rho^2 = {rate.rho_squared}, C = {rate.constant}")


def _gd_tight_every_t(T: int) -> dict:
    """Drori & Teboulle's multipliers in (i, T), checked symbolically in T, above; the Huber instance, exact for
    every T, below: both ends 1/(2T + 1) for every T at eta = 1/L, shown at T."""
    from mdtheory.checker import huber, tight_gd

    h = ONE
    proved, checks = tight_gd.prove_for_every_t()
    lower = huber.huber_ratio(T, h)
    if huber.huber_class_violations(T, h):
        raise RuntimeError(f"the Huber instance is not in the class at T = {T}")
    if not proved:
        return _interval(lower, None, False, ONE_HORIZON, f"T = {T}", "the Huber instance", checks[0])
    upper = tight_gd.tau(T, h)
    closed = lower == upper
    return _interval(lower, upper, False, EVERY if closed else UPPER_ONLY, "every T" if closed else f"T = {T}",
                     "the Huber instance (kink 1, x_0 = 2 eta L T + 1), exact for every T",
                     f"proved for every T: Drori & Teboulle's multipliers, {len(checks)} checks symbolic in T")


def _iga_bracket(n: int) -> dict:
    """A dual certificate's value c_n/c above, an explicit instance below, both in ball arithmetic, at n only."""
    from mdtheory.checker.pepit_iga import certified_bracket

    bracket = certified_bracket(n)
    lower, upper = bracket.ends()
    upper_from, lower_from = bracket.how.removeprefix("upper: ").split("; lower: ", 1)
    return _interval(lower, upper, False, ONE_HORIZON, f"n = {n}", lower_from, upper_from)


def _pepit_bregman(proof: Callable[[], tuple], bound: Callable[[int], Fraction], instance: Callable[[], object],
                   every_n_instances: Callable[[], tuple], n: int) -> dict:
    """A proof for every n (its bound evaluated at n) above; the exact instance at n below, verified for every n
    symbolically by ``every_n_instances``."""
    proved, how = proof()
    found = instance()
    every_n_instances()  # raises when the instance family does not hold for every n
    if proved is None:
        return _interval(found.ratio, None, False, ONE_HORIZON, f"n = {n}", "; ".join(found.checks), how)
    upper = bound(n)
    closed = found.ratio == upper
    return _interval(found.ratio, upper, False, EVERY if closed else UPPER_ONLY, "every n" if closed else f"n = {n}",
                     f"an instance in PEPit's class, exact, verified for every n ({found.example})",
                     f"proved for every n: {how}")


def _step_proof(method: str, gamma: Fraction, L):
    from mdtheory.checker.potential_rate import certify_step

    return lambda: certify_step(method, gamma, L)


def _bregman(name: str):
    from mdtheory.checker import pepit_bregman

    return getattr(pepit_bregman, name)


# --------------------------------------------------------------------------- the rows
def _rows() -> list[Row]:
    from mdtheory.checker.worst_case import (AMPLIFICATION, worst_case_amplification,
                                             worst_case_of_method)

    half, kappa9 = Fraction(1, 2), {"mu_phi": ONE, "L_phi": Fraction(9)}
    convex, nonconvex = "composite_convex_minimization", "nonconvex_optimization"
    drori = "Drori & Teboulle 2014: L ||x_0 - x*||^2/(4T + 2)"
    taylor = "Taylor, Hendrickx & Glineur 2017, Table 1 (found numerically)"
    fgm = lambda T: Row(
        f"fast_gradient_T{T}", f"fast gradient method, eta = 1/L, suboptimality, T = {T}",
        "unconstrained_convex_minimization.accelerated_gradient_convex_simplified",
        lambda: _exact(Fraction(4, (T + 2) * (T + 3)), "4/((T + 2)(T + 3))", taylor,
                       "proved" if T == 1 else "empirical"),  # at T = 1 one gradient step: Drori & Teboulle's 1/3
        lambda: _pepit_example("unconstrained_convex_minimization.accelerated_gradient_convex_simplified",
                               "wc_accelerated_gradient_convex_simplified", PEPIT_TO_HALF_SQUARED_DISTANCE,
                               mu=0, L=1, n=T),
        lambda: _fixed_horizon(worst_case_of_method("accelerated", ONE, T), f"T = {T}"))
    return [
        Row("gd_nonexpansive", "GD, eta = 1/L, amplification, every T (shown at T = 10)", None,
            lambda: _exact(ONE, "1", "f = 0 attains it; GD is non-expansive for eta <= 2/L"),
            lambda: _pepit_plain("gd", ONE, 10, AMPLIFICATION),
            lambda: _gd_nonexpansive(10)),
        Row("gd_past_the_edge", "GD, eta = 11/(5L), amplification, T = 10", None,
            lambda: _exact(Fraction(6, 5) ** 10, "|1 - eta L|^T = 1.2^10", "f = L x^2/2 attains it; the step map is "
                           "|1 - eta L|-Lipschitz"),
            lambda: _pepit_plain("gd", Fraction(11, 5), 10, AMPLIFICATION),
            lambda: _fixed_horizon(worst_case_amplification("gd", Fraction(11, 5), 10), "T = 10")),
        Row("gd_suboptimality", "GD, eta = 1/L, suboptimality, T = 2", "unconstrained_convex_minimization.gradient_descent",
            lambda: _exact(Fraction(1, 2 * 2 + 1), "1/(2T + 1)", drori),
            lambda: _pepit_example("unconstrained_convex_minimization.gradient_descent", "wc_gradient_descent",
                                   PEPIT_TO_HALF_SQUARED_DISTANCE, L=1, gamma=1, n=2),
            lambda: _fixed_horizon(_gd_suboptimality(2), "T = 2")),
        Row("gd_suboptimality_every_t", "GD, eta = 1/L, suboptimality, every T (shown at T = 10)",
            "unconstrained_convex_minimization.gradient_descent",
            lambda: _exact(Fraction(1, 2 * 10 + 1), "1/(2T + 1)", drori),
            lambda: _pepit_example("unconstrained_convex_minimization.gradient_descent", "wc_gradient_descent",
                                   PEPIT_TO_HALF_SQUARED_DISTANCE, L=1, gamma=1, n=10),
            lambda: _gd_tight_every_t(10)),
        Row("md_amplification", "MD, kappa = 9, eta = 1/5, amplification, T = 5", None, None,
            lambda: _pepit_plain("md", Fraction(1, 5), 5, AMPLIFICATION, **kappa9),
            lambda: _fixed_horizon(worst_case_amplification("md", Fraction(1, 5), 5, **kappa9), "T = 5")),
        fgm(1),
        fgm(2),
        Row("nolips_function_value", "NoLips in function value, L = 1, gamma = 1/2, n = 3", f"{convex}.no_lips_in_function_value",
            lambda: _exact(1 / (half * 3), "1/(gamma n)", "Dragomir, Taylor, d'Aspremont & Bolte 2021 (tight)"),
            lambda: _pepit_example(f"{convex}.no_lips_in_function_value", "wc_no_lips_in_function_value",
                                   L=1, gamma=0.5, n=3),
            lambda: _pepit_bregman(_step_proof("nolips", half, ONE), lambda n: 1 / (half * n),
                                   lambda: _bregman("nolips_function_value_instance")(half, ONE, 3),
                                   _bregman("kink_instances_for_every_n"), 3)),
        Row("bregman_proximal_point", "Bregman proximal point, gamma = 3, n = 5", f"{convex}.bregman_proximal_point",
            lambda: _exact(Fraction(1, 3 * 5), "1/(gamma n)", "PEPit's docstring (empirical); met by an instance here"),
            lambda: _pepit_example(f"{convex}.bregman_proximal_point", "wc_bregman_proximal_point", gamma=3, n=5),
            lambda: _pepit_bregman(_step_proof("bregman_proximal_point", Fraction(3), None),
                                   lambda n: 1 / (Fraction(3) * n),
                                   lambda: _bregman("bregman_proximal_point_instance")(Fraction(3), 5),
                                   _bregman("kink_instances_for_every_n"), 5)),
        Row("nolips_divergence", "NoLips in Bregman divergence, L = 1, gamma = 1, n = 10",
            f"{convex}.no_lips_in_bregman_divergence",
            lambda: _exact(Fraction(2, 10 * 9), "2/(n (n - 1))", "PEPit's docstring (empirically tight); met by an "
                           "instance here"),
            lambda: _pepit_example(f"{convex}.no_lips_in_bregman_divergence", "wc_no_lips_in_bregman_divergence",
                                   L=1, gamma=1, n=10),
            lambda: _pepit_bregman(lambda: _bregman("certify_nolips_divergence")(ONE, ONE),
                                   lambda n: Fraction(2, n * (n - 1)),
                                   lambda: _bregman("nolips_divergence_instance")(ONE, ONE, 10),
                                   _bregman("divergence_instance_for_every_n"), 10)),
        Row("no_lips_1", "NoLips nonconvex (no_lips_1), L = 1, gamma = 1/2, n = 5", f"{nonconvex}.no_lips_1",
            lambda: _exact(half / (5 * (1 - half)), "gamma/(n (1 - L gamma))", "Bolte, Sabach, Teboulle & Vaisbourd "
                           "2018 (tight)"),
            lambda: _pepit_example(f"{nonconvex}.no_lips_1", "wc_no_lips_1", L=1, gamma=0.5, n=5),
            lambda: _pepit_bregman(lambda: _bregman("certify_nolips_nonconvex")("no_lips_1", half, ONE),
                                   lambda n: half / (n * (1 - half)),
                                   lambda: _bregman("nolips_nonconvex_instance")("no_lips_1", half, ONE, 5),
                                   _bregman("nonconvex_instances_for_every_n"), 5)),
        Row("no_lips_2", "NoLips nonconvex (no_lips_2), L = 1, gamma = 1, n = 3", f"{nonconvex}.no_lips_2",
            lambda: _exact(Fraction(1, 3), "gamma/n", "PEPit's docstring; met by an instance here"),
            lambda: _pepit_example(f"{nonconvex}.no_lips_2", "wc_no_lips_2", L=1, gamma=1, n=3),
            lambda: _pepit_bregman(lambda: _bregman("certify_nolips_nonconvex")("no_lips_2", ONE, ONE),
                                   lambda n: ONE / n,
                                   lambda: _bregman("nolips_nonconvex_instance")("no_lips_2", ONE, ONE, 3),
                                   _bregman("nonconvex_instances_for_every_n"), 3)),
        # no closed form (the docstring's 4L/(c (n + 1)^2) is an upper bound): a certified bracket
        Row("improved_interior_gradient", "improved interior gradient, L = mu = c = lam = 1, n = 5",
            f"{convex}.improved_interior_algorithm", None,
            lambda: _pepit_example(f"{convex}.improved_interior_algorithm", "wc_improved_interior_algorithm",
                                   L=1, mu=1, c=1, lam=1, n=5),
            lambda: _iga_bracket(5)),
    ]


def measure(row: Row) -> dict:
    started = time.perf_counter()
    entry = {"example": row.example, "pepit_example": row.pepit_example,
             "exact": None if row.exact is None else row.exact(),
             "pepit": None if row.pepit is None else row.pepit(),
             "certified": None if row.certified is None else row.certified()}
    entry["seconds"] = round(time.perf_counter() - started, 1)
    return entry


# --------------------------------------------------------------------------- the table
def nearest_text(value: Fraction, digits: int = DIGITS) -> str:
    """``value`` rounded to nearest with ``digits`` significant digits (exactly: between the two directed ones)."""
    from mdtheory.checker.directed import DOWN, UP, directed_text

    down, up = directed_text(value, digits, DOWN), directed_text(value, digits, UP)
    return down if value - Fraction(down) < Fraction(up) - value else up


def interval_text(certified: dict | None, digits: int = DIGITS) -> str:
    """[lower, upper], each end rounded outward from the exact rational (its square root where squared)."""
    from mdtheory.checker.directed import DOWN, UP, SquareRoot, directed_text

    if certified is None:
        return "-"
    if certified["lower"] == certified["upper"] and (exact := _exact_root(Fraction(certified["lower"]),
                                                                           certified["squared"])) is not None:
        return f"[{exact}, {exact}]"  # closed: the one value, exactly
    shown = lambda end, rounding: directed_text(SquareRoot(Fraction(end)) if certified["squared"] else Fraction(end),
                                                digits, rounding)
    upper = "not certified" if certified["upper"] is None else shown(certified["upper"], UP)
    return f"[{shown(certified['lower'], DOWN)}, {upper}]"


def _exact_root(value: Fraction, squared: bool) -> str | None:
    """The value (its square root where ``squared``) as an exact fraction, when it is rational."""
    import math

    if squared:
        top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if top * top != value.numerator or bottom * bottom != value.denominator:
            return None
        value = Fraction(top, bottom)
    return str(value)


def pepit_text(pepit: dict | None, digits: int = DIGITS) -> str:
    if pepit is None:
        return "-"
    value = pepit["value"] * float(Fraction(pepit["scale"]))
    return format(value ** 0.5 if pepit["squared"] else value, f".{digits}g")


def table(document: dict) -> str:
    """The Markdown table the README and docs/worst-case.md show, from the JSON alone."""
    rows = ["| example | exact value | PEPit's float value | certified [lower, upper] | for every n (T) |",
            "|---|---|---|---|---|"]
    for entry in document["rows"].values():  # in ``_rows()``'s order
        exact = entry["exact"]
        exact_cell = "none known" if exact is None else nearest_text(Fraction(exact["value"])) + (
            "" if exact["status"] == "proved" else f" ({exact['status']})")
        certified = entry["certified"]
        every = "-" if certified is None else {EVERY: "yes", UPPER_ONLY: "upper end",
                                               ONE_HORIZON: f"no ({certified['at']})"}[certified["every_n"]]
        pepit = pepit_text(entry["pepit"])
        if entry["pepit"] is not None and entry["pepit_example"] is None:
            pepit += " (plain PEP)"
        rows.append(f"| {entry['example']} | {exact_cell} | {pepit} | {interval_text(certified)} | {every} |")
    return "\n".join(rows)


def load() -> dict:
    return json.loads(DATA.read_text()) if DATA.is_file() else {"rows": {}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", type=lambda text: text.split(","), help="some rows, by id (comma-separated)")
    args = parser.parse_args(argv)
    rows = _rows()
    ids = [row.id for row in rows]
    unknown = set(args.only or ()) - set(ids)
    if unknown:
        parser.error(f"no such row: {', '.join(sorted(unknown))} (rows: {', '.join(ids)})")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from command_times import commit, machine

    document = load()
    started = time.perf_counter()
    for row in rows:
        if args.only and row.id not in args.only:
            continue
        print(f"measuring {row.id} ...", flush=True)
        document["rows"][row.id] = measure(row)
        print(f"  {document['rows'][row.id]['seconds']} s", flush=True)
    document["rows"] = {name: document["rows"][name] for name in ids if name in document["rows"]}
    if not args.only:
        document["measured"] = {"seconds": round(time.perf_counter() - started, 1), "date": time.strftime("%Y-%m-%d"),
                                "machine": machine(), "commit": commit()}
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(document, indent=2) + "\n")
    print(table(document))
    print(f"written: {DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
