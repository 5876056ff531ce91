"""mnist17.environment: choosing Keras's backend (`KERAS_BACKEND`), the default, the refusals,
and what a run records. `make run-all BACKEND=...`: tests/test_run_all.py; the series itself on
JAX and PyTorch: tests/backends/."""

import pytest

from mnist17.environment import BACKENDS, BackendError, keras_backend, versions


def test_tensorflow_is_the_default_backend(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert keras_backend() == "tensorflow" == BACKENDS[0]
    monkeypatch.setenv("KERAS_BACKEND", " ")
    assert keras_backend() == "tensorflow"


@pytest.mark.parametrize("name", ["jax", "torch"])
def test_another_backend_is_taken_from_keras_backend(monkeypatch, name):
    monkeypatch.setenv("KERAS_BACKEND", name)
    assert keras_backend() == name
    recorded = versions()
    assert "tensorflow" not in recorded  # installed, but not what the run used
    assert name in recorded  # the backend's own package: jax (and jaxlib) or torch


def test_an_unknown_backend_is_refused_naming_the_three(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "mxnet")
    with pytest.raises(BackendError, match="'mxnet' is not a backend .*tensorflow, jax or torch"):
        keras_backend()
