"""The machine checks behind proofs/ hold, and the regenerated proofs compile cleanly."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eisym.cli import main
from eisym.latex import write_proofs

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


def _load_checks():
    spec = importlib.util.spec_from_file_location("proof_checks_under_test", PROOFS / "checks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


checks = _load_checks()


@pytest.fixture(scope="module")
def results():
    return checks.run_all()


def test_every_result_has_a_proof_and_a_check():
    documents = {p.stem.split("_")[0] for p in PROOFS.glob("*.tex")} - {"preamble"}
    expected = {f"r{i}" for i in range(1, 10)} | {"c2"}
    assert documents == expected
    assert set(checks.CHECKS) == expected
    for path in PROOFS.glob("*.tex"):
        if path.name != "preamble.tex":
            assert f"%% CHECKS: {path.stem.split('_')[0]}" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_check_holds(results, name):
    assert results[name], f"{name} checks nothing"
    failed = [c.statement for c in results[name] if not c.passed]
    assert failed == []


def test_regenerated_proofs_compile_cleanly_and_carry_their_checks(results, tmp_path):
    docs = write_proofs(tmp_path, source=PROOFS, results=results)
    assert len(docs) == 10
    for d in docs:
        assert d.build is not None and d.build.errors == () and d.build.overfull == (), (d.name, d.build)
        assert d.pdf is not None and d.passed
        text = d.tex.read_text(encoding="utf-8")
        assert "%% CHECKS" not in text and "\\item[passed]" in text
        packages = {
            p for g in re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", text) for p in g.split(",")
        }
        assert packages <= {"geometry", "amsmath", "amssymb", "amsthm"}
        assert len(d.checks) == len(results[d.name.split("_")[0]])


def test_a_failing_check_fails_its_document(results, tmp_path):
    broken = dict(results)
    first = results["r1"][0]
    broken["r1"] = (checks.Check(result="R1", statement=first.statement, scope=first.scope, passed=False),)
    docs = {d.name: d for d in write_proofs(tmp_path, source=PROOFS, results=broken, build=False)}
    assert not docs["r1_chain_rule"].passed
    assert "\\item[FAILED]" in docs["r1_chain_rule"].tex.read_text(encoding="utf-8")
    assert docs["r2_stationarity"].passed


def test_a_broken_identity_is_caught(monkeypatch):
    # Replace S' by S in the chain rule: the R1 check must notice.
    monkeypatch.setattr(checks, "_s1", lambda z: checks.S(z))
    assert not all(c.passed for c in checks.check_r1())


def test_proofs_cli_writes_and_builds(tmp_path):
    # A source tree with one quick proof keeps the test short; the checks module is the real one.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("checks.py", "preamble.tex", "c2_parameter_count.tex"):
        shutil.copy(PROOFS / name, source / name)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["proofs", "--out", str(out), "--source", str(source), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["passed"] and [d["name"] for d in payload["documents"]] == ["c2_parameter_count"]
    assert (out / "c2_parameter_count.pdf").exists()
    assert all(c["passed"] for c in payload["documents"][0]["checks"])
