"""`make test-arm` compares ARM's results with this machine's using the tolerances of `make test`,
and fails naming what moved beyond them (tools/arm-compare, on made-up results: the real run
takes minutes under emulation and runs in `make test-arm`)."""

import json
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

TOOL = ROOT / "tools" / "arm-compare"
METRICS = ("accuracy", "loss", "val_accuracy", "val_loss")


@pytest.fixture
def results(tmp_path):
    """A test-arm folder where ARM and x86-64 agree to the last bit."""
    history = {name: [0.5 + 0.01 * epoch for epoch in range(2)] for name in METRICS}
    probabilities = [[0.1] * 10 for _ in range(10)]
    for machine in ("x86-64", "arm64"):
        folder = tmp_path / machine
        (folder / "figures").mkdir(parents=True)
        for name in ("nn1-3", "nn1-4"):
            shutil.copyfile(ROOT / "figures" / f"{name}.png", folder / "figures" / f"{name}.png")
        record = {"history": history, "probabilities": probabilities}
        (folder / "results.json").write_text(json.dumps(record))
    (tmp_path / "arm64" / "predictions-of-x86-64-model.json").write_text(json.dumps(probabilities))
    return tmp_path


def compare(folder) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), "compare", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )


def change(path, edit) -> None:
    record = json.loads(path.read_text())
    edit(record)
    path.write_text(json.dumps(record))


def test_identical_results_pass_and_are_reported(results):
    result = compare(results)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((results / "deviations.json").read_text())
    assert len(report) == 4 + 2 + 2  # four metrics, two kinds of probabilities, two figures
    assert all(entry["deviation"] == 0 for entry in report.values())
    assert report["val_loss (history, 2 epochs)"]["tolerance"] == 0.0002


def test_a_metric_beyond_the_tolerance_of_make_test_fails(results):
    change(
        results / "arm64" / "results.json",
        lambda r: r["history"]["val_loss"].__setitem__(1, 0.52031),
    )
    result = compare(results)
    assert result.returncode == 1
    assert "val_loss (history, 2 epochs)" in result.stdout and "BEYOND TOLERANCE" in result.stdout
    assert "error: ARM differs beyond the tolerances of `make test` in: val_loss" in result.stdout


def test_a_within_tolerance_deviation_passes_and_is_measured(results):
    change(
        results / "arm64" / "results.json", lambda r: r["history"]["loss"].__setitem__(0, 0.50005)
    )
    result = compare(results)
    assert result.returncode == 0
    report = json.loads((results / "deviations.json").read_text())
    assert report["loss (history, 2 epochs)"]["deviation"] == pytest.approx(5e-5)


def test_the_same_model_predicting_differently_on_arm_fails(results):
    path = results / "arm64" / "predictions-of-x86-64-model.json"
    probabilities = json.loads(path.read_text())
    probabilities[3][7] += 0.001
    path.write_text(json.dumps(probabilities))
    result = compare(results)
    assert result.returncode == 1
    assert "probabilities, one model (x86-64's) on both" in result.stdout.split("error:")[1]


def test_a_changed_figure_fails(results):
    shutil.copyfile(ROOT / "figures" / "nn1-3.png", results / "arm64" / "figures" / "nn1-4.png")
    result = compare(results)
    assert result.returncode == 1
    assert "nn1-4.png (RMS, 0..255)" in result.stdout.split("error:")[1]


def test_without_training_on_arm_only_the_shared_models_predictions_are_compared(results):
    (results / "arm64" / "results.json").unlink()  # ARM_EPOCHS=0: ARM did not train
    result = compare(results)
    assert result.returncode == 0, result.stdout
    report = json.loads((results / "deviations.json").read_text())
    assert list(report) == ["probabilities, one model (x86-64's) on both"]
