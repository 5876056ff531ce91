"""Command line: ``python -m mnist17 data`` (get MNIST) and ``python -m mnist17 run-all [...]``."""

import sys

from mnist17 import data, run_all

COMMANDS = {"data": data.main, "run-all": run_all.main}


def main(argv: list[str]) -> int:
    """Dispatch to the command named first in `argv`."""
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m mnist17 {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
