"""The reference record (mnist17_tools/reference.py), and exact reproduction where it was made.

On the machine that made the committed outputs (tests/reference-machine.json, written by
`make run-all`) the re-executed series must reproduce them exactly, as it always has: there
`make run-all` leaves `git status` clean. Elsewhere the measured tolerances apply.
"""

import json

import pytest
from helpers import figure_rms

from mnist17.environment import versions
from mnist17_tools.machine import machine
from mnist17_tools.nbval_numeric import recorded
from mnist17_tools.reference import full_precision_results, largest_deviations, read_record
from mnist17_tools.tolerances import FIGURES

FULL_PRECISION_FILE = "full-precision.json"


@pytest.fixture(scope="module")
def full_precision(series_run) -> dict[str, float]:
    """How far this run's unrounded results are from the reference run's (written for
    `make test-portable`, which reports it: printed digits alone can hide a change of bits)."""
    found = largest_deviations(full_precision_results(series_run), read_record()["results"])
    (series_run / FULL_PRECISION_FILE).write_text(json.dumps(found, indent=1) + "\n")
    return found


def test_reference_record_is_what_run_all_writes():
    record = read_record()
    assert set(record) == {"machine", "versions", "results"}
    assert {"cpu", "vector_extensions", "threads", "settings"} <= set(record["machine"])
    assert record["machine"]["settings"] == {}, "the committed run must not be an emulation"
    assert len(record["results"]["history"]["val_accuracy"]) == 50
    assert len(record["results"]["probabilities"]) == 10


def test_on_the_reference_machine_the_series_reproduces_the_committed_outputs_exactly(
    request, full_precision, series_run
):
    here, there = machine(), read_record()["machine"]
    if here != there:
        pytest.skip(
            "not the reference machine (tests/reference-machine.json): the measured tolerances "
            f"apply here. Differs in: {sorted(k for k in there if here.get(k) != there[k])}"
        )
    numbers = recorded(request.config)
    assert full_precision == {"history": 0.0, "probabilities": 0.0}, "bits changed"
    drifted = {key: r["largest"] for key, r in numbers.items() if r["largest"] != 0}
    assert drifted == {}, "the reference machine must reproduce every printed number exactly"
    pixels = {name: rms for name in FIGURES if (rms := figure_rms(name, series_run))}
    assert pixels == {}, "the reference machine must reproduce every figure exactly"
    pinned = {k: v for k, v in read_record()["versions"].items() if k != "python"}
    assert {k: v for k, v in versions().items() if k != "python"} == pinned
