"""The notebooks use every module of the reader's package (`mnist17`), which never reaches into the
maintainer's (`mnist17_tools`); docs/maintainers.md's Layout names every module of both."""

import ast
import json
import re

from helpers import ROOT, code_cells, source_of

from mnist17_tools import series

READER, MAINTAINER = ROOT / "src" / "mnist17", ROOT / "src" / "mnist17_tools"


def imported(source: str) -> set[str]:
    """Every module that `source` imports, at the top level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_notebooks_use_every_module_of_the_readers_package_and_nothing_of_the_tools():
    used = set()  # what the notebooks import; IPython's magics (%pip) are not Python
    for path in [*series(), ROOT / "experiments" / "train_one_setting.ipynb"]:
        for cell in code_cells(json.loads(path.read_text())):
            used |= imported(re.sub(r"(?m)^\s*%.*$", "", source_of(cell)))
    modules = {p.stem: imported(p.read_text()) for p in READER.glob("*.py")}
    imports = used.union(*modules.values())
    assert not [name for name in imports if name.startswith("mnist17_tools")]
    ours = {name.partition(".") for name in used}
    reached, new = set(), {rest or "__init__" for top, _, rest in ours if top == "mnist17"}
    while new:  # and the modules of the package that those import, in turn
        reached |= new
        new = {n.split(".")[1] for m in new for n in modules[m] if n.startswith("mnist17.")}
        new -= reached
    assert set(modules) == reached, f"no notebook uses {sorted(set(modules) - reached)}"


def test_the_layout_for_maintainers_names_every_module_of_both_packages():
    text = (ROOT / "docs/maintainers.md").read_text()
    layout = re.search(r"## Layout\n+```\n(.*?)```", text, re.S)[1]
    for package in (READER, MAINTAINER):
        assert f"src/{package.name}/" in layout
        for module in package.glob("[!_]*.py"):
            assert re.search(rf"\b{module.stem}\b", layout), f"{package.name}.{module.stem}"
