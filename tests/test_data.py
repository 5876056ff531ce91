"""`make data`: MNIST verified by its content before any notebook may use it, and a clear message
for each way it can fail; nothing refused is left in data/."""

import numpy as np
import pytest

from mnist17_tools import ROOT, data


@pytest.fixture(scope="module")
def arrays() -> dict[str, np.ndarray]:
    with np.load(ROOT / "data" / "mnist.npz") as found:
        return {key: found[key] for key in data.KEYS}


def write(path, arrays) -> str:
    np.savez(path, **arrays)
    return str(path)


def test_the_verified_copy_passes_in_another_container(arrays, tmp_path):
    data.verify(write(tmp_path / "repacked.npz", arrays))


@pytest.mark.parametrize(
    "change",
    [lambda a: a["y_train"][::-1].copy(), lambda a: np.where(a["x_train"] == 0, 1, a["x_train"])],
    ids=["shuffled labels", "changed pixels"],
)
def test_well_formed_other_data_is_refused(arrays, tmp_path, change):
    key = "y_train" if change(arrays).ndim == 1 else "x_train"
    path = write(tmp_path / "other.npz", {**arrays, key: change(arrays).astype(np.uint8)})
    with pytest.raises(data.DataError, match="not MNIST's"):
        data.verify(path)


def test_a_file_that_is_not_an_npz_is_refused(tmp_path):
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04 cut off")
    with pytest.raises(data.DataError, match="not an MNIST .npz"):
        data.verify(tmp_path / "cut.npz")


def test_a_refused_local_copy_leaves_nothing_behind(arrays, tmp_path, monkeypatch):
    target = tmp_path / "data" / "mnist.npz"
    target.parent.mkdir()
    monkeypatch.setenv(
        "MNIST_NPZ",
        write(tmp_path / "bad.npz", {**arrays, "y_test": arrays["y_test"][::-1].copy()}),
    )
    with pytest.raises(data.DataError, match="MNIST_NPZ=.*not MNIST's"):
        data.obtain(target)
    assert list(target.parent.iterdir()) == []
    monkeypatch.setenv("MNIST_NPZ", write(tmp_path / "good.npz", arrays))
    data.obtain(target)
    data.verify(target)


def test_offline_without_a_copy_the_message_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setattr(data, "MNIST_URL", "http://127.0.0.1:9/mnist.npz")  # nothing listens
    with pytest.raises(data.DataError, match="MNIST_NPZ=/path/to/mnist.npz make data"):
        data.obtain(tmp_path / "mnist.npz")
    assert list(tmp_path.iterdir()) == []
