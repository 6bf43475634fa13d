"""forecast.ai_compute, ai_flows and hindcast: the bottom-up stock-flow forecast of AI compute.

Independent facts pinned here:
- Weibull survival: S(median) = 1/2 and S(scale) = exp(-1) by definition; mean life
  = scale x Gamma(1 + 1/shape) (for shape 3, Gamma(4/3) = 0.8929795115692492,
  ``scipy.special.gamma(4/3)``).
- A constant flow F per year with survival S leaves a stock F x integral of S = F x mean life
  (Little's law); the model's midpoint sum must reach it.
- Epoch AI's chip timelines: NVIDIA 2025Q4 shipments, H100e median summed over chips,
  2,957,554 (aichipcounts__nvidia_chip_timelines.csv, 03-31-2026), equal to the
  difference of its cumulative medians within 0.1% (tests/test_ai_stock.py).
- Student t: ``scipy.stats.t.ppf(0.95, 6)`` = 1.9431802803927816.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import ai_compute, ai_flows, hindcast
from forecast.data import datapackage
from forecast.errors import DataError, ParameterError

GAMMA_4_3 = 0.8929795115692492


@pytest.fixture(scope="module")
def run():
    return ai_compute.forecast(n_paths=600, seed=7)


def _inputs(flow: np.ndarray, quarters: pd.PeriodIndex, **extra) -> ai_compute.Inputs:
    """One synthetic designer observed in every quarter of ``quarters``."""
    frame = pd.DataFrame({"designer": "X", "quarter": quarters, "flops": flow})
    fields = {"as_of": None, "quarters": quarters, "designers": ("X",),
              "observed": flow[None].copy(), "observed_h100e": flow[None] / 1e15,
              "h100e_per_flops": np.array([1e-15]), "level_sigma": np.zeros(1),
              "back": np.zeros(len(quarters)), "back_sigma": 0.0, "last": (quarters[-1],),
              "flows": frame, "implied": pd.DataFrame()}
    fields.update(extra)
    return ai_compute.Inputs(**fields)


def _flat_growth(last, level=0.0) -> ai_compute.GrowthFit:
    one = np.ones(1)
    return ai_compute.GrowthFit(("X",), (last,), level * one, 0 * one, 0 * one, 0 * one,
                                one.astype(int), np.zeros(1, bool), np.eye(1),
                                ai_compute.NO_REVERSION)


def test_weibull_survival_by_definition():
    s = ai_compute.Survival(5.0, 3.0)
    assert s(5.0) == pytest.approx(0.5, abs=1e-15)
    assert s(s.scale) == pytest.approx(math.exp(-1))
    assert s.scale == pytest.approx(5.0 / math.log(2) ** (1 / 3))
    assert s.mean == pytest.approx(s.scale * GAMMA_4_3)
    assert s(0.0) == 1.0 and s(-1.0) == 1.0 and s(100.0) < 1e-300
    assert np.all(np.diff(s(np.linspace(0, 20, 50))) < 0)


def test_a_cohort_of_known_size_decays_as_the_survival_function_says():
    quarters = pd.period_range("2022Q1", "2030Q4", freq="Q")
    flow = np.zeros(len(quarters))
    flow[0] = 1e20  # one cohort, shipped in 2022Q1 (counted from mid-quarter, 2022.125)
    survival = ai_compute.Survival(4.0, 2.0)
    out = ai_compute.simulate(_inputs(flow, quarters), _flat_growth(quarters[-1]), survival,
                              n_paths=3)
    stock = out.paths["stock"][0, 0]
    ages = out.years + 1 - 2022.125
    np.testing.assert_allclose(stock, 1e20 * np.exp(-(ages / survival.scale) ** 2), rtol=1e-12)
    assert out.paths["shipments"][0, 0].tolist() == [1e20] + [0.0] * 8


def test_with_growth_fixed_at_zero_the_stock_converges_to_flow_times_mean_life():
    quarters = pd.period_range("1990Q1", "2060Q4", freq="Q")
    flow = np.full(len(quarters), 2.5e19)  # per quarter: 1e20 FLOP/s a year
    cut = quarters.get_loc(pd.Period("2000Q4", freq="Q")) + 1
    observed = flow.copy()
    observed[cut:] = np.nan  # forecast from 2001 with zero growth, no noise, level ln(2.5e19)
    inputs = _inputs(flow, quarters, observed=observed[None], last=(quarters[cut - 1],))
    survival = ai_compute.Survival(5.0, 3.0)
    out = ai_compute.simulate(inputs, _flat_growth(quarters[cut - 1], math.log(2.5e19)),
                              survival, n_paths=2, first_year=1990)
    assert out.paths["shipments"][0, 0, -1] == pytest.approx(1e20, rel=1e-12)
    # Little's law: stock = flow a year x mean life (midpoint rule over quarters: < 0.1%)
    assert out.paths["stock"][0, 0, -1] == pytest.approx(1e20 * survival.mean, rel=1e-3)


def test_shares_sum_to_one_on_every_path(run):
    for basis in ai_compute.BASES:
        shares = run.share_paths(basis)
        assert shares.shape == (600, len(run.designers), len(run.years))
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-12)
        assert (shares >= 0).all()
    table = run.shares
    assert table.equals(run.designer_shares("Nvidia"))
    assert set(table["basis"]) == set(ai_compute.BASES)
    assert ((table["p5"] <= table["p50"]) & (table["p50"] <= table["p95"])).all()
    # before Google's series (2023) NVIDIA is the only counted designer
    first = table[table["year"] == 2022]
    assert (first[["p5", "p50", "p95"]] == 1.0).all().all()


def test_total_percentiles_are_of_the_simulated_sum(run):
    table = run.table()
    assert list(table.columns) == ["year", "designer", "measure", "precision", "p5", "p50",
                                   "p95", "mean", "unit", "kind"]
    assert set(table["unit"]) == {"FLOP/s"} and set(table["precision"]) == {"FP16"}
    last = table[(table["year"] == 2030) & (table["measure"] == "stock")].set_index("designer")
    total = run.paths["stock"][:, :, -1].sum(axis=1)
    assert last.at["all", "p95"] == pytest.approx(np.percentile(total, 95))
    # the 95th percentile of a sum is below the sum of the designers' 95th percentiles
    assert last.at["all", "p95"] < last.drop("all")["p95"].sum()
    kinds = table[table["designer"] == "all"].groupby("year")["kind"].first()
    assert kinds.loc[2022:2025].eq("observed").all() and kinds.loc[2026:].eq("forecast").all()


def test_counted_flows_match_epochs_rows():
    flows = ai_flows.quarterly_flows().set_index(["designer", "quarter"])
    q4 = flows.loc[("Nvidia", pd.Period("2025Q4", freq="Q"))]
    assert q4["h100e"] == 2_957_554
    # FP16 FLOP/s from each chip's own peak: an H100 unit counts 989.4 TFLOP/s
    per_chip = ai_flows.chip_fp16().set_index("chip")
    assert per_chip.at["H100", "fp16_flops"] == 9.894e14
    assert per_chip.at["TPU v4", "fp16_flops"] == 2.75e14  # = its 8-bit peak: 2 H100e-FLOP/s
    assert (per_chip["source"] == "ml_hardware").all()


def test_as_of_drops_exactly_the_later_rows():
    raw = datapackage.load("ai_chip_sales")
    kept = raw[(raw["calendar"] == "calendar") & (raw["incomplete"].astype(str) == "false")]
    for as_of in ("2023-12-31", "2024-06-29", "2024-06-30"):
        flows = ai_flows.quarterly_flows(as_of=as_of)
        expected = kept[kept["period_end"] <= pd.Timestamp(as_of)]
        assert set(zip(flows["designer"], flows["period_end"])) == set(
            zip(expected["designer"], expected["period_end"]))
        h100e = expected[expected["measure"] == "H100e"]["median"].sum()
        assert flows["h100e"].sum() == pytest.approx(h100e)
    frame = pd.DataFrame({"period_end": pd.to_datetime(["2023-12-30", "2023-12-31",
                                                        "2024-01-01"])})
    assert len(ai_flows.truncate(frame, "2023-12-31")) == 2
    revenue = ai_flows.annual_revenue(as_of="2023-12-31")
    assert revenue["period_end"].max() <= pd.Timestamp("2023-12-31")
    assert revenue["fiscal_year"].max() == 2023  # FY2024 ends 28 January 2024


def test_forecast_as_of_uses_only_what_was_observed():
    early = ai_compute.forecast(as_of="2023-12-31", n_paths=200)
    assert early.designers == ("Google", "Nvidia")  # AMD and Trainium series start in 2024
    assert early.observed_until == {"Google": 2023, "Nvidia": 2023}
    table = early.table()
    assert table.loc[table["year"] >= 2024, "kind"].eq("forecast").all()
    assert early.inputs.flows["period_end"].max() == pd.Timestamp("2023-12-31")


def test_student_t_widths_on_short_windows():
    t = np.arange(8) / 4
    y = 0.5 * t + np.array([0.1, -0.1, 0.05, -0.05, 0.1, -0.1, 0.05, -0.05])
    plain, wide = ai_compute.fit_trend(t, y, predictive=False), ai_compute.fit_trend(t, y)
    assert plain.slope == pytest.approx(np.polyfit(t, y, 1)[0])
    assert wide.se / plain.se == pytest.approx(1.9431802803927816 / 1.6448536269514722)


def test_hindcast_on_synthetic_data_with_known_growth_covers_near_nominal():
    rng = np.random.default_rng(11)
    t = 2000 + np.arange(600) / 4
    y = pd.Series(np.exp(1.0 + 0.4 * (t - 2000) + 0.1 * rng.standard_normal(len(t))), index=t)
    replayed = hindcast.replay(y, steps_per_year=4, window=12, horizons=(1, 2), n_paths=800,
                               reversion=False, seed=3)
    cover = hindcast.coverage(replayed).set_index("horizon")
    assert cover["n"].min() > 500
    assert cover["coverage_90"].between(0.86, 0.94).all()
    assert cover["coverage_80"].between(0.75, 0.85).all()
    assert cover["median_log_error"].abs().max() < 0.03


def test_hindcast_table_scores_forecasts_against_later_data():
    latest = ai_compute.forecast(n_paths=400, seed=1)
    table = hindcast.hindcasts(n_paths=400, seed=1, latest=latest)
    assert list(table.columns) == hindcast.COLUMNS
    assert set(table["origin"]) == {"2022-12-31", "2023-12-31", "2024-12-31"}
    row = table[(table["origin"] == "2024-12-31") & (table["target"] == "stock:all")].iloc[0]
    assert row["year"] == 2025
    assert row["actual"] == pytest.approx(latest.at(2025)["p50"])
    assert row["log_error"] == pytest.approx(math.log(row["actual"] / row["p50"]))
    assert row["inside_90"] == (row["p5"] <= row["actual"] <= row["p95"])
    replayed = hindcast.hindcasts(as_of="2023-12-31", n_paths=200, seed=1)
    assert set(replayed["origin"]) == {"2022-12-31"} and set(replayed["year"]) == {2023}


def test_revenue_bridge_overlaps_the_counted_years():
    bridge = ai_flows.bridge()
    assert bridge["year"].tolist() == [2022, 2023, 2024, 2025]
    assert (bridge["fiscal_year"] == bridge["year"] + 1).all()
    assert bridge["ratio"].between(0.5, 2.0).all()  # the bridge holds within a factor 2
    trend = ai_flows.price_trend()
    assert trend.slope < 0  # a FLOP/s gets cheaper
    implied = ai_flows.implied_flow()
    assert implied["calendar_year"].min() <= 2015


def test_sensitivity_moves_one_assumption_at_a_time(run):
    sens = ai_compute.sensitivity(run, n_paths=300)
    assert set(sens["parameter"]) == {"service life, median years", "Weibull shape",
                                      "growth window, quarters", "growth reversion"}
    life = sens.set_index("parameter").loc["service life, median years"]
    assert life["low"] < life["high"]  # a longer life keeps more chips


@pytest.mark.parametrize("call, error, text", [
    (lambda: ai_compute.forecast(as_of="2999-01-01", n_paths=10), ParameterError,
     "as_of is in the future"),
    (lambda: ai_compute.forecast(as_of="2019-06-30", n_paths=10), DataError,
     "no AI chip shipments observed by as_of"),
    (lambda: ai_compute.forecast(as_of="not a date", n_paths=10), ParameterError, "not a date"),
    (lambda: ai_compute.forecast(service_life_years=0, n_paths=10), ParameterError,
     "service_life_years"),
    (lambda: ai_compute.forecast(service_life_years=-3, n_paths=10), ParameterError,
     "positive"),
    (lambda: ai_compute.forecast(designers=["Huawei"], n_paths=10), DataError,
     "designer 'Huawei' has no counted shipments"),
    (lambda: ai_compute.forecast(as_of="2023-12-31", designers=["AMD"], n_paths=10), DataError,
     "designer 'AMD' has no counted shipments by 2023-12-31"),
    (lambda: ai_compute.forecast(n_paths=0), ParameterError, "n_paths"),
    (lambda: ai_compute.forecast(end_year=2025, n_paths=10), ParameterError, "end_year"),
    (lambda: ai_compute.forecast(window=2, n_paths=10), ParameterError, "window"),
])
def test_bad_inputs_get_one_line_errors(call, error, text):
    with pytest.raises(error, match=text) as info:
        call()
    assert "\n" not in str(info.value)


def test_charts_take_an_axis_and_return_its_figure(run):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from forecast.present import ai_plots

    sens = ai_compute.sensitivity(run, n_paths=200)
    cover = hindcast.coverage(hindcast.top500_replay(n_paths=100, horizons=(1, 2)))
    charts = [(ai_plots.plot_flows, (run.inputs.flows, run.inputs.implied)),
              (ai_plots.plot_stock_fan, (run.table(),)), (ai_plots.plot_share_fan, (run.shares,)),
              (ai_plots.plot_tornado, (sens,)), (ai_plots.plot_bridge, (ai_flows.bridge(),)),
              (ai_plots.plot_coverage, (cover,))]
    for chart, args in charts:
        fig, ax = plt.subplots()
        assert chart(*args, ax=ax) is fig
        own = chart(*args)
        assert own is not fig and own.axes[0].get_legend() is not None  # legend outside
        plt.close(fig)
        plt.close(own)


def test_trend_and_reversion_agree_with_statsmodels_ols():
    import statsmodels.api as sm

    t = 2020 + np.arange(10) / 4
    y = np.log([3, 3.4, 4.1, 4.0, 5.2, 6.1, 6.0, 7.7, 8.1, 9.9])
    ref = sm.OLS(y, sm.add_constant(t)).fit()
    trend = ai_compute.fit_trend(t, y, predictive=False)
    assert trend.slope == pytest.approx(ref.params[1], rel=1e-10)
    assert trend.se == pytest.approx(ref.bse[1], rel=1e-10)
    assert trend.sigma == pytest.approx(math.sqrt(ref.scale), rel=1e-10)
    assert trend.level == pytest.approx(ref.fittedvalues[-1], rel=1e-12)
    # yearly growth slowing: AR(1) of g on its lag, phi inside [0, 1]
    g = np.array([0.9, 0.85, 0.7, 0.75, 0.6, 0.55, 0.6, 0.5, 0.45])
    series = np.exp(np.concatenate([[0.0], np.cumsum(g)]))
    ar = sm.OLS(g[1:], sm.add_constant(g[:-1])).fit()
    rev = ai_compute.fit_reversion(series)
    assert 0 < ar.params[1] < 1
    assert rev.phi == pytest.approx(ar.params[1], rel=1e-9)
    assert rev.mu == pytest.approx(ar.params[0] / (1 - ar.params[1]), rel=1e-9)
    assert rev.tau == pytest.approx(math.sqrt(ar.scale), rel=1e-9)
    assert rev.n == 8
    assert ai_compute.fit_reversion(series[:5]) is ai_compute.NO_REVERSION  # 3 pairs: too few


def test_a_soft_ceiling_bounds_shipments_and_keeps_shares(run):
    assert ai_compute.soft_cap(1e18, 1e24) == pytest.approx(1e18, rel=1e-20)
    assert ai_compute.soft_cap(1e30, 1e24) == pytest.approx(1e24, rel=1e-6)
    assert ai_compute.soft_cap(1e24, 1e24) == pytest.approx(1e24 / 2 ** 0.25)
    capped = ai_compute.forecast(n_paths=600, seed=7, ceiling=1e23)
    years = capped.years >= 2026
    assert (capped.paths["shipments"][:, :, years].sum(axis=1) <= 1e23 * (1 + 1e-12)).all()
    # each quarter's split between designers is kept; a year's shares move only because the
    # cap weighs its quarters differently
    np.testing.assert_allclose(np.median(capped.share_paths()[:, :, years], axis=0),
                               np.median(run.share_paths()[:, :, years], axis=0), atol=0.03)
    assert capped.at(2025) == run.at(2025)  # observed years untouched
    with pytest.raises(ParameterError, match="ceiling"):
        ai_compute.forecast(n_paths=10, ceiling=-1.0)


def test_epochs_own_year_end_count_for_the_fan():
    published = ai_flows.epoch_year_end()
    # four designers' Q4 2025 medians, 19,737,835 H100e (tests/test_ai_stock.py) x 989 TFLOP/s
    assert published.loc[2025] == pytest.approx(19_737_835 * 989e12, rel=1e-12)
    assert ai_flows.epoch_year_end(as_of="2023-12-31").index.tolist() == [2022, 2023]
