"""Headless Chromium for the page tests, driven over the DevTools protocol.

``start_browser(profile)`` starts Debian's ``chromium`` (``CHROMIUM``; None when it is not
installed) and yields a :class:`DevTools` client; ``visit`` opens a page in a fresh tab and
returns what the reader sees and what happened while it loaded; ``check_page`` asserts the
checks every generated page must pass: no console error or uncaught exception, every image
loaded with alt text and caption, no clipped table, no raw float in a cell, a link back to an
index, every local link resolving, and no request leaving the machine.  The ``browser``
fixture (conftest.py) wraps ``start_browser``; test_browser.py and test_sweep.py use them.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """A minimal Chrome DevTools Protocol client over one websocket (websocket-client)."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id, self.events = 0, []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while time.monotonic() < deadline:
            event = json.loads(self.ws.recv())
            self.events.append(event)
            if event.get("method") == method:
                return self.events.pop()
        raise TimeoutError(method)



@contextlib.contextmanager
def start_browser(profile: Path):
    """Headless Chromium with its profile in ``profile``; yields a :class:`DevTools` client."""
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while not (port_file.is_file() and len(port_file.read_text().split()) >= 2):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("Chromium did not open its DevTools port")
        time.sleep(0.1)
    port, path = port_file.read_text().split()[:2]
    tools = DevTools(f"ws://127.0.0.1:{port}{path}")
    try:
        yield tools
    finally:
        tools.ws.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


#: What the reader sees, measured in the page: images (loaded, alt text, caption), links,
#: tables (wider than their box without a scrolling wrapper = clipped), and the text of
#: every table cell outside the provenance footer.
PROBE = """(() => {
    const scroller = el => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if (o === 'auto' || o === 'scroll') return a;
        }
        return null;
    };
    const width = document.documentElement.clientWidth;
    return {
        images: [...document.images].map(i => {
            const fig = i.closest('figure');
            const cap = fig && fig.querySelector('figcaption');
            return {src: i.src.slice(0, 40), ok: i.complete && i.naturalWidth > 0,
                    alt: i.getAttribute('alt') || '', caption: cap ? cap.textContent.trim() : ''};
        }),
        links: [...document.links].map(a => a.href),
        title: document.title,
        tables: [...document.querySelectorAll('table')].map(t => {
            const box = scroller(t), r = t.getBoundingClientRect();
            const parent = t.parentElement.getBoundingClientRect();
            return {scrolls: box !== null, right: r.right, width: width, parentRight: parent.right,
                    head: t.innerText.slice(0, 60)};
        }),
        cells: [...document.querySelectorAll('td')].filter(td => !td.closest('.cf-provenance'))
                 .map(td => td.innerText.trim()),
        keyFigures: (document.getElementById('key-figures') || {}).innerText || null,
        firstBlock: (() => { const k = document.getElementById('key-figures');
                             return k ? [...document.querySelectorAll('section, table, figure')][0] === k
                                      : null; })(),
    };
})()"""

#: a cell a reader should never see: a float dumped with all its digits, an exponent, NaN, <NA>
RAW = re.compile(r"^-?\d+\.\d*[1-9]\d*$")
JUNK = re.compile(r"(^|\s)(NaN|nan|<NA>|None|NaT|inf|-inf|-?\d+(\.\d+)?[eE][+-]?\d+)(\s|$)")


def raw_cell(text: str) -> bool:
    """True for '0.21135', '1.4669e+21', 'NaN', '<NA>'; False for '44.1%', '0.000123', '20,000',
    '1993.5' (a list dated mid-1993)."""
    if JUNK.search(text):
        return True
    if re.fullmatch(r"-?\d{8,}(\.\d+)?", text):  # a huge number without separators or unit
        return True
    if RAW.match(text):  # many significant digits *and* many decimals: a dumped float
        digits = text.lstrip("-").replace(".", "").lstrip("0")
        return len(digits.rstrip("0")) > 4 and len(text.split(".")[1]) > 2
    return False


def visit(tools: DevTools, path: Path) -> dict:
    """Open ``path`` in a fresh tab; return what happened while it loaded."""
    target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.send(f"{domain}.enable", session=session)
    tools.events.clear()
    tools.send("Page.navigate", {"url": path.as_uri()}, session=session)
    tools.wait_for("Page.loadEventFired")
    probe = tools.send("Runtime.evaluate", {"returnByValue": True, "expression": PROBE},
                       session=session)["result"]["value"]
    shot = tools.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
    events = [e for e in tools.events if e.get("sessionId") == session]
    tools.send("Target.closeTarget", {"targetId": target})
    requests = [e["params"]["request"]["url"] for e in events
                if e.get("method") == "Network.requestWillBeSent"]
    errors = [e["params"] for e in events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    return {**probe, "requests": requests, "errors": errors, "screenshot": base64.b64decode(shot)}


def local_target(url: str) -> Path | None:
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def check_page(result: dict, path: Path) -> None:
    assert result["errors"] == [], f"{path.name}: console errors {result['errors']}"
    assert all(i["ok"] for i in result["images"]), f"{path.name}: broken images {result['images']}"
    for image in result["images"]:
        assert image["alt"] and "No description" not in image["alt"], f"{path.name}: image without alt {image}"
        assert image["caption"], f"{path.name}: image without a caption {image}"
    for table in result["tables"]:
        clipped = not table["scrolls"] and (table["right"] > table["width"] + 1
                                            or table["right"] > table["parentRight"] + 1)
        assert not clipped, f"{path.name}: table overflows its container {table}"
    shown = [c for c in result["cells"] if raw_cell(c)]
    assert shown == [], f"{path.name}: cells a reader should not see {shown[:5]}"
    index_links = [u for u in result["links"]
                   if local_target(u) is not None and local_target(u).name == "index.html"]
    assert index_links, f"{path.name}: no link back to an index"
    off_machine = [u for u in result["requests"] if not u.startswith(("file:", "data:"))]
    assert off_machine == [], f"{path.name}: requests leaving the machine: {off_machine}"
    for url in result["links"]:
        target = local_target(url)
        if target is not None:
            assert target.exists(), f"{path.name}: link to a missing file {url}"
