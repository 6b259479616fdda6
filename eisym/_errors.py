"""The one exception hierarchy of eisym.

Every error eisym raises on purpose is an :class:`EisymError`; each subclass also
inherits the builtin a caller would naturally catch (``ValueError`` for bad input,
``ArithmeticError`` for numerical failure), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "EisymError",
    "SpecError",
    "ExpressionError",
    "NoConvergence",
    "PrecisionError",
    "MissingDependency",
]


class EisymError(Exception):
    """Base class of every error eisym raises deliberately."""


class SpecError(EisymError, ValueError):
    """A network specification, weight array, sample set or box is malformed."""


class ExpressionError(EisymError, ValueError):
    """A user-supplied expression is unparsable, unsafe or not smooth."""


class NoConvergence(EisymError, ArithmeticError):
    """An iterative method did not converge to the requested accuracy."""


class PrecisionError(EisymError, ArithmeticError):
    """The working precision cannot decide a question (a rank, a sign)."""


class MissingDependency(EisymError, ImportError):
    """An optional extra is needed for this call; the message names the pip extra."""
