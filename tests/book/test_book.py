"""The book as readers get it (`make test-book`, after `make book`): each page in headless Chromium.

The site in `build/book/` is served over HTTP on 127.0.0.1, as GitHub Pages serves it. Starting on
the landing page and following each page's "next" link, every page must come in the series'
order (landing page, notebooks 01-09, reference pages), load without a console error or a failed
request, show every image, have only internal links whose file and anchor exist, pass axe-core
with no serious or critical violation (a screenshot of each goes to `build/book-screenshots/`). Each
notebook's page must show all its code cells and outputs, fold the exercises' solutions, and link
to the notebook as committed; 08's says the pad needs a running kernel.

Then the checks are shown to fail: on a copy of the site with a link to a missing page, a link to a
missing anchor and a deleted figure; and `make book` itself refuses a notebook without a title and
a figure link to a missing file, naming the file.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pytest
from helpers import ROOT, free_port, mini_checkout, tools

from mnist17_tools import series

sync_api = pytest.importorskip("playwright.sync_api", reason="make test-book installs it")

pytestmark = pytest.mark.book
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / os.environ.get("AXE", "build/axe/node_modules/axe-core/axe.min.js")
SITE = ROOT / "build" / "book"
SCREENSHOTS = ROOT / "build" / "book-screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
# axe-core's two highest impacts: what makes a page unusable for some readers.
BLOCKING_IMPACTS = ("serious", "critical")

# The checks of one page, also run on a copy of the site broken on purpose (further down): each
# returns the problems it found, as sentences naming the page.


def broken_links(site: Path, page_url: str, hrefs: list[str], base_url: str) -> list[str]:
    """Links of the page at `page_url` into the site whose file or anchor does not exist."""
    problems = []
    for href in sorted(set(hrefs)):
        target = urljoin(page_url, href)
        if not target.startswith(base_url):
            continue  # another site (the post, mybinder.org ...): not checked offline
        parts = urlsplit(target)
        relative = unquote(parts.path[len(urlsplit(base_url).path) :])
        path = site / relative / ("index.html" if relative.endswith("/") or not relative else "")
        if not path.is_file():
            problems.append(f"{page_url}: the link {href} points at {relative}, which is missing")
        elif parts.fragment and f'id="{parts.fragment}"' not in path.read_text(errors="replace"):
            problems.append(f"{page_url}: the link {href} names #{parts.fragment}, not there")
    return problems


def unloaded_images(page) -> list[str]:
    """The images of the loaded page that did not load (missing file, bad data)."""
    page.evaluate(
        "Promise.all([...document.images].map(i => i.complete ? 0 : "
        "new Promise(r => { i.onload = i.onerror = r; })))"
    )
    sources = page.evaluate(
        "[...document.images].filter(i => !i.naturalWidth).map(i => i.getAttribute('src'))"
    )
    return [f"{page.url}: the image {source} did not load" for source in sources]


def images_without_text(page) -> list[str]:
    """The figures of the page (notebook outputs and Markdown images) with no text alternative."""
    sources = page.evaluate(
        "[...document.querySelectorAll('article img')]"
        ".filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.getAttribute('src'))"
    )
    return [f"{page.url}: the image {source} has no text alternative (alt)" for source in sources]


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule."""
    # The theme fades its colours in when it switches to dark: measured mid-fade, a text fails
    # the contrast check (seen once on the search button). Let every transition finish first.
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => 0)))")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{page.url}: axe-core {v['impact']} '{v['id']}' ({v['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]


def page_name(url: str, base_url: str) -> str:
    """`notebooks/01_data_preview` for `<base>notebooks/01_data_preview.html`."""
    return re.sub(r"\.html$", "", url[len(base_url) :].split("#")[0]) or "index"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test reports failed requests itself
        pass


@pytest.fixture(scope="module")
def server():
    """Serve `build/book/` (or a copy) on a free port of 127.0.0.1: yields root -> url."""
    servers = []

    def serve(root: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(root))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield serve
    for httpd in servers:
        httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert (SITE / "index.html").is_file(), "no book in build/book: run `make test-book`"
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `make test-book`"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Visit:
    """One page loaded in a fresh tab, with what went wrong while it loaded."""

    def __init__(self, browser, url: str, color_scheme: str = "light"):
        self.page = browser.new_page(
            viewport={"width": 1280, "height": 900}, color_scheme=color_scheme
        )
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"),
        )
        self.page.goto(url, wait_until="load")

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def hrefs(self) -> list[str]:
        return self.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")

    def next_url(self) -> str | None:
        link = self.page.locator("a.right-next")
        return link.first.evaluate("a => a.href") if link.count() else None


def expected_order() -> list[str]:
    """The landing page, the notebooks, then the reference pages as book/index.md lists them."""
    reference = re.findall(r"^docs/\S+$", (ROOT / "book" / "index.md").read_text(), re.M)
    return ["index", *(f"notebooks/{path.stem}" for path in series()), *reference]


@pytest.fixture(scope="module")
def walk(browser, server):
    """Follow "next" from the landing page to the last page; check each page on the way."""
    base = server(SITE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages, problems, url = [], [], base
    while url and len(pages) < 50:
        visit = Visit(browser, url)
        name = page_name(visit.page.url, base)
        pages.append(name)
        visit.page.screenshot(path=str(SCREENSHOTS / f"{name.replace('/', '-')}.png"))
        problems += [f"{name}: {error}" for error in visit.errors]
        problems += unloaded_images(visit.page)
        problems += images_without_text(visit.page)
        problems += broken_links(SITE, visit.page.url, visit.hrefs(), base)
        problems += axe_violations(visit.page)
        url = visit.next_url()
        visit.page.close()
        # The theme follows the reader's system: the dark one must pass axe-core too.
        dark = Visit(browser, visit.page.url, color_scheme="dark")
        assert dark.page.evaluate("document.documentElement.dataset.theme") == "dark"
        problems += [f"{p} (dark theme)" for p in axe_violations(dark.page)]
        problems += [f"{name} (dark theme): {error}" for error in dark.errors]
        dark.page.close()
    return pages, problems


def test_the_pages_come_in_the_series_order_through_next_links(walk):
    pages, _ = walk
    assert pages == expected_order()


def test_every_page_loads_cleanly_with_its_images_links_and_no_axe_violation(walk):
    _, problems = walk
    assert not problems, "\n".join(problems)


def test_previous_links_go_back_through_the_same_order(browser, server):
    base = server(SITE)
    order = expected_order()
    visit = Visit(browser, base + order[-1] + ".html")
    back = []
    while (link := visit.page.locator("a.left-prev")).count():
        url = link.first.evaluate("a => a.href")
        visit.page.close()
        visit = Visit(browser, url)
        back.append(page_name(visit.page.url, base))
    visit.page.close()
    assert back == order[-2::-1]


@pytest.mark.parametrize("notebook", series(), ids=lambda path: path.stem)
def test_each_notebook_page_shows_its_code_outputs_and_download_link(browser, server, notebook):
    nb = nbformat.read(notebook, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    with_outputs = [cell for cell in code if cell.outputs]
    images = sum("image/png" in o.get("data", {}) for cell in code for o in cell.outputs)
    base = server(SITE)
    visit = Visit(browser, f"{base}notebooks/{notebook.stem}.html")
    page = visit.page
    assert page.locator("div.cell").count() == len(code)
    assert page.locator("div.cell div.cell_output").count() == len(with_outputs)
    assert page.locator("div.cell_output img").count() == images
    # The first code cell that is not a solution shows its source as committed.
    shown = next(c for c in code if "solution" not in c.metadata.get("tags", []))
    first_line = shown.source.splitlines()[0]
    assert page.locator("div.cell_input").first.inner_text().startswith(first_line)
    # The download link serves the committed notebook, byte for byte.
    link = page.get_by_role("link", name=f"Download this notebook ({notebook.name})")
    href = link.evaluate("a => a.href")
    response = page.request.get(href)
    assert response.ok and response.body() == notebook.read_bytes()
    # Solutions (code and explanations) are folded: present in the page, not shown.
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    folded = page.locator("details:not([open])")
    if solutions:
        assert folded.count() >= len(solutions)
        code_solutions = [c for c in solutions if c.cell_type == "code"]
        cells = page.locator("div.cell.tag_solution")
        assert cells.count() == len(code_solutions)
        for i in range(cells.count()):
            assert cells.nth(i).locator("div.cell_input").first.is_hidden()
        texts = page.locator("details.solution-text")
        assert texts.count() == len(solutions) - len(code_solutions)
        for i in range(texts.count()):
            assert texts.nth(i).locator("p").first.is_hidden()
            assert texts.nth(i).locator("summary").is_visible()
    note = page.locator(".mnist17-kernel-note")
    if notebook.stem.startswith("08_"):
        assert "needs a running kernel" in note.inner_text() and "make lab" in note.inner_text()
    else:
        assert note.count() == 0
    visit.page.close()
    assert not visit.errors


def test_search_finds_the_notebooks(browser, server):
    visit = Visit(browser, server(SITE) + "search.html?q=LabelBinarizer")
    results = visit.page.locator("#search-results a")
    results.first.wait_for(timeout=15_000)
    found = {page_name(a, "") for a in results.evaluate_all("l => l.map(a => a.href)")}
    visit.page.close()
    assert any("02_preparing_the_data" in name for name in found), found


def test_the_landing_page_credits_the_post_and_mnist(browser, server):
    visit = Visit(browser, server(SITE))
    text = visit.page.locator("article").inner_text()
    visit.page.close()
    assert "pw598" in text and "Neural Networks I: MNIST in 17 Lines" in text
    assert "Yann LeCun" in text and "CC BY-SA 3.0" in text


# The checks fail where they should: on a copy of the site broken on purpose.


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("broken") / "book"
    shutil.copytree(SITE, site)
    page = site / "notebooks" / "01_data_preview.html"
    html = page.read_text()
    html = html.replace("</article>", '<a href="02_no_such_page.html">x</a></article>', 1)
    html = html.replace("</article>", '<a href="../index.html#no-such-anchor">y</a></article>', 1)
    page.write_text(html)
    return site


def test_a_link_to_a_missing_page_or_anchor_is_reported(browser, server, broken_site):
    base = server(broken_site)
    visit = Visit(browser, base + "notebooks/01_data_preview.html")
    problems = broken_links(broken_site, visit.page.url, visit.hrefs(), base)
    visit.page.close()
    assert any("02_no_such_page.html" in p and "missing" in p for p in problems), problems
    assert any("#no-such-anchor" in p for p in problems), problems
    assert len(problems) == 2, problems


def test_a_missing_figure_is_reported(browser, server, broken_site):
    base = server(broken_site)
    visit = Visit(browser, base + "notebooks/05_plotting_results.html")
    first = visit.page.locator("article img").first.get_attribute("src")
    visit.page.close()
    (broken_site / "notebooks" / first).unlink()
    visit = Visit(browser, base + "notebooks/05_plotting_results.html")
    problems = unloaded_images(visit.page)
    visit.page.close()
    assert problems == [f"{base}notebooks/05_plotting_results.html: the image {first} did not load"]
    assert any("HTTP 404" in error for error in visit.errors), visit.errors


def test_axe_reports_an_image_without_text(browser, server, broken_site):
    page = broken_site / "docs" / "running.html"
    page.write_text(page.read_text().replace("</article>", '<img src="x.png"></article>', 1))
    visit = Visit(browser, server(broken_site) + "docs/running.html")
    problems = axe_violations(visit.page)
    visit.page.close()
    assert any("'image-alt'" in p for p in problems), problems


# `make book` refuses bad sources, naming the file.


def build_a_copy(tmp_path: Path, change) -> subprocess.CompletedProcess:
    """`python -m mnist17_tools book` in a checkout of the book's sources, changed by `change`."""
    copy = mini_checkout(tmp_path / "repo", {})
    for name in ("book", "docs", "figures", "notebooks"):
        shutil.copytree(ROOT / name, copy / name, dirs_exist_ok=True)
    shutil.copy2(ROOT / "pyproject.toml", copy)
    change(copy)
    return tools(copy, "book")


def test_a_notebook_without_a_title_fails_the_build_naming_it(tmp_path):
    def drop_title(copy):
        path = copy / "notebooks" / "03_model_definition.ipynb"
        nb = json.loads(path.read_text())
        nb["cells"][0]["source"] = ["Only a sentence, no heading."]
        path.write_text(json.dumps(nb))

    result = build_a_copy(tmp_path, drop_title)
    assert result.returncode == 1
    assert "notebooks/03_model_definition.ipynb: no title" in result.stderr
    assert not (tmp_path / "repo" / "build" / "book").exists()


def test_a_figure_link_to_a_missing_file_fails_the_build_naming_it(tmp_path):
    def link_a_missing_figure(copy):
        page = copy / "docs" / "running.md"
        page.write_text(page.read_text() + "\n![a figure](../figures/nn1-99.png)\n")

    result = build_a_copy(tmp_path, link_a_missing_figure)
    assert result.returncode == 1
    assert "docs/running.md: links to ../figures/nn1-99.png" in result.stderr


def test_a_failed_build_leaves_the_previous_site(tmp_path):
    def broken_anchor(copy):
        page = copy / "docs" / "testing.md"
        page.write_text(page.read_text() + "\nSee [nothing](running.md#no-such-section).\n")

    copy_site = tmp_path / "repo" / "build" / "book"

    def with_old_site(copy):
        broken_anchor(copy)
        copy_site.mkdir(parents=True)
        (copy_site / "index.html").write_text("the previous site")

    result = build_a_copy(tmp_path, with_old_site)
    assert result.returncode == 1
    assert "no-such-section" in result.stderr and "docs/testing" in result.stderr
    assert (copy_site / "index.html").read_text() == "the previous site"
