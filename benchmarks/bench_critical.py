"""Critical-point search (issue 3): eisym beside the peer a researcher would write today.

Usage::

    python benchmarks/bench_critical.py           # seeds 0-4, all tables (a few minutes)
    python benchmarks/bench_critical.py --quick   # one seed, no [2,6,6,1], small tables

Peer (a): sympy's composed gradient and Hessian, lambdified to numpy, then
``scipy.optimize.root`` (analytic Jacobian) from every start of the same 30 x 30 grid; its
roots inside the box are deduplicated at 1e-6. Peer (b), torch.func with vmap, runs only
when torch is installed. Networks: sigmoid [2,8,1], [2,16,1], [2,6,6,1] without biases (the
paper's form), weights 3 * N(0, 1), box [-4,4]^2. For each network the script prints both
times, their ratio, and whether eisym found every point the peer found. A peer point eisym
lacks is polished at 50 digits from the peer's own coordinates: if that polishing does not
converge to it, the peer's point is spurious (a float64 plateau, not a critical point).

Then: how often float64 ``numpy.linalg.eigvalsh`` at eisym's points gives a different type
than eisym's high-precision classification, over many random networks; and how eisym's time
grows with the hidden width l (networks [2,l,1]) and the input dimension m ([m,8,1]).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.optimize
import sympy as sp

import eisym
from eisym._highprec import network_evaluator, polish
from eisym._numeric import evaluate, numeric_network

BOX = (-4.0, 4.0)
GRID = 30


def _grid(m: int, k: int) -> np.ndarray:
    axes = [np.linspace(*BOX, k)] * m
    return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)


def _dedupe(points: list[np.ndarray], tol: float = 1e-6) -> list[np.ndarray]:
    kept: list[np.ndarray] = []
    for p in points:
        if not any(np.abs(p - q).max() <= tol for q in kept):
            kept.append(p)
    return kept


def peer_sympy_scipy(net: eisym.Network) -> tuple[list[np.ndarray], float, float]:
    """Peer (a): returns its points, the build time and the solve time."""
    begin = time.perf_counter()
    f = eisym.network_outputs(net)[0]
    xs = net.inputs
    grad = [sp.diff(f, v) for v in xs]
    hess = [[sp.diff(g, v) for v in xs] for g in grad]
    g_fn = sp.lambdify(xs, grad, "numpy")
    h_fn = sp.lambdify(xs, hess, "numpy")
    built = time.perf_counter()
    found = []
    with np.errstate(all="ignore"):
        for x0 in _grid(net.m, GRID):
            res = scipy.optimize.root(
                lambda x: np.asarray(g_fn(*x), dtype=float),
                x0,
                jac=lambda x: np.asarray(h_fn(*x), dtype=float),
            )
            if res.success and np.all((res.x >= BOX[0]) & (res.x <= BOX[1])):
                found.append(res.x)
    return _dedupe(found), built - begin, time.perf_counter() - built


def _genuine(net: eisym.Network, point: np.ndarray) -> bool:
    """Does 50-digit Newton from the peer's point converge to (essentially) that point?"""
    fn = network_evaluator(net, 1, 50)
    out = polish(fn, [float(v) for v in point], [BOX[0]] * net.m, [BOX[1]] * net.m, dps=50)
    return out.converged and max(abs(float(a) - b) for a, b in zip(out.x, point, strict=True)) < 1e-6


def compare(widths: str, seeds: list[int]) -> None:
    print(f"\n[{widths}] sigmoid, scale 3, box [-4,4]^2, {GRID}x{GRID} starts")
    print(" seed  eisym s   peer s (build+solve)   ratio  eisym pts  peer pts  peer spurious  eisym has all")
    ratios, solve_ratios = [], []
    for seed in seeds:
        net = eisym.build_network(widths, "sigmoid", weights=f"random:{seed}", scale=3.0)
        begin = time.perf_counter()
        ours = eisym.critical_points(net, BOX, starts=GRID * GRID, progress=False)
        t_ours = time.perf_counter() - begin
        theirs, t_build, t_solve = peer_sympy_scipy(net)
        ours_x = [np.array(q.x) for q in ours.points]
        missing = [p for p in theirs if not any(np.abs(q - p).max() < 1e-6 for q in ours_x)]
        spurious = sum(1 for p in missing if not _genuine(net, p))
        has_all = len(missing) == spurious
        ratio = (t_build + t_solve) / t_ours
        ratios.append(ratio)
        solve_ratios.append(t_solve / t_ours)
        print(
            f" {seed:>4}  {t_ours:7.3f}   {t_build + t_solve:6.2f} ({t_build:5.2f}+{t_solve:5.2f})"
            f"  {ratio:7.0f}x  {len(ours.points):>9}  {len(theirs):>8}  {spurious:>13}  {has_all}"
        )
    print(
        f" median ratio {statistics.median(ratios):.0f}x (solve only, peer build excluded: "
        f"{statistics.median(solve_ratios):.0f}x)"
    )


def _float_type(hess: np.ndarray) -> str:
    eig = np.linalg.eigvalsh(hess)
    if np.any(eig == 0):
        return "degenerate"
    if np.all(eig > 0):
        return "minimum"
    if np.all(eig < 0):
        return "maximum"
    return "saddle"


def classification(n_nets: int, n_lambdified: int) -> None:
    """float64 eigvalsh types against eisym's at eisym's points.

    Two float64 Hessians: eisym's stable batched one, and (for the first ``n_lambdified``
    networks) the peer's lambdified sympy Hessian, whose exp(-z) forms overflow to nan/inf.
    """
    print(f"\nfloat64 eigvalsh vs eisym 50-digit classification, {n_nets} random networks per shape")
    print(
        " shape       scale  points  disagreements  eisym degenerate  min |eigenvalue| seen"
        f"  | lambdified Hessian ({n_lambdified} nets): points, disagreements"
    )
    for widths, scale in (("2,8,1", 3.0), ("2,6,6,1", 3.0), ("3,8,1", 3.0), ("2,8,1", 10.0)):
        points = disagree = degenerate = 0
        lam_points = lam_disagree = 0
        smallest = np.inf
        for seed in range(n_nets):
            net = eisym.build_network(widths, "sigmoid", weights=f"random:{seed}", scale=scale)
            res = eisym.critical_points(net, BOX, starts=900 if net.m == 2 else 1000, progress=False)
            nn = numeric_network(net)
            for p in res.points:
                _, _, hess = evaluate(nn, np.array([p.x]))
                points += 1
                degenerate += p.type == "degenerate"
                disagree += _float_type(hess[0]) != p.type
                smallest = min(smallest, float(np.abs(np.linalg.eigvalsh(hess[0])).min()))
            if seed < n_lambdified and res.points:
                f = eisym.network_outputs(net)[0]
                h_fn = sp.lambdify(net.inputs, sp.hessian(f, net.inputs), "numpy")
                with np.errstate(all="ignore"):
                    for p in res.points:
                        hess_l = np.asarray(h_fn(*p.x), dtype=float)
                        lam_points += 1
                        ok = np.isfinite(hess_l).all()
                        lam_disagree += not ok or _float_type(hess_l) != p.type
        label = f"[{widths}]"
        print(
            f" {label:<11} {scale:>5.0f}  {points:>6}  {disagree:>13}  {degenerate:>16}  {smallest:.2e}"
            f"  | {lam_points:>6}, {lam_disagree}"
        )


def degenerate_examples() -> None:
    """Where float64 eigvalsh must guess: functions with degenerate critical points."""
    print("\ndegenerate critical points: eisym type vs float64 eigvalsh at eisym's float point")
    print(" function                    eisym        float64 eigvalsh")
    examples = ("x**3 - 3*x*y**2", "x**4 + y**2", "x**4 - y**4", "x**2 + y**3", "(x**2 + y**2)**2 - x*y**2")
    for text in examples:
        res = eisym.critical_points(text, (-1.3, 1), starts=400, progress=False)
        parsed = eisym.parse_expression(text)
        h_fn = sp.lambdify(parsed.variables, sp.hessian(parsed.expr, parsed.variables), "numpy")
        for p in res.points:
            if p.type == "degenerate":
                float_type = _float_type(np.asarray(h_fn(*p.x), dtype=float))
                print(f" {text:<27} {p.type:<12} {float_type}")


def _searches(widths: str, box: object, seeds: list[int], **options: int) -> tuple[float, float, int]:
    """Median seconds, mean number of points and starts of eisym's search over the seeded networks."""
    times, counts = [], []
    for seed in seeds:
        net = eisym.build_network(widths, "sigmoid", weights=f"random:{seed}", scale=3.0)
        res = eisym.critical_points(net, box, progress=False, **options)
        times.append(res.seconds)
        counts.append(len(res.points))
    return statistics.median(times), statistics.mean(counts), res.starts


def growth(widths_list: list[int], dims: list[int], seeds: list[int]) -> None:
    print("\neisym time against hidden width l (networks [2,l,1], 900 grid starts), median over seeds")
    print("    l   seconds   points (mean)")
    for width in widths_list:
        seconds, points, _ = _searches(f"2,{width},1", BOX, seeds)
        print(f" {width:>4}  {seconds:8.3f}   {points:6.1f}")
    print("\neisym time against input dimension m (networks [m,8,1], ~1000 starts), median over seeds")
    print("    m   starts   seconds   points (mean)")
    for m in dims:
        seconds, points, starts = _searches(f"{m},8,1", [BOX] * m, seeds, starts=1000)
        print(f" {m:>4}  {starts:>6}  {seconds:8.3f}   {points:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one seed and small tables")
    args = parser.parse_args()
    seeds = [2] if args.quick else [0, 1, 2, 3, 4]
    # The peer needs about two minutes per [2,6,6,1] network: three seeds, none with --quick.
    compare("2,8,1", seeds)
    compare("2,16,1", seeds)
    if not args.quick:
        compare("2,6,6,1", seeds[:3])
    try:
        import torch  # noqa: F401
    except ImportError:
        print("\npeer (b) torch.func: torch is not installed, skipped")
    classification(10 if args.quick else 100, 5 if args.quick else 20)
    degenerate_examples()
    if args.quick:
        growth([4, 16, 64], [1, 2, 3], [0, 1])
    else:
        growth([4, 8, 16, 32, 64], [1, 2, 3, 4], [0, 1, 2, 3, 4])


if __name__ == "__main__":
    main()
