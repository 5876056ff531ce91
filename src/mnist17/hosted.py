"""A notebook of the series opened alone on a hosted runtime (Colab, Kaggle): what its first cell
reports once it has fetched the series, and which of the host's versions the series supports.

The first code cell of every notebook fetches the repository's zip from GitHub into a folder
beside the notebook when this package cannot be imported (a lone notebook, with no checkout) and
puts that copy's `src/` on the path; it installs nothing and resolves no dependency, so the host's
TensorFlow, Keras, NumPy, matplotlib and scikit-learn stay as they were. Then `prepare()` gets
MNIST (verified by its content digest, like `make data`) and says in one line which versions this
runtime has beside those the committed outputs came from. In a checkout it does nothing.
"""

import json
import os
import sys
from pathlib import Path

from mnist17.data import load_mnist
from mnist17.environment import BACKEND_PACKAGES, package_version, version_tuple, versions
from mnist17.paths import mnist_file, root

# The id of that first cell in every notebook (`make links` writes it).
HOSTED_CELL_ID = "hosted-setup"
# The oldest TensorFlow and Keras the series supports: those of Colab's runtime 2025.10 (also
# 2026.01), the oldest package set `make test-hosted` runs (tests/hosted/). The newest are those
# the committed outputs came from (tests/reference-machine.json); a newer one was never tried.
OLDEST = {"tensorflow": "2.19", "keras": "3.10"}
CHANGE_RUNTIME = "on Colab, Command Palette > Change runtime version"
# The packages the first cell names, as readers know them; the last three are notebook 08's pad's.
NAMES = {
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "jaxlib": "jaxlib",
    "torch": "PyTorch",
    "keras": "Keras",
    "numpy": "NumPy",
    "scikit-learn": "scikit-learn",
    "matplotlib": "matplotlib",
    "pillow": "Pillow",
    "ipywidgets": "ipywidgets",
    "anywidget": "anywidget",
}
PAD_PACKAGES = ("pillow", "ipywidgets", "anywidget")


def runtime() -> str:
    """The hosted runtime this kernel runs on, by name, or "" when none is recognised."""
    if "google.colab" in sys.modules:
        return "Colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE"):
        return "Kaggle"
    return ""


def widget_note() -> str:
    """One line where notebook 08's drawing pad may not show, saying where it does; else ""."""
    if runtime() == "Kaggle":
        return (
            "On Kaggle the pad may not show: its JupyterLab may lack anywidget's front end. The "
            "digits above were read all the same; to draw, open this notebook on Colab or Binder."
        )
    if os.environ.get("CODESPACES") == "true":
        return (
            "In a codespace, VS Code's notebook editor may not show the pad (anywidget#684): "
            "run `make lab` and open this notebook in JupyterLab (port 8888 is forwarded)."
        )
    return ""


def committed_versions() -> dict[str, str]:
    """The versions the committed outputs came from (the record `make run-all` writes)."""
    record = json.loads((root() / "tests" / "reference-machine.json").read_text())
    return record["versions"]


def here() -> dict[str, str]:
    """This kernel's versions of the packages `advice` checks (those of `OLDEST`)."""
    return {name: package_version(name) for name in OLDEST}


def describe(found: dict[str, str]) -> str:
    """`Python 3.11.7, Keras 3.15.1 on TensorFlow 2.21.0, NumPy 2.4.6, ...` from versions()."""
    engine = BACKEND_PACKAGES[found.get("backend", "tensorflow")]
    on = " and ".join(f"{NAMES[name]} {found[name]}" for name in engine)
    skip = {"python", "backend", "keras", *engine}
    rest = [f"{NAMES.get(name, name)} {v}" for name, v in found.items() if name not in skip]
    return ", ".join([f"Python {found['python']}", f"Keras {found['keras']} on {on}", *rest])


def advice(versions: dict[str, str], committed: dict[str, str]) -> list[str]:
    """One line per package outside the range the series supports, saying what to do."""
    lines = []
    for name, oldest in OLDEST.items():
        have, newest = versions[name], committed[name]
        if have == "not installed":
            lines.append(f"{NAMES[name]} is not installed here: pip install {name}=={newest}")
        elif version_tuple(have) < version_tuple(oldest):
            lines.append(
                f"{NAMES[name]} {have} is older than this series supports ({oldest} to {newest}):"
                f" {CHANGE_RUNTIME} (26.04 or later), elsewhere pip install {name}=={newest}"
            )
        elif version_tuple(have) > version_tuple(newest):
            lines.append(
                f"{NAMES[name]} {have} is newer than any this series was tried with ({oldest} to "
                f"{newest}): if a cell fails, {CHANGE_RUNTIME} (26.07)"
            )
    return lines


def prepare(copy: str | Path) -> None:
    """The first cell's report. `copy` is the folder the cell fetches the series into."""
    package = Path(sys.modules[__package__].__file__).resolve()
    fetched = Path(copy).resolve()
    if fetched not in package.parents:
        print(f"A checkout of the series, nothing to fetch: {describe(versions(*PAD_PACKAGES))}.")
        return
    if mnist_file().exists():
        print(f"The series was fetched into {copy}/ before: nothing to fetch.")
        return
    load_mnist()  # downloaded from its address and verified, as `make data` does
    where = runtime() or "This runtime"
    print(f"{where}: the series' helper package and MNIST (verified) are in {copy}/.")
    committed = committed_versions()
    print(
        f"Here: {describe(versions(*PAD_PACKAGES))}; the committed outputs: {describe(committed)}."
        " The last digits of the numbers may differ."
    )
    for line in advice(here(), committed):
        print(line)
