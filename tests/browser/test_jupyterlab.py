"""Every notebook runs in JupyterLab in headless Chromium, as readers use it, and 08's pad reads
digits drawn with the mouse (`make test-browser`), on copies in build/browser/ (04, 07: 2 epochs).

The pad runs in a folder where 04 has not run: it reads with the network the helper package brings.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from helpers import FIXTURES, ROOT, free_port, snapshot

from mnist17_tools import series

sync_api = pytest.importorskip("playwright.sync_api", reason="make test-browser installs it")

pytestmark = pytest.mark.browser
WORK = ROOT / "build" / "browser"
DRAWING_NOTEBOOK = "08_draw_a_digit.ipynb"
CELL_TIMEOUT_S = 300
PAD_EXTENSIONS = ("anywidget", "@jupyter-widgets/jupyterlab-manager")
ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# What each copy trains less than the committed notebook: (tag of the cell, the text, its stand-in).
SHORTER = [("parameters", "epochs = 50", "epochs = 2"), ("the-17-lines", "epochs=50", "epochs=2")]
# JupyterLab's settings: every cell rendered (no virtual scrolling), no news pop-up.
SETTINGS = {
    "notebook-extension/tracker": {"windowingMode": "none"},
    "apputils-extension/notification": {"fetchNews": "false"},
}


class Lab:
    """A JupyterLab server of our own; `stop()` ends it and every kernel it started."""

    def __init__(self, root: Path, scratch: Path):
        self.token, self.port = secrets.token_hex(16), free_port()
        self.url, self.runtime = f"http://127.0.0.1:{self.port}", scratch / "runtime"
        for name, values in SETTINGS.items():
            path = scratch / "user-settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(values))
        env = {f"JUPYTER_{d.upper()}_DIR": str(scratch / d) for d in ("config", "data", "runtime")}
        options = {"IdentityProvider.token": self.token, "ServerApp.root_dir": root}
        options |= {"LabApp.user_settings_dir": scratch / "user-settings"}
        options |= {"LabApp.workspaces_dir": scratch / "workspaces", "port": self.port}
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1"]
        command += ["--port-retries=0", "--allow-root", *(f"--{k}={v}" for k, v in options.items())]
        self.log = (scratch / "jupyterlab.log").open("w")
        self.process = subprocess.Popen(
            command, env=os.environ | env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while self.api("/api/status") is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterLab did not start; see {self.log.name}")
            time.sleep(0.5)

    def api(self, path: str, method: str = "GET"):
        headers = {"Authorization": f"token {self.token}"}
        request = urllib.request.Request(self.url + path, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or "{}")
        except OSError:
            return None

    def kernels_idle(self) -> bool:
        kernels = self.api("/api/kernels") or []
        return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)

    def shut_down_kernels(self) -> None:
        for kind in ("sessions", "kernels"):
            for item in self.api(f"/api/{kind}") or []:
                self.api(f"/api/{kind}/{item['id']}", method="DELETE")

    def stop(self) -> None:
        self.shut_down_kernels()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def copy_without_outputs(notebook: Path, copy: Path) -> None:
    """Copy `notebook` without outputs (every prompt reads `[ ]:` until its cell has run), its
    solutions opened (a collapsed cell shows no prompt) and its training shortened (SHORTER)."""
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell["metadata"].pop("jupyter", None)
        for tag, text, shorter in SHORTER:
            if tag in cell["metadata"].get("tags", []):
                source = "".join(cell["source"])
                assert text in source, (notebook.name, text)
                cell["source"] = source.replace(text, shorter)
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(json.dumps(nb, indent=1) + "\n")


@pytest.fixture(scope="module")
def committed():
    """Every file a run may publish in the checkout, before this module's tests ran."""
    return snapshot(ROOT)


@pytest.fixture(scope="module")
def lab(committed, tmp_path_factory):
    """JupyterLab on `build/browser/notebooks/`: the series, one that raises, 08 in `pad/`."""
    folder = WORK / "notebooks"
    for made in (folder, WORK / "figures"):  # this test's own, from its last run
        shutil.rmtree(made, ignore_errors=True)
    (WORK / "figures").mkdir(parents=True)
    for notebook in series():
        copy_without_outputs(notebook, folder / notebook.name)
    copy_without_outputs(FIXTURES / "raises.ipynb", folder / "99_raises.ipynb")
    copy_without_outputs(ROOT / "notebooks" / DRAWING_NOTEBOOK, folder / "pad" / DRAWING_NOTEBOOK)
    server = Lab(folder, tmp_path_factory.mktemp("jupyter"))
    try:
        yield server
    finally:
        server.stop()
        running = [" ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])]
        assert not [c for c in running if str(server.runtime) in c and "ipykernel" in c]


@pytest.fixture(scope="module")
def page(lab, browser):
    return browser.new_page(viewport={"width": 1400, "height": 1000})


def run_all_cells(lab: Lab, page, name: str) -> int:
    """Open `name` alone, Run All Cells from the menu, wait for the kernel; return the errors shown.

    A screenshot of the first error, or else of the notebook's top, goes to build/browser/."""
    lab.shut_down_kernels()  # the previous notebook's
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}&reset")  # reset: no tabs left open
    notebook = page.locator(".jp-NotebookPanel:visible")
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    kernel_idle = page.locator(".jp-StatusBar-Widget").get_by_text("| Idle")
    kernel_idle.wait_for(timeout=60_000)  # this notebook's kernel has started and is ready
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")
    deadline = time.monotonic() + CELL_TIMEOUT_S * max(prompts.count(), 1)
    while time.monotonic() < deadline:
        texts = [t.strip() for t in prompts.all_inner_texts()]
        errors = notebook.locator(ERROR_OUTPUT).count()
        finished = errors or texts and all(t not in ("[ ]:", "[*]:", "") for t in texts)
        if done := finished and kernel_idle.count() and lab.kernels_idle():
            break
        time.sleep(1)
    if errors:
        notebook.locator(ERROR_OUTPUT).first.scroll_into_view_if_needed()
    else:
        page.evaluate(
            "document.querySelectorAll('.jp-WindowedPanel-outer').forEach(e => e.scrollTop = 0)"
        )
        page.wait_for_timeout(500)
    page.screenshot(path=str(WORK / Path(name.replace("/", "-")).with_suffix(".png")))
    assert done, f"{name} did not finish: prompts {texts}"
    return errors


@pytest.mark.parametrize("notebook", [*(p.name for p in series()), "99_raises.ipynb"])
def test_notebook_runs_in_jupyterlab_without_errors(lab, page, notebook):
    errors = run_all_cells(lab, page, notebook)  # 99_raises: a cell that raises is shown, once
    assert errors == notebook.startswith("99_"), f"{notebook} shows {errors} error output(s)"


# Digits drawn with the mouse, in pad pixels (280x280): other shapes than the notebook's
# examples, each a list of strokes. The pen goes through every point in straight lines.
MOUSE_DIGITS = {
    "4": [[(160, 40), (70, 170), (215, 170)], [(170, 100), (170, 245)]],
    "6": [
        [(180, 45), (120, 80), (85, 150), (95, 215), (140, 240), (185, 210), (180, 160)]
        + [(130, 145), (90, 175)]
    ],
    "2": [[(75, 90), (95, 55), (140, 40), (185, 55), (200, 95), (180, 140), (75, 235), (210, 235)]],
}


def draw_with_the_mouse(page, canvas, strokes) -> None:
    """Draw `strokes` on the pad: press, move through each point, release, per stroke."""
    box = canvas.bounding_box()
    scale = box["width"] / 280
    for stroke in strokes:
        points = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()


def test_the_pad_reads_digits_drawn_with_the_mouse_and_clears(lab, page, axe_violations):
    assert run_all_cells(lab, page, f"pad/{DRAWING_NOTEBOOK}") == 0
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    found = {extension["name"] for extension in config["federated_extensions"]}
    disabled = [d for d in config["disabledExtensions"] if d.startswith(PAD_EXTENSIONS)]
    assert set(PAD_EXTENSIONS) <= found and not disabled, config
    sync_api.expect.set_options(timeout=30_000)  # for the kernel's reading
    pad = page.locator(".jp-NotebookPanel:visible .mnist17-pad").last
    pad.scroll_into_view_if_needed()
    canvas, digit_shown = pad.locator("canvas.pad"), pad.locator(".digit")
    probability, message = pad.locator(".probability"), pad.locator(".message")
    assert "draw a digit first" in message.inner_text()
    for digit, strokes in MOUSE_DIGITS.items():
        pad.get_by_role("button", name="Clear").click()
        sync_api.expect(pad).to_have_attribute("data-strokes-read", "0")
        draw_with_the_mouse(page, canvas, strokes)
        sync_api.expect(pad).to_have_attribute("data-strokes-read", str(len(strokes)))
        pad.screenshot(path=str(WORK / f"08-drawn-{digit}.png"))
        shown = [digit_shown.inner_text(), probability.inner_text()]
        assert shown[0] == digit, f"drew a {digit}, the page shows {shown}: 08-drawn-{digit}.png"
        assert re.fullmatch(r"probability \d+\.\d%", shown[1]), shown
        announced = pad.get_by_role("status").inner_text()
        assert announced.startswith(f"The network reads {digit}, with probability")
        assert pad.locator(f'rect[data-digit="{digit}"]').get_attribute("fill-opacity") == "1"
    found = axe_violations(page, ".mnist17-pad")  # contrast, names, roles: as JupyterLab shows it
    assert not found, "\n".join(found)
    assert pad.get_by_role("status").get_attribute("aria-live") == "polite"  # read out each time
    for key in ("Delete", "Backspace", "Escape"):  # the keyboard clears it too
        pad.get_by_role("button", name="Clear").click()
        draw_with_the_mouse(page, canvas, MOUSE_DIGITS["4"])
        sync_api.expect(pad).to_have_attribute("data-strokes-read", "2")
        canvas.focus()
        page.keyboard.press(key)
        sync_api.expect(pad).to_have_attribute("data-strokes-read", "0")
    assert canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
        ".every((v, i) => i % 4 === 3 || v === 0)"
    ), "the pad is not blank"
    assert [digit_shown.inner_text(), probability.inner_text()] == ["–", ""]
    assert "draw a digit first" in message.inner_text()
    draw_with_the_mouse(page, canvas, [[(140, 140)]])  # a click: a dot, not a digit
    sync_api.expect(pad).to_have_attribute("data-strokes-read", "1")
    assert "only a dot" in message.inner_text() and digit_shown.inner_text() == "–"
    pad.screenshot(path=str(WORK / "08-drawn-dot.png"))
    assert page.locator(f".jp-NotebookPanel:visible {ERROR_OUTPUT}").count() == 0


def test_committed_notebooks_figures_and_results_are_untouched(committed):
    # Runs last: JupyterLab, its kernels and their figures and results wrote only to build/.
    assert snapshot(ROOT) == committed
