"""One run at a time: a lock file that the operating system releases when its holder ends.

Two `make run-all` in one checkout would share `build/run-all/`, and the second would delete the
first's work; two `make test` would share `build/test/`. Each takes an exclusive `flock` on a
file beside its folder first. The lock belongs to the open file, so a run that is killed (even
with SIGKILL) releases it: the process id it leaves in the file is then recognised as stale and
the lock is taken over.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mnist17.paths import display_path


class AlreadyRunning(RuntimeError):
    """Another run holds the lock; the message names its process id."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


@contextmanager
def exclusive(path: Path, what: str) -> Iterator[str | None]:
    """Hold the lock `path` for the `with` block, or raise `AlreadyRunning`.

    Yields a note when a lock left by a run that no longer exists was taken over, else None.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise AlreadyRunning(
                f"another {what} is in progress in this checkout (process {holder}, lock "
                f"{display_path(path)}). Wait for it to finish, or stop it (kill {holder}), "
                "then run again. Nothing was changed."
            ) from None
        handle.seek(0)
        previous = handle.read().strip()
        note = None
        if previous.isdigit() and int(previous) != os.getpid() and not _alive(int(previous)):
            note = (
                f"note: a lock left by process {previous}, which no longer runs (killed?), "
                "was taken over"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield note
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
