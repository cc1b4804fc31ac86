"""The lower end of gd's suboptimality at 0 < eta L <= 1: Drori & Teboulle's Huber run, exactly.

f = L_f Huber(x) (x^2/2 on |x| <= 1, |x| - 1/2 beyond: convex and 1-smooth) from x_0 = 2 eta L_f T + 1, in one
dimension: every iterate stays on the linear part, and (f(x_T) - f*)/(||x_0 - x*||^2/2) = L_f/(2 eta L_f T + 1),
the worst case over the class (``tight_gd`` proves the same value above for every T). Its own module so that
``worst_case`` (the fixed-T lower end) and ``tight_gd`` (the proof for every T) both use it without importing
each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


def tau(T: int, h: Fraction) -> Fraction:
    """The worst case with L = 1: 1/(2 h T + 1)."""
    return 1 / (2 * h * T + 1)


def _huber(x: Fraction) -> Fraction:
    return x * x / 2 if abs(x) <= 1 else abs(x) - Fraction(1, 2)


def _huber_slope(x: Fraction) -> Fraction:
    return max(Fraction(-1), min(Fraction(1), x))


def huber_iterates(T: int, h: Fraction) -> list[Fraction]:
    """GD's iterates x_0..x_T with step h on the 1-smooth Huber function with kink 1 from x_0 = 2 h T + 1."""
    iterates = [2 * h * T + 1]
    for _ in range(T):
        iterates.append(iterates[-1] - h * _huber_slope(iterates[-1]))
    return iterates


def huber_ratio(T: int, h: Fraction) -> Fraction:
    """(f(x_T) - f*)/(||x_0 - x*||^2/2) for the run of ``huber_iterates``, exactly."""
    iterates = huber_iterates(T, h)
    return _huber(iterates[-1]) / (iterates[0] ** 2 / 2)


def huber_class_violations(T: int, h: Fraction) -> list:
    """The interpolation inequalities (convex 1-smooth, Taylor, Hendrickx & Glineur) that the run's points, the
    minimizer 0 included, violate, checked exactly: empty when the Huber values and slopes seen by GD are those of
    a function of the class (independently of the argument that Huber's slope clip(x, -1, 1) is monotone and
    1-Lipschitz)."""
    from mdtheory.checker.interpolation import interpolation_violations

    points = [(Fraction(0),), *((x,) for x in huber_iterates(T, h))]
    triples = [(x, (_huber_slope(x[0]),), _huber(x[0])) for x in points]
    return interpolation_violations(Fraction(1), Fraction(0), triples)


@dataclass(frozen=True)
class HuberInstance:
    """The Huber run as an instance of the class for ``worst_case`` (its lower end for gd's suboptimality at
    eta L <= 1): the fields ``interpolation.instance_document`` writes, exactly."""

    value: Fraction  # (f(x_T) - f*)/(||x_0 - x*||^2/2) = L/(2 eta L T + 1), exactly
    objective: Fraction
    initial: Fraction
    functions: tuple  # (("f", L, 0, ((x, g, value), ...)),): x* = 0 first, then x_0..x_T, one-dimensional

    def describe(self) -> str:
        return (f"f = L_f Huber(x) (kink 1) from x_0 = 2 eta L_f T + 1, in one dimension (Drori & Teboulle): its "
                f"{len(self.functions[0][3])} points meet every interpolation inequality of the class exactly, and "
                f"f(x_T) - f* over ||x_0 - x*||^2/2 is L_f/(2 eta L_f T + 1) = {float(self.value):.9g}, exactly; it is "
                "the worst case over the class (checker/tight_gd.py proves the same bound above for every T)")


def huber_instance(T: int, eta: Fraction, L_f: Fraction) -> HuberInstance | None:
    """The Huber run at step h = eta L_f <= 1 for f = L_f Huber (the same iterates as Huber's with step h, values
    and slopes times L_f), checked exactly against every interpolation inequality; None past h = 1 or if a check
    fails (it does not: ``prove_for_every_t`` proves it for every T)."""
    h = eta * L_f
    if not 0 < h <= 1 or huber_class_violations(T, h):
        return None
    iterates = huber_iterates(T, h)
    triples = tuple(((x,), (L_f * _huber_slope(x),), L_f * _huber(x)) for x in (Fraction(0), *iterates))
    objective, initial = L_f * _huber(iterates[-1]), iterates[0] ** 2 / 2
    if objective / initial != L_f * tau(T, h):
        return None
    return HuberInstance(objective / initial, objective, initial, (("f", L_f, Fraction(0), triples),))
