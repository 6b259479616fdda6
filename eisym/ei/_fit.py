"""The extremum-increment (EI) loop: representatives, last-layer kernel, polarization, increments.

One attempt (PAPER.md section 4, R3, R5-R7):

1. the hidden layers are frozen at their current weights (initially nonzero random reals from the seed);
2. representatives: per class, k-means (seeded) picks the training samples nearest to the cluster
   centres; a cluster is the representative's surface neighbourhood, and only representatives get
   stationarity equations (every sample still gets the termination inequalities);
3. the stacked system A w = 0 (R3, shape (k m) x l_{n-1}) is shared by all output units (R7), its kernel
   B comes from an SVD, and a polarization picks w_v = B alpha_v and b_v for every unit;
4. the termination condition is checked on the resulting network; if it fails, ``grow`` units are added
   to the last hidden layer (new random incoming weights, old ones kept) and the attempt repeats.

Layer-wise solving (PAPER.md section 4 step 2): when the last layer has no particular solution that
terminates, every hidden layer, from the last back to the first, is solved for by linear programs in the
kernel of its R5 system with the other layers frozen (see :mod:`eisym.ei._hidden`), up to ``hidden_steps``
sweeps, before neurons are added. A hidden layer is only moved after a failed last-layer solve, so when the
output layer alone succeeds the earlier layers keep their initial values (the paper's explanation of
vanishing gradients); ``hidden_steps=0`` never moves them, which makes EI a random-feature method.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from tqdm import tqdm  # type: ignore[import-untyped]

from .._errors import MissingDependency, SpecError
from ._algebra import forward, kernel, layer_jet, row_space, stationarity_matrix
from ._hidden import hidden_layer_step
from ._model import EIModel, Increment, MappedSample, classify_representatives
from ._polarize import POLARIZATIONS, Polarization, logit, logit_targets, polarize, ridge_readout

__all__ = ["fit", "choose_representatives"]

Array = np.ndarray
TERMINATIONS = ("strict", "weak")
# R5 on a layer with more weights than this is skipped: its kernel (an SVD with as many columns) and the dense
# LP (one row per sample and rival class) would take minutes and gigabytes (digits at width 2000: 128,000).
R5_MAX_WEIGHTS = 8000
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh")


def _check_count(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        kind = "non-negative" if least == 0 else f"at least {least}"
        raise SpecError(f"{name} must be an integer, {kind}, got {value!r}")


def _real(value: object) -> bool:
    """A finite real number (not a bool)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check_data(x: object, y: object) -> tuple[Array, Array, tuple[object, ...]]:
    try:
        raw = np.asarray(x)
        complex_features = np.iscomplexobj(raw)
        # Casting complex to float would silently drop the imaginary parts.
        arr = raw if complex_features else raw.astype(float)
    except (TypeError, ValueError):
        raise SpecError("X: expected a numeric array of shape (N, m)") from None
    if complex_features:
        raise SpecError("X is complex; EI needs real features")
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise SpecError(f"X: expected a non-empty 2-d array of shape (N, m), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise SpecError("X contains NaN or infinite values; clean or impute them first")
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != arr.shape[0]:
        raise SpecError(f"y: expected {arr.shape[0]} labels (one per row of X), got shape {labels.shape}")
    try:
        classes, index = np.unique(labels, return_inverse=True)
    except TypeError:
        raise SpecError("y: the labels cannot be sorted (mixed types?); use one type, e.g. all int") from None
    if classes.size < 2:
        raise SpecError("y has a single class; EI needs at least two classes")
    return arr, index.astype(int), tuple(classes.tolist())


def choose_representatives(x: Array, y: Array, per_class: Sequence[int], seed: int) -> tuple[Array, Array]:
    """Representatives (training indices) and each sample's representative, by k-means per class.

    A class with ``per_class[c]`` >= its size maps every sample; otherwise its representatives are the
    samples nearest to the centres of a seeded :class:`sklearn.cluster.KMeans`.

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> reps, owner = choose_representatives(x, np.array([0, 0, 1, 1]), [1, 2], 0)
    >>> len(reps), owner[2:].tolist()
    (3, [2, 3])
    """
    reps: list[int] = []
    owner = np.empty(x.shape[0], dtype=int)
    for c, k in enumerate(per_class):
        members = np.flatnonzero(y == c)
        if k >= members.size:
            reps.extend(members.tolist())
            owner[members] = members
            continue
        try:
            from sklearn.cluster import KMeans
        except ImportError:
            raise MissingDependency(
                "clustering representatives needs scikit-learn: pip install 'eisym[ei]'"
            ) from None
        km = KMeans(n_clusters=k, n_init=4, random_state=seed + c).fit(x[members])
        dist = ((x[members][:, None, :] - km.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
        nearest = members[np.argmin(dist, axis=0)]
        # Two centres can share a nearest sample; the cluster then keeps that one representative.
        chosen = np.unique(nearest)
        reps.extend(chosen.tolist())
        cluster_rep = nearest[km.labels_]
        owner[members] = cluster_rep
    return np.array(sorted(reps), dtype=int), owner


def _per_class(representatives: object, width: int, m: int, sizes: Array) -> list[int]:
    classes = sizes.size
    if isinstance(representatives, str):
        if representatives == "all":
            return sizes.tolist()
        if representatives == "auto":
            # Half of R4's capacity, so half of the kernel is left for polarization.
            total = max(classes, width // (2 * m))
            return [int(min(s, max(1, total // classes))) for s in sizes]
    elif (
        isinstance(representatives, (int, np.integer))
        and not isinstance(representatives, bool)
        and representatives >= 1
    ):
        return [int(min(s, representatives)) for s in sizes]
    raise SpecError(
        f"representatives must be 'auto', 'all' or a positive number per class, got {representatives!r}"
    )


def _init_layer(rng: np.random.Generator, rows: int, cols: int, scale: float) -> tuple[Array, Array]:
    w = rng.standard_normal((rows, cols)) * scale / math.sqrt(cols)
    b = rng.standard_normal(rows) * scale
    # Zero draws have probability zero, but the paper asks for nonzero reals, so make it certain.
    w[w == 0.0], b[b == 0.0] = scale / math.sqrt(cols), scale
    return w, b


def _terminated(
    logits: Array, y: Array, reps: Array, termination: str, stationary: bool, ub: float, lb: float, eps: float
) -> bool:
    n, c = logits.shape
    own = np.eye(c, dtype=bool)[y]
    if termination == "weak":
        others = np.where(own, -np.inf, logits).max(axis=1)
        return bool(np.all(logits[np.arange(n), y] > others))
    out = expit(logits)
    mid = (ub + lb) / 2.0
    side = np.all(np.where(own, out > mid, out < mid))
    target = np.where(own[reps], ub, lb)
    close = np.all(np.abs(out[reps] - target) <= eps * (1 + 1e-9))
    return bool(stationary and side and close)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    polarization: str
    termination: str
    bias: bool
    ub: float
    lb: float
    eps: float
    ridge: float
    max_candidates: int
    seed: int
    grad_tol: float
    eig_tol: float


def _solve_last_layer(
    weights: list[Array],
    biases: list[Array | None],
    acts: list[str],
    arr: Array,
    labels: Array,
    reps: Array,
    o: _Options,
) -> tuple[Polarization | None, int, int, list, Array, bool, float]:
    """R3 + polarization for the output layer (written into ``weights[-1]``/``biases[-1]``), then the
    termination check. Returns (solution, rank, nullity, checks, logits, terminated, solve seconds)."""
    c = weights[-1].shape[0]
    width = weights[-1].shape[1]
    feats = forward(weights[:-1], biases[:-1], acts[:-1], arr)
    order = 2 if o.polarization == "extremum" else 1
    _, jac, hess = layer_jet(weights[:-1], biases[:-1], acts[:-1], arr[reps], order=order)
    t0 = time.perf_counter()
    system = stationarity_matrix(jac)
    sol = None
    if o.polarization == "lstsq":
        # Only a readout is needed: work with the projector I - V V^T, no explicit kernel basis.
        rows, rank = row_space(system, width)
        nullity = width - rank
        if nullity:
            design = feats - (feats @ rows) @ rows.T
            targets = logit_targets(labels, c, logit(o.ub - o.eps), logit(o.lb + o.eps))
            w_out, b_out = ridge_readout(design, targets, o.ridge, nullity, o.bias)
            weights[-1] = w_out - (w_out @ rows) @ rows.T
            if o.bias:
                biases[-1] = b_out
            sol = Polarization(
                found=True,
                alpha=w_out,
                bias=b_out,
                candidates=0,
                lp_calls=0,
                seconds=0.0,
                message="ridge least squares towards the logit targets",
            )
    else:
        basis, rank = kernel(system, width)
        nullity = basis.shape[1]
        if nullity:
            curvature = None if hess is None else np.einsum("lj,klst->kjst", basis, hess)
            sol = polarize(
                o.polarization,
                feats @ basis,
                labels,
                c,
                reps,
                curvature=curvature,
                bias=o.bias,
                termination=o.termination,
                ub=o.ub,
                lb=o.lb,
                eps=o.eps,
                max_candidates=o.max_candidates,
                ridge=o.ridge,
                seed=o.seed,
            )
            weights[-1] = sol.alpha @ basis.T
            if o.bias:
                biases[-1] = sol.bias.copy()
    spent = time.perf_counter() - t0
    checks = classify_representatives(
        weights, biases, acts, arr[reps], labels[reps], grad_tol=o.grad_tol, eig_tol=o.eig_tol
    )
    logits = feats @ weights[-1].T + (biases[-1] if o.bias else 0.0)
    stationary = all(ch[1] for ch in checks)
    done = sol is not None and _terminated(logits, labels, reps, o.termination, stationary, o.ub, o.lb, o.eps)
    if o.polarization == "extremum":
        done = done and all(ch[3] for ch in checks)
    return sol, rank, nullity, checks, logits, done, spent


def fit(
    x: object,
    y: object,
    *,
    widths: Sequence[int] = (8,),
    polarization: str = "lp",
    termination: str = "weak",
    representatives: object = "auto",
    activation: str = "sigmoid",
    bias: bool = True,
    ub: float = 1.0,
    lb: float = 0.0,
    eps: float = 0.01,
    init_scale: float = 1.0,
    max_increments: int = 5,
    grow: int | None = None,
    hidden_steps: int = 10,
    trust: float = 0.5,
    ridge: float = 1e-3,
    max_candidates: int = 100_000,
    grad_tol: float = 1e-8,
    eig_tol: float = 1e-8,
    seed: int = 0,
) -> EIModel:
    """Train a sigmoid network by the extremum-increment algorithm (no back-propagation).

    Parameters
    ----------
    x, y : arrays of shape (N, m) and (N,)
        Training samples and class labels; C classes give C sigmoid output units (R7).
    widths : sequence of int
        Hidden layer widths l_1, ..., l_{n-1}; input and output widths come from the data.
    polarization : {"lp", "enumerate", "extremum", "lstsq"}
        How a particular solution is chosen in the kernel (see :mod:`eisym.ei._polarize`).
    termination : {"weak", "strict"}
        ``weak``: every training sample's own class output is the largest. ``strict``: every
        representative is stationary for every unit (gradient within ``grad_tol``) with outputs within
        ``eps`` of UB (own class) / LB (others), and every other sample is on the right side of
        (UB + LB) / 2 for every unit. With ``polarization="extremum"`` every representative must also be
        a verified maximum of its own unit and a minimum of the others.
    representatives : "auto", "all" or int
        Representatives per class (k-means). ``auto`` uses half the last layer's capacity (R4),
        floor(l_{n-1} / (2 m)) in all, at least one per class.
    activation : {"sigmoid", "tanh"}
        Hidden activation; outputs are sigmoid.
    bias : bool
        Biases on every neuron (the paper's form is ``False``).
    ub, lb, eps : float
        Output targets UB > LB in [0, 1] and the strict tolerance.
    init_scale : float
        Initial weights are N(0, init_scale^2 / fan_in), biases N(0, init_scale^2), all nonzero.
    max_increments, grow : int
        At most ``max_increments`` times, add ``grow`` units (default half the current width, at least
        2) to the last hidden layer after a failed attempt.
    hidden_steps, trust : int, float
        Layer-wise solving below the output layer (PAPER.md section 4 step 2, R5): after a failed
        last-layer solve, up to ``hidden_steps`` sweeps: for u = n-1 down to 1, move W^[u] (and its
        biases) by one linear program in the kernel of its R5 system with every other layer frozen
        (:func:`eisym.ei.hidden_layer_step`, steps bounded by ``trust`` times the mean |w| of the layer)
        and solve the last layer again, keeping the best state (training accuracy) seen. Default 10
        sweeps; 0: hidden layers keep their initial values. A layer with more than
        ``R5_MAX_WEIGHTS`` (8000) weights is skipped, and the increment's message says so.
    ridge : float
        Relative ridge penalty of ``lstsq``.
    max_candidates : int
        Budget of kernel vectors per unit for ``enumerate``.
    grad_tol, eig_tol : float
        Tolerances of the verification (see :func:`eisym.ei._model.classify_representatives`).
    seed : int
        Seeds the initial weights, the added units, k-means and sampled enumeration.

    Returns
    -------
    EIModel
        The network of the last attempt, with ``converged`` telling whether it met the termination
        condition. When the last attempt's stationarity system had only the zero solution (too many
        representatives for the width), nothing was solved: the output layer keeps its previous (or
        initial) weights, and the increment's message says so.

    Examples
    --------
    >>> from eisym.ei import fit, load_dataset
    >>> data = load_dataset("xor")
    >>> model = fit(data.x_train, data.y_train, widths=(6,), seed=0)
    >>> model.train_accuracy, model.converged, model.widths
    (1.0, True, (2, 6, 2))
    """
    start = time.perf_counter()
    arr, labels, classes = _check_data(x, y)
    if polarization not in POLARIZATIONS:
        raise SpecError(f"polarization must be one of {', '.join(POLARIZATIONS)}, got {polarization!r}")
    if termination not in TERMINATIONS:
        raise SpecError(f"termination must be 'weak' or 'strict', got {termination!r}")
    if activation not in HIDDEN_ACTIVATIONS:
        raise SpecError(f"activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}, got {activation!r}")
    hidden = tuple(widths) if isinstance(widths, (list, tuple)) else ()
    bad = [w for w in hidden if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1]
    if not hidden or bad:
        raise SpecError(f"widths: expected hidden layer widths such as (8,) or (16, 8), got {widths!r}")
    targets_ok = all(_real(v) for v in (ub, lb, eps)) and 0.0 <= lb < ub <= 1.0 and 0.0 < eps < (ub - lb) / 2
    if not targets_ok:
        raise SpecError(f"need 0 <= LB < UB <= 1 and 0 < eps < (UB - LB)/2, got UB={ub}, LB={lb}, eps={eps}")
    for name, value, least in (
        ("max_increments", max_increments, 0),
        ("hidden_steps", hidden_steps, 0),
        ("seed", seed, 0),
        ("max_candidates", max_candidates, 1),
        ("grow", 1 if grow is None else grow, 1),
    ):
        _check_count(name, value, least)
    positive = (("trust", trust), ("init_scale", init_scale), ("grad_tol", grad_tol), ("eig_tol", eig_tol))
    for name, number in positive:
        if not _real(number) or not number > 0:
            raise SpecError(f"{name} must be a positive finite number, got {number!r}")
    if not _real(ridge) or ridge < 0:
        raise SpecError(f"ridge must be a non-negative finite number, got {ridge!r}")

    n_samples, m = arr.shape
    c = len(classes)
    init_seq, grow_seq, km_seq, enum_seq = np.random.SeedSequence(int(seed)).spawn(4)
    rng, grow_rng = np.random.default_rng(init_seq), np.random.default_rng(grow_seq)
    km_seed = int(km_seq.generate_state(1)[0] % (2**31 - 1))
    enum_seed = int(enum_seq.generate_state(1)[0])
    shape = (m, *map(int, hidden), c)
    weights: list[Array] = []
    biases: list[Array | None] = []
    for rows, cols in zip(shape[1:], shape[:-1], strict=True):
        w, b = _init_layer(rng, rows, cols, init_scale)
        weights.append(w)
        biases.append(b if bias else None)
    acts = [activation] * (len(shape) - 2) + ["sigmoid"]
    sizes = np.bincount(labels, minlength=c)
    records: list[Increment] = []
    solve_total = 0.0
    opts = _Options(
        polarization=polarization,
        termination=termination,
        bias=bias,
        ub=ub,
        lb=lb,
        eps=eps,
        ridge=ridge,
        max_candidates=max_candidates,
        seed=enum_seed,
        grad_tol=grad_tol,
        eig_tol=eig_tol,
    )

    def accuracy(z: Array) -> float:
        return float(np.mean(z.argmax(axis=1) == labels))

    # disable=None: the bar shows only on a terminal; delay keeps fits under a second silent.
    bar = tqdm(total=max_increments + 1, desc="EI", unit="attempt", disable=None, delay=1.0, leave=False)
    for step in range(max_increments + 1):
        width = weights[-1].shape[1]
        per_class = _per_class(representatives, width, m, sizes)
        reps, owner = choose_representatives(arr, labels, per_class, km_seed)
        sol, rank, nullity, checks, logits, done, spent = _solve_last_layer(
            weights, biases, acts, arr, labels, reps, opts
        )
        solve_total += spent
        steps = 0

        best = None
        too_large: set[int] = set()
        while not done and sol is not None and steps < hidden_steps and len(weights) > 1:
            # One sweep: layers n-1 down to 1, each moved in the kernel of its R5 system with the others
            # frozen, then the last layer solved again so beta of the next layer is taken at a stationary net.
            moved_any = False
            for layer in range(len(weights) - 1, 0, -1):
                if done or sol is None:
                    break
                if weights[layer - 1].size > R5_MAX_WEIGHTS:
                    too_large.add(layer)
                    continue
                if best is None or accuracy(logits) > best[0]:
                    # The LP lowers the linearised violation, not the error count: keep the best state.
                    state = (sol, rank, nullity, checks, logits, done, spent)
                    best = (accuracy(logits), [w.copy() for w in weights], [b for b in biases], state)
                t0 = time.perf_counter()
                moved = hidden_layer_step(weights, biases, acts, arr, labels, reps, trust=trust, layer=layer)
                solve_total += time.perf_counter() - t0
                if not moved:
                    continue
                moved_any = True
                sol, rank, nullity, checks, logits, done, spent = _solve_last_layer(
                    weights, biases, acts, arr, labels, reps, opts
                )
                solve_total += spent
            if not moved_any:
                break
            steps += 1
        if best is not None and not done and accuracy(logits) < best[0]:
            weights[:], biases[:] = best[1], best[2]
            sol, rank, nullity, checks, logits, done, spent = best[3]
        records.append(
            Increment(
                step=step,
                widths=tuple(int(s) for s in (m, *(w.shape[0] for w in weights))),
                representatives=int(reps.size),
                rank=int(rank),
                nullity=int(nullity),
                found=bool(sol is not None and sol.found),
                terminated=done,
                candidates=0 if sol is None else sol.candidates,
                lp_calls=0 if sol is None else sol.lp_calls,
                hidden_steps=steps,
                solve_seconds=spent,
                message=("the stationarity system has only the zero solution" if sol is None else sol.message)
                + "".join(
                    f"; R5 skipped on layer {u} ({weights[u - 1].size} weights > {R5_MAX_WEIGHTS})"
                    for u in sorted(too_large)
                ),
            )
        )
        bar.set_postfix(width=records[-1].widths[-2], train=f"{accuracy(logits):.3f}", refresh=False)
        bar.update()
        if done or step == max_increments:
            break
        extra = grow if grow is not None else max(2, width // 2)
        w_new, b_new = _init_layer(grow_rng, extra, weights[-2].shape[1], init_scale)
        weights[-2] = np.vstack([weights[-2], w_new])
        if bias:
            biases[-2] = np.concatenate([biases[-2], b_new])
        weights[-1] = np.hstack([weights[-1], np.ones((c, extra))])
    bar.close()

    cluster = np.bincount(owner, minlength=n_samples)
    mapped = tuple(
        MappedSample(
            sample=int(i),
            label=int(labels[i]),
            cluster_size=int(cluster[i]),
            gradient=ch[0],
            stationary=ch[1],
            kinds=ch[2],
            right_kind=ch[3],
        )
        for i, ch in zip(reps, checks, strict=True)
    )
    train_acc = accuracy(logits)
    for arr_ in (*weights, *(b for b in biases if b is not None)):
        arr_.setflags(write=False)
    return EIModel(
        classes=classes,
        widths=records[-1].widths,
        activation=activation,
        bias=bias,
        weights=tuple(weights),
        biases=tuple(b for b in biases if b is not None),
        ub=ub,
        lb=lb,
        eps=eps,
        polarization=polarization,
        termination=termination,
        converged=records[-1].terminated,
        increments=tuple(records),
        mapped=mapped,
        representatives=tuple(int(i) for i in reps),
        assignment=tuple(int(i) for i in owner),
        train_accuracy=train_acc,
        train_size=n_samples,
        train_box=tuple(zip(arr.min(axis=0).tolist(), arr.max(axis=0).tolist(), strict=True)),
        seconds=time.perf_counter() - start,
        solve_seconds=solve_total,
        seed=int(seed),
    )
