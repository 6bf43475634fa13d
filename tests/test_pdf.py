"""Pages printed to PDF: A4, and nothing of a wide table is cut at the page's width."""

import shutil

import pandas as pd
import pytest

from forecast import present
from forecast.errors import UsageError
from forecast.pipeline import pdf
from forecast.present import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found: "
                                    "install Debian's 'chromium' package")


def wide_page(tmp_path):
    """A page whose table is about 2,000 px wide on screen (it scrolls in its box there)."""
    columns = {f"column_{i}_with_a_long_name": [f"cell-{i}-{r}-end" for r in range(3)]
               for i in range(14)}
    table = present.table(pd.DataFrame(columns), caption="A very wide table.")._repr_html_()
    path = tmp_path / "wide.html"
    path.write_text(html.page("Wide", "<h1>Wide</h1>" + table))
    return path, [v for values in columns.values() for v in values]


@needs_chromium
@pytest.mark.slow
def test_a_wide_table_prints_whole_on_a4(tmp_path):
    from pypdf import PdfReader

    page, cells = wide_page(tmp_path)
    out = pdf.print_pdf(page, tmp_path / "wide.pdf")
    reader = PdfReader(out)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "").replace(" ", "")
    missing = [c for c in cells if c.replace(" ", "") not in text]
    assert missing == [], f"cut off at the page width: {missing[:5]}"
    assert not (tmp_path / ".wide.pdf.partial").exists()


def test_missing_chromium_is_one_line(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("COMPUTE_FORECAST_CHROMIUM", raising=False)
    with pytest.raises(UsageError) as err:
        pdf.chromium()
    assert "chromium" in str(err.value) and "\n" not in str(err.value)


def test_a_failed_print_leaves_no_file(tmp_path):
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'cannot print' >&2\nexit 3\n")
    fake.chmod(0o755)
    (tmp_path / "p.html").write_text("<p>x</p>")
    with pytest.raises(UsageError, match="cannot print"):
        pdf.print_pdf(tmp_path / "p.html", tmp_path / "p.pdf", browser=str(fake))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-chromium", "p.html"]


@needs_chromium
@pytest.mark.slow
def test_a_chinese_page_prints_its_chinese_text(tmp_path):
    """A Chinese page (with its embedded CJK font) prints to PDF with the text readable."""
    from pypdf import PdfReader

    from forecast import i18n
    from forecast.pipeline.site import pages

    with i18n.use("zh"):
        page = pages.finish_page(html.page("算力", "<h1>全球算力</h1><p>智能算力与基础算力。</p>"),
                                 index_href="index.html")
    path = tmp_path / "zh.html"
    path.write_text(page, encoding="utf-8")
    text = "".join(p.extract_text() for p in PdfReader(pdf.print_pdf(path, tmp_path / "zh.pdf")).pages)
    assert "全球算力" in text.replace(" ", "") and "智能算力与基础算力" in text.replace(" ", "")
