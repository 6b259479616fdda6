"""Experiment 2: critical points of random networks against their parameter count (claim C2).

For families of architectures (width sweeps, depth sweeps, increasing and decreasing trapezoids) and
several weight scales, many seeded random networks are built and their critical points in the box
[lo, hi]^m counted by type. Per family and scale: Spearman's rho of the number of extrema (minima +
maxima) with the parameter count P, its p-value and a bootstrap interval; per architecture the mean
count with an interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._spec import WeightSource, make_spec
from .._sweep import spawn_seeds
from ._config import Budget, budget
from ._fast import count_1d, count_nd, random_arrays
from ._stats import mean_interval, spearman, verdict_from_correlation

__all__ = [
    "FAMILIES",
    "ExtremaTask",
    "ArchitectureRow",
    "FamilyCorrelation",
    "ExtremaResult",
    "extrema_tasks",
    "summarize_extrema",
    "random_extrema",
]

FAMILIES: tuple[tuple[str, tuple[tuple[int, ...], ...]], ...] = (
    ("1-D width", ((1, 2, 1), (1, 3, 1), (1, 4, 1), (1, 6, 1), (1, 8, 1), (1, 12, 1))),
    ("1-D depth", ((1, 4, 1), (1, 4, 4, 1), (1, 4, 4, 4, 1), (1, 4, 4, 4, 4, 1))),
    ("1-D trapezoid up", ((1, 2, 3, 1), (1, 2, 4, 6, 1), (1, 3, 6, 9, 1))),
    ("1-D trapezoid down", ((1, 3, 2, 1), (1, 6, 4, 2, 1), (1, 9, 6, 3, 1))),
    ("2-D width", ((2, 2, 1), (2, 3, 1), (2, 4, 1), (2, 6, 1), (2, 8, 1))),
    ("2-D depth", ((2, 4, 1), (2, 4, 4, 1), (2, 4, 4, 4, 1))),
)
BOX = (-6.0, 6.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtremaTask:
    """Count critical points of the networks ``random:seed`` (weights and biases of std ``scale``)."""

    widths: tuple[int, ...]
    activation: str
    bias: bool
    scale: float
    lo: float
    hi: float
    seeds: tuple[int, ...]
    grid: int
    starts: int
    certify: int = 0

    def run(self) -> dict[str, Any]:
        from .._network import build_network
        from ._certified import certified_counts

        counts, certified = [], []
        for i, seed in enumerate(self.seeds):
            arrays = random_arrays(self.widths, self.activation, self.bias, seed, self.scale)
            if self.widths[0] == 1:
                c = count_1d(arrays, self.lo, self.hi, grid=self.grid)
            else:
                c = count_nd(arrays, self.lo, self.hi, starts_per_axis=self.starts)
            counts.append([c.minima, c.maxima, c.saddles, c.degenerate])
            if i < self.certify:
                net = build_network(
                    self.widths,
                    self.activation,
                    bias=self.bias,
                    weights=WeightSource(kind="random", seed=int(seed), scale=float(self.scale)),
                )
                certified.append(list(certified_counts(net, self.lo, self.hi)))
        return {"counts": counts, "certified": certified}


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchitectureRow:
    """Counts over the random networks of one architecture at one weight scale."""

    widths: tuple[int, ...]
    parameters: int
    scale: float
    networks: int
    mean_extrema: float
    low: float
    high: float
    max_extrema: int
    mean_minima: float
    mean_maxima: float
    mean_saddles: float
    mean_degenerate: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyCorrelation:
    """Spearman's rho of extrema count with P within one family at one scale, and its verdict."""

    family: str
    scale: float
    networks: int
    rho: float
    p_value: float
    low: float
    high: float
    verdict: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtremaResult:
    """Experiment 2: rows per (architecture, scale), correlations per (family, scale), the verdict."""

    activation: str
    bias: bool
    box: tuple[float, float]
    rows: tuple[ArchitectureRow, ...]
    correlations: tuple[FamilyCorrelation, ...]
    networks: int
    certified: int
    certified_complete: int
    certified_agree: int
    certified_missed: int
    verdict: str


def _architectures(families: Sequence[tuple[str, Sequence[tuple[int, ...]]]]) -> tuple[tuple[int, ...], ...]:
    seen: dict[tuple[int, ...], None] = {}
    for _, archs in families:
        for a in archs:
            seen.setdefault(tuple(a), None)
    return tuple(seen)


def extrema_tasks(
    size: str | Budget = "default",
    seed: int = 0,
    *,
    families: Sequence[tuple[str, Sequence[tuple[int, ...]]]] = FAMILIES,
    activation: str = "sigmoid",
    bias: bool = True,
    box: tuple[float, float] = BOX,
) -> tuple[ExtremaTask, ...]:
    """The sweep tasks: every (architecture, scale) gets ``seeds`` networks, split into chunks.

    Seeds come from ``SeedSequence(seed).spawn`` over the (architecture, scale) pairs in order,
    so an architecture shared by two families is analysed once.

    Examples
    --------
    >>> tasks = extrema_tasks("tiny", 0)
    >>> len({t.widths for t in tasks}), sum(len(t.seeds) for t in tasks)
    (22, 176)
    """
    b = budget(size)
    combos = [(a, s) for a in _architectures(families) for s in b.scales]
    roots = spawn_seeds(seed, len(combos))
    tasks = []
    for (arch, scale), root in zip(combos, roots, strict=True):
        seeds = spawn_seeds(root, b.seeds)
        for start in range(0, len(seeds), b.chunk):
            tasks.append(
                ExtremaTask(
                    widths=arch,
                    activation=activation,
                    bias=bias,
                    scale=float(scale),
                    lo=float(box[0]),
                    hi=float(box[1]),
                    seeds=seeds[start : start + b.chunk],
                    grid=b.grid,
                    starts=b.starts,
                    certify=max(0, b.certify - start),
                )
            )
    return tuple(tasks)


def counts_by_architecture(
    tasks: Sequence[ExtremaTask], results: Sequence[dict[str, Any]]
) -> dict[tuple[tuple[int, ...], float], np.ndarray]:
    """Per (widths, scale): an (N, 4) array of minima, maxima, saddles, degenerate, in task order."""
    out: dict[tuple[tuple[int, ...], float], list[list[int]]] = {}
    for task, result in zip(tasks, results, strict=True):
        out.setdefault((task.widths, task.scale), []).extend(result["counts"])
    return {k: np.array(v, dtype=int).reshape(-1, 4) for k, v in out.items()}


def summarize_extrema(
    tasks: Sequence[ExtremaTask],
    results: Sequence[dict[str, Any]],
    *,
    seed: int = 0,
    families: Sequence[tuple[str, Sequence[tuple[int, ...]]]] = FAMILIES,
) -> ExtremaResult:
    """Turn task results into per-architecture rows, per-family correlations and a verdict."""
    table = counts_by_architecture(tasks, results)
    first = tasks[0]
    rows = []
    for i, ((widths, scale), counts) in enumerate(table.items()):
        extrema = counts[:, 0] + counts[:, 1]
        mean, low, high = mean_interval(extrema, seed=seed + i)
        means = counts.mean(axis=0)
        rows.append(
            ArchitectureRow(
                widths=widths,
                parameters=make_spec(widths, first.activation, bias=first.bias).parameter_count,
                scale=scale,
                networks=int(len(counts)),
                mean_extrema=mean,
                low=low,
                high=high,
                max_extrema=int(extrema.max()),
                mean_minima=float(means[0]),
                mean_maxima=float(means[1]),
                mean_saddles=float(means[2]),
                mean_degenerate=float(means[3]),
            )
        )
    correlations = []
    scales = sorted({t.scale for t in tasks})
    for f, (name, archs) in enumerate(families):
        for scale in scales:
            xs, ys = [], []
            for arch in archs:
                found = table.get((tuple(arch), scale))
                if found is None:
                    continue
                counts = found
                p = make_spec(arch, first.activation, bias=first.bias).parameter_count
                xs.extend([p] * len(counts))
                ys.extend((counts[:, 0] + counts[:, 1]).tolist())
            if not xs:
                continue
            c = spearman(xs, ys, seed=seed + 1000 * (f + 1) + int(scale * 10))
            correlations.append(
                FamilyCorrelation(
                    family=name,
                    scale=scale,
                    networks=c.n,
                    rho=c.rho,
                    p_value=c.p_value,
                    low=c.low,
                    high=c.high,
                    verdict=verdict_from_correlation(c),
                )
            )
    proofs = [
        (tuple(c[:3]), tuple(p[:3]), bool(p[3]))
        for r in results
        for c, p in zip(r["counts"], r.get("certified", []), strict=False)
    ]
    return ExtremaResult(
        certified=len(proofs),
        certified_complete=sum(done for _, _, done in proofs),
        certified_agree=sum(done and counted == proven for counted, proven, done in proofs),
        certified_missed=sum(done and sum(counted) < sum(proven) for counted, proven, done in proofs),
        activation=first.activation,
        bias=first.bias,
        box=(first.lo, first.hi),
        rows=tuple(rows),
        correlations=tuple(correlations),
        networks=int(sum(len(v) for v in table.values())),
        verdict=overall_verdict(tuple(c.verdict for c in correlations)),
    )


def overall_verdict(verdicts: Sequence[str]) -> str:
    """``supported`` when every family and scale supports the claim, ``contradicted`` when one
    contradicts it, ``partly supported`` when some do, ``not supported`` when none does.

    Examples
    --------
    >>> overall_verdict(["supported", "not supported"])
    'partly supported'
    """
    decided = [v for v in verdicts if v != "undetermined"]
    if not decided:
        return "undetermined"
    if "contradicted" in decided:
        return "contradicted"
    if all(v == "supported" for v in decided):
        return "supported"
    if any(v == "supported" for v in decided):
        return "partly supported"
    return "not supported"


def random_extrema(
    size: str | Budget = "default",
    seed: int = 0,
    *,
    executor: Any = None,
    store: Any = None,
    progress: bool | None = None,
) -> ExtremaResult:
    """Run experiment 2 on its own (``eisym verify`` runs it together with the others).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(1) as pool:
    ...     r = random_extrema("tiny", 0, executor=pool, progress=False)
    >>> r.networks
    176
    """
    from .._sweep import run_sweep

    tasks = extrema_tasks(size, seed)
    out = run_sweep(tasks, executor=executor, store=store, progress=progress)
    return summarize_extrema(tasks, out.results, seed=seed)
