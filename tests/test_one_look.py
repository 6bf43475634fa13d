"""One look across the site: every kind of page carries the one stylesheet (screen and print)."""

import nbformat

from forecast.pipeline.site import pages
from forecast.pipeline.sweep import page as sweep_page
from forecast.present import html


def test_every_kind_of_page_carries_the_site_stylesheet(tmp_path):
    index = pages.render_index([], title="Index", run={})
    comparison = pages.render_scenarios([], run={})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page")])
    notebook = pages.render_notebook(nb, notebook_dir=tmp_path)
    sweep = sweep_page.render_list(tmp_path)
    for name, text in {"index": index, "comparison": comparison, "notebook": notebook,
                       "sweeps": sweep}.items():
        assert html.SITE_CSS in text, name
        assert "@media print" in text and "size: A4" in text, name


def test_the_page_shell_escapes_and_names_its_language():
    page = html.page("<b>x</b> & y", "<p>body</p>", lang="zh-Hans")
    assert "<title>&lt;b&gt;x&lt;/b&gt; &amp; y</title>" in page
    assert '<html lang="zh-Hans">' in page and "<p>body</p>" in page


def test_the_scenario_comparison_calls_the_scenarios_what_ifs(tmp_path):
    out = tmp_path / "outputs"
    (out / "html").mkdir(parents=True)
    (out / "html" / "07_answers.html").write_text("<p>answers</p>")
    (out / "scenarios" / "base").mkdir(parents=True)
    page = pages.render_scenarios([{"name": "base", "dir": out / "scenarios" / "base"}], run={})
    assert "What-ifs." in page and "not a probability estimate" in page
    assert "<title>Scenario comparison</title>" in page
    assert 'href="../html/07_answers.html"' in page       # the evidence-based answer, linked
    assert "00_answer.html" not in page                    # never a link to a missing page
