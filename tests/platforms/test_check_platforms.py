"""`make check-platforms` fails where a reader's `make setup` would: a pin without a wheel for one
platform, a package that one platform needs and the lock leaves free (uv asks PyPI)."""

import re
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

pytestmark = pytest.mark.platforms


def test_a_pin_without_a_windows_wheel_and_a_lock_frozen_on_linux_fail_there_only(tmp_path):
    lock = ROOT / "constraints" / "python3.12.txt"
    # pywinpty 2.0.5 has no Windows wheel for Python 3.12 (and jupyter-server accepts it), and only
    # Windows installs pywinpty; a lock that `pip freeze` made on Linux pins no appnope for macOS.
    text, found = re.subn(r"^pywinpty==\S+", "pywinpty==2.0.5", lock.read_text(), flags=re.M)
    text, also = re.subn(r"^appnope==.*\n", "", text, flags=re.M)
    assert found == also == 1
    (tmp_path / lock.name).write_text(text)
    tool = [sys.executable, ROOT / "tools/check-platforms", shutil.which("uv") or "uv"]
    result = subprocess.run(
        [*tool, "--python", "3.12", "--lock-dir", tmp_path], capture_output=True, text=True
    )
    assert result.returncode == 1
    outcomes = [line.split()[0] for line in result.stdout.splitlines()]
    assert outcomes == ["ok", "ok", "FAIL", "FAIL"]  # Linux x86-64 and ARM, macOS, Windows
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    mac, windows = problems  # in the order of the table
    assert mac.endswith("macOS on Apple Silicon (aarch64-apple-darwin), Python 3.12: appnope is "
                        "needed there but not pinned in python3.12.txt")  # fmt: skip
    assert "Windows x86-64 (x86_64-pc-windows-msvc), Python 3.12: " in windows
    assert re.search(r"pywinpty(\{[^}]*\})?==2\.0\.5 has no", windows)  # uv names the pin
    assert "make constraints" in result.stderr
