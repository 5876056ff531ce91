"""Reproducible, quiet TensorFlow: versions, seeds, thread count, and no start-up noise.

`setup_tensorflow()` must run before the first `import keras` of a notebook, because
TensorFlow reads its logging settings and thread counts only once, when it starts.
"""

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Packages whose versions a run records (the Setup section of each notebook prints them).
RECORDED_PACKAGES = ("tensorflow", "keras", "numpy", "scikit-learn", "matplotlib")
# The committed outputs were made with 2 threads. TensorFlow's reductions outside XLA may depend on
# the count; notebook 04's XLA training gave identical bits with 1 thread (make test-portable).
THREADS = 2
# Another thread count, for a machine with more cores or to imitate one with fewer
# (`make test-portable` runs the series with 1 thread).
THREADS_VARIABLE = "MNIST17_THREADS"
# Settings that limit the CPU features TensorFlow uses (oneDNN and XLA), to imitate another CPU.
EMULATION_VARIABLES = ("ONEDNN_MAX_CPU_ISA", "XLA_FLAGS", THREADS_VARIABLE)


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
    """Python's and the key packages' versions, to record what a run used; `extra` names more
    packages that one notebook depends on (08: the drawing pad's)."""
    found = {"python": platform.python_version()}
    found.update({name: package_version(name) for name in (*RECORDED_PACKAGES, *extra)})
    return found


def thread_count() -> int:
    """Intra-op threads for TensorFlow: `THREADS`, or ``$MNIST17_THREADS`` when set."""
    value = os.environ.get(THREADS_VARIABLE, "").strip() or str(THREADS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {value!r}")
    return int(value)


def cpu_features() -> dict[str, object]:
    """The CPU model and the vector extensions that decide TensorFlow's kernels (from Linux's
    /proc/cpuinfo; elsewhere only what `platform` knows)."""
    fields: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    flags = (fields.get("flags") or fields.get("Features") or "").split()
    return {
        "cpu": fields.get("model name") or platform.processor() or platform.machine(),
        "machine": platform.machine(),
        "vector_extensions": sorted(
            f for f in flags if f.startswith(("avx", "amx", "sse4", "fma", "asimd", "sve"))
        ),
    }


def machine() -> dict[str, object]:
    """What decides the last bits of training: CPU features, threads, and CPU-limiting settings."""
    return {
        **cpu_features(),
        "threads": thread_count(),
        "settings": {name: os.environ[name] for name in EMULATION_VARIABLES if name in os.environ},
    }


def quiet_tensorflow() -> None:
    """Import TensorFlow with its C++ start-up lines (oneDNN, absl, CPU features) kept out of sight.

    They are written straight to file descriptor 2, below Python, so Jupyter would show them
    as red stderr text; they carry no information for this tutorial. Errors still raise.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def setup_tensorflow(seed: int | None = None) -> None:
    """Quiet logs, `thread_count()` threads, and (with `seed`) seeded Python, NumPy, TensorFlow."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    threading = tf.config.threading
    threads = thread_count()
    if threading.get_intra_op_parallelism_threads() != threads:
        try:
            threading.set_intra_op_parallelism_threads(threads)
            threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already started (a cell run twice): keep its setting
            pass
    if seed is not None:
        keras.utils.set_random_seed(seed)
