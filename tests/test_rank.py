"""Rank analysis: exact against hand-built matrices and the generic-rank formula, numeric against exact."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import eisym
from eisym import PaperCheck, RankAnalysis, paper_check, rank_analysis


def _rational_points(seed: int, n: int, m: int) -> list[list[sp.Rational]]:
    rng = np.random.default_rng(seed)
    return [
        [sp.Rational(int(rng.integers(-20, 21)), int(rng.integers(3, 12))) for _ in range(m)]
        for _ in range(n)
    ]


def _assert_kernel(matrix: sp.MatrixBase, analysis: RankAnalysis) -> None:
    assert len(analysis.kernel_basis) == analysis.nullity
    b = analysis.basis
    assert b.shape == (matrix.cols, analysis.nullity)
    assert sp.simplify(sp.Matrix(matrix) * b) == sp.zeros(matrix.rows, analysis.nullity)
    if analysis.nullity:
        # The basis vectors are independent.
        assert b.to_DM().to_field().rank() == analysis.nullity


# --- exact path against hand-built matrices ---------------------------------------------------


def test_hand_built_rank_one() -> None:
    a = sp.Matrix([[1, 2, 3], [2, 4, 6], [-1, -2, -3]])
    r = rank_analysis(a)
    assert (r.rank, r.nullity, r.method, r.domain) == (1, 2, "exact", "ZZ")
    assert r.singular_values == () and r.generic_point == () and r.decisive
    _assert_kernel(a, r)


def test_hand_built_rational_full_rank_and_wide() -> None:
    a = sp.Matrix([[sp.Rational(1, 2), 0, 1, 0], [0, sp.Rational(1, 3), 0, 1], [1, 1, 2, 3]])
    r = rank_analysis(a)
    # Row 3 = 2 row 1 + 3 row 2, so rank 2; kernel spanned by (-2, 0, 1, 0) and (0, -3, 0, 1).
    assert (r.rank, r.nullity, r.domain) == (2, 2, "QQ")
    _assert_kernel(a, r)
    span = sp.Matrix([[-2, 0, 1, 0], [0, -3, 0, 1]]).T
    assert sp.Matrix.hstack(span, r.basis).rank() == 2


def test_hand_built_injective() -> None:
    a = sp.Matrix([[1, 0], [0, 1], [1, 1]])
    r = rank_analysis(a)
    assert (r.rank, r.nullity, r.kernel_basis) == (2, 0, ())
    assert r.basis.shape == (2, 0)


def test_symbolic_matrix_generic_rank() -> None:
    a, b = sp.symbols("a b")
    m = sp.Matrix([[a, b], [a**2, a * b], [1, b / a]])
    r = rank_analysis(m)
    # Every row is a multiple of (a, b): rank 1 over QQ(a, b).
    assert (r.rank, r.nullity, r.method) == (1, 1, "exact")
    assert r.domain.startswith("ZZ(") or r.domain.startswith("QQ(")
    _assert_kernel(m, r)


def test_transcendental_entries_go_numeric_even_without_symbols() -> None:
    m = sp.Matrix([[sp.exp(-1), 1], [1, sp.E]])  # rank 1: row 2 = e * row 1
    r = rank_analysis(m)
    assert (r.method, r.rank, r.decisive) == ("numeric", 1, True)
    assert r.gap is not None and sp.Float(r.gap) > sp.Float("1e30")


def test_bad_inputs() -> None:
    with pytest.raises(eisym.SpecError, match="StationaritySystem or a sympy Matrix"):
        rank_analysis([[1, 2]])  # type: ignore[arg-type]
    with pytest.raises(eisym.SpecError, match="dps"):
        rank_analysis(sp.Matrix([[1]]), dps=5)
    with pytest.raises(eisym.SpecError, match="method"):
        rank_analysis(sp.Matrix([[1]]), method="svd")
    with pytest.raises(eisym.SpecError, match="not exact"):
        rank_analysis(sp.Matrix([[sp.Float("0.5")]]), method="exact")


def test_empty_matrix() -> None:
    r = rank_analysis(sp.zeros(0, 3))
    assert (r.rank, r.nullity) == (0, 3)
    assert r.basis == sp.eye(3)


# --- networks: generic-rank formula and stationarity of kernel vectors -------------------------


@pytest.mark.parametrize(
    ("widths", "seed"), [("2,5,1", 0), ("2,6,1", 1), ("1,4,4,1", 2), ("3,8,8,1", 3), ("2,4,3,1", 4)]
)
def test_generic_rank_formula_polynomial(widths: str, seed: int) -> None:
    net = eisym.build_network(widths, "poly3", weights=f"random:{seed}:rational:4")
    m, width = net.m, net.widths[-2]
    for n_samples in (1, 2, 3):
        system = eisym.stationarity_system(net, samples=_rational_points(seed + 10 * n_samples, n_samples, m))
        r = rank_analysis(system)
        assert r.method == "exact" and r.domain in ("ZZ", "QQ")
        assert r.rank == min(n_samples * m, width)
        check = paper_check(system, r)
        assert check.at_generic_rank and check.bound_holds
        assert check.generic_rank == min(n_samples * m, width)
        assert check.infinitely_many == (width > n_samples * m)


def test_polynomial_rank_drops_when_function_space_is_small() -> None:
    # poly3 on [1, l, 1]: dh_k/dx = w_k S'(w_k x) has degree 2 in x, so rank <= 3 however many samples.
    net = eisym.build_network("1,5,1", "poly3", weights="random:5:rational:4")
    system = eisym.stationarity_system(net, samples=[[-2], [-1], [1], [2], [3]])
    r = rank_analysis(system)
    assert r.rank == 3
    check = paper_check(system, r)
    assert check.at_generic_rank is False and check.bound_holds
    assert "below the generic rank" in check.verdict


@pytest.mark.parametrize(("widths", "n_samples"), [("2,5,1", 2), ("3,8,8,1", 2), ("2,4,3,2", 1)])
def test_kernel_vectors_make_every_sample_stationary(widths: str, n_samples: int) -> None:
    net = eisym.build_network(widths, "poly2", weights="random:7:rational:4")
    points = _rational_points(3, n_samples, net.m)
    n = net.depth
    for output in range(1, net.widths[-1] + 1):
        system = eisym.stationarity_system(net, output, samples=points)
        r = rank_analysis(system)
        assert r.nullity and r.nullity >= net.widths[-2] - n_samples * net.m
        for vector in r.kernel_basis:
            assert all(e == 0 for e in system.residual(vector))
            last = [list(row) for row in net.weights[-1].tolist()]
            last[output - 1] = list(vector)
            net2 = eisym.with_layer(net, n, last)
            for x in points:
                assert eisym.derive(net2, point=x, order=1).gradient(output) == sp.zeros(1, net.m)
        # The claim is not vacuous: the original weights are not stationary at the samples.
        assert any(eisym.derive(net, point=x, order=1).gradient(output) != sp.zeros(1, net.m) for x in points)


def test_layered_symbolic_system_generic_rank() -> None:
    net = eisym.build_network("2,3,1", "poly2", weights="symbolic")
    system = eisym.stationarity_system(net)
    r = rank_analysis(system)
    assert (r.method, r.rank, r.nullity) == ("exact", 2, 1)
    _assert_kernel(system.composed(), r)
    check = paper_check(system, r)
    assert (check.samples, check.l_prev, check.m, check.condition, check.infinitely_many) == (
        1,
        3,
        2,
        True,
        True,
    )


def test_symbolic_weights_bottleneck_below_generic() -> None:
    # Identity layers through a width-1 bottleneck: J^[2] = W^[2] W^[1] has rank 1 < min(m, l) = 3.
    net = eisym.build_network("3,1,3,1", "identity", weights="symbolic")
    system = eisym.stationarity_system(net)
    r = rank_analysis(system)
    assert (r.method, r.rank) == ("exact", 1)
    check = paper_check(system, r)
    assert check.at_generic_rank is False and not check.condition


def test_symbolic_sigmoid_system_numeric_at_generic_point() -> None:
    net = eisym.build_network("2,3,1", "sigmoid", weights="symbolic")
    system = eisym.stationarity_system(net)
    r = rank_analysis(system, seed=4)
    assert (r.method, r.rank, r.nullity, r.decisive) == ("numeric", 2, 1, True)
    symbols = tuple(s for s, _ in r.generic_point)
    assert set(symbols) == system.composed().free_symbols
    assert all(isinstance(v, sp.Rational) for _, v in r.generic_point)
    # The numeric kernel vector annihilates the matrix at the generic point to the working precision.
    at_point = system.composed().xreplace(dict(r.generic_point))
    assert max(abs(e.evalf(60)) for e in at_point * r.basis) < sp.Float("1e-45")


# --- numeric path -------------------------------------------------------------------------------


def test_sigmoid_samples_decisive_gap() -> None:
    net = eisym.build_network("2,5,1", "sigmoid", weights="random:2:rational:4")
    points = [[1, 2], [sp.Rational(1, 3), -1]]
    system = eisym.stationarity_system(net, samples=points)
    r = rank_analysis(system)
    assert (r.method, r.rank, r.nullity, r.decisive, r.dps) == ("numeric", 4, 1, True, 50)
    assert len(r.singular_values) == 4 and r.gap is None  # full row rank: no zero singular value
    for vector in r.kernel_basis:
        assert max(abs(e.evalf(60)) for e in system.residual(vector)) < sp.Float("1e-45")
    assert paper_check(system, r).at_generic_rank


def test_sigmoid_duplicate_sample_is_rank_deficient_with_decisive_gap() -> None:
    net = eisym.build_network("2,5,1", "sigmoid", weights="random:2:rational:4")
    points = [[1, 2], [1, 2], [sp.Rational(1, 3), -1]]
    system = eisym.stationarity_system(net, samples=points)
    r = rank_analysis(system)
    assert (r.rank, r.nullity, r.decisive) == (4, 1, True)
    assert sp.Float(r.gap) > sp.Float("1e40")
    assert sp.Float(r.singular_values[4]) < sp.Float("1e-45") * sp.Float(r.singular_values[0])
    check = paper_check(system, r)
    assert check.samples == 3 and check.bound == -1 and check.at_generic_rank is False


def test_undecidable_gap_reports_not_decisive() -> None:
    b = sp.Matrix([[1, 2, 0], [0, 1, 3], [1, 0, 1]])
    c = sp.Matrix([[2, 0, 1], [1, 1, 0], [0, 3, 1]])
    tiny = sp.Rational(1, 10**33)  # ~10^(-dps/1.5) relative at dps = 50
    a = sp.E * b * sp.diag(1, 1, tiny) * c
    r = rank_analysis(a)
    assert (r.method, r.decisive, r.rank, r.nullity, r.kernel_basis) == ("numeric", False, None, None, ())
    assert len(r.singular_values) == 3
    # The same matrix at higher precision is decided (full rank): the failure was precision.
    assert rank_analysis(a, dps=120).rank == 3
    # And a truly singular version is decided at dps = 50.
    assert rank_analysis(sp.E * b * sp.diag(1, 1, 0) * c).rank == 2


def test_undecided_paper_check() -> None:
    net = eisym.build_network("1,2,1", "sigmoid", weights="random:0:rational")
    system = eisym.stationarity_system(net, samples=[[0]])
    undecided = RankAnalysis(
        rows=1,
        columns=2,
        rank=None,
        nullity=None,
        kernel_basis=(),
        method="numeric",
        domain="RR",
        decisive=False,
    )
    check = paper_check(system, undecided)
    assert isinstance(check, PaperCheck)
    assert check.infinitely_many is None and check.at_generic_rank is None and "Undecided" in check.verdict
    with pytest.raises(eisym.SpecError, match="columns"):
        paper_check(system, rank_analysis(sp.Matrix([[1, 2, 3]])))


def test_numeric_path_agrees_with_exact_on_networks() -> None:
    net = eisym.build_network("2,6,1", "poly3", weights="random:9:rational:4")
    for n_samples, dup in ((1, False), (2, False), (3, True)):
        points = _rational_points(n_samples, n_samples, 2)
        if dup:
            points[-1] = points[0]
        system = eisym.stationarity_system(net, samples=points)
        exact = rank_analysis(system)
        numeric = rank_analysis(system, method="numeric")
        assert numeric.decisive and numeric.rank == exact.rank


# --- property tests on small exact matrices -----------------------------------------------------

_entries = st.one_of(
    st.integers(-3, 3),
    st.fractions(min_value=-2, max_value=2, max_denominator=4),
)


@st.composite
def _matrices(draw: st.DrawFn) -> sp.Matrix:
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 4))
    # Low-rank products make rank deficiency common rather than rare.
    inner = draw(st.integers(1, 4))
    left = sp.Matrix(rows, inner, [sp.Rational(draw(_entries)) for _ in range(rows * inner)])
    right = sp.Matrix(inner, cols, [sp.Rational(draw(_entries)) for _ in range(inner * cols)])
    return left * right


@given(_matrices())
def test_property_rank_nullity_kernel(a: sp.Matrix) -> None:
    r = rank_analysis(a)
    assert r.method == "exact"
    assert r.rank + r.nullity == a.cols
    for v in r.kernel_basis:
        assert sp.Matrix(a) * sp.Matrix(v) == sp.zeros(a.rows, 1)
    assert r.rank == a.T.to_DM().to_field().rank()
    if r.nullity:
        assert r.basis.to_DM().to_field().rank() == r.nullity


@given(_matrices())
def test_property_numeric_matches_exact(a: sp.Matrix) -> None:
    exact = rank_analysis(a)
    numeric = rank_analysis(a, method="numeric", dps=30)
    assert numeric.decisive and numeric.rank == exact.rank


@pytest.mark.parametrize(
    ("widths", "activation", "layer"), [("2,4,1", "sigmoid", None), ("2,3,2,1", "tanh", 1)]
)
def test_rederived_system_matches_its_evaluated_matrix(
    widths: str, activation: str, layer: int | None
) -> None:
    # The numeric path re-derives a system on 60-digit Floats; evaluating the exact matrix must agree.
    net = eisym.build_network(widths, activation, weights="random:6:rational:4")
    system = eisym.stationarity_system(net, layer=layer, samples=_rational_points(8, 2, 2))
    ours = rank_analysis(system)
    direct = rank_analysis(system.matrix)
    assert ours.method == direct.method == "numeric" and ours.decisive and direct.decisive
    assert ours.rank == direct.rank and ours.generic_point == direct.generic_point == ()
    for a, b in zip(ours.singular_values, direct.singular_values, strict=True):
        assert abs(sp.Float(a, 50) - sp.Float(b, 50)) <= sp.Float("1e-40") * sp.Float(
            direct.singular_values[0]
        )
