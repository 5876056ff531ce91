"""What `make test-book` checks on the built site, page by page, in headless Chromium.

The checks are functions of a loaded Playwright page and of the site's files, so that the tests can
run them on the real book and on a copy broken on purpose (a link to a missing page or anchor, a
figure deleted): each returns the problems it found, as sentences naming the page, empty when
there are none.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

# axe-core's two highest impacts: what makes a page unusable for some readers.
BLOCKING_IMPACTS = ("serious", "critical")


class _Anchors(HTMLParser):
    """The ids (and old-style `<a name>`s) of an HTML file: where `#fragment` links may point."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" or (tag == "a" and key == "name"):
                self.ids.add(value or "")


def anchors(path: Path) -> set[str]:
    """The anchors that `path#anchor` may name."""
    parser = _Anchors()
    parser.feed(path.read_text(errors="replace"))
    return parser.ids


def broken_links(site: Path, page_url: str, hrefs: list[str], base_url: str) -> list[str]:
    """Links of the page at `page_url` into the site whose file or anchor does not exist."""
    problems = []
    for href in sorted(set(hrefs)):
        target = urljoin(page_url, href)
        if not target.startswith(base_url):
            continue  # another site (the post, mybinder.org ...): not checked offline
        parts = urlsplit(target)
        relative = unquote(parts.path[len(urlsplit(base_url).path) :])
        path = site / relative
        if relative == "" or relative.endswith("/"):
            path = path / "index.html"
        if not path.is_file():
            problems.append(f"{page_url}: the link {href} points at {relative}, which is missing")
        elif parts.fragment and path.suffix == ".html" and parts.fragment not in anchors(path):
            problems.append(
                f"{page_url}: the link {href} names #{parts.fragment}, which {relative} lacks"
            )
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


def axe_violations(page, axe_script: Path) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule."""
    # The theme fades its colours in when it switches to dark: measured mid-fade, a text fails
    # the contrast check (seen once on the search button). Let every transition finish first.
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => 0)))")
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{page.url}: axe-core {v['impact']} '{v['id']}' ({v['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]


def page_name(url: str, base_url: str) -> str:
    """`notebooks/01_data_preview` for `<base>notebooks/01_data_preview.html`."""
    name = re.sub(r"\.html$", "", url[len(base_url) :].split("#")[0])
    return name or "index"
