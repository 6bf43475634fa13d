"""HTML rendering: offline pages, escaped provenance, index and scenario comparison pages."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from forecast import report

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
    assert "<tr><td>bear</td><td>2030</td><td>1e21</td></tr>" in page
    assert "<tr><td>bull</td><td>2030</td><td>5e21</td></tr>" in page
    assert page.count('src="data:image/png;base64,') == 2
    assert 'href="bear/html/03.html"' in page and 'href="../index.html"' in page


def test_scenario_page_with_different_headers_shows_one_table_each(tmp_path):
    for name, header in (("bear", "year,value"), ("bull", "year,total")):
        (tmp_path / name / "tables").mkdir(parents=True)
        (tmp_path / name / "tables" / "scenarios_headline.csv").write_text(f"{header}\n2030,1\n")
    page = report.render_scenarios([{"name": n, "dir": tmp_path / n} for n in ("bear", "bull")], run={})
    assert "<h2>bear: scenarios_headline.csv</h2>" in page and "<th>total</th>" in page
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
    assert "<tr><th>scenario</th><th>year</th><th>p50</th>" in page  # no second scenario column
    assert '<td title="1.4669459032906557e+21">1.47 ZFLOPS</td>' in page
    assert '<td title="5.6e22">56 ZFLOPS</td>' in page
    assert "<td>2030</td><td" in page
    assert '<td title="0.44">44.0%</td>' in page  # growth rates read as percentages
