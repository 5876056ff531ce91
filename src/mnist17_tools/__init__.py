"""The maintainer's tools of the series: what runs, publishes, locks, records and checks it.

The notebooks never import this package (they import `mnist17`); `make` and the tests do:

- `__main__`: ``python -m mnist17_tools data|run-all|portable|breakages``, behind `make`
- `series`: the notebooks in reading order and the post's own numbers
- `run_all`: `make run-all`, every notebook with papermill, published only when all succeed
- `lock`: one run at a time per checkout
- `machine`: the CPU features and settings that decide the last bits of a run
- `reference`: the record of the run behind the committed outputs (exact results, machine)
- `tolerances`: how far each printed number and each figure may drift on another machine
- `nbval_numeric`: the pytest plugin that gives nbval's comparison those tolerances
- `portable`: `make test-portable`, the comparison on emulated machines
- `breakages`: `make test-breakages`, the series broken on purpose to show the tests notice
"""
