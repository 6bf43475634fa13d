"""A notebook executed the way JupyterLab does it: through a headless Jupyter server.

Starts ``jupyter server`` from the project's environment on 127.0.0.1 with a
token, opens a session on a notebook with the ``compute-forecast`` kernel
(REST: /api/contents, /api/sessions), executes every code cell over the
kernel's websocket channel and checks the outputs.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest

from _jupyter import kernel_socket, serving
from _project import make_project

pytestmark = pytest.mark.slow


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
    root = make_project(tmp_path / "proj", "reads_data")
    with serving(root) as srv:
        yield srv


def test_notebook_runs_through_the_server_with_the_project_kernel(server):
    assert "compute-forecast" in server.api("GET", "/api/kernelspecs")["kernelspecs"]
    nb = server.api("GET", "/api/contents/notebooks/reads_data.ipynb")["content"]
    session, ws = kernel_socket(server, "notebooks/reads_data.ipynb", timeout=60)
    assert session["kernel"]["name"] == "compute-forecast"
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
    # outputs the runner vouches for (forecast.paths.output_dir)
    table = server.api("GET", "/api/contents/outputs/scratch/tables/reads_data_total.csv")
    assert table["content"] == "column,total\nvalue,3.5\n"
    assert not (server.root / "outputs" / "tables").exists()
