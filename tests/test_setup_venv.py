"""`make setup` (tools/setup-venv, tools/find-python): on a computer or a Python that the pinned
TensorFlow does not support, one line says so and what to do, before anything is created; a
second run does nothing."""

import os
import subprocess
import sys

import pytest
from helpers import ROOT, make


@pytest.mark.parametrize(
    ("system", "machine", "translated", "says"),
    [
        ("MINGW64_NT-10.0-22631", "x86_64", "0", "Windows shell (MINGW64_NT-10.0-22631)"),
        ("Darwin", "x86_64", "0", "Intel Mac, and TensorFlow 2.21.0 publishes no wheel for it"),
        ("Darwin", "x86_64", "1", "runs under Rosetta"),
    ],
)
def test_an_unsupported_computer_is_told_what_to_do_in_one_line(
    tmp_path, system, machine, translated, says
):
    fake = tmp_path / "bin"  # `uname` and `sysctl` that answer like that computer's
    fake.mkdir()
    (fake / "uname").write_text(
        f'#!/bin/sh\ncase "$1" in -s) echo {system};; *) echo {machine};; esac'
    )
    (fake / "sysctl").write_text(f"#!/bin/sh\necho {translated}\n")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    result = subprocess.run(
        [ROOT / "tools" / "setup-venv", tmp_path / "venv"],
        env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert says in line
    assert not (tmp_path / "venv").exists()


def test_make_itself_on_windows_names_wsl():
    result = make("--no-print-directory", "OS=Windows_NT", "help")
    assert result.returncode == 2
    assert "on Windows, install WSL 2 with Ubuntu (wsl --install)" in result.stderr


def test_an_unsupported_python_is_refused_in_one_line_and_this_one_accepted(tmp_path):
    other = tmp_path / "python3.14"
    other.write_text("#!/bin/sh\necho 3.14\n")  # answers like `python -c ...` of Python 3.14
    other.chmod(0o755)
    find_python = ROOT / "tools" / "find-python"
    refused = subprocess.run([find_python, other], capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert "3.11, 3.12 and 3.13" in line and "PYTHON=" in line
    accepted = subprocess.run([find_python, sys.executable], capture_output=True, text=True)
    assert accepted.returncode == 0 and accepted.stdout.strip() == sys.executable


def test_a_second_make_setup_does_nothing():
    result = make("--no-print-directory", "setup")  # `make test` ran the first
    assert result.returncode == 0 and result.stdout + result.stderr == ""
