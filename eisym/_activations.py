"""Activations as sympy functions with compact first and second derivatives.

Derivatives are written in terms of the neuron's own output h = S(z) where that is
shorter (sigmoid: S' = h(1 - h)), which keeps the layer-wise derivations small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import sympy as sp

from ._spec import ActivationSpec

__all__ = ["SymbolicActivation", "symbolic_activation"]

Expr: TypeAlias = sp.Expr


@dataclass(frozen=True, slots=True)
class SymbolicActivation:
    """S, S' and S'' of an elementwise activation.

    ``first(z, h)`` is S'(z) given h = S(z); ``second(z, h, d1)`` is S''(z) given also d1 = S'(z).
    """

    spec: ActivationSpec
    value: Callable[[Expr], Expr]
    first: Callable[[Expr, Expr], Expr]
    second: Callable[[Expr, Expr, Expr], Expr]


def _sigmoid(z: Expr) -> Expr:
    return 1 / (1 + sp.exp(-z))


def _polynomial(spec: ActivationSpec) -> SymbolicActivation:
    coeffs = [sp.Rational(c.numerator, c.denominator) for c in spec.coefficients]

    def poly(cs: list[Expr], z: Expr) -> Expr:
        return sp.Add(*(c * z**i for i, c in enumerate(cs) if c != 0))

    d1 = [i * c for i, c in enumerate(coeffs)][1:]
    d2 = [i * c for i, c in enumerate(d1)][1:]
    return SymbolicActivation(
        spec,
        lambda z: poly(coeffs, z),
        lambda z, h: poly(d1, z),
        lambda z, h, s: poly(d2, z),
    )


_TABLE: dict[str, Callable[[ActivationSpec], SymbolicActivation]] = {
    "sigmoid": lambda spec: SymbolicActivation(
        spec, _sigmoid, lambda z, h: h * (1 - h), lambda z, h, s: s * (1 - 2 * h)
    ),
    "tanh": lambda spec: SymbolicActivation(spec, sp.tanh, lambda z, h: 1 - h**2, lambda z, h, s: -2 * h * s),
    "sine": lambda spec: SymbolicActivation(spec, sp.sin, lambda z, h: sp.cos(z), lambda z, h, s: -h),
    "softplus": lambda spec: SymbolicActivation(
        spec, lambda z: sp.log(1 + sp.exp(z)), lambda z, h: _sigmoid(z), lambda z, h, s: s * (1 - s)
    ),
    "identity": lambda spec: SymbolicActivation(
        spec, lambda z: z, lambda z, h: sp.S.One, lambda z, h, s: sp.S.Zero
    ),
    "polynomial": _polynomial,
}


def symbolic_activation(spec: ActivationSpec) -> SymbolicActivation:
    """The sympy form of an elementwise activation (softmax is handled by the derivation itself).

    Examples
    --------
    >>> from eisym._spec import parse_activation
    >>> z, h = sp.symbols("z h")
    >>> act = symbolic_activation(parse_activation("sigmoid"))
    >>> act.first(z, h)
    h*(1 - h)
    """
    return _TABLE[spec.name](spec)
