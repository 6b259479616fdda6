"""Every notebook in notebooks/ runs top to bottom in a Jupyter kernel; its cells assert its results."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.py"))


def test_the_notebooks_are_there():
    names = [p.name for p in NOTEBOOKS]
    for expected in ("01_small_network.py", "02_stationarity_system.py", "03_extrema_vs_parameters.py"):
        assert expected in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors == []
    assert sum(cell.cell_type == "code" for cell in notebook.cells) >= 4
