"""`DigitPad`: draw a digit in JupyterLab and watch the trained network read it (notebook 08).

An anywidget whose front end (`digit_pad.js`, `digit_pad.css`, shipped inside this package: no
build step, nothing fetched at run time) shows a 280x280 pad, the 28x28 image the network
receives and the ten probabilities. The browser only sends the pen strokes; the kernel draws
them with `mnist17.digits`, so the pad and the headless examples share one code path.
"""

import os
from collections.abc import Sequence
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from mnist17.digits import EMPTY_PAD, DrawingError, Stroke, mnist_input, render_strokes

FRONT_END = Path(__file__).with_name("digit_pad.js")
STYLE = Path(__file__).with_name("digit_pad.css")
# Where the pad's front end may not show, one line says where it does.
NOT_SHOWN = {
    "KAGGLE_KERNEL_RUN_TYPE": "On Kaggle the pad may not show: its JupyterLab may lack anywidget's "
    "front end. The digits above were read all the same; to draw, open this notebook on Colab.",
    "CODESPACES": "In a codespace, VS Code's notebook editor may not show the pad (anywidget#684): "
    "run `make lab` and open this notebook in JupyterLab (port 8888 is forwarded).",
}
PLAIN_TEXT = (
    "[the drawing pad: run this cell in a live notebook, such as JupyterLab, to draw on it]"
)


class DigitPad(anywidget.AnyWidget):
    """A drawing pad that shows what `model` reads after every stroke.

    `draw(strokes)` and `clear()` do from Python what the mouse and the Clear button do, so the
    pad also works without a browser. Input that is not a digit shows a message, never a
    traceback: an error while reading a drawing must not break the pad or the kernel.
    """

    _esm = FRONT_END
    _css = STYLE

    strokes = traitlets.List().tag(sync=True)  # [[[x, y], ...], ...] in pad pixels
    pixels = traitlets.List().tag(sync=True)  # the 784 inputs in 0..1, rounded to 3 decimals
    probabilities = traitlets.List().tag(sync=True)  # ten floats, empty when nothing was read
    digit = traitlets.Int(-1).tag(sync=True)  # the predicted digit, -1 when nothing was read
    message = traitlets.Unicode(EMPTY_PAD).tag(sync=True)
    strokes_read = traitlets.Int(0).tag(sync=True)  # how many strokes the shown result is for

    def __init__(self, model, **kwargs) -> None:
        super().__init__(**kwargs)
        self._model = model
        self.observe(self._read, names="strokes")
        for variable, note in NOT_SHOWN.items():  # variables the hosts set
            if os.environ.get(variable):
                print(note)

    def draw(self, strokes: Sequence[Stroke]) -> None:
        """Replace the drawing with `strokes` (lists of [x, y] points on the 280x280 pad)."""
        self.strokes = [[list(point) for point in stroke] for stroke in strokes]

    def clear(self) -> None:
        """Empty the pad, as its Clear button does."""
        self.strokes = []

    def reading(self) -> str:
        """What the pad shows, in words: the digit and its probability, or the message."""
        if self.digit < 0:
            return self.message
        return f"read as {self.digit} with probability {self.probabilities[self.digit]:.4f}"

    def _read(self, change=None) -> None:
        strokes = self.strokes
        try:
            model_input = mnist_input(render_strokes(strokes))
            probabilities = self._model.predict(model_input, verbose=0)[0]
        except DrawingError as error:
            self._show(strokes, message=str(error))
        except Exception as error:  # a widget callback must not raise: say it in the pad
            self._show(
                strokes,
                message=f"Could not read this drawing ({type(error).__name__}: {error}). "
                "Clear the pad and draw again.",
            )
        else:
            self._show(strokes, model_input, probabilities)

    def _show(self, strokes, model_input=None, probabilities=None, message: str = "") -> None:
        with self.hold_sync():  # one update for the browser, not six
            if probabilities is None:
                self.pixels, self.probabilities, self.digit = [], [], -1
            else:
                self.pixels = np.round(model_input[0], 3).tolist()
                self.probabilities = [float(p) for p in probabilities]
                self.digit = int(np.argmax(probabilities))
            self.message = message
            self.strokes_read = len(strokes)

    def __repr__(self) -> str:
        return PLAIN_TEXT

    def _repr_mimebundle_(self, **kwargs):
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = PLAIN_TEXT  # what a saved notebook shows (widget state is not saved)
        return data, metadata
