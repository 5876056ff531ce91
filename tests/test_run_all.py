"""`make run-all` never damages what is committed: a failing, killed, stalled or concurrent run
leaves the checkout exactly as it was, says why in one line, and keeps the failed notebook in the
build folder.

The failure paths run the real runner (`python -m mnist17_tools run-all`) in a checkout of tiny
fixture notebooks (tests/fixtures/, `mini_checkout`), so that each takes seconds.
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
from helpers import ROOT, in_checkout, make, mini_checkout, run_module, snapshot

from mnist17.params import DEFAULTS
from mnist17_tools import run_all

RUNNER = [sys.executable, "-m", "mnist17_tools", "run-all"]


def run_runner(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    """The runner behind `make run-all`, in `checkout`, to its end."""
    return run_module("run-all", *args, env=in_checkout(checkout), cwd=checkout)


def start_runner(checkout: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*RUNNER, *args],
        cwd=checkout,
        env={**os.environ, **in_checkout(checkout)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.1)


def test_a_failed_notebook_changes_nothing_committed_and_stays_in_build(tmp_path):
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "prints", "02_second.ipynb": "raises"})
    before = snapshot(checkout)
    result = run_runner(checkout)
    assert result.returncode == 1
    assert "02_second.ipynb failed in the cell with execution count 2" in result.stderr
    assert "RuntimeError: deliberately broken for a test" in result.stderr
    assert "Nothing committed was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(checkout) == before
    failed = checkout / "build" / "run-all" / "notebooks" / "02_second.ipynb"
    outputs = [o for c in json.loads(failed.read_text())["cells"] for o in c.get("outputs", [])]
    assert any(o["output_type"] == "error" for o in outputs)


def test_a_warning_in_an_output_is_refused_and_named(tmp_path):
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "warns"})
    before = snapshot(checkout)
    result = run_runner(checkout)
    assert result.returncode == 1
    assert "01_first.ipynb, cell 1 wrote to stderr (warnings must be fixed, not committed)" in (
        result.stderr
    )
    assert snapshot(checkout) == before


def test_a_run_killed_after_the_first_notebook_changes_nothing(tmp_path):
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "prints", "02_second.ipynb": "waits"})
    before = snapshot(checkout)
    process = start_runner(checkout)
    try:
        wait_for(checkout / "started", process)  # 01 ran and was published nowhere yet
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the runner and its kernel, without warning
        process.wait()
    assert snapshot(checkout) == before
    hidden = [p.name for p in (checkout / "notebooks").iterdir() if p.name.startswith(".")]
    assert hidden == []


def test_a_kernel_killed_mid_run_is_explained_without_a_traceback(tmp_path):
    # The fixture's cell kills its own kernel with SIGKILL, as the out-of-memory killer does.
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "dies"})
    before = snapshot(checkout)
    result = run_runner(checkout)
    assert result.returncode == 1, result.stderr
    err = result.stderr
    # papermill may or may not have seen the cell start before the kernel died.
    assert re.search(
        r"01_first.ipynb: the kernel died while running (a|the) cell.*\(`import os`\)", err
    )
    assert "ran out of memory" in err
    assert "partial executed notebook is build/run-all/notebooks/01_first.ipynb" in err
    assert "Nothing committed was changed" in err
    assert "Traceback" not in err and "DeadKernelError" not in err
    assert str(checkout) not in err  # no machine paths
    assert snapshot(checkout) == before


def test_a_cell_over_the_time_limit_is_stopped_and_named(tmp_path):
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "waits"})
    before = snapshot(checkout)
    result = run_runner(checkout, "--cell-timeout", "3")
    assert result.returncode == 1, result.stderr
    assert (
        "01_first.ipynb: the cell with execution count 2 (`import pathlib`) ran "
        "longer than the limit of 3 s per cell and was stopped" in result.stderr
    )
    assert "make run-all CELL_TIMEOUT=12" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(checkout) == before


def test_a_bad_cell_timeout_is_refused_before_running():
    result = run_module("run-all", "--cell-timeout", "0")
    assert result.returncode == 2
    assert "cell timeout (CELL_TIMEOUT) must be a positive integer" in result.stderr
    assert "running" not in result.stdout


def test_a_second_run_in_the_same_checkout_stops_and_touches_nothing(tmp_path):
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "waits"})
    first = start_runner(checkout)
    try:
        wait_for(checkout / "started", first)
        work = sorted((checkout / "build" / "run-all").rglob("*"))
        second = run_runner(checkout)
        assert second.returncode == 2
        assert f"another `make run-all` is in progress in this checkout (process {first.pid}" in (
            second.stderr
        )
        assert "running" not in second.stdout
        assert sorted((checkout / "build" / "run-all").rglob("*")) == work  # untouched
        assert first.poll() is None
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # The killed run left its process id in the lock file: the next run takes the lock over.
    third = run_runner(checkout, "--cell-timeout", "3")
    assert f"note: a lock left by process {first.pid}, which no longer runs" in third.stdout
    assert "running 01_first.ipynb" in third.stdout  # it ran (and hit the stalled cell)


def test_a_wrong_dataset_stops_the_run_before_any_notebook(tmp_path):
    import numpy as np

    from mnist17.data import EXPECTED_ARRAYS

    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "prints"})
    (checkout / "data" / "mnist.npz").unlink()
    zeros = {key: np.zeros(shape, np.uint8) for key, (shape, _) in EXPECTED_ARRAYS.items()}
    np.savez_compressed(checkout / "data" / "mnist.npz", **zeros)  # MNIST's shapes, not its digits
    before = snapshot(checkout)
    result = run_runner(checkout)
    assert result.returncode == 1
    assert "the dataset was refused: data/mnist.npz is a well-formed .npz" in result.stderr
    assert "Nothing committed was changed" in result.stderr
    assert "running" not in result.stdout
    assert snapshot(checkout) == before
    assert (checkout / "data" / "mnist.npz").exists()  # refused, never deleted


def test_publishing_replaces_the_committed_files_with_those_of_the_run(tmp_path):
    checkout = mini_checkout(tmp_path / "repo", {"01_first.ipynb": "prints"})
    build = tmp_path / "build"
    for relative in ("notebooks/01_first.ipynb", "figures/nn1-1.png", "artifacts/model.keras"):
        (build / relative).parent.mkdir(parents=True, exist_ok=True)
        (build / relative).write_text(f"new {relative}")
    (build / "figures" / ".nn1-1-x.part.png").write_text("a temporary file")
    published = run_all.publish(build, [checkout / "notebooks" / "01_first.ipynb"], checkout)
    assert sorted(p.relative_to(checkout).as_posix() for p in published) == [
        "artifacts/model.keras",
        "figures/nn1-1.png",
        "notebooks/01_first.ipynb",
    ]
    assert (checkout / "figures" / "nn1-1.png").read_text() == "new figures/nn1-1.png"
    assert not (checkout / "figures" / ".nn1-1-x.part.png").exists()


def test_make_clean_removes_only_generated_files(tmp_path):
    checkout = mini_checkout(tmp_path, {"01_first.ipynb": "prints"})
    before = snapshot(checkout)
    generated = [
        checkout / "build" / "run-all" / "x.ipynb",
        checkout / "artifacts" / "model.keras",
        checkout / "notebooks" / ".ipynb_checkpoints" / "01-checkpoint.ipynb",
        checkout / "src" / "mnist17" / "__pycache__" / "x.pyc",
    ]
    for path in generated:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("generated")
    subprocess.run(["make", "clean"], cwd=checkout, check=True, capture_output=True)
    assert not any(path.exists() for path in generated)
    assert (checkout / "data" / "mnist.npz").exists()
    assert snapshot(checkout) == before


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
