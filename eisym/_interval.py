"""Rigorous interval enclosures of a network unit's gradient and Hessian over many boxes.

Two backends share one layer-wise recurrence (R1 and its second-order analogue, see
``_derive.py``):

* :class:`IA`, numpy arrays of lower and upper bounds with outward rounding, evaluating
  thousands of boxes per call (the bulk exclusion and bisection of a certified search);
* object arrays of python-flint ``arb`` balls (``_interval_arb.py``), for the final
  existence, uniqueness and type proofs and for re-checking a certificate.

Rigour of the numpy backend: every addition and multiplication is rounded outward with
``np.nextafter``; matrix products use a midpoint-radius form whose rounding error is
bounded by gamma_k = k u (Higham, Thm 3.1) and added to the radius; numpy's exp, tanh, sin
and friends are not correctly rounded, so every activation value is widened by a relative
margin of 2^-40 (thousands of ulps) plus an absolute 1e-300 (underflow). Activation ranges
are exact ranges of the scalar function over the interval (endpoints plus any interior
extremum, located conservatively), not naive compositions, so S'(z) = S(z)(1 - S(z)) never
suffers from the dependency problem. Decisions made on these enclosures (``lo > 0``,
containment) are all comparisons that are False on NaN, so an overflow can only cost a
proof, never give a wrong one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ._errors import SpecError
from ._network import Network

__all__ = ["IA", "PointMatrix", "NetworkUnit", "matmul", "network_unit", "enclose_np"]

_REL = 2.0**-40
_ABS = 1e-300
_SLACK = 1e-9
_TWO_PI = 2 * math.pi


_ULP = 2.0**-52
_MIN_SUBNORMAL = 2.0**-1074


# x -+ (|x| 2^-52 + 2^-1074) moves a rounded-to-nearest result at least one ulp outward (the
# step is at least ulp(x) in every binade and for subnormals), like np.nextafter but ~7x faster.
def _down(x: np.ndarray) -> np.ndarray:
    return x - (np.abs(x) * _ULP + _MIN_SUBNORMAL)


def _up(x: np.ndarray) -> np.ndarray:
    return x + (np.abs(x) * _ULP + _MIN_SUBNORMAL)


def _widen(lo: np.ndarray, hi: np.ndarray) -> IA:
    return IA(lo - (np.abs(lo) * _REL + _ABS), hi + (np.abs(hi) * _REL + _ABS))


class IA:
    """Arrays of closed intervals [lo, hi] with outward-rounded arithmetic.

    Examples
    --------
    >>> x = IA(np.array([1.0]), np.array([2.0]))
    >>> y = x * x - x
    >>> bool(y.lo[0] <= -1.0 and y.hi[0] >= 3.0)
    True
    """

    __slots__ = ("lo", "hi")

    def __init__(self, lo: np.ndarray, hi: np.ndarray) -> None:
        self.lo = np.asarray(lo, dtype=float)
        self.hi = np.asarray(hi, dtype=float)

    @staticmethod
    def point(x: np.ndarray) -> IA:
        """Degenerate intervals [x, x] (lo and hi are the same array, which ``is_point`` tests)."""
        x = np.asarray(x, dtype=float)
        return IA(x, x)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.lo.shape

    def __getitem__(self, key: Any) -> IA:
        if self.is_point:
            return IA.point(self.lo[key])
        return IA(self.lo[key], self.hi[key])

    def reshape(self, *shape: int) -> IA:
        if self.is_point:
            return IA.point(self.lo.reshape(*shape))
        return IA(self.lo.reshape(*shape), self.hi.reshape(*shape))

    def __neg__(self) -> IA:
        return IA(-self.hi, -self.lo)

    def __add__(self, other: IA) -> IA:
        return IA(_down(self.lo + other.lo), _up(self.hi + other.hi))

    def __sub__(self, other: IA) -> IA:
        return IA(_down(self.lo - other.hi), _up(self.hi - other.lo))

    @property
    def is_point(self) -> bool:
        return self.lo is self.hi

    def __mul__(self, other: IA) -> IA:
        if other.is_point or self.is_point:
            # A point factor p: the product's ends are lo*p and hi*p (two products, not four).
            x, p = (self, other.lo) if other.is_point else (other, self.lo)
            a, b = x.lo * p, x.hi * p
            return IA(_down(np.minimum(a, b)), _up(np.maximum(a, b)))
        q = (self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi)
        lo = np.minimum(np.minimum(q[0], q[1]), np.minimum(q[2], q[3]))
        hi = np.maximum(np.maximum(q[0], q[1]), np.maximum(q[2], q[3]))
        return IA(_down(lo), _up(hi))

    def sqr(self) -> IA:
        a, b = self.lo * self.lo, self.hi * self.hi
        lo = np.where((self.lo <= 0) & (self.hi >= 0), 0.0, np.minimum(a, b))
        return IA(_down(lo), _up(np.maximum(a, b)))

    def swapaxes(self, a: int, b: int) -> IA:
        if self.is_point:
            return IA.point(self.lo.swapaxes(a, b))
        return IA(self.lo.swapaxes(a, b), self.hi.swapaxes(a, b))

    def as_point_matrix(self) -> PointMatrix:
        """The same intervals in midpoint-radius form (radius rounded up)."""
        mid = self.mid
        if self.is_point:
            return PointMatrix(mid, None)
        return PointMatrix(mid, _up(np.maximum(_up(self.hi - mid), _up(mid - self.lo))))

    def intersect(self, other: IA) -> IA:
        return IA(np.maximum(self.lo, other.lo), np.minimum(self.hi, other.hi))

    @property
    def mid(self) -> np.ndarray:
        return 0.5 * self.lo + 0.5 * self.hi


@dataclass(frozen=True, slots=True)
class PointMatrix:
    """Exact-ish float weights: ``mid`` plus a radius ``rad`` (None when mid is exact)."""

    mid: np.ndarray
    rad: np.ndarray | None

    @staticmethod
    def of(values: np.ndarray, exact: bool = True) -> PointMatrix:
        mid = np.asarray(values, dtype=float)
        return PointMatrix(mid, None if exact else np.abs(mid) * 2.0**-52 + _ABS)

    def interval(self) -> IA:
        if self.rad is None:
            return IA.point(self.mid)
        return IA(_down(self.mid - self.rad), _up(self.mid + self.rad))


def matmul(w: PointMatrix, x: IA) -> IA:
    """Enclosure of ``w @ x`` for every x in the interval array ``x`` (shape (..., k, n))."""
    k = w.mid.shape[-1]
    xm = x.mid
    xr = _up(np.maximum(_up(x.hi - xm), _up(xm - x.lo)))
    gamma = (k + 2) * 2.0**-52
    absw = np.abs(w.mid)
    cm = np.matmul(w.mid, xm)
    absx = np.abs(xm)
    total = np.matmul(absw, xr) + gamma * np.matmul(absw, absx)
    if w.rad is not None:
        total = total + np.matmul(w.rad, absx + xr)
    total = total * (1 + 2 * gamma) + _ABS
    return IA(_down(cm - total), _up(cm + total))


# ---------------------------------------------------------------- activations (numpy)


def _sig(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _dsig(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return e / ((1 + e) * (1 + e))


def _d2sig(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.sign(z) * e * np.expm1(-np.abs(z)) / ((1 + e) ** 3)


def _dtanh(z: np.ndarray) -> np.ndarray:
    e = np.exp(-2 * np.abs(z))
    return 4 * e / ((1 + e) * (1 + e))


def _d2tanh(z: np.ndarray) -> np.ndarray:
    return -2 * np.tanh(z) * _dtanh(z)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0)


# Interior extrema: (location, value) of the scalar function, or ("periodic", offset, value).
_Z_SIG = math.log(2 + math.sqrt(3))
_V_SIG = math.sqrt(3) / 18
_Z_TANH = 0.5 * _Z_SIG
_V_TANH = 4 / (3 * math.sqrt(3))

_Extremum = tuple[float, float, bool]  # (location or offset, value, periodic)

_NP_TABLE: dict[str, tuple[tuple[Callable[[np.ndarray], np.ndarray], tuple[_Extremum, ...]], ...]] = {
    "sigmoid": (
        (_sig, ()),
        (_dsig, ((0.0, 0.25, False),)),
        (_d2sig, ((_Z_SIG, -_V_SIG, False), (-_Z_SIG, _V_SIG, False))),
    ),
    "tanh": (
        (np.tanh, ()),
        (_dtanh, ((0.0, 1.0, False),)),
        (_d2tanh, ((_Z_TANH, -_V_TANH, False), (-_Z_TANH, _V_TANH, False))),
    ),
    "softplus": ((_softplus, ()), (_sig, ()), (_dsig, ((0.0, 0.25, False),))),
    "sine": (
        (np.sin, ((math.pi / 2, 1.0, True), (-math.pi / 2, -1.0, True))),
        (np.cos, ((0.0, 1.0, True), (math.pi, -1.0, True))),
        (lambda z: -np.sin(z), ((-math.pi / 2, 1.0, True), (math.pi / 2, -1.0, True))),
    ),
}


def _contains_extremum(lo: np.ndarray, hi: np.ndarray, loc: float, periodic: bool) -> np.ndarray:
    """True where [lo, hi] may contain the extremum (conservative: slack widens the test)."""
    if not periodic:
        return (lo <= loc + _SLACK) & (hi >= loc - _SLACK)
    a = (lo - loc) / _TWO_PI - _SLACK * (1 + np.abs(lo))
    b = (hi - loc) / _TWO_PI + _SLACK * (1 + np.abs(hi))
    return (np.floor(b) > np.floor(a)) | ~np.isfinite(a) | ~np.isfinite(b)


def _range_np(f: Callable[[np.ndarray], np.ndarray], extrema: tuple[_Extremum, ...], z: IA) -> IA:
    a, b = f(z.lo), f(z.hi)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    for loc, val, periodic in extrema:
        inside = _contains_extremum(z.lo, z.hi, loc, periodic)
        lo = np.where(inside, np.minimum(lo, val), lo)
        hi = np.where(inside, np.maximum(hi, val), hi)
    if extrema and extrema[0][2]:  # trigonometric: absolute error near zeros of sin/cos
        return IA(lo - 2.0**-50, hi + 2.0**-50)
    return _widen(lo, hi)


def _power_np(z: IA, i: int) -> IA:
    a, b = z.lo**i, z.hi**i
    if i % 2:
        return _widen(a, b)
    lo = np.where((z.lo <= 0) & (z.hi >= 0), 0.0, np.minimum(a, b))
    return _widen(lo, np.maximum(a, b))


def _poly_np(coeffs: Sequence[PointMatrix], z: IA) -> IA:
    total = coeffs[0].interval() + IA(np.zeros(z.shape), np.zeros(z.shape))
    for i, c in enumerate(coeffs[1:], start=1):
        total = total + c.interval() * _power_np(z, i)
    return total


def _poly_derivatives(coeffs: Sequence[Fraction]) -> tuple[list[Fraction], ...]:
    d1 = [i * c for i, c in enumerate(coeffs)][1:] or [Fraction(0)]
    d2 = [i * c for i, c in enumerate(d1)][1:] or [Fraction(0)]
    return list(coeffs), d1, d2


# ---------------------------------------------------------------- the network unit


@dataclass(frozen=True, slots=True)
class NetworkUnit:
    """One output unit of a numeric network, prepared for interval evaluation.

    ``shortcut`` is True when the output activation is strictly increasing: then the
    critical points of the unit are those of its pre-activation z_v^[n] (S' > 0), the
    Hessians differ by the positive factor S'(z), and the search works on z_v^[n].
    """

    network: Network
    output: int
    weights: tuple[PointMatrix, ...]
    biases: tuple[PointMatrix | None, ...]
    exact: tuple[tuple[tuple[sp.Expr, ...], ...], ...]
    exact_biases: tuple[tuple[sp.Expr, ...] | None, ...]
    activations: tuple[str, ...]
    poly: tuple[tuple[Fraction, ...], ...]
    shortcut: bool

    @property
    def m(self) -> int:
        return self.network.m


def _float_exact(value: sp.Expr, where: str) -> tuple[float, bool]:
    if not isinstance(value, (sp.Rational, sp.Float)):
        raise SpecError(
            f"{where} is {value}; certification needs integer, rational or float weights "
            "(build the network with numeric weights)"
        )
    f = float(value)
    return f, sp.Rational(f) == sp.Rational(value)


def _point_matrix(rows: Sequence[Sequence[sp.Expr]], where: str) -> PointMatrix:
    pairs = [[_float_exact(x, where) for x in row] for row in rows]
    mid = np.array([[p[0] for p in row] for row in pairs], dtype=float)
    exact = all(p[1] for row in pairs for p in row)
    return PointMatrix.of(mid, exact)


_INCREASING = ("sigmoid", "tanh", "softplus", "identity")


def network_unit(net: Network, output: int = 1) -> NetworkUnit:
    """Prepare output unit ``output`` of ``net`` for interval evaluation.

    Examples
    --------
    >>> from eisym import build_network
    >>> network_unit(build_network("1,2,1", weights="random:0")).shortcut
    True
    """
    n = net.depth
    if not 1 <= output <= net.widths[n]:
        raise SpecError(f"output must be between 1 and {net.widths[n]}, got {output!r}")
    names = tuple(a.name for a in net.spec.activations)
    if "softmax" in names:
        raise SpecError("certification supports elementwise activations only, not softmax")
    ws: list[PointMatrix] = []
    bs: list[PointMatrix | None] = []
    exact: list[tuple[tuple[sp.Expr, ...], ...]] = []
    exact_b: list[tuple[sp.Expr, ...] | None] = []
    for u in range(1, n + 1):
        w = net.weights[u - 1]
        rows = [list(w.row(i)) for i in range(w.rows)]
        if u == n:
            rows = [rows[output - 1]]
        ws.append(_point_matrix(rows, f"a weight of layer {u}"))
        exact.append(tuple(tuple(r) for r in rows))
        if net.spec.bias:
            b = list(net.biases[u - 1])
            b = [b[output - 1]] if u == n else b
            bs.append(_point_matrix([[x] for x in b], f"a bias of layer {u}"))
            exact_b.append(tuple(b))
        else:
            bs.append(None)
            exact_b.append(None)
    poly = tuple(a.coefficients for a in net.spec.activations)
    return NetworkUnit(
        network=net,
        output=output,
        weights=tuple(ws),
        biases=tuple(bs),
        exact=tuple(exact),
        exact_biases=tuple(exact_b),
        activations=names,
        poly=poly,
        shortcut=names[-1] in _INCREASING,
    )


class _NumpyBackend:
    def __init__(self, unit: NetworkUnit) -> None:
        self.unit = unit
        self.poly = [
            tuple(
                [PointMatrix.of(np.array(float(c)), Fraction(float(c)) == c) for c in cs]
                for cs in _poly_derivatives(coeffs)
            )
            for coeffs in unit.poly
        ]

    def layer(self, u: int) -> tuple[PointMatrix, PointMatrix | None]:
        return self.unit.weights[u], self.unit.biases[u]

    matmul = staticmethod(matmul)

    def bias(self, b: PointMatrix, z: IA) -> IA:
        return z + b.interval()[:, 0]

    factored = True

    @staticmethod
    def const(w: PointMatrix, batch: int) -> IA:
        # One copy for all boxes: numpy broadcasting does the rest.
        return w.interval()[None]

    @staticmethod
    def outer_matmul(w: PointMatrix, e: IA, outer: IA) -> IA:
        """sum_k w[v, k] e[b, k] outer[k] for the factored first-layer Hessians e_k * outer_k."""
        batch, k = e.shape
        m2 = outer.shape[-1] * outer.shape[-2]
        scaled = e[:, None, :] * w.interval()[None]  # (B, l, k)
        p = outer.reshape(k, m2).as_point_matrix()
        pt = PointMatrix(p.mid.T, None if p.rad is None else p.rad.T)
        out = matmul(pt, scaled.swapaxes(-1, -2)).swapaxes(-1, -2)  # (B, l, m2)
        return out.reshape(batch, -1, outer.shape[-2], outer.shape[-1])

    def activate(self, u: int, z: IA, need: tuple[bool, bool, bool]) -> tuple[IA | None, ...]:
        name = self.unit.activations[u]
        if name == "identity":
            return z, IA.point(np.ones(z.shape)), IA.point(np.zeros(z.shape))
        if name == "polynomial":
            return tuple(_poly_np(cs, z) if k else None for cs, k in zip(self.poly[u], need, strict=True))
        return tuple(
            _range_np(f, ext, z) if k else None for (f, ext), k in zip(_NP_TABLE[name], need, strict=True)
        )

    @staticmethod
    def sqr(x: IA) -> IA:
        return x.sqr()


def _recurrence(bk, unit: NetworkUnit, x, batch: int, order: int):  # type: ignore[no-untyped-def]
    """Gradient (batch, m) and Hessian (batch, m, m) of the unit (or of z_v^[n] with the shortcut)."""
    m = unit.m
    n = len(unit.weights)
    # The layer whose activation is last evaluated; its values S are never needed.
    top = n - 2 if unit.shortcut else n - 1
    h, jac, hess = x, None, None
    # The first layer's Hessians are E_k * (w_k w_k^T), kept factored when the backend can
    # contract them with the next layer's weights in one matrix product.
    factored = None
    for u in range(n):
        w, b = bk.layer(u)
        if jac is None:
            g = bk.const(w, batch)
            curv = None
        else:
            g = bk.matmul(w, jac)
            curv = None
            if order == 2 and factored is not None:
                curv = bk.outer_matmul(w, *factored)
                factored = None
            elif order == 2:
                k = jac.shape[-2]
                curv = bk.matmul(w, hess.reshape(batch, k, m * m)).reshape(batch, -1, m, m)  # type: ignore[union-attr]
        if u == n - 1 and unit.shortcut:
            return _batch(g[:, 0, :], batch), (curv[:, 0] if curv is not None else None)
        z = bk.matmul(w, h[..., None])[..., 0]
        if b is not None:
            z = bk.bias(b, z)
        s, d, e = bk.activate(u, z, (u < top, True, order == 2))
        jac = d[..., None] * g
        if order == 2:
            outer = g[..., :, None] * g[..., None, :]
            if curv is None and u < n - 1 and getattr(bk, "factored", False):
                factored = (e, outer[0])
            else:
                hess = e[..., None, None] * outer
                if curv is not None:
                    hess = hess + d[..., None, None] * curv
        h = s
    return jac[:, 0, :], (hess[:, 0] if order == 2 else None)  # type: ignore[index]


def _batch(x, batch: int):  # type: ignore[no-untyped-def]
    """Broadcast a (1, ...) result of the input layer to (batch, ...)."""
    if x.shape[0] == batch:
        return x
    if isinstance(x, IA):
        return (
            IA.point(np.broadcast_to(x.lo, (batch, *x.shape[1:])))
            if x.is_point
            else IA(
                np.broadcast_to(x.lo, (batch, *x.shape[1:])), np.broadcast_to(x.hi, (batch, *x.shape[1:]))
            )
        )
    return np.broadcast_to(x, (batch, *x.shape[1:]))


def enclose_np(unit: NetworkUnit, lo: np.ndarray, hi: np.ndarray, order: int = 2) -> tuple[IA, IA | None]:
    """Interval gradient (B, m) and Hessian (B, m, m) over the boxes [lo, hi] (arrays (B, m)).

    With the shortcut these enclose the derivatives of z_v^[n]; without a hidden layer and
    with the shortcut the Hessian is exactly zero.

    Examples
    --------
    >>> from eisym import build_network
    >>> unit = network_unit(build_network("1,1,1", "identity", weights=[[[2]], [[3]]]))
    >>> g, h = enclose_np(unit, np.array([[0.0]]), np.array([[1.0]]))
    >>> bool(g.lo[0, 0] <= 6.0 <= g.hi[0, 0]), float(round(g.hi[0, 0] - g.lo[0, 0], 12))
    (True, 0.0)
    """
    batch, m = lo.shape
    with np.errstate(all="ignore"):
        g, h = _recurrence(_NumpyBackend(unit), unit, IA(lo, hi), batch, order)
        if order == 2 and h is None:
            h = IA.point(np.zeros((batch, m, m)))
    return g, h
