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


def make(*args: str) -> subprocess.CompletedProcess:
    """`make ARGS` in the checkout, as a reader types it; output captured."""
    return subprocess.run(["make", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def run_notebook(
    name: str,
    output_dir: Path,
    parameters: dict | None = None,
    source: Path | None = None,
    env: dict | None = None,
):
    """Run `notebooks/<name>` (or `source`, a changed copy) with papermill into `output_dir`,
    from `notebooks/` and with `env` set for its kernel; the papermill error, or None."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    settings = {"MNIST17_OUTPUT_DIR": str(output_dir), **(env or {})}
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        papermill.execute_notebook(
            source or NOTEBOOKS_DIR / name,
            output_dir / name,
            parameters=parameters or {},
            cwd=NOTEBOOKS_DIR,
            kernel_name="python3",
            progress_bar=False,
        )
    except PapermillExecutionError as error:
        return error
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value
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
