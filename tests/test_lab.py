"""`make lab`: JupyterLab on the loopback address only, only with its token, and its kernels start
with the Makefile's kernel environment (tools/ipython/: MNIST from data/, clean outputs)."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import psutil
from helpers import ROOT, free_port


def status(url: str, method: str = "GET", token: str = "") -> int:
    request = urllib.request.Request(
        url, method=method, headers={"Authorization": f"token {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def processes(lab: subprocess.Popen) -> list[psutil.Process]:
    parent = psutil.Process(lab.pid)
    return [parent, *parent.children(recursive=True)]


def listening(lab: subprocess.Popen, port: int) -> set[str]:
    """The addresses on which `make lab` or one of its children listens on `port`."""
    found = set()
    for process in processes(lab):
        try:
            connections = process.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found |= {c.laddr.ip for c in connections if c.status == "LISTEN" and c.laddr.port == port}
    return found


def wait_for(condition, what: str, lab: subprocess.Popen, seconds: int = 90):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert lab.poll() is None and time.monotonic() < deadline, what
        time.sleep(0.5)
    return found


def test_make_lab_listens_on_loopback_with_a_token_and_kernels_get_the_kernel_env(tmp_path):
    port, token = free_port(), "a-token-of-this-test"
    outside = ("IPYTHONDIR", "TF_CPP_MIN_LOG_LEVEL")  # `make test` runs pytest with them
    env = {k: v for k, v in os.environ.items() if k not in outside}
    env |= {"JUPYTER_TOKEN": token, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    lab = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: listening(lab, port), "JupyterLab did not start", lab) == {
            "127.0.0.1"
        }
        url = f"http://127.0.0.1:{port}/api/kernels"
        assert status(url) == 403  # no token, no access
        assert status(url, "POST", token) == 201
        kernel = wait_for(
            lambda: [p for p in processes(lab) if "ipykernel_launcher" in " ".join(p.cmdline())],
            "no kernel started",
            lab,
        )[0]
        started = kernel.environ()
        assert started["IPYTHONDIR"] == str(ROOT / "tools" / "ipython")
        assert started["TF_CPP_MIN_LOG_LEVEL"] == "2"
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
