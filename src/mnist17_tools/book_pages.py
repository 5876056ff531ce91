"""The book's Sphinx extension (`book/conf.py`): above each notebook's content, its download link,
and on a page whose notebook shows a widget (08's pad), a note that it needs a running kernel."""

import json
import tomllib
from pathlib import Path

# A notebook that imports one of these shows a widget, which only a running kernel can drive.
WIDGET_MODULES = ("mnist17.drawing_pad", "ipywidgets", "anywidget")
# MyST-NB's label on a folded cell's bar leaves out its visible text (axe-core's
# label-content-name-mismatch): without it, a screen reader reads the visible text.
FOLD_LABEL = ' aria-label="Toggle hidden content"'


def repository(root: Path) -> tuple[str, str]:
    """The series' GitHub address and branch, from pyproject.toml's `[project.urls]`."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"]
    return urls["Repository"], urls["Notebooks"].split("/tree/")[1].split("/")[0]


def page_links(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Drop the fold labels; add the download link (and kernel note) under a notebook's title."""
    if "body" not in context:
        return
    context["body"] = body = context["body"].replace(FOLD_LABEL, "")
    if not pagename.startswith("notebooks/"):
        return
    name = pagename.split("/", 1)[1] + ".ipynb"
    added = (
        f'<p class="mnist17-download"><a href="{name}" download="{name}">Download this notebook '
        f"({name})</a>. To run it, open it on Colab, Kaggle or Binder (the links under its title), "
        "or clone the repository, run <code>make lab</code> (it sets everything up) and open it in "
        "JupyterLab.</p>"
    )
    cells = json.loads((Path(app.srcdir) / "notebooks" / name).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    if any(f"import {m}" in s or f"from {m} import" in s for s in code for m in WIDGET_MODULES):
        added += (
            '<div class="admonition note mnist17-kernel-note" role="note"><p '
            'class="admonition-title">The drawing pad needs a running kernel</p><p>This page '
            "shows the notebook as its last run left it. The pad cannot read a digit here: it "
            "sends each stroke to the Python kernel that runs the notebook, where the network "
            "reads it, and a page of the book has no kernel. To draw your own digit, run "
            f"{name} in JupyterLab: clone the repository, run <code>make lab</code> (it sets "
            f"everything up), open {name} and run all cells. Or, without installing anything, "
            "open it on Binder (the link under its title: a kernel in the cloud, which starts "
            "in a few minutes).</p></div>"
        )
    context["body"] = body.replace("</h1>", "</h1>" + added, 1)


def setup(app) -> dict:
    app.connect("html-page-context", page_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
