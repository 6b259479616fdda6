"""Every critical point of a network output unit (or a smooth expression) in a box.

Numeric path: many starts (a grid or a scrambled Sobol set) advance together by damped
Newton on the gradient (:mod:`eisym._numeric`); the survivors are clustered, each cluster is
polished at high precision (:mod:`eisym._highprec`) and only points where that polishing
converges are reported, classified by the Hessian's signature with "degenerate" whenever
the precision cannot exclude a zero eigenvalue.

Exact path (small polynomials): grad f = 0 is solved exactly; the real solutions in the
box come out as algebraic numbers and are classified by Descartes' rule of signs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from tqdm import tqdm  # type: ignore[import-untyped]

from ._errors import ExpressionError, SpecError
from ._expr import SMOOTH_FUNCTIONS, ParsedExpression, parse_expression
from ._highprec import network_evaluator, polish
from ._network import Network, network_outputs
from ._numeric import cluster, evaluate, newton_batch, numeric_network
from ._signature import POINT_TYPES, numeric_signature, signature_type

__all__ = ["CriticalPoint", "CriticalPointSearch", "critical_points", "parse_box"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CriticalPoint:
    """One critical point.

    Attributes
    ----------
    x : tuple of float
    x_high : tuple of str
        The coordinates to ``dps`` significant digits.
    exact : tuple of sympy numbers
        Exact algebraic coordinates (exact path only, else empty).
    value : float
    value_high : str
    gradient_norm : float
        |grad f| at ``x_high`` evaluated at ``dps`` digits (0.0 on the exact path).
    hessian : tuple of tuples of float
    signature : (n_plus, n_minus, n_zero)
    type : {"minimum", "maximum", "saddle", "degenerate"}
    """

    x: tuple[float, ...]
    x_high: tuple[str, ...]
    exact: tuple[sp.Expr, ...] = ()
    value: float
    value_high: str
    gradient_norm: float
    hessian: tuple[tuple[float, ...], ...]
    signature: tuple[int, int, int]
    type: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {
            "x": list(self.x),
            "type": self.type,
            "value": self.value,
            "gradient_norm": self.gradient_norm,
            "signature": list(self.signature),
            "hessian": [list(r) for r in self.hessian],
            "x_high": list(self.x_high),
            "value_high": self.value_high,
        }
        if self.exact:
            out["exact"] = [str(c) for c in self.exact]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CriticalPointSearch:
    """The outcome of :func:`critical_points`.

    ``starts`` is the number of Newton starts used, ``converged`` how many of them
    converged to a point that high-precision polishing confirmed (both 0 on the exact
    path), ``polished`` how many clustered candidates were polished.
    """

    points: tuple[CriticalPoint, ...]
    variables: tuple[str, ...]
    box: tuple[tuple[float, float], ...]
    method: str
    starts: int
    converged: int
    polished: int
    dps: int
    seconds: float

    @property
    def counts(self) -> dict[str, int]:
        """Number of points of each type, in the order minimum, maximum, saddle, degenerate."""
        return {t: sum(1 for p in self.points if p.type == t) for t in POINT_TYPES}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "variables": list(self.variables),
            "box": [list(b) for b in self.box],
            "method": self.method,
            "starts": self.starts,
            "converged": self.converged,
            "polished": self.polished,
            "dps": self.dps,
            "counts": self.counts,
            "points": [p.to_dict() for p in self.points],
        }


def parse_box(box: object, m: int) -> tuple[tuple[Fraction, Fraction], ...]:
    """Exact bounds per axis from ``(lo, hi)`` for every axis, or one pair per axis.

    Text ``"-4,4"`` or ``"-3,3:-2,2"`` is accepted too.

    Examples
    --------
    >>> parse_box("-3,3:-2,2", 2)
    ((Fraction(-3, 1), Fraction(3, 1)), (Fraction(-2, 1), Fraction(2, 1)))
    >>> parse_box((-1, 0.5), 2)[1]
    (Fraction(-1, 1), Fraction(1, 2))
    """
    if isinstance(box, str):
        box = [tuple(part.split(",")) for part in box.split(":")]
        if len(box) == 1:
            box = box[0]
    if not isinstance(box, Sequence) or len(box) == 0:
        raise SpecError(f"box: expected (lo, hi) or one (lo, hi) per axis, got {box!r}")
    one_interval = not isinstance(box[0], Sequence | np.ndarray) or isinstance(box[0], str)
    pairs = [box] * m if one_interval else box
    if len(pairs) != m:
        raise SpecError(f"box has {len(pairs)} intervals but the function has {m} variables")
    out = []
    for axis, pair in enumerate(pairs, start=1):
        if isinstance(pair, str) or not isinstance(pair, Sequence | np.ndarray) or len(pair) != 2:
            raise SpecError(f"box axis {axis}: expected an interval (lo, hi), got {pair!r}")
        lo, hi = (_bound(v, axis) for v in pair)
        if not lo < hi:
            raise SpecError(f"box axis {axis}: the interval ({lo}, {hi}) is empty or inverted; need lo < hi")
        out.append((lo, hi))
    return tuple(out)


def _bound(value: object, axis: int) -> Fraction:
    if isinstance(value, bool):
        raise SpecError(f"box axis {axis}: expected a number, got {value!r}")
    try:
        if isinstance(value, sp.Basic):
            value = Fraction(str(sp.Rational(value))) if value.is_Rational else float(value)
        if isinstance(value, str):
            value = value.strip()
            value = float(value) if value.lower() in ("nan", "inf", "-inf", "+inf") else value
        if isinstance(value, float | np.floating) and not math.isfinite(value):
            raise ValueError
        return Fraction(value)  # type: ignore[arg-type,call-overload]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise SpecError(f"box axis {axis}: bounds must be finite numbers, got {value!r}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Target:
    variables: tuple[sp.Symbol, ...]
    batch: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
    high: Callable[[int], Callable[[list], tuple]]
    expr: Callable[[], sp.Expr]


def _target(f: object, output: int, variables: Sequence[object] | None) -> _Target:
    if isinstance(f, Network):
        net = f
        nn = numeric_network(net)
        evaluate(nn, np.zeros((1, net.m)), output)  # checks output before any work
        return _Target(
            variables=net.inputs,
            batch=lambda x: evaluate(nn, x, output),
            high=lambda dps: network_evaluator(net, output, dps),
            expr=lambda: network_outputs(net)[output - 1],
        )
    if isinstance(f, str):
        f = parse_expression(f, None if variables is None else [str(v) for v in variables])
    if isinstance(f, ParsedExpression):
        expr, syms = f.expr, f.variables
    elif isinstance(f, sp.Expr):
        expr = f
        syms = tuple(sorted(expr.free_symbols, key=sp.default_sort_key))
        if variables is not None:
            by_name = {str(s): s for s in syms}
            syms = tuple(
                v if isinstance(v, sp.Symbol) else by_name.get(str(v), sp.Symbol(str(v))) for v in variables
            )
    else:
        raise SpecError(
            f"critical_points needs a Network, a sympy expression or text, got {type(f).__name__}"
        )
    if output != 1:
        raise SpecError("output= applies to networks only; an expression has one output")
    return _expression_target(expr, syms)


def _expression_target(expr: sp.Expr, syms: tuple[sp.Symbol, ...]) -> _Target:
    if not syms:
        raise ExpressionError(f"expression {expr} has no variables: every point is critical")
    extra = expr.free_symbols - set(syms)
    if extra:
        raise ExpressionError(f"expression has symbols {sorted(map(str, extra))} that are not variables")
    for fn in sorted(expr.atoms(sp.Function), key=sp.default_sort_key):
        if not isinstance(fn, SMOOTH_FUNCTIONS):
            raise ExpressionError(
                f"{fn.func} is not smooth or not supported; critical points need a smooth function "
                "built from arithmetic, exp, log, tanh, sin, cos and sqrt"
            )
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"expression {expr} is not finite")
    m = len(syms)
    grad = [sp.diff(expr, s) for s in syms]
    hess = [sp.diff(grad[i], syms[j]) for i in range(m) for j in range(i, m)]
    parts = [expr, *grad, *hess]
    numeric = sp.lambdify(syms, parts, modules="numpy", cse=True)
    upper = [(i, j) for i in range(m) for j in range(i, m)]

    def batch(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = x.shape[0]
        with np.errstate(all="ignore"):
            out = [np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in numeric(*x.T)]
        h = np.empty((n, m, m))
        for k, (i, j) in enumerate(upper):
            h[:, i, j] = h[:, j, i] = out[1 + m + k]
        return out[0], np.stack(out[1 : 1 + m], axis=1), h

    def high(dps: int) -> Callable[[list], tuple]:
        fn = sp.lambdify(syms, parts, modules="mpmath", cse=True)

        def evaluate_high(x: list) -> tuple:
            out = fn(*x)
            h = [[None] * m for _ in range(m)]
            for k, (i, j) in enumerate(upper):
                h[i][j] = h[j][i] = out[1 + m + k]
            return out[0], list(out[1 : 1 + m]), h

        return evaluate_high

    return _Target(variables=syms, batch=batch, high=high, expr=lambda: expr)


def _starts(box: np.ndarray, starts: int, sampling: str, seed: object) -> np.ndarray:
    m = box.shape[0]
    lo, hi = box[:, 0], box[:, 1]
    if sampling == "grid":
        k = max(2, round(starts ** (1 / m)))
        axes = [np.linspace(a, b, k) for a, b in zip(lo, hi, strict=True)]
        return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    if sampling == "sobol":
        from scipy.stats import qmc

        sobol = qmc.Sobol(d=m, scramble=True, seed=np.random.default_rng(seed))  # type: ignore[arg-type]
        return qmc.scale(sobol.random_base2(max(1, math.ceil(math.log2(starts)))), lo, hi)
    raise SpecError(f"sampling must be 'grid' or 'sobol', got {sampling!r}")


def critical_points(
    f: Network | sp.Expr | str | ParsedExpression,
    box: object,
    *,
    starts: int = 900,
    sampling: str = "grid",
    dps: int = 50,
    seed: int | np.random.Generator | None = 0,
    output: int = 1,
    method: str = "numeric",
    variables: Sequence[object] | None = None,
    progress: bool | None = None,
) -> CriticalPointSearch:
    """Find and classify the critical points of ``f`` in ``box``.

    Parameters
    ----------
    f : Network, sympy expression, str or ParsedExpression
        A network with numeric weights (its output unit ``output``), or a smooth expression
        in m variables; text is read with :func:`eisym.parse_expression` (never evaluated).
    box : (lo, hi) or sequence of (lo, hi)
        One interval for every axis or one per axis (closed).
    starts : int
        Number of Newton starts (a grid uses round(starts^(1/m)) points per axis; Sobol the
        next power of two).
    sampling : {"grid", "sobol"}
    dps : int
        Decimal digits for polishing and classification.
    seed : int, Generator or None
        Scrambling seed of the Sobol starts.
    output : int
        Output unit of a network (1-based).
    method : {"numeric", "exact"}
        ``"exact"`` solves grad f = 0 exactly for polynomial f with rational coefficients
        (polynomial activations and exact weights for a network).
    variables : sequence, optional
        Variable order for an expression (default: sorted by name).
    progress : bool or None
        Progress bar over the polishing; ``None`` shows it only on a terminal and only when
        it runs for more than a second.

    Notes
    -----
    Points are isolated critical points or, where the critical set is a curve or surface
    (e.g. x^2 y^2 + x^6 vanishes to first order on the line x = 0), only the points on it
    that Newton reached, all degenerate; the exact path refuses such cases.

    Examples
    --------
    >>> res = critical_points("x**3 - 3*x + y**2", (-3, 3))
    >>> [(p.x, p.type) for p in res.points]
    [((-1.0, 0.0), 'saddle'), ((1.0, 0.0), 'minimum')]
    >>> critical_points("x**3 - 3*x + y**2", (-3, 3), method="exact").points[0].exact
    (-1, 0)
    """
    begin = time.perf_counter()
    if not isinstance(dps, int) or isinstance(dps, bool) or not 15 <= dps <= 10_000:
        raise SpecError(f"dps must be an integer between 15 and 10000, got {dps!r}")
    if not isinstance(starts, int) or isinstance(starts, bool) or starts < 1:
        raise SpecError(f"starts must be a positive integer, got {starts!r}")
    target = _target(f, output, variables)
    m = len(target.variables)
    bounds = parse_box(box, m)
    names = tuple(str(v) for v in target.variables)
    fbox = tuple((float(a), float(b)) for a, b in bounds)
    if method == "exact":
        from ._critical_exact import exact_critical_points

        points = exact_critical_points(target.expr(), target.variables, bounds, dps)
        return CriticalPointSearch(
            points=points,
            variables=names,
            box=fbox,
            method="exact",
            starts=0,
            converged=0,
            polished=0,
            dps=dps,
            seconds=time.perf_counter() - begin,
        )
    if method != "numeric":
        raise SpecError(f"method must be 'numeric' or 'exact', got {method!r}")
    arr = np.array(fbox)
    lo, hi = arr[:, 0], arr[:, 1]
    x0 = _starts(arr, starts, sampling, seed)
    run = newton_batch(target.batch, x0, lo, hi)
    size = float(np.linalg.norm(hi - lo))
    candidates = run.x[run.converged]
    rep_index, labels = cluster(candidates, 1e-6 * size)
    reps = candidates[rep_index]
    confirmed = np.zeros(len(reps), dtype=bool)
    high = target.high(dps)
    found: list[tuple[tuple[Fraction, ...], CriticalPoint]] = []
    # disable=None: tqdm shows the bar only on a terminal; delay hides searches under a second.
    bar = tqdm(
        total=len(reps),
        desc="polishing",
        unit="pt",
        leave=False,
        disable=None if progress is None else not progress,
        delay=1.0 if progress is None else 0,
    )
    with bar:
        for k, x in enumerate(reps):
            res = polish(high, [float(v) for v in x], lo.tolist(), hi.tolist(), dps=dps)
            bar.update()
            if not res.converged:
                continue
            exact_x = tuple(Fraction(v) for v in res.x)
            if not all(a <= v <= b for v, (a, b) in zip(exact_x, bounds, strict=True)):
                continue
            confirmed[k] = True
            found.append((exact_x, _numeric_point(res)))
    points = _dedupe(found, Fraction(size) * Fraction(10) ** (-(dps // 4)))
    return CriticalPointSearch(
        points=points,
        variables=names,
        box=fbox,
        method="numeric",
        starts=len(x0),
        converged=int(confirmed[labels].sum()),
        polished=len(reps),
        dps=dps,
        seconds=time.perf_counter() - begin,
    )


def _numeric_point(res: Any) -> CriticalPoint:
    sig = numeric_signature(res.eigenvalues, res.tolerance)
    return CriticalPoint(
        x=tuple(float(v) for v in res.x),
        x_high=res.x,
        value=float(res.value),
        value_high=res.value,
        gradient_norm=float(res.gradient_norm),
        hessian=tuple(tuple(float(v) for v in row) for row in res.hessian),
        signature=sig,
        type=signature_type(sig),
    )


def _dedupe(
    found: list[tuple[tuple[Fraction, ...], CriticalPoint]], tol: Fraction
) -> tuple[CriticalPoint, ...]:
    kept: list[tuple[tuple[Fraction, ...], CriticalPoint]] = []
    for x, point in sorted(found, key=lambda item: (item[1].gradient_norm, item[0])):
        if any(max(abs(a - b) for a, b in zip(x, y, strict=True)) <= tol for y, _ in kept):
            continue
        kept.append((x, point))
    return tuple(p for _, p in sorted(kept, key=lambda item: item[0]))
