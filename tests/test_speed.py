"""mnist17.speed: the speed settings of notebook 04 and of the sweep's training notebook."""

import keras
import pytest

from mnist17.speed import speed_up


def compiled() -> keras.Model:
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    return model


def test_an_epoch_runs_in_one_compiled_call():
    model = compiled()
    speed_up(model, images=60000, batch_size=128)
    assert model.jit_compile is True
    assert model.steps_per_execution == 469  # 60,000 / 128, the last batch smaller


def test_on_pytorch_the_model_keeps_kerass_defaults(monkeypatch):
    model = compiled()
    before = (model.jit_compile, model.steps_per_execution)
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    speed_up(model, images=60000, batch_size=128)
    assert (model.jit_compile, model.steps_per_execution) == before


@pytest.mark.parametrize(("images", "batch", "steps"), [(50000, 1024, 49), (50000, 32, 1563)])
def test_the_steps_cover_every_image(images, batch, steps):
    model = compiled()
    speed_up(model, images=images, batch_size=batch)
    assert model.steps_per_execution == steps
