"""Calibrated top-down bands: methods, pooled errors, block bootstrap, real-time coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import calibration as cal
from forecast.errors import DataError, ParameterError


def _random_walks(n_series: int, n: int, *, drift=0.3, sd=0.1, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_series):
        z = np.cumsum(drift + sd * rng.standard_normal(n))
        out[f"s{k}"] = pd.Series(np.exp(z), index=range(1950, 1950 + n))
    return out


def test_methods_follow_their_formulas():
    z = np.log([100.0, 200.0, 300.0, 600.0])
    growth3 = cal.method("growth_3y")
    assert growth3.growth(z) == pytest.approx(np.log(6.0) / 3)
    assert cal.method("growth_2y").growth(z) == pytest.approx(np.log(3.0) / 2)
    # the whole-series CAGR equals the 3-year growth on a 4-point series
    assert cal.method("cagr").growth(z) == pytest.approx(growth3.growth(z))
    # OLS slope of ln y on t = 0..3 (numpy.polyfit as the reference)
    assert cal.method("loglinear").growth(z) == pytest.approx(np.polyfit(np.arange(4), z, 1)[0])
    damped = cal.method("damped")
    # h = 2: growth x (0.9 + 0.81)
    assert damped.log_path(z, [2])[0] == pytest.approx(z[-1] + np.log(6.0) / 3 * 1.71)
    assert cal.method("growth_3y").log_path(z, [1, 2]) == pytest.approx(
        z[-1] + np.log(6.0) / 3 * np.array([1, 2]))
    with pytest.raises(ParameterError, match="unknown top-down method"):
        cal.method("holt")


def test_rolling_errors_are_actual_minus_forecast_at_each_origin():
    y = pd.Series([1.0, 2.0, 4.0, 8.0, 8.0], index=range(2000, 2005))
    e = cal.rolling_errors({"y": y}, [cal.method("growth_2y")], horizons=[1, 2])
    # origins 2002 (3 points) and 2003; 2002 forecasts 2003 (h=1) and 2004 (h=2)
    assert list(zip(e["origin"], e["horizon"])) == [(2002, 1), (2002, 2), (2003, 1)]
    # from 2003 the 2-year growth is x2 a year: 16 forecast, 8 observed
    assert e["error"].tolist() == pytest.approx([0.0, -np.log(2.0), -np.log(2.0)])
    assert (e["target"] == e["origin"] + e["horizon"]).all()


def test_rolling_errors_reject_gaps_and_non_positive_values():
    with pytest.raises(DataError, match="one value every year"):
        cal.rolling_errors({"y": pd.Series([1.0, 2, 3, 4], index=[2000, 2001, 2003, 2004])})
    with pytest.raises(DataError, match="positive finite"):
        cal.rolling_errors({"y": pd.Series([1.0, 0, 3, 4], index=range(2000, 2004))})


def test_yearly_keeps_the_frontier_and_fills_gaps_geometrically():
    s = pd.Series([1.0, 4.0, 2.0, 16.0], index=[2000.2, 2000.7, 2001.5, 2003.1])
    y = cal.yearly(s)
    assert list(y.index) == [2000, 2001, 2002, 2003]
    # 2001's best (2) is below 2000's (4): the frontier stays at 4; 2002 = sqrt(4 x 16)
    assert y.tolist() == pytest.approx([4.0, 4.0, 8.0, 16.0])


def test_a_correctly_specified_method_covers_near_nominal_out_of_sample():
    """Bands from one set of random walks, scored on independent ones: near 80% and 90%."""
    method = cal.Method("growth_5y", "constant growth over 5 years", window=5)
    # overlapping errors carry little information each: many series on both sides
    train = cal.rolling_errors(_random_walks(40, 80, seed=1), [method], horizons=[3])
    test = cal.rolling_errors(_random_walks(40, 80, seed=2), [method], horizons=[3])
    lo80, hi80, lo90, hi90 = cal.band_quantiles(train, "growth_5y", 3,
                                                [0.1, 0.9, 0.05, 0.95], n_boot=200)
    e = test["error"].to_numpy()
    assert np.mean((e >= lo80) & (e <= hi80)) == pytest.approx(0.8, abs=0.04)
    assert np.mean((e >= lo90) & (e <= hi90)) == pytest.approx(0.9, abs=0.03)


def test_realtime_coverage_of_a_correctly_specified_method_is_near_nominal():
    method = cal.Method("growth_5y", "constant growth over 5 years", window=5)
    errors = cal.rolling_errors(_random_walks(6, 80, seed=3), [method], horizons=[1, 4])
    cov = cal.realtime_coverage(errors, levels=(0.8, 0.9))
    assert set(cov.columns) >= {"method", "horizon", "level", "nominal", "coverage",
                                "n_origins", "ci_low", "ci_high"}
    for _, row in cov.iterrows():
        assert row["coverage"] == pytest.approx(row["nominal"], abs=0.06)
        assert row["ci_low"] <= row["nominal"] <= row["ci_high"]
        assert not cal.fails(cov, "growth_5y", int(row["horizon"]), row["level"])
    # overlap: the interval at 4 years is wider than at 1 year (n_eff = forecasts / h)
    width = (cov["ci_high"] - cov["ci_low"]).to_numpy()
    assert width[cov["horizon"].to_numpy() == 4].min() > width[cov["horizon"].to_numpy() == 1].max()


def test_a_biased_method_fails_its_realtime_check():
    # growth slows from 0.5 to 0.1 a year halfway: whole-series growth keeps over-forecasting
    rng = np.random.default_rng(4)
    series = {}
    for k in range(5):
        steps = np.r_[np.full(30 + 3 * k, 0.5), np.full(50 - 3 * k, 0.1)]
        series[f"s{k}"] = pd.Series(np.exp(np.cumsum(steps + 0.02 * rng.standard_normal(80))),
                                    index=range(1900, 1980))
    errors = cal.rolling_errors(series, [cal.method("cagr")], horizons=[5])
    cov = cal.realtime_coverage(errors, levels=(0.9,), min_errors=10)
    assert cal.fails(cov, "cagr", 5, 0.9)
    # a method never scored at a horizon fails too: its band is untested there
    assert cal.fails(cov, "cagr", 7, 0.9)


def test_block_bootstrap_of_ar1_errors_widens_the_band_over_iid():
    rng = np.random.default_rng(5)
    e = np.zeros(60)
    for t in range(1, 60):
        e[t] = 0.9 * e[t - 1] + rng.standard_normal()
    iid = cal.predictive_draws([e], block=1, n_boot=2000, seed=0)
    block = cal.predictive_draws([e], block=10, n_boot=2000, seed=0)
    width = {k: np.subtract(*np.quantile(v, [0.95, 0.05])) for k, v in
             (("iid", iid), ("block", block))}
    # the centre: an iid bootstrap of the mean has sd ~ s / sqrt(n); blocks see the persistence
    sd_iid = cal.bootstrap_centre([e], block=1, n_boot=2000, seed=0).std()
    sd_block = cal.bootstrap_centre([e], block=10, n_boot=2000, seed=0).std()
    assert sd_iid == pytest.approx(e.std() / np.sqrt(60), rel=0.1)
    assert sd_block > 2 * sd_iid
    # the draws' variance is the errors' own plus their centre's
    assert block.var() == pytest.approx(e.var() + sd_block ** 2, rel=0.01)
    assert iid.var() == pytest.approx(e.var() + sd_iid ** 2, rel=0.01)
    assert width["block"] > 1.015 * width["iid"]


def test_block_bootstrap_of_iid_errors_changes_little():
    e = np.random.default_rng(6).standard_normal(200)
    sd_iid = cal.bootstrap_centre([e], block=1, n_boot=4000, seed=1).std()
    sd_block = cal.bootstrap_centre([e], block=5, n_boot=4000, seed=1).std()
    assert sd_block == pytest.approx(sd_iid, rel=0.15)


def test_wilson_interval_matches_the_textbook_value():
    # Wilson (1927) / Agresti & Coull (1998): 8 of 10 -> (0.490, 0.943) at 95%
    lo, hi = cal.wilson(0.8, 10)
    assert (lo, hi) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_long_series_are_yearly_and_positive():
    series = cal.long_series()
    assert {"top500_sum", "top500_no1", "top500_no500", "transistors", "specint"} <= set(series)
    for s in series.values():
        assert (np.diff(np.asarray(s.index)) == 1).all() and (s > 0).all()
    assert series["top500_sum"].index[0] == 1993
