"""`make test-hosted`: every notebook run alone, as a hosted runtime (Colab, Kaggle) opens it.

For a package set of tests/hosted/ (a hosted runtime's own versions, each file naming its source)
a virtual environment of that runtime's Python gets the packages the notebooks use, at those
versions, and no `mnist17`. Each notebook then runs on its own: copied alone into an empty working
folder that is not a checkout, with a temporary HOME, executed top to bottom by the tools'
notebook runner in a kernel of that venv. GitHub and MNIST's host are stood in for by a server on
127.0.0.1 (`Mirror`), which serves this checkout's files as GitHub's zip of the branch and the
verified MNIST; the kernel finds it through ``MNIST17_MIRROR``. The tests (tests/hosted/) check
what came out.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mnist17.artifacts import FALLBACK_EPOCHS_VARIABLE, TRAINING_NOTEBOOK
from mnist17.data import MIRROR_VARIABLE
from mnist17.paths import mnist_file, notebooks_dir, root
from mnist17_tools.checkout import checkout_files
from mnist17_tools.links import home
from mnist17_tools.notebook_runner import execute

SETS = Path("tests") / "hosted"
# What the notebooks import on a hosted runtime (the rest comes with these).
NEEDED = (
    "tensorflow",
    "keras",
    "numpy",
    "matplotlib",
    "scikit-learn",
    "pillow",
    "ipywidgets",
    "anywidget",
    "ipykernel",
    "nbformat",
)
NEWEST = "newest"  # no pins: what PyPI gives today, which hosted runtimes get next
SEVENTEEN_LINES = "07_the_17_lines.ipynb"


@dataclass(frozen=True)
class PackageSet:
    """A hosted runtime's versions: its name, Python (3.X) and constraints file (None: newest)."""

    name: str
    python: str
    constraints: Path | None


def package_sets(checkout: Path) -> dict[str, PackageSet]:
    """The package sets of tests/hosted/ by name, and `newest`."""
    found = {}
    for path in sorted((checkout / SETS).glob("*.txt")):
        python = re.search(r"^# python: (3\.\d+)", path.read_text(), re.M)[1]
        found[path.stem] = PackageSet(path.stem, python, path)
    found[NEWEST] = PackageSet(NEWEST, "3.13", None)
    return found


def interpreter(minor: str, checkout: Path) -> str:
    """A Python of that minor version on this machine (tools/find-python)."""
    found = subprocess.run(
        [str(checkout / "tools" / "find-python"), "--all"], capture_output=True, text=True
    ).stdout.split()
    for python in found:
        version = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if version == minor:
            return python
    raise RuntimeError(
        f"no Python {minor} on this machine for this package set (tools/find-python)"
    )


def hosted_venv(package_set: PackageSet, folder: Path, checkout: Path) -> Path:
    """A venv with the set's versions of what the notebooks need (made once, then reused);
    the path of its Python."""
    python = folder / "bin" / "python"
    constraints = package_set.constraints.read_text() if package_set.constraints else "newest"
    wanted = hashlib.sha256((",".join(NEEDED) + constraints).encode()).hexdigest()[:16]
    stamp = folder / ".made-for"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [interpreter(package_set.python, checkout), "-m", "venv", str(folder)], check=True
    )
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pinned = ["-c", str(package_set.constraints)] if package_set.constraints else []
    subprocess.run([*pip, *NEEDED, *pinned], check=True)
    stamp.write_text(wanted)
    return python


def installed(python: Path) -> dict[str, str]:
    """The versions of what the notebooks need, as installed for `python`."""
    script = (
        "import importlib.metadata as m, json, sys\n"
        f"names = {list(NEEDED)!r}\n"
        "print(json.dumps({n: m.version(n) for n in names}))"
    )
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def series_zip(checkout: Path, change: Callable[[str, bytes], bytes | None] | None = None) -> bytes:
    """This checkout's files (tracked and new, as `git ls-files` lists them) as GitHub's zip of the
    branch: every path under `NAME-BRANCH/`. `change(path, content)` may alter or (None) drop a
    file, to serve a broken copy."""
    series, branch = home(checkout)
    prefix = f"{series.split('/')[1]}-{branch}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in checkout_files(checkout):
            content = (checkout / name).read_bytes()
            if change is not None:
                content = change(name, content)
            if content is not None:
                archive.writestr(prefix + name, content)
    return buffer.getvalue()


class _Files(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        content = self.files.get(self.path)
        if content is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def mirror(checkout: Path, zipped: bytes | None = None) -> Iterator[str]:
    """Serve GitHub's zip of the series and MNIST on 127.0.0.1; yields the address to give the
    kernels as ``MNIST17_MIRROR``."""
    series, branch = home(checkout)
    files = {
        f"/{series}/archive/refs/heads/{branch}.zip": zipped or series_zip(checkout),
        "/mnist.npz": mnist_file().read_bytes(),
    }
    handler = type("Files", (_Files,), {"files": files})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def shortened(notebook: Path, epochs: int) -> nbformat.NotebookNode:
    """The notebook as a reader opens it; 07's 17 lines training `epochs` instead of 50."""
    nb = nbformat.read(notebook, as_version=4)
    if notebook.name == SEVENTEEN_LINES:
        for cell in nb.cells:
            if "the-17-lines" in cell.metadata.get("tags", []):
                cell.source = cell.source.replace("epochs=50", f"epochs={epochs}")
    return nb


@dataclass(frozen=True)
class AloneRun:
    """One notebook run alone: the executed notebook, and the folders it ran in."""

    executed: nbformat.NotebookNode
    work: Path
    home: Path


def run_alone(
    notebook: Path,
    python: Path,
    address: str,
    folder: Path,
    epochs: int | None = None,
    source: nbformat.NotebookNode | None = None,
) -> AloneRun:
    """Run `notebook` (or `source`) alone in `folder`/work, as a hosted runtime opens it, with a
    kernel of `python` and a HOME of its own; `epochs` shortens the training (04's parameter, the
    training 05, 06 and 08 do when 04's results are missing, 07's 17 lines)."""
    work, home_folder = folder / "work", folder / "home"
    for path in (work, home_folder):
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    nb = source or (shortened(notebook, epochs) if epochs else nbformat.read(notebook, 4))
    opened = work / notebook.name
    nbformat.write(nb, opened)
    env = {
        "HOME": str(home_folder),
        "PATH": f"{python.parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "LANG": "C.UTF-8",
        MIRROR_VARIABLE: address,
    }
    parameters = {}
    if epochs:
        env[FALLBACK_EPOCHS_VARIABLE] = str(epochs)
        if notebook.name == TRAINING_NOTEBOOK:
            parameters = {"epochs": epochs}
    try:
        executed = execute(
            opened,
            folder / "executed" / notebook.name,
            cwd=work,
            parameters=parameters,
            env=env,
            python=str(python),
        )
    finally:
        opened.unlink()  # what is left in `work` is what the notebook made there
    return AloneRun(executed, work, home_folder)


def names(folder: Path, depth: int = 2) -> set[str]:
    """The entries of `folder` down to `depth` levels: to see that nothing was added or removed,
    whatever other processes do to the files already there (HOME)."""
    return set(snapshot(folder, depth))


def snapshot(folder: Path, depth: int = 2) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every entry of `folder` down to `depth` levels: to see it unchanged."""
    found = {}
    for path in folder.iterdir() if folder.is_dir() else []:
        try:
            info = path.lstat()
        except OSError:
            continue
        found[path.name] = (info.st_size, info.st_mtime_ns)
        if depth > 1 and path.is_dir() and not path.is_symlink():
            found |= {f"{path.name}/{k}": v for k, v in snapshot(path, depth - 1).items()}
    return found


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook's cells printed or showed as text, an output per line or more."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts.append(("".join(text) if isinstance(text, list) else text).rstrip("\n"))
    return "\n".join(texts) + "\n" if texts else ""


def epoch_lines(text: str) -> list[str]:
    """The epoch lines of a text (`Epoch 2 - accuracy: ...`, the epoch count left out)."""
    lines = [line.strip() for line in text.splitlines()]
    return [
        re.sub(r"^Epoch (\d+)/\d+", r"Epoch \1", line)
        for line in lines
        if line.startswith("Epoch ")
    ]


def committed_epochs(epochs: int) -> list[str]:
    """The committed notebook 04's first `epochs` epoch lines."""
    nb = nbformat.read(notebooks_dir() / TRAINING_NOTEBOOK, as_version=4)
    return epoch_lines(printed(nb))[:epochs]


def main(argv: list[str] | None = None) -> int:
    """`make test-hosted` runs the tests of tests/hosted/; this only lists the package sets."""
    for package_set in package_sets(root()).values():
        source = package_set.constraints.name if package_set.constraints else "PyPI's newest"
        print(f"{package_set.name}: Python {package_set.python}, {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
