"""Symbolic core (issue 2): eisym's layer-wise derivation beside composed sympy and symengine.

Usage::

    python benchmarks/bench_core.py            # everything; slow peers run up to --peer-timeout each
    python benchmarks/bench_core.py --quick    # small repeats, peers capped at 30 s, size table to depth 4

Every figure is measured in this run. Slow peers run in a subprocess with a timeout; a peer that
does not finish is reported as "> T s" (a lower bound), never extrapolated. eisym timings start
from a cleared sympy cache (``sympy.core.cache.clear_cache()``) and report the median of a few runs.

1. Printed size of the derivation: ``eisym.derive(net).size`` (layered form: definitions plus the
   output's value, gradient and Hessian) against ``len(str(sympy.hessian(f, x)))`` of the composed
   output f, sigmoid networks of width 3 (widths (3, 3, ..., 3, 1)), rational weights; and eisym's
   size ratio depth 10 / depth 5 (goal < 3).
2. Exact gradient and Hessian of [2,16,1] (goal < 50 ms) against symengine differentiating the
   composed expression (the sympy -> symengine conversion is not timed).
3. The same for a depth-8 network of width 16, (2, 16 x 7, 1) (goal < 1 s).
4. [4,16,16,1] with rational weights: eisym derive + a numpy evaluator of the layered program
   against sympy.hessian of the composed output + sympy.lambdify (goal: at least 20x faster).
5. L(n,v) for 8 stacked samples of [3,8,8,1] (sigmoid, rational weights, symbolic last layer):
   ``eisym.stationarity_system`` (goal < 2 s) and its rank analysis, against the peer that
   differentiates the composed hidden outputs h^[n-1](x) with sympy and substitutes the samples.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import sympy as sp
from sympy.core.cache import clear_cache
from sympy.printing.numpy import NumPyPrinter

import eisym

WEIGHTS = "random:0:rational:4"


def _network(widths: tuple[int, ...], weights: object = WEIGHTS) -> eisym.Network:
    return eisym.build_network(widths, "sigmoid", weights=weights)


def _median_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        clear_cache()
        begin = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - begin)
    _FASTEST[0] = min(times)
    return statistics.median(times), out


_FASTEST = [0.0]  # the fastest run of the last _median_time call: shows how much load inflated the median


def _samples(n: int, m: int, seed: int = 0) -> list[list[sp.Rational]]:
    rng = np.random.default_rng(seed)
    return [[sp.Rational(int(rng.integers(-12, 13)), 4) for _ in range(m)] for _ in range(n)]


# --- peers, each run in a subprocess (``--peer-job``) so that a timeout can stop them ------------


def _peer_hessian_size(widths: list[int]) -> None:
    net = _network(tuple(widths))
    begin = time.perf_counter()
    f = eisym.network_outputs(net)[0]
    h = sp.hessian(f, net.inputs)
    size = len(str(h))
    print(json.dumps({"seconds": time.perf_counter() - begin, "size": size}), flush=True)


def _peer_hessian_lambdify(widths: list[int]) -> None:
    net = _network(tuple(widths), "random:0:rational:8")
    f = eisym.network_outputs(net)[0]
    begin = time.perf_counter()
    grad = [sp.diff(f, x) for x in net.inputs]
    hess = sp.hessian(f, net.inputs)
    print(json.dumps({"stage": "hessian", "seconds": time.perf_counter() - begin}), flush=True)
    begin = time.perf_counter()
    sp.lambdify(net.inputs, [f, grad, hess], modules="numpy")
    print(json.dumps({"stage": "lambdify", "seconds": time.perf_counter() - begin}), flush=True)


def _peer_lnv(widths: list[int], n_samples: int) -> None:
    net = _network(tuple(widths))
    begin = time.perf_counter()
    hidden = eisym._network.forward_values(net, net.inputs)[-2]
    rows = []
    for x in _samples(n_samples, net.m):
        at = dict(zip(net.inputs, x, strict=True))
        for t in net.inputs:
            rows.append([sp.diff(h, t).xreplace(at) for h in hidden])
    sp.ImmutableMatrix(rows)
    print(json.dumps({"seconds": time.perf_counter() - begin}), flush=True)


def _peer_symengine(widths: list[int], repeats: int) -> None:
    """symengine differentiates the composed output, built natively in symengine (not timed)."""
    import symengine as se

    net = _network(tuple(widths))
    xs = [se.Symbol(x.name) for x in net.inputs]
    h = list(xs)
    for w in net.weights:
        rows = [[se.Rational(int(e.p), int(e.q)) for e in w.row(i)] for i in range(w.rows)]
        z = [sum((a * b for a, b in zip(row, h, strict=True)), se.Integer(0)) for row in rows]
        h = [1 / (1 + se.exp(-zv)) for zv in z]
    f = h[0]
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        grad = [f.diff(x) for x in xs]
        [[g.diff(x) for x in xs] for g in grad]
        times.append(time.perf_counter() - begin)
        print(json.dumps({"seconds": statistics.median(times)}), flush=True)


PEERS: dict[str, Callable[..., None]] = {
    "symengine": _peer_symengine,
    "hessian_size": _peer_hessian_size,
    "hessian_lambdify": _peer_hessian_lambdify,
    "lnv": _peer_lnv,
}


def _run_peer(name: str, args: list[object], timeout: float) -> tuple[list[dict], bool]:
    """Run a peer in a fresh interpreter; returns its JSON lines and whether it finished in time."""
    cmd = [sys.executable, __file__, "--peer-job", json.dumps([name, args])]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
        out, finished = done.stdout, True
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or ""
        out, finished = raw.decode() if isinstance(raw, bytes) else raw, False
    return [json.loads(line) for line in out.splitlines() if line.strip()], finished


# --- eisym side ------------------------------------------------------------------------------------


def _evaluator(d: eisym.Derivation) -> Callable[..., list]:
    """A numpy function of x for value, gradient and Hessian: the layered program, printed once."""
    names = {s: sp.Symbol(f"t{i}") for i, (s, _) in enumerate(d.definitions)}
    names.update({x: sp.Symbol(f"x{i}") for i, x in enumerate(d.network.inputs)})
    program = [(names[s], rhs.xreplace(names)) for s, rhs in d.definitions]
    outputs = [d.value(), *d.gradient(), *d.hessian()]
    return sp.lambdify(
        [names[x] for x in d.network.inputs],
        [e.xreplace(names) for e in outputs],
        modules="numpy",
        cse=lambda exprs: (program, exprs),
        printer=NumPyPrinter({"order": "none"}),
    )


def _fmt_time(seconds: float | None, finished: bool = True, timeout: float = 0.0) -> str:
    if not finished:
        return f"> {timeout:.0f} s"
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="few repeats, peers capped at 30 s")
    parser.add_argument("--peer-timeout", type=float, default=None, help="seconds per slow peer run")
    parser.add_argument(
        "--long-peer-timeout",
        type=float,
        default=None,
        help="seconds for the [4,16,16,1] hessian + lambdify peer (default 900, quick 30)",
    )
    parser.add_argument("--peer-job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_job:
        name, job_args = json.loads(args.peer_job)
        PEERS[name](*job_args)
        return
    quick = args.quick
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(timings scale with it; the machine is shared)"
    )
    timeout = args.peer_timeout or (30.0 if quick else 240.0)
    repeats = 3 if quick else 5
    summary: list[tuple[str, str, str, bool | None]] = []

    # 1. printed size -------------------------------------------------------------------------------
    print("1. printed size of f'' (sigmoid, width 3, rational weights)")
    print(
        f"{'depth':>5} {'eisym layered':>14} {'sympy composed':>15} {'ratio':>8} {'peer growth':>12} "
        f"{'peer time':>10}"
    )
    max_peer_depth = 4 if quick else 6
    previous, peer_capped = None, False
    sizes: dict[int, int] = {}
    for depth in range(1, 11):
        widths = (3,) + (3,) * (depth - 1) + (1,)
        sizes[depth] = eisym.derive(_network(widths)).size
        if depth > 6:
            continue
        peer, finished = (
            ([], False)
            if depth > max_peer_depth or peer_capped
            else _run_peer("hessian_size", [list(widths)], timeout)
        )
        if peer and finished:
            size = peer[0]["size"]
            growth = f"{size / previous:.1f}x" if previous else "-"
            print(
                f"{depth:>5} {sizes[depth]:>14} {size:>15} {size / sizes[depth]:>7.0f}x {growth:>12} "
                f"{_fmt_time(peer[0]['seconds']):>10}"
            )
            previous = size
        else:
            reason = (
                f"not run (capped at depth {max_peer_depth})"
                if depth > max_peer_depth or peer_capped
                else f"did not finish in {timeout:.0f} s"
            )
            peer_capped = True
            print(f"{depth:>5} {sizes[depth]:>14} {reason:>15}")
    print(f"eisym sizes at depth 7..10: {[sizes[d] for d in range(7, 11)]}")
    ratio = sizes[10] / sizes[5]
    print(f"eisym size ratio depth 10 / depth 5 = {ratio:.2f} (linear growth would give 2.0)")
    summary.append(("size ratio depth 10/5", f"{ratio:.2f}", "< 3", ratio < 3))

    # 2. and 3. gradient + Hessian timings -----------------------------------------------------------
    for number, label, widths, goal in (
        (2, "[2,16,1]", (2, 16, 1), 0.05),
        (3, "depth 8, width 16", (2,) + (16,) * 7 + (1,), 1.0),
    ):
        net = _network(widths)
        seconds, d = _median_time(lambda net=net: eisym.derive(net), repeats)
        fastest = _FASTEST[0]
        peer, finished = _run_peer("symengine", [list(widths), repeats], timeout)
        peer_seconds = peer[-1]["seconds"] if peer else None
        print(
            f"\n{number}. exact gradient + Hessian of {label}: eisym derive {_fmt_time(seconds)} "
            f"(median of {repeats}; fastest {_fmt_time(fastest)}) "
            f"(printed size {d.size}); symengine diff of the composed expression "
            f"{_fmt_time(peer_seconds, bool(peer), timeout)}"
            + (f" ({len(peer)} of {repeats} runs)" if peer and not finished else "")
        )
        if peer:
            print(f"   eisym / symengine time = {seconds / peer_seconds:.2f}")
        else:
            stop = f"(symengine stopped at {timeout:.0f} s)"
            print(f"   eisym / symengine time < {seconds / timeout:.3f} {stop}")
        summary.append((f"derive {label}", _fmt_time(seconds), f"< {_fmt_time(goal)}", seconds < goal))

    # 4. [4,16,16,1]: derivation + evaluator against sympy.hessian + lambdify ----------------------------
    net = _network((4, 16, 16, 1), "random:0:rational:8")

    few = max(1, repeats // 2)
    derive_seconds, d = _median_time(lambda: eisym.derive(net), few)
    seconds, fn = _median_time(lambda: _evaluator(eisym.derive(net)), few)
    x0 = [sp.Rational(1, 10), sp.Rational(-2, 10), sp.Rational(3, 10), sp.Rational(1, 2)]
    exact = d.compose(d.value()).xreplace(dict(zip(net.inputs, x0, strict=True)))
    value = fn(*[float(v) for v in x0])[0]
    print(
        f"\n4. [4,16,16,1] rational weights: eisym derive {_fmt_time(derive_seconds)}, derive + numpy "
        f"evaluator {_fmt_time(seconds)} (evaluator value {value:.15g} vs exact {sp.N(exact, 15)})"
    )
    long_timeout = max(timeout, args.long_peer_timeout or (30.0 if quick else 900.0))
    peer, finished = _run_peer("hessian_lambdify", [[4, 16, 16, 1]], long_timeout)
    stages = {p["stage"]: p["seconds"] for p in peer}
    hess_time = stages.get("hessian")
    lam_time = stages.get("lambdify")
    if hess_time is None:
        print(f"   peer sympy.hessian > {long_timeout:.0f} s (stopped; lambdify not reached)")
        lower = long_timeout
        print(f"   speed-up: derive > {lower / derive_seconds:.0f}x faster than sympy.hessian (a bound)")
    else:
        lower = hess_time
        print(
            f"   peer sympy.hessian {_fmt_time(hess_time)}, then lambdify "
            f"{_fmt_time(lam_time, lam_time is not None, long_timeout - hess_time)}"
        )
        rest = (
            f"hessian + lambdify {(hess_time + lam_time) / seconds:.0f}x"
            if lam_time is not None
            else f"hessian + unfinished lambdify > {long_timeout / seconds:.0f}x"
        )
        print(
            f"   speed-up: derive vs sympy.hessian {hess_time / derive_seconds:.0f}x; "
            f"derive + evaluator vs {rest}"
        )
    speedup = lower / derive_seconds
    # A lower bound below the goal decides nothing: the peer was stopped, not finished.
    verdict: bool | None = True if speedup >= 20 else None if hess_time is None else False
    summary.append(
        (
            "[4,16,16,1] derive vs sympy.hessian",
            f"{'>' if hess_time is None else ''}{speedup:.0f}x",
            ">= 20x",
            verdict,
        )
    )
    if lam_time is not None and hess_time is not None:
        both = (hess_time + lam_time) / seconds
        summary.append(("[4,16,16,1] +evaluator vs +lambdify", f"{both:.0f}x", ">= 20x", both >= 20))

    # 5. L(n,v) for 8 samples of [3,8,8,1] with a symbolic last layer ----------------------------------
    base = _network((3, 8, 8, 1))
    net = eisym.with_layer(base, 3, "symbolic")
    points = _samples(8, 3)
    seconds, system = _median_time(lambda: eisym.stationarity_system(net, samples=points), few)
    rank_seconds, analysis = _median_time(lambda: eisym.rank_analysis(system), few)
    peer, finished = _run_peer("lnv", [[3, 8, 8, 1], 8], timeout)
    peer_text = _fmt_time(peer[0]["seconds"] if peer else None, finished, timeout)
    print(
        f"\n5. L(3,1) of [3,8,8,1], 8 stacked samples ({system.shape[0]} x {system.shape[1]}): eisym "
        f"{_fmt_time(seconds)}, peer (sympy diff of composed h^[2], substituted) {peer_text}"
        + (f"; ratio {peer[0]['seconds'] / seconds:.1f}x" if peer and finished else "")
    )
    print(
        f"   rank analysis ({analysis.method}, {analysis.dps} digits): {_fmt_time(rank_seconds)}, "
        f"rank {analysis.rank}, nullity {analysis.nullity}, decisive {analysis.decisive}"
    )
    summary.append(("L(n,v) 8 samples [3,8,8,1]", _fmt_time(seconds), "< 2 s", seconds < 2))

    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    print(f"\n{'figure':<40} {'measured':>14} {'goal':>10}  result")
    for name, measured, goal_text, ok in summary:
        result = "pass" if ok else "MISS" if ok is False else "open (the peer was stopped first)"
        print(f"{name:<40} {measured:>14} {goal_text:>10}  {result}")


if __name__ == "__main__":
    main()
