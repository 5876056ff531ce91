"""`make links`: every link to a hosted runtime, and each notebook's first cell, from one home.

The home is pyproject.toml's `[project.urls]`: `Repository` (github.com/OWNER/NAME) and `Notebooks`
(its `tree/BRANCH/notebooks`). From it come, in each notebook, the line under the title ("Open in
Colab", "Open in Kaggle", "Launch Binder"), the hosted-runtime cell that fetches the series on
Colab or Kaggle (the first code cell, with the Markdown sentence before it); in the README, the
notebook table's links and the Codespaces link; and the book's repository button (book/conf.py).
Colab opens the committed file as it is, so the addresses are written into the notebooks, and this
command rewrites them (nothing is re-run: outputs stay as they are).

    python -m mnist17_tools links            rewrite every link and first cell from the home
    python -m mnist17_tools links --check    only say what differs (exit 1); on GitHub Actions,
                                             also whether the home is the repository it runs in
"""

import argparse
import os
import re
import sys
import tomllib
from pathlib import Path

import nbformat

from mnist17.hosted import HOSTED_CELL_ID
from mnist17.paths import display_path, root
from mnist17_tools.series import series

LINKS_PREFIX = "**Run it online:** "
INTRO_ID, CELL_ID = "hosted-intro", HOSTED_CELL_ID
INTRO = (
    "## Setup\n\n"
    "The first cell makes this notebook run anywhere. In a checkout of the series it only prints "
    "the versions it runs with. Opened alone on Colab or Kaggle, it first fetches the series' "
    "small helper package and MNIST beside the notebook and says which versions the runtime has "
    "beside those the committed outputs came from; it installs nothing, so the runtime's "
    "TensorFlow and Keras stay as they are:"
)
# The first code cell of every notebook. Only the line with SERIES and BRANCH depends on the home.
CELL = """# extra code – lets this notebook run alone on a hosted runtime (Colab, Kaggle)
import importlib.util
import io
import os
import sys
import urllib.request
import zipfile
from pathlib import Path

SERIES, BRANCH = "{series}", "{branch}"  # `make links` writes both from pyproject.toml
copy = Path(f"{{SERIES.split('/')[1]}}-{{BRANCH}}")  # what GitHub's zip of the branch unpacks to
if importlib.util.find_spec("mnist17") is None and Path("../src/mnist17").is_dir():
    sys.path.insert(0, str(Path("../src").resolve()))  # a checkout without `make setup`
if importlib.util.find_spec("mnist17") is None:  # a notebook alone: fetch the series beside it
    if not copy.is_dir():
        host = os.environ.get("MNIST17_MIRROR", "https://github.com")  # tests: a local server
        url = f"{{host}}/{{SERIES}}/archive/refs/heads/{{BRANCH}}.zip"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                zipped = zipfile.ZipFile(io.BytesIO(response.read()))
            if zipped.testzip() is not None:  # a damaged file: unpack nothing
                raise zipfile.BadZipFile("a damaged file in it")
        except OSError as error:
            raise RuntimeError(
                f"Could not fetch {{url}} ({{error}}): switch on this runtime's internet access "
                "(on Kaggle: Settings > Internet on), then run this cell again"
            ) from None
        except zipfile.BadZipFile as error:
            raise RuntimeError(
                f"The download of {{url}} was cut off or altered ({{error}}): run this cell again"
            ) from None
        zipped.extractall()
    sys.path.insert(0, str((copy / "src").resolve()))
from mnist17.hosted import prepare  # noqa: E402 (importable only now)

prepare(copy)"""


class LinkError(ValueError):
    """The home in pyproject.toml is not a GitHub repository and branch; says what is expected."""


def home(checkout: Path) -> tuple[str, str]:
    """("OWNER/NAME", "BRANCH") from pyproject.toml's [project.urls]."""
    urls = tomllib.loads((checkout / "pyproject.toml").read_text())["project"].get("urls", {})
    repository = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", urls.get("Repository", ""))
    notebooks = re.fullmatch(
        r"https://github\.com/([\w.-]+/[\w.-]+)/tree/([\w./-]+)/notebooks",
        urls.get("Notebooks", ""),
    )
    if not repository or not notebooks or notebooks[1] != repository[1]:
        raise LinkError(
            "pyproject.toml's [project.urls] needs Repository = "
            '"https://github.com/OWNER/NAME" and Notebooks = '
            '"https://github.com/OWNER/NAME/tree/BRANCH/notebooks" (the same repository)'
        )
    return repository[1], notebooks[2]


def addresses(series_: str, branch: str, notebook: str) -> dict[str, str]:
    """Where each hosted runtime opens `notebook` (a file name in notebooks/)."""
    blob = f"https://github.com/{series_}/blob/{branch}/notebooks/{notebook}"
    return {
        "Open in Colab": f"https://colab.research.google.com/github/{series_}/blob/{branch}"
        f"/notebooks/{notebook}",
        "Open in Kaggle": f"https://kaggle.com/kernels/welcome?src={blob}",
        "Launch Binder": f"https://mybinder.org/v2/gh/{series_}/{branch}"
        f"?urlpath=lab/tree/notebooks/{notebook}",
    }


def codespaces(series_: str, branch: str) -> str:
    """A new codespace of the branch (the repository's .devcontainer/ sets it up)."""
    return f"https://codespaces.new/{series_}/tree/{branch}?quickstart=1"


def links_line(series_: str, branch: str, notebook: str) -> str:
    links = addresses(series_, branch, notebook)
    return LINKS_PREFIX + " · ".join(f"[{label}]({url})" for label, url in links.items())


def readme_cell(series_: str, branch: str, notebook: str) -> str:
    """The README table's cell for `notebook`: its three links, short."""
    links = addresses(series_, branch, notebook)
    short = {"Open in Colab": "Colab", "Open in Kaggle": "Kaggle", "Launch Binder": "Binder"}
    return " · ".join(f"[{short[label]}]({url})" for label, url in links.items())


def rewrite_notebook(path: Path, series_: str, branch: str) -> bool:
    """Put the links line under the title and the hosted-runtime cells first; True if changed."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    title = nb.cells[0]
    lines = [line for line in title.source.split("\n") if not line.startswith(LINKS_PREFIX)]
    series_line = next(i for i, line in enumerate(lines) if line.startswith("*Neural Networks I"))
    lines.insert(series_line + 1, "\n" + links_line(series_, branch, path.name))
    title.source = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    cells = {cell.get("id"): cell for cell in nb.cells}
    intro = cells.get(INTRO_ID) or nbformat.v4.new_markdown_cell(id=INTRO_ID)
    code = cells.get(CELL_ID) or nbformat.v4.new_code_cell(id=CELL_ID)
    intro.source, code.source = INTRO, CELL.format(series=series_, branch=branch)
    if INTRO_ID not in cells:
        nb.cells[1:1] = [intro, code]
    after = nbformat.writes(nb)
    if after != before:
        nbformat.write(nb, path)
    return after != before


def rewrite_readme(readme: Path, series_: str, branch: str) -> bool:
    text = readme.read_text()
    new = text
    for notebook in series():
        row = re.compile(
            rf"^(\| \[`{notebook.stem}`\]\(notebooks/{notebook.name}\) \|.*\|) [^|]* \|$", re.M
        )
        new = row.sub(rf"\1 {readme_cell(series_, branch, notebook.name)} |", new)
    new = re.sub(r"https://codespaces\.new/[^)\s]+", codespaces(series_, branch), new)
    new = re.sub(
        r"The links point to `github\.com/[^`]+`", f"The links point to `github.com/{series_}`", new
    )
    if new != text:
        readme.write_text(new)
    return new != text


def problems(checkout: Path) -> list[str]:
    """What differs from the home: each notebook's links and first cells, the README's links."""
    series_, branch = home(checkout)
    found = []
    for notebook in series():
        nb = nbformat.read(notebook, as_version=4)
        cells = {cell.get("id"): cell for cell in nb.cells}
        name = display_path(notebook)
        if links_line(series_, branch, notebook.name) not in nb.cells[0].source.split("\n"):
            found.append(f"{name}: the links under its title are not those of the home")
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        if not code or code[0].get("id") != CELL_ID:
            found.append(f"{name}: its first code cell is not the hosted-runtime cell")
        elif cells[CELL_ID].source != CELL.format(series=series_, branch=branch):
            found.append(f"{name}: its hosted-runtime cell is not that of the home")
    readme = (checkout / "README.md").read_text()
    for notebook in series():
        if readme_cell(series_, branch, notebook.name) not in readme:
            found.append(f"README.md: the links of {notebook.name} are not those of the home")
    if codespaces(series_, branch) not in readme:
        found.append("README.md: no Codespaces link to the home")
    if f"The links point to `github.com/{series_}`" not in readme:
        found.append("README.md: the sentence on where the links point names another repository")
    return found


def github_notice(series_: str) -> str | None:
    """On GitHub Actions, a notice (an annotation, not a failure: forks) when the home is not the
    repository the workflow runs in."""
    running_in = os.environ.get("GITHUB_REPOSITORY", "")
    if not running_in or running_in.lower() == series_.lower():
        return None
    return (
        f"::notice title=Links point to {series_}::This repository is {running_in}, and the "
        f"notebooks' Colab, Kaggle and Binder links open {series_}: to point them here, set "
        "[project.urls] in pyproject.toml and run `make links`"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools links", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report what differs")
    args = parser.parse_args(argv)
    checkout = root()
    try:
        series_, branch = home(checkout)
    except LinkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        if notice := github_notice(series_):
            print(notice)
        found = problems(checkout)
        for problem in found:
            print(f"error: {problem}: run `make links`", file=sys.stderr)
        return 1 if found else 0
    changed = [path for path in series() if rewrite_notebook(path, series_, branch)]
    if rewrite_readme(checkout / "README.md", series_, branch):
        changed.append(checkout / "README.md")
    print(f"links to github.com/{series_} ({branch}): {len(changed)} files rewritten")
    return 0
