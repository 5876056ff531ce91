"""How far each number that training and prediction print may drift from the committed one.

nbval compares everything else exactly (tests/nbval_numeric.py). The tolerances below are
measured, not guessed: `make test-portable` re-ran the series on emulated machines (oneDNN
limited to AVX2 and AVX, XLA to AVX2 and SSE4.2, both to AVX2, one thread instead of two,
Python 3.12 and 3.13) and `measured` is the largest deviation from the committed outputs seen
there. Each tolerance is that with a margin (see MARGIN), and never below two units of the last
printed digit, because a value close to a rounding boundary flips its last digit on any machine.

Measured on 2026-11-25, AMD EPYC with AVX-512, reference outputs from the same kind of machine:
no printed number moved under any emulation (every `measured` is 0). The unrounded results did
move (training history by up to 2.4e-7, probabilities by up to 1.2e-7: a float32 rounding step),
so the printed digits are far from their limits; the floor of two last-digit units is what
stands between a reader's machine and a rounding flip. Measured since (2026-11-26): a real x86-64
machine without AVX-512 (AMD EPYC, AVX2) printed every number of the committed run (unrounded:
1.2e-7 / 3.6e-7, nn1-3 RMS 0.0043); Linux on ARM under qemu (`make test-arm`: notebook 04 for
two epochs against x86-64) moved the history by 2.4e-7 and the probabilities by 3.7e-8, within
what the x86 emulations moved, so no tolerance changed. Apple Silicon has not run. The README's
"Where it runs" table lists the measurements per machine, and `make test-breakages` shows that
these tolerances still catch a changed learning rate, batch size, epoch count, layer size,
activation, loss, optimizer, seed or preprocessing.

Keys: notebook file name, then the id of the cell (nbformat cell ids are stable).
"""

from nbval_numeric import Quantity

# tolerance = max(MARGIN x measured, 2 units of the last printed digit)
MARGIN = 3

TOLERANCES: dict[str, dict[str, list[Quantity]]] = {
    "04_training.ipynb": {
        # The epoch log of model.fit: 50 lines, four metrics each, printed with 4 decimals.
        "4f93ac37": [
            Quantity("accuracy", r"- accuracy: {number}", atol=0.0002, measured=0.0),
            Quantity("loss", r"- loss: {number}", atol=0.0002, measured=0.0),
            Quantity("val_accuracy", r"- val_accuracy: {number}", atol=0.0002, measured=0.0),
            Quantity("val_loss", r"- val_loss: {number}", atol=0.0002, measured=0.0),
        ],
        # The final metrics beside the post's (the post's column is text and compared exactly).
        "87adc04f": [
            Quantity(name, rf"(?m)^{name} +{{number}}", atol=0.0002, measured=0.0)
            for name in ("loss", "accuracy", "val_loss", "val_accuracy")
        ],
    },
    "06_making_predictions.ipynb": {
        # model.predict for the first test digit: ten probabilities, printed with 4 decimals.
        "37fa6183": [Quantity("probability", r"{number}(?=\s*[,\]])", atol=0.0002, measured=0.0)],
        # Accuracy on the whole test set, and the number of wrong predictions.
        "20c0db30": [
            Quantity("test accuracy", r"test accuracy: {number}", atol=0.0002, measured=0.0),
            Quantity("wrong predictions", r"\({number} of", atol=2, measured=0.0),
        ],
    },
    "07_the_17_lines.ipynb": {
        "3db11006": [
            Quantity(
                "val_accuracy",
                r"val_accuracy after \d+ epochs: {number}",
                atol=0.0002,
                measured=0.0,
            )
        ],
    },
    "08_draw_a_digit.ipynb": {
        # model.predict for digits drawn from stroke coordinates: "read as 7 with probability ...".
        cell: [Quantity("probability", r"with probability {number}", atol=0.0002, measured=0.0)]
        for cell in (
            "8e6d0b4f",  # a small 3 in a corner, shrunk only and prepared like MNIST
            "5f2e8a61",  # the five drawn digits
            "7e1d3c6a",  # the drawing pad given the strokes of the 7
        )
    },
}
