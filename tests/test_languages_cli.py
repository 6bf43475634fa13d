"""The languages on the command line and in the run plan (issue 24), without a kernel."""

from __future__ import annotations

import pytest

from _project import make_project
from forecast import cli
from forecast.errors import ParameterError
from forecast.pipeline import runplan
from forecast.pipeline.site import pages


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj", "typed", "ok", scenarios=("bear",), values=None)
    monkeypatch.chdir(root / "notebooks")
    return root


def test_an_unknown_language_is_one_line_with_exit_code_2(project, capsys):
    assert cli.main(["run", "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --lang: invalid choice: 'fr'" in err


def test_the_plan_has_one_job_per_notebook_and_language_each_in_its_folder(project):
    jobs = runplan.plan(project, langs=("en", "zh"))
    assert sorted(job.name for job in jobs) == ["ok", "typed", "zh/ok", "zh/typed"]
    for job in jobs:
        root = project / "outputs" if job.lang == "en" else project / "outputs" / "zh"
        assert job.run_dir == root == runplan.language_root(project, job.lang)
        assert job.inject.get("output_dir", str(root)) == str(root)
    with pytest.raises(ParameterError, match="--lang.*one of en, zh"):
        runplan.plan(project, langs=("de",))


@pytest.mark.parametrize("rel, lang, links", [
    ("index.html", "en", {"zh/index.html"}),
    ("index.html", "zh", {"../index.html"}),
    ("html/01_global_compute.html", "en", {"../zh/html/01_global_compute.html"}),
    ("html/01_global_compute.html", "zh", {"../../html/01_global_compute.html"}),
    ("scenarios/bear/index.html", "zh", {"../../../scenarios/bear/index.html"}),
])
def test_the_language_switch_links_to_the_same_page_in_the_other_language(rel, lang, links):
    import re

    switch = pages.language_switch(rel, ("en", "zh"), lang)
    assert set(re.findall(r'href="([^"]+)"', switch)) == links
    assert pages.language_switch(rel, ("en",), lang) == ""  # one language: no switch


def test_catalog_check_exits_1_naming_what_is_missing(project, capsys, monkeypatch):
    from forecast.pipeline import catalog

    monkeypatch.setattr(catalog, "check", lambda root, lang: ["x.po: no translation of 'y'"])
    assert cli.main(["catalog"]) == 1
    assert "no translation of 'y'" in capsys.readouterr().out
    monkeypatch.setattr(catalog, "check", lambda root, lang: [])
    assert cli.main(["catalog", "--check"]) == 0


def test_a_new_translation_reruns_the_chinese_pages_only(project, tmp_path, monkeypatch):
    """The cache key of a page in Chinese holds the catalogs' digest; English pages use none."""
    from forecast import i18n
    from forecast.pipeline import runner

    folder = tmp_path / "locale" / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "x.po").write_text('msgid "a"\nmsgstr "甲"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "catalog_dir", lambda: tmp_path / "locale")
    before = runner._Run(project, langs=("en", "zh"))
    assert before._language_key("en") == {}
    key = before._language_key("zh")
    (folder / "x.po").write_text('msgid "a"\nmsgstr "乙"\n', encoding="utf-8")
    after = runner._Run(project, langs=("en", "zh"))._language_key("zh")
    assert key["lang"] == after["lang"] == "zh" and key["catalog"] != after["catalog"]


def test_a_single_notebook_runs_in_the_callers_language(project):
    """run_notebook (and so each sweep point) takes the current language: a sweep started
    with COMPUTE_FORECAST_LANG=zh writes its points' pages in Chinese too."""
    from forecast import i18n

    path = project / "notebooks" / "ok.ipynb"
    assert runplan.single_job(project, path, {}, project / "out").lang == "en"
    with i18n.use("zh"):
        assert runplan.single_job(project, path, {}, project / "out").lang == "zh"
