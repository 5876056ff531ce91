"""`make book`: the series as a static site in `build/book/`, from the committed notebooks.

Sphinx with MyST-NB renders each notebook with the outputs it was committed with (never running
it), in the Jupyter Book theme, after a landing page (`book/index.md`) and before the reference
pages (`docs/*.md`). The sources are first checked, so that a bad one fails the build with its
file named: a notebook whose first cell is not a `# ` title, a figure or link that points at a
missing file. Then everything is copied to `build/book-src/` and built from there, with every
Sphinx warning an error, so that nothing committed is touched and a half-built site never
replaces a good one: the new site is written beside `build/book/` and moved there at the end.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

from mnist17.paths import display_path
from mnist17.paths import root as repo_root
from mnist17_tools.series import series

BOOK_DIR = Path("build") / "book"
SOURCE_DIR = Path("build") / "book-src"
TITLE = re.compile(r"#\s+\S")
# A Markdown image or link, ![alt](target) or [text](target), and an HTML <img src="target">.
LINK = re.compile(
    r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img\s[^>]*src=\"([^\"]+)\""
)
SOLUTION_SUMMARY = "Show the explanation"


class BookSourceError(ValueError):
    """A source of the book is broken; the message names the file and what to fix."""


def reference_pages(root: Path) -> list[Path]:
    """The reference pages under `docs/`, in the order of the landing page's Reference contents."""
    index = (root / "book" / "index.md").read_text()
    toctree = re.search(r"```\{toctree\}\n:caption: Reference\n(.*?)```", index, re.S)
    if toctree is None:
        raise BookSourceError("book/index.md: no toctree with ':caption: Reference'")
    names = [line.strip() for line in toctree[1].splitlines() if line.startswith("docs/")]
    return [root / f"{name}.md" for name in names]


def check_title(path: Path) -> None:
    """Raise `BookSourceError` unless the notebook's first cell is a Markdown `# ` title."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not TITLE.match(first.source):
        raise BookSourceError(
            f"{display_path(path)}: no title. The book needs each notebook to start with a "
            "Markdown cell whose first line is its title, for example '# 01 · Data preview'."
        )


def markdown_sources(path: Path) -> list[str]:
    """The Markdown text of a page: the file, or a notebook's Markdown cells."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    return [path.read_text()]


def missing_targets(path: Path) -> list[str]:
    """The local files that `path`'s figures and links point at and that do not exist."""
    missing = []
    for text in markdown_sources(path):
        for match in LINK.finditer(text):
            target = (match[1] or match[2]).split("#")[0]
            if not target or re.match(r"[a-z]+:", target):  # an anchor, https:, mailto:
                continue
            if not (path.parent / target).exists():
                missing.append(target)
    return missing


def collapse_solution_text(nb: nbformat.NotebookNode) -> None:
    """Fold the Markdown cells tagged `solution` (MyST-NB folds only code cells by their tags)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "solution" in cell.metadata.get("tags", []):
            cell.source = (
                f'<details class="solution-text">\n<summary>{SOLUTION_SUMMARY}</summary>\n\n'
                f"{cell.source}\n\n</details>"
            )


def stage(root: Path, source: Path) -> dict[Path, Path]:
    """Copy the book's sources to `source` (the layout of the site); returns page -> original.

    The landing page `book/index.md` becomes `index.md`; `notebooks/`, `docs/` and `figures/` keep
    their places, so that their relative links work in the repo and in the book alike.
    """
    if source.exists():
        shutil.rmtree(source)
    (source / "notebooks").mkdir(parents=True)
    (source / "downloads" / "notebooks").mkdir(parents=True)
    pages = {source / "index.md": root / "book" / "index.md"}
    shutil.copy2(root / "book" / "index.md", source / "index.md")
    for notebook in series():
        # The download link serves the notebook exactly as committed.
        shutil.copy2(notebook, source / "downloads" / "notebooks" / notebook.name)
        nb = nbformat.read(notebook, as_version=4)
        collapse_solution_text(nb)
        nbformat.write(nb, source / "notebooks" / notebook.name)
        pages[source / "notebooks" / notebook.name] = notebook
    shutil.copytree(root / "docs", source / "docs")
    pages |= {source / "docs" / page.name: page for page in sorted((root / "docs").glob("*.md"))}
    shutil.copytree(root / "figures", source / "figures")
    return pages


def check_sources(pages: dict[Path, Path]) -> None:
    """Check every staged page; raises `BookSourceError` naming each bad original file."""
    problems = []
    for page, original in pages.items():
        if page.suffix == ".ipynb":
            try:
                check_title(original)
            except BookSourceError as error:
                problems.append(str(error))
        for target in missing_targets(page):
            problems.append(
                f"{display_path(original)}: links to {target}, which is not in the book's "
                "sources. Fix the link, or add the file (a figure: run `make run-all`)."
            )
    if problems:
        raise BookSourceError("\n".join(problems))


def build(root: Path, output: Path) -> int:
    """Check, stage and build the site into `output`; 0 when it built without a warning."""
    from sphinx.cmd.build import build_main

    source = root / SOURCE_DIR
    try:
        check_sources(stage(root, source))
    except BookSourceError as error:
        print(f"error: the book was not built:\n{error}", file=sys.stderr)
        return 1
    fresh = output.with_name(output.name + ".new")
    if fresh.exists():
        shutil.rmtree(fresh)
    status = build_main(
        [
            "-b",
            "html",
            "-c",
            str(root / "book"),
            "-d",
            str(root / "build" / "book-doctrees"),
            "-W",  # a warning (a missing image, a page without a title ...) fails the build
            "--keep-going",  # ... after listing all of them
            "-q",
            "-n",
            str(source),
            str(fresh),
        ]
    )
    if status != 0:
        print(
            f"error: Sphinx stopped (exit status {status}); the warnings above name each file. "
            f"{display_path(output)} was left as it was.",
            file=sys.stderr,
        )
        return 1
    if output.exists():
        shutil.rmtree(output)
    fresh.rename(output)
    print(f"the book is in {display_path(output)}: open {display_path(output / 'index.html')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools book", description=__doc__)
    parser.add_argument("--output", type=Path, help="where the site goes (default build/book)")
    args = parser.parse_args(argv)
    root = repo_root()
    return build(root, (args.output or root / BOOK_DIR).resolve())
