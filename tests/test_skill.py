"""Skill: rolling-origin metrics on a hand-computed example, coverage on simulated data, fans.

The tiny example (``test_metrics_by_hand``): y = 100, 110, 121, 150, 160 in
2000..2004, the ``cagr`` model, ``initial=3``.  Origins are 2002 (train 100,
110, 121: growth exactly 10%, no spread) and 2003 (train up to 150: growth
1.5 ** (1/3) - 1).  Forecasts:

* from 2002: 2003 -> 133.1, 2004 -> 146.41, interval of zero width;
* from 2003: 2004 -> 150 * 1.5 ** (1/3) = 171.707; log steps z = ln 1.1,
  ln 1.1, ln(150/121), drift = ln 1.5 / 3, sigma^2 = sum((z - drift)^2) / 2
  = 0.0047628, var(h = 1) = sigma^2 (1 + 1/3), t(0.9, 2 df) = 1.885618, so the
  80% interval is 171.707 * exp(+-0.15026) = [147.75, 199.55]: 160 is inside.

Horizon 1: MAPE = (17.1/150 + 11.707/160) / 2 * 100 = 9.2918; MASE scales
are mean(10, 11) = 10.5 and mean(10, 11, 29) = 16.667, so MASE = (17.1/10.5 +
11.707/16.667) / 2 = 1.15598; bias = (ln(133.1/150) + ln(171.707/160)) / 2 =
-0.024459; coverage_80 = 1/2.  Horizon 2 (origin 2002 only): MAPE = 13.59/160
* 100 = 8.49375, bias = ln(146.41/160) = -0.088763.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import skill
from forecast.errors import DataError, ParameterError, UnknownModelError


def test_metrics_by_hand():
    y = pd.Series([100.0, 110.0, 121.0, 150.0, 160.0], index=range(2000, 2005), name="toy")
    frame = skill.run(y, ["cagr"], initial=3, horizons=(1, 2), levels=(0.8,))
    assert frame["cutoff"].tolist() == [2002, 2002, 2003]
    assert frame["period"].tolist() == [2003, 2004, 2004]
    assert frame["forecast"].round(3).tolist() == [133.1, 146.41, 171.707]
    scores = skill.score(frame).set_index("horizon")
    h1, h2 = scores.loc[1], scores.loc[2]
    assert (h1["n"], h1["failed"], h2["n"]) == (2, 0, 1)
    assert h1["mape"] == pytest.approx(9.2918, abs=5e-4)
    assert h1["mase"] == pytest.approx(1.15598, abs=5e-5)
    assert h1["bias"] == pytest.approx(-0.024459, abs=5e-6)
    assert h1["median_log_error"] == pytest.approx(h1["bias"])
    assert h1["male"] == pytest.approx((0.119535 + 0.070617) / 2, abs=5e-6)
    assert h1["coverage_80"] == 0.5
    assert h2["mape"] == pytest.approx(8.49375, abs=5e-5)
    assert h2["bias"] == pytest.approx(-0.088763, abs=5e-6)
    row = frame.iloc[2]
    assert (row["lower_80"], row["upper_80"]) == pytest.approx((147.75, 199.55), abs=0.005)


def _random_walks(n_series, length, drift=0.3, sigma=0.15, seed=0):
    rng = np.random.default_rng(seed)
    logs = np.cumsum(drift + sigma * rng.standard_normal((n_series, length)), axis=1)
    return {f"s{i}": pd.Series(np.exp(row + 10), index=range(1990, 1990 + length))
            for i, row in enumerate(logs)}


def _first_origin_scores(paths, model, initial, horizon, **kwargs):
    """Scores of the first origin only: one forecast per series, independent across series."""
    cut = {k: y.iloc[:initial + horizon] for k, y in paths.items()}
    frame = skill.run_many(cut, [model], initial=initial, horizons=(horizon,), benchmark=None,
                           **kwargs)
    assert (frame["origin"] == initial - 1).all()
    return skill.score(frame, by=("model", "horizon")).iloc[0]


@pytest.mark.parametrize("horizon", [1, 3, 8])
def test_coverage_of_a_correctly_specified_model_is_near_nominal(horizon):
    # cagr is a random walk with drift on log y: its t intervals are exact for such data
    paths = _random_walks(300, 30, seed=horizon)
    row = _first_origin_scores(paths, "cagr", 12, horizon)
    assert row["n"] == 300
    # 3 binomial standard errors: 0.07 at 80%, 0.038 at 95%
    assert abs(row["coverage_80"] - 0.8) < 0.07, row
    assert abs(row["coverage_95"] - 0.95) < 0.038, row
    assert abs(row["bias"]) < 0.05


def test_coverage_of_the_exponential_model_on_trend_plus_noise():
    rng = np.random.default_rng(7)
    t = np.arange(20)
    paths = {f"s{i}": pd.Series(np.exp(0.4 * t + 0.2 * rng.standard_normal(20)),
                                index=range(2000, 2020)) for i in range(300)}
    row = _first_origin_scores(paths, "exponential", 12, 4)
    assert abs(row["coverage_80"] - 0.8) < 0.07, row
    assert abs(row["coverage_95"] - 0.95) < 0.038, row


def test_coverage_detects_a_wrong_model():
    # the same random walks forecast at a growth held at zero (truth: 35% a year):
    # the intervals miss most actuals 8 years ahead
    paths = _random_walks(100, 30, seed=8)
    row = _first_origin_scores(paths, "cagr", 12, 8, options={"cagr": {"fixed": {"growth": 0.0}}})
    assert row["coverage_80"] < 0.2 and row["bias"] < -1.5


def test_semiannual_series_horizon_in_years_and_origin_counts():
    rng = np.random.default_rng(1)
    labels = pd.PeriodIndex([f"{2000 + i // 2}-{'06' if i % 2 == 0 else '11'}" for i in range(30)],
                            freq="M")  # 5 and 7 months apart: treated as evenly spaced
    y = pd.Series(np.exp(np.cumsum(0.3 + 0.1 * rng.standard_normal(30))), index=labels)
    frame = skill.run(y, ["cagr", "exponential"], initial=10, horizons=(1, 2, 5),
                      steps_per_year=2)
    assert set(frame["horizon"]) == {1, 2, 5}
    assert ((frame["target"] - frame["origin"]) == 2 * frame["horizon"]).all()
    counts = frame[frame["model"] == "cagr"].groupby("horizon")["origin"].nunique()
    # origins 9..27 leave >= 2 steps; h=2 needs 4 steps (9..25), h=5 needs 10 (9..19)
    assert counts.to_dict() == {1: 19, 2: 17, 5: 11}
    assert str(frame.loc[frame["origin"] == 9, "cutoff"].iloc[0]) == "2004-11"


def test_failed_fits_are_recorded_and_wins_need_shared_origins():
    y = pd.Series(np.exp(0.3 * np.arange(14)), index=range(2000, 2014))  # no saturation
    frame = skill.run(y, ["logistic"], initial=5, horizons=(1,))
    failed = frame[frame["model"] == "logistic"]
    assert failed["error"].str.startswith("ConvergenceError").all()
    scores = skill.score(frame).set_index("model")
    assert scores.loc["logistic", "n"] == 0 and scores.loc["logistic", "failed"] == len(failed)
    # hand-made frame: model m fits only on origin 1, where it is worse than cagr;
    # on origin 0 it failed while cagr was badly wrong: m must not win by omission
    base = dict(series="s", horizon=1, actual=100.0, scale=1.0, lower_80=np.nan, upper_80=np.nan,
                target=5)
    rows = [dict(base, model="cagr", origin=0, forecast=200.0, error=None),
            dict(base, model="cagr", origin=1, forecast=101.0, error=None),
            dict(base, model="m", origin=0, forecast=np.nan, error="ConvergenceError: x"),
            dict(base, model="m", origin=1, forecast=105.0, error=None)]
    hand = pd.DataFrame(rows).astype({"error": "string"})
    hand.attrs["levels"] = (0.8,)
    vs = skill.versus_benchmark(hand).iloc[0]
    assert (vs["model"], vs["n_shared"], vs["win_share"]) == ("m", 1, 0.0)
    assert vs["mape"] == pytest.approx(5.0) and vs["mape_benchmark"] == pytest.approx(1.0)
    assert vs["ratio"] == pytest.approx(math.log(1.05) / math.log(1.01))
    assert vs["male_benchmark"] == pytest.approx(math.log(1.01))
    # on all its own forecasts, cagr's MAPE (50.5) would look worse than m's (5)
    assert skill.score(hand).set_index("model").loc["cagr", "mape"] == pytest.approx(50.5)


def test_error_quantiles_and_calibrated_fan():
    rows = [dict(series="s", model="cagr", origin=i, target=i + 1, horizon=1, actual=100.0,
                 forecast=100.0 * math.exp(-e), scale=1.0, error=None)
            for i, e in enumerate(np.linspace(-0.2, 0.2, 41))]
    frame = pd.DataFrame(rows).astype({"error": "string"})
    q = skill.error_quantiles(frame, levels=(0.8,))
    # log errors ln(actual / forecast) are exactly linspace(-0.2, 0.2, 41): quantiles by hand
    assert q.iloc[0]["n"] == 41 and q.iloc[0]["median"] == pytest.approx(0.0, abs=1e-12)
    assert q.iloc[0]["q_lower_80"] == pytest.approx(-0.16) and q.iloc[0]["q_upper_80"] == \
        pytest.approx(0.16)
    fan = skill.calibrated_fan(pd.Series([1e21, 2e21], index=[2021, 2022]), 2021, q, 0.8)
    assert fan["year"].tolist() == [2022]  # the base year itself is not a forecast
    assert fan.iloc[0]["lower"] == pytest.approx(2e21 * math.exp(-0.16))
    assert fan.iloc[0]["upper"] == pytest.approx(2e21 * math.exp(0.16))
    assert fan.iloc[0]["median"] == pytest.approx(2e21)
    assert fan.iloc[0]["mean"] == pytest.approx(2e21 * np.mean(np.exp(np.linspace(-0.2, 0.2, 41))))
    # errors with a bias: centred keeps the width and drops the shift
    shifted = frame.assign(forecast=frame["forecast"] * math.exp(-0.5))  # all 0.5 too low
    q2 = skill.error_quantiles(shifted, levels=(0.8,))
    biased = skill.calibrated_fan(pd.Series([1.0], index=[2022]), 2021, q2, 0.8).iloc[0]
    centred = skill.calibrated_fan(pd.Series([1.0], index=[2022]), 2021, q2, 0.8,
                                   centred=True).iloc[0]
    assert biased["median"] == pytest.approx(math.exp(0.5))
    assert (centred["median"], centred["lower"]) == pytest.approx((1.0, math.exp(-0.16)))
    with pytest.raises(ParameterError, match="longest evaluated: 1"):
        skill.calibrated_fan(pd.Series([1e21], index=[2024]), 2021, q, 0.8)
    with pytest.raises(ParameterError, match="level"):
        skill.calibrated_fan(pd.Series([1e21], index=[2022]), 2021, q, 0.95)


def test_calibrated_bands_cover_near_nominal_in_real_time():
    paths = _random_walks(1, 400, seed=4)
    frame = skill.run(paths["s0"], ["cagr"], initial=30, horizons=(1,), series="s0")
    table = skill.calibrated_coverage(frame, min_errors=30)
    row80 = table[table["stated"] == 0.8].iloc[0]
    assert row80["n_calibrated"] > 300
    assert abs(row80["calibrated_coverage"] - 0.8) < 0.07
    assert abs(row80["model_coverage"] - 0.8) < 0.07


def test_bad_arguments_are_refused():
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=range(6))
    with pytest.raises(UnknownModelError, match="valid"):
        skill.run(y, ["nope"], initial=3, horizons=(1,))
    with pytest.raises(ParameterError, match="steps_per_year"):
        skill.run(y, ["cagr"], initial=3, steps_per_year=3)
    with pytest.raises(ParameterError, match="horizons"):
        skill.run(y, ["cagr"], initial=3, horizons=(0.25,), steps_per_year=2)
    with pytest.raises(ParameterError, match="levels"):
        skill.run(y, ["cagr"], initial=3, levels=(80,))
    with pytest.raises(DataError, match="missing or infinite"):
        skill.run(y.replace(3.0, np.nan), ["cagr"], initial=3)
    with pytest.raises(DataError, match="too short"):
        skill.run(y, ["cagr"], initial=6, horizons=(1,))
    with pytest.raises(DataError, match="not a skill frame"):
        skill.score(pd.DataFrame({"model": ["cagr"]}))


def test_single_threaded_blas_restores_the_thread_count():
    libs = skill._openblas_libraries()
    getters = [getattr(lib, get) for lib in libs for get, _ in skill._THREAD_SYMBOLS
               if hasattr(lib, get)]
    before = [g() for g in getters]
    with skill.single_threaded_blas():
        assert all(g() == 1 for g in getters)
    assert [g() for g in getters] == before


def test_forked_workers_give_the_same_table():
    paths = _random_walks(3, 18, seed=9)
    one = skill.run_many(paths, ["cagr", "exponential"], initial=10, horizons=(1, 3))
    two = skill.run_many(paths, ["cagr", "exponential"], initial=10, horizons=(1, 3), workers=2)
    pd.testing.assert_frame_equal(one, two)
    with pytest.raises(ParameterError, match="workers"):
        skill.run_many(paths, ["cagr"], initial=10, workers=0)
