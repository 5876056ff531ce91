"""`make bench`: seconds per epoch of the post's model, several ways, in one run on one machine.

Rows (each the median over timed epochs, after warm-up epochs that absorb compilation):

(a) Keras on TensorFlow as notebook 04 runs it: XLA (`jit_compile=True`) and a whole epoch per
    call (`steps_per_execution`);
(b) Keras on TensorFlow with default compile settings (no XLA on CPU, one batch per call), as in
    notebook 07;
(c) Keras on JAX with default compile settings (XLA, one batch per call): the post's code as is;
(d) Keras on JAX as notebook 04 runs it (a whole epoch per call);
(e) Keras on PyTorch as notebook 04 runs it there: Keras's defaults, eager, one batch per call;
(f) the same model in PyTorch itself, eager mode on the CPU;
(g) scikit-learn's `MLPClassifier` with matching settings (logistic units, plain SGD at 0.01,
    no momentum, no L2 penalty, batches of 128);
(h) the floor: the FLOPs of one epoch divided by this machine's measured float32 matmul rate.

Each Keras row runs in a process of its own (Keras's backend is chosen once per process);
rows (c) to (f) need `requirements-backends.txt`, which `make bench` installs.

Every epoch is the post's: 60,000 training images in batches of 128, then the 10,000 test
images for validation. Times are only comparable within one run (numbers on shared machines are
noisy), so the table reports each row's ratio to the floor measured in the same run.
"""

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mnist17.environment import BACKEND_PACKAGES, THREADS, setup_keras
from mnist17.paths import display_path
from mnist17_tools.checkout import build_dir
from mnist17_tools.machine import cpu_features

LAYERS = (784, 256, 128, 10)
TRAIN, TEST, BATCH, LEARNING_RATE, SEED = 60000, 10000, 128, 0.01, 123


def epoch_flops() -> float:
    """FLOPs of one epoch by the usual convention: training is 3 forward passes, plus validation."""
    forward = 2 * sum(a * b for a, b in zip(LAYERS, LAYERS[1:], strict=False))
    return 3 * forward * TRAIN + forward * TEST


def exact_epoch_flops() -> float:
    """Matmul FLOPs really needed: forward, weight gradients, and input gradients but the first."""
    products = [a * b for a, b in zip(LAYERS, LAYERS[1:], strict=False)]
    per_image = 2 * sum(products) * 2 + 2 * sum(products[1:])
    return per_image * TRAIN + 2 * sum(products) * TEST


def matmul_rate(size: int = 2048, repeats: int = 7) -> float:
    """Best float32 matmul rate of this machine, in FLOP/s (NumPy's BLAS, `THREADS` threads)."""
    rng = np.random.default_rng(0)
    a, b = (rng.random((size, size), dtype=np.float32) for _ in range(2))
    a @ b  # warm-up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def prepared_data():
    """The post's data: flat float32 images in 0..1 and one-hot labels."""
    from mnist17.data import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train = x_train.reshape(TRAIN, 784).astype("float32") / 255.0
    x_test = x_test.reshape(TEST, 784).astype("float32") / 255.0
    eye = np.eye(10, dtype="float32")
    return x_train, eye[y_train], x_test, eye[y_test], y_train, y_test


# Keras rows: (label, backend, the speed arguments of notebook 04 or Keras's defaults).
KERAS_ROWS = [
    ("(a) Keras on TensorFlow as notebook 04 (XLA, epoch per call)", "tensorflow", True),
    ("(b) Keras on TensorFlow, default compile settings", "tensorflow", False),
    ("(c) Keras on JAX, default compile settings", "jax", False),
    ("(d) Keras on JAX as notebook 04 (epoch per call)", "jax", True),
    ("(e) Keras on PyTorch as notebook 04 (eager)", "torch", False),
]


def keras_epochs(data, epochs: int, fast: bool) -> list[float]:
    """Per-epoch wall times of `model.fit`, as in notebook 04 (`fast`) or with defaults; on
    PyTorch notebook 04 keeps Keras's defaults (see its compile cell)."""
    import keras

    fast = fast and keras.backend.backend() != "torch"

    x_train, y_train, x_test, y_test, _, _ = data
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(784,))])
    for units in LAYERS[1:-1]:
        model.add(keras.layers.Dense(units, activation="sigmoid"))
    model.add(keras.layers.Dense(LAYERS[-1], activation="softmax"))
    settings = (
        {"jit_compile": True, "steps_per_execution": math.ceil(TRAIN / BATCH)} if fast else {}
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
        metrics=["accuracy"],
        **settings,
    )
    times: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(
        x_train,
        y_train,
        validation_data=(x_test, y_test),
        epochs=epochs,
        batch_size=BATCH,
        verbose=0,
        callbacks=[Clock()],
    )
    return times


def torch_epochs(data, epochs: int) -> list[float]:
    """Per-epoch wall times of the same model and optimizer in PyTorch eager mode."""
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    x_train, _, x_test, _, labels_train, labels_test = data
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    labels_train = torch.from_numpy(labels_train.astype(np.int64))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.Sigmoid(),
        torch.nn.Linear(256, 128),
        torch.nn.Sigmoid(),
        torch.nn.Linear(128, 10),
    )  # softmax is inside the cross-entropy loss
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(TRAIN)
        for first in range(0, TRAIN, BATCH):
            batch = order[first : first + BATCH]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), labels_train[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1).numpy() == labels_test).mean()
        times.append(time.perf_counter() - start)
    assert accuracy > 0  # the validation pass ran
    return times


def sklearn_epochs(data, epochs: int) -> list[float]:
    """Per-epoch wall times of scikit-learn's MLPClassifier with the post's settings."""
    from sklearn.neural_network import MLPClassifier

    x_train, _, x_test, _, labels_train, labels_test = data
    model = MLPClassifier(
        hidden_layer_sizes=LAYERS[1:-1],
        activation="logistic",
        solver="sgd",
        learning_rate_init=LEARNING_RATE,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=BATCH,
        shuffle=True,
        random_state=SEED,
    )
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(x_train, labels_train, classes=np.arange(10))
        model.score(x_test, labels_test)
        times.append(time.perf_counter() - start)
    return times


def in_process(backend: str, fast: bool, epochs: int) -> list[float]:
    """Epoch times of one row in a fresh process (this script's --row mode): Keras on `backend`,
    or, for backend "pytorch", PyTorch itself. No row shares a process with another's threads,
    compiled programs or memory."""
    result = subprocess.run(
        [sys.executable, __file__, "--row", backend, str(int(fast)), str(epochs)],
        env={**os.environ, "KERAS_BACKEND": "torch" if backend == "pytorch" else backend},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the row on {backend} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def row_in_this_process(backend: str, fast: str, epochs: str) -> int:
    """The child side of `in_process`: print the epoch times as JSON."""
    setup_keras(seed=SEED)
    data = prepared_data()
    if backend == "pytorch":
        times = torch_epochs(data, int(epochs))
    else:
        times = keras_epochs(data, int(epochs), fast == "1")
    print(json.dumps(times))
    return 0


def available(package: str) -> bool:
    from importlib.util import find_spec

    return find_spec(package) is not None


def measure(name: str, run: Callable[[int], list[float]], warmup: int, repeats: int) -> dict:
    times = run(warmup + repeats)[warmup:]
    return {
        "row": name,
        "seconds_per_epoch": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "epochs_timed": len(times),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--row"]:
        return row_in_this_process(*argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per row (median)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed first epochs per row")
    parser.add_argument("--csv", type=Path, default=build_dir() / "bench" / "bench.csv")
    parser.add_argument("--png", type=Path, default=build_dir() / "bench" / "bench.png")
    args = parser.parse_args(argv)

    setup_keras(seed=SEED)  # TensorFlow here: threads and seeds for the rows in this process
    data = prepared_data()
    rows = []
    for label, backend, fast in KERAS_ROWS:
        package = BACKEND_PACKAGES[backend][0]
        if not available(package):
            print(f"{label[:3]} skipped: {package} is not installed (make bench installs it)")
            continue
        rows.append(
            measure(
                label,
                lambda n, backend=backend, fast=fast: in_process(backend, fast, n),
                args.warmup,
                args.repeats,
            )
        )
    if available("torch"):
        rows.append(
            measure(
                "(f) PyTorch eager, CPU",
                lambda n: in_process("pytorch", False, n),
                args.warmup,
                args.repeats,
            )
        )
    else:
        print("(f) skipped: PyTorch is not installed (make bench installs it)")
    rows.append(
        measure(
            "(g) scikit-learn MLPClassifier",
            lambda n: sklearn_epochs(data, n),
            args.warmup,
            args.repeats,
        )
    )
    rate = matmul_rate()
    floor = epoch_flops() / rate
    rows.append(
        {
            "row": f"(h) floor: {epoch_flops() / 1e9:.1f} GFLOP at {rate / 1e9:.0f} GFLOP/s",
            "seconds_per_epoch": floor,
            "min": floor,
            "max": floor,
            "epochs_timed": 0,
        }
    )
    for row in rows:
        row["ratio_to_floor"] = row["seconds_per_epoch"] / floor

    cpu = cpu_features()
    print(f"\nCPU: {cpu['cpu']} ({cpu['machine']}); {THREADS} threads")
    print(f"vector extensions: {' '.join(cpu['vector_extensions']) or 'unknown'}")
    print(f"{'':62}{'s/epoch':>9}{'min':>8}{'max':>8}{'x floor':>9}")
    for row in rows:
        print(
            f"{row['row']:62}{row['seconds_per_epoch']:9.3f}{row['min']:8.3f}"
            f"{row['max']:8.3f}{row['ratio_to_floor']:9.2f}"
        )
    print(f"(medians over {args.repeats} epochs after {args.warmup} warm-up)")
    exact = exact_epoch_flops()
    print(
        f"(floor convention: training = 3 forward passes; counting only the matmuls needed, "
        f"{exact / 1e9:.1f} GFLOP, the floor would be {exact / rate:.3f} s)"
    )
    keras_rows = [row for row in rows if row["row"] in {label for label, _, _ in KERAS_ROWS}]
    torch_rows = [row for row in rows if row["row"].startswith("(f)")]
    if keras_rows:
        best = min(keras_rows, key=lambda row: row["seconds_per_epoch"])
        summary = f"fastest Keras row: {best['row'][:3]}, {best['ratio_to_floor']:.2f}x the floor"
        if torch_rows:
            ratio = best["seconds_per_epoch"] / torch_rows[0]["seconds_per_epoch"]
            summary += f", {ratio:.2f}x PyTorch eager (f)"
        print(summary)

    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with args.csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    save_chart(rows, args.png)
    print(f"saved {display_path(args.csv)} and {display_path(args.png)}")
    return 0


def save_chart(rows: list[dict], path: Path) -> None:
    """A horizontal bar chart of seconds per epoch, the floor marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    names = [row["row"] for row in rows][::-1]
    ax.barh(names, [row["seconds_per_epoch"] for row in rows][::-1], color="tab:blue")
    ax.axvline(rows[-1]["seconds_per_epoch"], color="tab:red", linestyle="--", label="floor")
    ax.set_xlabel("seconds per epoch (lower is better)")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    raise SystemExit(main())
