"""Every notebook runs in JupyterLab in a real browser, as readers use it (`make test-browser`).

JupyterLab starts from the venv on a free port of 127.0.0.1 with a generated token and its own
temporary settings, runtime and workspace folders; its kernels get the environment that `make`
gives this test (the Makefile's KERNEL_ENV: offline MNIST, quiet TensorFlow). Headless Chromium
(Debian's, driven by Playwright) opens each notebook in order, runs Run > Run All Cells from the
menu, waits for the kernel to finish, and checks that no error is shown. A screenshot of each
notebook's top goes to `build/browser/`.

Then notebook 08's drawing pad is used as a reader uses it: Playwright's mouse draws digits on
its canvas, and the digit the page shows (and announces to screen readers) must be the one drawn;
a dot gets its message, and Clear, or Delete on the focused pad, empties the pad and the reading.
A screenshot of the pad with each reading goes to `build/browser/` too.

JupyterLab works on copies of the notebooks in `build/browser/notebooks/`, so that its autosave
never rewrites the committed ones and their figures and `trained/` land in `build/browser/`. 04 and
07 train 2 epochs instead of 50 (nbval runs them in full): the pad runs in a folder of its own,
where 04 has not run, and reads with the trained network that comes with the helper package.
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

import pytest
from helpers import FIXTURES, ROOT, free_port, snapshot

from mnist17_tools import series

sync_api = pytest.importorskip("playwright.sync_api", reason="make test-browser installs it")

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WORK = ROOT / "build" / "browser"
DRAWING_NOTEBOOK = "08_draw_a_digit.ipynb"
CELL_TIMEOUT_S = 300
ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# What each copy trains less than the committed notebook: (tag of the cell, the text, its stand-in).
SHORTER = [("parameters", "epochs = 50", "epochs = 2"), ("the-17-lines", "epochs=50", "epochs=2")]


class Lab:
    """A JupyterLab server of our own; `stop()` ends it and every kernel it started."""

    def __init__(self, root: Path, scratch: Path):
        self.root, self.token, self.port = root, secrets.token_hex(16), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime = scratch / "runtime"
        settings = scratch / "user-settings"
        tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        tracker.parent.mkdir(parents=True)
        # Render every cell (no virtual scrolling), so that every output is in the page.
        tracker.write_text(json.dumps({"windowingMode": "none"}))
        news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        news.parent.mkdir(parents=True)
        news.write_text(json.dumps({"fetchNews": "false"}))  # no pop-up over the notebook
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(scratch / "config"),
            "JUPYTER_DATA_DIR": str(scratch / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.runtime),
        }
        self.log = (scratch / "jupyterlab.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                "--port-retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.user_settings_dir={settings}",
                f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
            ]
            + (["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while self.api("/api/status") is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterLab did not start; see {self.log.name}")
            time.sleep(0.5)

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                return json.loads(body) if body else {}
        except OSError:
            return None

    def kernels_idle(self) -> bool:
        kernels = self.api("/api/kernels") or []
        return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)

    def shut_down_kernels(self) -> None:
        for session in self.api("/api/sessions") or []:
            self.api(f"/api/sessions/{session['id']}", method="DELETE")
        for kernel in self.api("/api/kernels") or []:
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

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


def leftover_kernels(runtime: Path) -> list[str]:
    """Command lines of kernel processes still running from this server's runtime folder."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(runtime) in cmdline and "ipykernel" in cmdline:
            found.append(cmdline)
    return found


def copy_without_outputs(notebook: Path, copy: Path) -> None:
    """Copy `notebook` without its outputs, solutions opened and training shortened (SHORTER).

    Without the committed outputs, every prompt reads ``[ ]:`` until its cell has run, so the
    test can tell when Run All has really finished.
    """
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        # A collapsed cell (an exercise's solution) shows no prompt to wait for: open it.
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
def workspace(committed) -> Path:
    """`build/browser/notebooks/`: the series' copies, a notebook that raises, and 08 in `pad/`."""
    folder = WORK / "notebooks"
    shutil.rmtree(folder, ignore_errors=True)  # this test's own copies, from its last run
    shutil.rmtree(WORK / "figures", ignore_errors=True)
    (WORK / "figures").mkdir(parents=True)
    for notebook in series():
        copy_without_outputs(notebook, folder / notebook.name)
    copy_without_outputs(FIXTURES / "raises.ipynb", folder / "99_raises.ipynb")
    copy_without_outputs(ROOT / "notebooks" / DRAWING_NOTEBOOK, folder / "pad" / DRAWING_NOTEBOOK)
    return folder


@pytest.fixture(scope="module")
def lab(workspace, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("jupyter")
    server = Lab(workspace, scratch)
    try:
        yield server
    finally:
        server.stop()
        assert leftover_kernels(server.runtime) == [], "kernels left running"


@pytest.fixture(scope="module")
def page(lab):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def run_all_cells(
    lab: Lab, page, name: str, screenshot: Path | None = None, keep_kernel: bool = False
) -> int:
    """Open `name`, Run All Cells from the menu, wait for the kernel; return the errors shown.

    The kernel is shut down afterwards unless `keep_kernel` (to go on using the notebook)."""
    # `reset`: a fresh workspace, not the tabs (and kernels) of the previous notebook.
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}&reset")
    notebook = page.locator(".jp-NotebookPanel:visible")
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    kernel_idle = page.locator(".jp-StatusBar-Widget").get_by_text("| Idle")
    kernel_idle.wait_for(timeout=60_000)  # this notebook's kernel has started and is ready
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")
    deadline = time.monotonic() + CELL_TIMEOUT_S * max(prompts.count(), 1)
    while True:
        texts = [t.strip() for t in prompts.all_inner_texts()]
        errors = notebook.locator(ERROR_OUTPUT).count()
        finished = texts and all(t not in ("[ ]:", "[*]:", "") for t in texts)
        if (finished or errors) and kernel_idle.count() and lab.kernels_idle():
            break
        if time.monotonic() > deadline:
            page.screenshot(path=str(WORK / f"{Path(name).stem}-timed-out.png"))
            pytest.fail(f"{name} did not finish: prompts {texts}")
        time.sleep(1)
    if errors and screenshot is not None:  # show the reader's view of the first error
        notebook.locator(ERROR_OUTPUT).first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot.with_name(f"{screenshot.stem}-error.png")))
    if screenshot is not None:
        page.evaluate(
            "document.querySelectorAll('.jp-WindowedPanel-outer').forEach(e => e.scrollTop = 0)"
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshot))
    if not keep_kernel:
        lab.shut_down_kernels()
    return errors


def test_the_pads_lab_extensions_are_enabled(lab, page):
    page.goto(f"{lab.url}/lab?token={lab.token}")
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    found = {extension["name"] for extension in config["federated_extensions"]}
    for name in ("anywidget", "@jupyter-widgets/jupyterlab-manager"):
        assert name in found, sorted(found)
        assert not [d for d in config["disabledExtensions"] if d.startswith(name)], config


@pytest.mark.parametrize("notebook", [p.name for p in series()])
def test_notebook_runs_in_jupyterlab_without_errors(lab, page, notebook):
    screenshot = WORK / f"{Path(notebook).stem}.png"
    errors = run_all_cells(lab, page, notebook, screenshot)
    assert errors == 0, f"{notebook} shows {errors} error output(s) in JupyterLab"


def test_a_notebook_that_raises_is_reported(lab, page):
    # The check above must be able to fail: a notebook whose cell raises shows its error.
    assert run_all_cells(lab, page, "99_raises.ipynb") == 1


def test_committed_notebooks_figures_and_results_are_untouched(committed):
    assert snapshot(ROOT) == committed


# --- notebook 08: drawing on the pad with the mouse -----------------------------------------

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


def draw_with_the_mouse(page, pad_canvas, strokes) -> None:
    """Draw `strokes` on the pad: press, move through each point, release, per stroke."""
    box = pad_canvas.bounding_box()
    scale = box["width"] / 280
    for stroke in strokes:
        points = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()


def wait_for_reading(pad, strokes: int) -> None:
    """Wait until the page shows the kernel's reading of the first `strokes` strokes."""
    pad.locator(f'xpath=self::*[@data-strokes-read="{strokes}"]').wait_for(timeout=30_000)


def pad_is_blank(pad_canvas) -> bool:
    return pad_canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
        ".every((v, i) => i % 4 === 3 || v === 0)"
    )


def test_digits_drawn_with_the_mouse_are_read_right_and_clear_resets(lab, page):
    assert run_all_cells(lab, page, f"pad/{DRAWING_NOTEBOOK}", keep_kernel=True) == 0
    try:
        notebook = page.locator(".jp-NotebookPanel:visible")
        pad = notebook.locator(".mnist17-pad").last
        pad.scroll_into_view_if_needed()
        canvas, clear = pad.locator("canvas.pad"), pad.get_by_role("button", name="Clear")
        digit_shown = pad.locator(".digit")
        assert "draw a digit first" in pad.locator(".message").inner_text()
        for digit, strokes in MOUSE_DIGITS.items():
            clear.click()
            wait_for_reading(pad, 0)
            draw_with_the_mouse(page, canvas, strokes)
            wait_for_reading(pad, len(strokes))
            pad.screenshot(path=str(WORK / f"08-drawn-{digit}.png"))
            probability = pad.locator(".probability").inner_text()
            assert digit_shown.inner_text() == digit, f"drew a {digit}, the page shows " + (
                f"{digit_shown.inner_text()} ({probability}); see 08-drawn-{digit}.png"
            )
            assert re.fullmatch(r"probability \d+\.\d%", probability), probability
            announced = pad.get_by_role("status").inner_text()
            assert announced.startswith(f"The network reads {digit}, with probability")
            assert pad.locator(f'rect[data-digit="{digit}"]').get_attribute("fill-opacity") == "1"
        canvas.focus()  # the keyboard clears it too
        page.keyboard.press("Delete")
        wait_for_reading(pad, 0)
        assert pad_is_blank(canvas)
        assert digit_shown.inner_text() == "–" and pad.locator(".probability").inner_text() == ""
        assert "draw a digit first" in pad.locator(".message").inner_text()
        draw_with_the_mouse(page, canvas, [[(140, 140)]])  # a click: a dot, not a digit
        wait_for_reading(pad, 1)
        assert "only a dot" in pad.locator(".message").inner_text()
        assert digit_shown.inner_text() == "–"
        pad.screenshot(path=str(WORK / "08-drawn-dot.png"))
        assert notebook.locator(ERROR_OUTPUT).count() == 0
    finally:
        lab.shut_down_kernels()
