"""The committed notebooks as a reader opens them: one clean run each, in order, the lesson apart
from the extra code, and the 17 lines still seventeen (`make lint` lints them, 07's other cells
included: tools/lint-notebook-07)."""

import json
import re

import pytest
from helpers import code_cells, source_of, text_of

from mnist17.paths import notebooks_dir
from mnist17_tools.series import series

MACHINE_PATH = re.compile(r"(/root/|/home/[^/\s]+/|/tmp/|/work/|/Users/|site-packages/|[A-Z]:\\)")
# Calls that are plumbing, not the post's lesson: a cell making one says so on its first line.
PLUMBING = (
    "versions(",
    "setup_keras(",
    "validate_training_params(",
    "save_training_results(",
    "save_model_summary(",
    "load_history(",
    "load_trained_model(",
    "set_printoptions(",
    "POST_METRICS",
    "jit_compile",
)
# The post's own Keras code: a cell holding it is the lesson, never marked as extra code.
LESSON = ("model.add(", "model.compile(", "model.fit(", "model.summary(", "SGD(")
EXTRA = "# extra code – "


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


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_plumbing_is_marked_as_extra_code_and_the_lesson_is_not(path):
    for cell in code_cells(json.loads(path.read_text())):
        source = source_of(cell)
        if any(call in source for call in LESSON):
            assert not source.startswith("# extra code"), source
            assert not any(call in source for call in PLUMBING), source
        elif any(call in source for call in PLUMBING):
            first = source.splitlines()[0]
            assert first.startswith(EXTRA) and len(first) > len(EXTRA) + 10, source


def test_the_compile_cell_of_04_is_the_posts():
    nb = json.loads((notebooks_dir() / "04_training.ipynb").read_text())
    (cell,) = [c for c in code_cells(nb) if "model.compile(" in source_of(c)]
    assert source_of(cell).endswith(
        'model.compile(loss="categorical_crossentropy", optimizer=sgd, metrics=["accuracy"])'
    )
