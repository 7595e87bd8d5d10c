"""Every notebook in notebooks/ runs top to bottom without error.

A notebook that reads the shared data sets says so in its metadata (``"streamad": {"data": true}``)
and finds them through the ``STREAMAD_DATA`` environment variable, which this test sets; when the
data folder is absent, that notebook's test skips with a message.

The notebooks are committed executed, with their outputs (numbers and PNG figures), so that a
reader of the repository's web page sees them; ``test_notebook_is_committed_executed`` checks it.
Run this file as a script to execute notebooks in place and save them:
``STREAMAD_DATA=/path/to/shared/data python tests/test_notebooks.py [notebooks/NAME.ipynb ...]``.
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_executed(path):
    """A reader on a web page sees the outputs: every code cell ran, in order, and figures are PNGs.

    After editing a notebook, execute it again and save it with its outputs:
    ``STREAMAD_DATA=/path/to/shared/data python tests/test_notebooks.py notebooks/NAME.ipynb``.
    """
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), (
        f"{path.name} is not committed executed top to bottom"
    )
    rich = [
        output
        for cell in code
        for output in cell.outputs
        if output.output_type in ("display_data", "execute_result")
    ]
    for output in rich:
        text = output.get("data", {}).get("text/plain", "")
        assert not (text.startswith("<Figure") and "image/png" not in output.data), (
            f"{path.name} holds a figure as text only: {text}"
        )
    assert not any(o.output_type == "error" for cell in code for o in cell.outputs)
    assert any("image/png" in output.data for output in rich), f"{path.name} shows no figure"


def execute_in_place(path: Path) -> None:
    """Execute a notebook top to bottom, as the test does, and save it with its outputs."""
    import tempfile

    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        nbclient.NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": tmp}},
        ).execute()
    for cell in notebook.cells:  # one output per stream and cell, not one per flush
        merged = []
        for output in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (
                output.output_type == "stream"
                and last is not None
                and last.output_type == "stream"
                and last.name == output.name
            ):
                last.text += output.text
            else:
                merged.append(output)
        if cell.cell_type == "code":
            cell.outputs = merged
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:] or NOTEBOOKS:
        execute_in_place(Path(name))
        print("executed", name)
