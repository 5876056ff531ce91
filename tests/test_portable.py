"""Portable validation: numbers compared with measured tolerances, exactly on the reference machine.

The comparison itself (tests/nbval_numeric.py) is tested on small texts here; the tolerance
table (tests/tolerances.py) is checked against the notebooks; and on the machine that made the
committed outputs (tests/reference-machine.json, written by `make run-all`) the re-executed
series must reproduce them exactly, as it always has: there `make run-all` leaves `git status`
clean.
"""

import json
import subprocess
import sys

import pytest
from nbval_numeric import Quantity, reconcile, recorded
from tolerances import TOLERANCES

from mnist17.environment import machine, versions
from mnist17.paths import ROOT, output_root
from mnist17.reference import full_precision_results, largest_deviations, read_record
from mnist17.run_all import series

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


@pytest.mark.parametrize(
    ("notebook", "cell_id"),
    [(nb, cell) for nb, cells in TOLERANCES.items() for cell in cells],
)
def test_every_tolerance_names_a_cell_whose_committed_output_it_matches(notebook, cell_id):
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    (cell,) = [c for c in nb["cells"] if c.get("id") == cell_id]
    text = "".join(
        "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
        for o in cell["outputs"]
    )
    for quantity in TOLERANCES[notebook][cell_id]:
        assert quantity.regex().search(text), f"{quantity.name} not found in {notebook}"
        assert quantity.atol >= quantity.measured, f"{quantity.name}: tolerance below measured"


def test_tolerated_cells_are_all_in_the_series():
    assert set(TOLERANCES) <= {path.name for path in series()}


FULL_PRECISION_FILE = "full-precision.json"


@pytest.fixture(scope="module")
def full_precision() -> dict[str, float]:
    """How far this run's unrounded results are from the reference run's (written for
    `make test-portable`, which reports it: printed digits alone can hide a change of bits)."""
    if not (output_root() / "artifacts" / "model.keras").exists():
        pytest.skip("run the whole suite (`make test`): nbval trains the model first")
    found = largest_deviations(full_precision_results(), read_record()["results"])
    (output_root() / FULL_PRECISION_FILE).write_text(json.dumps(found, indent=1) + "\n")
    return found


def test_reference_record_is_what_run_all_writes():
    record = read_record()
    assert set(record) == {"machine", "versions", "results"}
    assert {"cpu", "vector_extensions", "threads", "settings"} <= set(record["machine"])
    assert record["machine"]["settings"] == {}, "the committed run must not be an emulation"
    assert len(record["results"]["history"]["val_accuracy"]) == 50
    assert len(record["results"]["probabilities"]) == 10


def test_on_the_reference_machine_the_series_reproduces_the_committed_outputs_exactly(
    request, full_precision
):
    here, there = machine(), read_record()["machine"]
    if here != there:
        pytest.skip(
            "not the reference machine (tests/reference-machine.json): the measured tolerances "
            f"apply here. Differs in: {sorted(k for k in there if here.get(k) != there[k])}"
        )
    numbers = recorded(request.config)
    figures_report = output_root() / "figure-differences.json"
    if not numbers or not figures_report.exists():
        pytest.skip("run the whole suite (`make test`): nbval and the figure checks come first")
    assert full_precision == {"history": 0.0, "probabilities": 0.0}, "bits changed"
    drifted = {key: r["largest"] for key, r in numbers.items() if r["largest"] != 0}
    assert drifted == {}, "the reference machine must reproduce every printed number exactly"
    pixels = {k: r["rms"] for k, r in json.loads(figures_report.read_text()).items() if r["rms"]}
    assert pixels == {}, "the reference machine must reproduce every figure exactly"
    pinned = {k: v for k, v in read_record()["versions"].items() if k != "python"}
    assert {k: v for k, v in versions().items() if k != "python"} == pinned


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
