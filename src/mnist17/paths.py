"""Where things live: the series' folders, found from this package or the working directory.

Notebooks therefore run the same from JupyterLab, papermill, nbval or any shell folder. The
checkout is found, not assumed: ``$MNIST17_ROOT`` when set, else the folder holding this
package's `src/` (the editable install `make setup` makes), else the working directory or one
above it (a notebook runs in `notebooks/`). Anything else raises `CheckoutNotFound` with one line
that says what to do.

Setting ``MNIST17_OUTPUT_DIR`` sends figures and trained artifacts to that folder instead of the
committed ones: test runs and runs with other parameters use it, so they never overwrite what is
committed.
"""

import os
from pathlib import Path

OUTPUT_DIR_VARIABLE = "MNIST17_OUTPUT_DIR"
ROOT_VARIABLE = "MNIST17_ROOT"


class CheckoutNotFound(RuntimeError):
    """The series' folders (notebooks/, data/, figures/) could not be found; says what to do."""


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir()


def root() -> Path:
    """The checkout of the series: the folder with `pyproject.toml` and `notebooks/`."""
    named = os.environ.get(ROOT_VARIABLE)
    if named:
        folder = Path(named).expanduser().resolve()
        if not _is_checkout(folder):
            raise CheckoutNotFound(
                f"{ROOT_VARIABLE}={named} is not a checkout of the series (it needs "
                "pyproject.toml and notebooks/): point it at the cloned repository."
            )
        return folder
    here = Path(__file__).resolve().parents[2]
    cwd = Path.cwd().resolve()
    for folder in (here, cwd, *cwd.parents):
        if _is_checkout(folder):
            return folder
    raise CheckoutNotFound(
        f"mnist17 is installed at {Path(__file__).parent} and {cwd} is not inside the series' "
        f"repository: run from the cloned repository, set {ROOT_VARIABLE}=/path/to/the/repo, "
        "or install it as `make setup` does (pip install -e .)."
    )


def data_dir() -> Path:
    """`data/`: the verified MNIST (ignored by git)."""
    return root() / "data"


def mnist_file() -> Path:
    """`data/mnist.npz`, the one copy of MNIST that every notebook and test loads."""
    return data_dir() / "mnist.npz"


def notebooks_dir() -> Path:
    """`notebooks/`: the series, and the folder every notebook runs in."""
    return root() / "notebooks"


def output_root() -> Path:
    """The folder receiving `figures/` and `artifacts/`: the repo, or ``$MNIST17_OUTPUT_DIR``."""
    override = os.environ.get(OUTPUT_DIR_VARIABLE)
    return Path(override).resolve() if override else root()


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
        return str(path.relative_to(root()))
    except (ValueError, CheckoutNotFound):
        return str(path)
