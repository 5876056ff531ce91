"""What the notebooks' prose says about their outputs, each sentence with the check that keeps it
true.

A sentence that states a fact about an output (a count, which digit was read, how far from the
post, a number that notebook 09 measured) is listed in `CLAIMS` with a function that checks it
against the executed notebook and the sweep's committed results. `tests/test_claims.py`
checks the committed notebooks, `tests/backends` the series run on JAX and PyTorch: a rerun on
another machine, seed or backend cannot leave a sentence wrong unnoticed. Every number in the
prose that looks measured (a decimal, a percentage, a count with a thousands comma) must be part
of a claim, or be listed in `NOT_MEASURED` with the reason it is not a fact about an output.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from mnist17.experiments import Experiment

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Numbers in prose that look measured: 0.9106, 91%, 235,146.
MEASURED_LOOKING = re.compile(
    r"\d+(?:\.\d+)?%|(?<![\d.])\d+\.\d{2,}(?![\d.])|\b\d{1,3}(?:,\d{3})+\b"
)


class Notebook:
    """An executed notebook (nbformat dict): its markdown and its outputs, by cell id."""

    def __init__(self, nb: dict) -> None:
        self.nb = nb

    def markdown(self) -> str:
        """All the markdown, each run of white space (a line break) as one space."""
        cells = [c["source"] for c in self.nb["cells"] if c["cell_type"] == "markdown"]
        return " ".join(" ".join("".join(source).split()) for source in cells)

    def output(self, cell_id: str) -> str:
        """Everything the cell printed or displayed as text."""
        (cell,) = [c for c in self.nb["cells"] if c["id"] == cell_id]
        texts = []
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts.append("".join(text) if isinstance(text, list) else text)
        return ANSI.sub("", "".join(texts))  # model.summary() colours its table

    def numbers(self, cell_id: str, pattern: str) -> list[float]:
        """Every number the cell printed where `pattern` has ``(N)``."""
        regex = pattern.replace("(N)", r"(-?\d+(?:\.\d+)?)")
        found = re.finditer(regex, self.output(cell_id))
        return [float(x) for match in found for x in match.groups()]


@dataclass(frozen=True)
class Claim:
    """A phrase of a notebook's markdown, and the check that it is true."""

    notebook: str  # the notebook's number, "05"
    says: str  # a phrase of its markdown, exactly as written
    holds: Callable[[Notebook, dict[str, Experiment]], bool]


def _still_rising(nb: Notebook, runs: dict) -> bool:
    every_ten = nb.numbers("a5e6f7b8", r"val_accuracy (N)")
    gains = [b - a for a, b in pairwise(every_ten)]
    return all(g > 0 for g in gains) and all(b < a for a, b in pairwise(gains))


def _misread_then_read(nb: Notebook, runs: dict) -> bool:
    shrunk, prepared = nb.numbers("8e6d0b4f", r"read as (N) with")
    return shrunk != 3 and prepared == 3


CLAIMS = [
    Claim(
        "01",
        "5, 0, 4, 1, 9, 2, 1, 3, 1, 4",
        lambda nb, runs: "[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]" in nb.output("d5711145"),
    ),
    Claim(
        "01",
        "70,000 grayscale pictures",
        lambda nb, runs: (
            "(60000, 28, 28)" in nb.output("2a0e6fde")
            and "(10000, 28, 28)" in nb.output("2a0e6fde")
        ),
    ),
    Claim(
        "01",
        "60,000 training images and 10,000 test images",
        lambda nb, runs: (
            "(60000, 28, 28)" in nb.output("2a0e6fde")
            and "(10000, 28, 28)" in nb.output("2a0e6fde")
        ),
    ),
    Claim(
        "03",
        "235,146 parameters, all trainable",
        lambda nb, runs: (
            all(f"{n:,}" in nb.output("ed7746ce") for n in (235146, 200960, 32896, 1290))
            and "Non-trainable params: 0" in nb.output("ed7746ce")
        ),
    ),
    Claim(
        "03",
        "784×256 + 256 = 200,960, then 256×128 + 128 = 32,896, then 128×10 + 10 = 1,290",
        lambda nb, runs: all(f"{n:,}" in nb.output("ed7746ce") for n in (200960, 32896, 1290)),
    ),
    Claim(
        "04",
        "That looks backwards",  # val_accuracy above accuracy in most epochs
        lambda nb, runs: (lambda n: n[0] > n[1] / 2)(nb.numbers("c1a2b3d4", r"in (N) of (N)")),
    ),
    Claim(
        "05",
        "A validation loss that never rises and is lowest at the last epoch",
        lambda nb, runs: (
            nb.numbers("e3c4d5f6", r"rose in (N) of")[0] == 0
            and (lambda n: n[0] == n[1])(nb.numbers("e3c4d5f6", r"at epoch (N) of (N)"))
        ),
    ),
    Claim("05", "Still rising at epoch 50, more slowly with every 10 epochs", _still_rising),
    Claim(
        "05",
        "The dashed line lies below the solid one",  # and the alt text of nn1-3
        lambda nb, runs: nb.numbers("e3c4d5f6", r"below loss in (N) of (N)") == [50, 50],
    ),
    Claim("05", "a slowdown here, not a stop", _still_rising),
    Claim(
        "04",
        "A little above -log(1/10) = 2.30: no better than giving every digit 1/10",
        lambda nb, runs: (lambda n: 0 < n[0] - n[1] < 0.5 and round(n[1], 2) == 2.30)(
            nb.numbers("untrained-loss", r"loss (N), -log\(1/10\) = (N)")
        ),
    ),
    Claim(
        "04",
        "at epoch 50 the averaging explains little or none of the gap",
        lambda nb, runs: (lambda n, train: n[0] < n[1] and n[1] - n[0] > (n[1] - train) / 2)(
            nb.numbers("train-evaluate", r"accuracy (N) on the training images, (N) on"),
            nb.numbers("4f93ac37", r"- accuracy: (N)")[-1],
        ),
    ),
    Claim(
        "06",
        "Class 7 is clearly favored",
        lambda nb, runs: (
            nb.numbers("04f741a7", r"(N)")[-1] == 7 and max(nb.numbers("37fa6183", r"(N)")) > 0.5
        ),
    ),
    Claim(
        "06",
        "the prediction is correct",
        lambda nb, runs: nb.numbers("04f741a7", r"(N)") == nb.numbers("75b34131", r"(N)"),
    ),
    Claim(
        "07",
        "Close to the post's val_accuracy of 0.9106",
        lambda nb, runs: (
            abs(nb.numbers("3db11006", r"epochs: (N)")[0] - 0.9106) <= 0.01  # the post's
        ),
    ),
    Claim(
        "08",
        "Shrunk only, the 3 is misread; prepared like MNIST, it is read right",
        _misread_then_read,
    ),
]

# The solutions' own explanations (collapsed markdown under `## Solutions`).
CLAIMS += [
    Claim(
        "01",
        "Most of each image is background",
        lambda nb, runs: nb.numbers("sol-01-3", r"exactly 0: (N)%")[0] > 50,
    ),
    Claim(
        "02",
        "NumPy's 64-bit floats unless told otherwise: twice the memory",
        lambda nb, runs: (
            "float64" in nb.output("sol-02-3")
            and (lambda mb: mb[0] == 2 * mb[1])(nb.numbers("sol-02-3", r"(N) MB"))
        ),
    ),
    Claim(
        "03",
        "The same count: an activation function has no parameters of its own",
        lambda nb, runs: (lambda n: n[0] == n[1])(nb.numbers("sol-03-2", r"(N)")),
    ),
    Claim(
        "03",
        "No digit stands out: the random initial weights know nothing yet",
        lambda nb, runs: max(nb.numbers("sol-03-3", r"'(N)'")) < 0.5,
    ),
    Claim(
        "03",
        "a little above that of one that gives every digit 1/10, -log(1/10) = 2.30",
        lambda nb, runs: (lambda n: 0 < n[0] - n[1] < 0.5 and n[1] == 2.30)(
            nb.numbers("sol-03-3", r"images: (N); -log\(1/10\) = (N)")
        ),
    ),
    Claim(
        "03",
        "Halving both hidden layers (256 to 128, 128 to 64) more than halves the network",
        lambda nb, runs: (lambda n: 0.4 * 235146 <= n[0] <= n[1])(
            nb.numbers("sol-03-4", r"(N) parameters, at most (N)")
        ),
    ),
    Claim(
        "03",
        "yet halving it alone leaves the network just above half",  # 784-128-128-10
        lambda nb, runs: (
            0 < (784 * 128 + 128) + (128 * 128 + 128) + (128 * 10 + 10) - 235146 / 2 < 0.01 * 235146
        ),
    ),
    Claim(
        "04",
        # 39 on TensorFlow, 37 on JAX (other initial weights): the sentence holds on every backend.
        "The post's settings take more than 30 epochs to pass 0.90 validation accuracy",
        lambda nb, runs: (
            [i for i, v in enumerate(nb.numbers("4f93ac37", r"val_accuracy: (N)"), 1) if v > 0.90][
                0
            ]
            > 30
        ),
    ),
    Claim(
        "04",
        "passes 0.95 within the 5 epochs",
        lambda nb, runs: max(nb.numbers("sol-04-3", r"val_accuracy (N)")) > 0.95,
    ),
    Claim(
        "04",
        "the fifth epoch above ends far below that",
        lambda nb, runs: nb.numbers("4f93ac37", r"val_accuracy: (N)")[4] < 0.9,
    ),
    Claim(
        "04",
        "notebook 09 trains with rates up to 10, large enough for the loss to grow",
        lambda nb, runs: (
            max(r.setting.learning_rate for r in runs.values()) == 10
            and runs["lr-10"].final("loss") > runs["lr-10"].history["loss"][0]
        ),
    ),
    Claim(
        "05",
        "Not in the first epochs",  # and: slows down to a small fraction of its largest step
        lambda nb, runs: (lambda epoch, steps: epoch[0] > 3 and steps[2] < steps[0] / 10)(
            nb.numbers("sol-05-1", r"in epoch (N):"),
            nb.numbers("sol-05-1", r"by (N)"),
        ),
    ),
    Claim(
        "05",
        # 0 of 50 epochs above on TensorFlow and JAX, 1 on PyTorch (other initial weights).
        "The gap stays below zero in all or nearly all epochs",
        lambda nb, runs: nb.numbers("sol-05-2", r"val_accuracy: (N) of")[0] <= 2,
    ),
    Claim(
        "05",
        "both losses still go down at the last epoch",
        lambda nb, runs: (lambda x: len(x) == 2 and max(x) < 0)(
            nb.numbers("sol-05-3", r"loss ([-+]\d+\.\d+)")
        ),
    ),
    Claim(
        "05",
        "turns up after its lowest epoch",
        lambda nb, runs: (
            nb.numbers("sol-05-4", r"at epoch (N) of 150")[0] < 150
            and (lambda n: n[1] > n[0])(
                nb.numbers("sol-05-4", r"of 150: (N)") + nb.numbers("sol-05-4", r"val_loss (N)$")
            )
        ),
    ),
    Claim(
        "05",
        "its training accuracy ends at 1, every one of the 500 right",
        lambda nb, runs: nb.numbers("sol-05-4", r"accuracy (N),")[0] == 1.0,
    ),
    Claim(
        "05",
        "the training loss keeps falling towards\nzero".replace("\n", " "),
        lambda nb, runs: nb.numbers("sol-05-4", r"loss (N), val_loss")[0] < 0.05,
    ),
    Claim(
        "06",
        "Less sure: the average highest probability is lower over the wrong predictions",
        lambda nb, runs: (lambda right, wrong: wrong < right)(
            *nb.numbers("sol-06-2", r"(?:right|wrong): (N)")
        ),
    ),
    Claim(
        "06",
        "solution 3 finds a mistake made with a probability near 1",
        lambda nb, runs: nb.numbers("sol-06-3", r"probability (N)")[0] > 0.95,
    ),
    Claim(
        "06",
        "misreads is a 5 read as a 6",
        lambda nb, runs: (
            "9 of 10 right" in nb.output("sol-06-4")
            and "label 5: read as 6" in nb.output("sol-06-4")
        ),
    ),
    Claim(
        "07",
        # The second epoch on TensorFlow and JAX, the third on PyTorch.
        "Together the two changes pass 0.95 within three epochs",
        lambda nb, runs: max(nb.numbers("sol-07-4", r"val_accuracy (N)")[:3]) > 0.95,
    ),
    Claim(
        "08",
        "is read as a 4 less surely than the one open at the top",
        lambda nb, runs: (lambda p: p[0] < p[1] and p[1] >= 0.9)(
            nb.numbers("sol-08-4", r"read as 4 with probability (N)")
        ),
    ),
    Claim(
        "04",
        "Lower: at this stage the steps of 0.01 are too short",
        lambda nb, runs: (lambda loss: loss[1] < loss[0])(nb.numbers("sol-04-2", r"epochs (N)")),
    ),
    Claim(
        "08",
        "the network reads the thin 3 less surely",
        lambda nb, runs: (
            nb.numbers("sol-08-3", r"probability (N)")[0]
            < nb.numbers("5f2e8a61", r"drawn 3: read as \d with probability (N)")[0]
        ),
    ),
    Claim(
        "08",
        "the 6-pixel pen leaves lines under a pixel wide, much thinner than those of the pad's pen",
        lambda nb, runs: (lambda thin, pad: thin < 1 and pad > 2 * thin)(
            *nb.numbers("sol-08-3", r"lines (N) pixels wide at 28x28; with the pad's pen: (N)")
        ),
    ),
    Claim(
        "08",
        "A 2, and less surely than the upright 7 was read",
        lambda nb, runs: (
            nb.numbers("sol-08-2", r"read as (N)")[0] == 2
            and nb.numbers("sol-08-2", r"probability (N)")[0]
            < nb.numbers("5f2e8a61", r"drawn 7: read as \d with probability (N)")[0]
        ),
    ),
]


# Notebook 09's conclusions, each checked against the committed results.
def _seed_spread(runs: dict[str, Experiment], epoch: int) -> float:
    at = [
        r.at_epoch("val_accuracy", epoch)
        for r in runs.values()
        if r.setting.name == "post" or r.setting.name.startswith("seed-")
    ]
    return max(at) - min(at)


def _beyond(runs: dict[str, Experiment], name: str, sign: int) -> bool:
    """`name` differs from the post's settings by more than the seeds' spread, in direction
    `sign`, after 20 and after 50 epochs."""
    return all(
        sign * (runs[name].at_epoch("val_accuracy", e) - runs["post"].at_epoch("val_accuracy", e))
        > _seed_spread(runs, e)
        for e in (20, 50)
    )


def _rates_rise(runs: dict[str, Experiment]) -> bool:
    order = ["lr-0.001", "post", "lr-0.1", "lr-1"]
    return (
        all(
            all(
                runs[a].at_epoch("val_accuracy", e) < runs[b].at_epoch("val_accuracy", e)
                for a, b in pairwise(order)
            )
            for e in (20, 50)
        )
        and _beyond(runs, "lr-0.001", -1)
        and _beyond(runs, "lr-0.1", 1)
        and _beyond(runs, "lr-1", 1)
    )


def _overfits_after_its_lowest(run: Experiment) -> bool:
    val_loss = run.history["val_loss"][:50]
    lowest = val_loss.index(min(val_loss))
    return (
        lowest < 49
        and val_loss[-1] > val_loss[lowest]
        and run.history["loss"][49] < run.history["loss"][lowest]
    )


def _grows_then_stays_high(loss: list[float]) -> bool:
    """Grows over the first ten epochs, not steadily, then stays near its peak."""
    peak = max(loss[:10])
    return (
        peak > 5 * loss[0]
        and any(b < a for a, b in pairwise(loss[:10]))
        and min(loss[9:]) > 0.8 * peak
    )


def _batch_lead_per_second(nb: Notebook, runs: dict) -> bool:
    per_second = nb.numbers("a1b2c317", r"val_accuracy (N)")
    return per_second[0] > per_second[1] > per_second[2]


CLAIMS += [
    Claim(
        "09",
        "less after 50 epochs than after 20",
        lambda nb, runs: (lambda s: s[1] < s[0])(nb.numbers("8d810f6f", r"a spread of (N)")),
    ),
    Claim(
        "09",
        "raw pixels score higher than pixels divided by 255, beyond the seeds' spread",
        lambda nb, runs: _beyond(runs, "raw-pixels", 1),
    ),
    Claim(
        "09",
        "from 0.001 to 1, the larger the rate, the higher the validation accuracy, beyond the "
        "seeds' spread at both epochs",
        lambda nb, runs: _rates_rise(runs),
    ),
    Claim(
        "09",
        "At 10 the training loss grows over the first ten epochs, with ups and downs, then stays "
        "high instead of falling, and the network reads digits no better than chance (one in ten)",
        lambda nb, runs: (
            _grows_then_stays_high(runs["lr-10"].history["loss"][:50])
            and all(v < 0.15 for v in runs["lr-10"].history["val_accuracy"][:50])
        ),
    ),
    Claim(
        "09",
        "At 1 the network overfits after its lowest validation loss",
        lambda nb, runs: _overfits_after_its_lowest(runs["lr-1"]),
    ),
    Claim(
        "09",
        "its validation accuracy from epoch 20 to 50 stays level, within the seeds' spread",
        lambda nb, runs: (
            abs(
                runs["lr-1"].at_epoch("val_accuracy", 50)
                - runs["lr-1"].at_epoch("val_accuracy", 20)
            )
            <= _seed_spread(runs, 50)
        ),
    ),
    Claim(
        "09",
        "batches of 32 reach a higher validation accuracy than the post's 128 and batches of 1024 "
        "a lower one, beyond the seeds' spread after 20 and after 50 epochs",
        lambda nb, runs: _beyond(runs, "batch-32", 1) and _beyond(runs, "batch-1024", -1),
    ),
    Claim(
        "09",
        "at the equal time printed above the order is the same",
        _batch_lead_per_second,
    ),
    Claim(
        "09",
        "its first epoch ends later",
        lambda nb, runs: (
            runs["batch-32"].seconds_per_epoch[0]
            > max(runs[n].seconds_per_epoch[0] for n in ("post", "batch-1024"))
        ),
    ),
    Claim(
        "09",
        "which happens to score lowest of the five at both epochs",
        lambda nb, runs: all(
            runs["post"].at_epoch("val_accuracy", e)
            < min(r.at_epoch("val_accuracy", e) for n, r in runs.items() if n.startswith("seed-"))
            for e in (20, 50)
        ),
    ),
    Claim(
        "09",
        "each epoch of 32 takes longer",
        lambda nb, runs: runs["batch-32"].epoch_seconds() > runs["post"].epoch_seconds(),
    ),
    Claim(
        "09",
        "the validation accuracy still rises from epoch 50 to 100, more slowly, and the validation "
        "loss is lowest at the last epoch",
        lambda nb, runs: (
            0
            < runs["post"].at_epoch("val_accuracy", 100) - runs["post"].at_epoch("val_accuracy", 50)
            < runs["post"].at_epoch("val_accuracy", 50) - runs["post"].at_epoch("val_accuracy", 1)
            and runs["post"].history["val_loss"].index(min(runs["post"].history["val_loss"])) == 99
        ),
    ),
    Claim(
        "09",
        "ReLU scores higher than the sigmoid, beyond the seeds' spread",
        lambda nb, runs: _beyond(runs, "relu", 1),
    ),
    Claim(
        "09",
        "It is a little below the validation accuracy it was chosen by",
        lambda nb, runs: (lambda test, val: val - 0.01 < test < val)(
            nb.numbers("a1b2c322", r"accuracy (N)")[0],
            nb.numbers("e09711b5", r"val_accuracy (N)")[0],
        ),
    ),
    Claim(
        "09",
        "The chosen rate is also a run whose validation loss turned up after its lowest epoch",
        lambda nb, runs: (
            nb.numbers("e09711b5", r"chosen: lr-(N),")[0] == 1
            and _overfits_after_its_lowest(runs["lr-1"])
        ),
    ),
    Claim(
        "09",
        "of nine settings",
        lambda nb, runs: (
            sum(r.setting.seed == runs["post"].setting.seed for r in runs.values()) == 9
        ),
    ),
]

# Numbers in the prose that are not facts about an output, and why.
TEST_SET = "the size of MNIST's test set, fixed by the dataset's digest (mnist17.data)"
TRAIN_SET = "the size of MNIST's training set, fixed by the dataset's digest (mnist17.data)"
TARGET = "an exercise's target"
NOT_MEASURED: dict[str, dict[str, str]] = {
    "04": {
        "0.01": "the post's learning rate, a setting, and the tests' allowance",
        "10,000": TEST_SET,
        "0.95": TARGET,
        "60,000": TRAIN_SET,
        "1,000": "a setting of the untrained-loss check (how many images)",
        "50,000": "a setting of exercise 3 (how many training images train)",
    },
    "07": {
        "0.95": TARGET,
        "50,000": "a setting of exercise 4 (how many training images train)",
        "10,000": "a setting of exercise 4 (how many training images validate)",
    },
    "05": {
        "90%": "a quote of the post",
        "2,000": "a setting of exercise 4 (how many test images validate)",
        "60,000": TRAIN_SET,
        "50,000": "the training images notebook 09's runs train on (a setting of the sweep)",
        "10,000": "the training images notebook 09's runs validate on (a setting of the sweep)",
    },
    "06": {"10,000": TEST_SET},
    "09": {
        "0.01": "the post's learning rate, a setting",
        "0.001": "a learning rate of the sweep, a setting",
        "10,000": "the size of MNIST's test set, and of the validation set held out",
        "50,000": "the training images the runs train on: 60,000 less the validation set",
    },
}
