"""Tests of forecast.gpu: hand-computed FLOP/s, retirement boundaries, revenue arithmetic, errors.

The spec table ``SPECS`` below is a hand-made excerpt of data/accelerators.csv
(dense / sparse TFLOPS from docs/sources.md, section 5: H100 SXM FP16 989 / 1979,
FP8 1979 / 3958, FP32 67; A100 SXM FP16 312 / 624; H20 FP16 148), so the
arithmetic tests do not move when the data file is edited.  Tests against the
shipped data file are marked as such.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from forecast.analysis import gpu
from forecast.errors import DataError, ParameterError, UnitError, UnknownNameError

SPECS = pd.DataFrame({
    "id": ["h100-sxm", "h100-sxm", "h100-sxm", "a100-sxm", "h20", "h100-sxm"],
    "precision": ["FP16", "FP8", "FP32", "FP16", "FP16", "INT8"],
    "dense": [989.0, 1979.0, 67.0, 312.0, 148.0, 1979.0],
    "sparse": [1979.0, 3958.0, np.nan, 624.0, np.nan, 3958.0],
    "unit": ["TFLOPS", "TFLOPS", "TFLOPS", "TFLOPS", "TFLOPS", "TOPS"],
})


# --- fleet_flops ------------------------------------------------------------------------

def test_24000_h100_sxm_dense_fp16_is_23_7_eflops():
    # 24,000 x 989e12 = 2.3736e19 FLOP/s (the seed article's 3,000 servers x 8 GPUs)
    assert gpu.fleet_flops(24_000, "h100-sxm", specs=SPECS) == pytest.approx(2.3736e19, rel=1e-12)


def test_sparse_is_twice_dense_for_h100_fp16():
    # 24,000 x 1979e12 = 4.7496e19; NVIDIA's sparse figure is 2 x 989.5 rounded to 1979
    sparse = gpu.fleet_flops(24_000, "h100-sxm", "FP16", sparse=True, specs=SPECS)
    assert sparse == pytest.approx(4.7496e19, rel=1e-12)
    assert sparse / gpu.fleet_flops(24_000, "h100-sxm", specs=SPECS) == pytest.approx(2, rel=1e-3)


def test_int8_tops_are_counted_as_ops_per_second():
    assert gpu.peak_flops("h100-sxm", "INT8", specs=SPECS) == pytest.approx(1.979e15)


def test_zero_units_is_zero_flops():
    assert gpu.fleet_flops(0, "a100-sxm", specs=SPECS) == 0.0


def test_unknown_accelerator_lists_the_ids():
    with pytest.raises(UnknownNameError) as err:
        gpu.fleet_flops(1, "h1000", specs=SPECS)
    assert str(err.value) == "unknown accelerator 'h1000'; valid: a100-sxm, h100-sxm, h20"


def test_precision_the_chip_does_not_list_names_the_ones_it_does():
    with pytest.raises(UnknownNameError) as err:
        gpu.fleet_flops(1, "h100-sxm", "FP64", specs=SPECS)
    assert str(err.value) == ("unknown dense precision for h100-sxm 'FP64'; "
                              "valid: FP16, FP32, FP8, INT8")


def test_a_string_that_is_no_precision_is_a_unit_error():
    with pytest.raises(UnitError, match="unknown precision 'FP17'"):
        gpu.fleet_flops(1, "h100-sxm", "FP17", specs=SPECS)


def test_sparse_where_no_sparse_figure_is_listed():
    with pytest.raises(ParameterError) as err:
        gpu.fleet_flops(1, "h100-sxm", "FP32", sparse=True, specs=SPECS)
    assert str(err.value) == ("parameter 'sparse': h100-sxm lists no sparse FP32 figure; "
                              "expected sparse=False, or a precision with a sparse figure: "
                              "FP16, FP8, INT8, got True")


@pytest.mark.parametrize("units", [-1, float("nan"), float("inf"), "many"])
def test_bad_unit_counts_are_refused(units):
    with pytest.raises(ParameterError, match="parameter 'units'"):
        gpu.fleet_flops(units, "h100-sxm", specs=SPECS)


def test_negative_units_message():
    with pytest.raises(ParameterError) as err:
        gpu.fleet_flops(-5, "h100-sxm", specs=SPECS)
    assert str(err.value) == ("parameter 'units': must be a finite, non-negative number of "
                              "units; expected >= 0, got -5")


def test_h100_equivalents_of_a100s():
    # 1,000 A100 at dense FP16 = 1,000 x 312 / 989 H100e = 315.47...
    flops = gpu.fleet_flops(1_000, "a100-sxm", specs=SPECS)
    assert gpu.h100_equivalents(flops, specs=SPECS) == pytest.approx(1_000 * 312 / 989)


# --- installed base -----------------------------------------------------------------------

def _annual(rows):
    return pd.DataFrame(rows, columns=["accelerator", "year", "units"])


def test_retirement_boundaries_annual():
    # L = 3: the 2020 cohort counts in 2020, 2021, 2022 (= Y + L - 1) and not in 2023 (= Y + L)
    ships = _annual([("h100-sxm", 2020, 100), ("h100-sxm", 2022, 50)])
    base = gpu.installed_base(ships, service_life=3, end=2025, specs=SPECS)
    units = dict(zip(base["period"], base["units"]))
    assert units == {2020: 100, 2021: 100, 2022: 150, 2023: 50, 2024: 50, 2025: 0}
    assert base.loc[base["period"] == 2022, "flops"].item() == pytest.approx(150 * 989e12)
    assert list(base["shipped"]) == [100, 0, 50, 0, 0, 0]


def test_service_life_one_counts_only_the_year_of_shipment():
    ships = _annual([("a100-sxm", 2021, 10), ("a100-sxm", 2022, 20)])
    base = gpu.installed_base(ships, service_life=1, specs=SPECS)
    assert list(base["units"]) == [10, 20]


def test_retirement_boundaries_quarterly():
    # L = 1 year = 4 quarters: shipped 2023Q2 -> counted 2023Q2..2024Q1, gone in 2024Q2
    ships = pd.DataFrame({"accelerator": ["h100-sxm"], "year": [2023], "quarter": ["Q2"],
                          "units": [8]})
    base = gpu.installed_base(ships, service_life=1, end=pd.Period("2024Q2"), specs=SPECS)
    units = dict(zip(base["period"].astype(str), base["units"]))
    assert units == {"2023Q2": 8, "2023Q3": 8, "2023Q4": 8, "2024Q1": 8, "2024Q2": 0}


def test_several_chips_and_h100e():
    ships = _annual([("h100-sxm", 2023, 10), ("a100-sxm", 2023, 10), ("a100-sxm", 2023, 5)])
    base = gpu.installed_base(ships, service_life=4, specs=SPECS)
    a100 = base[base["accelerator"] == "a100-sxm"].iloc[0]
    assert a100["units"] == 15  # two rows of the same chip and year are summed
    assert a100["h100e"] == pytest.approx(15 * 312 / 989)
    total = gpu.stock_by_period(base)
    assert total.loc[2023, "flops"] == pytest.approx((10 * 989 + 15 * 312) * 1e12)
    assert total.loc[2023, "precision"] == "FP16"


def test_utilisation_scales_flops_not_units():
    ships = _annual([("h100-sxm", 2023, 1_000)])
    full = gpu.installed_base(ships, utilisation=1.0, specs=SPECS)
    part = gpu.installed_base(ships, utilisation=0.4, specs=SPECS)
    assert part["units"].item() == full["units"].item() == 1_000
    assert part["flops"].item() == pytest.approx(0.4 * 1_000 * 989e12)
    assert part["h100e"].item() == pytest.approx(400)


def test_other_precision_and_sparse_are_labelled():
    ships = _annual([("h100-sxm", 2024, 2)])
    base = gpu.installed_base(ships, "FP8", sparse=True, specs=SPECS)
    assert base["flops"].item() == pytest.approx(2 * 3958e12)
    assert base["h100e"].item() == pytest.approx(2)  # H100e at the same precision and sparsity
    assert (base["precision"].item(), bool(base["sparse"].item())) == ("FP8", True)


def test_stock_by_period_refuses_mixed_precisions():
    ships = _annual([("h100-sxm", 2024, 2)])
    mixed = pd.concat([gpu.installed_base(ships, "FP16", specs=SPECS),
                       gpu.installed_base(ships, "FP8", specs=SPECS)])
    with pytest.raises(DataError, match="cannot sum FLOP/s of different precisions"):
        gpu.stock_by_period(mixed)


@pytest.mark.parametrize("life", [0, -2, 2.5, True])
def test_bad_service_life(life):
    with pytest.raises(ParameterError, match="parameter 'service_life': must be a whole number"):
        gpu.installed_base(_annual([("h100-sxm", 2024, 1)]), service_life=life, specs=SPECS)


@pytest.mark.parametrize("utilisation", [0, -0.1, 1.5, True])
def test_bad_utilisation(utilisation):
    message = r"parameter 'utilisation': must be a fraction in \(0, 1\]"
    with pytest.raises(ParameterError, match=message):
        gpu.installed_base(_annual([("h100-sxm", 2024, 1)]), utilisation=utilisation,
                           specs=SPECS)


def test_negative_shipment_names_the_line():
    ships = _annual([("h100-sxm", 2023, 1), ("h100-sxm", 2024, -3)])
    with pytest.raises(DataError) as err:
        gpu.installed_base(ships, specs=SPECS)
    assert str(err.value).startswith("line 3, column 'units': must be a finite, non-negative")


def test_errors_name_the_file_and_line_of_a_loaded_dataset():
    # a loaded dataset is indexed by its file lines and carries its path in attrs
    ships = _annual([("h100-sxm", 2023, 1), ("h100-sxm", 2024, -3)])
    ships.index = pd.Index([7, 9], name="line")
    ships.attrs["path"] = "data/accelerator_shipments.csv"
    with pytest.raises(DataError) as err:
        gpu.purchases_flops(ships, specs=SPECS)
    assert str(err.value) == ("data/accelerator_shipments.csv, line 9, column 'units': must be "
                              "a finite, non-negative number of units; expected a non-negative "
                              "number, got -3")


def test_mixed_annual_and_quarterly_rows_are_refused():
    ships = pd.DataFrame({"accelerator": ["h100-sxm"] * 2, "year": [2023, 2024],
                          "quarter": [1, None], "units": [1, 1]})
    with pytest.raises(DataError, match="line 3, column 'quarter': shipments mix annual"):
        gpu.installed_base(ships, specs=SPECS)


def test_unknown_chip_in_shipments():
    with pytest.raises(UnknownNameError, match="unknown accelerator 'tpu-v5'"):
        gpu.installed_base(_annual([("tpu-v5", 2024, 1)]), specs=SPECS)


def test_end_before_first_shipment():
    with pytest.raises(ParameterError, match="parameter 'end': is before the first shipment"):
        gpu.installed_base(_annual([("h100-sxm", 2024, 1)]), end=2020, specs=SPECS)


# --- purchases ----------------------------------------------------------------------------

def test_purchases_with_ids_and_a_mapped_chip():
    buys = pd.DataFrame({"buyer": ["Baidu", "Meta"], "chip": ["H100", "Hopper"],
                         "accelerator": ["h100-sxm", ""], "units": [30_000, 224_000]})
    out = gpu.purchases_flops(buys, chip_map={"Hopper": "h100-sxm"}, specs=SPECS)
    assert list(out["accelerator_source"]) == ["data", "assumption"]
    # 30,000 x 989e12 = 2.967e19; 224,000 x 989e12 = 2.21536e20
    assert out["flops"].tolist() == pytest.approx([2.967e19, 2.21536e20])
    assert out["h100e"].tolist() == pytest.approx([30_000, 224_000])
    assert list(out["buyer"]) == ["Baidu", "Meta"]


def test_purchases_without_id_or_mapping_list_the_chips():
    buys = pd.DataFrame({"chip": ["Hopper", "MI300"], "accelerator": [pd.NA, pd.NA],
                         "units": [1, 1]})
    with pytest.raises(DataError) as err:
        gpu.purchases_flops(buys, specs=SPECS)
    assert str(err.value) == ("column 'accelerator': rows without an accelerator id: chips "
                              "'Hopper', 'MI300'; expected an id in the accelerator column, "
                              "or chip_map={chip: id} stating the assumption")


# --- revenue -> units ---------------------------------------------------------------------

REVENUE = pd.DataFrame({
    "fiscal_year": ["FY2024", "FY2026"], "fiscal_quarter": ["Q2", "Q3"],
    "revenue": [10.32e9, 51.215e9], "networking_revenue": [np.nan, 8.2e9],
})


def test_networking_share_is_reported_only_where_given():
    share = gpu.networking_share(REVENUE)
    assert np.isnan(share.iloc[0])
    assert share.iloc[1] == pytest.approx(8.2 / 51.215)  # 0.16011


def test_revenue_to_units_by_hand():
    # test prices, not market data: 20,000 and 40,000 USD per unit
    out = gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 20_000, "a100-sxm": 40_000},
                               generation={2024: "a100-sxm", 2026: "h100-sxm"},
                               networking=0.10, specs=SPECS)
    # FY24 Q2: 10.32e9 x (1 - 0.10) / 40,000 = 232,200 units; x 312e12 = 7.24464e19 FLOP/s
    # FY26 Q3: (51.215e9 - 8.2e9) / 20,000 = 2,150,750 units; x 989e12 = 2.12709e21 FLOP/s
    assert out["units"].tolist() == pytest.approx([232_200, 2_150_750])
    assert out["flops"].tolist() == pytest.approx([7.24464e19, 2.12709175e21])
    assert list(out["networking_source"]) == ["assumption", "reported"]
    assert set(out["status"]) == {"estimate"}
    assert out["compute_revenue"].iloc[1] == pytest.approx(43.015e9)


def test_revenue_without_networking_share_lists_the_periods():
    with pytest.raises(ParameterError) as err:
        gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 1.0}, generation="h100-sxm",
                             specs=SPECS)
    assert str(err.value) == ("parameter 'networking': no reported networking revenue for "
                              "FY2024 Q2; expected a share in [0, 1) to assume")


def test_revenue_needs_a_price_for_every_generation():
    message = "parameter 'asp': no average selling price for 'a100-sxm'"
    with pytest.raises(ParameterError, match=message):
        gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 1.0},
                             generation={2024: "a100-sxm", 2026: "h100-sxm"},
                             networking=0.1, specs=SPECS)


def test_revenue_needs_a_generation_for_every_year():
    with pytest.raises(ParameterError, match="no generation for fiscal years 2024"):
        gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 1.0}, generation={2026: "h100-sxm"},
                             networking=0.1, specs=SPECS)


@pytest.mark.parametrize("price", [0, -1, float("nan")])
def test_revenue_refuses_non_positive_prices(price):
    with pytest.raises(ParameterError, match="must be a positive number of USD"):
        gpu.revenue_to_units(REVENUE, asp={"h100-sxm": price}, generation="h100-sxm",
                             networking=0.1, specs=SPECS)


def test_revenue_without_a_price_gives_nan_units_when_asked():
    out = gpu.revenue_to_units(REVENUE, asp={"a100-sxm": 40_000},
                               generation={2024: "a100-sxm", 2026: "h100-sxm"},
                               networking=0.10, specs=SPECS, missing_price="nan")
    # FY24 Q2 as in test_revenue_to_units_by_hand: 232,200 units; FY26 Q3 has no price
    assert out["units"].iloc[0] == pytest.approx(232_200)
    assert np.isnan(out["units"].iloc[1]) and np.isnan(out["flops"].iloc[1])
    assert np.isnan(out["asp"].iloc[1]) and np.isnan(out["h100e"].iloc[1])
    assert list(out["status"]) == ["estimate", "no sourced price"]
    # a NaN price counts as no price too
    nan_price = gpu.revenue_to_units(REVENUE, asp={"h100-sxm": float("nan")},
                                     generation="h100-sxm", networking=0.1, specs=SPECS,
                                     missing_price="nan")
    assert nan_price["units"].isna().all()


def test_missing_price_must_be_raise_or_nan():
    with pytest.raises(ParameterError, match="parameter 'missing_price': must be 'raise' or 'nan'"):
        gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 1.0}, generation="h100-sxm",
                             networking=0.1, specs=SPECS, missing_price="zero")


def test_generation_keys_may_be_text():
    # papermill passes dict keys as text: "2024" and "FY2026" mean fiscal years 2024 and 2026
    out = gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 20_000, "a100-sxm": 40_000},
                               generation={"2024": "a100-sxm", "FY2026": "h100-sxm"},
                               networking=0.10, specs=SPECS)
    assert list(out["accelerator"]) == ["a100-sxm", "h100-sxm"]
    assert out["units"].tolist() == pytest.approx([232_200, 2_150_750])
    with pytest.raises(ParameterError, match="'Q3' is not a fiscal year"):
        gpu.revenue_to_units(REVENUE, asp={"h100-sxm": 1.0}, generation={"Q3": "h100-sxm"},
                             networking=0.1, specs=SPECS)


# --- selling prices -----------------------------------------------------------------------

# test rows, not market data: three 8-GPU observations and one single-card price for chip
# "x", two observations for "y", and a single-card price only for "z"
PRICES = pd.DataFrame({
    "accelerator": ["x", "x", "x", "x", "y", "y", "z"],
    "price": [10.0, 30.0, 20.0, 1000.0, 10.0, 40.0, 5.0],
    "unit": ["USD"] * 7,
    "basis": [gpu.SYSTEM_BASES[0], gpu.SYSTEM_BASES[1], gpu.SYSTEM_BASES[2],
              "single-unit list price", gpu.SYSTEM_BASES[0], gpu.SYSTEM_BASES[0],
              "single-unit list price"],
    "price_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01", "2022-01-01",
                                  "2023-01-01", "2024-06-30", "2024-01-01"]),
    "publisher": ["P"] * 7, "document": ["D"] * 7,
    "status": ["verified-primary"] * 6 + ["verified-secondary"],
}, index=pd.Index(range(2, 9), name="line"))


def test_selling_price_is_the_median_of_8_gpu_observations():
    out = gpu.selling_prices(PRICES, ["x", "y", "x"])
    assert list(out.index) == ["x", "y"]  # duplicates dropped, order kept
    # x: median(10, 30, 20) = 20; the single-card 1000 is not an 8-GPU basis
    assert out.at["x", "price"] == 20.0 and out.at["x", "observations"] == 3
    assert (out.at["x", "low"], out.at["x", "high"]) == (10.0, 30.0)
    assert out.at["x", "status"] == "derived"
    assert out.at["x", "source"] == ("P, D: median of 3 per-GPU prices dated 2020-01-01 to "
                                     "2022-01-01 (prices lines 2, 3, 4)")
    assert out.at["y", "price"] == 25.0  # (10 + 40) / 2


def test_selling_price_of_one_row_keeps_its_status():
    one = PRICES[PRICES.index != 6]  # leaves y with the 2024-06-30 row only
    out = gpu.selling_prices(one, ["y"])
    assert out.at["y", "price"] == 40.0 and out.at["y", "status"] == "verified-primary"
    assert out.at["y", "source"] == (f"P, D: {gpu.SYSTEM_BASES[0]}, dated 2024-06-30 "
                                     "(prices line 7)")


def test_given_prices_are_user_assumptions_and_no_price_is_nan():
    out = gpu.selling_prices(PRICES, ["x", "z", "w"], given={"x": 99})
    assert out.at["x", "price"] == 99.0 and out.at["x", "status"] == "user assumption"
    # z has only a single-card price, w no row at all: neither gets a number
    for chip in ("z", "w"):
        assert np.isnan(out.at[chip, "price"]) and out.at[chip, "status"] == "no sourced price"
    # other bases may be asked for explicitly
    assert gpu.selling_prices(PRICES, ["z"], bases=["single-unit list price"]).at["z", "price"] == 5


@pytest.mark.parametrize("price", [0, -5, float("nan"), "33750", True])
def test_given_prices_must_be_positive_numbers(price):
    with pytest.raises(ParameterError, match="parameter 'given': price of 'x' must be a "
                                             "positive number of USD"):
        gpu.selling_prices(PRICES, ["x"], given={"x": price})


def test_selling_prices_refuse_other_tables_and_currencies():
    with pytest.raises(DataError, match="prices lack columns basis"):
        gpu.selling_prices(PRICES.drop(columns="basis"), ["x"])
    euros = PRICES.assign(unit=["USD"] * 6 + ["EUR"])
    with pytest.raises(DataError, match="price not in USD") as err:
        gpu.selling_prices(euros, ["x"])
    assert "line 8" in str(err.value)


def test_revenue_without_a_revenue_column():
    with pytest.raises(DataError, match="revenue lacks columns revenue"):
        gpu.revenue_to_units(REVENUE.drop(columns="revenue"), asp={"h100-sxm": 1.0},
                             generation="h100-sxm", networking=0.1, specs=SPECS)


# --- against the shipped data files ---------------------------------------------------------

@pytest.fixture(scope="module")
def data():
    from forecast.data import load

    return {name: load(name) for name in ("accelerators", "accelerator_shipments",
                                          "nvidia_datacenter_revenue", "hardware_prices")}


def test_shipped_specs_give_the_hand_computed_h100_figures(data):
    specs = data["accelerators"]
    assert gpu.fleet_flops(24_000, "h100-sxm", specs=specs) == pytest.approx(2.3736e19)
    assert gpu.fleet_flops(24_000, "h100-sxm", sparse=True, specs=specs) == pytest.approx(4.7496e19)
    # the ids the issue asks for are all there
    assert {"h100-sxm", "h100-pcie", "h200", "h800-sxm", "h20", "a100-sxm", "v100", "b200",
            "mi300x", "ascend-910b"} <= set(gpu.accelerator_ids(specs))


def test_omdia_2023_h100_purchases_in_flops(data):
    ships = data["accelerator_shipments"]
    omdia = ships[(ships["estimator"] == "Omdia") & (ships["kind"] == "purchase")
                  & (ships["year"] == 2023)]
    out = gpu.purchases_flops(omdia, specs=data["accelerators"])
    # Omdia 2023 (docs/sources.md, section 4): 150+150+50+50+50+50+40+30+25+20+20+15 = 650k H100
    assert out["units"].sum() == 650_000
    assert out["flops"].sum() == pytest.approx(650_000 * 989e12)  # 6.4285e20 FLOP/s


def test_revenue_file_networking_share_and_units(data):
    revenue = data["nvidia_datacenter_revenue"]
    share = gpu.networking_share(revenue)
    assert share.notna().sum() == 2  # only FY26 Q3 and Q4 report networking
    latest = revenue[(revenue["fiscal_year"] == 2026) & (revenue["fiscal_quarter"] == 4)]
    out = gpu.revenue_to_units(latest, asp={"b200": 50_000}, generation="b200",
                               specs=data["accelerators"])
    # (62.31e9 - 10.98e9) / 50,000 = 1,026,600 units (test price, not market data)
    assert out["units"].item() == pytest.approx(1_026_600)
    assert out["flops"].item() == pytest.approx(1_026_600 * 2250e12)


def test_shipped_selling_prices(data):
    prices = gpu.selling_prices(data["hardware_prices"], ["a100-sxm", "h100-sxm", "b200", "gb200"])
    # data/hardware_prices.csv, 8-GPU rows (Epoch AI Hardware prices.csv @ f2dc68a9):
    # A100 SXM: 24,875 / 37,500 / 20,875 / 18,548.75 / 17,348.56 -> median 20,875
    assert prices.at["a100-sxm", "price"] == 20_875.0
    # H100 SXM: 28,750 31,904.63 33,750 37,080.50 | 41,197.50 41,217 44,489.88 46,875
    # -> (37,080.50 + 41,197.50) / 2 = 39,139
    assert prices.at["h100-sxm", "price"] == pytest.approx(39_139.0)
    assert prices.at["h100-sxm", "observations"] == 8
    assert prices.at["h100-sxm", "status"] == "derived"
    # B200: one DGX B200 row, 2024-12-17, 47,409.13 per GPU
    assert prices.at["b200", "price"] == 47_409.13
    assert prices.at["b200", "status"] == "verified-primary"
    assert "hardware_prices.csv line" in prices.at["b200", "source"]
    # GB200: no row, no price
    assert np.isnan(prices.at["gb200", "price"])


# --- the notebook ---------------------------------------------------------------------------

def load_revenue():
    from forecast.data import load

    return load("nvidia_datacenter_revenue")


@pytest.mark.slow
def test_notebook_runs_with_small_parameters(run_notebook):
    out = run_notebook("02_gpu_demand", growth_models=["exponential", "logistic"], horizon=2,
                       service_life=4)
    for name in ("gpu_revenue_fits", "gpu_purchases_by_buyer", "gpu_installed_base"):
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 0
    claims = pd.read_csv(out / "tables" / "gpu_article_claims.csv")
    baidu = claims[(claims["buyer"] == "Baidu") & (claims["units"] == 24_000)]
    assert baidu["EFLOPS_high"].item() == pytest.approx(23.736)  # 24,000 H800 SXM x 989e12
    assert claims["label"].str.startswith("UNVERIFIED").all()
    projections = pd.read_csv(out / "tables" / "gpu_revenue_projections.csv")
    assert len(projections) == 2 * 2  # two models x two quarters
    # labelled by NVIDIA's fiscal quarter: the two after the last reported one
    last = gpu.revenue_series(load_revenue()).index[-1]
    assert projections["fiscal_quarter"].tolist()[:2] == list(
        gpu.fiscal_labels(pd.period_range(last + 1, periods=2, freq=last.freq)))
    gap = pd.read_csv(out / "tables" / "gpu_bottom_up_vs_top_down.csv")
    assert (gap["top_down_precision"] == "FP16").all()
    both = gap.dropna(subset=["revenue_implied_EFLOPS"])
    world = both[both["scope"] == "global"]
    assert len(world) and world["ratio_revenue_implied"].to_numpy() == pytest.approx(
        (world["revenue_implied_EFLOPS"] / world["top_down_EFLOPS"]).to_numpy())
    # NVIDIA's worldwide stock is never divided by a China-only figure (issue 21)
    china = gap[gap["scope"] != "global"]
    assert len(china) and china["ratio_revenue_implied"].isna().all()
    assert china["ratio_epoch"].isna().all()
    assumptions = pd.read_csv(out / "tables" / "gpu_assumptions.csv")
    assert assumptions["status"].str.startswith("assumption").all()
    # default prices come from data/hardware_prices.csv, with source and status
    prices = pd.read_csv(out / "tables" / "gpu_selling_prices.csv").set_index("accelerator")
    assert list(prices.index) == ["a100-sxm", "h100-sxm", "b200"]
    assert prices.at["b200", "price"] == 47_409.13  # DGX B200, Epoch row of 2024-12-17
    assert prices.at["b200", "status"] == "verified-primary"
    assert prices["source"].str.startswith("Epoch AI").all()
    implied = pd.read_csv(out / "tables" / "gpu_revenue_implied_units.csv")
    assert (implied["status"] == "estimate").all() and implied["units"].notna().all()
    latest = implied[(implied["fiscal_year"] == 2026) & (implied["fiscal_quarter"] == 4)]
    # FY26 Q4: (62.31e9 - 10.98e9) / 47,409.13 = 1,082,701 B200 units
    assert latest["units"].item() == pytest.approx((62.31e9 - 10.98e9) / 47_409.13)


@pytest.mark.slow
def test_notebook_user_prices_and_unpriced_generations(run_notebook):
    out = run_notebook("02_gpu_demand", growth_models=["exponential"], horizon=2,
                       selling_prices={"a100-sxm": 20_000},
                       generations={2023: "a100-sxm", 2024: "h100-sxm", 2025: "h100-sxm",
                                    2026: "gb200"})
    prices = pd.read_csv(out / "tables" / "gpu_selling_prices.csv").set_index("accelerator")
    assert prices.at["a100-sxm", "status"] == "user assumption"
    assert prices.at["a100-sxm", "price"] == 20_000
    assert prices.at["h100-sxm", "status"] == "derived"
    assert prices.at["gb200", "status"] == "no sourced price"
    assert np.isnan(prices.at["gb200", "price"])
    implied = pd.read_csv(out / "tables" / "gpu_revenue_implied_units.csv")
    fy26 = implied[implied["fiscal_year"] == 2026]
    assert len(fy26) == 4 and fy26["units"].isna().all() and fy26["flops"].isna().all()
    assert (fy26["status"] == "no sourced price").all()
    assert implied.loc[implied["fiscal_year"] < 2026, "units"].notna().all()
    # the installed base holds only priced quarters: nothing shipped after FY25 Q4 (2025Q1)
    base = pd.read_csv(out / "tables" / "gpu_installed_base.csv")
    assert base.loc[base["shipped"] > 0, "period"].max() == "2025Q1"


# --- NVIDIA revenue as one quarterly series (fiscal quarters) ---------------------------------

def test_revenue_series_is_indexed_by_fiscal_quarter(data):
    revenue = data["nvidia_datacenter_revenue"]
    y = gpu.revenue_series(revenue)
    assert y.index.freqstr == "Q-JAN" and y.index.name == "fiscal_quarter"
    assert y.index.is_monotonic_increasing and not y.index.has_duplicates
    # fiscal 2026 Q4 runs from November 2025 to January 2026 and ended on 25 January 2026
    # (docs/sources.md, section 3); it is labelled the way NVIDIA labels it
    last = y.index[-1]
    assert (str(last.start_time.date()), str(last.end_time.date())) == ("2025-11-01", "2026-01-31")
    assert gpu.fiscal_labels(y.index)[-1] == "FY2026 Q4"
    # FY2024..FY2026 totals as NVIDIA reported them: 47.5, 115.2, 193.7 USD bn
    by_fy = y.groupby(y.index.qyear).sum() / 1e9
    assert by_fy.loc[[2024, 2025, 2026]].round(1).tolist() == [47.5, 115.2, 193.7]


def test_revenue_series_checks_its_rows(data):
    revenue = data["nvidia_datacenter_revenue"]
    shifted = revenue.copy()
    shifted.loc[shifted.index[0], "period_end"] = pd.Timestamp("2022-08-01")
    with pytest.raises(DataError) as info:
        gpu.revenue_series(shifted)
    assert (info.value.column, info.value.line) == ("period_end", revenue.index[0])
    assert "within a week of 2022-04-30" in str(info.value)
    twice = pd.concat([revenue, revenue.iloc[[0]]])
    with pytest.raises(DataError, match="a fiscal quarter appears twice"):
        gpu.revenue_series(twice)
    with pytest.raises(DataError, match="lacks a column"):
        gpu.revenue_series(revenue.drop(columns="fiscal_quarter"))
