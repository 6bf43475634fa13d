"""Notebook pages follow their data and parameters: the title, the prose and the tables agree.

The session's executed copy of the shipped project gives the default page; a copy is run with
one data figure edited (global 2023: 1397 -> 1700 EFLOPS) and with another scope
(``scope=china-device``); the rendered page must say the new figure everywhere (title, prose,
table), and nothing from the default page that no longer holds.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from forecast.pipeline import runner

pytestmark = pytest.mark.slow


def page(root: Path, stem: str, **parameters) -> dict:
    """Run one notebook of the copy and read its page: title, prose text, table cells."""
    out = root / "outputs"
    result = runner.run_notebook(root / "notebooks" / f"{stem}.ipynb", parameters, out,
                                 html=True, use_cache=False)
    assert result.status == "ok", result.error
    return read_page(out / "html" / f"{stem}.html")


def read_page(path: Path) -> dict:
    """A page's title, first heading, prose text and table cells."""
    text = path.read_text(encoding="utf-8")
    body = text.split('<footer class="cf-provenance"', 1)[0]
    body = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
              for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
             for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    prose = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    return {"title": html.unescape(re.search(r"<title>(.*?)</title>", text, re.S).group(1)),
            "h1": html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", body,
                                                                  re.S).group(1))).strip(),
            "text": prose, "cells": cells, "raw": text}


@pytest.fixture(scope="module")
def default_page(executed_project):
    out = executed_project.require("01_global_compute")
    return {**read_page(out / "html" / "01_global_compute.html"),
            "root": executed_project.root}


def test_default_page_states_the_published_figures(default_page):
    p = default_page
    assert p["title"] == p["h1"] == "01 · Global compute: history, the road to 2030, and the models"
    assert "The latest published Global total is 1.4 ZFLOPS for 2023, 54.2% more than" in p["text"]
    # CAICT WP 2022: 615 EFLOPS (2021) at 44% gives 16.4 ZFLOPS in 2030; 56 ZFLOPS needs 65.1%
    assert "At that pace 615 EFLOPS compounds to only 16.4 ZFLOPS by 2030; 56 ZFLOPS needs " \
           "65.1% a year" in p["text"]
    assert ["2023", "1.4 ZFLOPS"] == p["cells"][[r[:1] for r in p["cells"]].index(["2023"])][:2]
    # no local path leaks into the page: neither the project's folder nor the machine's
    assert "PosixPath" not in p["raw"]
    assert str(p["root"]) not in p["raw"] and str(p["root"].parent) not in p["raw"]


def test_a_data_edit_changes_title_prose_and_table_together(project_copy):
    root = project_copy
    data = root / "data" / "global_compute.csv"
    text = data.read_text(encoding="utf-8")
    assert text.count("global,total,2023,year,1397,EFLOPS") == 1
    data.write_text(text.replace("global,total,2023,year,1397,EFLOPS",
                                 "global,total,2023,year,1700,EFLOPS"), encoding="utf-8")
    p = page(root, "01_global_compute")
    # 1700 / 906 - 1 = 87.6%
    assert "The latest published Global total is 1.7 ZFLOPS for 2023, 87.6% more than" in p["text"]
    years = {r[0]: r for r in p["cells"] if r and r[0] in ("2020", "2021", "2022", "2023")}
    assert years["2023"][1] == "1.7 ZFLOPS"
    assert "1,397" not in p["text"] and "1397" not in p["text"]
    assert "1.4 ZFLOPS for 2023" not in p["text"]


def test_another_scope_retitles_and_renarrates_the_page(project_copy):
    p = page(project_copy, "01_global_compute", scope="china-device")
    assert p["title"] == "01 · China device compute: history, the road to 2030, and the models"
    # CAICT Blue Book 2024: 435 EFLOPS in 2023, +44% (data/global_compute.csv)
    assert "The latest published China device total is 435 EFLOPS for 2023, 44.0% more" in p["text"]
    assert "Global compute" not in p["text"]
    assert "615 EFLOPS" not in p["text"]  # the global 2021 figure belongs to the global page
    years = {r[0]: r for r in p["cells"] if r and r[0] in ("2020", "2021", "2022", "2023")}
    assert years["2023"][1] == "435 EFLOPS" and years["2020"][1] == "135 EFLOPS"


def test_a_scenario_page_is_titled_and_narrated_from_its_own_run(project_copy):
    import pandas as pd

    from forecast.present import format_value

    root = project_copy
    p = page(root, "03_scenarios", scenario="bear", n_paths=2000)
    assert p["title"].startswith("03 · Scenarios (what-ifs): Bear case")
    table = pd.read_csv(root / "outputs" / "tables" / "scenarios_headline.csv")
    total = table[(table["component"] == "total") & (table["year"] == 2030)].iloc[0]
    assert total["scenario"] == "bear"
    # the sentence quotes the table the notebook saved, formatted the way the table shows it
    said = (f"Under the bear scenario's assumptions the median total in 2030 is "
            f"{format_value(total['p50'], 'flops')} (5th-95th percentile "
            f"{format_value(total['p5'], 'flops')} to {format_value(total['p95'], 'flops')})")
    assert said in p["text"]
    assert [format_value(total["p50"], "flops")] == [
        r[5] for r in p["cells"] if r[:4] == ["bear", "total", "mixed", "2030"]][:1]  # p5, p50
    assert "2,000 growth paths" in p["text"]
    # the what-ifs stand beside the evidence-based answer of notebook 07 (issue 21)
    assert "assumptions (what-ifs)" in p["text"] and "evidence-based answer" in p["text"]
