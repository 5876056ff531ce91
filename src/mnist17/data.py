"""Get MNIST once, verify it, and load it as `keras.datasets.mnist.load_data()` would.

The file is kept in the repo's `data/` folder (ignored by git), not in `~/.keras`, so that
every notebook, test and CI run uses the same verified copy. Where it comes from, in order:

1. `data/mnist.npz`, if present (checked: keys, shapes, dtypes, value ranges);
2. the file named by the environment variable ``MNIST_NPZ`` (checked as above plus the content
   digest), copied into `data/`, for machines without internet access;
3. a download from the URL Keras uses, verified with Keras's SHA-256 before it is moved into place.

Run ``python -m mnist17 data`` (or ``make data``) to do this from the command line.
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from mnist17.files import copy_atomically
from mnist17.paths import MNIST_FILE, display_path

# What keras.datasets.mnist.load_data() downloads, and the SHA-256 it checks the file against.
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_FILE_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# sha256(x_train + y_train + x_test + y_test bytes): independent of how the .npz zip was written.
MNIST_CONTENT_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
MNIST_NPZ_VARIABLE = "MNIST_NPZ"

# key -> (shape, largest allowed value); every array is uint8.
EXPECTED_ARRAYS = {
    "x_train": ((60000, 28, 28), 255),
    "y_train": ((60000,), 9),
    "x_test": ((10000, 28, 28), 255),
    "y_test": ((10000,), 9),
}

MnistArrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class MnistDataError(RuntimeError):
    """MNIST could not be found, read or verified; the message says what to do."""


def _how_to_supply(target: Path) -> str:
    return (
        "Supply the file in one of two ways:\n"
        f"  - MNIST_NPZ=/path/to/mnist.npz make data   (copies and verifies a local copy)\n"
        f"  - copy a verified mnist.npz to {display_path(target)}"
    )


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Read the four MNIST arrays from an `.npz` file without pickle; clear errors if unreadable."""
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        raise MnistDataError(
            f"{display_path(path)} is not a valid .npz archive: it is truncated, corrupt "
            "or another kind of file."
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = sorted(set(EXPECTED_ARRAYS) - set(archive.files))
            if missing:
                raise MnistDataError(
                    f"{display_path(path)} is not an MNIST file: it lacks the array(s) "
                    f"{', '.join(missing)} (it has: {', '.join(sorted(archive.files)) or 'none'})."
                )
            return {key: archive[key] for key in EXPECTED_ARRAYS}
    except MnistDataError:
        raise
    except FileNotFoundError:
        raise MnistDataError(f"{display_path(path)} does not exist.") from None
    except ValueError as error:
        if "pickle" in str(error).lower():
            reason = "it holds Python objects that would need pickle to load, which is refused"
        else:
            reason = f"it is not a valid NumPy .npz archive ({error})"
        raise MnistDataError(f"{display_path(path)} cannot be used: {reason}.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise MnistDataError(
            f"{display_path(path)} is truncated or corrupt ({type(error).__name__}: {error})."
        ) from None


def check_arrays(arrays: dict[str, np.ndarray], source: Path) -> None:
    """Check keys, shapes, dtypes and value ranges against MNIST's; raise MnistDataError if off."""
    for key, (shape, top) in EXPECTED_ARRAYS.items():
        array = arrays[key]
        problem = None
        if array.dtype != np.uint8:
            problem = f"dtype {array.dtype}, expected uint8"
        elif array.shape != shape:
            problem = f"shape {array.shape}, expected {shape}"
        elif array.size and int(array.max()) > top:
            problem = f"values up to {int(array.max())}, expected 0..{top}"
        if problem:
            raise MnistDataError(f"{display_path(source)} is not MNIST: {key} has {problem}.")


def content_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the four arrays' bytes in the documented order, whatever the zip container."""
    digest = hashlib.sha256()
    for key in EXPECTED_ARRAYS:
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return digest.hexdigest()


def _verified_arrays(path: Path, *, check_digest: bool) -> dict[str, np.ndarray]:
    arrays = read_npz(path)
    check_arrays(arrays, path)
    digest = content_digest(arrays) if check_digest else MNIST_CONTENT_SHA256
    if digest != MNIST_CONTENT_SHA256:
        raise MnistDataError(
            f"{display_path(path)} has MNIST's shapes but not its content (content digest "
            f"{digest[:16]}..., expected {MNIST_CONTENT_SHA256[:16]}...). "
            "Use an unmodified copy of the dataset."
        )
    return arrays


def _download(target: Path, url: str) -> dict[str, np.ndarray]:
    """Download with Keras's `get_file` and SHA-256 into a temporary folder, then move in place."""
    # Imported here: TensorFlow takes seconds to start and is only needed to download.
    from mnist17.environment import quiet_tensorflow

    quiet_tensorflow()
    import keras

    target.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=target.parent, prefix=".download-"))
    try:
        try:
            downloaded = keras.utils.get_file(
                fname="mnist.npz",
                origin=url,
                file_hash=MNIST_FILE_SHA256,
                cache_dir=str(workdir),
                cache_subdir="",
            )
        except Exception as error:  # get_file wraps network errors in plain Exceptions
            raise MnistDataError(
                f"Could not download MNIST from {url}\n"
                f"  ({type(error).__name__}: {error})\n"
                "This machine may be offline or the download may have been corrupted. "
                + _how_to_supply(target)
            ) from None
        arrays = _verified_arrays(Path(downloaded), check_digest=False)
        copy_atomically(Path(downloaded), target)
        return arrays
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _obtain(target: Path, url: str) -> dict[str, np.ndarray]:
    """Verified MNIST arrays from `target`, copying or downloading the file there if needed."""
    if target.exists():
        try:
            return _verified_arrays(target, check_digest=False)
        except MnistDataError as error:
            raise MnistDataError(
                f"{error}\nDelete {display_path(target)} and run `make data` to get a fresh copy."
            ) from None
    local_copy = os.environ.get(MNIST_NPZ_VARIABLE)
    if local_copy:
        source = Path(local_copy).expanduser()
        try:
            arrays = _verified_arrays(source, check_digest=True)
        except MnistDataError as error:
            raise MnistDataError(
                f"{MNIST_NPZ_VARIABLE}={local_copy} was refused: {error}\n"
                f"Point {MNIST_NPZ_VARIABLE} at a verified copy of MNIST, or unset it to download."
            ) from None
        copy_atomically(source, target)
        return arrays
    return _download(target, url)


def ensure_mnist(target: Path = MNIST_FILE, url: str = MNIST_URL) -> Path:
    """Make sure a verified MNIST file is at `target` (`data/mnist.npz`) and return its path."""
    _obtain(Path(target), url)
    return Path(target)


def load_mnist() -> MnistArrays:
    """Return ``(x_train, y_train), (x_test, y_test)`` as `keras.datasets.mnist.load_data()` does.

    Uses the verified copy in `data/`, getting it first if needed (see the module docstring).
    """
    arrays = _obtain(MNIST_FILE, MNIST_URL)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def main(argv: list[str] | None = None) -> int:
    """`make data`: get and verify MNIST, printing where it is or what to do."""
    argparse.ArgumentParser(
        prog="python -m mnist17 data", description="Get and verify MNIST in data/mnist.npz."
    ).parse_args(argv)
    try:
        digest = content_digest(_obtain(MNIST_FILE, MNIST_URL))
    except MnistDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    status = "verified" if digest == MNIST_CONTENT_SHA256 else "readable, but its digest differs"
    print(f"MNIST is ready: {display_path(MNIST_FILE)} ({status}, content sha256 {digest[:16]}...)")
    return 0
