"""The whole answer: three scopes never added, rebased top-down bands, verdicts, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import answer as ans
from forecast.errors import DataError


def _ai_table(years=range(2022, 2036), last_observed=2025) -> pd.DataFrame:
    """A synthetic bottom-up table: stock x1.5 a year from 4e21 FLOP/s in 2022, band +-50%."""
    rows = []
    for y in years:
        mid = 4e21 * 1.5 ** (y - 2022)
        kind = "observed" if y <= last_observed else "forecast"
        rows.append({"year": y, "designer": "all", "measure": "stock", "precision": "FP16",
                     "p5": mid / 2, "p50": mid, "p95": mid * 2, "mean": mid, "unit": "FLOP/s",
                     "kind": kind})
        rows.append({**rows[-1], "measure": "shipments", "p50": mid / 3})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def answer():
    return ans.answer(ai_table=_ai_table(), n_paths=4000, n_boot=50)


def test_one_combined_row_per_scope_and_year(answer):
    table = answer.forecast
    combined = table[table["method"] == "combined"]
    assert sorted(zip(combined["scope"], combined["year"])) == sorted(
        (s, y) for s in ("ai_accelerators", "computing_index", "supercomputing")
        for y in (2030, 2035))
    assert (combined["p5"] < combined["p50"]).all() and (combined["p50"] < combined["p95"]).all()
    assert list(table.columns[:9]) == ["scope", "precision", "method", "weight", "year", "p5",
                                       "p50", "p95", "unit"]


def test_each_scope_has_one_precision_and_weights_sum_to_one(answer):
    table = answer.forecast
    assert table.groupby("scope")["precision"].nunique().eq(1).all()
    assert dict(table.groupby("scope")["precision"].first()) == {
        "ai_accelerators": "FP16", "computing_index": "mixed", "supercomputing": "FP64 achieved"}
    methods = table[table["method"] != "combined"]
    sums = methods.groupby(["scope", "year"])["weight"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(sums)))
    assert (table["level"] == 0.9).all()


def test_the_index_is_rebased_on_its_latest_observation(answer):
    index = answer.forecast[answer.forecast["scope"] == "computing_index"]
    assert (index["base_year"] == 2023).all()
    assert index["base_value"].iloc[0] == pytest.approx(1397e18)
    assert sorted(index["horizon"].unique()) == [7, 12]
    # the 4-point series makes the whole-series CAGR the 3-year growth: counted once
    assert "cagr" not in set(index["method"])
    assert any("cagr coincides with growth_3y" in n for n in answer.notes)
    assert any("spliced from CAICT 2020-2022 + CCIA" in n for n in answer.notes)


def test_methods_that_fail_their_realtime_coverage_get_no_weight(answer):
    table = answer.forecast
    failed = table[table["note"].str.contains("fails the real-time coverage", na=False)]
    assert (failed["weight"] == 0).all()
    coverage = answer.coverage
    for _, row in failed.drop_duplicates(["scope", "method"]).iterrows():
        at = coverage[(coverage["method"] == row["method"]) & (coverage["level"] == 0.9)]
        assert (at["ci_high"] < 0.9).any()


def test_the_ai_scope_is_the_bottom_up_answer(answer):
    row = answer.combined("ai_accelerators", 2030)
    mid = 4e21 * 1.5 ** 8
    assert (row["p5"], row["p50"], row["p95"]) == pytest.approx((mid / 2, mid, mid * 2))
    assert row["base_year"] == 2025


def test_verdicts_cover_the_published_index_and_ai_forecasts(answer):
    v = answer.verdicts
    caict = v[(v["publisher"] == "CAICT") & (v["year"] == 2030) & (v["bound"] == "point")]
    assert len(caict) == 1 and caict["scope"].iloc[0] == "computing_index"
    assert caict["implied_growth"].iloc[0] == pytest.approx((56000 / 615) ** (1 / 9) - 1)
    assert 0 <= caict["probability"].iloc[0] <= 1
    # lower bounds stay bounds
    lower = v[v["bound"] == "lower"]
    assert len(lower) >= 3 and lower["verdict"].str.contains("more than").all()
    # Huawei's FP16 AI forecasts are judged on the FP16 AI scope only
    huawei = v[(v["publisher"] == "Huawei") & v["value"].notna()]
    assert set(huawei["scope"]) == {"ai_accelerators"} and set(huawei["precision"]) == {"FP16"}
    assert not v["scope"].isin(["supercomputing"]).any()


def test_coverage_table_has_the_columns_the_check_reads(answer):
    cov = answer.coverage
    assert list(cov.columns[:8]) == ["method", "horizon", "level", "nominal", "coverage",
                                     "n_origins", "ci_low", "ci_high"]
    assert set(cov["horizon"]) == set(range(1, 13)) and set(cov["level"]) == {0.8, 0.9}
    # the headline combinations are checked in real time too
    assert {"combined:computing_index", "combined:supercomputing"} <= set(cov["method"])
    ok = cov.dropna()
    assert ((ok["ci_low"] <= ok["coverage"]) & (ok["coverage"] <= ok["ci_high"])).all()


def test_ai_table_without_the_answer_year_is_refused():
    with pytest.raises(DataError, match="no stock row for 2035"):
        ans.ai_answer(_ai_table(years=range(2022, 2031)))
    with pytest.raises(DataError, match="not an AI compute forecast table"):
        ans.ai_answer(pd.DataFrame({"year": [2030]}))


def test_split_lognormal_paths_reproduce_the_percentiles():
    x = ans.split_lognormal_paths(1.0, 4.0, 8.0, 200000, seed=1)
    assert np.percentile(x, [5, 50, 95]) == pytest.approx([1.0, 4.0, 8.0], rel=0.02)


def test_facts_name_every_figure_even_when_missing(answer):
    facts = answer.facts(2030)
    assert facts["index_p50"] == answer.combined("computing_index", 2030)["p50"]
    assert facts["v56_implied"] == pytest.approx((56000 / 615) ** (1 / 9) - 1)
    assert 0.8 < facts["combined_cover"] <= 1.0
    without_ai = ans.Answer({k: v for k, v in answer.scopes.items() if k != "ai_accelerators"},
                            answer.calibration, answer.verdicts.iloc[0:0])
    facts = without_ai.facts(2030)
    assert np.isnan(facts["ai_p50"]) and np.isnan(facts["v56_probability"])
    assert facts["v56_verdict"].startswith("no verdict")


def test_flat_shipments_keep_the_stock_growing_only_by_accumulation():
    flat = ans.flat_shipments(year=2030, n_paths=500)
    assert flat["flat_p5"] < flat["flat_p50"] < flat["flat_p95"]
    assert 0.0 <= flat["flat_share"] <= 1.0 and flat["flat_value"] == 56e21
    # without growth the stock can only add flows: 2030 exceeds 2028, which exceeds 2026
    earlier = [ans.flat_shipments(year=y, n_paths=500)["flat_p50"] for y in (2026, 2028)]
    assert earlier[0] < earlier[1] < flat["flat_p50"]


def test_views_draw_and_caption_every_band_with_its_level(answer, tmp_path):
    import matplotlib.pyplot as plt

    from forecast.present import answer_views as views

    shown = views.methods_figure(answer, "computing_index", 2030, tmp_path)
    assert (tmp_path / "figures" / "07_methods_computing_index.png").stat().st_size > 0
    assert "90% band" in shown.caption and "lower bounds" in shown.caption
    table = views.answers_table(answer)
    assert "90% bands" in table.caption and "never added" in table.caption
    assert len(table.frame) == 6  # three scopes x two years, combined rows only
    plt.close("all")
