"""Verdicts on published forecasts: probabilities, bounds, implied vs measured growth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import verdicts as vd
from forecast.errors import DataError


def _published(**row) -> pd.DataFrame:
    base = {"publisher": "P", "edition": "e", "published": "2022-11", "scope": "global",
            "component": "total", "precision": "mixed", "year": 2030, "kind": "forecast",
            "value": 56.0, "unit": "ZFLOPS", "bound": "point", "base_year": np.nan,
            "stated_cagr": np.nan, "cagr_from": np.nan, "cagr_to": np.nan}
    return pd.DataFrame([{**base, **row}])


def _scope(paths_2030: np.ndarray) -> dict:
    observed = pd.Series([429e18, 615e18, 906e18, 1397e18], index=[2020, 2021, 2022, 2023])
    return {"computing_index": vd.ScopeForecast("the index (mixed)", "mixed", observed,
                                                {2030: paths_2030, 2025: paths_2030})}


def test_a_lower_bound_above_every_path_gets_probability_below_one_over_n():
    n = 1000
    paths = np.linspace(1e21, 1e22, n)                 # every path below 20 ZFLOPS
    table = vd.verdicts(_published(value=20.0, bound="lower"), _scope(paths))
    row = table.iloc[0]
    assert row["probability"] < 1 / n
    assert row["probability_bound"] == pytest.approx(3 / n)   # rule of three, 95%
    assert "rule of three" in row["verdict"] and "more than 20 ZFLOPS" in row["verdict"]
    assert "very likely fails" in row["verdict"]


def test_probability_is_the_share_of_paths_at_or_above_the_value():
    paths = np.array([10e21, 30e21, 56e21, 60e21])
    p, bound, n = vd.probability(paths, 56e21)
    assert (p, n) == (0.5, 4) and np.isnan(bound)
    assert vd.probability(paths, 1e21)[:2] == (1.0, 1 - 3 / 4)
    with pytest.raises(DataError, match="no simulated paths"):
        vd.probability(np.array([np.nan]), 1.0)


def test_probabilities_near_the_ends_never_read_as_certain():
    paths = np.r_[np.full(9998, 2e22), np.full(2, 1e20)]
    row = vd.verdicts(_published(value=16.0, bound="lower"), _scope(paths)).iloc[0]
    assert row["probability"] == pytest.approx(0.9998)
    assert "P = 99.98%" in row["verdict"] and "100%" not in row["verdict"]


def test_implied_growth_from_the_publishers_base_and_measured_growth_of_the_index():
    table = vd.verdicts(_published(base_year=2021), _scope(np.full(100, 1e22)))
    row = table.iloc[0]
    # CAICT WP 2022: 615 EFLOPS (2021) -> 56 ZFLOPS (2030) is 65.1%/yr (its own stated 65%)
    assert row["implied_growth"] == pytest.approx((56000 / 615) ** (1 / 9) - 1)
    assert row["implied_growth"] == pytest.approx(0.651, abs=5e-4)
    # the index grew from 429 (2020) to 1397 EFLOPS (2023): 48.2%/yr
    assert row["measured_growth"] == pytest.approx((1397 / 429) ** (1 / 3) - 1)
    assert "65%/yr from 615 EFLOPS in 2021" in row["verdict"]
    assert "measured 48%/yr over 2020-2023" in row["verdict"]
    assert row["bound"] == "point" and row["probability"] == 0.0


def test_without_a_stated_base_the_growth_is_needed_from_our_latest_observation():
    row = vd.verdicts(_published(value=16.0, bound="lower"), _scope(np.full(10, 2e22))).iloc[0]
    assert row["base_year"] == 2023
    assert row["implied_growth"] == pytest.approx((16000 / 1397) ** (1 / 7) - 1)
    assert row["probability"] == 1.0 and "the bound very likely holds" in row["verdict"]


def test_a_stated_rate_without_a_level_implies_one():
    table = vd.verdicts(_published(year=2025, value=np.nan, unit="EFLOPS", stated_cagr=0.5,
                                   cagr_from=2020), _scope(np.full(10, 1e21)))
    row = table.iloc[0]
    assert row["value"] == pytest.approx(429e18 * 1.5 ** 5)
    assert row["implied_growth"] == pytest.approx(0.5)


def test_multiples_are_not_testable_and_other_scopes_are_left_out():
    rows = pd.concat([_published(value=10.0, unit="x"),
                      _published(component="basic", precision="FP32", value=3.3),
                      _published(scope="china-idc", component="intelligent", precision="FP16"),
                      _published(kind="actual")], ignore_index=True)
    table = vd.verdicts(rows, _scope(np.full(10, 1e22)))
    assert len(table) == 1
    assert "not testable" in table["verdict"].iloc[0] and np.isnan(table["probability"].iloc[0])
    assert list(table.columns[:10]) == ["publisher", "published", "scope", "year", "value",
                                        "bound", "implied_growth", "measured_growth",
                                        "probability", "verdict"]


def test_years_outside_the_forecast_are_judged_on_the_record_or_said_untestable():
    rows = pd.concat([_published(year=2022, value=800.0, unit="EFLOPS"),
                      _published(year=2022, value=1.0, unit="ZFLOPS"),
                      _published(year=2045, value=1.0, unit="YFLOPS")], ignore_index=True)
    table = vd.verdicts(rows, _scope(np.full(10, 1e22)))
    # the index was 906 EFLOPS in 2022: 800 EFLOPS reached, 1 ZFLOPS missed
    assert table["probability"].tolist()[:2] == [1.0, 0.0]
    assert "observed 906 EFLOPS: reached" in table["verdict"].iloc[0]
    assert "observed 906 EFLOPS: missed" in table["verdict"].iloc[1]
    assert np.isnan(table["probability"].iloc[2])
    assert "not testable here" in table["verdict"].iloc[2] and "2025-2030" in table["verdict"].iloc[2]


def test_scope_matching_never_crosses_precisions():
    assert vd.match_scope({"scope": "global", "component": "total",
                           "precision": "mixed"}) == "computing_index"
    assert vd.match_scope({"scope": "global", "component": "intelligent",
                           "precision": "FP16"}) == "ai_accelerators"
    assert vd.match_scope({"scope": "global", "component": "intelligent",
                           "precision": "FP8"}) is None
    assert vd.match_scope({"scope": "global", "component": "basic", "precision": "FP32"}) is None
