"""Interval-arithmetic certificates of critical-point counts, and the lock that makes global-precision
libraries (python-flint, mpmath) safe to call from the threads of an executor."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["certified_counts", "PRECISION_LOCK"]

# The working precisions of python-flint and mpmath are process-global: certificates and
# high-precision rank decisions in two threads of one process (a thread pool, an in-process dask
# cluster) must not interleave.
PRECISION_LOCK = threading.Lock()


def certified_counts(
    net: Any, lo: float, hi: float, *, max_boxes: int = 50_000
) -> tuple[int, int, int, bool]:
    """(minima, maxima, saddles, complete) proven by :func:`eisym._certify.certify_critical_points`
    on [lo, hi]^m; when not complete the counts are lower bounds.

    Examples
    --------
    >>> from eisym import build_network
    >>> net = build_network("1,2,1", "tanh", bias=True, weights=[[[1], [1]], [[1, -1]]],
    ...                     biases=[[1, -1], [0]])
    >>> certified_counts(net, -4, 4)
    (0, 1, 0, True)
    """
    from .._certify import certify_critical_points

    with PRECISION_LOCK:
        cert = certify_critical_points(net, [(lo, hi)] * net.m, max_boxes=max_boxes)
    counts = cert.counts
    return counts["minimum"], counts["maximum"], counts["saddle"], cert.complete
