"""`make check-platforms` fails where a reader's `make setup` would: a pin without a wheel for one
platform, a package that one platform needs and the lock leaves free.

Each test runs tools/check-platforms on a changed copy of a lock file, for one Python, with uv
asking the package index (PyPI) as `make check-platforms` does (which first runs the tool on the
committed lock files, every platform and Python).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = pytest.mark.platforms
UV = shutil.which("uv") or "uv"  # from the maintainer's tools venv, which make puts on PATH
PYTHON = "3.12"
TOOL = ROOT / "tools" / "check-platforms"


def check_platforms(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), str(UV), "--python", PYTHON, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def changed_lock(tmp_path: Path, pattern: str, replacement: str) -> Path:
    """A copy of this Python's lock file with one line changed; the folder that holds it."""
    lock = ROOT / "constraints" / f"python{PYTHON}.txt"
    text, count = re.subn(pattern, replacement, lock.read_text(), count=1, flags=re.M)
    assert count == 1, f"{pattern} not found in {lock.name}"
    (tmp_path / lock.name).write_text(text)
    return tmp_path


def outcome_lines(stdout: str) -> dict[str, str]:
    """{platform: "ok" or "FAIL"} from the tool's table."""
    rows = [line.split() for line in stdout.splitlines()]
    return {row[-1]: row[0] for row in rows if row and row[0] in ("ok", "FAIL")}


def test_a_pin_without_a_wheel_for_one_platform_fails_naming_it(tmp_path):
    # pywinpty 2.0.5 has no Windows wheel for Python 3.12 (and jupyter-server accepts it): it
    # breaks Windows, and nothing else, since only Windows installs pywinpty.
    locks = changed_lock(tmp_path, r"^pywinpty==\S+", "pywinpty==2.0.5")
    result = check_platforms("--lock-dir", str(locks))
    assert result.returncode == 1
    assert outcome_lines(result.stdout) == {
        "x86_64-manylinux_2_28": "ok",
        "aarch64-manylinux_2_28": "ok",
        "aarch64-apple-darwin": "ok",
        "x86_64-pc-windows-msvc": "FAIL",
    }
    assert (
        f"Windows x86-64 (x86_64-pc-windows-msvc), Python {PYTHON}: pywinpty==2.0.5 has no "
        "wheel for this platform and Python"
    ) in result.stderr
    assert "make constraints" in result.stderr


def test_a_lock_frozen_on_linux_fails_on_the_mac(tmp_path):
    # What a lock made by `pip freeze` on Linux looks like: nothing pins macOS's appnope.
    locks = changed_lock(tmp_path, r"^appnope==.*\n", "")
    result = check_platforms("--lock-dir", str(locks), "--platform", "aarch64-apple-darwin")
    assert result.returncode == 1
    assert (
        f"macOS on Apple Silicon (aarch64-apple-darwin), Python {PYTHON}: appnope is needed there "
        f"but not pinned in python{PYTHON}.txt"
    ) in result.stderr
