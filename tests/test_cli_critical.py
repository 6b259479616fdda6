"""``eisym critical`` on networks given like ``eisym derive``: a saved file or per-layer activations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import eisym
from eisym.cli import main

BOX = "-3,3"
STARTS = "50"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["critical", *args])
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> dict:
    code, out, err = _run(*args, "--box", BOX, "--starts", STARTS, "--json")
    assert code == 0, err
    return json.loads(out)


def _library(net: eisym.Network) -> dict:
    """The oracle: the library's search on the same network, through the same JSON round trip."""
    return json.loads(json.dumps(eisym.critical_points(net, (-3, 3), starts=int(STARTS)).to_dict()))


def _tanh_identity() -> eisym.Network:
    return eisym.build_network("2,4,1", ["tanh", "identity"], bias=True, weights="random:0", scale=2)


@pytest.fixture
def network_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.json"
    eisym.save_network(_tanh_identity(), path)
    return path


def test_network_file_gives_the_points_of_the_loaded_network(network_file: Path) -> None:
    expected = _library(eisym.load_network(network_file))
    assert expected["points"], "the oracle network should have critical points in the box"
    doc = _json("--weights", str(network_file))
    assert doc["points"] == expected["points"]
    assert doc["counts"] == expected["counts"]
    # --widths may repeat the file's widths.
    assert _json("--weights", str(network_file), "--widths", "2,4,1")["points"] == expected["points"]


def test_per_layer_activations_are_honoured() -> None:
    net = _tanh_identity()
    expected = _library(net)
    same = ("--widths", "2,4,1", "--bias", "--weights", "random:0", "--scale", "2")
    doc = _json(*same, "--activation", "tanh/identity")
    assert doc["points"] == expected["points"]
    # tanh is monotone, so an all-tanh net has its critical points at the same places; only the
    # values tell the identity output layer from a tanh one (|tanh| < 1, the identity output is not).
    all_tanh = _json(*same, "--activation", "tanh")
    assert len(all_tanh["points"]) == len(doc["points"])
    assert max(abs(p["value"]) for p in doc["points"]) > 1
    assert all(abs(p["value"]) < 1 for p in all_tanh["points"])


def test_network_file_with_certify_matches_the_library(network_file: Path) -> None:
    code, out, err = _run("--weights", str(network_file), "--box", BOX, "--certify", "--json")
    assert code == 0, err
    cert = eisym.certify_critical_points(eisym.load_network(network_file), (-3, 3))
    assert json.loads(out)["counts"] == dict(cert.counts)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (("--expr", "x**2 - y**2"), ("--expr", "--weights")),
        (("--activation", "tanh"), ("--activation",)),
        (("--scale", "3"), ("--scale",)),
        (("--widths", "2,5,1"), ("--widths",)),
    ],
)
def test_conflicting_options_with_a_network_file(network_file: Path, extra: tuple, named: tuple) -> None:
    code, out, err = _run("--weights", str(network_file), *extra, "--box", BOX)
    assert code != 0 and out == ""
    assert all(name in err for name in named), err


def test_expr_with_widths_and_neither_are_refused() -> None:
    code, _, err = _run("--widths", "2,3,1", "--expr", "x", "--box", BOX)
    assert code != 0 and "--expr" in err and "--widths" in err
    code, _, err = _run("--box", BOX)
    assert code != 0 and "--widths" in err and "--weights FILE" in err and "--expr" in err
