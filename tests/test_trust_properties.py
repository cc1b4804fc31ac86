"""Property: whatever text and values a claim file holds, loading it ends in a ClaimFile or an
MDTheoryError, within a time and memory ceiling (never another exception, a hang or a blow-up), and any
warning it gives on the way (a float literal read exactly) is short."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mdtheory.claimfile import ClaimFile, load_claim_file
from mdtheory.errors import FloatLiteralWarning, MDTheoryError
from mdtheory.symbolic import budget
from mdtheory.symbolic.budget import within_budget
from tests.test_trust import BASE, claim_file

SECONDS = 60
MAX_WARNING_CHARACTERS = 400
LEAVES = st.one_of(
    st.sampled_from(["x", "y", "z", "pi", "E", "exp", "__class__", "T", "eps", "etaT"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "1", "1/2", "1e-300", "1e-99999999", "1e99999", "0.1", "10**9999", "2**100000", "1" * 4400]),
)


def _combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", "^", "%", "//", "@", " and "]), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(st.sampled_from(["exp", "log", "sqrt", "sinh", "cosh", "abs", "atanh", "eval", "__import__", "open"]),
                  children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-({c})"),
        children.map(lambda c: f"({c}).real"),
        st.tuples(children, children).map(lambda t: f"exp({t[0]}, {t[1]})"),
    )


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=12)
VALUES = st.one_of(
    EXPRESSIONS, st.integers(min_value=-(10**13), max_value=10**13), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=False, width=32), st.lists(EXPRESSIONS, max_size=3),
    st.dictionaries(st.sampled_from(["name", "q", "beta", "p"]), EXPRESSIONS, max_size=2),
)
FIELDS = [("problem", k) for k in BASE["problem"]] + [("run", k) for k in BASE["run"]] + [("claim", "bound")]


def load_within_ceiling(path):
    def child():
        budget.SYMBOLIC_SECONDS = 2.0
        # a float literal in a formula is a user's choice the loader reports, not a failure (the suite's
        # filter turns FloatLiteralWarning into an error, to catch library code emitting it)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", FloatLiteralWarning)
            try:
                outcome = type(load_claim_file(path)).__name__
            except MDTheoryError as err:
                outcome = f"MDTheoryError: {err}"
        longest = max((len(str(w.message)) for w in said), default=0)
        return outcome if longest <= MAX_WARNING_CHARACTERS else f"a warning of {longest} characters"

    return within_budget(child, seconds=SECONDS, memory_bytes=3 * 1024**3)


def assert_loads_or_refuses(tmp_path, edits):
    sections = {}
    for (section, key), value in edits:
        sections.setdefault(section, dict(BASE[section]))[key] = value
    outcome = load_within_ceiling(claim_file(tmp_path, **sections))
    assert outcome == ClaimFile.__name__ or outcome.startswith("MDTheoryError: "), outcome


PROFILE = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@settings(max_examples=25, **PROFILE)
@given(st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), min_size=1, max_size=3))
def test_random_claim_files_load_or_are_refused(tmp_path, edits):
    assert_loads_or_refuses(tmp_path, edits)


@settings(max_examples=20, **PROFILE)
@given(EXPRESSIONS, st.sampled_from([("problem", "regularizer"), ("problem", "objective"), ("claim", "bound"),
                                     ("run", "eps")]))
def test_random_expression_trees_load_or_are_refused(tmp_path, text, where):
    assert_loads_or_refuses(tmp_path, [(where, text)])


@pytest.mark.slow
@settings(max_examples=400, **{**PROFILE, "derandomize": False})
@given(st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), min_size=1, max_size=4))
@example([(("problem", "regularizer"), "1e-300")])  # found by this search: a float literal's warning
@example([(("problem", "objective"), "(1e-10000)*(x**2)")])  # the warning wrote a 10001-digit rational: ValueError
def test_many_random_claim_files_load_or_are_refused(tmp_path, edits):
    assert_loads_or_refuses(tmp_path, edits)
