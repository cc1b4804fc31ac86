"""The domains a regularizer can live on, and exact membership tests."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import sympy as sp

from mdtheory.errors import DomainError
from mdtheory.symbolic.parsing import reserved_word


class Domain(enum.Enum):
    REALS = "reals"
    POSITIVE = "positive"
    SIMPLEX = "simplex"
    BOX = "box"  # the open unit box (0, 1)^n, where the Fermi-Dirac entropy lives

    @classmethod
    def parse(cls, name: "str | Domain") -> "Domain":
        if isinstance(name, Domain):
            return name
        try:
            return cls(str(name).strip().lower())
        except ValueError:
            raise DomainError(
                f"unknown domain {name!r}; choose one of: {', '.join(d.value for d in cls)}"
            ) from None

    @property
    def symbol_assumptions(self) -> dict[str, bool]:
        return {"real": True} if self is Domain.REALS else {"positive": True}

    def describe(self) -> str:
        return {
            Domain.REALS: "R^n",
            Domain.POSITIVE: "the positive orthant {x : x_i > 0}",
            Domain.SIMPLEX: "the probability simplex {x : x_i > 0, sum_i x_i = 1}",
            Domain.BOX: "the open unit box {x : 0 < x_i < 1}",
        }[self]

    def check_point(self, point: Sequence[sp.Rational], what: str = "x0", closed: bool = False) -> None:
        """Raise DomainError if an exact point is not in the (relative interior of the) domain; with ``closed``,
        in its closure (a reference point or comparator may sit on a vertex or a face: MD never steps there)."""
        if self is Domain.REALS:
            return
        where = f"the closure of {self.describe()}" if closed else self.describe()
        bad = [i for i, xi in enumerate(point) if not (xi >= 0 if closed else xi > 0)]
        if bad:
            raise DomainError(
                f"{what} is outside {where}: coordinate {bad[0]} is {point[bad[0]]}, which must be "
                f"{'>=' if closed else '>'} 0; move the point inside the domain (or shrink the perturbation)"
            )
        above = [i for i, xi in enumerate(point) if not (xi <= 1 if closed else xi < 1)]
        if self is Domain.BOX and above:
            raise DomainError(
                f"{what} is outside {where}: coordinate {above[0]} is {point[above[0]]}, which must be "
                f"{'<=' if closed else '<'} 1; move the point inside the box (or shrink the perturbation)"
            )
        if self is Domain.SIMPLEX and sum(point) != 1:
            raise DomainError(
                f"{what} is not on the probability simplex: its coordinates sum to {sum(point)}, not 1; "
                "normalize it (exact fractions avoid rounding)"
            )

    def on_boundary(self, point: Sequence) -> bool:
        """An exact point of the closed domain that lies on its relative boundary (a vertex, an edge, a face)."""
        if self is Domain.REALS:
            return False
        return any(xi == 0 for xi in point) or (self is Domain.BOX and any(xi == 1 for xi in point))

    def check_direction(self, direction: Sequence[sp.Rational]) -> None:
        """A perturbation direction must be nonzero, and tangent to the simplex on the simplex."""
        if all(v == 0 for v in direction):
            raise DomainError("the perturbation direction is zero; give a nonzero direction")
        if self is Domain.SIMPLEX and sum(direction) != 0:
            raise DomainError(
                f"the perturbation leaves the simplex: its coordinates sum to {sum(direction)}, not 0; "
                "use a zero-sum direction such as (1, -1, 0, ...)"
            )


MAX_VARIABLES = 1000  # symbolic derivation per coordinate; larger problems use matrix-level objectives


def check_variable_names(variables: Sequence, what: str) -> None:
    """Distinct names, each a plain identifier: a repeated name would silently merge two coordinates."""
    names = [str(v) for v in variables]
    if not names:
        raise DomainError(f"{what} has no variables; give at least one")
    if len(names) > MAX_VARIABLES:
        raise DomainError(f"{what} has {len(names)} variables; the limit is {MAX_VARIABLES} (use a matrix-level "
                          "objective, mdtheory.symbolic.matrix_objectives, for larger problems)")
    seen = set()
    for name in names:
        if reserved_word(name):
            raise DomainError(f"{what}: the variable name {reserved_word(name)}")
        if name in seen:
            raise DomainError(f"{what}: the variable name {name!r} is repeated; give each coordinate its own name")
        seen.add(name)


def make_variables(n: int, domain: Domain | str, name: str = "x") -> tuple[sp.Symbol, ...]:
    """n symbols x1..xn carrying the assumptions of the domain (real, or positive)."""
    domain = Domain.parse(domain)
    if n < 1:
        raise DomainError(f"dimension must be at least 1, got {n}")
    return tuple(sp.Symbol(f"{name}{i + 1}", **domain.symbol_assumptions) for i in range(n))
