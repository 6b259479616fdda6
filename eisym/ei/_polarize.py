"""Polarization: pick a particular solution of the last-layer system that meets the termination condition.

Every output unit v has weights w_v = B alpha_v in the kernel of the stacked stationarity system (R3), so
the representatives are stationary for any alpha; what is left is linear in (alpha_v, b_v), because the
sigmoid output is monotone: F_y(x) > F_j(x) iff z_y(x) > z_j(x), and F_v(x) >= UB - eps iff
z_v(x) >= logit(UB - eps). ``Q = h^[n-1](X) B`` holds the training samples in kernel coordinates.

Strategies
----------
``enumerate``
    The paper's approach: try kernel vectors alpha from the grid {-1, 0, 1}^r one after another (all of
    them when there are at most ``max_candidates``, else a seeded random sample of the grid, so the search
    is then incomplete) until one separates unit v's class from the rest; bias and scale follow (R6).
``lp``
    The same feasibility question as a linear program (HiGHS): complete, and minimal L1 norm of alpha.
``extremum``
    ``lp`` plus the second-order condition at every representative: at a stationary sample the Hessian of
    F_v is S'(z_v) M_v with M_v = sum_k w_{v,k} H_k^[n-1] linear in w_v, and strict diagonal dominance of
    -M_v (own class: a maximum) or M_v (other classes: a minimum) is a linear sufficient condition for
    definiteness (exact when m = 1).
``lstsq``
    Not the paper's: ridge least squares of z_v towards the logit targets inside the kernel (an
    extreme-learning-machine readout restricted to the kernel); cheap, but nothing guarantees termination.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse as sps

from .._errors import SpecError

__all__ = ["Polarization", "polarize", "POLARIZATIONS"]

Array = np.ndarray
POLARIZATIONS = ("enumerate", "lp", "extremum", "lstsq")
_GAP_TOL = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Polarization:
    """A particular solution: ``alpha`` (C, r) kernel coordinates and ``bias`` (C,) of the output layer.

    ``found`` says whether the strategy found a solution it believes meets the condition (the caller
    still checks termination on the resulting network); ``candidates`` counts enumerated kernel vectors;
    ``lp_calls`` counts linear programs solved.
    """

    found: bool
    alpha: Array
    bias: Array
    candidates: int
    lp_calls: int
    seconds: float
    message: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _Problem:
    q: Array  # (N, r)
    y: Array  # (N,) class indices
    classes: int
    reps: Array  # indices of representatives
    curvature: Array | None  # (k, r, m, m) for extremum
    bias: bool
    termination: str
    t_hi: tuple[float, float]  # logit interval for UB at representatives (strict)
    t_lo: tuple[float, float]
    t_mid: float  # logit((UB + LB) / 2): the side every other sample must be on (strict)
    margin: float


def logit(p: float) -> float:
    """log(p / (1 - p)) with the ends mapped to infinities."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def polarize(
    strategy: str,
    q: Array,
    y: Array,
    classes: int,
    reps: Array,
    *,
    curvature: Array | None = None,
    bias: bool = True,
    termination: str = "weak",
    ub: float = 1.0,
    lb: float = 0.0,
    eps: float = 0.01,
    max_candidates: int = 100_000,
    ridge: float = 1e-3,
    seed: int = 0,
) -> Polarization:
    """Choose alpha, b for every output unit with ``strategy`` (see the module docstring).

    Examples
    --------
    >>> q = np.array([[-1.0], [1.0]])
    >>> sol = polarize("lp", q, np.array([0, 1]), 2, np.array([], dtype=int))
    >>> sol.found, bool((q @ sol.alpha.T + sol.bias).argmax(1).tolist() == [0, 1])
    (True, True)
    """
    if strategy not in POLARIZATIONS:
        raise SpecError(f"polarization must be one of {', '.join(POLARIZATIONS)}, got {strategy!r}")
    problem = _Problem(
        q=q,
        y=y,
        classes=classes,
        reps=np.asarray(reps, dtype=int),
        curvature=curvature,
        bias=bias,
        termination=termination,
        # Aim a relative 1e-6 inside the eps band: HiGHS meets bounds only to its feasibility tolerance.
        t_hi=(logit(ub - eps * (1 - 1e-6)), logit(ub + eps * (1 - 1e-6))),
        t_lo=(logit(lb - eps * (1 - 1e-6)), logit(lb + eps * (1 - 1e-6))),
        t_mid=logit((ub + lb) / 2),
        margin=1.0,
    )
    start = time.perf_counter()
    if strategy == "enumerate":
        found, alpha, b, count, msg = _enumerate(problem, max_candidates, seed)
        calls = 0
    elif strategy == "lstsq":
        found, alpha, b, msg = _lstsq(problem, ridge)
        count, calls = 0, 0
    else:
        found, alpha, b, calls, msg = _lp(problem, strategy == "extremum")
        count = 0
    return Polarization(
        found=found,
        alpha=alpha,
        bias=b,
        candidates=count,
        lp_calls=calls,
        seconds=time.perf_counter() - start,
        message=msg,
    )


# ----------------------------------------------------------------------------------------- enumerate
def _grid(r: int, max_candidates: int, rng: np.random.Generator, batch: int):
    total = 3**r if r < 40 else None
    if total is not None and total - 1 <= max_candidates:
        powers = 3 ** np.arange(r)
        for start in range(0, total, batch):
            ids = np.arange(start, min(start + batch, total))
            cand = (ids[:, None] // powers) % 3 - 1.0
            yield cand[np.any(cand != 0, axis=1)]
        return
    drawn = 0
    while drawn < max_candidates:
        cand = rng.integers(-1, 2, size=(min(batch, max_candidates - drawn), r)).astype(float)
        drawn += cand.shape[0]
        yield cand[np.any(cand != 0, axis=1)]


def _enumerate(p: _Problem, max_candidates: int, seed: int) -> tuple[bool, Array, Array, int, str]:
    if p.termination == "strict" and (math.isfinite(p.t_hi[1]) or math.isfinite(p.t_lo[0])):
        raise SpecError("enumerate with strict termination needs UB = 1 and LB = 0; use polarization='lp'")
    n, r = p.q.shape
    alpha = np.zeros((p.classes, r))
    bias = np.zeros(p.classes)
    target = max(p.t_hi[0], -p.t_lo[1], p.margin)
    # Two classes: unit 2 is the mirror of unit 1, which decides both the weak and the strict question.
    units = range(1) if p.classes == 2 else range(p.classes)
    total = 0
    rng = np.random.default_rng(seed)
    for v in units:
        pos = p.y == v
        hit = None
        for cand in _grid(r, max_candidates, rng, 4096):
            z = p.q @ cand.T
            hi, lo = z[pos].min(axis=0), z[~pos].max(axis=0)
            ok = hi - lo > _GAP_TOL if p.bias else (hi > _GAP_TOL) & (lo < -_GAP_TOL)
            good = np.flatnonzero(ok)
            if good.size:
                total += int(good[0]) + 1
                hit = (cand[good[0]], float(hi[good[0]]), float(lo[good[0]]))
                break
            total += cand.shape[0]
        if hit is None:
            return False, alpha, bias, total, f"no enumerated kernel vector separates class {v} from the rest"
        direction, hi, lo = hit
        if p.bias:
            scale = 2.0 * target / (hi - lo)
            alpha[v], bias[v] = scale * direction, -scale * (hi + lo) / 2.0
        else:
            alpha[v] = target / min(hi, -lo) * direction
    if p.classes == 2:
        alpha[1], bias[1] = -alpha[0], -bias[0]
    return True, alpha, bias, total, f"separating kernel vectors found after {total} candidates"


# ---------------------------------------------------------------------------------------------- lp
def _unit_block(rows: Array, coef: Array, r: int, with_bias: bool) -> Array:
    """Coefficients of coef * (rows . (p - q) + b) on the unit's variables [p, q, b]."""
    parts = [coef[:, None] * rows, -coef[:, None] * rows]
    if with_bias:
        parts.append(coef[:, None])
    return np.hstack(parts)


def _lp(p: _Problem, extremum: bool) -> tuple[bool, Array, Array, int, str]:
    if extremum and p.curvature is None:
        raise SpecError("polarization='extremum' needs the hidden-layer Hessians at the representatives")
    curvature = p.curvature if extremum else None
    if p.termination == "weak":
        return _lp_joint(p, curvature)
    r = p.q.shape[1]
    alpha, bias = np.zeros((p.classes, r)), np.zeros(p.classes)
    calls, found = 0, True
    messages = []
    for v in range(p.classes):
        ok, a, b, c = _lp_unit(p, v, curvature)
        calls += c
        alpha[v], bias[v] = a, b
        if not ok:
            found = False
            messages.append(f"unit {v + 1} infeasible")
    return found, alpha, bias, calls, "; ".join(messages) or "every unit feasible"


def _lp_unit(p: _Problem, v: int, curvature: Array | None) -> tuple[bool, Array, float, int]:
    n, r = p.q.shape
    nb = 1 if p.bias else 0
    pos = p.y == v
    is_rep = np.zeros(n, dtype=bool)
    is_rep[p.reps] = True
    # A_ub x <= b_ub rows: -z <= -lower and z <= upper.
    lower = np.where(pos, p.t_mid + p.margin, -np.inf)
    upper = np.where(pos, np.inf, p.t_mid - p.margin)
    lower[is_rep & pos], upper[is_rep & pos] = p.t_hi
    lower[is_rep & ~pos], upper[is_rep & ~pos] = p.t_lo
    blocks, rhs = [], []
    low_rows = np.flatnonzero(np.isfinite(lower))
    up_rows = np.flatnonzero(np.isfinite(upper))
    blocks.append(_unit_block(p.q[low_rows], -np.ones(low_rows.size), r, p.bias))
    rhs.append(-lower[low_rows])
    blocks.append(_unit_block(p.q[up_rows], np.ones(up_rows.size), r, p.bias))
    rhs.append(upper[up_rows])
    a_ub = sps.csr_matrix(np.vstack(blocks))
    b_ub = np.concatenate(rhs)
    n_vars = 2 * r + nb
    if curvature is not None:
        sign = np.where(p.y[p.reps] == v, -1.0, 1.0)
        ext, ext_rhs, n_aux = _definiteness_rows(curvature, sign, r, nb, 0, n_vars)
        a_ub = sps.vstack([sps.hstack([a_ub, sps.csr_matrix((a_ub.shape[0], n_aux))]), ext]).tocsr()
        b_ub = np.concatenate([b_ub, ext_rhs])
        n_vars += n_aux
    cost = np.zeros(n_vars)
    cost[: 2 * r] = 1.0
    x, ok, calls = _solve(cost, a_ub, b_ub, n_vars, free=list(range(2 * r, 2 * r + nb)))
    return ok, x[:r] - x[r : 2 * r], float(x[2 * r]) if nb else 0.0, calls


def _definiteness_rows(
    curvature: Array, sign: Array, r: int, nb: int, offset: int, n_vars: int
) -> tuple[sps.csr_matrix, Array, int]:
    """Rows forcing sign[i] * M(x_i) to be strictly diagonally dominant with margin 1.

    M(x_i) = sum_j alpha_j curvature[i, j]; auxiliary variables e_st >= |M_st| (s < t) follow the
    ``n_vars`` existing ones; ``offset`` is where the unit's [p, q] variables start.
    """
    k, _, m, _ = curvature.shape
    pairs = [(s, t) for s in range(m) for t in range(s + 1, m)]
    n_aux = k * len(pairs)
    rows, rhs = [], []
    width = n_vars + n_aux

    def coeffs(i: int, s: int, t: int, factor: float) -> Array:
        row = np.zeros(width)
        g = curvature[i, :, s, t]
        row[offset : offset + r] = factor * g
        row[offset + r : offset + 2 * r] = -factor * g
        return row

    for i in range(k):
        for idx, (s, t) in enumerate(pairs):
            aux = n_vars + i * len(pairs) + idx
            for factor in (1.0, -1.0):
                row = coeffs(i, s, t, factor)
                row[aux] = -1.0
                rows.append(row)
                rhs.append(0.0)
        for s in range(m):
            row = coeffs(i, s, s, -sign[i])
            for idx, pair in enumerate(pairs):
                if s in pair:
                    row[n_vars + i * len(pairs) + idx] = 1.0
            rows.append(row)
            rhs.append(-1.0)
    if not rows:
        return sps.csr_matrix((0, width)), np.zeros(0), n_aux
    return sps.csr_matrix(np.array(rows)), np.array(rhs), n_aux


def _solve(
    cost: Array, a_ub, b_ub: Array, n_vars: int, free: list[int], a_eq=None
) -> tuple[Array, bool, int]:
    """Minimise cost @ x subject to a_ub x <= b_ub, a_eq x = 0 (x >= 0 except ``free``); on
    infeasibility the least total violation (a second LP with one slack per row) is returned with
    ok = False."""
    bounds: list[tuple[float | None, float | None]] = [(0, None)] * n_vars
    for i in free:
        bounds[i] = (None, None)
    b_eq = None if a_eq is None else np.zeros(a_eq.shape[0])
    res = scipy.optimize.linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
    )
    if res.status == 0:
        return res.x, True, 1
    rows = a_ub.shape[0]
    soft = sps.hstack([a_ub, -sps.identity(rows, format="csr")]).tocsr()
    soft_cost = np.concatenate([cost * 1e-6, np.ones(rows)])
    soft_eq = None if a_eq is None else sps.hstack([a_eq, sps.csr_matrix((a_eq.shape[0], rows))]).tocsr()
    res2 = scipy.optimize.linprog(
        soft_cost,
        A_ub=soft,
        b_ub=b_ub,
        A_eq=soft_eq,
        b_eq=b_eq,
        bounds=bounds + [(0, None)] * rows,
        method="highs",
    )
    x = res2.x[:n_vars] if res2.status == 0 else np.zeros(n_vars)
    return x, False, 2


def _lp_joint(p: _Problem, curvature: Array | None) -> tuple[bool, Array, Array, int, str]:
    """The weak condition z_{y_i}(x_i) - z_j(x_i) >= 1 for every sample i and class j != y_i, jointly."""
    n, r = p.q.shape
    nb = 1 if p.bias else 0
    unit = 2 * r + nb
    c = p.classes
    others = np.array([[j for j in range(c) if j != yi] for yi in p.y])  # (N, C-1)
    sample = np.repeat(np.arange(n), c - 1)
    other = others.ravel()
    own = p.y[sample]
    row_ids = np.arange(sample.size)
    block = _unit_block(p.q[sample], np.ones(sample.size), r, p.bias)  # coefficients of z(x_i)
    cols = np.arange(unit)
    data = np.concatenate([-block, block], axis=0).ravel()
    row_idx = np.concatenate([np.repeat(row_ids, unit), np.repeat(row_ids, unit)])
    col_idx = np.concatenate([(own[:, None] * unit + cols).ravel(), (other[:, None] * unit + cols).ravel()])
    n_vars = c * unit
    a_ub = sps.csr_matrix((data, (row_idx, col_idx)), shape=(sample.size, n_vars))
    b_ub = -np.full(sample.size, p.margin)
    if curvature is not None:
        extra_rows, extra_rhs, n_aux_total = [], [], 0
        for v in range(c):
            sign = np.where(p.y[p.reps] == v, -1.0, 1.0)
            ext, ext_rhs, n_aux = _definiteness_rows(curvature, sign, r, nb, v * unit, n_vars + n_aux_total)
            extra_rows.append(ext)
            extra_rhs.append(ext_rhs)
            n_aux_total += n_aux
        total = n_vars + n_aux_total
        padded = [sps.hstack([e, sps.csr_matrix((e.shape[0], total - e.shape[1]))]) for e in extra_rows]
        a_ub = sps.vstack([sps.hstack([a_ub, sps.csr_matrix((a_ub.shape[0], n_aux_total))])] + padded)
        b_ub = np.concatenate([b_ub, *extra_rhs])
        n_vars = total
    cost = np.zeros(n_vars)
    for v in range(c):
        cost[v * unit : v * unit + 2 * r] = 1.0
    free = [v * unit + 2 * r for v in range(c)] if nb else []
    # Only differences z_y - z_j are constrained; sum_v z_v = 0 removes the common part (for two
    # classes: unit 2 mirrors unit 1) instead of leaving one unit constant. With curvature rows the
    # common part of alpha is not free (it shifts every unit's Hessian), so there only the biases sum to 0.
    tied = r if curvature is None else 0
    a_eq = np.zeros((tied + nb, n_vars))
    for v in range(c):
        a_eq[:tied, v * unit : v * unit + r] = np.eye(r)[:tied]
        a_eq[:tied, v * unit + r : v * unit + 2 * r] = -np.eye(r)[:tied]
        if nb:
            a_eq[tied, v * unit + 2 * r] = 1.0
    x, ok, calls = _solve(cost, a_ub.tocsr(), b_ub, n_vars, free, a_eq=sps.csr_matrix(a_eq))
    alpha = np.array([x[v * unit : v * unit + r] - x[v * unit + r : v * unit + 2 * r] for v in range(c)])
    bias = np.array([x[v * unit + 2 * r] if nb else 0.0 for v in range(c)])
    if ok:
        # R6: scale so the smallest ordering margin spans the logit gap between UB - eps and LB + eps.
        z = p.q @ alpha.T + bias
        rest = np.where(np.eye(c, dtype=bool)[p.y], -np.inf, z).max(axis=1)
        smallest = float((z[np.arange(n), p.y] - rest).min())
        spread = p.t_hi[0] - p.t_lo[1]
        if smallest > 0 and math.isfinite(spread):
            alpha, bias = alpha * (spread / smallest), bias * (spread / smallest)
        if nb:
            # Adding one constant to every z_v keeps the order; centre it so that F_y > 1/2 > F_j
            # where possible instead of leaving every output saturated at the same end.
            z = p.q @ alpha.T + bias
            rest = np.where(np.eye(c, dtype=bool)[p.y], -np.inf, z).max(axis=1)
            bias = bias - float(np.median((z[np.arange(n), p.y] + rest) / 2))
    return ok, alpha, bias, calls, "weak condition feasible" if ok else "weak condition infeasible"


# ------------------------------------------------------------------------------------------- lstsq
def logit_targets(y: Array, classes: int, t_hi: float, t_lo: float) -> Array:
    """Targets in logit space: ``t_hi`` for a sample's own class, ``t_lo`` otherwise (+-10 for UB = 1, LB = 0
    without an eps)."""
    hi = t_hi if math.isfinite(t_hi) else 10.0
    lo = t_lo if math.isfinite(t_lo) else -10.0
    return np.where(np.eye(classes, dtype=bool)[y], hi, lo)


def ridge_readout(design: Array, targets: Array, ridge: float, dim: int, bias: bool) -> tuple[Array, Array]:
    """Ridge least squares ``design @ coef.T + b ~ targets`` with an unpenalised intercept.

    The penalty is ``ridge`` times the squared norm of ``design`` per free direction (``dim``); the dual
    form is used when there are fewer rows than columns. Returns (coef (C, p), b (C,)).

    Examples
    --------
    >>> x, t = np.array([[0.0], [1.0], [2.0]]), np.array([[1.0], [3.0], [5.0]])
    >>> coef, b = ridge_readout(x, t, 0.0, 1, True)
    >>> np.round(coef, 6).tolist(), np.round(b, 6).tolist()
    ([[2.0]], [1.0])
    """
    # The penalty scale uses the raw (uncentred) columns, as an ELM readout's usually does.
    lam = ridge * max(float(np.einsum("ij,ij->", design, design)) / max(dim, 1), 1e-12)
    if bias:
        mean_x, mean_t = design.mean(axis=0), targets.mean(axis=0)
        design, targets = design - mean_x, targets - mean_t
    n, cols = design.shape
    if n < cols:
        dual = np.linalg.solve(design @ design.T + lam * np.eye(n), targets)
        coef = design.T @ dual
    else:
        coef = np.linalg.solve(design.T @ design + lam * np.eye(cols), design.T @ targets)
    b = mean_t - mean_x @ coef if bias else np.zeros(targets.shape[1])
    return coef.T, b


def _lstsq(p: _Problem, ridge: float) -> tuple[bool, Array, Array, str]:
    targets = logit_targets(p.y, p.classes, p.t_hi[0], p.t_lo[1])
    alpha, bias = ridge_readout(p.q, targets, ridge, p.q.shape[1], p.bias)
    return True, alpha, bias, "ridge least squares towards the logit targets"
