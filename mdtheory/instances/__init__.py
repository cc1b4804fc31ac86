"""Problem instances and constructions that claims share: built here, imported by claims, so that no claim
module imports another.

- ``exponential_separation``: claim 2's construction (a strongly convex, well-conditioned phi and a convex f
  on R^3) with its symbolic certificates; claim 4 anchors the same construction.
- ``two_group_simplex``: entropic MD on the simplex from a two-group start (one coordinate at delta with
  cost 0, the rest sharing 1 - delta at cost Delta); its amplification A(s), rate, peak and peak location,
  derived by sympy. Claim 3 checks them; claim 4 compares its anchored runs to them.
"""
