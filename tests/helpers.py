"""Shared helpers of the tests, one place: running commands and notebooks the way a user does,
reading notebooks, and comparing what a run of the series drew."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mnist17.paths import OUTPUT_DIR_VARIABLE, notebooks_dir, root
from mnist17_tools.claims import ANSI
from mnist17_tools.notebook_runner import NotebookRunError, execute, kernel_env
from mnist17_tools.series import series

ROOT = root()
FIXTURES = ROOT / "tests" / "fixtures"
# The notebooks nbval ran to their last cell in this session (the root conftest.py records them).
FINISHED_NOTEBOOKS = pytest.StashKey[set]()


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
) -> NotebookRunError | None:
    """Run `notebooks/<name>` (or `source`, a changed copy) with the tools' notebook runner into
    `output_dir`, from `notebooks/`, its kernel writing there and with `env` added; the error, or
    None."""
    try:
        execute(
            source or notebooks_dir() / name,
            output_dir / name,
            cwd=notebooks_dir(),
            parameters=parameters,
            env=kernel_env(**{OUTPUT_DIR_VARIABLE: output_dir, **(env or {})}),
        )
    except NotebookRunError as error:
        return error
    return None


def nbval_output() -> Path | None:
    """Where nbval's kernels write (``MNIST17_OUTPUT_DIR``, set by `make test`), or None."""
    named = os.environ.get(OUTPUT_DIR_VARIABLE, "")
    return Path(named) if named else None


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


def figure_rms(name: str, run: Path, keep: Path | None = None) -> float:
    """How far (RMS of the pixel difference, 0..255) the figure that the series run in `run` drew
    is from the committed `figures/<name>.png`; inf for another size. With `keep`, the two images
    (and matplotlib's difference image) are left in that folder."""
    from matplotlib.testing.compare import compare_images
    from matplotlib.testing.exceptions import ImageComparisonFailure

    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        expected, actual = folder / f"{name}-committed.png", folder / f"{name}-new.png"
        shutil.copyfile(ROOT / "figures" / f"{name}.png", expected)
        shutil.copyfile(run / "figures" / f"{name}.png", actual)
        try:
            # tol=0 makes compare_images report the RMS of any difference (None: identical).
            result = compare_images(str(expected), str(actual), tol=0, in_decorator=True)
        except ImageComparisonFailure:
            return float("inf")
    return 0.0 if result is None else float(result["rms"])


# --- a checkout of tiny notebooks, for the runners' failure paths -------------------------


def mini_checkout(folder: Path, notebooks: dict[str, str]) -> Path:
    """A checkout of the series' layout in `folder` whose notebooks are fixture notebooks
    (`{"01_first.ipynb": "prints"}` copies tests/fixtures/prints.ipynb there), with the verified
    dataset linked into `data/` and the Makefile; a runner started with ``MNIST17_ROOT`` pointing
    at it works there as in the real one, in seconds."""
    (folder / "notebooks").mkdir(parents=True)
    for folder_name in ("figures", "data", "tests"):
        (folder / folder_name).mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "mini"\n')
    shutil.copy2(ROOT / "Makefile", folder / "Makefile")
    for name, fixture in notebooks.items():
        shutil.copy2(FIXTURES / f"{fixture}.ipynb", folder / "notebooks" / name)
    (folder / "data" / "mnist.npz").symlink_to(ROOT / "data" / "mnist.npz")
    return folder


def in_checkout(checkout: Path) -> dict[str, str]:
    """The environment of a tools process working in `checkout` (and not in this one)."""
    return {"MNIST17_ROOT": str(checkout), OUTPUT_DIR_VARIABLE: ""}


def snapshot(checkout: Path) -> dict[str, bytes]:
    """Every committed kind of file of `checkout` (notebooks, figures, results), by path."""
    return {
        p.relative_to(checkout).as_posix(): p.read_bytes()
        for folder in ("notebooks", "figures", "experiments", "tests")
        if (checkout / folder).exists()
        for p in sorted((checkout / folder).rglob("*"))
        if p.is_file()
    }


def assert_pad_extensions_enabled(listing: str) -> None:
    """`jupyter labextension list` shows the two extensions 08's drawing pad needs, enabled."""
    text = ANSI.sub("", listing)
    for extension in ("anywidget", "@jupyter-widgets/jupyterlab-manager"):
        assert re.search(rf"^\s*{re.escape(extension)} v\S+ enabled\s+OK", text, re.M), text
