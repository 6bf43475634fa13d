"""The change report: what reran and why, every headline that moved, run.log kept, ``diff``,
the exit status for cron jobs, and no stale page after ``run --scenario``.

Each test builds a throw-away project in tmp_path with two small notebooks written here:
``fig`` sums ``data/values.csv`` into a 2030 headline (and lists the rows its default
filter leaves out); ``scn`` has a ``scenario`` parameter, reads every scenario file's
``rate`` (as notebook 03 does) and writes the scenario tables the index and the
comparison page show.  Real kernels run them (about a second each), through
``compute-forecast`` itself (:func:`forecast.cli.main`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from forecast import cli
from forecast.pipeline import changes, runcache
from forecast.present import format_flops_sig
from forecast.scenarios.spec import FORMAT

pytestmark = pytest.mark.slow

VALUES = ("name,value,publisher,document,published,url,status\n"
          "a,1.5,Pub One,Report,2023,https://example.org/a,verified-primary\n"
          "b,2,Pub One,Report,2024,https://example.org/b,verified-primary\n"
          "c,7,Pub Other,Other report,2024,https://example.org/c,claim\n")

FIG = '''\
import csv
from pathlib import Path
from forecast import io
import pandas as pd
out = io.output_dir(output_dir)
with open(Path(data_dir or "../data") / "values.csv", newline="") as f:
    rows = list(csv.DictReader(f))
kept = [r for r in rows if r["publisher"] in publishers]
total = sum(float(r["value"]) for r in kept) * 1e21
io.save_table(pd.DataFrame([dict(target="global compute", scope="global", component="total",
    precision="mixed", year=2030, model="cagr", median=total, mean=total, lower=total / 2,
    upper=total * 2, level=0.8, unit="FLOP/s")]), "headline_fig", output_dir)
io.save_table(pd.DataFrame([dict(year=r["published"], value=r["value"], unit="ZFLOPS",
    publisher=r["publisher"], document=r["document"], status=r["status"])
    for r in rows if r["publisher"] not in publishers],
    columns=["year", "value", "unit", "publisher", "document", "status"]), "left_out_fig", output_dir)
print("total", total)
'''

SCN = '''\
import yaml
from pathlib import Path
from forecast import io
from forecast.present import format_flops_sig
import pandas as pd
out = io.output_dir(output_dir)
rates = {p.stem: yaml.safe_load(p.read_text())["rate"] for p in sorted(Path("params").glob("*.yaml"))}
table = pd.DataFrame([dict(scenario=n, component="total", precision="mixed", year=2030,
                           p5=1e22 * (1 + r) / 2, p50=1e22 * (1 + r), p95=2e22 * (1 + r))
                      for n, r in rates.items()])
mine = table[table["scenario"] == scenario]
io.save_table(mine, "scenarios_headline", output_dir)
io.save_table(table, "scenarios_comparison", output_dir)
m = float(mine["p50"].iloc[0])
io.save_table(pd.DataFrame([dict(target="global compute", scope="global", component="total",
    precision="mixed", year=2030, model=scenario, median=m, mean=m, lower=m / 2, upper=m * 2,
    level=0.9, unit="FLOP/s")]), "headline_scn", output_dir)
print("median of", scenario, format_flops_sig(m))
'''


def notebook(parameters: str, code: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "compute-forecast", "display_name": "Python",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Fixture"), cell, nbformat.v4.new_code_cell(code)]
    return nbformat.writes(nb)


@pytest.fixture(autouse=True)
def pinned_library(monkeypatch):
    """Others edit forecast/*.py and install packages while tests run: pin those parts of
    the cache key."""
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    monkeypatch.setattr(runcache, "packages_fingerprint", lambda: "pinned")


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    (root / "notebooks" / "params").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    (root / "data" / "values.csv").write_text(VALUES)
    (root / "notebooks" / "fig.ipynb").write_text(notebook(
        'data_dir = None  # data folder\noutput_dir = None  # outputs\n'
        'publishers = ["Pub One"]  # whose rows count', FIG))
    (root / "notebooks" / "scn.ipynb").write_text(notebook(
        'data_dir = None  # data folder\noutput_dir = None  # outputs\n'
        'scenario = "base"  # scenario file', SCN))
    for name, rate in (("bear", 0.2), ("base", 0.4)):
        set_rate(root, name, rate)
    monkeypatch.chdir(root)
    return root


def set_rate(root: Path, name: str, rate: float) -> None:
    (root / "notebooks" / "params" / f"{name}.yaml").write_text(
        f"format: {FORMAT}\nname: {name}\nrate: {rate}\n")


def compute_forecast(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_data_edit_is_reported_with_the_file_and_every_moved_headline(project, capsys):
    out = project / "outputs"
    code, text = compute_forecast(capsys, "run", "--only", "fig")
    assert code == 0 and "first recorded run" in text
    (project / "data" / "values.csv").write_text(VALUES + "d,0.5,Pub One,Report,2025,,claim\n")
    code, text = compute_forecast(capsys, "run", "--only", "fig", "--fail-on-change")
    assert code == changes.EXIT_MOVED == 3
    report = (out / "changes.md").read_text()
    # the notebook that reran and why; the data file; the headline old -> new (3.5 -> 4 ZFLOPS)
    assert "- `fig`: input data/values.csv changed" in report
    row = next(line for line in report.splitlines() if line.startswith("| fig: global compute"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == [format_flops_sig(3.5e21), format_flops_sig(4e21), "+14.3%"]
    assert "because data changed: data/values.csv" in report  # the warning
    # the row the default `publishers` filter leaves out is named
    assert "2024 total 7 ZFLOPS by Pub Other" in report and "`publishers` filter" in report
    index = (out / "index.html").read_text()
    assert 'id="changes"' in index and 'href="changes.md"' in index
    assert "because data changed: data/values.csv" in index
    # the answers lead; what changed follows them, before the pages
    assert index.index('id="key-figures"') < index.index('id="changes"')
    assert "warning: fig: global compute total 2030" in text
    # the threshold: a 14.3% move passes --threshold 20 and fails --threshold 10
    assert len(changes.runs(out)) == 2
    assert compute_forecast(capsys, "diff", "--fail-on-change", "--threshold", "20")[0] == 0
    code, text = compute_forecast(capsys, "diff", "--fail-on-change", "--threshold", "10%")
    assert code == 3 and "+14.3%" in text and "data/values.csv changed" in text
    # run.log keeps both runs, each under a dated line
    log = (out / "run.log").read_text()
    assert len(re.findall(r"^==== run started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC ====$", log,
                          re.M)) == 2


def test_nothing_changed_exits_0_and_says_so(project, capsys):
    assert compute_forecast(capsys, "run", "--only", "fig")[0] == 0
    code, text = compute_forecast(capsys, "run", "--only", "fig", "--fail-on-change")
    assert code == 0 and "nothing reran; no headline figure moved" in text
    saved = json.loads(changes.runs(project / "outputs")[-1].read_text())
    assert saved["canonical"] and saved["ran"] == []
    # a run with other parameters is recorded, but not compared against by the next one
    compute_forecast(capsys, "run", "--only", "fig", "--param", "publishers=['Pub Other']")
    assert not json.loads(changes.runs(project / "outputs")[-1].read_text())["canonical"]
    code, text = compute_forecast(capsys, "run", "--only", "fig", "--fail-on-change")
    assert code == 0 and "no headline figure moved" in text  # compared with the last default run


def test_diff_names_unknown_runs_in_one_line(project, capsys):
    code, text = compute_forecast(capsys, "diff")
    assert code == 2 and "no recorded run" in text and "Traceback" not in text
    compute_forecast(capsys, "run", "--only", "fig")
    code, text = compute_forecast(capsys, "diff", "nosuchrun")
    assert code == 2 and "no recorded run matches 'nosuchrun'" in text


def test_run_scenario_after_a_base_edit_leaves_no_page_with_the_old_median(project, capsys):
    out = project / "outputs"
    assert compute_forecast(capsys, "run", "--all-scenarios")[0] == 0
    assert compute_forecast(capsys, "run")[0] == 0
    old, new = format_flops_sig(1.4e22), format_flops_sig(1.9e22)
    pages = [out / "index.html", out / "scenarios" / "index.html", out / "html" / "scn.html",
             out / "scenarios" / "base" / "html" / "scn.html"]
    assert all(old in p.read_text() for p in pages[:2])
    set_rate(project, "base", 0.9)
    code, text = compute_forecast(capsys, "run", "--scenario", "base")
    assert code == 0
    for page in pages:
        assert old not in page.read_text(), page
    assert new in (out / "index.html").read_text() and new in pages[1].read_text()
    # the other scenario's copy read base.yaml too: refreshed, not left stale
    assert "stale" not in text.strip().splitlines()[-1]
    assert text.strip().splitlines()[-1] == f"open {out / 'index.html'}"
    report = (out / "changes.md").read_text()
    assert "notebooks/params/base.yaml changed" in report
    assert f"| base/scn: global compute total 2030, base (mixed, FLOP/s) | {old} | {new} |" in report


def test_a_partial_run_names_what_it_left_stale_in_its_last_line(project, capsys):
    assert compute_forecast(capsys, "run", "--all-scenarios")[0] == 0
    assert compute_forecast(capsys, "run")[0] == 0
    set_rate(project, "bear", 0.3)
    code, text = compute_forecast(capsys, "run", "--only", "fig")
    last = text.strip().splitlines()[-1]
    assert code == 0 and last.startswith("stale, not refreshed: scn (input "
                                         "notebooks/params/bear.yaml changed)")
    assert "base/scn" in last and "bear/scn" in last and last.endswith(
        "refresh with: compute-forecast run (it refreshes every stale folder)")
    code, text = compute_forecast(capsys, "run")
    assert code == 0 and text.strip().splitlines()[-1].startswith("open ")


def test_make_run_s_first_step_leaves_the_report_to_the_second(project, capsys):
    out = project / "outputs"
    compute_forecast(capsys, "run", "--all-scenarios", "--no-report")
    assert not changes.runs(out) and not (out / "changes.md").exists()
    compute_forecast(capsys, "run")
    set_rate(project, "base", 0.9)  # the scenario step sees it first, the report still shows it
    code, text = compute_forecast(capsys, "run", "--all-scenarios", "--no-report")
    assert code == 0 and text.strip().splitlines()[-1] == f"open {out / 'index.html'}"
    assert len(changes.runs(out)) == 1
    code, text = compute_forecast(capsys, "run", "--fail-on-change")
    report = (out / "changes.md").read_text()
    assert code == 3 and "| base/scn: global compute total 2030, base" in report


def test_a_failing_notebook_runs_once_per_command(project, capsys):
    assert compute_forecast(capsys, "run", "--only", "fig")[0] == 0  # a good run: then stale
    (project / "notebooks" / "fig.ipynb").write_text(notebook(
        'data_dir = None  # data folder\noutput_dir = None  # outputs\n', 'raise ValueError("no")'))
    code, text = compute_forecast(capsys, "run")
    assert code == 1 and text.count("failed   fig") == 1, text
    assert (project / "outputs" / "changes.md").read_text().count("- `fig`:") == 1
