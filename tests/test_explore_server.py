"""The explorer as JupyterLab runs it: a headless Jupyter server, a kernel websocket, widget comms.

Starts ``jupyter server`` on 127.0.0.1 with a token in a copy of the project,
opens ``notebooks/06_explore.ipynb`` through the contents API, executes its code
cells over the kernel's websocket, checks that the widget models are created
(``comm_open`` on the ``jupyter.widget`` target), then moves a growth slider
the way the browser does (a ``comm_msg`` with method ``update``) and checks that
the kernel sends the headline table's new value back.  The server helpers are
those of ``tests/_jupyter.py``.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import uuid

import pytest

from _jupyter import JUPYTER, kernel_socket, serving
from _project import copy_project

pytestmark = pytest.mark.slow


def send(ws, session_id: str, msg_type: str, content: dict) -> str:
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "test",
                   "session": session_id, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": content}))
    return msg_id


def decode(frame) -> dict:
    """A websocket frame as a message; messages with binary buffers (the chart's PNG) come as
    Jupyter's binary frame: uint32 count n, n uint32 offsets, the JSON message, the buffers."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = struct.unpack_from("!I", frame)[0]
    offsets = [*struct.unpack_from(f"!{count}I", frame, 4), len(frame)]
    msg = json.loads(frame[offsets[0]:offsets[1]])
    msg["buffers"] = [frame[a:b] for a, b in zip(offsets[1:], offsets[2:])]
    return msg


def replies(ws, msg_id: str, reply: str | None = None) -> list[dict]:
    """Every message answering ``msg_id`` until the kernel is idle again (and ``reply`` came)."""
    messages, idle, replied = [], False, reply is None
    while not (idle and replied):
        msg = decode(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        messages.append(msg)
        idle = idle or (msg["msg_type"] == "status"
                        and msg["content"]["execution_state"] == "idle")
        replied = replied or msg["msg_type"] == reply
    return messages


def execute(ws, session_id: str, code: str) -> list[dict]:
    msg_id = send(ws, session_id, "execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True})
    messages = replies(ws, msg_id, "execute_reply")
    reply = [m for m in messages if m["msg_type"] == "execute_reply"]
    assert reply and reply[0]["content"]["status"] == "ok", [
        m["content"] for m in messages if m["msg_type"] == "error"]
    return messages


def printed(messages) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")


@pytest.fixture
def server(tmp_path):
    root = copy_project(tmp_path / "proj", notebooks=("06_explore",))
    with serving(root) as srv:
        yield srv


def test_widgets_are_created_and_a_slider_move_updates_the_headline(server):
    nb = server.api("GET", "/api/contents/notebooks/06_explore.ipynb")["content"]
    session, ws = kernel_socket(server, "notebooks/06_explore.ipynb", timeout=120)
    try:
        messages = []
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                messages += execute(ws, session["id"], cell["source"])
        opened = {m["content"]["comm_id"]: m["content"]["data"]["state"]
                  for m in messages if m["msg_type"] == "comm_open"
                  and m["content"]["target_name"] == "jupyter.widget"}
        models = [s["_model_name"] for s in opened.values()]
        for model in ("VBoxModel", "FloatRangeSliderModel", "ImageModel", "HTMLModel",
                      "SelectionSliderModel", "ButtonModel"):
            assert model in models, models
        views = [m for m in messages if m["msg_type"] == "execute_result"
                 and "application/vnd.jupyter.widget-view+json" in m["content"]["data"]]
        assert len(views) == 1 and views[0]["content"]["data"][
            "application/vnd.jupyter.widget-view+json"]["model_id"] in opened
        slider = next(c for c, s in opened.items() if s.get("description") == "intelligent growth")
        headline = next(c for c, s in opened.items() if "cf-headline" in s.get("_dom_classes", ()))
        before = opened[headline]["value"]
        assert opened[slider]["value"] == [0.462, 0.9728]  # base.yaml's bounds

        # the browser moves the slider: a comm message updating the model's value
        msg_id = send(ws, session["id"], "comm_msg", {"comm_id": slider, "data": {
            "method": "update", "state": {"value": [0.5, 0.9]}, "buffer_paths": []}})
        updates = [m["content"]["data"] for m in replies(ws, msg_id)
                   if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == headline]
        new = [u["state"]["value"] for u in updates
               if u.get("method") == "update" and "value" in u.get("state", {})]
        assert new and new[-1] != before

        out = printed(execute(ws, session["id"], (
            "from forecast.units import format_flops\n"
            "row = explorer.headline().query(\"component == 'total' and year == 2030\").iloc[0]\n"
            "print(explorer.controls['growth_intelligent'].value, format_flops(row.p50))")))
        assert out.startswith("(0.5, 0.9) ")
        p50 = out.strip().removeprefix("(0.5, 0.9) ")
        assert f"<b>{p50}</b>" in new[-1] and f"<b>{p50}</b>" not in before
    finally:
        ws.close()
        server.api("DELETE", f"/api/sessions/{session['id']}")


def test_the_jupyterlab_widget_extension_is_installed():
    out = subprocess.run([str(JUPYTER), "labextension", "list"], capture_output=True, text=True,
                         timeout=120)
    text = out.stdout + out.stderr
    assert "@jupyter-widgets/jupyterlab-manager" in text and "enabled" in text, text
    assert sys.prefix in text  # from the project's environment (jupyterlab_widgets), not elsewhere
