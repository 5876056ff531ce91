"""The drawing pad's front end (`digit_pad.js`) in headless Chromium under JupyterLab's light and
dark theme stylesheets, with a stand-in for the kernel: contrast, keyboard, screen readers."""

import os
import re
import sys
from pathlib import Path

import pytest

from mnist17.drawing_pad import FRONT_END, STYLE

sync_api = pytest.importorskip("playwright.sync_api", reason="make test-browser installs it")

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
THEMES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "themes" / "@jupyterlab"
EMPTY = "The pad is empty: draw a digit first."
# A stand-in for anywidget's model: the traits the front end reads, and what it saved.
HARNESS = """
async ([source, message]) => {
  const state = {strokes: [[[100, 100], [120, 200]]], pixels: [], probabilities: [], digit: -1,
    message, strokes_read: 1};
  const handlers = {};
  window.saved = [];
  const model = {
    get: (key) => state[key],
    set: (key, value) => { state[key] = value; },
    save_changes: () => window.saved.push(JSON.stringify(state.strokes)),
    on: (names, f) => names.split(' ').forEach(n => (handlers[n] = handlers[n] || []).push(f)),
    off: () => {},
  };
  window.kernelSends = (changes) => {
    Object.assign(state, changes);
    Object.keys(changes).forEach(k => (handlers['change:' + k] || []).forEach(f => f()));
  };
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  (await import(url)).default.render({ model, el: document.getElementById('output') });
}
"""
# The Clear button's colours, the page's, and the theme's text colour (not the browser's default).
COLOURS = """b => { const probe = document.createElement('span');
  probe.style.color = 'var(--jp-ui-font-color0)'; document.body.append(probe);
  const s = getComputedStyle(b); return [s.color, s.backgroundColor, s.borderTopColor,
  getComputedStyle(document.body).backgroundColor, getComputedStyle(probe).color,
  s.borderTopWidth]; }"""


def over(background: str, colour: str) -> str:
    """`colour` (alpha allowed) painted over the opaque `background`, as `rgb(...)`."""
    values, base = ([float(v) for v in re.findall(r"[\d.]+", css)] for css in (colour, background))
    alpha = values[3] if len(values) > 3 else 1.0
    mixed = (round(alpha * c + (1 - alpha) * b) for c, b in zip(values[:3], base[:3], strict=True))
    return "rgb({}, {}, {})".format(*mixed)


def contrast(colour: str, background: str) -> float:
    """WCAG's contrast ratio of `colour` painted over the opaque `background`."""

    def luminance(css: str) -> float:
        rgb = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(over(background, colour)), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        yield playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_clear_stands_out_keys_clear_the_pad_and_readings_are_announced(browser, theme):
    page = browser.new_page()
    css = (THEMES / f"theme-{theme}-extension" / "index.css").read_text()
    page.set_content(
        f"<!doctype html><html lang='en'><head><style>{css}</style><style>{STYLE.read_text()}"
        "</style><style>body { background: var(--jp-layout-color0); }</style></head>"
        "<body><main id='output'></main></body></html>"
    )
    page.evaluate(HARNESS, [FRONT_END.read_text(), EMPTY])
    style = page.get_by_role("button", name="Clear").evaluate(COLOURS)
    text, background, border, page_colour, theme_text, width = style
    assert contrast(text, over(page_colour, background)) >= 4.5, style  # WCAG's for text
    assert contrast(border, page_colour) >= 3 and float(width[:-2]) >= 1, style  # for controls
    assert text == theme_text, style  # JupyterLab's colours, not the browser's default button
    status = page.get_by_role("status")
    assert status.get_attribute("aria-live") == "polite" and status.inner_text() == EMPTY
    page.evaluate(
        "window.kernelSends({probabilities: [0, 0, 0, 0.9712, 0, 0, 0, 0, 0, 0], digit: 3, "
        "message: '', strokes_read: 2})"
    )
    assert status.inner_text() == "The network reads 3, with probability 97.1%."
    assert page.locator(".digit").inner_text() == "3"
    page.keyboard.press("Tab")  # the first stop of the widget is the pad itself
    assert page.evaluate("document.activeElement.className") == "pad"
    for presses, key in enumerate(["Delete", "Backspace", "Escape"], 1):
        page.keyboard.press(key)  # each tells the kernel: no strokes
        assert page.evaluate("window.saved") == ["[]"] * presses, key
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Clear"
    page.close()
