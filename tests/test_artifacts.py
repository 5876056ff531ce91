"""Handing the trained model to later notebooks: missing, damaged, foreign or unsafe files are
refused with a message that says what to run."""

import json

import keras
import numpy as np
import pytest
from helpers import run_notebook

from mnist17 import artifacts
from mnist17.artifacts import TrainingResultsError, load_history, load_trained_model

FIX = "Run notebooks/04_training.ipynb"


@pytest.fixture
def outdir(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST17_OUTPUT_DIR", str(tmp_path))
    return tmp_path / "artifacts"


def posts_model(extra_layer=None) -> keras.Model:
    layers = [keras.Input(shape=(784,)), keras.layers.Dense(256, activation="sigmoid")]
    if extra_layer is not None:
        layers.append(extra_layer)
    layers += [
        keras.layers.Dense(128, activation="sigmoid"),
        keras.layers.Dense(10, activation="softmax"),
    ]
    model = keras.Sequential(layers)
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model


def save_small_run(model, epochs: int = 2) -> None:
    history = keras.callbacks.History()
    history.history = {k: [0.5] * epochs for k in artifacts.METRICS}
    artifacts.save_training_results(model, history, {"epochs": epochs})


def test_saved_model_and_history_round_trip(outdir):
    model = posts_model()
    save_small_run(model)
    saved = load_history()
    assert saved.history["val_accuracy"] == [0.5, 0.5] and saved.params == {"epochs": 2}
    assert "keras" in saved.versions
    loaded = load_trained_model()
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_history_without_its_model_says_to_run_training(outdir):
    save_small_run(posts_model())
    (outdir / "model.keras").unlink()
    with pytest.raises(TrainingResultsError, match=f"No trained model.*{FIX}"):
        load_trained_model()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_text(p.read_text()[:40]), "damaged or truncated"),
        (lambda p: p.write_text("[]"), "damaged or truncated"),
        (
            lambda p: p.write_text(
                json.dumps({**json.loads(p.read_text()), "params": {"epochs": 50}})
            ),
            "incompatible run",
        ),
    ],
    ids=["truncated", "not a record", "other run"],
)
def test_damaged_or_foreign_history_is_refused(outdir, damage, message):
    save_small_run(posts_model())
    damage(outdir / "history.json")
    with pytest.raises(TrainingResultsError, match=f"{message}.*{FIX}"):
        load_history()


def test_truncated_or_replaced_model_is_refused(outdir):
    save_small_run(posts_model())
    model_file = outdir / "model.keras"
    model_file.write_bytes(model_file.read_bytes()[:1000])
    with pytest.raises(TrainingResultsError, match=f"not the model that history.json.*{FIX}"):
        load_trained_model()


def test_model_carrying_a_lambda_layer_is_refused_by_safe_mode(outdir):
    # A history that vouches for the file (same SHA-256), so only safe_mode stands in the way.
    save_small_run(posts_model(keras.layers.Lambda(lambda x: x * 2)))
    with pytest.raises(TrainingResultsError, match="could not be loaded safely.*Lambda"):
        load_trained_model()


def test_where_04_never_ran_05_trains_with_04s_code_and_gets_04s_history(tmp_path):
    """05 alone (a hosted runtime, or a checkout where 04 was skipped) says so in one line and
    trains with notebook 04's own code, showing each epoch; the history equals the one 04 itself
    trains with the same settings (2 epochs here, as the CI's hosted-runtime run shortens them)."""
    alone = tmp_path / "alone"
    error = run_notebook(
        "05_plotting_results.ipynb", alone, env={artifacts.FALLBACK_EPOCHS_VARIABLE: "2"}
    )
    assert error is None, error
    nb = json.loads((alone / "05_plotting_results.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "Notebook 04's model and history are not here (04 has not run in this folder)" in printed
    assert "  Epoch 1/2 - accuracy: " in printed and "  Epoch 2/2 - accuracy: " in printed
    by_04 = tmp_path / "by-04"
    assert run_notebook("04_training.ipynb", by_04, parameters={"epochs": 2}) is None
    histories = [
        json.loads((folder / "artifacts" / "history.json").read_text())["history"]
        for folder in (alone, by_04)
    ]
    assert histories[0] == histories[1]
