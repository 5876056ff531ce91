"""Every notebook of the post (01-08) ends with exercises and their solutions: numbered, one
solution per exercise, collapsed until opened (JupyterLab's `jupyter.source_hidden` and
`outputs_hidden`; the `hide-cell` tag for a book), executed and compared by nbval like every
other cell (their outputs are committed), and never writing the post's figures."""

import json
import re

import pytest
from helpers import source_of

from mnist17_tools.series import series

WITH_EXERCISES = [path for path in series() if path.name[:2] <= "08"]
SOLUTION_TITLE = re.compile(r"### Solution (\d+)")


def sections(path) -> tuple[list[str], list[dict], list[dict]]:
    """The numbered exercises, the cells before them, and the cells after `## Solutions`."""
    cells = json.loads(path.read_text())["cells"]
    starts = [i for i, c in enumerate(cells) if source_of(c).startswith("## Exercises")]
    ends = [i for i, c in enumerate(cells) if source_of(c).startswith("## Solutions")]
    assert len(starts) == 1 and len(ends) == 1, f"{path.name}: one Exercises, one Solutions"
    assert ends[0] == starts[0] + 1, f"{path.name}: the solutions follow the exercises"
    listing = source_of(cells[starts[0]])
    exercises = re.findall(r"(?m)^(\d+)\. \*\*", listing)
    return exercises, cells[: starts[0]], cells[ends[0] + 1 :]


def test_every_notebook_of_the_post_has_exercises():
    assert [p.name[:2] for p in WITH_EXERCISES] == [f"{n:02}" for n in range(1, 9)]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_two_to_four_exercises_each_with_its_solution(path):
    exercises, _, solutions = sections(path)
    assert 2 <= len(exercises) <= 4
    assert exercises == [str(n) for n in range(1, len(exercises) + 1)]
    titles = [m.group(1) for c in solutions if (m := SOLUTION_TITLE.fullmatch(source_of(c)))]
    assert titles == exercises
    # each solution runs code whose committed output nbval compares
    current = None
    with_output = set()
    for cell in solutions:
        if match := SOLUTION_TITLE.fullmatch(source_of(cell)):
            current = match.group(1)
        elif cell["cell_type"] == "code" and cell["outputs"]:
            with_output.add(current)
    assert with_output == set(exercises), f"{path.name}: a solution without a checked output"


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_solutions_are_collapsed_until_opened(path):
    _, _, solutions = sections(path)
    for cell in solutions:
        if SOLUTION_TITLE.fullmatch(source_of(cell)):
            continue  # the visible bar a reader clicks under
        hidden = cell["metadata"].get("jupyter", {})
        assert hidden.get("source_hidden") is True, source_of(cell)[:60]
        assert "solution" in cell["metadata"].get("tags", [])
        if cell["cell_type"] == "code":
            assert hidden.get("outputs_hidden") is True, source_of(cell)[:60]
            assert "hide-cell" in cell["metadata"]["tags"]


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.name)
def test_no_solution_cell_before_the_solutions_and_none_saves_a_figure(path):
    _, before, solutions = sections(path)
    assert not any("solution" in c["metadata"].get("tags", []) for c in before)
    for cell in solutions:
        assert "save_fig(" not in source_of(cell) and "save_model_summary(" not in source_of(cell)
