"""Getting MNIST: the loader accepts only real MNIST, refuses bad files clearly, never leaves a
partial file, and works offline from a local copy."""

import http.server
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist17 import data
from mnist17.data import MnistDataError, load_mnist, obtain_mnist
from mnist17_tools.__main__ import main as cli

# Documented in ../shared/data/README.md and data/README.md.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
UNREACHABLE_URL = "http://127.0.0.1:9/mnist.npz"  # port 9 (discard): connection refused


def mnist_like(**changes) -> dict[str, np.ndarray]:
    """Arrays with MNIST's keys, shapes and dtypes (all zeros), with some replaced or removed."""
    arrays = {
        key: np.zeros(shape, dtype=np.uint8) for key, (shape, _) in data.EXPECTED_ARRAYS.items()
    }
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    return arrays


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


@pytest.fixture
def target(tmp_path, monkeypatch) -> Path:
    """Where the loader should put the file; no MNIST_NPZ from the caller's environment."""
    monkeypatch.delenv(data.MNIST_NPZ_VARIABLE, raising=False)
    return tmp_path / "data" / "mnist.npz"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture(scope="module")
def mnist() -> dict[str, np.ndarray]:
    """The real arrays (from the verified data/mnist.npz that `make test` put in place)."""
    return data.read_npz(data.mnist_file())


def test_real_copy_is_accepted_verified_once_and_returned_unchanged(target, mnist, monkeypatch):
    target.parent.mkdir(parents=True)
    shutil.copyfile(data.mnist_file(), target)
    arrays = obtain_mnist(target, UNREACHABLE_URL)
    assert all(np.array_equal(arrays[key], mnist[key]) for key in mnist)
    assert sorted(p.name for p in target.parent.iterdir()) == [".mnist.npz.verified", "mnist.npz"]
    # Verified once: the next load trusts the stamp and does not hash 55 MB again...
    monkeypatch.setattr(data, "content_digest", lambda arrays: pytest.fail("hashed again"))
    obtain_mnist(target, UNREACHABLE_URL)
    # ...until the file changes: then it is verified again.
    target.touch()
    with pytest.raises(pytest.fail.Exception, match="hashed again"):
        obtain_mnist(target, UNREACHABLE_URL)


def _changed(mnist, **changes) -> dict[str, np.ndarray]:
    return {**mnist, **changes}


def _shuffled_labels(mnist):
    return _changed(mnist, y_train=np.random.default_rng(0).permutation(mnist["y_train"]))


def _one_pixel(mnist):
    x_test = mnist["x_test"].copy()
    x_test[123, 14, 14] ^= 1
    return _changed(mnist, x_test=x_test)


def _another_dataset(mnist):
    """scikit-learn's 8x8 digits, scaled to 28x28 and repeated: MNIST's shapes, other data."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (np.kron(digits.images, np.ones((4, 4)))[:, 2:30, 2:30] * 255 / 16).astype(np.uint8)
    pick = np.arange(70000) % len(images)
    labels = digits.target[pick].astype(np.uint8)
    return {
        "x_train": images[pick[:60000]],
        "y_train": labels[:60000],
        "x_test": images[pick[60000:]],
        "y_test": labels[60000:],
    }


WRONG_CONTENT = {
    "labels shuffled": _shuffled_labels,
    "one pixel changed": _one_pixel,
    "another dataset with MNIST's shapes": _another_dataset,
}


@pytest.mark.parametrize("kind", list(WRONG_CONTENT))
def test_well_formed_file_that_is_not_mnist_is_refused_and_kept(target, mnist, kind, monkeypatch):
    write_npz(target, WRONG_CONTENT[kind](mnist))
    before = target.read_bytes()
    with pytest.raises(MnistDataError) as caught:
        obtain_mnist(target, UNREACHABLE_URL)
    message = str(caught.value)
    assert "mnist.npz is a well-formed .npz with MNIST's shapes, but not MNIST's content" in message
    assert f"MNIST's is {data.MNIST_CONTENT_SHA256[:12]}..." in message
    assert re.search(r"its content digest is [0-9a-f]{12}\.\.\.", message)
    assert "make data" in message and "left as it is" in message
    assert target.read_bytes() == before and not (target.parent / ".mnist.npz.verified").exists()
    # `make data` says the same and fails.
    monkeypatch.setattr(data, "mnist_file", lambda: target)
    assert cli(["data"]) == 1


def test_train_and_test_swapped_is_refused(target, mnist):
    swapped = _changed(
        mnist,
        x_train=mnist["x_test"],
        y_train=mnist["y_test"],
        x_test=mnist["x_train"],
        y_test=mnist["y_train"],
    )
    write_npz(target, swapped)
    with pytest.raises(MnistDataError, match="x_train has shape \\(10000, 28, 28\\)"):
        obtain_mnist(target, UNREACHABLE_URL)
    assert target.exists()


def test_a_stamp_from_another_file_does_not_vouch_for_this_one(target, mnist):
    target.parent.mkdir(parents=True)
    shutil.copyfile(data.mnist_file(), target)
    obtain_mnist(target, UNREACHABLE_URL)
    stamp = (target.parent / ".mnist.npz.verified").read_text()
    write_npz(target, _shuffled_labels(mnist))  # replaced: new inode, size and mtime
    (target.parent / ".mnist.npz.verified").write_text(stamp)
    with pytest.raises(MnistDataError, match="not MNIST's content"):
        obtain_mnist(target, UNREACHABLE_URL)


def test_mnist_npz_with_other_content_is_refused_before_copying(
    target, tmp_path, mnist, monkeypatch
):
    fake = write_npz(tmp_path / "elsewhere" / "mnist.npz", _one_pixel(mnist))
    monkeypatch.setenv(data.MNIST_NPZ_VARIABLE, str(fake))
    with pytest.raises(MnistDataError, match="MNIST_NPZ=.*was refused.*not MNIST's content"):
        obtain_mnist(target, UNREACHABLE_URL)
    assert leftovers(target.parent) == []


def _truncated(path: Path) -> None:
    write_npz(path, mnist_like())
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


def _corrupt_member(path: Path) -> None:
    """Full length and a valid zip directory, but damaged pixel bytes (caught by the zip CRC)."""
    write_npz(path, mnist_like())
    content = bytearray(path.read_bytes())
    middle = len(content) // 3
    content[middle : middle + 64] = b"\x07" * 64
    path.write_bytes(bytes(content))


BAD_FILES = {
    "truncated": (_truncated, "cannot be read as an .npz archive"),
    "corrupt member": (_corrupt_member, "truncated, corrupt or another kind of file"),
    "not a zip": (lambda p: p.write_text("<html>404 Not Found</html>"), "cannot be read as an"),
    "wrong key": (lambda p: write_npz(p, mnist_like(x_train=None)), "lacks the array(s) x_train"),
    "wrong shape": (
        lambda p: write_npz(p, mnist_like(x_test=np.zeros((10000, 28, 27), np.uint8))),
        "x_test has shape (10000, 28, 27), expected (10000, 28, 28)",
    ),
    "wrong dtype": (
        lambda p: write_npz(p, mnist_like(x_train=np.zeros((60000, 28, 28), np.float32))),
        "x_train has dtype float32, expected uint8",
    ),
    "label out of range": (
        lambda p: write_npz(p, mnist_like(y_train=np.full(60000, 10, np.uint8))),
        "y_train has values up to 10, expected 0..9",
    ),
    "object array": (
        lambda p: write_npz(p, mnist_like(y_test=np.array([{"x": 1}] * 10000, dtype=object))),
        "pickle",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_in_data_gives_clear_message(target, kind):
    make_bad, expected = BAD_FILES[kind]
    target.parent.mkdir(parents=True)
    make_bad(target)
    before = target.read_bytes()
    with pytest.raises(MnistDataError) as caught:
        obtain_mnist(target, UNREACHABLE_URL)
    message = str(caught.value)
    assert expected in message
    assert "mnist.npz" in message and "make data" in message
    # Raised "from None": the message is the whole story, not a zip/NumPy traceback.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    # A file the user put there is never deleted or modified.
    assert target.read_bytes() == before


def test_offline_download_fails_clearly_and_leaves_nothing(target):
    with pytest.raises(MnistDataError) as caught:
        obtain_mnist(target, UNREACHABLE_URL)
    message = str(caught.value)
    assert f"Could not download MNIST from {UNREACHABLE_URL}" in message
    assert "MNIST_NPZ=/path/to/mnist.npz make data" in message
    assert "copy a verified mnist.npz to" in message
    assert leftovers(target.parent) == []


@pytest.fixture
def http_server(tmp_path):
    """A local web server on 127.0.0.1 serving the files of `tmp_path / 'www'`."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_download_cut_off_or_altered_is_refused_and_leaves_nothing(target, http_server, mnist):
    root, base_url = http_server
    served = write_npz(root / "mnist.npz", _shuffled_labels(mnist))
    with pytest.raises(MnistDataError, match="downloaded from .* was refused.*not MNIST's content"):
        obtain_mnist(target, f"{base_url}/mnist.npz")
    assert leftovers(target.parent) == []
    content = served.read_bytes()
    served.write_bytes(content[: len(content) // 3])  # the connection dropped a third of the way
    with pytest.raises(MnistDataError, match="was refused.*cannot be read as an .npz archive"):
        obtain_mnist(target, f"{base_url}/mnist.npz")
    assert leftovers(target.parent) == []
    with pytest.raises(MnistDataError, match="Could not download MNIST .*HTTPError"):
        obtain_mnist(target, f"{base_url}/no-such-file.npz")  # 404
    assert leftovers(target.parent) == []


def test_a_download_of_the_real_file_is_verified_and_kept(target, http_server):
    root, base_url = http_server
    shutil.copyfile(data.mnist_file(), root / "mnist.npz")
    obtain_mnist(target, f"{base_url}/mnist.npz")
    assert target.read_bytes() == data.mnist_file().read_bytes()
    assert target.stat().st_mode & 0o777 == 0o644
    assert leftovers(target.parent) == [".mnist.npz.verified", "mnist.npz"]


def test_the_mirror_variable_redirects_the_download_for_tests(monkeypatch):
    monkeypatch.delenv(data.MIRROR_VARIABLE, raising=False)
    assert data.mnist_url() == data.MNIST_URL
    monkeypatch.setenv(data.MIRROR_VARIABLE, "http://127.0.0.1:8123/")
    assert data.mnist_url() == "http://127.0.0.1:8123/mnist.npz"


def test_mnist_npz_with_real_copy_is_verified_and_copied(target, monkeypatch):
    monkeypatch.setenv(data.MNIST_NPZ_VARIABLE, str(data.mnist_file()))
    obtain_mnist(target, UNREACHABLE_URL)
    assert target.read_bytes() == data.mnist_file().read_bytes()
    assert target.stat().st_mode & 0o777 == 0o644
    assert leftovers(target.parent) == [".mnist.npz.verified", "mnist.npz"]


def test_real_file_loads_like_keras():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert (
        data.content_digest(
            {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
        )
        == data.MNIST_CONTENT_SHA256
    )


def test_make_data_reports_the_verified_file(capsys):
    assert cli(["data"]) == 0
    assert "MNIST is ready: data/mnist.npz (verified" in capsys.readouterr().out
