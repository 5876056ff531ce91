"""mnist17.paths: the checkout is found from an editable install, from the working directory
(a copy of the package installed elsewhere), or from $MNIST17_ROOT, and refused in one line."""

import os
import shutil
import subprocess
import sys

from helpers import ROOT

PROBE = (
    "from mnist17.paths import CheckoutNotFound, root\n"
    "try:\n    print(root())\n"
    "except CheckoutNotFound as error:\n    print('refused:', error)\n"
)


def installed_elsewhere(tmp_path):
    """The reader's package copied into a site folder, as a non-editable install puts it."""
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "src" / "mnist17", site / "mnist17")
    return site


def probe(site, cwd, **env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(site), "MNIST17_ROOT": "", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_an_editable_install_finds_the_checkout_from_anywhere(tmp_path):
    assert probe(ROOT / "src", tmp_path) == str(ROOT)


def test_a_copy_installed_elsewhere_finds_the_checkout_from_the_working_directory(tmp_path):
    site = installed_elsewhere(tmp_path)
    assert probe(site, ROOT / "notebooks") == str(ROOT)  # as a notebook runs
    assert probe(site, tmp_path, MNIST17_ROOT=str(ROOT)) == str(ROOT)


def test_outside_any_checkout_one_line_says_what_to_do(tmp_path):
    site = installed_elsewhere(tmp_path)
    (line,) = probe(site, tmp_path).splitlines()
    assert line.startswith("refused: mnist17 is installed at ")
    assert "run from the cloned repository, set MNIST17_ROOT=" in line and "make setup" in line
    (line,) = probe(site, tmp_path, MNIST17_ROOT=str(tmp_path)).splitlines()
    assert line == (
        f"refused: MNIST17_ROOT={tmp_path} is not a checkout of the series (it needs "
        "pyproject.toml and notebooks/): point it at the cloned repository."
    )
