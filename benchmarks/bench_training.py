"""`make bench`: seconds per epoch of the post's training (60,000 images in 04's batches, then
validation on 10,000) several ways, each row the median after warm-up epochs in a process of its
own; the floor is the epoch's FLOPs (training = 3 forward passes) at NumPy's float32 matmul rate."""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from functools import partial
from importlib.util import find_spec
from itertools import pairwise
from pathlib import Path

import numpy as np

from mnist17_tools import ROOT
from mnist17_tools.run import post_settings

LAYERS, TRAIN, TEST = (784, 256, 128, 10), 60000, 10000
POST = post_settings()  # notebook 04's parameters cell, their one home
BATCH, LEARNING_RATE, SEED = POST["batch_size"], POST["learning_rate"], POST["seed"]
GC_ON = "gc.enable()"  # timeit's setup for an epoch: the garbage collector on, as in training


def data() -> list[np.ndarray]:
    """The post's data from data/mnist.npz: flat float32 images in 0..1, digits 0..9."""
    with np.load(ROOT / "data" / "mnist.npz") as mnist:
        x = {k: mnist[f"x_{k}"].reshape(-1, 784) / np.float32(255) for k in ("train", "test")}
        return [x["train"], mnist["y_train"], x["test"], mnist["y_test"]]


def keras_epochs(epochs: int, as_04: bool = False) -> list[float]:
    """Epoch times of the post's model and training, with notebook 04's `speed_up` or without."""
    import keras

    from mnist17 import speed_up

    x_train, y_train, x_test, y_test = data()
    keras.utils.set_random_seed(SEED)
    dense = [keras.layers.Dense(n, activation="sigmoid") for n in LAYERS[1:-1]]
    model = keras.Sequential([keras.Input((784,)), *dense, keras.layers.Dense(10, "softmax")])
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

    return timeit.repeat(one_epoch, GC_ON, number=1, repeat=epochs)


def sklearn_epochs(epochs: int) -> list[float]:
    """Epoch times of scikit-learn's MLPClassifier with the post's settings."""
    from sklearn.neural_network import MLPClassifier

    x_train, y_train, x_test, y_test = data()
    post = dict(activation="logistic", solver="sgd", alpha=0.0, momentum=0.0, batch_size=BATCH)
    model = MLPClassifier(LAYERS[1:-1], learning_rate_init=LEARNING_RATE, random_state=SEED, **post)
    fit = partial(model.partial_fit, x_train, y_train, classes=np.arange(10))
    return timeit.repeat(lambda: fit().score(x_test, y_test), GC_ON, number=1, repeat=epochs)


keras_04 = partial(keras_epochs, as_04=True)
ROWS = {  # label: the package it needs (its KERAS_BACKEND), how it trains
    "(a) Keras on TensorFlow as notebook 04 (XLA, epoch per call)": ("tensorflow", keras_04),
    "(b) Keras on TensorFlow, default compile settings": ("tensorflow", keras_epochs),
    "(c) Keras on JAX, default compile settings": ("jax", keras_epochs),
    "(d) Keras on JAX as notebook 04 (epoch per call)": ("jax", keras_04),
    "(e) Keras on PyTorch as notebook 04 (eager)": ("torch", keras_04),  # speed_up: no change
    "(f) PyTorch eager, CPU": ("torch", torch_epochs),
    "(g) scikit-learn MLPClassifier (logistic, plain SGD, no L2)": ("sklearn", sklearn_epochs),
}


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
    if sys.argv[1:2] == ["--row"]:  # one row, in this process: its epoch times as JSON
        return print(json.dumps(ROWS[sys.argv[2]][1](int(sys.argv[3]))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per row (median)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed first epochs per row")
    args = parser.parse_args()
    seconds = {}
    for label, (package, _) in ROWS.items():  # each row in a process of its own (`--row`)
        if find_spec(package) is None:
            print(f"{label[:3]} skipped: {package} is not installed (make bench installs it)")
            continue
        env = {**os.environ, "KERAS_BACKEND": package}
        row = [sys.executable, __file__, "--row", label, str(args.warmup + args.repeats)]
        result = subprocess.run(row, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"{label} failed:\n{result.stderr[-2000:]}")
        times = json.loads(result.stdout.splitlines()[-1])
        seconds[label] = statistics.median(times[args.warmup :])
    forward = 2 * sum(a * b for a, b in pairwise(LAYERS))
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    rate = 2 * 2048**3 / min(timeit.repeat(lambda: a @ a, number=1, repeat=8))
    floor = (3 * forward * TRAIN + forward * TEST) / rate
    seconds[f"(h) floor: {floor * rate / 1e9:.1f} GFLOP at {rate / 1e9:.0f} GFLOP/s"] = floor
    print(f"\n{cpu()}\n{'':64}{'s/epoch':>9}{'x floor':>9}")
    for label, value in seconds.items():
        print(f"{label:64}{value:9.3f}{value / floor:9.2f}")
    print(f"(medians over {args.repeats} epochs after {args.warmup} warm-up)")


if __name__ == "__main__":
    main()
