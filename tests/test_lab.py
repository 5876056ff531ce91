"""`make lab`: JupyterLab listens on the loopback address only, and only with its token."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from helpers import ROOT, assert_pad_extensions_enabled, free_port


def listening_addresses(process: subprocess.Popen, port: int) -> set[str]:
    """The local addresses on which `process` or one of its children listens on TCP `port`
    (psutil reads them from the operating system: Linux's /proc, macOS's libproc)."""
    import psutil

    found = set()
    parent = psutil.Process(process.pid)
    for child in [parent, *parent.children(recursive=True)]:
        try:
            connections = child.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found |= {
            c.laddr.ip
            for c in connections
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        }
    return found


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_make_lab_binds_loopback_only_and_requires_the_token(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    lab = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not listening_addresses(lab, port):
            assert lab.poll() is None, "make lab exited"
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
        # 127.0.0.1 only: not 0.0.0.0, ::, nor any other interface.
        assert listening_addresses(lab, port) == {"127.0.0.1"}
        assert status(f"http://127.0.0.1:{port}/api/sessions") == 403  # no token, no access
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)


def test_the_drawing_pads_extensions_come_with_the_packages(tmp_path):
    # Notebook 08's pad needs JupyterLab's widget manager and anywidget's front end: both arrive
    # with the pinned packages, enabled, with nothing to install or build (make test-browser
    # draws on the pad in a real JupyterLab).
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "NO_COLOR": "1"}
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter")), "labextension", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert_pad_extensions_enabled(listing.stdout + listing.stderr)
