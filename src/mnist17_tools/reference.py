"""The record of the run behind the committed outputs: its machine, versions and exact results.

`make run-all` writes it to `tests/reference-machine.json` when it publishes. The notebooks print
their numbers rounded, so two machines can print the same digits from different bits; the record
keeps the training history and the predicted probabilities of the first test digits at full
precision, so that the tests can tell whether a run changed the arithmetic at all (and, on the
reference machine, demand that it did not).
"""

import json
from pathlib import Path

import numpy as np

from mnist17.artifacts import HISTORY_FILE, MODEL_FILE
from mnist17.data import load_mnist
from mnist17.environment import setup_keras, versions
from mnist17.paths import root
from mnist17_tools.machine import machine

PREDICTED_DIGITS = 10  # probabilities of the first test digits kept at full precision


def record_file() -> Path:
    """`tests/reference-machine.json`: beside the tests, which read it to decide how to compare."""
    return root() / "tests" / "reference-machine.json"


def full_precision_results(output: Path) -> dict[str, list]:
    """The history that notebook 04 saved under `output` (`output/artifacts/`) and its model's
    probabilities for the first test digits.

    `model.predict` runs TensorFlow's oneDNN kernels, the history comes from XLA's: between
    them they show a change in either.
    """
    setup_keras()  # quiet, and the thread count the notebooks use
    import keras

    history = json.loads((output / "artifacts" / HISTORY_FILE).read_text())["history"]
    model = keras.saving.load_model(output / "artifacts" / MODEL_FILE, safe_mode=True)
    (_, _), (x_test, _) = load_mnist()
    x = x_test[:PREDICTED_DIGITS].reshape(PREDICTED_DIGITS, 784).astype("float32") / 255.0
    probabilities = model.predict(x, verbose=0)
    return {
        "history": {key: [float(v) for v in values] for key, values in sorted(history.items())},
        "probabilities": [[float(p) for p in row] for row in np.asarray(probabilities)],
    }


def make_record(output: Path) -> str:
    """This machine, the versions and the full-precision results of the run in `output`, as JSON."""
    record = {
        "machine": machine(),
        "versions": versions(),
        "results": full_precision_results(output),
    }
    return json.dumps(record, indent=1) + "\n"


def read_record() -> dict:
    """The record of the committed run (see the module docstring)."""
    return json.loads(record_file().read_text())


def largest_deviations(results: dict[str, list], reference: dict[str, list]) -> dict[str, float]:
    """Largest absolute difference per kind ("history", "probabilities") between two results."""
    history = max(
        (
            abs(a - b)
            for key in reference["history"]
            for a, b in zip(results["history"][key], reference["history"][key], strict=True)
        ),
        default=0.0,
    )
    probabilities = float(
        np.max(np.abs(np.array(results["probabilities"]) - np.array(reference["probabilities"])))
    )
    return {"history": history, "probabilities": probabilities}
