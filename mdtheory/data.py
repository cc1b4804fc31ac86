"""Problems that no one here wrote: real data from well-kept packages, loaded behind optional extras.

``pip install -e ".[real]"`` brings them; without it, asking for one gives an MDTheoryError naming the
install command (never an ImportError).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from mdtheory.errors import MDTheoryError, MissingExtraError

REAL_EXTRA = 'pip install -e ".[real]"'


def _require(module: str, what: str):
    try:
        return __import__(module)
    except ImportError:
        raise MissingExtraError(f"{what} needs the optional package {module}: {REAL_EXTRA}") from None


def token_frequencies(language: str, count: int) -> np.ndarray:
    """The frequencies of the ``count`` most frequent words of ``language`` in wordfreq's "best" word list
    (Speer et al., many sources combined), in rank order, as float64 (not normalized: they are wordfreq's own
    numbers, which it rounds to about three significant digits, so ties are common in the tail)."""
    wordfreq = _require("wordfreq", "the start wordfreq:LANG")
    languages = wordfreq.available_languages(wordlist="best")
    if language not in languages:
        raise MDTheoryError(f"wordfreq has no word list for {language!r}; it has {', '.join(sorted(languages))}")
    words = wordfreq.top_n_list(language, count, wordlist="best")
    if len(words) < count:
        raise MDTheoryError(f"wordfreq lists only {len(words)} words for {language!r}; ask for at most that many (--d)")
    frequencies = np.array([wordfreq.word_frequency(word, language, wordlist="best") for word in words])
    if not np.all(frequencies > 0):
        raise MDTheoryError(f"wordfreq gives a zero frequency within the top {count} words of {language!r}; use fewer")
    return frequencies


# --------------------------------------------------------------------------- benchmark MDPs (gymnasium)
# name -> (environment id without version, make() options); the newest registered version is used
BENCHMARK_MDPS = {
    "frozenlake4x4": ("FrozenLake", {"map_name": "4x4", "is_slippery": True}),
    "frozenlake8x8": ("FrozenLake", {"map_name": "8x8", "is_slippery": True}),
    "cliffwalking": ("CliffWalking", {}),
    "taxi": ("Taxi", {}),
}
SIMPLE_DENOMINATOR = 1000  # a float probability within FLOAT_SLACK of a fraction with this denominator or less is it
FLOAT_SLACK = 1e-12


@dataclass(frozen=True)
class BenchmarkMDP:
    """A gymnasium tabular environment as exact tables: P[s][a][s'] and r[s][a] (the expected reward), with an
    absorbing state added last where every transition the environment marks ``done`` ends (reward 0 there, so
    the discounted values are the episode's); ``how`` says how the float probabilities became exact and
    ``deviation`` is the largest |float - exact| over all of them."""

    name: str
    env_id: str
    P: list
    r: list
    rho: list
    how: str
    deviation: float


def _newest(gym, base: str) -> str:
    versions = [int(key.rsplit("-v", 1)[1]) for key in gym.registry if key.rsplit("-v", 1)[0] == base]
    if not versions:
        raise MDTheoryError(f"gymnasium has no {base} environment")
    return f"{base}-v{max(versions)}"


def _exact_distribution(floats: list[float]) -> tuple[list[sp.Rational], float, bool]:
    """(exact probabilities, largest deviation, simple?): each entry's nearest fraction with a small denominator
    when those sum to 1 exactly and lie within FLOAT_SLACK of the floats; otherwise the floats' exact binary
    values divided by their exact sum."""
    simple = [Fraction(p).limit_denominator(SIMPLE_DENOMINATOR) for p in floats]
    if sum(simple) == 1 and all(abs(float(q) - p) <= FLOAT_SLACK for q, p in zip(simple, floats)):
        exact_values = simple
    else:
        binary = [Fraction(p) for p in floats]
        total = sum(binary)
        if total <= 0 or any(q < 0 for q in binary):
            raise MDTheoryError("a distribution of the environment is not a probability vector")
        exact_values = [q / total for q in binary]
    deviation = max(abs(float(q) - p) for q, p in zip(exact_values, floats))
    return [sp.Rational(q.numerator, q.denominator) for q in exact_values], deviation, exact_values is simple


def benchmark_mdp(name: str) -> BenchmarkMDP:
    """One of BENCHMARK_MDPS, read from the environment's own transition table ``env.unwrapped.P`` and start
    distribution ``initial_state_distrib``."""
    if name not in BENCHMARK_MDPS:
        raise MDTheoryError(f"unknown benchmark MDP {name!r}; choose one of {', '.join(BENCHMARK_MDPS)}")
    gym = _require("gymnasium", f"the benchmark MDP {name}")
    base, options = BENCHMARK_MDPS[name]
    env_id = _newest(gym, base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env = gym.make(env_id, **options).unwrapped
    table = env.P
    S = len(table)
    sink = S
    P, r, deviations, all_simple = [], [], [], True
    for s in range(S):
        rows_P, rows_r = [], []
        for a in sorted(table[s]):
            transitions = table[s][a]
            probabilities, deviation, simple = _exact_distribution([float(p) for p, *_ in transitions])
            deviations.append(deviation)
            all_simple &= simple
            row = [sp.Integer(0)] * (S + 1)
            reward = sp.Integer(0)
            for p, (_, nxt, rew, done) in zip(probabilities, transitions):
                row[sink if done else nxt] += p
                reward += p * _exact_reward(rew)
            rows_P.append(row)
            rows_r.append(reward)
        P.append(rows_P)
        r.append(rows_r)
    actions = len(P[0])
    P.append([[sp.Integer(0)] * S + [sp.Integer(1)] for _ in range(actions)])
    r.append([sp.Integer(0)] * actions)
    start, deviation, simple = _exact_distribution([float(p) for p in env.initial_state_distrib])
    deviations.append(deviation)
    all_simple &= simple
    how = ("every probability is the nearest fraction with denominator <= 1000 (each row of them sums to 1 exactly)"
           if all_simple else "nearest simple fractions where a whole row is one, else exact binary values renormalized")
    return BenchmarkMDP(name, env_id, P, r, start + [sp.Integer(0)], how, max(deviations))


def _exact_reward(value) -> sp.Rational:
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    fraction = Fraction(float(value)).limit_denominator(SIMPLE_DENOMINATOR)
    if abs(float(fraction) - float(value)) > FLOAT_SLACK:
        fraction = Fraction(float(value))
    return sp.Rational(fraction.numerator, fraction.denominator)
