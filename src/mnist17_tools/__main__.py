"""Command line behind `make`: ``python -m mnist17_tools COMMAND [options]``."""

import sys
from importlib import import_module

# Each command's module, imported only when it runs (some import papermill or Sphinx).
COMMANDS = {
    "data": "data",
    "run-all": "run",
    "experiments": "experiments",
    "book": "book",
    "links": "links",
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python -m mnist17_tools {{{','.join(COMMANDS)}}} [options]")
    sys.exit(import_module(f"mnist17_tools.{COMMANDS[sys.argv[1]]}").main(sys.argv[2:]))
