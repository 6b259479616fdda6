import json
import shutil
import sqlite3

from click.testing import CliRunner

from eisym.cli import main


def _verify(*args):
    result = CliRunner().invoke(main, ["verify", "--tiny", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_verify_writes_the_report_and_resumes(tmp_path):
    out = tmp_path / "v"
    first = _verify("--out", str(out), "--workers", "2")
    assert first["networks_analysed"] > 100 and first["architectures"] >= 12
    assert set(first["input_dimensions"]) >= {1, 2}
    assert first["tasks_computed"] == first["tasks"] and first["tasks_reused"] == 0
    claims = first["claims"]
    assert len(claims) == 7
    for c in claims:
        assert set(c) == {"claim", "verdict", "statistic", "p_value"} and c["verdict"]
    for name in ("report.md", "report.tex", "results.sqlite"):
        assert (out / name).is_file()
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures == [
        "capacity.png",
        "constructive.png",
        "depth.png",
        "extrema.png",
        "kacrice.png",
        "onedim.png",
    ]
    assert first["pdf"] == (shutil.which("latexmk") is not None or shutil.which("pdflatex") is not None)
    report = (out / "report.md").read_text()
    for c in claims:
        assert c["verdict"] in report

    rows = sqlite3.connect(out / "results.sqlite").execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert rows == first["tasks"]
    second = _verify("--out", str(out), "--workers", "1", "--no-pdf")
    assert second["tasks_computed"] == 0 and second["tasks_reused"] == first["tasks"]
    assert second["claims"] == claims
    assert (out / "report.md").read_text() == report


def test_verify_on_a_local_dask_cluster_gives_the_same_report(tmp_path):
    a = _verify("--out", str(tmp_path / "a"), "--no-pdf", "--seed", "1")
    b = _verify("--out", str(tmp_path / "b"), "--no-pdf", "--seed", "1", "--scheduler", "local")
    assert a["claims"] == b["claims"]
    assert (tmp_path / "a" / "report.md").read_text() == (tmp_path / "b" / "report.md").read_text()


def test_bad_scheduler_address_is_a_clean_error(tmp_path):
    result = CliRunner().invoke(main, ["verify", "--tiny", "--out", str(tmp_path), "--scheduler", "nowhere"])
    assert result.exit_code == 2
    assert "tcp://HOST:PORT" in result.output


def test_one_experiment_reuses_the_verify_results(tmp_path):
    out = tmp_path / "v"
    _verify("--out", str(out), "--no-pdf", "--workers", "2")
    runner = CliRunner()
    result = runner.invoke(
        main, ["experiment", "capacity", "--tiny", "--json", "--results", str(out / "results.sqlite")]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    rows = payload["result"]["rows"]
    assert payload["result"]["verdict"] == "confirmed"
    assert all(r["n_star"] == (r["last_hidden"] - 1) // r["m"] for r in rows)
    text = runner.invoke(main, ["experiment", "kacrice", "--tiny", "--workers", "1"])
    assert text.exit_code == 0 and text.output.startswith("kacrice: verdict = ")
    bad = runner.invoke(main, ["experiment", "nothing", "--tiny"])
    assert bad.exit_code == 2
