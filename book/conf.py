"""Sphinx settings of the book (`make book` stages the sources in build/book-src/ first): the
committed outputs, never executed, in the Jupyter Book theme; `book_pages` adds download links."""

from pathlib import Path

from mnist17_tools.book_pages import repository

project = "Neural Networks I: MNIST in 17 Lines"
author = "the series' maintainers, after the post by pw598"
copyright = "the post: pw598; MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges"
language = "en"

extensions = ["myst_nb", "mnist17_tools.book_pages"]
exclude_patterns = ["figures"]
nb_execution_mode = "off"  # the committed outputs, as they are
nb_merge_streams = True
nb_ipywidgets_js = {}  # 08's pad needs a kernel (book_pages' note): no widget scripts from a CDN
myst_heading_anchors = 3  # anchors for `[text](#a-heading)` links, checked by make test-book
myst_enable_extensions = ["colon_fence"]

html_theme = "sphinx_book_theme"
html_title = "MNIST in 17 Lines"
html_copy_source = html_show_sourcelink = False  # the download link serves the notebook itself
html_last_updated_fmt = None
html_static_path = ["static"]
html_css_files = ["book.css"]
html_favicon = "static/favicon.svg"
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system prefers
templates_path = ["templates"]  # one theme component changed for accessibility (see the file)
# pyproject.toml's [project.urls]: the one home of every link to the repository.
REPOSITORY, BRANCH = repository(Path(__file__).resolve().parents[1])
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": False,  # one download link per page, from book_pages
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    "use_sidenotes": False,
    "repository_url": REPOSITORY,
    "repository_branch": BRANCH,
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
}
