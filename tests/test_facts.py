"""One home per fact, and every copy of it checked against that home:

- the pinned versions: `requirements*.txt` (pip's: `PIP_VERSION` in tools/setup-venv);
- the supported Pythons: `requires-python` in pyproject.toml;
- the post's settings: notebook 04's parameters cell (`mnist17_tools.run.post_settings()`);
- the notebooks, the figures each saves and 04's results: the notebooks (the README's tables);
- the make targets: the Makefile (README.md and docs/ name them);
- timings: each paragraph of the docs that gives one names its machine and its date.
"""

import re
import tomllib

import pytest
import yaml
from helpers import ROOT, code_cells, notebooks, source_of, text_of

from mnist17_tools import series
from mnist17_tools.run import post_settings

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROSE = [
    *PAGES,
    ROOT / "environment.yml",
    ROOT / "Makefile",
    *(p for p in (ROOT / "tools").iterdir() if p.is_file()),
    *(ROOT / ".github" / "workflows").glob("*.yml"),
]
# The names prose uses for pinned packages, and their distributions.
PACKAGES = {
    "TensorFlow": "tensorflow",
    "Keras": "keras",
    "NumPy": "numpy",
    "JAX": "jax",
    "PyTorch": "torch",
    "scikit-learn": "scikit-learn",
    "matplotlib": "matplotlib",
    "nbval": "nbval",
    "papermill": "papermill",
    "JupyterLab": "jupyterlab",
    "ipywidgets": "ipywidgets",
    "anywidget": "anywidget",
    "Pillow": "pillow",
    "uv": "uv",
    "ruff": "ruff",
    "Playwright": "playwright",
    "Sphinx": "sphinx",
    "MyST-NB": "myst-nb",
    "pip": "pip",
}
VERSION_IN_PROSE = re.compile(rf"\b({'|'.join(map(re.escape, PACKAGES))}) (\d+\.\d+\.\d+)\b")
# Paragraphs about versions that are not ours: what a hosted runtime or another system ships.
NOT_OURS = re.compile(r"Colab|Kaggle|Debian|hosted|host's|newest|changed to|[Ww]as (?:pinned|at)")


def paragraphs():
    """(where, paragraph) of every page, file of prose and notebook's markdown."""
    for path in PROSE:
        for number, block in enumerate(re.split(r"\n\s*\n", path.read_text()), 1):
            yield f"{path.relative_to(ROOT)}, paragraph {number}", block
    for path, nb in zip(series(), notebooks(), strict=True):
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                yield from ((path.name, b) for b in re.split(r"\n\s*\n", source_of(cell)))


def test_every_version_named_in_prose_is_the_pinned_one():
    pinned = {
        m[1].lower(): m[2]
        for path in ROOT.glob("requirements*.txt")
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", path.read_text(), re.M)
    }
    pinned["pip"] = re.search(r"^PIP_VERSION=(\S+)", (ROOT / "tools/setup-venv").read_text(), re.M)[
        1
    ]
    named = 0
    for where, block in paragraphs():
        if not NOT_OURS.search(block):
            for name, version in VERSION_IN_PROSE.findall(block):
                named += 1
                assert pinned.get(PACKAGES[name]) == version, f"{where}: {name} {version}"
    assert named > 5  # the check reads the prose that names versions


def test_the_supported_pythons_are_those_of_pyproject_everywhere():
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low, high = map(int, re.fullmatch(r">=3\.(\d+),<3\.(\d+)", spec).groups())
    pythons = [f"3.{minor}" for minor in range(low, high)]  # ["3.11", "3.12", "3.13"]
    text = f"{', '.join(pythons[:-1])} and {pythons[-1]}"  # "3.11, 3.12 and 3.13"
    find_python = (ROOT / "tools" / "find-python").read_text()
    assert f"SUPPORTED=({' '.join(pythons)})" in find_python
    assert f'SUPPORTED_TEXT="{text}"' in find_python
    locks = sorted(p.name for p in (ROOT / "constraints").glob("python3.*.txt"))
    assert locks == [f"python{minor}.txt" for minor in pythons]
    loop = re.search(
        r"^for python in (.*); do$", (ROOT / "tools/make-constraints").read_text(), re.M
    )
    assert [version.rsplit(".", 1)[0] for version in loop[1].split()] == pythons
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python"] == pythons
    # conda and Binder install the lock file of the Python they name.
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    minor = next(d for d in conda if str(d).startswith("python="))[len("python=") :]
    assert conda[-1]["pip"] == ["-r requirements.txt", f"-c constraints/python{minor}.txt", "-e ."]
    binder = (ROOT / ".binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    assert (
        f"-c ../constraints/python{binder}.txt" in (ROOT / ".binder/requirements.txt").read_text()
    )
    assert {minor, binder} <= set(pythons)
    for where, block in paragraphs():
        for listed in re.findall(r"\b3\.\d+(?:, 3\.\d+)+,? (?:and|or) 3\.\d+\b", block):
            assert listed.replace(" or ", " and ") == text, f"{where}: Python {listed}"
        for first, last in re.findall(r"\b(3\.\d+)(?:-| to )(3\.\d+)\b", block):
            assert [first, last] == [pythons[0], pythons[-1]], f"{where}: {first} to {last}"


def test_every_copy_of_the_posts_settings_is_notebook_04s():
    settings = post_settings()
    copies = re.compile(
        r"(?:set_random_seed\(|\b(seed|epochs|batch_size|learning_rate) ?= ?)([\d.]+)"
    )
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


def test_the_readme_lists_every_notebook_in_order_with_the_figures_it_saves():
    rows = re.findall(
        r"^\| \[`(\d\d_\w+)`\]\(notebooks/(\d\d_\w+)\.ipynb\) \|[^|]*\|([^|]*)\|",
        (ROOT / "README.md").read_text(),
        re.M,
    )
    assert [(name, target) for name, target, _ in rows] == [(p.stem, p.stem) for p in series()]
    saves = re.compile(r"save_(?:fig|model_summary)\((?:\w+, )?\"([\w-]+)\"")
    for (name, _, figures), nb in zip(rows, notebooks(), strict=True):
        saved = [found for cell in code_cells(nb) for found in saves.findall(source_of(cell))]
        assert re.findall(r"`([\w-]+)\.png`", figures) == saved, name


def test_the_readmes_results_are_those_04_printed():
    (nb,) = [nb for p, nb in zip(series(), notebooks(), strict=True) if p.name.startswith("04_")]
    (cell,) = [c for c in code_cells(nb) if "beside the post's" in source_of(c)]
    printed = re.findall(r"^(\w+) +(\S+) +(\S+) +\S+$", text_of(cell["outputs"][0]), re.M)
    readme = (ROOT / "README.md").read_text()
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


DURATION = re.compile(r"\b\d+(?:\.\d+)? ?(?:s|min|minutes|seconds|ms)\b(?!/)")
# Durations that are settings or limits, not measurements: `CELL_TIMEOUT=3600`, "default 1800 s".
LIMIT = re.compile(
    r"`[^`]*`|(?:up to|default|at most|limit of|limit is|budget|within|under|past|allow[a-z]*)"
    r" (?:about |each cell |of )?\d+(?:\.\d+)? ?(?:s|min|minutes|seconds)\b"
)
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
MACHINE = re.compile(r"AMD EPYC|Intel Xeon|Apple|GitHub|runner|this machine|the machine above")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_timing_in_the_docs_names_its_machine_and_date(page):
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", page.read_text()):
        if blocks and blocks[-1].rstrip().endswith(":"):  # it introduces the next block
            blocks[-1] += "\n" + block
        else:
            blocks.append(block)
    for block in blocks:
        if DURATION.search(LIMIT.sub("", block)) and not block.lstrip().startswith("```"):
            assert DATE.search(block) and MACHINE.search(block), f"{page.name}: {block[:200]!r}"
