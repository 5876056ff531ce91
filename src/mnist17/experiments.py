"""The sweep's runs for notebook 09 (one setting changed at a time): results, tables and plots;
the results come with this package (`sweep/`, from `make experiments`), for 09 to read anywhere."""

import json
import platform
import re
import statistics
from collections import namedtuple
from dataclasses import asdict, dataclass
from importlib import import_module
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path

CHOOSE_AT = 50  # runs are compared, to choose one, after the post's 50 epochs
COMPARE_AT = (20, 50)  # 09's tables compare runs after these epochs
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
RESULTS = Path(__file__).with_name("sweep")
TEST_FILE = "test.json"  # the chosen run measured once on the test set
STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1))]  # curves told apart without colour
MARKERS = ["o", "s", "^", "D", "v"]
TestResult = namedtuple("TestResult", "run chosen_at test_loss test_accuracy")  # of the chosen run


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


def save_experiment(path: str | Path, setting: Setting, history: dict, seconds: list) -> Path:
    """Write one run's result (setting, `history.history`, seconds per epoch, versions, CPU)."""
    import keras

    backend = keras.backend.backend()  # its module's version: TensorFlow may be tensorflow-cpu
    versions = {"python": platform.python_version()}
    versions |= {p: version(p) for p in ("keras", "numpy", "scikit-learn", "matplotlib")}
    cpuinfo = Path("/proc/cpuinfo")  # the seconds per epoch mean little without the CPU
    cpus = re.findall(r"(?m)^model name\s*:(.*)$", cpuinfo.read_text() if cpuinfo.exists() else "")
    record = {
        "format": 2,
        "setting": asdict(setting),
        "history": {key: [float(v) for v in history[key]] for key in METRICS},
        "seconds_per_epoch": [round(s, 3) for s in seconds],
        "versions": versions | {backend: import_module(backend).__version__},
        "machine": cpus[0].strip() if cpus else platform.processor() or platform.machine(),
    }
    (path := Path(path)).parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def results_folder(folder: Path | None = None) -> Path:
    """`folder`, else `sweep/` in the working folder (new results), else this package's."""
    here = Path("sweep")
    return Path(folder) if folder is not None else here if here.is_dir() else RESULTS


def read_experiment(path: Path) -> Experiment:
    """One result file, as `save_experiment` wrote it."""
    record = json.loads(Path(path).read_text())
    fields = ("history", "seconds_per_epoch", "versions", "machine")
    return Experiment(Setting(**record["setting"]), *(record[key] for key in fields))


def load_experiments(folder: Path | None = None) -> dict[str, Experiment]:
    """Every result in `folder` (default: `results_folder()`), by run name, sorted by name."""
    paths = sorted(p for p in results_folder(folder).glob("*.json") if p.name != TEST_FILE)
    return {run.setting.name: run for run in map(read_experiment, paths)}


def load_test_result(folder: Path | None = None) -> TestResult:
    """The test set's verdict on the chosen run (`test.json`, written by `make experiments`)."""
    record = json.loads((results_folder(folder) / TEST_FILE).read_text())
    return TestResult(*(record[key] for key in TestResult._fields))


def runs_varying(experiments: dict[str, Experiment], field: str, base: str = "post") -> list:
    """The `base` run and those that differ from it in `field` only, sorted by that field."""
    free = {"name": None, "epochs": None, field: None}  # what the runs may differ in
    reference = asdict(experiments[base].setting) | free
    chosen = [run for run in experiments.values() if asdict(run.setting) | free == reference]
    return sorted(chosen, key=lambda run: getattr(run.setting, field))


def best_on_validation(experiments: dict[str, Experiment], base: str = "post") -> Experiment:
    """The highest val_accuracy after `CHOOSE_AT` epochs among the runs of `base`'s seed (the
    other seeds measure noise, they are not settings to choose)."""
    seed = experiments[base].setting.seed
    settings = [run for run in experiments.values() if run.setting.seed == seed]
    return max(settings, key=lambda run: run.at_epoch("val_accuracy", CHOOSE_AT))


def table(runs: list[Experiment], label, post: Experiment, seconds: bool = False) -> None:
    """Print each run's val_accuracy after 20 and 50 epochs, less `post`'s (and s/epoch)."""
    header = f"{'':14}{'after 20':>9}{'vs post':>9}{'after 50':>10}{'vs post':>9}"
    print(header + "  s/epoch" * seconds)
    for run in runs:
        values = [(run.at_epoch("val_accuracy", epoch), epoch) for epoch in COMPARE_AT]
        cells = " ".join(f"{v:9.4f}{v - post.at_epoch('val_accuracy', e):+9.4f}" for v, e in values)
        print(f"{label(run):14}{cells}" + (f"{run.epoch_seconds():9.2f}" if seconds else ""))


def plot(ax, runs: list[Experiment], label, metric="val_accuracy", epochs=50, by_time=False):
    """One curve per run on `ax`: `metric` by epoch, or by seconds of training (`by_time`)."""
    for i, run in enumerate(runs):
        x = list(accumulate(run.seconds_per_epoch[:epochs])) if by_time else range(1, epochs + 1)
        y = run.history[metric][:epochs]
        ax.plot(x, y, linestyle=STYLES[i], marker=MARKERS[i], markevery=10, label=label(run))
    ax.set(xlabel="seconds of training" if by_time else "epoch", ylabel=metric)
    ax.legend()


def plot_by_time(ax, runs: list[Experiment], label, epochs: int = 50) -> None:
    """One curve per run on `ax`: validation accuracy against the seconds of training."""
    plot(ax, runs, label, epochs=epochs, by_time=True)
