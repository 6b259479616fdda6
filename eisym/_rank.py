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

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._errors import SpecError
from ._highprec import svd_rank
from ._stationarity import StationaritySystem

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


def _numeric(matrix: sp.MatrixBase, domain: str, dps: int, seed: int) -> RankAnalysis:
    symbols = tuple(sorted(matrix.free_symbols, key=sp.default_sort_key))
    point = _generic_point(symbols, seed)
    values = dict(point)
    rows = []
    for i in range(matrix.rows):
        row = []
        for j in range(matrix.cols):
            entry = sp.sympify(matrix[i, j]).xreplace(values).evalf(dps + 10)
            if not entry.is_number or entry.has(sp.I, sp.nan, sp.zoo, sp.oo, -sp.oo):
                raise SpecError(
                    f"entry ({i + 1}, {j + 1}) of the matrix evaluates to {entry}, not a finite real number"
                )
            row.append(str(entry))
        rows.append(row)
    svd = svd_rank(rows, dps)
    rank = svd.rank
    return RankAnalysis(
        rows=matrix.rows,
        columns=matrix.cols,
        rank=rank,
        nullity=None if rank is None else matrix.cols - rank,
        kernel_basis=tuple(tuple(sp.Float(e, dps) for e in v) for v in svd.kernel_basis),
        method="numeric",
        domain=domain,
        singular_values=svd.singular_values,
        gap=svd.gap,
        decisive=svd.decisive,
        dps=dps,
        generic_point=point,
    )


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
        its generic rank over the field of its symbols.
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
    >>> rank_analysis(sp.Matrix([[sp.exp(x), 1], [1, sp.exp(-x)]])).rank
    1
    """
    if isinstance(system_or_matrix, StationaritySystem):
        matrix = system_or_matrix.composed()
    elif isinstance(system_or_matrix, sp.MatrixBase):
        matrix = system_or_matrix
    else:
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
    if matrix.rows == 0 or matrix.cols == 0:
        eye = sp.eye(matrix.cols)
        return RankAnalysis(
            rows=matrix.rows,
            columns=matrix.cols,
            rank=0,
            nullity=matrix.cols,
            kernel_basis=tuple(tuple(eye.row(i)) for i in range(matrix.cols)),
            method="exact",
            domain="ZZ",
        )
    dm = sp.Matrix(matrix).to_DM()
    exact = _is_exact_domain(dm.domain)
    if method == "exact" and not exact:
        raise SpecError(
            f"the entries live in {dm.domain}, which is not exact (integers, rationals, or polynomials "
            "and rational functions in symbols over them); use method='auto' or 'numeric'"
        )
    if exact and method != "numeric":
        return _exact(matrix, dm)
    return _numeric(matrix, str(dm.domain), dps, seed)


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
