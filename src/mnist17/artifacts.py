"""Hand the trained model and its history from notebook 04 to the notebooks after it.

Training is computed once and saved (`artifacts/model.keras`, `artifacts/history.json`);
plotting and predicting load these files, so re-plotting never retrains. The history file also
records the parameters, the package versions and the SHA-256 of the model file, so a model
from another run is recognised instead of silently mixed with the wrong history.

Where 04 has not run (a hosted runtime gives every notebook a fresh machine; a checkout where 04
was skipped), loading first makes the files by running notebook 04's own code, so that its cells
stay the one home of the model, its settings and its seed.
"""

import hashlib
import json
import math
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mnist17.environment import versions
from mnist17.files import write_atomically
from mnist17.hosted import HOSTED_CELL_ID
from mnist17.paths import artifacts_dir, display_path, notebooks_dir

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
HISTORY_FORMAT = 1
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
RERUN = (
    "Run notebooks/04_training.ipynb top to bottom first (or `make run-all`, which runs every "
    "notebook in order)."
)


TRAINING_NOTEBOOK = "04_training.ipynb"  # the one that trains, and takes papermill's parameters
# For tests only: how many epochs notebook 04's code trains when it runs here for a later notebook
# (the hosted-runtime test in CI shortens it); readers get 04's own 50.
FALLBACK_EPOCHS_VARIABLE = "MNIST17_FALLBACK_EPOCHS"


class TrainingResultsError(RuntimeError):
    """The saved model or history is missing, damaged or from another run; says how to fix it."""


def training_code() -> str:
    """Notebook 04's code cells up to its exercises, as one script (its hosted-runtime cell left
    out); with ``MNIST17_FALLBACK_EPOCHS``, `epochs` is set after its parameters, as papermill
    does."""
    notebook = notebooks_dir() / TRAINING_NOTEBOOK
    if not notebook.exists():
        raise TrainingResultsError(
            f"No trained model here, and no {display_path(notebook)} to train it."
        )
    import nbformat  # here, not at import: every notebook's first cell imports this package

    sources = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## Exercises"):
            break
        if cell.cell_type == "code" and cell.get("id") != HOSTED_CELL_ID:
            sources.append(cell.source)
            if "parameters" in cell.metadata.get("tags", []) and os.environ.get(
                FALLBACK_EPOCHS_VARIABLE
            ):
                sources.append(f"epochs = {int(os.environ[FALLBACK_EPOCHS_VARIABLE])}")
    return "\n\n".join(sources)


def train_with_notebook_04() -> None:
    """Make 04's results here with notebook 04's own code, in a fresh Python, showing its epochs."""
    print(
        "Notebook 04's model and history are not here (04 has not run in this folder): training "
        "them now with 04's own code, settings and seed. This takes a minute or two:",
        flush=True,
    )
    src = str(Path(__file__).resolve().parents[1])  # this package, importable in the child too
    path = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH", "")]))
    training = subprocess.Popen(
        [sys.executable, "-c", training_code()],
        cwd=notebooks_dir(),
        env={**os.environ, "PYTHONPATH": path},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed = []
    for line in training.stdout:
        printed.append(line)
        if line.startswith("Epoch "):
            print(f"  {line}", end="", flush=True)
    if training.wait() != 0:
        raise TrainingResultsError(
            f"Running notebook 04's code here failed:\n{''.join(printed[-15:])}{RERUN}"
        )


def _trained_here() -> None:
    """Train with notebook 04's code when neither of its results is here."""
    folder = artifacts_dir()
    if not (folder / HISTORY_FILE).exists() and not (folder / MODEL_FILE).exists():
        train_with_notebook_04()


@dataclass(frozen=True)
class SavedHistory:
    """`model.fit`'s History as saved by notebook 04: ``history.history['loss']`` as in the post."""

    history: dict[str, list[float]]
    params: dict
    versions: dict[str, str]
    model_sha256: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_training_results(model, history, params: dict) -> None:
    """Save the model and ``history.history`` (with `params` and versions) into `artifacts/`."""
    folder = artifacts_dir()
    model_path, history_path = folder / MODEL_FILE, folder / HISTORY_FILE
    write_atomically(model_path, lambda tmp: model.save(tmp))
    record = {
        "format": HISTORY_FORMAT,
        "params": params,
        "versions": versions(),
        "model_sha256": _sha256(model_path),
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
    }
    write_atomically(history_path, lambda tmp: tmp.write_text(json.dumps(record, indent=1) + "\n"))


def load_history() -> SavedHistory:
    """The history saved by notebook 04 (made first where 04 never ran), checked;
    `TrainingResultsError` says what to run if it is damaged or from another run."""
    _trained_here()
    path = artifacts_dir() / HISTORY_FILE
    if not path.exists():
        raise TrainingResultsError(f"No training history at {display_path(path)}. {RERUN}")
    try:
        record = json.loads(path.read_text())
        history = record["history"]
        lengths = {len(history[key]) for key in METRICS}
        epochs = record["params"]["epochs"]
        sane = (
            record["format"] == HISTORY_FORMAT
            and lengths == {epochs}
            and all(
                isinstance(v, float) and math.isfinite(v) for key in METRICS for v in history[key]
            )
        )
        saved = SavedHistory(history, record["params"], record["versions"], record["model_sha256"])
    except (ValueError, KeyError, TypeError) as error:
        raise TrainingResultsError(
            f"{display_path(path)} is damaged or truncated "
            f"({type(error).__name__}: {error}). {RERUN}"
        ) from None
    if not sane:
        raise TrainingResultsError(
            f"{display_path(path)} does not hold the four metrics for each of its {epochs} epochs "
            f"(format {HISTORY_FORMAT} expected): it comes from an incompatible run. {RERUN}"
        )
    return saved


def load_trained_model():
    """The model trained by notebook 04 (made first where 04 never ran), loaded with Keras's
    `safe_mode` (no code from the file)."""
    import keras

    _trained_here()
    path = artifacts_dir() / MODEL_FILE
    if not path.exists():
        raise TrainingResultsError(f"No trained model at {display_path(path)}. {RERUN}")
    expected = load_history().model_sha256
    if _sha256(path) != expected:
        raise TrainingResultsError(
            f"{display_path(path)} is not the model that {HISTORY_FILE} was saved with "
            f"(it was replaced, damaged or comes from another run). {RERUN}"
        )
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except (ValueError, TypeError, OSError, zipfile.BadZipFile) as error:
        raise TrainingResultsError(
            f"{display_path(path)} could not be loaded safely ({type(error).__name__}: "
            f"{str(error).splitlines()[0]}). Files that carry code, such as Lambda layers, "
            f"are refused. {RERUN}"
        ) from None
    if model.input_shape != (None, 784) or model.output_shape != (None, 10):
        raise TrainingResultsError(
            f"{display_path(path)} takes {model.input_shape} and gives {model.output_shape}, "
            f"not the post's 784 pixels -> 10 classes. {RERUN}"
        )
    return model
