"""The theorem library: published Mirror Descent results as claim files, one folder per family.

Each file states a theorem in its [theorem] table (name, reference, statement), a true instance that must
hold, and a [twin]: the same instance with a planted error (a constant tightened, a wrong rate or limit, a
step size past its edge) that must come out violated. ``mdtheory check FILE`` and ``mdtheory check FILE
--twin`` run either; ``mdtheory verify`` runs the whole library, one claim per family.
"""

from __future__ import annotations

from pathlib import Path

LIBRARY = Path(__file__).parent
FAMILIES = {
    "convergence": "Convergence rates and limits of offline MD",
    "online": "Regret of online MD",
    "policy": "Policy mirror descent on MDPs",
    "seed_paper": "The seed paper's stability claims, in the claim language",
    "saddle": "Saddle points and games: mirror-prox and multiplicative weights",
}


def theorem_files(family: str) -> list[Path]:
    if family not in FAMILIES:
        raise KeyError(f"unknown family {family!r}; the library has {', '.join(FAMILIES)}")
    return sorted((LIBRARY / family).glob("*.toml"))


CLAIM_PREFIX = "library_"  # the registered claim of a family is library_<family>


def is_library_claim(name: str) -> bool:
    return name.startswith(CLAIM_PREFIX)
