"""What the re-executed series produced: the post's results, and clean notebooks.

nbval (the notebooks/ part of `make test`) re-runs every notebook into `build/test/`; the tests
that take `series_run` read what that run trained (tests/test_figures.py: what it drew); the
others check the committed notebooks.
"""

import json
import re

import numpy as np
import pytest
from helpers import code_cells, source_of, text_of

from mnist17.params import POST_METRICS
from mnist17.paths import notebooks_dir
from mnist17_tools.series import series


@pytest.fixture(scope="module")
def history(series_run) -> dict[str, list[float]]:
    return json.loads((series_run / "artifacts" / "history.json").read_text())["history"]


# --- training results ---------------------------------------------------------------------


def test_fifty_epochs_reach_the_posts_accuracy(history):
    assert len(history["val_accuracy"]) == 50
    final = history["val_accuracy"][-1]
    assert final >= 0.90
    assert abs(final - POST_METRICS["val_accuracy"]) <= 0.01


def test_first_epoch_is_far_from_trained(history):
    assert 0.2 <= history["val_accuracy"][0] <= 0.5


def test_loss_decreases_overall(history):
    for key in ("loss", "val_loss"):
        tens = [np.mean(history[key][i : i + 10]) for i in range(0, 50, 10)]
        assert tens == sorted(tens, reverse=True), f"{key} does not fall decade after decade"
        assert history[key][-1] < 0.5 * history[key][0]


def test_trained_model_reads_the_first_test_digit_as_a_seven(series_run):
    import keras

    from mnist17.data import load_mnist

    model = keras.saving.load_model(series_run / "artifacts" / "model.keras", safe_mode=True)
    (_, _), (x_test, y_test) = load_mnist()
    probabilities = model.predict(x_test[:1].reshape(1, 784).astype("float32") / 255.0, verbose=0)
    assert y_test[0] == 7
    assert probabilities[0].argmax() == 7 and probabilities[0, 7] > 0.9
    assert model.count_params() == 235146 and not model.non_trainable_weights


def test_summary_reports_235146_trainable_parameters():
    nb = json.loads((notebooks_dir() / "03_model_definition.ipynb").read_text())
    summary = "".join(
        text_of(o)
        for c in code_cells(nb)
        if "model.summary()" in "".join(c["source"])
        for o in c["outputs"]
    )
    assert re.search(r"Trainable params: \S*235,146", summary), summary


def test_the_run_is_kept_as_executed_notebooks(series_run):
    # For people and CI's artifacts: what each notebook printed in this run, next to its figures.
    def kinds(nb: dict) -> list[list[str]]:
        # nbval joins consecutive prints into one stream output, as it does when it compares.
        found = []
        for cell in code_cells(nb):
            types = [o["output_type"] + ":" + o.get("name", "") for o in cell["outputs"]]
            found.append([t for i, t in enumerate(types) if i == 0 or t != types[i - 1]])
        return found

    for path in series():
        executed = json.loads((series_run / "notebooks" / path.name).read_text())
        committed = json.loads(path.read_text())
        assert list(map(source_of, executed["cells"])) == list(map(source_of, committed["cells"]))
        assert kinds(executed) == kinds(committed), path.name
