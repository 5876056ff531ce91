"""The maintainer's tools of the series: what runs, publishes, locks, records and checks it.

The notebooks never import this package (they import `mnist17`); `make` and the tests do, through
``python -m mnist17_tools COMMAND``; docs/maintainers.md's Layout says which module does what.
"""
