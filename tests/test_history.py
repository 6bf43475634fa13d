"""Tests of forecast.history: the append-only record of our own headline forecasts."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import pandas as pd
import pytest

from forecast.data import headline
from forecast.data import history
from forecast.errors import DataError, ParameterError

HEADLINE = ("target,scope,component,precision,year,model,median,mean,lower,upper,level,unit\n"
            "global compute,global,total,mixed,2030,cagr,5.6e+22,6.1e+22,1.2e+22,9.87654321e+22,"
            "0.8,FLOP/s\n"
            "global compute,global,total,mixed,2031,cagr,7.1e+22,7.9e+22,1.5e+22,1.3e+23,"
            "0.8,FLOP/s\n")
#: a history as record_run wrote it before the schema had median and level
OLD_HISTORY = ("run_time,notebook,target,scope,component,precision,year,model,mean,lower,upper,"
               "unit,parameters,data_hash,version\n"
               "2026-11-20T08:00:00+00:00,01_global_compute,global compute,global,total,mixed,"
               "2030,cagr,1.64e+22,8e+21,3.3e+22,FLOP/s,{},sha256:old,0.0.9\n")


def _write_headline(out, stem="02_global", text=HEADLINE):
    tables = out / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    (tables / f"headline_{stem}.csv").write_text(text)


def _record(out, **kwargs):
    args = {"run_time": datetime(2026, 11, 25, 12, 0, 0), "parameters": {"scenario": "base"},
            "data_hash": "sha256:abc", "version": "0.1.0"}
    return history.record_run(out, **{**args, **kwargs})


def test_history_columns_are_the_headline_columns_with_run_metadata():
    assert history.HISTORY_COLUMNS == ("run_time", "notebook", *headline.COLUMNS, "parameters",
                                       "data_hash", "version")


def test_record_run_creates_history_with_header(tmp_path):
    _write_headline(tmp_path)
    assert _record(tmp_path) == 2
    lines = (tmp_path / history.HISTORY_FILE).read_text().splitlines()
    assert lines[0] == ",".join(history.HISTORY_COLUMNS)
    # numbers copied as written; metadata on every row
    assert lines[1] == ('2026-11-25T12:00:00+00:00,02_global,global compute,global,total,mixed,'
                        '2030,cagr,5.6e+22,6.1e+22,1.2e+22,9.87654321e+22,0.8,FLOP/s,'
                        '"{""scenario"": ""base""}",sha256:abc,0.1.0')


def test_record_run_appends_keeping_earlier_bytes(tmp_path):
    _write_headline(tmp_path)
    _record(tmp_path)
    path = tmp_path / history.HISTORY_FILE
    before = path.read_bytes()
    _write_headline(tmp_path, "03_china", HEADLINE.replace("global", "China"))
    assert _record(tmp_path, run_time="2026-11-26T09:00:00+00:00",
                   parameters={"scenario": "bull"}) == 4
    assert path.read_bytes()[:len(before)] == before
    frame = history.load_history(tmp_path)
    assert tuple(frame.columns) == history.HISTORY_COLUMNS
    assert frame["notebook"].tolist() == ["02_global"] * 4 + ["03_china"] * 2
    assert json.loads(frame["parameters"].iloc[-1]) == {"scenario": "bull"}
    assert (frame["median"].iloc[1], frame["mean"].iloc[1]) == (7.1e22, 7.9e22)
    assert str(frame["run_time"].iloc[-1]) == "2026-11-26 09:00:00+00:00"


def test_record_run_only_named_notebooks(tmp_path):
    _write_headline(tmp_path, "02_global")
    _write_headline(tmp_path, "03_china")
    assert _record(tmp_path, notebooks=["03_china"]) == 2
    assert set(history.load_history(tmp_path)["notebook"]) == {"03_china"}
    with pytest.raises(DataError, match="no headline table for a notebook that was asked for"):
        _record(tmp_path, notebooks=["05_gpu"])


def test_record_run_without_headlines_writes_nothing(tmp_path):
    assert _record(tmp_path) == 0
    assert not (tmp_path / "history").exists()


def test_record_run_repairs_a_cut_history_and_refuses_an_unknown_header(tmp_path):
    _write_headline(tmp_path)
    _record(tmp_path)
    path = tmp_path / history.HISTORY_FILE
    whole = path.read_bytes()
    cut = whole[:-5]  # as if a write had been interrupted
    path.write_bytes(cut)
    with pytest.warns(history.HistoryRepairedWarning, match="last line was cut"):
        assert _record(tmp_path) == 2
    header_end = whole.index(b"\n") + 1
    row_end = whole.index(b"\n", header_end) + 1
    assert path.read_bytes() == whole[:row_end] + whole[header_end:]  # the cut row is set aside
    assert len(history.load_history(tmp_path)) == 3
    (aside,) = path.parent.glob("forecast_history.torn-*.txt")
    assert aside.read_bytes() == cut[row_end:]
    path.write_bytes(b"run_time,target\n")
    with pytest.raises(DataError) as info:
        _record(tmp_path)
    assert "line 1: forecast history has an unexpected header" in str(info.value)
    assert path.read_bytes() == b"run_time,target\n"


def test_record_run_checks_the_headline_schema(tmp_path):
    # a headline table in the old schema (no median, no level) is refused, naming the file
    old = "target,scope,component,precision,year,model,mean,lower,upper,unit\n" \
          "global compute,global,total,mixed,2030,cagr,1,0.5,2,FLOP/s\n"
    _write_headline(tmp_path, text=old)
    with pytest.raises(DataError) as info:
        _record(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'tables' / 'headline_02_global.csv'}, "
                                      "column 'median': headline table lacks a column")
    # a bad value names its line; nothing is written
    _write_headline(tmp_path, text=HEADLINE.replace(",0.8,FLOP/s\nglobal", ",8,FLOP/s\nglobal"))
    with pytest.raises(DataError) as info:
        _record(tmp_path)
    assert (info.value.line, info.value.column) == (2, "level")
    assert not (tmp_path / "history").exists()


def test_record_run_checks_metadata(tmp_path):
    _write_headline(tmp_path)
    with pytest.raises(ParameterError, match="parameter 'parameters': must be a mapping"):
        _record(tmp_path, parameters=["scenario", "base"])
    with pytest.raises(ParameterError, match="parameter 'data_hash': must be a non-empty string"):
        _record(tmp_path, data_hash="")


def test_record_run_keeps_parameters_json_cannot_hold_as_text(tmp_path):
    _write_headline(tmp_path)
    _record(tmp_path, parameters={"02_global": {"start": date(2026, 1, 1), "end_year": 2030}})
    stored = json.loads(history.load_history(tmp_path)["parameters"].iloc[0])
    assert stored == {"02_global": {"end_year": 2030, "start": "2026-01-01"}}


def test_load_history_missing(tmp_path):
    with pytest.raises(DataError, match="no forecast history yet"):
        history.load_history(tmp_path)


# --- a history written in the old format ----------------------------------------------------

def test_old_history_is_set_aside_byte_for_byte_and_read_back(tmp_path):
    path = tmp_path / history.HISTORY_FILE
    path.parent.mkdir(parents=True)
    path.write_text(OLD_HISTORY)
    _write_headline(tmp_path)
    with pytest.warns(history.HistoryFormatWarning, match="kept as .*forecast_history.v1.csv"):
        assert _record(tmp_path) == 2
    assert (tmp_path / history.HISTORY_FILE_V1).read_text() == OLD_HISTORY
    assert path.read_text().splitlines()[0] == ",".join(history.HISTORY_COLUMNS)
    frame = history.load_history(tmp_path)
    assert tuple(frame.columns) == history.HISTORY_COLUMNS
    assert frame["version"].tolist() == ["0.0.9", "0.1.0", "0.1.0"]
    old = frame.iloc[0]
    # the old `mean` column held the point forecast (a median): it comes back as median
    assert old["median"] == 1.64e22 and math.isnan(old["mean"]) and math.isnan(old["level"])
    assert (old["lower"], old["upper"]) == (8e21, 3.3e22)
    # the next run appends to the new file and leaves the old one alone
    _record(tmp_path, run_time="2026-11-27T10:00:00+00:00")
    assert (tmp_path / history.HISTORY_FILE_V1).read_text() == OLD_HISTORY
    assert len(history.load_history(tmp_path)) == 5


def test_old_history_is_never_overwritten(tmp_path):
    kept = tmp_path / history.HISTORY_FILE_V1
    kept.parent.mkdir(parents=True)
    kept.write_text(OLD_HISTORY)
    (tmp_path / history.HISTORY_FILE).write_text(OLD_HISTORY.replace("0.0.9", "0.0.8"))
    _write_headline(tmp_path)
    with pytest.raises(DataError, match="already kept beside it"):
        _record(tmp_path)
    assert kept.read_text() == OLD_HISTORY
    assert "0.0.8" in (tmp_path / history.HISTORY_FILE).read_text()


def test_load_history_reads_an_old_history_alone(tmp_path):
    kept = tmp_path / history.HISTORY_FILE_V1
    kept.parent.mkdir(parents=True)
    kept.write_text(OLD_HISTORY)
    frame = history.load_history(tmp_path)
    assert len(frame) == 1 and frame["median"].iloc[0] == 1.64e22


def test_summary_tracks_the_median_across_runs(tmp_path):
    assert history.summary(tmp_path).empty
    _write_headline(tmp_path)
    _record(tmp_path)
    _write_headline(tmp_path, text=HEADLINE.replace("5.6e+22,6.1e+22", "5.0e+22,5.5e+22"))
    _record(tmp_path, run_time="2026-11-28T00:00:00+00:00")
    table = history.summary(tmp_path)
    (series,) = table.index.unique("series")
    row = table.loc[("02_global", "global compute", "global", "total", "mixed", "cagr", series,
                     2030)]
    assert (row["runs"], row["first_median"], row["latest_median"]) == (2, 5.6e22, 5.0e22)
    assert str(row["latest_run"]) == "2026-11-28 00:00:00+00:00"
    assert list(table.columns) == ["runs", "first_run", "latest_run", "first_median",
                                   "latest_median"]
    pd.testing.assert_index_equal(table.index.unique("year"), pd.Index([2030, 2031], name="year"))
