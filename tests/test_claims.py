"""The prose tells the truth about the outputs under it (`mnist17_tools/claims.py`).

Each listed sentence is checked against the committed notebook's outputs and the committed
experiment results; every number in the prose that looks measured must belong to a checked
sentence or be explained as not measured. `tests/backends` runs the same checks on JAX and
PyTorch."""

import copy
import json

import pytest

from mnist17.experiments import load_experiments
from mnist17_tools import series
from mnist17_tools.claims import (
    CLAIMS,
    MEASURED_LOOKING,
    NOT_MEASURED,
    Notebook,
)


def committed(number: str) -> Notebook:
    (path,) = [p for p in series() if p.name.startswith(f"{number}_")]
    return Notebook(json.loads(path.read_text()))


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c.notebook}-{c.says[:40]}")
def test_the_sentence_is_in_its_notebook_and_true(claim):
    nb = committed(claim.notebook)
    assert claim.says in nb.markdown(), f"notebook {claim.notebook} no longer says {claim.says!r}"
    runs = load_experiments()
    assert claim.holds(nb, runs), (
        f"notebook {claim.notebook}: {claim.says!r} no longer matches its outputs or the results"
    )


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_every_number_in_the_prose_that_looks_measured_is_checked(path):
    number = path.name[:2]
    nb = Notebook(json.loads(path.read_text()))
    covered = set(NOT_MEASURED.get(number, {}))
    for claim in CLAIMS:
        if claim.notebook == number:
            covered |= set(MEASURED_LOOKING.findall(claim.says))
    unchecked = sorted(set(MEASURED_LOOKING.findall(nb.markdown())) - covered)
    assert not unchecked, (
        f"{path.name} states {unchecked} in its prose: print them by code, or add the sentence "
        "with its check to CLAIMS in src/mnist17_tools/claims.py"
    )


def test_a_changed_output_breaks_its_claim():
    """The checks can fail: the 3 of notebook 08 read right even when shrunk only, and the
    validation loss rising once in notebook 05."""
    (misread,) = [c for c in CLAIMS if c.says.startswith("Shrunk only")]
    nb = committed("08")
    changed = copy.deepcopy(nb.nb)
    (cell,) = [c for c in changed["cells"] if c["id"] == "8e6d0b4f"]
    cell["outputs"][0]["text"] = ["shrunk only: read as 3 with probability 0.5\n"] * 2
    assert misread.holds(nb, {}) and not misread.holds(Notebook(changed), {})

    (no_rise,) = [c for c in CLAIMS if c.says.startswith("A validation loss that never rises")]
    nb = committed("05")
    changed = copy.deepcopy(nb.nb)
    (cell,) = [c for c in changed["cells"] if c["id"] == "e3c4d5f6"]
    cell["outputs"][0]["text"] = ["val_loss rose in 1 of 49 epochs\n", "lowest at epoch 50 of 50\n"]
    assert no_rise.holds(nb, {}) and not no_rise.holds(Notebook(changed), {})


def test_a_changed_result_breaks_the_conclusion_drawn_from_it():
    """Notebook 09's conclusions are checked against the results: the rate 1 no longer ahead of the
    rate 0.1 after 50 epochs, and the rates no longer rise."""
    runs = load_experiments()
    changed = copy.deepcopy(runs)
    changed["lr-1"].history["val_accuracy"][49] = runs["lr-0.1"].at_epoch("val_accuracy", 50) - 0.01
    (claim,) = [c for c in CLAIMS if c.says.startswith("from 0.001 to 1, the larger the rate")]
    assert claim.holds(committed("09"), runs) and not claim.holds(committed("09"), changed)
