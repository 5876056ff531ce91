"""Shared helpers of the tests, one place: running commands and notebooks the way a user does,
reading notebooks, and finding what nbval's run of the series produced."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mnist17.paths import notebooks_dir, output_root, root
from mnist17_tools.series import series

ROOT = root()


def run_module(
    *args: str, env: dict | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """`python -m mnist17_tools ARGS` in a real process, as `make` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "mnist17_tools", *args],
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
            source or notebooks_dir() / name,
            output_dir / name,
            parameters=parameters or {},
            cwd=notebooks_dir(),
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- notebooks as JSON --------------------------------------------------------------------


def notebooks() -> list[dict]:
    """The committed notebooks of the series, in order, as JSON."""
    return [json.loads(path.read_text()) for path in series()]


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source_of(cell: dict) -> str:
    """A cell's source as one string (committed notebooks store a list of lines)."""
    return "".join(cell["source"])


def text_of(output: dict) -> str:
    """The text of one output: a stream's, or a result's plain-text form."""
    return "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))


# --- what nbval's run of the series produced ----------------------------------------------


def is_notebook_cell(item) -> bool:
    """A pytest item of nbval's: one cell of a notebook, executed and compared."""
    return hasattr(item, "cell") and str(item.fspath).endswith(".ipynb")


def produced(relative: str) -> Path:
    """A file that nbval's run of the notebooks wrote into this session's output folder (the
    root conftest.py points ``MNIST17_OUTPUT_DIR`` there); use with the `series_run` fixture."""
    path = output_root() / relative
    if not path.exists():
        pytest.fail(
            f"{path} is missing: run the whole suite (`make test`), whose nbval part executes "
            "the notebooks before these checks"
        )
    return path


def figure_rms(name: str, keep: Path | None = None) -> float:
    """How far (RMS of the pixel difference, 0..255) the figure that nbval's run drew is from the
    committed `figures/<name>.png`; inf for another size. With `keep`, the two images (and
    matplotlib's difference image) are left in that folder."""
    from matplotlib.testing.compare import compare_images
    from matplotlib.testing.exceptions import ImageComparisonFailure

    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        expected, actual = folder / f"{name}-committed.png", folder / f"{name}-new.png"
        shutil.copyfile(ROOT / "figures" / f"{name}.png", expected)
        shutil.copyfile(produced(f"figures/{name}.png"), actual)
        try:
            # tol=0 makes compare_images report the RMS of any difference (None: identical).
            result = compare_images(str(expected), str(actual), tol=0, in_decorator=True)
        except ImageComparisonFailure:
            return float("inf")
    return 0.0 if result is None else float(result["rms"])
