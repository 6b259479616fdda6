"""Certified enumeration (issue 4) beside the numeric search (issue 3), in the same run.

Usage::

    python benchmarks/bench_certify.py            # goals + growth with width
    python benchmarks/bench_certify.py --stretch  # also [3,32,1] and [2,16,16,1]
    python benchmarks/bench_certify.py --quick    # 3 seeds, shorter growth table

For every network: eisym's certify_critical_points (complete proof) and critical_points
(numeric multistart, 900 starts) on the same network, the ratio of their times, the number
of cells examined, whether the certificate is complete, whether the two agree on the number
of points of each type, how many certified points the numeric search missed, and how many
numeric points fall outside every certified cell of their type (a bug in one of the two).
Goals from the issue: [2,16,1] sigmoid (weights N(0, 4),
box [-6,6]^2) complete in < 0.5 s and [1,256,1] on [-50,50] in < 1 s, medians over seeds
0-9; stretch [3,32,1] on [-4,4]^3 and [2,16,16,1] on [-4,4]^2 in < 60 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

import eisym


def _run(widths: str, box: tuple[float, float], seed: int) -> dict[str, object]:
    net = eisym.build_network(widths, "sigmoid", weights=f"random:{seed}", scale=2.0)
    begin = time.perf_counter()
    cert = eisym.certify_critical_points(net, box, max_boxes=1_000_000)
    t_cert = time.perf_counter() - begin
    begin = time.perf_counter()
    num = eisym.critical_points(net, box, progress=False)
    t_num = time.perf_counter() - begin
    certified = {k: v for k, v in cert.counts.items() if k != "unproven"}
    numeric = {k: v for k, v in num.counts.items() if k != "degenerate"}
    # Every numeric point must lie in the cell of a certified point of the same type.
    inside = sum(
        any(
            q.type == p.type and all(a <= v <= b for v, (a, b) in zip(q.x, p.cell, strict=True))
            for p in cert.points
        )
        for q in num.points
    )
    return {
        "numeric_outside": len(num.points) - inside,
        "t_cert": t_cert,
        "t_num": t_num,
        "cells": cert.boxes_processed,
        "complete": cert.complete,
        "points": len(cert.points),
        "numeric_points": len(num.points),
        "agree": certified == numeric and cert.complete,
    }


def _table(widths: str, box: tuple[float, float], seeds: range, goal: float | None) -> None:
    rows = [_run(widths, box, s) for s in seeds]
    med_c = statistics.median(r["t_cert"] for r in rows)  # type: ignore[misc]
    med_n = statistics.median(r["t_num"] for r in rows)  # type: ignore[misc]
    med_cells = statistics.median(r["cells"] for r in rows)  # type: ignore[misc]
    complete = sum(bool(r["complete"]) for r in rows)
    agree = sum(bool(r["agree"]) for r in rows)
    pts = [r["points"] for r in rows]
    missed = sum(int(r["points"]) - int(r["numeric_points"]) for r in rows)  # type: ignore[call-overload]
    outside = sum(int(r["numeric_outside"]) for r in rows)  # type: ignore[call-overload]
    status = "" if goal is None else f" goal <{goal:.1f} s: {'MET' if med_c < goal else 'MISSED'}"
    print(
        f"{widths:<11} box {box}  certify median {med_c:7.3f} s  numeric median {med_n:7.3f} s  "
        f"ratio {med_c / med_n:5.2f}  cells {med_cells:9.0f}  complete {complete}/{len(rows)}  "
        f"agree {agree}/{len(rows)} (numeric missed {missed}, outside certified cells {outside})  "
        f"points {pts}{status}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 seeds and a shorter growth table")
    parser.add_argument("--stretch", action="store_true", help="also [3,32,1] and [2,16,16,1]")
    args = parser.parse_args()
    seeds = range(3) if args.quick else range(10)
    print(f"== goals (median over seeds {seeds[0]}-{seeds[-1]}) ==")
    _table("2,16,1", (-6.0, 6.0), seeds, 0.5)
    _table("1,256,1", (-50.0, 50.0), seeds, 1.0)
    print("== growth with width, m = 1, box [-50,50] ==")
    for width in (4, 16, 64, 256) if args.quick else (4, 8, 16, 32, 64, 128, 256):
        _table(f"1,{width},1", (-50.0, 50.0), seeds, None)
    print("== growth with width, m = 2, box [-6,6]^2 ==")
    for width in (4, 16, 32) if args.quick else (4, 8, 16, 24, 32):
        _table(f"2,{width},1", (-6.0, 6.0), seeds, None)
    if args.stretch:
        print("== stretch ==")
        _table("3,32,1", (-4.0, 4.0), seeds, 60.0)
        _table("2,16,16,1", (-4.0, 4.0), seeds, 60.0)


if __name__ == "__main__":
    main()
