"""One home per fact: each fact a reader or maintainer would change lives in one place, and every
copy of it (prose, messages, other files) is checked against that place here.

- the pinned versions: `requirements*.txt` (pip's: `PIP_VERSION` in tools/setup-venv);
- the supported Pythons: `requires-python` in pyproject.toml;
- the seed: `TrainingParams`' default in mnist17/params.py;
- the notebooks and the figures each saves: the notebooks themselves (the README's table);
- the post's numbers and this repo's: `POST_METRICS` and notebook 04's committed output;
- timings: each paragraph of the docs that gives one names its machine and its date.
"""

import json
import re
import tomllib

import pytest
from helpers import ROOT, code_cells, notebooks, source_of, text_of

from mnist17.params import DEFAULTS, POST_METRICS
from mnist17_tools.series import series

PROSE = sorted(
    [ROOT / "README.md", ROOT / "environment.yml", ROOT / "Makefile", *(ROOT / "docs").glob("*.md")]
    + [p for p in (ROOT / "tools").iterdir() if p.is_file()]
    + [ROOT / ".ci" / "run", *(ROOT / ".github" / "workflows").glob("*.yml")]
)
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
# Lines about versions that are not ours: what a hosted runtime or another system ships.
NOT_OURS = re.compile(r"Colab|Kaggle|Debian|hosted|host's|newest|changed to|[Ww]as (?:pinned|at)")


def pins() -> dict[str, str]:
    found = {}
    for path in ROOT.glob("requirements*.txt"):
        for line in path.read_text().splitlines():
            if match := re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line):
                found[match[1].lower()] = match[2]
    setup = (ROOT / "tools" / "setup-venv").read_text()
    found["pip"] = re.search(r"^PIP_VERSION=(\S+)", setup, re.M)[1]
    return found


def prose_lines():
    """(where, paragraph) of the prose: a paragraph about another system's versions says so."""
    for path in PROSE:
        for number, block in enumerate(re.split(r"\n\s*\n", path.read_text()), 1):
            yield f"{path.relative_to(ROOT)}, paragraph {number}", block
    for path in series():
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                for block in re.split(r"\n\s*\n", source_of(cell)):
                    yield path.name, block


def test_every_version_named_in_prose_is_the_pinned_one():
    pinned, named = pins(), 0
    for where, line in prose_lines():
        if NOT_OURS.search(line):
            continue
        for name, version in VERSION_IN_PROSE.findall(line):
            named += 1
            assert pinned.get(PACKAGES[name]) == version, (
                f"{where} names {name} {version}; the pin is {pinned.get(PACKAGES[name])}"
            )
    assert named > 5  # the check looks at the prose that names versions


def supported_pythons() -> list[str]:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low, high = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", spec).groups()
    return [f"3.{minor}" for minor in range(int(low), int(high))]


def test_the_supported_pythons_are_those_of_pyproject_everywhere():
    pythons = supported_pythons()
    text = f"{', '.join(pythons[:-1])} and {pythons[-1]}"  # "3.11, 3.12 and 3.13"
    find_python = (ROOT / "tools" / "find-python").read_text()
    assert f"SUPPORTED=({' '.join(pythons)})" in find_python
    assert f'SUPPORTED_TEXT="{text}"' in find_python
    assert (
        f"PYTHONS = {pythons!r}".replace("'", '"')
        in (ROOT / "tools" / "check-platforms").read_text()
    )
    make_constraints = (ROOT / "tools" / "make-constraints").read_text()
    loop = re.search(r"^for python in (.*); do$", make_constraints, re.M)[1].split()
    assert [version.rsplit(".", 1)[0] for version in loop] == pythons
    locks = sorted(p.name for p in (ROOT / "constraints").glob("python3.*.txt"))
    assert locks == [f"python{minor}.txt" for minor in pythons]
    environment = (ROOT / "environment.yml").read_text()
    assert re.search(r"- python=(3\.\d+)", environment)[1] in pythons
    for page in ("README.md", "environment.yml", "docs/running.md"):
        assert text in (ROOT / page).read_text(), page
    for where, line in prose_lines():
        for listed in re.findall(r"Python (3\.\d+(?:, 3\.\d+)* and 3\.\d+)", line):
            assert listed == text, f"{where}: Python {listed}"


SEED = re.compile(r"(?:\bseed ?= ?|set_random_seed\()(\d+)")


def test_every_seed_in_the_notebooks_is_the_posts():
    seeds = [
        (path.name, int(value))
        for path, nb in zip(series(), notebooks(), strict=True)
        for cell in code_cells(nb)
        for value in SEED.findall(source_of(cell))
    ]
    assert len(seeds) >= 5
    assert {seed for _, seed in seeds} == {DEFAULTS.seed}, seeds


def saved_figures(nb: dict) -> list[str]:
    found = []
    for cell in code_cells(nb):
        found += re.findall(r"save_(?:fig|model_summary)\((?:\w+, )?\"([\w-]+)\"", source_of(cell))
    return found


def test_the_readme_lists_every_notebook_in_order_with_the_figures_it_saves():
    rows = re.findall(
        r"^\| \[`(\d\d_\w+)`\]\(notebooks/(\d\d_\w+)\.ipynb\) \|[^|]*\|([^|]*)\|",
        (ROOT / "README.md").read_text(),
        re.M,
    )
    assert [name for name, _, _ in rows] == [path.stem for path in series()]
    for (name, target, figures), nb in zip(rows, notebooks(), strict=True):
        assert name == target
        assert re.findall(r"`([\w-]+)\.png`", figures) == saved_figures(nb), name


def final_metrics_of_04() -> dict[str, float]:
    (path,) = [p for p in series() if p.name.startswith("04_")]
    printed = "".join(
        text_of(output)
        for cell in code_cells(json.loads(path.read_text()))
        if "POST_METRICS" in source_of(cell)
        for output in cell["outputs"]
    )
    return {name: float(re.search(rf"^{name} +(\S+)", printed, re.M)[1]) for name in POST_METRICS}


def test_the_readmes_results_are_04s_and_the_posts():
    readme = (ROOT / "README.md").read_text()
    for label, metrics in (("this repo", final_metrics_of_04()), ("the post", POST_METRICS)):
        row = re.search(rf"^\| {label} \| (.*) \|$", readme, re.M)[1].split(" | ")
        assert [float(cell) for cell in row] == [metrics[name] for name in POST_METRICS], label


DURATION = re.compile(r"\b\d+(?:\.\d+)? ?(?:s|min|minutes|seconds|ms)\b(?!/)")
# Durations that are settings or limits, not measurements: `CELL_TIMEOUT=3600`, "default 1800 s".
LIMIT = re.compile(
    r"`[^`]*`|(?:up to|default|at most|limit of|limit is|budget|within|under|past|allow[a-z]*)"
    r" (?:about |each cell |of )?\d+(?:\.\d+)? ?(?:s|min|minutes|seconds)\b"
)
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
MACHINE = re.compile(r"AMD EPYC|Intel Xeon|Apple|GitHub|runner|this machine|the machine above")


def blocks(text: str) -> list[str]:
    """Paragraphs, tables and lists; a block ending in ':' introduces the next and joins it."""
    found: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        if found and found[-1].rstrip().endswith(":"):
            found[-1] += "\n" + block
        else:
            found.append(block)
    return found


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_every_timing_in_the_docs_names_its_machine_and_date(page):
    for block in blocks(page.read_text()):
        if DURATION.search(LIMIT.sub("", block)) and not block.lstrip().startswith("```"):
            assert DATE.search(block) and MACHINE.search(block), (
                f"{page.name}: a timing without its machine and date: {block[:200]!r}"
            )
