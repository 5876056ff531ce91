"""The repo's layout: the reader's package (`mnist17`) holds what the notebooks import and never
reaches into the maintainer's (`mnist17_tools`); docs/maintainers.md's Layout names every module
of both; git tracks nothing that a run makes."""

import ast
import json
import re
import subprocess

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
            code = re.sub(r"(?m)^\s*%.*$", "", source_of(cell))
            used |= {name for name in imported(code) if name.startswith("mnist17")}
    assert used and not any(name.startswith("mnist17_tools") for name in used), used
    modules = {p.stem: imported(p.read_text()) for p in READER.glob("*.py")}
    assert not any(n.startswith("mnist17_tools") for names in modules.values() for n in names)
    reached, new = set(), {name.partition(".")[2] or "__init__" for name in used}
    while new:  # and the modules of the package that those import, in turn
        reached |= new
        new = {n.split(".")[1] for m in new for n in modules[m] if n.startswith("mnist17.")}
        new -= reached
    assert set(modules) == reached, f"no notebook uses {sorted(set(modules) - reached)}"


def test_the_layout_for_maintainers_names_every_module_of_both_packages():
    layout = re.search(
        r"## Layout\n+```\n(.*?)```", (ROOT / "docs/maintainers.md").read_text(), re.S
    )
    for package in (READER, MAINTAINER):
        assert f"src/{package.name}/" in layout[1]
        for module in package.glob("[!_]*.py"):
            assert re.search(rf"\b{module.stem}\b", layout[1]), f"{package.name}.{module.stem}"


def test_what_runs_make_is_ignored_and_no_dataset_is_tracked():
    git = ["git", "-C", str(ROOT)]
    tracked = subprocess.run([*git, "ls-files"], capture_output=True, text=True, check=True)
    assert not [p for p in tracked.stdout.split() if p.endswith((".npz", ".keras", ".h5"))]
    made = [
        ".venv/bin/python",
        ".venv-tools/bin/ruff",
        "data/mnist.npz",
        "build/test/notebooks/04_training.ipynb",
        "notebooks/trained/history.json",
        "notebooks/sweep/post.json",
        "tools/ipython/profile_default/history.sqlite",
    ]
    ignored = subprocess.run([*git, "check-ignore", *made], capture_output=True, text=True)
    assert ignored.stdout.split() == made
