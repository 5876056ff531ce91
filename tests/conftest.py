"""Fixtures shared by the tests (helpers that are not fixtures are in helpers.py)."""

from pathlib import Path

import pytest
from helpers import FINISHED_NOTEBOOKS, nbval_output

from mnist17.paths import OUTPUT_DIR_VARIABLE, notebooks_dir
from mnist17_tools.notebook_runner import execute, kernel_env
from mnist17_tools.series import series

# Tiny notebooks for the runners' failure paths (tests/fixtures/): not part of the series, and
# not for nbval to collect.
collect_ignore = ["fixtures"]


@pytest.fixture(scope="session")
def series_run(request, tmp_path_factory) -> Path:
    """The folder holding what one run of the whole series produced in this session: figures,
    artifacts and executed notebooks.

    When nbval ran every notebook in this session (`make test`), that is its output folder; when it
    did not (`pytest tests/test_figures.py` alone), the series is run here, once, with the tools'
    notebook runner into a folder of this session's own.
    """
    finished = request.config.stash[FINISHED_NOTEBOOKS]
    if {path.name for path in series()} <= finished:
        return nbval_output().resolve()
    folder = tmp_path_factory.mktemp("series-run")
    env = kernel_env(**{OUTPUT_DIR_VARIABLE: folder, "KERAS_BACKEND": "tensorflow"})
    for notebook in series():
        execute(notebook, folder / "notebooks" / notebook.name, cwd=notebooks_dir(), env=env)
    return folder
