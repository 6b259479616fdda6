"""Experiment 5: zeros of f' for wide random [1, k, 1] networks against the Kac-Rice formula.

With the hidden layer fixed and i.i.d. N(0, 1) output weights a_k, the derivative
f'(t) = sum_k a_k w_k S'(w_k t + b_k) is a centred Gaussian process with covariance
K(s, t) = sum_k w_k^2 S'(w_k s + b_k) S'(w_k t + b_k), so (Edelman-Kostlan / Kac-Rice) its expected
number of zeros on [a, b] is exactly

    (1 / pi) * integral_a^b sqrt(d/ds d/dt log K(s, t) |_{s=t}) dt.

(For a sigmoid output unit the zeros are the same: S' > 0.) The mean number of sign changes of
f' over many draws of a, counted on a fine grid, must agree with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy import integrate
from scipy.special import expit

from .._sweep import spawn_seeds
from ._config import Budget, budget
from ._fast import random_arrays

__all__ = [
    "KacRiceTask",
    "KacRiceRow",
    "KacRiceResult",
    "kac_rice_tasks",
    "summarize_kac_rice",
    "expected_zeros",
]

BOX = (-6.0, 6.0)
SCALES = (1.0, 3.0)
TOLERANCE = 0.02


def _features(w: np.ndarray, b: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """phi_k(t) = w_k S'(w_k t + b_k) and its derivative, shape (len(t), k)."""
    z = np.outer(t, w) + b
    s, sm = expit(z), expit(-z)
    d1 = s * sm
    return w * d1, w * w * (-d1 * np.tanh(z / 2))


def expected_zeros(w: np.ndarray, b: np.ndarray, lo: float, hi: float) -> float:
    """The Kac-Rice expected number of zeros of sum_k a_k w_k S'(w_k t + b_k), a_k ~ N(0, 1), on [lo, hi].

    d/ds d/dt log K at s = t is (|phi|^2 |phi'|^2 - (phi . phi')^2) / |phi|^4 = |r|^2 / |phi|^2, with
    r = phi' - (phi . phi' / |phi|^2) phi the part of phi' orthogonal to phi (no cancellation).

    Examples
    --------
    >>> round(expected_zeros(np.array([1.0]), np.array([0.0]), -5, 5), 12)  # one term: no zeros
    0.0
    """

    def density(t: float) -> float:
        phi, dphi = _features(w, b, np.array([t]))
        p2 = float(phi[0] @ phi[0])
        if p2 == 0:
            return 0.0
        r = dphi[0] - (float(phi[0] @ dphi[0]) / p2) * phi[0]
        return float(np.sqrt(float(r @ r) / p2))

    value, _ = integrate.quad(density, lo, hi, limit=500, epsabs=1e-10, epsrel=1e-10)
    return value / np.pi


@dataclass(frozen=True, slots=True, kw_only=True)
class KacRiceTask:
    """One hidden layer (seeded), ``draws`` output-weight vectors, zeros counted on a grid."""

    k: int
    scale: float
    seed: int
    draws: int
    lo: float
    hi: float
    grid: int

    def run(self) -> dict[str, Any]:
        arrays = random_arrays((1, self.k, 1), "sigmoid", True, self.seed, self.scale)
        w, b = arrays.weights[0][:, 0], cast(np.ndarray, arrays.biases[0])
        theory = expected_zeros(w, b, self.lo, self.hi)
        t = np.linspace(self.lo, self.hi, self.grid)
        phi, _ = _features(w, b, t)
        rng = np.random.default_rng(self.seed)
        counts = np.empty(self.draws, dtype=np.int64)
        for start in range(0, self.draws, 500):
            n = min(500, self.draws - start)
            values = phi @ rng.standard_normal((self.k, n))
            signs = np.signbit(values)
            counts[start : start + n] = (signs[1:] != signs[:-1]).sum(axis=0)
        return {
            "theory": theory,
            "mean": float(counts.mean()),
            "std": float(counts.std(ddof=1)),
            "draws": self.draws,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class KacRiceRow:
    """Theory against the Monte Carlo mean for one hidden layer."""

    k: int
    scale: float
    draws: int
    theory: float
    mean: float
    standard_error: float
    relative_error: float
    within_tolerance: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class KacRiceResult:
    """Experiment 5: rows and whether all agree within ``tolerance`` (relative)."""

    box: tuple[float, float]
    tolerance: float
    rows: tuple[KacRiceRow, ...]
    verdict: str


def kac_rice_tasks(size: str | Budget = "default", seed: int = 0) -> tuple[KacRiceTask, ...]:
    """One task per (hidden width, scale).

    Examples
    --------
    >>> [(t.k, t.scale) for t in kac_rice_tasks("tiny")]
    [(10, 1.0), (10, 3.0)]
    """
    b = budget(size)
    combos = [(k, s) for k in b.kac_widths for s in SCALES]
    seeds = spawn_seeds(seed + 5, len(combos))
    return tuple(
        KacRiceTask(k=k, scale=s, seed=sd, draws=b.kac_draws, lo=BOX[0], hi=BOX[1], grid=b.grid)
        for (k, s), sd in zip(combos, seeds, strict=True)
    )


def summarize_kac_rice(tasks: Sequence[KacRiceTask], results: Sequence[dict[str, Any]]) -> KacRiceResult:
    """Rows and the verdict ``agrees`` / ``disagrees``."""
    rows = []
    for task, r in zip(tasks, results, strict=True):
        rel = abs(r["mean"] - r["theory"]) / r["theory"] if r["theory"] > 0 else float("inf")
        rows.append(
            KacRiceRow(
                k=task.k,
                scale=task.scale,
                draws=r["draws"],
                theory=r["theory"],
                mean=r["mean"],
                standard_error=r["std"] / np.sqrt(r["draws"]),
                relative_error=rel,
                within_tolerance=bool(rel <= TOLERANCE),
            )
        )
    ok = all(row.within_tolerance for row in rows)
    return KacRiceResult(
        box=(tasks[0].lo, tasks[0].hi),
        tolerance=TOLERANCE,
        rows=tuple(rows),
        verdict="agrees" if ok else "disagrees",
    )
