"""`make experiments`: train the post's network once per setting of `experiments/sweep.toml`
with papermill, then redraw notebook 09 from the results and publish them together.

Each run executes `experiments/train_one_setting.ipynb` with the setting as papermill's
parameters into `build/experiments/runs/<name>.ipynb`, and its history into
`build/experiments/results/<name>.json`. Then notebook 09 runs on the whole sweep's results
(nothing else trains): the new ones and, when only some runs were rerun (`--only`), the committed
results of the others, which must match their settings in the sweep file. Only when every run and
notebook 09 succeeded are `experiments/results/`, `notebooks/09_*.ipynb` and its figures replaced;
a failed or interrupted sweep changes nothing committed and names the run that failed. Every
setting is checked before the first run starts.

    python -m mnist17_tools experiments [--only NAME ...] [--sweep FILE] [--output DIR]
"""

import argparse
import dataclasses
import json
import shutil
import sys
import time
import tomllib
from pathlib import Path

from mnist17.experiments import (
    RESULTS_VARIABLE,
    SETTING_FIELDS,
    TEST_FILE,
    ExperimentResultsError,
    Setting,
    best_on_validation,
    choosing_epoch,
    load_experiments,
    load_test_result,
    read_experiment,
    save_test_result,
    validate_setting,
)
from mnist17.files import copy_atomically, write_atomically
from mnist17.params import ParameterError
from mnist17.paths import OUTPUT_DIR_VARIABLE, display_path, root
from mnist17_tools.checkout import build_dir
from mnist17_tools.lock import exclusive
from mnist17_tools.machine import cpu_features
from mnist17_tools.notebook_runner import (
    CELL_TIMEOUT,
    NotebookRunError,
    execute,
    kernel_env,
    parse_cell_timeout,
)
from mnist17_tools.run_all import exit_status
from mnist17_tools.series import series

RESULTS_NOTEBOOK_PREFIX = "09_"  # the notebook that plots the results


def committed_results() -> Path:
    """`experiments/results/`: one committed JSON file per run of the sweep."""
    return root() / "experiments" / "results"


def sweep_file() -> Path:
    """`experiments/sweep.toml`: the runs of the sweep."""
    return root() / "experiments" / "sweep.toml"


def template() -> Path:
    """The parameterized training notebook that papermill runs once per setting."""
    return root() / "experiments" / "train_one_setting.ipynb"


def read_sweep(path: Path) -> list[Setting]:
    """The sweep's settings, checked; `ParameterError` names the file, the run and the value."""
    where = display_path(path)
    try:
        sweep = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ParameterError(f"{where} could not be read: {error}") from None
    defaults, runs = sweep.pop("defaults", {}), sweep.pop("run", [])
    if sweep:
        raise ParameterError(
            f"{where}: unknown section(s) {', '.join(sweep)}; use [defaults] and [[run]]"
        )
    if not runs:
        raise ParameterError(f"{where} has no [[run]]: nothing to run")
    settings, names = [], set()
    for number, run in enumerate(runs, 1):
        label = f"run {number} ({run.get('name', 'no name')!s})"
        unknown = set(defaults) | set(run)
        unknown -= set(SETTING_FIELDS)
        if unknown:
            raise ParameterError(
                f"{where}, {label}: unknown key(s) {', '.join(sorted(unknown))}; "
                f"the keys are {', '.join(SETTING_FIELDS)}"
            )
        try:
            setting = validate_setting(**{**Setting("x").as_dict(), **defaults, **run})
        except ParameterError as error:
            raise ParameterError(f"{where}, {label}: {error}") from None
        if setting.name in names:
            raise ParameterError(f"{where}, {label}: the name {setting.name!r} is used twice")
        names.add(setting.name)
        settings.append(setting)
    return settings


def describe(setting: Setting) -> str:
    """What a run changes from the post, in one line: `learning_rate=0.1, 20 epochs`."""
    post = Setting(setting.name).as_dict()
    changed = [
        f"{key}={value}"
        for key, value in setting.as_dict().items()
        if key not in ("name", "epochs") and value != post[key]
    ]
    return f"{', '.join(changed) or 'the post settings'}, {setting.epochs} epochs"


def results_notebook() -> Path:
    """Notebook 09, which reads the results and plots them."""
    found = [path for path in series() if path.name.startswith(RESULTS_NOTEBOOK_PREFIX)]
    if not found:
        raise NotebookRunError(f"no notebook {RESULTS_NOTEBOOK_PREFIX}*.ipynb in the series")
    return found[0]


def run_sweep(
    settings: list[Setting],
    build: Path,
    cell_timeout: int = CELL_TIMEOUT,
) -> Path:
    """Run every setting into `build/runs/` and `build/results/`; raise on the first failure."""
    runs, results = build / "runs", build / "results"
    for folder in (runs, results, build / "models"):
        folder.mkdir(parents=True)
    machine = cpu_features()["cpu"]
    for number, setting in enumerate(settings, 1):
        print(f"[{number}/{len(settings)}] {setting.name}: {describe(setting)}", flush=True)
        started = time.perf_counter()
        result = results / f"{setting.name}.json"
        parameters = {
            **setting.as_dict(),
            "result_file": str(result),
            "model_file": str(build / "models" / f"{setting.name}.keras"),
        }
        try:
            execute(
                template(),
                runs / f"{setting.name}.ipynb",
                cwd=template().parent,
                parameters=parameters,
                cell_timeout=cell_timeout,
            )
        except NotebookRunError as error:
            raise NotebookRunError(f"the run {setting.name!r} failed: {error}") from None
        record = json.loads(result.read_text())
        record["machine"] = machine  # the seconds per epoch mean little without it
        write_atomically(
            result, lambda tmp, r=record: tmp.write_text(json.dumps(r, indent=1) + "\n")
        )
        print(f"  {setting.name} ran in {time.perf_counter() - started:.1f} s", flush=True)
    return results


def others_committed(settings: list[Setting], rerun: list[Setting]) -> dict[str, Path]:
    """The committed result of every run of the sweep that is not rerun, by name; raises
    `ParameterError` when one is missing or was made with another setting than the sweep's."""
    again = {setting.name for setting in rerun}
    found = {}
    for setting in settings:
        if setting.name in again:
            continue
        path = committed_results() / f"{setting.name}.json"
        try:
            committed = read_experiment(path).setting if path.exists() else None
        except ExperimentResultsError:
            committed = None
        if committed != setting:
            raise ParameterError(
                f"notebook 09 draws every run of the sweep, and the committed result of "
                f"{setting.name!r} is missing or was made with another setting than "
                f"{display_path(sweep_file())}'s: add it to ONLY, or run `make experiments`"
            )
        found[setting.name] = path
    return found


def whole_sweep(build: Path, results: Path, others: dict[str, Path]) -> Path:
    """`build/all-results/`: the new results and the committed ones of the runs not rerun."""
    drawn_from = build / "all-results"
    drawn_from.mkdir()
    for path in [*others.values(), *results.glob("*.json")]:
        shutil.copy2(path, drawn_from / path.name)
    return drawn_from


def evaluate_on_test(model_file: Path, setting: Setting) -> tuple[float, float]:
    """The saved model's loss and accuracy on the 10,000 test images, prepared as it trained."""
    from sklearn.preprocessing import LabelBinarizer

    from mnist17.data import load_mnist
    from mnist17.environment import setup_keras

    setup_keras()  # quiet, and the thread count the notebooks use
    import keras

    (_, y_train), (x_test, y_test) = load_mnist()
    scale = 255.0 if setting.scale_inputs else 1.0
    x = x_test.reshape(len(x_test), 28 * 28).astype("float32") / scale
    y = LabelBinarizer().fit(y_train).transform(y_test)
    model = keras.saving.load_model(model_file, safe_mode=True)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    return float(loss), float(accuracy)


def measure_the_chosen(drawn_from: Path, models: Path, results: Path) -> str:
    """Measure the run chosen on the validation set once on the test set (`test.json` in
    `results` and `drawn_from`); a chosen run that was not rerun keeps its committed measurement."""
    runs = load_experiments(drawn_from)
    chosen = best_on_validation(runs)
    name = chosen.setting.name
    model = models / f"{name}.keras"
    if model.exists():
        measured = evaluate_on_test(model, chosen.setting)
        save_test_result(results, chosen, choosing_epoch(runs), *measured)
        shutil.copy2(results / TEST_FILE, drawn_from / TEST_FILE)
        return name
    try:
        committed = load_test_result(committed_results())
    except ExperimentResultsError:
        committed = None
    if committed is None or (committed.run, committed.setting) != (name, chosen.setting):
        raise NotebookRunError(
            f"the run chosen on the validation set, {name!r}, was not rerun, and the committed "
            f"test result is not of it: run `make experiments ONLY={name}` (or all of them)"
        )
    shutil.copy2(committed_results() / TEST_FILE, drawn_from / TEST_FILE)
    return name


def redraw(build: Path, drawn_from: Path, cell_timeout: int) -> Path:
    """Run notebook 09 on the results in `drawn_from`; its figures go to `build/figures/`."""
    notebook = results_notebook()
    executed = build / "notebooks" / notebook.name
    print(f"running {notebook.name} on the results of the whole sweep", flush=True)
    env = kernel_env(**{OUTPUT_DIR_VARIABLE: build, RESULTS_VARIABLE: drawn_from})
    execute(notebook, executed, cwd=notebook.parent, env=env, cell_timeout=cell_timeout)
    return executed


def publish(build: Path, results: Path, executed: Path, complete: bool) -> list[Path]:
    """Replace the committed results (all of them after a complete sweep, else those rerun),
    notebook 09 and its figures."""
    committed = committed_results()
    committed.mkdir(parents=True, exist_ok=True)
    new = {path.name for path in results.glob("*.json")}
    published = []
    for path in sorted(results.glob("*.json")):
        copy_atomically(path, committed / path.name)
        published.append(committed / path.name)
    if complete:  # a run removed from the sweep leaves no stale result behind
        for stale in committed.glob("*.json"):
            if stale.name not in new and stale.name != TEST_FILE:
                stale.unlink()
    copy_atomically(executed, root() / "notebooks" / executed.name)
    published.append(root() / "notebooks" / executed.name)
    for figure in sorted((build / "figures").glob("*.png")):
        copy_atomically(figure, root() / "figures" / figure.name)
        published.append(root() / "figures" / figure.name)
    return published


def main(argv: list[str] | None = None) -> int:
    """`make experiments`; exit status 0 on success, 1 on a failed run, 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist17_tools experiments", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--sweep", type=Path, default=None, help="the runs (experiments/sweep.toml)"
    )
    parser.add_argument("--only", nargs="+", default=None, metavar="NAME", help="run only these")
    parser.add_argument("--output", type=Path, help="output folder; nothing committed is changed")
    parser.add_argument("--cell-timeout", default=CELL_TIMEOUT, help="seconds per cell")
    parser.add_argument(
        "--epochs", type=int, help="train every run this long instead (with --output only)"
    )
    args = parser.parse_args(argv)
    try:
        every = read_sweep(args.sweep or sweep_file())
        cell_timeout = parse_cell_timeout(args.cell_timeout)
        settings = every
        others: dict[str, Path] = {}
        if args.only:
            names = [s.name for s in every]
            missing = [name for name in args.only if name not in names]
            if missing:
                raise ParameterError(
                    f"ONLY names no run of the sweep: {', '.join(missing)} "
                    f"(the runs: {', '.join(names)})"
                )
            settings = [s for s in every if s.name in args.only]
            if args.output is None:  # notebook 09 will be redrawn: it needs the other runs too
                others = others_committed(every, settings)
        if args.epochs is not None:
            if args.output is None or args.epochs < 1:
                raise ParameterError(
                    "--epochs shortens runs for a check only: give a positive number and --output "
                    "(results of another length are never published)"
                )
            settings = [dataclasses.replace(s, epochs=args.epochs) for s in settings]
    except ParameterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return exit_status(lambda: sweep(settings, others, args.output, cell_timeout))


def sweep(
    settings: list[Setting], others: dict[str, Path], output: Path | None, cell_timeout: int
) -> None:
    """Run the settings, then (without an `output` folder) redraw notebook 09 from their results
    and the committed ones of the other runs (`others`), and publish."""
    complete = not others
    build = (output or build_dir() / "experiments").resolve()
    started = time.perf_counter()
    with exclusive(build_dir() / "run-all.lock", "`make run-all` or `make experiments`") as note:
        if note:
            print(note, flush=True)
        if build.exists():
            shutil.rmtree(build)
        results = run_sweep(settings, build, cell_timeout)
        print(
            f"the sweep: {len(settings)} runs in {time.perf_counter() - started:.0f} s", flush=True
        )
        if output is not None:
            print(
                "done: nothing committed was changed (an output folder was given). "
                f"Results: {display_path(results)}"
            )
            return
        drawn_from = whole_sweep(build, results, others)
        chosen = measure_the_chosen(drawn_from, build / "models", results)
        print(f"chosen on the validation set: {chosen}, measured once on the test set", flush=True)
        executed = redraw(build, drawn_from, cell_timeout)
        published = publish(build, results, executed, complete)
    print(
        f"done in {time.perf_counter() - started:.0f} s: {len(published)} files updated "
        "(experiments/results/, notebook 09, its figures)"
    )
