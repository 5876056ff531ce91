"""The copy of notebook 04's results that comes with the helper package (05, 06 and 08 opened
alone read it) is that of the committed run: its history prints 04's log, its weights predict
06's probabilities."""

import json
import re

import numpy as np
from helpers import code_cells, source_of, text_of
from nbval_tolerance import beyond

from mnist17 import load_history, load_trained_model
from mnist17_tools import ROOT


def printed(notebook: str, code: str) -> str:
    """The committed text output of the cell of `notebook` whose source contains `code`."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    (cell,) = [c for c in code_cells(nb) if code in source_of(c)]
    return "".join(text_of(o) for o in cell["outputs"])


def test_the_packaged_history_is_04_s_training_log(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no trained/ here: the packaged copy is read
    log = printed("04_training.ipynb", "verbose=2")
    history = load_history().history
    for name in ("accuracy", "loss", "val_accuracy", "val_loss"):
        logged = re.findall(rf" - {name}: (\d+\.\d+)", log)
        assert logged == [f"{value:.4f}" for value in history[name]], name


def test_the_packaged_weights_predict_06_s_probabilities(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with np.load(ROOT / "data" / "mnist.npz") as mnist:
        first = mnist["x_test"][:1].reshape(1, 784).astype("float32") / 255.0
    with np.printoptions(precision=4, suppress=True):
        predicted = repr(load_trained_model().predict(first, verbose=0))
    assert (
        beyond(printed("06_making_predictions.ipynb", "test_pred = model.predict("), predicted)
        == []
    )
