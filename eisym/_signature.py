"""Hessian signatures (inertia): exact by Descartes' rule, or from high-precision eigenvalues.

The characteristic polynomial of a real symmetric matrix has only real roots, so Descartes'
rule of signs counts its positive roots exactly: the number of sign changes in the
coefficients. Negative roots are the positive roots of p(-t); zero roots are the trailing
zero coefficients. Numerically, an eigenvalue whose distance from zero is within its error
bound counts as zero, so a point is called degenerate unless the precision proves otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy as sp

from ._errors import PrecisionError, SpecError

__all__ = [
    "hessian_signature",
    "signature_at_root",
    "sign_at_root",
    "numeric_signature",
    "signature_type",
    "POINT_TYPES",
]

POINT_TYPES = ("minimum", "maximum", "saddle", "degenerate")


def _sign(c: sp.Expr) -> int:
    """The exact sign of a real algebraic number."""
    c = sp.sympify(c)
    if c.is_Rational:
        return int(c.p > 0) - int(c.p < 0)
    c = sp.expand(c)
    if c.is_zero:
        return 0
    if c.is_zero is None:
        try:
            poly = sp.minimal_polynomial(c, sp.Dummy("t"), polys=True)
        except (NotImplementedError, ValueError, sp.PolynomialError) as exc:
            raise PrecisionError(
                f"cannot decide the sign of {c} exactly (not an algebraic number); "
                "use the numeric signature at high precision instead"
            ) from exc
        if poly.degree() == 1 and poly.TC() == 0:
            return 0
    # c is a nonzero algebraic number now, so enough digits decide its sign.
    digits = 30
    while True:
        approx = c.evalf(digits)
        if approx.is_Float and abs(approx) > sp.Float(10) ** (5 - digits) * max(1, abs(approx)):
            return 1 if approx > 0 else -1
        if digits > 2000:
            raise PrecisionError(f"cannot decide the sign of {c} with {digits} digits")
        digits *= 2


def _sign_changes(signs: Sequence[int]) -> int:
    nonzero = [s for s in signs if s != 0]
    return sum(1 for a, b in zip(nonzero, nonzero[1:], strict=False) if a != b)


def hessian_signature(hessian: sp.MatrixBase | Sequence[Sequence[object]]) -> tuple[int, int, int]:
    """(n_plus, n_minus, n_zero) of an exact symmetric matrix.

    Parameters
    ----------
    hessian : sympy Matrix or nested sequence
        Exact entries: integers, rationals or real algebraic numbers (radicals, CRootOf).

    Raises
    ------
    SpecError
        If the matrix is not square and symmetric or has float or symbolic entries.

    Examples
    --------
    >>> hessian_signature([[2, 0], [0, -2]])
    (1, 1, 0)
    >>> hessian_signature([[1, sp.sqrt(2)], [sp.sqrt(2), 2]])
    (1, 0, 1)
    """
    h = sp.Matrix(hessian)
    if not h.is_square or h.rows == 0:
        raise SpecError(f"a Hessian must be a non-empty square matrix, got shape {h.shape}")
    if h.has(sp.Float):
        raise SpecError("hessian_signature needs exact entries; floats need the numeric signature")
    if h.free_symbols:
        raise SpecError(f"hessian_signature needs numbers, got symbols {sorted(map(str, h.free_symbols))}")
    if any(sp.expand(h[i, j] - h[j, i]) != 0 for i in range(h.rows) for j in range(i)):
        raise SpecError("the Hessian must be symmetric")
    dm = h.to_DM()
    return _descartes([_sign(dm.domain.to_sympy(c)) for c in dm.charpoly()])


def signature_at_root(hessian: sp.MatrixBase, s: sp.Symbol, root: sp.Expr) -> tuple[int, int, int]:
    """The exact signature of ``hessian`` (polynomial entries in ``s``) at s = ``root``.

    ``root`` is rational or a ``CRootOf`` (its defining polynomial is irreducible, so a
    polynomial vanishes at the root exactly when the defining polynomial divides it).

    Examples
    --------
    >>> s = sp.Symbol("s")
    >>> signature_at_root(sp.Matrix([[s, 1], [1, s]]), s, sp.CRootOf(s**2 - 2, 1))
    (2, 0, 0)
    """
    dm = sp.Matrix(hessian).to_DM()
    coeffs = [sp.sympify(dm.domain.to_sympy(c)) for c in dm.charpoly()]
    return _descartes([sign_at_root(c, s, root) for c in coeffs])


def sign_at_root(poly: sp.Expr, s: sp.Symbol, root: sp.Expr) -> int:
    """The exact sign of the polynomial ``poly`` in ``s`` at a rational or CRootOf ``root``."""
    if root.is_Rational:
        return _sign(sp.sympify(poly).subs(s, root))
    p = sp.Poly(poly, s)
    if p.is_zero:
        return 0
    defining = sp.Poly(root.poly.as_expr().subs(root.poly.gen, s), s)
    if p.rem(defining).is_zero:
        return 0
    # p(root) != 0 now: evaluate at ever closer approximations until the value clears the
    # rounding bound sum |c_i| R^i 10^-(digits - 5), R = |root| + 1.
    coeffs = [abs(sp.Rational(c)) for c in p.all_coeffs()]
    digits = 30
    while digits <= 4000:
        approx = root.evalf(digits)
        big = abs(approx) + 1
        scale = sp.Add(*(c * big**i for i, c in enumerate(reversed(coeffs))))
        bound = scale * sp.Float(10, digits) ** (5 - digits)
        value = p.eval(approx)
        if abs(value) > bound:
            return 1 if value > 0 else -1
        digits *= 2
    raise PrecisionError(f"cannot decide the sign of {p.as_expr()} at {root}")


def _descartes(signs: list[int]) -> tuple[int, int, int]:
    n = len(signs) - 1
    n_zero = 0
    while n_zero < n and signs[n - n_zero] == 0:
        n_zero += 1
    n_plus = _sign_changes(signs)
    # p(-t) flips the sign of the coefficients of odd powers of t.
    n_minus = _sign_changes([s if (n - i) % 2 == 0 else -s for i, s in enumerate(signs)])
    if n_plus + n_minus + n_zero != n:
        raise PrecisionError("the characteristic polynomial is not real-rooted; is the matrix real?")
    return n_plus, n_minus, n_zero


def numeric_signature(eigenvalues: Sequence[object], tolerance: object) -> tuple[int, int, int]:
    """(n_plus, n_minus, n_zero) from eigenvalues known to within ``tolerance``.

    Values may be numbers or decimal strings (read exactly); |lambda| <= tolerance counts as zero.

    Examples
    --------
    >>> numeric_signature(["2.0", "-1e-30", "3e-5"], "1e-20")
    (2, 0, 1)
    """
    tol = abs(_exact(tolerance))
    values = [_exact(v) for v in eigenvalues]
    return (
        sum(1 for v in values if v > tol),
        sum(1 for v in values if v < -tol),
        sum(1 for v in values if abs(v) <= tol),
    )


def _exact(value: object) -> Fraction:
    try:
        return Fraction(str(value)) if not isinstance(value, int | Fraction) else Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise SpecError(f"expected a finite number, got {value!r}") from exc


def signature_type(signature: Sequence[int]) -> str:
    """``minimum``, ``maximum``, ``saddle`` or ``degenerate`` for (n_plus, n_minus, n_zero).

    Examples
    --------
    >>> signature_type((2, 0, 0)), signature_type((1, 1, 0)), signature_type((1, 0, 1))
    ('minimum', 'saddle', 'degenerate')
    """
    n_plus, n_minus, n_zero = signature
    if n_zero:
        return "degenerate"
    if n_minus == 0:
        return "minimum"
    if n_plus == 0:
        return "maximum"
    return "saddle"
