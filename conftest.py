"""pytest set-up shared by nbval (notebooks/) and the tests (tests/).

nbval re-executes each notebook in a kernel that inherits this process's environment, so the
command that starts pytest says where the kernels write their figures and trained artifacts:
``MNIST17_OUTPUT_DIR`` (`make test`: build/test/; `make test-portable`: one folder per emulated
machine). A session that collects notebooks without it stops at once, before a kernel could write
into the committed figures/. Only such a session empties that folder first and locks it, so that a
second one cannot empty it under the first; any other test module runs alone, as it is.

nbval's comparison gets a numeric tolerance for the numbers listed in
`src/mnist17_tools/tolerances.py` (`nbval_numeric.py` beside it); the deviations it sees are
written to `deviations.json` in the output folder, and what each notebook produced is saved there as
an executed notebook (`notebooks/`), so that a failed run (on CI too, as an artifact) can be read.
"""

import json
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers import FINISHED_NOTEBOOKS, is_notebook_cell, nbval_output

from mnist17.paths import OUTPUT_DIR_VARIABLE, root
from mnist17_tools import nbval_numeric
from mnist17_tools.lock import AlreadyRunning, exclusive
from mnist17_tools.tolerances import TOLERANCES

_SESSION_LOCK = pytest.StashKey[ExitStack]()


def pytest_configure(config) -> None:
    nbval_numeric.install(config, TOLERANCES)
    config.stash[FINISHED_NOTEBOOKS] = set()


def pytest_collection_modifyitems(session, config, items) -> None:
    """Run nbval's cells before the other tests, so that the `series_run` fixture finds the
    notebooks already executed instead of executing them again (a stable sort keeps each order)."""
    items.sort(key=lambda item: not is_notebook_cell(item))


def pytest_collection_finish(session) -> None:
    """When notebooks are collected: check, lock and empty the folder their kernels write into."""
    if not any(is_notebook_cell(item) for item in session.items):
        return
    output = nbval_output()
    if output is None or not output.is_absolute() or output.resolve() == root():
        pytest.exit(
            f"error: nbval's kernels need {OUTPUT_DIR_VARIABLE}, an absolute folder outside the "
            "committed ones, for their figures and trained artifacts (otherwise they would "
            "overwrite figures/): run `make test`, or set "
            f"{OUTPUT_DIR_VARIABLE}=$PWD/build/test",
            returncode=2,
        )
    lock = ExitStack()
    try:
        lock.enter_context(exclusive(output.with_name(f"{output.name}.lock"), "test session"))
    except AlreadyRunning as error:
        pytest.exit(f"error: {error}", returncode=2)
    session.config.stash[_SESSION_LOCK] = lock
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)


def pytest_runtest_teardown(item, nextitem) -> None:
    """After a notebook's last cell, save the notebook with the outputs of this run."""
    if hasattr(item, "test_outputs") and getattr(nextitem, "parent", None) is not item.parent:
        save_executed_notebook(item.parent, nbval_output() / "notebooks")
        item.config.stash[FINISHED_NOTEBOOKS].add(Path(str(item.parent.fspath)).name)


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
        nbval_numeric.write_report(session.config, nbval_output())


def pytest_unconfigure(config) -> None:
    """Release the session's lock."""
    lock = config.stash.get(_SESSION_LOCK, None)
    if lock is not None:
        lock.close()
