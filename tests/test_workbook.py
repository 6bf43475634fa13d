"""The run's workbook: every table on its own sheet, values equal to the CSV, a listing first."""

import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from forecast.pipeline import workbook


@pytest.fixture
def out(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame({"scenario": ["base", "bull"], "year": [2030, 2030], "p50": [3.01e22, 4.5e22],
                  "implied_cagr": [0.541, 0.6], "precision": "mixed", "unit": "FLOP/s"}
                 ).to_csv(tables / "scenarios_headline.csv", index=False)
    pd.DataFrame({"model": ["cagr", "ets"], "mape": [12.5, math.nan], "note": ["x", None]}
                 ).to_csv(tables / "a_very_long_table_name_that_excel_cannot_hold_1.csv",
                          index=False)
    pd.DataFrame({"model": ["naive"], "n": [3]}).to_csv(
        tables / "a_very_long_table_name_that_excel_cannot_hold_2.csv", index=False)
    return tmp_path


def read_back(path: Path, sheet: str) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_every_table_reads_back_equal_to_its_csv(out):
    path = workbook.write(out, key_figures=[])
    listing = read_back(path, "tables")
    assert list(listing["table"]) == sorted(p.name for p in (out / "tables").glob("*.csv"))
    for sheet, table in zip(listing["sheet"], listing["table"]):
        assert len(sheet) <= 31
        csv = pd.read_csv(out / "tables" / table)
        back = read_back(path, sheet)
        assert list(back.columns) == list(csv.columns)
        pd.testing.assert_frame_equal(back.astype(object).where(back.notna(), None),
                                      csv.astype(object).where(csv.notna(), None),
                                      check_dtype=False)
    assert len(set(listing["sheet"].str.lower())) == len(listing)  # unique, as Excel wants


def test_numbers_are_numbers_with_formats_and_the_header_is_frozen(out):
    path = workbook.write(out, key_figures=[])
    book = openpyxl.load_workbook(path)
    ws = book["scenarios_headline"]
    header = [c.value for c in ws[1]]
    p50, cagr = ws.cell(2, header.index("p50") + 1), ws.cell(2, header.index("implied_cagr") + 1)
    assert p50.value == 3.01e22 and p50.number_format == "0.00E+00"
    assert cagr.value == 0.541 and cagr.number_format == "0.0%"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:F3"
    assert book.sheetnames[:2] == ["tables", "key figures"]
    listing = read_back(path, "tables").set_index("table")
    assert listing.loc["scenarios_headline.csv", "unit"] == "FLOP/s"
    assert listing.loc["scenarios_headline.csv", "precision"] == "mixed"


def test_pages_and_sources_come_from_the_executed_notebooks(out):
    import json

    (out / "notebooks").mkdir()
    meta = {"compute_forecast": {"outputs": ["tables/scenarios_headline.csv"],
                                 "sources": [{"publisher": "CAICT"}, {"publisher": "CAICT"},
                                             {"publisher": "Epoch AI"}]}}
    (out / "notebooks" / "03_scenarios.ipynb").write_text(json.dumps(
        {"cells": [], "metadata": meta, "nbformat": 4, "nbformat_minor": 5}))
    listing = read_back(workbook.write(out, key_figures=[]), "tables").set_index("table")
    assert listing.loc["scenarios_headline.csv", "page"] == "03_scenarios"
    assert listing.loc["scenarios_headline.csv", "sources"] == "CAICT, Epoch AI"


def test_key_figures_have_their_own_sheet(out):
    from types import SimpleNamespace

    kf = SimpleNamespace(question="How much?", answer="30.1 ZFLOPS", detail="detail",
                         table="t.csv", page="03_scenarios")
    back = read_back(workbook.write(out, key_figures=[kf]), "key figures")
    assert back.iloc[0].tolist() == ["How much?", "30.1 ZFLOPS", "detail", "t.csv", "03_scenarios"]


def test_a_failed_build_leaves_the_old_workbook(out, monkeypatch):
    path = workbook.write(out, key_figures=[])
    before = path.read_bytes()
    monkeypatch.setattr(workbook, "build", lambda *a, **k: (_ for _ in ()).throw(OSError("disk")))
    with pytest.raises(workbook.ForecastError, match="compute-forecast.xlsx"):
        workbook.write(out, key_figures=[])
    assert path.read_bytes() == before
    shutil.rmtree(out / "tables")
