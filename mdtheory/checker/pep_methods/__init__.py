"""Methods that ``mdtheory worst-case`` poses by performance estimation as plug-ins: one file per method.

Each module defines one ``PEPMethod``; the core (``mdtheory.checker.worst_case``) solves its problem, certifies
the upper bound from the dual exactly and takes the lower bound from the method's explicit instances and, where
the method's function class has exact interpolation conditions (smooth convex functions), from the SDP's own
worst case made exact (``mdtheory.checker.interpolation``). gd, md and mahalanobis predate this layer and are
posed in the core itself.

A method provides:

- ``quantities``: what it bounds, over one run with D(x*, x_0) = ||x_0 - x*||^2/2 <= 1 (the toolkit's
  suboptimality convention, so that gd's and a plug-in's numbers compare directly), the first the default;
- ``build(eta, T, L, quantity, scalar)``: the PEP (problem, objective, initial condition, functions), every
  constant passed through ``scalar`` (floats for the solver, exact rationals for the certificate); each
  function records the pair (and, for classes with several inequalities per pair, the kind) of each of its
  class constraints in ``pairs``, in their order, and may name itself (``described_name``, ``described_class``);
- ``explicit_lower_bound(eta, T, L, quantity)``: (an exact lower bound, how) from instances in the class;
- ``exact_interpolation``: whether an instance meeting the class's pairwise inequalities is in the class
  (then the SDP's worst case made exact is a lower bound too);
- ``statement(eta, L, T, quantity, upper)`` and ``bounded(quantity)``: what a certificate proves, in words.
"""

from __future__ import annotations


def _registry() -> dict:
    from mdtheory.checker.pep_methods import (  # each defines METHOD (pep_methods.method)
        accelerated,
        extragradient,
    )

    return {method.name: method for method in (accelerated.METHOD, extragradient.METHOD)}


PEP_METHODS = _registry()
