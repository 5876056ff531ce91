"""pytest set-up shared by nbval (notebooks/) and the tests (tests/).

The notebooks re-executed by nbval write their figures and trained artifacts to `build/test/`
(through ``MNIST17_OUTPUT_DIR``), never over the committed `figures/`; the tests in `tests/`
then check what that run produced.
"""

import os
import shutil

from mnist17.paths import BUILD_DIR, OUTPUT_DIR_VARIABLE

TEST_OUTPUT = BUILD_DIR / "test"


def pytest_configure(config) -> None:
    """Start every test session with an empty `build/test/`, inherited by nbval's kernels."""
    shutil.rmtree(TEST_OUTPUT, ignore_errors=True)
    TEST_OUTPUT.mkdir(parents=True)
    os.environ[OUTPUT_DIR_VARIABLE] = str(TEST_OUTPUT)
