"""The repo as a newcomer meets it: one environment definition, a Makefile that explains itself
and sets up once, and nothing generated tracked by git."""

import re
import shutil
import subprocess

import yaml
from helpers import ROOT, make


def pins(path) -> dict[str, str]:
    """`name==version` lines of a requirements file, names normalized, markers ignored."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line.strip())
        if match:
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


SUPPORTED = ("3.11", "3.12", "3.13")


def lock_files() -> dict[str, object]:
    return {minor: ROOT / "constraints" / f"python{minor}.txt" for minor in SUPPORTED}


def test_environment_yml_installs_the_same_pins_as_make_setup():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] and env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    (python,) = [d for d in deps if isinstance(d, str) and d.startswith("python=")]
    minor = python.removeprefix("python=")
    assert minor in SUPPORTED and "pip" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    # One source of truth: conda's pip reads the very files `make setup` installs from.
    assert pip_section == ["-r requirements.txt", f"-c constraints/python{minor}.txt", "-e ."]
    setup = (ROOT / "tools" / "setup-venv").read_text()
    assert "requirements.txt" in setup and "constraints=constraints/python$minor.txt" in setup


def test_every_supported_python_has_a_lock_that_agrees_with_the_requirements():
    lines = [
        line
        for name in ("requirements.txt", "requirements-browser.txt", "requirements-tools.txt")
        for line in (ROOT / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line for line in lines), "every direct dependency is pinned with =="
    direct = {
        **pins(ROOT / "requirements.txt"),
        **pins(ROOT / "requirements-browser.txt"),
        **pins(ROOT / "requirements-tools.txt"),
    }
    for minor, lock in lock_files().items():
        assert lock.exists(), f"no lock file for Python {minor}: run `make constraints`"
        locked = pins(lock)
        # One universal resolution for every platform (make check-platforms checks the wheels).
        assert f"Resolved on Python {minor} by uv, universal" in lock.read_text()
        for name, version in direct.items():
            assert locked.get(name) == version, (
                f"{name}: requirements {version}, {lock.name} {locked.get(name)}"
            )
        assert "pip" in locked, "pip itself is pinned, so that setup upgrades an old one"
    for name in ("keras", "tensorflow-cpu", "tensorflow", "nbval", "papermill", "jupyterlab"):
        assert name in direct


def test_supported_pythons_agree_everywhere():
    text = "3.11, 3.12 and 3.13"
    assert text in (ROOT / "tools" / "find-python").read_text()
    assert text in (ROOT / "README.md").read_text()
    assert "3.11, 3.12 and 3.13" in (ROOT / "environment.yml").read_text()
    project = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11,<3.14"' in project


def test_make_help_is_the_default_and_lists_every_target():
    result = make()
    assert result.returncode == 0
    phony = re.search(r"^\.PHONY: (.*)$", (ROOT / "Makefile").read_text(), re.M)[1].split()
    for target in phony:
        assert re.search(rf"^  make {re.escape(target)}\s+\S", result.stdout, re.M), target


def test_second_make_setup_does_nothing():
    # `make test` ran `make setup` already; a second one must find everything up to date.
    result = make("--no-print-directory", "setup")
    assert result.returncode == 0
    assert result.stdout.strip() == "" and result.stderr.strip() == ""


def test_generated_files_are_ignored_and_no_dataset_is_tracked():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [path for path in tracked if path.startswith("data/")] == [
        "data/.gitignore",
        "data/README.md",
    ]
    assert not [p for p in tracked if p.endswith((".npz", ".keras", ".h5"))]
    for generated in (".venv", "data/mnist.npz", "build/x", "artifacts/model.keras", ".x.part"):
        ignored = subprocess.run(["git", "check-ignore", "-q", generated], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f"{generated} is not ignored by git"


def test_make_test_book_without_npm_says_in_one_line_what_to_install(tmp_path):
    # An empty PATH: no npm (make and bash are called by their full paths).
    axe = tmp_path / "axe" / "axe.min.js"
    result = subprocess.run(
        [shutil.which("make"), f"AXE={axe}", str(axe)],
        cwd=ROOT,
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if "npm" in line]
    assert len(lines) == 1 and "apt-get install npm" in lines[0] and "brew install node" in lines[0]
    assert not axe.exists()
