"""pytest set-up shared by nbval (notebooks/) and the tests (tests/).

The notebooks re-executed by nbval write their figures and trained artifacts to `build/test/`
(through ``MNIST17_OUTPUT_DIR``), never over the committed `figures/`; the tests in `tests/`
then check what that run produced. ``MNIST17_TEST_DIR`` names another folder (`make
test-portable` gives each emulated machine its own).

One test session at a time per output folder: a second `make test` while one runs would delete
its folder, so it stops with a message instead (src/mnist17_tools/lock.py).

nbval's comparison gets a numeric tolerance for the numbers listed in
`src/mnist17_tools/tolerances.py` (`nbval_numeric.py` beside it); the deviations it sees are
written to `deviations.json` there.

nbval executes the notebooks in memory; what each produced is saved as an executed notebook in
`notebooks/` of that folder, so that a failed run (on CI too, as an artifact) can be read.
"""

import json
import os
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers import is_notebook_cell

from mnist17.paths import OUTPUT_DIR_VARIABLE, build_dir
from mnist17_tools import nbval_numeric
from mnist17_tools.lock import AlreadyRunning, exclusive
from mnist17_tools.tolerances import TOLERANCES

TEST_DIR_VARIABLE = "MNIST17_TEST_DIR"
_SESSION_LOCK = pytest.StashKey[ExitStack]()


def test_output() -> Path:
    """The folder of this test session's executed notebooks' figures, artifacts and reports."""
    return Path(os.environ.get(TEST_DIR_VARIABLE) or build_dir() / "test").resolve()


def pytest_configure(config) -> None:
    """Start every test session with an empty output folder, inherited by nbval's kernels."""
    output = test_output()
    lock = ExitStack()
    try:
        lock.enter_context(exclusive(output.with_name(f"{output.name}.lock"), "test session"))
    except AlreadyRunning as error:
        pytest.exit(f"error: {error}", returncode=2)
    config.stash[_SESSION_LOCK] = lock
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    os.environ[OUTPUT_DIR_VARIABLE] = str(output)
    nbval_numeric.install(config, TOLERANCES)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Run nbval's cells before every other test, whatever the order of the paths given: the
    tests that check what the notebooks produced take the `series_run` fixture."""
    items.sort(key=lambda item: not is_notebook_cell(item))  # a stable sort keeps each order


def pytest_runtest_teardown(item, nextitem) -> None:
    """After a notebook's last cell, save the notebook with the outputs of this run."""
    if hasattr(item, "test_outputs") and getattr(nextitem, "parent", None) is not item.parent:
        save_executed_notebook(item.parent, test_output() / "notebooks")


def save_executed_notebook(notebook_item, folder: Path) -> Path:
    """The committed notebook with each cell's outputs replaced by those nbval just produced
    (cells nbval did not run keep none)."""
    produced = {
        id(item.cell): item.test_outputs
        for item in notebook_item.session.items
        if item.parent is notebook_item and getattr(item, "test_outputs", None) is not None
    }
    notebook = json.loads(json.dumps(notebook_item.nb))  # a plain copy
    for cell, committed in zip(notebook["cells"], notebook_item.nb.cells, strict=True):
        if cell["cell_type"] == "code":
            cell["outputs"] = produced.get(id(committed), [])
            cell["execution_count"] = None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(str(notebook_item.fspath)).name
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    return path


def pytest_sessionfinish(session) -> None:
    """Keep the deviations nbval saw, for `make test-portable` and for people."""
    if nbval_numeric.recorded(session.config):
        nbval_numeric.write_report(session.config, test_output())


def pytest_unconfigure(config) -> None:
    """Release the session's lock."""
    lock = config.stash.get(_SESSION_LOCK, None)
    if lock is not None:
        lock.close()
