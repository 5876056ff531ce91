"""The maintainer's tools: run the series and publish it, get MNIST, run the sweep, build the book.

They run from a checkout (`make setup` installs them with the helper package), so the checkout is
the folder two levels above this package.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def series(root: Path = ROOT) -> list[Path]:
    """The numbered notebooks of the series, in order."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def shown(path: Path) -> str:
    """`path` as readers see it: relative to the checkout when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
