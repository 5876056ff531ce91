"""Notebook 08's drawing pad (mnist17.drawing_pad): the kernel side, and what its front end ships.

The pad is driven here as the browser drives it (`set_state`, what ipywidgets does with each
message from the page) with a recording stand-in for the model, so each case is exact; the
trained model reading drawn digits is checked by nbval on notebook 08 and, drawn with a real
mouse in JupyterLab, by `make test-browser`.
"""

import re

import numpy as np
import pytest

from mnist17.digits import CANVAS_SIZE, EMPTY_PAD, STROKE_WIDTH, mnist_input, render_strokes
from mnist17.drawing_pad import FRONT_END, PLAIN_TEXT, STYLE, DigitPad

SEVEN = [[[70, 50], [210, 50], [120, 240]]]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class RecordingModel:
    """Answers `predict` with fixed probabilities favouring `digit`, and keeps what it was given."""

    def __init__(self, digit: int = 7, fail: Exception | None = None):
        self.inputs, self.fail = [], fail
        self.probabilities = np.full(10, 0.02, dtype=np.float32)
        self.probabilities[digit] = 0.82

    def predict(self, x, verbose="auto"):
        self.inputs.append(x)
        if self.fail is not None:
            raise self.fail
        return self.probabilities[np.newaxis, :]


def from_the_page(pad: DigitPad, strokes) -> None:
    """What a stroke drawn in the browser does in the kernel: the page sends the new strokes."""
    pad.set_state({"strokes": strokes})


def test_a_drawn_digit_is_prepared_like_mnist_and_read_by_the_model():
    model = RecordingModel(digit=7)
    pad = DigitPad(model)
    from_the_page(pad, SEVEN)
    (given,) = model.inputs
    np.testing.assert_array_equal(given, mnist_input(render_strokes(SEVEN)))
    assert pad.digit == 7 and pad.message == "" and pad.strokes_read == 1
    assert pad.probabilities == pytest.approx(model.probabilities.tolist())
    assert pad.pixels == pytest.approx(given[0].tolist(), abs=0.0005)
    assert pad.reading() == "read as 7 with probability 0.8200"


@pytest.mark.parametrize(
    ("strokes", "says"),
    [
        ([], EMPTY_PAD),
        ([[[140, 140]]], "only a dot"),
        ([[[40 + 200 * (i % 2), 40 + 10 * i] for i in range(21)]], "filled blob"),
        ([[["x", "y"]]], "strokes must be"),
    ],
    ids=["empty", "dot", "blob", "garbage from the page"],
)
def test_what_is_not_a_digit_shows_a_message_and_no_reading(strokes, says):
    model = RecordingModel()
    pad = DigitPad(model)
    from_the_page(pad, SEVEN)
    from_the_page(pad, strokes)  # must not raise
    assert says in pad.message and pad.reading() == pad.message
    assert pad.digit == -1 and pad.probabilities == [] and pad.pixels == []
    assert len(model.inputs) == 1  # the model was not asked


def test_a_failing_model_shows_a_message_and_the_pad_keeps_working():
    model = RecordingModel(fail=RuntimeError("out of memory"))
    pad = DigitPad(model)
    from_the_page(pad, SEVEN)
    assert "Could not read this drawing (RuntimeError: out of memory)" in pad.message
    assert pad.digit == -1
    model.fail = None
    from_the_page(pad, SEVEN + [[[100, 150], [180, 150]]])  # each stroke is read anew
    assert pad.digit == 7 and pad.message == "" and pad.strokes_read == 2
    assert len(model.inputs) == 2 and not np.array_equal(*model.inputs)


def test_clear_and_draw_do_what_the_button_and_the_mouse_do():
    pad = DigitPad(RecordingModel())
    assert pad.reading() == EMPTY_PAD  # a new pad is empty
    pad.draw([[(70, 50), (210, 50), (120, 240)]])
    assert pad.strokes == SEVEN and pad.digit == 7
    pad.clear()
    assert pad.strokes == [] and pad.digit == -1 and pad.message == EMPTY_PAD
    assert pad.strokes_read == 0


def test_a_saved_notebook_shows_a_sentence_not_an_object():
    pad = DigitPad(RecordingModel())
    data, _ = pad._repr_mimebundle_()
    assert data["text/plain"] == PLAIN_TEXT == repr(pad)
    assert data[WIDGET_VIEW]["model_id"] == pad.model_id  # JupyterLab still gets the live view


def test_the_front_end_ships_in_the_package_and_fetches_nothing():
    code = FRONT_END.read_text()
    assert STYLE.exists() and "export default" in code
    # No CDN, no import from anywhere, nothing fetched while the pad runs.
    assert not re.search(r"^\s*import\b|\bimport\(|fetch\(|XMLHttpRequest", code, re.M)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", code + STYLE.read_text())
    # The page draws with the same pad size and pen as the kernel.
    assert f"const PAD = {CANVAS_SIZE};" in code and f"const PEN = {STROKE_WIDTH};" in code
    pad = DigitPad(RecordingModel())
    assert (pad._esm, pad._css) == (code, STYLE.read_text())  # what anywidget sends the page


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, "On Kaggle the pad may not show"),
        ({"CODESPACES": "true"}, "run `make lab` and open this notebook in JupyterLab"),
        ({}, ""),
    ],
    ids=["Kaggle", "Codespaces", "a checkout"],
)
def test_where_the_pad_may_not_show_it_says_so_in_one_line(monkeypatch, capsys, env, says):
    from mnist17.drawing_pad import DigitPad

    for name in ("KAGGLE_KERNEL_RUN_TYPE", "CODESPACES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    DigitPad(None)
    printed = capsys.readouterr().out
    assert says in printed and printed.count("\n") == (1 if says else 0)
