"""The presentation layer: prose rendered from values, reader tables, figures with captions."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd
import pytest

from forecast import present
from forecast.errors import ParameterError


# -- prose ---------------------------------------------------------------------------------

def test_prose_renders_the_module_docstring_example():
    text = present.prose("Global compute reached {total:flops} in {year:year}, up {g:pct} a year.",
                         total=1.397e21, year=2023, g=0.44).text
    assert text == "Global compute reached 1.4 ZFLOPS in 2023, up 44.0% a year."


@pytest.mark.parametrize("spec, value, shown", [
    ("flops", 615e18, "615 EFLOPS"),
    ("flops", 5.6e22, "56 ZFLOPS"),
    ("flops", 1.6396e22, "16.4 ZFLOPS"),        # README: 615 EFLOPS at 44% for 9 years
    ("flops", 999.7e18, "1 ZFLOPS"),            # rounding up crosses the prefix
    ("flops2", 1.397e21, "1.4 ZFLOPS"),
    ("flops4", 1.397e21, "1.397 ZFLOPS"),
    ("flops@EFLOPS", 5.6e22, "56,000 EFLOPS"),
    ("pct", 0.651, "65.1%"),
    ("pct0", 0.44, "44%"),
    ("pct2", 0.0412, "4.12%"),
    ("pp", 0.05, "5.0 points"),
    ("sig3", 12345.6, "12,300"),
    ("sig3", 0.000123456, "0.000123"),
    ("sig2", 99.96, "100"),
    ("int", 20000, "20,000"),
    ("int", 2.6, "3"),
    ("year", 2030.0, "2030"),
    ("x", 2.5, "2.5x"),
    ("usd", 3.5e10, "$35 bn"),
    ("usd", 1.234e12, "$1.23 trn"),
    ("upper", "global", "Global"),
    ("title", "china device", "China Device"),
    (".2f", 3.14159, "3.14"),
    ("", "china-device", "china-device"),
    ("flops", np.float64(1.47e21), "1.47 ZFLOPS"),
    ("int", np.int64(5000), "5,000"),
])
def test_prose_format_specs(spec, value, shown):
    template = "{v:" + spec + "}" if spec else "{v}"
    assert present.prose(template, v=value).text == shown


def test_the_public_formatters_are_the_prose_specs():
    # the values of the spec table above, through the functions keyfigures and plots call
    assert present.format_sig(12345.6) == "12,300"
    assert present.format_sig(0.000123456) == "0.000123"
    assert present.format_sig(99.96, 2) == "100"            # rounding adds a digit
    assert present.format_sig(0) == "0"
    assert present.format_flops_sig(615e18) == "615 EFLOPS"
    assert present.format_flops_sig(999.7e18) == "1 ZFLOPS"     # rounding crosses the prefix
    assert present.format_flops_sig(1.397e21, 4) == "1.397 ZFLOPS"
    assert present.format_flops_sig(5.6e22, unit="EFLOPS") == "56,000 EFLOPS"
    for value in (615e18, 1.6396e22, 3.1e-3, 42.0):
        assert present.format_flops_sig(value) == present.format_value(value, "flops")
        assert present.format_sig(value, 2) == present.format_value(value, "sig2")


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
def test_missing_values_say_so_whatever_the_spec(missing):
    assert present.prose("{v:flops} / {v:pct} / {v}", v=missing).text == \
        "not available / not available / not available"


def test_prose_reads_attributes_and_items_and_keeps_literal_braces():
    row = pd.Series({"year": 2030, "p50": 2.2e22})
    text = present.prose("{d[scope]}: {row.p50:flops} in {row.year:year} {{not a field}}",
                         d={"scope": "global"}, row=row).text
    assert text == "global: 22 ZFLOPS in 2030 {not a field}"


def test_prose_is_markdown_in_a_notebook():
    out = present.prose("# {scope:upper} compute\n\n**{v:flops}**", scope="china-device", v=4.35e20)
    assert out._repr_markdown_() == "# China-device compute\n\n**435 EFLOPS**"
    assert str(out) == out.text


def test_prose_errors_name_the_placeholder():
    with pytest.raises(ParameterError, match=r"parameter 'total': placeholder has no value"):
        present.prose("reached {total:flops}", totl=1e21)
    with pytest.raises(ParameterError, match=r"'flops': format 'flops' needs a number.*'lots'"):
        present.prose("{v:flops}", v="lots")
    with pytest.raises(ParameterError, match="malformed template"):
        present.prose("an open { brace", v=1)
    with pytest.raises(ParameterError, match="placeholder has no value"):
        present.prose("{0}")  # positional fields have no value: only keywords are accepted


# -- tables --------------------------------------------------------------------------------

def headline():
    return pd.DataFrame({
        "scenario": ["bear", "base", "bull"],
        "component": ["total"] * 3,
        "precision": ["mixed"] * 3,
        "year": [2030, 2030, 2030],
        "p5": [4.1e21, np.nan, 2.195774e22],
        "p50": [1.4669459032906557e21, 1.2e22, 5.6e22],
        "implied_cagr": [0.44, None, 0.651],
        "unit": ["FLOP/s"] * 3,
    })


def cells(table):
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.html)]


def test_table_formats_flops_rates_and_missing_and_names_units_in_headers():
    t = present.table(headline())
    headers = re.findall(r"<th>(.*?)</th>", t.html)
    assert headers == ["scenario", "component", "year", "p5 (FLOP/s, mixed)",
                       "p50 (FLOP/s, mixed)", "implied cagr (%)"]  # unit, precision folded in
    body = cells(t)[1:]
    assert body[0] == ["bear", "total", "2030", "4.1 ZFLOPS", "1.47 ZFLOPS", "44%"]
    assert body[1] == ["base", "total", "2030", "", "12 ZFLOPS", ""]  # blanks for missing
    assert body[2] == ["bull", "total", "2030", "22 ZFLOPS", "56 ZFLOPS", "65.1%"]
    assert "NaN" not in t.html and "<NA>" not in t.html and "e+" not in t.html
    assert t.kinds["p50"] == "flops" and t.kinds["implied_cagr"] == "rate" and t.kinds["year"] == "year"


def test_table_keeps_a_precision_column_that_varies():
    df = headline().assign(precision=["FP16", "FP32", "FP16"])
    t = present.table(df)
    assert "<th>precision</th>" in t.html and "<th>p50 (FLOP/s)</th>" in t.html


def test_table_has_no_index_but_keeps_a_meaningful_one():
    plain = present.table(pd.DataFrame({"n": [1, 2]}, index=[7, 8]))  # row numbers of a filter
    assert re.findall(r"<th>(.*?)</th>", plain.html) == ["n"]
    labelled = present.table(pd.DataFrame({"n": [1, 2]}, index=["a", "b"]))
    assert re.findall(r"<th>(.*?)</th>", labelled.html) == ["index", "n"]
    ranged = present.table(pd.DataFrame({"n": [1, 2]}))
    assert re.findall(r"<th>(.*?)</th>", ranged.html) == ["n"]
    named = present.table(pd.DataFrame({"flops": [6.15e20]}, index=pd.Index([2021], name="year")))
    assert cells(named)[1] == ["2021", "615 EFLOPS"]


def test_table_counts_numbers_multiples_links_and_object_columns_holding_numbers():
    df = pd.DataFrame({
        "buyer": ["Microsoft", "Baidu"],
        "units": [485000.0, 2.6e5],
        "ratio_epoch": pd.array([1.234567, pd.NA], dtype=object),
        "score": [0.00012345, 12345.678],
        "document": ["Omdia note", "FT article"],
        "url": ["https://www.ft.com/content/x", None],
        "verified": [True, False],
    })
    t = present.table(df)
    body = cells(t)[1:]
    assert body[0] == ["Microsoft", "485,000", "1.23x", "0.000123", "Omdia note", "yes"]
    assert body[1] == ["Baidu", "260,000", "", "12,300", "FT article", "no"]
    assert '<a href="https://www.ft.com/content/x">Omdia note</a>' in t.html  # url on document
    lone = present.table(pd.DataFrame({"url": ["https://example.org/a/b"]}))
    assert '<a href="https://example.org/a/b">example.org</a>' in lone.html


def test_explicit_kinds_labels_and_precision():
    df = pd.DataFrame({"model": ["cagr"], "y2030": [2.2e22], "mape": [12.345], "usd": [3.5e10]})
    t = present.table(df, kinds={"y2030": "flops", "mape": "percent", "usd": "usd"},
                      labels={"y2030": "2030 forecast"}, precision="FP16")
    assert re.findall(r"<th>(.*?)</th>", t.html) == ["model", "2030 forecast", "mape (%)", "usd (USD)"]
    assert cells(t)[1] == ["cagr", "22 ZFLOPS", "12.3%", "$35 bn"]


def test_rows_in_another_unit_are_not_shown_as_flops():
    df = pd.DataFrame({"quantity": ["compute", "revenue"], "value": [1.4e21, 3.5e10],
                       "unit": ["FLOP/s", "USD"]})
    assert cells(present.table(df))[1:] == [["compute", "1.4 ZFLOPS", "FLOP/s"],
                                            ["revenue", "$35 bn", "USD"]]
    big = present.table(pd.DataFrame({"value": [1.4669e21, 2.5e9, -3e12]}))
    assert cells(big)[1:] == [["1.47 \u00d7 10\u00b2\u00b9"], ["2.5 \u00d7 10\u2079"],
                              ["-3 \u00d7 10\u00b9\u00b2"]]


def test_prefixed_flops_units_are_converted():
    df = pd.DataFrame({"year": [2022, 2023], "value": [650.0, 1.4], "unit": ["EFLOPS", "ZFLOP/s"]})
    t = present.table(df)
    assert cells(t)[1:] == [["2022", "650 EFLOPS"], ["2023", "1.4 ZFLOPS"]]
    assert "<th>value (FLOP/s)</th>" in t.html


def test_infinite_caps_read_as_no_limit():
    t = present.table(pd.DataFrame({"cap_flops": [1e23, math.inf]}))
    assert cells(t)[1:] == [["100 ZFLOPS"], ["no limit"]]


def test_wide_tables_scroll_and_captions_get_a_number_slot():
    t = present.table(headline(), caption="Headline <2030>")
    assert '<div class="cf-table-wrap">' in t.html and "overflow-x:auto" in t.html
    assert ('<caption class="cf-caption"><span class="cf-num" data-kind="Table"></span>'
            "Headline &lt;2030&gt;</caption>") in t.html
    assert t._repr_html_() == t.html


def test_cells_are_escaped():
    t = present.table(pd.DataFrame({"name": ["<script>x</script>"]}))
    assert "<script>" not in t.html.split("</style>", 1)[1]


def test_table_errors_name_the_problem():
    with pytest.raises(ParameterError, match=r"kinds\['p50'\].*unknown column kind.*'flop'"):
        present.table(headline(), kinds={"p50": "flop"})
    # a kind for a column the frame lacks is ignored (columns vary with parameters)
    assert present.table(headline(), kinds={"p99": "flops"}).html == present.table(headline()).html
    with pytest.raises(ParameterError, match="needs a DataFrame"):
        present.table([1, 2])
    with pytest.raises(ParameterError, match="3 rows are too many"):
        present.table(headline(), max_rows=2)


def test_frame_view_is_what_the_reader_sees():
    t = present.table(headline())
    assert list(t.frame.columns)[3] == "p5 (FLOP/s, mixed)"
    assert t.frame.iloc[0, 4] == "1.47 ZFLOPS"
    assert "1.47 ZFLOPS" in repr(t)


# -- figures -------------------------------------------------------------------------------

def test_figure_embeds_png_alt_caption_and_the_data_as_csv():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([2021, 2022], [6.15e20, 9.06e20], label="global")
    ax.set_title("Global compute")
    shown = present.figure(fig, caption="Two published years.")
    page = shown._repr_html_()
    assert 'alt="Global compute. Two published years."' in page
    assert 'src="data:image/png;base64,' in page
    assert '<span class="cf-num" data-kind="Figure"></span>Two published years.' in page
    href = re.search(r'download="global_compute.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"',
                     page).group(1)
    csv = base64.b64decode(href).decode()
    assert csv.splitlines() == ["panel,series,x,y", "Global compute,global,2021,6.15e+20",
                                "Global compute,global,2022,9.06e+20"]
    assert not plt.fignum_exists(fig.number)  # closed: Jupyter does not draw it twice
    given = present.figure(plt.figure(), caption="c", data=pd.DataFrame({"year": [2030]}),
                           name="x", alt="an empty chart")
    assert given.csv == "year\n2030\n" and given.alt == "an empty chart"
    with pytest.raises(ParameterError, match="needs a caption"):
        present.figure(plt.figure(), caption=" ")


def test_figure_save_as_writes_the_files_and_shows_the_saved_png_scaled(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from forecast import io, paths

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([2021, 2022], [6.15e20, 9.06e20], label="global")
    ax.set_title("Global compute")
    shown = present.figure(fig, caption="Two years.", save_as="two_years", output_dir=tmp_path)
    png, svg = paths.figure_paths("two_years", tmp_path)
    saved = png.read_bytes()
    assert b"<svg" in svg.read_bytes()[:400]

    def size(data):  # PNG IHDR: width and height, big-endian, at bytes 16-24
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

    # the page's image is the saved one at 110 of its 150 dots per inch
    (w, h), (sw, sh) = size(saved), size(shown.png)
    assert (sw, sh) == (round(w * 110 / io.DPI), round(h * 110 / io.DPI))
    assert shown.png[25] == 3  # IHDR colour type 3: an opaque chart gets a palette (small)
    assert not plt.fignum_exists(fig.number)
    clear, ax = plt.subplots(figsize=(4, 3))  # a transparent chart keeps its alpha channel
    clear.patch.set_alpha(0)
    ax.plot([0, 1], [0, 1])
    ax.set_title("Clear")
    kept = present.figure(clear, caption="Clear.", save_as="clear", output_dir=tmp_path)
    assert kept.png[25] == 6  # RGBA
    # a bad name is refused before anything is drawn or written
    with pytest.raises(ParameterError, match="figure name"):
        present.figure(plt.figure(), caption="c", save_as="../up", output_dir=tmp_path)
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "clear.png", "clear.svg", "two_years.png", "two_years.svg"]


def test_percent_errors_and_log_ratios_are_shown_as_what_they_are():
    """vintages' pct_error is already in percent ((ratio - 1) * 100): 4.63 is 4.63%, not 463%;
    a log ratio is a plain number, not a multiple."""
    frame = pd.DataFrame({"pct_error": [4.63], "mean_abs_pct_error": [12.0],
                          "mean_log_ratio": [0.0881], "ratio": [2.5]})
    shown = present.table(frame).frame.iloc[0].tolist()
    assert shown == ["4.63%", "12%", "0.0881", "2.5x"]
