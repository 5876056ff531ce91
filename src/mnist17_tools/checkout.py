"""The checkout as the tools see it: its build folder, and copies of it to break or run."""

import shutil
import subprocess
from pathlib import Path

from mnist17.paths import mnist_file, root


def build_dir() -> Path:
    """`build/`: what runs and tests generate (ignored by git)."""
    return root() / "build"


def checkout_files(repo: Path) -> list[str]:
    """The files of `repo` a fresh clone would hold once committed: tracked and new, not ignored
    (no venv, no build output), as sorted paths relative to `repo`."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return sorted(name for name in listed if name and (repo / name).is_file())


def copy_checkout(target: Path, dataset: bool = True) -> Path:
    """Copy the checkout's files (`checkout_files`) and, with `dataset`, the verified MNIST to
    `target`: a copy to break or run without touching this one."""
    repo = root()
    for name in checkout_files(repo):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target / name)
    if dataset:
        shutil.copy2(mnist_file(), target / "data" / "mnist.npz")
    return target
