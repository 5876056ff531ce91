"""Get MNIST once, verify it, and load it as `keras.datasets.mnist.load_data()` would.

The file is kept in the repo's `data/` folder (ignored by git), not in `~/.keras`, so that
every notebook, test and CI run uses the same verified copy. Where it comes from, in order:

1. `data/mnist.npz`, if present;
2. the file named by the environment variable ``MNIST_NPZ``, copied into `data/`, for machines
   without internet access;
3. a download from the URL Keras uses, verified with Keras's SHA-256 before it is moved into place.

Whatever the source, the arrays are checked (keys, shapes, dtypes, value ranges) and so is their
content digest, so that a well-formed file holding other data (shuffled labels, a changed pixel,
another dataset) is refused instead of silently training the wrong network. Hashing 55 MB takes
a moment, so a successful verification of `data/mnist.npz` is remembered in a stamp file beside
it, keyed by the file's size, modification time and inode: any change to the file is re-verified.

``make data`` does this from the command line (``python -m mnist17_tools data``).
"""

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from mnist17.files import copy_atomically, write_atomically
from mnist17.paths import display_path, mnist_file

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


def _verified_arrays(path: Path, *, remember: bool = False) -> dict[str, np.ndarray]:
    """The four arrays of `path`, after checking their layout and their content digest (skipped
    when a stamp says this very file was verified before; with `remember`, write that stamp)."""
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
    if remember:
        _remember_verified(path)
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
    """Download with Keras's `get_file` and SHA-256 into a temporary folder, then move in place."""
    # Imported here: Keras and its backend take seconds to start and are only needed to download.
    from mnist17.environment import quiet_backend

    quiet_backend()
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
        arrays = _verified_arrays(Path(downloaded))
        copy_atomically(Path(downloaded), target)
        return arrays
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _obtain(target: Path, url: str) -> dict[str, np.ndarray]:
    """Verified MNIST arrays from `target`, copying or downloading the file there if needed."""
    if target.exists():
        try:
            return _verified_arrays(target, remember=True)
        except MnistDataError as error:
            raise MnistDataError(
                f"{error}\nIt was left as it is. Move it away (or delete it) and run `make data` "
                "to get a fresh copy."
            ) from None
    local_copy = os.environ.get(MNIST_NPZ_VARIABLE)
    if local_copy:
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
    _remember_verified(target)
    return arrays


def ensure_mnist(target: Path | None = None, url: str = MNIST_URL) -> Path:
    """Make sure a verified MNIST is at `target` (default `data/mnist.npz`); return its path."""
    target = Path(target) if target is not None else mnist_file()
    _obtain(target, url)
    return target


def load_mnist() -> MnistArrays:
    """Return ``(x_train, y_train), (x_test, y_test)`` as `keras.datasets.mnist.load_data()` does.

    Uses the verified copy in `data/`, getting it first if needed (see the module docstring).
    """
    arrays = _obtain(mnist_file(), MNIST_URL)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
