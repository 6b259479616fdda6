"""Experiment 3 (constructive extrema) and the saddle fraction against the input dimension (R8).

For [m, l, 1] sigmoid networks in the paper's form (no biases) with seeded hidden weights, N random
samples in [-2, 2]^m are made stationary by solving L(n, 1) (PAPER.md R3) for the last layer: the
solutions are w = B alpha, B a kernel basis of the stacked Jacobian blocks. A stationary sample is a
true extremum when the Hessian there, S'(z) sum_k w_k Hess h_k (the S'' term vanishes at a
stationary point), is definite. ``trials`` random directions alpha are tried; N_ext is the largest N
for which one of them makes all N samples extrema at once. The saddle fraction is the share of
single-sample solutions (N = 1, random alpha) whose Hessian is indefinite.

This is a float64 computation (SVD kernel, eigenvalues); a Hessian whose smallest |eigenvalue| is
below 1e-9 of the largest counts as neither definite nor a saddle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .._spec import make_spec
from .._sweep import spawn_seeds
from ._config import Budget, budget
from ._fast import layer_forward, random_arrays
from ._stats import Correlation, mean_interval, spearman

__all__ = [
    "ConstructiveTask",
    "ConstructiveRow",
    "SaddleRow",
    "ConstructiveResult",
    "constructive_tasks",
    "summarize_constructive",
    "PAPER_SADDLE_FRACTION",
]

PAPER_SADDLE_FRACTION = {2: 0.65, 3: 0.90}
DIMENSIONS = (1, 2, 3, 4)
HIDDEN = (5, 9, 13)


def _types(hessians: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(definite, saddle) masks of a stack of symmetric matrices."""
    lam = np.linalg.eigvalsh(hessians)
    big = np.abs(lam).max(axis=-1)
    clear = np.abs(lam).min(axis=-1) > 1e-9 * big
    definite = clear & ((lam > 0).all(axis=-1) | (lam < 0).all(axis=-1))
    return definite, clear & ~definite


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstructiveTask:
    """Place 1..floor((l-1)/m) stationary samples in each seeded [m, l, 1] network and test extremality."""

    widths: tuple[int, int, int]
    seeds: tuple[int, ...]
    trials: int

    def run(self) -> dict[str, Any]:
        m, width = self.widths[0], self.widths[1]
        placeable = (width - 1) // m
        n_ext, saddle = [], []
        for seed in self.seeds:
            arrays = random_arrays(self.widths, "sigmoid", False, seed, 1.0)
            rng = np.random.default_rng(seed)
            best = 0
            for count in range(1, placeable + 1):
                x = rng.uniform(-2.0, 2.0, (count, m))
                _, jac, hess = layer_forward(arrays, x, 1, order=2)
                a = jac.transpose(0, 2, 1).reshape(count * m, width)
                _, sv, vt = np.linalg.svd(a)
                rank = int((sv > 1e-10 * sv[0]).sum())
                basis = vt[rank:].T  # (l, nullity)
                alpha = rng.standard_normal((basis.shape[1], self.trials))
                w = basis @ alpha  # (l, trials)
                h_out = np.einsum("kt,nkij->tnij", w, cast(np.ndarray, hess))
                definite, saddles = _types(h_out)
                if count == 1:
                    saddle.append(float(saddles[:, 0].mean()))
                if definite.all(axis=1).any():
                    best = count
            n_ext.append(best)
        return {"n_extrema": n_ext, "saddle_fraction": saddle, "placeable": placeable}


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstructiveRow:
    """Per [m, l, 1]: samples placeable as stationary points, and how many as extrema."""

    widths: tuple[int, int, int]
    parameters: int
    networks: int
    placeable: int
    mean_extrema: float
    max_extrema: int
    min_extrema: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SaddleRow:
    """Share of single-sample stationarity solutions that are saddles, per input dimension."""

    m: int
    solutions: int
    fraction: float
    low: float
    high: float
    paper: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstructiveResult:
    """Experiments 3 and R8."""

    trials: int
    rows: tuple[ConstructiveRow, ...]
    saddles: tuple[SaddleRow, ...]
    correlations: tuple[tuple[int, Correlation], ...]
    verdict_constructive: str
    verdict_saddles: str


def constructive_tasks(size: str | Budget = "default", seed: int = 0) -> tuple[ConstructiveTask, ...]:
    """One task per [m, l, 1], m = 1..4, l in (5, 9, 13), with ``saddle_samples // 3`` networks each.

    Examples
    --------
    >>> len(constructive_tasks("tiny"))
    12
    """
    b = budget(size)
    archs = [(m, width, 1) for m in DIMENSIONS for width in HIDDEN]
    roots = spawn_seeds(seed + 3, len(archs))
    per = max(3, b.saddle_samples // 3)
    return tuple(
        ConstructiveTask(widths=a, seeds=spawn_seeds(r, per), trials=b.constructive_trials)
        for a, r in zip(archs, roots, strict=True)
    )


def summarize_constructive(
    tasks: Sequence[ConstructiveTask], results: Sequence[dict[str, Any]], *, seed: int = 0
) -> ConstructiveResult:
    """Rows, saddle fractions with bootstrap intervals, Spearman of N_ext with P per m, verdicts."""
    rows = []
    pairs: dict[int, tuple[list[int], list[int]]] = {}
    by_m: dict[int, list[float]] = {}
    for task, r in zip(tasks, results, strict=True):
        ext = np.array(r["n_extrema"])
        p = make_spec(task.widths).parameter_count
        rows.append(
            ConstructiveRow(
                widths=task.widths,
                parameters=p,
                networks=len(ext),
                placeable=r["placeable"],
                mean_extrema=float(ext.mean()),
                max_extrema=int(ext.max()),
                min_extrema=int(ext.min()),
            )
        )
        xs, ys = pairs.setdefault(task.widths[0], ([], []))
        xs.extend([p] * len(ext))
        ys.extend(ext.tolist())
        by_m.setdefault(task.widths[0], []).extend(r["saddle_fraction"])
    saddles = []
    for m, fractions in sorted(by_m.items()):
        mean, low, high = mean_interval(fractions, seed=seed + m)
        saddles.append(
            SaddleRow(
                m=m,
                solutions=len(fractions) * tasks[0].trials,
                fraction=mean,
                low=low,
                high=high,
                paper=PAPER_SADDLE_FRACTION.get(m),
            )
        )
    correlations = tuple((m, spearman(xs, ys, seed=seed + 33 + m)) for m, (xs, ys) in sorted(pairs.items()))
    decided = [c for _, c in correlations if not np.isnan(c.rho)]
    constructive = (
        "supported"
        if decided and all(c.rho > 0 and c.p_value < 0.01 and c.low > 0 for c in decided)
        else "not supported"
    )
    majority = all(row.low > 0.5 for row in saddles if row.m >= 2)
    return ConstructiveResult(
        trials=tasks[0].trials,
        rows=tuple(rows),
        saddles=tuple(saddles),
        correlations=correlations,
        verdict_constructive=constructive,
        verdict_saddles="supported" if majority else "not supported",
    )
