"""High-precision network evaluation against exact derivatives; Newton polishing."""

from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from eisym import SpecError, build_network, derive
from eisym._highprec import network_evaluator, polish


def _mp(q):
    return mpmath.mpf(q.p) / q.q


@pytest.mark.parametrize(
    ("widths", "act", "bias"),
    [
        ("2,3,2,1", "sigmoid", True),
        ("2,3,1", ["tanh", "softplus"], False),
        ("2,2,3", ["sine", "softmax"], True),
        ("1,2,1", ["poly3", "identity"], True),
    ],
)
def test_network_evaluator_matches_exact_derivatives_to_60_digits(widths, act, bias):
    net = build_network(widths, act, bias=bias, weights="random:5:rational:8", scale=2.0)
    point = [sp.Rational(3, 7), sp.Rational(-5, 4)][: net.m]
    for out in range(1, net.widths[-1] + 1):
        d = derive(net, point=point)
        fn = network_evaluator(net, out, 70)
        with mpmath.workdps(70):
            value, grad, hess = fn([_mp(q) for q in point])
            exact = [d.value(out), *d.gradient(out), *d.hessian(out)]
            got = [value, *grad, *(h for row in hess for h in row)]
            for e, g in zip(exact, got, strict=True):
                assert abs(g - mpmath.mpf(sp.Float(e.evalf(80), 80)._mpf_)) < mpmath.mpf(10) ** -60


def _himmelblau(x):
    a, b = x
    u, v = a**2 + b - 11, a + b**2 - 7
    grad = [4 * a * u + 2 * v, 2 * u + 4 * b * v]
    hess = [[12 * a**2 + 4 * b - 42, 4 * a + 4 * b], [4 * a + 4 * b, 4 * a + 12 * b**2 - 26]]
    return u**2 + v**2, grad, hess


def test_polish_reaches_full_precision_at_a_regular_point():
    out = polish(_himmelblau, [3.0000001, 1.9999999], [-6, -6], [6, 6], dps=60)
    assert out.converged
    assert max(abs(Fraction(v) - t) for v, t in zip(out.x, (3, 2), strict=True)) < Fraction(1, 10**55)
    assert float(out.gradient_norm) < 1e-50
    # (3, 2) is a minimum: Hessian [[74, 20], [20, 34]].
    assert all(Fraction(e) > Fraction(out.tolerance) for e in out.eigenvalues)
    assert mpmath.mp.dps == 15  # precision only through workdps


def test_polish_converges_at_a_degenerate_point_and_flags_the_zero_eigenvalues():
    def monkey(x):
        a, b = x
        return a**3 - 3 * a * b**2, [3 * a**2 - 3 * b**2, -6 * a * b], [[6 * a, -6 * b], [-6 * b, -6 * a]]

    out = polish(monkey, [1e-3, 2e-3], [-1, -1], [1, 1], dps=50)
    assert out.converged
    assert max(abs(Fraction(v)) for v in out.x) < Fraction(1, 10**20)
    assert all(abs(Fraction(e)) <= Fraction(out.tolerance) for e in out.eigenvalues)


def test_polish_steps_through_an_exactly_singular_hessian():
    def f(x):  # x^3 + y^2: at (0, 1) the Hessian [[0, 0], [0, 2]] is singular but grad != 0
        a, b = x
        return a**3 + b**2, [3 * a**2, 2 * b], [[6 * a, 0], [0, 2]]

    out = polish(f, [0.0, 1.0], [-1, -1], [1, 1], dps=30)
    assert out.converged
    assert all(Fraction(v) == 0 for v in out.x)


def test_polish_rejects_a_sigmoid_plateau():
    # Float64 says the gradient is ~1e-16 at x = 9.5; it is not a critical point.
    net = build_network("1,1,1", ["sigmoid", "identity"], weights=[[[4]], [[1]]])
    fn = network_evaluator(net, 1, 50)
    out = polish(fn, [9.5], [-10], [10], dps=50)
    assert not out.converged


def test_network_evaluator_refuses_symbols_and_bad_outputs():
    with pytest.raises(SpecError):
        network_evaluator(build_network("1,1"), 1, 30)
    with pytest.raises(SpecError, match="output"):
        network_evaluator(build_network("1,1", weights="random:0"), 2, 30)
