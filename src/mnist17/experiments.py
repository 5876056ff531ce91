"""The results of `make experiments`: one small JSON file per training run, read by notebook 09.

`experiments/train_one_setting.ipynb` trains the post's network once with one setting (the
learning rate, the batch size, the activation ...) on the first 50,000 training images, measures
it after each epoch on the other 10,000 (the validation set: settings are compared and chosen on
it, never on the test set), and saves its history here; notebook 09 only reads these files and
plots them, so re-plotting never retrains. The setting chosen on the validation set
(`best_on_validation`) is then measured once on the test set (`test.json`). `validate_setting`
checks a setting before any training starts, with a message that names what is wrong.
"""

import json
import math
import os
import re
import statistics
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from mnist17.environment import versions
from mnist17.files import write_atomically
from mnist17.params import DEFAULTS, ParameterError, validate_training_params
from mnist17.paths import display_path, root

RESULTS_VARIABLE = "MNIST17_EXPERIMENT_RESULTS"  # `make experiments` points 09 at its new runs
RESULT_FORMAT = 2  # 2: validated on held-out training images (1: on the test set)
VALIDATION_IMAGES = 10000  # the last training images, held out as the validation set
CHOOSE_AT = 50  # the epoch after which settings are compared to choose one: the post's length
TEST_FILE = "test.json"  # the chosen setting, measured once on the test set
ACTIVATIONS = ("sigmoid", "relu")
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
RERUN = "Run `make experiments` to make them again."


class ExperimentResultsError(RuntimeError):
    """A result file is missing, damaged or incomplete; says how to make it again."""


@dataclass(frozen=True)
class Setting:
    """One run of the sweep: the post's hyperparameters plus what notebook 09 varies."""

    name: str
    epochs: int = DEFAULTS.epochs
    batch_size: int = DEFAULTS.batch_size
    learning_rate: float = DEFAULTS.learning_rate
    seed: int = DEFAULTS.seed
    scale_inputs: bool = True  # divide the pixels by 255 as notebook 02 does, or keep 0..255
    activation: str = "sigmoid"  # of the two hidden layers

    def as_dict(self) -> dict:
        """The setting as a plain dict (for JSON and papermill)."""
        return asdict(self)


SETTING_FIELDS = tuple(field.name for field in fields(Setting))


def validate_setting(
    name: object,
    epochs: object,
    batch_size: object,
    learning_rate: object,
    seed: object,
    scale_inputs: object = True,
    activation: object = "sigmoid",
) -> Setting:
    """Return the setting, or raise `ParameterError` naming the bad value and what is accepted."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ParameterError(
            f"name must be lower-case letters, digits, '.' and '-' (it names a file), got {name!r}"
        )
    params = validate_training_params(epochs, batch_size, learning_rate, seed)
    if not isinstance(scale_inputs, bool):
        raise ParameterError(f"scale_inputs must be true or false, got {scale_inputs!r}")
    if activation not in ACTIVATIONS:
        raise ParameterError(
            f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}"
        )
    return Setting(name, **params.as_dict(), scale_inputs=scale_inputs, activation=activation)


@dataclass(frozen=True)
class Experiment:
    """One finished run: its setting, ``history.history`` and the seconds each epoch took."""

    setting: Setting
    history: dict[str, list[float]]
    seconds_per_epoch: list[float]
    versions: dict[str, str]
    machine: str

    def final(self, metric: str) -> float:
        """The metric after the last epoch."""
        return self.history[metric][-1]

    def at_epoch(self, metric: str, epoch: int) -> float:
        """The metric after `epoch` (counting from 1), to compare runs of different lengths."""
        return self.history[metric][epoch - 1]

    def epoch_seconds(self) -> float:
        """The median time of an epoch, leaving out the first, which includes compiling."""
        return statistics.median(self.seconds_per_epoch[1:] or self.seconds_per_epoch)


def save_experiment(
    result_file: str | Path, setting: Setting, history, seconds: list[float]
) -> Path:
    """Write one run's result (setting, history, seconds per epoch, versions) as JSON.

    A relative `result_file` is taken from the repo's root, wherever the notebook runs.
    """
    path = Path(result_file)
    if not path.is_absolute():
        path = root() / path
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "format": RESULT_FORMAT,
        "setting": setting.as_dict(),
        "history": {key: [float(v) for v in history.history[key]] for key in METRICS},
        "seconds_per_epoch": [round(s, 3) for s in seconds],
        "versions": versions(),
    }
    write_atomically(path, lambda tmp: tmp.write_text(json.dumps(record, indent=1) + "\n"))
    return path


def results_dir() -> Path:
    """`experiments/results/` (the committed results), or ``$MNIST17_EXPERIMENT_RESULTS``."""
    override = os.environ.get(RESULTS_VARIABLE)
    return Path(override).resolve() if override else root() / "experiments" / "results"


def read_experiment(path: Path) -> Experiment:
    """One result file, checked: every metric for every epoch, finite numbers."""
    try:
        record = json.loads(path.read_text())
        setting = validate_setting(**record["setting"])
        history = {key: record["history"][key] for key in METRICS}
        seconds = record["seconds_per_epoch"]
        sane = (
            record["format"] == RESULT_FORMAT
            and {len(values) for values in history.values()} == {setting.epochs}
            and len(seconds) == setting.epochs
            and all(math.isfinite(v) for values in history.values() for v in values)
        )
        experiment = Experiment(
            setting, history, seconds, record["versions"], record.get("machine", "unknown")
        )
    except (ValueError, KeyError, TypeError, ParameterError) as error:
        raise ExperimentResultsError(
            f"{display_path(path)} is damaged ({type(error).__name__}: {error}). {RERUN}"
        ) from None
    if not sane:
        raise ExperimentResultsError(
            f"{display_path(path)} does not hold every metric for each of its "
            f"{setting.epochs} epochs (format {RESULT_FORMAT} expected). {RERUN}"
        )
    return experiment


def load_experiments(folder: Path | None = None) -> dict[str, Experiment]:
    """Every result in `folder` (default `results_dir()`), by run name, in the sweep's order."""
    folder = Path(folder) if folder is not None else results_dir()
    paths = sorted(path for path in folder.glob("*.json") if path.name != TEST_FILE)
    if not paths:
        raise ExperimentResultsError(f"No experiment results in {display_path(folder)}. {RERUN}")
    experiments = [read_experiment(path) for path in paths]
    experiments.sort(key=lambda e: e.setting.name)
    return {e.setting.name: e for e in experiments}


def runs_varying(
    experiments: dict[str, Experiment], field: str, base: str = "post"
) -> list[Experiment]:
    """The runs that differ from the `base` run in `field` only (and the base run itself), sorted by
    that field's value: the runs that answer one question of notebook 09."""
    reference = experiments[base].setting.as_dict()
    chosen = []
    for experiment in experiments.values():
        setting = experiment.setting.as_dict()
        differing = {
            k for k in SETTING_FIELDS if k not in ("name", "epochs") and setting[k] != reference[k]
        }
        if differing <= {field}:
            chosen.append(experiment)
    return sorted(chosen, key=lambda e: getattr(e.setting, field))


def choosing_epoch(experiments: dict[str, Experiment]) -> int:
    """The epoch after which runs are compared to choose one: `CHOOSE_AT`, or the shortest run's
    length when one is shorter."""
    return min(CHOOSE_AT, *(run.setting.epochs for run in experiments.values()))


def best_on_validation(experiments: dict[str, Experiment], base: str = "post") -> Experiment:
    """The setting with the highest validation accuracy after `choosing_epoch` (the first by name
    when two tie), among the runs with the `base` run's seed: another seed measures noise, it is
    not a setting to choose."""
    epoch = choosing_epoch(experiments)
    seed = experiments[base].setting.seed
    settings = [run for run in experiments.values() if run.setting.seed == seed]
    return max(settings, key=lambda run: run.at_epoch("val_accuracy", epoch))


@dataclass(frozen=True)
class TestResult:
    """The chosen run measured once on the test set."""

    run: str
    setting: Setting
    chosen_at: int
    test_loss: float
    test_accuracy: float


def load_test_result(folder: Path | None = None) -> TestResult:
    """The test set's verdict on the chosen run (`test.json`, written by `make experiments`)."""
    path = (Path(folder) if folder is not None else results_dir()) / TEST_FILE
    try:
        record = json.loads(path.read_text())
        return TestResult(
            record["run"],
            validate_setting(**record["setting"]),
            record["chosen_at"],
            float(record["test_loss"]),
            float(record["test_accuracy"]),
        )
    except (OSError, ValueError, KeyError, TypeError, ParameterError) as error:
        raise ExperimentResultsError(
            f"{display_path(path)} is missing or damaged ({type(error).__name__}: {error}). {RERUN}"
        ) from None


def save_test_result(folder: Path, run: Experiment, chosen_at: int, loss: float, accuracy: float):
    """Write the chosen run's one measurement on the test set as `folder/test.json`."""
    record = {
        "run": run.setting.name,
        "setting": run.setting.as_dict(),
        "chosen_at": chosen_at,
        "test_loss": float(loss),
        "test_accuracy": float(accuracy),
        "versions": versions(),
    }
    path = Path(folder) / TEST_FILE
    write_atomically(path, lambda tmp: tmp.write_text(json.dumps(record, indent=1) + "\n"))
    return path
