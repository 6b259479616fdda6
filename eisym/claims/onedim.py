"""Experiment 4: the largest number of critical points of a [1, k, 1] sigmoid network.

Known (the issue's oracles): at most k - 1 when every input weight has the same magnitude (the
logistic density is a Polya frequency function), at most 2 for k = 2, at most 3^k - 2^k - 1 in
general; random search is reported to reach exactly 2k - 2. For each k this experiment draws
random networks at several scales, hill-climbs from the best of them, and certifies the critical
points of the best witness with :func:`eisym._certify.certify_critical_points` (interval
arithmetic), so the reported maximum is a proven count, not a float estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._sweep import spawn_seeds
from ._config import Budget, budget
from ._fast import Arrays, count_1d, random_arrays

__all__ = ["OneDimTask", "OneDimRow", "OneDimResult", "onedim_tasks", "summarize_onedim", "known_bound"]

BOX = (-10.0, 10.0)
SCALES = (1.0, 2.0, 4.0, 8.0)


def known_bound(k: int, *, equal_magnitude: bool = False) -> int:
    """The best proven upper bound on the critical points of a [1, k, 1] sigmoid network.

    Examples
    --------
    >>> known_bound(2), known_bound(3), known_bound(3, equal_magnitude=True)
    (2, 18, 2)
    """
    if equal_magnitude:
        return k - 1
    if k == 2:
        return 2
    return 3**k - 2**k - 1


def _perturbed(arrays: Arrays, rng: np.random.Generator, step: float) -> Arrays:
    weights = tuple(w + step * rng.standard_normal(w.shape) for w in arrays.weights)
    biases = tuple(None if b is None else b + step * rng.standard_normal(b.shape) for b in arrays.biases)
    return Arrays(weights=weights, biases=biases, activations=arrays.activations)


def _bumps(k: int, rng: np.random.Generator) -> Arrays:
    """A structured start: k - 1 narrow positive bumps of S' on one wide negative bump.

    f' is proportional to sum_j a_j w_j S'(w_j x + b_j); each narrow bump that rises above the wide
    background crosses it twice, which gives 2(k - 1) critical points when the bumps are separated.
    Positions, widths and heights are jittered so that repeated starts differ.
    """
    wide = rng.uniform(0.3, 0.8)
    narrow = rng.uniform(4.0, 12.0, k - 1)
    span = 2.0 / wide
    centres = np.linspace(-span, span, k - 1) if k > 2 else np.zeros(1)
    centres = centres + rng.uniform(-0.1, 0.1, k - 1) * span
    w1 = np.concatenate([[wide], narrow])[:, None]
    b1 = np.concatenate([[0.0], -narrow * centres])
    # Output weights a_j so that the narrow peaks (a_j w_j / 4) are about twice the background's.
    background = rng.uniform(0.5, 1.0)
    a = np.concatenate([[-background / wide], 2.0 * background / narrow * rng.uniform(1.0, 1.5, k - 1)])
    return Arrays(weights=(w1, a[None, :]), biases=(b1, np.zeros(1)), activations=("sigmoid", "sigmoid"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OneDimTask:
    """Search the [1, k, 1] sigmoid networks (with biases) for many critical points in [lo, hi]."""

    k: int
    seeds: tuple[int, ...]
    climb_steps: int
    lo: float
    hi: float
    grid: int

    def run(self) -> dict[str, Any]:
        widths = (1, self.k, 1)
        best, best_count, random_max = None, -1, 0
        for i, seed in enumerate(self.seeds):
            arrays = random_arrays(widths, "sigmoid", True, seed, SCALES[i % len(SCALES)])
            n = count_1d(arrays, self.lo, self.hi, grid=self.grid).total
            random_max = max(random_max, n)
            if n > best_count:
                best, best_count = arrays, n
        rng = np.random.default_rng(self.seeds[0])
        for _ in range(max(1, len(self.seeds) // 20)):
            arrays = _bumps(self.k, rng)
            n = count_1d(arrays, self.lo, self.hi, grid=self.grid).total
            if n > best_count:
                best, best_count = arrays, n
        for step in range(self.climb_steps):
            candidate = _perturbed(best, rng, 0.3 * 0.99**step)  # type: ignore[arg-type]
            n = count_1d(candidate, self.lo, self.hi, grid=self.grid).total
            if n >= best_count:
                best, best_count = candidate, n
        equal_max = 0
        eq_rng = np.random.default_rng(self.seeds[-1])
        for i in range(len(self.seeds)):
            scale = SCALES[i % len(SCALES)]
            w1 = scale * np.where(eq_rng.random((self.k, 1)) < 0.5, -1.0, 1.0)
            b1 = scale * eq_rng.standard_normal(self.k)
            w2 = eq_rng.standard_normal((1, self.k))
            arrays = Arrays(weights=(w1, w2), biases=(b1, np.zeros(1)), activations=("sigmoid", "sigmoid"))
            equal_max = max(equal_max, count_1d(arrays, self.lo, self.hi, grid=self.grid).total)
        certified, complete = _certify(best, self.lo, self.hi)  # type: ignore[arg-type]
        return {
            "k": self.k,
            "random_max": random_max,
            "climb_max": best_count,
            "equal_magnitude_max": equal_max,
            "certified": certified,
            "complete": complete,
            "witness": {
                "weights": [w.tolist() for w in best.weights],  # type: ignore[union-attr]
                "biases": [b.tolist() for b in best.biases],  # type: ignore[union-attr]
            },
        }


def _certify(arrays: Arrays, lo: float, hi: float) -> tuple[int, bool]:
    """Proven number of critical points of the witness in [lo, hi] (a lower bound when incomplete)."""
    from .._network import build_network
    from ._certified import certified_counts

    net = build_network(
        (1, arrays.weights[0].shape[0], 1),
        "sigmoid",
        bias=True,
        weights=[w.tolist() for w in arrays.weights],
        biases=[b.tolist() for b in arrays.biases],  # type: ignore[union-attr]
    )
    minima, maxima, saddles, complete = certified_counts(net, lo, hi)
    return minima + maxima + saddles, complete


@dataclass(frozen=True, slots=True, kw_only=True)
class OneDimRow:
    """The search outcome for one k, next to the known bounds and the 2k - 2 conjecture."""

    k: int
    random_max: int
    climb_max: int
    certified: int
    complete: bool
    equal_magnitude_max: int
    bound_equal_magnitude: int
    bound_general: int
    conjectured: int
    prescribable: int
    witness_weights: tuple[tuple[tuple[float, ...], ...], ...]
    witness_biases: tuple[tuple[float, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OneDimResult:
    """Experiment 4: one row per k and the verdict on "2k - 2 is the maximum"."""

    box: tuple[float, float]
    draws: int
    rows: tuple[OneDimRow, ...]
    bounds_respected: bool
    verdict: str


def onedim_tasks(size: str | Budget = "default", seed: int = 0) -> tuple[OneDimTask, ...]:
    """One task per k.

    Examples
    --------
    >>> [t.k for t in onedim_tasks("tiny")]
    [2, 3]
    """
    b = budget(size)
    roots = spawn_seeds(seed + 4, len(b.onedim_k))
    return tuple(
        OneDimTask(
            k=k,
            seeds=spawn_seeds(root, b.onedim_draws),
            climb_steps=max(20, b.onedim_draws // 2),
            lo=BOX[0],
            hi=BOX[1],
            grid=b.grid,
        )
        for k, root in zip(b.onedim_k, roots, strict=True)
    )


def summarize_onedim(tasks: Sequence[OneDimTask], results: Sequence[dict[str, Any]]) -> OneDimResult:
    """Rows per k, whether every count respects the known bounds, and the verdict."""
    rows = []
    for task, r in zip(tasks, results, strict=True):
        k = task.k
        rows.append(
            OneDimRow(
                k=k,
                random_max=r["random_max"],
                climb_max=r["climb_max"],
                certified=r["certified"],
                complete=r["complete"],
                equal_magnitude_max=r["equal_magnitude_max"],
                bound_equal_magnitude=known_bound(k, equal_magnitude=True),
                bound_general=known_bound(k),
                conjectured=2 * k - 2,
                prescribable=k - 1,
                witness_weights=tuple(tuple(tuple(row) for row in w) for w in r["witness"]["weights"]),
                witness_biases=tuple(tuple(b) for b in r["witness"]["biases"]),
            )
        )
    respected = all(
        row.certified <= row.bound_general and row.equal_magnitude_max <= row.bound_equal_magnitude
        for row in rows
    )
    if any(row.certified > row.conjectured for row in rows):
        verdict = "counter-example to 2k-2"
    elif all(row.certified == row.conjectured and row.complete for row in rows):
        verdict = "2k-2 reached, never exceeded"
    else:
        verdict = "2k-2 not always reached"
    return OneDimResult(
        box=(tasks[0].lo, tasks[0].hi),
        draws=len(tasks[0].seeds),
        rows=tuple(rows),
        bounds_respected=respected,
        verdict=verdict,
    )
