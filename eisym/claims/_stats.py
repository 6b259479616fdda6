"""Statistics shared by the experiments: Spearman correlation with a bootstrap interval, mean intervals."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Correlation", "spearman", "mean_interval", "verdict_from_correlation"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Correlation:
    """Spearman's rho of y against x, its two-sided p-value and a 95% bootstrap interval.

    ``rho`` and the interval are NaN when either variable is constant (no ranking exists).
    """

    n: int
    rho: float
    p_value: float
    low: float
    high: float


def _spearman_stat(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho along ``axis`` (vectorised, average ranks for ties), NaN when constant."""
    rx = stats.rankdata(x, axis=axis)
    ry = stats.rankdata(y, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    ry = ry - ry.mean(axis=axis, keepdims=True)
    den = np.sqrt((rx * rx).sum(axis=axis) * (ry * ry).sum(axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (rx * ry).sum(axis=axis) / np.where(den > 0, den, 1.0), np.nan)


def spearman(x: object, y: object, *, seed: int, resamples: int = 2000) -> Correlation:
    """Spearman correlation (scipy.stats.spearmanr) with a paired percentile bootstrap interval.

    Examples
    --------
    >>> c = spearman([1, 2, 3, 4, 5, 6], [1, 3, 2, 5, 4, 6], seed=0)
    >>> round(c.rho, 3), c.p_value < 0.05, c.low <= c.rho <= c.high
    (0.886, True, True)
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    n = int(xa.size)
    if n < 3 or np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return Correlation(n=n, rho=float("nan"), p_value=float("nan"), low=float("nan"), high=float("nan"))
    result = stats.spearmanr(xa, ya)
    with warnings.catch_warnings():
        # A resample can be constant in one variable; its NaN is dropped by the percentile method.
        warnings.simplefilter("ignore")
        boot = stats.bootstrap(
            (xa, ya),
            _spearman_stat,
            paired=True,
            vectorized=True,
            n_resamples=resamples,
            method="percentile",
            confidence_level=0.95,
            rng=np.random.default_rng(seed),
        )
    return Correlation(
        n=n,
        rho=float(result.statistic),
        p_value=float(result.pvalue),
        low=float(boot.confidence_interval.low),
        high=float(boot.confidence_interval.high),
    )


def mean_interval(values: object, *, seed: int, resamples: int = 2000) -> tuple[float, float, float]:
    """Mean and a 95% percentile bootstrap interval (the mean itself twice when all values agree).

    Examples
    --------
    >>> mean_interval([2, 2, 2], seed=0)
    (2.0, 2.0, 2.0)
    """
    arr = np.asarray(values, dtype=float)
    mean = float(arr.mean())
    if arr.size < 2 or np.ptp(arr) == 0:
        return mean, mean, mean
    boot = stats.bootstrap(
        (arr,),
        np.mean,
        vectorized=True,
        n_resamples=resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return mean, float(boot.confidence_interval.low), float(boot.confidence_interval.high)


def verdict_from_correlation(c: Correlation, alpha: float = 0.01) -> str:
    """``supported`` (rho > 0, p < alpha, interval above 0), ``contradicted`` (the mirror image),
    ``not supported`` (no significant correlation) or ``undetermined`` (no variation at all)."""
    if np.isnan(c.rho):
        return "undetermined"
    if c.rho > 0 and c.p_value < alpha and c.low > 0:
        return "supported"
    if c.rho < 0 and c.p_value < alpha and c.high < 0:
        return "contradicted"
    return "not supported"
