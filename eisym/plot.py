"""Figures of the verification, one per experiment (matplotlib, Agg backend, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._errors import MissingDependency

__all__ = ["verification_figures"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingDependency("figures need matplotlib: pip install 'eisym[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> str:
    # A fixed date and software tag keep the PNG bytes reproducible.
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": "eisym"})
    fig.clf()
    return path.name


def verification_figures(v: Any, directory: str | Path) -> tuple[str, ...]:
    """Write capacity, extrema, constructive, onedim, kacrice and depth PNGs; return their file names.

    ``v`` is a :class:`eisym.claims.verify.Verification`; nothing is recomputed.
    """
    plt = _pyplot()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = []

    fig, ax = plt.subplots(figsize=(5, 3.6))
    for m in sorted({r.m for r in v.capacity.rows}):
        rows = [r for r in v.capacity.rows if r.m == m]
        ax.plot([r.parameters for r in rows], [r.n_star for r in rows], "o", label=f"measured, m={m}")
        ax.plot([r.parameters for r in rows], [r.predicted for r in rows], "x", color="gray")
        solved = [r for r in rows if r.n_star_all is not None]
        if solved:
            ax.plot([r.parameters for r in solved], [r.n_star_all for r in solved], "s", mfc="none")
    ax.set_xlabel("parameters P")
    ax.set_ylabel("N*")
    ax.set_title("Capacity: o last layer, s all layers (x: floor((l-1)/m))")
    ax.legend(fontsize=7)
    names.append(_save(fig, out / "capacity.png"))
    plt.close(fig)

    scales = sorted({c.scale for c in v.extrema.correlations})
    fig, axes = plt.subplots(1, len(scales), figsize=(4.2 * len(scales), 3.6), squeeze=False)
    families = []
    for c in v.extrema.correlations:
        if c.family not in families:
            families.append(c.family)
    from .claims.extrema import FAMILIES

    members = dict(FAMILIES)
    for ax, scale in zip(axes[0], scales, strict=True):
        for family in families:
            rows = [r for r in v.extrema.rows if r.scale == scale and r.widths in members.get(family, ())]
            rows.sort(key=lambda r: r.parameters)
            ax.errorbar(
                [r.parameters for r in rows],
                [r.mean_extrema for r in rows],
                yerr=[[r.mean_extrema - r.low for r in rows], [r.high - r.mean_extrema for r in rows]],
                marker="o",
                ms=3,
                capsize=2,
                label=family,
            )
        ax.set_xscale("log")
        ax.set_xlabel("parameters P")
        ax.set_title(f"weight scale {scale:g}")
    axes[0][0].set_ylabel("mean extrema in box (95% CI)")
    axes[0][-1].legend(fontsize=6)
    names.append(_save(fig, out / "extrema.png"))
    plt.close(fig)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    for m in sorted({r.widths[0] for r in v.constructive.rows}):
        rows = [r for r in v.constructive.rows if r.widths[0] == m]
        a1.plot([r.parameters for r in rows], [r.mean_extrema for r in rows], "o-", label=f"extrema, m={m}")
        a1.plot([r.parameters for r in rows], [r.placeable for r in rows], ":", color="gray")
    a1.set_xlabel("parameters P")
    a1.set_ylabel("samples mapped to true extrema")
    a1.set_title("Constructive extrema (dotted: stationary)")
    a1.legend(fontsize=7)
    sad = v.constructive.saddles
    a2.errorbar(
        [s.m for s in sad],
        [s.fraction for s in sad],
        yerr=[[s.fraction - s.low for s in sad], [s.high - s.fraction for s in sad]],
        marker="o",
        capsize=3,
        label="eisym",
    )
    paper = [(s.m, s.paper) for s in sad if s.paper is not None]
    a2.plot([p[0] for p in paper], [p[1] for p in paper], "s", label="paper (R8)")
    a2.set_xlabel("input dimension m")
    a2.set_ylabel("saddle fraction")
    a2.legend(fontsize=7)
    names.append(_save(fig, out / "constructive.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.6))
    ks = [r.k for r in v.onedim.rows]
    ax.plot(ks, [r.certified for r in v.onedim.rows], "o-", label="certified maximum found")
    ax.plot(ks, [r.conjectured for r in v.onedim.rows], "--", label="2k-2")
    ax.plot(ks, [r.equal_magnitude_max for r in v.onedim.rows], "s", label="equal |w|: max found")
    ax.plot(ks, [r.bound_equal_magnitude for r in v.onedim.rows], ":", label="k-1 (bound, equal |w|)")
    ax.set_xlabel("hidden width k")
    ax.set_ylabel("critical points of [1,k,1]")
    ax.legend(fontsize=7)
    names.append(_save(fig, out / "onedim.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.6))
    labels = [f"k={r.k}\ns={r.scale:g}" for r in v.kac_rice.rows]
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], [r.theory for r in v.kac_rice.rows], 0.4, label="Kac-Rice")
    ax.bar(
        [x + 0.2 for x in xs],
        [r.mean for r in v.kac_rice.rows],
        0.4,
        yerr=[2 * r.standard_error for r in v.kac_rice.rows],
        label="mean over draws",
    )
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("zeros of f' in box")
    ax.legend(fontsize=7)
    names.append(_save(fig, out / "kacrice.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels, means = [], []
    for t in v.depth.tests:
        for shape, mean in zip(t.shapes, t.means, strict=True):
            labels.append(f"{'-'.join(map(str, shape))} s{t.scale:g}")
            means.append(mean)
    ax.bar(range(len(means)), means)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=6)
    ax.set_ylabel("mean extrema")
    ax.set_title("Equal P, different shapes")
    names.append(_save(fig, out / "depth.png"))
    plt.close(fig)
    return tuple(names)
