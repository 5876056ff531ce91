"""Links to the hosted runtimes and each notebook's first cell (mnist17_tools/links.py) agree with
their one home, pyproject.toml's [project.urls], and `make links` rewrites them all from it."""

import re
import shutil
import subprocess

import nbformat
import pytest
from helpers import ROOT, notebooks

from mnist17_tools import links
from mnist17_tools.series import series


def test_every_link_and_first_cell_is_that_of_the_home():
    assert links.problems(ROOT) == []


def test_the_home_is_the_post_authors_account_and_the_main_branch():
    assert links.home(ROOT) == ("pw598/mnist-in-17-lines", "main")


def test_each_notebook_opens_itself_on_each_runtime():
    for path, nb in zip(series(), notebooks(), strict=True):
        title = "".join(nb["cells"][0]["source"])
        found = dict(
            re.findall(r"\[(Open in Colab|Open in Kaggle|Launch Binder)\]\(([^)]+)\)", title)
        )
        assert found == {
            "Open in Colab": "https://colab.research.google.com/github/pw598/mnist-in-17-lines"
            f"/blob/main/notebooks/{path.name}",
            "Open in Kaggle": "https://kaggle.com/kernels/welcome?src=https://github.com/pw598"
            f"/mnist-in-17-lines/blob/main/notebooks/{path.name}",
            "Launch Binder": "https://mybinder.org/v2/gh/pw598/mnist-in-17-lines/main"
            f"?urlpath=lab/tree/notebooks/{path.name}",
        }


@pytest.fixture
def repo_copy(tmp_path):
    """The notebooks, README and pyproject.toml of this checkout, copied."""
    copy = tmp_path / "repo"
    (copy / "notebooks").mkdir(parents=True)
    for path in series():
        shutil.copy2(path, copy / "notebooks" / path.name)
    for name in ("README.md", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


def run_links(copy, *args: str) -> subprocess.CompletedProcess:
    from helpers import run_module

    return run_module("links", *args, env={"MNIST17_ROOT": str(copy)}, cwd=copy)


def test_make_links_rewrites_every_link_and_first_cell_from_a_new_home(repo_copy):
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        .replace("pw598/mnist-in-17-lines", "someone/fork")
        .replace("tree/main/notebooks", "tree/teaching/notebooks")
    )
    checked = run_links(repo_copy, "--check")
    assert checked.returncode == 1
    assert "notebooks/04_training.ipynb: the links under its title are not those of" in (
        checked.stderr
    )
    before = {p.name: nbformat.read(p, as_version=4) for p in (repo_copy / "notebooks").iterdir()}
    assert run_links(repo_copy).returncode == 0
    assert run_links(repo_copy, "--check").returncode == 0
    for path in (repo_copy / "notebooks").iterdir():
        after = nbformat.read(path, as_version=4)
        code = next(c for c in after.cells if c.cell_type == "code")
        assert 'SERIES, BRANCH = "someone/fork", "teaching"' in code.source
        # Nothing was re-run: every output is as committed.
        assert [c.get("outputs") for c in after.cells] == [
            c.get("outputs") for c in before[path.name].cells
        ]
    readme = (repo_copy / "README.md").read_text()
    assert "pw598/mnist-in-17-lines" not in readme.split("## Credits")[0].split("## The results")[0]
    assert "https://codespaces.new/someone/fork/tree/teaching?quickstart=1" in readme


def test_a_home_that_is_not_a_github_repository_is_refused_in_one_line(repo_copy):
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("https://github.com/pw598", "https://x.org/a", 1)
    )
    result = run_links(repo_copy)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "[project.urls] needs Repository" in result.stderr


def test_on_github_a_fork_gets_a_notice_not_a_failure(monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/fork")
    notice = links.github_notice("pw598/mnist-in-17-lines")
    assert notice.startswith("::notice title=Links point to pw598/mnist-in-17-lines::")
    assert "run `make links`" in notice
    monkeypatch.setenv("GITHUB_REPOSITORY", "pw598/mnist-in-17-lines")
    assert links.github_notice("pw598/mnist-in-17-lines") is None
