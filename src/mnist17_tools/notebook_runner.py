"""Run one notebook top to bottom in a fresh kernel: the tools' one way to execute a notebook.

`make run-all`, `make experiments`, `make test-arm`, `make test-hosted` and the tests all call
`execute`, and give the kernel what it needs as arguments: its working folder, papermill's
parameters, its environment (where figures go, which Keras backend ...) and, for another virtual
environment, its Python. Nothing is handed over through this process's own environment.

A run that fails raises `NotebookRunError` with one readable line naming the notebook and the cell
(a failing cell, a kernel that died, a cell over the time limit); papermill then has saved the
partial notebook, which the message names. A notebook that ran is checked (no error, nothing on
stderr) and stripped of what changes on every run, so that two runs of one checkout are identical.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import nbformat

from mnist17.params import ParameterError
from mnist17.paths import display_path

# Seconds one cell may run: 04 and 07 train 50 epochs in one to four minutes on a 2-core machine;
# a laptop several times slower still fits. `make run-all CELL_TIMEOUT=...` changes it.
CELL_TIMEOUT = 1800
VOLATILE_CELL_KEYS = ("papermill", "execution")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def parse_cell_timeout(value: object) -> int:
    """The time limit per cell from the command line (`CELL_TIMEOUT=...`): whole seconds, >= 1."""
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ParameterError(
            f"cell timeout (CELL_TIMEOUT) must be a positive integer of seconds, got {value!r}"
        )
    return int(text)


class NotebookRunError(RuntimeError):
    """A notebook failed or produced output that must not be committed; the message says which,
    and for a cell that raised, `ename` and `evalue` are its exception's name and message."""

    def __init__(self, message: str, ename: str = "", evalue: str = "") -> None:
        super().__init__(message)
        self.ename, self.evalue = ename, evalue


def strip_volatile_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes on every run (papermill and execution timings, widget state and the
    random model ids of widget views), keep tags and outputs.

    Consecutive prints to one stream are joined into one output: where the kernel cuts them
    depends on timing, so the committed notebooks would otherwise change from run to run.

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
        if "outputs" in cell:
            cell.outputs = joined_streams(cell.outputs)
    return nb


def joined_streams(outputs: list) -> list:
    """`outputs` with each run of consecutive outputs to the same stream joined into one."""
    joined: list = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (
            last is not None
            and output.output_type == last.output_type == "stream"
            and output.name == last.name
        ):
            last.text = "".join(last.text) + "".join(output.text)
        else:
            joined.append(output)
    return joined


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


def kernel_manager(env: Mapping[str, str] | None, python: str | None) -> type:
    """A kernel manager class for papermill whose kernels get `env` as their whole environment
    and, when `python` is given, run that interpreter (another virtual environment's)."""
    from jupyter_client.manager import AsyncKernelManager

    class KernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            if env is not None:
                kw["env"] = dict(env)  # jupyter_client hands it to the kernel's process
            return await super().start_kernel(**kw)

        @property
        def kernel_spec(self):
            spec = super().kernel_spec
            if python and spec is not None and spec.argv[0] != python:
                spec.argv = [python, *spec.argv[1:]]
            return spec

    return KernelManager


def execute(
    notebook: Path,
    executed: Path,
    *,
    cwd: Path,
    parameters: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
    cell_timeout: int = CELL_TIMEOUT,
    checked: bool = True,
) -> nbformat.NotebookNode:
    """Run `notebook` in a fresh kernel started in `cwd` into `executed`, and return it.

    `env` is the kernel's environment (default: this process's), `python` its interpreter (default:
    the `python3` kernel's). With `checked`, an output holding an error or stderr text fails the
    run; the saved notebook is stripped of what changes from run to run.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    executed.parent.mkdir(parents=True, exist_ok=True)
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
                parameters=dict(parameters or {}),
                cwd=cwd,
                kernel_name="python3",
                progress_bar=False,
                stdout_file=echo,
                execution_timeout=cell_timeout,
                kernel_manager_class=kernel_manager(env, python),
                # The kernel's own log is not for readers: a warning about local TCP on every start,
                # and a traceback when a cell over the time limit is stopped (explained below).
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as error:
            raise NotebookRunError(
                f"{notebook.name} failed in the cell with execution count {error.exec_count} "
                f"({error.ename}: {error.evalue}). The executed notebook with the error is "
                f"{display_path(executed)}.",
                error.ename,
                error.evalue,
            ) from None
        except DeadKernelError:
            raise NotebookRunError(
                f"{notebook.name}: the kernel died while running {running_cell(executed)}. It was "
                "killed from outside or, most often, ran out of memory: close other programs and "
                f"run again. {partial}"
            ) from None
        except RuntimeError as error:  # jupyter_client: the kernel exited before it answered
            if "died before replying" not in str(error):
                raise
            raise NotebookRunError(
                f"{notebook.name}: the kernel ({python or 'python3'}) exited as it started: is "
                "ipykernel installed for that Python?"
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
    if checked:
        check_outputs(nb, notebook.name)
    nbformat.write(nb, executed)
    return nb


def kernel_env(**settings: str | Path) -> dict[str, str]:
    """This process's environment with `settings` added, for a kernel (`execute(env=...)`)."""
    return {**os.environ, **{name: str(value) for name, value in settings.items()}}
