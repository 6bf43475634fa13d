"""A notebook executed the way JupyterLab does it: through a headless Jupyter server.

Starts ``jupyter server`` from the project's environment on 127.0.0.1 with a
token, opens a session on a notebook with the ``compute-forecast`` kernel
(REST: /api/contents, /api/sessions), executes every code cell over the
kernel's websocket channel and checks the outputs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "notebooks"
JUPYTER = Path(sys.executable).with_name("jupyter")

pytestmark = pytest.mark.slow


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


def execute(ws, session_id: str, code: str) -> tuple[str, list[dict]]:
    """Send one execute_request; return the reply status and the iopub outputs."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": session_id, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    outputs, status, idle = [], None, False
    while status is None or not idle:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "execute_reply":
            status = msg["content"]["status"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        elif kind in ("stream", "execute_result", "display_data", "error"):
            outputs.append({"type": kind, **msg["content"]})
    return status, outputs


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    (root / "data" / "values.csv").write_text("name,value\na,1.5\nb,2\n")
    shutil.copy(FIXTURES / "reads_data.ipynb", root / "notebooks" / "reads_data.ipynb")
    srv = Server(root)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def test_notebook_runs_through_the_server_with_the_project_kernel(server):
    import websocket

    assert "compute-forecast" in server.api("GET", "/api/kernelspecs")["kernelspecs"]
    nb = server.api("GET", "/api/contents/notebooks/reads_data.ipynb")["content"]
    session = server.api("POST", "/api/sessions", {
        "path": "notebooks/reads_data.ipynb", "type": "notebook", "name": "reads_data.ipynb",
        "kernel": {"name": "compute-forecast"}})
    kernel = session["kernel"]
    assert kernel["name"] == "compute-forecast"
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel['id']}/channels"
        f"?session_id={session['id']}", header=[f"Authorization: token {server.token}"],
        timeout=60, suppress_origin=True)
    try:
        texts = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            status, outputs = execute(ws, session["id"], cell["source"])
            assert status == "ok", outputs
            texts += [o["text"] for o in outputs if o["type"] == "stream"]
        # the kernel runs in notebooks/, reads ../data/values.csv: 1.5 + 2
        assert texts == ["total 3.5\n"]
        status, outputs = execute(ws, session["id"],
                                  "import sys, forecast; print(sys.prefix); print(forecast.__version__)")
        prefix, version = outputs[0]["text"].split()
        assert Path(prefix) == Path(sys.prefix) and version == __import__("forecast").__version__
    finally:
        ws.close()
        server.api("DELETE", f"/api/sessions/{session['id']}")
    # outside the runner the notebook writes to outputs/scratch/, never to the canonical
    # outputs the runner vouches for (forecast.io.output_dir)
    table = server.api("GET", "/api/contents/outputs/scratch/tables/reads_data_total.csv")
    assert table["content"] == "column,total\nvalue,3.5\n"
    assert not (server.root / "outputs" / "tables").exists()
