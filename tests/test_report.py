"""HTML rendering: offline pages, escaped provenance, index and scenario comparison pages."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from forecast.pipeline.site import pages as report

# What a browser would fetch: src/href of script, link, img, iframe; CSS url() and @import.
FETCHED = re.compile(r"""<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*["']"""
                     r"""\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


def executed_notebook():
    """A notebook as papermill leaves it, with outputs that try to load remote resources."""
    nb = new_notebook(metadata={"kernelspec": {"name": "compute-forecast", "language": "python",
                                               "display_name": "Python (compute-forecast)"}})
    nb.cells = [
        new_markdown_cell("# Title\n\nMath $x^2$ and a remote image ![r](https://example.com/a.png)"),
        new_code_cell("secret_code = 1", execution_count=1),
        new_code_cell("display(HTML(...))", execution_count=2, outputs=[new_output(
            "display_data", data={"text/html": '<script src="https://cdn.example.com/x.js"></script>'
                                               '<link rel="stylesheet" href="//cdn.example.com/s.css">'
                                               '<img src="http://example.com/b.png">'
                                               '<style>@import url("https://fonts.example.com/f.css");'
                                               '.a{background:url(https://e.com/i.png)}</style>'
                                               '<a href="https://example.com/doc">a link</a>'})]),
        new_code_cell("print(1)", execution_count=3,
                      outputs=[new_output("stream", name="stdout", text="printed 1\n")]),
    ]
    nb.cells[2].metadata["tags"] = []
    return nb


def test_pages_fetch_nothing_from_the_network(tmp_path):
    page = report.render_notebook(executed_notebook(), notebook_dir=tmp_path)
    assert FETCHED.search(page) is None, FETCHED.search(page).group(0)
    assert "mathjax" not in page.lower() and "require.js" not in page.lower()
    assert 'href="https://example.com/doc"' in page  # links are not fetched: kept
    assert "printed 1" in page


def test_code_hidden_by_default_and_shown_on_request(tmp_path):
    nb = executed_notebook()
    assert "secret_code" not in report.render_notebook(nb, notebook_dir=tmp_path)
    assert "secret_code" in report.render_notebook(nb, notebook_dir=tmp_path, show_code=True)


def test_tags_hide_inputs_outputs_and_cells(tmp_path):
    nb = executed_notebook()
    nb.cells[3].metadata["tags"] = ["remove-output"]
    nb.cells[1].metadata["tags"] = ["remove-cell"]
    page = report.render_notebook(nb, notebook_dir=tmp_path, show_code=True)
    assert "printed 1" not in page and "secret_code" not in page
    assert '<span class="nb">print</span>' in page  # the input of the output-less cell is kept


def test_local_markdown_images_are_embedded(tmp_path):
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
    (tmp_path / "dot.png").write_bytes(png)
    nb = new_notebook(cells=[new_markdown_cell("![a dot](dot.png)")])
    page = report.render_notebook(nb, notebook_dir=tmp_path)
    assert 'src="data:image/png;base64,' in page and 'src="dot.png"' not in page


@pytest.mark.parametrize("before, after", [
    ('<script src="https://x.org/a.js"></script>', ""),
    ("<script src='//x.org/a.js'></script>", ""),
    ('<script src="local.js"></script>', '<script src="local.js"></script>'),
    ('<link rel="stylesheet" href="https://x.org/s.css">', ""),
    ('<iframe src="https://x.org/"></iframe>', ""),
    ('<img src="https://x.org/i.png" alt="i">', '<img src="" alt="i">'),
    ('<img src="data:image/png;base64,AAAA">', '<img src="data:image/png;base64,AAAA">'),
    ("a { background: url('https://x.org/i.png') }", "a { background: url() }"),
    ('@import url("https://x.org/f.css");', ""),
    ('<a href="https://x.org/">x</a>', '<a href="https://x.org/">x</a>'),
])
def test_offline_strips_external_references(before, after):
    assert report.offline(before) == after


def test_footer_escapes_everything_from_data():
    footer = report.provenance_footer({
        "run_started": "2026-01-01T00:00:00+00:00", "seconds": 1.25, "git_commit": None,
        "library_version": "0.1.0", "python": "3.11.2", "kernel": "compute-forecast",
        "parameters": {"scope": "<b>global</b>", "end_year": 2030},
        "data_files": [{"path": "data/a&b.csv", "sha256": "ab" * 32}],
        "sources": [{"publisher": "<img src=x onerror=alert(1)>", "document": "Doc",
                     "published": "2023", "url": "javascript:alert(1)", "status": "claim"},
                    {"publisher": "CAICT", "document": "White paper", "published": "2022",
                     "url": "https://example.org/?a=1&b=2", "status": "verified-primary"}]})
    assert "<b>" not in footer and "<img" not in footer
    assert "&lt;img src=x onerror=alert(1)&gt;" in footer
    assert "javascript:" not in footer  # only http(s) URLs become links
    assert '<a href="https://example.org/?a=1&amp;b=2">White paper</a>' in footer
    assert "data/a&amp;b.csv" in footer and "ab" * 32 in footer
    assert "2026-01-01T00:00:00+00:00 (1.2 s)" in footer or "(1.3 s)" in footer
    assert "none (not a git checkout)" in footer
    assert "<td><code>&#x27;&lt;b&gt;global&lt;/b&gt;&#x27;</code></td>" in footer


def test_index_lists_status_links_and_errors():
    page = report.render_index([
        {"stem": "01_a", "title": "Global <compute>", "status": "ok", "finished": "2026-01-01 10:00 UTC",
         "seconds": 3.21, "html": "html/01_a.html", "notebook": "notebooks/01_a.ipynb",
         "failed_html": None, "error": "", "figures": ["figures/f.png"], "tables": ["tables/t.csv"]},
        {"stem": "02_b", "title": "B", "status": "failed", "finished": "", "seconds": 1.0,
         "html": None, "notebook": None, "failed_html": "failed/02_b.html",
         "error": "ValueError: <bad>", "figures": [], "tables": []},
        {"stem": "03_c", "title": "C", "status": "cached", "finished": "", "seconds": None,
         "html": "html/03_c.html", "notebook": None, "failed_html": None, "error": "",
         "figures": [], "tables": []},
    ], title="outputs", run={"run_started": "now", "library_version": "0.1.0"},
        links=[("scenarios/index.html", "scenario comparison")])
    assert '<a href="html/01_a.html">Global &lt;compute&gt;</a>' in page
    assert 'href="failed/02_b.html"' in page and "ValueError: &lt;bad&gt;" in page
    assert page.count('class="cf-status cf-') == 3 and "cf-cached" in page
    assert "3.2 s" in page and 'href="figures/f.png"' in page and 'href="tables/t.csv"' in page
    assert 'href="scenarios/index.html"' in page
    assert FETCHED.search(page) is None


def test_scenario_page_combines_headline_tables(tmp_path):
    for name, value in (("bear", "1e21"), ("bull", "5e21")):
        (tmp_path / name / "tables").mkdir(parents=True)
        (tmp_path / name / "tables" / "scenarios_headline.csv").write_text(f"year,value\n2030,{value}\n")
        (tmp_path / name / "figures").mkdir()
        (tmp_path / name / "figures" / "fan_total.png").write_bytes(b"\x89PNG fake")
    page = report.render_scenarios(
        [{"name": "bear", "dir": tmp_path / "bear", "pages": [("bear/html/03.html", "Scenarios")]},
         {"name": "bull", "dir": tmp_path / "bull", "pages": []}], run={})
    assert "<tr><th>scenario</th><th>year</th><th>value</th></tr>" in page
    # no unit column: a large number is written with a power of ten, never 1e+21
    assert '<tr><td class="cf-short">bear</td><td class="cf-num">2030</td><td class="cf-num">1 \u00d7 10\u00b2\u00b9</td></tr>' in page
    assert '<tr><td class="cf-short">bull</td><td class="cf-num">2030</td><td class="cf-num">5 \u00d7 10\u00b2\u00b9</td></tr>' in page
    assert page.count('src="data:image/png;base64,') == 2
    assert 'alt="fan total: bear scenario"' in page
    assert '<span class="cf-num" data-kind="Figure">Figure 2.</span> fan total: bull scenario' in page
    assert 'href="bear/html/03.html"' in page and 'href="../index.html"' in page
    assert "Not yet computed: the scenario runs have not written" in page
    assert "Download the data" not in page  # no percentiles table: no empty download


def test_scenario_figures_carry_their_own_rows_as_csv(tmp_path):
    import base64

    (tmp_path / "bear" / "tables").mkdir(parents=True)
    (tmp_path / "bear" / "figures").mkdir()
    (tmp_path / "bear" / "figures" / "scenarios_fan_total.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "bear" / "tables" / "scenarios_percentiles.csv").write_text(
        "scenario,component,year,p50\nbear,total,2030,7.6e21\nbull,total,2030,2.9e23\n")
    page = report.render_scenarios([{"name": "bear", "dir": tmp_path / "bear"}], run={},
                                   comparison="", rows="")
    data = re.search(r'download="bear_percentiles.csv" href="data:text/csv;charset=utf-8;base64,'
                     r'([^"]+)"', page).group(1)
    assert base64.b64decode(data).decode() == "scenario,component,year,p50\nbear,total,2030,7.6e21\n"


def test_scenario_page_with_different_headers_still_shows_every_row(tmp_path):
    for name, header in (("bear", "year,value"), ("bull", "year,total")):
        (tmp_path / name / "tables").mkdir(parents=True)
        (tmp_path / name / "tables" / "scenarios_headline.csv").write_text(f"{header}\n2030,1\n")
    page = report.render_scenarios([{"name": n, "dir": tmp_path / n} for n in ("bear", "bull")], run={})
    assert "<th>value</th>" in page and "<th>total</th>" in page
    empty = report.render_scenarios([{"name": "x", "dir": tmp_path / "none"}], run={})
    assert "No scenario has written <code>tables/scenarios_headline.csv</code> yet." in empty


def test_rendered_page_round_trips_through_nbformat(tmp_path):
    nb = executed_notebook()
    text = nbformat.writes(nb)
    assert report.render_notebook(nbformat.reads(text, as_version=4), notebook_dir=tmp_path) == \
        report.render_notebook(nb, notebook_dir=tmp_path)


def test_scenario_table_with_its_own_scenario_column_and_flops(tmp_path):
    for name, value in (("bear", "1.4669459032906557e+21"), ("bull", "5.6e22")):
        (tmp_path / name / "tables").mkdir(parents=True)
        (tmp_path / name / "tables" / "scenarios_headline.csv").write_text(
            f"scenario,year,p50,implied_cagr,unit\n{name},2030,{value},0.44,FLOP/s\n")
    page = report.render_scenarios([{"name": n, "dir": tmp_path / n} for n in ("bear", "bull")], run={})
    assert "<tr><th>scenario</th><th>year</th><th>p50 (FLOP/s)</th><th>implied cagr (%)</th></tr>" in page
    assert '<td class="cf-num">1.47 ZFLOPS</td>' in page
    assert '<td class="cf-num">56 ZFLOPS</td>' in page
    assert '<td class="cf-num">44%</td>' in page  # growth rates read as percentages
    assert "e+21" not in page.split("</style>")[-1]


# -- site furniture: contents, index link, numbered captions, titles -----------------------------

def prose_notebook():
    from forecast import present

    table = present.table(__import__("pandas").DataFrame({"year": [2030], "flops": [2e22]}),
                          caption="The 2030 figure.")
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAeIhvDMAAAAASUVORK5CYII="
    return new_notebook(cells=[
        new_code_cell("title", execution_count=1, outputs=[new_output(
            "display_data", data={"text/markdown": "# China-device compute to 2030",
                                  "text/plain": "Prose"})]),
        new_markdown_cell("## History"),
        new_code_cell("chart", execution_count=2, outputs=[new_output(
            "display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
        new_markdown_cell("## The 2030 question"),
        new_code_cell("table", execution_count=3, outputs=[new_output(
            "display_data", data={"text/html": table._repr_html_(), "text/plain": "t"})]),
    ])


def test_pages_link_the_index_have_contents_and_numbered_captions(tmp_path):
    page = report.render_notebook(prose_notebook(), notebook_dir=tmp_path, title="fallback")
    assert "<title>China-device compute to 2030</title>" in page  # the heading made by prose
    assert '<nav class="cf-nav"><a href="../index.html">' in page
    toc = re.search(r'<nav class="cf-toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc) == [
        ("History", "History"), ("The-2030-question", "The 2030 question")]
    assert 'id="History"' in page and 'id="The-2030-question"' in page
    # a chart shown without present.figure still gets alt text and a caption from its section
    assert "No description has been provided" not in page
    assert 'alt="Figure 1. History"' in page
    assert '<span class="cf-num">Figure 1.</span> History</figcaption>' in page
    assert '<span class="cf-num" data-kind="Table">Table 1.</span> The 2030 figure.' in page


def test_finish_page_numbers_in_page_order_and_keeps_ids():
    slot = '<span class="cf-num" data-kind="{}"></span>'
    page = ("<html><head><title>x</title></head><body><h1>T</h1><h2 id='a' >A</h2>"
            .replace("'", '"') + slot.format("Figure") + slot.format("Table") + "<h2>B</h2>"
            + slot.format("Figure") + "</body></html>")
    done = report.finish_page(page, index_href="../../index.html")
    assert re.findall(r'data-kind="\w+">(\w+ \d)\.', done) == ["Figure 1", "Table 1", "Figure 2"]
    assert '<h2 id="a" >A</h2>' in done and '<h2 id="B">B</h2>' in done
    assert '<a href="../../index.html">' in done and "<title>T</title>" in done


def test_footer_sources_deduplicated_and_paths_relative_to_the_project():
    source = {"publisher": "CAICT", "document": "", "published": "2023",
              "url": "https://www.caict.ac.cn/x.pdf", "status": "verified-primary"}
    footer = report.provenance_footer({
        "parameters": {"data_dir": "/home/ann/proj/data", "scope": "global",
                       "output_dir": "/tmp/r/proj/outputs/scenarios/bear"},
        "data_files": [{"path": "/home/ann/proj/data/global_compute.csv", "sha256": "ab"}],
        "sources": [source, dict(source)]})
    assert footer.count("caict.ac.cn/x.pdf") == 1
    assert '<a href="https://www.caict.ac.cn/x.pdf">caict.ac.cn</a>' in footer  # no title: the host
    assert "/home/ann" not in footer and "/tmp/r" not in footer
    assert "&#x27;data&#x27;" in footer and "&#x27;outputs/scenarios/bear&#x27;" in footer
    assert "<code>data/global_compute.csv</code>" in footer


# -- scenario comparison tables (key figures: tests/test_keyfigures.py) ------------------------

COMPARISON = """scenario,component,precision,year,p5,p50,p95,implied_cagr,unit
base,total,mixed,2030,9.757e21,3.0103e22,1.0929e23,0.54,FLOP/s
bear,total,mixed,2030,5.04e21,7.63e21,1.22e22,0.3,FLOP/s
base,total,mixed,2035,1e22,1e23,1e24,0.5,FLOP/s
"""
THRESHOLDS = """scenario,component,precision,year,threshold,label,probability,mc_stderr
base,total,mixed,2030,5.6e+22,> 56 ZFLOPS,0.21135,0.0029
base,total,mixed,2030,2e+22,> 20 ZFLOPS,0.70825,0.0032
bear,total,mixed,2030,5.6e+22,> 56 ZFLOPS,0.0,0.0001
bear,total,mixed,2030,2e+22,> 20 ZFLOPS,0.0005,0.0002
"""


def tables_dir(tmp_path, **files):
    (tmp_path / "tables").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / "tables" / f"{name}.csv").write_text(text)
    return tmp_path


def test_scenario_fans_one_axis_and_pivots(tmp_path):
    from forecast.pipeline.site import sections as site

    for name, g in (("bear", 0.3), ("base", 0.5)):
        rows = ["scenario,component,precision,year,p5,p25,p50,p75,p95,unit"]
        for k, year in enumerate(range(2021, 2031)):
            mid = 6.15e20 * (1 + g) ** k
            rows.append(f"{name},total,mixed,{year},{mid / 2},{mid / 1.4},{mid},{mid * 1.4},{mid * 2},FLOP/s")
        # each scenario's folder holds every scenario's rows: only its own are used
        tables_dir(tmp_path / name, scenarios_percentiles="\n".join(rows) + "\n",
                   scenarios_headline=COMPARISON, scenarios_thresholds=THRESHOLDS)
    html_text = site.comparison_sections([{"name": n, "dir": tmp_path / n} for n in ("bear", "base")])
    assert html_text.count('src="data:image/png;base64,') == 1  # one chart: both fans on one axis
    assert 'download="scenario_fans_total.csv"' in html_text
    assert "<th>bear p50</th><th>base p50</th>" in html_text or "<th>base p50</th><th>bear p50</th>" in html_text
    assert '<td class="cf-num">7.63 ZFLOPS</td>' in html_text and '<td class="cf-num">30.1 ZFLOPS</td>' in html_text
    # a probability reads as on the index: "< 0.1%", never "0%" (issue 23)
    assert '<td class="cf-num">70.8%</td>' in html_text and '<td class="cf-num">&lt; 0.1%</td>' in html_text
    assert '<td class="cf-num">0%</td>' not in html_text


def test_history_rows_are_canonical_only_with_default_parameters():
    from forecast.pipeline.site import sections as site

    defaults = {"01_global_compute": {"end_year": 2030, "models": ["cagr", "ets"]}}
    assert site.canonical('{"01_global_compute": {"end_year": 2030, "models": ["cagr", "ets"]}}',
                          "01_global_compute", defaults)
    assert not site.canonical('{"01_global_compute": {"end_year": 2035}}', "01_global_compute", defaults)
    assert site.canonical('{"end_year": 2030}', "01_global_compute", defaults)  # flat form
    assert not site.canonical('{"end_year": 2030}', "99_unknown", defaults)
    assert not site.canonical("not json", "01_global_compute", defaults)


def test_history_section_draws_the_runs_with_their_data(tmp_path):
    from forecast.data import history
    from forecast.pipeline.site import sections as site

    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "01_global_compute.ipynb").write_text(nbformat.writes(new_notebook(cells=[
        new_code_cell("end_year = 2030", metadata={"tags": ["parameters"]})])))
    out = root / "outputs"
    (out / "history").mkdir(parents=True)
    header = ",".join(history.HISTORY_COLUMNS)
    line = ('{t},01_global_compute,global compute,global,total,mixed,2030,cagr,{m},{m},8e21,3e22,0.8,'
            'FLOP/s,"{p}",sha256:x,0.1.0')
    runs = [("2026-11-01T00:00:00+00:00", 1.6e22, '{""01_global_compute"": {""end_year"": 2030}}'),
            ("2026-11-02T00:00:00+00:00", 2.6e22, '{""01_global_compute"": {""end_year"": 2035}}')]
    (out / "history" / "forecast_history.csv").write_text(
        header + "\n" + "\n".join(line.format(t=t, m=m, p=p) for t, m, p in runs) + "\n")
    text = site.history_section(out, root)
    assert text.startswith('<h2 id="forecast-history">How our 2030 forecast moved, run by run</h2>')
    assert "each of 2 recorded runs" in text and "(1 of the 2)" in text
    csv_uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', text).group(1)
    import base64

    data = base64.b64decode(csv_uri).decode()
    assert ",True," in data and ",False," in data
    assert "No forecast history" in site.history_section(tmp_path / "empty", root)
