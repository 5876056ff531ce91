"""`make run-all`: run every notebook top to bottom with papermill, then publish what they made.

Nothing committed changes until every notebook has run cleanly. The notebooks run in a folder of
the run's own (`build/run-all/notebooks/`, their figures in `build/run-all/figures/`); each is
checked (no error, nothing on stderr) and stripped of what changes from run to run; only then are
`notebooks/`, `figures/` and the helper package's copy of notebook 04's results replaced, file by
file. A failed, interrupted or second simultaneous run leaves them as they were. Runs with other
parameters, on another Keras backend or into a given folder never publish.

A cell whose output differs from the committed one only where tests/nbval-sanitize.cfg masks it
(Keras's step timings) keeps the committed output, so that a rerun of an unchanged checkout
changes no byte.
"""

import argparse
import ast
import fcntl
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

from mnist17_tools import ROOT, series, shown
from mnist17_tools.data import DataError, obtain

CELL_TIMEOUT = 1800  # seconds: 04 and 07 train for one to four minutes on a 2-core machine
TRAINING = "04_training.ipynb"  # the notebook that trains, and takes papermill's parameters
MADE_HERE = ".made-by-run-all"  # marks the folders a run made, the only ones it may empty
SANITIZE = ROOT / "tests" / "nbval-sanitize.cfg"


class RunError(RuntimeError):
    """A notebook failed or made output that must not be committed; the message says which."""


class Refused(RunError):
    """A run refused before anything ran: a bad value, a folder not ours, a run already going."""


class EpochEcho:
    """papermill's `stdout_file`: shows Keras's epoch lines as they come (no minutes of silence)."""

    def write(self, text: str) -> None:
        for line in text.splitlines():
            if line.startswith("Epoch "):
                print(f"    {line}", flush=True)

    def flush(self) -> None:
        """Lines show as they come."""


def execute(
    notebook: Path,
    executed: Path,
    cwd: Path,
    parameters: dict | None = None,
    kernel: str = "python3",
    timeout: int = CELL_TIMEOUT,
) -> nbformat.NotebookNode:
    """Run `notebook` in a fresh `kernel` in `cwd` into `executed`; raise `RunError` naming the
    cell that failed; return the executed notebook, checked and stripped."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            notebook,
            executed,
            parameters=parameters or {},
            cwd=cwd,
            kernel_name=kernel,
            progress_bar=False,
            stdout_file=EpochEcho(),
            execution_timeout=timeout,
        )
    except papermill.PapermillExecutionError as error:
        raise RunError(
            f"{notebook.name} failed in cell [{error.exec_count}] ({error.ename}: "
            f"{error.evalue}); the executed notebook is {shown(executed)}"
        ) from None
    except DeadKernelError:
        raise RunError(
            f"{notebook.name}: the kernel died (most often out of memory; its last words are "
            f"above); the partial notebook is {shown(executed)}"
        ) from None
    except CellTimeoutError:
        raise RunError(
            f"{notebook.name}: a cell ran longer than {timeout} s; on a slow machine allow more: "
            f"make run-all CELL_TIMEOUT={timeout * 4}"
        ) from None
    nb = clean(nbformat.read(executed, as_version=4), notebook.name)
    nbformat.write(nb, executed)
    return nb


def clean(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Refuse errors and stderr; drop what changes on every run (timings, widget state); join
    consecutive prints to one stream (where the kernel cuts them depends on timing)."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        joined = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                raise RunError(f"{name}, cell {index}: {output.ename}: {output.evalue}")
            if output.output_type == "stream" and output.name == "stderr":
                raise RunError(f"{name}, cell {index} wrote to stderr: {output.text[:200]}")
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
            last = joined[-1] if joined else None
            if (
                last
                and output.output_type == last.output_type == "stream"
                and (output.name == last.name)
            ):
                last.text += output.text
            else:
                joined.append(output)
        if cell.cell_type == "code":
            cell.outputs = joined
    return nb


def keep_committed(new: nbformat.NotebookNode, committed: nbformat.NotebookNode) -> None:
    """Give each cell of `new` the committed outputs where they differ only in masked parts."""
    from nbval.plugin import get_sanitize_patterns

    masks = get_sanitize_patterns(SANITIZE.read_text())

    def masked(cell) -> str:
        text = json.dumps(cell.get("outputs", []), sort_keys=True)
        for regex, replacement in masks:
            text = re.sub(regex, replacement, text)
        return text

    for cell, old in zip(new.cells, committed.cells, strict=False):
        if cell.get("outputs") and cell.source == old.source and masked(cell) == masked(old):
            cell.outputs = old.outputs


def replace_file(source: Path, target: Path) -> None:
    """Copy `source` over `target` by a rename, so that no reader ever sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, partial)
    partial.replace(target)


def fresh_folder(folder: Path) -> Path:
    """`folder`, empty and marked as this run's: a folder that a run did not make is refused,
    never emptied (it may hold a reader's files)."""
    if folder.exists() and any(folder.iterdir()) and not (folder / MADE_HERE).exists():
        raise Refused(f"{shown(folder)} exists and was not made by a run: name a new folder")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / MADE_HERE).touch()
    return folder


def post_settings() -> dict:
    """The post's hyperparameters, from 04's parameters cell (their one home)."""
    import papermill

    found = papermill.inspect_notebook(ROOT / "notebooks" / TRAINING)
    return {name: ast.literal_eval(value["default"]) for name, value in found.items()}


def checked(settings: dict) -> dict:
    """`settings` as numbers, or `RunError` saying which value is refused and why."""
    rules = {
        "epochs": (int, 2, 1000, "at least 2: notebook 05 looks at how val_loss changes"),
        "batch_size": (int, 1, 60000, "1 to the 60,000 training images"),
        "learning_rate": (float, 1e-6, 10.0, "above 0 and at most 10 (09 shows 10 diverging)"),
        "seed": (int, 0, 2**31 - 1, "a whole number from 0"),
    }
    numbers = {}
    for name, value in settings.items():
        kind, low, high, why = rules[name]
        try:
            number = kind(str(value))
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise Refused(f"{name.upper()}={value!r} is refused: {why}")
        numbers[name] = number
    return numbers


@contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Hold `build/run-all.lock` while `make run-all` or `make experiments` runs, else `Refused`."""
    (ROOT / "build").mkdir(exist_ok=True)
    with (ROOT / "build" / "run-all.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused("another `make run-all` or `make experiments` is running here") from None
        yield


def run_all(changed: dict, output: Path | None, timeout: int) -> None:
    """Run the series with the post's settings updated by `changed`; publish only a run of the
    post's own settings on TensorFlow into the default folder."""
    post = post_settings()
    settings = checked({**post, **changed})
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    publish = settings == post and backend == "tensorflow" and output is None
    with one_run_at_a_time():
        obtain()
        build = fresh_folder(
            output or ROOT / "build" / ("run-all" if publish else "run-all-custom")
        )
        (build / "figures").mkdir()
        for notebook in series():
            print(f"running {notebook.name}", flush=True)
            parameters = settings if notebook.name == TRAINING and not publish else None
            nb = execute(
                notebook,
                build / "notebooks" / notebook.name,
                build / "notebooks",
                parameters,
                timeout=timeout,
            )
            keep_committed(nb, nbformat.read(notebook, as_version=4))
            nbformat.write(nb, build / "notebooks" / notebook.name)
        if not publish:
            print(f"done: nothing committed was changed; the run is in {shown(build)}")
            return
        for notebook in series():
            replace_file(build / "notebooks" / notebook.name, notebook)
        for figure in sorted((build / "figures").glob("*.png")):
            replace_file(figure, ROOT / "figures" / figure.name)
        for result in sorted((build / "notebooks" / "trained").glob("*")):
            replace_file(result, ROOT / "src" / "mnist17" / "trained" / result.name)
        print("done: notebooks/, figures/ and src/mnist17/trained/ updated")


def main(argv: list[str]) -> int:
    """`make run-all`: exit status 0 done, 1 failed, 2 refused, 130 interrupted."""
    parser = argparse.ArgumentParser(prog="python -m mnist17_tools run-all")
    for name in ("epochs", "batch-size", "learning-rate", "seed"):
        parser.add_argument(f"--{name}")
    parser.add_argument("--output", type=Path, help="run into this new folder; publish nothing")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT)
    args = parser.parse_args(argv)
    changed = {
        name: value
        for name in ("epochs", "batch_size", "learning_rate", "seed")
        if (value := getattr(args, name)) is not None
    }
    return exit_status(
        lambda: run_all(changed, args.output and args.output.resolve(), args.cell_timeout)
    )


def exit_status(run) -> int:
    """Call `run` (make run-all's or make experiments'); say in one line why it failed, if it did:
    0 done, 1 failed, 2 refused, 130 interrupted."""
    try:
        run()
    except (RunError, DataError) as error:
        print(f"error: {error}\nNothing committed was changed.", file=sys.stderr)
        return 2 if isinstance(error, Refused) else 1
    except KeyboardInterrupt:
        print("interrupted: nothing committed was changed.", file=sys.stderr)
        return 130
    return 0
