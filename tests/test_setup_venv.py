"""`make setup`: on Windows, an Intel Mac or an unsupported Python, one line says what to do before
anything is made; a second run does nothing."""

import os
import subprocess
import sys

from helpers import ROOT, make


def test_windows_and_an_intel_mac_are_told_what_to_do_in_one_line(tmp_path):
    assert "install WSL 2 with Ubuntu (wsl --install)" in make("OS=Windows_NT", "help").stderr
    fake = tmp_path / "uname"  # answers like an Intel Mac's
    fake.write_text('#!/bin/sh\ncase "$1" in -s) echo Darwin;; *) echo x86_64;; esac')
    fake.chmod(0o755)
    path = f"{tmp_path}:{os.environ['PATH']}"
    setup = [ROOT / "tools/setup-venv", tmp_path / "venv"]
    result = subprocess.run(setup, env={**os.environ, "PATH": path}, capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "Intel Mac (or a shell under Rosetta), and TensorFlow 2.21.0 publishes no wheel" in line
    assert not (tmp_path / "venv").exists()


def test_an_unsupported_python_is_refused_in_one_line_and_this_one_accepted(tmp_path):
    other = tmp_path / "python3.14"
    other.write_text("#!/bin/sh\necho 3.14\n")  # answers like `python -c ...` of Python 3.14
    other.chmod(0o755)
    find_python = ROOT / "tools" / "find-python"
    refused = subprocess.run([find_python, other], capture_output=True, text=True)
    assert refused.returncode == 1 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert "3.11, 3.12 and 3.13" in line and "PYTHON=" in line
    accepted = subprocess.run([find_python, sys.executable], capture_output=True, text=True)
    assert accepted.returncode == 0 and accepted.stdout.strip() == sys.executable


def test_a_second_make_setup_does_nothing():
    result = make("--no-print-directory", "setup")  # `make test` ran the first
    assert result.returncode == 0 and result.stdout + result.stderr == ""
