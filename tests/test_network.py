"""Networks: weights (symbolic, explicit, random), JSON round trips, the graph, neuron expressions."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from eisym import (
    EisymError,
    SpecError,
    build_network,
    load_network,
    network_from_json,
    network_graph,
    network_outputs,
    network_to_json,
    neuron_expression,
    save_network,
    with_layer,
)
from eisym._network import (
    bias_symbol,
    forward_values,
    hidden_symbol,
    input_symbols,
    preactivation_symbol,
    weight_symbol,
)

ELEMENTWISE = ["sigmoid", "tanh", "sine", "softplus", "identity", "polynomial:1/2,1,-1/3", "poly3"]


def raises_spec(fragment: str):
    """A SpecError (so also an EisymError and a ValueError) whose message names ``fragment``."""
    return pytest.raises(SpecError, match=fragment)


def activation_function(label: str):
    """The scalar activation written out independently of eisym."""
    if label == "sigmoid":
        return lambda z: 1 / (1 + sp.exp(-z))
    if label == "tanh":
        return sp.tanh
    if label == "sine":
        return sp.sin
    if label == "softplus":
        return lambda z: sp.log(1 + sp.exp(z))
    if label == "identity":
        return lambda z: z
    if label == "poly3":
        return lambda z: z + z**2 / 2 + z**3 / 6
    if label.startswith("polynomial:"):
        coeffs = [sp.Rational(c) for c in label.split(":")[1].split(",")]
        return lambda z: sum(c * z**i for i, c in enumerate(coeffs))
    raise AssertionError(label)


def hand_outputs(net, activations):
    """h^[n](x) composed by plain matrix algebra (no eisym code path)."""
    h = sp.Matrix(net.inputs)
    for u, label in enumerate(activations, start=1):
        z = sp.Matrix(net.weights[u - 1]) * h
        if net.spec.bias:
            z += sp.Matrix(net.biases[u - 1])
        if label == "softmax":
            e = z.applyfunc(sp.exp)
            h = e / sum(e)
        else:
            h = z.applyfunc(activation_function(label))
    return tuple(h)


# ---------------------------------------------------------------------------------------- symbolic


def test_symbolic_weights_are_named_and_print_as_latex():
    net = build_network("2,3,1", "sigmoid", bias=True)
    for u in (1, 2):
        w, b = net.weights[u - 1], net.biases[u - 1]
        assert w.shape == (net.widths[u], net.widths[u - 1])
        for v in range(1, net.widths[u] + 1):
            assert b[v - 1] == sp.Symbol(f"b^{{[{u}]}}_{{{v}}}") == bias_symbol(u, v)
            assert sp.latex(b[v - 1]) == f"b^{{[{u}]}}_{{{v}}}"
            for k in range(1, net.widths[u - 1] + 1):
                assert w[v - 1, k - 1] == weight_symbol(u, v, k)
                assert sp.latex(w[v - 1, k - 1]) == f"w^{{[{u}]}}_{{{v},{k}}}"
    assert len(net.free_symbols) == net.parameter_count == 13
    assert set(net.free_symbols) == set(net.parameters)
    assert net.is_exact
    assert net.source.kind == "symbolic"
    latex = sp.latex(network_outputs(net)[0])
    for piece in ("w^{[2]}_{1,3}", "w^{[1]}_{3,2}", "b^{[1]}_{2}", "b^{[2]}_{1}", "x_{1}", "x_{2}"):
        assert piece in latex


def test_other_symbols_print_as_the_paper_writes_them():
    assert [sp.latex(x) for x in input_symbols(3)] == ["x_{1}", "x_{2}", "x_{3}"]
    assert sp.latex(hidden_symbol(2, 3)) == "h^{[2]}_{3}"
    assert sp.latex(preactivation_symbol(1, 4)) == "z^{[1]}_{4}"


def test_no_bias_by_default():
    net = build_network("2,3,1")
    assert net.biases == ()
    assert net.parameter_count == len(net.parameters) == 9
    assert not any(s.name.startswith("b") for s in net.free_symbols)


# ---------------------------------------------------------------------------------------- explicit


def test_explicit_weights_keep_exact_types():
    net = build_network(
        "2,2,1",
        "identity",
        weights=[[[1, Fraction(1, 3)], [sp.Rational(-2, 7), "5/4"]], [[0.25, sp.Integer(3)]]],
    )
    w1, w2 = net.weights
    assert w1[0, 0] == 1 and isinstance(w1[0, 0], sp.Integer)
    assert w1[0, 1] == sp.Rational(1, 3) and isinstance(w1[0, 1], sp.Rational)
    assert w1[1, 0] == sp.Rational(-2, 7)
    assert w1[1, 1] == sp.Rational(5, 4)
    assert isinstance(w2[0, 0], sp.Float) and float(w2[0, 0]) == 0.25
    assert not net.is_exact
    assert net.source.kind == "explicit"


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1, -2], [3, 4]]),
        np.array([[Fraction(1, 2), Fraction(-2, 3)], [3, Fraction(7, 5)]], dtype=object),
        np.array([[sp.Rational(1, 2), sp.Integer(2)], [sp.Rational(-9, 4), 0]], dtype=object),
        [[Fraction(1, 2), -2], [3, Fraction(4, 9)]],
    ],
)
def test_exact_weights_give_exact_outputs(array):
    net = build_network("2,2,1", "polynomial:0,1,1/2", weights=[array, [[1, "-1/3"]]])
    assert net.is_exact
    expected = [[sp.Rational(str(Fraction(x))) for x in row] for row in np.asarray(array).tolist()]
    assert net.weights[0] == sp.ImmutableMatrix(expected)
    point = [sp.Rational(2, 5), sp.Rational(-1, 3)]
    (value,) = forward_values(net, point)[-1]
    assert isinstance(value, sp.Rational)
    (hand,) = hand_outputs(net, ["polynomial:0,1,1/2"] * 2)
    assert value == hand.subs(dict(zip(net.inputs, point, strict=True)))


def test_float_array_gives_floats_equal_to_the_input():
    array = np.array([[0.1, -1.5], [2.0, 1e-3]])
    net = build_network("2,2", "tanh", weights=[array])
    assert not net.is_exact
    assert np.array_equal(np.array(net.weights[0].tolist(), dtype=float), array)


def test_symbolic_layer_among_explicit_ones():
    net = build_network("1,2,1", "identity", weights=[[[1], [2]], "symbolic"])
    assert net.weights[0] == sp.ImmutableMatrix([[1], [2]])
    assert net.weights[1] == sp.ImmutableMatrix([[weight_symbol(2, 1, 1), weight_symbol(2, 1, 2)]])
    (out,) = network_outputs(net)
    x = net.inputs[0]
    assert sp.expand(out - (weight_symbol(2, 1, 1) * x + 2 * weight_symbol(2, 1, 2) * x)) == 0


def test_explicit_biases():
    net = build_network("2,1", "identity", bias=True, weights=[[[1, 2]]], biases=[["3/2"]])
    assert net.biases[0] == sp.ImmutableMatrix([[sp.Rational(3, 2)]])
    x1, x2 = net.inputs
    assert network_outputs(net)[0] == x1 + 2 * x2 + sp.Rational(3, 2)
    sym = build_network("2,1", "identity", bias=True, weights=[[[1, 2]]], biases=["symbolic"])
    assert sym.biases[0][0] == bias_symbol(1, 1)


# ------------------------------------------------------------------------------------------ random


def _direct_draws(seed, widths, bias, scale=1.0):
    """The numbers build_network must produce: one default_rng stream, W^[1], (b^[1]), W^[2], ..."""
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for r, c in zip(widths[1:], widths[:-1], strict=True):
        ws.append(rng.standard_normal((r, c)) * scale)
        if bias:
            bs.append(rng.standard_normal((r, 1)) * scale)
    return ws, bs


@pytest.mark.parametrize("bias", [False, True])
def test_random_float_weights_are_the_seeded_numpy_draws(bias):
    widths = (3, 4, 2)
    net = build_network(widths, "tanh", bias=bias, weights="random:11", scale=0.5)
    ws, bs = _direct_draws(11, widths, bias, scale=0.5)
    for got, want in zip(net.weights, ws, strict=True):
        assert all(isinstance(e, sp.Float) for e in got)
        assert np.array_equal(np.array(got.tolist(), dtype=float), want)
    for got, want in zip(net.biases, bs, strict=True):
        assert np.array_equal(np.array(got.tolist(), dtype=float), want)
    assert len(net.biases) == (2 if bias else 0)


@pytest.mark.parametrize("denominator", [1, 8, 100])
def test_random_rational_weights_round_the_draws(denominator):
    widths = (2, 3, 1)
    net = build_network(widths, weights=f"random:5:rational:{denominator}", bias=True, scale=0.5)
    assert net.is_exact
    ws, bs = _direct_draws(5, widths, True, scale=0.5)
    for got, want in zip(net.weights + net.biases, ws + bs, strict=True):
        for i in range(want.shape[0]):
            for j in range(want.shape[1]):
                entry = got[i, j]
                assert isinstance(entry, sp.Rational)
                assert entry.q in {d for d in range(1, denominator + 1) if denominator % d == 0}
                assert entry == sp.Rational(round(want[i, j] * denominator), denominator)
                assert abs(float(entry) - want[i, j]) <= 0.5 / denominator


def test_random_weights_are_reproducible_and_seed_dependent():
    a = build_network("2,3,1", weights="random:1:rational:64")
    b = build_network("2,3,1", weights="random:1:rational:64")
    c = build_network("2,3,1", weights="random:2:rational:64")
    assert a == b
    assert a.weights != c.weights
    floats = [build_network("2,3,1", weights=f"random:{seed}").weights for seed in (1, 2)]
    assert floats[0] != floats[1]


# ---------------------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "net",
    [
        build_network("2,3,1", "sigmoid"),
        build_network("2,3,1", "tanh", bias=True),
        build_network("2,2,2", ["poly2", "softmax"], weights="random:3:rational:16", bias=True, scale=0.5),
        build_network("3,2", "sine", weights="random:4", bias=True, scale=2.0),
        build_network(
            "1,2,1",
            ["polynomial:1/3,1,-1/7", "identity"],
            weights=[[[Fraction(1, 3)], [0.1]], "symbolic"],
            bias=True,
            biases=[["-5/9", 2], "symbolic"],
        ),
    ],
    ids=["symbolic", "symbolic-bias", "rational-scaled", "float-scaled", "mixed"],
)
def test_json_round_trip_is_exact(net, tmp_path):
    text = network_to_json(net)
    again = network_from_json(text)
    assert again == net
    assert again.weights == net.weights and again.biases == net.biases and again.spec == net.spec
    # rationals are stored as strings, never as floats
    doc = json.loads(text)
    stored_values = [x for w in doc["weights"] for row in w for x in row]
    stored_values += [x for b in doc["biases"] or () for x in b]
    values = [x for w in net.weights for x in w] + [x for b in net.biases for x in b]
    for value, stored in zip(values, stored_values, strict=True):
        if isinstance(value, sp.Rational) and not isinstance(value, sp.Integer):
            assert stored == f"{value.p}/{value.q}"
        elif isinstance(value, sp.Symbol):
            assert stored == {"symbol": value.name}
    path = tmp_path / "net.json"
    save_network(net, path)
    assert load_network(path) == net


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an eisym network file"),
        ('{"format": "other"}', "not an eisym network file"),
        ('{"format": "eisym.network/1"}', "'spec'"),
        ('{"format": "eisym.network/1", "spec": {"widths": [1, 1]}}', "'activations'"),
    ],
)
def test_network_from_json_rejects_bad_documents(text, fragment):
    with raises_spec(fragment):
        network_from_json(text)


def test_network_from_json_checks_weights_like_build_network():
    doc = json.loads(network_to_json(build_network("2,1", weights=[[[1, 2]]])))
    doc["weights"] = [[[1, 2, 3]]]
    with raises_spec("row 1 should have 2 entries"):
        network_from_json(json.dumps(doc))
    doc["weights"] = [[[1, "x"]]]
    with raises_spec("'x'"):
        network_from_json(json.dumps(doc))


def test_load_network_missing_file(tmp_path):
    missing = tmp_path / "nope.json"
    with raises_spec("nope.json"):
        load_network(missing)


def test_non_numeric_weights_cannot_be_saved():
    net = build_network("1,1", weights=[[[sp.sqrt(2)]]])
    with raises_spec("sqrt"):
        network_to_json(net)


# ---------------------------------------------------------------------------------------- graph


def test_graph_nodes_edges_and_weights():
    net = build_network("3,4,2", ["tanh", "softmax"], weights="random:0:rational", bias=True)
    g = network_graph(net)
    widths = net.widths
    assert g.number_of_nodes() == sum(widths)
    assert g.number_of_edges() == sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
    expected_nodes = [(u, v) for u, w in enumerate(widths) for v in range(1, w + 1)]
    assert list(g.nodes) == expected_nodes
    # DiGraph reports edges source by source, each source's targets in unit order
    expected_edges = [
        ((u - 1, k), (u, v))
        for u in range(1, len(widths))
        for k in range(1, widths[u - 1] + 1)
        for v in range(1, widths[u] + 1)
    ]
    assert list(g.edges) == expected_edges
    for (_, k), (u, v) in g.edges:
        assert g.edges[(u - 1, k), (u, v)]["weight"] == net.weights[u - 1][v - 1, k - 1]
    for u, v in expected_nodes:
        node = g.nodes[(u, v)]
        assert (node["layer"], node["unit"]) == (u, v)
        if u == 0:
            assert node["symbol"] == net.inputs[v - 1] and node["activation"] is None
        else:
            assert node["symbol"] == hidden_symbol(u, v)
            assert node["activation"] == ("tanh" if u == 1 else "softmax")
            assert node["bias"] == net.biases[u - 1][v - 1]
    # every neuron's in-degree is the previous layer's width
    for u, v in expected_nodes[widths[0] :]:
        assert g.in_degree((u, v)) == widths[u - 1]


def test_graph_order_is_deterministic():
    a = network_graph(build_network("2,3,3,1", "sine"))
    b = network_graph(build_network("2,3,3,1", "sine"))
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))


# ------------------------------------------------------------------------------------ expressions


@pytest.mark.parametrize("activation", ELEMENTWISE)
@pytest.mark.parametrize("bias", [False, True])
def test_composed_outputs_match_hand_built_formula(activation, bias):
    net = build_network("2,2,1", activation, weights="random:9:rational:8", bias=bias)
    hand = hand_outputs(net, [activation] * 2)
    ours = network_outputs(net)
    if activation.startswith("poly") or activation == "identity":
        assert all(sp.expand(a - b) == 0 for a, b in zip(ours, hand, strict=True))
    else:
        point = {net.inputs[0]: sp.Rational(3, 7), net.inputs[1]: sp.Rational(-5, 3)}
        for a, b in zip(ours, hand, strict=True):
            assert abs(sp.N((a - b).subs(point), 50)) < sp.Float("1e-45")


def test_softmax_outputs_match_hand_built_formula_and_sum_to_one():
    net = build_network("2,3,3", ["sigmoid", "softmax"], weights="random:2:rational:8", bias=True)
    hand = hand_outputs(net, ["sigmoid", "softmax"])
    ours = network_outputs(net)
    point = {net.inputs[0]: sp.Rational(1, 2), net.inputs[1]: sp.Rational(-2, 3)}
    for a, b in zip(ours, hand, strict=True):
        assert abs(sp.N((a - b).subs(point), 50)) < sp.Float("1e-45")
    assert abs(sp.N(sum(ours).subs(point), 50) - 1) < sp.Float("1e-45")


@pytest.mark.parametrize("activation", ["sigmoid", "poly2", ["tanh", "tanh", "softmax"]])
def test_layered_expression_composes_to_the_composed_one(activation):
    net = build_network("2,3,2,2", activation, weights="random:4:rational:8", bias=True)
    for u in range(1, net.depth + 1):
        below = {
            hidden_symbol(u - 1, k): neuron_expression(net, u - 1, k) if u > 1 else net.inputs[k - 1]
            for k in range(1, net.widths[u - 1] + 1)
        }
        for v in range(1, net.widths[u] + 1):
            layered = neuron_expression(net, u, v, form="layered")
            assert layered.free_symbols <= set(below)
            assert layered.xreplace(below) == neuron_expression(net, u, v, form="composed")


def test_forward_values_equal_the_composed_expressions_at_a_point():
    net = build_network("2,3,1", "poly2", weights="random:6:rational:4", bias=True)
    point = [sp.Rational(-1, 2), 3]
    layers = forward_values(net, point)
    assert layers[0] == tuple(point)
    subs = dict(zip(net.inputs, point, strict=True))
    for u in range(1, net.depth + 1):
        units = range(1, net.widths[u] + 1)
        assert layers[u] == tuple(neuron_expression(net, u, v).subs(subs) for v in units)


def test_with_layer_replaces_only_that_layer():
    net = build_network("2,3,1", weights="random:0:rational", bias=True)
    new = with_layer(net, 2, [["1/2", 2, -1]], biases=[[7]])
    assert new.weights[0] == net.weights[0] and new.biases[0] == net.biases[0]
    assert new.weights[1] == sp.ImmutableMatrix([[sp.Rational(1, 2), 2, -1]])
    assert new.biases[1] == sp.ImmutableMatrix([[7]])
    assert new.source.kind == "explicit"
    arrays = with_layer(net, 2, np.array([[1, 2, 3]]), biases=np.array([Fraction(1, 2)], dtype=object))
    assert arrays.weights[1] == sp.ImmutableMatrix([[1, 2, 3]])
    assert arrays.biases[1] == sp.ImmutableMatrix([[sp.Rational(1, 2)]])
    with raises_spec(r"row 1 should have 3 entries"):
        with_layer(net, 2, np.array([[1, 2]]))
    sym = with_layer(net, 1, "symbolic")
    assert sym.weights[0][2, 1] == weight_symbol(1, 3, 2) and sym.weights[1] == net.weights[1]


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("weights", "fragment"),
    [
        ([[[1, 2, 3]]], r"row 1 should have 2 entries .* got \[1, 2, 3\]"),
        ([[[1], [2]]], r"expected 1 rows \(shape 1x2\)"),
        ([np.zeros((2, 2))], r"expected 1 rows \(shape 1x2\)"),
        ([[1, 2]], r"expected 1 rows \(shape 1x2\)"),
        ([[[1, 2]], [[1]]], "a list of 1 matrices with shapes 1x2"),
        ([], "a list of 1 matrices"),
        (42, "got 42"),
    ],
)
def test_wrong_weight_shapes(weights, fragment):
    with raises_spec(fragment):
        build_network("2,1", weights=weights)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (float("nan"), "finite, got nan"),
        (np.nan, "finite, got nan"),
        (float("inf"), "finite, got inf"),
        (-np.inf, "finite, got -inf"),
        (sp.nan, "finite, got nan"),
        (sp.oo, "finite, got oo"),
        (-sp.oo, "finite, got -oo"),
        (sp.zoo, "finite, got zoo"),
        (sp.I, "real, got I"),
        (1 + 2j, r"got \(1\+2j\)"),
        (True, "boolean True"),
        ("abc", "'abc'"),
        ("nan", "'nan'"),
        (None, "got None"),
    ],
)
def test_non_finite_or_non_numeric_weights(bad, fragment):
    with raises_spec(r"W\^\[1\]\[1,2\]: .*" + fragment):
        build_network("2,1", weights=[[[1, bad]]])


def test_nan_inside_a_numpy_array():
    with raises_spec(r"W\^\[2\]\[1,1\].*nan"):
        build_network("1,1,1", weights=[np.array([[1.0]]), np.array([[np.nan]])])


def test_bias_mismatches():
    with raises_spec("bias=False"):
        build_network("2,1", weights=[[[1, 2]]], biases=[[1]])
    with raises_spec("needs biases"):
        build_network("2,1", weights=[[[1, 2]]], bias=True)
    with raises_spec(r"biases: expected a list of 1 vectors"):
        build_network("2,1", weights=[[[1, 2]]], bias=True, biases=[[1], [2]])
    with raises_spec(r"b\^\[1\].*nan"):
        build_network("2,1", weights=[[[1, 2]]], bias=True, biases=[[float("nan")]])
    with raises_spec("only used with explicit weights"):
        build_network("2,1", weights="symbolic", bias=True, biases=[[1]])


@pytest.mark.parametrize("bad", [0, 3, -1, True, 1.5, "1"])
def test_bad_layer_and_unit_indices(bad):
    net = build_network("2,2,1", weights="random:0:rational")
    with raises_spec(f"got {bad!r}"):
        neuron_expression(net, bad, 1)
    with raises_spec(f"got {bad!r}"):
        with_layer(net, bad, "symbolic")
    with raises_spec(f"got {bad!r}"):
        neuron_expression(net, 1, bad)


def test_bad_expression_form_and_bad_points():
    net = build_network("2,2,1")
    with raises_spec("'flat'"):
        neuron_expression(net, 1, 1, form="flat")
    with raises_spec(r"dimension 3; the network's input dimension m is 2"):
        forward_values(net, [1, 2, 3])
    with raises_spec("got '12'"):
        forward_values(net, "12")
    with raises_spec("sample coordinate.*nan"):
        forward_values(net, [0, float("nan")])


def test_all_spec_errors_are_eisym_and_value_errors():
    for call in (
        lambda: build_network("2,1", weights=[[[1, float("inf")]]]),
        lambda: build_network("2,0"),
        lambda: build_network("2,1", "relu"),
    ):
        with pytest.raises(EisymError) as info:
            call()
        assert isinstance(info.value, ValueError) and isinstance(info.value, SpecError)
