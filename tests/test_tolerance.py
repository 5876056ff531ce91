"""The tolerance that tests/nbval_tolerance.py gives nbval, shown in force in a real nbval
session of the pinned nbval: two units of the last digit pass, three fail, words never."""

import json
import os
import subprocess
import sys

import pytest
from helpers import FIXTURES

from mnist17_tools import ROOT


def nbval(tmp_path, name: str, committed: str) -> subprocess.CompletedProcess:
    """nbval over a notebook `name` that prints 0.9077 and whose committed output is `committed`."""
    nb = json.loads((FIXTURES / "parameters.ipynb").read_text())
    cell = nb["cells"][2]
    cell["source"] = 'print("val_accuracy: 0.9077 after 50 epochs")'
    cell["execution_count"] = 2
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": committed}]
    nb["cells"][1]["execution_count"] = 1
    (tmp_path / name).write_text(json.dumps(nb))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "nbval_tolerance"]
    command += ["--nbval", "--nbval-current-env", "-c", str(ROOT / "pyproject.toml")]
    command += ["--rootdir", str(ROOT), str(tmp_path / name)]
    env = {k: v for k, v in os.environ.items() if k != "IPYTHONDIR"}  # no MNIST, no Keras
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    ("committed", "passes"),
    [
        ("val_accuracy: 0.9077 after 50 epochs\n", True),
        ("val_accuracy: 0.9079 after 50 epochs\n", True),
        ("val_accuracy: 0.9080 after 50 epochs\n", False),
        ("val_accuracy: 0.9077 after 49 epochs\n", True),
        ("val_loss: 0.9077 after 50 epochs\n", False),
    ],
)
def test_numbers_within_two_units_pass_in_notebooks_03_to_08(tmp_path, committed, passes):
    result = nbval(tmp_path, "04_x.ipynb", committed)
    assert (result.returncode == 0) == passes, result.stdout[-2000:]
    if not passes and "val_accuracy" in committed:
        assert "committed 0.9080, now 0.9077" in result.stdout


def test_other_notebooks_compare_exactly(tmp_path):
    assert nbval(tmp_path, "01_x.ipynb", "val_accuracy: 0.9078 after 50 epochs\n").returncode == 1
