"""The series on Keras's JAX and PyTorch backends (`make test-backends BACKENDS=jax`).

`make test-backends` first runs `make run-all BACKEND=<backend>` into build/run-all-<backend>/;
these tests check that run. Not digit for digit against TensorFlow's outputs (each backend draws
its own initial weights from the seed): every notebook ran to its end and drew its figures, the
training reached the post's accuracy.
"""

import json
import re
from pathlib import Path

import nbformat
import pytest

from mnist17_tools import ROOT, series
from mnist17_tools.run import post_settings

pytestmark = pytest.mark.backends
POST_VAL_ACCURACY = 0.9106  # the post's val_accuracy after its 50 epochs
TOLERANCE = 0.01  # each backend draws its own initial weights from the seed


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per backend that `--backends` names."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", metafunc.config.getoption("--backends").split())


@pytest.fixture
def build(backend: str) -> Path:
    """The folder of `make run-all BACKEND=<backend>`."""
    folder = ROOT / "build" / f"run-all-{backend}"
    assert (folder / "notebooks").is_dir(), f"no run on {backend}: make run-all BACKEND={backend}"
    return folder


def executed(build: Path, notebook: Path) -> nbformat.NotebookNode:
    return nbformat.read(build / "notebooks" / notebook.name, as_version=4)


def test_every_notebook_ran_to_its_end_and_drew_its_figures(build):
    for notebook in series():
        cells = executed(build, notebook).cells
        unrun = [c.id for c in cells if c.cell_type == "code" and c.execution_count is None]
        assert not unrun, f"{notebook.name}: cells {unrun} did not run"
    committed = sorted(path.name for path in (ROOT / "figures").glob("*.png"))
    assert sorted(path.name for path in (build / "figures").glob("*.png")) == committed


def test_training_reaches_the_posts_accuracy(build):
    epochs = post_settings()["epochs"]
    history = json.loads((build / "notebooks" / "trained" / "history.json").read_text())
    assert len(history["val_accuracy"]) == epochs
    assert abs(history["val_accuracy"][-1] - POST_VAL_ACCURACY) <= TOLERANCE
    # 07's 17 lines train a network of their own, with Keras's default compile settings.
    (the_17_lines,) = [path for path in series() if path.name.startswith("07_")]
    printed = json.dumps(executed(build, the_17_lines))
    value = re.search(rf"val_accuracy after {epochs} epochs: (\d\.\d+)", printed)[1]
    assert abs(float(value) - POST_VAL_ACCURACY) <= TOLERANCE
