"""Tests of forecast.backtest_suite: several series backtested together, stacked by series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import backtest
from forecast.analysis import backtest_suite
from forecast.errors import DataError


@pytest.fixture(scope="module")
def series():
    years = np.arange(2015, 2021)
    # exact 50%-a-year growth, and a noisy series: cagr forecasts the first one exactly
    steady = pd.Series(100 * 1.5 ** (years - 2015), index=years, dtype=float)
    noisy = pd.Series([10.0, 13.0, 15.0, 21.0, 24.0, 33.0, 37.0, 50.0],
                      index=np.arange(2013, 2021))
    return {"steady": steady, "noisy": noisy}


@pytest.fixture(scope="module")
def windows():
    return {"steady": (3, 1), "noisy": (4, 2)}


@pytest.fixture(scope="module")
def runs(series, windows):
    return backtest_suite.run_all(series, ["cagr", "logistic"], windows, level=0.8)


def test_windows_table_lists_each_series_cutoffs(series, windows):
    table = backtest_suite.windows_table(series, windows).set_index("series")
    assert table.loc["steady", "cutoffs"] == "2017, 2018, 2019"
    assert table.loc["noisy", "cutoffs"] == "2016, 2017, 2018"
    assert (table.loc["noisy", "points"], table.loc["noisy", "first"]) == (8, "2013")
    with pytest.raises(DataError):
        backtest_suite.windows_table(series, {"steady": (6, 1), "noisy": (4, 2)})


def test_run_all_equals_one_run_per_series(series, windows, runs):
    assert list(runs) == ["steady", "noisy"]
    alone = backtest.run(series["noisy"], ["cagr", "logistic"], initial=4, horizon=2, level=0.8)
    pd.testing.assert_frame_equal(runs["noisy"], alone)
    steady = runs["steady"][runs["steady"]["model"] == "cagr"]
    np.testing.assert_allclose(steady["median"], steady["actual"], rtol=1e-12)


def test_failures_scores_rankings_and_verdicts_are_stacked(runs, windows):
    failed = backtest_suite.failures(runs)
    # a three-parameter logistic cannot be fitted on 3 points: failed at every steady cutoff
    assert failed.loc[("steady", "logistic"), "failed_fits"] == 3
    scored = backtest_suite.scores(runs)
    assert scored["series"].unique().tolist() == ["steady", "noisy"]
    pd.testing.assert_frame_equal(
        scored[scored["series"] == "noisy"].drop(columns="series").reset_index(drop=True),
        backtest.score(runs["noisy"]))
    assert list(backtest_suite.by_series(scored)) == ["steady", "noisy"]
    ranking = backtest_suite.rankings(scored, "mape", level=0.8)
    assert set(ranking["series"]) == {"steady", "noisy"}
    text = backtest_suite.verdicts(runs, "mape", windows)
    assert text.startswith("== steady ==\n") and "\n== noisy ==\n" in text
    counts = backtest_suite.scored_counts(scored)
    assert set(counts) == {"steady", "noisy"} and counts["steady"].endswith(" (3)")


def test_save_runs_writes_one_table_per_series(tmp_path, runs):
    backtest_suite.save_runs(runs, tmp_path)
    back = pd.read_csv(tmp_path / "tables" / "backtest_noisy.csv")
    assert len(back) == len(runs["noisy"]) and list(back.columns) == list(runs["noisy"].columns)
    assert (tmp_path / "tables" / "backtest_steady.csv").is_file()


def test_largest_change_names_its_period():
    y = pd.Series([1.0, 1.1, 2.2, 2.3], index=pd.period_range("2023Q1", periods=4, freq="Q"))
    change, when = backtest_suite.largest_change(y)
    assert change == pytest.approx(1.0) and str(when) == "2023Q3"
