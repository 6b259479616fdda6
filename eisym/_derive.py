"""Exact derivatives with respect to the input, by the layer-wise chain rule.

One recurrence (PAPER.md R1 and its second-order analogue) serves three forms:

* ``layered``: every intermediate quantity gets a name (z, h, D = S'(z), E = S''(z), the
  pre-activation gradient g, the Jacobian J and the Hessian H of every neuron), giving a
  straight-line program whose size grows linearly with depth;
* ``composed``: the same recurrence on the input symbols, fully substituted (this swells
  exponentially with depth and exists to be compared with ``sympy.diff``);
* at a point: the recurrence on numbers (exact for exact inputs).

    g^[u] = W^[u] J^[u-1],   J^[u] = diag(D^[u]) g^[u],
    H_v^[u] = E_v^[u] g_v g_v^T + D_v^[u] sum_k w_{v,k}^[u] H_k^[u-1].

A softmax output layer p = softmax(z) uses dp_v/dx = p_v (g_v - gbar), gbar = sum_a p_a g_a.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import sympy as sp

from ._activations import symbolic_activation
from ._errors import SpecError
from ._network import Network, _check_index, _point, hidden_symbol, preactivation_symbol

__all__ = ["Derivation", "derive", "gradient", "hessian", "jacobians", "sensitivities"]

Expr: TypeAlias = sp.Expr
Matrix: TypeAlias = sp.ImmutableMatrix


class _Namer:
    """Binds non-trivial expressions to fresh symbols (layered form) or passes them through."""

    def __init__(self, named: bool) -> None:
        self.named = named
        self.definitions: list[tuple[sp.Symbol, Expr]] = []

    def bind(self, symbol: sp.Symbol, expr: Expr) -> Expr:
        if not self.named or expr.is_Atom:
            return expr
        self.definitions.append((symbol, expr))
        return symbol


def _sym(kind: str, u: int, *index: int) -> sp.Symbol:
    return sp.Symbol(f"{kind}^{{[{u}]}}_{{{','.join(map(str, index))}}}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Derivation:
    """The network's values and input-derivatives, layer by layer.

    Attributes
    ----------
    network : Network
    form : str
        ``"layered"``, ``"composed"`` or ``"point"``.
    point : tuple or None
        The input point for ``form="point"``.
    definitions : tuple of (Symbol, Expr)
        The straight-line program of the layered form, in dependency order (empty otherwise).
    preactivations, outputs, slopes, curvatures : tuple of tuples
        z^[u], h^[u], D^[u] = S'(z^[u]) and E^[u] = S''(z^[u]) for u = 1..n (``outputs`` also
        holds h^[0] = x first). Softmax layers leave ``slopes``/``curvatures`` empty.
    jacobians : tuple of Matrix
        J^[u] = dh^[u]/dx (l_u x m) for u = 0..n.
    hessians : tuple of tuples of Matrix
        H_v^[u] = d^2 h_v^[u]/dx^2 (m x m) for u = 0..n; empty when ``order`` is 1.
    """

    network: Network
    form: str
    order: int
    point: tuple[Expr, ...] | None
    definitions: tuple[tuple[sp.Symbol, Expr], ...]
    preactivations: tuple[tuple[Expr, ...], ...]
    outputs: tuple[tuple[Expr, ...], ...]
    slopes: tuple[tuple[Expr, ...], ...]
    curvatures: tuple[tuple[Expr, ...], ...]
    jacobians: tuple[Matrix, ...]
    hessians: tuple[tuple[Matrix, ...], ...]

    def _unit(self, output: int) -> int:
        return _check_index(output, self.network.widths[-1], "output") - 1

    def value(self, output: int = 1) -> Expr:
        """h_output^[n]."""
        return self.outputs[-1][self._unit(output)]

    def gradient(self, output: int = 1) -> Matrix:
        """The gradient of output unit ``output`` as a 1 x m row."""
        return self.jacobians[-1][self._unit(output), :]

    def hessian(self, output: int = 1) -> Matrix:
        """The m x m Hessian of output unit ``output``."""
        if self.order < 2:
            raise SpecError("this derivation was made with order=1; derive(..., order=2) for Hessians")
        return self.hessians[-1][self._unit(output)]

    def compose(self, expr: Expr | sp.MatrixBase) -> Expr | sp.MatrixBase:
        """Substitute the named intermediates of the layered form back down to x."""
        if not self.definitions:
            return expr
        values: dict[sp.Symbol, Expr] = {}
        for symbol, rhs in self.definitions:
            values[symbol] = rhs.xreplace(values)
        return expr.xreplace(values)

    @property
    def size(self) -> int:
        """Printed size (characters) of the derivation: definitions plus the output's results."""
        parts: list[object] = [rhs for _, rhs in self.definitions]
        parts.extend(self.outputs[-1])
        parts.extend(self.jacobians[-1])
        for h in self.hessians[-1] if self.hessians else ():
            parts.extend(h)
        return sum(len(str(p)) for p in parts)


def derive(
    net: Network, *, point: Sequence[object] | None = None, form: str = "layered", order: int = 2
) -> Derivation:
    """Derive values, Jacobians and (``order=2``) Hessians of every neuron with respect to x.

    Parameters
    ----------
    net : Network
    point : sequence of numbers, optional
        Evaluate at this input point (exactly, for exact numbers) instead of symbolically.
    form : {"layered", "composed"}
        Without a point: named intermediates (linear size) or fully composed expressions in x.
    order : {1, 2}

    Examples
    --------
    >>> from eisym import build_network
    >>> net = build_network("1,1,1", "identity", weights=[[[2]], [[3]]])
    >>> d = derive(net)
    >>> d.gradient(), d.hessian()
    (Matrix([[6]]), Matrix([[0]]))
    >>> derive(build_network("1,1", "sigmoid", weights=[[[1]]]), point=[0]).gradient()
    Matrix([[1/4]])
    """
    if order not in (1, 2):
        raise SpecError(f"order must be 1 or 2, got {order!r}")
    if point is not None:
        x = _point(net, point)
        namer, kind = _Namer(False), "point"
    elif form in ("layered", "composed"):
        x, namer, kind = net.inputs, _Namer(form == "layered"), form
    else:
        raise SpecError(f"form must be 'layered' or 'composed', got {form!r}")

    m = net.m
    h: tuple[Expr, ...] = tuple(x)
    jac = sp.ImmutableMatrix.eye(m)
    zero = sp.ImmutableMatrix.zeros(m, m)
    hess: tuple[Matrix, ...] = tuple(zero for _ in range(m))
    pairs = [(s, t) for s in range(m) for t in range(s, m)]
    z_all, h_all, d_all, e_all = [], [h], [], []
    jac_all, hess_all = [jac], [hess] if order == 2 else []
    for u in range(1, net.depth + 1):
        w = net.weights[u - 1]
        act_spec = net.spec.activations[u - 1]
        rows, cols = w.shape
        z = []
        for v in range(rows):
            zv = sp.Add(*(w[v, k] * h[k] for k in range(cols)))
            if net.spec.bias:
                zv += net.biases[u - 1][v]
            z.append(namer.bind(preactivation_symbol(u, v + 1), zv))
        g = [
            [
                namer.bind(_sym("g", u, v + 1, t + 1), sp.Add(*(w[v, k] * jac[k, t] for k in range(cols))))
                for t in range(m)
            ]
            for v in range(rows)
        ]
        curv: list[Matrix] = []
        if order == 2:
            # Hessians of the pre-activations, shared by every activation kind.
            curv = [
                _symmetric(
                    m, {(s, t): sp.Add(*(w[v, k] * hess[k][s, t] for k in range(cols))) for s, t in pairs}
                )
                for v in range(rows)
            ]
        if act_spec.name == "softmax":
            h, jac, new_hess = _softmax_layer(namer, u, z, g, curv if order == 2 else None)
            d_layer: tuple[Expr, ...] = ()
            e_layer: tuple[Expr, ...] = ()
        else:
            act = symbolic_activation(act_spec)
            h = tuple(namer.bind(hidden_symbol(u, v + 1), act.value(z[v])) for v in range(rows))
            d_layer = tuple(namer.bind(_sym("D", u, v + 1), act.first(z[v], h[v])) for v in range(rows))
            e_layer = ()
            if order == 2:
                e_layer = tuple(
                    namer.bind(_sym("E", u, v + 1), act.second(z[v], h[v], d_layer[v])) for v in range(rows)
                )
            jac = sp.ImmutableMatrix(
                [
                    [namer.bind(_sym("J", u, v + 1, t + 1), d_layer[v] * g[v][t]) for t in range(m)]
                    for v in range(rows)
                ]
            )
            new_hess = ()
            if order == 2:
                new_hess = tuple(
                    _symmetric(
                        m,
                        {
                            (s, t): namer.bind(
                                _sym("H", u, v + 1, s + 1, t + 1),
                                e_layer[v] * g[v][s] * g[v][t] + d_layer[v] * curv[v][s, t],
                            )
                            for s, t in pairs
                        },
                    )
                    for v in range(rows)
                )
        if order == 2:
            hess = new_hess
            hess_all.append(hess)
        z_all.append(tuple(z))
        h_all.append(tuple(h))
        d_all.append(d_layer)
        e_all.append(e_layer)
        jac_all.append(jac)
    return Derivation(
        network=net,
        form=kind,
        order=order,
        point=tuple(x) if kind == "point" else None,
        definitions=tuple(namer.definitions),
        preactivations=tuple(z_all),
        outputs=tuple(h_all),
        slopes=tuple(d_all),
        curvatures=tuple(e_all),
        jacobians=tuple(jac_all),
        hessians=tuple(hess_all),
    )


def _symmetric(m: int, upper: dict[tuple[int, int], Expr]) -> Matrix:
    """The m x m symmetric matrix whose entries for s <= t are ``upper[s, t]``."""
    return sp.ImmutableMatrix(m, m, lambda s, t: upper[min(s, t), max(s, t)])


def _softmax_layer(
    namer: _Namer, u: int, z: list[Expr], g: list[list[Expr]], curv: list[Matrix] | None
) -> tuple[tuple[Expr, ...], Matrix, tuple[Matrix, ...]]:
    rows, m = len(z), len(g[0])
    exps = [sp.exp(zv) for zv in z]
    total = sp.Add(*exps)
    p = tuple(namer.bind(hidden_symbol(u, v + 1), exps[v] / total) for v in range(rows))
    gbar = [
        namer.bind(_sym(r"\bar{g}", u, t + 1), sp.Add(*(p[a] * g[a][t] for a in range(rows))))
        for t in range(m)
    ]
    resid = [
        [namer.bind(_sym("r", u, v + 1, t + 1), g[v][t] - gbar[t]) for t in range(m)] for v in range(rows)
    ]
    jac = sp.ImmutableMatrix(
        [[namer.bind(_sym("J", u, v + 1, t + 1), p[v] * resid[v][t]) for t in range(m)] for v in range(rows)]
    )
    if curv is None:
        return p, jac, ()
    pairs = [(s, t) for s in range(m) for t in range(s, m)]
    # Hessian of log p_v: K_v - (sum_a p_a K_a + sum_a p_a g_a g_a^T - gbar gbar^T), K_a that of z_a.
    shared = {
        (s, t): namer.bind(
            _sym(r"\bar{K}", u, s + 1, t + 1),
            sp.Add(*(p[a] * (curv[a][s, t] + g[a][s] * g[a][t]) for a in range(rows))) - gbar[s] * gbar[t],
        )
        for s, t in pairs
    }
    hess = tuple(
        _symmetric(
            m,
            {
                (s, t): namer.bind(
                    _sym("H", u, v + 1, s + 1, t + 1),
                    p[v] * (resid[v][s] * resid[v][t] + curv[v][s, t] - shared[s, t]),
                )
                for s, t in pairs
            },
        )
        for v in range(rows)
    )
    return p, jac, hess


def sensitivities(derivation: Derivation, output: int = 1) -> tuple[tuple[Expr, ...], ...]:
    """beta^[u] = d h_output^[n] / d z^[u] for u = 1..n (each a tuple of length l_u).

    beta^[n] is S'(z_v) e_v (or p_v (e_v - p) for softmax); beta^[u-1]_k =
    (sum_a beta^[u]_a w_{a,k}^[u]) S'(z_k^[u-1]).

    Examples
    --------
    >>> from eisym import build_network
    >>> net = build_network("1,2,1", "identity", weights=[[[1], [2]], [[3, 4]]])
    >>> sensitivities(derive(net))
    ((3, 4), (1,))
    """
    net = derivation.network
    n = net.depth
    v = derivation._unit(output)
    if net.spec.activations[-1].name == "softmax":
        p = derivation.outputs[-1]
        beta = tuple(p[v] * ((1 if a == v else 0) - p[a]) for a in range(len(p)))
    else:
        beta = tuple(derivation.slopes[-1][v] if a == v else sp.S.Zero for a in range(net.widths[n]))
    out = [beta]
    for u in range(n, 1, -1):
        w = net.weights[u - 1]
        beta = tuple(
            sp.Add(*(beta[a] * w[a, k] for a in range(w.rows))) * derivation.slopes[u - 2][k]
            for k in range(w.cols)
        )
        out.append(beta)
    return tuple(reversed(out))


def jacobians(net: Network, *, form: str = "layered") -> tuple[Matrix, ...]:
    """J^[0], ..., J^[n] (see :func:`derive`)."""
    return derive(net, form=form, order=1).jacobians


def gradient(net: Network, output: int = 1, *, form: str = "composed") -> Matrix:
    """The gradient of h_output^[n] with respect to x, composed to an expression in x by default.

    Examples
    --------
    >>> from eisym import build_network
    >>> gradient(build_network("2,1", "identity", weights=[[[1, 2]]]))
    Matrix([[1, 2]])
    """
    d = derive(net, form=form, order=1)
    return d.gradient(output)


def hessian(net: Network, output: int = 1, *, form: str = "composed") -> Matrix:
    """The Hessian of h_output^[n] with respect to x (composed by default)."""
    d = derive(net, form=form, order=2)
    return d.hessian(output)
