"""Every notebook alone, as Colab or Kaggle opens it (`make test-hosted`).

Each notebook is copied alone into an empty folder outside the checkout and run top to bottom in a
kernel of a venv that holds a hosted runtime's versions (tests/hosted/<set>.txt) and no mnist17.
Its first cell pip-installs the helper package from GitHub; git's own configuration in the kernel's
environment (url.<base>.insteadOf) sends git to a repository of this working tree instead.
"""

import hashlib
import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from mnist17_tools import ROOT, series
from mnist17_tools.run import execute

pytestmark = pytest.mark.hosted
BUILD = ROOT / "build" / "hosted"
GITHUB = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
# What the notebooks import (the rest comes with these), installed at the set's versions.
NEEDED = "pip tensorflow keras numpy matplotlib scikit-learn pillow ipywidgets anywidget ipykernel"
PARAMETERS = {"04_training.ipynb": {"epochs": 2}}  # 05, 06 and 08 read the packaged results
PROBE = (
    "import importlib.metadata as m, importlib.util as u; s = u.find_spec('mnist17');"
    "print(m.version('keras'), m.version('tensorflow'), s and s.origin)"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    sets = metafunc.config.getoption("--hosted-sets").split()
    metafunc.parametrize("package_set", sets, scope="module")


def interpreter(minor: str) -> str:
    """A Python `minor` (3.X) of this machine, of those tools/find-python finds."""
    found = subprocess.run([ROOT / "tools" / "find-python", "--all"], capture_output=True)
    check = f"import sys; assert '%d.%d' % sys.version_info[:2] == '{minor}'"
    for python in found.stdout.decode().split():
        if subprocess.run([python, "-c", check], capture_output=True).returncode == 0:
            return python
    raise AssertionError(f"no Python {minor} here for this package set (tools/find-python --all)")


@pytest.fixture(scope="module")
def python(package_set: str) -> Path:
    """The Python of the set's venv in build/hosted/<set>/, made anew only when the set changes."""
    spec, folder = Path(__file__).with_name(f"{package_set}.txt"), BUILD / package_set
    made, wanted = folder / "made-from", hashlib.sha256(spec.read_bytes() + NEEDED.encode())
    if not made.exists() or made.read_text() != wanted.hexdigest():
        minor = re.search(r"^# python: (3\.\d+)", spec.read_text(), re.M)[1]
        subprocess.run([interpreter(minor), "-m", "venv", "--clear", folder], check=True)
        pip = [folder / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check"]
        subprocess.run([*pip, "-q", *NEEDED.split(), "-c", spec], check=True)
        made.write_text(wanted.hexdigest())
    return folder / "bin" / "python"


@pytest.fixture(scope="session")
def github(tmp_path_factory: pytest.TempPathFactory) -> str:
    """GitHub's stand-in: the file URL of a git repository of this working tree (uncommitted
    changes included), on a branch main."""
    repo = tmp_path_factory.mktemp("repo")
    listed = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    names = subprocess.run(listed, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in names.split("\0"):
        if name and (ROOT / name).is_file():  # not a file deleted but still in git's index
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git = ["git", "-C", repo, "-c", "user.name=test", "-c", "user.email=test@localhost"]
    for step in (["init", "-q", "-b", "main"], ["add", "-A", "-f"], ["commit", "-q", "-m", "tree"]):
        subprocess.run([*git, *step], check=True)
    return repo.as_uri()


@pytest.fixture(scope="session", autouse=True)
def kernelspecs() -> Iterator[None]:
    """papermill finds the kernelspecs of build/hosted/kernels/ through JUPYTER_PATH."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(BUILD))
        yield


def kernel(name: str, python: Path, home: Path, repo: str) -> str:
    """Write the kernelspec `name`: `python`'s kernel, MNIST served offline, HOME `home`, and git
    fetching `repo` where it is asked for GitHub's address of the series."""
    env = {
        "IPYTHONDIR": str(ROOT / "tools" / "ipython"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "HOME": str(home),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{repo}.insteadOf",
        "GIT_CONFIG_VALUE_0": GITHUB,
    }
    home.mkdir(exist_ok=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": name, "language": "python", "env": env}
    (BUILD / "kernels" / name).mkdir(parents=True, exist_ok=True)
    (BUILD / "kernels" / name / "kernel.json").write_text(json.dumps(spec, indent=1))
    return name


def without_mnist17(python: Path) -> list[str]:
    """Uninstall mnist17 from `python`'s venv; return keras's and tensorflow's versions there."""
    subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "mnist17"], capture_output=True)
    *versions, where = installed(python)
    assert where == "None"
    return versions


def installed(python: Path) -> list[str]:
    """keras's and tensorflow's versions in `python`'s venv, and mnist17's file ("None": none)."""
    probe = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, check=True)
    return probe.stdout.split()


def first_cell_said(nb: nbformat.NotebookNode) -> str:
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    return "".join(output.get("text", "") for output in first.outputs)


@pytest.mark.parametrize("notebook", series(), ids=lambda path: path.stem)
def test_the_notebook_runs_alone_after_its_first_cell_installed_mnist17(
    notebook: Path, package_set: str, python: Path, github: str, tmp_path: Path
) -> None:
    name = kernel(f"hosted-{package_set}", python, tmp_path / "home", github)
    versions = without_mnist17(python)
    work = tmp_path / "work"  # nothing but the notebook: 04 never ran here
    work.mkdir()
    shutil.copy(notebook, work)
    # execute refuses an error and any output on stderr.
    parameters = PARAMETERS.get(notebook.name)
    nb = execute(work / notebook.name, tmp_path / notebook.name, work, parameters, kernel=name)
    assert first_cell_said(nb).endswith("Installed.\n")
    *after, where = installed(python)
    assert Path(where).is_relative_to(python.parent.parent)  # in the venv, from the repository
    assert after == versions  # --no-deps: the host's keras and tensorflow stay as they were


def test_without_network_the_first_cell_says_to_turn_it_on(
    package_set: str, python: Path, tmp_path: Path
) -> None:
    nowhere = (tmp_path / "no-such-repository").as_uri()
    name = kernel(f"hosted-{package_set}-offline", python, tmp_path / "home", nowhere)
    without_mnist17(python)
    nb = nbformat.read(series()[0], as_version=4)
    nb.cells = [next(cell for cell in nb.cells if cell.cell_type == "code")]
    nbformat.write(nb, tmp_path / "first.ipynb")
    executed = execute(tmp_path / "first.ipynb", tmp_path / "executed.ipynb", tmp_path, kernel=name)
    assert first_cell_said(executed).splitlines()[-1] == "Turn on internet access; rerun this cell."
    assert installed(python)[2] == "None"
