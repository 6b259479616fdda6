"""The arb backend of the interval recurrences in ``_interval.py``: one box at a time.

Values are numpy object arrays of python-flint ``arb`` balls, so the same layer-wise
recurrence runs on them. Activation ranges are taken from the exact ball endpoints plus any
interior extremum (as in the numpy backend), never from a naive composition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import sympy as sp

from ._errors import SpecError
from ._interval import (
    _Z_SIG,
    _Z_TANH,
    NetworkUnit,
    _contains_extremum,
    _poly_derivatives,
    _recurrence,
)

__all__ = ["arb_ball", "arb_backend", "enclose_arb", "to_arb_boxes"]


def arb_ball(lo: float, hi: float):  # type: ignore[no-untyped-def]
    """An arb ball containing [lo, hi] (exact float endpoints)."""
    from flint import arb

    if lo == hi:
        return arb(lo)
    mid = (arb(lo) + arb(hi)) / 2
    rad = (arb(hi) - arb(lo)) / 2
    return mid + arb(0, rad.upper())


def _arb_number(value: sp.Expr):  # type: ignore[no-untyped-def]
    from flint import arb, fmpq

    q = sp.Rational(value) if isinstance(value, (sp.Rational, sp.Float)) else None
    if q is None:
        raise SpecError(f"cannot use {value} as an exact weight")
    return arb(fmpq(int(q.p), int(q.q)))


def _arb_const(name: str):  # type: ignore[no-untyped-def]
    from flint import arb

    three = arb(3)
    zs = (2 + three.sqrt()).log()
    return {"zs": zs, "vs": three.sqrt() / 18, "zt": zs / 2, "vt": 4 / (3 * three.sqrt())}[name]


def _arb_sig(z):  # type: ignore[no-untyped-def]
    return 1 / (1 + (-z).exp())


def _arb_dsig(z):  # type: ignore[no-untyped-def]
    e = (-abs(z)).exp()
    return e / ((1 + e) * (1 + e))


def _arb_d2sig(z):  # type: ignore[no-untyped-def]
    # S'' = -sgn(z) e (1 - e) / (1 + e)^3 with e = exp(-|z|): no cancellation for large |z|.
    e = (-abs(z)).exp()
    value = e * (-abs(z)).expm1() / ((1 + e) ** 3)
    return -value if z < 0 else value


def _arb_table():  # type: ignore[no-untyped-def]
    from flint import arb

    pi = arb.pi()
    zs, vs, zt, vt = (_arb_const(k) for k in ("zs", "vs", "zt", "vt"))
    return {
        "sigmoid": (
            (_arb_sig, ()),
            (_arb_dsig, ((0.0, arb(0.25), False),)),
            (_arb_d2sig, ((_Z_SIG, -vs, False), (-_Z_SIG, vs, False))),
        ),
        "tanh": (
            (lambda z: z.tanh(), ()),
            (lambda z: z.sech() ** 2, ((0.0, arb(1), False),)),
            (lambda z: -2 * z.tanh() * z.sech() ** 2, ((_Z_TANH, -vt, False), (-_Z_TANH, vt, False))),
        ),
        "softplus": (
            (lambda z: (1 + z.exp()).log(), ()),
            (_arb_sig, ()),
            (_arb_dsig, ((0.0, arb(0.25), False),)),
        ),
        "sine": (
            (lambda z: z.sin(), ((math.pi / 2, arb(1), True), (-math.pi / 2, arb(-1), True))),
            (lambda z: z.cos(), ((0.0, arb(1), True), (math.pi, arb(-1), True))),
            (lambda z: -z.sin(), ((-math.pi / 2, arb(1), True), (math.pi / 2, arb(-1), True))),
        ),
        "pi": pi,
        "zt": zt,
        "zs": zs,
    }


def _range_arb(f, extrema, z):  # type: ignore[no-untyped-def]
    lo, hi = z.lower(), z.upper()
    out = f(lo) if lo == hi else f(lo).union(f(hi))
    flo = np.array([float(lo)])
    fhi = np.array([float(hi)])
    for loc, val, periodic in extrema:
        if bool(_contains_extremum(np.nextafter(flo, -np.inf), np.nextafter(fhi, np.inf), loc, periodic)[0]):
            out = out.union(val)
    return out


def _poly_arb(coeffs, z):  # type: ignore[no-untyped-def]
    from flint import arb

    lo, hi = z.lower(), z.upper()
    total = arb(0)
    for i, c in enumerate(coeffs):
        if c == 0:
            continue
        if i == 0:
            total += c
            continue
        p = (lo**i).union(hi**i)
        if i % 2 == 0 and lo <= 0 <= hi:
            p = p.union(arb(0))
        total += c * p
    return total


class _ArbBackend:
    def __init__(self, unit: NetworkUnit) -> None:
        from flint import arb, fmpq

        self.unit = unit
        self.weights = [
            np.array([[_arb_number(x) for x in row] for row in rows], dtype=object) for rows in unit.exact
        ]
        self.biases = [
            None if b is None else np.array([_arb_number(x) for x in b], dtype=object)
            for b in unit.exact_biases
        ]
        self.table = _arb_table()
        self.poly = [
            tuple([arb(fmpq(c.numerator, c.denominator)) for c in cs] for cs in _poly_derivatives(coeffs))
            for coeffs in unit.poly
        ]
        self.zero = arb(0)
        self.one = arb(1)

    def layer(self, u: int):  # type: ignore[no-untyped-def]
        return self.weights[u], self.biases[u]

    @staticmethod
    def matmul(w, x):  # type: ignore[no-untyped-def]
        return np.matmul(w, x)

    @staticmethod
    def bias(b, z):  # type: ignore[no-untyped-def]
        return z + b

    @staticmethod
    def const(w, batch):  # type: ignore[no-untyped-def]
        return np.broadcast_to(w, (batch, *w.shape)).copy()

    def activate(self, u: int, z, need):  # type: ignore[no-untyped-def]
        name = self.unit.activations[u]
        flat = z.ravel()
        if name == "identity":
            parts = [
                flat.copy(),
                np.array([self.one] * flat.size, dtype=object),
                np.array([self.zero] * flat.size, dtype=object),
            ]
        elif name == "polynomial":
            parts = [
                np.array([_poly_arb(c, v) for v in flat], dtype=object) if k else None
                for c, k in zip(self.poly[u], need, strict=True)
            ]
        else:
            parts = [
                np.array([_range_arb(f, ext, v) for v in flat], dtype=object) if k else None
                for (f, ext), k in zip(self.table[name], need, strict=True)
            ]
        return tuple(None if p is None else p.reshape(z.shape) for p in parts)


def to_arb_boxes(lo: Sequence[float], hi: Sequence[float]) -> np.ndarray:
    """A (1, m) object array of arb balls for the box [lo, hi]."""
    return np.array([[arb_ball(a, b) for a, b in zip(lo, hi, strict=True)]], dtype=object)


def arb_backend(unit: NetworkUnit):  # type: ignore[no-untyped-def]
    """The unit's weights as arb balls at the current precision, to reuse across enclose_arb calls."""
    return _ArbBackend(unit)


def enclose_arb(unit: NetworkUnit, lo: Sequence[float], hi: Sequence[float], order: int = 2, backend=None):  # type: ignore[no-untyped-def]
    """Arb gradient (m,) and Hessian (m, m) object arrays over one box (same meaning as enclose_np).

    ``backend`` (from :func:`arb_backend`) saves converting the weights again.

    Examples
    --------
    >>> from eisym import build_network
    >>> from eisym._interval import network_unit
    >>> unit = network_unit(build_network("1,1,1", "identity", weights=[[[2]], [[3]]]))
    >>> g, h = enclose_arb(unit, [0.0], [1.0])
    >>> g[0], h[0, 0]
    (6.00000000000000, 0)
    """
    from flint import arb

    m = unit.m
    bk = backend if backend is not None else arb_backend(unit)
    g, h = _recurrence(bk, unit, to_arb_boxes(lo, hi), 1, order)
    if order == 2 and h is None:
        h = np.array([[arb(0)] * m for _ in range(m)], dtype=object)[None]
    return g[0], (h[0] if h is not None else None)
