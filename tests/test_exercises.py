"""The exercises ending notebooks 01-08: numbered, each with a solution whose output nbval checks,
collapsed in JupyterLab (`jupyter.source_hidden`, `outputs_hidden`) and the book (`hide-cell`)."""

import json
import re

import pytest
from helpers import source_of

from mnist17_tools import series

SOLUTION = re.compile(r"### Solution (\d+)")


@pytest.mark.parametrize("path", series()[:8], ids=lambda p: p.name)
def test_each_exercise_has_a_collapsed_solution_with_an_output(path):
    cells = json.loads(path.read_text())["cells"]
    (start,) = [i for i, c in enumerate(cells) if source_of(c).startswith("## Exercises")]
    assert source_of(cells[start + 1]).startswith("## Solutions")
    exercises = re.findall(r"(?m)^(\d+)\. \*\*", source_of(cells[start]))
    assert exercises == [str(n) for n in range(1, len(exercises) + 1)] and len(exercises) >= 2
    answered, number = set(), None
    for cell in cells[start + 2 :]:
        if title := SOLUTION.fullmatch(source_of(cell)):
            number = title[1]
            continue
        hidden, tags = cell["metadata"].get("jupyter", {}), cell["metadata"].get("tags", [])
        assert hidden.get("source_hidden") is True and "solution" in tags, source_of(cell)[:60]
        if cell["cell_type"] == "code":
            assert hidden.get("outputs_hidden") is True and "hide-cell" in tags
            answered |= {number} if cell["outputs"] else set()
    assert answered == set(exercises), f"{path.name}: a solution without a checked output"
    assert not any("solution" in c["metadata"].get("tags", []) for c in cells[:start])
