"""Tests of forecast.headline: the one definition of the headline-table schema."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.data import headline
from forecast.errors import DataError


def _row(**changes):
    row = {"target": "global compute", "scope": "global", "component": "total",
           "precision": "mixed", "year": 2030, "model": "cagr", "median": 1.64e22,
           "mean": 1.9e22, "lower": 8.0e21, "upper": 3.3e22, "level": 0.8, "unit": "FLOP/s"}
    row.update(changes)
    return row


def test_columns_are_the_contract():
    # contract 1 of the shared brief, in this order
    assert headline.COLUMNS == ("target", "scope", "component", "precision", "year", "model",
                                "median", "mean", "lower", "upper", "level", "unit")


def test_table_orders_and_types_columns():
    shuffled = {k: v for k, v in reversed(list(_row(year=2030.0).items()))}
    frame = headline.table([shuffled, _row(year=2035, median=3e22, mean=3.5e22, upper=6e22)])
    assert list(frame.columns) == list(headline.COLUMNS)
    assert frame["year"].dtype == np.int64 and frame["year"].tolist() == [2030, 2035]
    assert frame["level"].dtype == np.float64
    assert frame["median"].tolist() == [1.64e22, 3e22]


def test_table_accepts_a_frame_and_empty_rows():
    frame = headline.table(pd.DataFrame([_row()])[list(reversed(headline.COLUMNS))])
    assert list(frame.columns) == list(headline.COLUMNS)
    empty = headline.table([])
    assert list(empty.columns) == list(headline.COLUMNS) and len(empty) == 0


def test_csv_round_trip_is_exact(tmp_path):
    frame = headline.table([_row(median=1.2345678901234567e22, lower=1e22)])
    path = tmp_path / "headline_x.csv"
    frame.to_csv(path, index=False)
    back = headline.validate(pd.read_csv(path), path=path)
    pd.testing.assert_frame_equal(back, frame)


@pytest.mark.parametrize("median, sigma", [(1.0, 1.0), (615e18, 0.3), (2.5, 0.01)])
def test_lognormal_mean_matches_scipy(median, sigma):
    # scipy.stats.lognorm(s=sigma, scale=exp(mu)).mean() = exp(mu + sigma^2 / 2)
    assert headline.lognormal_mean(median, sigma) == pytest.approx(
        stats.lognorm(s=sigma, scale=median).mean(), rel=1e-12)


def test_lognormal_mean_textbook_value_and_arrays():
    # mean of the standard lognormal (mu = 0, sigma = 1) is e^(1/2) = 1.6487212707...
    assert headline.lognormal_mean(1.0, 1.0) == pytest.approx(math.exp(0.5), rel=1e-15)
    out = headline.lognormal_mean(np.array([1.0, 2.0]), 1.0)
    np.testing.assert_allclose(out, [math.exp(0.5), 2 * math.exp(0.5)], rtol=1e-15)


@pytest.mark.parametrize("change, column, expected", [
    ({"scope": ""}, "scope", "a non-empty text"),
    ({"model": None}, "model", "a non-empty text"),
    ({"year": 2030.5}, "year", "a whole year"),
    ({"year": "soon"}, "year", "a whole year"),
    ({"mean": float("nan")}, "mean", "a finite number"),
    ({"upper": float("inf")}, "upper", "a finite number"),
    ({"level": 1.0}, "level", "strictly between 0 and 1"),
    ({"level": 80}, "level", "strictly between 0 and 1"),
    ({"lower": 2e22}, "lower", "lower <= median"),
    ({"upper": 1e22}, "upper", "median <= upper"),
])
def test_bad_values_name_row_and_column(change, column, expected):
    with pytest.raises(DataError) as info:
        headline.table([_row(), _row(**{"year": 2035, **change})])
    assert info.value.column == column
    assert expected in str(info.value) and "row 1" in str(info.value)


def test_mean_may_lie_outside_the_interval():
    # a very skewed lognormal: the mean is above the upper bound of an 80% interval
    median, sigma = 1.0, 3.0
    upper = math.exp(stats.norm.ppf(0.9) * sigma)
    frame = headline.table([_row(median=median, mean=headline.lognormal_mean(median, sigma),
                                 lower=1 / upper, upper=upper)])
    assert frame["mean"].iloc[0] > frame["upper"].iloc[0]


def test_missing_and_unknown_columns():
    row = _row()
    del row["level"]
    with pytest.raises(DataError, match="headline row 0 lacks a column") as info:
        headline.table([row])
    assert info.value.column == "level"
    with pytest.raises(DataError, match="outside the schema") as info:
        headline.table(pd.DataFrame([_row(status="ok")]))
    assert info.value.column == "status"


def test_the_same_figure_twice_is_refused():
    with pytest.raises(DataError, match="the same figure is given twice"):
        headline.table([_row(), _row(median=1.7e22)])
    # another level of the same model and year is another figure
    assert len(headline.table([_row(), _row(level=0.9, lower=6e21, upper=4e22)])) == 2


def test_validate_names_file_and_line(tmp_path):
    path = tmp_path / "headline_01.csv"
    pd.DataFrame([_row(), _row(year=2035, level=0)]).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        headline.validate(pd.read_csv(path), path=path)
    assert (info.value.path, info.value.line, info.value.column) == (path, 3, "level")
    assert str(info.value).startswith(f"{path}, line 3, column 'level'")
