"""Atomic file writes: a file is either the old one or the complete new one, never half-written.

Every writer of the project (dataset, figures, trained artifacts, published notebooks) goes
through here, so an interrupted run can never leave a truncated file behind.
"""

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call `write(tmp)` on a temporary file beside `path`, then rename it onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.stem}-", suffix=f".part{path.suffix}", delete=False
    ) as handle:
        tmp = Path(handle.name)
    try:
        write(tmp)
        tmp.chmod(0o644)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def copy_atomically(source: Path, target: Path) -> None:
    """Copy `source` onto `target` through a temporary file and a rename."""
    write_atomically(target, lambda tmp: shutil.copyfile(source, tmp))
