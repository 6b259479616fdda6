"""``eisym derive``: the network, L(n,v) and its rank analysis from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

import eisym
from eisym.cli import main


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["derive", *args])
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> dict:
    code, out, err = _run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_json_keys_and_values_for_exact_samples(tmp_path: Path) -> None:
    samples = tmp_path / "points.json"
    samples.write_text('[[1, 2], ["1/3", -1]]')
    doc = _json(
        "--widths",
        "2,5,1",
        "--activation",
        "poly3",
        "--weights",
        "random:4:rational:4",
        "--samples",
        str(samples),
    )
    for key in (
        "widths",
        "parameters",
        "m",
        "rank",
        "nullity",
        "rank_method",
        "kernel_basis",
        "decisive",
        "singular_values",
        "equations",
        "paper_check",
    ):
        assert key in doc
    assert doc["widths"] == [2, 5, 1] and doc["m"] == 2
    assert doc["parameters"] == 2 * 5 + 5 * 1
    assert doc["rank_method"] == "exact" and doc["decisive"] and doc["singular_values"] == []
    # Oracle: the library on the same network and points.
    net = eisym.build_network("2,5,1", "poly3", weights="random:4:rational:4")
    system = eisym.stationarity_system(net, samples=[[1, 2], [sp.Rational(1, 3), -1]])
    assert doc["rank"] == 4 and doc["nullity"] == 1
    assert len(doc["equations"]) == 4
    # Exact kernel vectors, as strings, make every stacked sample stationary.
    assert len(doc["kernel_basis"]) == 1
    for vector in doc["kernel_basis"]:
        values = [sp.Rational(v) for v in vector]
        assert all(e == 0 for e in system.residual(values))
    check = doc["paper_check"]
    assert check["l_prev"] == 5 and check["samples"] == 2 and check["bound"] == 1
    assert check["infinitely_many"] is True and check["at_generic_rank"] is True


def test_text_output_default_sigmoid_symbolic() -> None:
    code, out, _ = _run("--widths", "2,3,1")
    assert code == 0
    assert "L(2,1) for symbolic x: 2 equations in 3 unknowns" in out
    assert "rank (numeric SVD at 50 digits)" in out and "rank 2, nullity 1" in out
    assert "paper check:" in out


def test_numeric_json_for_sigmoid_samples(tmp_path: Path) -> None:
    samples = tmp_path / "points.csv"
    samples.write_text("# x1, x2\n1, 2\n1, 2\n0.25, -1\n")
    doc = _json("--widths", "2,5,1", "--weights", "random:2:rational:4", "--samples", str(samples))
    assert doc["rank_method"] == "numeric" and doc["decisive"] is True
    assert doc["rank"] == 4 and doc["nullity"] == 1  # the duplicated sample adds no rank
    assert len(doc["singular_values"]) == 5 and float(doc["gap"]) > 1e40
    assert doc["samples"][2] == ["1/4", "-1"]  # CSV decimals are read exactly


def test_per_layer_activations_and_polynomial_fraction() -> None:
    doc = _json(
        "--widths", "2,3,1", "--activation", "polynomial:0,1,1/2/identity", "--weights", "random:0:rational"
    )
    assert doc["activations"] == ["polynomial:0,1,1/2", "identity"]
    doc = _json("--widths", "2,3,2,1", "--activation", "tanh/sine/identity", "--weights", "random:1")
    assert doc["activations"] == ["tanh", "sine", "identity"]


def test_weights_file_round_trip(tmp_path: Path) -> None:
    net = eisym.build_network("2,4,1", "poly2", weights="random:3:rational:8")
    path = tmp_path / "net.json"
    eisym.save_network(net, path)
    doc = _json("--weights", str(path))
    assert doc["widths"] == [2, 4, 1] and doc["rank_method"] == "exact"
    assert doc["rank"] == eisym.rank_analysis(eisym.stationarity_system(net)).rank
    code, _, err = _run("--weights", str(path), "--widths", "2,3,1")
    assert code == 2 and "does not match" in err
    code, _, err = _run("--weights", str(path), "--activation", "tanh")
    assert code == 2 and "carries its own" in err


def test_hidden_layer_system() -> None:
    doc = _json(
        "--widths", "1,2,1", "--activation", "poly2", "--weights", "random:0:rational", "--layer", "1"
    )
    assert doc["layer"] == 1 and len(doc["unknowns"]) == 2


@pytest.mark.parametrize("widths", ["2,0,1", "2,x,1", "3", "2,-1,1"])
def test_bad_widths_exit_2_naming_the_value(widths: str) -> None:
    code, _, err = _run("--widths", widths)
    assert code == 2
    bad = {"2,0,1": "0", "2,x,1": "'x'", "3": "(3,)", "2,-1,1": "-1"}[widths]
    assert "widths" in err and bad in err


def test_samples_of_wrong_dimension(tmp_path: Path) -> None:
    samples = tmp_path / "points.json"
    samples.write_text("[[1, 2, 3]]")
    code, _, err = _run("--widths", "2,3,1", "--samples", str(samples))
    assert code == 2 and "dimension 3" in err and "m is 2" in err


def test_missing_widths_and_bad_files(tmp_path: Path) -> None:
    code, _, err = _run("--weights", "random:0")
    assert code == 2 and "--widths is required" in err
    bad = tmp_path / "bad.json"
    bad.write_text("[[1, 2")
    code, _, err = _run("--widths", "2,3,1", "--samples", str(bad))
    assert code == 2 and "not valid JSON" in err
    code, _, err = _run("--widths", "2,3,1", "--samples", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read samples file" in err
