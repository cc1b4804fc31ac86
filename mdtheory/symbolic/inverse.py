"""The inverse mirror map (grad phi)^{-1}: closed form when it can be trusted, otherwise numerical.

sympy's ``solve`` drops branches and domain conditions (for the log-barrier it returns x = -1/y, valid only
for y < 0), so a closed form is accepted only after a symbolic round trip x -> grad phi(x) -> x and spot
checks at random 100-digit points of the domain. Its domain conditions (the set of y it is valid on) are
derived and carried along. When any of that fails, the engine inverts numerically with Newton.
"""

from __future__ import annotations

import functools
import random
import warnings
from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import InverseMirrorMapFallbackWarning
from mdtheory.symbolic.budget import BudgetExceeded, within_budget
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.regularizer import (
    Regularizer,
    dual_variables,
    hessian,
    is_quadratic,
    is_separable,
    mirror_map,
    random_domain_point,
)

SPOT_CHECKS = 5
SPOT_CHECK_DIGITS = 100
SPOT_CHECK_AGREEMENT = 95  # of the 100 digits, allowing for rounding inside evalf


@dataclass(frozen=True)
class InverseMirrorMap:
    """x = (grad phi)^{-1}(y).

    ``kind`` is 'closed_form' (then ``expressions`` gives x_i in the dual variables and ``conditions``
    the set of y where it is valid) or 'numerical' (Newton in the engine; ``note`` says why).
    """

    kind: str
    dual_variables: tuple[sp.Symbol, ...]
    expressions: tuple[sp.Expr, ...] | None
    conditions: tuple[sp.Basic, ...]
    note: str

    @property
    def is_closed_form(self) -> bool:
        return self.kind == "closed_form"


@functools.cache
def inverse_mirror_map(reg: Regularizer) -> InverseMirrorMap:
    ys = dual_variables(reg)
    if is_quadratic(reg):
        # Affine mirror map grad phi(x) = H x + g0 inverts exactly on all of R^n.
        hess = hessian(reg)
        g0 = mirror_map(reg).subs({v: 0 for v in reg.variables})
        solution = hess.LUsolve(sp.Matrix(ys) - g0)
        candidate = tuple(sp.simplify(e) for e in solution)
        return _verified(reg, candidate, note="affine mirror map, inverted exactly")
    if is_separable(reg):
        # Coordinates whose one-variable mirror maps are the same function are solved and verified once:
        # at d = 100 that is one sympy solve instead of a hundred.
        ys = dual_variables(reg)
        solved: dict = {}
        candidate = []
        for i, v in enumerate(reg.variables):
            key = _coordinate_shape(reg, i)
            if key not in solved:
                scalar = _scalar_inverse(reg, i)
                if scalar is None:
                    return _numerical(reg, f"sympy found no verified closed form for (d phi/d{v})^(-1)")
                solved[key] = (i, scalar)
            first, scalar = solved[key]
            candidate.append(scalar.xreplace({ys[first]: ys[i]}))
        representatives = sorted(first for first, _ in solved.values())
        return _verified(reg, tuple(candidate), note="separable; each scalar inverse solved by sympy",
                         representatives=representatives)
    return _numerical(reg, "phi is not separable; a closed form is not attempted, Newton is used")


def _coordinate_shape(reg: Regularizer, i: int):
    """The one-variable function d phi/dx_i with x_i renamed to a canonical symbol (same assumptions)."""
    v = reg.variables[i]
    canonical = sp.Symbol("mdtheory_coordinate", **v.assumptions0)
    return mirror_map(reg)[i].xreplace({v: canonical})


def _numerical(reg: Regularizer, why: str) -> InverseMirrorMap:
    return InverseMirrorMap("numerical", dual_variables(reg), None, (), why)


SOLVE_MAX_OPS = 200  # past this size sympy's solve does not find a closed form in practice; Newton does the job


def _scalar_inverse(reg: Regularizer, i: int) -> sp.Expr | None:
    v = reg.variables[i]
    if sp.count_ops(mirror_map(reg)[i]) > SOLVE_MAX_OPS:
        return None  # Newton, silently: no closed form was expected
    try:
        found, rejected = within_budget(_solve_scalar, reg, i)
    except BudgetExceeded as budget:
        warnings.warn(
            f"sympy's solve for (d phi/d{v})^(-1) of {reg.name!r} {budget.reason}; falling back to Newton",
            InverseMirrorMapFallbackWarning,
            stacklevel=4,
        )
        return None
    if found is None and rejected:
        warnings.warn(
            f"sympy's closed-form inverse candidates for d phi/d{v} of {reg.name!r} "
            f"({', '.join(map(str, rejected[:3]))}) failed the round trip x -> grad phi(x) -> x; "
            "falling back to Newton",
            InverseMirrorMapFallbackWarning,
            stacklevel=4,
        )
    return found


def _solve_scalar(reg: Regularizer, i: int) -> tuple[sp.Expr | None, list[sp.Expr]]:
    """(a verified closed-form inverse of d phi/dx_i or None, the candidates that failed); run under a budget."""
    v, y = reg.variables[i], dual_variables(reg)[i]
    rejected: list[sp.Expr] = []
    # solve often finds nothing for a real y when the mirror map's image is a half-line (Tsallis gives
    # y < 0), so the sign of y is also assumed; whatever comes back is still checked by the round trip.
    for assumption in ({"real": True}, {"negative": True}, {"positive": True}):
        y_assumed = sp.Symbol(str(y), **assumption)
        try:
            solutions = sp.solve(mirror_map(reg)[i] - y_assumed, v, dict=False)
        except (NotImplementedError, ValueError, TypeError):
            continue
        for cand in solutions:
            cand = cand.subs(y_assumed, y)
            if cand.free_symbols <= {y} and _round_trips(reg, {v: cand}, [i]):
                return cand, rejected
            rejected.append(cand)
    return None, rejected


def _simplify_hard(expr: sp.Expr) -> sp.Expr:
    # Inverse hyperbolic compositions such as asinh(sinh(y)) only cancel once written with logarithms.
    simplified = sp.simplify(expr)
    return simplified if simplified == 0 else sp.simplify(simplified.rewrite(sp.log))


def _round_trips(reg: Regularizer, inverse: dict, coords: list[int]) -> bool:
    """Symbolic round trip (x -> y -> x) and 100-digit spot checks, for the given coordinates."""
    ys = dual_variables(reg)
    grad = mirror_map(reg)
    for i in coords:
        v = reg.variables[i]
        back = inverse[v].subs({ys[j]: grad[j] for j in range(reg.dim)})
        if _simplify_hard(back - v) != 0:
            return False
    rng = random.Random(1729 + sum(coords))
    for _ in range(SPOT_CHECKS):
        point = random_domain_point(reg, rng, digits=SPOT_CHECK_DIGITS)
        at_point = dict(zip(reg.variables, point))
        needed = set().union(*(inverse[reg.variables[i]].free_symbols for i in coords))
        dual = {ys[j]: grad[j].subs(at_point) for j in range(reg.dim) if ys[j] in needed}
        for i in coords:
            back = inverse[reg.variables[i]].subs(dual).evalf(SPOT_CHECK_DIGITS + 20)
            exact = point[i]
            if not back.is_real or abs(back - exact) > abs(exact) * sp.Rational(10) ** (-SPOT_CHECK_AGREEMENT):
                return False
    return True


def _verified(reg: Regularizer, candidate: tuple[sp.Expr, ...], note: str, representatives=None) -> InverseMirrorMap:
    """``representatives``: for a separable phi, one coordinate per distinct one-variable mirror map (the
    others are the same expressions with the variables renamed, so their checks would repeat these)."""
    inverse = dict(zip(reg.variables, candidate))
    coords = list(range(reg.dim)) if representatives is None else representatives
    if not _round_trips(reg, inverse, coords):
        warnings.warn(
            f"the closed-form inverse mirror map of {reg.name!r} failed its round trip; falling back to Newton",
            InverseMirrorMapFallbackWarning,
            stacklevel=3,
        )
        return _numerical(reg, "closed form failed its round trip; Newton is used")
    try:
        conditions = within_budget(_conditions, reg, candidate, coords)
    except BudgetExceeded as budget:
        return _numerical(reg, f"the closed form's domain conditions could not be derived ({budget.reason}); Newton is used")
    return InverseMirrorMap("closed_form", dual_variables(reg), candidate, conditions, note)


def _conditions(reg: Regularizer, candidate: tuple[sp.Expr, ...], coords: list[int]) -> tuple[sp.Basic, ...]:
    """The set of y on which the closed form is the inverse: it lands in the domain and grad phi maps it
    back to y (the image of the mirror map). Empty when it is valid on all of R^n. Derived on the
    representative coordinates ``coords`` and renamed to the others."""
    if not is_separable(reg):
        return ()
    ys = dual_variables(reg)
    derived = {_coordinate_shape(reg, i): (i, _coordinate_conditions(reg, i, candidate[i])) for i in coords}
    conditions = []
    for i in range(reg.dim):
        first, found = derived[_coordinate_shape(reg, i)]
        conditions += [c.xreplace({ys[first]: ys[i]}) for c in found]
    return tuple(conditions)


def _coordinate_conditions(reg: Regularizer, i: int, x: sp.Expr) -> list:
    y = dual_variables(reg)[i]
    valid = sp.S.Reals
    mismatch = _simplify_hard(mirror_map(reg)[i].subs(reg.variables[i], x) - y)
    requirements = [sp.Eq(mismatch, 0)] if mismatch != 0 else []
    if reg.domain is not Domain.REALS:
        requirements.append(x > 0)
    for requirement in requirements:
        try:
            valid = valid.intersect(sp.solveset(requirement, y, domain=sp.S.Reals))
        except (NotImplementedError, ValueError, TypeError):
            valid = sp.ConditionSet(y, requirement, valid)
    if valid == sp.S.Reals:
        return []
    return [valid.as_relational(y) if not isinstance(valid, sp.ConditionSet) else valid]
