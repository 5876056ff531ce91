"""Command line behind `make`: ``python -m mnist17_tools COMMAND`` (data, run-all, ...)."""

import argparse
import sys
from importlib import import_module

from mnist17.data import MNIST_CONTENT_SHA256, MnistDataError, load_mnist
from mnist17.paths import CheckoutNotFound, display_path, mnist_file


def data(argv: list[str]) -> int:
    """`make data`: get and verify MNIST, printing where it is or what to do."""
    argparse.ArgumentParser(
        prog="python -m mnist17_tools data", description="Get and verify MNIST in data/mnist.npz."
    ).parse_args(argv)
    try:
        load_mnist()
    except MnistDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"MNIST is ready: {display_path(mnist_file())} (verified, content sha256 "
        f"{MNIST_CONTENT_SHA256[:16]}...)"
    )
    return 0


# The other commands' modules, imported only when run (run_all imports papermill and nbformat).
MODULES = {
    "run-all": "run_all",
    "experiments": "experiments",
    "portable": "portable",
    "breakages": "breakages",
    "book": "book",
    "links": "links",
}
COMMANDS = ["data", *MODULES]


def main(argv: list[str]) -> int:
    """Dispatch to the command named first in `argv`."""
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m mnist17_tools {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    try:
        if argv[0] == "data":
            return data(argv[1:])
        return import_module(f"mnist17_tools.{MODULES[argv[0]]}").main(argv[1:])
    except CheckoutNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
