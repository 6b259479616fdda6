"""Rigorous interval enclosures of the gradient and Hessian of a sympy expression.

The gradient and Hessian are differentiated once with sympy; each entry is then evaluated
on intervals by walking its expression tree (shared subexpressions once per call), on the
outward-rounded numpy arrays of ``_interval.IA`` for many boxes at once, or on arb balls
for one box. Supported: numbers, pi, the input symbols, +, *, integer and rational powers,
exp, log, tanh, sin and cos (the functions :func:`eisym.parse_expression` accepts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ._errors import ExpressionError
from ._expr import ParsedExpression, parse_expression
from ._interval import _NP_TABLE, IA, _down, _power_np, _range_np, _up, _widen
from ._interval_arb import _arb_table, _range_arb, to_arb_boxes

__all__ = ["ExpressionUnit", "expression_unit", "enclose_expr_np", "enclose_expr_arb"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpressionUnit:
    """A smooth expression with its symbolic gradient and Hessian, ready for interval evaluation.

    ``text`` reads back to the same expression with :func:`eisym.parse_expression`, so a
    certificate can store it and re-check it without evaluating untrusted text.
    """

    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    text: str
    gradient: tuple[sp.Expr, ...]
    hessian: tuple[tuple[sp.Expr, ...], ...]

    @property
    def m(self) -> int:
        return len(self.variables)


_FUNCS = (sp.exp, sp.log, sp.tanh, sp.sin, sp.cos)


def expression_unit(
    f: str | sp.Expr | ParsedExpression, variables: Sequence[object] | None = None
) -> ExpressionUnit:
    """Parse or accept a smooth expression and differentiate it twice.

    Examples
    --------
    >>> unit = expression_unit("x**2 - y**2")
    >>> unit.gradient, unit.text
    ((2*x, -2*y), 'x**2 - y**2')
    """
    names = None if variables is None else [str(v) for v in variables]
    if isinstance(f, str):
        parsed = parse_expression(f, names)
    elif isinstance(f, ParsedExpression):
        parsed = f
    elif isinstance(f, sp.Expr):
        order = [str(s) for s in sorted(f.free_symbols, key=sp.default_sort_key)] if names is None else names
        parsed = parse_expression(str(f), order)
        if parsed.expr != f:
            raise ExpressionError(
                f"expression {f} does not read back unchanged from its text {str(f)!r}; "
                "write numbers as integers or fractions (no sympy Floats, no E)"
            )
    else:
        raise ExpressionError(f"expected an expression (text or sympy), got {type(f).__name__}")
    expr, syms = parsed.expr, parsed.variables
    if not syms:
        raise ExpressionError(f"expression {expr} has no variables: every point is critical")
    for fn in expr.atoms(sp.Function):
        if not isinstance(fn, _FUNCS):
            raise ExpressionError(f"{fn.func} is not supported; use exp, log, tanh, sin, cos and powers")
    grad = tuple(sp.diff(expr, s) for s in syms)
    hess = tuple(tuple(sp.diff(g, s) for s in syms) for g in grad)
    return ExpressionUnit(expr=expr, variables=syms, text=str(expr), gradient=grad, hessian=hess)


# ---------------------------------------------------------------- numpy intervals


def _const_np(value: sp.Expr, shape: tuple[int, ...]) -> IA:
    f = float(value)
    lo = hi = np.array(f)
    if not isinstance(value, sp.Rational) or Fraction(f) != Fraction(int(value.p), int(value.q)):
        lo, hi = _down(_down(lo)), _up(_up(hi))  # pi, or a rational that is not a float
    return IA(np.full(shape, float(lo)), np.full(shape, float(hi)))


def _recip_np(x: IA) -> IA:
    ok = (x.lo > 0) | (x.hi < 0)
    with np.errstate(all="ignore"):
        lo = np.where(ok, _down(1 / x.hi), -np.inf)
        hi = np.where(ok, _up(1 / x.lo), np.inf)
    return IA(lo, hi)


def _monotone_np(f, x: IA) -> IA:  # type: ignore[no-untyped-def]
    return _widen(f(x.lo), f(x.hi))


class _NpTree:
    def __init__(self, unit: ExpressionUnit, x: IA) -> None:
        self.index = {s: i for i, s in enumerate(unit.variables)}
        self.x = x
        self.shape = x.shape[:1]
        self.memo: dict[sp.Expr, IA] = {}

    def __call__(self, e: sp.Expr) -> IA:
        hit = self.memo.get(e)
        if hit is None:
            hit = self.memo[e] = self._eval(e)
        return hit

    def _eval(self, e: sp.Expr) -> IA:
        if e.is_Symbol:
            return self.x[:, self.index[e]]
        if e.is_Rational or e is sp.pi:
            return _const_np(e, self.shape)
        args = [self(a) for a in e.args] if not e.is_Pow else []
        if e.is_Add:
            out = args[0]
            for a in args[1:]:
                out = out + a
            return out
        if e.is_Mul:
            out = args[0]
            for a in args[1:]:
                out = out * a
            return out
        if e.is_Pow:
            base, expo = e.args
            b = self(base)
            if expo.is_Integer:
                n = int(expo)
                p = _power_np(b, abs(n)) if n != 0 else _const_np(sp.S.One, self.shape)
                return p if n >= 0 else _recip_np(p)
            if expo == sp.S.Half:
                return IA(_down(np.sqrt(b.lo)), _up(np.sqrt(b.hi)))
            return _monotone_np(np.exp, self(expo * sp.log(base)))
        if len(args) != 1:
            raise ExpressionError(f"cannot evaluate {e} on intervals")
        (a,) = args
        if isinstance(e, sp.exp):
            return _monotone_np(np.exp, a)
        if isinstance(e, sp.log):
            return _monotone_np(np.log, a)
        if isinstance(e, sp.tanh):
            return _monotone_np(np.tanh, a)
        if isinstance(e, sp.sin):
            return _range_np(*_NP_TABLE["sine"][0], a)
        if isinstance(e, sp.cos):
            return _range_np(*_NP_TABLE["sine"][1], a)
        raise ExpressionError(f"cannot evaluate {e} on intervals")


def enclose_expr_np(
    unit: ExpressionUnit, lo: np.ndarray, hi: np.ndarray, order: int = 2
) -> tuple[IA, IA | None]:
    """Interval gradient (B, m) and Hessian (B, m, m) of the expression over boxes [lo, hi].

    Examples
    --------
    >>> g, _ = enclose_expr_np(expression_unit("x**2"), np.array([[1.0]]), np.array([[2.0]]))
    >>> bool(g.lo[0, 0] <= 2.0 and g.hi[0, 0] >= 4.0)
    True
    """
    m = unit.m
    with np.errstate(all="ignore"):
        tree = _NpTree(unit, IA(lo, hi))
        gs = [tree(e) for e in unit.gradient]
        g = IA(np.stack([v.lo for v in gs], axis=1), np.stack([v.hi for v in gs], axis=1))
        if order < 2:
            return g, None
        hs = [[tree(unit.hessian[i][j]) for j in range(m)] for i in range(m)]
        h = IA(
            np.array([[v.lo for v in row] for row in hs]).transpose(2, 0, 1),
            np.array([[v.hi for v in row] for row in hs]).transpose(2, 0, 1),
        )
    return g, h


# ---------------------------------------------------------------- arb balls


def _hull(*values):  # type: ignore[no-untyped-def]
    out = values[0]
    for v in values[1:]:
        out = out.union(v)
    return out


def _mul_arb(a, b):  # type: ignore[no-untyped-def]
    # Midpoint-radius products overestimate on wide balls; endpoint products are exact ranges.
    if a.is_exact() or b.is_exact():
        return a * b
    al, ah, bl, bh = a.lower(), a.upper(), b.lower(), b.upper()
    return _hull(al * bl, al * bh, ah * bl, ah * bh)


def _pow_arb(b, n: int):  # type: ignore[no-untyped-def]
    from flint import arb

    if b.is_exact():
        return b**n
    lo, hi = b.lower(), b.upper()
    p = _hull(lo**n, hi**n)
    if n % 2 == 0 and lo <= 0 <= hi:
        p = p.union(arb(0))
    return p


def _monotone_arb(f, a):  # type: ignore[no-untyped-def]
    return f(a) if a.is_exact() else _hull(f(a.lower()), f(a.upper()))


class _ArbTree:
    def __init__(self, unit: ExpressionUnit, x) -> None:  # type: ignore[no-untyped-def]
        self.index = {s: i for i, s in enumerate(unit.variables)}
        self.x = x
        self.memo: dict[sp.Expr, object] = {}
        self.trig: Any = _arb_table()["sine"]

    def __call__(self, e: sp.Expr):  # type: ignore[no-untyped-def]
        hit = self.memo.get(e)
        if hit is None:
            hit = self.memo[e] = self._eval(e)
        return hit

    def _eval(self, e: sp.Expr):  # type: ignore[no-untyped-def]
        from flint import arb, fmpq

        if e.is_Symbol:
            return self.x[self.index[e]]
        if e.is_Rational:
            return arb(fmpq(int(e.p), int(e.q)))
        if e is sp.pi:
            return arb.pi()
        if e.is_Add:
            return sum((self(a) for a in e.args[1:]), self(e.args[0]))
        if e.is_Mul:
            out = self(e.args[0])
            for a in e.args[1:]:
                out = _mul_arb(out, self(a))
            return out
        if e.is_Pow:
            base, expo = e.args
            b = self(base)
            if expo.is_Integer:
                n = int(expo)
                return _pow_arb(b, n) if n >= 0 else 1 / _pow_arb(b, -n)
            if expo == sp.S.Half:
                return _monotone_arb(lambda v: v.sqrt(), b)
            return _monotone_arb(lambda v: v.exp(), _mul_arb(self(expo), _monotone_arb(lambda v: v.log(), b)))
        if len(e.args) != 1:
            raise ExpressionError(f"cannot evaluate {e} on arb balls")
        a = self(e.args[0])
        if isinstance(e, (sp.sin, sp.cos)):
            f, extrema = self.trig[0 if isinstance(e, sp.sin) else 1]
            return _range_arb(f, extrema, a)
        for cls in _FUNCS:
            if isinstance(e, cls):
                return _monotone_arb(lambda v, name=cls.__name__: getattr(v, name)(), a)
        raise ExpressionError(f"cannot evaluate {e} on arb balls")


def enclose_expr_arb(unit: ExpressionUnit, lo: Sequence[float], hi: Sequence[float], order: int = 2):  # type: ignore[no-untyped-def]
    """Arb gradient (m,) and Hessian (m, m) object arrays of the expression over one box.

    Examples
    --------
    >>> g, h = enclose_expr_arb(expression_unit("x**3"), [2.0], [2.0])
    >>> g[0], h[0, 0]
    (12.0000000000000, 12.0000000000000)
    """
    tree = _ArbTree(unit, to_arb_boxes(lo, hi)[0])
    g = np.array([tree(e) for e in unit.gradient], dtype=object)
    if order < 2:
        return g, None
    m = unit.m
    h = np.array([[tree(unit.hessian[i][j]) for j in range(m)] for i in range(m)], dtype=object)
    return g, h
