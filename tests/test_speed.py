"""mnist17.speed_up: an epoch in one XLA-compiled call (notebook 04, the sweep), none on PyTorch."""

import keras
import pytest

from mnist17 import speed_up


def compiled() -> keras.Model:
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model


@pytest.mark.parametrize(("images", "batch", "steps"), [(60000, 128, 469), (50000, 32, 1563)])
def test_an_epoch_runs_in_one_compiled_call(images, batch, steps):
    model = compiled()
    speed_up(model, images=images, batch_size=batch)
    assert model.jit_compile is True
    assert model.steps_per_execution == steps  # the last batch smaller


def test_on_pytorch_the_model_keeps_kerass_defaults(monkeypatch):
    model = compiled()
    before = (model.jit_compile, model.steps_per_execution)
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    speed_up(model, images=60000, batch_size=128)
    assert (model.jit_compile, model.steps_per_execution) == before
