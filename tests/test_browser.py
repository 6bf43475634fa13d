"""The generated pages in a real browser: headless Chromium driven over the DevTools protocol.

A small project (fixture notebooks, two scenarios) is run once; then
``outputs/index.html`` and every page it links to are opened from disk
(``file://``) and checked: no console error or uncaught exception, every image
loaded, every local link resolves to a file, and no request leaves the machine
(only ``file:`` and ``data:`` URLs are requested).  A screenshot of the index is
saved.  Skips, saying why, when Debian's ``chromium`` is not installed
(``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from forecast.pipeline import runner
from forecast.pipeline.progress import Progress
from forecast.scenarios.montecarlo import FORMAT

FIXTURES = Path(__file__).parent / "notebooks"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found: install Debian's "
                       "'chromium' package (apt-get install -y chromium) to run the browser checks"),
]


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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site") / "proj"
    (root / "notebooks" / "params").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    (root / "data" / "values.csv").write_text(
        "name,value,publisher,document,published,url,status\n"
        "a,1,P<1>,\"D \"\"quoted\"\"\",2023,https://example.org/x,estimate\n")
    for name in ("ok", "reads_data", "failing", "scen"):
        shutil.copy(FIXTURES / f"{name}.ipynb", root / "notebooks" / f"{name}.ipynb")
    for name in ("bear", "bull"):
        (root / "notebooks" / "params" / f"{name}.yaml").write_text(f"format: {FORMAT}\nx: 1\n")
    quiet = Progress(quiet=True)
    assert runner.run(root, progress=quiet).exit_code == 1  # `failing` fails on purpose
    runner.run(root, all_scenarios=True, progress=quiet)
    return root / "outputs"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
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
            pytest.fail("Chromium did not open its DevTools port")
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


def test_index_and_every_linked_page_load_cleanly(site, browser, tmp_path):
    index = visit(browser, site / "index.html")
    check_page(index, site / "index.html")
    assert index["firstBlock"] is True  # the key figures open the index
    assert "Key figures" in index["keyFigures"] and "not yet computed" in index["keyFigures"]
    (tmp_path / "index.png").write_bytes(index["screenshot"])
    assert index["screenshot"].startswith(b"\x89PNG") and len(index["screenshot"]) > 5000
    pages = sorted({local_target(u) for u in index["links"]
                    if local_target(u) is not None and u.endswith(".html")})
    names = {p.relative_to(site).as_posix() for p in pages}
    assert {"html/ok.html", "html/reads_data.html", "html/scen.html", "failed/failing.html",
            "scenarios/index.html"} <= names
    seen_images = 0
    for page in pages:
        result = visit(browser, page)
        check_page(result, page)
        seen_images += len(result["images"])
    assert seen_images >= 1  # ok.html carries the embedded chart


def test_scenario_pages_load_cleanly(site, browser):
    comparison = visit(browser, site / "scenarios" / "index.html")
    check_page(comparison, site / "scenarios" / "index.html")
    assert comparison["title"] == "Scenario comparison"
    for name in ("bear", "bull"):
        page = site / "scenarios" / name / "html" / "scen.html"
        assert page.as_uri() in comparison["links"]
        check_page(visit(browser, page), page)
        scenario_index = site / "scenarios" / name / "index.html"
        check_page(visit(browser, scenario_index), scenario_index)


@pytest.mark.parametrize("text, raw", [
    ("0.21135", True), ("1.4669459032906557e+21", True), ("NaN", True), ("<NA>", True),
    ("2.195774e+22", True), ("44.1%", False), ("0.000123", False), ("20,000", False),
    ("1.47 ZFLOPS", False), ("2030", False), ("H100e", False), ("9.8 s", False), ("0.997", False),
    ("1.47 \u00d7 10\u00b2\u00b9", False), ("", False), ("98a5776e7a5d", False),
    ("1993.5", False), ("0.123456", True), ("2195774000000000000000.0", True),
    ("value 2.2e22 FLOP/s", True), ("e.g. fixed={'cap': 5.6e22}", False)])
def test_raw_cell_detector(text, raw):
    assert raw_cell(text) is raw


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    """Notebooks 01-04 of this project, run on a copy (fewer Monte Carlo paths)."""
    root = tmp_path_factory.mktemp("real") / "proj"
    project = Path(__file__).resolve().parents[1]
    root.mkdir()
    shutil.copy(project / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(project / "data", root / "data", ignore=shutil.ignore_patterns("scripts"))
    shutil.copytree(project / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("0[5-9]_*.ipynb", "sweeps"))
    report = runner.run(root, params=["n_paths=2000"], progress=Progress(quiet=True))
    assert report.exit_code == 0
    return root / "outputs"


def test_the_project_pages_read_cleanly(real_site, browser):
    pages = [real_site / "index.html", *sorted((real_site / "html").glob("*.html"))]
    assert len(pages) == 5
    for page in pages:
        result = visit(browser, page)
        check_page(result, page)
        if page.name != "index.html":
            assert len(result["images"]) >= 2  # charts shown with their captions
            assert result["title"].startswith(page.stem[:2])  # "01 · Global compute: ..."
    index = visit(browser, real_site / "index.html")
    assert index["firstBlock"] is True
    assert "Base: " in index["keyFigures"] and "not yet computed" in index["keyFigures"]  # no 05
