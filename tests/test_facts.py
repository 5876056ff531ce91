"""One home per fact, every copy checked against it: pins (requirements*.txt), supported Pythons
(pyproject.toml), the post's settings (04's parameters cell), notebooks and make targets."""

import re
import tomllib

import pytest
import yaml
from helpers import ROOT, code_cells, notebooks, source_of, text_of

from mnist17_tools import series
from mnist17_tools.run import post_settings

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OTHERS = [ROOT / "environment.yml", ROOT / "Makefile", *(ROOT / ".github/workflows").glob("*")]
PROSE = [*PAGES, *OTHERS, *(p for p in (ROOT / "tools").iterdir() if p.is_file())]
# Paragraphs about versions that are not ours: what a hosted runtime or another system ships.
NOT_OURS = re.compile(r"Colab|Kaggle|Debian|hosted|host's|newest|changed to|[Ww]as (?:pinned|at)")


def paragraphs():
    """(where, paragraph) of every page, file of prose and notebook's markdown."""
    for path in PROSE:
        for number, block in enumerate(re.split(r"\n\s*\n", path.read_text()), 1):
            yield f"{path.relative_to(ROOT)}, paragraph {number}", block
    for path, nb in zip(series(), notebooks(), strict=True):
        for cell in (c for c in nb["cells"] if c["cell_type"] == "markdown"):
            yield from ((path.name, b) for b in re.split(r"\n\s*\n", source_of(cell)))


def test_every_pinned_package_named_with_a_version_in_prose_has_the_pinned_one():
    pinned = {
        m[1].lower(): m[2]
        for path in ROOT.glob("requirements*.txt")
        for m in re.finditer(r"^([\w.-]+)==([^\s;]+)", path.read_text(), re.M)
    }
    setup_venv = (ROOT / "tools/setup-venv").read_text()
    pinned["pip"] = re.search(r"^PIP_VERSION=(\S+)", setup_venv, re.M)[1]
    pinned["pytorch"] = pinned["torch"]
    named = [
        (where, name, version)
        for where, block in paragraphs()
        if not NOT_OURS.search(block)
        for name, version in re.findall(r"\b([A-Za-z][\w-]*) (\d+\.\d+\.\d+)\b", block)
        if name.lower() in pinned
    ]
    assert len(named) > 5  # the check reads the prose that names versions
    for where, name, version in named:
        assert pinned[name.lower()] == version, f"{where}: {name} {version}"


def test_the_supported_pythons_are_those_of_pyproject_everywhere():
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low, high = map(int, re.fullmatch(r">=3\.(\d+),<3\.(\d+)", spec).groups())
    pythons = [f"3.{minor}" for minor in range(low, high)]  # ["3.11", "3.12", "3.13"]
    assert f"SUPPORTED=({' '.join(pythons)})" in (ROOT / "tools/find-python").read_text()
    locks = sorted(p.stem.removeprefix("python") for p in (ROOT / "constraints").glob("python*"))
    make_constraints = (ROOT / "tools/make-constraints").read_text()
    loop = re.search(r"^for python in (.*); do$", make_constraints, re.M)
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())["jobs"]["test"]
    assert locks == [v.rsplit(".", 1)[0] for v in loop[1].split()] == pythons
    assert ci["strategy"]["matrix"]["python"] == pythons
    # conda and Binder install the lock file of the Python they name.
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    minor = next(d for d in conda if str(d).startswith("python="))[len("python=") :]
    assert f"-c constraints/python{minor}.txt" in conda[-1]["pip"] and minor in pythons
    binder = (ROOT / ".binder/runtime.txt").read_text().strip().removeprefix("python-")
    binder_pip = (ROOT / ".binder/requirements.txt").read_text()
    assert f"-c ../constraints/python{binder}.txt" in binder_pip and binder in pythons
    text = f"{', '.join(pythons[:-1])} and {pythons[-1]}"  # "3.11, 3.12 and 3.13"
    for where, block in paragraphs():
        for listed in re.findall(r"\b3\.\d+(?:, 3\.\d+)+,? (?:and|or) 3\.\d+\b", block):
            assert listed.replace(" or ", " and ") == text, f"{where}: Python {listed}"
        for first, last in re.findall(r"\b(3\.\d+)(?:-| to )(3\.\d+)\b", block):
            assert [first, last] == [pythons[0], pythons[-1]], f"{where}: {first} to {last}"


def test_every_copy_of_the_posts_settings_is_notebook_04s():
    settings = post_settings()
    names = "seed|epochs|batch_size|learning_rate"
    copies = re.compile(rf"(?:set_random_seed\(|\b({names}) ?= ?)([\d.]+)")
    found = [
        (path.name, name or "seed", float(value))
        for path, nb in zip(series(), notebooks(), strict=True)
        for cell in code_cells(nb)
        if "solution" not in cell["metadata"].get("tags", [])  # exercises change them on purpose
        for name, value in copies.findall(source_of(cell))
    ]
    assert len(found) >= 8  # 04's parameters, the 17 lines of 07, the seeds of 03 and 07
    for where, name, value in found:
        assert value == settings[name], f"{where}: {name} {value}, notebook 04: {settings[name]}"


def test_the_readme_lists_each_notebook_its_figures_and_04s_results():
    readme = (ROOT / "README.md").read_text()
    row = r"^\| \[`(\d\d_\w+)`\]\(notebooks/\1\.ipynb\) \|[^|]*\|([^|]*)\|"
    rows = re.findall(row, readme, re.M)
    assert [name for name, _ in rows] == [p.stem for p in series()]
    saves = re.compile(r"save_(?:fig|model_summary)\((?:\w+, )?\"([\w-]+)\"")
    for (name, figures), nb in zip(rows, notebooks(), strict=True):
        saved = [found for cell in code_cells(nb) for found in saves.findall(source_of(cell))]
        assert re.findall(r"`([\w-]+)\.png`", figures) == saved, name
    (cell,) = [c for c in code_cells(notebooks()[3]) if "beside the post's" in source_of(c)]
    printed = re.findall(r"^(\w+) +(\S+) +(\S+) +\S+$", text_of(cell["outputs"][0]), re.M)
    for label, column in (("this repo", 1), ("the post", 2)):
        row = re.search(rf"^\| {label} \| (.*) \|$", readme, re.M)[1].split(" | ")
        assert row == [line[column] for line in printed], label


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_make_target_the_docs_name_is_in_the_makefile(page):
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    code = re.findall(r"```.*?```|`[^`\n]+`", page.read_text(), re.S)
    command = re.compile(r"^\s*(?:[A-Z_]+=\S+ )*make ([a-z][a-z-]*)", re.M)
    named = {target for span in code for target in command.findall(span.strip("`"))}
    assert named <= targets, f"{page.name} names make targets the Makefile lacks: {named - targets}"
