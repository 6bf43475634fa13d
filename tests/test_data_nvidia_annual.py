"""NVIDIA Data Center revenue by fiscal year (data/nvidia_datacenter_revenue_annual.csv).

The annual file is checked against the two quarterly files it must agree with, against the
growth rates NVIDIA published (read in news reports, quoted in the rows' notes), and against
the calendar: NVIDIA's fiscal year ends on the last Sunday of January.
"""
import datetime as dt

import pandas as pd
import pytest

from forecast.data import datapackage as data

STATUSES = {"verified-primary", "verified-secondary", "recalled", "claim", "estimate", "derived"}


@pytest.fixture(scope="module")
def annual() -> pd.DataFrame:
    return data.load("nvidia_datacenter_revenue_annual").set_index("fiscal_year")


def _last_sunday_of_january(year: int) -> dt.date:
    day = dt.date(year, 1, 31)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def test_one_row_per_fiscal_year_from_2016(annual):
    assert list(annual.index) == list(range(2016, annual.index.max() + 1))
    assert annual.index.max() >= 2022
    assert set(annual["unit"]) == {"USD"} and set(annual["publisher"]) == {"NVIDIA"}


def test_fiscal_years_end_on_the_last_sunday_of_january(annual):
    for year, row in annual.iterrows():
        end = row["period_end"].date()
        assert end == _last_sunday_of_january(year), year
        assert end.weekday() == 6
    # FY2016 ended on 31 January 2016 (a 53-week year), FY2022 on 30 January 2022
    assert annual.loc[2016, "period_end"] == pd.Timestamp("2016-01-31")
    assert annual.loc[2022, "period_end"] == pd.Timestamp("2022-01-30")
    # years are contiguous: each starts the day after the previous one ended
    starts = annual["period_start"].iloc[1:].to_numpy()
    ends = annual["period_end"].iloc[:-1].to_numpy()
    assert (starts - ends == pd.Timedelta(days=1)).all()
    days = (annual["period_end"] - annual["period_start"]).dt.days + 1
    assert set(days) <= {364, 371}
    assert days[2016] == 371 and days[2021] == 371  # the two 53-week years


def test_fiscal_2022_is_the_sum_of_its_four_primary_quarters(annual):
    by_market = data.load("nvidia_revenue_by_market")
    dc = by_market[(by_market["market"] == "Data Center") & (by_market["fiscal_year"] == 2022)]
    assert sorted(dc["fiscal_quarter"]) == [1, 2, 3, 4]
    # NVIDIA's slide, USD m: 2,048 + 2,366 + 2,936 + 3,263 = 10,613
    assert dc["revenue"].sum() == 10_613e6
    assert annual.loc[2022, "revenue"] == pytest.approx(dc["revenue"].sum(), abs=5e6)


def test_every_year_with_primary_quarters_equals_their_sum(annual):
    by_market = data.load("nvidia_revenue_by_market")
    dc = by_market[by_market["market"] == "Data Center"]
    complete = dc.groupby("fiscal_year").filter(lambda g: len(g) == 4)
    sums = complete.groupby("fiscal_year")["revenue"].sum()
    assert list(sums.index) == [2022, 2023, 2024, 2025]
    for year, total in sums.items():
        # equal to the million: the derived rows are these sums
        assert annual.loc[year, "revenue"] == pytest.approx(total, abs=0.5e6), year


def test_fiscal_2023_onwards_agree_with_the_quarterly_release_file(annual):
    quarters = data.load("nvidia_datacenter_revenue")
    four = quarters.groupby("fiscal_year").filter(lambda g: len(g) == 4)
    sums = four.groupby("fiscal_year")["revenue"].sum()
    assert list(sums.index) == [2023, 2024, 2025, 2026]
    for year, total in sums.items():
        # the release file's quarters are rounded to 0.01-0.1 bn: agree within 0.1 bn
        assert annual.loc[year, "revenue"] == pytest.approx(total, abs=0.1e9), year
    # and with the annual totals NVIDIA stated (fact sheet section 3, verified-secondary)
    for year, stated in {2024: 47.5e9, 2025: 115.2e9, 2026: 193.7e9}.items():
        assert annual.loc[year, "revenue"] == pytest.approx(stated, abs=0.05e9), year


def test_levels_reproduce_the_growth_rates_nvidia_published(annual):
    # year-on-year growth as NVIDIA stated it, read in news reports (quoted in the notes):
    # FY2018 "up 133% ... to $1.93 billion"; FY2020 "$2.983 billion, up 2%";
    # FY2024 "record $47.5 billion, up 217%"
    growth = annual["revenue"] / annual["revenue"].shift(1) - 1
    for year, stated in {2018: 1.33, 2020: 0.02, 2024: 2.17}.items():
        # percentages are rounded to the unit and 1.93 bn to 10 m: 1 point of tolerance
        assert growth[year] == pytest.approx(stated, abs=0.01), year
        assert f"{round(stated * 100)}%" in annual.loc[year, "note"]


def test_growth_is_plausible_and_fiscal_2020_is_the_only_pause(annual):
    ratio = annual["revenue"] / annual["revenue"].shift(1)
    ratio = ratio.dropna()
    assert ratio.between(1.0, 3.5).all(), ratio.to_dict()  # never shrank, never more than 3.5x
    assert ratio.idxmin() == 2020 and ratio.min() < 1.05  # the hyperscale pause of 2019
    assert ratio.idxmax() == 2024  # Hopper
    # a decade from 0.34 to about 194 USD bn
    assert annual.loc[2016, "revenue"] < 0.5e9
    assert annual.loc[2026, "revenue"] > 150e9


def test_statuses_are_honest(annual):
    assert set(annual["status"]) <= STATUSES
    assert "estimate" not in set(annual["status"]) and "claim" not in set(annual["status"])
    for year, row in annual.iterrows():
        note = row["note"]
        if row["status"] == "recalled":
            assert "NOT READ" in note, year
        if row["status"] == "derived":
            assert "+" in note and "=" in note, year  # the formula is in the note
        if row["status"] == "verified-secondary":
            assert row["via"], year  # the report it was read in is named
            assert "'" in note, year  # with the quoted text


def test_the_early_years_are_recalled_not_verified(annual):
    # fiscal 2016 and 2017: the figures were not found in any retrieved text
    assert annual.loc[2016, "status"] == "recalled" and annual.loc[2017, "status"] == "recalled"
    # fiscal 2017 = the two quarters read (143 + 240) plus two not found: the recalled total
    # must leave room for them
    assert annual.loc[2017, "revenue"] > (143 + 240) * 1e6
