"""What the notebooks' prose says about their outputs, each sentence with the check that keeps it
true.

A sentence that states a fact about an output (a count, which digit was read, how far from the
post, a number that notebook 09 measured) is listed in `CLAIMS` with a function that checks it
against the executed notebook and the committed experiment results. `tests/test_claims.py`
checks the committed notebooks, `tests/backends` the series run on JAX and PyTorch: a rerun on
another machine, seed or backend cannot leave a sentence wrong unnoticed. Every number in the
prose that looks measured (a decimal, a percentage, a count with a thousands comma) must be part
of a claim, or be listed in `NOT_MEASURED` with the reason it is not a fact about an output.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from mnist17.experiments import Experiment, load_experiments
from mnist17.params import POST_METRICS

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
    quotes: tuple[str, ...] = ()  # names in QUOTED of the result values the notebook quotes


def _at_20(runs: dict[str, Experiment], name: str) -> float:
    return runs[name].at_epoch("val_accuracy", 20)


def _measured(metric: str, name: str, epoch: int = 20) -> Callable[[dict], str]:
    return lambda runs: f"{runs[name].at_epoch(metric, epoch):.4f}"


# The values that the prose quotes from the committed experiment results (notebook 09), by name:
# the markdown holds the number itself; `quoted()` formats the results the same way.
QUOTED: dict[str, Callable[[dict[str, Experiment]], str]] = {
    "raw": _measured("val_accuracy", "raw-pixels"),
    "scaled": _measured("val_accuracy", "post"),
    "lr_001": _measured("val_accuracy", "lr-0.001"),
    "lr_01": _measured("val_accuracy", "post"),
    "lr_1": _measured("val_accuracy", "lr-0.1"),
    "lr_10": _measured("val_accuracy", "lr-1"),
    "acc_100": _measured("val_accuracy", "post", 100),
    "best_epoch": lambda runs: str(
        runs["post"].history["val_loss"].index(min(runs["post"].history["val_loss"])) + 1
    ),
}


def quoted(name: str, runs: dict[str, Experiment] | None = None) -> str:
    """The value the prose quotes as `name`, formatted from the results."""
    return QUOTED[name](runs if runs is not None else load_experiments())


def quoting(notebook: str, says: str, *names: str) -> Claim:
    """A claim that the markdown quotes each named value as the results give it now."""
    return Claim(
        notebook,
        says,
        lambda nb, runs: all(quoted(n, runs) in nb.markdown() for n in names),
        quotes=names,
    )


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
    quoting("02", "the validation accuracy is", "raw", "scaled"),
    Claim(
        "02",
        "Raw values do better with the post's settings",
        lambda nb, runs: (
            _at_20(runs, "raw-pixels") > _at_20(runs, "post")
            and _at_20(runs, "lr-0.1") > _at_20(runs, "post")
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
    quoting("04", "the validation accuracy is", "lr_001", "lr_01", "lr_1", "lr_10"),
    Claim(
        "04",
        "the larger the better, up to the largest tried",
        lambda nb, runs: (
            _at_20(runs, "lr-0.001")
            < _at_20(runs, "post")
            < _at_20(runs, "lr-0.1")
            < _at_20(runs, "lr-1")
        ),
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
    quoting("05", "there the lowest validation loss is at", "best_epoch"),
    Claim("05", "Still rising at epoch 50, more slowly with every 10 epochs", _still_rising),
    quoting("05", "the validation accuracy reaches", "acc_100"),
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
            abs(nb.numbers("3db11006", r"epochs: (N)")[0] - POST_METRICS["val_accuracy"]) <= 0.01
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
        "NumPy computes in 64-bit floats unless told otherwise: twice the memory",
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
        "No digit stands out the way the 7 does after training",
        lambda nb, runs: max(nb.numbers("sol-03-3", r"'(N)'")) < 0.5,
    ),
    Claim(
        "04",
        "Lower: at this stage the steps of 0.01 are too short",
        lambda nb, runs: (lambda loss: loss[1] < loss[0])(nb.numbers("sol-04-2", r"epochs (N)")),
    ),
    Claim(
        "08",
        "and reads them less surely",
        lambda nb, runs: (
            nb.numbers("sol-08-3", r"probability (N)")[0]
            < nb.numbers("5f2e8a61", r"drawn 3: read as \d with probability (N)")[0]
        ),
    ),
]

# Numbers in the prose that are not facts about an output, and why.
TEST_SET = "the size of MNIST's test set, fixed by the dataset's digest (mnist17.data)"
NOT_MEASURED: dict[str, dict[str, str]] = {
    "04": {
        "0.01": "the post's learning rate, a setting, and the tests' allowance",
        "0.001": "a learning rate of the sweep, a setting",
        "10,000": TEST_SET,
    },
    "05": {"90%": "a quote of the post"},
    "06": {"10,000": TEST_SET},
    "09": {"0.01": "the post's learning rate, a setting"},
}
