"""Options of the tests that run outside `make test` (each make target passes its own), and the
headless Chromium that the browser and book tests share."""

from pathlib import Path

import pytest

from mnist17_tools import ROOT

# Tiny notebooks for the runner's failure paths (tests/fixtures/): not for nbval to collect.
collect_ignore = ["fixtures"]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
CHROMIUM_FLAGS += ["--disable-background-networking", "--disable-component-update"]


def pytest_addoption(parser) -> None:
    parser.addoption("--backends", default="jax torch", help="Keras backends (make test-backends)")
    parser.addoption("--hosted-sets", default="colab-2026-08", help="sets of tests/hosted/")
    parser.addoption("--chromium", default="/usr/bin/chromium", help="the browser to drive")
    axe = ROOT / "build/axe/node_modules/axe-core/axe.min.js"  # where the Makefile puts it
    parser.addoption("--axe", default=str(axe), help="axe-core's axe.min.js")


@pytest.fixture(scope="module")
def browser(request):
    """Headless Chromium (Playwright), for the tests of `make test-browser` and `make test-book`."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="make test-browser installs it")
    with sync_api.sync_playwright() as playwright:
        path = request.config.getoption("--chromium")
        yield playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)


@pytest.fixture(scope="session")
def axe_violations(request):
    """axe-core's serious and critical violations within `selector` of a page, in words."""

    def found(page, selector: str = "html") -> list[str]:
        axe = request.config.getoption("--axe")
        assert Path(axe).is_file(), f"no axe-core at {axe}: run make test-browser or test-book"
        page.add_script_tag(path=axe)
        script = "async s => (await axe.run(s)).violations"
        return [
            f"axe-core {v['impact']} '{v['id']}' ({v['help']}) at "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
            for v in page.evaluate(script, selector)
            if v["impact"] in ("serious", "critical")
        ]

    return found
