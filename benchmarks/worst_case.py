"""Worst-case layer timings: the certified pipeline (relaxed and banded solve, exact rebuild, rationalized dual
checked by an exact LDL^T) against a straightforward PEPit solve of the same problem with every interpolation
inequality, measured side by side in one run.

    python benchmarks/worst_case.py            # GD at eta = 2/L and 2.2/L, T = 5, 10, 20; MD (kappa = 3,
                                               # eta = mu/(2 L_f)) at T = 8, 16, 20
    python benchmarks/worst_case.py --full     # adds MD at T = 30 (the certified pipeline only)
    python benchmarks/worst_case.py --lower    # the certified interval against the exact value, per T: GD's
                                               # suboptimality (eta = 1/L, exactly 1/(2T + 1)) and amplification
                                               # (eta = 1/L: 1; 2.2/L: 1.2^T), MD's amplification (kappa = 9,
                                               # eta = 1/5) and suboptimality (the example file's class)
    python benchmarks/worst_case.py --lower --horizons 1,5,10   # at these T only
    python benchmarks/worst_case.py --lower --horizons 5,10 --cases "md suboptimality"   # rows named so only
    python benchmarks/worst_case.py --horizons 40,60           # gd's amplification at long horizons (the plain
                                                               # solve runs below T = 30 only)
    python benchmarks/worst_case.py --long     # issue 28 item 5: gd (eta = 2/L, claim 1; eta = 2.2/L) and md
                                               # (kappa = 9, eta = 1/5) amplification at T = 30, 40, 60, 80, 100 by
                                               # the banded SDP over the iterates (mdtheory.checker.banded_dual),
                                               # beside PEPit's solve of the same banded SDP where it fits in memory
                                               # (gd up to T = 60, md up to 30): each in its own process under
                                               # /usr/bin/time, for its peak memory and CPU seconds
    python benchmarks/worst_case.py --long --horizons 40,100 --cases gd:2,md:1/5
    python benchmarks/worst_case.py --width    # issue 28 item 1: md's amplification (kappa = 9, eta = 1/5) at
                                               # T = 24, 30: the instance from the banded primal over the iterates
                                               # (checker/banded_primal.py) against the band-0 certified upper bound

"digits": how many significant digits the plain solve's value shares with the banded SDP's value on the exact
class, and with the certified upper bound (which is solved for a class larger by 1e-7, then certified).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from fractions import Fraction

from mdtheory.checker.directed import DOWN, UP, directed_text
from mdtheory.checker.worst_case import UPPER_BAND, _build, _solve, interval_reading, worst_case_amplification

MD = {"mu_phi": Fraction(1), "L_phi": Fraction(3)}


def straightforward(method, eta, T, **constants) -> tuple[float, float]:
    started = time.perf_counter()
    problem = _build(method, eta, T, constants.get("L_f", Fraction(1)), constants.get("mu_phi"),
                     constants.get("L_phi"))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = problem.solve(verbose=0, wrapper="cvxpy", solver="CLARABEL")
    return value, time.perf_counter() - started


LOWER_HORIZONS = (1, 2, 5, 10, 20, 30)
MD_LOWER_HORIZONS = (1, 2, 4, 8, 16, 20)


def lower_table(horizons, only: list[str] | None = None) -> None:
    """Issue 28 item 1: how close the certified interval is, per T, with the exact value where it is known."""
    from mdtheory.checker.worst_case import worst_case_suboptimality

    kappa9 = {"mu_phi": Fraction(1), "L_phi": Fraction(9)}
    nolips = {"L_f": Fraction(3), "mu_phi": Fraction(1), "L_phi": Fraction(3)}
    rows = [("gd suboptimality", "gd", Fraction(1), {}, lambda T: Fraction(1, 2 * T + 1), LOWER_HORIZONS),
            ("gd amplification", "gd", Fraction(1), {}, lambda T: Fraction(1), LOWER_HORIZONS),
            ("gd amplification", "gd", Fraction(11, 5), {}, lambda T: Fraction(6, 5) ** T, LOWER_HORIZONS),
            ("md amplification, kappa = 9", "md", Fraction(1, 5), kappa9, None, MD_LOWER_HORIZONS),
            ("md suboptimality, L_f = 3, kappa = 3", "md", Fraction(1, 3), nolips, None, MD_LOWER_HORIZONS)]
    print("| case | eta | T | exact | PEPit solver value (float) | certified [lower, upper] | relative width | lower from | "
          "seconds |\n|---|---|---|---|---|---|---|---|---|")
    for name, method, eta, constants, exact, default in rows:
        if only and not any(part in name for part in only):  # --lower --cases "md suboptimality": rows so named
            continue
        for T in horizons or default:
            started = time.perf_counter()
            if "suboptimality" in name:
                case = worst_case_suboptimality(method, eta, T, **constants)
            else:
                case = worst_case_amplification(method, eta, T, **constants)
            seconds = time.perf_counter() - started
            low, high = case.interval()
            plain = math.sqrt(max(case.solver_value, 0)) if "amplification" in name else case.solver_value
            width = "-" if high is None else f"{(high - low) / high:.1e}"
            source = ("Huber instance" if case.how_lower.startswith("f = L_f Huber") else
                      "SDP instance" if case.instance is not None else case.how_lower.split(":")[0])
            print(f"| {name} | {eta} | {T} | {'-' if exact is None else f'{float(exact(T)):.10g}'} | {plain:.10g} | "
                  f"{interval_reading(case, 10)} | {width} | {source} | {seconds:.1f} |",
                  flush=True)


LONG_HORIZONS = (30, 40, 60, 80, 100)
LONG_CASES = (("gd", Fraction(2), {}, Fraction(1)), ("gd", Fraction(11, 5), {}, None),
              ("md", Fraction(1, 5), {"mu_phi": Fraction(1), "L_phi": Fraction(9)}, None))
PEPIT_FITS = {"gd": 60, "md": 30}  # PEPit's banded solve: 3.2 GB at T = 60 for gd, about 3.2 GB at T = 30 for md


def one_long(kind: str, method: str, eta: Fraction, T: int) -> None:
    """In a child process (measured by /usr/bin/time): the certified long-horizon pipeline ("banded"), or PEPit's
    solve of the same banded SDP ("pepit"); one JSON line on stdout."""
    import json

    _, _, constants, claimed = next(c for c in LONG_CASES if c[0] == method and c[1] == eta)
    if kind == "pepit":
        _, value = _solve(method, eta, T, Fraction(1), constants.get("mu_phi"), constants.get("L_phi"), UPPER_BAND)
        print(json.dumps({"value": value}))
        return
    if kind == "instance":  # md's lower bound past the full class's horizon (checker/banded_primal.py), and the upper
        from mdtheory.checker.banded_dual import certified_upper
        from mdtheory.checker.worst_case import AMPLIFICATION, PRIMAL_BAND, sdp_instance

        mu_phi, L_phi = constants.get("mu_phi"), constants.get("L_phi")
        instance, why = sdp_instance(method, eta, T, Fraction(1), mu_phi, L_phi, AMPLIFICATION, PRIMAL_BAND)
        value, upper, how_upper, _ = certified_upper(method, eta, T, Fraction(1), mu_phi, L_phi, claimed)
        print(json.dumps({"value": value, "lower": None if instance is None else str(instance.value), "why": why,
                          "mixing": None if instance is None else str(instance.mixing),
                          "upper": None if upper is None else str(upper)}))
        return
    # the long-horizon pipeline at any T (worst_case_amplification takes it past LONG_HORIZON only); the lower
    # bound is the explicit instance's, as there
    from mdtheory.checker.banded_dual import certified_upper
    from mdtheory.checker.worst_case import _explicit_lower_bound

    mu_phi, L_phi = constants.get("mu_phi"), constants.get("L_phi")
    lower, _ = _explicit_lower_bound(method, eta, T, Fraction(1), mu_phi, L_phi)
    value, upper, how_upper, _ = certified_upper(method, eta, T, Fraction(1), mu_phi, L_phi, claimed)
    print(json.dumps({"value": value, "lower": str(lower), "upper": None if upper is None else str(upper),
                      "how_upper": how_upper}))


def measured(kind: str, method: str, eta: Fraction, T: int) -> tuple[dict, float, float]:
    """(the child's result, its CPU seconds (user + system), its peak memory in GB), by /usr/bin/time -v."""
    import json
    import re
    import subprocess
    import sys

    command = ["/usr/bin/time", "-v", sys.executable, __file__, "--one-long", kind, method, str(eta), str(T)]
    done = subprocess.run(command, capture_output=True, text=True)
    field = lambda name: float(re.search(rf"{name}[^:]*: ([0-9.]+)", done.stderr).group(1))
    cpu = field("User time") + field("System time")
    if done.returncode:  # PEPit's solve of gd past the edge fails at T = 40 (Clarabel through cvxpy)
        failure = next((line for line in reversed(done.stderr.splitlines()) if "Error" in line), "failed")
        return {"failed": failure.split(": ", 1)[-1][:60]}, cpu, field("Maximum resident set size") / 1e6
    return json.loads(done.stdout.strip().splitlines()[-1]), cpu, field("Maximum resident set size") / 1e6


def long_table(horizons, methods=None) -> None:
    """Issue 28 item 5: the long-horizon pipeline's memory and CPU, beside PEPit's solve where it fits."""
    print("| method | eta | T | certified [lower, upper] (squared) | relative width | solver value | banded over the "
          "iterates: CPU s, peak GB | PEPit's banded solve: CPU s, peak GB | CPU ratio |\n" + "|---" * 9 + "|")
    for method, eta, _, _ in LONG_CASES:
        if methods and f"{method}:{eta}" not in methods:
            continue
        for T in horizons or LONG_HORIZONS:
            result, cpu, memory = measured("banded", method, eta, T)
            pepit, ratio = "does not fit (T^3 memory)", ""
            if T <= PEPIT_FITS[method]:
                plain, pepit_cpu, pepit_memory = measured("pepit", method, eta, T)
                pepit, ratio = f"{pepit_cpu:.1f} s, {pepit_memory:.2f} GB", f"{pepit_cpu / cpu:.1f}x"
                if "failed" in plain:
                    pepit, ratio = f"solver failed ({plain['failed']}) after {pepit_cpu:.1f} s, {pepit_memory:.2f} GB", ""
            upper, width = "not certified", ""
            if result["upper"] is not None:  # (upper - lower) / upper, exactly, then shown
                high, low = Fraction(result["upper"]), Fraction(result["lower"])
                upper, width = f"{float(high):.10g}", f"{float((high - low) / high):.1e}"
            print(f"| {method} | {eta} | {T} | [{float(Fraction(result['lower'])):.10g}, {upper}] | {width} | "
                  f"{result['value']:.10g} | {cpu:.1f} s, {memory:.2f} GB | {pepit} | {ratio} |", flush=True)


WIDTH_HORIZONS = (24, 30)


def width_table(horizons) -> None:
    """Issue 28 item 1: md's amplification (kappa = 9, eta = 1/5) past the full class's horizon: the exact instance
    from the banded primal over the iterates against the band-0 certified upper bound, with CPU and peak memory
    (instance and upper bound together, one process under /usr/bin/time)."""
    print("| T | certified [lower, upper] (squared) | relative width (amplification) | mixing weight | CPU s, peak GB |\n"
          "|---|---|---|---|---|")
    for T in horizons or WIDTH_HORIZONS:
        result, cpu, memory = measured("instance", "md", Fraction(1, 5), T)
        if "failed" in result or result["lower"] is None or result["upper"] is None:
            print(f"| {T} | {result} | | | {cpu:.1f} s, {memory:.2f} GB |", flush=True)
            continue
        low, high = Fraction(result["lower"]), Fraction(result["upper"])
        width = 1 - math.sqrt(low / high)  # of the amplification, from the exact squared ends
        print(f"| {T} | [{directed_text(low, 10, DOWN)}, {directed_text(high, 10, UP)}] | {width:.1e} | "
              f"{float(Fraction(result['mixing'])):.1e} | {cpu:.1f} s, {memory:.2f} GB |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--lower", action="store_true")
    parser.add_argument("--long", action="store_true")
    parser.add_argument("--width", action="store_true", help="md's amplification past the full class's horizon")
    parser.add_argument("--cases", type=lambda text: text.split(","), help="with --long: e.g. gd:2,md:1/5; with --lower: parts of the row names")
    parser.add_argument("--one-long", nargs=4, metavar=("KIND", "METHOD", "ETA", "T"), help=argparse.SUPPRESS)
    parser.add_argument("--horizons", type=lambda text: tuple(int(T) for T in text.split(",")))
    args = parser.parse_args()
    if args.one_long:
        kind, method, eta, T = args.one_long
        return one_long(kind, method, Fraction(eta), int(T))
    if args.long:
        return long_table(args.horizons, args.cases)
    if args.width:
        return width_table(args.horizons)
    if args.lower:
        return lower_table(args.horizons, args.cases)
    cases = [("gd", Fraction(2), T, {}) for T in (5, 10, 20)] + [("gd", Fraction(11, 5), T, {}) for T in (5, 10, 20)]
    cases += [("md", Fraction(1, 2), T, MD) for T in (8, 16, 20)]
    if args.full:
        cases += [("md", Fraction(1, 2), 30, MD)]
    if args.horizons:  # gd's amplification at these T (up to MAX_GD_AMPLIFICATION_HORIZON), e.g. --horizons 40,60
        cases = [("gd", eta, T, {}) for eta in (Fraction(2), Fraction(11, 5)) for T in args.horizons]
    print("| method | eta | T | plain PEPit solve (s) | certified pipeline (s) | speed-up | plain value | certified "
          "[lower, upper] (squared) | digits: banded, certified |\n|---|---|---|---|---|---|---|---|---|")
    for method, eta, T, constants in cases:
        value, plain = straightforward(method, eta, T, **constants) if T < 30 else (None, None)
        started = time.perf_counter()
        case = worst_case_amplification(method, eta, T, claimed=Fraction(1) if eta == 2 else None, **constants)
        certified = time.perf_counter() - started
        upper = "not certified" if case.upper is None else directed_text(case.upper, 9, UP)  # outward: still bounds
        agree = lambda other: f"{-math.log10(max(abs(other - value) / value, 1e-16)):.1f}"
        banded = _solve(method, eta, T, constants.get("L_f", Fraction(1)), constants.get("mu_phi"),
                        constants.get("L_phi"), UPPER_BAND)[1] if value is not None else None
        digits = "" if value is None else (
            f"{agree(banded)}, {'-' if case.upper is None else agree(float(case.upper))}")
        shown = lambda x, spec: "not run" if x is None else format(x, spec)
        print(f"| {method} | {eta} | {T} | {shown(plain, '.2f')} | {certified:.2f} | "
              f"{'' if plain is None else f'{plain / certified:.1f}x'} | {shown(value, '.9g')} | "
              f"[{directed_text(case.lower, 9, DOWN)}, {upper}] | {digits} |", flush=True)


if __name__ == "__main__":
    main()
