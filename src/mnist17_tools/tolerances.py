"""How far each printed number and each figure may drift from the committed one: one place.

`TOLERANCES`: the numbers that training and prediction print (nbval compares everything else
exactly, `nbval_numeric.py`). `FIGURES`: every figure of the series, its size and how far (RMS)
it may drift (`tests/test_figures.py`). The tolerances are measured, not guessed: `make
test-portable` re-ran the series on emulated machines (oneDNN
limited to AVX2 and AVX, XLA to AVX2 and SSE4.2, both to AVX2, one thread instead of two,
Python 3.12 and 3.13) and `measured` is the largest deviation from the committed outputs seen
there. Each tolerance is that times MARGIN, and never below two units of the last printed
digit (`printed()`), because a value close to a rounding boundary flips its last digit on any
machine.

Measured on 2026-11-25, AMD EPYC with AVX-512, reference outputs from the same kind of machine
(since 2026-11-26 they come from an AMD EPYC without AVX-512, which printed the same numbers):
no printed number moved under any emulation (every `measured` is 0). The unrounded results did
move (training history by up to 2.4e-7, probabilities by up to 1.2e-7: a float32 rounding step),
so the printed digits are far from their limits; the floor of two last-digit units is what
stands between a reader's machine and a rounding flip. Measured since (2026-11-26): a real x86-64
machine without AVX-512 (AMD EPYC, AVX2) printed every number of the committed run (unrounded:
1.2e-7 / 3.6e-7, nn1-3 RMS 0.0043); Linux on ARM under qemu (`make test-arm`: notebook 04 for
two epochs against x86-64) moved the history by 2.4e-7 and the probabilities by 3.7e-8, within
what the x86 emulations moved, so no tolerance changed. Apple Silicon has not run. The table of
docs/where-it-runs.md lists the measurements per machine, and `make test-breakages` shows that
these tolerances still catch a changed learning rate, batch size, epoch count, layer size,
activation, loss, optimizer, seed or preprocessing.

Measured on 2026-12-01, Intel Xeon with AVX-512 and AMX (the machine of the committed outputs
since then), `no-avx512` only (the fresh-clone `.ci/run`): of every printed number, including
those the teaching revision added (04's untrained loss and final weights on the training images,
the solutions 03-4 to 08-4), only 07's ReLU solution moved, by up to 2 images of its 10,000
(0.0002); its `measured` says so. The other emulations have not run on these new numbers.

Keys: notebook file name, then the id of the cell (nbformat cell ids are stable).
"""

from dataclasses import dataclass

from mnist17.data import TEST_SIZE, TRAIN_SIZE
from mnist17_tools.nbval_numeric import Quantity

# tolerance = max(MARGIN x measured, a floor): two units of the last printed digit for numbers,
# FIGURE_FLOOR for figures drawn from training results.
MARGIN = 3
FIGURE_FLOOR = 0.05


def printed(name: str, pattern: str, *, decimals: int, measured: float = 0.0) -> Quantity:
    """A printed number with `decimals` digits after the point, and its tolerance by the rule."""
    return Quantity(
        name, pattern, atol=max(MARGIN * measured, 2 * 10**-decimals), measured=measured
    )


TOLERANCES: dict[str, dict[str, list[Quantity]]] = {
    "04_training.ipynb": {
        # The epoch log of model.fit (mnist17.callbacks.EpochLog): four metrics, 4 decimals.
        "4f93ac37": [
            printed(name, rf"- {name}: {{number}}", decimals=4)
            for name in ("accuracy", "loss", "val_accuracy", "val_loss")
        ],
        # The final metrics beside the post's (the post's column is text and compared exactly).
        "87adc04f": [
            printed(name, rf"(?m)^{name} +{{number}}", decimals=4)
            for name in ("loss", "accuracy", "val_loss", "val_accuracy")
        ]
        + [
            printed(f"{name} minus the post's", rf"(?m)^{name} +\S+ +\S+ +{{number}}", decimals=4)
            for name in ("loss", "accuracy", "val_loss", "val_accuracy")
        ],
        # Epochs in which val_accuracy was above accuracy.
        "c1a2b3d4": [printed("epochs", r"accuracy in {number} of", decimals=0)],
        # The untrained network's loss beside -log(1/10), and the final weights on the
        # training images beside the last val_accuracy.
        "untrained-loss": [printed("untrained loss", r"untrained loss {number}", decimals=4)],
        "train-evaluate": [
            printed("accuracy", r"accuracy {number} on the training", decimals=4),
            printed("val_accuracy", r"images, {number} on the test", decimals=4),
        ],
        # Exercise 2's solution: two fresh models trained for 2 epochs; 3's: 5 epochs at rate 1.
        "sol-04-2": [printed("loss", r"after 2 epochs {number}", decimals=4)],
        "sol-04-3": [printed("val_accuracy", r"val_accuracy {number}", decimals=4)],
    },
    "05_plotting_results.ipynb": {
        "e3c4d5f6": [
            printed("epochs with a rise", r"rose in {number} of", decimals=0),
            printed("epoch of the lowest val_loss", r"at epoch {number} of", decimals=0),
            printed("epochs with val_loss below loss", r"below loss in {number} of", decimals=0),
        ],
        "a5e6f7b8": [printed("val_accuracy", r"val_accuracy {number}", decimals=4)],
        "sol-05-1": [
            printed("epoch of the steepest fall", r"most in epoch {number}:", decimals=0),
            printed("fall of val_loss", r"by {number}", decimals=4),
        ],
        "sol-05-3": [printed("change in the last epoch", r"loss {number}", decimals=4)],
        "sol-05-2": [printed("epochs", r"val_accuracy: {number} of", decimals=0)],
        # Exercise 4's solution: 500 images, 150 epochs, overfitting.
        "sol-05-4": [
            printed("epoch of the lowest val_loss", r"at epoch {number} of 150", decimals=0),
            printed("lowest val_loss", r"of 150: {number}", decimals=4),
            printed("accuracy", r"accuracy {number},", decimals=4),
            printed("loss", r" loss {number},", decimals=4),
            printed("val_loss", r"val_loss {number}$", decimals=4),
        ],
    },
    "06_making_predictions.ipynb": {
        # model.predict for the first test digit: ten probabilities, printed with 4 decimals.
        "37fa6183": [printed("probability", r"{number}(?=\s*[,\]])", decimals=4)],
        # Accuracy on the whole test set, and the number of wrong predictions.
        "20c0db30": [
            printed("test accuracy", r"test accuracy: {number}", decimals=4),
            printed("wrong predictions", r"\({number} of", decimals=0),
        ],
        "c7a8b9d0": [printed("val_accuracy", r"training: {number}", decimals=4)],
        # The largest kinds of mistake, and how many mistakes they hold.
        "e9c0d1f2": [
            printed("mistakes of one kind", r"read as \d: {number}", decimals=0),
            printed("mistakes of the 8 kinds", r": {number} of the", decimals=0),
            printed("mistakes", r"of the {number} mistakes", decimals=0),
        ],
        # Exercise solutions: accuracy per digit, average confidence, the surest mistake.
        "sol-06-1": [printed("accuracy of a digit", r"(?m)^\d: {number}", decimals=4)],
        "sol-06-2": [printed("average confidence", r"(?:right|wrong): {number}", decimals=4)],
        "sol-06-3": [printed("probability", r"probability {number}", decimals=4)],
        "sol-06-4": [printed("probability", r"with probability {number}", decimals=4)],
    },
    "07_the_17_lines.ipynb": {
        "3db11006": [
            printed("val_accuracy", r"val_accuracy after \d+ epochs: {number}", decimals=4)
        ],
        # Exercise 1's solution: model.evaluate beside the history.
        "sol-07-1": [
            printed("loss", r"loss {number}", decimals=4),
            printed("accuracy", r"accuracy {number}", decimals=4),
        ],
        # Exercise 4's solution: ReLU and a rate of 0.1, 5 epochs, validated on 10,000 held-out
        # training images. Measured: 2 images of 10,000 under no-avx512 (2026-12-01, the only
        # printed number of the series that moved there).
        "sol-07-4": [
            printed("val_accuracy", r"val_accuracy {number}", decimals=4, measured=0.0002)
        ],
    },
    "08_draw_a_digit.ipynb": {
        # model.predict for digits drawn from stroke coordinates: "read as 7 with probability ...".
        cell: [printed("probability", r"with probability {number}", decimals=4)]
        for cell in (
            "8e6d0b4f",  # a small 3 in a corner, shrunk only and prepared like MNIST
            "5f2e8a61",  # the five drawn digits
            "7e1d3c6a",  # the drawing pad given the strokes of the 7
            "sol-08-1",  # exercise solutions: a one-stroke 1, the 7 upside down, a thin 3
            "sol-08-2",
            "sol-08-3",
            "sol-08-4",  # two 4s drawn from strokes
        )
    },
    "03_model_definition.ipynb": {
        # Exercise 3's solution: the untrained model's ten probabilities, 2 decimals.
        "sol-03-3": [
            printed("probability", r"'{number}'", decimals=2),
            printed("untrained loss", r"1,000 images: {number}", decimals=2),
        ],
    },
}


@dataclass(frozen=True)
class FigureCheck:
    """A figure's pixel size (width, height), and how far (RMS, 0..255) it may drift."""

    size: tuple[int, int] | None  # None: sized to its content (nn1-2, the model summary)
    drawn_from: str
    tolerance: float = 0.0
    measured: float = 0.0


def exact(size: tuple[int, int] | None, drawn_from: str) -> FigureCheck:
    """A figure drawn from the data or the model's structure alone: identical pixels."""
    return FigureCheck(size, drawn_from)


def trained(size: tuple[int, int], drawn_from: str, *, measured: float = 0.0) -> FigureCheck:
    """A figure drawn from training results: tolerance max(MARGIN x measured, FIGURE_FLOOR)."""
    return FigureCheck(size, drawn_from, max(MARGIN * measured, FIGURE_FLOOR), measured)


# Every figure of the series (the post's names). Measured with `make test-portable` on an AMD
# EPYC with AVX-512 (oneDNN limited to AVX2 and AVX, XLA to AVX2 and SSE4.2, both to AVX2, one
# thread, Python 3.12 and 3.13): only nn1-3 moved (the loss curves shift by a fraction of a pixel,
# RMS 0.0037; 0.0043 on a real AMD EPYC without AVX-512). The smallest change a reader would
# notice that `make test-breakages` made was 60 times above the floor: nn1's mistakes titled in
# green instead of red, RMS 3.0 (a changed axis label: 7.4; swapped legend labels: 7.8), measured
# on the figures as they were before 2026-11-27, when they were redrawn narrower, with larger text
# and with marks that read without colour (not measured again since).
FIGURES = {
    "nn1": trained((1000, 520), "predictions: first 16 test digits"),
    "nn1-1": exact((1000, 420), "data: first 20 training digits"),
    "nn1-2": exact(None, "model structure: summary table"),
    "nn1-3": trained((800, 500), "history: loss curves", measured=0.0043),
    "nn1-4": trained((800, 500), "history: accuracy curves"),
    "nn1-5": trained((800, 500), "predictions: probabilities of one digit"),
    "nn1-6": exact((300, 300), "data: first test digit"),
    "nn1-7": trained((800, 800), "predictions: confusion matrix"),
    "nn1-8": trained((1000, 440), "predictions: first 20 mistakes"),
    "nn1-9": trained((1000, 740), "predictions: five digits drawn from strokes"),
    # Notebook 09 draws from the committed results of `make experiments`, not from a new run.
    "nn1-10": exact((800, 500), "experiments: five seeds"),
    "nn1-11": exact((800, 500), "experiments: inputs scaled or raw"),
    "nn1-12": exact((1000, 420), "experiments: four learning rates"),
    "nn1-13": exact((1000, 420), "experiments: three batch sizes, per epoch and per second"),
    "nn1-14": exact((1000, 420), "experiments: 100 epochs"),
    "nn1-15": exact((800, 500), "experiments: sigmoid and ReLU"),
}

# `make test` trains this run of experiments/sweep.toml again (the quickest: 20 epochs of 59
# batches) and compares its history, unrounded, with the committed one (tests/test_experiments.py).
SWEEP_RERUN = "batch-1024"
# The accuracies of a history are counts: the share of the 60,000 training images (accuracy) or of
# the 10,000 test images (val_accuracy) read right, so one image read differently moves them by one
# quantum, 1/60000 = 1.67e-5 or 1/10000 = 1e-4. A tolerance below a quantum would demand the same
# count of every machine, which a real CPU does not give: on an Intel Xeon with AVX-512 and AMX
# (2026-12-01) the rerun counted one training image differently in epoch 1 (1.67e-5), where the
# emulations never flipped one. The losses are averages and move by float32 steps (2.4e-7 near 1).
IMAGES_IN = {"accuracy": TRAIN_SIZE, "val_accuracy": TEST_SIZE}
# Largest deviation of the rerun from the committed history, per metric, over the machines it ran
# on: the AMD EPYC without AVX-512 that made the results (0), with XLA limited to SSE4.2 and with
# one thread (2.4e-7 in the losses, 2026-11-26), and the Intel Xeon above (one training image).
SWEEP_MEASURED = {
    "loss": 2.4e-7,
    "accuracy": 1 / TRAIN_SIZE,
    "val_loss": 2.4e-7,
    "val_accuracy": 0.0,
}
LOSS_FLOOR = 1e-6  # a few float32 steps of a loss near 1


def history_tolerance(metric: str, measured: float) -> float:
    """How far an unrounded history value may move: MARGIN x measured, and never below MARGIN
    images for an accuracy (a count) or `LOSS_FLOOR` for a loss."""
    floor = MARGIN / IMAGES_IN[metric] if metric in IMAGES_IN else LOSS_FLOOR
    return max(MARGIN * measured, floor)


SWEEP_TOLERANCE = {metric: history_tolerance(metric, m) for metric, m in SWEEP_MEASURED.items()}
