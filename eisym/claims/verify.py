"""All experiments in one sweep, and one verdict per claim: what ``eisym verify`` runs.

Every experiment contributes plain tasks; one :func:`eisym._sweep.run_sweep` runs them all on one
executor with one results file, so an interrupted verification resumes as a whole. Each experiment
then summarises its own slice of the results into its frozen result.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from .._sweep import run_sweep
from ._config import Budget, budget
from .capacity import CapacityResult, capacity_tasks, summarize_capacity
from .constructive import ConstructiveResult, constructive_tasks, summarize_constructive
from .depth import EQUAL_P_GROUPS, DepthResult, summarize_depth
from .extrema import FAMILIES, ExtremaResult, extrema_tasks, summarize_extrema
from .kacrice import KacRiceResult, kac_rice_tasks, summarize_kac_rice
from .onedim import OneDimResult, onedim_tasks, summarize_onedim

__all__ = [
    "ClaimVerdict",
    "Verification",
    "verify_claims",
    "verification_summary",
    "run_verification",
    "EXPERIMENTS",
    "run_experiment",
    "experiment_payload",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimVerdict:
    """One claim, its verdict, the headline statistic and p-value (None when not a test)."""

    claim: str
    verdict: str
    statistic: float | None
    p_value: float | None
    evidence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """Every experiment's result, the claim verdicts and what the run did."""

    size: str
    seed: int
    networks_analysed: int
    architectures: tuple[tuple[int, ...], ...]
    input_dimensions: tuple[int, ...]
    tasks: int
    computed: int
    reused: int
    seconds: float
    capacity: CapacityResult
    extrema: ExtremaResult
    constructive: ConstructiveResult
    onedim: OneDimResult
    kac_rice: KacRiceResult
    depth: DepthResult
    claims: tuple[ClaimVerdict, ...]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _claims(
    cap: CapacityResult,
    ext: ExtremaResult,
    con: ConstructiveResult,
    one: OneDimResult,
    kac: KacRiceResult,
    dep: DepthResult,
) -> tuple[ClaimVerdict, ...]:
    strongest = max(ext.correlations, key=lambda c: (c.verdict == "supported", c.rho))
    weakest = min(ext.correlations, key=lambda c: c.rho if math.isfinite(c.rho) else 2.0)
    supported = sum(c.verdict == "supported" for c in ext.correlations)
    m2 = next((s for s in con.saddles if s.m == 2), None)
    min_dep = min(dep.tests, key=lambda t: t.p_value)
    worst_kac = max(kac.rows, key=lambda r: r.relative_error)
    return (
        ClaimVerdict(
            claim="C2: the number of extrema is positively correlated with the number of parameters "
            "(random networks, Spearman per family and weight scale)",
            verdict=ext.verdict,
            statistic=_finite(weakest.rho),
            p_value=_finite(weakest.p_value),
            evidence=f"{supported} of {len(ext.correlations)} family/scale cells significant (p < 0.01, "
            f"95% CI above 0); weakest rho = {weakest.rho:.3f} ({weakest.family}, scale {weakest.scale:g}); "
            f"strongest rho = {strongest.rho:.3f} ({strongest.family}, scale {strongest.scale:g})",
        ),
        ClaimVerdict(
            claim="R4: solving the last layer alone makes floor((l_{n-1}-1)/m) generic points stationary "
            "(measured by rank)",
            verdict=cap.verdict,
            statistic=float(cap.matches) / len(cap.rows),
            p_value=None,
            evidence=f"N* measured by rank equals the formula for {cap.matches} of {len(cap.rows)} "
            "architectures",
        ),
        ClaimVerdict(
            claim="C2 (constructive): the number of samples that can be made true extrema grows with P",
            verdict=con.verdict_constructive,
            statistic=_finite(min(c.rho for _, c in con.correlations if math.isfinite(c.rho))),
            p_value=_finite(max(c.p_value for _, c in con.correlations if math.isfinite(c.p_value))),
            evidence="Spearman of N_ext with P within each input dimension m: "
            + ", ".join(f"m={m}: rho={c.rho:.2f}" for m, c in con.correlations if math.isfinite(c.rho)),
        ),
        ClaimVerdict(
            claim="R8: for m >= 2 most stationarity solutions are saddles (paper: ~65% at m=2, ~90% at m=3)",
            verdict=con.verdict_saddles,
            statistic=None if m2 is None else m2.fraction,
            p_value=None,
            evidence="; ".join(
                f"m={s.m}: {100 * s.fraction:.1f}% [{100 * s.low:.1f}, {100 * s.high:.1f}]"
                for s in con.saddles
            ),
        ),
        ClaimVerdict(
            claim="1-D: a [1,k,1] sigmoid network has at most 2k-2 critical points (k = "
            f"{one.rows[0].k}..{one.rows[-1].k}); known bounds hold",
            verdict=one.verdict + ("" if one.bounds_respected else "; KNOWN BOUND VIOLATED"),
            statistic=float(max(r.certified for r in one.rows)),
            p_value=None,
            evidence=", ".join(
                f"k={r.k}: {r.certified} certified (2k-2 = {r.conjectured})" for r in one.rows
            ),
        ),
        ClaimVerdict(
            claim="Kac-Rice: the mean number of zeros of f' of wide random [1,k,1] networks equals the "
            f"Edelman-Kostlan formula within {100 * kac.tolerance:g}%",
            verdict=kac.verdict,
            statistic=worst_kac.relative_error,
            p_value=None,
            evidence=", ".join(
                f"k={r.k}, scale {r.scale:g}: {r.mean:.3f} vs {r.theory:.3f}" for r in kac.rows
            ),
        ),
        ClaimVerdict(
            claim="Capacity depends on P, not on depth or shape (equal-P random networks, Kruskal-Wallis)",
            verdict=dep.verdict,
            statistic=min_dep.statistic,
            p_value=min_dep.p_value,
            evidence=f"{sum(t.differs for t in dep.tests)} of {len(dep.tests)} equal-P groups/scales differ "
            f"(p < 0.01); smallest p = {min_dep.p_value:.2g} ({min_dep.group}, scale {min_dep.scale:g})",
        ),
    )


def verify_claims(
    size: str | Budget = "default",
    seed: int = 0,
    *,
    executor: Any = None,
    store: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> Verification:
    """Run every experiment of the verification in one resumable sweep.

    Parameters
    ----------
    size : {"tiny", "quick", "default", "full"} or Budget
    seed : int
        Root seed; the same seed gives the same tasks and byte-identical tables.
    executor : concurrent.futures.Executor, optional
        Default: a local process pool of ``workers`` processes.
    store : ResultStore or path, optional
        The sqlite results file (resumable); default in memory.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     v = verify_claims("tiny", executor=pool, progress=False)
    >>> v.claims[1].verdict, v.input_dimensions
    ('confirmed', (1, 2, 3, 4))
    """
    b = budget(size)
    started = time.perf_counter()
    groups = {
        "capacity": capacity_tasks(b, seed),
        "extrema": _extrema_plan(b, seed),
        "constructive": constructive_tasks(b, seed),
        "onedim": onedim_tasks(b, seed),
        "kac_rice": kac_rice_tasks(b, seed),
    }
    # Slow tasks first so the pool is not left waiting on a straggler at the end.
    order = ["onedim", "kac_rice", "capacity", "constructive", "extrema"]
    tasks = [t for name in order for t in groups[name]]
    out = run_sweep(tasks, executor=executor, store=store, progress=progress, workers=workers)
    results: dict[str, list[dict[str, Any]]] = {}
    position = 0
    for name in order:
        results[name] = list(out.results[position : position + len(groups[name])])
        position += len(groups[name])
    cap = summarize_capacity(groups["capacity"], results["capacity"])
    ext = summarize_extrema(groups["extrema"], results["extrema"], seed=seed)
    con = summarize_constructive(groups["constructive"], results["constructive"], seed=seed)
    one = summarize_onedim(groups["onedim"], results["onedim"])
    kac = summarize_kac_rice(groups["kac_rice"], results["kac_rice"])
    dep = summarize_depth(groups["extrema"], results["extrema"])
    archs: dict[tuple[int, ...], None] = {}
    for task in tasks:
        widths = getattr(task, "widths", None) or (1, getattr(task, "k", 0), 1)
        archs.setdefault(tuple(widths), None)
    networks = (
        ext.networks
        + sum(row.networks for row in con.rows)
        + len(cap.rows)
        + sum(len(t.seeds) * 2 + t.climb_steps for t in groups["onedim"])
    )
    return Verification(
        size=b.name,
        seed=seed,
        networks_analysed=networks,
        architectures=tuple(archs),
        input_dimensions=tuple(sorted({a[0] for a in archs})),
        tasks=len(tasks),
        computed=out.computed,
        reused=out.reused,
        seconds=time.perf_counter() - started,
        capacity=cap,
        extrema=ext,
        constructive=con,
        onedim=one,
        kac_rice=kac,
        depth=dep,
        claims=_claims(cap, ext, con, one, kac, dep),
    )


def verification_summary(v: Verification) -> dict[str, Any]:
    """The JSON summary printed by ``eisym verify --json`` (no timings: see ``run_verification``)."""
    return {
        "size": v.size,
        "seed": v.seed,
        "networks_analysed": v.networks_analysed,
        "architectures": len(v.architectures),
        "input_dimensions": list(v.input_dimensions),
        "claims": [
            {"claim": c.claim, "verdict": c.verdict, "statistic": c.statistic, "p_value": c.p_value}
            for c in v.claims
        ],
    }


def run_verification(
    out: str,
    *,
    size: str = "default",
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    figures: bool = True,
    pdf: bool = True,
) -> dict[str, Any]:
    """``eisym verify``: run the sweep into OUT/results.sqlite (resuming), write the report, summarise.

    ``scheduler`` is None (local process pool), ``"local"`` (an in-process dask cluster) or a
    dask scheduler address ``tcp://HOST:PORT``.
    """
    from pathlib import Path

    from .._report import write_report
    from .._store import open_store
    from .._sweep import dask_client

    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    client = None
    executor = None
    if scheduler is not None:
        client = dask_client(None if scheduler == "local" else scheduler, workers=workers or 2)
        executor = client.get_executor()
    started = time.perf_counter()
    try:
        with open_store(directory / "results.sqlite") as store:
            v = verify_claims(size, seed, executor=executor, store=store, workers=workers, progress=progress)
    finally:
        if client is not None:
            client.close()
    written = write_report(v, directory, figures=figures, pdf=pdf)
    summary = verification_summary(v)
    summary.update(
        {
            "out": str(directory),
            "files": ["results.sqlite", *written["files"]],
            "pdf": written["pdf"],
            "tasks": v.tasks,
            "tasks_computed": v.computed,
            "tasks_reused": v.reused,
            "sweep_seconds": round(v.seconds, 2),
            "total_seconds": round(time.perf_counter() - started, 2),
        }
    )
    return summary


EXPERIMENTS = ("capacity", "extrema", "constructive", "onedim", "kacrice", "depth")


def _extrema_plan(b: Budget, seed: int) -> tuple[Any, ...]:
    return extrema_tasks(b, seed, families=FAMILIES + EQUAL_P_GROUPS)


def run_experiment(
    name: str,
    size: str | Budget = "default",
    seed: int = 0,
    *,
    executor: Any = None,
    store: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> Any:
    """Run one experiment on its own and return its frozen result.

    ``name`` is one of ``capacity``, ``extrema``, ``constructive``, ``onedim``, ``kacrice`` or
    ``depth`` (the equal-P part of the extrema sweep). Tasks and seeds are those of
    :func:`verify_claims`, so a shared results file is reused either way.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     r = run_experiment("capacity", "tiny", executor=pool, progress=False)
    >>> r.verdict, [row.n_star for row in r.rows][:4]
    ('confirmed', [2, 3, 1, 1])
    """
    from functools import partial

    from .._errors import SpecError

    b = budget(size)
    plans: dict[str, tuple[Any, Any]] = {
        "capacity": (capacity_tasks, summarize_capacity),
        "extrema": (_extrema_plan, partial(summarize_extrema, seed=seed)),
        "depth": (_extrema_plan, summarize_depth),
        "constructive": (constructive_tasks, partial(summarize_constructive, seed=seed)),
        "onedim": (onedim_tasks, summarize_onedim),
        "kacrice": (kac_rice_tasks, summarize_kac_rice),
    }
    if name not in plans:
        raise SpecError(f"unknown experiment {name!r}; expected one of {', '.join(EXPERIMENTS)}")
    plan, summarize = plans[name]
    tasks = plan(b, seed)
    out = run_sweep(tasks, executor=executor, store=store, progress=progress, workers=workers)
    return summarize(tasks, out.results)


def experiment_payload(result: Any) -> Any:
    """A result dataclass as JSON-ready data: tuples become lists, NaN and infinities become None.

    Examples
    --------
    >>> from eisym.claims._stats import Correlation
    >>> experiment_payload(Correlation(n=2, rho=float("nan"), p_value=1.0, low=0.0, high=1.0))["rho"] is None
    True
    """
    import dataclasses

    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {f.name: experiment_payload(getattr(result, f.name)) for f in dataclasses.fields(result)}
    if isinstance(result, (list, tuple)):
        return [experiment_payload(v) for v in result]
    if isinstance(result, float):
        return result if math.isfinite(result) else None
    return result
