"""Shared helpers of the tests: running commands and notebooks the way a user does."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mnist17.paths import MNIST_FILE, NOTEBOOKS_DIR, ROOT


def run_module(
    *args: str, env: dict | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """`python -m mnist17 ARGS` in a real process, as `make` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "mnist17", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def run_notebook(name: str, output_dir: Path, parameters: dict | None = None):
    """Run `notebooks/<name>` with papermill into `output_dir`; the papermill error, or None."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    old = os.environ.get("MNIST17_OUTPUT_DIR")
    os.environ["MNIST17_OUTPUT_DIR"] = str(output_dir)
    try:
        papermill.execute_notebook(
            NOTEBOOKS_DIR / name,
            output_dir / name,
            parameters=parameters or {},
            cwd=NOTEBOOKS_DIR,
            kernel_name="python3",
            progress_bar=False,
        )
    except PapermillExecutionError as error:
        return error
    finally:
        if old is None:
            del os.environ["MNIST17_OUTPUT_DIR"]
        else:
            os.environ["MNIST17_OUTPUT_DIR"] = old
    return None


def copy_checkout(target: Path) -> Path:
    """Copy the checkout's tracked and new files, and the verified dataset, to `target` (a repo
    copy to break or run without touching this one; no venv, no build output)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    shutil.copy2(MNIST_FILE, target / "data" / "mnist.npz")
    return target
