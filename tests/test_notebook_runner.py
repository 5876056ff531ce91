"""The tools' one notebook runner (mnist17_tools/notebook_runner.py), on tiny fixture notebooks:
what a kernel is given (working folder, parameters, environment, interpreter), what a run may not
leave in a notebook, and the progress it shows."""

import re
import sys
import threading
import time

import nbformat
import pytest
from helpers import FIXTURES

from mnist17_tools.notebook_runner import (
    WIDGET_VIEW,
    EpochEcho,
    NotebookRunError,
    execute,
    kernel_env,
    strip_volatile_metadata,
)


def outputs(nb) -> str:
    return "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))


def test_the_kernel_gets_its_environment_folder_and_parameters_as_arguments(tmp_path, capsys):
    env = kernel_env(MNIST17_OUTPUT_DIR=tmp_path / "out")
    nb = execute(FIXTURES / "prints.ipynb", tmp_path / "prints.ipynb", cwd=tmp_path, env=env)
    assert f"output folder: {tmp_path / 'out'}" in outputs(nb)
    assert (tmp_path / "out" / "figures" / "fixture.png").exists()
    # The epoch lines were shown as they came, indented.
    assert capsys.readouterr().out.splitlines()[:2] == [
        "    Epoch 1/2 - loss: 0.5",
        "    Epoch 2/2 - loss: 0.4",
    ]
    nb = execute(
        FIXTURES / "parameters.ipynb",
        tmp_path / "parameters.ipynb",
        cwd=tmp_path,
        parameters={"greeting": "good morning"},
    )
    assert f"good morning from {sys.executable}" in outputs(nb)


def test_a_kernel_of_another_python_runs_that_python(tmp_path):
    nb = execute(
        FIXTURES / "parameters.ipynb", tmp_path / "p.ipynb", cwd=tmp_path, python=sys.executable
    )
    assert f"hello from {sys.executable}" in outputs(nb)
    with pytest.raises(NotebookRunError, match=r"exited as it started: is ipykernel installed"):
        execute(FIXTURES / "parameters.ipynb", tmp_path / "q.ipynb", cwd=tmp_path, python="false")


def test_a_warning_fails_the_run_unless_unchecked(tmp_path):
    with pytest.raises(NotebookRunError, match=r"warns.ipynb, cell 1 wrote to stderr"):
        execute(FIXTURES / "warns.ipynb", tmp_path / "warns.ipynb", cwd=tmp_path)
    nb = execute(FIXTURES / "warns.ipynb", tmp_path / "warns.ipynb", cwd=tmp_path, checked=False)
    assert "something to fix" in outputs(nb)


def test_what_changes_from_run_to_run_is_not_kept():
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(papermill={"duration": 1.2}, widgets={"state": {}})
    cell = nbformat.v4.new_code_cell("pad")
    cell.metadata.update(papermill={"start_time": "now"}, execution={"x": 1}, tags=["keep"])
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={WIDGET_VIEW: {"model_id": "abc"}, "text/plain": "a pad"}
        )
    ]
    printed = nbformat.v4.new_code_cell("print(1); print(2, file=sys.stderr); print(3); print(4)")
    # Where the kernel cuts a cell's prints into outputs depends on timing.
    printed.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="1\n"),
        nbformat.v4.new_output("stream", name="stderr", text="2\n"),
        nbformat.v4.new_output("stream", name="stdout", text="3\n"),
        nbformat.v4.new_output("stream", name="stdout", text="4\n"),
    ]
    nb.cells = [cell, printed]
    strip_volatile_metadata(nb)
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata
    assert dict(cell.metadata) == {"tags": ["keep"]}
    assert dict(cell.outputs[0].data) == {"text/plain": "a pad"}
    assert [(o.name, o.text) for o in printed.outputs] == [
        ("stdout", "1\n"),
        ("stderr", "2\n"),
        ("stdout", "3\n4\n"),
    ]


def test_a_widget_leaves_no_state_or_model_id_in_the_executed_notebook(tmp_path):
    """Two runs of a notebook showing 08's drawing pad give identical notebooks, the pad's
    sentence for readers in place of the widget."""
    from mnist17.drawing_pad import PLAIN_TEXT

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell("from mnist17.drawing_pad import DigitPad\npad = DigitPad(None)"),
        nbformat.v4.new_code_cell("pad"),
    ]
    source = tmp_path / "widget.ipynb"
    nbformat.write(nb, source)
    runs = [execute(source, tmp_path / f"run{n}.ipynb", cwd=tmp_path) for n in (1, 2)]
    assert nbformat.writes(runs[0]) == nbformat.writes(runs[1])
    (output,) = runs[0].cells[1].outputs
    assert output.data == {"text/plain": PLAIN_TEXT}


def test_the_epochs_show_as_they_finish_and_nothing_else_does(capsys):
    """papermill hands the kernel's output to `EpochEcho` in pieces as it comes; each finished
    epoch line is shown at once, indented under the notebook's name, and other output is not."""
    echo = EpochEcho()
    echo.write("{'python': '3.11.7'}\nEpoch 1/50 - accuracy: 0.1")
    assert capsys.readouterr().out == ""  # the epoch line is not complete yet
    echo.write("669 - loss: 2.2851\nEpoch 2/50 - accuracy: 0.3857\nval_accuracy after 50")
    assert capsys.readouterr().out == (
        "    Epoch 1/50 - accuracy: 0.1669 - loss: 2.2851\n    Epoch 2/50 - accuracy: 0.3857\n"
    )


def test_a_quiet_notebook_still_says_it_is_running(capsys):
    """07's 17 lines train without printing epochs: a line every QUIET_S seconds instead."""
    echo = EpochEcho()
    echo.QUIET_S = 0.2
    done = threading.Event()
    talking = threading.Thread(target=echo.keep_talking, args=(done,))
    talking.start()
    time.sleep(2.5)
    done.set()
    talking.join()
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(re.fullmatch(r"    still running \(\d+ s\)", line) for line in lines)
