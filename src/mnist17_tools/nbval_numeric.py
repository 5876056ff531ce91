"""nbval with a numeric tolerance for the numbers that training and prediction print.

nbval compares every text output of a re-executed notebook with the committed one, character for
character, and has no tolerance (`IPyNbCell.compare_outputs` ends in ``ref_out != test_out``).
The numbers that come out of floating-point training differ in their last digits between CPUs,
thread counts and BLAS kernels, so this plugin wraps that method:

1. for the cells listed in `tolerances.py`, each listed quantity's numbers are taken from
   the committed and the new text and compared with the quantity's tolerance;
2. a number within tolerance is replaced by the committed one in a copy of the new output, so
   that nbval's own exact comparison then checks everything else as before (the words, the
   shapes, how many lines and numbers there are);
3. a number beyond tolerance fails the cell with the quantity, both values, the deviation and the
   tolerance, followed by a diff of the two texts.

nbval offers no hook for its comparison, so this wraps a private method: nbval is pinned
(requirements.txt), and tests/test_nbval_numeric.py runs a real nbval session of the pinned version
to show that the wrap is in force; check it before moving the pin.

Every deviation is recorded, also within tolerance: `deviations.json` in the test output folder
holds the largest one per quantity, which `make test-portable` reports per emulated machine.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
REPORT_FILE = "deviations.json"
_RECORDS = pytest.StashKey[dict]()


@dataclass(frozen=True)
class Quantity:
    """Numbers of one kind in a cell's text output, compared with an absolute tolerance.

    `pattern` is a regular expression in which ``{number}`` stands for the number to compare
    (``r"val_accuracy: {number}"``); every match in the text is one value of the quantity.
    `measured` is the largest deviation seen over the emulated machines (see docs/where-it-runs.md).
    """

    name: str
    pattern: str
    atol: float
    measured: float

    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern.format(number=f"({NUMBER})"))


@dataclass(frozen=True)
class Deviation:
    """One compared value: committed and new, and whether it lies within the tolerance."""

    quantity: Quantity
    index: int
    committed: str
    new: str

    @property
    def size(self) -> float:
        return abs(float(self.new) - float(self.committed))

    @property
    def within(self) -> bool:
        # A hair of slack so that 0.1 + 0.2-style float noise never decides a comparison.
        return self.size <= self.quantity.atol * (1 + 1e-9)

    def describe(self) -> str:
        return (
            f"{self.quantity.name} (value {self.index + 1}): committed {self.committed}, "
            f"now {self.new}, deviation {self.size:.3g} > tolerance {self.quantity.atol:g}"
        )


def reconcile(committed: str, new: str, quantities: list[Quantity]) -> tuple[str, list[Deviation]]:
    """Compare `quantities` in two texts; return `new` with the numbers that are within tolerance
    replaced by the committed ones, and every deviation found.

    When a quantity has a different number of matches in the two texts nothing of it is
    replaced: the exact comparison that follows then shows the difference in structure.
    """
    deviations: list[Deviation] = []
    replacements: list[tuple[int, int, str]] = []
    for quantity in quantities:
        regex = quantity.regex()
        old_matches, new_matches = list(regex.finditer(committed)), list(regex.finditer(new))
        if len(old_matches) != len(new_matches):
            continue
        for index, (old, fresh) in enumerate(zip(old_matches, new_matches, strict=True)):
            deviation = Deviation(quantity, index, old.group(1), fresh.group(1))
            deviations.append(deviation)
            if deviation.within:
                replacements.append((fresh.start(1), fresh.end(1), old.group(1)))
    text = new
    for start, end, value in sorted(set(replacements), reverse=True):
        text = text[:start] + value + text[end:]
    return text, deviations


def _text_fields(output) -> list[tuple[dict, str]]:
    """The (container, key) pairs holding the text of one output: a stream's or text/plain."""
    if output.get("output_type") == "stream":
        return [(output, "text")]
    data = output.get("data", {})
    return [(data, "text/plain")] if "text/plain" in data else []


def reconcile_outputs(test: list, ref: list, quantities: list[Quantity]):
    """Outputs of a cell with numbers within tolerance set to the committed ones, and deviations."""
    test = copy.deepcopy(test)
    deviations: list[Deviation] = []
    if len(test) != len(ref):
        return test, deviations
    for fresh, old in zip(test, ref, strict=True):
        if fresh.get("output_type") != old.get("output_type"):
            continue
        for (container, key), (old_container, old_key) in zip(
            _text_fields(fresh), _text_fields(old), strict=False
        ):
            text, found = reconcile(old_container[old_key], container[key], quantities)
            container[key] = text
            deviations.extend(found)
    return test, deviations


def failure_report(deviations: list[Deviation], committed: str, new: str) -> list[str]:
    """What a person needs when numbers drift too far: each one, then a diff of the texts."""
    beyond = [d for d in deviations if not d.within]
    lines = [f"{len(beyond)} number(s) beyond tolerance (src/mnist17_tools/tolerances.py):"]
    lines += [f"  {d.describe()}" for d in beyond[:20]]
    if len(beyond) > 20:
        lines.append(f"  ... and {len(beyond) - 20} more")
    diff = difflib.unified_diff(
        committed.splitlines(), new.splitlines(), "committed", "re-executed", lineterm="", n=0
    )
    lines += ["", *list(diff)[:60]]
    return lines


def _joined_text(outputs: list) -> str:
    return "".join(container[key] for output in outputs for container, key in _text_fields(output))


def install(config: pytest.Config, tolerances: dict[str, dict[str, list[Quantity]]]) -> None:
    """Wrap nbval's comparison so that the cells in `tolerances` compare numbers with tolerance."""
    from nbval.plugin import IPyNbCell

    config.stash[_RECORDS] = {}
    exact_compare = IPyNbCell.compare_outputs
    if getattr(exact_compare, "wrapped_by_nbval_numeric", False):
        exact_compare = exact_compare.__wrapped__

    def compare_outputs(self, test, ref, skip_compare=None):
        notebook, cell_id = Path(str(self.fspath)).name, self.cell.get("id", "")
        quantities = tolerances.get(notebook, {}).get(cell_id)
        if not quantities:
            return exact_compare(self, test, ref, skip_compare)
        reconciled, deviations = reconcile_outputs(test, ref, quantities)
        _record(self.config, notebook, cell_id, deviations)
        if any(not d.within for d in deviations):
            self.comparison_traceback = failure_report(
                deviations, _joined_text(ref), _joined_text(test)
            )
            return False
        return exact_compare(self, reconciled, ref, skip_compare)

    compare_outputs.wrapped_by_nbval_numeric = True
    compare_outputs.__wrapped__ = exact_compare
    IPyNbCell.compare_outputs = compare_outputs


def _record(config: pytest.Config, notebook: str, cell_id: str, found: list[Deviation]) -> None:
    records = config.stash[_RECORDS]
    for deviation in found:
        quantity = deviation.quantity
        key = f"{notebook}::{cell_id}::{quantity.name}"
        entry = records.setdefault(
            key, {"largest": 0.0, "values": 0, "beyond": 0, "tolerance": quantity.atol}
        )
        entry["largest"] = max(entry["largest"], deviation.size)
        entry["values"] += 1
        entry["beyond"] += not deviation.within


def recorded(config: pytest.Config) -> dict[str, dict]:
    """Deviations per ``notebook::cell::quantity`` seen so far in this session."""
    return config.stash.get(_RECORDS, {})


def write_report(config: pytest.Config, folder: Path) -> Path:
    """Write the recorded deviations as JSON into `folder` (for `make test-portable`)."""
    path = Path(folder) / REPORT_FILE
    path.write_text(json.dumps(recorded(config), indent=1, sort_keys=True) + "\n")
    return path
