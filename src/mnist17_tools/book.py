"""`make book`: the series as a static site in `build/book/`, from the committed notebooks.

Sphinx with MyST-NB renders each notebook with the outputs it was committed with (never running
it), in the Jupyter Book theme, after a landing page (`book/index.md`) and before the reference
pages (`docs/*.md`). The sources are copied to `build/book-src/` and checked there, so that a bad
one fails the build with its file named: a notebook whose first cell is not a `# ` title, a figure
or link that points at a missing file. Sphinx then builds with every warning an error, beside
`build/book/`; the committed notebooks go beside their pages (each page's download link), and the
new site replaces `build/book/` only when it built: a half-built site never does.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

from mnist17_tools import ROOT, series, shown

TITLE = re.compile(r"#\s+\S")
# A Markdown image or link, ![alt](target) or [text](target), and an HTML <img src="target">.
LINK = re.compile(
    r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img\s[^>]*src=\"([^\"]+)\""
)
SOLUTION_SUMMARY = "Show the explanation"
NO_TITLE = (
    "no title. The book needs each notebook to start with a Markdown cell whose first line is "
    "its title, for example '# 01 · Data preview'."
)


def stage(root: Path, source: Path) -> dict[Path, Path]:
    """Copy the book's sources to `source` (the layout of the site); returns page -> original.

    `book/index.md` becomes `index.md`; `notebooks/`, `docs/` and `figures/` keep their places, so
    that their relative links work in the repo and in the book alike. The Markdown cells tagged
    `solution` are folded (MyST-NB folds only code cells by their tags).
    """
    if source.exists():
        shutil.rmtree(source)
    (source / "notebooks").mkdir(parents=True)
    shutil.copy2(root / "book" / "index.md", source / "index.md")
    pages = {source / "index.md": root / "book" / "index.md"}
    for notebook in series(root):
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "solution" in cell.metadata.get("tags", []):
                cell.source = (
                    f'<details class="solution-text">\n<summary>{SOLUTION_SUMMARY}</summary>\n\n'
                    f"{cell.source}\n\n</details>"
                )
        pages[source / "notebooks" / notebook.name] = notebook
        nbformat.write(nb, source / "notebooks" / notebook.name)
    shutil.copytree(root / "docs", source / "docs")
    pages |= {source / "docs" / page.name: page for page in sorted((root / "docs").glob("*.md"))}
    shutil.copytree(root / "figures", source / "figures")
    return pages


def problems(pages: dict[Path, Path]) -> list[str]:
    """What keeps the staged pages from building, each naming its original file."""
    found = []
    for page, original in pages.items():
        if page.suffix == ".ipynb":
            cells = nbformat.read(page, as_version=4).cells
            texts = [cell.source for cell in cells if cell.cell_type == "markdown"]
            if not cells or cells[0].cell_type != "markdown" or not TITLE.match(cells[0].source):
                found.append(f"{shown(original)}: {NO_TITLE}")
        else:
            texts = [page.read_text()]
        for match in (m for text in texts for m in LINK.finditer(text)):
            target = (match[1] or match[2]).split("#")[0]
            # Not an anchor on the same page, nor another site (https:, mailto:).
            if target and not re.match(r"[a-z]+:", target) and not (page.parent / target).exists():
                found.append(
                    f"{shown(original)}: links to {target}, which is not in the book's sources. "
                    "Fix the link, or add the file (a figure: run `make run-all`)."
                )
    return found


def build(root: Path, output: Path) -> int:
    """Stage, check and build the site into `output`; 0 when it built without a warning."""
    from sphinx.cmd.build import build_main

    source = root / "build" / "book-src"
    if found := problems(stage(root, source)):
        print("error: the book was not built:\n" + "\n".join(found), file=sys.stderr)
        return 1
    fresh = output.with_name(output.name + ".new")
    if fresh.exists():
        shutil.rmtree(fresh)
    doctrees = root / "build" / "book-doctrees"
    # -W: a warning (a missing image, a page without a title ...) fails the build, --keep-going:
    # after listing all of them; -n: a reference to a missing target is a warning.
    options = ["-W", "--keep-going", "-q", "-n", "-c", str(root / "book"), "-d", str(doctrees)]
    if status := build_main(["-b", "html", *options, str(source), str(fresh)]):
        print(
            f"error: Sphinx stopped (exit status {status}); the warnings above name each file. "
            f"{shown(output)} was left as it was.",
            file=sys.stderr,
        )
        return 1
    for notebook in series(root):  # what each page's download link serves: the committed file
        shutil.copy2(notebook, fresh / "notebooks" / notebook.name)
    if output.exists():
        shutil.rmtree(output)
    fresh.rename(output)
    print(f"the book is in {shown(output)}: open {shown(output / 'index.html')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools book", description=__doc__)
    parser.parse_args(argv)  # only --help
    return build(ROOT, ROOT / "build" / "book")
