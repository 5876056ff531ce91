"""The numeric tolerance that mnist17_tools/nbval_numeric.py gives nbval, on small texts, and in
a real nbval session."""

import re
import subprocess
import sys

import nbformat
import pytest
from helpers import ROOT

from mnist17_tools.nbval_numeric import Quantity, reconcile

ACCURACY = Quantity("accuracy", r"- accuracy: {number}", atol=0.0005, measured=0.0001)
LOG = "Epoch 1/2 - accuracy: 0.1669 - loss: 2.2851\nEpoch 2/2 - accuracy: 0.3857 - loss: 2.2112\n"


def test_numbers_within_tolerance_are_set_to_the_committed_ones():
    new = LOG.replace("0.1669", "0.1672").replace("0.3857", "0.3853")
    text, deviations = reconcile(LOG, new, [ACCURACY])
    assert text == LOG
    assert [round(d.size, 6) for d in deviations] == [0.0003, 0.0004]
    assert all(d.within for d in deviations)


def test_a_number_beyond_tolerance_is_reported_with_both_values_and_the_tolerance():
    new = LOG.replace("0.3857", "0.3907")
    text, deviations = reconcile(LOG, new, [ACCURACY])
    (beyond,) = [d for d in deviations if not d.within]
    assert beyond.describe() == (
        "accuracy (value 2): committed 0.3857, now 0.3907, deviation 0.005 > tolerance 0.0005"
    )
    assert "0.3907" in text  # left as it is, so that the exact comparison shows it too


def test_numbers_outside_the_listed_quantities_stay_exact():
    # loss is not listed: its change survives reconciliation and fails nbval's exact comparison.
    new = LOG.replace("2.2851", "2.2852").replace("0.1669", "0.1670")
    text, _ = reconcile(LOG, new, [ACCURACY])
    assert text == LOG.replace("2.2851", "2.2852")
    # Other epoch counts change the text around the numbers: never reconciled away.
    text, _ = reconcile(LOG, LOG.replace("/2", "/3"), [ACCURACY])
    assert text != LOG


def test_a_different_count_of_values_is_left_to_the_exact_comparison():
    shorter = LOG.splitlines(keepends=True)[0]
    text, deviations = reconcile(LOG, shorter, [ACCURACY])
    assert text == shorter and deviations == []


def test_scientific_notation_and_signs_are_numbers():
    quantity = Quantity("p", r"{number}(?=,|\])", atol=1e-6, measured=0)
    _, deviations = reconcile("[2.6067282e-04, -1.5]", "[2.6067207e-04, -1.5]", [quantity])
    assert [d.within for d in deviations] == [True, True]
    assert deviations[0].size == pytest.approx(7.5e-10)


# nbval has no hook for comparing outputs: the plugin wraps its private IPyNbCell.compare_outputs,
# so nbval is pinned (requirements.txt) and the test below shows that the wrap is in force in
# a real nbval session of the pinned version.
CONFTEST = """
from mnist17_tools import nbval_numeric
from mnist17_tools.nbval_numeric import Quantity

def pytest_configure(config):
    loss = Quantity("loss", r"loss: {number}", atol=0.001, measured=0.0)
    nbval_numeric.install(config, {"tiny.ipynb": {"tiny-1": [loss]}})
"""


def nbval_session(tmp_path, printed: str) -> subprocess.CompletedProcess:
    """nbval over a one-cell notebook whose committed output is `loss: 0.5001` and which now
    prints `printed`, with the plugin given a tolerance of 0.001 for that loss."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    cell = nbformat.v4.new_code_cell(f"print({printed!r})", id="tiny-1", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="loss: 0.5001\n")]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "tiny.ipynb", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_pinned_nbval_compares_numbers_within_tolerance(tmp_path):
    import nbval

    pinned = re.search(r"^nbval==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)[1]
    assert nbval.__version__ == pinned
    within = nbval_session(tmp_path, "loss: 0.5004")
    assert within.returncode == 0, within.stdout
    beyond = nbval_session(tmp_path, "loss: 0.5031")
    assert beyond.returncode == 1
    assert "loss (value 1): committed 0.5001, now 0.5031, deviation 0.003 > tolerance 0.001" in (
        beyond.stdout
    )
