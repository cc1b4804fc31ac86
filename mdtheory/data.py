"""Problems that no one here wrote: real data from well-kept packages, loaded behind optional extras.

``pip install -e ".[real]"`` brings them; without it, asking for one gives an MDTheoryError naming the
install command (never an ImportError).
"""

from __future__ import annotations

import numpy as np

from mdtheory.errors import MDTheoryError

REAL_EXTRA = 'pip install -e ".[real]"'


def _require(module: str, what: str):
    try:
        return __import__(module)
    except ImportError:
        raise MDTheoryError(f"{what} needs the optional package {module}: {REAL_EXTRA}") from None


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
