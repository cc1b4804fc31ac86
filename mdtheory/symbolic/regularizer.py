"""A regularizer is phi, its variables and its domain; every other object is derived from those three.

The derived objects (mirror map, Hessian, Bregman divergence, strict-convexity certificate) are small
cached functions of the immutable description, so two equal descriptions share their derivations.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

from mdtheory.errors import ExpressionError, NotStrictlyConvexError
from mdtheory.symbolic.budget import BudgetExceeded, within_budget
from mdtheory.symbolic.domains import Domain, check_variable_names, make_variables
from mdtheory.symbolic.parsing import as_expression, parse_expression

CONVEXITY_SAMPLE_POINTS = 24
SAMPLE_DIGITS = 60


@dataclass(frozen=True)
class Regularizer:
    """phi as a sympy expression over ``variables``, strictly convex on ``domain``."""

    name: str
    phi: sp.Expr
    variables: tuple[sp.Symbol, ...]
    domain: Domain

    def __post_init__(self):
        object.__setattr__(self, "domain", Domain.parse(self.domain))
        object.__setattr__(self, "variables", tuple(self.variables))
        check_variable_names(self.variables, f"regularizer {self.name!r}")
        symbols = {str(v): v for v in self.variables}
        object.__setattr__(self, "phi", as_expression(self.phi, symbols, f"phi of {self.name!r}"))
        stray = self.phi.free_symbols - set(self.variables)
        if stray:
            raise ExpressionError(
                f"phi of {self.name!r} uses {sorted(map(str, stray))}, which are not among its variables "
                f"{[str(v) for v in self.variables]}; substitute numbers for parameters"
            )

    @property
    def dim(self) -> int:
        return len(self.variables)

    @classmethod
    def from_text(cls, text: str, variables: Sequence[str] | int, domain: Domain | str, name: str = "user"):
        """A user regularizer from expression text, parsed safely (see ``parse_expression``)."""
        domain = Domain.parse(domain)
        if isinstance(variables, int):
            symbols = make_variables(variables, domain)
        else:
            check_variable_names(variables, "the regularizer")
            symbols = tuple(sp.Symbol(str(v), **domain.symbol_assumptions) for v in variables)
        phi = parse_expression(text, {str(s): s for s in symbols})
        return cls(name=name, phi=phi, variables=symbols, domain=domain)


def _drop_distributions(expr: sp.Expr) -> sp.Expr:
    # d|x|/dx = sign(x) differentiates to 2*DiracDelta(x); the delta lives on a null set, where MD never
    # evaluates, so it is dropped rather than carried into numerical code that cannot evaluate it.
    return expr.replace(sp.DiracDelta, lambda *args: sp.Integer(0))


@functools.cache
def mirror_map(reg: Regularizer) -> sp.Matrix:
    """grad phi, as a column."""
    terms = sp.Add.make_args(reg.phi)
    tidied: dict = {}  # same one-variable entry up to renaming: simplified once (d = 100 repeats one shape)
    entries = []
    for v in reg.variables:
        raw = _drop_distributions(sp.Add(*(sp.diff(term, v) for term in terms if v in term.free_symbols)))
        canonical = sp.Symbol("mdtheory_coordinate", **v.assumptions0)
        if raw.free_symbols == {v}:
            shape = raw.xreplace({v: canonical})
            if shape not in tidied:
                tidied[shape] = _tidy(shape)
            entries.append(tidied[shape].xreplace({canonical: v}))
        else:
            entries.append(_tidy(raw))
    return sp.Matrix(entries)


SIMPLIFY_MAX_OPS = 120


def _tidy(expr: sp.Expr) -> sp.Expr:
    # Simplifying small entries pays off downstream (hypentropy's gradient collapses to asinh(x/beta));
    # large ones are left alone because simplify's cost grows steeply with size.
    # Abs and sign are left alone: simplify rewrites |x|^(p-1) sign(x) through sqrt(x), which is complex
    # for negative x.
    if expr.has(sp.Abs, sp.sign) or sp.count_ops(expr) > SIMPLIFY_MAX_OPS:
        return expr
    return sp.simplify(expr)


@functools.cache
def hessian(reg: Regularizer) -> sp.Matrix:
    grad = mirror_map(reg)
    return sp.Matrix(reg.dim, reg.dim, lambda i, j: _drop_distributions(sp.diff(grad[i], reg.variables[j]))
                     if reg.variables[j] in grad[i].free_symbols else sp.Integer(0))


@functools.cache
def dual_variables(reg: Regularizer) -> tuple[sp.Symbol, ...]:
    """Symbols for the dual point y = grad phi(x)."""
    return tuple(sp.Symbol(f"y{i + 1}", real=True) for i in range(reg.dim))


@functools.cache
def second_point(reg: Regularizer) -> tuple[sp.Symbol, ...]:
    """Symbols for the second argument of the Bregman divergence (same assumptions as x)."""
    return tuple(sp.Symbol(f"{v}'", **reg.domain.symbol_assumptions) for v in reg.variables)


@functools.cache
def bregman_divergence(reg: Regularizer) -> sp.Expr:
    """D_phi(x, x') = phi(x) - phi(x') - <grad phi(x'), x - x'>, in the variables and ``second_point``."""
    other = second_point(reg)
    at_other = dict(zip(reg.variables, other))
    grad_other = mirror_map(reg).subs(at_other)
    linear = sum(g * (x - xo) for g, x, xo in zip(grad_other, reg.variables, other))
    return reg.phi - reg.phi.subs(at_other) - linear


@functools.cache
def is_separable(reg: Regularizer) -> bool:
    """phi = sum_i h_i(x_i): the Hessian is diagonal and each grad_i depends on x_i alone."""
    grad = mirror_map(reg)
    return all(grad[i].free_symbols <= {reg.variables[i]} for i in range(reg.dim))


@functools.cache
def is_quadratic(reg: Regularizer) -> bool:
    """Constant Hessian: phi is a quadratic and its mirror map is affine."""
    return all(entry.free_symbols == set() for entry in hessian(reg))


@dataclass(frozen=True)
class ConvexityCertificate:
    """How strict convexity was established: 'symbolic' (a proof) or 'sampled' (evidence only)."""

    method: str
    detail: str


def random_domain_point(reg: Regularizer, rng: random.Random, digits: int = 100) -> list[sp.Rational]:
    """A random exact point with ``digits`` significant digits inside the domain."""
    scale = 10**digits

    def uniform(lo, hi):
        return sp.Rational(lo) + (sp.Rational(hi) - sp.Rational(lo)) * sp.Rational(rng.randrange(1, scale), scale)

    if reg.domain is Domain.REALS:
        return [uniform(-3, 3) for _ in range(reg.dim)]
    if reg.domain is Domain.BOX:
        return [uniform("1/100", "99/100") for _ in range(reg.dim)]
    point = [uniform("1/100", 3) for _ in range(reg.dim)]
    if reg.domain is Domain.SIMPLEX:
        total = sum(point)
        point = [p / total for p in point]
    return point


@functools.cache
def strict_convexity(reg: Regularizer) -> ConvexityCertificate:
    """Prove phi strictly convex on its domain symbolically where possible, else check sample points.

    Raises NotStrictlyConvexError, naming a point where the Hessian fails, when it is not.
    """
    hess = hessian(reg)
    fix = "add a strongly convex term (e.g. ||x||^2/2) or restrict the domain"
    if is_quadratic(reg):
        if hess.is_positive_definite:
            return ConvexityCertificate("symbolic", "constant Hessian, positive definite (exact Cholesky)")
        raise NotStrictlyConvexError(
            f"phi of {reg.name!r} is not strictly convex: its constant Hessian {hess.tolist()} is not "
            f"positive definite; {fix}"
        )
    if is_separable(reg):
        try:
            signs = within_budget(_curvature_signs, hess)
        except BudgetExceeded:
            signs = ["unknown"] * reg.dim
        for i, v in enumerate(reg.variables):
            if signs[i] == "nonpositive":
                raise NotStrictlyConvexError(
                    f"phi of {reg.name!r} is not strictly convex on {reg.domain.describe()}: "
                    f"d^2 phi/d{v}^2 = {hess[i, i]} is never positive there; {fix}"
                )
        if all(sign == "positive" for sign in signs):
            return ConvexityCertificate("symbolic", "separable; each h_i'' > 0 proved from the domain assumptions")
    return _sampled_convexity(reg, hess, fix)


def _curvature_signs(hess: sp.Matrix) -> list[str]:
    """For each diagonal entry h_i'': 'positive', 'nonpositive' (proved by sympy) or 'unknown'. Distinct
    entries are simplified once (at d = 100 they are mostly one shape)."""
    signs: dict = {}
    result = []
    for i in range(hess.rows):
        entry = hess[i, i]
        if entry not in signs and sp.count_ops(entry) > 4 * SIMPLIFY_MAX_OPS:
            signs[entry] = "unknown"  # too large to simplify within reason: checked along the run instead
        if entry not in signs:
            simplified = sp.simplify(entry)
            signs[entry] = ("positive" if simplified.is_positive else
                            "nonpositive" if simplified.is_nonpositive else "unknown")
        result.append(signs[entry])
    return result


def _sampled_convexity(reg: Regularizer, hess: sp.Matrix, fix: str) -> ConvexityCertificate:
    rng = random.Random(20260611)
    ctx = mpmath.MPContext()
    ctx.dps = SAMPLE_DIGITS
    for _ in range(CONVEXITY_SAMPLE_POINTS):
        point = random_domain_point(reg, rng, digits=30)
        values = hess.subs(dict(zip(reg.variables, point))).evalf(SAMPLE_DIGITS)
        matrix = ctx.matrix([[ctx.mpf(str(values[i, j])) for j in range(reg.dim)] for i in range(reg.dim)])
        smallest = min(ctx.eigsy(matrix)[0])
        if not smallest > 0:
            shown = ", ".join(ctx.nstr(ctx.mpf(str(p.evalf(12))), 6) for p in point)
            raise NotStrictlyConvexError(
                f"phi of {reg.name!r} is not strictly convex on {reg.domain.describe()}: at x = ({shown}) "
                f"the Hessian's smallest eigenvalue is {ctx.nstr(smallest, 6)} <= 0; {fix}"
            )
    return ConvexityCertificate(
        "sampled", f"Hessian positive definite at {CONVEXITY_SAMPLE_POINTS} random points (evidence, not proof)"
    )
