"""The training parameters of notebook 04 (the post's, by default), checked before training starts.

Papermill and `make run-all` pass them in from outside, so each one gets a clear message that
names it and its accepted range instead of a failure deep inside Keras.
"""

import contextlib
import math
from dataclasses import asdict, dataclass

from mnist17.data import TRAIN_SIZE


class ParameterError(ValueError):
    """A training parameter is out of range; the message names it and what is accepted."""


@dataclass(frozen=True)
class TrainingParams:
    """The hyperparameters of the post: epochs, batch size, SGD learning rate, random seed."""

    epochs: int = 50
    batch_size: int = 128
    learning_rate: float = 0.01
    seed: int = 123

    def as_dict(self) -> dict:
        """The parameters as a plain dict (for JSON and papermill)."""
        return asdict(self)


DEFAULTS = TrainingParams()
# What the post reports after its 50 epochs with `DEFAULTS`: notebook 04 and `make run-all` print
# every run's final metrics beside these, and the tests compare with them.
POST_METRICS = {"loss": 0.3290, "accuracy": 0.9050, "val_loss": 0.3153, "val_accuracy": 0.9106}


def _integer(name: str, value: object, low: int, high: int | None, accepted: str) -> int:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = int(value.strip())
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        raise ParameterError(f"{name} must be {accepted}, got {value!r}")
    return value


def positive_integer(name: str, value: object) -> int:
    """`value` as an integer of at least 1 (strings from the command line are converted)."""
    return _integer(name, value, 1, None, "a positive integer (1, 2, 3, ...)")


def _positive_float(name: str, value: object) -> float:
    accepted = "a positive finite number (the post uses 0.01)"
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{name} must be {accepted}, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{name} must be {accepted}, got {value!r}")
    return float(value)


def validate_training_params(
    epochs: object, batch_size: object, learning_rate: object, seed: object
) -> TrainingParams:
    """Return the parameters as `TrainingParams`, or raise `ParameterError` naming the bad one."""
    return TrainingParams(
        epochs=positive_integer("epochs", epochs),
        batch_size=_integer(
            "batch_size", batch_size, 1, TRAIN_SIZE, f"an integer from 1 to {TRAIN_SIZE}"
        ),
        learning_rate=_positive_float("learning_rate", learning_rate),
        seed=_integer("seed", seed, 0, 2**32 - 1, f"an integer from 0 to {2**32 - 1}"),
    )
