"""pytest set-up shared by nbval (notebooks/) and the tests (tests/).

The notebooks re-executed by nbval write their figures and trained artifacts to `build/test/`
(through ``MNIST17_OUTPUT_DIR``), never over the committed `figures/`; the tests in `tests/`
then check what that run produced. ``MNIST17_TEST_DIR`` names another folder (`make
test-portable` gives each emulated machine its own).

One test session at a time per output folder: a second `make test` while one runs would delete
its folder, so it stops with a message instead (src/mnist17/lock.py).

nbval's comparison gets a numeric tolerance for the numbers listed in `tests/tolerances.py`
(`tests/nbval_numeric.py`); the deviations it sees are written to `deviations.json` there.
"""

import os
import shutil
from contextlib import ExitStack
from pathlib import Path

import nbval_numeric
import pytest
from tolerances import TOLERANCES

from mnist17.lock import AlreadyRunning, exclusive
from mnist17.paths import BUILD_DIR, OUTPUT_DIR_VARIABLE

TEST_DIR_VARIABLE = "MNIST17_TEST_DIR"
_SESSION_LOCK = pytest.StashKey[ExitStack]()


def test_output() -> Path:
    """The folder of this test session's executed notebooks' figures, artifacts and reports."""
    return Path(os.environ.get(TEST_DIR_VARIABLE) or BUILD_DIR / "test").resolve()


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


def pytest_sessionfinish(session) -> None:
    """Keep the deviations nbval saw, for `make test-portable` and for people."""
    if nbval_numeric.recorded(session.config):
        nbval_numeric.write_report(session.config, test_output())


def pytest_unconfigure(config) -> None:
    """Release the session's lock."""
    lock = config.stash.get(_SESSION_LOCK, None)
    if lock is not None:
        lock.close()
