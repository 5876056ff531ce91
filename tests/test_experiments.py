"""`make experiments`: a bad run is refused before anything trains, the training notebook writes
a result that notebook 09 reads, the chosen run is the best on the validation set, a sweep that
fails or reruns some runs publishes only what it should, and the committed results are the
sweep's."""

import json
import re
import shutil
from dataclasses import asdict, replace
from types import SimpleNamespace

import pytest
from helpers import FIXTURES, ROOT, mini_checkout, snapshot, tools

from mnist17.experiments import (
    CHOOSE_AT,
    METRICS,
    TEST_FILE,
    Experiment,
    Setting,
    best_on_validation,
    load_experiments,
    save_experiment,
)
from mnist17_tools.experiments import COMMITTED, TRAINER, measure, read_sweep
from mnist17_tools.run import Refused, execute, post_settings


def test_the_committed_results_are_those_of_the_sweep_and_its_choice():
    """Editing sweep.toml without `make experiments` leaves results that no longer match."""
    settings = {setting.name: setting for setting in read_sweep()}
    results = load_experiments(COMMITTED)
    assert {name: run.setting for name, run in results.items()} == settings
    tested = json.loads((COMMITTED / TEST_FILE).read_text())
    chosen = best_on_validation(results)
    assert (tested["run"], tested["chosen_at"]) == (chosen.setting.name, CHOOSE_AT)
    assert tested["setting"] == asdict(chosen.setting)


BAD_RUNS = {
    "learning_rate = 0": "run 2 (bad): LEARNING_RATE=0 is refused",
    "batch_size = 60001": "run 2 (bad): BATCH_SIZE=60001 is refused",
    "epochs = 1.5": "run 2 (bad): EPOCHS=1.5 is refused",
    'activation = "tanh"': "run 2 (bad): activation is sigmoid or relu",
    "scale_inputs = 1": "run 2 (bad): scale_inputs is true or false",
    "learnig_rate = 0.1": "run 2 (bad): unknown key(s) learnig_rate",
    'name = "fine"': "run 2 (fine): the name is used twice",
}


@pytest.mark.parametrize("line", BAD_RUNS)
def test_a_bad_value_is_refused_naming_the_run(line, tmp_path):
    sweep = tmp_path / "sweep.toml"
    second = line if line.startswith("name") else f'name = "bad"\n{line}'
    sweep.write_text(f'[[run]]\nname = "fine"\n\n[[run]]\n{second}\n')
    with pytest.raises(Refused, match=re.escape(BAD_RUNS[line])):
        read_sweep(sweep)


def test_the_runs_start_from_the_posts_settings_of_notebook_04(tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('[[run]]\nname = "fast"\nlearning_rate = 1\n')
    post = post_settings()
    assert read_sweep(sweep) == [Setting("fast", **{**post, "learning_rate": 1.0})]


def sweep_checkout(folder, runs: str, committed: dict[str, Setting]):
    """A checkout for `make experiments` in seconds: the fixture training notebook (no training;
    every metric is the learning rate), a notebook 09 that prints what it reads, `runs` as
    sweep.toml, notebook 04 (the post's settings), and committed results of `committed` (every
    metric half the learning rate)."""
    checkout = mini_checkout(folder, {"09_results.ipynb": "reads_the_results"})
    shutil.copy2(ROOT / "notebooks" / "04_training.ipynb", checkout / "notebooks")
    (checkout / "experiments").mkdir()
    (checkout / "experiments" / "sweep.toml").write_text(runs)
    shutil.copy2(FIXTURES / "trains_one_setting.ipynb", checkout / TRAINER.relative_to(ROOT))
    results = checkout / COMMITTED.relative_to(ROOT)
    for name, setting in committed.items():
        values = [setting.learning_rate / 2] * setting.epochs
        history = SimpleNamespace(history=dict.fromkeys(METRICS, values))
        save_experiment(results / f"{name}.json", setting, history, [0.1] * setting.epochs)
    return checkout


def published(checkout) -> dict[str, bytes]:
    """What a run may publish: notebooks, figures and the sweep's results."""
    results = checkout / COMMITTED.relative_to(ROOT)
    return snapshot(checkout) | {p.name: p.read_bytes() for p in sorted(results.glob("*"))}


POST = Setting("post", **post_settings())
FAST = replace(POST, name="fast", learning_rate=1.0)
SWEEP = '[[run]]\nname = "post"\n\n[[run]]\nname = "fast"\nlearning_rate = 1.0\n'


def test_a_bad_value_stops_the_command_before_anything_trains(tmp_path):
    checkout = sweep_checkout(tmp_path, SWEEP + "seed = -1\n", {})
    result = tools(checkout, "experiments")
    assert result.returncode == 2, result.stderr
    assert "run 2 (fast): SEED=-1 is refused" in result.stderr
    assert not (checkout / "build" / "experiments").exists() and result.stdout == ""


def test_only_a_run_of_the_sweep_can_be_named():
    result = tools(ROOT, "experiments", "--only", "post", "lr-7")
    assert result.returncode == 2
    assert "error: ONLY names no run of experiments/sweep.toml: lr-7\n" in result.stderr


def test_rerunning_some_runs_redraws_09_from_the_whole_sweep(tmp_path):
    """`fast` is chosen (its committed val_accuracy, 0.5, beats post's rerun 0.01) and was not
    rerun: its committed test result stays; post's new result and 09 are published, and the result
    of a run no longer in the sweep is removed."""
    gone = replace(POST, name="gone")
    checkout = sweep_checkout(tmp_path, SWEEP, {"post": POST, "fast": FAST, "gone": gone})
    results = checkout / COMMITTED.relative_to(ROOT)
    tested = {"run": "fast", "setting": asdict(FAST), "chosen_at": 50, "test_loss": 0.1}
    (results / TEST_FILE).write_text(json.dumps(tested | {"test_accuracy": 0.9}))
    before = published(checkout)
    result = tools(checkout, "experiments", "--only", "post")
    assert result.returncode == 0, result.stderr
    assert "[1/1] post" in result.stdout and "chosen on the validation set: fast" in result.stdout
    after = published(checkout)
    assert {name for name in before | after if before.get(name) != after.get(name)} == {
        "post.json",
        "gone.json",
        "notebooks/09_results.ipynb",
    }
    assert "gone.json" not in after
    nb = json.loads((checkout / "notebooks" / "09_results.ipynb").read_text())
    assert nb["cells"][1]["outputs"][0]["text"] == ["results of: fast, post\n", "tested: fast\n"]


def test_a_chosen_run_not_rerun_needs_its_committed_test_result(tmp_path):
    checkout = sweep_checkout(tmp_path, SWEEP, {"post": POST, "fast": FAST})
    before = published(checkout)
    result = tools(checkout, "experiments", "--only", "post")
    assert result.returncode == 1
    assert "'fast', was not rerun, and the committed test result is not of it" in result.stderr
    assert published(checkout) == before


def test_a_committed_result_that_is_not_the_sweeps_is_refused_before_anything_trains(tmp_path):
    checkout = sweep_checkout(tmp_path, SWEEP, {"post": replace(POST, epochs=3)})
    result = tools(checkout, "experiments", "--only", "fast")
    assert result.returncode == 2
    assert "the committed result of 'post' is missing or not of the sweep's" in result.stderr
    assert not (checkout / "build" / "experiments").exists()


def test_a_failed_run_changes_nothing_committed_and_is_named(tmp_path):
    checkout = sweep_checkout(tmp_path, '[[run]]\nname = "post"\n[[run]]\nname = "second"\n', {})
    before = published(checkout)
    result = tools(checkout, "experiments")
    assert result.returncode == 1
    assert "the run 'second' failed" in result.stderr and "broken for a test" in result.stderr
    assert "[1/2] post" in result.stdout and published(checkout) == before


def test_the_training_notebook_writes_a_result_that_load_experiments_reads(tmp_path):
    """One real epoch at learning rate 1: the result is the run's, and its saved network,
    measured on the test set as `make experiments` measures the chosen run, scores about its
    validation accuracy (the test images prepared as the training images were)."""
    setting = replace(FAST, name="tiny", epochs=1)
    files = {"result_file": tmp_path / "sweep" / "tiny.json", "model_file": tmp_path / "tiny.keras"}
    parameters = asdict(setting) | {key: str(path) for key, path in files.items()}
    nb = execute(TRAINER, tmp_path / "run.ipynb", tmp_path, parameters)
    log = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "- val_accuracy: " in log  # verbose=2: a line per epoch
    run = load_experiments(tmp_path / "sweep")["tiny"]
    assert run.setting == setting and len(run.seconds_per_epoch) == 1
    assert {len(run.history[metric]) for metric in METRICS} == {1}
    tested = measure(setting, files["model_file"])
    assert tested["run"] == "tiny" and run.final("val_accuracy") > 0.85
    assert abs(tested["test_accuracy"] - run.final("val_accuracy")) < 0.03


def run_of(name: str, seed: int, at_50: float, last: float) -> Experiment:
    """A 100-epoch run whose val_accuracy is `at_50` up to epoch 50, then `last`."""
    history = {"val_accuracy": [at_50] * 50 + [last] * 50}
    return Experiment(Setting(name, 100, 128, 0.01, seed), history, [1.0] * 100, {}, "")


def test_the_choice_is_at_epoch_50_among_settings_never_among_seeds():
    runs = {"post": run_of("post", 123, 0.90, 0.99), "fast": run_of("fast", 123, 0.95, 0.95)}
    assert best_on_validation(runs).setting.name == "fast"  # post is better only after 50
    runs["seed-1"] = run_of("seed-1", 1, 0.99, 0.99)  # luck, not a setting
    assert best_on_validation(runs).setting.name == "fast"
    runs["faster"] = run_of("faster", 123, 0.96, 0.90)
    assert best_on_validation(runs).setting.name == "faster"
