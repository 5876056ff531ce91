"""Notebook 07's 17 lines run as a reader copies them: a script, in a Python that has Keras and
its friends but not the series' package (trained for two epochs here instead of 50)."""

import json
import subprocess
import sys
import sysconfig

from helpers import code_cells, source_of

from mnist17_tools import ROOT

STARTUP = ROOT / "tools" / "ipython" / "profile_default" / "startup" / "offline_mnist.py"


def test_the_17_lines_run_as_a_script_without_the_series_package(tmp_path):
    nb = json.loads((ROOT / "notebooks" / "07_the_17_lines.ipynb").read_text())
    (cell,) = [c for c in code_cells(nb) if "the-17-lines" in c["metadata"].get("tags", [])]
    assert source_of(cell).count("epochs=50") == 1
    script = tmp_path / "seventeen.py"
    script.write_text(source_of(cell).replace("epochs=50", "epochs=2") + "\nprint('done')\n")
    # A venv whose only packages are this venv's site-packages, added as a plain path: their
    # .pth files, among them the editable install of the series' packages, are not read.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    (next(venv.glob("lib/python3*/site-packages")) / "keras.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    python = str(venv / "bin" / "python")
    missing = subprocess.run([python, "-c", "import mnist17"], capture_output=True, text=True)
    assert "No module named 'mnist17'" in missing.stderr
    # No internet here: the kernels' offline stand-in serves mnist.load_data(), then the script.
    run = subprocess.run(
        [
            python,
            "-c",
            f"import runpy; runpy.run_path({str(STARTUP)!r}); "
            f"runpy.run_path({str(script)!r}, run_name='__main__')",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert (
        "Epoch 2/2" in run.stdout
        and "val_accuracy:" in run.stdout
        and run.stdout.endswith("done\n")
    )
