"""`make links`: each notebook's header and install cell, and the README's links, follow
pyproject.toml's [project.urls]; `--check` lists what does not."""

import shutil

import nbformat
import pytest

from mnist17_tools import ROOT, links, series


@pytest.fixture
def copy(tmp_path):
    """The notebooks, README.md and pyproject.toml of this checkout, copied."""
    (tmp_path / "notebooks").mkdir()
    for path in [*series(), ROOT / "README.md", ROOT / "pyproject.toml"]:
        shutil.copy2(path, tmp_path / path.relative_to(ROOT))
    return tmp_path


def files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in [*series(folder), folder / "README.md"]}


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_new_repository_rewrites_the_links_and_install_cells_and_nothing_else(copy):
    edit(copy / "pyproject.toml", "pw598/mnist-in-17-lines", "someone/fork")
    edit(copy / "pyproject.toml", "tree/main/notebooks", "tree/teaching/notebooks")
    before = {p.name: nbformat.read(p, as_version=4) for p in series(copy)}
    assert links.main(["--check"], root=copy) == 1
    assert links.main([], root=copy) == 0
    assert links.main(["--check"], root=copy) == 0  # a second run would change nothing
    colab = "https://colab.research.google.com/github/someone/fork/blob/teaching/notebooks"
    for path in series(copy):
        nb = nbformat.read(path, as_version=4)
        assert f"[Open in Colab]({colab}/{path.name})" in nb.cells[0].source
        assert "%pip install -q --no-deps git+https://github.com/someone/fork@teaching\n" in (
            nb.cells[1].source
        )
        assert nb.cells[2:] == before[path.name].cells[2:]  # the lessons and their outputs kept
    readme = (copy / "README.md").read_text()
    assert "github.com/pw598/mnist-in-17-lines/blob" not in readme
    assert readme.count("[Binder](https://mybinder.org/v2/gh/someone/fork/teaching?") == 9
    assert "https://codespaces.new/someone/fork/tree/teaching?quickstart=1" in readme


def test_check_lists_a_stale_link_a_hand_edited_first_cell_and_a_wrong_series_line(copy, capsys):
    notebooks = copy / "notebooks"
    edit(notebooks / "02_preparing_the_data.ipynb", "blob/main/notebooks/02", "blob/x/notebooks/02")
    edit(notebooks / "03_model_definition.ipynb", "-q --no-deps git+", "-q git+")
    count = len(series())  # the series' length, whatever notebooks it holds
    edit(notebooks / "04_training.ipynb", f"notebook 4 of {count}", f"notebook 4 of {count - 1}")
    edit(copy / "README.md", "mnist-in-17-lines/main?urlpath=lab/tree/notebooks/05", "x")
    assert links.main(["--check"], root=copy) == 1
    assert capsys.readouterr().out.splitlines()[:-1] == [
        "differs: notebooks/02_preparing_the_data.ipynb",
        "differs: notebooks/03_model_definition.ipynb",
        "differs: notebooks/04_training.ipynb",
        "differs: README.md",
    ]
    assert links.main([], root=copy) == 0
    assert files(copy) == files(ROOT)  # each notebook's own prose kept, the rest as committed


def test_a_new_notebook_gets_its_header_and_install_cell_and_the_last_its_next(copy):
    *_, last = series(copy)
    n = len(series(copy)) + 1
    title = nbformat.v4.new_markdown_cell(f"# {n} · More\n\nProse.")
    cells = [title, nbformat.v4.new_code_cell("1")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), copy / "notebooks" / f"{n}_more.ipynb")
    assert links.main([], root=copy) == 0
    new = nbformat.read(copy / "notebooks" / f"{n}_more.ipynb", as_version=4)
    heading, place, online, prose = new.cells[0].source.split("\n\n")
    assert (heading, prose) == (f"# {n} · More", "Prose.")
    assert place.endswith(f"notebook {n} of {n} · previous: `{last.stem}` · next: —")
    assert online.startswith("**Run it online:** [Open in Colab](")
    assert "git+https://github.com/pw598/mnist-in-17-lines@main" in new.cells[1].source
    assert new.cells[2].source == "1"
    assert f"notebook {n - 1} of {n} ·" in last.read_text()
    assert last.read_text().count(f"next: `{n}_more`") == 1
