"""`make data`: put a verified copy of MNIST in `data/mnist.npz`, for kernels without internet.

The kernels that the tools start serve it as `keras.datasets.mnist.load_data()`
(tools/ipython/). It comes from `data/mnist.npz` as it is, or a copy of the file named by
``MNIST_NPZ``, or a download from Keras's address; whichever, the arrays' content digest must be
MNIST's, so that a well-formed file holding other data (shuffled labels, a changed pixel, a cut
download) is refused before any notebook runs, and nothing is left where it was refused.
"""

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path

import numpy as np

from mnist17_tools import ROOT, shown

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# sha256 of the bytes of x_train, y_train, x_test and y_test: independent of the zip container.
CONTENT_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
KEYS = ("x_train", "y_train", "x_test", "y_test")
TARGET = ROOT / "data" / "mnist.npz"


class DataError(RuntimeError):
    """MNIST could not be had or was refused; the message says what to do."""


def verify(path: Path, source: str = "") -> None:
    """Raise `DataError` unless `path` holds MNIST's four arrays with MNIST's content digest;
    `source` names where the file came from in the message (default: `path`)."""
    source = source or shown(path)
    try:
        with np.load(path, allow_pickle=False) as arrays:
            digest = hashlib.sha256()
            for key in KEYS:
                digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    except Exception as error:  # numpy and zipfile raise many kinds for a foreign file
        raise DataError(
            f"{source} is not an MNIST .npz ({type(error).__name__}: {error})"
        ) from None
    if digest.hexdigest() != CONTENT_SHA256:
        raise DataError(
            f"{source} is a well-formed .npz, but its arrays are not MNIST's (content "
            f"sha256 {digest.hexdigest()[:12]}..., MNIST's is {CONTENT_SHA256[:12]}...): labels "
            "shuffled, pixels changed or another dataset. Use an unmodified copy."
        )


def obtain(target: Path = TARGET) -> None:
    """Verify `target`, or make it from ``$MNIST_NPZ`` or a download, verified before it lands."""
    if target.exists():
        try:
            verify(target)
        except DataError as error:
            raise DataError(f"{error}\nMove it away and run `make data` again.") from None
        return
    partial = target.with_name(f".{target.name}.part")
    local = os.environ.get("MNIST_NPZ")
    try:
        if local:
            shutil.copyfile(Path(local).expanduser(), partial)
        else:
            with urllib.request.urlopen(MNIST_URL, timeout=120) as response:
                partial.write_bytes(response.read())
        verify(partial, f"MNIST_NPZ={local}" if local else MNIST_URL)
        partial.replace(target)
    except OSError as error:
        raise DataError(
            f"Could not get MNIST ({type(error).__name__}: {error}). Without internet, give "
            "a local copy: MNIST_NPZ=/path/to/mnist.npz make data"
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """`make data`: 0 when `data/mnist.npz` is verified MNIST, 1 with the reason otherwise."""
    try:
        obtain()
    except DataError as error:
        print(f"error: {error}")
        return 1
    print(f"MNIST is ready: {shown(TARGET)} (verified, content sha256 {CONTENT_SHA256[:16]}...)")
    return 0
