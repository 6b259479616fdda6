"""High-precision numerics: network evaluation, Newton polishing, Hessian eigenvalues.

The only module of eisym that imports mpmath; precision is set only through
``mpmath.workdps`` here, never globally. Evaluators take and return plain mpmath numbers
so that callers never need mpmath themselves: an evaluator maps a list of m mpf
coordinates to (value, gradient list, Hessian as a list of rows).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from ._errors import SpecError
from ._network import Network

__all__ = [
    "network_evaluator",
    "Polished",
    "polish",
    "to_decimal",
    "SvdRank",
    "svd_rank",
    "StationaryWeights",
    "stationary_weights",
]

MpEvaluator = Callable[[list], tuple]

# mpmath's working precision is process-global: two threads of one executor that each enter
# workdps would reset each other's precision mid-computation (an SVD then fails to converge).
_PRECISION_LOCK = threading.RLock()


@contextmanager
def _working_precision(dps: int) -> Iterator[None]:
    """``mpmath.workdps(dps)``, held exclusively by the calling thread."""
    with _PRECISION_LOCK, mpmath.workdps(dps):
        yield


def _mp(value: sp.Expr | Fraction):
    """An exact sympy number (or Fraction) as an mpf at the current working precision."""
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    if isinstance(value, sp.Float):
        return mpmath.mpf(value._mpf_)
    if isinstance(value, sp.Rational):
        return mpmath.mpf(value.p) / value.q
    return mpmath.mpf(sp.Float(value, mpmath.mp.dps + 5)._mpf_)


def _activation(name: str, coeffs: Sequence, z):  # type: ignore[no-untyped-def]
    """S, S', S'' at z with one exponential each and full relative accuracy of S'.

    sigma' = s * (1 - s) takes 1 - s as e^-z s, never as a difference; S'' may lose
    absolute digits near z = 0 only, where it is 0 anyway (1 - 2s).
    """
    if name == "sigmoid":
        e = mpmath.exp(-z)
        s = 1 / (1 + e)
        sm = e * s
        d1 = s * sm
        return s, d1, d1 * (sm - s)
    if name == "tanh":
        e = mpmath.exp(-2 * abs(z))
        t = (1 - e) / (1 + e) if z >= 0 else (e - 1) / (1 + e)
        d1 = 4 * e / (1 + e) ** 2
        return t, d1, -2 * t * d1
    if name == "sine":
        s = mpmath.sin(z)
        return s, mpmath.cos(z), -s
    if name == "softplus":
        s, sm = 1 / (1 + mpmath.exp(-z)), 1 / (1 + mpmath.exp(z))
        return mpmath.log1p(mpmath.exp(z)), s, s * sm
    if name == "identity":
        return z, mpmath.mpf(1), mpmath.mpf(0)
    if name == "polynomial":
        d1 = [i * c for i, c in enumerate(coeffs)][1:]
        d2 = [i * c for i, c in enumerate(d1)][1:]
        return (mpmath.polyval(list(reversed(c)), z) if c else mpmath.mpf(0) for c in (coeffs, d1, d2))
    raise SpecError(f"activation {name!r} has no high-precision form")


def network_evaluator(net: Network, output: int, dps: int) -> MpEvaluator:
    """Value, gradient and Hessian of output unit ``output`` at working precision ``dps``.

    The returned function must be called inside the same precision (``polish`` does that).

    Examples
    --------
    >>> from eisym import build_network
    >>> fn = network_evaluator(build_network("1,1", weights=[[[2]]]), 1, 30)
    >>> value, grad, hess = fn([mpmath.mpf(0)])
    >>> value, grad, hess
    (mpf('0.5'), [mpf('0.5')], [[mpf('0.0')]])
    """
    if net.free_symbols:
        raise SpecError("high-precision evaluation needs numeric weights, not symbols")
    width_out = net.widths[-1]
    if not 1 <= output <= width_out:
        raise SpecError(f"output must be between 1 and {width_out}, got {output!r}")
    m = net.m
    with _working_precision(dps):
        layers = []
        for u, act in enumerate(net.spec.activations, start=1):
            w = [[_mp(e) for e in row] for row in net.weights[u - 1].tolist()]
            b = [_mp(e) for e in net.biases[u - 1]] if net.spec.bias else None
            coeffs = [_mp(c) for c in act.coefficients]
            if u == net.depth and act.name != "softmax":
                w = w[output - 1 : output]
                b = None if b is None else b[output - 1 : output]
            layers.append((w, b, act.name, coeffs))
    pairs = [(s, t) for s in range(m) for t in range(s, m)]

    def evaluate(x: list) -> tuple:
        h = list(x)
        jac = [[mpmath.mpf(int(s == t)) for t in range(m)] for s in range(m)]
        hess: list | None = None
        for w, b, name, coeffs in layers:
            z, g, curv = [], [], []
            for v, row in enumerate(w):
                z.append(mpmath.fsum(wk * hk for wk, hk in zip(row, h, strict=True)) + (b[v] if b else 0))
                g.append([mpmath.fsum(wk * jk[t] for wk, jk in zip(row, jac, strict=True)) for t in range(m)])
                if hess is not None:
                    curv.append(
                        {
                            st: mpmath.fsum(wk * hk[st] for wk, hk in zip(row, hess, strict=True))
                            for st in pairs
                        }
                    )
            if name == "softmax":
                return _softmax(z, g, curv or None, output - 1, pairs, m)
            h, jac, hess = [], [], []
            for v, zv in enumerate(z):
                s, d1, d2 = _activation(name, coeffs, zv)
                h.append(s)
                jac.append([d1 * gt for gt in g[v]])
                hess.append(
                    {
                        (s_, t): d2 * g[v][s_] * g[v][t] + (d1 * curv[v][s_, t] if curv else 0)
                        for s_, t in pairs
                    }
                )
        return h[0], jac[0], _full(hess[0], m)  # type: ignore[index]  # depth >= 1 sets hess

    return evaluate


def _full(upper: dict, m: int) -> list:
    return [[upper[min(s, t), max(s, t)] for t in range(m)] for s in range(m)]


def _softmax(z, g, curv, v, pairs, m):  # type: ignore[no-untyped-def]
    top = max(z)
    e = [mpmath.exp(zv - top) for zv in z]
    total = mpmath.fsum(e)
    p = [ev / total for ev in e]
    gbar = [mpmath.fsum(pa * ga[t] for pa, ga in zip(p, g, strict=True)) for t in range(m)]
    resid = [g[v][t] - gbar[t] for t in range(m)]
    hess = {}
    for s, t in pairs:
        shared = (
            mpmath.fsum(
                pa * (ga[s] * ga[t] + (curv[a][s, t] if curv else 0))
                for a, (pa, ga) in enumerate(zip(p, g, strict=True))
            )
            - gbar[s] * gbar[t]
        )
        own = curv[v][s, t] if curv else 0
        hess[s, t] = p[v] * (resid[s] * resid[t] + own - shared)
    return p[v], [p[v] * r for r in resid], _full(hess, m)


@dataclass(frozen=True, slots=True, kw_only=True)
class Polished:
    """The outcome of high-precision Newton polishing from one start.

    ``x``, ``value``, ``hessian``, ``eigenvalues`` and ``tolerance`` are decimal strings with
    ``dps`` significant digits (``hessian`` a tuple of rows). ``tolerance`` bounds the error
    of the eigenvalues: an eigenvalue within it of zero cannot be told from zero.
    """

    converged: bool
    x: tuple[str, ...]
    value: str
    gradient_norm: str
    hessian: tuple[tuple[str, ...], ...]
    eigenvalues: tuple[str, ...]
    tolerance: str
    iterations: int
    dps: int


def to_decimal(value, dps: int) -> str:  # type: ignore[no-untyped-def]
    """An mpf as a decimal string with ``dps`` significant digits."""
    return mpmath.nstr(mpmath.mpf(value), dps)


def polish(
    fn: MpEvaluator,
    x0: Sequence[float | str],
    lower: Sequence[float],
    upper: Sequence[float],
    *,
    dps: int = 50,
    max_iter: int = 200,
) -> Polished:
    """Newton's method on the gradient at ``dps`` digits with the analytic Hessian.

    ``fn`` is an evaluator made for the same ``dps`` (see :func:`network_evaluator`).
    Iteration stops when the Newton step is below 10^(-dps/2) relative to the box; one more
    step then brings a regular point to full precision. Polishing fails (not converged) when
    it leaves the box by more than 10% of its size, when the gradient is not finite, or after
    ``max_iter`` steps: a sigmoid plateau whose float gradient looked like zero has Newton
    steps that never shrink, so it is never reported. Degenerate points
    converge linearly and take more steps, but they do converge.

    Examples
    --------
    >>> def fn(x):  # f = x^3/3 - x
    ...     return x[0] ** 3 / 3 - x[0], [x[0] ** 2 - 1], [[2 * x[0]]]
    >>> out = polish(fn, [0.9], [-2.0], [2.0], dps=30)
    >>> out.converged, out.x, out.eigenvalues
    (True, ('1.0',), ('2.0',))
    """
    lo = [mpmath.mpf(v) for v in lower]
    hi = [mpmath.mpf(v) for v in upper]
    m = len(lo)
    with _working_precision(dps):

        def evaluate(x: list) -> tuple | None:
            """fn(x) with mpf entries, or None outside the real domain (log or sqrt of x < 0, 1/0)."""
            try:
                value, grad, hess = fn(x)
            except (ZeroDivisionError, ValueError):
                return None
            flat = [value, *grad, *(h for row in hess for h in row)]
            if any(isinstance(v, mpmath.mpc) for v in flat) or not all(mpmath.isfinite(v) for v in flat):
                return None
            hess = [[mpmath.mpf(h) for h in row] for row in hess]
            return mpmath.mpf(value), [mpmath.mpf(g) for g in grad], hess

        size = mpmath.sqrt(mpmath.fsum((b - a) ** 2 for a, b in zip(lo, hi, strict=True)))
        margin = [(b - a) / 10 for a, b in zip(lo, hi, strict=True)]
        x = [mpmath.mpf(v) for v in x0]
        stop = size * mpmath.mpf(10) ** (-(dps // 2))
        extra = 1  # steps still to take after the stopping test first passes
        previous_hess = None
        converged = False
        iterations = 0
        lengths: list = []
        for iterations in range(1, max_iter + 1):  # noqa: B007 - reported below
            point = evaluate(x)
            if point is None:
                return _failed(x, iterations, dps)
            value, grad, hess = point
            step = _newton_step(hess, grad, m)
            length = mpmath.norm(step)
            lengths.append(length)
            step = _extrapolate(step, lengths)
            if converged:
                extra -= 1
                if extra < 0 or length == 0:
                    break
            elif length <= stop or not any(grad):
                converged = True
                if length == 0:
                    break
            previous_hess = hess
            x = [xi + si for xi, si in zip(x, step, strict=True)]
            if any(xi < a - d or xi > b + d for xi, a, b, d in zip(x, lo, hi, margin, strict=True)):
                converged = False
                break
        else:
            converged = False
        point = evaluate(x)
        if point is None:
            return _failed(x, iterations, dps)
        value, grad, hess = point
        eig = mpmath.eigsy(mpmath.matrix(hess), eigvals_only=True)
        scale = mpmath.mnorm(mpmath.matrix(hess), "F")
        change = (
            0
            if previous_hess is None
            else mpmath.mnorm(mpmath.matrix(hess) - mpmath.matrix(previous_hess), "F")
        )
        # Eigenvalues are uncertain by the Hessian's change over the last step (the point is
        # known to about that step) plus rounding at the working precision.
        tol = 10 * change + scale * mpmath.mpf(10) ** (8 - dps)
        grad_norm = mpmath.norm(mpmath.matrix(grad))
        return Polished(
            converged=converged,
            x=tuple(to_decimal(v, dps) for v in x),
            value=to_decimal(value, dps),
            gradient_norm=to_decimal(grad_norm, 20),
            hessian=tuple(tuple(to_decimal(v, dps) for v in row) for row in hess),
            eigenvalues=tuple(to_decimal(eig[i], dps) for i in range(m)),
            tolerance=to_decimal(tol, 20),
            iterations=iterations,
            dps=dps,
        )


def _failed(x: list, iterations: int, dps: int) -> Polished:
    nan = "nan"
    return Polished(
        converged=False,
        x=tuple(to_decimal(v, dps) for v in x),
        value=nan,
        gradient_norm=nan,
        hessian=(),
        eigenvalues=(),
        tolerance=nan,
        iterations=iterations,
        dps=dps,
    )


def _extrapolate(step: list, lengths: list) -> list:
    """Jump to the limit of a geometric run of Newton steps.

    At a degenerate critical point Newton converges linearly, each step c times the last
    (c = (k-1)/k for a zero of multiplicity k); when three steps show the same ratio c the
    remaining steps sum to step / (1 - c), so take that at once.
    """
    if len(lengths) < 3 or not lengths[-3] or not lengths[-2]:
        return step
    c1, c2 = lengths[-2] / lengths[-3], lengths[-1] / lengths[-2]
    if not (0.2 < c2 < 0.95 and abs(c1 - c2) < 0.02 * c2):
        return step
    lengths.clear()  # the next steps start a new run
    return [s / (1 - c2) for s in step]


def _newton_step(hess: list, grad: list, m: int) -> list:
    a = mpmath.matrix(hess)
    rhs = mpmath.matrix([-g for g in grad])
    try:
        return list(mpmath.lu_solve(a, rhs))
    except ZeroDivisionError:
        # Exactly singular Hessian (a degenerate point hit exactly): pseudo-inverse step.
        eig, vec = mpmath.eigsy(a)
        big = max(abs(eig[i]) for i in range(m))
        floor = big * mpmath.mpf(10) ** (-mpmath.mp.dps // 2)
        step = mpmath.matrix(m, 1)
        for i in range(m):
            if abs(eig[i]) > floor:
                col = vec[:, i]
                step += col * ((col.T * rhs)[0] / eig[i])
        return list(step)


@dataclass(frozen=True, slots=True, kw_only=True)
class SvdRank:
    """The numerical rank of a matrix from its singular values at ``dps`` digits.

    All numbers are decimal strings. ``rank`` is None when no gap is decisive (see
    :func:`svd_rank`); ``kernel_basis`` then is empty. ``gap`` is s_r / s_{r+1} for the decided
    rank r (``"inf"`` when s_{r+1} is exactly 0, None at full rank or for the zero matrix); when
    undecided it is the largest ratio of neighbouring singular values, which did not clear the
    thresholds.
    """

    singular_values: tuple[str, ...]
    rank: int | None
    decisive: bool
    gap: str | None
    kernel_basis: tuple[tuple[str, ...], ...]
    upper_threshold: str
    lower_threshold: str


def svd_rank(rows: Sequence[Sequence[str]], dps: int) -> SvdRank:
    """Rank and kernel of a real matrix (rows of decimal strings) by an SVD at ``dps`` digits.

    With s_1 >= s_2 >= ... the singular values, the rank is the r with
    s_r >= s_1 * 10^(-dps/2) and s_{r+1} <= s_1 * 10^(-0.8 dps) (s_{k+1} = 0 past the last one).
    Rounding at ``dps`` digits puts the singular values of a rank-r matrix past r near
    s_1 * 10^(-dps), far below the lower threshold, while a genuine singular value must clear
    the upper one; at most one r satisfies both. When a singular value lies between the
    thresholds no r does, and the rank is reported as undecided instead of guessed. The kernel
    basis is the right singular vectors of the singular values past r (orthonormal).

    Examples
    --------
    >>> out = svd_rank([["1", "2"], ["2", "4"]], 30)
    >>> out.rank, out.decisive, len(out.kernel_basis), float(out.gap) > 1e20
    (1, True, 1, True)
    >>> svd_rank([["1", "0"], ["0", "1e-20"]], 30).decisive
    False
    """
    if not rows or not rows[0]:
        raise SpecError("svd_rank needs a matrix with at least one row and one column")
    n_cols = len(rows[0])
    if any(len(r) != n_cols for r in rows):
        raise SpecError("svd_rank: every row must have the same number of entries")
    with _working_precision(dps):
        a = mpmath.matrix([[mpmath.mpf(e) for e in r] for r in rows])
        _, s, v = mpmath.svd_r(a, full_matrices=True)
        sv = [s[i] for i in range(len(s))]
        top = sv[0]
        upper = top * mpmath.mpf(10) ** (-mpmath.mpf(dps) / 2)
        lower = top * mpmath.mpf(10) ** (-mpmath.mpf(dps) * 4 / 5)
        k = len(sv)
        rank: int | None = None
        gap: str | None = None
        if top == 0:
            rank = 0
        else:
            padded = sv + [mpmath.mpf(0)]
            for r in range(1, k + 1):
                if padded[r - 1] >= upper and padded[r] <= lower:
                    rank = r
                    if r < k:
                        gap = "inf" if padded[r] == 0 else mpmath.nstr(padded[r - 1] / padded[r], 6)
                    break
            if rank is None:
                ratios = [sv[i] / sv[i + 1] for i in range(k - 1) if sv[i + 1] != 0]
                gap = mpmath.nstr(max(ratios), 6) if ratios else None
        kernel: tuple[tuple[str, ...], ...] = ()
        if rank is not None:
            kernel = tuple(
                tuple(to_decimal(v[i, j], dps) for j in range(n_cols)) for i in range(rank, n_cols)
            )
        return SvdRank(
            singular_values=tuple(to_decimal(x, dps) for x in sv),
            rank=rank,
            decisive=rank is not None,
            gap=gap,
            kernel_basis=kernel,
            upper_threshold=to_decimal(upper, 6),
            lower_threshold=to_decimal(lower, 6),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StationaryWeights:
    """All-layer weights of a bias-free sigmoid network that make prescribed points stationary.

    ``weights`` is the flat parameter vector (layer by layer, each l_u x l_{u-1} matrix row by
    row) as decimal strings with ``dps`` digits. ``residual`` is the largest |d f / d x_s| over
    the points and coordinates; ``check_gradient`` is |grad f| at a point that was not prescribed,
    so a solution with ``check_gradient`` far from zero is not a constant network.
    """

    converged: bool
    weights: tuple[str, ...]
    residual: str
    check_gradient: str
    iterations: int
    dps: int


def _sigmoid_gradient(widths: Sequence[int], flat: list, x: list) -> list:
    """grad_x of the bias-free all-sigmoid network with parameters ``flat`` at x (mpf lists)."""
    h, jac, k = list(x), [[mpmath.mpf(int(s == t)) for t in range(len(x))] for s in range(len(x))], 0
    for prev, width in zip(widths[:-1], widths[1:], strict=True):
        rows = [flat[k + v * prev : k + (v + 1) * prev] for v in range(width)]
        k += width * prev
        new_h, new_jac = [], []
        for row in rows:
            z = mpmath.fsum(w * hk for w, hk in zip(row, h, strict=True))
            e = mpmath.exp(-z)
            s = 1 / (1 + e)
            d1 = s * e * s
            new_h.append(s)
            new_jac.append(
                [d1 * mpmath.fsum(w * jk[t] for w, jk in zip(row, jac, strict=True)) for t in range(len(x))]
            )
        h, jac = new_h, new_jac
    return jac[0]


def stationary_weights(
    widths: Sequence[int],
    points: Sequence[Sequence[Fraction]],
    start: Sequence[float],
    check: Sequence[Fraction],
    *,
    dps: int = 50,
    max_iter: int = 80,
) -> StationaryWeights:
    """Solve grad_x f(x_i; W) = 0 for every point x_i in all weights W by least-norm Newton.

    The system has N m equations in P unknowns, plus one per layer that keeps the layer's
    projection on its start fixed (no layer may shrink to zero); each step is
    the minimum-norm solution of the linearised system, J^T (J J^T + mu I)^-1 r, with a
    Levenberg damping mu that shrinks after a step that lowers |r| and grows otherwise. The
    Jacobian in W is a central difference with step 10^(-dps/3) at dps + 20 digits, accurate to
    about 2 dps / 3 digits, so each step still gains that many. Converged
    means max |r| < 10^(10 - dps).

    Examples
    --------
    >>> out = stationary_weights((1, 2, 1), [[Fraction(1, 2)]], [0.3, -0.7, 1.1, 0.4], [Fraction(2)], dps=30)
    >>> out.converged, float(out.residual) < 1e-20, float(out.check_gradient) > 1e-6
    (True, True, True)
    """
    m = widths[0]
    size = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
    if len(start) != size or any(len(p) != m for p in points) or len(check) != m:
        raise SpecError(f"stationary_weights: need {size} start weights and points of length {m}")
    with _working_precision(dps + 20):
        xs = [[_mp(v) for v in p] for p in points]
        w = [mpmath.mpf(v) for v in start]
        step_h = mpmath.mpf(10) ** (-(dps // 3))
        goal = mpmath.mpf(10) ** (10 - dps)

        bounds = [0]
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            bounds.append(bounds[-1] + a * b)
        # Each layer keeps its projection on its start direction (a linear equation): otherwise
        # the iteration slides to the trivial solutions (a layer scaled to zero makes f constant).
        anchors = [
            (a, b, mpmath.fsum(v**2 for v in w[a:b])) for a, b in zip(bounds, bounds[1:], strict=False)
        ]
        start_w = list(w)

        def residual(flat: list) -> list:
            grads = [g for x in xs for g in _sigmoid_gradient(widths, flat, x)]
            layer = [
                mpmath.fsum(u * v for u, v in zip(start_w[a:b], flat[a:b], strict=True)) / n - 1
                for a, b, n in anchors
            ]
            return grads + layer

        r = residual(w)
        norm = mpmath.norm(r)
        mu, iterations = mpmath.mpf("1e-6"), 0
        for iterations in range(1, max_iter + 1):  # noqa: B007 - reported below
            if max(abs(v) for v in r) < goal:
                break
            cols = []
            for j in range(size):
                up, down = list(w), list(w)
                up[j] += step_h
                down[j] -= step_h
                cols.append(
                    [(a - b) / (2 * step_h) for a, b in zip(residual(up), residual(down), strict=True)]
                )
            jac = mpmath.matrix(cols).T
            gram = jac * jac.T
            for _ in range(30):
                damped = gram + mu * mpmath.eye(len(r))
                try:
                    step = jac.T * mpmath.lu_solve(damped, mpmath.matrix(r))
                except ZeroDivisionError:
                    mu *= 100
                    continue
                trial = [a - b for a, b in zip(w, step, strict=True)]
                r_trial = residual(trial)
                if mpmath.norm(r_trial) < norm:
                    w, r, norm = trial, r_trial, mpmath.norm(r_trial)
                    mu = max(mu / 100, mpmath.mpf(10) ** (-2 * dps))
                    break
                mu *= 10
            else:
                break
        worst = max(abs(v) for v in r)
        check_grad = mpmath.norm(_sigmoid_gradient(widths, w, [_mp(v) for v in check]))
        return StationaryWeights(
            converged=bool(worst < goal),
            weights=tuple(to_decimal(v, dps) for v in w),
            residual=to_decimal(worst, 20),
            check_gradient=to_decimal(check_grad, 20),
            iterations=iterations,
            dps=dps,
        )
