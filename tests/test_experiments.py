"""`make experiments`: the sweep's settings are checked before anything trains, a rerun of one
setting gives the committed history, and a failed sweep changes nothing committed.

The committed results (`experiments/results/`) are what notebook 09 and its figures are drawn
from; nbval and the figure tests check 09 like the rest of the series."""

import dataclasses
import json
import re
import shutil

import pytest
from helpers import FIXTURES, in_checkout, make, mini_checkout, run_module, snapshot

from mnist17.experiments import (
    SETTING_FIELDS,
    Experiment,
    ExperimentResultsError,
    Setting,
    best_on_validation,
    load_experiments,
    load_test_result,
    read_experiment,
    results_dir,
    runs_varying,
    validate_setting,
)
from mnist17.params import ParameterError
from mnist17_tools.experiments import read_sweep, sweep_file
from mnist17_tools.tolerances import IMAGES_IN, SWEEP_RERUN, SWEEP_TOLERANCE

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


RERUN_EPOCHS = 5  # a shortened rerun: its first epochs are those of the committed history


def test_a_rerun_of_one_setting_gives_the_committed_history(tmp_path):
    """The committed results can't go stale silently: one setting trained again for its first
    epochs (shown as they finish) gives the committed history of those epochs within the measured
    tolerance (the same seed and batches: a shorter run is the start of the longer one)."""
    output = tmp_path / "experiments"
    result = run_module(
        "experiments", "--only", SWEEP_RERUN, "--epochs", str(RERUN_EPOCHS), "--output", str(output)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"[1/1] {SWEEP_RERUN}: ")
    assert len([line for line in lines if line.startswith("    Epoch ")]) == RERUN_EPOCHS
    assert any(line.startswith("the sweep: 1 runs in") for line in lines)
    committed = load_experiments()[SWEEP_RERUN]
    rerun = read_experiment(output / "results" / f"{SWEEP_RERUN}.json")
    assert rerun.setting == dataclasses.replace(committed.setting, epochs=RERUN_EPOCHS)
    for metric, values in committed.history.items():
        pairs = zip(values[:RERUN_EPOCHS], rerun.history[metric], strict=True)
        worst = max(abs(a - b) for a, b in pairs)
        images = f" ({worst * IMAGES_IN[metric]:.1f} images)" if metric in IMAGES_IN else ""
        assert worst <= SWEEP_TOLERANCE[metric], (
            f"{metric} moved by {worst:.3g}{images}, beyond the tolerance "
            f"{SWEEP_TOLERANCE[metric]:.3g}: the committed results are stale (`make experiments`), "
            "or this machine counts more images differently than those measured"
        )


def test_a_shortened_sweep_is_never_published():
    result = run_module("experiments", "--only", SWEEP_RERUN, "--epochs", "5")
    assert result.returncode == 2 and "--epochs shortens runs for a check only" in result.stderr


def sweep_checkout(folder, sweep: str, committed: dict[str, dict]):
    """A checkout of fixture notebooks for `make experiments`: a training notebook that saves a
    result without training (and fails for a run named "second"), a notebook 09 that lists the
    results it reads, `sweep` as sweep.toml, and committed results for the settings `committed`."""
    from types import SimpleNamespace

    from mnist17.experiments import METRICS, save_experiment

    checkout = mini_checkout(folder, {"09_results.ipynb": "reads_the_results"})
    (checkout / "experiments").mkdir()
    shutil.copy2(FIXTURES / "trains_one_setting.ipynb", template_of(checkout))
    (checkout / "experiments" / "sweep.toml").write_text(sweep)
    for name, changes in committed.items():
        setting = validate_setting(**{**Setting(name).as_dict(), **changes})
        history = SimpleNamespace(history={m: [0.5] * setting.epochs for m in METRICS})
        save_experiment(
            checkout / "experiments" / "results" / f"{name}.json",
            setting,
            history,
            [0.1] * setting.epochs,
        )
    return checkout


def template_of(checkout):
    return checkout / "experiments" / "train_one_setting.ipynb"


def printed_by_09(checkout) -> str:
    nb = json.loads((checkout / "notebooks" / "09_results.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


SWEEP = (
    '[defaults]\nepochs = 2\n[[run]]\nname = "post"\n[[run]]\nname = "lr-1"\nlearning_rate = 1.0\n'
)


def test_rerunning_some_runs_redraws_notebook_09_from_the_whole_sweep(tmp_path):
    checkout = sweep_checkout(
        tmp_path, SWEEP, {"post": {"epochs": 2}, "lr-1": {"epochs": 2, "learning_rate": 1.0}}
    )
    before = snapshot(checkout)
    result = run_module("experiments", "--only", "lr-1", env=in_checkout(checkout), cwd=checkout)
    assert result.returncode == 0, result.stderr
    assert "[1/1] lr-1: learning_rate=1.0, 2 epochs" in result.stdout
    assert "results of: lr-1, post" in printed_by_09(checkout)  # not only the rerun one
    changed = {name for name, content in snapshot(checkout).items() if before.get(name) != content}
    assert changed == {
        "experiments/results/lr-1.json",
        "experiments/results/test.json",
        "notebooks/09_results.ipynb",
    }
    # Both runs tie on the validation set, so the first by name is chosen; it was rerun, and its
    # model is measured once on the test set.
    tested = load_test_result(checkout / "experiments" / "results")
    assert tested.run == "lr-1" and 0 <= tested.test_accuracy <= 1


def test_a_chosen_run_without_its_model_or_test_result_stops_before_publishing(tmp_path):
    checkout = sweep_checkout(
        tmp_path, SWEEP, {"post": {"epochs": 2}, "lr-1": {"epochs": 2, "learning_rate": 1.0}}
    )
    before = snapshot(checkout)
    result = run_module("experiments", "--only", "post", env=in_checkout(checkout), cwd=checkout)
    assert result.returncode == 1
    assert "the run chosen on the validation set, 'lr-1', was not rerun" in result.stderr
    assert "make experiments ONLY=lr-1" in result.stderr and snapshot(checkout) == before


def test_rerunning_some_runs_is_refused_when_another_runs_result_is_stale(tmp_path):
    # post's committed result was made with 3 epochs, the sweep now says 2: 09 would draw a
    # result that no longer matches the sweep, so nothing runs.
    checkout = sweep_checkout(tmp_path, SWEEP, {"post": {"epochs": 3}})
    before = snapshot(checkout)
    result = run_module("experiments", "--only", "lr-1", env=in_checkout(checkout), cwd=checkout)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "the committed result of 'post'" in result.stderr
    assert "add it to ONLY, or run `make experiments`" in result.stderr
    assert result.stdout == "" and snapshot(checkout) == before


def test_a_failed_sweep_changes_nothing_committed_and_names_the_run(tmp_path):
    sweep = '[defaults]\nepochs = 1\n[[run]]\nname = "first"\n[[run]]\nname = "second"\n'
    checkout = sweep_checkout(tmp_path, sweep, {})
    before = snapshot(checkout)
    result = run_module("experiments", env=in_checkout(checkout), cwd=checkout)
    assert result.returncode == 1
    assert "the run 'second' failed" in result.stderr
    assert "RuntimeError: broken for a test" in result.stderr
    assert "Nothing committed was changed" in result.stderr
    assert "first ran in" in result.stdout  # the first run succeeded and still published nothing
    assert snapshot(checkout) == before


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
    assert [r.setting.learning_rate for r in rates] == [0.001, 0.01, 0.1, 1.0, 10.0]
    assert all(r.setting.batch_size == 128 for r in rates)
    assert [r.setting.batch_size for r in runs_varying(runs, "batch_size")] == [32, 128, 1024]


def test_an_epoch_takes_the_median_time_without_the_first_which_compiles():
    run = Experiment(Setting("x", epochs=4), {}, [30.0, 1.0, 3.0, 2.0], {}, "a CPU")
    assert run.epoch_seconds() == 2.0


def test_the_choice_is_among_settings_never_among_seeds():
    """A seed that happens to score highest is luck, not a setting: the choice skips it."""

    def run(name, seed, val_accuracy):
        history = {"val_accuracy": [val_accuracy] * 2}
        return Experiment(Setting(name, epochs=2, seed=seed), history, [1.0, 1.0], {}, "a CPU")

    runs = {"post": run("post", 123, 0.90), "lr-1": run("lr-1", 123, 0.95)}
    assert best_on_validation(runs).setting.name == "lr-1"
    runs["seed-1"] = run("seed-1", 1, 0.99)
    assert best_on_validation(runs).setting.name == "lr-1"
    assert best_on_validation({**runs, "lr-2": run("lr-2", 123, 0.96)}).setting.name == "lr-2"
