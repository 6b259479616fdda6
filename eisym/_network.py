"""Networks as sympy expression graphs.

A :class:`Network` is a spec plus one exact weight matrix per layer (sympy numbers or
symbols). Neurons follow the paper: h_v^[u] = S(sum_k w_{v,k}^[u] h_k^[u-1] (+ b_v^[u])),
h_k^[0] = x_k; a softmax output layer gives p_v = exp(z_v) / sum_j exp(z_j).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from numbers import Integral, Real
from pathlib import Path

import networkx as nx
import numpy as np
import sympy as sp

from ._activations import symbolic_activation
from ._errors import SpecError
from ._spec import NetworkSpec, WeightSource, make_spec, parse_weight_source

__all__ = [
    "Network",
    "build_network",
    "input_symbols",
    "weight_symbol",
    "bias_symbol",
    "hidden_symbol",
    "preactivation_symbol",
    "network_graph",
    "neuron_expression",
    "network_outputs",
    "forward_values",
    "with_layer",
    "network_to_json",
    "network_from_json",
    "save_network",
    "load_network",
]


def input_symbols(m: int) -> tuple[sp.Symbol, ...]:
    """The input symbols x_1, ..., x_m (named ``x_{t}`` so LaTeX prints x_{t})."""
    return tuple(sp.Symbol(f"x_{{{t}}}") for t in range(1, m + 1))


def weight_symbol(u: int, v: int, k: int) -> sp.Symbol:
    """w_{v,k}^[u], printed in LaTeX as w^{[u]}_{v,k}."""
    return sp.Symbol(f"w^{{[{u}]}}_{{{v},{k}}}")


def bias_symbol(u: int, v: int) -> sp.Symbol:
    """b_v^[u]."""
    return sp.Symbol(f"b^{{[{u}]}}_{{{v}}}")


def hidden_symbol(u: int, v: int) -> sp.Symbol:
    """h_v^[u], the output of neuron v of layer u (h^[0] is the input x)."""
    return sp.Symbol(f"h^{{[{u}]}}_{{{v}}}")


def preactivation_symbol(u: int, v: int) -> sp.Symbol:
    """z_v^[u], the weighted sum entering neuron v of layer u."""
    return sp.Symbol(f"z^{{[{u}]}}_{{{v}}}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """A network: its spec and exact weights.

    ``weights[u-1]`` is W^[u] (l_u x l_{u-1}); ``biases[u-1]`` is b^[u] (l_u x 1), empty
    when the spec has no biases. Entries are sympy numbers (Integer, Rational, Float)
    or symbols.
    """

    spec: NetworkSpec
    weights: tuple[sp.ImmutableMatrix, ...]
    biases: tuple[sp.ImmutableMatrix, ...]
    source: WeightSource

    @property
    def widths(self) -> tuple[int, ...]:
        """(m, l_1, ..., l_n)."""
        return self.spec.widths

    @property
    def depth(self) -> int:
        """n, the number of layers after the input."""
        return self.spec.depth

    @property
    def m(self) -> int:
        """Input dimension."""
        return self.spec.m

    @property
    def inputs(self) -> tuple[sp.Symbol, ...]:
        """x_1, ..., x_m."""
        return input_symbols(self.spec.m)

    @property
    def parameter_count(self) -> int:
        """Number of weights and biases."""
        return self.spec.parameter_count

    @property
    def parameters(self) -> tuple[sp.Expr, ...]:
        """All weights (row-major per layer) then that layer's biases, layer by layer."""
        out: list[sp.Expr] = []
        for u in range(self.depth):
            out.extend(self.weights[u])
            if self.spec.bias:
                out.extend(self.biases[u])
        return tuple(out)

    @property
    def is_exact(self) -> bool:
        """True when no weight is a float (integers, rationals and symbols are exact)."""
        return not any(p.has(sp.Float) for p in self.parameters)

    @property
    def free_symbols(self) -> tuple[sp.Symbol, ...]:
        """Symbolic parameters, in parameter order."""
        seen: dict[sp.Symbol, None] = {}
        for p in self.parameters:
            for s in sorted(p.free_symbols, key=sp.default_sort_key):
                seen.setdefault(s, None)
        return tuple(seen)


def _number(value: object, where: str) -> sp.Expr:
    """Convert one weight exactly: ints, Fractions and sympy rationals stay exact."""
    if isinstance(value, bool):
        raise SpecError(f"{where}: expected a number, got the boolean {value!r}")
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise SpecError(f"{where}: expected a number or sympy expression, got {value!r}")
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise SpecError(f"{where}: must be finite, got {value}")
        if value.is_real is False:
            raise SpecError(f"{where}: must be real, got {value}")
        return value
    if isinstance(value, Integral):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, Real):
        f = float(value)
        if not math.isfinite(f):
            raise SpecError(f"{where}: must be finite, got {value!r}")
        return sp.Float(f)
    if isinstance(value, str):
        try:
            frac = Fraction(value.strip())
        except ValueError:
            raise SpecError(f"{where}: cannot read {value!r} as a number such as '3/4'") from None
        return sp.Rational(frac.numerator, frac.denominator)
    raise SpecError(f"{where}: expected an int, Fraction, float or sympy number, got {value!r}")


def _check_index(value: object, upper: int, what: str) -> int:
    """A 1-based index in 1..upper; booleans and non-integers are refused, not coerced."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= int(value) <= upper:
        raise SpecError(f"{what} must be an integer between 1 and {upper}, got {value!r}")
    return int(value)


def _matrix(values: object, shape: tuple[int, int], what: str) -> sp.ImmutableMatrix:
    arr = values.tolist() if isinstance(values, np.ndarray) else values
    if isinstance(arr, sp.MatrixBase):
        arr = arr.tolist()
    if shape[1] == 1 and isinstance(arr, Sequence) and not isinstance(arr, str):
        arr = [r if isinstance(r, (list, tuple)) else [r] for r in arr]
    if not isinstance(arr, Sequence) or isinstance(arr, str) or len(arr) != shape[0]:
        raise SpecError(f"{what}: expected {shape[0]} rows (shape {shape[0]}x{shape[1]}), got {values!r}")
    rows = []
    for i, row in enumerate(arr, start=1):
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != shape[1]:
            raise SpecError(f"{what}: row {i} should have {shape[1]} entries (shape {shape}), got {row!r}")
        rows.append([_number(x, f"{what}[{i},{j}]") for j, x in enumerate(row, start=1)])
    return sp.ImmutableMatrix(rows)


def _symbolic_layer(u: int, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, cols, lambda v, k: weight_symbol(u, v + 1, k + 1))


def _symbolic_bias(u: int, rows: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows, 1, lambda v, _: bias_symbol(u, v + 1))


def _random_entries(
    rng: np.random.Generator, shape: tuple[int, int], src: WeightSource
) -> sp.ImmutableMatrix:
    draws = rng.standard_normal(shape) * src.scale
    if src.number == "rational":
        return sp.ImmutableMatrix(
            shape[0],
            shape[1],
            lambda i, j: sp.Rational(round(float(draws[i, j]) * src.denominator), src.denominator),
        )
    return sp.ImmutableMatrix(shape[0], shape[1], lambda i, j: sp.Float(float(draws[i, j])))


def build_network(
    widths: str | Sequence[object] | NetworkSpec,
    activation: object = "sigmoid",
    *,
    bias: bool = False,
    weights: object = "symbolic",
    biases: object = None,
    scale: float = 1.0,
) -> Network:
    """Build a network.

    Parameters
    ----------
    widths : str, sequence of int or NetworkSpec
        (m, l_1, ..., l_n), e.g. ``"2,3,1"``. A :class:`NetworkSpec` carries its own
        activations and bias flag.
    activation : str or sequence of str
        One activation for every layer or one per layer: sigmoid, tanh, sine, softplus,
        identity, ``polynomial:c0,c1,...`` or ``polyD``; ``softmax`` on the output layer.
    bias : bool
        Add a bias to every neuron (default False, the paper's form).
    weights : "symbolic", "random:SEED[:rational[:DEN]]", WeightSource or sequence
        A sequence gives one entry per layer: an l_u x l_{u-1} array (ints, Fractions,
        floats, sympy numbers) or the string ``"symbolic"``.
    biases : sequence, optional
        With explicit weights and ``bias=True``: one length-l_u vector (or ``"symbolic"``)
        per layer.
    scale : float
        Standard deviation of random weights.

    Examples
    --------
    >>> net = build_network("1,2,1", weights=[[[1], [2]], [[3, "1/2"]]])
    >>> net.weights[1]
    Matrix([[3, 1/2]])
    >>> build_network("2,2,1", weights="random:0:rational:4").is_exact
    True
    """
    spec = widths if isinstance(widths, NetworkSpec) else make_spec(widths, activation, bias=bias)  # type: ignore[arg-type]
    pairs = list(zip(spec.widths[1:], spec.widths[:-1], strict=True))
    if isinstance(weights, str):
        source = parse_weight_source(weights, scale=scale)
    elif isinstance(weights, WeightSource):
        source = weights
    else:
        source = WeightSource(kind="explicit")

    if source.kind == "symbolic":
        ws = tuple(_symbolic_layer(u, r, c) for u, (r, c) in enumerate(pairs, start=1))
        bs = tuple(_symbolic_bias(u, r) for u, (r, _) in enumerate(pairs, start=1))
    elif source.kind == "random":
        rng = np.random.default_rng(source.seed)
        w_list, b_list = [], []
        for r, c in pairs:
            w_list.append(_random_entries(rng, (r, c), source))
            if spec.bias:
                b_list.append(_random_entries(rng, (r, 1), source))
        ws, bs = tuple(w_list), tuple(b_list)
    else:
        ws, bs = _explicit_layers(spec, weights, biases, pairs)
    if not spec.bias:
        bs = ()
    elif biases is not None and source.kind != "explicit":
        raise SpecError("biases= is only used with explicit weights")
    return Network(spec=spec, weights=ws, biases=bs, source=source)


def _explicit_layers(
    spec: NetworkSpec, weights: object, biases: object, pairs: list[tuple[int, int]]
) -> tuple[tuple[sp.ImmutableMatrix, ...], tuple[sp.ImmutableMatrix, ...]]:
    if not isinstance(weights, Sequence) or len(weights) != spec.depth:
        raise SpecError(
            f"weights: expected 'symbolic', 'random:SEED' or a list of {spec.depth} matrices "
            f"with shapes {', '.join(f'{r}x{c}' for r, c in pairs)}, got {weights!r}"
        )
    ws = tuple(
        _symbolic_layer(u, r, c) if isinstance(w, str) and w == "symbolic" else _matrix(w, (r, c), f"W^[{u}]")
        for u, (w, (r, c)) in enumerate(zip(weights, pairs, strict=True), start=1)
    )
    if not spec.bias:
        if biases is not None:
            raise SpecError("biases given but bias=False; pass bias=True to use them")
        return ws, ()
    if biases is None:
        raise SpecError(f"bias=True with explicit weights needs biases: a list of {spec.depth} vectors")
    if not isinstance(biases, Sequence) or len(biases) != spec.depth:
        raise SpecError(f"biases: expected a list of {spec.depth} vectors, got {biases!r}")
    bs = tuple(
        _symbolic_bias(u, r) if isinstance(b, str) and b == "symbolic" else _matrix(b, (r, 1), f"b^[{u}]")
        for u, (b, (r, _)) in enumerate(zip(biases, pairs, strict=True), start=1)
    )
    return ws, bs


def with_layer(net: Network, layer: int, weights: object, biases: object = None) -> Network:
    """A copy of ``net`` with layer ``layer``'s weights (and biases) replaced.

    Examples
    --------
    >>> net = build_network("1,2,1", weights="random:0:rational")
    >>> with_layer(net, 2, "symbolic").weights[1]
    Matrix([[w^{[2]}_{1,1}, w^{[2]}_{1,2}]])
    """
    layer = _check_index(layer, net.depth, "layer")
    r, c = net.widths[layer], net.widths[layer - 1]
    new_w = (
        _symbolic_layer(layer, r, c)
        if isinstance(weights, str) and weights == "symbolic"
        else _matrix(weights, (r, c), f"W^[{layer}]")
    )
    ws = net.weights[: layer - 1] + (new_w,) + net.weights[layer:]
    bs = net.biases
    if biases is not None:
        if not net.spec.bias:
            raise SpecError("biases given for a network without biases")
        symbolic = isinstance(biases, str) and biases == "symbolic"
        new_b = _symbolic_bias(layer, r) if symbolic else _matrix(biases, (r, 1), f"b^[{layer}]")
        bs = bs[: layer - 1] + (new_b,) + bs[layer:]
    return replace(net, weights=ws, biases=bs, source=WeightSource(kind="explicit"))


def _preactivations(net: Network, u: int, previous: Sequence[sp.Expr]) -> list[sp.Expr]:
    w = net.weights[u - 1]
    cols = w.shape[1]
    z = [sp.Add(*(w[v, k] * previous[k] for k in range(cols))) for v in range(w.shape[0])]
    if net.spec.bias:
        z = [zv + net.biases[u - 1][v] for v, zv in enumerate(z)]
    return z


def _activate(net: Network, u: int, z: Sequence[sp.Expr]) -> list[sp.Expr]:
    spec = net.spec.activations[u - 1]
    if spec.name == "softmax":
        exps = [sp.exp(zv) for zv in z]
        total = sp.Add(*exps)
        return [e / total for e in exps]
    act = symbolic_activation(spec)
    return [act.value(zv) for zv in z]


def forward_values(net: Network, point: Sequence[object]) -> tuple[tuple[sp.Expr, ...], ...]:
    """h^[0], ..., h^[n] at ``point`` (numbers or expressions), composed layer by layer.

    Examples
    --------
    >>> net = build_network("1,1", "identity", weights=[[[2]]])
    >>> forward_values(net, [3])
    ((3,), (6,))
    """
    x = _point(net, point)
    layers: list[tuple[sp.Expr, ...]] = [x]
    for u in range(1, net.depth + 1):
        layers.append(tuple(_activate(net, u, _preactivations(net, u, layers[-1]))))
    return tuple(layers)


def _point(net: Network, point: Sequence[object]) -> tuple[sp.Expr, ...]:
    if isinstance(point, (str, bytes)) or not isinstance(point, (Sequence, np.ndarray)):
        raise SpecError(f"sample: expected a sequence of {net.m} numbers, got {point!r}")
    values = list(point)
    if len(values) != net.m:
        raise SpecError(
            f"sample {values!r} has dimension {len(values)}; the network's input dimension m is {net.m}"
        )
    return tuple(_number(v, "sample coordinate") for v in values)


def network_outputs(net: Network) -> tuple[sp.Expr, ...]:
    """The composed output functions h_v^[n](x), v = 1..l_n."""
    return forward_values(net, net.inputs)[-1]


def neuron_expression(net: Network, layer: int, unit: int, *, form: str = "composed") -> sp.Expr:
    """The expression of neuron h_unit^[layer].

    ``form="composed"`` substitutes everything down to x; ``form="layered"`` writes it in
    terms of the previous layer's symbols h_k^[layer-1] (the paper's form of L(n,v)).

    Examples
    --------
    >>> net = build_network("1,1", "tanh")
    >>> neuron_expression(net, 1, 1, form="layered")
    tanh(h^{[0]}_{1}*w^{[1]}_{1,1})
    """
    layer = _check_index(layer, net.depth, "layer")
    unit = _check_index(unit, net.widths[layer], f"unit of layer {layer}")
    if form == "composed":
        return forward_values(net, net.inputs)[layer][unit - 1]
    if form != "layered":
        raise SpecError(f"form must be 'composed' or 'layered', got {form!r}")
    previous = [hidden_symbol(layer - 1, k) for k in range(1, net.widths[layer - 1] + 1)]
    return _activate(net, layer, _preactivations(net, layer, previous))[unit - 1]


def network_graph(net: Network) -> nx.DiGraph:
    """The network as a DAG: nodes (u, v) (u = 0 for inputs), edges carry ``weight``.

    Node attributes: ``layer``, ``unit``, ``symbol`` (x_t or h_v^[u]), ``activation``
    and ``bias``. Nodes and edges are inserted in a fixed order.

    Examples
    --------
    >>> g = network_graph(build_network("2,3,1"))
    >>> g.number_of_nodes(), g.number_of_edges()
    (6, 9)
    >>> g.edges[(0, 1), (1, 2)]["weight"]
    w^{[1]}_{2,1}
    """
    g = nx.DiGraph(widths=net.widths, bias=net.spec.bias)
    for t, x in enumerate(net.inputs, start=1):
        g.add_node((0, t), layer=0, unit=t, symbol=x, activation=None, bias=None)
    for u in range(1, net.depth + 1):
        act = net.spec.activations[u - 1].label
        for v in range(1, net.widths[u] + 1):
            b = net.biases[u - 1][v - 1] if net.spec.bias else None
            g.add_node((u, v), layer=u, unit=v, symbol=hidden_symbol(u, v), activation=act, bias=b)
        for v in range(1, net.widths[u] + 1):
            for k in range(1, net.widths[u - 1] + 1):
                g.add_edge((u - 1, k), (u, v), weight=net.weights[u - 1][v - 1, k - 1])
    return g


def _encode(value: sp.Expr) -> object:
    if isinstance(value, sp.Integer):
        return int(value)
    if isinstance(value, sp.Rational):
        return f"{value.p}/{value.q}"
    if isinstance(value, sp.Float):
        return float(value)
    if isinstance(value, sp.Symbol):
        return {"symbol": value.name}
    raise SpecError(f"cannot save weight {value!r}: only numbers and symbols are serialisable")


def _decode(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"symbol"}:
        return sp.Symbol(str(value["symbol"]))
    return value


def network_to_json(net: Network) -> str:
    """Serialise spec and weights exactly (rationals as ``"p/q"`` strings).

    Examples
    --------
    >>> net = build_network("1,1", weights=[[["1/3"]]])
    >>> network_from_json(network_to_json(net)) == net
    True
    """
    doc = {
        "format": "eisym.network/1",
        "spec": net.spec.to_dict(),
        "source": net.source.label,
        "scale": net.source.scale,
        "weights": [[[_encode(x) for x in w.row(i)] for i in range(w.rows)] for w in net.weights],
        "biases": [[_encode(x) for x in b] for b in net.biases] if net.spec.bias else None,
    }
    return json.dumps(doc, indent=1)


def network_from_json(text: str) -> Network:
    """Inverse of :func:`network_to_json`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"network file is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != "eisym.network/1":
        raise SpecError("not an eisym network file (missing 'format': 'eisym.network/1')")
    try:
        spec = doc["spec"]
        widths, activations, bias = spec["widths"], spec["activations"], spec["bias"]
        weights = [[[_decode(x) for x in row] for row in w] for w in doc["weights"]]
        biases = doc.get("biases")
        if biases is not None:
            biases = [[_decode(x) for x in b] for b in biases]
    except KeyError as exc:
        raise SpecError(f"network file lacks the entry {exc}; write such files with save_network") from None
    except TypeError:
        raise SpecError("network file: 'spec', 'weights' or 'biases' has the wrong structure") from None
    if not isinstance(bias, bool):
        raise SpecError(f"network file: 'bias' must be true or false, got {bias!r}")
    net = build_network(widths, activations, bias=bias, weights=weights, biases=biases)
    label = str(doc.get("source", "explicit"))
    if label.startswith("random") or label == "symbolic":
        source = parse_weight_source(label, scale=float(doc.get("scale", 1.0)))
    else:
        source = net.source
    return replace(net, source=source)


def save_network(net: Network, path: str | Path) -> None:
    """Write :func:`network_to_json` to ``path``."""
    Path(path).write_text(network_to_json(net) + "\n", encoding="utf-8")


def load_network(path: str | Path) -> Network:
    """Read a network written by :func:`save_network`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read network file {path}: {exc.strerror}") from None
    return network_from_json(text)
