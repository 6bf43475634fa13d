"""Tests of forecast.bridge: purchases, claims and stocks as FLOP/s against top-down totals.

Reference figures: docs/sources.md, section 4 (Omdia: Microsoft 150k H100 in 2023; 485k
"Hopper incl. H20" and 96k MI300X in 2024; Baidu 30k, Alibaba 25k) and section 5 (dense
FP16: H100 SXM 989, H20 148, MI300X 1307.4 TFLOP/s); hand arithmetic inline.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from forecast.analysis import bridge
from forecast import data
from forecast.errors import UnitError

T = 1e12


@pytest.fixture(scope="module")
def shipments():
    return data.load("accelerator_shipments")


@pytest.fixture(scope="module")
def specs():
    return data.load("accelerators")


@pytest.fixture(scope="module")
def buyers(shipments, specs):
    return bridge.purchases_by_buyer(shipments, "FP16", hopper_low="h20",
                                     hopper_high="h100-sxm", specs=specs)


def test_purchases_by_buyer_reads_hopper_incl_h20_as_a_range(buyers):
    ms = buyers[buyers["buyer"] == "Microsoft"].set_index("year")
    # 2023: 150,000 H100 x 989 TFLOP/s = 148.35 EFLOPS, the same in both readings
    assert ms.loc[2023, "EFLOPS_low"] == pytest.approx(148.35) == ms.loc[2023, "EFLOPS_high"]
    # 2024: 485,000 Hopper incl. H20 (as H20 148 or H100 989) + 96,000 MI300X x 1307.4
    mi300x = 96_000 * 1307.4 * T
    assert ms.loc[2024, "flops_low"] == pytest.approx(485_000 * 148 * T + mi300x, rel=1e-12)
    assert ms.loc[2024, "flops"] == pytest.approx(485_000 * 989 * T + mi300x, rel=1e-12)
    assert ms.loc[2024, "EFLOPS_high"] == ms.loc[2024, "flops"] / bridge.EXA
    assert set(buyers["precision"]) == {"FP16"} and set(buyers["status"]) == {"estimate (Omdia)"}


def test_buyer_totals_sum_the_named_buyers(buyers):
    totals = bridge.buyer_totals(buyers)
    # Omdia 2023: 150+150+50+50+50+50+40+30+25+20+20+15 = 650k H100 (docs/sources.md, s. 4)
    assert totals.loc[2023, "units"] == 650_000
    assert totals.loc[2023, "EFLOPS_high"] == pytest.approx(650_000 * 989 * T / 1e18)


def test_article_claims_and_omdia_ratios(shipments, specs, buyers):
    low = {"unspecified (8-GPU servers)": "a100-sxm", "Hopper generation": "h800-pcie",
           "all GPUs": "a100-sxm"}
    high = dict.fromkeys(low, "h800-sxm")
    claimed = bridge.article_claims(shipments, "FP16", claim_low=low, claim_high=high,
                                    china_units=100_000, specs=specs)
    baidu = claimed[(claimed["buyer"] == "Baidu") & (claimed["chip"] == "Hopper generation")]
    # 50,000 H800 SXM at 989 = 49.45 EFLOPS; H800 PCIe at 756 = 37.8 EFLOPS
    assert baidu["EFLOPS_high"].iloc[0] == pytest.approx(49.45)
    assert baidu["EFLOPS_low"].iloc[0] == pytest.approx(37.8)
    china = claimed[claimed["buyer"] == "China (all buyers)"]
    assert china["units"].tolist() == [100_000.0] and "our reading" in china["status"].iloc[0]
    assert set(claimed["label"]) == {"UNVERIFIED claim of the originating article (2023-05)"}
    ratios = bridge.claims_against_omdia(claimed, buyers).set_index("buyer")
    # Baidu claimed 50,000 against Omdia's 30,000; Alibaba 6,000 against 25,000
    assert ratios.loc["Baidu", "ratio"] == pytest.approx(50_000 / 30_000)
    assert ratios.loc["Alibaba", "ratio"] == pytest.approx(6_000 / 25_000)


def _stock(values):
    index = pd.PeriodIndex([p for p, _ in values], freq="Q", name="period")
    return pd.DataFrame({"flops": [v for _, v in values], "precision": "FP16"}, index=index)


def test_bottom_up_vs_top_down_reads_the_stock_at_the_same_date():
    stock = _stock([("2022Q2", 10e18), ("2022Q4", 30e18), ("2023Q2", 50e18), ("2023Q4", 80e18)])
    epoch = pd.DataFrame({"year": [2023], "flops": [100e18]})
    top_down = pd.DataFrame({
        "label": ["global, A", "China, B", "global, C", "global, D"],
        "scope": ["global", "china-idc", "global", "global"],
        "year": [2023, 2023, 2023, 2021], "point": ["year", "mid-year", "year", "year"],
        "flops": [400e18, 100e18, 10e18, 200e18], "precision": ["FP16", "FP16", "FP32", "FP16"],
        "status": ["verified-secondary"] * 4})
    gap, left_out = bridge.bottom_up_vs_top_down(top_down, stock, epoch, "FP16")
    assert left_out == 1 and gap["source"].tolist() == ["global, A", "China, B", "global, D"]
    a, b, d = (gap.iloc[i] for i in range(3))
    # year end reads Q4 (80 EFLOPS), mid-year reads Q2 (50 EFLOPS)
    assert (a["revenue_implied_EFLOPS"], a["ratio_revenue_implied"]) == (80.0, 80 / 400)
    # a global stock over a China-only figure is no gap: listed for scale, no ratio
    assert b["revenue_implied_EFLOPS"] == 50.0 and math.isnan(b["ratio_revenue_implied"])
    assert (a["quarters_of_shipments"], b["quarters_of_shipments"]) == (4, 3)
    # Epoch's year-end stock only for year-end points
    assert a["ratio_epoch"] == pytest.approx(100 / 400) and math.isnan(b["epoch_EFLOPS"])
    # before the stock starts there is nothing to compare
    assert math.isnan(d["revenue_implied_EFLOPS"]) and d["quarters_of_shipments"] == 0
    lines = bridge.findings(gap, "FP16")
    assert lines[0] == ("2023 year: global, A 400 EFLOPS FP16 (verified-secondary); "
                        "revenue-implied NVIDIA stock 80 EFLOPS (4 quarters of shipments) = 0.20x; "
                        "Epoch NVIDIA stock 100 EFLOPS = 0.25x")
    assert len(lines) == 2  # the 2021 point has neither stock; China is said once, unratioed
    assert lines[1].startswith("1 China figure(s) (China, B) are listed for scale only")


def test_the_ratio_refuses_mixed_precisions_and_an_empty_gap_says_so():
    stock = _stock([("2023Q4", 80e18)])  # an FP16 stock
    fp32_point = pd.DataFrame({"label": ["x"], "scope": ["global"], "year": [2023],
                               "point": ["year"],
                               "flops": [1e20], "precision": ["FP32"], "status": ["recalled"]})
    with pytest.raises(UnitError, match="FP16 and FP32"):
        bridge.bottom_up_vs_top_down(fp32_point, stock, pd.DataFrame({"year": [], "flops": []}),
                                     "FP32")
    empty = pd.DataFrame(columns=["revenue_implied_EFLOPS"])
    assert bridge.findings(empty, "FP8") == [
        "No top-down intelligent-compute figure is stated at FP8: no gap to state."]


def test_top_down_keeps_the_latest_edition_and_labels_short():
    td = bridge.top_down_intelligent(data.load("global_compute"),
                                     data.load("compute_forecasts"))
    assert set(td["scope"]) <= set(bridge.TOP_DOWN_SCOPES)
    assert not td.duplicated(["scope", "year", "publisher", "point"]).any()
    assert "China, IDC; Inspur" in set(td["label"]) and "global, CAICT" in set(td["label"])
    assert set(td["precision"]) == {"FP16"}


def test_assumptions_default_share_is_the_mean_reported():
    revenue = data.load("nvidia_datacenter_revenue")
    table, share = bridge.assumptions({2024: "h100-sxm"}, None, revenue)
    reported = (revenue["networking_revenue"] / revenue["revenue"]).dropna()
    assert share == pytest.approx(reported.mean()) and len(reported) >= 2
    assert table["status"].tolist() == ["assumption", "assumption (mean of reported)"]
    table, share = bridge.assumptions({2024: "h100-sxm"}, 0.2, revenue)
    assert share == 0.2 and table["status"].iloc[-1] == "assumption"


# --- notebook 02's revenue fits, and its sentences in Chinese (issue 24) ------------------------


def test_fit_table_and_revenue_projections_line_the_fits_up():
    import numpy as np

    from forecast.analysis import gpu
    from forecast.models import fit

    y = gpu.revenue_series(data.load("nvidia_datacenter_revenue"))
    fits = {name: fit(name, y) for name in ("exponential", "logistic")}
    table = bridge.fit_table(fits)
    assert table.index.name == "model" and table.index.tolist() == ["exponential", "logistic"]
    assert table.loc["logistic", "AIC"] == fits["logistic"].aic
    assert table.loc["exponential", "n_obs"] == len(y)
    assert math.isnan(table.loc["exponential", "cap"])  # the exponential model has no ceiling
    ahead = bridge.revenue_projections(fits, 8, 0.8)
    assert len(ahead) == 16 and ahead["model"].tolist() == ["exponential"] * 8 + ["logistic"] * 8
    # the quarter after the last reported one, in NVIDIA's own labelling
    assert ahead["fiscal_quarter"].iloc[0] == gpu.fiscal_labels(
        pd.period_range(y.index[-1] + 1, periods=1, freq=y.index.freq))[0]
    np.testing.assert_array_equal(ahead.loc[ahead["model"] == "logistic", "median"],
                                  fits["logistic"].forecast(8, level=0.8)["median"])


def test_findings_in_chinese_keep_every_number():
    import re

    from forecast import i18n

    stock = _stock([("2023Q4", 80e18)])
    epoch = pd.DataFrame({"year": [2023], "flops": [100e18]})
    top_down = pd.DataFrame({"label": ["global, CAICT"], "scope": ["global"], "year": [2023],
                             "point": ["year"], "flops": [400e18], "precision": ["FP16"],
                             "status": ["verified-secondary"]})
    gap, _left_out = bridge.bottom_up_vs_top_down(top_down, stock, epoch, "FP16")
    english = bridge.findings(gap, "FP16")
    with i18n.use("zh"):
        chinese = bridge.findings(gap, "FP16")
    assert english == [("2023 year: global, CAICT 400 EFLOPS FP16 (verified-secondary); "
                        "revenue-implied NVIDIA stock 80 EFLOPS (1 quarters of shipments) = 0.20x; "
                        "Epoch NVIDIA stock 100 EFLOPS = 0.25x")]
    assert re.search(r"[\u4e00-\u9fff]", chinese[0]) and "verified" not in chinese[0]
    numbers = re.compile(r"\d+(?:\.\d+)?")
    assert sorted(numbers.findall(chinese[0])) == sorted(numbers.findall(english[0]))
