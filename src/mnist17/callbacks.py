"""`EpochLog`: one line per epoch with the metrics, and nothing that changes between runs.

Keras's own `verbose=1` draws a progress bar with carriage returns, and `verbose=2` adds step
timings; both make the stored notebook differ on every run. This prints the same numbers only.
"""

import time

import keras


class EpochLog(keras.callbacks.Callback):
    """Print ``Epoch i/n - loss: ... - accuracy: ... - val_loss: ... - val_accuracy: ...``.

    It also keeps the seconds each epoch took in `seconds` (not printed: they change on every run).
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._started = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        metrics = " - ".join(f"{name}: {value:.4f}" for name, value in (logs or {}).items())
        self.seconds.append(time.perf_counter() - self._started)
        print(f"Epoch {epoch + 1}/{self.params['epochs']} - {metrics}")
