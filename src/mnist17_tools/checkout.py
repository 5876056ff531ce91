"""A copy of the checkout to break or run without touching this one (tests and breakages)."""

import shutil
import subprocess
from pathlib import Path

from mnist17.paths import mnist_file, root


def copy_checkout(target: Path) -> Path:
    """Copy the checkout's tracked and new files, and the verified dataset, to `target` (a repo
    copy to break or run without touching this one; no venv, no build output)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (root() / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root() / name, target / name)
    shutil.copy2(mnist_file(), target / "data" / "mnist.npz")
    return target
