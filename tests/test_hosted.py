"""mnist17.hosted: what the first cell of a notebook says on a hosted runtime, and which of the
host's versions the series supports (the runs on hosted package sets: tests/hosted/)."""

import sys

import pytest

from mnist17 import hosted

COMMITTED = hosted.committed_versions()


def minor_step(version: str, step: int) -> str:
    major, minor = version.split(".")[:2]
    return f"{major}.{int(minor) + step}.0"


def test_in_a_checkout_the_first_cell_says_in_one_line_that_it_fetched_nothing(capsys):
    hosted.prepare("mnist-in-17-lines-main")
    said = capsys.readouterr().out
    assert said.startswith("A checkout of the series, nothing to fetch: Python ")
    assert said.count("\n") == 1 and "Keras " in said and "Traceback" not in said
    versions = hosted.here()
    assert f"Keras {versions['keras']} on TensorFlow {versions['tensorflow']}" in said


def test_versions_in_the_supported_range_need_no_advice():
    oldest = {name: f"{minor}.0" for name, minor in hosted.OLDEST.items()}
    for versions in (COMMITTED, {**COMMITTED, **oldest}):
        assert hosted.advice(versions, COMMITTED) == []


@pytest.mark.parametrize("package", sorted(hosted.OLDEST))
def test_a_version_outside_the_range_gets_one_line_saying_what_to_do(package):
    older = minor_step(f"{hosted.OLDEST[package]}.0", -1)
    newer = minor_step(COMMITTED[package], 1)
    name = hosted.NAMES[package]  # as readers know it: TensorFlow, Keras
    for version, says in (
        (older, f"{name} {older} is older than this series supports ({hosted.OLDEST[package]}"),
        (newer, f"{name} {newer} is newer than any this series was tried with"),
        ("not installed", f"{name} is not installed here: pip install {package}=="),
    ):
        (line,) = hosted.advice({**COMMITTED, package: version}, COMMITTED)
        assert says in line and "\n" not in line
        assert version == "not installed" or "Change runtime version" in line


def test_the_runtime_is_told_by_what_colab_and_kaggle_leave_in_the_kernel(monkeypatch):
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    assert hosted.runtime() == ""
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert hosted.runtime() == "Kaggle"
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert hosted.runtime() == "Colab"
