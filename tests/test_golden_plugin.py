"""The golden-value plugin itself: a planted wrong digit fails, regeneration refuses unconfirmed digits."""

import json

pytest_plugins = ["pytester"]

TEST = '''
import mpmath
def test_value(golden):
    ctx = mpmath.MPContext()
    ctx.dps = 60
    golden.check("pi", ctx.pi, digits={digits}, trusted_digits={trusted}, bits=200)
'''


def test_regenerate_then_check(pytester):
    pytester.makepyfile(test_pin=TEST.format(digits=40, trusted=55))
    pytester.runpytest("--regen-golden").assert_outcomes(passed=1)
    stored = json.loads((pytester.path / "golden" / "test_pin.json").read_text())
    assert stored["pi"]["value"].startswith("3.14159265358979323846264338327950288419")
    assert stored["pi"]["digits"] == 40 and stored["pi"]["bits"] == 200
    pytester.runpytest().assert_outcomes(passed=1)


def test_planted_wrong_digit_fails_and_shows_where(pytester):
    pytester.makepyfile(test_pin=TEST.format(digits=30, trusted=55))
    golden = pytester.path / "golden"
    golden.mkdir()
    planted = "3.14159265358979323846264398327e0"  # significant digit 26 changed (3 -> 9)
    (golden / "test_pin.json").write_text(json.dumps({"pi": {"value": planted, "digits": 30, "bits": 200}}))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*first differing significant digit: #26*"])


def test_regeneration_refuses_unconfirmed_digits(pytester):
    pytester.makepyfile(test_pin=TEST.format(digits=40, trusted=12))
    result = pytester.runpytest("--regen-golden")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*refusing to write 'pi' to 40 digits: the precision ladder confirms only 12*"])
    assert not (pytester.path / "golden" / "test_pin.json").exists()


def test_missing_golden_value_says_how_to_make_it(pytester):
    pytester.makepyfile(test_pin=TEST.format(digits=10, trusted=55))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*run pytest --regen-golden*"])
