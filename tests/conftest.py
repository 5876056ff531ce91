"""Options of the tests that run outside `make test` (each make target passes its own)."""

# Tiny notebooks for the runner's failure paths (tests/fixtures/): not for nbval to collect.
collect_ignore = ["fixtures"]


def pytest_addoption(parser) -> None:
    parser.addoption("--backends", default="jax torch", help="Keras backends (make test-backends)")
    parser.addoption("--hosted-sets", default="colab-2026-08", help="sets of tests/hosted/")
