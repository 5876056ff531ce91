"""`make run-all`: execute every notebook in order with papermill, then publish the results.

Nothing committed is touched until every notebook has run cleanly:

1. the notebooks execute into a build folder (`build/run-all/`), with ``MNIST17_OUTPUT_DIR``
   pointing there so that figures and trained artifacts land there too;
2. each executed notebook is checked (no error, no stderr output) and stripped of the metadata
   that changes on every run (papermill timings, execution timestamps);
3. only then are `notebooks/*.ipynb`, `figures/*.png` and `artifacts/*` replaced, each file by
   an atomic rename.

A failure or an interrupted run (Ctrl-C, kill) leaves the committed files byte-identical and
the failed notebook in the build folder. Runs with non-default parameters, and runs on another
Keras backend than TensorFlow (``--backend jax|torch``, `make run-all BACKEND=...`), never
publish: their notebooks, figures and artifacts stay in their own output folder
(`build/run-all-custom/`, `build/run-all-jax/` ...). Every run ends by printing its final
metrics beside the post's.

Before anything runs, the dataset is verified (a wrong `data/mnist.npz` would train a wrong
series) and a lock is taken, so that a second run in the same checkout stops at once instead of
deleting the first one's work. A kernel that dies (killed, out of memory) and a cell that runs
longer than the time limit (`--cell-timeout`, `make run-all CELL_TIMEOUT=...`) end the run with
a message naming the notebook and the cell, like a failing cell.
"""

import argparse
import importlib.util
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from mnist17.artifacts import HISTORY_FILE
from mnist17.data import MnistDataError, ensure_mnist
from mnist17.environment import BACKEND_PACKAGES, BACKEND_VARIABLE, BACKENDS
from mnist17.files import copy_atomically, write_atomically
from mnist17.params import (
    DEFAULTS,
    POST_METRICS,
    ParameterError,
    TrainingParams,
    positive_integer,
    validate_training_params,
)
from mnist17.paths import OUTPUT_DIR_VARIABLE, build_dir, display_path, notebooks_dir, root
from mnist17_tools.lock import AlreadyRunning, exclusive
from mnist17_tools.reference import record_file
from mnist17_tools.series import TRAINING_NOTEBOOK, series

VOLATILE_CELL_KEYS = ("papermill", "execution")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Seconds one cell may run: 04 and 07 train 50 epochs in about a minute here; a laptop several
# times slower still fits. `make run-all CELL_TIMEOUT=...` changes it.
CELL_TIMEOUT = 1800


class NotebookRunError(RuntimeError):
    """A notebook failed or produced output that must not be committed."""


def strip_volatile_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes on every run (papermill and execution timings, widget state and the
    random model ids of widget views), keep tags and outputs.

    A widget shown by a cell (08's drawing pad) keeps its plain-text output, which is what a
    saved notebook can show: its state lives in the kernel and is not saved.
    """
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def check_outputs(nb: nbformat.NotebookNode, name: str) -> None:
    """Refuse a notebook whose outputs hold an error or anything written to stderr."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                raise NotebookRunError(f"{name}, cell {index}: {output.ename}: {output.evalue}")
            if output.output_type == "stream" and output.name == "stderr":
                first = output.text.strip().splitlines()[0] if output.text.strip() else ""
                raise NotebookRunError(
                    f"{name}, cell {index} wrote to stderr (warnings must be fixed, not "
                    f"committed): {first}"
                )


class EpochEcho:
    """A file for papermill's `stdout_file`: shows the epoch lines a kernel prints as they come
    (indented, under the notebook's name), so that a long training is not minutes of silence.

    A cell that trains without printing its epochs (the 17 lines of notebook 07 keep the post's
    `verbose=0`) gets a line every `QUIET_S` seconds instead, from `keep_talking()`.
    """

    QUIET_S = 30

    def __init__(self) -> None:
        self._pending = ""
        self._started = self._last = time.monotonic()

    def _say(self, line: str) -> None:
        print(f"    {line}", flush=True)
        self._last = time.monotonic()

    def write(self, text: str) -> None:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.startswith("Epoch "):
                self._say(line)

    def flush(self) -> None:
        """Lines are shown as soon as they are complete."""

    def keep_talking(self, done: threading.Event) -> None:
        """Until `done`, say that the notebook is still running after each quiet `QUIET_S`."""
        while not done.wait(1):
            now = time.monotonic()
            if now - self._last >= self.QUIET_S:
                self._say(f"still running ({now - self._started:.0f} s)")


def running_cell(executed: Path) -> str:
    """The cell a run stopped in, from the partial notebook papermill saved: the last code cell
    that started (papermill records a start time for each), for the messages below."""
    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return "an unknown cell"
    started = [
        cell
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
    ]
    if not started:
        return "an unknown cell"
    cell = started[-1]
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    count = cell.get("execution_count")
    where = f"the cell with execution count {count}" if count else "a cell"
    return f"{where} (`{first.strip()}`)"


def execute(
    notebook: Path, executed: Path, parameters: dict, cell_timeout: int = CELL_TIMEOUT
) -> nbformat.NotebookNode:
    """Run one notebook top to bottom in a fresh kernel, from `notebooks/` as JupyterLab does."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    partial = f"The partial executed notebook is {display_path(executed)}."
    echo, done = EpochEcho(), threading.Event()
    talking = threading.Thread(target=echo.keep_talking, args=(done,), daemon=True)
    talking.start()
    # papermill logs its own line for a dead kernel or a timeout; the messages below replace it.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    try:
        try:
            papermill.execute_notebook(
                notebook,
                executed,
                parameters=parameters,
                cwd=notebooks_dir(),
                kernel_name="python3",
                progress_bar=False,
                stdout_file=echo,
                execution_timeout=cell_timeout,
                # The kernel's own log is not for readers: a warning about local TCP on every start,
                # and a traceback when a cell over the time limit is stopped (explained below).
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as error:
            raise NotebookRunError(
                f"{notebook.name} failed in the cell with execution count {error.exec_count} "
                f"({error.ename}: {error.evalue}). The executed notebook with the error is "
                f"{display_path(executed)}."
            ) from None
        except DeadKernelError:
            raise NotebookRunError(
                f"{notebook.name}: the kernel died while running {running_cell(executed)}. It was "
                "killed from outside or, most often, ran out of memory: close other programs and "
                f"run again. {partial}"
            ) from None
        except CellTimeoutError:
            raise NotebookRunError(
                f"{notebook.name}: {running_cell(executed)} ran longer than the limit of "
                f"{cell_timeout} s per cell and was stopped. If this machine is just slow, allow "
                f"more: make run-all CELL_TIMEOUT={cell_timeout * 4}. {partial}"
            ) from None
    finally:
        done.set()
    nb = strip_volatile_metadata(nbformat.read(executed, as_version=4))
    check_outputs(nb, notebook.name)
    nbformat.write(nb, executed)
    return nb


def publish(build: Path, notebooks: list[Path], record: str) -> list[Path]:
    """Replace the committed notebooks and figures, and the artifacts, with those from `build`,
    and the reference record (`tests/reference-machine.json`) with `record`."""
    published = []
    for notebook in notebooks:
        copy_atomically(build / "notebooks" / notebook.name, notebook)
        published.append(notebook)
    for folder in ("figures", "artifacts"):
        for produced in sorted((build / folder).glob("*")):
            if produced.is_file() and not produced.name.startswith("."):
                target = root() / folder / produced.name
                copy_atomically(produced, target)
                published.append(target)
    write_atomically(record_file(), lambda tmp: tmp.write_text(record))
    published.append(record_file())
    return published


def build_folder(params: TrainingParams, backend: str) -> Path:
    """Where a run executes: `build/run-all/`, or a folder of its own for other parameters or
    another Keras backend (`build/run-all-custom/`, `build/run-all-jax/` ...)."""
    name = "run-all"
    if params != DEFAULTS:
        name += "-custom"
    if backend != BACKENDS[0]:
        name += f"-{backend}"
    return build_dir() / name


def check_backend_installed(backend: str) -> None:
    """Refuse, before any notebook runs, a backend whose package is not installed."""
    package = BACKEND_PACKAGES[backend][0]
    if importlib.util.find_spec(package) is None:
        raise NotebookRunError(
            f"Keras's {backend} backend needs the package {package}, which is not installed in "
            f"this environment: `make run-all BACKEND={backend}` installs it "
            "(requirements-backends.txt)."
        )


def final_metrics(build: Path) -> str:
    """The last epoch's metrics of the run in `build`, beside the post's, as a small table."""
    path = build / "artifacts" / HISTORY_FILE
    if not path.exists():
        return f"(no training history: {TRAINING_NOTEBOOK} is not in this series)"
    history = json.loads(path.read_text())["history"]
    lines = [f"{'after the last epoch':24}{'this run':>10}{'post':>10}"]
    for name, value in POST_METRICS.items():
        lines.append(f"{name:24}{history[name][-1]:10.4f}{value:10.4f}")
    return "\n".join(lines)


def run_series(
    params: TrainingParams,
    output: Path | None = None,
    cell_timeout: int = CELL_TIMEOUT,
    backend: str = BACKENDS[0],
) -> Path:
    """Execute the series on Keras's `backend`; publish it only when `params` are the post's, the
    backend is TensorFlow (the reference) and no `output` is given."""
    custom = params != DEFAULTS or output is not None or backend != BACKENDS[0]
    build = (Path(output) if output is not None else build_folder(params, backend)).resolve()
    with exclusive(build_dir() / "run-all.lock", "`make run-all`") as note:
        if note:
            print(note, flush=True)
        check_backend_installed(backend)
        try:
            ensure_mnist()  # before any notebook: a wrong dataset would train a wrong series
        except MnistDataError as error:
            raise NotebookRunError(f"the dataset was refused: {error}") from None
        if build.exists():
            shutil.rmtree(build)
        (build / "notebooks").mkdir(parents=True)
        os.environ[OUTPUT_DIR_VARIABLE] = str(build)  # the kernels inherit it: figures to build/
        os.environ[BACKEND_VARIABLE] = backend  # and the backend, which setup_keras() reads
        notebooks = series()
        if not notebooks:
            raise NotebookRunError(f"no notebooks found in {display_path(notebooks_dir())}")
        started_all = time.perf_counter()
        for notebook in notebooks:
            parameters = params.as_dict() if custom and notebook.name == TRAINING_NOTEBOOK else {}
            print(f"running {notebook.name}", flush=True)
            started = time.perf_counter()
            execute(notebook, build / "notebooks" / notebook.name, parameters, cell_timeout)
            print(f"  {notebook.name} ran in {time.perf_counter() - started:.1f} s", flush=True)
        print(
            f"all {len(notebooks)} notebooks ran in {time.perf_counter() - started_all:.0f} s",
            flush=True,
        )
        print(f"Keras on {backend}:\n{final_metrics(build)}", flush=True)
        if custom:
            reasons = []
            if params != DEFAULTS:
                reasons.append(f"the parameters {params.as_dict()} differ from the post's")
            if backend != BACKENDS[0]:
                reasons.append(f"Keras ran on {backend}, not on the reference, TensorFlow")
            if output is not None:
                reasons.append("an output folder was given")
            print(
                f"done: nothing committed was changed ({'; '.join(reasons)}). "
                f"Results: {display_path(build)}"
            )
        else:
            from mnist17_tools.reference import make_record  # imports Keras: only when publishing

            published = publish(build, notebooks, make_record())  # record: from build/'s artifacts
            print(f"done: {len(published)} files updated (notebooks/, figures/, artifacts/)")
    return build


def main(argv: list[str] | None = None) -> int:
    """`make run-all`; exit status 0 on success, 1 on a failed run, 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist17_tools run-all", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--epochs", default=DEFAULTS.epochs)
    parser.add_argument("--batch-size", default=DEFAULTS.batch_size)
    parser.add_argument("--learning-rate", default=DEFAULTS.learning_rate)
    parser.add_argument("--seed", default=DEFAULTS.seed)
    parser.add_argument("--output", type=Path, help="output folder; nothing committed is changed")
    parser.add_argument(
        "--backend",
        default=BACKENDS[0],
        help=f"Keras backend: {', '.join(BACKENDS)} (default {BACKENDS[0]}, the committed one)",
    )
    parser.add_argument(
        "--cell-timeout", default=CELL_TIMEOUT, help=f"seconds per cell (default {CELL_TIMEOUT})"
    )
    args = parser.parse_args(argv)
    try:
        params = validate_training_params(
            args.epochs, args.batch_size, args.learning_rate, args.seed
        )
        cell_timeout = positive_integer("cell timeout (CELL_TIMEOUT)", args.cell_timeout)
        if args.backend not in BACKENDS:
            raise ParameterError(
                f"BACKEND={args.backend!r} is not a Keras backend of this series: use "
                f"{', '.join(BACKENDS[:-1])} or {BACKENDS[-1]}"
            )
    except ParameterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return exit_status(lambda: run_series(params, args.output, cell_timeout, args.backend))


def exit_status(run: Callable[[], object]) -> int:
    """Call `run` (a run of `make run-all` or `make experiments`); say why it failed, if it did,
    in one line, and return the exit status: 0 done, 1 failed, 2 refused, 130 interrupted."""
    try:
        run()
    except AlreadyRunning as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except NotebookRunError as error:
        print(f"error: {error}\nNothing committed was changed.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing committed was changed.", file=sys.stderr)
        return 130
    return 0
