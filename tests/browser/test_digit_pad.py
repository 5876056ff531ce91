"""The drawing pad's front end for readers who use the keyboard, a screen reader or a dark theme
(`make test-browser`): `digit_pad.js` rendered in headless Chromium under JupyterLab's own light and
dark theme stylesheets, with a stand-in for the kernel's side of the widget.

The Clear button must stand out in both themes (its text against its background at WCAG's 4.5:1,
its border against the page at the 3:1 asked of controls), the pad must take the keyboard focus
and clear on Delete, Backspace or Escape, and each reading must be announced through a
`role="status"` region. The kernel's side (drawing, preparing, predicting) is tested in
tests/test_drawing_pad.py, and the whole pad in JupyterLab in test_jupyterlab.py.
"""

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

# A stand-in for anywidget's model: the traits the front end reads, and what it saved.
HARNESS = """
async ([source, state]) => {
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
  const widget = (await import(url)).default;
  widget.render({ model, el: document.getElementById('output') });
}
"""
EMPTY = {
    "strokes": [[[100, 100], [120, 200]]],
    "pixels": [],
    "probabilities": [],
    "digit": -1,
    "message": "The pad is empty: draw a digit first.",
    "strokes_read": 1,
}


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two opaque CSS colours, `rgb(...)` (any alpha is ignored)."""

    def luminance(css: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(background: str, color: str) -> str:
    """`color` (possibly with alpha) painted over the opaque `background`, as `rgb(...)`."""
    values = [float(v) for v in re.findall(r"[\d.]+", color)]
    alpha = values[3] if len(values) > 3 else 1.0
    base = [float(v) for v in re.findall(r"[\d.]+", background)[:3]]
    mixed = [round(alpha * c + (1 - alpha) * b) for c, b in zip(values[:3], base, strict=True)]
    return "rgb({}, {}, {})".format(*mixed)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def pad_page(browser, theme: str):
    css = (THEMES / f"theme-{theme}-extension" / "index.css").read_text()
    page = browser.new_page()
    page.set_content(
        f"<!doctype html><html lang='en'><head><style>{css}</style>"
        f"<style>{STYLE.read_text()}</style>"
        "<style>body { background: var(--jp-layout-color0); }</style></head>"
        "<body><main id='output'></main></body></html>"
    )
    page.evaluate(HARNESS, [FRONT_END.read_text(), dict(EMPTY)])
    return page


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_clear_button_stands_out_in_the_light_and_the_dark_theme(browser, theme):
    page = pad_page(browser, theme)
    clear = page.get_by_role("button", name="Clear")
    style = clear.evaluate(
        "b => { const s = getComputedStyle(b); return [s.color, s.backgroundColor, "
        "s.borderTopColor, s.borderTopWidth, getComputedStyle(document.body).backgroundColor]; }"
    )
    text, background, border, border_width, page_background = style
    background = over(page_background, background)
    assert contrast(over(background, text), background) >= 4.5, (theme, style)
    assert contrast(over(page_background, border), page_background) >= 3, (theme, style)
    assert float(border_width.removesuffix("px")) >= 1
    # In the theme's own colours, not the browser's default button (which JupyterLab restyles).
    theme_text = page.evaluate(
        "() => { const probe = document.createElement('span'); "
        "probe.style.color = 'var(--jp-ui-font-color0)'; document.body.append(probe); "
        "return getComputedStyle(probe).color; }"
    )
    assert text == theme_text, (theme, text, theme_text)
    page.close()


@pytest.mark.parametrize("key", ["Delete", "Backspace", "Escape"])
def test_the_pad_takes_the_keyboard_focus_and_a_key_clears_it(browser, key):
    page = pad_page(browser, "light")
    page.keyboard.press("Tab")  # the first stop of the widget is the pad itself
    focused = page.evaluate("document.activeElement.className")
    assert focused == "pad"
    page.keyboard.press(key)
    assert page.evaluate("window.saved") == ["[]"]  # the kernel is told: no strokes
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Clear"
    page.close()


def test_a_reading_is_announced_to_screen_readers(browser):
    page = pad_page(browser, "dark")
    status = page.get_by_role("status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == "The pad is empty: draw a digit first."
    probabilities = [0.0] * 10
    probabilities[3] = 0.9712
    page.evaluate(
        "p => window.kernelSends({probabilities: p, digit: 3, message: '', strokes_read: 2})",
        probabilities,
    )
    assert status.inner_text() == "The network reads 3, with probability 97.1%."
    assert page.locator(".digit").inner_text() == "3"
    page.close()
