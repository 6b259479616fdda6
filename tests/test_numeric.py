"""Batched float64 evaluation against exact sympy derivatives; stability; batched Newton."""

import numpy as np
import pytest
import sympy as sp

from eisym import SpecError, build_network, derive
from eisym._numeric import cluster, evaluate, newton_batch, numeric_network

CASES = [
    ("2,3,2,1", "sigmoid", True),
    ("3,4,1", "tanh", False),
    ("2,3,1", ["sine", "softplus"], True),
    ("2,3,3", ["polynomial:1,1,1/2", "softmax"], True),
    ("2,3,2,3", ["tanh", "sigmoid", "softmax"], False),
    ("1,2,1", ["identity", "poly3"], False),
]


def _exact(net, point, out):
    d = derive(net, point=point)
    value = float(d.value(out).evalf(30))
    grad = np.array([float(v.evalf(30)) for v in d.gradient(out)])
    hess = np.array([[float(v.evalf(30)) for v in row] for row in d.hessian(out).tolist()])
    return value, grad, hess


@pytest.mark.parametrize(("widths", "act", "bias"), CASES)
def test_matches_exact_derivatives(widths, act, bias):
    net = build_network(widths, act, bias=bias, weights="random:3:rational:8", scale=1.5)
    nn = numeric_network(net)
    rng = np.random.default_rng(1)
    points = [[sp.Float(int(v) / 7, 30) for v in rng.integers(-14, 15, net.m)] for _ in range(3)]
    x = np.array([[float(v) for v in p] for p in points])
    for out in range(1, net.widths[-1] + 1):
        value, grad, hess = evaluate(nn, x, out)
        assert value.shape == (3,) and grad.shape == (3, net.m) and hess.shape == (3, net.m, net.m)
        for i, p in enumerate(points):
            ev, eg, eh = _exact(net, p, out)
            scale = 1 + abs(ev) + np.abs(eg).max() + np.abs(eh).max()
            assert abs(value[i] - ev) <= 1e-12 * scale
            np.testing.assert_allclose(grad[i], eg, rtol=0, atol=1e-12 * scale)
            np.testing.assert_allclose(hess[i], eh, rtol=0, atol=1e-12 * scale)


def _negative_net():
    # f' = S'(z2) * -(4 S'(4x) + 3.9 S'(3.9x)) < 0 everywhere.
    return build_network("1,2,1", "sigmoid", weights=[[[4], ["39/10"]], [[-1, -1]]])


def test_sigmoid_derivative_keeps_relative_accuracy_on_plateaus():
    net = _negative_net()
    nn = numeric_network(net)
    xs = [sp.Rational(k, 20) for k in range(-200, 201, 7)] + [sp.Rational(945, 100)]
    _, grad, hess = evaluate(nn, np.array([[float(v)] for v in xs]))
    assert (grad[:, 0] < 0).all()
    for x, g, h in zip(xs, grad[:, 0], hess[:, 0, 0], strict=True):
        d = derive(net, point=[x])
        eg, eh = float(d.gradient()[0].evalf(40)), float(d.hessian()[0].evalf(40))
        assert abs(g - eg) <= 1e-12 * abs(eg)
        assert abs(h - eh) <= 1e-11 * abs(eh)


def test_naive_sigmoid_derivative_would_vanish_here():
    # Shows the previous test is a real trap: s*(1-s) with 1-s by subtraction is exactly 0.
    s = 1 / (1 + np.exp(-3.9 * 9.45))
    s4 = 1 / (1 + np.exp(-4 * 9.45))
    assert s * (1 - s) == 0.0 and s4 * (1 - s4) == 0.0


def test_symbolic_weights_and_bad_shapes_are_refused():
    with pytest.raises(SpecError, match="numeric weights|symbolic"):
        numeric_network(build_network("2,2,1"))
    nn = numeric_network(build_network("2,2,1", weights="random:0"))
    with pytest.raises(SpecError, match="dimension"):
        evaluate(nn, np.zeros((4, 3)))
    with pytest.raises(SpecError, match="output"):
        evaluate(nn, np.zeros((4, 2)), output=2)


def test_newton_batch_finds_every_root_and_drops_escapes():
    def fn(x):  # f = (x^2 - 1)^2 / 4 + y^2: critical points (-1,0), (0,0), (1,0)
        a, b = x[:, 0], x[:, 1]
        grad = np.stack([a**3 - a, 2 * b], axis=1)
        hess = np.zeros((len(x), 2, 2))
        hess[:, 0, 0], hess[:, 1, 1] = 3 * a**2 - 1, 2.0
        return (a**2 - 1) ** 2 / 4 + b**2, grad, hess

    g = np.linspace(-2, 2, 9)
    starts = np.stack([v.ravel() for v in np.meshgrid(g, g)], axis=1)
    out = newton_batch(fn, starts, np.array([-2.0, -2.0]), np.array([2.0, 2.0]))
    found = out.x[out.converged]
    for root in ([-1, 0], [0, 0], [1, 0]):
        assert (np.abs(found - root).max(axis=1) < 1e-10).any()
    assert np.all(np.abs(np.abs(found[:, 0]) - 0.5) > 0.4)


def test_newton_batch_handles_singular_hessians():
    def fn(x):  # monkey saddle: Hessian is 0 at the origin
        a, b = x[:, 0], x[:, 1]
        grad = np.stack([3 * a**2 - 3 * b**2, -6 * a * b], axis=1)
        hess = np.stack([np.stack([6 * a, -6 * b], 1), np.stack([-6 * b, -6 * a], 1)], 1)
        return a**3 - 3 * a * b**2, grad, hess

    starts = np.array([[0.0, 0.0], [0.5, 0.2], [-0.3, 0.7]])
    out = newton_batch(fn, starts, np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
    assert np.isfinite(out.x).all()
    assert out.converged.all()
    assert np.abs(out.x).max() < 1e-6


def test_cluster_groups_nearby_points_in_order():
    pts = np.array([[1.0, 0.0], [0.0, 0.0], [1e-9, 0.0], [1.0, 1e-8]])
    reps, labels = cluster(pts, 1e-6)
    assert reps == [0, 1]
    assert labels.tolist() == [0, 1, 1, 0]
    assert cluster(np.empty((0, 2)), 1.0)[0] == []
