"""Proof primitives of certified enumeration, shared by the search and the checker.

A *subject* is what is certified: an output unit of a network (through the layer-wise
interval recurrences of ``_interval.py``) or a sympy expression (``_interval_expr.py``).
Every subject gives interval gradients and Hessians over many boxes (numpy, outward
rounded), the same over one box in arb, and float values for the Newton refinement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from ._interval import IA, PointMatrix, enclose_np, matmul, network_unit
from ._interval_arb import arb_backend, enclose_arb, to_arb_boxes
from ._interval_expr import ExpressionUnit, enclose_expr_arb, enclose_expr_np, expression_unit
from ._network import Network, network_to_json

__all__ = [
    "Box",
    "NetworkSubject",
    "ExpressionSubject",
    "make_subject",
    "gradient_excludes_zero",
    "krawczyk_np",
    "excludes_np",
    "arb_krawczyk",
    "arb_excludes",
    "arb_type",
    "newton",
    "tiles",
]

Box = tuple[tuple[float, float], ...]
_UNDERFLOW = 1e-250


class NetworkSubject:
    """Output unit ``output`` of a network with numeric weights."""

    kind = "network"

    def __init__(self, net: Network, output: int = 1) -> None:
        from ._numeric import numeric_network

        self.network = net
        self.output = output
        self.unit = network_unit(net, output)
        self.nn = numeric_network(net)
        self.m = net.m
        self.variables = tuple(str(v) for v in net.inputs)

    def enclose_np(self, lo: np.ndarray, hi: np.ndarray, order: int = 2) -> tuple[IA, IA | None]:
        return enclose_np(self.unit, lo, hi, order)

    def arb(self) -> _ArbNetwork:
        return _ArbNetwork(self.unit)

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from ._numeric import evaluate

        return evaluate(self.nn, x, self.output)

    def describe(self) -> dict[str, object]:
        network = json.loads(network_to_json(self.network))
        return {"kind": "network", "network": network, "output": self.output}


class _ArbNetwork:
    """The unit with its weights converted to arb once (at the precision in force when made)."""

    def __init__(self, unit) -> None:  # type: ignore[no-untyped-def]
        self.unit = unit
        self.backend = arb_backend(unit)

    def enclose(self, lo: Sequence[float], hi: Sequence[float], order: int = 2):  # type: ignore[no-untyped-def]
        return enclose_arb(self.unit, lo, hi, order, self.backend)


class ExpressionSubject:
    """A smooth expression in m variables."""

    kind = "expression"

    def __init__(self, unit: ExpressionUnit) -> None:
        from ._critical import _target

        self.unit = unit
        self.m = unit.m
        self.variables = tuple(str(v) for v in unit.variables)
        self.target = _target(unit.expr, 1, unit.variables)

    def enclose_np(self, lo: np.ndarray, hi: np.ndarray, order: int = 2) -> tuple[IA, IA | None]:
        return enclose_expr_np(self.unit, lo, hi, order)

    def arb(self) -> ExpressionSubject:
        return self

    def enclose(self, lo: Sequence[float], hi: Sequence[float], order: int = 2):  # type: ignore[no-untyped-def]
        return enclose_expr_arb(self.unit, lo, hi, order)

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.target.batch(np.atleast_2d(x))

    def describe(self) -> dict[str, object]:
        return {"kind": "expression", "text": self.unit.text, "variables": list(self.variables)}


def make_subject(f: object, output: int = 1, variables: Sequence[object] | None = None):  # type: ignore[no-untyped-def]
    """A NetworkSubject for a Network, else an ExpressionSubject (text, sympy or parsed)."""
    from ._errors import SpecError

    if isinstance(f, Network):
        if variables is not None:
            raise SpecError("variables= applies to expressions only")
        return NetworkSubject(f, output)
    if output != 1:
        raise SpecError("output= applies to networks only; an expression has one output")
    return ExpressionSubject(expression_unit(f, variables))  # type: ignore[arg-type]


# ---------------------------------------------------------------- numpy tests on many boxes


def gradient_excludes_zero(subject, lo: np.ndarray, hi: np.ndarray):  # type: ignore[no-untyped-def]
    """Mask of boxes whose interval gradient excludes 0, plus the Hessian, g(c), c and a mask
    of boxes where some gradient component is within float64 underflow of zero (only arb,
    with its unbounded exponents, can tell its sign there)."""
    with np.errstate(all="ignore"):
        g, h = subject.enclose_np(lo, hi)
        c = 0.5 * lo + 0.5 * hi
        gc, _ = subject.enclose_np(c, c, order=1)
        d = IA(lo, hi) - IA.point(c)
        centred = gc
        for j in range(lo.shape[1]):
            centred = centred + h[:, :, j] * d[:, None, j]
        g = g.intersect(centred)
        excluded = np.any((g.lo > 0) | (g.hi < 0), axis=1)
        tiny = np.any(np.maximum(np.abs(g.lo), np.abs(g.hi)) < _UNDERFLOW, axis=1)
    return excluded, h, gc, c, tiny


def krawczyk_np(lo, hi, h: IA, gc: IA, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Masks of boxes X with K(X) inside the interior of X (exactly one zero of the gradient)
    and with K(X) disjoint from X (no zero: every zero in X lies in K(X))."""
    m = lo.shape[1]
    with np.errstate(all="ignore"):
        mid = np.where(np.isfinite(h.mid), h.mid, 0.0)
        y = np.linalg.pinv(mid)
        ym = PointMatrix(y, None)
        k = IA.point(c) - matmul(ym, gc[..., None])[..., 0]
        resid = IA.point(np.broadcast_to(np.eye(m), h.shape)) - matmul(ym, h)
        d = IA(lo, hi) - IA.point(c)
        for j in range(m):
            k = k + resid[:, :, j] * d[:, None, j]
        inside = np.all((k.lo > lo) & (k.hi < hi), axis=1)
        disjoint = np.any((k.lo > hi) | (k.hi < lo), axis=1)
    return inside, disjoint


# ---------------------------------------------------------------- arb proofs on one box


def arb_krawczyk(ab, lo: Sequence[float], hi: Sequence[float]) -> bool:  # type: ignore[no-untyped-def]
    """True when K(X) lies in the interior of X = [lo, hi] (unique critical point in X)."""
    k = _arb_krawczyk_operator(ab, lo, hi)
    return k is not None and all(bool(ki > a) and bool(ki < b) for ki, a, b in zip(k, lo, hi, strict=True))


def _arb_krawczyk_operator(ab, lo: Sequence[float], hi: Sequence[float]):  # type: ignore[no-untyped-def]
    from flint import arb

    m = len(lo)
    c = [0.5 * a + 0.5 * b for a, b in zip(lo, hi, strict=True)]
    gc, _ = ab.enclose(c, c, order=1)
    _, h = ab.enclose(lo, hi)
    mid = np.array([[float(x.mid()) for x in row] for row in h])
    with np.errstate(all="ignore"):
        y = np.linalg.pinv(mid) if np.all(np.isfinite(mid)) else mid
    if not np.all(np.isfinite(y)):
        return None
    ya = np.array([[arb(float(v)) for v in row] for row in y], dtype=object)
    eye = np.array([[arb(int(i == j)) for j in range(m)] for i in range(m)], dtype=object)
    ca = np.array([arb(v) for v in c], dtype=object)
    d = to_arb_boxes(lo, hi)[0] - ca
    return ca - ya @ gc + (eye - ya @ h) @ d


def arb_excludes(ab, lo: Sequence[float], hi: Sequence[float], depth: int = 8) -> bool:  # type: ignore[no-untyped-def]
    """True when X = [lo, hi] provably holds no zero of the gradient in arb.

    Arb balls are midpoint-radius, looser than the endpoint intervals of the numpy layer
    on wide boxes, so a box that fails is halved (up to ``depth`` times along each path)
    and every half must pass.
    """
    if _arb_excludes_box(ab, lo, hi):
        return True
    if depth == 0:
        return False
    axis = int(np.argmax(np.subtract(hi, lo)))
    cut = 0.5 * lo[axis] + 0.5 * hi[axis]
    if not lo[axis] < cut < hi[axis]:
        return False
    left_hi, right_lo = list(hi), list(lo)
    left_hi[axis] = right_lo[axis] = cut
    return arb_excludes(ab, lo, left_hi, depth - 1) and arb_excludes(ab, right_lo, hi, depth - 1)


def _arb_excludes_box(ab, lo: Sequence[float], hi: Sequence[float]) -> bool:  # type: ignore[no-untyped-def]
    from flint import arb

    g, h = ab.enclose(lo, hi)
    c = [0.5 * a + 0.5 * b for a, b in zip(lo, hi, strict=True)]
    gc, _ = ab.enclose(c, c, order=1)
    d = to_arb_boxes(lo, hi)[0] - np.array([arb(v) for v in c], dtype=object)
    centred = gc + h @ d
    for gi, ci in zip(g, centred, strict=True):
        if bool(gi > 0) or bool(gi < 0) or bool(ci > 0) or bool(ci < 0):
            return True
    k = _arb_krawczyk_operator(ab, lo, hi)
    return k is not None and any(bool(ki > b) or bool(ki < a) for ki, a, b in zip(k, lo, hi, strict=True))


def arb_type(ab, lo: Sequence[float], hi: Sequence[float]) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    """(n_plus, n_minus) of every Hessian over the box, or None when Gershgorin cannot decide."""
    from flint import arb

    _, h = ab.enclose(lo, hi)
    mid = np.array([[float(x.mid()) for x in row] for row in h])
    if not np.all(np.isfinite(mid)):
        return None
    with np.errstate(all="ignore"):
        _, q = np.linalg.eigh(0.5 * (mid + mid.T))
    qa = np.array([[arb(float(v)) for v in row] for row in q], dtype=object)
    a = qa.T @ h @ qa
    plus = minus = 0
    for i in range(len(lo)):
        radius = sum((abs(a[i, j]) for j in range(len(lo)) if j != i), arb(0))
        if bool(a[i, i] - radius > 0):
            plus += 1
        elif bool(a[i, i] + radius < 0):
            minus += 1
        else:
            return None
    return plus, minus


def newton(subject, x: np.ndarray, lo, hi) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Float Newton steps on the gradient from x, kept inside [lo, hi] (no proof, a guess)."""
    for _ in range(12):
        with np.errstate(all="ignore"):
            _, g, h = subject.evaluate(x[None])
            try:
                step = np.linalg.solve(h[0], g[0])
            except np.linalg.LinAlgError:
                break
        if not np.all(np.isfinite(step)):
            break
        x = np.clip(x - step, lo, hi)
        if np.max(np.abs(step)) < 1e-15 * (1 + np.max(np.abs(x))):
            break
    return x


def tiles(box: Box, lo: np.ndarray, hi: np.ndarray) -> str | None:
    """None when the cells [lo, hi] tile ``box`` as a guillotine partition, else the reason."""
    blo = np.array([a for a, _ in box])
    bhi = np.array([b for _, b in box])
    if len(lo) == 0:
        return "no cells"
    if np.any(lo < blo) or np.any(hi > bhi) or np.any(lo >= hi):
        return "a cell is empty or sticks out of the box"
    stack = [(blo, bhi, np.arange(len(lo)))]
    while stack:
        rlo, rhi, idx = stack.pop()
        if len(idx) == 1:
            i = idx[0]
            if not (np.array_equal(lo[i], rlo) and np.array_equal(hi[i], rhi)):
                return f"cells leave a gap in the region {list(zip(rlo, rhi, strict=True))}"
            continue
        for axis in range(len(blo)):
            order = idx[np.argsort(lo[idx, axis], kind="stable")]
            starts = lo[order, axis]
            reach = np.maximum.accumulate(hi[order, axis])
            valid = np.flatnonzero((reach[:-1] <= starts[1:]) & (starts[1:] > rlo[axis]))
            if len(valid):
                j = valid[np.argmin(np.abs(valid - len(order) / 2))] + 1
                cut = starts[j]
                left, right = order[:j], order[j:]
                lhi = rhi.copy()
                lhi[axis] = cut
                rlo2 = rlo.copy()
                rlo2[axis] = cut
                stack.append((rlo, lhi, left))
                stack.append((rlo2, rhi, right))
                break
        else:
            return f"cells overlap or leave a gap in the region {list(zip(rlo, rhi, strict=True))}"
    return None


def excludes_np(subject, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Mask of boxes proven free of critical points, by the interval gradient or by Krawczyk."""
    out, h, gc, c, _ = gradient_excludes_zero(subject, lo, hi)
    rest = np.flatnonzero(~out)
    if len(rest):
        out[rest] = krawczyk_np(lo[rest], hi[rest], h[rest], gc[rest], c[rest])[1]
    return out
