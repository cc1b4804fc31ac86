"""Errors and warnings raised on bad input.

Every message names the problem and the fix: a researcher reading a traceback should know what to change
without opening the source.
"""


class MDTheoryError(ValueError):
    """Base class of every input error mdtheory raises."""


class ExpressionError(MDTheoryError):
    """Text that is not an allowed mathematical expression."""


class NotStrictlyConvexError(MDTheoryError):
    """A regularizer whose Hessian is not positive definite on its domain."""


class DomainError(MDTheoryError):
    """A point (start, perturbed start or iterate) outside the regularizer's domain."""


class StepSizeError(MDTheoryError):
    """A step size that is non-positive or breaks the assumptions of the method."""


class NewtonConvergenceError(MDTheoryError):
    """The numerical inverse mirror map did not converge."""


class PrecisionError(MDTheoryError):
    """A working precision too low for what was asked."""


class OverflowGuardError(MDTheoryError):
    """A value grew past what any precision can hold (exp of an astronomically large argument): computing it
    would take unbounded time and memory, so the run stops."""


class FloatLiteralWarning(UserWarning):
    """A float literal was converted to the exact decimal it was written as."""


class InverseMirrorMapFallbackWarning(UserWarning):
    """A closed-form inverse mirror map failed its checks, so Newton is used instead."""


class MissingExtraError(MDTheoryError):
    """An optional package (an extra such as `real`) that a problem needs is not installed."""
