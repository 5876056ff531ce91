"""The sweep's runs for notebook 09: one setting changed at a time, each run's history saved.

`make experiments` trains each run of `experiments/sweep.toml` with `experiments/
train_one_setting.ipynb`, which saves its result with `save_experiment`; the results come with this
package (`sweep/`), so that notebook 09 reads them anywhere, even opened alone. Runs are validated
on the last `VALIDATION_IMAGES` training images; the chosen run is measured once on the test set
(`sweep/test.json`). The tables and plots of 09 are here too, so that 09 shows its results only.
"""

import itertools
import json
import platform
import statistics
from dataclasses import asdict, dataclass
from importlib import import_module
from importlib.metadata import version
from pathlib import Path

VALIDATION_IMAGES = 10000  # the last training images, held out as the validation set
CHOOSE_AT = 50  # runs are compared, to choose one, after the post's 50 epochs
COMPARE_AT = (20, 50)  # 09's tables compare runs after these epochs
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
RESULTS = Path(__file__).with_name("sweep")
TEST_FILE = "test.json"
STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1))]  # curves told apart without colour
MARKERS = ["o", "s", "^", "D", "v"]


@dataclass(frozen=True)
class Setting:
    """One run of the sweep: the post's hyperparameters plus what notebook 09 varies."""

    name: str
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    scale_inputs: bool = True  # divide the pixels by 255 as notebook 02 does, or keep 0..255
    activation: str = "sigmoid"  # of the two hidden layers


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


def save_experiment(path: str | Path, setting: Setting, history, seconds: list[float]) -> Path:
    """Write one run's result (setting, history, seconds per epoch, versions, CPU) as JSON."""
    import keras

    backend = keras.backend.backend()  # its module's version: TensorFlow may be tensorflow-cpu
    packages = {p: version(p) for p in ("keras", "numpy", "scikit-learn", "matplotlib")}
    record = {
        "format": 2,
        "setting": asdict(setting),
        "history": {key: [float(v) for v in history.history[key]] for key in METRICS},
        "seconds_per_epoch": [round(s, 3) for s in seconds],
        "versions": {"python": platform.python_version()}
        | packages
        | {backend: import_module(backend).__version__},
        "machine": _cpu(),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def _cpu() -> str:
    """The CPU's model name: the seconds per epoch mean little without it."""
    cpuinfo = Path("/proc/cpuinfo")
    names = (
        [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        if cpuinfo.exists()
        else []
    )
    return names[0] if names else platform.processor() or platform.machine()


def results_folder() -> Path:
    """`sweep/` in the working folder when `make experiments` put new results there, else the
    results that come with this package."""
    return Path("sweep") if Path("sweep").is_dir() else RESULTS


def read_experiment(path: Path) -> Experiment:
    """One result file."""
    record = json.loads(Path(path).read_text())
    return Experiment(
        Setting(**record["setting"]),
        {key: record["history"][key] for key in METRICS},
        record["seconds_per_epoch"],
        record["versions"],
        record.get("machine", "unknown"),
    )


def load_experiments(folder: Path | None = None) -> dict[str, Experiment]:
    """Every result in `folder` (default: `results_folder()`), by run name, sorted by name."""
    folder = Path(folder) if folder is not None else results_folder()
    paths = sorted(path for path in folder.glob("*.json") if path.name != TEST_FILE)
    return {run.setting.name: run for run in map(read_experiment, paths)}


def runs_varying(experiments: dict[str, Experiment], field: str, base: str = "post") -> list:
    """The runs that differ from the `base` run in `field` only (and the base run), sorted by
    that field's value: the runs that answer one question of notebook 09."""
    reference = asdict(experiments[base].setting)
    chosen = []
    for run in experiments.values():
        setting = asdict(run.setting)
        differing = {
            k for k in setting if k not in ("name", "epochs") and setting[k] != reference[k]
        }
        if differing <= {field}:
            chosen.append(run)
    return sorted(chosen, key=lambda run: getattr(run.setting, field))


def best_on_validation(experiments: dict[str, Experiment], base: str = "post") -> Experiment:
    """The setting with the highest validation accuracy after `CHOOSE_AT` epochs, among the runs
    with the `base` run's seed: another seed measures noise, it is not a setting to choose."""
    seed = experiments[base].setting.seed
    settings = [run for run in experiments.values() if run.setting.seed == seed]
    return max(settings, key=lambda run: run.at_epoch("val_accuracy", CHOOSE_AT))


@dataclass(frozen=True)
class TestResult:
    """The chosen run measured once on the test set."""

    run: str
    chosen_at: int
    test_loss: float
    test_accuracy: float


def load_test_result(folder: Path | None = None) -> TestResult:
    """The test set's verdict on the chosen run (`test.json`, written by `make experiments`)."""
    folder = Path(folder) if folder is not None else results_folder()
    record = json.loads((folder / TEST_FILE).read_text())
    return TestResult(
        record["run"], record["chosen_at"], record["test_loss"], record["test_accuracy"]
    )


def table(runs: list[Experiment], label, post: Experiment, seconds: bool = False) -> None:
    """Print each run's validation accuracy after 20 and 50 epochs and its difference from the
    post's settings at each (and the seconds an epoch took, if `seconds`)."""
    print(
        f"{'':14}{'after 20':>9}{'vs post':>9}{'after 50':>10}{'vs post':>9}"
        + ("  s/epoch" * seconds)
    )
    for run in runs:
        line = f"{label(run):14}"
        for epoch in COMPARE_AT:
            value = run.at_epoch("val_accuracy", epoch)
            line += f"{value:9.4f}{value - post.at_epoch('val_accuracy', epoch):+9.4f} "
        print(line.rstrip() + (f"{run.epoch_seconds():9.2f}" if seconds else ""))


def plot(ax, runs: list[Experiment], label, metric: str = "val_accuracy", epochs: int = 50):
    """One curve per run on `ax`: `metric` after each of the first `epochs` epochs."""
    for i, run in enumerate(runs):
        ax.plot(
            range(1, epochs + 1),
            run.history[metric][:epochs],
            linestyle=STYLES[i],
            marker=MARKERS[i],
            markevery=10,
            label=label(run),
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()


def plot_by_time(ax, runs: list[Experiment], label, epochs: int = 50) -> None:
    """One curve per run on `ax`: validation accuracy against the seconds of training."""
    for i, run in enumerate(runs):
        seconds = list(itertools.accumulate(run.seconds_per_epoch[:epochs]))
        ax.plot(
            seconds,
            run.history["val_accuracy"][:epochs],
            linestyle=STYLES[i],
            marker=MARKERS[i],
            markevery=10,
            label=label(run),
        )
    ax.set_xlabel("seconds of training")
    ax.set_ylabel("val_accuracy")
    ax.legend()
