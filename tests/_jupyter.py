"""A headless Jupyter server for the tests that run notebooks the way JupyterLab does.

``serving(root)`` starts ``jupyter server`` from the project's environment on
127.0.0.1 with a token, rooted at ``root``, and stops it afterwards;
``kernel_socket`` opens a session on a notebook with the ``compute-forecast``
kernel (REST: /api/sessions) and connects to the kernel's websocket channel.
Used by ``test_jupyter_server.py`` and ``test_explore_server.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

JUPYTER = Path(sys.executable).with_name("jupyter")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path):
        self.root, self.port, self.token = root, free_port(), secrets.token_hex(16)
        self.log = open(root / "server.log", "w")
        self.proc = subprocess.Popen(
            [str(JUPYTER), "server", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--allow-root"],  # CI containers run as root; harmless otherwise
            stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(root.parent / "runtime")})

    def api(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read()
            return json.loads(text) if text else None

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("jupyter server exited; see server.log")
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("jupyter server did not answer")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@contextlib.contextmanager
def serving(root: Path):
    """A running :class:`Server` rooted at ``root``, stopped on exit."""
    srv = Server(root)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def kernel_socket(server: Server, path: str, timeout: float):
    """``(session, ws)``: a session on notebook ``path`` (relative to the server's root) with
    the ``compute-forecast`` kernel, and a websocket on its channels (``timeout`` seconds)."""
    import websocket

    session = server.api("POST", "/api/sessions", {
        "path": path, "type": "notebook", "name": Path(path).name,
        "kernel": {"name": "compute-forecast"}})
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{session['kernel']['id']}/channels"
        f"?session_id={session['id']}", header=[f"Authorization: token {server.token}"],
        timeout=timeout, suppress_origin=True)
    return session, ws
