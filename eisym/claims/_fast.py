"""Float64 counting of critical points for the experiments, vectorised over many points.

The experiments count critical points of thousands of random networks, so they use a compact
batched forward pass that returns every unit's value, input-Jacobian and input-Hessians at a
layer (the same recurrences as :mod:`eisym._derive`), and two counters:

* 1-D: sign changes of f' on a fine grid, each bracket refined by bisection; a zero of odd
  multiplicity is never missed unless two zeros fall within one grid cell;
* m-D: damped Newton on the gradient from a grid of starts, converged points clustered and
  classified by the eigenvalues of the Hessian. This finds critical points but does not prove
  that none was missed; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from .._errors import SpecError
from .._network import build_network
from .._numeric import layer_jet
from .._spec import WeightSource

__all__ = ["Arrays", "random_arrays", "layer_forward", "output_forward", "count_1d", "count_nd", "Counts"]

Array = np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Arrays:
    """A network's weights as float arrays: ``weights[u]`` is W^[u+1], ``biases[u]`` b^[u+1] or None."""

    weights: tuple[Array, ...]
    biases: tuple[Array | None, ...]
    activations: tuple[str, ...]

    @property
    def m(self) -> int:
        return int(self.weights[0].shape[1])


def random_arrays(widths: tuple[int, ...], activation: str, bias: bool, seed: int, scale: float) -> Arrays:
    """Build the eisym network ``random:seed`` (float weights of std ``scale``) and take its arrays.

    Examples
    --------
    >>> a = random_arrays((1, 2, 1), "sigmoid", True, 0, 1.0)
    >>> [w.shape for w in a.weights], a.m
    ([(2, 1), (1, 2)], 1)
    """
    net = build_network(
        widths, activation, bias=bias, weights=WeightSource(kind="random", seed=int(seed), scale=float(scale))
    )
    weights = tuple(np.array(w.tolist(), dtype=float) for w in net.weights)
    biases = (
        tuple(np.array(b.tolist(), dtype=float)[:, 0] for b in net.biases) if bias else (None,) * len(weights)
    )
    return Arrays(weights=weights, biases=biases, activations=tuple(a.name for a in net.spec.activations))


def layer_forward(
    arrays: Arrays, x: Array, layer: int, order: int = 2, rows: slice | None = None
) -> tuple[Array, Array, Array | None]:
    """h^[layer] (N, l), J^[layer] (N, l, m) and, for ``order=2``, the Hessians (N, l, m, m).

    ``rows`` restricts the last computed layer to some units (the output unit of interest).

    Examples
    --------
    >>> a = Arrays(weights=(np.array([[2.0]]),), biases=(None,), activations=("identity",))
    >>> h, j, hh = layer_forward(a, np.array([[3.0]]), 1)
    >>> float(h[0, 0]), float(j[0, 0, 0]), float(hh[0, 0, 0, 0])
    (6.0, 2.0, 0.0)
    """
    weights, biases = list(arrays.weights[:layer]), list(arrays.biases[:layer])
    if rows is not None:
        weights[-1] = weights[-1][rows]
        biases[-1] = None if biases[-1] is None else biases[-1][rows]
    x = np.atleast_2d(np.asarray(x, dtype=float))
    return layer_jet(weights, biases, arrays.activations[:layer], x, order=order)


def output_forward(arrays: Arrays, x: Array, order: int = 2) -> tuple[Array, Array, Array | None]:
    """Value (N,), gradient (N, m) and Hessian (N, m, m) of output unit 1."""
    h, jac, hess = layer_forward(arrays, x, len(arrays.weights), order, rows=slice(0, 1))
    return h[:, 0], jac[:, 0], None if hess is None else hess[:, 0]


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    """Critical points of one network in a box, by type, and their locations (rounded)."""

    minima: int
    maxima: int
    saddles: int
    degenerate: int
    points: tuple[tuple[float, ...], ...]

    @property
    def extrema(self) -> int:
        return self.minima + self.maxima

    @property
    def total(self) -> int:
        return self.minima + self.maxima + self.saddles + self.degenerate

    def to_dict(self) -> dict[str, object]:
        return {
            "minima": self.minima,
            "maxima": self.maxima,
            "saddles": self.saddles,
            "degenerate": self.degenerate,
        }


def count_1d(arrays: Arrays, lo: float, hi: float, grid: int = 4001, bisections: int = 48) -> Counts:
    """Critical points of a 1-input network on [lo, hi]: sign changes of f', refined by bisection.

    A + to - change of f' is a maximum, - to + a minimum (f is monotone between them).

    Examples
    --------
    >>> a = Arrays(weights=(np.array([[1.0], [1.0]]), np.array([[1.0, -1.0]])),
    ...            biases=(np.array([-1.0, 1.0]), None), activations=("sine", "identity"))
    >>> c = count_1d(a, -4.0, 4.0)  # f = sin(x - 1) - sin(x + 1) = -2 cos(x) sin(1)
    >>> c.minima, c.maxima, [round(p[0], 8) + 0.0 for p in c.points]
    (1, 2, [-3.14159265, 0.0, 3.14159265])
    """
    if arrays.m != 1:
        raise SpecError(f"count_1d needs a network with one input, this one has m = {arrays.m}")
    xs = np.linspace(lo, hi, grid)
    _, grad, _ = output_forward(arrays, xs[:, None], order=1)
    sign = np.sign(grad[:, 0])
    # An exact zero on the grid takes the sign of its left neighbour, so it counts once.
    for i in np.flatnonzero(sign == 0):
        sign[i] = sign[i - 1] if i > 0 else 0
    change = np.flatnonzero((sign[:-1] * sign[1:]) < 0)
    if change.size == 0:
        return Counts(minima=0, maxima=0, saddles=0, degenerate=0, points=())
    left, right = xs[change].copy(), xs[change + 1].copy()
    left_sign = sign[change]
    for _ in range(bisections):
        mid = 0.5 * (left + right)
        _, g, _ = output_forward(arrays, mid[:, None], order=1)
        same = np.sign(g[:, 0]) == left_sign
        left = np.where(same, mid, left)
        right = np.where(same, right, mid)
    roots = 0.5 * (left + right)
    maxima = int((left_sign > 0).sum())
    return Counts(
        minima=int(change.size - maxima),
        maxima=maxima,
        saddles=0,
        degenerate=0,
        points=tuple((float(r),) for r in roots),
    )


def count_nd(
    arrays: Arrays,
    lo: float,
    hi: float,
    starts_per_axis: int = 16,
    max_iter: int = 60,
    degenerate_tol: float = 1e-7,
) -> Counts:
    """Critical points of an m-input network in [lo, hi]^m by multi-start Newton on the gradient.

    Starts form a regular grid; Newton steps use |eigenvalues| of the Hessian floored at 1e-12 of
    the largest and are capped at a quarter of the box; a start that leaves the box by 10% is
    dropped. Points whose last step is below 1e-10 of the box, that lie in the box, are clustered
    (1e-6 of the box) and classified by the Hessian's eigenvalues; an eigenvalue within
    ``degenerate_tol`` times the largest of zero makes the point degenerate.

    Examples
    --------
    >>> w1 = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> a = Arrays(weights=(w1, np.array([[1.0, 1.0]])), biases=(None, None),
    ...            activations=("sine", "identity"))
    >>> c = count_nd(a, -2.0, 2.0)  # sin x + sin y: one maximum at (pi/2, pi/2), ...
    >>> c.minima, c.maxima, c.saddles
    (1, 1, 2)
    """
    m = arrays.m
    axis = np.linspace(lo, hi, starts_per_axis + 2)[1:-1]
    grids = np.meshgrid(*([axis] * m), indexing="ij")
    x = np.stack([g.ravel() for g in grids], axis=1)
    size = (hi - lo) * np.sqrt(m)
    margin = 0.1 * (hi - lo)
    active = np.ones(len(x), dtype=bool)
    done = np.zeros(len(x), dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            _, grad, hess = output_forward(arrays, x[idx])
            lam, vec = np.linalg.eigh(cast(Array, hess))
            floor = np.maximum(1e-12 * np.abs(lam).max(axis=1, keepdims=True), 1e-300)
            lam = np.where(np.abs(lam) < floor, np.where(lam < 0, -floor, floor), lam)
            step = -np.einsum("nkt,nt->nk", vec, np.einsum("nkt,nk->nt", vec, grad) / lam)
            length = np.linalg.norm(step, axis=1)
            bad = ~np.isfinite(length)
            step *= np.minimum(1.0, 0.25 * size / np.where(bad, 1.0, np.maximum(length, 1e-300)))[:, None]
            x[idx] += np.where(bad[:, None], 0.0, step)
            outside = ((x[idx] < lo - margin) | (x[idx] > hi + margin)).any(axis=1)
            finished = length <= 1e-10 * size
            done[idx[finished & ~outside & ~bad]] = True
            active[idx[finished | outside | bad]] = False
    inside = done & ((x >= lo) & (x <= hi)).all(axis=1)
    pts = x[inside]
    reps: list[Array] = []
    for p in pts[np.lexsort(pts.T[::-1])] if len(pts) else ():
        if not reps or np.abs(np.array(reps) - p).max(axis=1).min() > 1e-6 * (hi - lo):
            reps.append(p)
    if not reps:
        return Counts(minima=0, maxima=0, saddles=0, degenerate=0, points=())
    found = np.array(reps)
    _, _, hess = output_forward(arrays, found)
    lam = np.linalg.eigvalsh(cast(Array, hess))
    big = np.abs(lam).max(axis=1)
    degenerate = (np.abs(lam) <= degenerate_tol * np.maximum(big, 1e-300)[:, None]).any(axis=1) | (big == 0)
    positive = (lam > 0).all(axis=1) & ~degenerate
    negative = (lam < 0).all(axis=1) & ~degenerate
    return Counts(
        minima=int(positive.sum()),
        maxima=int(negative.sum()),
        saddles=int((~positive & ~negative & ~degenerate).sum()),
        degenerate=int(degenerate.sum()),
        points=tuple(tuple(float(v) for v in p) for p in found),
    )
