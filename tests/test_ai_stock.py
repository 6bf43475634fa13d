"""forecast.ai_stock: Epoch AI's AI-chip stock in H100e and FLOP/s, shares, shipments, gap.

Reference values are Epoch AI's own export rows (epoch-research/ai-chip-counts,
csv_export, commit d1b1bc31), quoted beside each test, e.g. "Nvidia total Q1 2022 to Q4
2025 ... H100e (5th, median, 95th) 11899055, 13659258, 15548902" (estimates generated on
03-31-2026).  H100 SXM dense FP16 = 989 TFLOP/s and dense FP8 = 1,979 TFLOP/s (NVIDIA H100
datasheet, 1,979 / 3,958 "with sparsity" halved; data/accelerators.csv row h100-sxm).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import ai_stock
from forecast.errors import DataError, ParameterError

from _project import SHIPPED


# Q4 2025 medians (H100e) of the four designer totals, read in Epoch's exports:
NVIDIA_2025Q4 = 13_659_258    # nvidia_cumulative_totals.csv (03-31-2026)
GOOGLE_2025Q4 = 3_812_878     # tpu_cumulative_totals.csv (04-03-2026)
AMD_2025Q4 = 1_244_972        # amd_cumulative_totals.csv (04-03-2026)
AMAZON_2025Q4 = 1_020_727     # trainium_cumulative_totals.csv (03-31-2026; H100e median first)


@pytest.fixture(scope="module")
def h100e():
    return ai_stock.stock("H100e")


def test_designer_stock_matches_epoch_rows(h100e):
    q4 = h100e[h100e["quarter"] == "2025Q4"].set_index("designer")
    assert q4.loc["Nvidia", ["p5", "median", "p95"]].tolist() == [11899055, 13659258, 15548902]
    assert q4.at["Google", "median"] == GOOGLE_2025Q4
    assert q4.at["AMD", "median"] == AMD_2025Q4
    # Trainium's export lists the H100e median before p5 and p95; read by name, not position
    assert q4.loc["Amazon", ["p5", "median", "p95"]].tolist() == [907525, 1020727, 1164343]
    assert str(q4.at["Nvidia", "vintage"].date()) == "2026-03-31"
    assert (h100e["p5"] <= h100e["median"]).all() and (h100e["median"] <= h100e["p95"]).all()
    # series starts: NVIDIA Q1 2022, Google Q1 2023, AMD and Amazon Q1 2024
    first = h100e.groupby("designer")["quarter"].min().to_dict()
    assert first == {"Nvidia": "2022Q1", "Google": "2023Q1", "AMD": "2024Q1", "Amazon": "2024Q1"}


def test_units_and_owners(h100e):
    units = ai_stock.stock("units")
    q4 = units[units["quarter"] == "2025Q4"].set_index("designer")
    assert q4.at["Nvidia", "median"] == 10477887  # "Number of units (median)" Q4 2025
    owners = ai_stock.stock("H100e", by="owner")
    ms = owners[(owners["owner"] == "Microsoft") & (owners["designer"] == "Nvidia")
                & (owners["quarter"] == "2025Q4")]
    # "Microsoft cumulative Nvidia through Q4 2025": H100e median 3151494 listed first,
    # then 5th and 95th percentiles 2424281, 4075897 (owner exports' column order)
    assert ms[["p5", "median", "p95"]].values.tolist() == [[2424281, 3151494, 4075897]]
    assert str(ms["vintage"].iloc[0].date()) == "2026-04-15"
    chips = ai_stock.stock("units", by="chip")
    assert set(chips["designer"]) == {"Nvidia"} and "H100" in set(chips["chip"])


def test_flops_at_fp16_and_fp8():
    assert ai_stock.h100e_flops("FP16") == 989e12
    assert ai_stock.h100e_flops("FP8") == 1979e12
    fp16 = ai_stock.stock_flops("FP16")
    row = fp16[(fp16["designer"] == "Nvidia") & (fp16["quarter"] == "2025Q4")].iloc[0]
    assert row["median"] == NVIDIA_2025Q4 * 989e12
    assert row["precision"] == "FP16" and fp16.attrs["sparse"] is False
    with pytest.raises(ParameterError, match="only at FP16 or FP8"):
        ai_stock.h100e_flops("FP64")


def test_sum_of_medians_is_labelled_and_hand_checked(h100e):
    # method="sum" is no longer the default (issue 20: the default band is a percentile of
    # the simulated sum); the sum of medians stays available, labelled
    total = ai_stock.total(h100e, method="sum").set_index("quarter")
    expected = NVIDIA_2025Q4 + GOOGLE_2025Q4 + AMD_2025Q4 + AMAZON_2025Q4  # 19,737,835
    assert total.at["2025Q4", "median"] == expected
    assert total.at["2025Q4", "method"].startswith("sum of medians")
    assert total.at["2025Q4", "designers"] == 4 and total.at["2025Q4", "complete"]
    # before 2023 only NVIDIA is covered, and 2026Q1 is not yet extended for AMD and Amazon
    assert total.at["2022Q4", "designers"] == 1 and not total.at["2022Q4", "complete"]
    assert not total.at["2026Q1", "complete"]
    # at dense FP16 this is the ~20 ZFLOP/s bottom-up figure of the mission brief
    assert expected * 989e12 == pytest.approx(1.952e22, rel=1e-3)


def test_independent_band_is_narrower_than_the_comonotone_band(h100e):
    summed = ai_stock.total(h100e, method="sum").set_index("quarter")
    indep = ai_stock.total(h100e, method="independent").set_index("quarter")
    again = ai_stock.total(h100e, method="independent").set_index("quarter")
    pd.testing.assert_frame_equal(indep, again)  # seeded
    q = "2025Q4"
    assert summed.at[q, "p5"] < indep.at[q, "p5"] < indep.at[q, "median"]
    assert indep.at[q, "median"] < indep.at[q, "p95"] < summed.at[q, "p95"]
    # the median of the sum is near, but not equal to, the sum of medians
    assert indep.at[q, "median"] == pytest.approx(summed.at[q, "median"], rel=0.03)
    assert indep.at[q, "median"] != summed.at[q, "median"]
    with pytest.raises(ParameterError, match="unknown combination method"):
        ai_stock.total(h100e, method="mean")


def test_default_total_is_a_percentile_of_the_simulated_sum(h100e):
    q = "2025Q4"
    default = ai_stock.total(h100e).set_index("quarter")
    indep = ai_stock.total(h100e, method="independent").set_index("quarter")
    pd.testing.assert_frame_equal(default, indep)  # default: simulated, rho = 0
    half = ai_stock.total(h100e, rho=0.5).set_index("quarter")
    same = ai_stock.total(h100e, rho=1.0).set_index("quarter")
    width = [t.at[q, "p95"] - t.at[q, "p5"] for t in (default, half, same)]
    assert width[0] < width[1] < width[2]  # correlation widens the band of the sum
    # comonotone log-normals: the sum's 95th percentile is the sum of each one's 95th,
    # median x exp(1.645 sigma) with sigma the mean of the triplet's two log half-widths
    rows = h100e[h100e["quarter"] == q][["p5", "median", "p95"]].to_numpy(dtype=float)
    sigma = (np.log(rows[:, 1] / rows[:, 0]) + np.log(rows[:, 2] / rows[:, 1])) / 2 / ai_stock.Z_95
    assert same.at[q, "p95"] == pytest.approx((rows[:, 1] * np.exp(ai_stock.Z_95 * sigma)).sum(),
                                              rel=2e-3)
    assert "correlation 0.5" in half.at[q, "method"]
    with pytest.raises(ParameterError, match="rho"):
        ai_stock.total(h100e, rho=1.5)
    # the index's 2025 band (versus_top_down) is the simulated sum's, around the sum of medians
    bottom = ai_stock.versus_top_down(2025).iloc[0]  # FLOP/s: H100e x 989 TFLOP/s
    assert bottom["lower"] == pytest.approx(default.at[q, "p5"] * 989e12, rel=1e-12)
    assert bottom["upper"] == pytest.approx(default.at[q, "p95"] * 989e12, rel=1e-12)
    assert bottom["lower"] < bottom["median"] < bottom["upper"]


def test_nvidia_share():
    share = ai_stock.nvidia_share().set_index("quarter")
    q4 = share.loc["2025Q4"]
    assert q4["share"] == pytest.approx(NVIDIA_2025Q4 / 19_737_835)
    assert q4["share_low"] < q4["share"] < q4["share_high"] and q4["complete"]
    assert share.at["2022Q4", "share"] == 1.0 and not share.at["2022Q4", "complete"]
    complete = share[share["complete"]]
    assert complete["share"].is_monotonic_decreasing  # 2024Q1-2025Q4: others grow faster


def test_shipments_are_differences_of_the_cumulative_medians(h100e):
    shipped = ai_stock.shipments("H100e")
    for designer, group in shipped.groupby("designer"):
        last = h100e[h100e["designer"] == designer]["median"].iloc[-1]
        assert group["median"].sum() == pytest.approx(last)  # telescoping sum
    nv = shipped[(shipped["designer"] == "Nvidia")].set_index("quarter")
    assert nv.at["2025Q4", "median"] == NVIDIA_2025Q4 - 10_703_369  # minus Q3 2025 cumulative
    # the chip-level quarterly sums agree with the differences within 1%
    full = nv.loc["2022Q2":"2025Q4"]
    assert (abs(full["chip_median_sum"] / full["median"] - 1) < 0.01).all()
    assert nv.at["2026Q1", "incomplete"] == "true"


def test_versus_top_down_makes_the_gap_computable():
    table = ai_stock.versus_top_down(2025, "FP16")
    bottom = table.iloc[0]
    assert bottom["median"] == pytest.approx(19_737_835 * 989e12, rel=1e-12)
    assert bottom["lower"] < bottom["median"] < bottom["upper"]
    caict_2030 = table[(table["year"] == 2030) & (table["source"].str.startswith("CAICT"))
                       & (table["median"] == 2e22)].iloc[0]
    assert caict_2030["precision"] == "mixed" and not caict_2030["comparable"]
    assert caict_2030["bound"] == "lower"
    assert caict_2030["ratio"] == pytest.approx(bottom["median"] / 2e22)
    assert "ADDS FP32" in caict_2030["counts"]
    fp16 = table[(table["what"] == "intelligent") & table["comparable"]]
    assert set(fp16["precision"]) == {"FP16"} and len(fp16) >= 3
    # per-designer rows add up to the sum of medians
    designers = table[table["source"].str.match(r"Epoch AI \((?!bottom)")]
    assert designers["median"].sum() == pytest.approx(bottom["median"])
    assert designers["share"].sum() == pytest.approx(1.0)
    assert (designers["ratio"] * designers["share"]).to_numpy() == pytest.approx(1.0)
    assert table.loc[table["source"] == "Epoch AI (Nvidia)", "share"].iloc[0] == pytest.approx(
        NVIDIA_2025Q4 / 19_737_835)
    with pytest.raises(DataError, match="no Q4 2019"):
        ai_stock.versus_top_down(2019)


def _data_copy(tmp_path: Path, extra_rows: list[str]) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    package = json.loads((SHIPPED / "data" / "datapackage.json").read_text(encoding="utf-8"))
    package["resources"] = [r for r in package["resources"]
                            if r["name"] in ("ai_chip_stock", "ai_chip_sales")]
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    shutil.copy(SHIPPED / "data" / "ai_chip_sales.csv", folder)
    text = (SHIPPED / "data" / "ai_chip_stock.csv").read_text(encoding="utf-8")
    (folder / "ai_chip_stock.csv").write_text(text + "".join(extra_rows), encoding="utf-8")
    return folder


def test_vintages_are_kept_and_selectable(tmp_path):
    # an older vintage of the NVIDIA Q4 2025 total (the 2026-03-25 export, 13.66M H100e as
    # recorded in accelerator_shipments.csv; the percentiles here are the fixture's own)
    older = ("Nvidia,all,all,2022-01-01,2025-12-31,H100e,12000000,13660000,15600000,false,"
             "2026-03-25,Epoch AI,AI Chip Sales (fixture),2026-03-25,,,verified-primary,"
             "test fixture\n")
    folder = _data_copy(tmp_path, [older])
    latest = ai_stock.stock(data_dir=folder)
    assert latest[latest["quarter"] == "2025Q4"].set_index("designer").at["Nvidia",
                                                                           "median"] == 13659258
    then = ai_stock.stock(vintage="2026-03-28", data_dir=folder)
    nv = then[then["designer"] == "Nvidia"]
    assert nv["quarter"].tolist() == ["2025Q4"] and nv["median"].tolist() == [13660000]
    both = ai_stock.stock(vintage="all", data_dir=folder)
    assert len(both[(both["designer"] == "Nvidia") & (both["quarter"] == "2025Q4")]) == 2
    with pytest.raises(DataError, match="no Epoch vintage on or before"):
        ai_stock.stock(vintage="2020-01-01", data_dir=folder)
    with pytest.raises(ParameterError, match="parameter 'vintage': not a date"):
        ai_stock.stock(vintage="last week", data_dir=folder)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="unknown measure"):
        ai_stock.stock("GPUs")
    with pytest.raises(ParameterError, match="unknown grouping"):
        ai_stock.stock(by="country")
