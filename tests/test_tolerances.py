"""The tolerance table (mnist17_tools/tolerances.py) against the committed notebooks."""

import json

import pytest
from helpers import text_of

from mnist17.paths import notebooks_dir
from mnist17_tools.series import series
from mnist17_tools.tolerances import FIGURE_FLOOR, FIGURES, MARGIN, TOLERANCES, printed, trained


@pytest.mark.parametrize(
    ("notebook", "cell_id"),
    [(nb, cell) for nb, cells in TOLERANCES.items() for cell in cells],
)
def test_every_tolerance_names_a_cell_whose_committed_output_it_matches(notebook, cell_id):
    nb = json.loads((notebooks_dir() / notebook).read_text())
    (cell,) = [c for c in nb["cells"] if c.get("id") == cell_id]
    text = "".join(text_of(o) for o in cell["outputs"])
    for quantity in TOLERANCES[notebook][cell_id]:
        assert quantity.regex().search(text), f"{quantity.name} not found in {notebook}"
        assert quantity.atol >= quantity.measured, f"{quantity.name}: tolerance below measured"


def test_tolerated_cells_are_all_in_the_series():
    assert set(TOLERANCES) <= {path.name for path in series()}


def test_every_tolerance_follows_the_rule_of_the_table():
    """max(MARGIN x measured, two units of the last printed digit; FIGURE_FLOOR for figures)."""
    assert printed("x", "{number}", decimals=4).atol == pytest.approx(0.0002)
    measured = printed("x", "{number}", decimals=4, measured=0.001)
    assert measured.atol == pytest.approx(MARGIN * 0.001)
    assert trained((1, 1), "x", measured=0.1).tolerance == pytest.approx(MARGIN * 0.1)
    for name, check in FIGURES.items():
        if check.tolerance:
            assert check.tolerance == max(MARGIN * check.measured, FIGURE_FLOOR), name
        else:
            assert check.measured == 0, f"{name} must be identical yet moved on some machine"
