"""The committed notebooks as a reader opens them: one clean run each, in order, and the 17 lines
still seventeen."""

import json
import re

import pytest
from helpers import code_cells, text_of

from mnist17.paths import notebooks_dir
from mnist17_tools.series import series

MACHINE_PATH = re.compile(r"(/root/|/home/[^/\s]+/|/tmp/|/work/|/Users/|site-packages/|[A-Z]:\\)")


def test_the_17_lines_are_seventeen():
    nb = json.loads((notebooks_dir() / "07_the_17_lines.ipynb").read_text())
    (cell,) = [c for c in code_cells(nb) if "the-17-lines" in c["metadata"].get("tags", [])]
    lines = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
    assert len(lines) == 17
    assert any("model.fit(" in line and "epochs=50" in line for line in lines)


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_committed_notebook_is_one_clean_run(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb["metadata"]
    assert "widgets" not in nb["metadata"]  # widget state of 08's drawing pad: not committed
    cells = [c for c in code_cells(nb) if "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    for cell in cells:
        assert "execution" not in cell["metadata"] and "papermill" not in cell["metadata"]
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})
            assert not (output["output_type"] == "stream" and output["name"] == "stderr")
            text = text_of(output)
            assert "Warning" not in text and "Traceback" not in text
            assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text)


@pytest.mark.parametrize("index", range(len(series())), ids=lambda i: series()[i].name)
def test_series_line_names_the_position_and_the_neighbours(index):
    """Each notebook's first cell says "notebook N of M" and links the previous and next ones."""
    names = [path.stem for path in series()]
    first = "".join(json.loads(series()[index].read_text())["cells"][0]["source"])
    previous = f"`{names[index - 1]}`" if index > 0 else "—"
    following = f"`{names[index + 1]}`" if index + 1 < len(names) else "—"
    expected = f"notebook {index + 1} of {len(names)} · previous: {previous} · next: {following}"
    assert expected in first
