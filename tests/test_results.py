"""What the re-executed series produced: the post's results, and clean notebooks.

nbval (the notebooks/ part of `make test`) re-runs every notebook into `build/test/`; these tests
read what that run trained (tests/test_figures.py: what it drew), and check the committed notebooks.
"""

import json
import re

import numpy as np
import pytest

from mnist17.paths import NOTEBOOKS_DIR, ROOT, output_root
from mnist17.run_all import series

POST_VAL_ACCURACY = 0.9106
MACHINE_PATH = re.compile(r"(/root/|/home/[^/\s]+/|/tmp/|/work/|/Users/|site-packages/|[A-Z]:\\)")


def produced(relative: str):
    # The folder the root conftest.py gave nbval's kernels through MNIST17_OUTPUT_DIR.
    path = output_root() / relative
    if not path.exists():
        pytest.fail(
            f"{path.relative_to(ROOT)} is missing: run the whole suite (`make test`), "
            "whose nbval part executes the notebooks before these checks"
        )
    return path


@pytest.fixture(scope="module")
def history() -> dict[str, list[float]]:
    return json.loads(produced("artifacts/history.json").read_text())["history"]


def notebooks() -> list[dict]:
    return [json.loads(path.read_text()) for path in series()]


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source_of(cell: dict) -> str:
    # Committed notebooks store a cell's source as a list of lines, nbformat as one string.
    return "".join(cell["source"])


def text_of(output: dict) -> str:
    return "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))


# --- training results ---------------------------------------------------------------------


def test_fifty_epochs_reach_the_posts_accuracy(history):
    assert len(history["val_accuracy"]) == 50
    final = history["val_accuracy"][-1]
    assert final >= 0.90
    assert abs(final - POST_VAL_ACCURACY) <= 0.01


def test_first_epoch_is_far_from_trained(history):
    assert 0.2 <= history["val_accuracy"][0] <= 0.5


def test_loss_decreases_overall(history):
    for key in ("loss", "val_loss"):
        tens = [np.mean(history[key][i : i + 10]) for i in range(0, 50, 10)]
        assert tens == sorted(tens, reverse=True), f"{key} does not fall decade after decade"
        assert history[key][-1] < 0.5 * history[key][0]


def test_trained_model_reads_the_first_test_digit_as_a_seven():
    import keras

    from mnist17.data import load_mnist

    model = keras.saving.load_model(produced("artifacts/model.keras"), safe_mode=True)
    (_, _), (x_test, y_test) = load_mnist()
    probabilities = model.predict(x_test[:1].reshape(1, 784).astype("float32") / 255.0, verbose=0)
    assert y_test[0] == 7
    assert probabilities[0].argmax() == 7 and probabilities[0, 7] > 0.9
    assert model.count_params() == 235146 and not model.non_trainable_weights


def test_summary_reports_235146_trainable_parameters():
    nb = json.loads((NOTEBOOKS_DIR / "03_model_definition.ipynb").read_text())
    summary = "".join(
        text_of(o)
        for c in code_cells(nb)
        if "model.summary()" in "".join(c["source"])
        for o in c["outputs"]
    )
    assert re.search(r"Trainable params: \S*235,146", summary), summary


def test_the_run_is_kept_as_executed_notebooks():
    # For people and CI's artifacts: what each notebook printed in this run, next to its figures.
    def kinds(nb: dict) -> list[list[str]]:
        # nbval joins consecutive prints into one stream output, as it does when it compares.
        found = []
        for cell in code_cells(nb):
            types = [o["output_type"] + ":" + o.get("name", "") for o in cell["outputs"]]
            found.append([t for i, t in enumerate(types) if i == 0 or t != types[i - 1]])
        return found

    for path in series():
        executed = json.loads(produced(f"notebooks/{path.name}").read_text())
        committed = json.loads(path.read_text())
        assert list(map(source_of, executed["cells"])) == list(map(source_of, committed["cells"]))
        assert kinds(executed) == kinds(committed), path.name


# --- figures ------------------------------------------------------------------------------


def figure_names() -> set[str]:
    names = set(re.findall(r"figures/(nn1[\w-]*)\.png", (ROOT / "README.md").read_text()))
    for nb in notebooks():
        for cell in code_cells(nb):
            names |= set(
                re.findall(
                    r"save_(?:fig|model_summary)\((?:\w+, )?\"([\w-]+)\"", "".join(cell["source"])
                )
            )
    return names


def test_readme_and_notebooks_name_every_figure_of_the_post():
    assert {"nn1", "nn1-1", "nn1-2", "nn1-3", "nn1-4", "nn1-5", "nn1-6"} <= figure_names()


def test_every_named_figure_is_committed():
    missing = [n for n in sorted(figure_names()) if not (ROOT / "figures" / f"{n}.png").exists()]
    assert missing == []


# --- the notebooks themselves -------------------------------------------------------------


def test_the_17_lines_are_seventeen():
    nb = json.loads((NOTEBOOKS_DIR / "07_the_17_lines.ipynb").read_text())
    (cell,) = [c for c in code_cells(nb) if "the-17-lines" in c["metadata"].get("tags", [])]
    lines = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
    assert len(lines) == 17
    assert any("model.fit(" in line and "epochs=50" in line for line in lines)


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_committed_notebook_is_one_clean_run(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb["metadata"]
    assert "widgets" not in nb["metadata"]  # widget state of 08's drawing pad: not committed
    cells = [c for c in code_cells(nb) if "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    for cell in cells:
        assert "execution" not in cell["metadata"] and "papermill" not in cell["metadata"]
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})
            assert not (output["output_type"] == "stream" and output["name"] == "stderr")
            text = text_of(output)
            assert "Warning" not in text and "Traceback" not in text
            assert not MACHINE_PATH.search(text), MACHINE_PATH.search(text)


@pytest.mark.parametrize("index", range(len(series())), ids=lambda i: series()[i].name)
def test_series_line_names_the_position_and_the_neighbours(index):
    """Each notebook's first cell says "notebook N of M" and links the previous and next ones."""
    names = [path.stem for path in series()]
    first = "".join(json.loads(series()[index].read_text())["cells"][0]["source"])
    previous = f"`{names[index - 1]}`" if index > 0 else "—"
    following = f"`{names[index + 1]}`" if index + 1 < len(names) else "—"
    expected = f"notebook {index + 1} of {len(names)} · previous: {previous} · next: {following}"
    assert expected in first
