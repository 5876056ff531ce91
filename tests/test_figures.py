"""Every figure of the series, as the reader sees it, compared with the committed PNG.

nbval (the notebooks/ part of `make test`) re-runs the notebooks, which write their figures to
the test output folder; each is compared here with `figures/<name>.png` by matplotlib's own
image comparison (`compare_images`: the RMS of the pixel difference, 0..255).

Figures drawn from the data or the model's structure alone must match exactly. Figures drawn from
training results may differ a little from machine to machine; their tolerance is measured:
`measured` is the largest RMS that `make test-portable` saw over the emulated machines (oneDNN
and XLA limited to smaller CPUs, one thread, another Python), and the tolerance leaves a margin
above it while staying below what a reader would see as another figure (a changed label, a
missing curve, another colormap: see the closing notes of the figure-check issue).

On a failure the committed, the new and the difference images are kept in
`build/test/figure-diffs/` (named in the message).

The picture a committed notebook shows is the same drawing as its file: `save_fig` makes Jupyter
display figures uncropped at the file's dpi, and a test below demands identical pixels, so a
checked file means a checked notebook picture too.
"""

import base64
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from matplotlib.image import imread
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure
from test_results import figure_names, produced

from mnist17.paths import ROOT, display_path, output_root
from mnist17.run_all import series

REPORT_FILE = "figure-differences.json"


@dataclass(frozen=True)
class FigureCheck:
    """Pixel size (width, height) of a figure, and how far (RMS) it may drift."""

    size: tuple[int, int] | None  # None: sized to its content (nn1-2, the model summary)
    tolerance: float = 0.0
    measured: float = 0.0
    drawn_from: str = "data"


# Figures drawn from training results: tolerance = 3 x measured, at least 0.05. Measured with
# `make test-portable` on an AMD EPYC with AVX-512 (oneDNN limited to AVX2 and AVX, XLA to AVX2
# and SSE4.2, both to AVX2, one thread, Python 3.12 and 3.13): only nn1-3 moved (the loss curves
# shift by a fraction of a pixel, RMS 0.0037). The smallest change a reader would notice that
# `make test-breakages` makes is 60 times above 0.05: nn1's mistakes titled in green instead of
# red, RMS 3.0 (a changed axis label: 7.4; swapped legend labels: 7.8).
FIGURES = {
    "nn1": FigureCheck((1200, 420), 0.05, 0.0, "predictions: first 16 test digits"),
    "nn1-1": FigureCheck((1600, 600), 0.0, 0.0, "data: first 20 training digits"),
    "nn1-2": FigureCheck(None, 0.0, 0.0, "model structure: summary table"),
    "nn1-3": FigureCheck((800, 500), 0.05, 0.0037, "history: loss curves"),
    "nn1-4": FigureCheck((800, 500), 0.05, 0.0, "history: accuracy curves"),
    "nn1-5": FigureCheck((800, 500), 0.05, 0.0, "predictions: probabilities of one digit"),
    "nn1-6": FigureCheck((300, 300), 0.0, 0.0, "data: first test digit"),
    "nn1-7": FigureCheck((800, 800), 0.05, 0.0, "predictions: confusion matrix"),
    "nn1-8": FigureCheck((1600, 400), 0.05, 0.0, "predictions: first 20 mistakes"),
    "nn1-9": FigureCheck((1500, 840), 0.05, 0.0, "predictions: five digits drawn from strokes"),
}


def fresh_figure(name: str) -> Path:
    """The figure that nbval's run of the notebooks just drew (see test_results.produced)."""
    return produced(f"figures/{name}.png")


def record(name: str, rms: float) -> None:
    """Add this figure's RMS to the session's report (read by `make test-portable`)."""
    report = output_root() / REPORT_FILE
    found = json.loads(report.read_text()) if report.exists() else {}
    found[name] = {"rms": rms, "tolerance": FIGURES[name].tolerance}
    report.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_has_its_size_and_is_not_blank(name):
    committed = ROOT / "figures" / f"{name}.png"
    assert committed.exists(), f"figures/{name}.png is missing: run `make run-all`"
    for image in (imread(committed), imread(fresh_figure(name))):
        height, width = image.shape[:2]
        assert (width, height) == (FIGURES[name].size or imread(committed).shape[1::-1])
        assert image[..., :3].std() > 0.05, f"{name}.png is (nearly) blank"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_looks_like_the_committed_one(name):
    check = FIGURES[name]
    keep = output_root() / "figure-diffs"
    keep.mkdir(exist_ok=True)
    expected, actual = keep / f"{name}-committed.png", keep / f"{name}-new.png"
    shutil.copyfile(ROOT / "figures" / f"{name}.png", expected)
    shutil.copyfile(fresh_figure(name), actual)
    try:
        # tol=0 makes compare_images report the RMS of any difference (None: identical pixels).
        result = compare_images(str(expected), str(actual), tol=0, in_decorator=True)
    except ImageComparisonFailure as error:
        record(name, float("inf"))
        pytest.fail(f"figures/{name}.png ({check.drawn_from}) changed size: {error}")
    rms = 0.0 if result is None else float(result["rms"])
    record(name, rms)
    kind = "must be identical" if check.tolerance == 0 else f"tolerance {check.tolerance}"
    assert rms <= check.tolerance, (
        f"figures/{name}.png ({check.drawn_from}) differs from the committed one: RMS {rms:.3f} "
        f"({kind}, {check.measured} measured on emulated machines). Look at "
        f"{display_path(expected)}, {display_path(actual)} and "
        f"{display_path(actual.with_name(actual.stem + '-failed-diff.png'))}"
    )
    expected.unlink()
    actual.unlink()


def test_every_figure_the_notebooks_save_is_checked():
    assert figure_names() == set(FIGURES)


def embedded_figures() -> list[tuple[str, str, str]]:
    """(notebook, figure name, base64 PNG) for each committed cell that saves and shows a figure."""
    found = []
    for path in series():
        for cell in json.loads(path.read_text())["cells"]:
            names = re.findall(r'save_fig\("([\w-]+)"\)', "".join(cell.get("source", "")))
            images = [
                o["data"]["image/png"]
                for o in cell.get("outputs", [])
                if "image/png" in o.get("data", {})
            ]
            if names and images:
                found.append((path.name, names[0], images[0]))
    return found


@pytest.mark.parametrize(
    ("notebook", "name", "png"), [pytest.param(*e, id=e[1]) for e in embedded_figures()]
)
def test_the_picture_in_the_notebook_is_the_committed_file(notebook, name, png, tmp_path):
    shown = tmp_path / f"{name}-in-notebook.png"
    shown.write_bytes(base64.b64decode(png))
    try:
        result = compare_images(str(ROOT / "figures" / f"{name}.png"), str(shown), tol=0)
    except ImageComparisonFailure as error:  # another size: cropped, or another dpi
        result = str(error)
    assert result is None, (
        f"{notebook} shows another {name} than figures/{name}.png: {result}. Regenerate both "
        "with `make run-all`."
    )


def test_every_figure_but_the_summary_table_is_shown_in_its_notebook():
    assert {name for _, name, _ in embedded_figures()} == set(FIGURES) - {"nn1-2"}
