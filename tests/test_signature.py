"""Exact Hessian signatures (Descartes) against independent oracles; numeric signatures."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from eisym import SpecError, hessian_signature, numeric_signature, signature_type
from eisym._signature import sign_at_root, signature_at_root


@st.composite
def symmetric_integer_matrices(draw):
    n = draw(st.integers(1, 4))
    # Low-rank products make zero eigenvalues common.
    k = draw(st.integers(1, n))
    b = draw(st.lists(st.lists(st.integers(-3, 3), min_size=k, max_size=k), min_size=n, max_size=n))
    d = draw(st.lists(st.sampled_from([-2, -1, 1, 2]), min_size=k, max_size=k))
    bm = sp.Matrix(b)
    return bm * sp.diag(*d) * bm.T


@given(symmetric_integer_matrices())
def test_exact_signature_matches_rank_and_eigenvalues(h):
    n_plus, n_minus, n_zero = hessian_signature(h)
    assert n_plus + n_minus + n_zero == h.rows
    assert n_zero == h.rows - h.rank()
    eig = np.linalg.eigvalsh(np.array(h.tolist(), dtype=float))
    big = [e for e in eig if abs(e) > 1e-6]
    # Nonzero eigenvalues of an integer matrix are far from 0 here (|det| of a minor >= 1).
    assert (sum(e > 0 for e in big), sum(e < 0 for e in big)) == (n_plus, n_minus)


def test_exact_signature_with_radicals():
    r2 = sp.sqrt(2)
    assert hessian_signature([[1, r2], [r2, 2]]) == (1, 0, 1)
    assert hessian_signature([[r2, 1], [1, r2]]) == (2, 0, 0)
    assert hessian_signature([[1 - r2, 0], [0, 3]]) == (1, 1, 0)
    assert hessian_signature([[0, 0], [0, 0]]) == (0, 0, 2)


def test_signature_at_an_algebraic_root_matches_high_precision_eigenvalues():
    s = sp.Symbol("s")
    for root in sp.real_roots(sp.Poly(s**5 - 3 * s + 1, s)):
        h = sp.Matrix([[s**2 - 1, s], [s, 2 * s - 1]])
        sig = signature_at_root(h, s, root)
        eig = np.linalg.eigvalsh(np.array(h.subs(s, root.evalf(30)).tolist(), dtype=float))
        assert np.abs(eig).min() > 1e-6  # the float oracle is decisive here
        assert sig == (int((eig > 0).sum()), int((eig < 0).sum()), 0)


def test_sign_at_root_detects_exact_zeros():
    s = sp.Symbol("s")
    root = sp.CRootOf(s**3 - 2, 0)
    assert sign_at_root(s**3 - 2, s, root) == 0
    assert sign_at_root(s**4 - 2 * s, s, root) == 0
    assert sign_at_root(s - sp.Rational(126, 100), s, root) == -1  # 2^(1/3) = 1.2599...
    assert sign_at_root(s**2 - 4, s, sp.Integer(2)) == 0


def test_bad_matrices_are_refused():
    x = sp.Symbol("x")
    with pytest.raises(SpecError, match="square"):
        hessian_signature([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(SpecError, match="symmetric"):
        hessian_signature([[1, 2], [3, 4]])
    with pytest.raises(SpecError, match="float"):
        hessian_signature([[1.5, 0], [0, 1]])
    with pytest.raises(SpecError, match="symbols"):
        hessian_signature([[x, 0], [0, 1]])


def test_numeric_signature_counts_eigenvalues_within_tolerance_as_zero():
    assert numeric_signature(["1e-30", "-5", "2"], "1e-20") == (1, 1, 1)
    assert numeric_signature(["1e-19", "-1e-19"], "1e-20") == (1, 1, 0)
    assert numeric_signature(["1e-20"], "1e-20") == (0, 0, 1)
    with pytest.raises(SpecError):
        numeric_signature(["nan"], "1e-20")


@pytest.mark.parametrize(
    ("sig", "kind"),
    [((2, 0, 0), "minimum"), ((0, 3, 0), "maximum"), ((1, 1, 0), "saddle"), ((0, 1, 1), "degenerate")],
)
def test_signature_type(sig, kind):
    assert signature_type(sig) == kind
