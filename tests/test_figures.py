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

import pytest
from helpers import ROOT, code_cells, figure_rms, notebooks
from matplotlib.image import imread
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure

from mnist17.paths import display_path
from mnist17_tools.series import series
from mnist17_tools.tolerances import FIGURES

REPORT_FILE = "figure-differences.json"


def record(folder, name: str, rms: float) -> None:
    """Add this figure's RMS to the session's report (read by `make test-portable`)."""
    report = folder / REPORT_FILE
    found = json.loads(report.read_text()) if report.exists() else {}
    found[name] = {"rms": rms, "tolerance": FIGURES[name].tolerance}
    report.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


def figure_names() -> set[str]:
    """The figures that the README and the reference pages show, and the notebooks save."""
    names = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        names |= set(re.findall(r"figures/(nn1[\w-]*)\.png", page.read_text()))
    for nb in notebooks():
        for cell in code_cells(nb):
            names |= set(
                re.findall(
                    r"save_(?:fig|model_summary)\((?:\w+, )?\"([\w-]+)\"", "".join(cell["source"])
                )
            )
    return names


def test_readme_and_notebooks_name_every_figure_of_the_post():
    assert {"nn1", "nn1-1", "nn1-2", "nn1-3", "nn1-4", "nn1-5", "nn1-6"} <= figure_names()


def test_every_named_figure_is_committed():
    missing = [n for n in sorted(figure_names()) if not (ROOT / "figures" / f"{n}.png").exists()]
    assert missing == []


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_has_its_size_and_is_not_blank(name, series_run):
    committed = ROOT / "figures" / f"{name}.png"
    assert committed.exists(), f"figures/{name}.png is missing: run `make run-all`"
    for image in (imread(committed), imread(series_run / "figures" / f"{name}.png")):
        height, width = image.shape[:2]
        assert (width, height) == (FIGURES[name].size or imread(committed).shape[1::-1])
        assert image[..., :3].std() > 0.05, f"{name}.png is (nearly) blank"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_looks_like_the_committed_one(name, series_run):
    check = FIGURES[name]
    keep = series_run / "figure-diffs"
    rms = figure_rms(name, series_run, keep)
    record(series_run, name, rms)
    if rms == float("inf"):
        pytest.fail(f"figures/{name}.png ({check.drawn_from}) changed size")
    kind = "must be identical" if check.tolerance == 0 else f"tolerance {check.tolerance}"
    expected, actual = keep / f"{name}-committed.png", keep / f"{name}-new.png"
    assert rms <= check.tolerance, (
        f"figures/{name}.png ({check.drawn_from}) differs from the committed one: RMS {rms:.3f} "
        f"({kind}, {check.measured} measured on other machines). Look at "
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


def figure_cells() -> list[tuple[str, dict]]:
    """(notebook, cell) for every code cell of the series that shows a picture."""
    return [
        (path.stem, cell)
        for path in series()
        for cell in code_cells(json.loads(path.read_text()))
        if any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
    ]


def test_every_figure_in_the_notebooks_has_a_text_alternative():
    cells = figure_cells()
    assert len(cells) >= len(FIGURES) - 1  # every figure but nn1-2, and the solutions' figures
    for notebook, cell in cells:
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        first = "".join(cell["source"]).splitlines()[0]
        assert len(alt.split()) >= 8, f"{notebook}, cell {first!r}: no text alternative"


def test_save_fig_refuses_text_smaller_than_the_notebooks_body_text(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mnist17.figures import BODY_TEXT_PX, readable_figures, save_fig

    monkeypatch.setenv("MNIST17_OUTPUT_DIR", str(tmp_path))
    with plt.rc_context():
        plt.rcParams["font.size"] = 10  # matplotlib's default: 13.9 px at 100 dpi
        fig, ax = plt.subplots(figsize=(8, 5))
        ax.axis("off")
        fig.text(0.5, 0.5, "too small")
        with pytest.raises(
            ValueError, match=rf"{BODY_TEXT_PX} px body text.*'too small' \(13.9 px\)"
        ):
            save_fig("small", fig)
        plt.close(fig)
        readable_figures()
        assert plt.rcParams["image.interpolation"] == "nearest"  # the same pixels on ARM
        fig, ax = plt.subplots(figsize=(8, 5))
        ax.axis("off")
        fig.text(0.5, 0.5, "readable")
        save_fig("readable", fig)  # 11 pt: 15.3 px
        plt.close(fig)
        # The same text on a figure 1600 px wide, which the notebook shows at 1000 px: 9.5 px.
        fig, ax = plt.subplots(figsize=(16, 5))
        ax.axis("off")
        fig.text(0.5, 0.5, "shrunk")
        with pytest.raises(ValueError, match=r"'shrunk' \(9.5 px\)"):
            save_fig("wide", fig)
        plt.close(fig)
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["readable.png"]
