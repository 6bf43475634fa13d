"""The generated pages in a real browser: headless Chromium driven over the DevTools protocol.

A small project (fixture notebooks, two scenarios) is run once, and the session's executed
copy of the shipped project is read; ``outputs/index.html`` and every page it links to are
opened from disk (``file://``) and checked (``_browser.check_page``): no console error or
uncaught exception, every image loaded, every local link resolves to a file, and no request
leaves the machine (only ``file:`` and ``data:`` URLs are requested).  A screenshot of the
index is saved.  Skips, saying why, when Debian's ``chromium`` is not installed (``.ci/run``
installs it).
"""

from __future__ import annotations


import pytest

from _browser import check_page, local_target, raw_cell, visit
from _project import make_project
from forecast.pipeline import runner
from forecast.pipeline.progress import Progress

#: a data file whose provenance carries quotes and markup (the pages must escape them)
VALUES = ("name,value,publisher,document,published,url,status\n"
          "a,1,P<1>,\"D \"\"quoted\"\"\",2023,https://example.org/x,estimate\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("site") / "proj", "ok", "reads_data", "failing",
                        "scen", scenarios=("bear", "bull"), values=VALUES)
    quiet = Progress(quiet=True)
    assert runner.run(root, progress=quiet).exit_code == 1  # `failing` fails on purpose
    runner.run(root, all_scenarios=True, progress=quiet)
    return root / "outputs"


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
    assert comparison["title"] == "Scenario comparison"  # bear, base, bull: what-ifs (8a5db9a)
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


def test_the_project_pages_read_cleanly(executed_project, browser):
    assert executed_project.returncode == 0, executed_project.log
    out = executed_project.outputs
    pages = [out / "index.html", *sorted((out / "html").glob("*.html"))]
    assert len(pages) == 1 + len(executed_project.stems)
    for page in pages:
        result = visit(browser, page)
        check_page(result, page)
        if page.name != "index.html":
            # charts shown with their captions; the explorer's page shows its starting chart
            assert len(result["images"]) >= (1 if page.stem == "06_explore" else 2), page.name
            assert result["title"].startswith(page.stem[:2])  # "01 · Global compute: ..."
    index = visit(browser, out / "index.html")
    # the key figures open the index (the change report's box follows them)
    assert index["firstBlock"] is True
    assert "Base: " in index["keyFigures"]
