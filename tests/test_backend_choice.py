"""Choosing Keras's backend (`KERAS_BACKEND`, `make run-all BACKEND=...`): the default, the
refusals, and what a run records. The series itself on JAX and PyTorch: tests/backends/."""

import dataclasses

import pytest
from helpers import make, run_module

from mnist17 import run_all
from mnist17.environment import BACKENDS, BackendError, keras_backend, versions
from mnist17.params import DEFAULTS
from mnist17.paths import BUILD_DIR


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
    assert recorded["backend"] == name
    assert "tensorflow" not in recorded  # installed, but not what the run used
    assert name in recorded  # the backend's own package: jax (and jaxlib) or torch


def test_an_unknown_backend_is_refused_naming_the_three(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "mxnet")
    with pytest.raises(BackendError, match="'mxnet' is not a backend .*tensorflow, jax or torch"):
        keras_backend()


def test_run_all_refuses_an_unknown_backend_in_one_line():
    result = run_module("run-all", "--backend", "mxnet")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: BACKEND='mxnet' is not a Keras backend of this series: use tensorflow, jax or torch"
    ]


def test_make_refuses_an_unknown_backend_before_doing_anything():
    result = make("--no-print-directory", "run-all", "BACKEND=theano")
    assert result.returncode == 2 and result.stdout == ""
    assert "BACKEND=theano is not a Keras backend of this series: use tensorflow, jax or torch" in (
        result.stderr
    )


def test_runs_on_other_backends_never_go_to_the_committed_folders():
    assert run_all.build_folder(DEFAULTS, "tensorflow") == BUILD_DIR / "run-all"
    assert run_all.build_folder(DEFAULTS, "jax") == BUILD_DIR / "run-all-jax"
    assert run_all.build_folder(DEFAULTS, "torch") == BUILD_DIR / "run-all-torch"
    quick = dataclasses.replace(DEFAULTS, epochs=2)
    assert run_all.build_folder(quick, "tensorflow") == BUILD_DIR / "run-all-custom"
    assert run_all.build_folder(quick, "jax") == BUILD_DIR / "run-all-custom-jax"


def test_a_backend_that_is_not_installed_is_named_before_any_notebook(monkeypatch):
    monkeypatch.setitem(run_all.BACKEND_PACKAGES, "jax", ("no_such_package_mnist17",))
    with pytest.raises(run_all.NotebookRunError, match=r"make run-all BACKEND=jax. installs it"):
        run_all.check_backend_installed("jax")
