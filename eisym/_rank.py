"""Rank, nullity and kernel basis of a stationarity system, and the check of the paper's claim.

Exact whenever the entries allow it: integers, rationals, and polynomials or rational functions in
plain symbols over them go through sympy's DomainMatrix over the fraction field (for symbolic entries
this is the generic rank, the rank for all but a measure-zero set of values of the symbols).
Anything else (values of exp, tanh, ..., or floats) falls back to an SVD at high precision
(:func:`eisym._highprec.svd_rank`) at a random rational generic point for any free symbols;
that path reports its singular values and the gap that decided the rank, and says so when no gap is
decisive instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from ._errors import SpecError
from ._highprec import svd_rank
from ._stationarity import StationaritySystem, stationarity_system

__all__ = ["RankAnalysis", "rank_analysis", "PaperCheck", "paper_check"]

_METHODS = ("auto", "exact", "numeric")


@dataclass(frozen=True, slots=True, kw_only=True)
class RankAnalysis:
    """Rank, nullity and a kernel basis of a homogeneous system A w = 0.

    Attributes
    ----------
    rows, columns : int
        The shape of A (equations x unknowns).
    rank, nullity : int or None
        None only when ``method == "numeric"`` and no singular-value gap was decisive.
    kernel_basis : tuple of tuples
        Basis vectors b_1, ..., b_nullity of the kernel (each of length ``columns``): the general
        solution is w = sum_i alpha_i b_i. Exact (rational numbers or rational functions) for
        ``method == "exact"``; orthonormal sympy Floats for ``"numeric"``.
    method : str
        ``"exact"`` (DomainMatrix over the fraction field) or ``"numeric"`` (mpmath SVD).
    domain : str
        The DomainMatrix domain the entries live in, e.g. ``"QQ"``, ``"ZZ[x_{1}]"`` or ``"RR"``.
    singular_values : tuple of str
        Numeric path only: all singular values, largest first, as decimal strings.
    gap : str or None
        Numeric path only: s_r / s_{r+1} at the decided rank r (``"inf"`` for an exact zero; None at
        full rank); when undecided, the largest neighbouring ratio, which was not decisive.
    decisive : bool
        False when the numeric path could not separate zero from nonzero singular values.
    dps : int or None
        Working precision of the numeric path (None for exact).
    generic_point : tuple of (Symbol, Rational)
        Numeric path only: the values substituted for free symbols.
    """

    rows: int
    columns: int
    rank: int | None
    nullity: int | None
    kernel_basis: tuple[tuple[sp.Expr, ...], ...]
    method: str
    domain: str
    singular_values: tuple[str, ...] = ()
    gap: str | None = None
    decisive: bool = True
    dps: int | None = None
    generic_point: tuple[tuple[sp.Symbol, sp.Rational], ...] = ()

    @property
    def basis(self) -> sp.ImmutableMatrix:
        """The kernel basis as the columns of a ``columns x nullity`` matrix B (w = B alpha)."""
        if not self.kernel_basis:
            return sp.ImmutableMatrix.zeros(self.columns, 0)
        return sp.ImmutableMatrix([list(v) for v in self.kernel_basis]).T


def _is_exact_domain(domain: object) -> bool:
    """ZZ, QQ, or polynomials / fractions over them whose generators are plain symbols."""
    if domain.is_ZZ or domain.is_QQ:  # type: ignore[attr-defined]
        return True
    if domain.is_PolynomialRing or domain.is_FractionField:  # type: ignore[attr-defined]
        ground = domain.domain  # type: ignore[attr-defined]
        gens = domain.symbols  # type: ignore[attr-defined]
        return (ground.is_ZZ or ground.is_QQ) and all(isinstance(g, sp.Symbol) for g in gens)
    return False


def _generic_point(symbols: tuple[sp.Symbol, ...], seed: int) -> tuple[tuple[sp.Symbol, sp.Rational], ...]:
    """Random rationals p/q (q in 7..63, |p/q| < 2, p != 0): generic with probability one."""
    rng = np.random.default_rng(seed)
    point = []
    for s in symbols:
        q = int(rng.integers(7, 64))
        p = 0
        while p == 0:
            p = int(rng.integers(-2 * q + 1, 2 * q))
        point.append((s, sp.Rational(p, q)))
    return tuple(point)


def _exact(matrix: sp.MatrixBase, dm: object) -> RankAnalysis:
    field = dm.to_field()  # type: ignore[attr-defined]
    rank = field.rank()
    kernel = field.nullspace().to_Matrix() if rank < matrix.cols else sp.zeros(0, matrix.cols)
    return RankAnalysis(
        rows=matrix.rows,
        columns=matrix.cols,
        rank=rank,
        nullity=matrix.cols - rank,
        kernel_basis=tuple(tuple(kernel.row(i)) for i in range(kernel.rows)),
        method="exact",
        domain=str(dm.domain),  # type: ignore[attr-defined]
    )


def _numeric(
    rows: list[list[sp.Expr]], domain: str, dps: int, point: tuple[tuple[sp.Symbol, sp.Rational], ...]
) -> RankAnalysis:
    text = []
    for i, row in enumerate(rows, start=1):
        for j, entry in enumerate(row, start=1):
            if not entry.is_number or entry.has(sp.I, sp.nan, sp.zoo, sp.oo, -sp.oo):
                raise SpecError(
                    f"entry ({i}, {j}) of the matrix evaluates to {entry}, not a finite real number"
                )
        text.append([str(e) for e in row])
    svd = svd_rank(text, dps)
    rank, columns = svd.rank, len(rows[0])
    return RankAnalysis(
        rows=len(rows),
        columns=columns,
        rank=rank,
        nullity=None if rank is None else columns - rank,
        kernel_basis=tuple(tuple(sp.Float(e, dps) for e in v) for v in svd.kernel_basis),
        method="numeric",
        domain=domain,
        singular_values=svd.singular_values,
        gap=svd.gap,
        decisive=svd.decisive,
        dps=dps,
        generic_point=point,
    )


def _matrix_rows(matrix: sp.MatrixBase, dps: int, seed: int) -> tuple[list[list[sp.Expr]], tuple]:
    point = _generic_point(tuple(sorted(matrix.free_symbols, key=sp.default_sort_key)), seed)
    values = dict(point)
    rows = [
        [sp.sympify(matrix[i, j]).xreplace(values).evalf(dps + 10) for j in range(matrix.cols)]
        for i in range(matrix.rows)
    ]
    return rows, point


def _system_rows(system: StationaritySystem, dps: int, seed: int) -> tuple[list[list[sp.Expr]], tuple]:
    """The system's matrix at a generic point, re-derived on Floats of ``dps + 10`` digits.

    Re-deriving layer by layer keeps the cost linear in depth; evaluating the composed entries
    would walk trees that grow exponentially with depth.
    """
    net = system.network
    symbols = [s for s in net.free_symbols if not (system.frozen == "" and s in system.unknowns)]
    if not system.samples:
        symbols.extend(net.inputs)
    point = _generic_point(tuple(symbols), seed)
    # The paper form's unknowns do not enter its matrix; any value will do.
    values = {s: sp.S.One for s in net.free_symbols} | dict(point)

    def lift(e: sp.Expr) -> sp.Expr:
        return sp.Float(e.xreplace(values), dps + 10)

    lifted = replace(
        net,
        weights=tuple(w.applyfunc(lift) for w in net.weights),
        biases=tuple(b.applyfunc(lift) for b in net.biases),
    )
    samples = system.samples or (tuple(values[x] for x in net.inputs),)
    points = [[lift(c) for c in x] for x in samples]
    matrix = stationarity_system(lifted, system.output, layer=system.layer, samples=points).matrix
    return [list(matrix.row(i)) for i in range(matrix.rows)], point


def _system_is_exact(system: StationaritySystem) -> bool:
    net = system.network
    if any(a.name not in ("polynomial", "identity") for a in net.spec.activations):
        return False
    return not any(p.has(sp.Float) for p in net.parameters) and not any(
        c.has(sp.Float) for x in system.samples for c in x
    )


def _has_transcendental(matrix: sp.MatrixBase) -> bool:
    """Entries with function values, constants such as E or radicals (cheap to check, costly to convert)."""
    for atom in sp.Matrix(matrix).atoms(sp.Function, sp.NumberSymbol, sp.Pow):
        if not isinstance(atom, sp.Pow) or not atom.exp.is_Integer:
            return True
    return False


def rank_analysis(
    system_or_matrix: StationaritySystem | sp.MatrixBase,
    *,
    dps: int = 50,
    seed: int = 0,
    method: str = "auto",
) -> RankAnalysis:
    """Rank, nullity and kernel basis of a stationarity system (or any matrix).

    Parameters
    ----------
    system_or_matrix : StationaritySystem or sympy Matrix
        A layered system is composed down to x first; a symbolic system without samples gets
        its generic rank over the field of its symbols. A system is exact when its activations
        are polynomial or the identity and its weights and samples have no floats.
    dps : int
        Digits of the numeric fallback (its SVD runs at ``dps``, entries are evaluated at ``dps + 10``).
    seed : int
        Seed of the random rational point substituted for free symbols on the numeric path.
    method : {"auto", "exact", "numeric"}
        ``"auto"`` is exact whenever the entries allow it; ``"numeric"`` forces the SVD (to check it
        against the exact path); ``"exact"`` raises a SpecError when the entries are not exact.

    Returns
    -------
    RankAnalysis

    Examples
    --------
    >>> a = sp.Matrix([[1, 2, 3], [2, 4, 6]])
    >>> r = rank_analysis(a)
    >>> r.rank, r.nullity, r.method, r.kernel_basis
    (1, 2, 'exact', ((-2, 1, 0), (-3, 0, 1)))
    >>> x = sp.Symbol("x")
    >>> r = rank_analysis(sp.Matrix([[sp.exp(x), 1], [1, sp.exp(-x)]]))
    >>> r.rank, r.method, r.decisive
    (1, 'numeric', True)
    """
    system = system_or_matrix if isinstance(system_or_matrix, StationaritySystem) else None
    if system is None and not isinstance(system_or_matrix, sp.MatrixBase):
        raise SpecError(
            "rank_analysis: expected a StationaritySystem or a sympy Matrix, "
            f"got {type(system_or_matrix).__name__}"
        )
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 15:
        raise SpecError(f"dps must be an integer of at least 15 digits, got {dps!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
    if method not in _METHODS:
        raise SpecError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    rows, cols = system.shape if system is not None else system_or_matrix.shape  # type: ignore[union-attr]
    if rows == 0 or cols == 0:
        eye = sp.eye(cols)
        return RankAnalysis(
            rows=rows,
            columns=cols,
            rank=0,
            nullity=cols,
            kernel_basis=tuple(tuple(eye.row(i)) for i in range(cols)),
            method="exact",
            domain="ZZ",
        )
    dm = None
    if system is None:
        matrix = system_or_matrix
        if _has_transcendental(matrix):
            domain = "EX"
        else:
            dm = sp.Matrix(matrix).to_DM()
            domain = str(dm.domain)
    elif _system_is_exact(system):
        matrix = system.composed()
        dm = sp.Matrix(matrix).to_DM()
        domain = str(dm.domain)
    else:
        polynomial = all(a.name in ("polynomial", "identity") for a in system.network.spec.activations)
        domain = "RR" if polynomial else "EX"
    exact = dm is not None and _is_exact_domain(dm.domain)
    if method == "exact" and not exact:
        raise SpecError(
            f"the entries live in {domain}, which is not exact (integers, rationals, or polynomials "
            "and rational functions in symbols over them); use method='auto' or 'numeric'"
        )
    if exact and method != "numeric":
        return _exact(matrix, dm)
    if system is not None:
        values, point = _system_rows(system, dps, seed)
    else:
        values, point = _matrix_rows(system_or_matrix, dps, seed)
    return _numeric(values, domain, dps, point)


@dataclass(frozen=True, slots=True, kw_only=True)
class PaperCheck:
    """The paper's statement about L(n, v) checked against a rank analysis (PAPER.md section 3, R3).

    Attributes
    ----------
    l_prev, m, samples : int
        Unknowns (l_{n-1} for L(n, v)), input dimension and number of stacked samples N
        (1 for a symbolic system).
    condition : bool
        l_prev > m, the paper's hypothesis for infinitely many solutions.
    infinitely_many : bool or None
        nullity > 0 (None when the rank was undecided).
    bound : int
        l_prev - N m, the lower bound on the nullity.
    bound_holds : bool or None
        nullity >= bound.
    generic_rank : int
        min(N m, l_prev), the rank at generic points.
    at_generic_rank : bool or None
        rank == generic_rank.
    verdict : str
        One sentence in words.
    """

    l_prev: int
    m: int
    samples: int
    condition: bool
    infinitely_many: bool | None
    bound: int
    bound_holds: bool | None
    generic_rank: int
    at_generic_rank: bool | None
    verdict: str


def paper_check(system: StationaritySystem, analysis: RankAnalysis) -> PaperCheck:
    """Compare a system's rank analysis with the paper's claims.

    Examples
    --------
    >>> from eisym import build_network, stationarity_system
    >>> net = build_network("1,2,1", "polynomial:0,1,1", weights=[[[1], [2]], "symbolic"])
    >>> system = stationarity_system(net, samples=[[0]])
    >>> check = paper_check(system, rank_analysis(system))
    >>> check.condition, check.infinitely_many, check.bound, check.at_generic_rank
    (True, True, 1, True)
    """
    if not isinstance(system, StationaritySystem):
        raise SpecError(f"paper_check: expected a StationaritySystem, got {type(system).__name__}")
    if analysis.columns != len(system.unknowns):
        raise SpecError(
            f"paper_check: the analysis has {analysis.columns} columns but the system has "
            f"{len(system.unknowns)} unknowns; analyse this system"
        )
    m = system.network.m
    n_samples = len(system.samples) or 1
    l_prev = len(system.unknowns)
    bound = l_prev - n_samples * m
    generic = min(n_samples * m, l_prev)
    condition = l_prev > m
    if analysis.rank is None or analysis.nullity is None:
        return PaperCheck(
            l_prev=l_prev,
            m=m,
            samples=n_samples,
            condition=condition,
            infinitely_many=None,
            bound=bound,
            bound_holds=None,
            generic_rank=generic,
            at_generic_rank=None,
            verdict="Undecided: no singular-value gap was decisive at this precision; raise dps.",
        )
    many = analysis.nullity > 0
    holds = analysis.nullity >= bound
    at_generic = analysis.rank == generic
    what = f"a {analysis.nullity}-dimensional space of solutions" if many else "only the solution w = 0"
    how = (
        f"rank {analysis.rank} equals the generic rank min(N m, l) = {generic}"
        if at_generic
        else f"rank {analysis.rank} is below the generic rank min(N m, l) = {generic} "
        "(non-generic points, weights or a narrower earlier layer)"
    )
    verdict = (
        f"With l = {l_prev} unknowns, m = {m} and N = {n_samples} sample(s) the system has {what}"
        f" (nullity {analysis.nullity} >= l - N m = {bound}: {'holds' if holds else 'FAILS'}); {how}"
        f"{'' if condition else '; the paper hypothesis l > m does not hold here'}."
    )
    return PaperCheck(
        l_prev=l_prev,
        m=m,
        samples=n_samples,
        condition=condition,
        infinitely_many=many,
        bound=bound,
        bound_holds=holds,
        generic_rank=generic,
        at_generic_rank=at_generic,
        verdict=verdict,
    )
