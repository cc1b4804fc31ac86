"""mdtheory: check theorems about Mirror Descent by computation.

In Python and notebooks::

    import mdtheory

    mdtheory.__version__                        # the installed version ("mdtheory --version")
    claim = mdtheory.load_claim("FILE.toml")    # a claim file as a Claim (twin=True: its planted-false twin)
    result = mdtheory.check("FILE.toml")        # or check(claim): a NamedCheck, as `mdtheory check` computes it
    result.verdict, result.result.measured      # holds / violated / inconclusive; readings with trusted digits
    mdtheory.falsify("FILE.toml", candidates=500)   # a FalsifyResult (`mdtheory falsify`); witness not written
    mdtheory.worst_case("CLASS.toml")           # a ClassVerdict (`mdtheory worst-case`), certified both sides
    mdtheory.catalogue["negative_entropy"](3)   # the catalogue of regularizers, by name
    mdtheory.listing()                          # what `mdtheory list` shows: claims, theorem library, catalogue

None of them prints. Results display as a table in Jupyter and as the CLI's lines under ``print``. The
names load on first use, so that ``import mdtheory`` stays cheap (no sympy until something needs it).
"""

from __future__ import annotations

__all__ = ["__version__", "load_claim", "check", "falsify", "worst_case", "catalogue", "listing"]

_FROM_FACE = {"load_claim", "check", "falsify", "worst_case", "listing"}


def __getattr__(name: str):
    if name == "__version__":
        from mdtheory.face import version

        return version()
    if name in _FROM_FACE:
        from mdtheory import face

        return getattr(face, name)
    if name == "catalogue":
        from mdtheory.symbolic.catalogue import CATALOGUE

        return CATALOGUE
    raise AttributeError(f"module 'mdtheory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

