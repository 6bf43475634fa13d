"""Every page in Chinese as well as English (issue 24), on the session's executed project
(``compute-forecast run --lang all``, conftest.py).

* each page exists in both languages, each links to the other, with the right ``lang``;
* the numbers of every table are equal between the English and the Chinese page;
* a Chinese page is in Chinese: its headings and prose carry CJK text, and its charts were
  drawn without a missing glyph;
* the Chinese workbook reads back with the CSV's values and Chinese headers;
* in headless Chromium a Chinese page loads its embedded CJK font and draws CJK text.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from _browser import check_page, visit

CJK = re.compile(r"[\u4e00-\u9fff]")


def _pages(out: Path) -> list[Path]:
    return sorted((out / "html").glob("*.html"))


def _tables(page: str) -> list[list[str]]:
    """The numeric cells (``cf-num``) of each reader table of a page, in page order."""
    found = []
    for body in re.findall(r'<table class="cf-table">(.*?)</table>', page, re.S):
        found.append([html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in
                      re.findall(r'<td class="cf-num">(.*?)</td>', body, re.S)])
    return found


def _visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def out(executed_project):
    assert executed_project.returncode == 0, executed_project.log[-3000:]
    return executed_project.outputs


def test_every_page_exists_in_both_languages_and_links_to_the_other(out):
    english = _pages(out)
    assert len(english) >= 8
    for page in english:
        chinese = out / "zh" / "html" / page.name
        assert chinese.is_file(), f"no Chinese version of {page.name}"
        en, zh = page.read_text(encoding="utf-8"), chinese.read_text(encoding="utf-8")
        assert re.search(r'<html lang="en"', en) and re.search(r'<html lang="zh-Hans"', zh)
        assert f'href="../zh/html/{page.name}"' in en, page.name
        assert f'href="../../html/{page.name}"' in zh, page.name
    index = (out / "zh" / "index.html").read_text(encoding="utf-8")
    assert 'href="../index.html" hreflang="en"' in index
    assert 'href="zh/index.html" hreflang="zh-Hans"' in (out / "index.html").read_text("utf-8")


def test_the_numbers_of_every_table_are_equal_in_both_languages(out):
    compared = 0
    for page in _pages(out):
        en = _tables(page.read_text(encoding="utf-8"))
        zh = _tables((out / "zh" / "html" / page.name).read_text(encoding="utf-8"))
        assert len(en) == len(zh), f"{page.name}: {len(en)} tables in English, {len(zh)} in Chinese"
        for number, (a, b) in enumerate(zip(en, zh), 1):
            assert a == b, f"{page.name}, table {number}: the numbers differ"
            compared += len(a)
    assert compared > 500  # the pages hold hundreds of numbers: the parse found them


def test_the_csv_tables_are_the_same_numbers_in_both_languages(out):
    import pandas as pd

    for path in sorted((out / "tables").glob("*.csv")):
        zh = out / "zh" / "tables" / path.name
        assert zh.is_file(), path.name
        a, b = pd.read_csv(path), pd.read_csv(zh)
        numeric = a.select_dtypes("number").columns
        assert list(a.columns) == list(b.columns), path.name
        pd.testing.assert_frame_equal(a[numeric], b[numeric], check_exact=False, rtol=1e-12,
                                      obj=path.name)


def test_chinese_pages_read_in_chinese(out):
    for page in _pages(out / "zh"):
        text = page.read_text(encoding="utf-8")
        headings = [_visible_text(h) for h in re.findall(r"<h[12]\b.*?</h[12]>", text, re.S)]
        assert headings and all(CJK.search(h) for h in headings if h.strip() not in (
            "", "¶")), f"{page.name}: headings without Chinese: {[h for h in headings if not CJK.search(h)][:5]}"
        paragraphs = [_visible_text(p) for p in re.findall(r"<p\b.*?</p>", text, re.S)]
        english = [p.strip() for p in paragraphs
                   if len(re.findall(r"[A-Za-z]{3,}", p)) >= 8 and not CJK.search(p)]
        assert not english, f"{page.name}: paragraphs left in English: {english[:3]}"


#: words a Chinese table header may keep: statistics, units, names of models and tools
HEADER_WORDS = {"AIC", "MAPE", "MASE", "RMSE", "sigma", "sha256", "compute", "forecast", "notebook",
                "EFLOPS", "ZFLOPS", "FLOP", "Epoch", "USD", "FP16", "FP32", "FP64", "H100e",
                "exponential", "logistic", "gompertz", "arima", "ets", "cagr", "bass"}


def test_chinese_table_headers_are_in_chinese(out):
    pages = [out / "zh" / "index.html", *_pages(out / "zh")]
    left = {}
    for page in pages:
        for cell in re.findall(r"<th\b[^>]*>(.*?)</th>", page.read_text(encoding="utf-8"), re.S):
            text = _visible_text(cell).strip()
            words = set(re.findall(r"[A-Za-z][A-Za-z0-9]+", text)) - HEADER_WORDS
            if words and not CJK.search(text) and not re.fullmatch(r"p\d+( \(.*\))?", text):
                left.setdefault(text, page.name)
    assert not left, f"headers left in English: {sorted(left.items())[:10]}"


def test_chinese_charts_were_drawn_without_a_missing_glyph(out):
    notebooks = sorted((out / "zh" / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 8
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", "")) if output.get("output_type") == "stream" else ""
                assert "missing from font" not in text and "Glyph" not in text, (
                    f"{path.name}: {text[:200]}")
    pngs = sorted((out / "zh" / "figures").glob("*.png"))
    assert len(pngs) >= 20


def test_the_chinese_workbook_holds_the_csv_values_under_chinese_headers(out):
    import math

    import pandas as pd
    from openpyxl import load_workbook

    book = load_workbook(out / "zh" / "compute-forecast.xlsx", read_only=True)
    assert book.sheetnames[:2] == ["表格目录", "关键数字"]
    checked = 0
    for path in sorted((out / "zh" / "tables").glob("*.csv"))[:12]:
        frame = pd.read_csv(path)
        listing = {row[1]: row[0] for row in book["表格目录"].iter_rows(min_row=2, values_only=True)}
        rows = list(book[listing[path.name]].iter_rows(values_only=True))
        assert len(rows) == len(frame) + 1
        for column, name in enumerate(frame.columns):
            for i, value in enumerate(frame[name]):
                cell = rows[i + 1][column]
                if isinstance(value, float) and math.isnan(value):
                    assert cell is None
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert cell == pytest.approx(float(value), rel=1e-12) or (
                        math.isinf(value) and str(cell) == str(value))
                checked += 1
    assert checked > 100
    headers = [c for s in book.sheetnames[2:] for c in next(book[s].iter_rows(values_only=True))]
    assert sum(bool(CJK.search(str(h))) for h in headers) > len(headers) / 2


def test_each_chinese_page_embeds_every_cjk_character_it_shows(out):
    import base64
    import io

    from fontTools.ttLib import TTFont

    from forecast.present import fonts

    pages = [out / "zh" / "index.html", *_pages(out / "zh")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", text)
        assert data, f"{page.name}: no embedded CJK font"
        cmap = TTFont(io.BytesIO(base64.b64decode(data.group(1)))).getBestCmap()
        shown = fonts.cjk_characters(_visible_text(text) + " ".join(
            re.findall(r'(?:alt|title|aria-label)="([^"]*)"', text)))
        missing = [c for c in shown if ord(c) not in cmap]
        assert not missing, f"{page.name}: characters without a glyph: {''.join(missing)}"


@pytest.mark.browser
def test_a_chinese_page_shows_cjk_text_with_its_embedded_font(out, browser):
    for page in (out / "zh" / "index.html", out / "zh" / "html" / "01_global_compute.html"):
        result = visit(browser, page)
        check_page(result, page)
        text = page.read_text(encoding="utf-8")
        assert "@font-face" in text and "CF Noto Sans SC" in text
    probe = _font_probe(browser, out / "zh" / "html" / "01_global_compute.html")
    assert probe["loaded"], probe
    assert probe["cjk"] > 100, probe


def _font_probe(tools, path: Path) -> dict:
    """Whether the page's embedded CJK font loaded, and how many CJK characters it shows."""
    target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    tools.send("Page.enable", session=session)
    tools.send("Page.navigate", {"url": path.as_uri()}, session=session)
    tools.wait_for("Page.loadEventFired")
    expression = ("document.fonts.ready.then(() => ({loaded: [...document.fonts].some(f => "
                  "f.family.includes('CF Noto Sans SC') && f.status === 'loaded'), cjk: "
                  "(document.body.innerText.match(/[\\u4e00-\\u9fff]/g) || []).length}))")
    value = tools.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                            "returnByValue": True}, session=session)
    tools.send("Target.closeTarget", {"targetId": target})
    return value["result"]["value"]
