"""Every notebook in notebooks/ runs top to bottom without error.

A notebook that reads the shared data sets says so in its metadata (``"streamad": {"data": true}``)
and finds them through the ``STREAMAD_DATA`` environment variable, which this test sets; when the
data folder is absent, that notebook's test skips with a message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, request):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    if notebook.metadata.get("streamad", {}).get("data"):
        data_dir = request.getfixturevalue("data_dir")  # skips, with a message, when absent
        monkeypatch.setenv("STREAMAD_DATA", str(data_dir))
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
