"""Batched float64 evaluation of an output unit and batched Newton on its gradient.

Values, gradients and Hessians of one output unit come from the layer-wise recurrences of
:mod:`eisym._derive` run on arrays of many input points at once:

    g^[u] = W^[u] J^[u-1],   J^[u] = diag(D^[u]) g^[u],
    H_v^[u] = E_v^[u] g_v g_v^T + D_v^[u] sum_k w_{v,k}^[u] H_k^[u-1].

Activation derivatives avoid cancellation: the sigmoid's S' = s (1 - s) is computed as
expit(z) * expit(-z), so it never rounds to zero (or to a spurious sign change) on plateaus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.special import expit

from ._errors import SpecError
from ._network import Network

__all__ = [
    "layer_jet",
    "NumericNetwork",
    "numeric_network",
    "evaluate",
    "NewtonBatch",
    "newton_batch",
    "cluster",
]

Array = np.ndarray
Evaluator = Callable[[Array], tuple[Array, Array, Array]]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class NumericNetwork:
    """A network's weights as float64 arrays, ready for batched evaluation.

    ``activations`` holds (name, coefficients) per layer; polynomial coefficients are floats.
    """

    m: int
    weights: tuple[Array, ...]
    biases: tuple[Array | None, ...]
    activations: tuple[tuple[str, tuple[float, ...]], ...]


def numeric_network(net: Network) -> NumericNetwork:
    """Convert a network with numeric weights to float arrays (once).

    Examples
    --------
    >>> from eisym import build_network
    >>> numeric_network(build_network("1,2,1", weights=[[[1], [2]], [[3, "1/2"]]])).weights[1]
    array([[3. , 0.5]])
    """
    if net.free_symbols:
        names = ", ".join(str(s) for s in net.free_symbols[:3])
        raise SpecError(
            f"the network has symbolic weights ({names}, ...); numeric evaluation needs numbers: "
            "build it with weights='random:SEED' or explicit arrays"
        )

    def to_array(matrix: sp.ImmutableMatrix) -> Array:
        return np.array([[float(e) for e in row] for row in matrix.tolist()], dtype=float)

    weights = tuple(to_array(w) for w in net.weights)
    if net.spec.bias:
        biases: tuple[Array | None, ...] = tuple(to_array(b)[:, 0] for b in net.biases)
    else:
        biases = tuple(None for _ in net.weights)
    acts = tuple((a.name, tuple(float(c) for c in a.coefficients)) for a in net.spec.activations)
    return NumericNetwork(m=net.m, weights=weights, biases=biases, activations=acts)


def _activation(name: str, coeffs: tuple[float, ...], z: Array) -> tuple[Array, Array, Array]:
    """S(z), S'(z), S''(z) in forms that keep full relative accuracy."""
    if name == "sigmoid":
        s, sm = expit(z), expit(-z)
        d1 = s * sm
        # 1 - 2 s = -tanh(z/2), exact near z = 0 where 1 - 2 s would cancel.
        return s, d1, -d1 * np.tanh(z / 2)
    if name == "tanh":
        t = np.tanh(z)
        # sech^2 z = 4 expit(2z) expit(-2z): no 1 - t^2 cancellation, no cosh overflow.
        d1 = 4.0 * expit(2 * z) * expit(-2 * z)
        return t, d1, -2.0 * t * d1
    if name == "sine":
        s = np.sin(z)
        return s, np.cos(z), -s
    if name == "softplus":
        s, sm = expit(z), expit(-z)
        return np.logaddexp(0.0, z), s, s * sm
    if name == "identity":
        return z, np.ones_like(z), np.zeros_like(z)
    if name == "polynomial":
        c = np.array(coeffs)
        d1 = np.polynomial.polynomial.polyder(c)
        d2 = np.polynomial.polynomial.polyder(d1)
        pv = np.polynomial.polynomial.polyval
        return pv(z, c), pv(z, d1), pv(z, d2)
    raise SpecError(f"activation {name!r} has no numeric form")


def layer_jet(
    weights: Sequence[Array],
    biases: Sequence[Array | None],
    activations: Sequence[str],
    x: Array,
    *,
    order: int = 1,
) -> tuple[Array, Array, Array | None]:
    """Values (N, l), Jacobians (N, l, m) and, for ``order=2``, Hessians (N, l, m, m) of the last given layer.

    Every unit of the layer at once (:func:`evaluate` gives one output unit); activations are
    elementwise names without coefficients.

    Examples
    --------
    >>> h, jac, hess = layer_jet([np.array([[2.0]])], [None], ["sigmoid"], np.zeros((1, 1)), order=2)
    >>> float(jac[0, 0, 0]), float(hess[0, 0, 0, 0])
    (0.5, 0.0)
    """
    h = np.asarray(x, dtype=float)
    n_pts, m = h.shape
    jac = np.broadcast_to(np.eye(m), (n_pts, m, m))
    hess: Array | None = np.zeros((n_pts, m, m, m)) if order == 2 else None
    for w, b, name in zip(weights, biases, activations, strict=True):
        z = h @ w.T if b is None else h @ w.T + b
        h, d1, d2 = _activation(name, (), z)
        g = np.matmul(w, jac)
        if hess is not None:
            curv = np.matmul(w, hess.reshape(n_pts, w.shape[1], m * m)).reshape(n_pts, -1, m, m)
            hess = d2[:, :, None, None] * g[:, :, :, None] * g[:, :, None, :] + d1[:, :, None, None] * curv
        jac = d1[:, :, None] * g
    return h, np.ascontiguousarray(jac), hess


def evaluate(nn: NumericNetwork, x: Array, output: int = 1) -> tuple[Array, Array, Array]:
    """Value (N,), gradient (N, m) and Hessian (N, m, m) of output unit ``output`` at N points.

    Examples
    --------
    >>> from eisym import build_network
    >>> nn = numeric_network(build_network("1,1", weights=[[[2]]]))
    >>> value, grad, hess = evaluate(nn, np.array([[1.0]]))
    >>> [round(float(a), 6) for a in (value[0], grad[0, 0], hess[0, 0, 0])]
    [0.880797, 0.209987, -0.31985]
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    n_pts, m = x.shape
    if m != nn.m:
        raise SpecError(f"points have dimension {m}; the network's input dimension m is {nn.m}")
    width_out = nn.weights[-1].shape[0]
    if not 1 <= output <= width_out:
        raise SpecError(f"output must be between 1 and {width_out}, got {output!r}")
    h = x
    jac = np.broadcast_to(np.eye(m), (n_pts, m, m))
    hess: Array | None = None  # the input layer has zero Hessians
    depth = len(nn.weights)
    for u, (w, b, (name, coeffs)) in enumerate(
        zip(nn.weights, nn.biases, nn.activations, strict=True), start=1
    ):
        last = u == depth
        if last and name != "softmax":
            # Only the requested output unit is needed from the last layer.
            w = w[output - 1 : output]
            b = None if b is None else b[output - 1 : output]
        z = h @ w.T
        if b is not None:
            z = z + b
        g = np.matmul(w, jac)  # (N, l_u, m)
        curv = None
        if hess is not None:
            curv = np.matmul(w, hess.reshape(n_pts, w.shape[1], m * m)).reshape(n_pts, -1, m, m)
        outer = g[:, :, :, None] * g[:, :, None, :]
        if name == "softmax":
            return _softmax_output(z, g, outer, curv, output - 1)
        h, d1, d2 = _activation(name, coeffs, z)
        jac = d1[:, :, None] * g
        hess = d2[:, :, None, None] * outer
        if curv is not None:
            hess = hess + d1[:, :, None, None] * curv
    return h[:, 0], jac[:, 0, :], hess[:, 0]  # type: ignore[index]  # depth >= 1 sets hess


def _softmax_output(
    z: Array, g: Array, outer: Array, curv: Array | None, v: int
) -> tuple[Array, Array, Array]:
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    gbar = np.einsum("na,nat->nt", p, g)
    resid = g[:, v, :] - gbar
    second = outer if curv is None else outer + curv
    # Hessian of log p_v is K_v - (sum_a p_a (K_a + g_a g_a^T) - gbar gbar^T), K the z-Hessians.
    shared = np.einsum("na,nast->nst", p, second) - gbar[:, :, None] * gbar[:, None, :]
    own = 0.0 if curv is None else curv[:, v]
    pv = p[:, v]
    hess = pv[:, None, None] * (resid[:, :, None] * resid[:, None, :] + own - shared)
    return pv, pv[:, None] * resid, hess


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class NewtonBatch:
    """Where each start ended: ``x`` (N, m), ``converged`` (N,) and the last step length."""

    x: Array
    converged: Array
    last_step: Array


def newton_batch(
    fn: Evaluator,
    starts: Array,
    lower: Array,
    upper: Array,
    *,
    max_iter: int = 80,
    step_tol: float = 1e-11,
    loose_tol: float = 1e-6,
) -> NewtonBatch:
    """Damped Newton on the gradient for all starts at once.

    The step solves H s = -g through the eigendecomposition of H, with eigenvalues below
    1e-15 of the largest lifted to that floor (so singular Hessians at degenerate points
    give finite steps), and is capped at a quarter of the box diagonal. A start is dropped
    when it leaves the box enlarged by 10% of its size. It has converged when its step falls
    below ``step_tol`` times the box size, or when it ends the iterations inside the box
    with a step below ``loose_tol`` times the box size (float Newton stalls at about
    sqrt(eps) near degenerate points, where it converges only linearly).

    Examples
    --------
    >>> def fn(x):  # f = x^3/3 - x, critical points at -1 and 1
    ...     return x[:, 0] ** 3 / 3 - x[:, 0], x**2 - 1, 2 * x[:, :, None]
    >>> out = newton_batch(fn, np.array([[-0.5], [2.0]]), np.array([-3.0]), np.array([3.0]))
    >>> out.x[:, 0].round(12).tolist(), out.converged.tolist()
    ([-1.0, 1.0], [True, True])
    """
    x = np.array(starts, dtype=float)
    n_pts = x.shape[0]
    size = float(np.linalg.norm(upper - lower))
    margin = 0.1 * (upper - lower)
    active = np.ones(n_pts, dtype=bool)
    done = np.zeros(n_pts, dtype=bool)
    last = np.full(n_pts, np.inf)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            _, grad, hess = fn(x[idx])
            ok = np.isfinite(grad).all(axis=1) & np.isfinite(hess).all(axis=(1, 2))
            active[idx[~ok]] = False
            idx, grad, hess = idx[ok], grad[ok], hess[ok]
            lam, vec = np.linalg.eigh(hess)
            # Only eigenvalues at rounding level are lifted: smaller floors would slow the
            # (already linear) convergence to degenerate points.
            floor = np.maximum(1e-15 * np.abs(lam).max(axis=1, keepdims=True), 1e-300)
            lam = np.where(np.abs(lam) < floor, np.where(lam < 0, -floor, floor), lam)
            coef = np.einsum("nkt,nk->nt", vec, grad) / lam
            step = -np.einsum("nkt,nt->nk", vec, coef)
            length = np.linalg.norm(step, axis=1)
            cap = 0.25 * size
            step *= np.minimum(1.0, cap / np.maximum(length, 1e-300))[:, None]
            x[idx] += step
            last[idx] = np.minimum(length, cap)
            outside = ((x[idx] < lower - margin) | (x[idx] > upper + margin)).any(axis=1)
            finished = last[idx] <= step_tol * size
            done[idx[finished & ~outside]] = True
            active[idx[finished | outside]] = False
        inside = ((x >= lower - margin) & (x <= upper + margin)).all(axis=1)
        stalled = active & inside & (last <= loose_tol * size)
    return NewtonBatch(x=x, converged=done | stalled, last_step=last)


def cluster(points: Array, tol: float) -> tuple[list[int], Array]:
    """One representative per group of points closer than ``tol`` (max-norm), and each point's group.

    Returns the representatives' indices in increasing order and, for every point, the
    position of its representative in that list.

    Examples
    --------
    >>> reps, labels = cluster(np.array([[1.0], [0.0], [1e-9]]), 1e-6)
    >>> reps, labels.tolist()
    ([0, 1], [0, 1, 1])
    """
    owner = np.full(len(points), -1)
    chosen: list[int] = []
    for i in np.lexsort(points.T[::-1]) if len(points) else ():
        for j in chosen:
            if np.abs(points[j] - points[i]).max() <= tol:
                owner[i] = j
                break
        else:
            chosen.append(int(i))
            owner[i] = i
    reps = sorted(chosen)
    position = {r: k for k, r in enumerate(reps)}
    return reps, np.array([position[int(o)] for o in owner], dtype=int)
