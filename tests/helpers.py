"""Helpers shared by the tests: the committed notebooks as JSON, commands run as a user runs them,
and a tiny checkout for the runner's failure paths."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from mnist17_tools import ROOT, series

FIXTURES = ROOT / "tests" / "fixtures"


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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make(*args: str) -> subprocess.CompletedProcess:
    """`make ARGS` in the checkout, as a reader types it; output captured."""
    return subprocess.run(["make", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def mini_checkout(folder: Path, notebooks: dict[str, str]) -> Path:
    """A checkout of the series' layout in `folder` whose notebooks are fixture notebooks
    (`{"01_first.ipynb": "prints"}` copies tests/fixtures/prints.ipynb there), with its own copy
    of the tools, so that `tools(checkout, ...)` runs them there as in the real one, in seconds."""
    for name in ("notebooks", "figures", "data", "tests", "src/mnist17/trained"):
        (folder / name).mkdir(parents=True)
    shutil.copytree(ROOT / "src" / "mnist17_tools", folder / "src" / "mnist17_tools")
    shutil.copy2(ROOT / "tests" / "nbval-sanitize.cfg", folder / "tests")
    for name, fixture in notebooks.items():
        shutil.copy2(FIXTURES / f"{fixture}.ipynb", folder / "notebooks" / name)
    (folder / "data" / "mnist.npz").symlink_to(ROOT / "data" / "mnist.npz")
    return folder


def tools(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m mnist17_tools ARGS` with the tools of `checkout`, as `make` runs them there
    (its kernels without the series' IPython profile: fixture notebooks need neither MNIST nor
    Keras, and start in a second without them)."""
    env = {k: v for k, v in os.environ.items() if k != "IPYTHONDIR"}
    return subprocess.run(
        [sys.executable, "-m", "mnist17_tools", *args],
        cwd=checkout,
        env={**env, "PYTHONPATH": str(checkout / "src")},
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(checkout: Path) -> dict[str, bytes]:
    """Every file a run may publish in `checkout` (notebooks, figures, results), by path."""
    return {
        p.relative_to(checkout).as_posix(): p.read_bytes()
        for folder in ("notebooks", "figures", "src/mnist17/trained")
        for p in sorted((checkout / folder).rglob("*"))
        if p.is_file()
    }
