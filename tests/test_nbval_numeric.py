"""The numeric tolerance that mnist17_tools/nbval_numeric.py gives nbval, on small texts."""

import pytest

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
