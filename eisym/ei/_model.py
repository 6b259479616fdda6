"""The fitted EI model and the records of how it was fitted (increments, mapped samples)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .._errors import SpecError
from .._network import Network, build_network
from ._algebra import forward, layer_jet

__all__ = [
    "EIModel",
    "ExtremumCount",
    "Increment",
    "MappedSample",
    "classify_representatives",
    "extremum_counts",
]

Array = np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class Increment:
    """One attempt of the EI loop: the widths tried and what the last-layer solve gave.

    ``rank``/``nullity`` are those of the stacked stationarity system A at the ``representatives``;
    ``found`` is the polarization's own verdict, ``terminated`` the termination check on the network;
    ``solve_seconds`` covers the kernel (SVD) and the polarization.
    """

    step: int
    widths: tuple[int, ...]
    representatives: int
    rank: int
    nullity: int
    found: bool
    terminated: bool
    candidates: int
    lp_calls: int
    hidden_steps: int
    solve_seconds: float
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MappedSample:
    """A representative training sample and what it became.

    ``gradient`` is the largest relative gradient norm over output units (|grad F_v| divided by the size
    of the terms it sums); ``kinds`` is one of maximum / minimum / saddle / degenerate / not stationary
    per output unit, from numeric Hessian eigenvalues; ``right_kind`` means a maximum of its own class
    unit and a minimum of every other unit (the paper's F_y = UB, F_j = LB).
    """

    sample: int
    label: int
    cluster_size: int
    gradient: float
    stationary: bool
    kinds: tuple[str, ...]
    right_kind: bool


def classify_representatives(
    weights: Sequence[Array],
    biases: Sequence[Array | None],
    activations: Sequence[str],
    x: Array,
    labels: Array,
    *,
    grad_tol: float = 1e-8,
    eig_tol: float = 1e-8,
) -> list[tuple[float, bool, tuple[str, ...], bool]]:
    """Gradient and Hessian signature of every output unit at each point of ``x``.

    A unit's gradient counts as zero when its norm is at most ``grad_tol`` times
    S'(z_v) sum_k |w_{v,k}| |grad h_k|; a Hessian is ``degenerate`` when an eigenvalue's magnitude is at
    most ``eig_tol`` times S'(z_v) sum_k |w_{v,k}| |H_k|_F (the size of the terms it is made of).
    """
    w_out, b_out = weights[-1], biases[-1]
    out = []
    for point, label in zip(x, labels, strict=True):
        h, jac, hess = layer_jet(weights[:-1], biases[:-1], activations[:-1], point[None, :], order=2)
        assert hess is not None  # order=2 always returns the Hessians
        z = h[0] @ w_out.T + (0.0 if b_out is None else b_out)
        d1 = expit(z) * expit(-z)
        d2 = -d1 * np.tanh(z / 2)
        g = w_out @ jac[0]  # (C, m): gradients of z_v
        curv = np.einsum("vk,kst->vst", w_out, hess[0])
        hess_out = d2[:, None, None] * g[:, :, None] * g[:, None, :] + d1[:, None, None] * curv
        grad_scale = d1 * (np.abs(w_out) @ np.linalg.norm(jac[0], axis=1))
        hess_scale = d1 * (np.abs(w_out) @ np.linalg.norm(hess[0], axis=(1, 2)))
        rel = np.linalg.norm(d1[:, None] * g, axis=1) / np.maximum(grad_scale, np.finfo(float).tiny)
        kinds = []
        for v in range(w_out.shape[0]):
            if rel[v] > grad_tol:
                kinds.append("not stationary")
                continue
            eig = np.linalg.eigvalsh(hess_out[v])
            if np.min(np.abs(eig)) <= eig_tol * hess_scale[v]:
                kinds.append("degenerate")
            elif np.all(eig < 0):
                kinds.append("maximum")
            elif np.all(eig > 0):
                kinds.append("minimum")
            else:
                kinds.append("saddle")
        right = all(k == ("maximum" if v == label else "minimum") for v, k in enumerate(kinds))
        out.append((float(rel.max()), bool(rel.max() <= grad_tol), tuple(kinds), right))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtremumCount:
    """Certified critical points of one output unit F_v in a box (:func:`eisym.certify_critical_points`).

    ``unproven`` points are isolated but of unproven type (degenerate or too close to call); when
    ``complete`` is False some cells stayed unresolved and every count is a lower bound.
    """

    unit: int
    minima: int
    maxima: int
    saddles: int
    unproven: int
    complete: bool

    @property
    def extrema(self) -> int:
        """Proven minima plus maxima."""
        return self.minima + self.maxima


def extremum_counts(net: Network, box: object, *, prec: int = 128) -> tuple[ExtremumCount, ...]:
    """Certified numbers of minima and maxima of every output unit of ``net`` in ``box``.

    Each unit's critical points are enumerated with :func:`eisym.certify_critical_points` (interval
    arithmetic; needs python-flint), so the counts are proven, not sampled. Any network with numeric
    weights will do (an EI model's, or a peer's rebuilt with :func:`eisym.build_network`). Meant for 1-D
    inputs, where it takes well under a second; the cost grows quickly with the input dimension.

    Examples
    --------
    >>> weights, biases = [[[1], [1]], [[1, -1]]], [[1, -1], [0]]
    >>> net = build_network("1,2,1", "tanh", bias=True, weights=weights, biases=biases)
    >>> [(c.minima, c.maxima, c.complete) for c in extremum_counts(net, (-4, 4))]
    [(0, 1, True)]
    """
    from .._certify import certify_critical_points

    counts = []
    for unit in range(1, net.widths[-1] + 1):
        cert = certify_critical_points(net, box, prec=prec, output=unit)
        kinds = cert.counts
        counts.append(
            ExtremumCount(
                unit=unit,
                minima=kinds["minimum"],
                maxima=kinds["maximum"],
                saddles=kinds["saddle"],
                unproven=kinds["unproven"],
                complete=cert.complete,
            )
        )
    return tuple(counts)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class EIModel:
    """A network trained by the extremum-increment algorithm (see :func:`eisym.ei.fit`).

    ``weights[u-1]``/``biases[u-1]`` are W^[u], b^[u] as float arrays; the output layer has one sigmoid
    unit per class (R7). ``representatives`` are training indices; ``assignment[i]`` is the
    representative whose cluster (surface neighbourhood) training sample i belongs to; ``train_box`` is
    the (min, max) of every input feature over the training samples.
    """

    classes: tuple[object, ...]
    widths: tuple[int, ...]
    activation: str
    bias: bool
    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    ub: float
    lb: float
    eps: float
    polarization: str
    termination: str
    converged: bool
    increments: tuple[Increment, ...]
    mapped: tuple[MappedSample, ...]
    representatives: tuple[int, ...]
    assignment: tuple[int, ...]
    train_accuracy: float
    train_size: int
    train_box: tuple[tuple[float, float], ...]
    seconds: float
    solve_seconds: float
    seed: int

    @property
    def activations(self) -> tuple[str, ...]:
        """Per-layer activation names (hidden layers, then the sigmoid outputs)."""
        return (self.activation,) * (len(self.widths) - 2) + ("sigmoid",)

    @property
    def n_increments(self) -> int:
        """How many times neurons were added."""
        return len(self.increments) - 1

    @property
    def parameter_count(self) -> int:
        """Weights plus biases."""
        return sum(w.size for w in self.weights) + sum(b.size for b in self.biases)

    @property
    def extremum_fraction(self) -> float:
        """Share of the training samples that sit on a verified extremum of the right kind."""
        return sum(s.right_kind for s in self.mapped) / self.train_size

    @property
    def stationary_fraction(self) -> float:
        """Share of the training samples where every output unit is verified stationary."""
        return sum(s.stationary for s in self.mapped) / self.train_size

    def _biases(self) -> list[Array | None]:
        return list(self.biases) if self.bias else [None] * len(self.weights)

    def _check(self, x: object) -> Array:
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise SpecError(f"x: expected a numeric array of shape (N, {self.widths[0]})") from None
        if arr.ndim != 2 or arr.shape[1] != self.widths[0]:
            raise SpecError(f"x: expected an array of shape (N, {self.widths[0]}), got shape {arr.shape}")
        return arr

    def logits(self, x: object) -> Array:
        """Output pre-activations z_v(x), one column per class."""
        b = self._biases()
        feats = forward(self.weights[:-1], b[:-1], self.activations[:-1], self._check(x))
        return feats @ self.weights[-1].T + (0.0 if b[-1] is None else b[-1])

    def decision_function(self, x: object) -> Array:
        """Outputs F_v(x) in (0, 1), one column per class."""
        return forward(self.weights, self._biases(), self.activations, self._check(x))

    def predict(self, x: object) -> Array:
        """The class whose output unit is largest.

        Compared on z_v rather than F_v = S(z_v) (the same order, as S is increasing), because
        float sigmoids of large z round to 1.0 and would tie.
        """
        return np.asarray(self.classes)[self.logits(x).argmax(axis=1)]

    def score(self, x: object, y: object) -> float:
        """Accuracy on (x, y)."""
        return float(np.mean(self.predict(x) == np.asarray(y)))

    @property
    def network(self) -> Network:
        """The fitted network as an ordinary eisym :class:`~eisym.Network` with float weights."""
        acts = list(self.activations)
        return build_network(
            self.widths,
            acts,
            bias=self.bias,
            weights=[w.tolist() for w in self.weights],
            biases=[b.tolist() for b in self.biases] if self.bias else None,
        )

    def extremum_counts(self, box: object = None, *, prec: int = 128) -> tuple[ExtremumCount, ...]:
        """:func:`extremum_counts` of the fitted network in ``box`` (default ``train_box``).

        Examples
        --------
        >>> from eisym.ei import fit
        >>> x = np.linspace(-3, 3, 40)[:, None]
        >>> model = fit(x, (np.abs(x[:, 0]) < 1.2).astype(int), widths=(6,), init_scale=4.0, seed=0)
        >>> [(c.unit, c.complete) for c in model.extremum_counts()]
        [(1, True), (2, True)]
        """
        return extremum_counts(self.network, self.train_box if box is None else box, prec=prec)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (no weights)."""
        return {
            "widths": list(self.widths),
            "parameters": self.parameter_count,
            "polarization": self.polarization,
            "termination": self.termination,
            "converged": self.converged,
            "increments": self.n_increments,
            "attempts": [
                {
                    "widths": list(i.widths),
                    "representatives": i.representatives,
                    "rank": i.rank,
                    "nullity": i.nullity,
                    "found": i.found,
                    "terminated": i.terminated,
                    "candidates": i.candidates,
                    "lp_calls": i.lp_calls,
                    "hidden_steps": i.hidden_steps,
                    "solve_seconds": round(i.solve_seconds, 6),
                    "message": i.message,
                }
                for i in self.increments
            ],
            "representatives": len(self.representatives),
            "stationary_fraction": self.stationary_fraction,
            "extremum_fraction": self.extremum_fraction,
            "mapped": [
                {"sample": s.sample, "label": s.label, "cluster_size": s.cluster_size, "kinds": list(s.kinds)}
                for s in self.mapped
            ],
            "train_accuracy": self.train_accuracy,
            "seconds": self.seconds,
            "solve_seconds": self.solve_seconds,
            "seed": self.seed,
        }
