"""forecast.evidence (the sections of notebook 05) and forecast.evidence_views (how they show).

Reference values: TOP500.org's lists (www.top500.org/lists/top500/YYYY/MM/): 67 lists from
June 1993 to June 2026, the June 1993 list sums to 1,122.845 GFlop/s of Rmax and its #1
(CM-5/1024) holds 59.7 GFlop/s (the same figures as tests/test_top500.py); June 2011 is the
first list with an accelerator field (19 of 500 systems).  CAICT's 2030 forecast of 56 ZFLOPS
(2022 edition) is docs/sources.md, section 2.  The origin counts follow from the rolling
origin: with 67 lists and the first origin at list ``initial``, a horizon of h years (2h lists)
has 67 - initial - 2h + 1 origins.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from forecast.analysis import evidence  # noqa: E402
from forecast.present import evidence_views
from forecast.data import headline
from forecast.analysis import skill
from forecast.errors import ParameterError  # noqa: E402


@pytest.fixture(scope="module")
def top():
    return evidence.top500_section(n_breaks=1, level=0.9)


@pytest.fixture(scope="module")
def sk(top):
    # constant growth only, first origin at the 40th list: fast, and long enough for 9 years
    return evidence.skill_section(top.lists, ["cagr"], initial=40, max_horizon=10, workers=1,
                                  fan_level=0.8)


@pytest.fixture(scope="module")
def ai():
    return evidence.ai_section(level=0.9, stock_year=2025, target_year=2030)


@pytest.fixture(scope="module")
def vendor():
    return evidence.vendor_section(level=0.9, target_year=2030)


@pytest.fixture(scope="module")
def back(sk):
    return evidence.back_to_2030(sk.quantiles, target_year=2030, fan_level=0.8)


# -- TOP500 ---------------------------------------------------------------------------------------

def test_top500_section_quotes_the_official_lists(top):
    facts = top.facts
    assert facts["n_lists"] == 67 == len(top.lists)
    assert (facts["first_list"], facts["last_list"]) == ("1993-06", "2026-06")
    assert math.isclose(facts["sum_first"], 1122.845e9, rel_tol=1e-12)
    assert math.isclose(facts["no1_first"], 59.7e9, rel_tol=1e-12)
    assert facts["sum_last"] == top.lists["sum_rmax"].iloc[-1]
    assert facts["accel_first_list"] == "2011-06"
    assert facts["accel_first"] == pytest.approx(19 / 500)


def test_top500_section_eras_break_once_in_the_2010s(top):
    assert set(top.eras) == set(evidence.SERIES)
    for column, seg in top.eras.items():
        assert len(seg.breaks) == 1 and 2008 < seg.breaks[0] < 2016, column
    assert top.facts["break_sum"] == top.eras["sum_rmax"].breaks[0]
    # growth slowed after the break: doubling took longer
    assert top.facts["x_early"] > top.facts["x_late"] > 1
    assert top.facts["doubling_early"] == pytest.approx(12 * math.log(2)
                                                        / math.log(top.facts["x_early"]))
    assert list(top.era_table["series"].unique()) == list(evidence.SERIES.values())
    assert len(top.era_table) == 2 * len(evidence.SERIES)


def test_top500_section_tables_and_columns(top):
    assert list(top.tables) == ["top500_lists", "top500_eras", "top500_chow",
                                "top500_growth_by_decade"]
    assert {"list", "sum_rmax", "no1_rmax", "no500_rmax", "t"} <= set(top.lists.columns)
    assert {"series", "era", "start", "end", "n", "x_per_year", "x_lower", "x_upper",
            "doubling_months"} <= set(top.era_table.columns)
    assert {"series", "at", "F", "df_num", "df_den", "p_value", "n_before", "n_after"} \
        <= set(top.chow.columns)
    assert list(top.chow["at"]) == [top.eras[c].breaks[0] for c in evidence.SERIES]
    assert (top.chow["n_before"] + top.chow["n_after"] == 67).all()
    # four windows from the five default edges; each interval brackets its estimate
    assert len(top.decade_table) == 4
    d = top.decade_table
    assert ((d["x_lower"] < d["x_per_year"]) & (d["x_per_year"] < d["x_upper"])).all()


def test_top500_section_countries(top):
    assert list(top.shares.columns) == ["United States", "China"]
    assert top.facts["china_peak"] == top.shares["China"].max()
    assert top.facts["china_last"] < top.facts["china_peak"]
    assert 0 < top.facts["us_last"] < 1
    assert top.countries.index.equals(top.shares.index)


def test_the_result_is_frozen(top):
    with pytest.raises(AttributeError):
        top.level = 0.5
    with pytest.raises(TypeError):
        top.facts["n_lists"] = 1


# -- skill ----------------------------------------------------------------------------------------

def test_skill_section_counts_origins_and_scores(sk):
    assert list(sk.tables) == ["skill_top500", "skill_top500_vs_cagr", "skill_error_quantiles",
                               "skill_calibrated_coverage"]
    assert {"series", "model", "horizon", "n", "mape", "mase", "bias", "coverage_80",
            "coverage_95"} <= set(sk.scores.columns)
    assert sorted(sk.scores["horizon"].unique()) == list(range(1, 11))
    n = sk.scores.groupby("horizon")["n"].max()
    assert (n.loc[1], n.loc[10]) == (67 - 40 - 2 + 1, 67 - 40 - 20 + 1) == (26, 8)
    f = sk.facts
    assert (f["n_models"], f["n_series"], f["origins_1"], f["origins_h"]) == (1, 3, 26, 8)
    naive = sk.scores[(sk.scores["series"] == "sum of the 500")].set_index("horizon")
    assert f["mape_h"] == pytest.approx(naive.loc[10, "mape"] / 100)
    assert f["factor_h"] == pytest.approx(math.exp(naive.loc[10, "bias"]))
    assert set(sk.quantiles["horizon"]) == set(range(1, 11))
    assert {"q_lower_80", "q_upper_80", "median", "n"} <= set(sk.quantiles.columns)


def test_skill_section_best_rows_name_model_and_ratio(top):
    two = evidence.skill_section(top.lists, ["cagr", "exponential"], initial=56, max_horizon=2,
                                 workers=1)
    assert set(two.best["horizon"]) == {1, 2}
    assert len(two.best) == 3 * 2  # series x horizons
    first = two.best.iloc[0]
    assert f"{first.series}, {first.horizon} yr: {first.model} (ratio {first.ratio:.2f}" \
        in two.facts["best_rows"]


# -- AI compute and vendors -----------------------------------------------------------------------

def test_ai_section_trends_and_bridge(ai):
    assert list(ai.tables) == ["ai_trends", "ai_stock_vs_top_down"]
    assert list(ai.trend_table["trend"]) == ["notable models since 2010", "top 10 per year",
                                             "NVIDIA H100e stock", "cluster frontier"]
    f = ai.facts
    assert f["stock_lower"] < f["stock_x"] < f["stock_upper"]
    assert f["stock_n"] == ai.stock_trend.n
    # the frontier only ever rises, and the last record is the largest cluster in operation
    assert ai.frontier["h100e"].is_monotonic_increasing
    assert f["cluster_top"] == ai.operational["h100e"].max()
    assert (ai.recent["publication_date"] >= pd.Timestamp("2010-01-01")).all()
    assert ai.bridge.iloc[0]["precision"] == "FP16"
    assert f["bottom_lower"] < f["bottom"] < f["bottom_upper"]
    assert f["bound"] in ("", "more than ")


def test_ai_section_divides_only_figures_of_the_same_year_and_precision(ai):
    # issue 21: "43.3-137x smaller" divided a 2025 stock by 2022 figures
    f = ai.facts
    assert "ratio" not in f and "ratio_ai" not in f
    b = ai.bridge
    kept = b["ratio"].notna()
    assert (b.loc[kept, "year"] == ai.stock_year).all()
    assert (b.loc[kept, "precision"] == "FP16").all()
    assert b.loc[(b["year"] != ai.stock_year) | (b["precision"] != "FP16"), "ratio"].isna().all()
    # the same-year comparison: Epoch's chips at the end of 2022 (NVIDIA only then) against
    # CAICT's 2022 intelligent figures, 451 (WP 2023) and 142 EFLOPS (H3C + CAICT)
    assert f["same_year"] == 2022 and f["same_designers"] == "Nvidia" and f["n_same"] == 2
    assert (f["same_low"], f["same_high"]) == (142e18, 451e18)
    assert f["ratio_low"] == pytest.approx(f["bottom_same"] / 451e18)
    assert f["ratio_high"] == pytest.approx(f["bottom_same"] / 142e18)
    assert 0.5 < f["ratio_low"] < 1 < f["ratio_high"] < 2.5


def test_vendor_section_makes_no_share_forecast(vendor):
    # issue 20/21: the logit trend of the cumulative-stock share was an artefact of series starts
    assert list(vendor.tables) == ["nvidia_shipment_fits", "shipment_growth_by_designer"]
    assert list(vendor.ship_fits["model"]) == list(evidence.SHIPMENT_MODELS)
    assert set(vendor.ship_growth["trend"].str.rsplit(", ", n=1).str[-1]) == {"H100e", "units"}
    f = vendor.facts
    assert f["n_quarters"] == int(vendor.share["complete"].sum())
    assert not hasattr(vendor, "share_path") and "share_target" not in f
    assert f["share_last"] < f["share_first"]  # the cumulative share falls ...
    # ... while the share of each quarter's shipments, all designers counted, stays in a band
    assert 0.5 < f["ship_share_low"] <= f["ship_share_high"] < 0.9
    assert f["ship_share_high"] - f["ship_share_low"] < f["share_first"] - f["share_last"] + 0.1
    assert f["starts"].startswith("Nvidia 2022Q1")


# -- back to 2030 ---------------------------------------------------------------------------------

def test_back_to_2030_bands_caict_with_the_nine_year_errors(back, sk):
    f = back.facts
    assert f["caict"] == 56e21  # CAICT 2022: 56 ZFLOPS in 2030 (docs/sources.md, section 2)
    nine = sk.quantiles.set_index("horizon").loc[9]
    # CAICT's path runs from its 2021 base: 9 years to 2030, errors pooled over 3 series
    assert f["horizon"] == 9 and f["n_errors"] == nine["n"]
    assert f["n_series"] == 3 and f["pooled"] == ", ".join(evidence.SERIES.values())
    assert f["caict_lower"] == pytest.approx(56e21 * math.exp(nine["q_lower_80"]))
    assert f["caict_upper"] == pytest.approx(56e21 * math.exp(nine["q_upper_80"]))
    assert f["centred_lower"] < 56e21 < f["centred_upper"]
    table = headline.validate(back.headline)
    assert (table["year"] == 2030).all() and (table["level"] == 0.8).all()
    assert (table["lower"] < table["upper"]).all()
    assert set(back.fan_table["path"]) == set(back.fans)


def test_save_tables_writes_each_table_and_refuses_other_objects(top, back, tmp_path):
    assert evidence.save_tables(top, back, output_dir=tmp_path) is None
    names = sorted(p.stem for p in (tmp_path / "tables").glob("*.csv"))
    assert names == sorted([*top.tables, *back.tables])
    lists = pd.read_csv(tmp_path / "tables" / "top500_lists.csv")
    assert lists.loc[0, "sum_rmax"] == pytest.approx(1122.845e9, rel=1e-12)
    with pytest.raises(ParameterError, match="not a section result"):
        evidence.save_tables(top.lists, output_dir=tmp_path)


# -- views ----------------------------------------------------------------------------------------

def test_views_save_each_figure_and_show_its_data(top, tmp_path):
    shown = evidence_views.eras_figure(top, tmp_path)
    assert (tmp_path / "figures" / "05_top500_eras.png").stat().st_size > 0
    assert (tmp_path / "figures" / "05_top500_eras.svg").stat().st_size > 0
    assert "segmented" in shown._repr_html_()
    plt.close("all")


def test_views_tables_show_the_page_columns(top, sk, back, tmp_path):
    eras = evidence_views.eras_table(top)
    assert list(eras.frame.columns[:4]) == ["series", "era", "start", "end"]
    assert eras.kinds["start"] == "text" and eras.kinds["x_per_year"] == "multiple"
    assert "90% intervals" in eras.caption
    # p-values a reader can read: the Chow breaks are far below 0.001, never "1.1e-48"
    chow = evidence_views.chow_table(top)
    shown = chow.frame["p value"]  # the reader's header
    assert set(shown) <= {"< 0.001"} | {f"{p:.2g}" for p in top.chow["p_value"] if p >= 0.001}
    assert (top.chow["p_value"] < 0.001).any() and not shown.str.contains("e-").any()
    q = evidence_views.quantiles_table(sk)
    assert len(q.frame) == 10 and [q.kinds[c] for c in ("typical", "low", "high")] == \
        ["multiple"] * 3
    # the 9-year row shows exp(quantile): the factor the prose of section 7 quotes
    low = math.exp(sk.quantiles.set_index("horizon").loc[9, f"q_lower_{skill.level_name(0.8)}"])
    assert q.frame.set_index("horizon").loc["9", "low"] == f"{low:.3g}x"
    fans = evidence_views.fans_table(back)
    assert list(fans.frame["year"]) == ["2030"] * len(back.fans) and "80% band" in fans.caption
    # issue 21: an 80% band beside 90% intervals is said, and the pooled errors named
    assert "not the 90% of the trend intervals" in evidence_views.fans_table(back, 0.9).caption
    assert "not the" not in evidence_views.fans_table(back, 0.8).caption
    assert "pooled over the TOP500" in fans.caption and "(3 series)" in fans.caption
    # issue 21: the 4-point total splices CAICT and CCIA; the chart says so
    figure = evidence_views.fans_figure(back, tmp_path, 0.9)
    assert "spliced from CAICT 2020-2022 + CCIA" in figure.caption
    assert "not the 90% of the trend intervals" in figure.caption
    plt.close("all")
