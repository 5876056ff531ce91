"""`make links`: each notebook's series line, hosted links and first cell, and the README's links,
from pyproject.toml's [project.urls]; `--check` only lists what differs (exit 1)."""

import argparse
import copy
import re
import tomllib
from pathlib import Path

import nbformat

from mnist17_tools import ROOT, series

SERIES = "*Neural Networks I: MNIST in 17 Lines*"
LINKS = "**Run it online:** "
CELL_ID = "hosted-setup"
CELL = """# extra code – installs the series' helper package where it is missing (Colab, Kaggle)
from importlib.util import find_spec

if not find_spec("mnist17"):
    %pip install -q --no-deps git+https://github.com/{repo}@{branch}
    print("Installed." if find_spec("mnist17") else "Turn on internet access; rerun this cell.")"""


def home(root: Path = ROOT) -> tuple[str, str]:
    """("OWNER/NAME", "BRANCH") from pyproject.toml's [project.urls] Repository and Notebooks."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"]
    notebooks = r"https://github\.com/([\w.-]+/[\w.-]+)/tree/([\w.-]+)/notebooks"
    found = re.fullmatch(notebooks, urls["Notebooks"])
    if not found or urls["Repository"] != f"https://github.com/{found[1]}":
        raise SystemExit("pyproject.toml: Notebooks must be Repository + /tree/BRANCH/notebooks")
    return found[1], found[2]


def addresses(repo: str, branch: str, notebook: str) -> dict[str, str]:
    """Where each hosted runtime opens `notebook` (a file name in notebooks/)."""
    blob = f"{repo}/blob/{branch}/notebooks/{notebook}"
    return {
        "Open in Colab": f"https://colab.research.google.com/github/{blob}",
        "Open in Kaggle": f"https://kaggle.com/kernels/welcome?src=https://github.com/{blob}",
        "Launch Binder": f"https://mybinder.org/v2/gh/{repo}/{branch}"
        f"?urlpath=lab/tree/notebooks/{notebook}",
    }


def header(source: str, names: list[str], index: int, repo: str, branch: str) -> str:
    """Cell 0: its first line, the series line, the links line, then its own prose."""
    heading, _, rest = source.partition("\n")
    prose = [p for p in rest.strip("\n").split("\n\n") if p and not p.startswith((SERIES, LINKS))]
    near = [f"`{names[i]}`" if 0 <= i < len(names) else "—" for i in (index - 1, index + 1)]
    place = f"notebook {index + 1} of {len(names)} · previous: {near[0]} · next: {near[1]}"
    links = addresses(repo, branch, f"{names[index]}.ipynb").items()
    online = LINKS + " · ".join(f"[{label}]({url})" for label, url in links)
    return "\n\n".join([heading, f"{SERIES}, {place}", online, *prose])


def readme(text: str, notebooks: list[Path], repo: str, branch: str) -> str:
    """The README with each notebook's row of links and the Codespaces link of `repo`."""
    for path in notebooks:
        links = addresses(repo, branch, path.name).items()
        cell = " · ".join(f"[{label.split()[-1]}]({url})" for label, url in links)
        row = rf"^(\| \[`{path.stem}`\]\(notebooks/{path.name}\) \|.*\|) [^|]* \|$"
        text = re.sub(row, lambda m, cell=cell: f"{m[1]} {cell} |", text, flags=re.M)
    codespaces = f"https://codespaces.new/{repo}/tree/{branch}?quickstart=1"
    return re.sub(r"https://codespaces\.new/[^)\s]+", codespaces, text)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools links", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only list what differs (exit 1)")
    check = parser.parse_args(argv).check
    repo, branch = home(root)
    notebooks = series(root)
    names = [path.stem for path in notebooks]
    found = []
    for index, path in enumerate(notebooks):
        nb = nbformat.read(path, as_version=4)
        fixed = copy.deepcopy(nb)  # its header rewritten, the install cell right after it
        fixed.cells[0].source = header(nb.cells[0].source, names, index, repo, branch)
        setup = next((c for c in fixed.cells if c.get("id") == CELL_ID), None)
        setup = setup or nbformat.v4.new_code_cell(id=CELL_ID)
        setup.source = CELL.format(repo=repo, branch=branch)
        fixed.cells[1:] = [setup, *(c for c in fixed.cells[1:] if c is not setup)]
        if fixed != nb:
            found.append(f"notebooks/{path.name}")
            if not check:
                nbformat.write(fixed, path)
    text = (root / "README.md").read_text()
    if (new := readme(text, notebooks, repo, branch)) != text:
        found.append("README.md")
        if not check:
            (root / "README.md").write_text(new)
    for line in found:
        print(f"{'differs' if check else 'rewrote'}: {line}")
    if check and found:
        print(f"run `make links` to write them from github.com/{repo} ({branch})")
    return int(check and bool(found))
