"""A Sphinx extension of the book (`book/conf.py`): what each notebook's page adds to the notebook.

Above each notebook's content: a link that downloads the notebook as committed, and how to run it.
On a page whose notebook shows a widget (08's drawing pad), a note that the widget needs a running
kernel and how to get one: the book shows outputs as they were saved, with no Python behind them.
"""

import json
import shutil
from pathlib import Path

from mnist17.paths import root
from mnist17_tools.links import addresses, home

# A notebook that imports one of these shows a widget, which only a running kernel can drive.
WIDGET_MODULES = ("mnist17.drawing_pad", "ipywidgets", "anywidget")
RUN_IT = (
    "To run it, open it on Colab, Kaggle or Binder (the links under its title), or clone the "
    "repository, run <code>make run-all</code> once (it sets everything up and trains the model), "
    "then <code>make lab</code> and open it in JupyterLab."
)


def has_widget(notebook: Path) -> bool:
    """Whether the notebook shows a Jupyter widget (its saved copy keeps a text in its place)."""
    cells = json.loads(notebook.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return any(f"import {m}" in s or f"from {m} import" in s for s in code for m in WIDGET_MODULES)


def kernel_note(name: str, binder: str) -> str:
    """The note on a page whose widget needs a running kernel, and how to get one."""
    online = (
        f' Or, without installing anything, <a href="{binder}">open it on Binder</a> (a kernel '
        "in the cloud; it starts in a few minutes) and run it."
    )
    return (
        '<div class="admonition note mnist17-kernel-note" role="note">'
        '<p class="admonition-title">The drawing pad needs a running kernel</p>'
        "<p>This page shows the notebook as its last run left it. The pad cannot read a digit "
        "here: it sends each stroke to the Python kernel that runs the notebook, where the network "
        f"reads it, and a page of the book has no kernel. To draw your own digit, run {name} in "
        f"JupyterLab: clone the repository, run <code>make run-all</code> once (it sets "
        f"everything up and trains the model), then <code>make lab</code>, open {name} and run all "
        f"cells.{online}</p></div>"
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
    binder = addresses(*home(root()), name)["Launch Binder"]
    added = (
        '<p class="mnist17-download">'
        f'<a href="{name}" download="{name}">Download this notebook ({name})</a>. {RUN_IT}</p>'
    )
    if has_widget(notebook):
        added += kernel_note(name, binder)
    body = context["body"]
    end_of_title = body.find("</h1>")
    if end_of_title < 0:
        raise ValueError(f"{pagename}: no title on the page")
    end_of_title += len("</h1>")
    context["body"] = body[:end_of_title] + added + body[end_of_title:]


def copy_downloads(app, exception) -> None:
    """Put each notebook, as committed, beside its page: what the download link serves."""
    if exception is None:
        for notebook in sorted((Path(app.srcdir) / "downloads" / "notebooks").glob("*.ipynb")):
            shutil.copy2(notebook, Path(app.outdir) / "notebooks" / notebook.name)


def setup(app) -> dict:
    app.connect("html-page-context", page_links)
    app.connect("build-finished", copy_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
