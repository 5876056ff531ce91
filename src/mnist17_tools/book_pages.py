"""A Sphinx extension of the book (`book/conf.py`): what each notebook's page adds to the notebook.

Above each notebook's content: a link that downloads the notebook as committed, and how to run it.
On a page whose notebook shows a widget (08's drawing pad), a note that the widget needs a running
kernel and how to get one: the book shows outputs as they were saved, with no Python behind them.
"""

import json
import tomllib
from pathlib import Path

# A notebook that imports one of these shows a widget, which only a running kernel can drive.
WIDGET_MODULES = ("mnist17.drawing_pad", "ipywidgets", "anywidget")
RUN_IT = (
    "To run it, open it on Colab, Kaggle or Binder (the links under its title), or clone the "
    "repository, run <code>make lab</code> (it sets everything up) and open it in JupyterLab."
)


def has_widget(notebook: Path) -> bool:
    """Whether the notebook shows a Jupyter widget (its saved copy keeps a text in its place)."""
    cells = json.loads(notebook.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return any(f"import {m}" in s or f"from {m} import" in s for s in code for m in WIDGET_MODULES)


def repository(root: Path) -> tuple[str, str]:
    """The series' GitHub address and branch, from pyproject.toml's `[project.urls]`."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"]
    return urls["Repository"], urls["Notebooks"].split("/tree/")[1].split("/")[0]


def kernel_note(name: str) -> str:
    """The note on a page whose widget needs a running kernel, and how to get one."""
    return (
        '<div class="admonition note mnist17-kernel-note" role="note">'
        '<p class="admonition-title">The drawing pad needs a running kernel</p>'
        "<p>This page shows the notebook as its last run left it. The pad cannot read a digit "
        "here: it sends each stroke to the Python kernel that runs the notebook, where the network "
        f"reads it, and a page of the book has no kernel. To draw your own digit, run {name} in "
        "JupyterLab: clone the repository, run <code>make lab</code> (it sets everything up), "
        f"open {name} and run all cells. Or, without installing anything, open it on Binder (the "
        "link under its title: a kernel in the cloud, which starts in a few minutes).</p></div>"
    )


# MyST-NB labels each folded cell's bar "Toggle hidden content" while it shows "Show code cell
# source": a name that leaves out the visible text (axe-core's label-content-name-mismatch). Without
# the label, a screen reader reads the visible text.
FOLD_LABEL = ' aria-label="Toggle hidden content"'


def page_links(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Add the download link (and the kernel note) below a notebook page's title."""
    if "body" not in context:
        return
    context["body"] = context["body"].replace(FOLD_LABEL, "")
    if not pagename.startswith("notebooks/"):
        return
    name = pagename.split("/", 1)[1] + ".ipynb"
    notebook = Path(app.srcdir) / "notebooks" / name
    added = (
        '<p class="mnist17-download">'
        f'<a href="{name}" download="{name}">Download this notebook ({name})</a>. {RUN_IT}</p>'
    )
    if has_widget(notebook):
        added += kernel_note(name)
    body = context["body"]
    end_of_title = body.find("</h1>")
    if end_of_title < 0:
        raise ValueError(f"{pagename}: no title on the page")
    end_of_title += len("</h1>")
    context["body"] = body[:end_of_title] + added + body[end_of_title:]


def setup(app) -> dict:
    app.connect("html-page-context", page_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
