"""Stationarity systems L(n,v), the hidden-layer system (R5) and the softmax-output analogue."""

from __future__ import annotations

import random

import mpmath
import numpy as np
import pytest
import sympy as sp

from eisym import SpecError, build_network, derive, network_outputs, stationarity_system, with_layer
from eisym._network import weight_symbol
from eisym._stationarity import validate_samples


def raises_spec(fragment: str):
    return pytest.raises(SpecError, match=fragment)


def random_points(m: int, count: int, seed: int) -> list[tuple[sp.Rational, ...]]:
    rng = random.Random(seed)
    return [
        tuple(sp.Rational(rng.randint(-24, 24), rng.choice([5, 8, 9])) for _ in range(m))
        for _ in range(count)
    ]


def random_matrix(rows: int, cols: int, seed: int) -> list[list[sp.Rational]]:
    rng = random.Random(seed)
    return [
        [sp.Rational(rng.randint(-9, 9), rng.choice([1, 2, 3, 4])) for _ in range(cols)] for _ in range(rows)
    ]


def float_points(points):
    """70-digit float copies of rational points: derivations at them stay fast and far above 45 digits."""
    return [[sp.Float(c, 70) for c in p] for p in points]


def mp_at(exprs, symbols, points):
    """The expressions at each point (60 digits via mpmath), point-major."""
    fn = sp.lambdify(symbols, list(exprs), "mpmath", cse=True)
    out = []
    with mpmath.workdps(60):
        for p in points:
            out.extend(mpmath.mpmathify(v) for v in fn(*[mpmath.mpf(c.p) / c.q for c in p]))
    return out


def numeric(values, dps=60):
    """sympy numbers (possibly exact transcendental forms) as mpmath numbers at ``dps`` digits."""
    with mpmath.workdps(dps):
        return [v if isinstance(v, mpmath.mpf) else mpmath.mpf(sp.N(v, dps)) for v in values]


def assert_close(ours, theirs, digits=45):
    assert len(ours) == len(theirs)
    a, b = numeric(ours), numeric(theirs)
    with mpmath.workdps(60):
        for x, y in zip(a, b, strict=True):
            assert abs(x - y) <= mpmath.mpf(10) ** (-digits) * max(1, abs(y)), (x, y)


def hidden_jacobian(net, layer):
    """J^[layer](x) by sympy's jacobian of the composed hidden outputs (no eisym derivative code)."""
    h = sp.Matrix(hand_forward(net, sp.Matrix(net.inputs))[layer])
    return h.jacobian(sp.Matrix(net.inputs))


def hand_forward(net, x):
    """h^[0..n] by plain matrix algebra; polynomial/identity/sigmoid/tanh/softmax only."""
    layers = [sp.Matrix(x)]
    for u in range(1, net.depth + 1):
        z = sp.Matrix(net.weights[u - 1]) * layers[-1]
        if net.spec.bias:
            z += sp.Matrix(net.biases[u - 1])
        act = net.spec.activations[u - 1]
        if act.name == "softmax":
            e = z.applyfunc(sp.exp)
            layers.append(e / sum(e))
        elif act.name == "polynomial":
            cs = [sp.Rational(c.numerator, c.denominator) for c in act.coefficients]
            layers.append(z.applyfunc(lambda t, cs=cs: sum(c * t**i for i, c in enumerate(cs))))
        else:
            fn = {"identity": lambda t: t, "sigmoid": lambda t: 1 / (1 + sp.exp(-t)), "tanh": sp.tanh}[
                act.name
            ]
            layers.append(z.applyfunc(fn))
    return layers


# ------------------------------------------------------------------------------------- L(n, v)


def test_identity_network_system_is_the_weight_product_transposed():
    w1 = [[1, 2], [3, 4], [5, 6]]
    w2 = [[1, -1, 2], ["1/2", 0, 3], [2, 2, 2], [-1, 0, 1]]
    net = build_network("2,3,4,1", "identity", weights=[w1, w2, "symbolic"])
    system = stationarity_system(net)
    hand = (sp.Matrix(w2) * sp.Matrix([[sp.Rational(str(c)) for c in row] for row in w1])).T
    assert system.matrix.shape == (2, 4)
    assert (system.composed() - hand).is_zero_matrix
    assert system.unknowns == tuple(weight_symbol(3, 1, k) for k in range(1, 5))
    stacked = stationarity_system(net, samples=[[1, 2], [0, 0], ["1/3", 7]])
    assert stacked.shape == (6, 4)
    assert stacked.matrix == sp.ImmutableMatrix.vstack(hand, hand, hand)


def test_polynomial_network_system_matches_a_hand_derivation():
    # h_k = z_k + z_k^2 / 2, so dh_k/dx_t = (1 + z_k) W1[k, t]: A[t, k] = (1 + z_k) W1[k, t]
    w1 = sp.Matrix([[1, 2], [3, -1], [sp.Rational(1, 2), 1]])
    net = build_network("2,3,1", ["poly2", "tanh"], weights=[w1, "symbolic"])
    x = sp.Matrix(net.inputs)
    z = w1 * x
    hand = sp.Matrix(2, 3, lambda t, k: (1 + z[k]) * w1[k, t])
    system = stationarity_system(net, form="composed")
    assert (system.matrix - hand).expand().is_zero_matrix
    assert (stationarity_system(net).composed() - hand).expand().is_zero_matrix
    points = random_points(2, 3, 1)
    stacked = stationarity_system(net, samples=points)
    expected = sp.Matrix.vstack(*(hand.subs(dict(zip(net.inputs, p, strict=True))) for p in points))
    assert stacked.matrix == expected
    assert stacked.samples == tuple(points)


@pytest.mark.parametrize(
    ("widths", "activation", "bias"),
    [("2,3,1", "sigmoid", True), ("3,2,2", "tanh", False), ("2,4,2", ["poly3", "sigmoid"], True)],
)
def test_system_is_the_transposed_jacobian_of_the_last_hidden_layer(widths, activation, bias):
    net = build_network(widths, activation, weights="random:3:rational:8", bias=bias)
    n = net.depth
    hand = hidden_jacobian(net, n - 1).T
    for v in range(1, net.widths[-1] + 1):
        composed = stationarity_system(net, v, form="composed")
        layered = stationarity_system(net, v)
        assert composed.shape == layered.shape == (net.m, net.widths[n - 1])
        assert composed.unknowns == tuple(weight_symbol(n, v, k) for k in range(1, net.widths[n - 1] + 1))
        assert all(sp.cancel(a - b) == 0 for a, b in zip(composed.matrix, hand, strict=True))
        assert all(sp.cancel(a - b) == 0 for a, b in zip(layered.composed(), hand, strict=True))
        points = random_points(net.m, 3, 4)
        stacked = stationarity_system(net, v, samples=points)
        assert stacked.shape == (3 * net.m, net.widths[n - 1])
        for i, p in enumerate(points):
            block = stacked.matrix[i * net.m : (i + 1) * net.m, :]
            assert_close(list(block), list(hand.subs(dict(zip(net.inputs, p, strict=True)))))


def test_equations_are_matrix_times_unknowns():
    net = build_network("2,3,1", "poly2", weights=[random_matrix(3, 2, 1), "symbolic"])
    system = stationarity_system(net, samples=[[1, 2]])
    w = sp.Matrix(system.unknowns)
    assert list(system.equations) == list(system.matrix * w)
    assert system.frozen == "" and system.layer == 2 and system.output == 1 and system.form == "samples"


def test_kernel_vectors_make_every_sample_stationary():
    net = build_network("2,5,2", ["poly2", "sigmoid"], weights="random:5:rational:4")
    points = random_points(2, 2, 6)
    for v in (1, 2):
        system = stationarity_system(net, v, samples=points)
        kernel = sp.Matrix(system.matrix).nullspace()
        assert len(kernel) == 5 - 4
        for vec in kernel:
            w2 = sp.Matrix(net.weights[1])
            w2[v - 1, :] = vec.T
            solved = with_layer(net, 2, w2)
            for p in points:
                assert derive(solved, point=p, order=1).gradient(v) == sp.zeros(1, 2)
        # a vector outside the kernel leaves the samples non-stationary
        w2 = sp.Matrix(net.weights[1])
        w2[v - 1, :] = sp.Matrix([[1, 0, 0, 0, 0]])
        assert derive(with_layer(net, 2, w2), point=points[0], order=1).gradient(v) != sp.zeros(1, 2)


@pytest.mark.parametrize("activation", ["poly2", "identity", "sigmoid"])
def test_residual_of_the_networks_own_weights_is_the_gradient_over_the_slope(activation):
    net = build_network("2,3,2", activation, weights="random:7:rational:8", bias=True)
    for p in random_points(2, 2, 8):
        at = derive(net, point=p, order=1)
        for v in (1, 2):
            system = stationarity_system(net, v, samples=[p])
            residual = system.residual(list(net.weights[1].row(v - 1)))
            slope = at.slopes[-1][v - 1]
            if activation == "sigmoid":
                assert_close([slope * r for r in residual], list(at.gradient(v)))
            else:
                assert (slope * residual.T - at.gradient(v)).is_zero_matrix


# ---------------------------------------------------------------------------------- hidden layer (R5)


@pytest.mark.parametrize(("widths", "activation"), [("2,3,2,2", "poly2"), ("3,2,3,1", "identity")])
def test_hidden_system_residual_of_own_weights_is_the_true_gradient_exactly(widths, activation):
    net = build_network(widths, activation, weights="random:9:rational:8", bias=True)
    points = random_points(net.m, 2, 10)
    for layer in range(1, net.depth):
        for v in range(1, net.widths[-1] + 1):
            system = stationarity_system(net, v, layer=layer, samples=points)
            rows, cols = net.widths[layer], net.widths[layer - 1]
            assert system.unknowns == tuple(
                weight_symbol(layer, a, b) for a in range(1, rows + 1) for b in range(1, cols + 1)
            )
            assert system.shape == (len(points) * net.m, rows * cols)
            assert f"every layer but {layer}" in system.frozen
            residual = system.residual(list(net.weights[layer - 1]))
            truth = [g for p in points for g in derive(net, point=p, order=1).gradient(v)]
            assert list(residual) == truth


def test_hidden_system_with_frozen_beta_predicts_the_gradient_of_changed_weights():
    # layers 2..n are identity, so beta^[2] does not depend on W^[2]: freezing it is exact and the
    # residual of any candidate W^[2] must equal the gradient of the network with that W^[2].
    net = build_network(
        "2,3,3,2", ["poly2", "identity", "identity"], weights="random:11:rational:8", bias=True
    )
    points = random_points(2, 2, 12)
    for v in (1, 2):
        system = stationarity_system(net, v, layer=2, samples=points)
        for seed in (1, 2, 3):
            candidate = random_matrix(3, 3, seed)
            changed = with_layer(net, 2, candidate)
            truth = [g for p in points for g in derive(changed, point=p, order=1).gradient(v)]
            assert list(system.residual([c for row in candidate for c in row])) == truth


def test_hidden_system_with_nonlinear_layers_above_matches_to_45_digits():
    net = build_network("2,3,2,1", ["tanh", "sigmoid", "sigmoid"], weights="random:13:rational:8", bias=True)
    points = random_points(2, 2, 14)
    f = network_outputs(net)[0]
    truth = mp_at([sp.diff(f, x) for x in net.inputs], net.inputs, points)
    for layer in (1, 2):
        system = stationarity_system(net, layer=layer, samples=float_points(points))
        residual = system.residual(list(net.weights[layer - 1]))
        assert_close(list(residual), truth)


def test_hidden_system_forms_agree():
    net = build_network("2,2,2,1", "poly2", weights="random:15:rational:4")
    layered = stationarity_system(net, layer=1)
    composed = stationarity_system(net, layer=1, form="composed")
    assert (layered.composed() - composed.matrix).expand().is_zero_matrix
    points = random_points(2, 2, 16)
    stacked = stationarity_system(net, layer=1, samples=points)
    expected = sp.Matrix.vstack(
        *(composed.matrix.subs(dict(zip(net.inputs, p, strict=True))) for p in points)
    )
    assert stacked.matrix == expected


# -------------------------------------------------------------------------------------------- softmax


def test_softmax_system_residual_is_grad_p_over_p():
    net = build_network("2,3,3", ["poly2", "softmax"], weights="random:17:rational:8", bias=True)
    points = random_points(2, 2, 18)
    outputs = network_outputs(net)
    for v in (1, 2, 3):
        system = stationarity_system(net, v, samples=float_points(points))
        assert system.unknowns == tuple(weight_symbol(2, a, b) for a in range(1, 4) for b in range(1, 4))
        assert system.shape == (4, 9)
        assert "softmax" in system.frozen
        residual = system.residual(list(net.weights[1]))
        log_grad = [sp.diff(outputs[v - 1], x) / outputs[v - 1] for x in net.inputs]
        assert_close(list(residual), mp_at(log_grad, net.inputs, points))
        # only differences of rows matter: adding one vector to every row is in the kernel
        for shift in ([1, 0, 0], [sp.Rational(-2, 3), 5, 1]):
            assert_close(list(system.residual(shift * 3)), [0] * 4)


def test_softmax_hidden_layer_system_residual_is_the_gradient():
    net = build_network("2,2,3", ["tanh", "softmax"], weights="random:19:rational:8")
    points = random_points(2, 2, 20)
    outputs = network_outputs(net)
    for v in (1, 3):
        system = stationarity_system(net, v, layer=1, samples=float_points(points))
        residual = system.residual(list(net.weights[0]))
        truth = mp_at([sp.diff(outputs[v - 1], x) for x in net.inputs], net.inputs, points)
        assert_close(list(residual), truth)


def test_softmax_system_forms_agree():
    net = build_network("2,2,2", ["identity", "softmax"], weights="random:21:rational:8")
    layered = stationarity_system(net, 2)
    composed = stationarity_system(net, 2, form="composed")
    point = random_points(2, 1, 22)[0]
    subs = dict(zip(net.inputs, point, strict=True))
    stacked = stationarity_system(net, 2, samples=[point])
    assert_close(list(layered.composed().subs(subs)), list(composed.matrix.subs(subs)))
    assert_close(list(stacked.matrix), list(composed.matrix.subs(subs)))


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("samples", "fragment"),
    [
        ([[1, 2, 3]], r"sample \[1, 2, 3\] has dimension 3; the network's input dimension m is 2"),
        (np.zeros((2, 1)), r"sample \[0.0\] has dimension 1"),
        ([[1, 2], [3]], r"sample \[3\] has dimension 1"),
        ([1, 2], "expected a sequence of 2 numbers, got 1"),
        ([], "non-empty list of points of dimension 2"),
        ("12", "got '12'"),
        ([[1, float("nan")]], "sample coordinate: must be finite, got nan"),
        ([[1, "x"]], "'x'"),
    ],
)
def test_bad_samples(samples, fragment):
    net = build_network("2,2,1", "poly2", weights="random:0:rational")
    with raises_spec(fragment):
        stationarity_system(net, samples=samples)
    with raises_spec(fragment):
        validate_samples(net, samples)


@pytest.mark.parametrize("bad", [0, 3, -1, True, 1.5, "2"])
def test_bad_layer_and_output(bad):
    net = build_network("2,2,1", "poly2", weights="random:0:rational")
    with raises_spec(f"layer must be an integer between 1 and 2, got {bad!r}"):
        stationarity_system(net, layer=bad)
    with raises_spec(f"output must be an integer between 1 and 1, got {bad!r}"):
        stationarity_system(net, output=bad)


def test_bad_form_and_residual_length():
    net = build_network("2,2,1", "poly2", weights="random:0:rational")
    with raises_spec("'flat'"):
        stationarity_system(net, form="flat")
    system = stationarity_system(net, samples=[[0, 1]])
    with raises_spec("expected 2 values for the unknowns, got 3"):
        system.residual([1, 2, 3])
