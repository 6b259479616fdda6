"""Layer-wise derivatives against sympy.diff of the composed expression and 50-digit finite differences."""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from eisym import (
    SpecError,
    build_network,
    derive,
    gradient,
    hessian,
    jacobians,
    network_outputs,
    sensitivities,
)
from eisym._network import preactivation_symbol

DIGITS = 45


def random_points(m: int, count: int, seed: int) -> list[tuple[sp.Rational, ...]]:
    """Reproducible rational points in [-2, 2]^m."""
    rng = random.Random(seed)
    return [
        tuple(sp.Rational(rng.randint(-64, 64), rng.choice([7, 16, 9, 32])) for _ in range(m))
        for _ in range(count)
    ]


def mp_function(exprs, symbols):
    """A function of rational points returning the expressions' values at 60 digits (through mpmath)."""
    # cse keeps lambdify's printing of the big composed expressions fast
    fn = sp.lambdify(symbols, list(exprs), "mpmath", cse=True)

    def at(point):
        with mpmath.workdps(60):
            args = [mpmath.mpf(sp.Rational(c).p) / sp.Rational(c).q for c in point]
            return [mpmath.mpmathify(v) for v in fn(*args)]

    return at


def mp_values(exprs, symbols, point) -> list[mpmath.mpf]:
    """Evaluate a list of sympy expressions at a rational point at 60 digits through mpmath."""
    return mp_function(exprs, symbols)(point)


def assert_close(ours, theirs, digits=DIGITS):
    """Agreement to ``digits`` significant digits (absolute below 1); sympy numbers are read at 60 digits."""
    assert len(ours) == len(theirs)
    with mpmath.workdps(60):
        for a, b in zip(ours, theirs, strict=True):
            a, b = (mpmath.mpf(sp.N(c, 60)) if isinstance(c, sp.Basic) else c for c in (a, b))
            assert abs(a - b) <= mpmath.mpf(10) ** (-digits) * max(1, abs(b)), (a, b)


def diff_oracle(net, output):
    """Gradient (list) and Hessian (matrix) of the composed output by sympy.diff / sympy.hessian."""
    f = network_outputs(net)[output - 1]
    x = net.inputs
    return [sp.diff(f, xi) for xi in x], sp.hessian(f, x)


def layered(net, output):
    d = derive(net)
    return list(d.compose(d.gradient(output))), d.compose(d.hessian(output))


# ------------------------------------------------------------------------------------- exact oracle

EXACT_CASES = [
    ("2,3,2", "poly2", "random:1:rational:8", True),
    ("2,2,1,1", "polynomial:1/3,1,-1/2", "random:2:rational:4", False),
    ("3,3,2", "identity", "random:3:rational:8", False),
    ("2,3,3,2", "identity", "symbolic", True),
    ("2,3,2", "sine", "random:4:rational:8", False),
    ("2,2,2,1", "sine", "random:5:rational:8", True),
    ("2,2,1", "sine", "symbolic", True),
    ("2,3,1", ["poly3", "sine"], "random:6:rational:8", True),
]


@pytest.mark.parametrize(("widths", "activation", "weights", "bias"), EXACT_CASES)
def test_layered_gradient_and_hessian_equal_sympy_diff_exactly(widths, activation, weights, bias):
    net = build_network(widths, activation, weights=weights, bias=bias)
    composed = derive(net, form="composed")
    for v in range(1, net.widths[-1] + 1):
        grad, hess = diff_oracle(net, v)
        ours_grad, ours_hess = layered(net, v)
        assert all(sp.expand(a - b) == 0 for a, b in zip(ours_grad, grad, strict=True))
        assert all(sp.expand(a - b) == 0 for a, b in zip(ours_hess, hess, strict=True))
        assert ours_hess == ours_hess.T
        assert all(sp.expand(a - b) == 0 for a, b in zip(composed.gradient(v), grad, strict=True))
        assert all(sp.expand(a - b) == 0 for a, b in zip(composed.hessian(v), hess, strict=True))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus"])
@pytest.mark.parametrize("weights", ["symbolic", "random:7:rational:8"])
def test_depth_one_transcendental_derivatives_are_exact(activation, weights):
    net = build_network("2,2", activation, weights=weights, bias=True)
    for v in (1, 2):
        grad, hess = diff_oracle(net, v)
        ours_grad, ours_hess = layered(net, v)
        assert all(sp.cancel(a - b) == 0 for a, b in zip(ours_grad, grad, strict=True))
        assert all(sp.cancel(a - b) == 0 for a, b in zip(ours_hess, hess, strict=True))
        if weights != "symbolic":
            # at an exact point the point derivation is exact too
            point = (sp.Rational(1, 3), sp.Rational(-5, 4))
            at = derive(net, point=point)
            subs = dict(zip(net.inputs, point, strict=True))
            expected = [e.subs(subs) for e in grad + list(hess)]
            ours = list(at.gradient(v)) + list(at.hessian(v))
            assert all(sp.cancel(a - b) == 0 for a, b in zip(ours, expected, strict=True))


def test_a_wrong_derivative_is_caught_by_the_exact_oracle():
    # guard against an oracle that cannot fail: a perturbed Hessian must not pass
    net = build_network("2,2,1", "poly2", weights="random:1:rational:8")
    _, hess = diff_oracle(net, 1)
    _, ours = layered(net, 1)
    assert sp.expand(ours[0, 1] + sp.Rational(1, 10**6) - hess[0, 1]) != 0


# ------------------------------------------------------------------------------------ numeric oracle

NUMERIC_CASES = [
    ("2,2,2,1", "sigmoid", 12),
    ("3,2,2,1", "tanh", 14),
    ("2,3,1", "softplus", 15),
    ("2,3,3", ["sigmoid", "softmax"], 17),
    ("2,2,2,3", ["tanh", "sine", "softmax"], 18),
]


@pytest.mark.parametrize(("widths", "activation", "seed"), NUMERIC_CASES)
def test_layered_derivatives_equal_sympy_diff_to_45_digits(widths, activation, seed):
    net = build_network(widths, activation, weights=f"random:{seed}:rational:8", bias=True)
    d = derive(net)
    ours, ref = [], []
    for v in range(1, net.widths[-1] + 1):
        grad, hess = diff_oracle(net, v)
        ours += list(d.compose(d.gradient(v))) + list(d.compose(d.hessian(v)))
        ref += grad + list(hess)
    values = mp_function(ours + ref, net.inputs)
    for point in random_points(net.m, 3, seed):
        both = values(point)
        assert_close(both[: len(ours)], both[len(ours) :])


@pytest.mark.parametrize(
    ("widths", "activation", "seed"),
    [
        ("2,2,2,1", "sigmoid", 12),
        ("2,3,2", "tanh", 13),
        ("2,2,2,1", "softplus", 16),
        ("2,3,1", "sine", 20),
        ("3,2", "softmax", 19),
        ("2,2,2,3", ["tanh", "sine", "softmax"], 18),
    ],
)
def test_derivatives_at_a_point_equal_50_digit_finite_differences(widths, activation, seed):
    net = build_network(widths, activation, weights=f"random:{seed}:rational:16", bias=True)
    m = net.m
    f_mp = sp.lambdify(net.inputs, list(network_outputs(net)), "mpmath")
    for point in random_points(m, 2, seed + 100):
        # 70-digit floats keep derive's arithmetic fast and well above the 45 digits compared
        at = derive(net, point=[sp.Float(c, 70) for c in point])
        with mpmath.workdps(60):
            args = [mpmath.mpf(c.p) / c.q for c in point]
            for v in range(1, net.widths[-1] + 1):

                def f(*xs, _v=v):
                    return f_mp(*xs)[_v - 1]

                fd_grad = [mpmath.diff(f, args, tuple(int(s == t) for s in range(m))) for t in range(m)]
                fd_hess = [
                    mpmath.diff(f, args, tuple(int(r == s) + int(r == t) for r in range(m)))
                    for s in range(m)
                    for t in range(m)
                ]
                ours = [mpmath.mpf(e) for e in list(at.gradient(v)) + list(at.hessian(v))]
                assert_close(ours, fd_grad + fd_hess)


# --------------------------------------------------------------------------------- at a point, exact


@pytest.mark.parametrize(
    ("widths", "activation"),
    [("2,3,2", "poly2"), ("3,2,2,1", "identity"), ("1,3,1", "polynomial:0,1,0,-1/6")],
)
def test_derive_at_a_point_is_the_composed_derivative_evaluated_exactly(widths, activation):
    net = build_network(widths, activation, weights="random:8:rational:8", bias=True)
    composed = derive(net, form="composed")
    for point in random_points(net.m, 3, 21):
        at = derive(net, point=point)
        assert at.form == "point" and at.point == point
        subs = dict(zip(net.inputs, point, strict=True))
        for v in range(1, net.widths[-1] + 1):
            grad = at.gradient(v)
            hess = at.hessian(v)
            assert all(isinstance(e, sp.Rational) for e in list(grad) + list(hess))
            assert grad == composed.gradient(v).subs(subs)
            assert hess == composed.hessian(v).subs(subs)
            assert at.value(v) == composed.value(v).subs(subs)


def test_derive_at_a_point_with_transcendental_activations_matches_to_50_digits():
    net = build_network("2,2,2", ["tanh", "softmax"], weights="random:9:rational:8", bias=True)
    composed = derive(net, form="composed")
    values = mp_function(list(composed.gradient(1)) + list(composed.hessian(1)), net.inputs)
    for point in random_points(2, 1, 22):
        at = derive(net, point=point)
        assert not any(e.has(sp.Float) for e in at.hessian(1))
        assert_close(list(at.gradient(1)) + list(at.hessian(1)), values(point))


def test_float_weights_give_float_derivatives():
    net = build_network("2,2,1", "sigmoid", weights="random:1")
    at = derive(net, point=[0.5, -1])
    assert all(isinstance(e, sp.Float) for e in at.gradient())
    ref = derive(net, form="composed").gradient().subs(dict(zip(net.inputs, [0.5, -1], strict=True)))
    assert all(abs(a - b) < 1e-12 for a, b in zip(at.gradient(), ref, strict=True))


# ------------------------------------------------------------------------------- every layer's J, H


def test_every_layer_jacobian_and_hessian_match_sympy():
    net = build_network("2,3,2,1", "poly2", weights="random:10:rational:4", bias=True)
    d = derive(net)
    composed = derive(net, form="composed")
    x = sp.Matrix(net.inputs)
    assert d.jacobians[0] == sp.eye(2)
    for u in range(1, net.depth + 1):
        h = sp.Matrix(composed.outputs[u])
        jac = h.jacobian(x)
        ours = d.compose(d.jacobians[u])
        assert ours.shape == (net.widths[u], net.m)
        assert (ours - jac).expand() == sp.zeros(*jac.shape)
        for v in range(net.widths[u]):
            hv = d.compose(d.hessians[u][v])
            assert (hv - sp.hessian(h[v], x)).expand() == sp.zeros(2, 2)
    assert len(jacobians(net)) == net.depth + 1


def test_convenience_functions_agree_with_derive():
    net = build_network("2,2,2", "sine", weights="random:3:rational:8")
    d = derive(net, form="composed")
    assert gradient(net, 2) == d.gradient(2)
    assert hessian(net, 2) == d.hessian(2)
    dl = derive(net)
    assert (gradient(net, 1, form="layered") - dl.gradient(1)).is_zero_matrix
    assert [j.shape for j in jacobians(net)] == [(2, 2), (2, 2), (2, 2)]


# ------------------------------------------------------------------------------------- size growth


def test_layered_size_is_linear_in_depth_and_composed_swells():
    def net(depth):
        return build_network([3] * (depth + 1), "sigmoid", weights="random:0:rational:8")

    size = {k: derive(net(k)).size for k in (2, 3, 5, 10)}
    assert size[10] / size[5] < 3
    # the layered form grows by a near-constant amount per layer
    assert size[10] - size[5] < 1.5 * 5 * (size[3] - size[2])

    def composed(depth):
        return build_network([2] * (depth + 1), "sigmoid", weights="random:0:rational:8")

    c = {k: derive(composed(k), form="composed").size for k in (1, 3)}
    lay = {k: derive(composed(k)).size for k in (1, 3)}
    assert c[3] / c[1] > 10
    assert c[3] / c[1] > 3 * lay[3] / lay[1]


# ------------------------------------------------------------------------------------ sensitivities


def scalar_activation(label: str):
    """S(z) written out independently of eisym, from the spec's label."""
    table = {
        "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
        "tanh": sp.tanh,
        "sine": sp.sin,
        "softplus": lambda z: sp.log(1 + sp.exp(z)),
        "identity": lambda z: z,
    }
    if label in table:
        return table[label]
    coeffs = [sp.Rational(c) for c in label.removeprefix("polynomial:").split(",")]
    return lambda z: sum(c * z**i for i, c in enumerate(coeffs))


def hand_layers(net, h, first, last):
    """(z^[last], h^[last]) from h^[first - 1] = h by plain matrix algebra (no eisym code path)."""
    z = None
    for layer in range(first, last + 1):
        z = sp.Matrix(net.weights[layer - 1]) * h
        if net.spec.bias:
            z += sp.Matrix(net.biases[layer - 1])
        label = net.spec.activations[layer - 1].label
        if label == "softmax":
            e = z.applyfunc(sp.exp)
            h = e / sum(e)
        else:
            h = z.applyfunc(scalar_activation(label))
    return z, h


def beta_oracle(net, u, output, point=None):
    """d h_output^[n] / d z^[u] by sympy.diff of the output written as a function of z^[u] symbols.

    Symbolic in x without ``point``; at ``point`` (70-digit floats) otherwise.
    """
    zs = sp.Matrix([preactivation_symbol(u, k) for k in range(1, net.widths[u] + 1)])
    if net.spec.activations[u - 1].name == "softmax":
        h = zs.applyfunc(sp.exp) / sum(zs.applyfunc(sp.exp))
    else:
        h = zs.applyfunc(scalar_activation(net.spec.activations[u - 1].label))
    if u < net.depth:
        _, h = hand_layers(net, h, u + 1, net.depth)
    x = sp.Matrix(net.inputs if point is None else [sp.Float(c, 70) for c in point])
    z_at, _ = hand_layers(net, x, 1, u)
    values = dict(zip(zs, z_at, strict=True))
    return [sp.diff(h[output - 1], zk).xreplace(values) for zk in zs]


def evaluate_layered(d, exprs, point):
    """Run the layered derivation's straight-line program on a point as 70-digit floats."""
    values = {x: sp.Float(c, 70) for x, c in zip(d.network.inputs, point, strict=True)}
    for symbol, rhs in d.definitions:
        values[symbol] = rhs.xreplace(values)
    return [sp.sympify(e).xreplace(values) for e in exprs]


@pytest.mark.parametrize("activation", ["poly2", "identity"])
def test_sensitivities_equal_sympy_diff_with_respect_to_preactivations(activation):
    net = build_network("2,3,2,2", activation, weights="random:12:rational:4", bias=True)
    d = derive(net)
    for v in (1, 2):
        betas = sensitivities(d, v)
        assert [len(b) for b in betas] == list(net.widths[1:])
        for u in range(1, net.depth + 1):
            ours = [d.compose(b) for b in betas[u - 1]]
            assert all(sp.expand(a - b) == 0 for a, b in zip(ours, beta_oracle(net, u, v), strict=True))


@pytest.mark.parametrize(
    "activation", [["sigmoid", "tanh", "softmax"], "sigmoid", ["sine", "softplus", "tanh"]]
)
def test_sensitivities_match_sympy_diff_to_45_digits(activation):
    net = build_network("2,2,3,2", activation, weights="random:13:rational:8", bias=True)
    d = derive(net)
    for point in random_points(2, 2, 23):
        for v in (1, 2):
            betas = sensitivities(d, v)
            at_point = sensitivities(derive(net, point=[sp.Float(c, 70) for c in point]), v)
            for u in range(1, net.depth + 1):
                ref = beta_oracle(net, u, v, point)
                assert_close(evaluate_layered(d, betas[u - 1], point), ref)
                assert_close(list(at_point[u - 1]), ref)


# ------------------------------------------------------------------------------------------ hypothesis

small_fraction = st.fractions(min_value=-2, max_value=2, max_denominator=4)


@st.composite
def exact_networks(draw):
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    bias = draw(st.booleans())
    activation = draw(
        st.sampled_from(
            ["identity", "poly2", "polynomial:0,1,0,1/3", "polynomial:1/2,-1,1", "polynomial:0,2"]
        )
    )
    pairs = list(zip(widths[1:], widths[:-1], strict=True))
    weights = [[[draw(small_fraction) for _ in range(c)] for _ in range(r)] for r, c in pairs]
    biases = [[draw(small_fraction) for _ in range(r)] for r, _ in pairs] if bias else None
    net = build_network(widths, activation, bias=bias, weights=weights, biases=biases)
    point = [draw(small_fraction) for _ in range(widths[0])]
    return net, point


@given(exact_networks())
def test_property_derive_at_point_equals_sympy_diff_exactly(case):
    net, point = case
    at = derive(net, point=point)
    exact = [sp.Rational(Fraction(p).numerator, Fraction(p).denominator) for p in point]
    subs = dict(zip(net.inputs, exact, strict=True))
    for v in range(1, net.widths[-1] + 1):
        f = network_outputs(net)[v - 1]
        grad = [sp.diff(f, x).subs(subs) for x in net.inputs]
        hess = sp.hessian(f, net.inputs).subs(subs)
        assert list(at.gradient(v)) == grad
        assert at.hessian(v) == hess
        assert at.value(v) == f.subs(subs)


# ------------------------------------------------------------------------------------------ bad input


def test_bad_derive_arguments():
    net = build_network("2,2,1", "tanh")
    with pytest.raises(SpecError, match="order must be 1 or 2, got 3"):
        derive(net, order=3)
    with pytest.raises(SpecError, match="'flat'"):
        derive(net, form="flat")
    with pytest.raises(SpecError, match="order=1"):
        derive(net, order=1).hessian()
    with pytest.raises(SpecError, match=r"dimension 3; the network's input dimension m is 2"):
        derive(net, point=[1, 2, 3])
    with pytest.raises(SpecError, match="sample coordinate: must be finite, got nan"):
        derive(net, point=[1, float("nan")])
    with pytest.raises(SpecError, match="got 'ab'"):
        derive(net, point="ab")


@pytest.mark.parametrize("bad", [0, 2, -1, True, 1.5, "1"])
def test_bad_output_index(bad):
    d = derive(build_network("2,2,1", "identity", weights="random:0:rational"), order=1)
    with pytest.raises(SpecError, match=f"output must be an integer between 1 and 1, got {bad!r}"):
        d.gradient(bad)
    with pytest.raises(SpecError, match="output"):
        sensitivities(d, bad)
