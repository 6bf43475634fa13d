"""What every run publishes beside the pages: the workbook, and with --pdf the pages as PDF."""

from __future__ import annotations

import openpyxl
import pytest

from forecast import cli

from _project import make_project

pytestmark = pytest.mark.slow  # runs a fixture notebook through the CLI


@pytest.fixture
def project(tmp_path, monkeypatch, pinned_library):
    root = make_project(tmp_path / "proj", "ok", values=None)
    (root / "outputs" / "tables").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


def test_every_run_writes_the_workbook_and_a_rerun_keeps_it(project, capsys):
    table = project / "outputs" / "tables" / "values.csv"
    table.write_text("year,value,unit\n2030,5.6e22,FLOP/s\n")
    assert cli.main(["run", "-q"]) == 0
    book = project / "outputs" / "compute-forecast.xlsx"
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets[:2] == ["tables", "key figures"] and "values" in sheets
    first = book.stat().st_mtime_ns
    assert cli.main(["run", "-q"]) == 0  # nothing changed: the workbook is not rebuilt
    assert book.stat().st_mtime_ns == first
    table.write_text("year,value,unit\n2030,2e22,FLOP/s\n")
    assert cli.main(["run", "-q"]) == 0  # a table changed: rebuilt with the new value
    ws = openpyxl.load_workbook(book)["values"]
    assert ws.cell(2, 2).value == 2e22


def test_pdf_without_chromium_fails_in_one_line_before_running(project, capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("COMPUTE_FORECAST_CHROMIUM", raising=False)
    assert cli.main(["run", "-q", "--pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "chromium" in err
    assert not (project / "outputs" / "index.html").exists()  # nothing ran
