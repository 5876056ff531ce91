"""The series itself: its notebooks in reading order (the one that trains is
`mnist17.artifacts.TRAINING_NOTEBOOK`).

Every tool that runs or checks the notebooks takes the list from here, so a new notebook
(`notebooks/NN_name.ipynb`) joins `make run-all`, `make test` and the browser test by its name.
"""

from pathlib import Path

from mnist17.paths import notebooks_dir


def series() -> list[Path]:
    """The tutorial notebooks in reading order (`notebooks/NN_*.ipynb`)."""
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
