"""Every figure of the series, as the reader sees it, compared with the committed PNG.

`make test` runs nbval over a copy of the notebooks in build/test/, whose figures land in
build/test/figures/; each is compared with `figures/<name>.png` by matplotlib's image comparison
(the RMS of the pixel difference, 0..255). Figures drawn from the data, the model's structure or
the sweep's committed results must be identical; those drawn from training may move by the float
noise of another CPU: RMS 0.0043 measured (nn1-3, an AMD EPYC without AVX-512), against 3.0 for
the smallest change a reader notices (nn1's mistakes titled in green): the tolerance is 0.05.
A failure keeps the committed, the new and the difference image in build/test/figure-diffs/.
"""

import base64
import json
import re

import pytest
from helpers import code_cells, notebooks, source_of
from matplotlib.testing.compare import compare_images

from mnist17_tools import ROOT, series

RUN = ROOT / "build" / "test"
TRAINED = {"nn1", "nn1-3", "nn1-4", "nn1-5", "nn1-7", "nn1-8", "nn1-9"}  # drawn from training
TOLERANCE = 0.05
SAVED = re.compile(r'save_(?:fig|model_summary)\((?:\w+, )?"([\w-]+)"')


def saved() -> list[str]:
    """The figures the notebooks save, by the post's names."""
    return sorted(
        {n for nb in notebooks() for c in code_cells(nb) for n in SAVED.findall(source_of(c))}
    )


def test_every_saved_figure_is_committed_and_the_post_s_are_there():
    assert {"nn1", "nn1-1", "nn1-2", "nn1-3", "nn1-4", "nn1-5", "nn1-6"} <= set(saved())
    assert sorted(p.stem for p in (ROOT / "figures").glob("*.png")) == saved()


@pytest.mark.parametrize("name", saved())
def test_figure_looks_like_the_committed_one(name):
    new = RUN / "figures" / f"{name}.png"
    assert new.exists(), f"{new} is missing: run `make test`, whose nbval run draws it"
    keep = RUN / "figure-diffs"
    keep.mkdir(exist_ok=True)
    expected, actual = keep / f"{name}-committed.png", keep / f"{name}-new.png"
    expected.write_bytes((ROOT / "figures" / f"{name}.png").read_bytes())
    actual.write_bytes(new.read_bytes())
    tolerance = TOLERANCE if name in TRAINED else 0
    result = compare_images(str(expected), str(actual), tol=tolerance, in_decorator=True)
    assert result is None, (
        f"figures/{name}.png differs from the new drawing: RMS {result['rms']:.3f} (tolerance "
        f"{tolerance}). Look at {result['expected']}, {result['actual']} and {result['diff']}"
    )


def embedded() -> list[tuple[str, str, str]]:
    """(notebook, figure name, base64 PNG) for each committed cell that saves and shows one."""
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
    ("notebook", "name", "png"), [pytest.param(*e, id=e[1]) for e in embedded()]
)
def test_the_picture_in_the_notebook_is_the_committed_file(notebook, name, png, tmp_path):
    shown = tmp_path / f"{name}.png"
    shown.write_bytes(base64.b64decode(png))
    result = compare_images(str(ROOT / "figures" / f"{name}.png"), str(shown), tol=0)
    assert result is None, f"{notebook} shows another {name} than figures/{name}.png: {result}"


def test_every_figure_in_the_notebooks_has_a_text_alternative():
    for nb in notebooks():
        for cell in code_cells(nb):
            if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
                alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
                assert len(alt.split()) >= 8, f"no text alternative: {source_of(cell)[:60]!r}"


def test_save_fig_refuses_text_smaller_than_the_notebooks_body_text(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from mnist17 import readable_figures, save_fig

    monkeypatch.chdir(tmp_path)
    with plt.rc_context():
        plt.rcParams["font.size"] = 10  # matplotlib's default: 13.9 px at 100 dpi
        fig = plt.figure(figsize=(8, 5))
        fig.text(0.5, 0.5, "too small")
        with pytest.raises(ValueError, match=r"14 px body text.*'too small' \(13.9 px\)"):
            save_fig("small", fig)
        readable_figures()
        fig = plt.figure(figsize=(8, 5))
        fig.text(0.5, 0.5, "readable")
        save_fig("readable", fig)  # 11 pt: 15.3 px
        fig = plt.figure(figsize=(16, 5))  # shown 1000 px wide: the text shrinks to 9.5 px
        fig.text(0.5, 0.5, "shrunk")
        with pytest.raises(ValueError, match=r"'shrunk' \(9.5 px\)"):
            save_fig("wide", fig)
        plt.close("all")
    assert [p.name for p in (tmp_path / "figures").iterdir()] == ["readable.png"]
