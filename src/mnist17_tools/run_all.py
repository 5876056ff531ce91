"""`make run-all`: execute every notebook in order with papermill, then publish the results.

Nothing committed is touched until every notebook has run cleanly:

1. the notebooks execute into a build folder (`build/run-all/`); each kernel is told to write its
   figures and trained artifacts there too (``MNIST17_OUTPUT_DIR`` in its environment);
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
deleting the first one's work.
"""

import argparse
import importlib.util
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mnist17.artifacts import HISTORY_FILE, TRAINING_NOTEBOOK
from mnist17.data import MnistDataError, load_mnist
from mnist17.environment import BACKEND_PACKAGES, BACKEND_VARIABLE, BACKENDS
from mnist17.files import copy_atomically, write_atomically
from mnist17.params import (
    DEFAULTS,
    POST_METRICS,
    ParameterError,
    TrainingParams,
    validate_training_params,
)
from mnist17.paths import OUTPUT_DIR_VARIABLE, display_path, notebooks_dir, root
from mnist17_tools.checkout import build_dir
from mnist17_tools.lock import AlreadyRunning, exclusive
from mnist17_tools.notebook_runner import (
    CELL_TIMEOUT,
    NotebookRunError,
    execute,
    kernel_env,
    parse_cell_timeout,
)
from mnist17_tools.reference import record_file
from mnist17_tools.series import series


def run_notebooks(
    notebooks: list[Path],
    build: Path,
    env: dict[str, str],
    parameters: dict[str, dict] | None = None,
    cell_timeout: int = CELL_TIMEOUT,
) -> None:
    """Execute `notebooks` in order into `build/notebooks/`, each in a fresh kernel with `env`,
    from `notebooks/` as JupyterLab runs them; papermill `parameters` by notebook name."""
    started_all = time.perf_counter()
    for notebook in notebooks:
        print(f"running {notebook.name}", flush=True)
        started = time.perf_counter()
        execute(
            notebook,
            build / "notebooks" / notebook.name,
            cwd=notebook.parent,
            parameters=(parameters or {}).get(notebook.name),
            env=env,
            cell_timeout=cell_timeout,
        )
        print(f"  {notebook.name} ran in {time.perf_counter() - started:.1f} s", flush=True)
    print(
        f"all {len(notebooks)} notebooks ran in {time.perf_counter() - started_all:.0f} s",
        flush=True,
    )


def publish(build: Path, notebooks: list[Path], checkout: Path) -> list[Path]:
    """Replace the committed notebooks and figures, and the artifacts, of `checkout` with those
    from `build`, each file by an atomic rename."""
    published = []
    for notebook in notebooks:
        copy_atomically(build / "notebooks" / notebook.name, notebook)
        published.append(notebook)
    for folder in ("figures", "artifacts"):
        for produced in sorted((build / folder).glob("*")):
            if produced.is_file() and not produced.name.startswith("."):
                target = checkout / folder / produced.name
                copy_atomically(produced, target)
                published.append(target)
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
            load_mnist()  # before any notebook: a wrong dataset would train a wrong series
        except MnistDataError as error:
            raise NotebookRunError(f"the dataset was refused: {error}") from None
        notebooks = series()
        if not notebooks:
            raise NotebookRunError(f"no notebooks found in {display_path(notebooks_dir())}")
        if build.exists():
            shutil.rmtree(build)
        env = kernel_env(**{OUTPUT_DIR_VARIABLE: build, BACKEND_VARIABLE: backend})
        parameters = {TRAINING_NOTEBOOK: params.as_dict()} if custom else {}
        run_notebooks(notebooks, build, env, parameters, cell_timeout)
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
            return build
        from mnist17_tools.reference import make_record  # imports Keras: only when publishing

        record = make_record(build)
        published = publish(build, notebooks, root())
        write_atomically(record_file(), lambda tmp: tmp.write_text(record))
        print(
            f"done: {len(published) + 1} files updated (notebooks/, figures/, artifacts/, "
            f"{display_path(record_file())})"
        )
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
        cell_timeout = parse_cell_timeout(args.cell_timeout)
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
