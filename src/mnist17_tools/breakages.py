"""`make test-breakages`: break the series on purpose and check that the tests notice.

A tolerance that is too loose, or a figure check that looks at the wrong thing, passes quietly.
This applies each breakage below to a copy of the repo (one change to one notebook cell, of a
kind a reader would call a different result or a different figure), runs the part of `make test`
that covers it (nbval over the notebooks involved, the figure and result checks), and reports
which tests failed. Every breakage must make at least one test fail. The parts run are subsets of
`make test` (the same tests on the same notebooks, each in a fresh kernel), so a breakage that
fails here fails `make test` too.

    python -m mnist17_tools breakages [--only ID ...]   (one test run per breakage: long)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mnist17.paths import OUTPUT_DIR_VARIABLE, root
from mnist17_tools.checkout import copy_checkout

ROOT = root()
TRAINING = ("04_training",)


@dataclass(frozen=True)
class Breakage:
    id: str
    notebook: str  # file name without .ipynb
    old: str  # text in one code cell, replaced by `new`
    new: str
    needs: tuple[str, ...] = ()  # notebooks to run before it (04 for the trained model)
    then: tuple[str, ...] = ()  # notebooks to run after it (those that use its results)
    figures: tuple[str, ...] = ()  # figures to compare (tests/test_figures.py)


NUMERIC = "training and prediction (tolerances of the portable-validation issue)"
FIGURE = "figures a reader would see as different"
DRAWING = "notebook 08: preparing drawn digits, and their figure"
BREAKAGES: dict[str, list[Breakage]] = {
    NUMERIC: [
        Breakage(
            "learning rate 0.01 -> 0.012",
            "04_training",
            "learning_rate = 0.01",
            "learning_rate = 0.012",
            then=("05_plotting_results", "06_making_predictions"),
        ),
        Breakage(
            "batch size 128 -> 120",
            "04_training",
            "batch_size = 128",
            "batch_size = 120",
            then=("06_making_predictions",),
        ),
        Breakage(
            "epochs 50 -> 49",
            "04_training",
            "epochs = 50",
            "epochs = 49",
            then=("06_making_predictions",),
        ),
        Breakage(
            "second hidden layer 128 -> 127",
            "04_training",
            "model.add(Dense(128,",
            "model.add(Dense(127,",
            then=("06_making_predictions",),
        ),
        Breakage(
            "first hidden layer 256 -> 64",
            "04_training",
            "model.add(Dense(256,",
            "model.add(Dense(64,",
            then=("06_making_predictions",),
        ),
        Breakage(
            "hidden activation sigmoid -> tanh",
            "04_training",
            'model.add(Dense(128, activation="sigmoid")',
            'model.add(Dense(128, activation="tanh")',
        ),
        # Keras computes cross-entropy from the last layer's logits whatever its activation, so
        # training prints the same numbers: only the probabilities of 06 show the change.
        Breakage(
            "output activation softmax -> sigmoid",
            "04_training",
            'model.add(Dense(10, activation="softmax")',
            'model.add(Dense(10, activation="sigmoid")',
            then=("06_making_predictions",),
        ),
        Breakage(
            "loss categorical cross-entropy -> mean squared error",
            "04_training",
            'model.compile(loss="categorical_crossentropy"',
            'model.compile(loss="mean_squared_error"',
        ),
        Breakage(
            "optimizer SGD -> SGD with momentum 0.1",
            "04_training",
            "SGD(learning_rate=params.learning_rate)",
            "SGD(learning_rate=params.learning_rate, momentum=0.1)",
        ),
        Breakage(
            "seed dropped in 04",
            "04_training",
            "setup_keras(seed=params.seed)",
            "setup_keras()",
        ),
        Breakage(
            "seed dropped in 07",
            "07_the_17_lines",
            "setup_keras(seed=123)",
            "setup_keras()",
        ),
        Breakage(
            "preprocessing: / 255.0 -> / 256.0 in 04",
            "04_training",
            'X_train.shape[0], 28 * 28 * 1)).astype("float32") / 255.0',
            'X_train.shape[0], 28 * 28 * 1)).astype("float32") / 256.0',
        ),
        Breakage(
            "preprocessing: / 255.0 removed in 02",
            "02_preparing_the_data",
            'X_train.shape[0], 28 * 28 * 1)).astype("float32") / 255.0',
            'X_train.shape[0], 28 * 28 * 1)).astype("float32")',
        ),
        Breakage(
            "preprocessing: / 255.0 removed in 06",
            "06_making_predictions",
            '(X_test.shape[0], 28 * 28 * 1)).astype("float32") / 255.0',
            '(X_test.shape[0], 28 * 28 * 1)).astype("float32")',
            needs=TRAINING,
        ),
        Breakage(
            "predictions from the second test digit in 06",
            "06_making_predictions",
            "model.predict(X_test_reshaped[0:1]",
            "model.predict(X_test_reshaped[1:2]",
            needs=TRAINING,
        ),
    ],
    FIGURE: [
        Breakage(
            "nn1-1: another colormap",
            "01_data_preview",
            'imshow(X_train[i], cmap="gray")',
            'imshow(X_train[i], cmap="viridis")',
            figures=("nn1-1",),
        ),
        Breakage(
            "nn1-1: the wrong images (test instead of training)",
            "01_data_preview",
            "imshow(X_train[i]",
            "imshow(X_test[i]",
            figures=("nn1-1",),
        ),
        Breakage(
            "nn1-2: summary of another model (no second hidden layer)",
            "03_model_definition",
            'model.add(Dense(128, activation="sigmoid"))\n',
            "",
            figures=("nn1-2",),
        ),
        Breakage(
            "nn1-3: the val_loss curve missing",
            "05_plotting_results",
            'plt.plot(epochs, history.history["val_loss"], linestyle="--")\n',
            "",
            needs=TRAINING,
            figures=("nn1-3",),
        ),
        Breakage(
            "nn1-3: another axis label",
            "05_plotting_results",
            'plt.ylabel("categorical cross-entropy")',
            'plt.ylabel("cross-entropy")',
            needs=TRAINING,
            figures=("nn1-3",),
        ),
        Breakage(
            "nn1-4: legend labels swapped",
            "05_plotting_results",
            'plt.legend(["accuracy", "val_accuracy"])',
            'plt.legend(["val_accuracy", "accuracy"])',
            needs=TRAINING,
            figures=("nn1-4",),
        ),
        Breakage(
            "nn1-4: a scatter plot instead of lines",
            "05_plotting_results",
            'plt.plot(epochs, history.history["accuracy"])',
            'plt.scatter(epochs, history.history["accuracy"])',
            needs=TRAINING,
            figures=("nn1-4",),
        ),
        Breakage(
            "nn1-5: horizontal bars instead of vertical",
            "06_making_predictions",
            "plt.bar(range(0, 10), test_pred[0])",
            "plt.barh(range(0, 10), test_pred[0])",
            needs=TRAINING,
            figures=("nn1-5",),
        ),
        Breakage(
            "nn1-5: another figure size",
            "06_making_predictions",
            "plt.figure(figsize=(8, 5))\nplt.bar",
            "plt.figure(figsize=(8, 6))\nplt.bar",
            needs=TRAINING,
            figures=("nn1-5",),
        ),
        Breakage(
            "nn1-6: drawn from another digit",
            "06_making_predictions",
            "plt.imshow(X_test[0])",
            "plt.imshow(X_test[1])",
            needs=TRAINING,
            figures=("nn1-6",),
        ),
        Breakage(
            "nn1-6: another colormap",
            "06_making_predictions",
            "plt.imshow(X_test[0])",
            'plt.imshow(X_test[0], cmap="gray")',
            needs=TRAINING,
            figures=("nn1-6",),
        ),
        Breakage(
            "nn1-7: another colormap",
            "06_making_predictions",
            "colorbar=False)",
            'colorbar=False, cmap="Blues")',
            needs=TRAINING,
            figures=("nn1-7",),
        ),
        Breakage(
            "nn1-8: training images shown instead of the mistakes",
            "06_making_predictions",
            'ax.imshow(X_test[i], cmap="gray")\n    ax.set_title(f"true',
            'ax.imshow(X_train[i], cmap="gray")\n    ax.set_title(f"true',
            needs=TRAINING,
            figures=("nn1-8",),
        ),
        Breakage(
            "nn1: a changed title",
            "06_making_predictions",
            "trained in 17 lines reads",
            "trained in 17 lines recognizes",
            needs=TRAINING,
            figures=("nn1",),
        ),
        Breakage(
            "nn1: wrong predictions titled in green",
            "06_making_predictions",
            'color="green" if correct else "firebrick"',
            'color="green"',
            needs=TRAINING,
            figures=("nn1",),
        ),
    ],
    DRAWING: [
        Breakage(
            "08: drawings shrunk only, not prepared like MNIST",
            "08_draw_a_digit",
            "np.concatenate([mnist_input(image)",
            "np.concatenate([shrink_only(image)",
            needs=TRAINING,
            figures=("nn1-9",),
        ),
        Breakage(
            "nn1-9: the first drawing's probabilities under every drawing",
            "08_draw_a_digit",
            "axes[2, column].bar(range(0, 10), probabilities)",
            "axes[2, column].bar(range(0, 10), drawn_pred[0])",
            needs=TRAINING,
            figures=("nn1-9",),
        ),
    ],
}


def apply(breakage: Breakage, repo: Path) -> None:
    path = repo / "notebooks" / f"{breakage.notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and breakage.old in c.source]
    if len(cells) != 1:
        raise SystemExit(f"{breakage.id}: {breakage.old!r} is in {len(cells)} cells, not 1")
    cells[0].source = cells[0].source.replace(breakage.old, breakage.new, 1)
    nbformat.write(nb, path)


def check(breakage: Breakage) -> tuple[bool, list[str], str, float]:
    """Apply `breakage` to a copy and run its tests: (some test failed, the failed tests, the
    figure differences they reported, seconds)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="breakage-") as scratch:
        repo = Path(scratch) / "repo"
        copy_checkout(repo)
        apply(breakage, repo)
        notebooks = [*breakage.needs, breakage.notebook, *breakage.then]
        tests = [f"notebooks/{name}.ipynb" for name in notebooks]
        for name in breakage.figures:
            tests += [
                f"tests/test_figures.py::test_figure_looks_like_the_committed_one[{name}]",
                f"tests/test_figures.py::test_figure_has_its_size_and_is_not_blank[{name}]",
            ]
        if not breakage.figures and "04_training" in notebooks:
            tests += ["tests/test_results.py::test_fifty_epochs_reach_the_posts_accuracy"]
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *tests, "-q", "-rf", "-p", "no:cacheprovider"],
            cwd=repo,
            # The copy's own helper package; nbval's kernels write into the copy's build/test/.
            env={
                **os.environ,
                "PYTHONPATH": str(repo / "src"),
                OUTPUT_DIR_VARIABLE: str(repo / "build" / "test"),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        failures = re.findall(r"^FAILED (.+?)(?: - .*)?$", result.stdout, re.M)
        differences = ", ".join(sorted(set(re.findall(r"RMS \d+\.\d+", result.stdout))))
    caught = result.returncode != 0 and bool(failures)
    return caught, failures, differences, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="breakage ids (substrings) to run")
    args = parser.parse_args(argv)
    missed = []
    for group, breakages in BREAKAGES.items():
        print(f"== {group}", flush=True)
        for breakage in breakages:
            if args.only and not any(part in breakage.id for part in args.only):
                continue
            caught, failures, differences, seconds = check(breakage)
            shown = ", ".join(f.rsplit("/", 1)[-1] for f in failures[:4])
            more = f" and {len(failures) - 4} more" if len(failures) > 4 else ""
            verdict = f"caught by {len(failures)} test(s): {shown}{more}" if caught else "MISSED"
            if differences:
                verdict += f" [{differences}]"
            print(f"  {breakage.id}: {verdict} ({seconds:.0f} s)", flush=True)
            if not caught:
                missed.append(breakage.id)
    print(f"missed: {', '.join(missed)}" if missed else "every breakage was caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
