"""High-precision numerics: network evaluation, Newton polishing, Hessian eigenvalues.

The only module of eisym that imports mpmath; precision is set only through
``mpmath.workdps`` here, never globally. Evaluators take and return plain mpmath numbers
so that callers never need mpmath themselves: an evaluator maps a list of m mpf
coordinates to (value, gradient list, Hessian as a list of rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from ._errors import SpecError
from ._network import Network

__all__ = ["network_evaluator", "Polished", "polish", "to_decimal", "SvdRank", "svd_rank"]

MpEvaluator = Callable[[list], tuple]


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
    with mpmath.workdps(dps):
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
    with mpmath.workdps(dps):

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
    with mpmath.workdps(dps):
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
