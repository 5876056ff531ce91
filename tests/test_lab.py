"""`make lab`: JupyterLab on the loopback address only, only with its token, and its kernels start
with the Makefile's KERNEL_ENV (tools/ipython/: MNIST from data/, clean outputs)."""

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import psutil
import pytest
from helpers import ROOT, free_port


def wait_for(condition, what: str, lab: subprocess.Popen):
    deadline = time.monotonic() + 90
    while not (found := condition()):
        assert lab.poll() is None and time.monotonic() < deadline, what
        time.sleep(0.5)
    return found


def listening(lab: subprocess.Popen, port: int) -> set[str]:
    """The addresses on which a process that `make lab` started listens on `port`."""
    found = set()
    for process in psutil.Process(lab.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            found |= {c.laddr.ip for c in process.net_connections() if c.laddr.port == port}
    return found


def test_make_lab_listens_on_loopback_with_a_token_and_kernels_get_the_kernel_env(tmp_path):
    port, token = free_port(), "a-token-of-this-test"
    outside = ("IPYTHONDIR", "TF_CPP_MIN_LOG_LEVEL")  # `make test` runs pytest with them
    env = {k: v for k, v in os.environ.items() if k not in outside} | {"JUPYTER_TOKEN": token}
    env |= {"JUPYTER_RUNTIME_DIR": str(tmp_path / "run"), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    command = ["make", "lab", f"LAB_PORT={port}"]
    lab = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, **quiet)
    try:
        started = wait_for(lambda: listening(lab, port), "JupyterLab did not start", lab)
        assert started == {"127.0.0.1"}
        url = f"http://127.0.0.1:{port}/api/kernels"
        with pytest.raises(urllib.error.HTTPError, match="403"):  # no token, no access
            urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10)
        headers = {"Authorization": f"token {token}"}
        request = urllib.request.Request(url, method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        children = lambda: psutil.Process(lab.pid).children(recursive=True)  # noqa: E731
        kernels = lambda: [p for p in children() if "ipykernel_launcher" in p.cmdline()]  # noqa: E731
        started = wait_for(kernels, "no kernel started", lab)[0].environ()
        assert started["IPYTHONDIR"] == str(ROOT / "tools" / "ipython")
        assert started["TF_CPP_MIN_LOG_LEVEL"] == "2"
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
