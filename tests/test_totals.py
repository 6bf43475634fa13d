"""Tests of forecast.totals: the one global total series, the published tension, growth paths.

Reference figures: docs/sources.md, sections 1 and 2 (CAICT global totals 429 / 615 / 906
EFLOPS for 2020-22, CCIA 1397 EFLOPS for 2023, H3C + CAICT 650 EFLOPS for 2022; CAICT WP
2022: 615 EFLOPS in 2021, +44%, 56 ZFLOPS in 2030), and hand arithmetic shown inline.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast import data
from forecast.analysis import totals
from forecast.errors import DataError
from forecast.growth import project

E, Z = 1e18, 1e21


@pytest.fixture(scope="module")
def gc():
    return data.load("global_compute")


@pytest.fixture(scope="module")
def cf():
    return data.load("compute_forecasts")


def test_total_series_is_caict_with_ccia_2023_and_never_the_h3c_figure(gc):
    y = totals.total_series(gc)
    assert y.index.tolist() == [2020, 2021, 2022, 2023]
    np.testing.assert_allclose(y.to_numpy(), [429 * E, 615 * E, 906 * E, 1397 * E], rtol=1e-12)
    assert y.attrs["precision"] == "mixed"
    assert [s["publisher"] for s in y.attrs["sources"]][-1].startswith("CCIA")
    # the H3C + CAICT figure for 2022 is left out, and listed
    out = totals.left_out(gc)
    assert out["value"].tolist() == [650] and out["publisher"].tolist() == ["H3C; CAICT"]


def test_all_three_notebook_selections_agree(gc):
    # notebook 04 used "every publisher but H3C + CAICT"; 01 and 03 the two named publishers
    others = sorted(set(gc["publisher"]) - {"H3C; CAICT"})
    by_exclusion = data.series(gc, scope="global", component="total", point="year",
                               publisher=others)
    pd.testing.assert_series_equal(totals.total_series(gc), by_exclusion)


def test_start_year_keeps_attrs_and_conflicts_are_refused(gc):
    y = totals.total_series(gc, start_year=2021)
    assert y.index.tolist() == [2021, 2022, 2023] and y.attrs["precision"] == "mixed"
    with pytest.raises(DataError, match="two or more rows share a year"):
        totals.total_series(gc, publishers=["CAICT", "H3C; CAICT"])


def test_sources_table_names_each_years_document(gc):
    table = totals.sources(totals.total_series(gc))
    assert list(table.columns) == ["year", "flops", "publisher", "document", "published", "status"]
    row = table.set_index("year").loc[2021]
    assert row["flops"] == 615 * E and row["publisher"] == "CAICT"
    assert row["status"] == "verified-secondary"


def test_components_keep_their_precisions(gc):
    y = totals.total_series(gc, start_year=2021)
    parts = totals.components(gc, y, start_year=2021)
    assert list(parts) == ["basic (FP32)", "intelligent (FP16)", "supercomputing (FP64)",
                           "total (mixed, as published)"]
    # 2021: basic 369, intelligent 232, supercomputing 14 EFLOPS (docs/sources.md, section 1)
    assert [parts[k].loc[2021] / E for k in list(parts)[:3]] == pytest.approx([369, 232, 14])
    assert parts["total (mixed, as published)"] is y


def test_published_tension_reproduces_the_caict_arithmetic(gc, cf):
    t = totals.published_tension(gc, cf)
    assert (t.base_year, t.base, t.stated, t.target_year, t.target) == (2021, 615 * E, 0.44,
                                                                       2030, 56 * Z)
    # 615 x 1.44^9 = 16,373 EFLOPS; (56,000 / 615)^(1/9) - 1 = 0.6508
    assert t.at_stated == pytest.approx(615 * E * 1.44 ** 9, rel=1e-12)
    assert t.needed == pytest.approx((56_000 / 615) ** (1 / 9) - 1, rel=1e-12)
    assert t.sentence() == ("615 EFLOPS in 2021 growing 44% a year gives 16.4 ZFLOPS in 2030; "
                            "56 ZFLOPS in 2030 needs 65.1% a year.")
    with pytest.raises(DataError, match="no global FLOP/s forecast in this edition"):
        totals.published_tension(gc, cf, edition="WP 1999")


def test_projection_rate_given_or_latest_verified(gc):
    assert totals.projection_rate(gc, growth_rate=0.3) == (0.3, "given")
    # 2023's 54% is recalled, so the latest verified growth is CAICT's 47% for 2022
    rate, source = totals.projection_rate(gc)
    assert rate == 0.47 and source.startswith("published y/y growth for 2022, CAICT")


def test_projection_paths_compound_from_each_base(gc, cf):
    y = totals.total_series(gc)
    alone = totals.projection_paths(y, 0.5, end_year=2030)
    assert alone["path"].unique().tolist() == ["1.4 ZFLOPS (2023) at 50.0%/yr"]
    assert alone["year"].tolist() == list(range(2023, 2031))
    assert alone["flops"].iloc[-1] == project(1397 * E, 0.5, 7)
    tension = totals.published_tension(gc, cf)
    paths = totals.projection_paths(y, 0.5, end_year=2030, tension=tension)
    assert list(paths.columns) == ["path", "base_year", "base_flops", "growth_rate", "year",
                                   "flops", "unit"]
    series = totals.path_series(paths)
    assert len(series) == 3
    needed = list(series.values())[2]
    assert needed.index[0] == 2021 and needed.loc[2030] == pytest.approx(56 * Z, rel=1e-12)
    assert list(series)[2].endswith("(56 ZFLOPS in 2030)")


def test_published_forecasts_label_lower_bounds(cf):
    published = totals.published_forecasts(cf)
    assert "CAICT WP 2022: 56 ZFLOPS in 2030" in published["label"].tolist()
    assert "CAICT WP 2023: >20 ZFLOPS in 2030" in published["label"].tolist()
    at_2030 = totals.published_at(published, 2030)
    assert at_2030["CAICT WP 2022: 56 ZFLOPS in 2030"] == 56 * Z
    assert all(year == 2030 for year in published.set_index("label").loc[list(at_2030), "year"])


def test_needed_growth_from_a_base():
    table = totals.needed_growth(615 * E, 2021, ["56 ZFLOPS", 20 * Z], 2030)
    assert table["needed"].iloc[0] == pytest.approx(0.6508265, abs=1e-7)
    assert table["needed"].iloc[1] == pytest.approx(math.expm1(math.log(20_000 / 615) / 9))
    assert table["flops"].tolist() == [56 * Z, 20 * Z]


class _Sim:  # the two members of a Simulation that percentiles_in reads
    years = {"total": [2021, 2022, 2023]}

    @staticmethod
    def percentile_of(component, year, value):
        return {2022: 40.0, 2023: 75.0}[year]


def test_percentiles_in_skips_the_base_year_and_later_years():
    reported = pd.Series([615 * E, 906 * E, 1397 * E, 2000 * E], index=[2021, 2022, 2023, 2024])
    table = totals.percentiles_in(_Sim(), "total", reported, end_year=2023)
    assert table["year"].tolist() == [2022, 2023]
    assert table["percentile"].tolist() == [40.0, 75.0]


# --- notebook 01's one-call projection, and its texts in Chinese (issue 24) -------------------


def test_projection_is_the_rate_and_its_paths_with_the_tension_on_the_global_scope_only(gc, cf):
    y, tension = totals.total_series(gc), totals.published_tension(gc, cf)
    paths, rate, source = totals.projection(gc, y, end_year=2030, tension=tension)
    assert (rate, source) == totals.projection_rate(gc)
    pd.testing.assert_frame_equal(paths, totals.projection_paths(y, rate, end_year=2030,
                                                                 tension=tension))
    assert paths["path"].nunique() == 3
    # CAICT's base and target are global figures: a China series gets its own path only
    china = totals.total_series(gc, scope="china-device")
    alone, rate, _source = totals.projection(gc, china, end_year=2030, scope="china-device",
                                             tension=tension)
    assert rate == 0.44  # CAICT's reported 2023 growth of China's device-side total
    assert alone["path"].unique().tolist() == ["435 EFLOPS (2023) at 44.0%/yr"]


def test_page_sentences_in_chinese_keep_every_number(gc):
    import re

    from forecast import i18n

    left, y = totals.left_out(gc), totals.total_series(gc)
    english = totals.left_out_summary(left, y)
    with i18n.use("zh"):
        chinese = totals.left_out_summary(left, y)
        label = i18n.gettext("615 EFLOPS (2021) at 65.1%/yr (56 ZFLOPS in 2030)")
    assert english == ("Left out by the `publishers` filter (1 row): 2022, 650 EFLOPS by "
                       "H3C; CAICT (verified-primary).")
    assert re.search(r"[\u4e00-\u9fff]", chinese) and "`publishers`" in chinese
    numbers = re.compile(r"\d+(?:\.\d+)?")
    assert sorted(numbers.findall(chinese)) == sorted(numbers.findall(english))
    # a path label is data: looked up with its numbers as slots, put back in the translation
    assert sorted(numbers.findall(label)) == ["2021", "2030", "56", "615", "65.1"]
    assert re.search(r"[\u4e00-\u9fff]", label)
