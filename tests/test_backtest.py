"""Tests of forecast.backtest: cutoffs, the rolling-origin run, metrics, ranking, verdict."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import backtest
from forecast.errors import DataError, ParameterError, UnknownModelError, UnknownNameError


# --- cutoffs (hand-checked) ------------------------------------------------------------

def test_cutoffs_ten_years_step_two():
    # positions initial-1 = 4 (2014) .. n-1-horizon = 7 (2017), every 2nd: 2014, 2016;
    # 2018 would need 2019 and 2020
    assert list(backtest.cutoffs(range(2010, 2020), initial=5, horizon=2, step=2)) == [2014, 2016]


def test_cutoffs_four_annual_points():
    years = [2020, 2021, 2022, 2023]
    assert list(backtest.cutoffs(years, initial=2, horizon=1)) == [2021, 2022]
    assert list(backtest.cutoffs(years, initial=2, horizon=2)) == [2021]
    assert list(backtest.cutoffs(years, initial=3, horizon=1)) == [2022]


def test_cutoffs_quarterly_periods_keep_their_type():
    index = pd.period_range("2022Q1", periods=8, freq="Q")
    cuts = backtest.cutoffs(index, initial=4, horizon=2)
    assert isinstance(cuts, pd.PeriodIndex)
    assert [str(c) for c in cuts] == ["2022Q4", "2023Q1", "2023Q2"]


def test_cutoffs_too_short_says_what_is_needed():
    with pytest.raises(DataError) as info:
        backtest.cutoffs([2020, 2021, 2022, 2023], initial=3, horizon=2)
    assert str(info.value) == ("series of 4 points is too short for a backtest with initial=3 "
                               "and horizon=2; expected at least 5 points (initial + horizon), "
                               "got 4")


@pytest.mark.parametrize("name, kwargs", [("initial", {"initial": 0, "horizon": 1}),
                                          ("horizon", {"initial": 2, "horizon": 1.5}),
                                          ("step", {"initial": 2, "horizon": 1, "step": True})])
def test_cutoffs_reject_bad_window_parameters(name, kwargs):
    with pytest.raises(ParameterError) as info:
        backtest.cutoffs(range(2000, 2010), **kwargs)
    assert info.value.name == name
    assert str(info.value).startswith(f"parameter {name!r}: must be a whole number of periods; "
                                      "expected an integer >= 1")


def test_cutoffs_reject_unsorted_index():
    with pytest.raises(DataError, match="strictly increasing"):
        backtest.cutoffs([2021, 2020, 2022, 2023], initial=2, horizon=1)


# --- metrics on hand-built frames --------------------------------------------------------

def _frame(actual, mean, lower, upper, scale, model="m", horizon=1, error=None):
    n = len(actual)
    return pd.DataFrame({
        "cutoff": range(n), "period": range(1, n + 1), "horizon": horizon, "model": model,
        "actual": np.asarray(actual, float), "mean": np.asarray(mean, float),
        "lower": np.asarray(lower, float), "upper": np.asarray(upper, float),
        "scale": np.asarray(scale, float), "error": pd.Series([error] * n, dtype="string")})


def test_metrics_hand_computed():
    frame = _frame([100, 200], [110, 150], [90, 160], [120, 180], [10, 10])
    # MAPE = (10/100 + 50/200) / 2 * 100 = 17.5
    assert backtest.get_metric("mape").func(frame) == pytest.approx(17.5)
    # MASE = (10/10 + 50/10) / 2 = 3
    assert backtest.get_metric("mase").func(frame) == pytest.approx(3.0)
    # bias = (ln 1.1 + ln 0.75) / 2
    assert backtest.get_metric("bias").func(frame) == pytest.approx(
        (math.log(1.1) + math.log(0.75)) / 2)
    # 100 is inside [90, 120], 200 is outside [160, 180]
    assert backtest.get_metric("coverage").func(frame) == 0.5


def test_metrics_score_the_median_the_point_forecast():
    # for log-scale models the mean exp(mu + s^2/2) sits above the median exp(mu); the
    # point forecast scored (as R's accuracy() scores $mean, the back-transformed median
    # when lambda = 0) is the median
    frame = _frame([100, 200], [130, 260], [90, 160], [120, 180], [10, 10])
    frame.insert(frame.columns.get_loc("mean"), "median", [110.0, 150.0])
    assert backtest.get_metric("mape").func(frame) == pytest.approx(17.5)
    assert backtest.get_metric("mase").func(frame) == pytest.approx(3.0)
    assert backtest.get_metric("bias").func(frame) == pytest.approx(
        (math.log(1.1) + math.log(0.75)) / 2)
    assert backtest.score(frame)["mape"].iloc[0] == pytest.approx(17.5)


def test_exactly_right_forecast_scores_zero_error_and_full_coverage():
    actual = [100.0, 150.0, 225.0]
    frame = _frame(actual, actual, actual, actual, [50, 50, 50])
    table = backtest.score(frame)
    row = table.iloc[0]
    assert (row["mape"], row["mase"], row["bias"], row["coverage"]) == (0.0, 0.0, 0.0, 1.0)
    assert (row["n"], row["failed"]) == (3, 0)


def test_bias_undefined_for_non_positive_forecast():
    frame = _frame([100, 200], [-5, 150], [-10, 140], [0, 160], [10, 10])
    assert math.isnan(backtest.get_metric("bias").func(frame))


def test_score_counts_failed_fits_and_skips_them():
    good = _frame([100.0], [110.0], [100.0], [120.0], [10.0])
    failed = _frame([200.0], [np.nan], [np.nan], [np.nan], [10.0],
                    error="ConvergenceError: logistic fit did not converge")
    table = backtest.score(pd.concat([good, failed], ignore_index=True))
    assert len(table) == 1
    assert (table["n"].iloc[0], table["failed"].iloc[0]) == (1, 1)
    assert table["mape"].iloc[0] == pytest.approx(10.0)


def test_unknown_metric_lists_valid_names():
    with pytest.raises(UnknownNameError) as info:
        backtest.get_metric("rmse")
    assert str(info.value) == "unknown metric 'rmse'; valid: bias, coverage, mape, mase"


def test_register_metric_is_used_by_score():
    @backtest.register_metric("max_abs_error_test")
    def max_abs_error(frame):
        """Largest absolute error, unit of y."""
        return float(np.max(np.abs(frame["mean"] - frame["actual"])))

    try:
        frame = _frame([100, 200], [110, 150], [90, 160], [120, 180], [10, 10])
        table = backtest.score(frame, metrics=["max_abs_error_test"])
        assert table["max_abs_error_test"].iloc[0] == 50.0
        assert backtest.get_metric("max_abs_error_test").description == \
            "Largest absolute error, unit of y."
    finally:
        del backtest.METRICS["max_abs_error_test"]


# --- ranking and verdict --------------------------------------------------------------------

def _scores():
    # mape by model and horizon, hand-made: at h=1 'a' beats cagr, at h=2 nobody does
    return pd.DataFrame({
        "model": ["a", "a", "b", "b", "cagr", "cagr"], "horizon": [1, 2, 1, 2, 1, 2],
        "n": [3, 2, 3, 2, 3, 2], "failed": [0, 0, 0, 1, 0, 0],
        "mape": [5.0, 30.0, 12.0, np.nan, 8.0, 20.0],
        "coverage": [0.5, 1.0, 0.8, np.nan, 1.0, 0.5]})


def test_rank_orders_models_and_compares_with_benchmark():
    table = backtest.rank(_scores(), "mape")
    h1 = table[table["horizon"] == 1]
    assert h1["model"].tolist() == ["a", "cagr", "b"]
    assert h1["rank"].tolist() == [1, 2, 3]
    assert h1["vs_benchmark"].tolist() == pytest.approx([5 / 8, 1.0, 12 / 8])
    h2 = table[table["horizon"] == 2]
    assert h2["model"].tolist() == ["cagr", "a", "b"]  # NaN ranks last
    assert h2["rank"].tolist() == [1, 2, 3]


def test_rank_coverage_by_distance_from_level():
    table = backtest.rank(_scores(), "coverage", level=0.8)
    h1 = table[table["horizon"] == 1]
    # |0.8-0.8| = 0 (b) < |1.0-0.8| = 0.2 (cagr) < |0.5-0.8| = 0.3 (a)
    assert h1["model"].tolist() == ["b", "cagr", "a"]


def test_verdict_compares_with_the_benchmark_on_shared_forecasts():
    nan = float("nan")
    rows = [  # (model, cutoff, horizon, actual, mean, error)
        ("cagr", 0, 1, 100, 110, None), ("cagr", 1, 1, 100, 90, None),
        ("a", 0, 1, 100, 105, None), ("a", 1, 1, 100, 95, None),
        ("b", 0, 1, 100, 101, None), ("b", 1, 1, 100, nan, "ConvergenceError: b"),
        ("cagr", 0, 2, 200, 180, None), ("a", 0, 2, 200, 250, None),
        ("b", 0, 2, 200, nan, "ConvergenceError: b")]
    frame = pd.concat([_frame([act], [mean], [mean], [mean], [10], model=m, horizon=h, error=e)
                       .assign(cutoff=c) for m, c, h, act, mean, e in rows], ignore_index=True)
    lines = backtest.verdict(frame, "mape", horizons=(1, 2, 3)).splitlines()
    assert lines[0] == "Backtest verdict by mape (mean absolute percentage error, in percent):"
    # h=1: b scores 1% on its one forecast; a 5% vs cagr 10% on both cutoffs; b 1% vs 10% at 0
    assert lines[1] == ("horizon 1: least wrong is b (mape 1 over 1 of 2 forecasts); against "
                        "the naive cagr on the forecasts both made: beaten by a (5 vs 10, n=2), "
                        "b (1 vs 10, n=1)")
    # h=2: a is 25% off, cagr 10%
    assert lines[2] == ("horizon 2: least wrong is cagr (mape 10 over 1 of 1 forecast); against "
                        "the naive cagr on the forecasts both made: no model beats it")
    assert lines[3].startswith("horizon 3: not evaluated")


# --- run() with the registered models -----------------------------------------------------

@pytest.fixture
def geometric():
    # y = 100 * 1.5 ** (t - 2010): exactly exponential, exactly constant CAGR
    years = np.arange(2010, 2020)
    return pd.Series(100.0 * 1.5 ** (years - 2010), index=years, name="geometric")


def test_run_returns_tidy_frame(geometric):
    frame = backtest.run(geometric, ["exponential"], initial=5, horizon=2, step=2)
    assert tuple(frame.columns) == backtest.COLUMNS
    # cutoffs 2014, 2016 x models (exponential + the cagr benchmark) x 2 horizons
    assert len(frame) == 2 * 2 * 2
    first = frame[(frame["model"] == "exponential") & (frame["cutoff"] == 2014)]
    assert first["period"].tolist() == [2015, 2016]
    assert first["horizon"].tolist() == [1, 2]
    assert first["actual"].tolist() == pytest.approx([100 * 1.5 ** 5, 100 * 1.5 ** 6])
    # scale = mean |diff| of 2010..2014: the differences telescope to (506.25 - 100) / 4
    assert first["scale"].iloc[0] == pytest.approx((100 * 1.5 ** 4 - 100) / 4)
    assert frame.attrs["benchmark"] == "cagr"


@pytest.mark.parametrize("model", ["exponential", "cagr"])
def test_exact_model_scores_zero_error(geometric, model):
    frame = backtest.run(geometric, [model], initial=4, horizon=3, benchmark=None)
    table = backtest.score(frame)
    assert (table["failed"] == 0).all()
    assert table["mape"].max() < 1e-8
    assert table["mase"].max() < 1e-8
    assert table["bias"].abs().max() < 1e-10
    # an exact fit has (near) zero-width intervals; every actual within 1e-9 relative
    tol = 1e-9 * frame["actual"]
    assert ((frame["actual"] >= frame["lower"] - tol)
            & (frame["actual"] <= frame["upper"] + tol)).all()


def test_failed_fit_is_recorded_not_raised(geometric):
    # the exponential model needs 3 points; the first cutoff has only 2
    frame = backtest.run(geometric, ["exponential"], initial=2, horizon=1, benchmark=None)
    first = frame[frame["cutoff"] == 2011]
    assert first["error"].iloc[0].startswith("DataError: exponential needs at least 3")
    assert first["mean"].isna().all() and first["median"].isna().all()
    assert frame.loc[frame["cutoff"] > 2011, "error"].isna().all()
    table = backtest.score(frame)
    # cutoffs 2011..2018: 8 forecasts at horizon 1, the first lost
    assert (table["n"].iloc[0], table["failed"].iloc[0]) == (7, 1)


def test_run_rejects_unknown_model_before_fitting(geometric):
    with pytest.raises(UnknownModelError, match="unknown model 'prophet'"):
        backtest.run(geometric, ["prophet"], initial=3, horizon=1)


def test_run_rejects_options_for_a_model_not_run(geometric):
    with pytest.raises(ParameterError, match="options given for a model that is not backtested"):
        backtest.run(geometric, ["exponential"], initial=3, horizon=1,
                     options={"logistic": {}})


def test_run_too_short_series_raises_clear_error(geometric):
    with pytest.raises(DataError, match="series of 4 points is too short"):
        backtest.run(geometric.iloc[:4], ["exponential"], initial=3, horizon=2)


@pytest.mark.parametrize("model", ["exponential", "cagr", "ets", "arima"])
def test_run_on_a_decadal_series_forecasts_the_next_decades(model):
    # census-style series, one value per decade: each model continues 1790, 1800, ...
    # by decades, so a backtest scores the decades that follow each cutoff
    decades = np.arange(1790, 1960, 10)
    y = pd.Series(3.9e6 * 1.3 ** np.arange(len(decades)) * (1 + 0.01 * np.sin(decades)),
                  index=decades, name="population")
    options = {"ets": {"log": True}}  # growth in percent, as for the compute series
    frame = backtest.run(y, [model], initial=12, horizon=2, benchmark=None,
                         options={k: v for k, v in options.items() if k == model})
    assert frame["error"].isna().all(), frame["error"].dropna().tolist()
    first = frame[frame["cutoff"] == 1900]
    assert first["period"].tolist() == [1910, 1920]
    assert first["actual"].tolist() == pytest.approx(y.loc[[1910, 1920]].tolist())
    assert backtest.score(frame)["mape"].max() < 5


def test_run_quarterly_period_index():
    index = pd.period_range("2021Q1", periods=10, freq="Q")
    y = pd.Series(5.0 * 1.1 ** np.arange(10), index=index, name="revenue")
    frame = backtest.run(y, ["exponential"], initial=8, horizon=2)
    # 10 quarters 2021Q1..2023Q2: one cutoff (8th quarter), scored on the last two
    assert frame["cutoff"].astype(str).unique().tolist() == ["2022Q4"]
    assert [str(p) for p in frame["period"].unique()] == ["2023Q1", "2023Q2"]
    # quarters last 90-92 days and the models measure time in decimal years, so a
    # series geometric per quarter is only nearly exponential in time: errors < 0.2%
    assert backtest.score(frame)["mape"].max() < 0.2


# --- notebook 04 ------------------------------------------------------------------------

def test_notebook_04_runs_and_writes_its_tables(executed_project):
    """Notebook 04 with its default parameters, in the session's executed project."""
    out = executed_project.require("04_backtest_and_vintages")
    for name in ("vintage_paths", "backtest_errors"):
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 0
    tables = out / "tables"
    # CAICT WP 2022: 615 EFLOPS (2021) -> 56 ZFLOPS (2030); its 2022 point against 906 EFLOPS
    errors = pd.read_csv(tables / "vintage_errors.csv")
    wp22 = errors[(errors["edition"] == "WP 2022") & (errors["year"] == 2022)].iloc[0]
    assert wp22["forecast"] == pytest.approx(615e18 * (56e21 / 615e18) ** (1 / 9))
    assert wp22["actual"] == 906e18
    # cagr fitted on 2020-2022 (429, 615, 906 EFLOPS) forecasts 906 * sqrt(906 / 429) for
    # 2023, against 1397 EFLOPS
    scores = pd.read_csv(tables / "backtest_scores.csv")
    cagr = scores[(scores["series"] == "global_compute") & (scores["model"] == "cagr")].iloc[0]
    assert cagr["mape"] == pytest.approx(abs(906 * (906 / 429) ** 0.5 - 1397) / 1397 * 100)
    assert set(pd.read_csv(tables / "backtest_global_compute.csv")["model"]) == {
        "cagr", "exponential", "logistic", "gompertz", "bass", "ets", "arima"}  # the default
    # 16 quarters, a first window of 6 (nvidia_initial), 8 ahead (nvidia_horizon): every
    # horizon is scored on 16 - 6 - 8 + 1 = 3 cutoffs (fewer for a model whose fits fail)
    nvidia = scores[scores["series"] == "nvidia_revenue"]
    assert sorted(set(nvidia["horizon"])) == list(range(1, 9)) and (nvidia["n"] <= 3).all()
    assert (nvidia.loc[nvidia["model"].isin(["cagr", "exponential"]), "n"] == 3).all()


def test_plot_backtest_errors_draws_benchmark_and_failed_models():
    import matplotlib

    matplotlib.use("Agg")
    from forecast.present import plots

    fig = plots.plot_backtest_errors(_scores(), "mape", title="toy")
    (axis,) = fig.axes
    labels = axis.get_legend_handles_labels()[1]
    assert labels == ["cagr (benchmark)", "a", "b"]
    lines = {line.get_label(): line for line in axis.get_lines()}
    assert list(lines["cagr (benchmark)"].get_ydata()) == [8.0, 20.0]
    assert list(lines["b"].get_xdata()) == [1]  # b has no score at horizon 2
    matplotlib.pyplot.close("all")


# --- accuracy() and tscv() against R's printed outputs ------------------------------------
# Data: fpp2's ausbeer (quarterly beer production in Australia, megalitres, 1992Q1-2010Q2)
# and goog (Google closing prices, days 1-240), tests/data/README.md.  Printed outputs:
# docs/references/r-printed-outputs.md, "fpp2 section 3.4".

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def beer() -> pd.Series:
    frame = pd.read_csv(DATA / "fpp2_ausbeer.csv")
    return pd.Series(frame["megalitres"].to_numpy(float),
                     index=pd.PeriodIndex(frame["quarter"], freq="Q"))


@pytest.fixture(scope="module")
def goog() -> pd.Series:
    frame = pd.read_csv(DATA / "fpp2_goog.csv")
    return pd.Series(frame["close"].to_numpy(float), index=frame["day"].to_numpy())


# fpp2 section 3.4 (https://otexts.com/fpp2/accuracy.html), beer2 <- window(ausbeer,
# start=1992, end=c(2007,4)); beer3 <- window(ausbeer, start=2008); accuracy(beerfitN, beer3),
# "Test set" rows as R prints them (ME, RMSE, MAE, MPE, MAPE, MASE, ACF1); the book's table
# rounds RMSE, MAE, MAPE, MASE to 2 decimals: mean 38.45 34.83 8.28 2.44, naive 62.69 57.40
# 14.18 4.01, seasonal naive 14.31 13.40 3.17 0.94
BEER_TEST = {
    "meanf": ({}, (-13.775, 38.44724, 34.82500, -3.9698659, 8.283390, 2.435315, -0.06905715)),
    "naive": ({}, (-51.4, 62.69290, 57.40000, -12.9549160, 14.18442, 4.013986, -0.06905715)),
    "snaive": ({"lag": 4}, (5.2, 14.31084, 13.4, 1.1475536, 3.168503, 0.9370629, 0.1318407)),
}
# the same printouts, "Training set" rows (in-sample one-step residuals)
BEER_TRAIN = {
    "meanf": (0.000, 43.62858, 35.23438, -0.9365102, 7.886776, 2.463942, -0.10915105),
    "naive": (0.4761905, 65.31511, 54.73016, -0.9162496, 12.16415, 3.827284, -0.24098292),
    "snaive": (-2.133333, 16.78193, 14.3, -0.5537713, 3.313685, 1.0, -0.2876333),
}


@pytest.mark.parametrize("method", sorted(BEER_TEST))
def test_accuracy_matches_fpp2_beer_table(beer, method):
    options, printed = BEER_TEST[method]
    model = "naive" if method == "snaive" else method
    train, test = beer[:"2007Q4"], beer["2008Q1":]
    from forecast.models import fit

    result = fit(model, train, **options)
    got = backtest.accuracy(result.forecast(10), test, train=train, seasonal_period=4)
    assert list(got.index) == ["ME", "RMSE", "MAE", "MPE", "MAPE", "MASE", "ACF1"]
    assert got.to_numpy() == pytest.approx(printed, rel=2e-6, abs=1e-9)
    in_sample = backtest.accuracy(result.fitted, train, train=train, seasonal_period=4)
    assert in_sample.to_numpy() == pytest.approx(BEER_TRAIN[method], rel=2e-6, abs=1e-9)


def test_accuracy_matches_fpp2_goog200_table(goog):
    # fpp2 section 3.4: googfc1 <- meanf(goog200, h=40); googfc2 <- rwf(goog200, h=40);
    # googfc3 <- rwf(goog200, drift=TRUE, h=40); googtest <- window(goog, start=201, end=240);
    # printed table (RMSE, MAE, MAPE, MASE): Mean 114.21 113.27 20.32 30.28,
    # Naive 28.43 24.59 4.36 6.57, Drift 14.08 11.67 2.07 3.12
    from forecast.models import fit

    train, test = goog.iloc[:200], goog.iloc[200:240]
    printed = {("meanf", False): (114.21, 113.27, 20.32, 30.28),
               ("naive", False): (28.43, 24.59, 4.36, 6.57),
               ("naive", True): (14.08, 11.67, 2.07, 3.12)}
    for (model, drift), table in printed.items():
        options = {"drift": True} if drift else {}
        got = backtest.accuracy(fit(model, train, **options).forecast(40), test, train=train)
        assert got[["RMSE", "MAE", "MAPE", "MASE"]].round(2).tolist() == list(table), model


def test_tscv_matches_fpp2_goog200_drift_rmse(goog):
    # fpp2 section 3.4: e <- tsCV(goog200, rwf, drift=TRUE, h=1); sqrt(mean(e^2, na.rm=TRUE))
    # prints 6.233; the residual RMSE sqrt(mean(residuals(rwf(goog200, drift=TRUE))^2,
    # na.rm=TRUE)) prints 6.169
    from forecast.models import fit

    y = goog.iloc[:200]
    e = backtest.tscv(y, "naive", 1, drift=True)
    assert e.shape == (200, 1) and list(e.columns) == [1] and e.index.equals(y.index)
    assert round(float(np.sqrt(np.nanmean(e ** 2))), 3) == 6.233
    resid = fit("naive", y, drift=True).residuals
    assert round(float(np.sqrt(np.nanmean(resid ** 2))), 3) == 6.169
    # origin 1 has one point (no change to take a drift from: the fit fails, as R's try)
    # and the last origin has nothing to compare with
    assert math.isnan(e.iloc[0, 0]) and math.isnan(e.iloc[-1, 0]) and e[1].notna().sum() == 198
    # the second origin forecasts y2 + (y2 - y1) for day 3
    assert e.iloc[1, 0] == pytest.approx(y.iloc[2] - (2 * y.iloc[1] - y.iloc[0]), rel=1e-12)


def test_tscv_horizons_windows_and_initial(goog):
    y = goog.iloc[:30]
    e = backtest.tscv(y, "naive", 3)
    # naive errors are plain differences: e[i, j] = y[i + j] - y[i]
    values = y.to_numpy()
    assert e.iloc[4].to_numpy() == pytest.approx(values[5:8] - values[4], rel=1e-12)
    assert e.iloc[-2].isna().tolist() == [False, True, True]  # beyond the data
    # MSE grows with the horizon on a random walk, as fpp2's tsCV(goog200, naive, h=8) shows
    assert np.all(np.diff(np.nanmean(backtest.tscv(goog.iloc[:200], "naive", 8) ** 2, axis=0)) > 0)
    windowed = backtest.tscv(y, "meanf", 1, window=5)
    assert windowed.iloc[:4, 0].isna().all()  # fewer than 5 points before origin 5
    assert windowed.iloc[4, 0] == pytest.approx(values[5] - values[:5].mean(), rel=1e-12)
    assert windowed.iloc[10, 0] == pytest.approx(values[11] - values[6:11].mean(), rel=1e-12)
    late = backtest.tscv(y, "naive", 1, initial=10)
    assert late.iloc[:10, 0].isna().all() and late.iloc[10:-1, 0].notna().all()
    with pytest.raises(UnknownModelError):
        backtest.tscv(y, "prophet")
    with pytest.raises(ParameterError, match="h"):
        backtest.tscv(y, "naive", 0)


def test_accuracy_aligns_series_and_refuses_mismatches(goog):
    f = pd.Series([1.0, 2.0, 4.0], index=[10, 11, 12])
    a = pd.Series([2.0, 2.0, 2.0, 9.0], index=[11, 12, 13, 14])
    got = backtest.accuracy(f, a)  # scored on the common days 11 and 12
    assert got["ME"] == pytest.approx(-1.0) and got["MAE"] == pytest.approx(1.0)
    assert math.isnan(got["MASE"])  # no training data: R leaves MASE out
    with pytest.raises(DataError, match="same length"):
        backtest.accuracy(np.ones(3), np.ones(4))
    with pytest.raises(DataError, match="share no period"):
        backtest.accuracy(f, pd.Series([1.0], index=[99]))
    with pytest.raises(ParameterError, match="seasonal_period"):
        backtest.accuracy(np.ones(3), np.ones(3), train=np.ones(5), seasonal_period=0)


def test_accuracy_of_a_fit_is_rs_training_set_row():
    # fpp2 section 7.1 (docs/references/r-printed-outputs.md): fc <- ses(window(oil,
    # start=1996), h=5); round(accuracy(fc), 2):
    #                ME  RMSE   MAE MPE MAPE MASE  ACF1
    #   Training set 6.4 28.12 22.26 1.1 4.61 0.93 -0.03
    from forecast.models import fit

    frame = pd.read_csv(DATA / "fpp2_oil.csv")
    oil = pd.Series(frame["oil_mt"].to_numpy(float), index=frame["year"].to_numpy()).loc[1996:]
    got = backtest.accuracy(fit("ets", oil, trend=None))
    assert got.round(2).tolist() == [6.4, 28.12, 22.26, 1.1, 4.61, 0.93, -0.03]
    with pytest.raises(ParameterError, match="actual"):
        backtest.accuracy(pd.Series([1.0, 2.0]))
