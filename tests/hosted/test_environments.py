"""Binder's and Codespaces' set-ups (`.binder/`, `.devcontainer/`), executed here as far as a
machine without Docker can: their steps in a fresh copy of the checkout's files and a fresh
virtual environment, and the devcontainer's keys against the schema of the Dev Container spec
(tests/hosted/devContainer.base.schema.json, devcontainers/spec at c95ffee, CC BY 4.0)."""

import json
import re
import subprocess

import pytest
from helpers import ROOT, assert_pad_extensions_enabled

from mnist17_tools.checkout import copy_checkout
from mnist17_tools.hosted_runtimes import interpreter

pytestmark = pytest.mark.hosted
DEVCONTAINER = ROOT / ".devcontainer" / "devcontainer.json"
SCHEMA = ROOT / "tests" / "hosted" / "devContainer.base.schema.json"


def pinned(name: str) -> str:
    return re.search(rf"^{name}==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)[1]


def offline(env: dict) -> dict:
    """Binder and Codespaces download MNIST; here the verified copy stands in for the download."""
    return {**env, "MNIST_NPZ": str(ROOT / "data" / "mnist.npz")}


def test_binders_steps_give_the_pins_the_helper_package_and_mnist(tmp_path):
    clone = copy_checkout(tmp_path / "repo", dataset=False)
    minor = re.fullmatch(r"python-(3\.\d+)\n", (clone / ".binder" / "runtime.txt").read_text())[1]
    venv = tmp_path / "binder-venv"
    subprocess.run([interpreter(minor, ROOT), "-m", "venv", str(venv)], check=True)
    env = offline({"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path / "home")})
    # What repo2docker runs, from the repository's root: pip on .binder/requirements.txt, postBuild.
    subprocess.run(
        [venv / "bin" / "pip", "install", "--quiet", "-r", ".binder/requirements.txt"],
        cwd=clone,
        env=env,
        check=True,
    )
    subprocess.run(["./.binder/postBuild"], cwd=clone, env=env, check=True)
    probe = "import mnist17.paths, tensorflow, keras; print(mnist17.paths.root())"
    found = subprocess.run(
        [venv / "bin" / "python", "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == str(clone), found.stderr
    assert (clone / "data" / ".mnist.npz.verified").exists()
    lab = subprocess.run(
        [venv / "bin" / "jupyter", "lab", "--version"], env=env, capture_output=True, text=True
    )
    assert lab.stdout.strip() == pinned("jupyterlab")
    extensions = subprocess.run(
        [venv / "bin" / "jupyter", "labextension", "list"], env=env, capture_output=True, text=True
    )
    assert_pad_extensions_enabled(extensions.stdout + extensions.stderr)


def test_the_devcontainer_uses_only_the_properties_of_the_spec():
    import jsonschema

    config = json.loads(DEVCONTAINER.read_text())
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    assert [error.message for error in validator.iter_errors(config)] == []
    # The schema catches a misspelt key ...
    assert list(validator.iter_errors({**config, "postCreateComand": "make setup"}))
    # ... but leaves `customizations` to each tool: VS Code's and Codespaces' keys, by hand.
    vscode, codespaces = config["customizations"]["vscode"], config["customizations"]["codespaces"]
    assert set(config["customizations"]) == {"vscode", "codespaces"}
    assert set(vscode) == {"extensions", "settings"} and set(codespaces) == {"openFiles"}
    assert vscode["extensions"] == ["ms-python.python", "ms-toolsai.jupyter"]
    assert all((ROOT / path).is_file() for path in codespaces["openFiles"])
    lab_port = re.search(r"^LAB_PORT \?= (\d+)", (ROOT / "Makefile").read_text(), re.M)[1]
    assert config["forwardPorts"] == [int(lab_port)]  # `make lab`'s JupyterLab


def test_the_devcontainers_command_sets_up_a_fresh_copy(tmp_path):
    config = json.loads(DEVCONTAINER.read_text())
    clone = copy_checkout(tmp_path / "repo", dataset=False)
    minor = re.search(r"python:(3\.\d+)", config["image"])[1]  # the image's Python
    env = offline(
        {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "PYTHON": interpreter(minor, ROOT),
        }
    )
    subprocess.run(["bash", "-c", config["postCreateCommand"]], cwd=clone, env=env, check=True)
    found = subprocess.run(
        [clone / ".venv" / "bin" / "python", "-c", "import mnist17, tensorflow; print('ok')"],
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == "ok", found.stderr
    assert (clone / "data" / ".mnist.npz.verified").exists()
