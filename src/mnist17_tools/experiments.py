"""`make experiments`: train once per run of `experiments/sweep.toml`, measure the run chosen on
the validation set once on the test set, redraw notebook 09 from the whole sweep, publish.

Every run is the post's settings (notebook 04's parameters) with the values it names changed;
each value is checked, naming the run, before anything trains. Each run executes
`experiments/train_one_setting.ipynb` with papermill in `build/experiments/`; notebook 09 then
runs in `build/experiments/notebooks/`, whose `sweep/` holds the whole sweep's results: the new
ones and the committed ones of the runs not rerun (`--only`), which must match the sweep. Only
then are `src/mnist17/sweep/`, notebook 09 and its figures replaced; a failure changes nothing
committed, and so does a run with `--output`.
"""

import argparse
import json
import re
import shutil
import sys
import tomllib
from dataclasses import asdict, fields, replace
from pathlib import Path

import nbformat
import numpy as np

from mnist17.experiments import (
    CHOOSE_AT,
    TEST_FILE,
    Setting,
    best_on_validation,
    load_experiments,
    read_experiment,
)
from mnist17_tools import ROOT, series, shown
from mnist17_tools.data import TARGET, DataError, obtain
from mnist17_tools.run import (
    Refused,
    RunError,
    checked,
    execute,
    fresh_folder,
    keep_committed,
    one_run_at_a_time,
    post_settings,
    replace_file,
)

SWEEP = ROOT / "experiments" / "sweep.toml"
TRAINER = ROOT / "experiments" / "train_one_setting.ipynb"
COMMITTED = ROOT / "src" / "mnist17" / "sweep"
KEYS = [field.name for field in fields(Setting)]


def read_sweep(path: Path = SWEEP) -> list[Setting]:
    """The sweep's runs, each the post's settings with its own changes; `Refused` names the run
    and the value that cannot train."""
    try:
        sweep = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"{shown(path)}: {error}") from None
    runs = sweep.pop("run", [])
    if sweep or not runs:
        raise Refused(f"{shown(path)} holds [[run]] tables only, at least one")
    post, settings = post_settings(), []
    for number, run in enumerate(runs, 1):
        try:
            if unknown := sorted(set(run) - set(KEYS)):
                raise Refused(f"unknown key(s) {', '.join(unknown)}; the keys: {', '.join(KEYS)}")
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", str(run.get("name"))):
                raise Refused("name: lower-case letters, digits, '.' and '-', as a file name")
            if run["name"] in (setting.name for setting in settings):
                raise Refused("the name is used twice")
            setting = Setting(**{**post, **run})
            if not isinstance(setting.scale_inputs, bool):
                raise Refused("scale_inputs is true or false")
            if setting.activation not in ("sigmoid", "relu"):
                raise Refused("activation is sigmoid or relu")
            numbers = checked({key: getattr(setting, key) for key in post})
        except Refused as error:
            raise Refused(f"{shown(path)}, run {number} ({run.get('name')}): {error}") from None
        settings.append(replace(setting, **numbers))
    return settings


def committed_results(settings: list[Setting]) -> list[Path]:
    """The committed result of each of `settings`; `Refused` if one is missing or of another
    setting (notebook 09 draws every run of the sweep)."""
    for setting in settings:
        path = COMMITTED / f"{setting.name}.json"
        if not path.exists() or read_experiment(path).setting != setting:
            raise Refused(
                f"the committed result of {setting.name!r} is missing or not of the sweep's "
                "setting: add it to ONLY, or run `make experiments`"
            )
    return [COMMITTED / f"{setting.name}.json" for setting in settings]


def measure(setting: Setting, model_file: Path) -> dict:
    """The saved network's loss and accuracy on the 10,000 test images, prepared as it trained."""
    import keras

    with np.load(TARGET) as mnist:  # verified by obtain(); kernels get it as mnist.load_data()
        images, labels = mnist["x_test"], mnist["y_test"]
    scale = 255.0 if setting.scale_inputs else 1.0
    x = images.reshape(len(images), 28 * 28).astype("float32") / scale
    loss, accuracy = keras.saving.load_model(model_file).evaluate(x, np.eye(10)[labels], verbose=0)
    record = {"run": setting.name, "setting": asdict(setting), "chosen_at": CHOOSE_AT}
    return record | {"test_loss": float(loss), "test_accuracy": float(accuracy)}


def committed_test(setting: Setting) -> Path:
    """The committed test result, which must be of `setting`: the chosen run, not rerun."""
    path = COMMITTED / TEST_FILE
    if not path.exists() or json.loads(path.read_text())["setting"] != asdict(setting):
        raise RunError(
            f"the run chosen on the validation set, {setting.name!r}, was not rerun, and the "
            f"committed test result is not of it: run `make experiments ONLY={setting.name}`"
        )
    return path


def experiments(only: list[str] | None, output: Path | None) -> None:
    """Run the sweep's runs (those named in `only`, else all), measure, redraw 09; publish
    unless `output` is given."""
    every = read_sweep()
    if unknown := sorted(set(only or []) - {setting.name for setting in every}):
        raise Refused(f"ONLY names no run of {shown(SWEEP)}: {', '.join(unknown)}")
    runs = [setting for setting in every if not only or setting.name in only]
    kept = committed_results([setting for setting in every if setting not in runs])
    notebook = next(path for path in series() if path.name.startswith("09_"))
    with one_run_at_a_time():
        obtain()
        build = fresh_folder(output or ROOT / "build" / "experiments")
        results = build / "notebooks" / "sweep"
        for folder in (results, build / "models", build / "figures"):
            folder.mkdir(parents=True)
        for path in kept:
            shutil.copyfile(path, results / path.name)
        for number, setting in enumerate(runs, 1):
            print(f"[{number}/{len(runs)}] {setting.name}", flush=True)
            files = {"result_file": results / f"{setting.name}.json"}
            files["model_file"] = build / "models" / f"{setting.name}.keras"
            parameters = asdict(setting) | {key: str(path) for key, path in files.items()}
            try:
                execute(TRAINER, build / "runs" / f"{setting.name}.ipynb", build, parameters)
            except RunError as error:
                raise RunError(f"the run {setting.name!r} failed: {error}") from None
        chosen = best_on_validation(load_experiments(results)).setting
        print(f"chosen on the validation set: {chosen.name}", flush=True)
        if chosen in runs:
            record = measure(chosen, build / "models" / f"{chosen.name}.keras")
            (results / TEST_FILE).write_text(json.dumps(record, indent=1) + "\n")
        else:
            shutil.copyfile(committed_test(chosen), results / TEST_FILE)
        print(f"running {notebook.name}", flush=True)
        nb = execute(notebook, build / "notebooks" / notebook.name, build / "notebooks")
        keep_committed(nb, nbformat.read(notebook, as_version=4))
        nbformat.write(nb, build / "notebooks" / notebook.name)
        if output:
            print(f"done: nothing committed was changed; the run is in {shown(build)}")
            return
        for path in sorted(results.glob("*.json")):
            replace_file(path, COMMITTED / path.name)
        for stale in COMMITTED.glob("*.json"):  # of a run no longer in the sweep
            if not (results / stale.name).exists():
                stale.unlink()
        replace_file(build / "notebooks" / notebook.name, notebook)
        for figure in sorted((build / "figures").glob("*.png")):
            replace_file(figure, ROOT / "figures" / figure.name)
        print(f"done: {shown(COMMITTED)}, {shown(notebook)} and its figures updated")


def main(argv: list[str]) -> int:
    """`make experiments`: exit status 0 done, 1 failed, 2 refused, 130 interrupted."""
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools experiments")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="rerun these runs only")
    parser.add_argument("--output", type=Path, help="run into this new folder; publish nothing")
    args = parser.parse_args(argv)
    try:
        experiments(args.only, args.output and args.output.resolve())
    except (RunError, DataError) as error:
        print(f"error: {error}\nNothing committed was changed.", file=sys.stderr)
        return 2 if isinstance(error, Refused) else 1
    except KeyboardInterrupt:
        print("interrupted: nothing committed was changed.", file=sys.stderr)
        return 130
    return 0
