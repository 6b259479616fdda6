"""Specs: widths, activations, weight sources, and the bad input each must refuse."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from eisym import EisymError, SpecError, build_network
from eisym._spec import (
    ACTIVATION_NAMES,
    ActivationSpec,
    NetworkSpec,
    WeightSource,
    make_spec,
    parse_activation,
    parse_weight_source,
    parse_widths,
)


def raises_spec(fragment: str):
    """pytest.raises for a SpecError whose message contains ``fragment`` (the offending value)."""
    return pytest.raises(SpecError, match=fragment)


def test_spec_error_is_an_eisym_error_and_a_value_error():
    with pytest.raises(SpecError) as info:
        parse_widths([2, 0])
    assert isinstance(info.value, EisymError)
    assert isinstance(info.value, ValueError)


# ---------------------------------------------------------------------------------------------- widths


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2,3,1", (2, 3, 1)),
        (" 4 , 16,16 ,1 ", (4, 16, 16, 1)),
        ([1, 1], (1, 1)),
        ((5, 2, 7, 3), (5, 2, 7, 3)),
        ([np.int64(2), np.int32(3)], (2, 3)),
    ],
)
def test_parse_widths_accepts_integer_sequences(given, expected):
    out = parse_widths(given)
    assert out == expected
    assert all(type(w) is int for w in out)


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ([], r"got \(\)"),
        ("", r"got \(\)"),
        ([3], r"got \(3,\)"),
        ("3", r"got \(3,\)"),
        ([2, 0, 1], "0 is not positive"),
        ([2, -3, 1], "-3 is not positive"),
        ("2,-3,1", "-3 is not positive"),
        ([2, 2.5, 1], "2.5 is not an integer"),
        ([2, 2.0, 1], r"2\.0 is not an integer"),
        ("2,2.5,1", "'2.5' is not an integer"),
        ([2, "a", 1], "'a' is not an integer"),
        ("2,a,1", "'a' is not an integer"),
        ([True, 1], "True is not an integer"),
        ([2, False], "False is not an integer"),
        ("2,,1", "empty"),
        ("2,3,1,", "empty"),
        (3, "got 3"),
        (None, "got None"),
        (b"2,1", r"got b'2,1'"),
    ],
)
def test_parse_widths_rejects_bad_widths_naming_them(given, fragment):
    with raises_spec(fragment):
        parse_widths(given)


@pytest.mark.parametrize("given", [[2, 0, 1], [2.5, 1], ["a", 1], [True, 1], [3], []])
def test_build_network_rejects_bad_widths(given):
    with pytest.raises(SpecError, match="widths"):
        build_network(given)


# ------------------------------------------------------------------------------------------ activations


@pytest.mark.parametrize("name", [n for n in ACTIVATION_NAMES if n != "polynomial"])
def test_parse_activation_names(name):
    spec = parse_activation(name)
    assert spec.name == name
    assert spec.coefficients == ()
    assert parse_activation(f"  {name.upper()} ") == spec
    assert parse_activation(spec.label) == spec


@pytest.mark.parametrize("degree", [1, 2, 3, 6])
def test_poly_shorthand_is_the_truncated_exponential_series(degree):
    spec = parse_activation(f"poly{degree}")
    expected = (Fraction(0),) + tuple(Fraction(1, math.factorial(i)) for i in range(1, degree + 1))
    assert spec.name == "polynomial"
    assert spec.coefficients == expected
    assert parse_activation(spec.label) == spec


def test_polynomial_coefficients_are_exact_fractions():
    spec = parse_activation("polynomial: 1/3, -2, 0.25 ,0")
    assert spec.coefficients == (Fraction(1, 3), Fraction(-2), Fraction(1, 4), Fraction(0))
    assert all(isinstance(c, Fraction) for c in spec.coefficients)
    assert parse_activation(spec.label) == spec
    assert parse_activation(spec) is spec


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("relu", "'relu'"),
        ("", "''"),
        ("polynomial", "needs coefficients"),
        ("polynomial:", "needs coefficients"),
        ("polynomial:1,0,0", "nonzero c_i"),
        ("polynomial:5", "nonzero c_i"),
        ("polynomial:0,x", "'x'"),
        ("polynomial:0,1/0", "'1/0'"),
        ("poly0", "'poly0'"),
        ("sigmoid:1,2", "'sigmoid:1,2'"),
        (3, "got 3"),
        (None, "got None"),
    ],
)
def test_parse_activation_rejects_bad_activations(given, fragment):
    with raises_spec(fragment):
        parse_activation(given)


def test_activation_spec_validates_itself():
    with raises_spec("'gelu'"):
        ActivationSpec(name="gelu")
    with raises_spec("takes no coefficients"):
        ActivationSpec(name="tanh", coefficients=(Fraction(1),))
    with raises_spec("needs coefficients"):
        ActivationSpec(name="polynomial")


def test_make_spec_one_activation_for_all_or_one_per_layer():
    spec = make_spec("2,3,4,1", "tanh", bias=True)
    assert [a.name for a in spec.activations] == ["tanh"] * 3
    assert spec.bias is True
    spec = make_spec([2, 3, 1], ["poly2", "softmax"])
    assert [a.name for a in spec.activations] == ["polynomial", "softmax"]
    assert spec.depth == 2 and spec.m == 2
    assert make_spec("3,2", "softmax").activations[0].name == "softmax"


@pytest.mark.parametrize(
    ("widths", "activation", "fragment"),
    [
        ("2,3,1", "softmax", "softmax"),
        ("2,3,1", ["softmax", "identity"], "layer 1: softmax"),
        ("2,3,3,1", ["tanh", "softmax", "identity"], "layer 2: softmax"),
        ("2,3,1", ["tanh"], r"one per layer \(2\), got 1"),
        ("2,3,1", ["tanh", "tanh", "tanh"], r"one per layer \(2\), got 3"),
        ("2,3,1", 3, "got 3"),
        ("2,3,1", None, "got None"),
    ],
)
def test_make_spec_rejects_bad_activation_lists(widths, activation, fragment):
    with raises_spec(fragment):
        make_spec(widths, activation)


def test_make_spec_rejects_non_boolean_bias():
    with raises_spec("got 1"):
        make_spec("2,1", bias=1)  # type: ignore[arg-type]


def test_parameter_count_matches_the_layer_formula():
    for widths in [(2, 3, 1), (1, 1), (4, 16, 16, 1), (3, 5, 2, 7)]:
        pairs = list(zip(widths[:-1], widths[1:], strict=True))
        no_bias = sum(a * b for a, b in pairs)
        assert make_spec(widths).parameter_count == no_bias
        assert make_spec(widths, bias=True).parameter_count == no_bias + sum(widths[1:])
        # and the built network has exactly that many parameters
        assert len(build_network(widths, bias=True).parameters) == no_bias + sum(widths[1:])


def test_spec_round_trips_through_its_dict_and_digest_separates_specs():
    spec = make_spec("2,3,1", ["polynomial:0,1,1/2", "sigmoid"], bias=True)
    doc = json.loads(json.dumps(spec.to_dict()))
    again = make_spec(doc["widths"], doc["activations"], bias=doc["bias"])
    assert again == spec
    assert again.digest() == spec.digest()
    others = [
        make_spec("2,3,1", ["polynomial:0,1,1/2", "sigmoid"]),
        make_spec("2,3,1", ["polynomial:0,1,1/3", "sigmoid"], bias=True),
        make_spec("2,4,1", ["polynomial:0,1,1/2", "sigmoid"], bias=True),
    ]
    digests = {spec.digest(), *(o.digest() for o in others)}
    assert len(digests) == 4


def test_digest_does_not_depend_on_the_hash_seed():
    spec = make_spec("3,4,2", ["tanh", "softmax"], bias=True)
    code = (
        "from eisym._spec import make_spec;print(make_spec('3,4,2', ['tanh', 'softmax'], bias=True).digest())"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == spec.digest()


def test_network_spec_validates_directly():
    with raises_spec("one per layer"):
        NetworkSpec(widths=(2, 1), activations=())
    with raises_spec("0 is not positive"):
        NetworkSpec(widths=(2, 0), activations=(parse_activation("tanh"),))


# --------------------------------------------------------------------------------------- weight sources


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("symbolic", WeightSource(kind="symbolic")),
        ("random:7", WeightSource(kind="random", seed=7)),
        ("random:7:rational", WeightSource(kind="random", seed=7, number="rational")),
        ("random:7:rational:16", WeightSource(kind="random", seed=7, number="rational", denominator=16)),
    ],
)
def test_parse_weight_source_and_label_round_trip(text, expected):
    source = parse_weight_source(text)
    assert source == expected
    assert parse_weight_source(source.label) == source


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("banana", "'banana'"),
        ("random", "'random'"),
        ("random:x", "'random:x'"),
        ("random:1.5", "'random:1.5'"),
        ("random:-1", "-1"),
        ("random:1:complex", "'complex'"),
        ("random:1:rational:0", "denominator must be a positive integer, got 0"),
        ("random:1:rational:q", "'random:1:rational:q'"),
        ("random:1:rational:4:9", "'random:1:rational:4:9'"),
    ],
)
def test_parse_weight_source_rejects_bad_text(text, fragment):
    with raises_spec(fragment):
        parse_weight_source(text)


@pytest.mark.parametrize("scale", [0.0, -1.0, float("inf"), float("nan")])
def test_weight_source_rejects_bad_scale(scale):
    with raises_spec("scale must be a positive finite number"):
        WeightSource(kind="random", seed=0, scale=scale)


@pytest.mark.parametrize("denominator", [2.5, True, 0, -4])
def test_weight_source_rejects_non_integer_denominators(denominator):
    with raises_spec(f"denominator must be a positive integer, got {denominator!r}"):
        WeightSource(kind="random", seed=0, number="rational", denominator=denominator)


def test_weight_source_rejects_unknown_kind_and_boolean_seed():
    with raises_spec("'magic'"):
        WeightSource(kind="magic")
    with raises_spec("got True"):
        WeightSource(kind="random", seed=True)
