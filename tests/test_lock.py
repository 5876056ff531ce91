"""One run at a time: a second run is refused with the first one's process id, and a lock left by
a killed run is taken over (mnist17_tools/lock.py; `make run-all` itself: tests/test_run_all.py);
an nbval session needs an output folder of its own (the root conftest.py)."""

import os
import signal
import subprocess
import sys

import pytest
from helpers import ROOT

from mnist17.paths import OUTPUT_DIR_VARIABLE
from mnist17_tools.lock import AlreadyRunning, exclusive

HOLDER = """
import sys, time
from mnist17_tools.lock import exclusive
with exclusive(sys.argv[1], "test run"):
    print("held", flush=True)
    time.sleep(600)
"""


def hold(path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_held_lock_refuses_a_second_run_naming_the_holder(tmp_path):
    lock = tmp_path / "run.lock"
    holder = hold(lock)
    try:
        with pytest.raises(AlreadyRunning) as caught, exclusive(lock, "`make run-all`"):
            pass
        assert f"another `make run-all` is in progress in this checkout (process {holder.pid}" in (
            str(caught.value)
        )
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    lock = tmp_path / "run.lock"
    holder = hold(lock)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock.read_text().strip() == str(holder.pid)  # the killed run could not clean up
    with exclusive(lock, "test run") as note:
        assert note == (
            f"note: a lock left by process {holder.pid}, which no longer runs (killed?), "
            "was taken over"
        )
        assert lock.read_text().strip() == str(os.getpid())
    with exclusive(lock, "test run") as note:  # released cleanly: nothing to take over
        assert note is None


def nbval_of_01(output: str) -> subprocess.CompletedProcess:
    """A pytest session collecting notebook 01, its kernels told to write into `output`."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "notebooks/01_data_preview.ipynb",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env={**os.environ, OUTPUT_DIR_VARIABLE: output},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_second_nbval_session_on_the_same_folder_is_refused_before_it_empties_it(tmp_path):
    output = tmp_path / "test"
    (output / "figures").mkdir(parents=True)
    holder = hold(tmp_path / "test.lock")  # as a first `make test` holds it
    try:
        result = nbval_of_01(str(output))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert f"another test session is in progress in this checkout (process {holder.pid}" in (
        result.stdout + result.stderr
    )
    assert (output / "figures").exists()  # not emptied


def test_nbval_without_an_output_folder_is_refused_before_a_kernel_starts():
    result = nbval_of_01("")
    assert result.returncode == 2
    assert "nbval's kernels need MNIST17_OUTPUT_DIR" in result.stdout + result.stderr
    assert "run `make test`" in result.stdout + result.stderr
