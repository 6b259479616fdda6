"""Experiment 1: capacity by rank, N* = the most generic points the last layer alone can make stationary.

For an architecture (m, ..., l_{n-1}, 1) with seeded rational hidden weights and seeded rational
sample points, the stationarity system L(n, 1) of the first N samples (PAPER.md R3) is built with
:func:`eisym.stationarity_system` and its rank measured with :func:`eisym._rank.rank_analysis`; N*
is the largest N whose system still has a nonzero solution (nullity >= 1). The measurement is
compared with the reconstruction's prediction floor((l_{n-1} - 1) / m) (R4), which is not used to
compute it.

Part (b) solves all layers: for the small architectures it looks for weights of every layer that
make N seeded generic points simultaneously stationary (:func:`eisym._highprec.stationary_weights`,
least-norm Newton at 50 digits from seeded random starts) and accepts a solution only when every
gradient at the points is below 10^-40 and the network is not constant (its gradient at another
point exceeds 10^-8). N*(b) is the largest N, grown from 1, with such a verified solution; it is a
lower bound (a search found it), to be read next to N*(a) and P/m.
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
    all_layers: bool = False
    restarts: int = 3

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
            **(self._all_layers() if self.all_layers else {}),
        }

    def _all_layers(self) -> dict[str, Any]:
        """N*(b): grow N while some seeded start reaches a verified non-constant all-layer solution."""
        from .._highprec import stationary_weights

        m = self.widths[0]
        size = make_spec(self.widths).parameter_count
        limit = (size - 1) // m
        rng = np.random.default_rng([self.seed, 1])
        magnitudes = rng.choice(np.arange(1, 97), size=(limit + 1) * m, replace=False).reshape(limit + 1, m)
        signs = rng.choice([-1, 1], size=magnitudes.shape)
        points = [[Fraction(int(v), 32) for v in row] for row in signs * magnitudes]
        check, points = points[-1], points[:-1]
        best: dict[str, Any] = {"n_star_all": 0, "all_limit": limit, "solution": None}
        for count in range(1, limit + 1):
            found = None
            for _ in range(self.restarts):
                out = stationary_weights(
                    self.widths, points[:count], rng.normal(size=size).tolist(), check, max_iter=40
                )
                if out.converged and float(out.residual) < 1e-40 and float(out.check_gradient) > 1e-8:
                    found = out
                    break
            if found is None:
                break
            best = {
                "n_star_all": count,
                "all_limit": limit,
                "solution": {
                    "points": [[str(v) for v in p] for p in points[:count]],
                    "weights": list(found.weights),
                    "residual": found.residual,
                    "check_gradient": found.check_gradient,
                },
            }
        return best


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
    n_star_all: int | None = None
    all_limit: int | None = None


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
    # Part (b) only where it is cheap: a failing N costs every restart the full iteration budget.
    return tuple(
        CapacityTask(widths=a, seed=s, all_layers=len(a) == 3 and make_spec(a).parameter_count <= 12)
        for a, s in zip(archs, seeds, strict=True)
    )


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
                n_star_all=r.get("n_star_all"),
                all_limit=r.get("all_limit"),
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
