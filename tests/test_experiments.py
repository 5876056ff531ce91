"""`make experiments`: refusals before training, the choice, what a run publishes, 09's results."""

import json
import re
import shutil
from dataclasses import asdict, replace

import pytest
from helpers import FIXTURES, ROOT, mini_checkout, snapshot, tools

import mnist17.experiments as sweep
from mnist17.experiments import Experiment, Setting
from mnist17_tools.experiments import COMMITTED, TRAINER, measure, read_sweep
from mnist17_tools.run import Refused, execute, post_settings

POST = Setting("post", **post_settings())
FAST = replace(POST, name="fast", learning_rate=1.0)
SWEEP = '[[run]]\nname = "post"\n\n[[run]]\nname = "fast"\nlearning_rate = 1.0\n'


def test_the_committed_results_are_those_of_the_sweep_and_its_choice():
    """Fails after editing sweep.toml or 04's parameters (where runs start) without the sweep."""
    results = sweep.load_experiments(COMMITTED)
    assert {name: run.setting for name, run in results.items()} == {s.name: s for s in read_sweep()}
    tested = json.loads((COMMITTED / sweep.TEST_FILE).read_text())
    chosen = sweep.best_on_validation(results).setting
    expected = {"run": chosen.name, "chosen_at": 50, "setting": asdict(chosen)}
    assert {key: tested[key] for key in expected} == expected


BAD_RUNS = {
    "learning_rate = 0": "run 2 (bad): LEARNING_RATE=0 is refused",
    "batch_size = 60001": "run 2 (bad): BATCH_SIZE=60001 is refused",
    "epochs = 1.5": "run 2 (bad): EPOCHS=1.5 is refused",
    "epochs = 20": "run 2 (bad): epochs: at least 50",
    'activation = "tanh"': "run 2 (bad): activation is sigmoid or relu",
    "scale_inputs = 1": "run 2 (bad): scale_inputs is true or false",
    "learnig_rate = 0.1": "run 2 (bad): unknown key(s) learnig_rate",
    'name = "fine"': "run 2 (fine): the name is used twice",
}


@pytest.mark.parametrize("line", BAD_RUNS)
def test_a_bad_value_is_refused_naming_the_run(line, tmp_path):
    second = line if line.startswith("name") else f'name = "bad"\n{line}'
    (toml := tmp_path / "sweep.toml").write_text(f'[[run]]\nname = "fine"\n[[run]]\n{second}\n')
    with pytest.raises(Refused, match=re.escape(BAD_RUNS[line])):
        read_sweep(toml)


def sweep_checkout(folder, runs: str, committed: dict[str, Setting]):
    """A mini checkout: `runs`, the fixture trainer and 09, `committed` results (rate / 2)."""
    checkout = mini_checkout(folder, {"09_results.ipynb": "reads_the_results"})
    shutil.copy2(ROOT / "notebooks" / "04_training.ipynb", checkout / "notebooks")
    (checkout / "experiments").mkdir()
    (checkout / "experiments" / "sweep.toml").write_text(runs)
    shutil.copy2(FIXTURES / "trains_one_setting.ipynb", checkout / TRAINER.relative_to(ROOT))
    for name, setting in committed.items():
        history = dict.fromkeys(sweep.METRICS, [setting.learning_rate / 2] * setting.epochs)
        path = checkout / COMMITTED.relative_to(ROOT) / f"{name}.json"
        sweep.save_experiment(path, setting, history, [0.1] * setting.epochs)
    return checkout


def published(checkout) -> dict[str, bytes]:
    """What a run may publish: notebooks, figures and the sweep's results."""
    results = checkout / COMMITTED.relative_to(ROOT)
    return snapshot(checkout) | {p.name: p.read_bytes() for p in sorted(results.glob("*"))}


REFUSED = [  # sweep.toml, committed results, arguments: the refusal
    (SWEEP + "seed = -1\n", {}, [], "experiments/sweep.toml, run 2 (fast): SEED=-1 is refused"),
    (SWEEP, {}, ["--only", "post", "lr-7"], "ONLY names no run of experiments/sweep.toml: lr-7"),
    (SWEEP, {"post": FAST}, ["--only", "fast"], "the committed result of 'post' is missing or"),
]


@pytest.mark.parametrize("runs, committed, args, refusal", REFUSED, ids=["value", "only", "kept"])
def test_a_refusal_comes_before_anything_trains(runs, committed, args, refusal, tmp_path):
    result = tools(sweep_checkout(tmp_path, runs, committed), "experiments", *args)
    assert result.returncode == 2 and f"error: {refusal}" in result.stderr, result.stderr
    assert not (tmp_path / "build" / "experiments").exists() and result.stdout == ""


def test_a_rerun_of_some_runs_publishes_09_of_the_whole_sweep_only_when_all_succeeds(tmp_path):
    """A failed run (the fixture's `second`), or a chosen run not rerun (`fast`: 0.5 beats post's
    0.01) without its own test result, publishes nothing; then post, 09 and `gone`'s removal are."""
    committed = {"post": POST, "fast": FAST, "gone": replace(POST, name="gone")}
    checkout = sweep_checkout(tmp_path, SWEEP + '[[run]]\nname = "second"\n', committed)
    before = published(checkout)
    result = tools(checkout, "experiments", "--only", "post", "second")
    assert result.returncode == 1 and "[1/2] post" in result.stdout
    assert re.search("the run 'second' failed: .* broken for a test", result.stderr)
    assert published(checkout) == before
    (checkout / "experiments" / "sweep.toml").write_text(SWEEP)
    test_file = checkout / COMMITTED.relative_to(ROOT) / sweep.TEST_FILE
    tested = dict(run="fast", setting=asdict(POST), chosen_at=50, test_loss=0.1, test_accuracy=0.9)
    for _ in range(2):  # no committed test result, then one of another setting
        before = published(checkout)
        result = tools(checkout, "experiments", "--only", "post")
        assert result.returncode == 1 and "chosen on the validation set: fast" in result.stdout
        assert "'fast', was not rerun, and the committed test result is not" in result.stderr
        assert published(checkout) == before
        test_file.write_text(json.dumps(tested))
    test_file.write_text(json.dumps(tested | {"setting": asdict(FAST)}))
    before = published(checkout)
    result = tools(checkout, "experiments", "--only", "post")
    assert result.returncode == 0 and "[1/1] post" in result.stdout, result.stderr
    after = published(checkout)
    changed = {name for name in before | after if before.get(name) != after.get(name)}
    assert changed == {"post.json", "gone.json", "notebooks/09_results.ipynb"}
    assert "gone.json" not in after
    nb = json.loads((checkout / "notebooks" / "09_results.ipynb").read_text())
    assert nb["cells"][1]["outputs"][0]["text"] == ["results of: fast, post\n", "tested: fast\n"]


def test_the_training_notebook_writes_a_result_that_load_experiments_reads(tmp_path):
    """One real epoch: the run's result; its network scores about val_accuracy on the test set."""
    setting = replace(FAST, name="tiny", epochs=1)
    files = {"result_file": tmp_path / "sweep" / "tiny.json", "model_file": tmp_path / "tiny.keras"}
    parameters = asdict(setting) | {key: str(path) for key, path in files.items()}
    nb = execute(TRAINER, tmp_path / "run.ipynb", tmp_path, parameters)
    log = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "- val_accuracy: " in log  # verbose=2: a line per epoch
    run = sweep.load_experiments(tmp_path / "sweep")["tiny"]
    assert run.setting == setting and list(run.history) == list(sweep.METRICS)
    assert {len(values) for values in [run.seconds_per_epoch, *run.history.values()]} == {1}
    tested = measure(setting, files["model_file"])
    assert tested["run"] == "tiny" and run.final("val_accuracy") > 0.85
    assert abs(tested["test_accuracy"] - run.final("val_accuracy")) < 0.03


def test_the_choice_is_at_epoch_50_among_settings_never_among_seeds():
    def run(name: str, seed: int, at_50: float, last: float) -> Experiment:
        history = {"val_accuracy": [at_50] * 50 + [last] * 50}  # 100 epochs
        return Experiment(Setting(name, 100, 128, 0.01, seed), history, [1.0] * 100, {}, "")

    runs = {"post": run("post", 123, 0.90, 0.99), "fast": run("fast", 123, 0.95, 0.95)}
    runs["seed-1"] = run("seed-1", 1, 0.99, 0.99)  # luck, not a setting
    assert sweep.best_on_validation(runs).setting.name == "fast"  # post is better only after 50
    runs["faster"] = run("faster", 123, 0.96, 0.90)
    assert sweep.best_on_validation(runs).setting.name == "faster"
