"""Stationarity systems L(n, v) and their hidden-layer and softmax analogues.

For an elementwise output activation with S' != 0, x is stationary for h_v^[n] iff
J^[n-1](x)^T w_v^[n] = 0 (PAPER.md R2): m homogeneous linear equations in the l_{n-1}
unknowns w_{v,k}^[n]. Stacking N samples gives A w = 0 with A of shape (N m) x l_{n-1} (R3).

Hidden layer u (R5): with every other layer frozen, grad_x h_v^[n] = beta^[u] W^[u] J^[u-1],
beta^[u] = d h_v^[n] / d z^[u], so stationarity is linear in vec(W^[u]) with coefficient
beta_a J_{b,t} for w_{a,b}^[u]. beta depends on W^[u] through S'(z^[u]); it is frozen at the
network's current weights.

Softmax output p = softmax(z^[n]) (an open problem of the paper): dp_v/dx = p_v (e_v - p)^T W^[n] J^[n-1],
and p_v > 0, so x is stationary iff J^T (w_v - sum_a p_a w_a) = 0. What changes: the unknowns are the
whole matrix W^[n] (all output units are coupled through p), only differences of rows matter (adding one
vector to every row changes nothing, so the system always has at least l_{n-1} extra kernel directions), and
the coefficients depend on W^[n] through p, so the system is linear only with p frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._derive import Derivation, derive, sensitivities
from ._errors import SpecError
from ._network import Network, _point, weight_symbol

__all__ = ["StationaritySystem", "stationarity_system", "validate_samples"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StationaritySystem:
    """A homogeneous linear system ``matrix @ unknowns = 0`` whose solutions make x stationary.

    Attributes
    ----------
    network : Network
    layer, output : int
        The layer whose weights are the unknowns, and the output unit v whose stationarity is asked.
    form : str
        ``"layered"`` (entries are the named intermediates of the layer-wise derivation),
        ``"composed"`` (entries are expressions in x) or ``"samples"`` (evaluated and stacked).
    unknowns : tuple of Symbol
        w_{v,k}^[n] for L(n, v); all of W^[u] (row-major) for hidden or softmax layers.
    matrix : ImmutableMatrix
        One row per (sample, coordinate t), sample-major; one column per unknown.
    samples : tuple of tuples
        The stacked sample points (empty unless ``form == "samples"``).
    frozen : str
        What was held fixed to make the system linear (empty for the paper's L(n, v)).
    derivation : Derivation or None
        The symbolic derivation behind a ``layered`` system (to compose its entries).
    """

    network: Network
    layer: int
    output: int
    form: str
    unknowns: tuple[sp.Symbol, ...]
    matrix: sp.ImmutableMatrix
    samples: tuple[tuple[sp.Expr, ...], ...]
    frozen: str
    derivation: Derivation | None

    @property
    def shape(self) -> tuple[int, int]:
        """(equations, unknowns)."""
        return self.matrix.shape

    @property
    def equations(self) -> tuple[sp.Expr, ...]:
        """Left-hand sides of the equations ``... = 0``, in row order."""
        w = sp.Matrix(self.unknowns)
        return tuple(self.matrix * w)

    def composed(self) -> sp.ImmutableMatrix:
        """The matrix with every named intermediate substituted down to x (or itself)."""
        if self.derivation is None:
            return self.matrix
        return sp.ImmutableMatrix(self.derivation.compose(self.matrix))

    def residual(self, values: Sequence[object]) -> sp.ImmutableMatrix:
        """``matrix @ values`` for a candidate solution (exact for exact inputs)."""
        if len(values) != len(self.unknowns):
            raise SpecError(f"expected {len(self.unknowns)} values for the unknowns, got {len(values)}")
        vec = sp.ImmutableMatrix([sp.sympify(v) for v in values])
        return sp.ImmutableMatrix(self.matrix * vec)


def validate_samples(net: Network, samples: object) -> tuple[tuple[sp.Expr, ...], ...]:
    """Check a collection of input points and convert them exactly.

    Examples
    --------
    >>> from eisym import build_network
    >>> validate_samples(build_network("2,2,1"), [[0, "1/2"], [1, 0.25]])
    ((0, 1/2), (1, 0.250000000000000))
    """
    if isinstance(samples, np.ndarray):
        samples = samples.tolist()
    if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence) or len(samples) == 0:
        raise SpecError(f"samples: expected a non-empty list of points of dimension {net.m}, got {samples!r}")
    return tuple(_point(net, s) for s in samples)  # type: ignore[arg-type]


def stationarity_system(
    net: Network,
    output: int = 1,
    *,
    layer: int | None = None,
    samples: object = None,
    form: str = "layered",
) -> StationaritySystem:
    """Build L(n, v) (``layer`` = n, the default) or its analogue for a hidden layer.

    Parameters
    ----------
    net : Network
    output : int
        The output unit v (1-based).
    layer : int, optional
        Whose weights are the unknowns; default the output layer n (the paper's L(n, v)).
    samples : array-like of shape (N, m), optional
        Evaluate at these points and stack the N blocks (exactly, for exact points and weights).
    form : {"layered", "composed"}
        Without samples: entries as named derivatives dh_k^[u-1]/dx_t, or composed in x.

    Examples
    --------
    >>> from eisym import build_network
    >>> net = build_network("1,2,1", "polynomial:0,1,1", weights=[[[1], [2]], "symbolic"])
    >>> system = stationarity_system(net, samples=[[0], [1]])
    >>> system.matrix
    Matrix([
    [1,  2],
    [3, 10]])
    >>> system.unknowns
    (w^{[2]}_{1,1}, w^{[2]}_{1,2})
    """
    n = net.depth
    layer = n if layer is None else layer
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= n:
        raise SpecError(f"layer must be an integer between 1 and {n}, got {layer!r}")
    if isinstance(output, bool) or not isinstance(output, int) or not 1 <= output <= net.widths[n]:
        raise SpecError(f"output must be an integer between 1 and {net.widths[n]}, got {output!r}")
    softmax = net.spec.activations[-1].name == "softmax"
    paper_form = layer == n and not softmax
    if paper_form:
        unknowns = tuple(weight_symbol(n, output, k) for k in range(1, net.widths[n - 1] + 1))
        frozen = ""
    else:
        rows, cols = net.widths[layer], net.widths[layer - 1]
        unknowns = tuple(weight_symbol(layer, a, b) for a in range(1, rows + 1) for b in range(1, cols + 1))
        frozen = (
            "the softmax probabilities p(x) at the current output weights"
            if layer == n
            else f"every layer but {layer}; beta^[{layer}] = dh_{output}^[{n}]/dz^[{layer}] "
            "at the current weights"
        )

    def block(d: Derivation) -> list[list[sp.Expr]]:
        jac = d.jacobians[layer - 1]
        if paper_form:
            return [[jac[k, t] for k in range(jac.rows)] for t in range(net.m)]
        if layer == n:
            # p_v > 0 is dropped, as S' > 0 is in the paper's L(n, v).
            p = d.outputs[-1]
            beta = [(1 if a == output - 1 else 0) - p[a] for a in range(len(p))]
        else:
            beta = list(sensitivities(d, output)[layer - 1])
        return [
            [beta[a] * jac[b, t] for a in range(len(beta)) for b in range(jac.rows)] for t in range(net.m)
        ]

    if samples is not None:
        points = validate_samples(net, samples)
        rows_: list[list[sp.Expr]] = []
        for x in points:
            rows_.extend(block(derive(net, point=x, order=1)))
        return StationaritySystem(
            network=net,
            layer=layer,
            output=output,
            form="samples",
            unknowns=unknowns,
            matrix=sp.ImmutableMatrix(rows_),
            samples=points,
            frozen=frozen,
            derivation=None,
        )
    if form not in ("layered", "composed"):
        raise SpecError(f"form must be 'layered' or 'composed', got {form!r}")
    d = derive(net, form=form, order=1)
    return StationaritySystem(
        network=net,
        layer=layer,
        output=output,
        form=form,
        unknowns=unknowns,
        matrix=sp.ImmutableMatrix(block(d)),
        samples=(),
        frozen=frozen,
        derivation=d if form == "layered" else None,
    )
