"""tools/find-python: the interpreter `make setup` builds .venv with (3.11, 3.12 or 3.13)."""

import subprocess
import sys

from helpers import ROOT


def test_find_python_refuses_an_unsupported_interpreter_in_one_line(tmp_path):
    fake = tmp_path / "python3.14"
    fake.write_text("#!/bin/sh\necho 3.14\n")  # answers like `python -c ...` of Python 3.14
    fake.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "tools" / "find-python"), str(fake)], capture_output=True, text=True
    )
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "3.11, 3.12 and 3.13" in line and "TensorFlow" in line and "PYTHON=" in line


def test_find_python_accepts_this_interpreter():
    result = subprocess.run(
        [str(ROOT / "tools" / "find-python"), sys.executable], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip()
