"""Float64 layer algebra EI needs: forward passes, layer Jacobians/Hessians, stacked systems, kernels.

The recurrences are those of :mod:`eisym._derive` (PAPER.md R1) run on arrays for every unit of a layer
at once (:func:`eisym._numeric.evaluate` gives one output unit; EI needs all units of the last hidden
layer, at many samples; :func:`eisym._numeric.layer_jet` does that):

    J^[u] = D^[u] W^[u] J^[u-1],   H_k^[u] = E_k g_k g_k^T + D_k sum_j w_{k,j} H_j^[u-1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg

from .._numeric import _activation, layer_jet

__all__ = ["forward", "layer_jet", "stationarity_matrix", "kernel", "row_space"]

Array = np.ndarray


def _pre(h: Array, w: Array, b: Array | None) -> Array:
    z = h @ w.T
    return z if b is None else z + b


def forward(
    weights: Sequence[Array], biases: Sequence[Array | None], activations: Sequence[str], x: Array
) -> Array:
    """h^[u](x) for N points after the given layers (the input itself when no layer is given).

    Examples
    --------
    >>> forward([np.array([[0.0, 0.0]])], [None], ["sigmoid"], np.ones((3, 2))).ravel()
    array([0.5, 0.5, 0.5])
    """
    h = np.asarray(x, dtype=float)
    for w, b, name in zip(weights, biases, activations, strict=True):
        h = _activation(name, (), _pre(h, w, b))[0]
    return h


def stationarity_matrix(jac: Array) -> Array:
    """The stacked system A (R3): one block J^[n-1](x_i)^T (m x l) per sample, sample-major.

    Examples
    --------
    >>> stationarity_matrix(np.arange(6.0).reshape(1, 3, 2))
    array([[0., 2., 4.],
           [1., 3., 5.]])
    """
    n_pts, width, m = jac.shape
    return jac.transpose(0, 2, 1).reshape(n_pts * m, width)


def kernel(matrix: Array, width: int, rtol: float = 1e-10) -> tuple[Array, int]:
    """An orthonormal kernel basis (width x r) by SVD and the numeric rank of ``matrix``.

    Singular values below ``rtol`` times the largest count as zero.

    Examples
    --------
    >>> basis, rank = kernel(np.array([[1.0, 1.0]]), 2)
    >>> rank, basis.shape, bool(abs(basis.sum()) < 1e-12)
    (1, (2, 1), True)
    """
    if matrix.shape[0] == 0:
        return np.eye(width), 0
    basis = scipy.linalg.null_space(matrix, rcond=rtol)
    return basis, width - basis.shape[1]


def row_space(matrix: Array, width: int, rtol: float = 1e-10) -> tuple[Array, int]:
    """An orthonormal basis V (width x rank) of the row space, by QR with column pivoting.

    The kernel is then the range of I - V V^T, which is cheaper to use than an explicit kernel basis when
    the system has far fewer rows than unknowns (no width x width factor is formed).

    Examples
    --------
    >>> v, rank = row_space(np.array([[1.0, 1.0], [2.0, 2.0]]), 2)
    >>> rank, np.round(np.abs(v.ravel()), 6).tolist()
    (1, [0.707107, 0.707107])
    """
    if matrix.shape[0] == 0:
        return np.zeros((width, 0)), 0
    q, r, _ = scipy.linalg.qr(matrix.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > rtol * diag[0])) if diag.size and diag[0] > 0 else 0
    return q[:, :rank], rank
