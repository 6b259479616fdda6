"""EI against back-propagation and an extreme learning machine, on scikit-learn's data sets.

For each data set and seed: EI with each polarization strategy (``eisym.ei.fit``), back-propagation on the
same hidden widths (scikit-learn's MLPClassifier, logistic units, L-BFGS; adam on digits) and an extreme
learning machine (the same kind of random sigmoid hidden layer as EI's initialisation + ridge least squares).
Prints mean and
spread of train/test accuracy over the seeds, wall time, parameters, increments, the share of training
samples that sit on verified extrema of the right kind, and EI's time in its linear solves; then the
issue's goals with the measured figure next to each, and how much faster ``lp`` is than ``enumerate``.

BLAS is limited to one thread (threadpoolctl) so that timings on a shared machine are comparable.

    python benchmarks/bench_ei.py                   # all data sets, 5 seeds
    python benchmarks/bench_ei.py --quick           # 2 seeds, small sets only
    python benchmarks/bench_ei.py --figure ei_gradients.png   # also the gradient-vanishing figure
    python benchmarks/bench_ei.py --datasets digits --json d.json; ... --summarize a.json d.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from scipy.special import expit

from eisym.ei import fit, load_dataset

# hidden widths, initial weight scale, EI strategies that are run (the rest are reported as skipped)
CONFIG = {
    "xor": ((9,), 4.0, ("enumerate", "lp", "extremum", "lstsq")),
    "moons": ((10,), 4.0, ("enumerate", "lp", "extremum", "lstsq")),
    "circles": ((10,), 4.0, ("enumerate", "lp", "extremum", "lstsq")),
    "iris": ((16,), 2.0, ("enumerate", "lp", "extremum", "lstsq")),
    "wine": ((32,), 1.0, ("lp", "lstsq")),
    "breast_cancer": ((64,), 1.0, ("lp", "lstsq")),
    "digits": ((2000,), 1.0, ("lstsq",)),
}
SKIPPED = {
    "wine": "enumerate: 3^r grid with r > 20 is sampled, not enumerated; extremum: m = 13 needs "
    "m(m-1)/2 = 78 auxiliary variables per representative and unit",
    "breast_cancer": "as wine (m = 30)",
    "digits": "lp/enumerate/extremum not run: measured once (seed 0, one attempt), lp took 752 s at width "
    "1000 (feasible, test 0.913) and did not finish at width 2000; extremum would add m(m-1)/2 = 2016 "
    "auxiliary variables per representative and unit",
}


def _elm(x_train, y_train, x_test, hidden, scale, seed, ridge=1e-3):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((hidden, x_train.shape[1])) * scale / np.sqrt(x_train.shape[1])
    b = rng.standard_normal(hidden) * scale
    start = time.perf_counter()
    feats = 1.0 / (1.0 + np.exp(-(x_train @ w.T + b)))
    design = np.hstack([feats, np.ones((feats.shape[0], 1))])
    classes = np.unique(y_train)
    targets = np.where(y_train[:, None] == classes[None, :], 1.0, -1.0)
    gram = design.T @ design
    coef = np.linalg.solve(gram + ridge * np.trace(gram) / hidden * np.eye(gram.shape[0]), design.T @ targets)
    seconds = time.perf_counter() - start

    def predict(x):
        f = 1.0 / (1.0 + np.exp(-(x @ w.T + b)))
        return classes[(np.hstack([f, np.ones((f.shape[0], 1))]) @ coef).argmax(axis=1)]

    params = w.size + b.size + coef.size
    return predict(x_train), predict(x_test), seconds, params


def _mlp(x_train, y_train, hidden, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    # L-BFGS is scikit-learn's recommendation for small data sets (adam left circles and moons
    # under-fitted here); adam with its defaults for digits.
    small = x_train.shape[0] < 1000
    clf = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="logistic",
        solver="lbfgs" if small else "adam",
        max_iter=5000 if small else 500,
        random_state=seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x_train, y_train)
    seconds = time.perf_counter() - start
    params = sum(c.size for c in clf.coefs_) + sum(i.size for i in clf.intercepts_)
    return clf, seconds, params


def run(datasets, seeds, path=None, methods=None):
    rows = []
    for name in datasets:
        hidden, scale, strategies = CONFIG[name]
        for seed in seeds:
            data = load_dataset(name, seed=seed)
            # Fixed width (no increments) shows what the weak LP gives when it may not grow; "+R5" also
            # solves the last hidden layer (hidden_steps=10 linear programs per attempt).
            # digits: one attempt, as each increment would add 1000 units to a 2000-unit layer.
            grow_max = 0 if name == "digits" else 5
            runs = [(s, grow_max, 0, f"EI-{s}") for s in strategies]
            if "lp" in strategies:
                runs += [
                    ("lp", 0, 0, "EI-lp-fixed"),
                    ("lp", 5, 10, "EI-lp+R5"),
                    ("lp", 0, 10, "EI-lp+R5-fixed"),
                ]
            for strategy, increments, steps, label in runs:
                if methods and label not in methods:
                    continue
                model = fit(
                    data.x_train,
                    data.y_train,
                    widths=hidden,
                    polarization=strategy,
                    init_scale=scale,
                    seed=seed,
                    max_increments=increments,
                    hidden_steps=steps,
                )
                rows.append(
                    {
                        "dataset": name,
                        "method": label,
                        "seed": seed,
                        "train": model.train_accuracy,
                        "test": model.score(data.x_test, data.y_test),
                        "seconds": model.seconds,
                        "solve_seconds": model.solve_seconds,
                        "params": model.parameter_count,
                        "increments": model.n_increments,
                        "hidden": list(model.widths[1:-1]),
                        "extrema": model.extremum_fraction,
                        "converged": model.converged,
                    }
                )
            if not methods or "backprop" in methods:
                clf, seconds, params = _mlp(data.x_train, data.y_train, hidden, seed)
                rows.append(
                    {
                        "dataset": name,
                        "method": "backprop",
                        "seed": seed,
                        "train": clf.score(data.x_train, data.y_train),
                        "test": clf.score(data.x_test, data.y_test),
                        "seconds": seconds,
                        "solve_seconds": None,
                        "params": params,
                        "increments": 0,
                        "hidden": list(hidden),
                        "extrema": None,
                        "converged": None,
                    }
                )
            if not methods or "ELM" in methods:
                p_train, p_test, seconds, params = _elm(
                    data.x_train, data.y_train, data.x_test, hidden[-1], scale, seed
                )
                rows.append(
                    {
                        "dataset": name,
                        "method": "ELM",
                        "seed": seed,
                        "train": float(np.mean(p_train == data.y_train)),
                        "test": float(np.mean(p_test == data.y_test)),
                        "seconds": seconds,
                        "solve_seconds": seconds,
                        "params": params,
                        "increments": 0,
                        "hidden": list(hidden),
                        "extrema": None,
                        "converged": None,
                    }
                )
            print(f"  {name} seed {seed} done", flush=True)
            if path:
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(rows, fh, indent=1)
    return rows


def _fmt(values, digits=3):
    vals = [v for v in values if v is not None]
    if not vals:
        return "-"
    return f"{np.mean(vals):.{digits}f}±{np.std(vals):.{digits}f}"


def summarize(rows):
    print(
        f"\n{'data set':<14}{'method':<14}{'train':>13}{'test':>13}{'seconds':>15}{'solve s':>15}"
        f"{'params':>9}{'incr':>6}{'hidden':>8}{'extrema':>12}{'conv':>6}"
    )
    table = {}
    for name in dict.fromkeys(r["dataset"] for r in rows):
        for method in dict.fromkeys(r["method"] for r in rows if r["dataset"] == name):
            sel = [r for r in rows if r["dataset"] == name and r["method"] == method]
            conv = [r["converged"] for r in sel if r["converged"] is not None]
            table[(name, method)] = sel
            print(
                f"{name:<14}{method:<14}{_fmt([r['train'] for r in sel]):>13}"
                f"{_fmt([r['test'] for r in sel]):>13}"
                f"{_fmt([r['seconds'] for r in sel]):>15}{_fmt([r['solve_seconds'] for r in sel]):>15}"
                f"{np.mean([r['params'] for r in sel]):>9.0f}{np.mean([r['increments'] for r in sel]):>6.1f}"
                f"{max(r['hidden'][-1] for r in sel):>8}{_fmt([r['extrema'] for r in sel], 2):>12}"
                f"{(str(sum(conv)) + '/' + str(len(conv))) if conv else '-':>6}"
            )
        if name in SKIPPED:
            print(f"{'':<14}skipped: {SKIPPED[name]}")
    return table


def goals(table):
    print("\nGoals (measured figure next to each)")

    def mean(name, method, key):
        sel = table.get((name, method))
        return None if not sel else float(np.mean([r[key] for r in sel]))

    for name in ("xor", "moons", "circles"):
        for method in ("EI-lp", "EI-lp+R5", "EI-enumerate", "EI-extremum"):
            sel = table.get((name, method))
            if sel:
                full = sum(r["train"] == 1.0 for r in sel)
                print(
                    f"  100% train accuracy on {name:<8} {method:<13}: {full}/{len(sel)} seeds "
                    f"(hidden widths reached: {sorted({r['hidden'][-1] for r in sel})})"
                )
    if ("digits", "EI-lstsq") in table:
        test, solve = mean("digits", "EI-lstsq", "test"), mean("digits", "EI-lstsq", "solve_seconds")
        elm, bp = mean("digits", "ELM", "test"), mean("digits", "backprop", "test")
        print(
            f"  digits test >= 0.97 with linear solves < 0.5 s: EI-lstsq {test:.4f} in {solve:.3f} s "
            f"(ELM {elm:.4f}, back-prop {bp:.4f}; time ratio EI/ELM "
            f"{solve / mean('digits', 'ELM', 'seconds'):.1f})"
        )
    for method in (
        "EI-lp",
        "EI-lp-fixed",
        "EI-lp+R5",
        "EI-lp+R5-fixed",
        "EI-enumerate",
        "EI-extremum",
        "EI-lstsq",
        "backprop",
        "ELM",
    ):
        sel = table.get(("moons", method))
        if sel:
            small = [r for r in sel if r["hidden"][-1] <= 10]
            print(
                f"  moons (noise 0.2) test >= 0.975 with <= 10 hidden: {method:<13} test "
                f"{_fmt([r['test'] for r in sel])}; runs ending with <= 10 units: {len(small)}/{len(sel)}"
                + (f", their test {_fmt([r['test'] for r in small])}" if small else "")
            )
    print(
        "\nlp versus enumerate over whole fits (kernels differ once enumerate fails and grows; see --speed)"
    )
    for (name, method), sel in table.items():
        if method != "EI-enumerate" or (name, "EI-lp") not in table:
            continue
        e, lp = mean(name, "EI-enumerate", "solve_seconds"), mean(name, "EI-lp", "solve_seconds")
        ce = sum(r["converged"] for r in sel)
        cl = sum(r["converged"] for r in table[(name, "EI-lp")])
        print(
            f"  {name:<10} enumerate {e:.4f} s ({ce}/{len(sel)} converged) vs lp {lp:.4f} s "
            f"({cl}/{len(sel)} converged): enumerate/lp time ratio {e / lp:.2f}"
        )


def gradient_figure(path, seed=0):
    """Back-prop gradients per layer on an EI-trained and a back-prop-trained (10, 10) network."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = load_dataset("moons", seed=seed)
    model = fit(data.x_train, data.y_train, widths=(10, 10), init_scale=4.0, seed=seed, max_increments=5)
    targets = np.eye(2)[data.y_train]

    def layer_grads(weights, biases):
        hs = [data.x_train]
        for w, b in zip(weights, biases, strict=True):
            hs.append(expit(hs[-1] @ w.T + b))
        delta = (hs[-1] - targets) / len(targets)  # d(mean binary cross-entropy)/dz of the outputs
        grads = []
        for u in range(len(weights) - 1, -1, -1):
            grads.append(np.linalg.norm(delta.T @ hs[u]))
            if u:
                delta = (delta @ weights[u]) * hs[u] * (1 - hs[u])
        return grads[::-1]

    ei_grads = layer_grads(model.weights, model.biases)
    # Back-propagation on the same architecture and loss, from the same initial scale (plain Adam).
    rng = np.random.default_rng(seed)
    shapes = list(zip(model.widths[1:], model.widths[:-1], strict=True))
    ws = [rng.standard_normal(s) * 4.0 / np.sqrt(s[1]) for s in shapes]
    bs = [rng.standard_normal(s[0]) * 4.0 for s in shapes]
    params = ws + bs
    start_ws = [w.copy() for w in ws]
    init_grads = layer_grads(ws, bs)
    moments = [np.zeros_like(p) for p in params] + [np.zeros_like(p) for p in params]
    for step in range(1, 3001):
        hs = [data.x_train]
        for w, b in zip(ws, bs, strict=True):
            hs.append(expit(hs[-1] @ w.T + b))
        delta = (hs[-1] - targets) / len(targets)
        gw, gb = [None] * len(ws), [None] * len(bs)
        for u in range(len(ws) - 1, -1, -1):
            gw[u], gb[u] = delta.T @ hs[u], delta.sum(axis=0)
            if u:
                delta = (delta @ ws[u]) * hs[u] * (1 - hs[u])
        for i, (p, g) in enumerate(zip(params, gw + gb, strict=True)):
            m1, m2 = moments[i], moments[len(params) + i]
            m1 *= 0.9
            m1 += 0.1 * g
            m2 *= 0.999
            m2 += 0.001 * g * g
            p -= 0.01 * (m1 / (1 - 0.9**step)) / (np.sqrt(m2 / (1 - 0.999**step)) + 1e-8)
    bp_grads = layer_grads(ws, bs)
    moved = [float(np.linalg.norm(w - w0) / np.linalg.norm(w0)) for w, w0 in zip(ws, start_ws, strict=True)]
    layers = np.arange(1, len(ei_grads) + 1)
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.bar(layers - 0.27, ei_grads, 0.27, label="EI-trained")
    ax.bar(layers, init_grads, 0.27, label="back-prop, initial weights")
    ax.bar(layers + 0.27, bp_grads, 0.27, label="back-prop-trained")
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("layer u")
    ax.set_ylabel(r"$\|\partial L / \partial W^{[u]}\|$")
    ax.set_title("moons, widths " + ",".join(map(str, model.widths)), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    print(f"\nGradient vanishing (moons, widths {model.widths}, mean BCE): per-layer |dL/dW^[u]|")
    print("  EI-trained        " + "  ".join(f"{g:.3e}" for g in ei_grads))
    print("  back-prop-trained " + "  ".join(f"{g:.3e}" for g in bp_grads))
    print("  back-prop at init " + "  ".join(f"{g:.3e}" for g in init_grads))
    print(
        "  back-prop relative weight change |W - W_0| / |W_0| per layer: "
        + "  ".join(f"{c:.3f}" for c in moved)
    )
    print("  EI relative weight change: 0 for every hidden layer (they keep their initial values)")
    print(f"  figure written to {path}")
    return ei_grads, bp_grads


def polarization_speed(seeds):
    """enumerate against lp on the same kernels: one attempt at a fixed width, same seed, same system."""
    print(
        "\nlp versus enumerate on identical kernels (one attempt, moons; complete enumeration if 3^r <= 1e5)"
    )
    print(f"{'width':>6}{'r':>4}{'enumerate s':>13}{'lp s':>9}{'ratio':>8}{'candidates':>12}{'agree':>7}")
    data = load_dataset("moons", seed=0)
    for width in (6, 8, 10, 12, 14):
        times_e, times_l, cands, agree, nullity = [], [], [], 0, 0
        for seed in seeds:
            kw = dict(widths=(width,), init_scale=4.0, seed=seed, max_increments=0)
            e = fit(data.x_train, data.y_train, polarization="enumerate", **kw).increments[0]
            lp = fit(data.x_train, data.y_train, polarization="lp", **kw).increments[0]
            times_e.append(e.solve_seconds)
            times_l.append(lp.solve_seconds)
            cands.append(e.candidates)
            agree += e.found == lp.found
            nullity = e.nullity
        ratio = np.mean(times_e) / np.mean(times_l)
        print(
            f"{width:>6}{nullity:>4}{np.mean(times_e):>13.4f}{np.mean(times_l):>9.4f}{ratio:>8.1f}"
            f"{np.mean(cands):>12.0f}{f'{agree}/{len(seeds)}':>7}"
        )


def one_dimensional(seeds):
    """1-D inputs: accuracy next to the number of extrema of every output unit (eisym.critical_points)."""
    from eisym import critical_points

    print("\n1-D bands (x ~ U(-3, 3), 4 alternating class intervals, 120 train / 120 test points)")
    print(
        f"{'method':<14}{'seed':>5}{'train':>8}{'test':>8}{'hidden':>8}{'extrema per unit':>20}{'mapped':>8}"
    )
    for seed in seeds:
        rng = np.random.default_rng(seed)
        x = rng.uniform(-3, 3, (240, 1))
        y = (np.floor((x[:, 0] + 3) / 1.5).astype(int)) % 2
        x_train, y_train, x_test, y_test = x[:120], y[:120], x[120:], y[120:]
        for label, steps in (("EI-lp", 0), ("EI-lp+R5", 10)):
            model = fit(x_train, y_train, widths=(6,), init_scale=4.0, seed=seed, hidden_steps=steps)
            counts = []
            for v in (1, 2):
                found = critical_points(model.network, (-3, 3), output=v, starts=300)
                counts.append(sum(p.type in ("minimum", "maximum") for p in found.points))
            print(
                f"{label:<14}{seed:>5}{model.train_accuracy:>8.3f}{model.score(x_test, y_test):>8.3f}"
                f"{model.widths[1]:>8}{str(counts):>20}{sum(s.right_kind for s in model.mapped):>8}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(CONFIG))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 seeds; xor, moons, circles, iris")
    parser.add_argument("--figure", help="write the gradient-vanishing figure to this PNG")
    parser.add_argument("--json", help="write every run to this JSON file (rewritten after each seed)")
    parser.add_argument("--speed", action="store_true", help="also enumerate vs lp on identical kernels")
    parser.add_argument("--one-d", action="store_true", help="also the 1-D extrema-count experiment")
    parser.add_argument("--methods", help="only these rows, e.g. EI-lp+R5,backprop")
    parser.add_argument("--summarize", nargs="+", metavar="JSON", help="only summarise earlier --json files")
    args = parser.parse_args()
    if args.summarize:
        rows = []
        for path in args.summarize:
            with open(path, encoding="utf-8") as fh:
                rows.extend(json.load(fh))
        goals(summarize(rows))
        return
    datasets = args.datasets.split(",")
    seeds = range(args.seeds)
    if args.quick:
        datasets, seeds = ["xor", "moons", "circles", "iris"], range(2)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        rows = run(datasets, seeds, args.json, args.methods.split(",") if args.methods else None)
        table = summarize(rows)
        goals(table)
        if args.one_d:
            one_dimensional(seeds)
        if args.speed:
            polarization_speed(seeds)
        if args.figure:
            gradient_figure(args.figure)


if __name__ == "__main__":
    main()
