"""The scenario comparison, the sweep pages and the explorer in Chinese (issue 24).

Each is rendered in both languages from the same tables: the Chinese one carries the catalog's
translation of its headings and no English heading, its numbers are the English page's numbers,
its charts draw no glyph as a box, and a section cached in one language is never shown in the
other.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import _sweep_fakes as fakes
import pytest

from forecast.i18n import gettext, use

#: a reader's number: a FLOP/s figure, a percentage or a probability text
NUMBER = re.compile(r"[<>]? ?\d[\d,.]*(?: [kMGTPEZY]?FLOPS|%)")


def numbers(html: str) -> list[str]:
    """The FLOP/s figures and percentages of a page, in page order (images left out)."""
    text = re.sub(r"data:[^\"]+", "", html)
    return NUMBER.findall(re.sub(r"<[^>]+>", " ", text))


def zh(text: str) -> str:
    translated = gettext(text, "zh")
    assert translated != text and re.search(r"[\u4e00-\u9fff]", translated), text
    return translated


def no_missing_glyph(render):
    """``render()`` with matplotlib's house font only, failing on a glyph drawn as a box."""
    from matplotlib import rc_context

    with rc_context({"font.family": ["DejaVu Sans"]}), warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        return render()


@pytest.fixture(scope="module")
def scenario_runs(tmp_path_factory):
    """Two scenario runs' tables (bear, base), as notebook 03 writes them."""
    from forecast.scenarios import comparison

    root = tmp_path_factory.mktemp("scenarios")
    both = comparison.simulate_all(["bear", "base"], n_paths=400, seed=3, end_year=2030,
                                   thresholds=["56 ZFLOPS", "20 ZFLOPS"], threshold_year=2030)
    runs = []
    for name in ("bear", "base"):
        tables = root / name / "tables"
        tables.mkdir(parents=True)
        for table, frame in zip(comparison.TABLES,
                                (both.headline, both.percentiles, both.thresholds)):
            frame[frame["scenario"] == name].to_csv(tables / f"{table}.csv", index=False)
        runs.append({"name": name, "dir": root / name})
    return runs


def test_the_comparison_sections_in_chinese_show_the_english_numbers(scenario_runs):
    import matplotlib

    matplotlib.use("Agg")
    from forecast.pipeline.site import sections

    with use("en"):
        english = sections.comparison_sections(scenario_runs)
    with use("zh"):
        chinese = no_missing_glyph(lambda: sections.comparison_sections(scenario_runs))
    for heading in ("The scenarios on one axis", "Medians by scenario", "Threshold probabilities"):
        assert heading in english and heading not in chinese
        assert zh(heading) in chinese
    # the pivots' columns: a scenario's name in the reader's language
    assert "base p50" in english and zh("{scenario} p50").format(scenario=zh("base")) in chinese
    assert numbers(chinese) == numbers(english) and len(numbers(english)) > 10


def test_a_section_cached_in_one_language_is_not_shown_in_the_other(tmp_path):
    from forecast.pipeline.site import sections

    def build():
        return gettext("Medians by scenario")

    with use("en"):
        assert sections.cached(tmp_path, "medians", [], build) == "Medians by scenario"
    with use("zh"):
        assert sections.cached(tmp_path, "medians", [], build) == zh("Medians by scenario")
    with use("en"):  # and back: each language keeps its own key
        assert sections.cached(tmp_path, "medians", [], build) == "Medians by scenario"


def test_the_sweep_page_in_chinese_and_its_cache(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from forecast.pipeline.sweep import driver, page

    project = fakes.make_project(tmp_path / "proj")
    report = driver.execute("fake", {"growth": [0.1, 0.2], "noise": [0, 1]}, jobs=1,
                            project=project, point_function=fakes.headline_point)
    sweep_dir = report.page.parent
    english = report.page.read_text(encoding="utf-8")
    info = json.loads((sweep_dir / "sweep.json").read_text(encoding="utf-8"))
    text = (sweep_dir / "sweep.csv").read_text(encoding="utf-8")
    with use("zh"):  # the same sweep.csv: the English analysis in .page-cache.json is not reused
        no_missing_glyph(lambda: page.write_pages(project, sweep_dir, info, text))
    chinese = report.page.read_text(encoding="utf-8")
    for heading in ("What moves the answer", "How each headline figure moves with each parameter"):
        assert heading in english and heading not in chinese and zh(heading) in chinese
    assert sorted(numbers(chinese)) == sorted(numbers(english))  # word order may differ
    assert zh("Parameter sweeps") in (sweep_dir.parent / "index.html").read_text(encoding="utf-8")


def test_the_explorer_in_chinese_labels_its_controls_and_still_takes_names(tmp_path):
    pytest.importorskip("ipywidgets")
    from forecast.present.explore import Explorer

    with use("zh"):
        explorer = no_missing_glyph(lambda: Explorer("base", n_paths=1000, directory=Path(
            __file__).resolve().parents[1] / "notebooks" / "params"))
        assert explorer.controls["growth_intelligent"].description == zh(
            "{component} growth").format(component=zh("intelligent"))
        assert repr(explorer.widget) == zh(  # what a page without a widget front end shows
            "Scenario explorer: interactive in JupyterLab (make lab, open 06_explore.ipynb, "
            "Run All Cells)")
        no_missing_glyph(lambda: explorer.set(component="intelligent"))
    assert explorer.controls["component"].value == "intelligent"
    assert explorer.thresholds()["component"].unique().tolist() == ["intelligent"]
