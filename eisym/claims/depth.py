"""Experiment 6: shallow against deep at (exactly) equal parameter count P.

The paper says how many samples a network can fit depends on P, not on depth, and recommends a
"sloped trapezoid" of widths. Random networks of equal P but different shapes (the extrema sweep
of :mod:`eisym.claims.extrema` runs them) are compared: a Kruskal-Wallis test of the extrema counts
across shapes per weight scale. "No significant difference" is consistent with the claim (it is not
a proof of equality); a significant difference means that, for typical random networks, the count
depends on the shape and not on P alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .._spec import make_spec
from .extrema import ExtremaTask, counts_by_architecture

__all__ = ["EQUAL_P_GROUPS", "ShapeGroupTest", "DepthResult", "summarize_depth"]

# Each group has one exact P (weights + biases): checked by tests/test_claims.py.
EQUAL_P_GROUPS: tuple[tuple[str, tuple[tuple[int, ...], ...]], ...] = (
    ("1-D, P = 46 (depth 2 vs 3)", ((1, 15, 1), (1, 5, 5, 1))),
    ("2-D, P = 37 (depth 2, 3, 4)", ((2, 9, 1), (2, 4, 4, 1), (2, 3, 3, 3, 1))),
    ("1-D, P = 17 (trapezoid up vs down)", ((1, 2, 3, 1), (1, 3, 2, 1))),
    ("1-D, P = 53 (trapezoid up vs down)", ((1, 2, 4, 6, 1), (1, 6, 4, 2, 1))),
    ("1-D, P = 103 (trapezoid up vs down)", ((1, 3, 6, 9, 1), (1, 9, 6, 3, 1))),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShapeGroupTest:
    """Kruskal-Wallis across the shapes of one equal-P group at one scale."""

    group: str
    parameters: int
    scale: float
    shapes: tuple[tuple[int, ...], ...]
    means: tuple[float, ...]
    networks: int
    statistic: float
    p_value: float
    differs: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DepthResult:
    """Experiment 6: one test per (group, scale) and the verdict on "depends on P, not depth"."""

    tests: tuple[ShapeGroupTest, ...]
    verdict: str


def summarize_depth(
    tasks: Sequence[ExtremaTask], results: Sequence[dict[str, Any]], *, alpha: float = 0.01
) -> DepthResult:
    """Kruskal-Wallis per equal-P group and scale over the extrema counts of the sweep."""
    table = counts_by_architecture(tasks, results)
    first = tasks[0]
    tests = []
    for name, shapes in EQUAL_P_GROUPS:
        for scale in sorted({t.scale for t in tasks}):
            samples = [table.get((s, scale)) for s in shapes]
            if any(c is None for c in samples):
                continue
            extrema = [c[:, 0] + c[:, 1] for c in samples]  # type: ignore[index]
            pooled = np.concatenate(extrema)
            if np.ptp(pooled) == 0:
                stat, p = 0.0, 1.0
            else:
                res = stats.kruskal(*extrema)
                stat, p = float(res.statistic), float(res.pvalue)
            tests.append(
                ShapeGroupTest(
                    group=name,
                    parameters=make_spec(shapes[0], first.activation, bias=first.bias).parameter_count,
                    scale=scale,
                    shapes=shapes,
                    means=tuple(float(e.mean()) for e in extrema),
                    networks=int(pooled.size),
                    statistic=stat,
                    p_value=p,
                    differs=bool(p < alpha),
                )
            )
    differing = sum(t.differs for t in tests)
    if differing == 0:
        verdict = "consistent (no significant shape effect)"
    elif differing == len(tests):
        verdict = "not supported (shape matters at equal P)"
    else:
        verdict = "partly supported (shape matters in some groups)"
    return DepthResult(tests=tuple(tests), verdict=verdict)
