"""The series on Keras's JAX and PyTorch backends (`make test-backends`).

For each backend, `make run-all BACKEND=...` runs the nine unchanged notebooks into
`build/run-all-<backend>/`; the tests check what makes sense across engines. Not digit for digit
against the committed TensorFlow outputs: each backend draws its own initial weights from the
seed. Instead: a clean run (no error, no stderr, no warning), the post's accuracy, the first test
digit read as a 7, every figure drawn at its size, the 17 lines still 17, TensorFlow never
imported, the prose's checked sentences true of its outputs (`mnist17_tools.claims`), and
training reproducible on its own backend (04 run twice gives the same history).

``MNIST17_TEST_BACKENDS`` (`make test-backends BACKENDS=jax`) chooses the backends.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, run_module, run_notebook, text_of
from matplotlib.image import imread

from mnist17.environment import BACKEND_PACKAGES, versions
from mnist17.experiments import load_experiments
from mnist17.hosted import HOSTED_CELL_ID, NAMES
from mnist17.params import DEFAULTS, POST_METRICS
from mnist17_tools.checkout import copy_checkout
from mnist17_tools.claims import CLAIMS, Notebook
from mnist17_tools.run_all import build_folder
from mnist17_tools.series import series
from mnist17_tools.tolerances import FIGURES

pytestmark = pytest.mark.backends
BACKENDS = os.environ.get("MNIST17_TEST_BACKENDS", "jax torch").split()
TOLERANCE = 0.01  # of the post's val_accuracy: the initial weights differ from backend to backend
CHECK_CELL = 'import sys\nprint("tensorflow imported:", "tensorflow" in sys.modules)'


def runner(*args: str, cwd: Path = ROOT, env: dict | None = None):
    """`make run-all`'s runner, its output folder its own choice (not the test session's)."""
    return run_module("run-all", *args, cwd=cwd, env={"MNIST17_OUTPUT_DIR": "", **(env or {})})


def executed(build: Path, stem: str) -> dict:
    return json.loads((build / "notebooks" / f"{stem}.ipynb").read_text())


def text_outputs(nb: dict) -> list[tuple[str, str]]:
    """(cell id, text) of every output of every code cell."""
    return [(c["id"], text_of(o)) for c in nb["cells"] for o in c.get("outputs", [])]


def output_of(nb: dict, cell_id: str) -> str:
    (cell,) = [c for c in nb["cells"] if c["id"] == cell_id]
    return "".join(text for _, text in text_outputs({"cells": [cell]}))


@pytest.fixture(scope="module", params=BACKENDS)
def run(request) -> tuple[str, Path]:
    """`make run-all BACKEND=<backend>`: the series executed on that backend, into build/."""
    backend = request.param
    result = runner("--backend", backend)
    assert result.returncode == 0, f"the series failed on {backend}:\n{result.stderr}"
    assert f"Keras on {backend}:" in result.stdout  # the final metrics beside the post's
    # progress while it runs: 04's epochs as they finish, a line for each quiet half minute
    # (07's 17 lines keep the post's verbose=0), and the total time
    assert result.stdout.count("    Epoch 50/50 - ") == 1
    assert "    still running (" in result.stdout
    assert f"all {len(series())} notebooks ran in " in result.stdout
    return backend, build_folder(DEFAULTS, backend)


def test_every_notebook_runs_clean(run):
    backend, build = run
    names = [path.name for path in series()]
    assert sorted(p.name for p in (build / "notebooks").glob("*.ipynb")) == names
    for name in names:
        nb = json.loads((build / "notebooks" / name).read_text())
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", (name, output.get("evalue"))
                assert output.get("name") != "stderr", (name, output.get("text"))
        for cell_id, text in text_outputs(nb):
            assert "Warning" not in text and "Traceback" not in text, (name, cell_id, text)


def test_the_first_cell_prints_the_backend_and_its_versions(run):
    backend, build = run
    said = output_of(executed(build, "04_training"), HOSTED_CELL_ID)
    assert f"Keras {versions()['keras']} on {NAMES[BACKEND_PACKAGES[backend][0]]} " in said
    assert "TensorFlow" not in said


def test_fifty_epochs_reach_the_posts_accuracy(run):
    backend, build = run
    history = json.loads((build / "artifacts" / "history.json").read_text())["history"]
    assert len(history["val_accuracy"]) == 50
    assert abs(history["val_accuracy"][-1] - POST_METRICS["val_accuracy"]) <= TOLERANCE
    # 07 trains its own network with the 17 lines: the same result.
    printed = output_of(executed(build, "07_the_17_lines"), "3db11006")
    value = float(re.search(r"val_accuracy after 50 epochs: (\d\.\d+)", printed).group(1))
    assert abs(value - POST_METRICS["val_accuracy"]) <= TOLERANCE


def test_the_first_test_digit_is_read_as_a_seven(run):
    _, build = run
    assert re.fullmatch(
        r"(np\.int64\()?7\)?",
        output_of(executed(build, "06_making_predictions"), "04f741a7").strip(),
    )


def test_every_figure_is_drawn_at_its_size(run):
    _, build = run
    for name, check in FIGURES.items():
        path = build / "figures" / f"{name}.png"
        assert path.exists(), f"{name}.png was not drawn"
        if check.size is not None:
            height, width = imread(path).shape[:2]
            assert (width, height) == check.size, name


def test_the_17_lines_are_still_17(run):
    _, build = run
    nb = executed(build, "07_the_17_lines")
    (cell,) = [c for c in nb["cells"] if "the-17-lines" in c["metadata"].get("tags", [])]
    lines = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
    assert len(lines) == 17


def run_copy_with_check(notebook: str, output: Path, backend: str) -> dict:
    """Run a copy of `notebook` with a last cell reporting whether TensorFlow was imported."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    source = output / f"source-{notebook}"
    nbformat.write(nb, source)
    error = run_notebook(notebook, output, source=source, env={"KERAS_BACKEND": backend})
    assert error is None, error
    return json.loads((output / notebook).read_text())


def test_the_prose_is_true_of_this_backends_outputs(run):
    """Each sentence of `mnist17_tools.claims` about an output holds on this backend's run too."""
    backend, build = run
    runs = load_experiments()
    for claim in CLAIMS:
        (path,) = [p for p in series() if p.name.startswith(f"{claim.notebook}_")]
        nb = Notebook(executed(build, path.stem))
        assert claim.holds(nb, runs), f"on {backend}, notebook {claim.notebook}: {claim.says!r}"


def test_training_is_reproducible_and_tensorflow_never_imported(run, tmp_path):
    backend, build = run
    again = run_copy_with_check("04_training.ipynb", tmp_path, backend)
    first = json.loads((build / "artifacts" / "history.json").read_text())["history"]
    second = json.loads((tmp_path / "artifacts" / "history.json").read_text())["history"]
    assert second == first, f"two runs of 04 on {backend} trained differently"
    assert text_outputs(again)[-1][1].strip() == "tensorflow imported: False"
    # 08 loads the trained model and uses the drawing pad: still no TensorFlow.
    drawn = run_copy_with_check("08_draw_a_digit.ipynb", tmp_path, backend)
    assert text_outputs(drawn)[-1][1].strip() == "tensorflow imported: False"


def test_a_notebook_that_raises_on_one_backend_only_fails_that_run(tmp_path):
    # The check above must be able to fail: a cell that raises only on one backend fails the
    # run on that backend (exit 1, the notebook and the error named) and no other.
    import nbformat

    repo = copy_checkout(tmp_path / "repo")
    for path in sorted((repo / "notebooks").glob("0*.ipynb"))[2:]:
        path.unlink()  # 01 and 02 are enough, and quick
    target = repo / "notebooks" / "02_preparing_the_data.ipynb"
    nb = nbformat.read(target, as_version=4)
    broken, other = BACKENDS[0], (["tensorflow"] + BACKENDS[1:])[-1]
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f'import keras\nif keras.backend.backend() == "{broken}":\n'
            f'    raise RuntimeError("fails on {broken} only")'
        )
    )
    nbformat.write(nb, target)
    env = {"PYTHONPATH": str(repo / "src")}
    failed = runner("--backend", broken, cwd=repo, env=env)
    assert failed.returncode == 1, failed.stderr
    assert "02_preparing_the_data.ipynb failed" in failed.stderr
    assert f"RuntimeError: fails on {broken} only" in failed.stderr
    # An output folder of its own: on TensorFlow (`BACKENDS=jax`) the run would publish otherwise.
    passed = runner("--backend", other, "--output", str(tmp_path / "other"), cwd=repo, env=env)
    assert passed.returncode == 0, passed.stderr
    shutil.rmtree(repo)
