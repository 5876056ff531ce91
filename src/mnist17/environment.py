"""Reproducible, quiet Keras on any of its three backends: versions, seeds, thread counts, and
no start-up noise.

The series runs on TensorFlow (the reference that made the committed outputs) unless
``KERAS_BACKEND`` names JAX or PyTorch. `setup_keras()` must run before the first `import keras`
of a notebook: Keras picks its backend, and TensorFlow reads its logging settings and thread
counts, only once, when they start. Another backend never imports TensorFlow.
"""

import contextlib
import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The Keras backends the series runs on; the first is the default and the committed reference.
BACKENDS = ("tensorflow", "jax", "torch")
BACKEND_VARIABLE = "KERAS_BACKEND"
# The packages behind each backend, whose versions a run records.
BACKEND_PACKAGES = {"tensorflow": ("tensorflow",), "jax": ("jax", "jaxlib"), "torch": ("torch",)}
# Packages whose versions every run records (the Setup section of each notebook prints them).
RECORDED_PACKAGES = ("keras", "numpy", "scikit-learn", "matplotlib")
# The committed outputs were made with 2 threads. TensorFlow's reductions outside XLA may depend on
# the count; notebook 04's XLA training gave identical bits with 1 thread (make test-portable).
# PyTorch takes the same count; JAX has no supported setting for it and uses every core.
THREADS = 2
# Another thread count, for a machine with more cores or to imitate one with fewer
# (`make test-portable` runs the series with 1 thread).
THREADS_VARIABLE = "MNIST17_THREADS"


class BackendError(RuntimeError):
    """The Keras backend asked for is unknown, or differs from the one Keras already runs on."""


def keras_backend() -> str:
    """The backend the series runs on: ``$KERAS_BACKEND``, or TensorFlow when it is not set.

    Keras's own ~/.keras/keras.json is deliberately not consulted: a reader's old setting there
    must not silently move the series off the backend that its outputs come from.
    """
    name = os.environ.get(BACKEND_VARIABLE, "").strip() or BACKENDS[0]
    if name not in BACKENDS:
        raise BackendError(
            f"{BACKEND_VARIABLE}={name!r} is not a backend of this series: use "
            f"{', '.join(BACKENDS[:-1])} or {BACKENDS[-1]}."
        )
    return name


def package_version(name: str) -> str:
    """Installed version of a distribution (TensorFlow may be installed as `tensorflow-cpu`)."""
    candidates = [name, f"{name}-cpu"] if name == "tensorflow" else [name]
    for candidate in candidates:
        try:
            return version(candidate)
        except PackageNotFoundError:
            continue
    return "not installed"


def versions(*extra: str) -> dict[str, str]:
    """Python's, the backend's and the key packages' versions, to record what a run used; `extra`
    names more packages that one notebook depends on (08: the drawing pad's)."""
    backend = keras_backend()
    found = {"python": platform.python_version(), "backend": backend}
    packages = (*BACKEND_PACKAGES[backend], *RECORDED_PACKAGES, *extra)
    found.update({name: package_version(name) for name in packages})
    return found


def thread_count() -> int:
    """Intra-op threads for TensorFlow: `THREADS`, or ``$MNIST17_THREADS`` when set."""
    value = os.environ.get(THREADS_VARIABLE, "").strip() or str(THREADS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {value!r}")
    return int(value)


def quiet_tensorflow() -> None:
    """Import TensorFlow with its C++ start-up lines (oneDNN, absl, CPU features) kept out of sight.

    They are written straight to file descriptor 2, below Python, so Jupyter would show them
    as red stderr text; they carry no information for this tutorial. Errors still raise.
    TensorFlow before 2.21 (what Colab and Kaggle ship) also logs later lines that ignore
    TF_CPP_MIN_LOG_LEVEL, such as XLA's "Compiled cluster using XLA!" (tensorflow#100442, fixed
    in 2.21): there, C++'s descriptor 2 stays silent for the rest of the kernel. Python's own
    warnings and errors do not go through it in Jupyter, and still show.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    keep_silent = False
    try:
        with Path(os.devnull).open("w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow

            keep_silent = version_tuple(tensorflow.__version__) < (2, 21)
    finally:
        if not keep_silent:
            os.dup2(saved, 2)
        os.close(saved)


def version_tuple(version: str) -> tuple[int, ...]:
    """(major, minor) of a version string: "2.21.0" -> (2, 21), "3.15.1rc1" -> (3, 15)."""
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def quiet_backend() -> str:
    """Fix the backend for Keras (``KERAS_BACKEND``) and keep its start-up lines out of sight.

    TensorFlow's are silenced by `quiet_tensorflow`; JAX is told to use the CPU, so that it does
    not look for GPUs and TPUs and warn that it found none. Returns the backend's name.
    """
    backend = keras_backend()
    os.environ[BACKEND_VARIABLE] = backend  # what Keras reads when it is first imported
    if backend == "tensorflow":
        quiet_tensorflow()
    elif backend == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    return backend


def setup_keras(seed: int | None = None) -> None:
    """Quiet start-up, `thread_count()` threads and (with `seed`) seeded Python, NumPy and the
    backend, on the backend that `keras_backend()` names."""
    backend = quiet_backend()
    import keras

    if keras.backend.backend() != backend:
        raise BackendError(
            f"Keras already runs on {keras.backend.backend()} in this kernel, not {backend}: "
            "restart the kernel and run the notebook from the top."
        )
    threads = thread_count()
    if backend == "tensorflow":
        import tensorflow as tf

        threading = tf.config.threading
        if threading.get_intra_op_parallelism_threads() != threads:
            try:
                threading.set_intra_op_parallelism_threads(threads)
                threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:  # TensorFlow already started (a cell run twice): keep it
                pass
    elif backend == "torch":
        import torch

        torch.set_num_threads(threads)
        # Raises once set, or once PyTorch ran parallel work (a cell run twice): keep it then.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)
    if seed is not None:
        if backend == "tensorflow":
            keras.utils.set_random_seed(seed)
        else:
            _without_tensorflow(keras.utils.set_random_seed, seed)


def _without_tensorflow(function, *args) -> None:
    """Call `function` with TensorFlow unimportable.

    Keras's `set_random_seed` imports TensorFlow whenever it is installed, to seed `tf.data`,
    which the series does not use on JAX or PyTorch; hidden, it takes seconds and memory less,
    and Keras remembers for the session that TensorFlow is not there to use.
    """
    if "tensorflow" in sys.modules:  # imported before (by the reader): nothing to spare
        function(*args)
        return
    sys.modules["tensorflow"] = None  # makes `import tensorflow` raise ImportError
    try:
        function(*args)
    finally:
        del sys.modules["tensorflow"]
