"""What a plug-in PEP method provides (``mdtheory.checker.pep_methods`` describes it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INITIAL_DISTANCE = "||x_0 - x*||^2/2 <= 1"  # the one-run initial condition of every plug-in


@dataclass(frozen=True)
class PEPMethod:
    name: str
    quantities: tuple
    build: Callable
    explicit_lower_bound: Callable
    statement: Callable
    bounded: Callable
    exact_interpolation: bool
    max_horizon: int  # one SDP's memory grows about as T^3: the largest horizon accepted
