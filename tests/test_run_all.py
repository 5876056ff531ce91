"""`make run-all` never damages what is committed: a failing or killed run leaves the checkout
exactly as it was, and the failed notebook waits in the build folder.

Each test works on a copy of the repo (tracked files plus the verified dataset), committed in a
fresh git repository, so that `git status` there tells whether anything committed changed.
"""

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, make, run_module

from mnist17.params import DEFAULTS
from mnist17_tools import run_all
from mnist17_tools.checkout import copy_checkout


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@invalid", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    copy = copy_checkout(tmp_path / "repo")
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-qm", "snapshot")
    return copy


RUNNER = [sys.executable, "-m", "mnist17_tools", "run-all"]


def runner_env(repo: Path) -> dict:
    # The copy's own helper package, so that its paths point into the copy.
    return {**os.environ, "PYTHONPATH": str(repo / "src"), "MNIST17_OUTPUT_DIR": ""}


def run_runner(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """The runner behind `make run-all`, in the copy, to its end."""
    return subprocess.run(
        [*RUNNER, *args],
        cwd=repo,
        env=runner_env(repo),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def snapshot(repo: Path) -> dict[str, bytes]:
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for folder in ("notebooks", "figures")
        for p in sorted((repo / folder).iterdir())
        if p.is_file()
    }


def break_notebook(
    repo: Path, name: str, source: str = "raise RuntimeError('deliberately broken for a test')"
) -> None:
    """Commit a cell with `source` into the copy's notebook `name`, after its second code cell."""
    path = repo / "notebooks" / name
    nb = json.loads(path.read_text())
    code_cells = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    nb["cells"].insert(
        code_cells[1] + 1,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "broken-cell",
            "metadata": {},
            "outputs": [],
            "source": [source],
        },
    )
    path.write_text(json.dumps(nb, indent=1) + "\n")
    git(repo, "commit", "-qam", "break a notebook")


def stall_notebook(repo: Path, name: str, marker: Path) -> None:
    """A cell in `name` that touches `marker`, then sleeps: a hang, or a cell to kill during."""
    source = f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\ntime.sleep(600)"
    break_notebook(repo, name, source)


def start_runner(repo: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*RUNNER, *args],
        cwd=repo,
        env=runner_env(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.2)


def test_failed_notebook_changes_nothing_committed_and_stays_in_build(repo_copy):
    break_notebook(repo_copy, "02_preparing_the_data.ipynb")
    before = snapshot(repo_copy)
    result = run_runner(repo_copy)
    assert result.returncode == 1
    assert "02_preparing_the_data.ipynb failed" in result.stderr
    assert "RuntimeError: deliberately broken for a test" in result.stderr
    assert "Nothing committed was changed" in result.stderr
    assert git(repo_copy, "status", "--porcelain") == ""
    assert snapshot(repo_copy) == before
    failed = repo_copy / "build" / "run-all" / "notebooks" / "02_preparing_the_data.ipynb"
    outputs = [o for c in json.loads(failed.read_text())["cells"] for o in c.get("outputs", [])]
    assert any(o["output_type"] == "error" for o in outputs)


def test_run_killed_after_the_first_notebook_changes_nothing(repo_copy):
    before = snapshot(repo_copy)
    process = start_runner(repo_copy)
    try:
        deadline = time.monotonic() + 300
        for line in process.stdout:
            if "01_data_preview.ipynb ran in" in line or time.monotonic() > deadline:
                break
        assert process.poll() is None, "the run ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the runner and its kernel, without warning
        process.wait()
    assert git(repo_copy, "status", "--porcelain") == ""
    assert snapshot(repo_copy) == before
    leftovers = [
        p.name
        for folder in ("notebooks", "figures")
        for p in (repo_copy / folder).iterdir()
        if p.name.startswith(".")
    ]
    assert leftovers == []


def test_make_clean_removes_only_generated_files(repo_copy):
    generated = [
        repo_copy / "build" / "run-all" / "x.ipynb",
        repo_copy / "artifacts" / "model.keras",
        repo_copy / "notebooks" / ".ipynb_checkpoints" / "01-checkpoint.ipynb",
    ]
    for path in generated:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("generated")
    before = snapshot(repo_copy)
    supplied = (repo_copy / "data" / "mnist.npz").read_bytes()
    subprocess.run(["make", "clean"], cwd=repo_copy, check=True, capture_output=True)
    assert not any(path.exists() for path in generated)
    assert (repo_copy / "data" / "mnist.npz").read_bytes() == supplied
    assert snapshot(repo_copy) == before
    assert git(repo_copy, "status", "--porcelain") == ""


def kernels_of(process: subprocess.Popen) -> list:
    import psutil

    return [
        child
        for child in psutil.Process(process.pid).children(recursive=True)
        if "ipykernel" in " ".join(child.cmdline())
    ]


def test_a_kernel_killed_mid_run_is_explained_without_a_traceback(repo_copy, tmp_path):
    marker = tmp_path / "cell-started"
    stall_notebook(repo_copy, "02_preparing_the_data.ipynb", marker)
    before = snapshot(repo_copy)
    runner = start_runner(repo_copy)
    try:
        wait_for(marker, runner)
        (kernel,) = kernels_of(runner)
        kernel.kill()  # SIGKILL, as the out-of-memory killer does
        out, err = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
    assert runner.returncode == 1, err
    assert "02_preparing_the_data.ipynb: the kernel died while running the cell" in err
    assert "(`import pathlib, time`)" in err and "ran out of memory" in err
    assert "partial executed notebook is build/run-all/notebooks/02_preparing_the_data" in err
    assert "Nothing committed was changed" in err
    assert "Traceback" not in err and "DeadKernelError" not in err
    assert str(repo_copy) not in err  # no machine paths
    assert git(repo_copy, "status", "--porcelain") == "" and snapshot(repo_copy) == before


def test_a_cell_over_the_time_limit_is_stopped_and_named(repo_copy, tmp_path):
    stall_notebook(repo_copy, "01_data_preview.ipynb", tmp_path / "cell-started")
    before = snapshot(repo_copy)
    result = run_runner(repo_copy, "--cell-timeout", "5")
    assert result.returncode == 1, result.stderr
    assert (
        "01_data_preview.ipynb: the cell with execution count 3 (`import pathlib, time`) ran "
        "longer than the limit of 5 s per cell and was stopped" in result.stderr
    )
    assert "make run-all CELL_TIMEOUT=20" in result.stderr
    assert "Traceback" not in result.stderr
    assert git(repo_copy, "status", "--porcelain") == "" and snapshot(repo_copy) == before


def test_a_bad_cell_timeout_is_refused_before_running():
    result = run_module("run-all", "--cell-timeout", "0")
    assert result.returncode == 2
    assert "cell timeout (CELL_TIMEOUT) must be a positive integer" in result.stderr


def test_a_second_run_in_the_same_checkout_stops_and_touches_nothing(repo_copy, tmp_path):
    marker = tmp_path / "cell-started"
    stall_notebook(repo_copy, "01_data_preview.ipynb", marker)
    first = start_runner(repo_copy)
    try:
        wait_for(marker, first)
        work = sorted((repo_copy / "build" / "run-all").rglob("*"))
        second = run_runner(repo_copy)
        assert second.returncode == 2
        assert f"another `make run-all` is in progress in this checkout (process {first.pid}" in (
            second.stderr
        )
        assert "running" not in second.stdout
        assert sorted((repo_copy / "build" / "run-all").rglob("*")) == work  # untouched
        assert first.poll() is None
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # The killed run left its process id in the lock file: the next run takes the lock over.
    third = run_runner(repo_copy, "--cell-timeout", "5")
    assert f"note: a lock left by process {first.pid}, which no longer runs" in third.stdout
    assert "running 01_data_preview.ipynb" in third.stdout  # it ran (and hit the stalled cell)
    assert git(repo_copy, "status", "--porcelain") == ""


def test_a_wrong_dataset_stops_the_run_before_any_notebook(repo_copy):
    import numpy as np

    with np.load(repo_copy / "data" / "mnist.npz") as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["y_train"] = np.random.default_rng(1).permutation(arrays["y_train"])
    np.savez(repo_copy / "data" / "mnist.npz", **arrays)
    before = snapshot(repo_copy)
    result = run_runner(repo_copy)
    assert result.returncode == 1
    assert "the dataset was refused: data/mnist.npz is a well-formed .npz" in result.stderr
    assert "Nothing committed was changed" in result.stderr
    assert "running" not in result.stdout
    assert snapshot(repo_copy) == before and git(repo_copy, "status", "--porcelain") == ""
    assert (repo_copy / "data" / "mnist.npz").exists()  # refused, never deleted


def test_a_widget_leaves_no_state_or_model_id_in_the_published_notebook(tmp_path):
    """Two runs of a notebook showing 08's drawing pad publish identical notebooks: the widget's
    state and the random model id of its view are dropped, its sentence for readers is kept."""
    import nbformat
    import papermill

    from mnist17.drawing_pad import PLAIN_TEXT
    from mnist17_tools.run_all import WIDGET_VIEW, strip_volatile_metadata

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from mnist17.drawing_pad import DigitPad\npad = DigitPad(None)"),
        nbformat.v4.new_code_cell("pad"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    source = tmp_path / "widget.ipynb"
    nbformat.write(nb, source)
    published = []
    for run in (1, 2):
        executed = tmp_path / f"run{run}.ipynb"
        papermill.execute_notebook(source, executed, kernel_name="python3", progress_bar=False)
        raw = nbformat.read(executed, as_version=4)
        assert "widgets" in raw.metadata  # the state papermill stores, which must not be kept
        assert WIDGET_VIEW in raw.cells[1].outputs[0].data
        published.append(nbformat.writes(strip_volatile_metadata(raw)))
    assert published[0] == published[1]
    (output,) = nbformat.reads(published[0], as_version=4).cells[1].outputs
    assert output.data == {"text/plain": PLAIN_TEXT}


# --- the Keras backend of a run (make run-all BACKEND=...) ------------------------------


def test_run_all_refuses_an_unknown_backend_in_one_line():
    result = run_module("run-all", "--backend", "mxnet")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: BACKEND='mxnet' is not a Keras backend of this series: use tensorflow, jax or torch"
    ]


def test_make_refuses_an_unknown_backend_before_doing_anything():
    result = make("--no-print-directory", "run-all", "BACKEND=theano")
    assert result.returncode == 2 and result.stdout == ""
    assert "BACKEND=theano is not a Keras backend of this series: use tensorflow, jax or torch" in (
        result.stderr
    )


def test_runs_on_other_backends_never_go_to_the_committed_folders():
    assert run_all.build_folder(DEFAULTS, "tensorflow") == ROOT / "build" / "run-all"
    assert run_all.build_folder(DEFAULTS, "jax") == ROOT / "build" / "run-all-jax"
    assert run_all.build_folder(DEFAULTS, "torch") == ROOT / "build" / "run-all-torch"
    quick = dataclasses.replace(DEFAULTS, epochs=2)
    assert run_all.build_folder(quick, "tensorflow") == ROOT / "build" / "run-all-custom"
    assert run_all.build_folder(quick, "jax") == ROOT / "build" / "run-all-custom-jax"


def test_a_backend_that_is_not_installed_is_named_before_any_notebook(monkeypatch):
    monkeypatch.setitem(run_all.BACKEND_PACKAGES, "jax", ("no_such_package_mnist17",))
    with pytest.raises(run_all.NotebookRunError, match=r"make run-all BACKEND=jax. installs it"):
        run_all.check_backend_installed("jax")


def test_the_epochs_show_as_they_finish_and_nothing_else_does(capsys):
    """papermill hands the kernel's output to `EpochEcho` in pieces as it comes; each finished
    epoch line is shown at once, indented under the notebook's name, and other output is not."""
    echo = run_all.EpochEcho()
    echo.write("{'python': '3.11.7'}\nEpoch 1/50 - accuracy: 0.1")
    assert capsys.readouterr().out == ""  # the epoch line is not complete yet
    echo.write("669 - loss: 2.2851\nEpoch 2/50 - accuracy: 0.3857\nval_accuracy after 50")
    assert capsys.readouterr().out == (
        "    Epoch 1/50 - accuracy: 0.1669 - loss: 2.2851\n    Epoch 2/50 - accuracy: 0.3857\n"
    )


def test_a_quiet_notebook_still_says_it_is_running(capsys):
    """07's 17 lines train without printing epochs: a line every QUIET_S seconds instead."""
    import threading

    echo = run_all.EpochEcho()
    echo.QUIET_S = 0.2
    done = threading.Event()
    talking = threading.Thread(target=echo.keep_talking, args=(done,))
    talking.start()
    time.sleep(2.5)
    done.set()
    talking.join()
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(re.fullmatch(r"    still running \(\d+ s\)", line) for line in lines)
