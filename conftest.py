"""pytest set-up for the nbval run of the series (`make test`, build/test/notebooks) and the
tests: nbval compares the numbers that training prints with a tolerance."""

pytest_plugins = ["nbval_tolerance"]
