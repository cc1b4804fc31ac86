"""``mdtheory falsify``: one search over every problem kind (``mdtheory.search.pipeline``): the range a claim
states (``space``), how its candidates are screened (``screens``), and what the search hands back
(``witness``). ``falsify_file`` searches a claim file; ``mdtheory.falsify`` is the same search for notebooks."""

from mdtheory.search.pipeline import falsify, falsify_file, search
from mdtheory.search.screens import (
    LadderScreen,
    Screen,
    certify,
    closest_approach,
    with_instance,
)
from mdtheory.search.space import (
    SEARCH_KEYS,
    THEOREM_SEARCH_KEYS,
    Candidates,
    SearchError,
    SearchSpace,
    TheoremSpace,
    draw,
    search_space,
    structural_variants,
)
from mdtheory.search.witness import (
    FalsifyResult,
    TheoremWitness,
    Witness,
    falsify_figure,
    plot,
    result_json,
    with_decimal,
    witness_file,
)

__all__ = ["SEARCH_KEYS", "THEOREM_SEARCH_KEYS", "Candidates", "FalsifyResult", "LadderScreen", "Screen",
           "SearchError", "SearchSpace", "TheoremSpace", "TheoremWitness", "Witness", "certify", "closest_approach",
           "draw", "falsify", "falsify_figure", "falsify_file", "plot", "result_json", "search", "search_space",
           "structural_variants", "with_decimal", "with_instance", "witness_file"]
