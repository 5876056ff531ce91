"""Fixtures shared by the tests (helpers that are not fixtures are in helpers.py)."""

from pathlib import Path

import pytest
from helpers import is_notebook_cell

from mnist17.paths import output_root


@pytest.fixture(scope="session")
def series_run(request) -> Path:
    """The folder holding what nbval's run of the notebooks produced in this session (figures,
    artifacts, executed notebooks). The root conftest.py runs nbval's cells first and empties
    that folder when a session starts, so nothing found there is left from another run."""
    if not any(is_notebook_cell(item) for item in request.session.items):
        pytest.fail(
            "this test checks what the notebooks produce, and no notebook runs in this session: "
            "run `make test` (or give pytest the notebooks too)"
        )
    return output_root()
