"""Trends on dated events: OLS against R's printed lm output, growth figures, frontiers, breaks.

Reference values:

* R's ``cars`` data (tests/data/cars.csv, source in tests/data/README.md).  R prints
  (R 4.x, ``summary(lm(dist ~ speed, data = cars))``)::

      Coefficients:
                  Estimate Std. Error t value Pr(>|t|)
      (Intercept) -17.5791     6.7584  -2.601   0.0123 *
      speed         3.9324     0.4155   9.464 1.49e-12 ***
      Residual standard error: 15.38 on 48 degrees of freedom
      Multiple R-squared:  0.6511,	Adjusted R-squared:  0.6438

  and ``confint(lm(dist ~ speed, data = cars))``::

                       2.5 %    97.5 %
      (Intercept) -31.167850 -3.990340
      speed         3.096964  4.767853

* statsmodels ``OLS`` called directly (log10 fits with 90% intervals, and the
  F test of the interaction model that the Chow statistic equals).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from forecast.analysis import trends
from forecast.errors import DataError, ParameterError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cars():
    return pd.read_csv(DATA / "cars.csv")


def test_line_matches_r_lm_on_cars_in_any_order(cars):
    shuffled = cars.sample(frac=1.0, random_state=3)  # unsorted, repeated x
    fit = trends.line(shuffled["speed"], shuffled["dist"], level=0.95)
    assert (fit.n, fit.df) == (50, 48)
    assert round(fit.intercept, 4) == -17.5791
    assert round(fit.stderr_intercept, 4) == 6.7584
    assert round(fit.slope, 4) == 3.9324
    assert round(fit.stderr_slope, 4) == 0.4155
    assert round(fit.sigma, 2) == 15.38
    assert round(fit.r_squared, 4) == 0.6511
    assert np.round(fit.intercept_interval, 6).tolist() == [-31.167850, -3.990340]
    assert np.round(fit.slope_interval, 6).tolist() == [3.096964, 4.767853]


def test_loglinear_equals_statsmodels_ols_on_log10(cars):
    t = 1990 + cars["speed"] / 2.0  # repeated "dates"
    tr = trends.loglinear(t[::-1], cars["dist"][::-1], level=0.9)
    ref = sm.OLS(np.log10(cars["dist"]), sm.add_constant(t)).fit()
    lo, hi = ref.conf_int(alpha=0.1).iloc[1]
    assert tr.oom_per_year == pytest.approx(ref.params.iloc[1], rel=1e-12)
    assert tr.line.slope_interval == pytest.approx((lo, hi), rel=1e-10)
    assert tr.line.stderr_slope == pytest.approx(ref.bse.iloc[1], rel=1e-10)
    g = tr.growth()
    assert g["x_per_year"] == pytest.approx(10 ** ref.params.iloc[1])
    assert (g["x_lower"], g["x_upper"]) == pytest.approx((10 ** lo, 10 ** hi))
    # doubling-time bounds are the doubling times of the slope bounds, swapped
    assert g["doubling_lower"] == pytest.approx(12 * math.log10(2) / hi)
    assert g["doubling_upper"] == pytest.approx(12 * math.log10(2) / lo)
    assert g["doubling_lower"] < g["doubling_months"] < g["doubling_upper"]
    assert (tr.start, tr.end) == (1992.0, 2002.5)


def test_growth_units_on_exact_exponential_events():
    # x4 a year exactly: 0.602 OOM/yr, doubling every 6 months; repeated dates, shuffled
    t = np.array([2021.0, 2020.0, 2022.0, 2020.0, 2021.5])
    y = 4.0 ** (t - 2020)
    tr = trends.loglinear(t, y)
    assert tr.x_per_year == pytest.approx(4.0)
    assert tr.oom_per_year == pytest.approx(math.log10(4))
    assert tr.doubling_months == pytest.approx(6.0)
    row = tr.table("x4").iloc[0]
    assert row["growth"] == pytest.approx(3.0)
    assert row["trend"] == "x4" and row["n"] == 5


def test_loglinear_accepts_datetimes():
    dates = pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01", "2021-01-01"])
    tr = trends.loglinear(dates, [1.0, 10.0, 100.0, 10.0])
    assert tr.oom_per_year == pytest.approx(1.0, rel=1e-3)  # 2020 is a leap year: 366 days
    assert trends.decimal_year(pd.to_datetime(["2020-07-02"]))[0] == pytest.approx(2020.5, abs=2e-3)


def test_predict_band_contains_fit_and_widens_away_from_data():
    rng = np.random.default_rng(0)
    t = rng.uniform(2010, 2020, 60)
    y = 10 ** (0.3 * (t - 2010) + rng.normal(0, 0.2, t.size))
    band = trends.loglinear(t, y).predict([2015.0, 2030.0])
    assert (band["lower"] < band["fit"]).all() and (band["fit"] < band["upper"]).all()
    width = np.log10(band["upper"] / band["lower"])
    assert width.iloc[1] > 2 * width.iloc[0]


def test_loglinear_errors_name_the_problem():
    with pytest.raises(DataError, match="positive"):
        trends.loglinear([2020, 2021, 2022], [1.0, 0.0, 2.0])
    with pytest.raises(DataError, match="differ in length"):
        trends.loglinear([2020, 2021], [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="same date"):
        trends.loglinear([2020, 2020, 2020], [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="at least 3"):
        trends.loglinear([2020, 2021], [1.0, 2.0])
    with pytest.raises(DataError, match="missing"):
        trends.loglinear([2020, np.nan, 2022], [1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match="level"):
        trends.loglinear([2020, 2021, 2022], [1.0, 2.0, 3.0], level=90)


def test_running_max_keeps_records_only():
    events = pd.DataFrame({
        "date": [2019.0, 2018.0, 2020.0, 2020.0, 2021.0, 2021.5, 2022.0],
        "flop": [5.0, 3.0, 4.0, 9.0, 9.0, 12.0, 1.0],
        "name": ["b", "a", "c", "d", "e", "f", "g"]})
    front = trends.running_max(events, "date", "flop")
    # a (first), b (5 > 3), d (9 > 5; c on the same date is smaller), e ties 9: not a record
    assert front["name"].tolist() == ["a", "b", "d", "f"]


def test_top_k_per_year():
    events = pd.DataFrame({"date": pd.to_datetime(["2020-02-01", "2020-05-01", "2020-09-01",
                                                   "2021-03-01", "2021-04-01"]),
                           "flop": [1.0, 3.0, 2.0, 5.0, 4.0]})
    picked = trends.top_k(events, "date", "flop", k=2)
    assert picked["flop"].tolist() == [3.0, 2.0, 5.0, 4.0]
    with pytest.raises(ParameterError, match="k"):
        trends.top_k(events, "date", "flop", k=0)
    with pytest.raises(DataError, match="no such column"):
        trends.top_k(events, "when", "flop")


def test_chow_equals_f_test_of_interaction_model():
    rng = np.random.default_rng(5)
    t = rng.uniform(2000, 2020, 80)
    z = np.where(t < 2010, 0.5 * (t - 2000), 5 + 0.2 * (t - 2010)) + rng.normal(0, 0.3, t.size)
    res = trends.chow_test(t, 10 ** z, 2010)
    d = (t >= 2010).astype(float)
    X = np.column_stack([np.ones_like(t), t, d, d * t])
    full = sm.OLS(z, X).fit()
    ref = full.f_test(np.array([[0, 0, 1, 0], [0, 0, 0, 1]]))
    assert res.F == pytest.approx(float(np.squeeze(ref.fvalue)), rel=1e-9)
    assert res.p_value == pytest.approx(float(ref.pvalue), rel=1e-6)
    assert (res.df_num, res.df_den) == (2, 76)
    assert res.n_before + res.n_after == 80
    # no break in the data: the test does not reject at 1%
    flat = 10 ** (0.3 * (t - 2000) + rng.normal(0, 0.3, t.size))
    assert trends.chow_test(t, flat, 2010).p_value > 0.01


def _broken(seed, n=67, at=2013.0, slopes=(0.35, 0.15), noise=0.05):
    rng = np.random.default_rng(seed)
    t = 1993.5 + 0.5 * np.arange(n)
    z = np.where(t < at, slopes[0] * (t - at), slopes[1] * (t - at)) + rng.normal(0, noise, n)
    return t, 10 ** (z + 10)


@pytest.mark.parametrize("continuous", [True, False])
def test_segmented_recovers_a_known_break(continuous):
    t, y = _broken(11)
    seg = trends.segmented(t, y, n_breaks=1, continuous=continuous)
    assert abs(seg.breaks[0] - 2013.0) <= 0.5  # one list either side
    eras = seg.segments
    assert eras["n"].sum() == 67
    for (_, era), truth in zip(eras.iterrows(), (0.35, 0.15)):
        assert era["oom_lower"] < truth < era["oom_upper"]
    # a single line leaves far more error than the two eras
    single = trends.loglinear(t, y)
    resid = np.log10(y) - (single.line.intercept + single.line.slope * t)
    assert seg.sse < 0.2 * float(resid @ resid)
    if not continuous:
        assert seg.chow is not None and seg.chow.p_value < 1e-6
    assert np.allclose(np.log10(seg.predict(t)), np.log10(y), atol=0.25)


def test_segmented_two_breaks_and_bic_prefers_the_truth():
    rng = np.random.default_rng(2)
    t = np.sort(rng.uniform(2000, 2024, 150))  # unsorted input below
    z = np.piecewise(t, [t < 2008, (t >= 2008) & (t < 2016), t >= 2016],
                     [lambda s: 0.1 * (s - 2008), lambda s: 0.5 * (s - 2008),
                      lambda s: 4.0 + 0.2 * (s - 2016)])
    y = 10 ** (z + rng.normal(0, 0.05, t.size))
    order = rng.permutation(t.size)
    two = trends.segmented(t[order], y[order], n_breaks=2)
    assert two.breaks[0] == pytest.approx(2008, abs=0.5)
    assert two.breaks[1] == pytest.approx(2016, abs=0.5)
    one = trends.segmented(t, y, n_breaks=1)
    assert two.bic < one.bic


def test_segmented_parameter_errors():
    t, y = _broken(1, n=12)
    with pytest.raises(ParameterError, match="n_breaks"):
        trends.segmented(t, y, n_breaks=4)
    with pytest.raises(ParameterError, match="min_size"):
        trends.segmented(t, y, min_size=2)
    with pytest.raises(DataError, match="at least 15"):
        trends.segmented(t, y, n_breaks=2, min_size=5)


def test_windows_match_separate_fits_and_skip_thin_windows():
    t = 2000 + 0.5 * np.arange(40)  # 2000.0 .. 2019.5
    y = np.where(t < 2010, 2.0 ** (t - 2000), 2.0 ** 10 * 1.5 ** (t - 2010))
    table = trends.windows(t, y, [2000, 2010, 2020, 2030])
    assert table["window"].tolist() == ["2000-2010", "2010-2020"]  # 2020-2030 has no event
    assert table["x_per_year"].tolist() == pytest.approx([2.0, 1.5])
    assert table["n"].tolist() == [20, 20]
    with pytest.raises(ParameterError, match="edges"):
        trends.windows(t, y, [2010, 2000])


def test_share_trend_is_logit_linear_with_bounded_prediction_interval():
    t = 2024 + 0.25 * np.arange(8)
    logit = 1.5 - 0.4 * (t - 2024) + np.array([0.02, -0.01, 0.0, 0.015, -0.02, 0.01, 0.0, -0.01])
    share = 1 / (1 + np.exp(-logit))
    fit = trends.share_trend(t, share, level=0.9)
    ref = sm.OLS(logit, sm.add_constant(t)).fit()
    assert fit.line.slope == pytest.approx(ref.params[1], rel=1e-10)
    pred = fit.predict([2031.0])
    frame = ref.get_prediction(np.array([[1.0, 2031.0]])).summary_frame(alpha=0.1)
    expit = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert pred["share"].iloc[0] == pytest.approx(expit(frame["mean"].iloc[0]))
    assert pred["lower"].iloc[0] == pytest.approx(expit(frame["obs_ci_lower"].iloc[0]))
    assert pred["upper"].iloc[0] == pytest.approx(expit(frame["obs_ci_upper"].iloc[0]))
    assert 0 < pred["lower"].iloc[0] < pred["share"].iloc[0] < pred["upper"].iloc[0] < 1
    with pytest.raises(DataError, match="below 1"):
        trends.share_trend([2020, 2021, 2022], [0.5, 0.9, 1.0])
