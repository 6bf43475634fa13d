"""Stable identities in the forecast history (issue 23): a series is (notebook, target, scope,
component, precision, model, parameters), never a label holding a figure; the history chart
gives every series its own colour and marker and stays readable at 20 series."""

from __future__ import annotations

import json

import matplotlib
import pandas as pd
import pytest

from forecast.data import history
from forecast.present import plots

matplotlib.use("Agg")


def rows(n=1, **changes) -> pd.DataFrame:
    """``n`` history rows of one forecast, run a day apart, its median moving each run."""
    base = {"notebook": "01_global_compute", "target": "global compute", "scope": "global",
            "component": "total", "precision": "mixed", "year": 2030, "model": "cagr",
            "unit": "FLOP/s", "level": 0.8, "data_hash": "h", "version": "0.1.0",
            "parameters": json.dumps({"01_global_compute": {"end_year": 2030, "level": 0.8}})}
    frame = pd.DataFrame([{**base, "run_time": f"2026-11-{i + 1:02d}T10:00:00+00:00",
                           "median": 1.4e21 * (1 + i), "mean": 1.5e21 * (1 + i),
                           "lower": 1e21 * (1 + i), "upper": 2e21 * (1 + i)}
                          for i in range(n)])
    return frame.assign(**changes)


def test_a_forecast_that_moved_keeps_its_series():
    frame = rows(2)
    frame.loc[1, ["data_hash", "version"]] = ["other data", "0.2.0"]
    ids = history.series_ids(frame)
    assert ids.iloc[0] == ids.iloc[1] and ids.iloc[0].startswith("s") and len(ids.iloc[0]) == 9


@pytest.mark.parametrize("column, value", [
    ("notebook", "03_scenarios"), ("target", "intelligent compute"), ("scope", "china-device"),
    ("component", "intelligent"), ("precision", "FP16"), ("model", "logistic"),
    ("parameters", json.dumps({"01_global_compute": {"end_year": 2035, "level": 0.8}}))])
def test_each_identity_column_makes_another_series(column, value):
    frame = pd.concat([rows(1), rows(1, **{column: value})], ignore_index=True)
    ids = history.series_ids(frame)
    assert ids.iloc[0] != ids.iloc[1]


def test_parameters_are_compared_as_values_not_text():
    nested = json.dumps({"01_global_compute": {"level": 0.8, "end_year": 2030,
                                               "output_dir": "/tmp/x"}})
    flat = json.dumps({"end_year": 2030, "level": 0.8, "data_dir": "/elsewhere"})
    frame = pd.concat([rows(1), rows(1, parameters=nested), rows(1, parameters=flat)],
                      ignore_index=True)
    assert history.series_ids(frame).nunique() == 1
    assert history.notebook_parameters(flat, "01_global_compute") == \
        '{"end_year": 2030, "level": 0.8}'


def _record_runs(out, medians, parameters=None):
    for day, median in enumerate(medians, 1):
        tables = out / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        (tables / "headline_01_global_compute.csv").write_text(
            "target,scope,component,precision,year,model,median,mean,lower,upper,level,unit\n"
            f"global compute,global,total,mixed,2030,cagr,{median},{median},{median / 2},"
            f"{median * 2},0.8,FLOP/s\n")
        history.record_run(out, run_time=f"2026-11-{day:02d}T10:00:00+00:00",
                           parameters=parameters or {"01_global_compute": {"end_year": 2030}},
                           data_hash=f"data {day}", version="0.1.0")


def test_summary_follows_one_series_across_moved_figures(tmp_path):
    _record_runs(tmp_path, [1.4e21, 2e21, 2.2e21])  # new data each run
    table = history.summary(tmp_path)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["runs"], row["first_median"], row["latest_median"]) == (3, 1.4e21, 2.2e21)
    assert list(table.index.names) == ["notebook", "target", "scope", "component", "precision",
                                       "model", "series", "year"]


def test_summary_keeps_parameter_sets_apart(tmp_path):
    _record_runs(tmp_path, [1.4e21, 2e21])
    _record_runs(tmp_path, [9e21], parameters={"01_global_compute": {"end_year": 2035}})
    table = history.summary(tmp_path)
    assert sorted(table["runs"]) == [1, 2]
    assert table.index.unique("series").size == 2


# -- the chart ---------------------------------------------------------------------------------

def labelled_lines(fig):
    (axis,) = fig.axes
    return [line for line in axis.get_lines() if not line.get_label().startswith("_")]


def test_a_moved_forecast_is_one_line_in_the_chart():
    frame = rows(3).assign(canonical=True)
    (line,) = labelled_lines(plots.plot_forecast_history(frame, year=2030))
    assert line.get_label() == "01 cagr" and list(line.get_ydata()) == [1.4e21, 2.8e21, 4.2e21]


def test_twenty_series_each_have_their_own_colour_and_marker():
    models = ["cagr", "exponential", "logistic", "gompertz", "ets"]
    notebooks = ["01_global_compute", "02_ai_compute", "03_scenarios", "05_gpu"]
    frame = pd.concat([rows(2, notebook=nb, model=model) for nb in notebooks for model in models],
                      ignore_index=True).assign(canonical=True)
    fig = plots.plot_forecast_history(frame, year=2030)
    lines = labelled_lines(fig)
    assert len(lines) == 20
    styles = {(line.get_color(), line.get_marker()) for line in lines}
    assert len(styles) == 20
    labels = [line.get_label() for line in lines]
    assert len(set(labels)) == 20 and "03 logistic" in labels
    legend = fig.axes[0].get_legend()
    assert legend._ncols == 2 and len(legend.get_texts()) == 20


def test_scopes_and_exploratory_parameter_sets_are_told_apart_in_labels():
    other = json.dumps({"01_global_compute": {"end_year": 2035}})
    third = json.dumps({"01_global_compute": {"end_year": 2040}})
    frame = pd.concat([rows(2).assign(canonical=True),
                       rows(1, scope="china-device").assign(canonical=True),
                       rows(1, parameters=other).assign(canonical=False),
                       rows(1, parameters=third).assign(canonical=False)], ignore_index=True)
    labels = [line.get_label() for line in
              labelled_lines(plots.plot_forecast_history(frame, year=2030))]
    assert {"01 cagr global", "01 cagr china-device"} <= set(labels)
    exploratory = [label for label in labels if "exploratory" in label]
    assert len(exploratory) == 2 and len(set(exploratory)) == 2
    assert all(label.split()[-1].startswith("s") for label in exploratory)  # the series ids
