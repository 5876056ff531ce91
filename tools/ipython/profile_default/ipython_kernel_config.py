# The kernels that the series' tools start (`make run-all`, `make test`, `make lab`) read this
# profile: the Makefile sets IPYTHONDIR to this folder's parent. It keeps what only makes the
# committed outputs clean out of the notebooks.
c = get_config()  # noqa: F821 (IPython's config loader defines it)
# C-level writes to stderr (TensorFlow's and XLA's start-up and compile lines, which
# TF_CPP_MIN_LOG_LEVEL does not silence before TensorFlow 2.21) stay in the terminal instead of
# landing in the notebook as red text.
c.IPKernelApp.capture_fd_output = False
c.HistoryManager.enabled = False  # nothing written into this folder
c.IPKernelApp.log_level = "ERROR"  # not its warning about local TCP on every start
