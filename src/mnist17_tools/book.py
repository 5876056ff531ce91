"""`make book`: the series as a static site in `build/book/`, from the committed notebooks.

Sources are staged in `build/book-src/` and checked (naming the bad file) before Sphinx builds
with warnings as errors; the new site replaces `build/book/` only when it built.
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


def stage(root: Path, source: Path) -> dict[Path, Path]:
    """Stage the sources in `source` as the site lays them out: page -> original."""
    shutil.rmtree(source, ignore_errors=True)
    (source / "notebooks").mkdir(parents=True)
    shutil.copy2(root / "book" / "index.md", source / "index.md")
    pages = {source / "index.md": root / "book" / "index.md"}
    for notebook in series(root):
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:  # MyST-NB folds only code cells by their tags
            if cell.cell_type == "markdown" and "solution" in cell.metadata.get("tags", []):
                cell.source = (
                    '<details class="solution-text">\n<summary>Show the explanation</summary>\n\n'
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
        texts = [page.read_text()]
        if page.suffix == ".ipynb":
            cells = nbformat.read(page, as_version=4).cells
            texts = [cell.source for cell in cells if cell.cell_type == "markdown"]
            if not cells or cells[0].cell_type != "markdown" or not TITLE.match(cells[0].source):
                found.append(f"{shown(original)}: no title (a first Markdown cell '# 01 · Title')")
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

    source, fresh = root / "build" / "book-src", output.with_name(output.name + ".new")
    if found := problems(stage(root, source)):
        print("error: the book was not built:\n" + "\n".join(found), file=sys.stderr)
        return 1
    shutil.rmtree(fresh, ignore_errors=True)
    # -W: a warning fails the build, after listing all (--keep-going); -n: missing targets warn.
    options = ["-W", "--keep-going", "-q", "-n", "-c", str(root / "book")]
    options += ["-d", str(root / "build" / "book-doctrees"), str(source), str(fresh)]
    if status := build_main(["-b", "html", *options]):
        print(
            f"error: Sphinx stopped (exit status {status}); the warnings above name each file. "
            f"{shown(output)} was left as it was.",
            file=sys.stderr,
        )
        return 1
    for notebook in series(root):  # what each page's download link serves: the committed file
        shutil.copy2(notebook, fresh / "notebooks" / notebook.name)
    shutil.rmtree(output, ignore_errors=True)
    fresh.rename(output)
    print(f"the book is in {shown(output)}: open {shown(output / 'index.html')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools book", description=__doc__)
    parser.parse_args(argv)  # only --help
    return build(ROOT, ROOT / "build" / "book")
