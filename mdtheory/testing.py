"""A pytest plugin for high-precision regression tests: pin a quantity to N significant digits.

Golden values live in version-controlled JSON files as decimal strings, with the digits pinned and the
precision they were produced at. A value may be pinned (and a golden file written) only when the precision
ladder confirms at least that many digits.

    def test_peak(golden):
        golden.check("claim3.peak", value, digits=30, trusted_digits=ladder_digits, bits=256)

``pytest --regen-golden`` rewrites the golden values of the tests it runs; it refuses a value whose
trusted digits are fewer than the digits to pin. The plugin is registered through the ``pytest11`` entry
point, so any project that installs mdtheory can use the ``golden`` fixture. By default a test module
``tests/test_x.py`` keeps its values in ``tests/golden/test_x.json``; ``@pytest.mark.golden_file(path)``
chooses another file.

A value is compared digit by digit, so only a finite value can match or be pinned: nan and inf fail a check
and are refused by ``--regen-golden``. A golden entry must hold a finite decimal ``value`` and positive
integers ``digits`` and ``bits``; anything else fails the test, naming the file and the key.
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import pytest


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite golden values (only those whose digits the precision ladder confirms)")


def pytest_configure(config):
    config.addinivalue_line("markers", "golden_file(path): the golden-value file of this test")


class GoldenMismatch(AssertionError):
    pass


def _significand(text: str, digits: int) -> tuple[str, int]:
    """(the first ``digits`` significant digits, the decimal exponent) of a decimal string."""
    ctx = mpmath.MPContext()
    ctx.dps = digits + 20
    value = ctx.mpf(text)
    if value == 0:
        return "0" * digits, 0
    formatted = ctx.nstr(abs(value), digits, min_fixed=1, max_fixed=0, strip_zeros=False)
    mantissa, exponent = formatted.split("e") if "e" in formatted else (formatted, "0")
    return mantissa.replace(".", "")[:digits].ljust(digits, "0"), int(exponent)


def first_difference(expected: str, actual: str, digits: int) -> str:
    """A two-line picture of where two values first differ in their first ``digits`` digits."""
    (e_digits, e_exp), (a_digits, a_exp) = _significand(expected, digits), _significand(actual, digits)
    sign_e = "-" if expected.strip().startswith("-") else ""
    sign_a = "-" if actual.strip().startswith("-") else ""
    if e_exp != a_exp or sign_e != sign_a:
        return f"different magnitude or sign: expected {expected}, got {actual}"
    index = next((i for i, (a, b) in enumerate(zip(e_digits, a_digits)) if a != b), None)
    if index is None:
        return "the digits agree"
    shown_e = f"{sign_e}{e_digits[0]}.{e_digits[1:]}e{e_exp}"
    shown_a = f"{sign_a}{a_digits[0]}.{a_digits[1:]}e{a_exp}"
    caret = " " * (len(sign_e) + index + (1 if index > 0 else 0)) + "^"
    return (f"first differing significant digit: #{index + 1}\n"
            f"  expected {shown_e}\n  actual   {shown_a}\n           {caret}")


def _is_count(value) -> bool:
    """A positive integer (a bool is not one, though Python counts it as an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _finite_number(text: str):
    """``text`` as an mpf if it is a finite decimal number, else None."""
    ctx = mpmath.MPContext()
    try:
        number = ctx.mpf(text.strip())
    except (ValueError, TypeError):
        return None
    return number if ctx.isfinite(number) else None


class GoldenStore:
    def __init__(self, path: Path, regenerate: bool):
        self.path = path
        self.regenerate = regenerate
        self.values = {}
        if path.exists():
            from mdtheory.claimfile import read_user_file  # imported here: the plugin loads with every pytest run
            from mdtheory.errors import MDTheoryError

            self.values = json.loads(read_user_file(path, MDTheoryError, what="a golden-value file"))
        self.dirty = False

    def _stored(self, name: str) -> dict:
        """The golden entry ``name``, refused unless it is a finite value with positive digits and bits."""
        entry = self.values[name]
        where = f"golden file {self.path}, entry {name!r}"
        if not isinstance(entry, dict):
            pytest.fail(f"{where}: expected an object with value, digits and bits, got {entry!r}", pytrace=False)
        for key in ("digits", "bits"):
            if not _is_count(entry.get(key)):
                pytest.fail(f"{where}: {key} is {entry.get(key)!r}; {key} must be a positive integer (the "
                            f"{'significant digits pinned' if key == 'digits' else 'precision the value was produced at'})"
                            "; fix the file or regenerate the value with pytest --regen-golden", pytrace=False)
        if not isinstance(entry.get("value"), str) or _finite_number(entry["value"]) is None:
            pytest.fail(f"{where}: value is {entry.get('value')!r}; a golden value must be a finite decimal "
                        "string; fix the file or regenerate the value with pytest --regen-golden", pytrace=False)
        return entry

    def check(self, name: str, value, digits: int, trusted_digits: int, bits: int):
        """Compare ``value`` (an mpf or a decimal string) with the golden value to ``digits`` digits."""
        for key, count in (("digits", digits), ("trusted_digits", trusted_digits), ("bits", bits)):
            if not _is_count(count) and not (key == "trusted_digits" and count == 0):
                pytest.fail(f"golden.check({name!r}): {key} is {count!r}; it must be a positive integer",
                            pytrace=False)
        if trusted_digits < digits:
            verb = "refusing to write" if self.regenerate else "cannot check"
            pytest.fail(f"{verb} {name!r} to {digits} digits: the precision ladder confirms only "
                        f"{trusted_digits}; raise the precision or pin fewer digits", pytrace=False)
        text = value if isinstance(value, str) else mpmath.MPContext().nstr(value, digits + 5, strip_zeros=False)
        if _finite_number(text) is None:
            verb = "refusing to write" if self.regenerate else "cannot check"
            pytest.fail(f"{verb} {name!r}: its value {text[:40]!r} is not a finite number; nan or inf matches no "
                        "golden value and cannot be pinned", pytrace=False)
        if self.regenerate:
            mantissa, exponent = _significand(text, digits)
            sign = "-" if text.strip().startswith("-") else ""
            self.values[name] = {"value": f"{sign}{mantissa[0]}.{mantissa[1:]}e{exponent}", "digits": digits, "bits": bits}
            self.dirty = True
            return
        if not isinstance(self.values, dict):
            pytest.fail(f"golden file {self.path}: expected a JSON object of named values, got a "
                        f"{type(self.values).__name__}", pytrace=False)
        if name not in self.values:
            pytest.fail(f"no golden value for {name!r} in {self.path}; run pytest --regen-golden", pytrace=False)
        stored = self._stored(name)
        pinned = min(digits, stored["digits"])
        expected = stored["value"]
        _, e_exp = _significand(expected, pinned)
        ctx = mpmath.MPContext()
        ctx.dps = pinned + 20
        unit = ctx.mpf(10) ** (e_exp - pinned + 1)
        if abs(ctx.mpf(text) - ctx.mpf(expected)) > unit:
            raise GoldenMismatch(f"{name}: differs from the golden value ({self.path.name}, produced at "
                                 f"{stored['bits']} bits) within its first {pinned} digits\n"
                                 + first_difference(expected, text, pinned))

    def save(self):
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(dict(sorted(self.values.items())), indent=1) + "\n")


_STORES: dict[Path, GoldenStore] = {}


@pytest.fixture
def golden(request) -> GoldenStore:
    marker = request.node.get_closest_marker("golden_file")
    module = Path(str(request.node.fspath))
    path = Path(marker.args[0]) if marker else module.parent / "golden" / f"{module.stem}.json"
    regenerate = request.config.getoption("--regen-golden")
    if path not in _STORES:
        _STORES[path] = GoldenStore(path, regenerate)
    return _STORES[path]


def pytest_sessionfinish(session):
    for store in _STORES.values():
        store.save()
    _STORES.clear()


def md_oracle(step, setting=None, *, claim=None, framework: str = "numpy", precision: str = "float32",
              device: str = "cpu", update: str = "multiplicative", init=None, readout=None, steps: int | None = None,
              kernels: dict | None = None):
    """Test a user's KL Mirror Descent step against mdtheory's certified trajectory.

    ``step(state) -> state`` is one step of the user's code on the framework's arrays (numpy, torch or jax);
    ``init(x0)`` turns the start (the framework's array in the precision's storage format) into the user's state
    (default: the probability vector itself), ``readout(state)`` turns a state into the probability vector (default:
    the state). The problem is entropic MD on the simplex with a linear cost, from a risk setting
    (``mdtheory.engine.entropic_float.RiskSetting`` or the keywords of ``RiskSetting.build``) or from a claim file
    (``negative_entropy`` on the simplex with a linear objective; its x0 rounded to float64, its eta and steps).
    ``update`` names the arithmetic the step follows, which decides the rounding budget: ``multiplicative``
    (x * w / sum), ``logits`` (stored logits, softmax) or ``mirror`` (softmax(log x - eta c)); the framework's
    kernels are calibrated on the problem's inputs (``mdtheory.engine.frameworks.bound`` states the model).
    ``kernels`` names those the step computes otherwise than the framework: a dict from ``exp``, ``log``, ``sum``
    or ``divide`` to a function on the framework's arrays (e.g. Python's math.exp elementwise and a sequential
    float sum, as pure-Python code computes); the calibration measures those instead.

    Every step 0..T is compared coordinate by coordinate; the first iterate outside the budget raises
    AssertionError naming the step, the coordinate and the excess. Returns an OracleResult (the largest
    distance / budget seen, and the model) when every step is within budget.
    """
    from mdtheory.engine.frameworks import FrameworkRun
    from mdtheory.engine.frameworks.oracle import OracleProblem, run_oracle
    from mdtheory.errors import ExpressionError

    if (setting is None) == (claim is None):
        raise ExpressionError("md_oracle: give either a risk setting or a claim file (claim=PATH), not both or neither")
    run = FrameworkRun(framework, device, precision)
    arithmetic = run.formats.storage
    if claim is not None:
        x0, costs, eta, horizon = _claim_problem(claim)
    else:
        from mdtheory.engine.entropic_float import RiskSetting

        if isinstance(setting, dict):
            setting = RiskSetting.build(**setting)
        x0, costs, eta, horizon = setting.initial(), setting.costs(), setting.eta, setting.steps
    problem = OracleProblem(tuple(float(v) for v in x0), tuple(float(v) for v in costs), eta,
                            horizon if steps is None else int(steps), update, arithmetic)
    return run_oracle(step, problem, run, init=init, readout=readout, kernels=kernels)


def _claim_problem(path):
    """(x0, c, eta, steps) of a claim file whose problem is entropic MD on the simplex with a linear objective."""
    import sympy as sp

    from mdtheory.claimfile import load_claim_file
    from mdtheory.errors import ExpressionError
    from mdtheory.symbolic.domains import Domain

    claim = load_claim_file(path)
    reg, objective = claim.md.regularizer, claim.md.objective
    variables = list(reg.variables)
    hessian_is_entropy = all(sp.simplify(sp.diff(reg.phi, a, b) - (1 / a if a == b else 0)) == 0
                             for a in variables for b in variables)
    if reg.domain != Domain.SIMPLEX or not hessian_is_entropy:
        raise ExpressionError(f"md_oracle: {path}: [problem] must be regularizer = \"negative_entropy\" on domain = "
                              f"\"simplex\" (KL Mirror Descent), got {reg.name} on {reg.domain.value}")
    gradient = [sp.diff(objective.expr, v) for v in variables]
    if any(g.free_symbols for g in gradient):
        raise ExpressionError(f"md_oracle: {path}: [problem] objective must be linear (f = <c, x>), got {objective.expr}")
    return [sp.Float(v, 30) for v in claim.spec.x0], gradient, claim.spec.eta, claim.spec.steps
