"""`make experiments`: the sweep's settings are checked before anything trains, a rerun of one
setting gives the committed history, and a failed sweep changes nothing committed.

The committed results (`experiments/results/`) are what notebook 09 and its figures are drawn
from; nbval and the figure tests check 09 like the rest of the series."""

import json
import os
import re
import subprocess
import sys

import pytest
from helpers import make, run_module

from mnist17.experiments import (
    SETTING_FIELDS,
    Experiment,
    ExperimentResultsError,
    Setting,
    load_experiments,
    read_experiment,
    results_dir,
    runs_varying,
    validate_setting,
)
from mnist17.params import ParameterError
from mnist17_tools.checkout import copy_checkout
from mnist17_tools.experiments import read_sweep, sweep_file
from mnist17_tools.tolerances import SWEEP_RERUN, SWEEP_TOLERANCE

POST = {"learning_rate": 0.01, "batch_size": 128, "scale_inputs": True, "activation": "sigmoid"}


def test_the_sweep_asks_each_question_of_notebook_09():
    settings = read_sweep(sweep_file())
    values = {field: {getattr(s, field) for s in settings} for field in SETTING_FIELDS}
    assert {0.001, 0.01, 0.1, 1.0} <= values["learning_rate"]
    assert {32, 128, 1024} <= values["batch_size"]
    assert values["scale_inputs"] == {True, False}
    assert values["activation"] == {"sigmoid", "relu"}
    post_like = [s for s in settings if all(getattr(s, k) == v for k, v in POST.items())]
    assert len({s.seed for s in post_like}) >= 5  # the seed's spread
    assert max(s.epochs for s in post_like) >= 100  # does it plateau, does val_loss turn up


def test_the_committed_results_are_those_of_the_sweep():
    """Editing sweep.toml without `make experiments` leaves results that no longer match."""
    settings = {s.name: s for s in read_sweep(sweep_file())}
    results = load_experiments()
    assert set(results) == set(settings), "run `make experiments`: results and sweep differ"
    for name, result in results.items():
        assert result.setting == settings[name], f"{name}: run `make experiments ONLY={name}`"
        assert result.machine != "unknown"


BAD_SWEEPS = {
    "learning rate 0": ("learning_rate = 0", "learning_rate must be a positive finite number"),
    "batch over the training set": ("batch_size = 60001", "batch_size must be an integer from 1"),
    "no such activation": ('activation = "tanh"', "activation must be one of sigmoid, relu"),
    "unknown key": ("learnig_rate = 0.1", "unknown key(s) learnig_rate"),
    "zero epochs": ("epochs = 0", "epochs must be a positive integer"),
}


@pytest.mark.parametrize("case", BAD_SWEEPS, ids=str)
def test_a_setting_that_cannot_train_is_refused_in_one_line_before_any_run(case, tmp_path):
    line, message = BAD_SWEEPS[case]
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'[[run]]\nname = "fine"\n\n[[run]]\nname = "bad"\n{line}\n')
    output = tmp_path / "out"
    result = run_module("experiments", "--sweep", str(sweep), "--output", str(output))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "run 2 (bad)" in result.stderr and message in result.stderr
    assert not output.exists() and result.stdout == ""


def test_make_experiments_refuses_a_bad_sweep_file_before_any_run(tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('[[run]]\nname = "bad"\nbatch_size = 100000\n')
    result = make("experiments", f"SWEEP={sweep}")
    assert result.returncode != 0
    assert "run 1 (bad): batch_size must be an integer from 1 to 60000" in result.stderr
    assert "[1/" not in result.stdout  # nothing ran


def test_only_a_run_of_the_sweep_can_be_chosen():
    result = run_module("experiments", "--only", "lr-7")
    assert result.returncode == 2 and "ONLY names no run of the sweep: lr-7" in result.stderr


def test_a_rerun_of_one_setting_gives_the_committed_history(tmp_path):
    """The committed results can't go stale silently: one setting trained again (its epochs shown
    as they finish) gives the committed history within the measured tolerance."""
    output = tmp_path / "experiments"
    result = run_module("experiments", "--only", SWEEP_RERUN, "--output", str(output))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"[1/1] {SWEEP_RERUN}: ")
    epochs = [line for line in lines if line.startswith("    Epoch ")]
    committed = load_experiments()[SWEEP_RERUN]
    assert len(epochs) == committed.setting.epochs
    assert any(line.startswith("the sweep: 1 runs in") for line in lines)
    rerun = read_experiment(output / "results" / f"{SWEEP_RERUN}.json")
    assert rerun.setting == committed.setting
    for metric, values in committed.history.items():
        worst = max(abs(a - b) for a, b in zip(values, rerun.history[metric], strict=True))
        assert worst <= SWEEP_TOLERANCE, f"{metric} moved by {worst:.2e}: `make experiments`?"


def test_a_failed_sweep_changes_nothing_committed_and_names_the_run(tmp_path):
    repo = copy_checkout(tmp_path / "repo")
    template = repo / "experiments" / "train_one_setting.ipynb"
    nb = json.loads(template.read_text())
    nb["cells"].insert(
        3,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "broken-cell",
            "metadata": {},
            "outputs": [],
            "source": ['if name == "second":\n    raise RuntimeError("broken for a test")'],
        },
    )
    template.write_text(json.dumps(nb))
    sweep = repo / "experiments" / "sweep.toml"
    sweep.write_text('[defaults]\nepochs = 1\n[[run]]\nname = "first"\n[[run]]\nname = "second"\n')
    committed = {
        p.relative_to(repo): p.read_bytes()
        for folder in ("experiments", "notebooks", "figures")
        for p in (repo / folder).rglob("*")
        if p.is_file()
    }
    result = subprocess.run(
        [sys.executable, "-m", "mnist17_tools", "experiments"],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo / "src"), "MNIST17_OUTPUT_DIR": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "the run 'second' failed" in result.stderr
    assert "RuntimeError: broken for a test" in result.stderr
    assert "Nothing committed was changed" in result.stderr
    assert "first ran in" in result.stdout  # the first run succeeded and still published nothing
    after = {
        p.relative_to(repo): p.read_bytes()
        for folder in ("experiments", "notebooks", "figures")
        for p in (repo / folder).rglob("*")
        if p.is_file()
    }
    assert after == committed


# The reader's side, mnist17.experiments: what notebook 09 and the training notebook use.


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Has Space"}, "name must be lower-case letters"),
        ({"scale_inputs": "yes"}, "scale_inputs must be true or false"),
        ({"activation": "tanh"}, "activation must be one of sigmoid, relu"),
        ({"learning_rate": -1}, "learning_rate must be a positive finite number"),
    ],
)
def test_a_bad_setting_names_itself(change, message):
    good = {"name": "x", "epochs": 1, "batch_size": 128, "learning_rate": 0.01, "seed": 1}
    with pytest.raises(ParameterError, match=re.escape(message)):
        validate_setting(**{**good, **change})


def test_a_damaged_or_missing_result_says_what_to_run(tmp_path):
    with pytest.raises(ExperimentResultsError, match=r"No experiment results .*make experiments"):
        load_experiments(tmp_path)
    committed = load_experiments()["post"]
    record = json.loads((results_dir() / "post.json").read_text())
    record["history"]["val_loss"] = record["history"]["val_loss"][:-1]  # one epoch short
    (tmp_path / "post.json").write_text(json.dumps(record))
    with pytest.raises(ExperimentResultsError, match="every metric for each of its 100 epochs"):
        load_experiments(tmp_path)
    (tmp_path / "post.json").write_text("{")
    with pytest.raises(ExperimentResultsError, match="is damaged"):
        load_experiments(tmp_path)
    assert committed.setting.epochs == 100


def test_runs_varying_picks_the_runs_of_one_question():
    runs = load_experiments()
    rates = runs_varying(runs, "learning_rate")
    assert [r.setting.learning_rate for r in rates] == [0.001, 0.01, 0.1, 1.0]
    assert all(r.setting.batch_size == 128 for r in rates)
    assert [r.setting.batch_size for r in runs_varying(runs, "batch_size")] == [32, 128, 1024]


def test_an_epoch_takes_the_median_time_without_the_first_which_compiles():
    run = Experiment(Setting("x", epochs=4), {}, [30.0, 1.0, 3.0, 2.0], {}, "a CPU")
    assert run.epoch_seconds() == 2.0
