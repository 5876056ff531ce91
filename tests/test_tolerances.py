"""The tolerance table (mnist17_tools/tolerances.py) against the committed notebooks."""

import itertools
import json

import pytest
from helpers import text_of

from mnist17.experiments import load_experiments
from mnist17.paths import notebooks_dir
from mnist17_tools.series import series
from mnist17_tools.tolerances import (
    FIGURES,
    IMAGES_IN,
    SWEEP_MEASURED,
    SWEEP_TOLERANCE,
    TOLERANCES,
)


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


def test_a_figure_that_moved_somewhere_is_not_demanded_exact():
    for name, check in FIGURES.items():
        assert check.tolerance >= check.measured, name
        if check.tolerance == 0:
            assert check.measured == 0, f"{name} must be identical yet moved on some machine"


def test_a_history_tolerance_counts_whole_images_and_admits_every_machine_measured():
    for metric, tolerance in SWEEP_TOLERANCE.items():
        assert tolerance >= SWEEP_MEASURED[metric], metric
        if metric in IMAGES_IN:  # a count: whole images, at least one
            images = tolerance * IMAGES_IN[metric]
            assert images >= 1 and images == pytest.approx(round(images)), metric


def test_a_history_tolerance_still_tells_any_two_runs_of_the_sweep_apart():
    """Every pair of committed runs (another seed, rate, batch size ...) differs in every metric by
    more than the tolerance within their first 20 epochs: a stale result cannot pass as fresh."""
    runs = list(load_experiments().values())
    for a, b in itertools.combinations(runs, 2):
        for metric, tolerance in SWEEP_TOLERANCE.items():
            apart = max(
                abs(x - y)
                for x, y in zip(a.history[metric][:20], b.history[metric][:20], strict=True)
            )
            assert apart > 10 * tolerance, (a.setting.name, b.setting.name, metric, apart)
