"""`make run-all` on a tiny checkout of fixture notebooks: what it publishes, and that a failed,
refused or second simultaneous run changes nothing committed (seconds, not the series' minutes)."""

import fcntl
import json

import pytest
from helpers import mini_checkout, snapshot, tools

SERIES = {"01_prints.ipynb": "prints", "04_training.ipynb": "parameters"}


@pytest.fixture
def checkout(tmp_path):
    return mini_checkout(tmp_path / "checkout", SERIES)


def outputs(notebook) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return [
        "".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c["outputs"]
    ]


def test_a_run_publishes_and_a_second_run_changes_no_byte(checkout):
    done = tools(checkout, "run-all")
    assert done.returncode == 0, done.stderr
    assert (checkout / "figures" / "fixture.png").exists()
    first = snapshot(checkout)
    assert "469/469" in "".join(outputs(checkout / "notebooks" / "01_prints.ipynb"))
    # The second run prints another timing, which the sanitizers mask: the committed text stays.
    assert tools(checkout, "run-all").returncode == 0
    assert snapshot(checkout) == first


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("raises", "RuntimeError: deliberately broken"),
        ("dies", "kernel died"),
        ("warns", "wrote to stderr"),
    ],
)
def test_a_failing_notebook_changes_nothing_committed(tmp_path, fixture, reason):
    checkout = mini_checkout(tmp_path, {**SERIES, "02_fails.ipynb": fixture})
    before = snapshot(checkout)
    failed = tools(checkout, "run-all")
    assert failed.returncode == 1
    assert "02_fails.ipynb" in failed.stderr and reason in failed.stderr
    assert "Nothing committed was changed" in failed.stderr
    assert snapshot(checkout) == before


def test_a_second_run_at_once_is_refused(checkout):
    (checkout / "build").mkdir()
    with (checkout / "build" / "run-all.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        refused = tools(checkout, "run-all")
    assert refused.returncode == 2 and "is running here" in refused.stderr


def test_an_output_folder_not_made_by_a_run_is_refused_and_kept(checkout, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "important.txt").write_text("keep me")
    refused = tools(checkout, "run-all", "--output", str(folder))
    assert refused.returncode == 2 and "was not made by a run" in refused.stderr
    assert (folder / "important.txt").read_text() == "keep me"
    # A folder that a run made is its own to empty and fill again.
    again = tmp_path / "runs"
    assert tools(checkout, "run-all", "--output", str(again)).returncode == 0
    assert tools(checkout, "run-all", "--output", str(again)).returncode == 0


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--epochs", "1", "at least 2"),
        ("--batch-size", "0", "60,000"),
        ("--learning-rate", "fast", "above 0"),
        ("--seed", "-1", "from 0"),
    ],
)
def test_values_that_cannot_run_the_series_are_refused_before_anything_runs(
    checkout, option, value, why
):
    refused = tools(checkout, "run-all", option, value)
    assert refused.returncode == 2 and why in refused.stderr
    assert not (checkout / "build" / "run-all-custom").exists()


def test_other_parameters_reach_notebook_04_and_publish_nothing(checkout):
    before = snapshot(checkout)
    done = tools(checkout, "run-all", "--epochs", "3", "--learning-rate", "0.5")
    assert done.returncode == 0, done.stderr
    executed = checkout / "build" / "run-all-custom" / "notebooks" / "04_training.ipynb"
    assert outputs(executed)[-1] == "3 128 0.5 123\n"
    assert snapshot(checkout) == before
