"""`make bench`: seconds per epoch of the post's training, several ways, in one run on one machine.

An epoch is the post's: 60,000 images in batches of 128, then validation on 10,000. Each row is the
median over timed epochs after warm-up ones (compiling), measured in a process of its own (Keras
takes its backend once per process); threads and quiet logs come from the environment (the
Makefile's KERNEL_ENV). The floor is the epoch's FLOPs (training counted as 3 forward passes) at
NumPy's best float32 matmul rate: times compare only within one run, so each row is also a ratio
to the floor of the same run.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib.util import find_spec
from itertools import pairwise
from pathlib import Path

import numpy as np

from mnist17_tools import ROOT

LAYERS, TRAIN, TEST, BATCH, LEARNING_RATE, SEED = (784, 256, 128, 10), 60000, 10000, 128, 0.01, 123
ROWS = {  # label: the package it needs (its KERAS_BACKEND), how it trains
    "(a) Keras on TensorFlow as notebook 04 (XLA, epoch per call)": ("tensorflow", "keras-04"),
    "(b) Keras on TensorFlow, default compile settings": ("tensorflow", "keras"),
    "(c) Keras on JAX, default compile settings": ("jax", "keras"),
    "(d) Keras on JAX as notebook 04 (epoch per call)": ("jax", "keras-04"),
    "(e) Keras on PyTorch as notebook 04 (eager)": ("torch", "keras-04"),  # speed_up: no change
    "(f) PyTorch eager, CPU": ("torch", "torch"),
    "(g) scikit-learn MLPClassifier (logistic, plain SGD, no L2)": ("sklearn", "sklearn"),
}


def data() -> list[np.ndarray]:
    """The post's data from data/mnist.npz: flat float32 images in 0..1, digits 0..9."""
    with np.load(ROOT / "data" / "mnist.npz") as mnist:
        x_train, x_test = (
            mnist[k].reshape(-1, 784) / np.float32(255) for k in ("x_train", "x_test")
        )
        return [x_train, mnist["y_train"], x_test, mnist["y_test"]]


def clocked(one_epoch, epochs: int) -> list[float]:
    """Wall times of `epochs` calls of `one_epoch`."""
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        one_epoch()
        times.append(time.perf_counter() - start)
    return times


def keras_epochs(epochs: int, as_04: bool) -> list[float]:
    """Epoch times of the post's model and training, with notebook 04's `speed_up` or without."""
    import keras

    from mnist17 import speed_up

    x_train, y_train, x_test, y_test = data()
    keras.utils.set_random_seed(SEED)
    dense = [keras.layers.Dense(n, activation="sigmoid") for n in LAYERS[1:-1]]
    model = keras.Sequential(
        [keras.Input(shape=(784,)), *dense, keras.layers.Dense(10, activation="softmax")]
    )
    sgd = keras.optimizers.SGD(learning_rate=LEARNING_RATE)
    model.compile(loss="categorical_crossentropy", optimizer=sgd, metrics=["accuracy"])
    if as_04:
        speed_up(model, TRAIN, BATCH)
    times: list[float] = []
    clock = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda *_: times.append(-time.perf_counter()),
        on_epoch_end=lambda *_: times.append(times.pop() + time.perf_counter()),
    )
    one_hot = np.eye(10, dtype="float32")
    settings = dict(batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[clock])
    model.fit(x_train, one_hot[y_train], validation_data=(x_test, one_hot[y_test]), **settings)
    return times


def torch_epochs(epochs: int) -> list[float]:
    """Epoch times of the same model, loss and optimizer in PyTorch itself, eager."""
    import torch

    torch.manual_seed(SEED)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in data())
    pairs = [(torch.nn.Linear(a, b), torch.nn.Sigmoid()) for a, b in pairwise(LAYERS)]
    model = torch.nn.Sequential(*[m for pair in pairs for m in pair][:-1])  # softmax: in the loss
    optimizer = torch.optim.SGD(model.parameters(), LEARNING_RATE)
    loss = torch.nn.CrossEntropyLoss()

    def one_epoch() -> None:
        for batch in torch.randperm(TRAIN).split(BATCH):
            optimizer.zero_grad()
            loss(model(x_train[batch]), y_train[batch].long()).backward()
            optimizer.step()
        with torch.no_grad():
            (model(x_test).argmax(1) == y_test).float().mean()

    return clocked(one_epoch, epochs)


def sklearn_epochs(epochs: int) -> list[float]:
    """Epoch times of scikit-learn's MLPClassifier with the post's settings."""
    from sklearn.neural_network import MLPClassifier

    x_train, y_train, x_test, y_test = data()
    settings = dict(activation="logistic", solver="sgd", alpha=0.0, momentum=0.0, batch_size=BATCH)
    model = MLPClassifier(
        LAYERS[1:-1], learning_rate_init=LEARNING_RATE, random_state=SEED, **settings
    )
    return clocked(
        lambda: model.partial_fit(x_train, y_train, classes=np.arange(10)).score(x_test, y_test),
        epochs,
    )


def median_epoch(label: str, warmup: int, repeats: int) -> float:
    """The row's median epoch time, measured by this script in a fresh process (`--row`)."""
    env = {**os.environ, "KERAS_BACKEND": ROWS[label][0]}
    args = [sys.executable, __file__, "--row", label, str(warmup + repeats)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{label} failed:\n{result.stderr[-2000:]}")
    return statistics.median(json.loads(result.stdout.splitlines()[-1])[warmup:])


def cpu() -> str:
    """This CPU's model and vector extensions, from /proc/cpuinfo on Linux."""
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    fields = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    flags = fields.get("flags", fields.get("Features", "")).split()
    vector = [f for f in flags if f.startswith(("avx", "amx", "fma", "asimd", "sve"))]
    model = fields.get("model name") or platform.processor() or platform.machine()
    family = f", family {fields['cpu family']}" if "cpu family" in fields else ""
    return f"CPU: {model}{family}; {os.cpu_count()} cores\nvector extensions: {' '.join(vector)}"


def main() -> None:
    if sys.argv[1:2] == ["--row"]:
        epochs, trainer = int(sys.argv[3]), ROWS[sys.argv[2]][1]
        if trainer.startswith("keras"):
            return print(json.dumps(keras_epochs(epochs, trainer == "keras-04")))
        return print(
            json.dumps({"torch": torch_epochs, "sklearn": sklearn_epochs}[trainer](epochs))
        )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per row (median)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed first epochs per row")
    args = parser.parse_args()
    seconds = {}
    for label, (package, _) in ROWS.items():
        if find_spec(package) is None:
            print(f"{label[:3]} skipped: {package} is not installed (make bench installs it)")
            continue
        seconds[label] = median_epoch(label, args.warmup, args.repeats)
    forward = 2 * sum(a * b for a, b in pairwise(LAYERS))
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    rate = 2 * 2048**3 / min(clocked(lambda: a @ a, 8))
    floor = (3 * forward * TRAIN + forward * TEST) / rate
    seconds[f"(h) floor: {floor * rate / 1e9:.1f} GFLOP at {rate / 1e9:.0f} GFLOP/s"] = floor
    print(f"\n{cpu()}\n{'':64}{'s/epoch':>9}{'x floor':>9}")
    for label, value in seconds.items():
        print(f"{label:64}{value:9.3f}{value / floor:9.2f}")
    print(f"(medians over {args.repeats} epochs after {args.warmup} warm-up)")


if __name__ == "__main__":
    main()
