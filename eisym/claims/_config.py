"""Sizes of the verification run: one frozen budget per preset, so a preset is a plain value."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .._errors import SpecError

__all__ = ["Budget", "budget", "PRESETS"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """How much work each experiment does.

    Attributes
    ----------
    name : str
    seeds : int
        Random networks per (architecture, weight scale) in the extrema experiments.
    scales : tuple of float
        Standard deviations of the random weights and biases.
    chunk : int
        Networks per sweep task.
    starts : int
        Newton starts per axis for inputs of dimension >= 2.
    grid : int
        Grid points for the 1-D sign-change count.
    capacity_widths : tuple of int
        Last-hidden-layer widths l_{n-1} of the exact capacity experiment.
    constructive_trials : int
        Random kernel directions tried per sample set in the constructive experiment.
    onedim_k : tuple of int
        Hidden widths k of the [1, k, 1] maximum search.
    onedim_draws : int
        Random networks per k (and per weight scale) in that search.
    kac_widths : tuple of int
        Hidden widths of the Kac-Rice comparison.
    kac_draws : int
        Output-weight draws per Kac-Rice case (the issue asks for 10^4).
    saddle_samples : int
        Stationarity solutions per input dimension in the saddle-fraction experiment.
    certify : int
        Networks per (architecture, scale) of the extrema sweep whose counts are also certified.
    """

    name: str
    seeds: int
    scales: tuple[float, ...] = (1.0, 2.0, 4.0)
    chunk: int = 25
    starts: int = 16
    grid: int = 8001
    capacity_widths: tuple[int, ...] = (3, 5, 7, 9)
    constructive_trials: int = 200
    onedim_k: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)
    onedim_draws: int = 200
    kac_widths: tuple[int, ...] = (20, 100)
    kac_draws: int = 10_000
    saddle_samples: int = 200
    certify: int = 4


PRESETS = {
    "tiny": Budget(
        name="tiny",
        seeds=4,
        scales=(1.0, 4.0),
        chunk=4,
        starts=8,
        grid=2001,
        capacity_widths=(3, 4),
        constructive_trials=20,
        onedim_k=(2, 3),
        onedim_draws=20,
        kac_widths=(10,),
        kac_draws=400,
        saddle_samples=10,
        certify=1,
    ),
    "quick": Budget(
        name="quick",
        seeds=12,
        chunk=12,
        starts=12,
        capacity_widths=(3, 5, 7),
        constructive_trials=60,
        onedim_k=(2, 3, 4, 5),
        onedim_draws=100,
        kac_widths=(20,),
        kac_draws=10_000,
        saddle_samples=60,
    ),
    "default": Budget(name="default", seeds=32, chunk=16),
    "full": Budget(
        name="full",
        seeds=320,
        chunk=50,
        starts=24,
        grid=16001,
        capacity_widths=(3, 5, 7, 9, 11, 13),
        constructive_trials=1000,
        onedim_draws=4000,
        kac_widths=(20, 100, 400),
        kac_draws=100_000,
        saddle_samples=2000,
        certify=32,
    ),
}


def budget(name: str | Budget) -> Budget:
    """The named preset (``tiny``, ``quick``, ``default``, ``full``) or a given budget.

    Examples
    --------
    >>> budget("default").seeds
    32
    """
    if isinstance(name, Budget):
        return replace(name)
    if name not in PRESETS:
        raise SpecError(f"unknown size {name!r}; expected one of {', '.join(PRESETS)}")
    return PRESETS[name]
