"""Plain-data description of a network: widths, activations, bias flag, weight source.

Nothing here knows about sympy; a spec is hashable, JSON-friendly and deterministic,
so it can key caches and sweep results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral

from ._errors import SpecError

__all__ = [
    "ACTIVATION_NAMES",
    "ActivationSpec",
    "NetworkSpec",
    "WeightSource",
    "parse_activation",
    "parse_weight_source",
    "parse_widths",
    "make_spec",
]

ACTIVATION_NAMES = ("sigmoid", "tanh", "sine", "softplus", "polynomial", "identity", "softmax")
_ELEMENTWISE = ACTIVATION_NAMES[:-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivationSpec:
    """One layer's activation.

    ``coefficients`` (only for ``polynomial``) are c_0, c_1, ... of S(z) = sum c_i z^i.
    ``softmax`` is a vector activation and is allowed on the output layer only.
    """

    name: str
    coefficients: tuple[Fraction, ...] = ()

    def __post_init__(self) -> None:
        if self.name not in ACTIVATION_NAMES:
            raise SpecError(
                f"unknown activation {self.name!r}; expected one of {', '.join(ACTIVATION_NAMES)}"
            )
        if self.name == "polynomial":
            if not self.coefficients or all(c == 0 for c in self.coefficients[1:]):
                raise SpecError(
                    "a polynomial activation needs coefficients c0,c1,... with a nonzero c_i "
                    f"for some i >= 1, got {self.coefficients!r}"
                )
        elif self.coefficients:
            raise SpecError(f"activation {self.name!r} takes no coefficients")

    @property
    def label(self) -> str:
        """Text form that :func:`parse_activation` reads back."""
        if self.name != "polynomial":
            return self.name
        return "polynomial:" + ",".join(str(c) for c in self.coefficients)


def _fraction(value: object, what: str) -> Fraction:
    if isinstance(value, bool):
        raise SpecError(f"{what}: expected a number, got the boolean {value!r}")
    try:
        result = Fraction(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise SpecError(f"{what}: expected a finite number such as 3, 1/2 or 0.25, got {value!r}") from exc
    return result


def parse_activation(text: str | ActivationSpec) -> ActivationSpec:
    """Read an activation from text.

    ``"sigmoid"``, ``"tanh"``, ``"sine"``, ``"softplus"``, ``"identity"``, ``"softmax"``,
    ``"polynomial:c0,c1,c2"`` (coefficients, fractions allowed) or the degree
    shorthand ``"poly3"``, meaning z + z^2/2! + z^3/3! (the truncated series of e^z - 1).

    Examples
    --------
    >>> parse_activation("polynomial:0,1,1/2").coefficients
    (Fraction(0, 1), Fraction(1, 1), Fraction(1, 2))
    >>> parse_activation("poly2").label
    'polynomial:0,1,1/2'
    """
    if isinstance(text, ActivationSpec):
        return text
    if not isinstance(text, str):
        raise SpecError(f"activation: expected a name such as 'sigmoid', got {text!r}")
    name, _, args = text.strip().partition(":")
    name = name.strip().lower()
    if name.startswith("poly") and name[4:].isdigit():
        degree = int(name[4:])
        if degree < 1:
            raise SpecError(f"activation {text!r}: polynomial degree must be at least 1")
        coefficients = [Fraction(0)]
        factorial = 1
        for i in range(1, degree + 1):
            factorial *= i
            coefficients.append(Fraction(1, factorial))
        return ActivationSpec(name="polynomial", coefficients=tuple(coefficients))
    if name == "polynomial":
        if not args:
            raise SpecError("activation 'polynomial' needs coefficients: 'polynomial:c0,c1,c2'")
        coeffs = tuple(_fraction(c.strip(), f"polynomial coefficient in {text!r}") for c in args.split(","))
        return ActivationSpec(name="polynomial", coefficients=coeffs)
    if args:
        raise SpecError(f"activation {text!r}: only 'polynomial' takes arguments")
    return ActivationSpec(name=name)


def parse_widths(widths: str | Sequence[object]) -> tuple[int, ...]:
    """Validate layer widths (m, l_1, ..., l_n).

    Examples
    --------
    >>> parse_widths("2,3,1")
    (2, 3, 1)
    """
    if isinstance(widths, str):
        parts = [p.strip() for p in widths.split(",")] if widths.strip() else []
        values: list[object] = []
        for p in parts:
            if not p:
                raise SpecError(f"widths {widths!r}: empty entry between commas; expected e.g. '2,3,1'")
            try:
                values.append(int(p))
            except ValueError:
                raise SpecError(f"widths: {p!r} is not an integer; expected e.g. '2,3,1'") from None
        widths = values
    if isinstance(widths, (bytes, bytearray)) or not isinstance(widths, Sequence):
        raise SpecError(f"widths: expected a sequence of positive integers such as (2, 3, 1), got {widths!r}")
    if len(widths) < 2:
        raise SpecError(
            f"widths: need at least an input and an output width (m, ..., l_n), got {tuple(widths)!r}"
        )
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, Integral):
            raise SpecError(f"widths: {w!r} is not an integer; expected positive integers such as (2, 3, 1)")
        if w < 1:
            raise SpecError(f"widths: {w!r} is not positive; every layer needs at least one unit")
    return tuple(int(w) for w in widths)  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightSource:
    """Where weights come from: ``symbolic``, ``random`` (seeded) or ``explicit`` (given arrays).

    Random weights are ``scale * N(0, 1)``; with ``number="rational"`` each is rounded to the
    nearest multiple of ``1/denominator``, so the network is exact.
    """

    kind: str = "symbolic"
    seed: int | None = None
    number: str = "float"
    denominator: int = 8
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("symbolic", "random", "explicit"):
            raise SpecError(
                f"weight source: unknown kind {self.kind!r}; expected symbolic, random or explicit"
            )
        if self.number not in ("float", "rational"):
            raise SpecError(f"weight source: number must be 'float' or 'rational', got {self.number!r}")
        if self.kind == "random" and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise SpecError(f"random weights need a non-negative integer seed, got {self.seed!r}")
        den = self.denominator
        if isinstance(den, bool) or not isinstance(den, int) or den < 1:
            raise SpecError(f"weight source: denominator must be a positive integer, got {den!r}")
        if not (self.scale > 0 and self.scale < float("inf")):
            raise SpecError(f"weight source: scale must be a positive finite number, got {self.scale!r}")

    @property
    def label(self) -> str:
        """Text form that :func:`parse_weight_source` reads back."""
        if self.kind != "random":
            return self.kind
        text = f"random:{self.seed}"
        if self.number == "rational":
            text += f":rational:{self.denominator}"
        return text


def parse_weight_source(text: str, *, scale: float = 1.0) -> WeightSource:
    """Read ``symbolic``, ``random:SEED`` or ``random:SEED:rational[:DENOMINATOR]``.

    Examples
    --------
    >>> parse_weight_source("random:3:rational:16")
    WeightSource(kind='random', seed=3, number='rational', denominator=16, scale=1.0)
    """
    parts = [p.strip() for p in text.strip().split(":")]
    if parts == ["symbolic"]:
        return WeightSource(kind="symbolic")
    if parts[0] == "random" and 2 <= len(parts) <= 4:
        try:
            seed = int(parts[1])
            denominator = int(parts[3]) if len(parts) == 4 else 8
        except ValueError:
            raise SpecError(f"weights {text!r}: seed and denominator must be integers") from None
        number = parts[2] if len(parts) >= 3 else "float"
        return WeightSource(kind="random", seed=seed, number=number, denominator=denominator, scale=scale)
    raise SpecError(
        f"weights {text!r}: expected 'symbolic', 'random:SEED' or 'random:SEED:rational[:DENOMINATOR]'"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkSpec:
    """Architecture of a fully connected network: widths (m, l_1, ..., l_n) and one activation per layer."""

    widths: tuple[int, ...]
    activations: tuple[ActivationSpec, ...]
    bias: bool = False

    def __post_init__(self) -> None:
        parse_widths(self.widths)
        if len(self.activations) != len(self.widths) - 1:
            raise SpecError(
                f"activations: need one per layer ({len(self.widths) - 1}), got {len(self.activations)}"
            )
        for u, act in enumerate(self.activations[:-1], start=1):
            if act.name == "softmax":
                raise SpecError(f"activation of layer {u}: softmax is allowed on the output layer only")

    @property
    def depth(self) -> int:
        """Number of layers n (the input layer not counted)."""
        return len(self.widths) - 1

    @property
    def m(self) -> int:
        """Input dimension l_0."""
        return self.widths[0]

    @property
    def parameter_count(self) -> int:
        """Number of weights (and biases when ``bias``)."""
        pairs = zip(self.widths[:-1], self.widths[1:], strict=True)
        return sum(a * b + (b if self.bias else 0) for a, b in pairs)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "widths": list(self.widths),
            "activations": [a.label for a in self.activations],
            "bias": self.bias,
        }

    def digest(self) -> str:
        """A stable hash of the spec (independent of PYTHONHASHSEED)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_spec(
    widths: str | Sequence[object],
    activation: str | ActivationSpec | Sequence[str | ActivationSpec] = "sigmoid",
    *,
    bias: bool = False,
) -> NetworkSpec:
    """Build a :class:`NetworkSpec`; ``activation`` is one for all layers or a sequence, one per layer.

    Examples
    --------
    >>> make_spec("2,3,1", ["tanh", "identity"]).parameter_count
    9
    """
    shape = parse_widths(widths)
    if isinstance(activation, (str, ActivationSpec)):
        acts = tuple(parse_activation(activation) for _ in shape[1:])
        if acts[0].name == "softmax" and len(acts) > 1:
            raise SpecError("softmax is an output-layer activation; pass one activation per layer")
    elif isinstance(activation, Sequence):
        acts = tuple(parse_activation(a) for a in activation)
    else:
        raise SpecError(
            f"activation: expected a name such as 'sigmoid' or one name per layer, got {activation!r}"
        )
    if not isinstance(bias, bool):
        raise SpecError(f"bias: expected True or False, got {bias!r}")
    return NetworkSpec(widths=shape, activations=acts, bias=bias)
