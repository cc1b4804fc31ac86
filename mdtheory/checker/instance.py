"""One instance checked end to end: measured on the precision ladder, then judged against a bound.

A perturbation that the working precision cannot resolve is not an error in the claim, so it comes back
as an inconclusive verdict naming the precision that would resolve it, rather than as a crash or a NaN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from mdtheory.checker.bounds import INCONCLUSIVE, CheckResult
from mdtheory.checker.measure import Measurement, measure
from mdtheory.engine.run import RunSpec, UnresolvedPerturbationError
from mdtheory.symbolic.mirror_descent import MirrorDescent


def check_instance(bound, md: MirrorDescent, spec: RunSpec, bits: int, *, with_float64: bool = True,
                   backend: str = "mpmath", progress: Callable[[int, int], None] | None = None,
                   kernel=None) -> tuple[CheckResult, Measurement | None]:
    """(verdict, measurement); the measurement is None when the run could not resolve the perturbation."""
    try:
        m = measure(md, spec, bits, with_float64=with_float64, progress=progress, kernel=kernel, backend=backend)
    except UnresolvedPerturbationError as err:
        return CheckResult(
            kind=bound.kind, verdict=INCONCLUSIVE, measured="not measured", claimed=bound.kind, margin="n/a",
            trusted_digits=0, quantity=getattr(bound, "quantity", "separation"), explanation=str(err),
            extra={"required_precision_bits": err.required_bits},
        ), None
    return dataclasses.replace(bound.check(m), convexity=m.convexity), m
