"""The committed notebooks as a reader opens them: one clean run each, the same short first cell,
the post's Keras on the lesson's path, and the 17 lines still the post's seventeen."""

import json
import re

import pytest
from helpers import code_cells, notebooks, source_of, text_of

from mnist17_tools import ROOT, series

MACHINE_PATH = re.compile(r"(/root/|/home/[^/\s]+/|/tmp/|/work/|/Users/|site-packages/|[A-Z]:\\)")
EXTRA = "# extra code"
SETUP_LINES = 12  # code before the first lesson cell, the first cell included


def lesson_lines(cell: dict) -> list[str]:
    """A lesson cell's lines that a reader pastes: all but those marked `# extra code`."""
    if source_of(cell).startswith(EXTRA):
        return []
    return [line for line in source_of(cell).splitlines() if EXTRA not in line]


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_committed_notebook_is_one_clean_run(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb["metadata"] and "widgets" not in nb["metadata"]
    cells = [c for c in code_cells(nb) if source_of(c).strip()]
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    for cell in cells:
        assert "execution" not in cell["metadata"] and "papermill" not in cell["metadata"]
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert output.get("name") != "stderr"
            text = text_of(output)
            assert "Warning" not in text and "Traceback" not in text
            assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text)


def test_every_first_cell_is_the_same_short_install_cell():
    firsts = {source_of(code_cells(nb)[0]) for nb in notebooks()}
    assert len(firsts) == 1
    (first,) = firsts
    assert first.startswith(EXTRA) and len(first.splitlines()) <= 6
    assert "--no-deps git+https://github.com/" in first  # never touches the host's Keras


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_the_setup_before_the_lesson_is_short(path):
    setup = 0
    for cell in code_cells(json.loads(path.read_text())):
        if not source_of(cell).startswith(EXTRA):
            break
        setup += len(source_of(cell).splitlines())
    assert setup <= SETUP_LINES


@pytest.mark.parametrize("path", series()[:7], ids=lambda p: p.name)
def test_lesson_cells_of_the_post_s_path_need_only_keras_and_friends(path):
    """01-07: a lesson cell pasted into a reader's notebook runs without the series' package."""
    for cell in code_cells(json.loads(path.read_text())):
        lines = lesson_lines(cell)
        assert not any("mnist17" in line for line in lines), source_of(cell)


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_the_series_package_is_imported_only_in_extra_code(path):
    """08 and 09 call helpers whose work is the subject; they import them in extra code."""
    for cell in code_cells(json.loads(path.read_text())):
        assert not any(re.match(r"\s*(from|import) mnist17", line) for line in lesson_lines(cell))


def test_nothing_the_reader_runs_reads_the_tools_environment_or_the_tests():
    sources = [p.read_text() for p in (ROOT / "src" / "mnist17").rglob("*.py")]
    sources += [source_of(c) for nb in notebooks() for c in code_cells(nb)]
    for text in sources:
        assert "MNIST17_" not in text and "tests/" not in text


def the_17_lines() -> str:
    nb = json.loads((ROOT / "notebooks" / "07_the_17_lines.ipynb").read_text())
    (cell,) = [c for c in code_cells(nb) if "the-17-lines" in c["metadata"].get("tags", [])]
    return source_of(cell)


def test_the_17_lines_are_the_post_s_seventeen():
    # Their settings are 04's: tests/test_facts.py checks every copy in the notebooks' code.
    lines = [line for line in the_17_lines().splitlines() if line.strip()]
    assert len(lines) == 17 and lines[0] == "from keras.datasets import mnist"
    assert "= mnist.load_data()" in lines[5] and re.search(r"epochs=\d+, batch_size=\d+", lines[-1])
