"""Constraint sets C with a projection, for a phi that is not of Legendre type on C: MD on C is
argmin_x <eta g, x> + D_phi(x, x_t) over C, the mirror step in phi's own domain followed by the Bregman
projection onto C (``methods.projected``). One file per set, registered by the name ``[problem] domain`` gives.

Writing a set
-------------
Subclass ``ConstraintSet`` as a frozen dataclass (its fields are what the claim file gives: a radius, bounds,
block sizes) and decorate it with ``register``. It declares

    name : str                   the ``[problem] domain`` value
    keys : dict[str, bool]       its own ``[problem]`` keys, required or not
    regularizer_domain : Domain  where phi's mirror step lives (R^n for a ball, the positive orthant for simplices)

and implements ``from_table`` (read its keys with the claim language's number readers), ``check_regularizer``
(refuse a phi whose Bregman projection onto C is not the closed form ``project`` computes), ``check_point`` and
``check_direction`` (exact membership of the closed set, and of its tangent space), ``project(ctx, y)`` and
``project_tangent(ctx, y, w)`` (the projection and its derivative at y applied to w, in any precision context;
the derivative is that of the active face; where the projection is not differentiable, within KINK_ULPS
units of the last place of a kink, it raises DomainError, or with ``at_kink="active face"`` takes the face
where the constraint is active), ``linear_minimum(ctx, g)`` (min over C of <g, x> in ``ctx``,
the comparator of online regret), ``optimality_gaps(ctx, g, x)`` (the variational
inequality <g, v - x> >= 0 at the vertices of C, or its closed form, as values that are all >= 0 exactly when x
minimizes over C a convex f with gradient g at x) and ``linear_minimizer(g)`` (the exact argmin over C of
<g, x>, None where it is not one point).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import MappingProxyType

import sympy as sp

from mdtheory.errors import DomainError
from mdtheory.symbolic.domains import Domain

# A projection is not differentiable where the mirror step lies on a kink (the sphere of a ball, a bound of a box);
# within this many units of the last place of one, the tangent is refused rather than taken from either side.
KINK_ULPS = 2 ** 8


class ConstraintSet:
    """A closed convex set C that MD's iterates are projected onto (see the module's documentation)."""

    name: str = ""
    keys: dict = {}
    regularizer_domain: Domain = Domain.REALS
    # the directions a perturbation may take span R^n (a ball, a box); False for a product of simplices
    full_dimensional: bool = True

    @classmethod
    def from_table(cls, table: dict, n: int, number, numbers) -> "ConstraintSet":
        raise NotImplementedError

    def check_regularizer(self, regularizer) -> None:
        raise NotImplementedError

    def check_point(self, point: Sequence, what: str) -> None:
        raise NotImplementedError

    def check_direction(self, direction: Sequence) -> None:
        if all(v == 0 for v in direction):
            raise DomainError("the perturbation direction is zero; give a nonzero direction")

    def describe(self) -> str:
        raise NotImplementedError

    def default_direction(self, n: int) -> list:
        """The perturbation direction a claim that gives none carries (its tangent is computed, unused)."""
        return [sp.Integer(int(i == 0)) for i in range(n)]

    def project(self, ctx, y) -> list:
        raise NotImplementedError

    def project_tangent(self, ctx, y, w, at_kink: str = "refuse") -> list:
        raise NotImplementedError

    def projection_text(self) -> str:
        raise NotImplementedError

    def optimality_gaps(self, ctx, g, x) -> tuple[list, list]:
        raise NotImplementedError

    def linear_minimizer(self, g: Sequence[sp.Expr]) -> tuple | None:
        raise NotImplementedError

    def linear_minimum(self, ctx, g) -> tuple:
        """(min over C of <g, x>, the size of the terms it sums) in ``ctx``, from the set's closed form: the best
        fixed point in hindsight against linear losses (online regret's comparator)."""
        raise NotImplementedError

    @staticmethod
    def kink_tolerance(ctx, scale):
        return abs(scale) * ctx.ldexp(1, -ctx.prec) * KINK_ULPS if ctx.guards_domain else -1


def euclidean_scale(regularizer) -> sp.Expr | None:
    """c when Hess phi = c I with c > 0 a constant: then the Bregman projection is the Euclidean one."""
    from mdtheory.symbolic.regularizer import hessian

    matrix = hessian(regularizer)
    c = matrix[0, 0]
    if matrix.free_symbols or not c.is_positive or matrix != c * sp.eye(matrix.shape[0]):
        return None
    return c


_SETS: dict[str, type] = {}
BUILT_IN_SETS = ("ball", "box", "simplices", "marginals")  # each file registers itself; loaded by name (no import cycle)


def _load_built_ins() -> None:
    for name in BUILT_IN_SETS:
        if name not in _SETS:
            importlib.import_module(f"mdtheory.symbolic.sets.{name}")


def register(kind: type) -> type:
    _SETS[kind.name] = kind
    return kind


def constraint_sets() -> MappingProxyType:
    _load_built_ins()
    return MappingProxyType(_SETS)


def set_keys() -> dict:
    """Every set's own [problem] keys, none required (a set checks its own)."""
    _load_built_ins()
    return {key: False for kind in _SETS.values() for key in kind.keys}


def read_constraint_set(table: dict, n: int, number, numbers) -> ConstraintSet | None:
    """The constraint set ``[problem] domain`` names with its keys, or None where the domain is phi's own (a
    Domain; "box" without bounds is the open unit box of the Fermi-Dirac entropy). A set's key given with
    another domain is refused, naming the domain it belongs to."""
    _load_built_ins()
    name = str(table.get("domain", "")).strip().lower()
    given = {key for kind in _SETS.values() for key in kind.keys if key in table}
    kind = _SETS.get(name)
    if kind is not None and not (given & set(kind.keys)) and name == Domain.BOX.value:
        kind = None
    for key in sorted(given - set(kind.keys if kind else ())):
        owner = next(k.name for k in _SETS.values() if key in k.keys)
        raise DomainError(f"[problem] {key}: only domain = \"{owner}\" takes it (domain is {name!r}); remove it or "
                          f"set domain = \"{owner}\"")
    if kind is None:
        return None
    for key, required in kind.keys.items():
        if required and key not in table:
            raise DomainError(f"[problem] {key}: missing; domain = \"{kind.name}\" needs it")
    return kind.from_table(table, n, number, numbers)

