"""Claims: one module each, whose docstring is the theorem and whose ``run`` returns measured against
claimed. Modules register themselves with ``register``; ``mdtheory verify`` runs the registry."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from mdtheory.checker.result import ClaimReport

REGISTRY: dict[str, Callable[..., ClaimReport]] = {}


def register(name: str):
    def decorate(run: Callable[..., ClaimReport]):
        if name in REGISTRY and REGISTRY[name] is not run:
            raise ValueError(f"claim {name!r} is registered twice")
        REGISTRY[name] = run
        return run

    return decorate


def load_all() -> dict[str, Callable[..., ClaimReport]]:
    """Import every module in this package so that each registers itself."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(REGISTRY.items()))
