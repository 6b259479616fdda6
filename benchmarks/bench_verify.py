"""Networks analysed per second: eisym's verification sweep against the usual researcher's script.

The peer is what one would write today per network: the sympy expression of the network, its
gradient and Hessian by ``sympy.diff``, ``sympy.lambdify`` to numpy, ``scipy.optimize.root`` from a
grid of starts (the same 16 x 16 grid as eisym for 2-D inputs, 64 starts for 1-D), deduplication
and classification by the Hessian's eigenvalues. Both analyse exactly the same networks (the
architectures, weight scales and seeds of the extrema experiment) in the same run; the script also
reports how often the two counts agree and eisym's throughput with 1 and 2 local workers.

Run: python benchmarks/bench_verify.py [--seeds N] [--peer-per-combo N]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import sympy as sp
from scipy import optimize

from eisym import build_network, network_outputs
from eisym._spec import WeightSource
from eisym._sweep import run_sweep
from eisym.claims._config import Budget
from eisym.claims.extrema import ExtremaTask, extrema_tasks


def peer_counts(task: ExtremaTask, seed: int) -> tuple[int, int, int]:
    """(minima, maxima, saddles) of one network, the lambdify + scipy.optimize.root way."""
    net = build_network(
        task.widths,
        task.activation,
        bias=task.bias,
        weights=WeightSource(kind="random", seed=seed, scale=task.scale),
    )
    f = network_outputs(net)[0]
    xs = net.inputs
    grad = [sp.diff(f, x) for x in xs]
    hess = [[sp.diff(g, x) for x in xs] for g in grad]
    g_fn = sp.lambdify([xs], grad, "numpy")
    h_fn = sp.lambdify([xs], hess, "numpy")
    m = len(xs)
    per_axis = 64 if m == 1 else task.starts
    axis = np.linspace(task.lo, task.hi, per_axis + 2)[1:-1]
    starts = np.stack([g.ravel() for g in np.meshgrid(*([axis] * m), indexing="ij")], axis=1)
    found: list[np.ndarray] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for s in starts:
            sol = optimize.root(
                lambda x: np.array(g_fn(x), dtype=float), s, jac=lambda x: np.array(h_fn(x), dtype=float)
            )
            x = sol.x
            if not sol.success or np.any(x < task.lo) or np.any(x > task.hi):
                continue
            if np.linalg.norm(np.array(g_fn(x), dtype=float)) > 1e-8:
                continue
            if all(np.abs(x - y).max() > 1e-6 * (task.hi - task.lo) for y in found):
                found.append(x)
    mins = maxs = sads = 0
    for x in found:
        lam = np.linalg.eigvalsh(np.array(h_fn(x), dtype=float).reshape(m, m))
        mins += bool((lam > 0).all())
        maxs += bool((lam < 0).all())
        sads += bool((lam > 0).any() and (lam < 0).any())
    return mins, maxs, sads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="networks per (architecture, scale)")
    parser.add_argument(
        "--peer-per-combo", type=int, default=1, help="networks per (architecture, scale) given to the peer"
    )
    parser.add_argument("--max-depth", type=int, default=3, help="largest number of layers n compared")
    args = parser.parse_args()

    # The peer needs minutes per network once there are three or more hidden layers (sympy.diff of
    # the composed expression), so the comparison uses the architectures with at most two.
    tasks = tuple(
        t
        for t in extrema_tasks(Budget(name="bench", seeds=args.seeds, chunk=args.seeds), 0)
        if len(t.widths) <= args.max_depth + 1
    )
    networks = [(t, s) for t in tasks for s in t.seeds]
    print(
        f"{len(networks)} networks over {len({t.widths for t in tasks})} architectures, "
        f"scales {sorted({t.scale for t in tasks})}, box [{tasks[0].lo:g}, {tasks[0].hi:g}]^m"
    )

    timings = {}
    results = None
    for workers in (1, 2):
        start = time.perf_counter()
        out = run_sweep(tasks, workers=workers, progress=False)
        timings[workers] = time.perf_counter() - start
        results = out.results
    eisym_counts = {
        (t.widths, t.scale, s): tuple(c[:3])
        for t, r in zip(tasks, results, strict=True)  # type: ignore[arg-type]
        for s, c in zip(t.seeds, r["counts"], strict=True)
    }

    # The peer is slow, so it gets the first seeds of every (architecture, scale): the same
    # architectures, scales and seeds, fewer of them; throughput is compared per network.
    peer_set = [(t, s) for t in tasks for s in t.seeds[: args.peer_per_combo]]
    start = time.perf_counter()
    peer = [peer_counts(t, s) for t, s in peer_set]
    peer_time = time.perf_counter() - start
    mine = [eisym_counts[t.widths, t.scale, s] for t, s in peer_set]
    agree = sum(p == e for p, e in zip(peer, mine, strict=True))
    more_eisym = sum(sum(e) > sum(p) for p, e in zip(peer, mine, strict=True))
    more_peer = sum(sum(p) > sum(e) for p, e in zip(peer, mine, strict=True))

    rate1 = len(networks) / timings[1]
    rate2 = len(networks) / timings[2]
    rate_peer = len(peer_set) / peer_time
    print(f"{'method':<44}{'networks':>9}{'seconds':>10}{'networks/s':>12}{'vs peer':>9}")
    print(
        f"{'peer: sympy.lambdify + scipy.optimize.root':<44}{len(peer_set):>9}{peer_time:>10.1f}"
        f"{rate_peer:>12.2f}{1.0:>8.1f}x"
    )
    print(
        f"{'eisym sweep, 1 local worker':<44}{len(networks):>9}{timings[1]:>10.1f}{rate1:>12.1f}"
        f"{rate1 / rate_peer:>8.1f}x"
    )
    print(
        f"{'eisym sweep, 2 local workers':<44}{len(networks):>9}{timings[2]:>10.1f}{rate2:>12.1f}"
        f"{rate2 / rate_peer:>8.1f}x"
    )
    print(f"scaling 1 -> 2 workers: {rate2 / rate1:.2f}x")
    print(
        f"same (minima, maxima, saddles) as the peer: {agree}/{len(peer_set)}; "
        f"eisym finds more: {more_eisym}, peer finds more: {more_peer}"
    )
    for (t, s), p, e in zip(peer_set, peer, mine, strict=True):
        if p != e:
            print(f"  differs: widths {t.widths}, scale {t.scale:g}, seed {s}: peer {p}, eisym {e}")


if __name__ == "__main__":
    main()
