"""Experiment 1: capacity by rank, N* = the most generic points the last layer alone can make stationary.

For an architecture (m, ..., l_{n-1}, 1) with seeded rational hidden weights and seeded rational
sample points, the stationarity system L(n, 1) of the first N samples (PAPER.md R3) is built with
:func:`eisym.stationarity_system` and its rank measured with :func:`eisym._rank.rank_analysis`; N*
is the largest N whose system still has a nonzero solution (nullity >= 1). The measurement is
compared with the reconstruction's prediction floor((l_{n-1} - 1) / m) (R4), which is not used to
compute it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy import stats

from .._spec import make_spec
from .._sweep import spawn_seeds
from ._certified import PRECISION_LOCK
from ._config import Budget, budget

__all__ = [
    "CapacityTask",
    "CapacityRow",
    "CapacityResult",
    "capacity_tasks",
    "summarize_capacity",
    "predicted_capacity",
]


def predicted_capacity(last_hidden: int, m: int) -> int:
    """floor((l_{n-1} - 1) / m), the reconstruction's R4.

    Examples
    --------
    >>> predicted_capacity(7, 2)
    3
    """
    return (last_hidden - 1) // m


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityTask:
    """Measure N* for one architecture by growing the sample set until the kernel vanishes."""

    widths: tuple[int, ...]
    seed: int
    dps: int = 60

    def run(self) -> dict[str, Any]:
        from .._network import build_network, with_layer
        from .._rank import rank_analysis
        from .._stationarity import stationarity_system

        n = len(self.widths) - 1
        net = build_network(self.widths, "sigmoid", weights=f"random:{self.seed}:rational:1024")
        net = with_layer(net, n, "symbolic")
        rng = np.random.default_rng(self.seed)
        m, last = self.widths[0], self.widths[-2]
        # Distinct magnitudes: without biases S'(w x) is even, so x and -x would give the same equations.
        magnitudes = rng.choice(np.arange(1, 97), size=(last + 1) * m, replace=False).reshape(last + 1, m)
        signs = rng.choice([-1, 1], size=magnitudes.shape)
        samples = [[Fraction(int(v), 32) for v in row] for row in signs * magnitudes]
        ranks, nullities, methods, decisive = [], [], [], True
        for count in range(1, last + 2):
            system = stationarity_system(net, samples=samples[:count])
            with PRECISION_LOCK:
                analysis = rank_analysis(system, dps=self.dps)
            if analysis.rank is None:
                decisive = False
                break
            ranks.append(analysis.rank)
            nullities.append(int(analysis.nullity or 0))
            methods.append(analysis.method)
            decisive = decisive and analysis.decisive
            if analysis.nullity == 0:
                break
        n_star = sum(1 for v in nullities if v >= 1)
        return {
            "ranks": ranks,
            "nullities": nullities,
            "methods": sorted(set(methods)),
            "decisive": decisive,
            "n_star": n_star,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityRow:
    """Measured N* next to floor((l_{n-1} - 1)/m)."""

    widths: tuple[int, ...]
    m: int
    last_hidden: int
    parameters: int
    n_star: int
    predicted: int
    ranks: tuple[int, ...]
    method: str
    decisive: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityResult:
    """Experiment 1: rows, the fitted slope of N* against P per input dimension, and the verdict."""

    rows: tuple[CapacityRow, ...]
    slopes: tuple[tuple[int, float], ...]
    matches: int
    verdict: str


def capacity_tasks(size: str | Budget = "default", seed: int = 0) -> tuple[CapacityTask, ...]:
    """Architectures [m, l, 1] for m = 1, 2, 3 and [1, 3, l, 1] (the two smallest l: the nested
    exponentials of a two-layer system make its high-precision rank slow), l from the budget.

    Examples
    --------
    >>> [t.widths for t in capacity_tasks("tiny")][:3]
    [(1, 3, 1), (1, 4, 1), (2, 3, 1)]
    """
    b = budget(size)
    archs: list[tuple[int, ...]] = [(m, w, 1) for m in (1, 2, 3) for w in b.capacity_widths]
    archs += [(1, 3, w, 1) for w in b.capacity_widths[:2]]
    seeds = spawn_seeds(seed + 1, len(archs))
    return tuple(CapacityTask(widths=a, seed=s) for a, s in zip(archs, seeds, strict=True))


def summarize_capacity(tasks: Sequence[CapacityTask], results: Sequence[dict[str, Any]]) -> CapacityResult:
    """Rows, slopes of N* against P (least squares, per m) and ``confirmed`` / ``refuted``."""
    rows = []
    for task, r in zip(tasks, results, strict=True):
        m, last = task.widths[0], task.widths[-2]
        rows.append(
            CapacityRow(
                widths=task.widths,
                m=m,
                last_hidden=last,
                parameters=make_spec(task.widths).parameter_count,
                n_star=r["n_star"],
                predicted=predicted_capacity(last, m),
                ranks=tuple(r["ranks"]),
                method="+".join(r["methods"]),
                decisive=r["decisive"],
            )
        )
    slopes = []
    for m in sorted({row.m for row in rows}):
        pts = [(row.parameters, row.n_star) for row in rows if row.m == m and len(row.widths) == 3]
        if len({p for p, _ in pts}) >= 2:
            fit = stats.linregress([p for p, _ in pts], [n for _, n in pts])
            slopes.append((m, float(fit.slope)))
    matches = sum(1 for row in rows if row.n_star == row.predicted and row.decisive)
    return CapacityResult(
        rows=tuple(rows),
        slopes=tuple(slopes),
        matches=matches,
        verdict="confirmed" if matches == len(rows) else "refuted",
    )
