"""Where things live, resolved from this package's location, never from the working directory.

Notebooks therefore run the same from JupyterLab, papermill, nbval or any shell folder.
Setting the environment variable ``MNIST17_OUTPUT_DIR`` sends figures and trained artifacts
to that folder instead of the committed ones: test runs and runs with non-default parameters
use it so that they never overwrite what is committed.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
BUILD_DIR = ROOT / "build"
MNIST_FILE = DATA_DIR / "mnist.npz"
OUTPUT_DIR_VARIABLE = "MNIST17_OUTPUT_DIR"
# The machine (CPU features, threads) and versions that made the committed outputs, written by
# `make run-all`: there the tests demand identical outputs, elsewhere the measured tolerances.
REFERENCE_MACHINE_FILE = ROOT / "tests" / "reference-machine.json"


def output_root() -> Path:
    """The folder receiving `figures/` and `artifacts/`: the repo, or ``$MNIST17_OUTPUT_DIR``."""
    override = os.environ.get(OUTPUT_DIR_VARIABLE)
    return Path(override).resolve() if override else ROOT


def figures_dir() -> Path:
    """Folder for the PNG figures of the post (`figures/`)."""
    return output_root() / "figures"


def artifacts_dir() -> Path:
    """Folder for what training hands to later notebooks: the model and its history."""
    return output_root() / "artifacts"


def display_path(path: Path) -> str:
    """A path as readers see it: relative to the repo when inside it (no machine's paths leak)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
