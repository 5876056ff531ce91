"""`make experiments`: train the runs of `experiments/sweep.toml` (all checked first), measure the
chosen one once on the test set, redraw notebook 09 from the whole sweep; publish only then."""

import argparse
import json
import re
import shutil
import tomllib
from dataclasses import asdict, fields, replace
from pathlib import Path

import nbformat
import numpy as np

import mnist17.experiments as sweep
from mnist17_tools import ROOT, series, shown
from mnist17_tools import run as runner
from mnist17_tools.data import TARGET, obtain
from mnist17_tools.run import Refused, RunError, exit_status

SWEEP = ROOT / "experiments" / "sweep.toml"
TRAINER = ROOT / "experiments" / "train_one_setting.ipynb"
COMMITTED = ROOT / "src" / "mnist17" / "sweep"
KEYS = [field.name for field in fields(sweep.Setting)]


def read_sweep(path: Path = SWEEP) -> list[sweep.Setting]:
    """The sweep's runs: the post's settings with each run's changes; `Refused` names a bad one."""
    try:
        runs = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"{shown(path)}: {error}") from None
    if list(runs) != ["run"] or not runs["run"]:
        raise Refused(f"{shown(path)} holds [[run]] tables only, at least one")
    post, settings = runner.post_settings(), []
    for number, run in enumerate(runs["run"], 1):
        try:
            if unknown := sorted(set(run) - set(KEYS)):
                raise Refused(f"unknown key(s) {', '.join(unknown)}; the keys: {', '.join(KEYS)}")
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", str(run.get("name"))):
                raise Refused("name: lower-case letters, digits, '.' and '-', as a file name")
            if run["name"] in (setting.name for setting in settings):
                raise Refused("the name is used twice")
            setting = sweep.Setting(**{**post, **run})
            if not isinstance(setting.scale_inputs, bool):
                raise Refused("scale_inputs is true or false")
            if setting.activation not in ("sigmoid", "relu"):
                raise Refused("activation is sigmoid or relu")
            numbers = runner.checked({key: getattr(setting, key) for key in post})
            if numbers["epochs"] < sweep.CHOOSE_AT:
                raise Refused(f"epochs: at least {sweep.CHOOSE_AT}, where 09 compares runs")
        except Refused as error:
            raise Refused(f"{shown(path)}, run {number} ({run.get('name')}): {error}") from None
        settings.append(replace(setting, **numbers))
    return settings


def measure(setting: sweep.Setting, model_file: Path) -> dict:
    """The saved network's loss and accuracy on the 10,000 test images, prepared as it trained."""
    import keras

    with np.load(TARGET) as mnist:  # verified by obtain(); kernels get it as mnist.load_data()
        images, labels = mnist["x_test"], mnist["y_test"]
    x = images.reshape(-1, 28 * 28).astype("float32") / (255.0 if setting.scale_inputs else 1.0)
    loss, accuracy = keras.saving.load_model(model_file).evaluate(x, np.eye(10)[labels], verbose=0)
    record = {"run": setting.name, "setting": asdict(setting), "chosen_at": sweep.CHOOSE_AT}
    return record | {"test_loss": float(loss), "test_accuracy": float(accuracy)}


def experiments(only: list[str] | None, output: Path | None) -> None:
    """Run the sweep's runs (those in `only`, else all), redraw 09; publish unless `output`."""
    every = read_sweep()
    if unknown := sorted(set(only or []) - {setting.name for setting in every}):
        raise Refused(f"ONLY names no run of {shown(SWEEP)}: {', '.join(unknown)}")
    runs = [setting for setting in every if not only or setting.name in only]
    kept = {setting: COMMITTED / f"{setting.name}.json" for setting in every if setting not in runs}
    for setting, path in kept.items():  # notebook 09 draws them too
        if not path.exists() or sweep.read_experiment(path).setting != setting:
            raise Refused(
                f"the committed result of {setting.name!r} is missing or not of the sweep's "
                "setting: add it to ONLY, or run `make experiments`"
            )
    notebook = next(path for path in series() if path.name.startswith("09_"))
    with runner.one_run_at_a_time():
        obtain()
        build = runner.fresh_folder(output or ROOT / "build" / "experiments")
        results, models = build / "notebooks" / "sweep", build / "models"
        for folder in (results, models, build / "figures"):
            folder.mkdir(parents=True)
        for path in kept.values():
            shutil.copyfile(path, results / path.name)
        for number, setting in enumerate(runs, 1):
            print(f"[{number}/{len(runs)}] {setting.name}", flush=True)
            result, model = results / f"{setting.name}.json", models / f"{setting.name}.keras"
            parameters = asdict(setting) | {"result_file": str(result), "model_file": str(model)}
            try:
                runner.execute(TRAINER, build / "runs" / f"{setting.name}.ipynb", build, parameters)
            except RunError as error:
                raise RunError(f"the run {setting.name!r} failed: {error}") from None
        chosen = sweep.best_on_validation(sweep.load_experiments(results)).setting
        print(f"chosen on the validation set: {chosen.name}", flush=True)
        tested = COMMITTED / sweep.TEST_FILE
        if chosen in runs:
            record = measure(chosen, models / f"{chosen.name}.keras")
            (results / sweep.TEST_FILE).write_text(json.dumps(record, indent=1) + "\n")
        elif tested.exists() and json.loads(tested.read_text())["setting"] == asdict(chosen):
            shutil.copyfile(tested, results / sweep.TEST_FILE)
        else:
            raise RunError(
                f"the run chosen on the validation set, {chosen.name!r}, was not rerun, and the "
                f"committed test result is not of it: run `make experiments ONLY={chosen.name}`"
            )
        print(f"running {notebook.name}", flush=True)
        nb = runner.execute(notebook, build / "notebooks" / notebook.name, build / "notebooks")
        runner.keep_committed(nb, nbformat.read(notebook, as_version=4))
        nbformat.write(nb, build / "notebooks" / notebook.name)
        if output:
            print(f"done: nothing committed was changed; the run is in {shown(build)}")
            return
        for path in sorted(results.glob("*.json")):
            runner.replace_file(path, COMMITTED / path.name)
        for stale in COMMITTED.glob("*.json"):  # of a run no longer in the sweep
            if not (results / stale.name).exists():
                stale.unlink()
        runner.replace_file(build / "notebooks" / notebook.name, notebook)
        for figure in sorted((build / "figures").glob("*.png")):
            runner.replace_file(figure, ROOT / "figures" / figure.name)
        print(f"done: {shown(COMMITTED)}, {shown(notebook)} and its figures updated")


def main(argv: list[str]) -> int:
    """`make experiments`: exit status 0 done, 1 failed, 2 refused, 130 interrupted."""
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools experiments")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="rerun these runs only")
    parser.add_argument("--output", type=Path, help="run into this new folder; publish nothing")
    args = parser.parse_args(argv)
    return exit_status(lambda: experiments(args.only, args.output and args.output.resolve()))
