"""`make run-all` never damages what is committed: a failing or killed run leaves the checkout
exactly as it was, and the failed notebook waits in the build folder.

Each test works on a copy of the repo (tracked files plus the verified dataset), committed in a
fresh git repository, so that `git status` there tells whether anything committed changed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnist17.paths import MNIST_FILE, ROOT


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
    files = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    copy = tmp_path / "repo"
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    shutil.copy2(MNIST_FILE, copy / "data" / "mnist.npz")
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-qm", "snapshot")
    return copy


RUNNER = [sys.executable, "-m", "mnist17", "run-all"]


def runner_env(repo: Path) -> dict:
    # The copy's own helper package, so that its paths point into the copy.
    return {**os.environ, "PYTHONPATH": str(repo / "src"), "MNIST17_OUTPUT_DIR": ""}


def snapshot(repo: Path) -> dict[str, bytes]:
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for folder in ("notebooks", "figures")
        for p in sorted((repo / folder).iterdir())
        if p.is_file()
    }


def break_notebook(repo: Path, name: str) -> None:
    """Commit a cell that raises into the copy's notebook `name`, after its second code cell."""
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
            "source": ["raise RuntimeError('deliberately broken for a test')"],
        },
    )
    path.write_text(json.dumps(nb, indent=1) + "\n")
    git(repo, "commit", "-qam", "break a notebook")


def test_failed_notebook_changes_nothing_committed_and_stays_in_build(repo_copy):
    break_notebook(repo_copy, "02_preparing_the_data.ipynb")
    before = snapshot(repo_copy)
    result = subprocess.run(
        RUNNER,
        cwd=repo_copy,
        env=runner_env(repo_copy),
        capture_output=True,
        text=True,
        check=False,
    )
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
    process = subprocess.Popen(
        RUNNER,
        cwd=repo_copy,
        env=runner_env(repo_copy),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
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
