"""Hidden layers (PAPER.md R5): their stationarity systems and one linear-programming step in the kernel.

With every other layer frozen, grad_x z_v^[n] = beta^[u] W^[u] J^[u-1] with beta^[u] = dz_v^[n]/dz^[u].
beta^[u] holds S'(z^[u]), which moves with W^[u], so stationarity is linear in W^[u] only with beta^[u]
frozen at the current weights: R5 as the paper iterates it. A step in the kernel of that frozen system (and
the unconstrained bias step) therefore changes the representatives' gradients to first order in the step;
exact stationarity comes back when the caller solves the last layer again. The termination condition is
not linear either: the outputs
depend on W^[u] through the sigmoid. :func:`hidden_layer_step` linearises the output margins
z_y(x_i) - z_j(x_i) in (W^[u], b^[u]) and solves one linear program: least total margin violation, the step
in the kernel of the R5 system and inside a box (a trust region). Any hidden layer u = 1, ..., n-1 can be
moved this way; the caller then solves the last layer again (which makes the representatives exactly
stationary for the new hidden layers) before the next layer's beta^[u] is computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.optimize
import scipy.sparse as sps

from .._errors import SpecError
from .._numeric import _activation
from ._algebra import forward, kernel, layer_jet

__all__ = ["hidden_system", "hidden_layer_step"]

Array = np.ndarray


def _sensitivities(
    weights: Sequence[Array], biases: Sequence[Array | None], acts: Sequence[str], layer: int, x: Array
) -> tuple[Array, Array, Array]:
    """beta^[u] (N, C, l_u) = dz^[n]/dz^[u], h^[u-1] (N, l_{u-1}) and J^[u-1] (N, l_{u-1}, m)."""
    h_prev, jac_prev, _ = layer_jet(weights[: layer - 1], biases[: layer - 1], acts[: layer - 1], x)
    hs, slopes = [np.asarray(x, dtype=float)], []
    for w, b, name in zip(weights, biases, acts, strict=True):
        z = hs[-1] @ w.T if b is None else hs[-1] @ w.T + b
        h, d1, _ = _activation(name, (), z)
        hs.append(h)
        slopes.append(d1)
    c = weights[-1].shape[0]
    beta = np.broadcast_to(np.eye(c), (x.shape[0], c, c))
    for k in range(len(weights), layer, -1):
        beta = np.matmul(beta, weights[k - 1]) * slopes[k - 2][:, None, :]
    return beta, h_prev, jac_prev


def hidden_system(
    weights: Sequence[Array], biases: Sequence[Array | None], acts: Sequence[str], layer: int, x: Array
) -> Array:
    """The R5 matrix of layer ``layer`` at N points, every output unit stacked (N * C * m rows).

    Row (i, v, t), column (a, b) holds beta_a^[u](x_i) J^[u-1]_{b,t}(x_i), beta^[u] = dz_v^[n]/dz^[u]
    with every layer frozen at the given weights; unknowns are vec(W^[u]) row-major. The output
    activation's S'(z_v) > 0 is dropped, as in L(n, v).

    Examples
    --------
    >>> ws = [np.array([[1.0], [2.0]]), np.array([[1.0, -1.0]])]
    >>> hidden_system(ws, [None, None], ["sigmoid", "sigmoid"], 1, np.zeros((1, 1)))
    array([[ 0.25, -0.25]])
    """
    beta, _, jac_prev = _sensitivities(weights, biases, acts, layer, x)
    block = np.einsum("iva,ibt->ivtab", beta, jac_prev)
    return block.reshape(x.shape[0] * beta.shape[1] * jac_prev.shape[2], -1)


def hidden_layer_step(
    weights: list[Array],
    biases: list[Array | None],
    acts: Sequence[str],
    x: Array,
    labels: Array,
    reps: Array,
    *,
    trust: float = 0.5,
    margin: float = 1.0,
    layer: int | None = None,
) -> bool:
    """One LP step on hidden layer ``layer``; updates ``weights``/``biases`` in place when it helps.

    Minimises the total violation of the linearised margins z_y(x_i) - z_j(x_i) >= ``margin`` over steps
    dW = K gamma (K a kernel basis of the R5 system at the representatives with beta^[u] frozen, so the
    frozen-beta system stays satisfied; the true gradients move, see the module docstring) and db, with
    |gamma|, |db| <= ``trust`` times the layer's mean |w|. ``layer`` is u in
    1, ..., n-1 (default n-1, the last hidden layer); every other layer stays frozen. Returns whether the
    predicted violation dropped (and the step was taken).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ws = [rng.standard_normal((4, 1)), rng.standard_normal((2, 4))]
    >>> bs = [rng.standard_normal(4), np.zeros(2)]
    >>> x, y = np.array([[-1.0], [0.0], [1.0]]), np.array([0, 1, 0])
    >>> hidden_layer_step(ws, bs, ["sigmoid", "sigmoid"], x, y, np.array([1]))
    True
    """
    u = len(weights) - 1 if layer is None else layer
    if isinstance(u, bool) or not isinstance(u, (int, np.integer)) or not 1 <= u < len(weights):
        raise SpecError(f"layer must be a hidden layer index in 1..{len(weights) - 1}, got {layer!r}")
    n, c = x.shape[0], weights[-1].shape[0]
    beta, h_prev, _ = _sensitivities(weights, biases, acts, u, x)
    logits = forward(weights, biases, [*acts[:-1], "identity"], x)
    others = np.array([[j for j in range(c) if j != yi] for yi in labels])
    rows_i = np.repeat(np.arange(n), c - 1)
    rows_j = others.ravel()
    own = labels[rows_i]
    current = logits[rows_i, own] - logits[rows_i, rows_j]
    dbeta = beta[rows_i, own, :] - beta[rows_i, rows_j, :]  # (P, l)
    grad_w = (dbeta[:, :, None] * h_prev[rows_i][:, None, :]).reshape(len(rows_i), -1)
    basis, _ = kernel(hidden_system(weights, biases, acts, u, x[reps]), weights[u - 1].size)
    if basis.shape[1] == 0:
        return False
    has_bias = biases[u - 1] is not None
    coef = [grad_w @ basis] + ([dbeta] if has_bias else [])
    g = np.hstack(coef)
    n_step, n_pairs = g.shape[1], g.shape[0]
    # -g d - s <= current - margin, s >= 0; minimise sum s.
    a_ub = sps.hstack([sps.csr_matrix(-g), -sps.identity(n_pairs, format="csr")]).tocsr()
    b_ub = current - margin
    radius = trust * float(np.mean(np.abs(weights[u - 1])))
    bounds = [(-radius, radius)] * n_step + [(0, None)] * n_pairs
    cost = np.concatenate([np.zeros(n_step), np.ones(n_pairs)])
    res = scipy.optimize.linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    before = float(np.maximum(margin - current, 0).sum())
    if res.status != 0 or res.fun >= before - 1e-9:
        return False
    step = res.x[:n_step]
    k = basis.shape[1]
    weights[u - 1] = weights[u - 1] + (basis @ step[:k]).reshape(weights[u - 1].shape)
    if has_bias:
        biases[u - 1] = biases[u - 1] + step[k:]
    return True
