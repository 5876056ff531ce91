"""mnist17.speed_up: an epoch in one XLA-compiled call (notebook 04, the sweep), none on PyTorch."""

import keras
import pytest

from mnist17 import speed_up


@pytest.mark.parametrize(
    ("backend", "images", "batch", "steps"),
    [("tensorflow", 60000, 128, 469), ("jax", 50000, 32, 1563), ("torch", 60000, 128, None)],
)
def test_one_compiled_call_per_epoch_but_on_pytorch(monkeypatch, backend, images, batch, steps):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    defaults = (model.jit_compile, model.steps_per_execution)
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    speed_up(model, images=images, batch_size=batch)
    assert (model.jit_compile, model.steps_per_execution) == ((True, steps) if steps else defaults)
