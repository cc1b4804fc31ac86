"""The Python face of the commands: what ``mdtheory check``, ``falsify``, ``worst-case`` and ``list`` run,
as functions that return the library's result objects and never print (``mdtheory/__init__.py`` exports
them). The results show themselves: as a table in Jupyter (``_repr_markdown_``) and as the CLI's lines in a
terminal (``str``)."""

from __future__ import annotations

import sys
from pathlib import Path

VERSION_UNKNOWN = "0+unknown"  # a checkout run without being installed has no metadata to read a version from


def version() -> str:
    """The installed distribution's version (pyproject.toml's, as pip recorded it)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("mdtheory")
    except PackageNotFoundError:
        return VERSION_UNKNOWN


def check(claim_or_path, twin: bool = False, progress=None, **limits):
    """Run one claim (a ``Claim``, or a claim file's path; ``twin``: the file's planted-false [twin]) as
    ``mdtheory check`` does. Returns the ``NamedCheck``: ``.verdict``, ``.result`` (measured, claimed, margin
    as readings), ``.measurement``, ``.expected`` and the update it iterated. ``limits``: ``max_steps``,
    ``max_precision_bits``, as the CLI's options."""
    from mdtheory.checker.claim import Claim, check_claim

    if isinstance(claim_or_path, Claim):
        if twin or limits:
            raise TypeError("twin and limits apply to a claim file's path; a Claim is already built")
        claim = claim_or_path
    else:
        claim = load_claim(claim_or_path, twin=twin, **limits)
    return check_claim(claim, progress=progress)


def load_claim(path, twin: bool = False, **limits):
    """A claim file as a ``Claim`` (``mdtheory.claimfile.load_claim``)."""
    from mdtheory.claimfile import load_claim as load

    return load(path, twin=twin, **limits)


def falsify(path, twin: bool = False, **options):
    """Search a claim file's [search] range for a counterexample, as ``mdtheory falsify`` does; returns the
    ``FalsifyResult`` (``options``: candidates, seconds, seed, workers, scheduler, max_steps, max_precision_bits,
    progress). Its witness, when one is found, is not written to a file here: ``result.witness.claim_text``."""
    from mdtheory.search import falsify_file

    return falsify_file(path, twin=twin, **options)


def worst_case(path, progress=None):
    """A worst-case file's class, certified on both sides, as ``mdtheory worst-case`` does; returns the
    ``ClassVerdict``."""
    from mdtheory.checker.worst_case import check_class_claim
    from mdtheory.worstcase import load_class_claim

    return check_class_claim(load_class_claim(path), progress)


def summary_line(doc: str | None) -> str:
    """A docstring's first paragraph, on one line."""
    return " ".join((doc or "").strip().split("\n\n", 1)[0].split())


def registered_claims() -> list[dict]:
    """The claims ``mdtheory verify`` runs: name and what each checks (its module's docstring; a theorem
    library family's description)."""
    from mdtheory.claims import load_all
    from mdtheory.theorems import CLAIM_PREFIX, FAMILIES, is_library_claim

    rows = []
    for name, run in load_all().items():
        if is_library_claim(name):
            about = f"Theorem library: {FAMILIES[name.removeprefix(CLAIM_PREFIX)]}"
        else:
            about = summary_line(sys.modules[getattr(run, "func", run).__module__].__doc__)
        rows.append({"name": name, "about": about})
    return rows


def library_theorems() -> list[dict]:
    """Every claim file of the theorem library: family/name, the [theorem]'s name when the file has one,
    and whether it has a planted-false [twin]."""
    from mdtheory.claimfile import read_toml
    from mdtheory.theorems import FAMILIES, theorem_files

    rows = []
    for family in FAMILIES:
        for path in theorem_files(family):
            data = read_toml(path)
            rows.append({"name": f"{family}/{path.stem}", "path": str(path.relative_to(Path(__file__).parent.parent)),
                         "title": data.get("theorem", {}).get("name"), "twin": "twin" in data})
    return rows


def catalogue_regularizers() -> list[dict]:
    """The catalogue's regularizers: name and what phi is (its module's docstring)."""
    from mdtheory.symbolic.catalogue import CATALOGUE

    return [{"name": name, "about": summary_line(sys.modules[build.__module__].__doc__)}
            for name, build in CATALOGUE.items()]


def listing() -> dict:
    """What ``mdtheory list`` shows: the registered claims, the theorem library and the catalogue."""
    return {"claims": registered_claims(), "theorems": library_theorems(), "catalogue": catalogue_regularizers()}
