"""Small inconsistencies of issue 23: one text for a probability on every page, and chart CSVs
without a pandas row-number column."""

from __future__ import annotations

import base64
import csv
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from forecast import present  # noqa: E402
from forecast.pipeline.site import sections  # noqa: E402


@pytest.mark.parametrize("p, text", [(0.0, "< 0.1%"), (0.0004, "< 0.1%"), (0.001, "0.1%"),
                                     (0.7083, "70.8%"), (0.999, "99.9%"), (0.9996, "> 99.9%"),
                                     (1.0, "> 99.9%")])
def test_a_probability_has_one_text(p, text):
    assert present.format_probability(p) == text
    cell = re.search(r'<td class="cf-num">(.*?)</td>', present.table(
        pd.DataFrame({"label": ["x"], "p": [p]}), kinds={"p": "probability"}).html).group(1)
    assert cell == text.replace("<", "&lt;").replace(">", "&gt;")


def write_thresholds(folder, name, probability):
    (folder / "tables").mkdir(parents=True)
    pd.DataFrame([{"scenario": name, "component": "total", "year": 2030, "label": "56 ZFLOPS",
                   "threshold": 5.6e22, "probability": probability, "se": 0.0}]).to_csv(
        folder / "tables" / "scenarios_thresholds.csv", index=False)


def test_the_comparison_page_never_says_0_percent_for_a_rare_event(tmp_path):
    write_thresholds(tmp_path / "bear", "bear", 0.0)
    write_thresholds(tmp_path / "bull", "bull", 0.0004)
    page = sections.comparison_sections([{"name": n, "dir": tmp_path / n} for n in ("bear", "bull")])
    at = page.index('id="thresholds"')
    cells = re.findall(r'<td class="cf-num">(.*?)</td>', page[at:])
    assert cells[-2:] == ["&lt; 0.1%", "&lt; 0.1%"]  # one text everywhere, never "0%"
    assert ">0%<" not in page[at:]


def csv_of(shown) -> list[list[str]]:
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', shown._repr_html_())
    return list(csv.reader(io.StringIO(base64.b64decode(href.group(1)).decode())))


@pytest.mark.parametrize("index, header", [
    (None, ["model", "value"]),                               # a RangeIndex: left out
    ([4, 9], ["model", "value"]),                             # row numbers left by a filter
    (pd.Index([2029, 2030], name="year"), ["year", "model", "value"]),  # a named index is data
])
def test_chart_csvs_have_no_pandas_row_number_column(index, header):
    frame = pd.DataFrame({"model": ["cagr", "ets"], "value": [1.5, 2.5]})
    if index is not None:
        frame.index = index
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    rows = csv_of(present.figure(fig, caption="A chart.", data=frame))
    assert rows[0] == header and len(rows) == 3


def test_a_filtered_frame_s_csv_starts_with_its_first_column():
    frame = pd.DataFrame({"scenario": ["bear", "base", "bull"], "p50": [1.0, 2.0, 3.0]})
    mine = frame[frame["scenario"] != "bear"]
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    rows = csv_of(present.figure(fig, caption="A chart.", data=mine))
    assert rows == [["scenario", "p50"], ["base", "2.0"], ["bull", "3.0"]]


# -- rows a default filter leaves out are named (notebook 01) ---------------------------------------

@pytest.mark.slow
def test_notebook_01_names_a_newer_total_its_publishers_filter_leaves_out(tmp_path):
    import subprocess
    import tarfile

    import papermill

    from pathlib import Path

    ROOT = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "data"], check=True,
                             capture_output=True).stdout  # the shipped data, not a user's edits
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    data = tmp_path / "data"
    with open(data / "global_compute.csv", "a", encoding="utf-8") as handle:
        handle.write("global,total,2024,year,2000,EFLOPS,mixed,point,,,,Example Research,Example "
                     "report 2025,2025-03,https://example.org/r,,claim,a total by another "
                     "publisher\n")
    out = tmp_path / "outputs"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "01_global_compute.ipynb"), str(tmp_path / "01.ipynb"),
        parameters={"data_dir": str(data), "output_dir": str(out), "models": ["cagr"]},
        kernel_name="compute-forecast", cwd=str(ROOT / "notebooks"), progress_bar=False)
    left = pd.read_csv(out / "tables" / "left_out_01_global_compute.csv")
    assert sorted(left["publisher"]) == ["Example Research", "H3C; CAICT"]
    page = (tmp_path / "01.ipynb").read_text()
    assert "2024, 2000 EFLOPS by Example Research (claim)" in page
    assert "2024 is later than the series' last year (2023)" in page


# -- the change report on two hand-made snapshots (no kernel) -------------------------------------

def snapshot_with(median, inputs, left=()):
    figure = {"dir": "", "notebook": "01_global_compute", "target": "global compute",
              "scope": "global", "component": "total", "precision": "mixed", "year": "2030",
              "model": "cagr", "level": "0.8", "unit": "FLOP/s"}
    from forecast.pipeline import changes

    return {"format": 1, "run_id": f"run{median}", "finished": "2026-12-06T00:00:00+00:00",
            "canonical": True, "command": "compute-forecast run", "ran": [],
            "notebooks": {"01_global_compute": {"dir": "", "stem": "01_global_compute",
                                                "key": {"library": "x"}, "inputs": inputs}},
            "headlines": {changes.identity(figure): {**figure, "median": median,
                                                     "lower": median / 2, "upper": median * 2}},
            "key_figures": {}, "left_out": list(left)}


def test_a_data_change_that_moves_a_headline_is_a_warning_and_a_new_left_out_row_too(tmp_path):
    from forecast.pipeline import changes

    row = {"dir": "", "notebook": "01_global_compute", "year": "2024", "value": "2100.0",
           "unit": "EFLOPS", "publisher": "Example", "document": "Doc", "status": "claim"}
    old = snapshot_with(2.14e22, {"data/global_compute.csv": "aaa"})
    new = snapshot_with(4.21e21, {"data/global_compute.csv": "bbb"}, [row])
    found = changes.compare(old, new)
    assert found.data_files == ["data/global_compute.csv"]
    assert [round(m.relative, 4) for m in found.moved] == [round(4.21e21 / 2.14e22 - 1, 4)]
    assert found.warnings[0] == ("01_global_compute: global compute total 2030, cagr (mixed, "
                                 "FLOP/s) moved -80.3% (21.4 ZFLOPS -> 4.21 ZFLOPS) because data "
                                 "changed: data/global_compute.csv")
    assert found.warnings[1].startswith("newly left out of a series: 01_global_compute: 2024 "
                                        "total 2100 EFLOPS by Example (Doc, claim)")
    assert changes.exit_code(found, fail_on_change=True, threshold=0.8) == 3
    assert changes.exit_code(found, fail_on_change=True, threshold=0.81) == 0
    assert changes.exit_code(found, fail_on_change=False) == 0
    # the index's box names the new row once (as a warning), not twice
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "changes.json").write_text(__import__("json").dumps(
        {"summary": found.summary(), "warnings": found.warnings, "left_out": found.left_out}))
    box = changes.index_section(tmp_path)
    assert box.count("2100 EFLOPS by Example") == 1 and box.count("cf-error") == 2
