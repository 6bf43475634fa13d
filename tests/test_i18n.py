"""Languages (issue 24): lookups, the catalogs' completeness, and the CJK font in charts.

The completeness test is the one the issue asks for: every English text the pages show
(marked strings of the library, Markdown blocks and text templates of the notebooks) has a
Chinese translation with the same placeholders; a missing one fails and names its file.
"""

from __future__ import annotations

import re
import warnings

import pytest

from _project import SHIPPED
from forecast import i18n
from forecast.errors import ParameterError
from forecast.pipeline import catalog


@pytest.fixture
def fake_catalog(monkeypatch):
    messages = {"Installed computing power": "已安装算力", "median {0}": "中位数 {0}",
                "{0} to {1}": "{0}至{1}"}
    monkeypatch.setitem(i18n._catalogs, "zh", messages)
    return messages


def test_english_is_the_source_and_needs_no_catalog(fake_catalog):
    with i18n.use("en"):
        assert i18n.gettext("Installed computing power") == "Installed computing power"


def test_exact_lookup_and_numbers_put_back(fake_catalog):
    with i18n.use("zh"):
        assert i18n.gettext("Installed computing power") == "已安装算力"
        assert i18n.gettext("  Installed computing power \n") == "已安装算力"
        assert i18n.gettext("median 2030") == "中位数 2030"
        assert i18n.gettext("2.5 to 3,400") == "2.5至3,400"
        assert i18n.gettext("2.5 to 2021,") == "2.5 to 2021,"  # a comma after a number is text


def test_a_text_without_translation_is_shown_and_remembered(fake_catalog):
    with i18n.use("zh"):
        assert i18n.gettext("Baidu Inc. quarterly report") == "Baidu Inc. quarterly report"
        assert "Baidu Inc. quarterly report" in i18n.missed("zh")
        assert i18n.gettext("已安装算力") == "已安装算力"  # translated already: left alone
        assert i18n.gettext("2030") == "2030"
    assert "2030" not in i18n.missed("zh")


def test_the_language_comes_from_use_then_the_environment(monkeypatch):
    monkeypatch.setenv(i18n.ENV, "zh")
    assert i18n.language() == "zh"
    with i18n.use("en"):
        assert i18n.language() == "en"
    monkeypatch.setenv(i18n.ENV, "fr")
    with pytest.raises(ParameterError, match="COMPUTE_FORECAST_LANG"):
        i18n.language()
    with pytest.raises(ParameterError, match="one of en, zh"):
        i18n.use("de").__enter__()


def test_notebook_extraction_takes_markdown_blocks_templates_and_constant_captions(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nFirst paragraph\ncontinued.\n\n```\ncode\n```"),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            'present.prose("Grew {g:pct} a year.", g=0.4)\n'
            'present.table(df, caption="Sources." if x else "Other sources.")\n'
            'plots.plot(y, title=f"{place}: models")\n'),
    ]
    path = tmp_path / "09_x.ipynb"
    nbformat.write(nb, path)
    found, problems = catalog.notebook_messages(path)
    assert list(found) == ["# Title", "First paragraph\ncontinued.", "Grew {g:pct} a year.",
                           "Sources.", "Other sources."]
    assert len(problems) == 1 and "cell 3" in problems[0] and "present.text" in problems[0]


def test_every_english_text_has_a_chinese_translation():
    problems = catalog.check(SHIPPED, "zh")
    assert not problems, f"{len(problems)} catalog problems, first ones:\n" + "\n".join(
        problems[:25])


def test_translations_keep_the_placeholders_of_their_english_text():
    from babel.messages.pofile import read_po

    bad = []
    for path in sorted((i18n.catalog_dir() / "zh" / "LC_MESSAGES").glob("*.po")):
        with open(path, "rb") as handle:
            for message in read_po(handle):
                if message.id and message.string and (
                        catalog._placeholders(message.id) != catalog._placeholders(message.string)):
                    bad.append(f"{path.name}: {message.id[:50]!r}")
    assert not bad, bad[:10]


def test_caict_terms_are_used_for_the_kinds_of_compute():
    zh = i18n.catalog("zh")
    texts = " ".join(zh.values())
    for term in ("算力", "智能算力", "基础算力", "超算算力"):
        assert term in texts, term


def test_chinese_chart_text_draws_without_a_missing_glyph(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from forecast.present import fonts

    fonts.use_for_charts()
    fig, ax = plt.subplots()
    ax.set_title("全球智能算力（FP16，ZFLOPS）：2030 年中位数")
    ax.set_xlabel("年份")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise here
        fig.savefig(tmp_path / "zh.png")
        fig.savefig(tmp_path / "zh.svg")
    plt.close(fig)
    assert (tmp_path / "zh.png").stat().st_size > 1000


def test_the_page_font_subset_holds_the_page_characters():
    import base64
    import io

    from fontTools.ttLib import TTFont

    from forecast.present import fonts

    css = fonts.webfont_css("Total 算力，智能算力 2030 年")
    data = base64.b64decode(re.search(r"base64,([^)]+)\)", css).group(1))
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "算力智能年，")
    assert fonts.webfont_css("Only Latin text, 2030") == ""
