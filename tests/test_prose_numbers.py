"""Every number in a notebook's prose that looks measured (0.9077, 91%, 235,146) is one that the
notebook's own outputs print, so that a rerun that changes it cannot leave the sentence behind;
the few that are settings or sizes of the dataset, not measurements, are listed with why."""

import json
import re

import pytest
from helpers import text_of

from mnist17_tools import series

MEASURED_LOOKING = re.compile(
    r"\d+(?:\.\d+)?%|(?<![\d.])\d+\.\d{2,}(?!\d|\.\d)|\b\d{1,3}(?:,\d{3})+\b"  # 0.91. counts
)
SIZES = {
    "60,000": "training images",
    "10,000": "test images, or validation images held out",
    "70,000": "all of MNIST",
    "50,000": "training images left beside 10,000 for validation",
}
NOT_MEASURED = {
    "03": {"2.718": "the constant e"},
    "04": {
        "1,000": "how many images the untrained loss is computed on",
        "0.01": "a setting",
        "0.95": "an exercise's target",
    },
    "05": {"90%": "a quote of the post", "2,000": "how many test images exercise 4 validates on"},
    "07": {"0.95": "an exercise's target"},
    "09": {"0.01": "a setting", "0.001": "a setting"},
}


def unbacked(name: str, nb: dict) -> list[str]:
    """The measured-looking numbers of notebook `name`'s prose that none of its outputs prints."""
    cells = nb["cells"]
    prose = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    printed = " ".join(text_of(o) for c in cells if c["cell_type"] == "code" for o in c["outputs"])
    allowed = SIZES | NOT_MEASURED.get(name[:2], {})
    return [
        n
        for n in sorted(set(MEASURED_LOOKING.findall(prose)))
        if n not in allowed and n not in printed and n.replace(",", "") not in printed
    ]


@pytest.mark.parametrize("path", series(), ids=lambda p: p.name)
def test_every_measured_number_in_the_prose_is_printed_by_the_notebook(path):
    assert unbacked(path.name, json.loads(path.read_text())) == []


def test_a_number_that_no_output_prints_is_caught():
    nb = json.loads(series()[3].read_text())
    nb["cells"].append({"cell_type": "markdown", "source": ["It ends at 99.9%, or 0.9999."]})
    assert unbacked(series()[3].name, nb) == ["0.9999", "99.9%"]
