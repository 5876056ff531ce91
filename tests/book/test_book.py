"""The book as readers get it (`make test-book`, after `make book`): every page in headless Chromium
(order, errors, images, links, axe-core in both themes), and the checks shown to fail."""

import http.server
import re
import shutil
import threading
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from helpers import ROOT, mini_checkout, tools

from mnist17_tools import series

pytest.importorskip("playwright.sync_api", reason="make test-book installs it")

pytestmark = pytest.mark.book
SITE = ROOT / "build" / "book"
SCREENSHOTS = ROOT / "build" / "book-screenshots"
CREDITS = ("pw598", "Neural Networks I: MNIST in 17 Lines", "Yann LeCun", "CC BY-SA 3.0")
# Counted on a notebook's page: code cells, those with outputs, figures, folded solutions.
COUNTED = ["div.cell", "div.cell div.cell_output", "div.cell_output img"]
COUNTED += ["div.cell.tag_solution", "details.solution-text"]
BAD_IMAGES = """async () => {
  await Promise.all([...document.images].map(i => i.complete || new Promise(r => {
    i.onload = i.onerror = r; })));
  return [[...document.images].filter(i => !i.naturalWidth).map(i => i.getAttribute('src')),
    [...document.querySelectorAll('article img')].filter(i => !i.alt.trim())
      .map(i => i.getAttribute('src'))];
}"""


@pytest.fixture(scope="module")
def base():
    """`build/book/` served on 127.0.0.1, as GitHub Pages serves it: its address."""
    assert (SITE / "index.html").is_file(), "run `make test-book`"
    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *_: None})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(quiet, directory=SITE))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def visit(browser, url: str, scheme: str = "light"):
    """`url` in a fresh tab in the `scheme` colour scheme, and the errors while it loads."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"console error: {m.text}"))
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="load")
    return page, errors


def problems(page, errors: list[str], base: str, axe_violations) -> list[str]:
    """Images unloaded or without alt, links into the site to a missing file or anchor,
    axe-core's serious and critical violations, and the errors while the page loaded."""
    unloaded, without_alt = page.evaluate(BAD_IMAGES)
    found = [f"the image {src} did not load" for src in unloaded]
    found += [f"the image {src} has no text alternative (alt)" for src in without_alt]
    for href in sorted(set(page.evaluate("[...document.links].map(a => a.href)"))):
        if not href.startswith(base):
            continue  # another site (the post, mybinder.org ...): not checked offline
        parts = urlsplit(href)
        relative = unquote(parts.path[1:])
        path = SITE / relative / ("index.html" if relative.endswith("/") or not relative else "")
        if not path.is_file():
            found.append(f"the link {href} points at {relative}, which is missing")
        elif parts.fragment and f'id="{parts.fragment}"' not in path.read_text(errors="replace"):
            found.append(f"the link {href} names #{parts.fragment}, not there")
    # Measured mid-fade into the dark theme, a text can fail the contrast check: let it finish.
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => 0)))")
    found += axe_violations(page)
    return [f"{page.url}: {problem}" for problem in found + errors]


def notebook_problems(page, notebook: Path) -> list[str]:
    """What the page of `notebook` shows otherwise than committed: cells, outputs, figures, the
    download, solutions unfolded, the kernel note (on 08's page only)."""
    nb = nbformat.read(notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    solutions = [c.cell_type for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    figures = sum("image/png" in o.get("data", {}) for cell in code for o in cell.outputs)
    expected = [len(code), sum(bool(cell.outputs) for cell in code), figures]
    expected += [solutions.count("code"), solutions.count("markdown")]
    counts = page.evaluate("s => s.map(q => document.querySelectorAll(q).length)", COUNTED)
    found = [] if counts == expected else [f"{COUNTED}: {counts}, not {expected}"]
    first = next(c for c in code if "solution" not in c.metadata.get("tags", []))
    shown = page.locator("div.cell_input").first.inner_text()
    if not shown.startswith(first.source.split("\n")[0]):
        found.append("the first code cell is not shown as committed")
    link = page.get_by_role("link", name=f"Download this notebook ({notebook.name})")
    if page.request.get(link.evaluate("a => a.href")).body() != notebook.read_bytes():
        found.append("the download link does not serve the committed notebook")
    hidden = page.locator(".tag_solution .cell_input, .solution-text p").all()
    bars = page.locator(".solution-text > summary").all()
    if not all(e.is_hidden() for e in hidden) or not all(bar.is_visible() for bar in bars):
        found.append("a solution is shown unfolded, or its bar is not shown")
    note = " ".join(page.locator(".mnist17-kernel-note").all_inner_texts())
    if bool(note) != notebook.stem.startswith("08_") or note and "make lab" not in note:
        found.append("the kernel note (how to run 08's pad) is missing, or on another page")
    return found


def page_name(url: str, base: str) -> str:
    """`notebooks/01_data_preview` for `<base>notebooks/01_data_preview.html`."""
    return re.sub(r"\.html$", "", url[len(base) :].split("#")[0]) or "index"


def test_every_page_in_order_loads_cleanly_and_passes_axe_core(browser, base, axe_violations):
    reference = re.findall(r"^docs/\S+$", (ROOT / "book" / "index.md").read_text(), re.M)
    notebooks = {f"notebooks/{path.stem}": path for path in series()}
    order = ["index", *notebooks, *reference]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages, previous, found, url = [], [], [], base
    while url and len(pages) < 50:
        page, errors = visit(browser, url)
        pages.append(name := page_name(page.url, base))
        page.screenshot(path=str(SCREENSHOTS / f"{name.replace('/', '-')}.png"))
        found += problems(page, errors, base, axe_violations)
        if name in notebooks:
            found += [f"{name}: {problem}" for problem in notebook_problems(page, notebooks[name])]
        if name == "index" and not all(c in page.locator("article").inner_text() for c in CREDITS):
            found.append("the landing page does not credit the post and MNIST")
        back, url = page.evaluate(
            "['a.left-prev', 'a.right-next'].map(s => document.querySelector(s)?.href)"
        )
        previous.append(back and page_name(back, base))
        page.close()  # the theme follows the reader's system: the dark one must pass too
        dark, errors = visit(browser, page.url, "dark")
        assert dark.evaluate("document.documentElement.dataset.theme") == "dark"
        found += [
            f"{problem} (dark theme)" for problem in problems(dark, errors, base, axe_violations)
        ]
        dark.close()
    assert pages == order
    assert previous == [None, *order[:-1]], "the previous links go back another way"
    assert not found, "\n".join(found)


def test_the_checks_report_a_missing_page_anchor_and_figure_and_an_image_without_alt(
    browser, base, axe_violations
):
    page, errors = visit(browser, base + "notebooks/01_data_preview.html")
    page.evaluate(
        "document.querySelector('article').insertAdjacentHTML('beforeend', '<a href="
        '"02_no_such_page.html">x</a><a href="../index.html#no-such-anchor">y</a>'
        '<img src="nn1-99.png">\')'
    )
    found = "\n".join(problems(page, errors, base, axe_violations))
    page.close()
    for problem in (
        "no_such_page.html, which is missing",
        "#no-such-anchor, not there",
        "HTTP 404",
    ):
        assert problem in found, found
    for problem in ("nn1-99.png did not load", "nn1-99.png has no text alternative", "'image-alt'"):
        assert problem in found, found


def test_search_finds_a_term_on_its_page(browser, base):
    page, _ = visit(browser, base + "search.html?q=LabelBinarizer")
    page.locator("#search-results a").first.wait_for(timeout=15_000)
    found = page.locator("#search-results a").evaluate_all("links => links.map(a => a.href)")
    page.close()
    assert any("notebooks/02_preparing_the_data" in href for href in found), found


def test_make_book_refuses_bad_sources_naming_them_and_keeps_the_previous_site(tmp_path):
    copy = mini_checkout(tmp_path / "repo", {})
    for name in ("book", "docs", "figures", "notebooks"):
        shutil.copytree(ROOT / name, copy / name, dirs_exist_ok=True)
    shutil.copy2(ROOT / "pyproject.toml", copy)
    notebook, running = copy / "notebooks/03_model_definition.ipynb", copy / "docs/running.md"
    notebook.write_text(notebook.read_text().replace('"# 03 ·', '"03 ·', 1))
    running.write_text(running.read_text() + "\n![a figure](../figures/nn1-99.png)\n")
    result = tools(copy, "book")
    assert result.returncode == 1
    assert "notebooks/03_model_definition.ipynb: no title" in result.stderr
    assert "docs/running.md: links to ../figures/nn1-99.png" in result.stderr
    assert not (copy / "build" / "book").exists()
    # Sphinx's own checks (here: a link to a missing heading) keep the previous site too.
    shutil.copy2(ROOT / "notebooks/03_model_definition.ipynb", notebook)
    running.write_text((ROOT / "docs/running.md").read_text() + "[x](testing.md#no-such-section)")
    (copy / "build" / "book").mkdir(parents=True)
    (copy / "build" / "book" / "index.html").write_text("the previous site")
    result = tools(copy, "book")
    assert result.returncode == 1
    assert "no-such-section" in result.stderr and "docs/running" in result.stderr
    assert (copy / "build" / "book" / "index.html").read_text() == "the previous site"
