"""forecast.top500: per-list series derived from data/top500.csv.

Reference values are TOP500.org's published lists (www.top500.org/lists/top500/YYYY/MM/):
the June 1993 list sums to 1,122.845 GFlop/s of Rmax (TOP500 list statistics; also the
check in the project's source notes), and the #1 systems' Rmax as TOP500.org lists them:
1993-06 CM-5/1024 59.7 GFlop/s; 2002-06 Earth Simulator 35,860 GFlop/s; 2008-06 Roadrunner
1,026,000 GFlop/s (first PFlop/s system); 2013-06 Tianhe-2 33,862.7 TFlop/s; 2018-06 Summit
122,300 TFlop/s; 2022-06 Frontier 1,102,000 TFlop/s (first EFlop/s system); 2026-06 LineShine
2,198,400 TFlop/s.  June 2011, the first list with an accelerator field, has 19 accelerated
systems (TOP500.org's June 2011 release).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from forecast import data
from forecast.analysis import top500
from forecast.errors import DataError


@pytest.fixture(scope="module")
def per_list():
    return top500.lists()


def test_67_lists_of_500_systems(per_list):
    assert len(per_list) == 67
    assert per_list["list"].iloc[0] == "1993-06" and per_list["list"].iloc[-1] == "2026-06"
    assert (per_list["systems"] == 500).all()
    assert per_list["list"].is_monotonic_increasing
    assert set(per_list["list"].str[5:]) == {"06", "11"}


def test_june_1993_sums_to_1122_845_gflops(per_list):
    row = per_list.set_index("list").loc["1993-06"]
    assert math.isclose(row["sum_rmax"], 1122.845e9, rel_tol=1e-12)
    assert row["precision"] == "FP64"


@pytest.mark.parametrize(("listed", "name", "rmax"), [
    ("1993-06", "CM-5/1024", 59.7e9),
    ("2002-06", "Earth-Simulator", 35860e9),
    ("2008-06", "BladeCenter QS22/LS21 Cluster", 1026000e9),   # Roadrunner
    ("2013-06", "Tianhe-2 (MilkyWay-2)", 33862.7e12),
    ("2018-06", "Summit", 122300e12),
    ("2022-06", "Frontier", 1102000e12),
    ("2026-06", "LineShine", 2198400e12),
])
def test_number_one_matches_top500_org(per_list, listed, name, rmax):
    row = per_list.set_index("list").loc[listed]
    assert row["no1_name"].startswith(name)
    assert math.isclose(row["no1_rmax"], rmax, rel_tol=1e-12)


def test_unit_change_between_2016_11_and_2017_06_is_continuous(per_list):
    # GFlop/s headers up to 2016-11, TFlop/s from 2017-06: a missed factor of 1000 would show
    # here. Sunway TaihuLight is #1 on both lists: 93,014,593.88 GFlop/s, then 93,014.594 TFlop/s.
    rows = per_list.set_index("list")
    assert rows.at["2016-11", "no1_rmax"] == 93014593.88e9
    assert rows.at["2017-06", "no1_rmax"] == 93014.594e12
    ratio = rows.at["2017-06", "sum_rmax"] / rows.at["2016-11", "sum_rmax"]
    assert 1.0 < ratio < 1.5


def test_properties_of_every_list(per_list):
    assert (per_list["no1_rmax"] >= per_list["no500_rmax"]).all()
    assert (per_list["sum_rmax"] >= 500 * per_list["no500_rmax"]).all()
    assert (per_list["sum_rmax"] <= 500 * per_list["no1_rmax"]).all()
    assert (per_list["sum_rpeak"] > per_list["sum_rmax"]).all()
    # the entry level never falls: each list's #500 beats the one before
    assert per_list["no500_rmax"].is_monotonic_increasing
    assert per_list["t"].is_monotonic_increasing
    assert per_list.at[0, "t"] == pytest.approx(1993 + 5.5 / 12)


def test_accelerated_share_is_missing_before_the_field_not_zero(per_list):
    rows = per_list.set_index("list")
    assert rows.loc[:"2010-11", "accelerated_share"].isna().all()
    assert rows.at["2011-06", "accelerated_systems"] == 19
    assert rows.at["2011-06", "accelerated_share"] == pytest.approx(19 / 500)
    later = rows.loc["2011-06":]
    assert later["accelerated_share"].between(0, 1).all()
    assert later["accelerated_rmax_share"].between(0, 1).all()


def test_by_country_adds_up_to_the_list(per_list):
    long = top500.by_country()
    totals = long.groupby("list")["sum_rmax"].sum()
    assert totals.to_numpy() == pytest.approx(per_list.set_index("list")["sum_rmax"].to_numpy(),
                                              rel=1e-12)
    assert long.groupby("list")["systems"].sum().eq(500).all()
    assert long.groupby("list")["share_rmax"].sum().to_numpy() == pytest.approx(1.0)
    june93 = long[long["list"] == "1993-06"].iloc[0]
    assert june93["country"] == "United States"
    wide = top500.country_table(countries=["United States", "China"])
    assert wide.shape == (67, 2) and wide.at["1993-06", "China"] == 0


def test_a_subset_gives_its_own_series():
    systems = top500.systems()
    us = top500.lists(systems[systems["country"] == "United States"])
    assert (us["systems"] < 500).all()
    assert us.set_index("list").at["1993-06", "no1_rmax"] == 59.7e9


def test_series_carry_units_and_kind(per_list):
    s = top500.series("sum_rpeak", per_list)
    assert s.attrs == {"unit": "FLOP/s", "precision": "FP64", "kind": "peak",
                       "lists": per_list["list"].tolist()}
    assert top500.series("no500_rmax", per_list).attrs["kind"] == "achieved"
    with pytest.raises(DataError, match="not a FLOP/s column"):
        top500.series("systems", per_list)


def test_refuses_a_frame_that_is_not_top500():
    with pytest.raises(DataError, match="not a TOP500 per-system table"):
        top500.lists(pd.DataFrame({"list": ["1993-06"], "rmax": [1.0]}))
    with pytest.raises(DataError, match="country never on a TOP500 list"):
        top500.country_table(countries=["Atlantis"])


def test_dataset_is_listed_and_labelled():
    assert "top500" in data.datasets()
    df = top500.systems()
    assert len(df) == 67 * 500
    assert df.attrs["provenance"][0]["publisher"] == "TOP500.org"
