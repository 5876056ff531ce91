"""mnist17_tools/breakages.py (`make test-breakages`, not in CI: one test run per breakage): each
breakage still finds the one notebook cell it changes, so editing a notebook cannot quietly disarm
it."""

import nbformat
import pytest

from mnist17.paths import notebooks_dir
from mnist17_tools.breakages import BREAKAGES
from mnist17_tools.tolerances import FIGURES

ALL = [breakage for group in BREAKAGES.values() for breakage in group]


@pytest.mark.parametrize("breakage", ALL, ids=lambda b: b.id)
def test_each_breakage_changes_exactly_one_cell_of_its_notebook(breakage):
    nb = nbformat.read(notebooks_dir() / f"{breakage.notebook}.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and breakage.old in c.source]
    assert len(cells) == 1, f"{breakage.old!r} is in {len(cells)} cells of {breakage.notebook}"
    assert breakage.new != breakage.old
    assert set(breakage.figures) <= set(FIGURES)
