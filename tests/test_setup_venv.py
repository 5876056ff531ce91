"""`make setup` on computers the pinned TensorFlow does not support says so in one line, and
what to do, before it creates or installs anything (tools/setup-venv)."""

import os
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, make


def setup_venv_on(tmp_path: Path, system: str, machine: str, translated: str = "0"):
    """Run tools/setup-venv where `uname` and `sysctl` answer like another computer's."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "uname").write_text(
        f'#!/bin/sh\ncase "$1" in -s) echo {system};; -m) echo {machine};; esac\n'
    )
    (fake / "sysctl").write_text(f"#!/bin/sh\necho {translated}\n")
    for tool in fake.iterdir():
        tool.chmod(0o755)
    venv = tmp_path / "venv"
    result = subprocess.run(
        [str(ROOT / "tools" / "setup-venv"), str(venv)],
        env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert not venv.exists(), "nothing is created on an unsupported computer"
    return result


@pytest.mark.parametrize("system", ["MINGW64_NT-10.0-22631", "MSYS_NT-10.0", "CYGWIN_NT-10.0"])
def test_a_windows_shell_is_sent_to_wsl(tmp_path, system):
    result = setup_venv_on(tmp_path, system, "x86_64")
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: this is a Windows shell ({system})")
    assert "WSL 2 with Ubuntu" in line and "wsl --install" in line


def test_an_intel_mac_is_told_there_is_no_tensorflow_and_what_to_use(tmp_path):
    result = setup_venv_on(tmp_path, "Darwin", "x86_64")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "Intel Mac, and TensorFlow 2.21.0 publishes no wheel for it" in line
    assert "docker run" in line and "python:3.12 make test" in line


def test_a_rosetta_shell_on_apple_silicon_is_told_to_open_an_arm64_one(tmp_path):
    result = setup_venv_on(tmp_path, "Darwin", "x86_64", translated="1")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "runs under Rosetta" in line and "arch -arm64" in line


def test_make_itself_on_windows_names_wsl():
    result = make("--no-print-directory", "OS=Windows_NT", "help")
    assert result.returncode == 2
    assert "on Windows, install WSL 2 with Ubuntu (wsl --install)" in result.stderr
