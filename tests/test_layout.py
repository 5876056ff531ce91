"""The two rooms: the reader's package (`mnist17`) holds what the notebooks import and never reaches
into the maintainer's (`mnist17_tools`); the tests stand alone; docs/maintainers.md's Layout names
them."""

import ast
import json
import re

import pytest
from helpers import ROOT, code_cells, source_of

from mnist17_tools.series import series

READER, MAINTAINER = ROOT / "src" / "mnist17", ROOT / "src" / "mnist17_tools"


def imported(source: str) -> set[str]:
    """Every module that `source` imports (top level and inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def notebook_imports() -> set[str]:
    """What the series' notebooks and the experiments' training notebook import."""
    found = set()
    for path in [*series(), ROOT / "experiments" / "train_one_setting.ipynb"]:
        for cell in code_cells(json.loads(path.read_text())):
            found |= imported(source_of(cell))
    return found


def test_notebooks_import_only_the_readers_package():
    ours = {name for name in notebook_imports() if name.startswith("mnist17")}
    assert ours and not any(name.startswith("mnist17_tools") for name in ours), ours


@pytest.mark.parametrize("module", sorted(READER.glob("*.py")), ids=lambda p: p.name)
def test_the_readers_package_never_imports_the_maintainers(module):
    assert not any(n.startswith("mnist17_tools") for n in imported(module.read_text()))


def reader_module(name: str) -> str | None:
    """The module of mnist17 that an import names (`mnist17` is its __init__), else None."""
    package, _, module = name.partition(".")
    if package != "mnist17":
        return None
    return module.split(".")[0] or "__init__"


def test_every_module_of_the_readers_package_is_what_a_notebook_uses():
    """A module there is imported by a notebook, or by a module that a notebook imports."""
    modules = {p.stem for p in READER.glob("*.py")}
    reached = {reader_module(name) for name in notebook_imports()} - {None}
    changed = True
    while changed:
        before = set(reached)
        for name in before:
            reached |= {reader_module(n) for n in imported((READER / f"{name}.py").read_text())}
            reached -= {None}
        changed = reached != before
    assert modules == reached, f"not used by any notebook: {sorted(modules - reached)}"


def test_no_test_module_imports_another():
    for path in ROOT.joinpath("tests").rglob("test_*.py"):
        assert not any(name.startswith("test_") for name in imported(path.read_text())), path


def test_the_layout_for_maintainers_names_every_module_of_both_rooms():
    page = ROOT / "docs" / "maintainers.md"
    layout = re.search(r"## Layout\n+```\n(.*?)```", page.read_text(), re.S)
    assert layout, "docs/maintainers.md has no Layout section"
    text = layout.group(1)
    for room in (READER, MAINTAINER):
        assert f"src/{room.name}/" in text
        for module in room.glob("*.py"):
            if not module.stem.startswith("__"):
                assert re.search(rf"\b{module.stem}\b", text), f"{room.name}.{module.stem}"
