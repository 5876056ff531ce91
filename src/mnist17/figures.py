"""`save_fig(name)`: every figure of the post goes to `figures/<name>.png` at one fixed size.

Files keep the post's names (`nn1-1.png` ...) and go to `figures/` beside the notebooks' folder in
a checkout, else to `figures/` in the working folder; no timestamp is stored, so an unchanged
figure gives an unchanged file. In Jupyter, the notebook then shows the figure uncropped, the same
pixels as the file. Figure text is never smaller than the notebook's body text (14 px in
JupyterLab) at the width the notebook shows it: `save_fig` refuses it otherwise, naming the text.
"""

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text

FIGURE_DPI = 100
# JupyterLab's body text (--jp-content-font-size1) and the widest a figure is shown 1:1 in a
# notebook on a 1280-pixel-wide screen (sidebar tabs and prompts take the rest); a wider figure is
# scaled down to fit, and its text with it.
BODY_TEXT_PX = 14
SHOWN_WIDTH_PX = 1000
READABLE_FONT_SIZE = 11  # points: 15.3 px at FIGURE_DPI


def figure_path(name: str) -> Path:
    """Where `save_fig(name)` writes: `../figures/<name>.png` in a checkout, else `figures/`."""
    folder = Path("../figures") if Path("../figures").is_dir() else Path("figures")
    folder.mkdir(exist_ok=True)
    return folder / f"{name}.png"


def readable_figures() -> None:
    """Draw the figures that follow with text no smaller than the notebook's body text, and each
    pixel of an image as a square of the same grey on every computer."""
    plt.rcParams["font.size"] = READABLE_FONT_SIZE
    # matplotlib smooths an image shown at less than 3 screen pixels per pixel (a 28x28 digit in a
    # row of ten 1000 px wide), and that smoothing rounds differently on ARM than on x86-64:
    # nn1-1.png differed on Linux on ARM (RMS 0.007). Square pixels are the same everywhere.
    plt.rcParams["image.interpolation"] = "nearest"


def text_too_small(figure: Figure) -> list[str]:
    """The texts of `figure` smaller than `BODY_TEXT_PX` when a notebook shows it, with sizes."""
    width_px = figure.get_figwidth() * FIGURE_DPI
    scale = min(1.0, SHOWN_WIDTH_PX / width_px)
    small = []
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        shown_px = text.get_fontsize() * FIGURE_DPI / 72 * scale
        if shown_px < BODY_TEXT_PX - 0.05:
            small.append(f"{text.get_text()!r} ({shown_px:.1f} px)")
    return small


def save_fig(name: str, fig: Figure | None = None) -> None:
    """Save `fig` (default: the current figure) as `figures/<name>.png` at `FIGURE_DPI`."""
    figure = fig if fig is not None else plt.gcf()
    if small := text_too_small(figure):
        raise ValueError(
            f"figure {name!r}: text smaller than the notebook's {BODY_TEXT_PX} px body text when "
            f"shown at most {SHOWN_WIDTH_PX} px wide: {', '.join(small[:5])}. Call "
            "readable_figures() before drawing, or make the figure narrower or its text larger."
        )
    figure.savefig(figure_path(name), format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    _show_figures_uncropped()


def _show_figures_uncropped() -> None:
    """Make Jupyter's inline backend draw figures whole, as `save_fig` writes them: it crops them
    to a tight box by default, and the notebook would then show other pixels than the file."""
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # not in Jupyter's kernel
        return
    if InlineBackend.initialized():
        backend = InlineBackend.instance()
        if backend.print_figure_kwargs.get("bbox_inches") is not None:
            # Assigning the dict (not updating it) re-registers the PNG formatter.
            backend.print_figure_kwargs = {**backend.print_figure_kwargs, "bbox_inches": None}


def save_model_summary(model, name: str, *, fontsize: float = READABLE_FONT_SIZE) -> None:
    """Save `model.summary()` as the picture `figures/<name>.png`, as the post shows it."""
    from IPython.utils.capture import capture_output

    lines: list[str] = []
    with capture_output():  # in Jupyter, rich would also display an empty output cell
        model.summary(print_fn=lambda text, line_break=True: lines.append(text))
    text = "\n".join(lines).rstrip("\n")
    rows = text.split("\n")
    width = max(len(row) for row in rows) * fontsize * 0.62 / 72 + 0.4
    height = len(rows) * fontsize * 1.25 / 72 + 0.4
    # A Figure made without pyplot is not displayed in the notebook: only the file is written.
    fig = Figure(figsize=(width, height), facecolor="white")
    fig.text(
        0.2 / width,
        1 - 0.2 / height,
        text,
        family="DejaVu Sans Mono",
        fontsize=fontsize,
        va="top",
        ha="left",
        linespacing=1.25,
    )
    save_fig(name, fig)
