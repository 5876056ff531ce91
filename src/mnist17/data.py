"""Get MNIST once, verify it, and load it as `keras.datasets.mnist.load_data()` would.

The file is kept in the repo's `data/` folder (ignored by git), not in `~/.keras`, so that
every notebook, test and CI run uses the same verified copy. Where it comes from, in order:

1. `data/mnist.npz`, if present;
2. the file named by the environment variable ``MNIST_NPZ``, copied into `data/`, for machines
   without internet access;
3. a download from the address Keras uses, into a temporary file that becomes `data/mnist.npz`
   only once verified.

Whatever the source, the arrays are checked (keys, shapes, dtypes, value ranges) and so is their
content digest, so that a well-formed file holding other data (shuffled labels, a changed pixel,
another dataset, a cut-off download) is refused instead of silently training the wrong network.
Hashing 55 MB takes a moment, so a successful check of `data/mnist.npz` is remembered in a stamp
file beside it, keyed by the file's size, modification time and inode: any change is checked again.
"""

import hashlib
import http.client
import json
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from mnist17.files import copy_atomically, write_atomically
from mnist17.paths import display_path, mnist_file

# Where keras.datasets.mnist.load_data() downloads MNIST from.
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# sha256(x_train + y_train + x_test + y_test bytes): independent of how the .npz zip was written.
MNIST_CONTENT_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
MNIST_NPZ_VARIABLE = "MNIST_NPZ"
# For tests only: a server on this machine standing in for MNIST's host (and GitHub's, in the
# hosted-runtime cell of each notebook), so that downloads can be tested without the internet.
MIRROR_VARIABLE = "MNIST17_MIRROR"

# key -> (shape, largest allowed value); every array is uint8.
EXPECTED_ARRAYS = {
    "x_train": ((60000, 28, 28), 255),
    "y_train": ((60000,), 9),
    "x_test": ((10000, 28, 28), 255),
    "y_test": ((10000,), 9),
}

TRAIN_SIZE, TEST_SIZE = EXPECTED_ARRAYS["y_train"][0][0], EXPECTED_ARRAYS["y_test"][0][0]

MnistArrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class MnistDataError(RuntimeError):
    """MNIST could not be found, read or verified; the message says what to do."""


def mnist_url() -> str:
    """The address MNIST is downloaded from: Keras's, or the test server's (``MNIST17_MIRROR``)."""
    mirror = os.environ.get(MIRROR_VARIABLE, "").rstrip("/")
    return f"{mirror}/mnist.npz" if mirror else MNIST_URL


def _how_to_supply(target: Path) -> str:
    return (
        "Connect this machine to the internet (on Kaggle: switch on Internet in the notebook's "
        "settings), or supply the file yourself:\n"
        "  - MNIST_NPZ=/path/to/mnist.npz make data   (copies and verifies a local copy)\n"
        f"  - copy a verified mnist.npz to {display_path(target)}"
    )


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Read the four MNIST arrays from an `.npz` file without pickle; clear errors if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise MnistDataError(f"{display_path(path)} does not exist.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = sorted(set(EXPECTED_ARRAYS) - set(archive.files))
            if not missing:
                return {key: archive[key] for key in EXPECTED_ARRAYS}
    # NumPy and zipfile raise half a dozen kinds of error for a damaged or foreign file; the
    # reader needs only to know that it is one, and which.
    except Exception as error:
        raise MnistDataError(
            f"{display_path(path)} cannot be read as an .npz archive without pickle: it is "
            f"truncated, corrupt or another kind of file ({type(error).__name__}: {error})."
        ) from None
    raise MnistDataError(
        f"{display_path(path)} is not an MNIST file: it lacks the array(s) {', '.join(missing)}."
    )


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


def _verified_arrays(path: Path) -> dict[str, np.ndarray]:
    """The four arrays of `path`, after checking their layout and their content digest (skipped
    when a stamp says this very file was verified before)."""
    arrays = read_npz(path)
    check_arrays(arrays, path)
    if _stamp_matches(path):
        return arrays
    digest = content_digest(arrays)
    if digest != MNIST_CONTENT_SHA256:
        raise MnistDataError(
            f"{display_path(path)} is a well-formed .npz with MNIST's shapes, but not MNIST's "
            f"content: its content digest is {digest[:12]}..., MNIST's is "
            f"{MNIST_CONTENT_SHA256[:12]}... (labels shuffled, pixels changed or another "
            "dataset). Use an unmodified copy of the dataset."
        )
    return arrays


def _stamp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _file_key(path: Path) -> dict[str, int]:
    info = path.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "inode": info.st_ino}


def _stamp_matches(path: Path) -> bool:
    """True when `path` was verified before and has not changed since (size, mtime, inode)."""
    try:
        stamp = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return False
    return stamp == {**_file_key(path), "content_sha256": MNIST_CONTENT_SHA256}


def _remember_verified(path: Path) -> None:
    stamp = json.dumps({**_file_key(path), "content_sha256": MNIST_CONTENT_SHA256})
    write_atomically(_stamp_path(path), lambda tmp: tmp.write_text(stamp + "\n"))


def _download(target: Path, url: str) -> dict[str, np.ndarray]:
    """Download `url` into a temporary file beside `target`; it becomes `target` once verified."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".mnist-download-", suffix=".npz")
    os.close(handle)
    partial = Path(name)
    try:
        try:
            with urllib.request.urlopen(url, timeout=120) as response, partial.open("wb") as out:
                shutil.copyfileobj(response, out)
        except (OSError, http.client.HTTPException) as error:  # offline, refused, 404, cut off
            raise MnistDataError(
                f"Could not download MNIST from {url} ({type(error).__name__}: {error}).\n"
                + _how_to_supply(target)
            ) from None
        try:
            arrays = _verified_arrays(partial)
        except MnistDataError as error:
            raise MnistDataError(
                f"The file downloaded from {url} was refused (nothing was kept): {error}"
            ) from None
        partial.chmod(0o644)
        partial.replace(target)
        return arrays
    finally:
        partial.unlink(missing_ok=True)


def obtain_mnist(target: Path, url: str) -> dict[str, np.ndarray]:
    """Verified MNIST arrays from `target`, copying (``MNIST_NPZ``) or downloading it there first
    when it is missing; a file already at `target` is checked, never replaced."""
    if target.exists():
        try:
            arrays = _verified_arrays(target)
        except MnistDataError as error:
            raise MnistDataError(
                f"{error}\nIt was left as it is. Move it away (or delete it) and run `make data` "
                "to get a fresh copy."
            ) from None
    elif local_copy := os.environ.get(MNIST_NPZ_VARIABLE):
        source = Path(local_copy).expanduser()
        try:
            arrays = _verified_arrays(source)
        except MnistDataError as error:
            raise MnistDataError(
                f"{MNIST_NPZ_VARIABLE}={local_copy} was refused: {error}\n"
                f"Point {MNIST_NPZ_VARIABLE} at a verified copy of MNIST, or unset it to download."
            ) from None
        copy_atomically(source, target)
    else:
        arrays = _download(target, url)
    if not _stamp_matches(target):
        _remember_verified(target)
    return arrays


def load_mnist() -> MnistArrays:
    """Return ``(x_train, y_train), (x_test, y_test)`` as `keras.datasets.mnist.load_data()` does.

    Uses the verified copy in `data/`, getting it first if needed (see the module docstring).
    """
    arrays = obtain_mnist(mnist_file(), mnist_url())
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
