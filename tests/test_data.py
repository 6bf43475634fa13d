"""forecast.data: the sourced CSVs load, validate and keep their figures.

Reference values are the published figures of docs/sources.md
(section numbers cited beside each), and hand arithmetic shown inline.
Broken inputs live in tests/data/broken/; each is loaded with the project's
real datapackage.json, so the messages tested here come from the descriptor.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from forecast.data import datapackage as data
from forecast.errors import DataError, UnknownNameError

from _project import SHIPPED

DATA = SHIPPED / "data"  # as committed; the tests run in a copy of it (conftest.py)
BROKEN = Path(__file__).resolve().parent / "data" / "broken"
DATASETS = ["global_compute", "compute_forecasts", "nvidia_datacenter_revenue",
            "accelerator_shipments", "accelerators", "claims", "hardware_prices",
            "top500", "ai_chip_stock", "ai_chip_sales", "gpu_clusters", "ai_models",
            "ml_hardware", "nvidia_revenue_by_market", "nvidia_revenue_inputs", "hpl_mxp",
            "microprocessor_trends", "nvidia_datacenter_revenue_annual"]
STATUSES = {"verified-primary", "verified-secondary", "recalled", "claim", "estimate", "derived"}


def descriptor() -> dict:
    return json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture
def broken_dir(tmp_path):
    """Copy the real descriptor into tmp_path; place(file, as_) puts a broken CSV beside it."""
    shutil.copy(DATA / "datapackage.json", tmp_path / "datapackage.json")

    def place(name: str, as_: str = "global_compute") -> Path:
        shutil.copy(BROKEN / name, tmp_path / f"{as_}.csv")
        return tmp_path

    return place


# --------------------------------------------------------------------------- loading


def test_datasets_lists_the_files_in_descriptor_order():
    assert data.datasets() == DATASETS
    assert data.datasets(DATA) == DATASETS


@pytest.mark.parametrize("name", DATASETS)
def test_every_dataset_loads_with_provenance(name):
    df = data.load(name)
    raw = (DATA / f"{name}.csv").read_bytes()
    assert len(df) == len(list(csv.reader(io.StringIO(raw.decode("utf-8"))))) - 1
    assert df.attrs["name"] == name
    assert Path(df.attrs["path"]) == Path.cwd() / "data" / f"{name}.csv"  # found from the cwd
    assert df.attrs["sha256"] == hashlib.sha256(raw).hexdigest()
    # index = 1-based line in the file (header = line 1)
    assert df.index.name == "line" and df.index[0] == 2 and df.index[-1] == len(df) + 1
    # every row has its provenance and a status from the shared vocabulary
    for column in ("publisher", "document", "published"):
        assert df[column].notna().all() and (df[column].str.len() > 0).all(), column
    assert set(df["status"]) <= STATUSES
    provenance = df.attrs["provenance"]
    assert provenance and all(set(p) == {"publisher", "document", "published", "url", "status"}
                              for p in provenance)
    assert len({tuple(p.values()) for p in provenance}) == len(provenance)


def test_status_enum_in_descriptor_is_the_shared_vocabulary():
    for resource in descriptor()["resources"]:
        status = next(f for f in resource["schema"]["fields"] if f["name"] == "status")
        assert set(status["constraints"]["enum"]) == STATUSES, resource["name"]


def test_column_types():
    gc = data.load("global_compute")
    assert gc["year"].dtype == "int64"
    assert gc["value"].dtype == "float64" and gc["flops"].dtype == "float64"
    nv = data.load("nvidia_datacenter_revenue")
    assert pd.api.types.is_datetime64_any_dtype(nv["period_end"])
    cf = data.load("compute_forecasts")
    assert str(cf["cagr_from"].dtype) == "Int64"  # optional integer column


def test_frictionless_validates_the_package():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(DATA / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_descriptor_is_parsed_once_and_reread_when_it_changes(tmp_path):
    shutil.copy(DATA / "datapackage.json", tmp_path)
    first = data._descriptor(tmp_path)
    assert data._descriptor(tmp_path) is first  # cached: loads stay in milliseconds
    package = descriptor()
    package["resources"] = package["resources"][:1]
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    assert data.datasets(tmp_path) == ["global_compute"]  # size changed: parsed again


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(UnknownNameError,
                       match="unknown dataset 'gpus'; valid: accelerator_shipments"):
        data.load("gpus")


def test_data_dir_is_found_from_the_cwd(tmp_path, monkeypatch):
    # a user's copy of the project reads its own data/
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'copy'\n")
    shutil.copytree(DATA, tmp_path / "data")
    path = tmp_path / "data" / "claims.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",615,EFLOPS,", ",616,EFLOPS,"),
                    encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    claims = data.load("claims").set_index("id")
    assert claims.at["global-compute-2021", "value"] == 616
    assert Path(data.load("claims").attrs["path"]) == tmp_path / "data" / "claims.csv"


def test_missing_descriptor(tmp_path):
    with pytest.raises(DataError, match="no data package descriptor"):
        data.load("claims", data_dir=tmp_path)


def test_validation_is_driven_by_the_descriptor(tmp_path):
    # drop EFLOPS from the unit enum of a copy of the descriptor: the real file now fails
    package = descriptor()
    shutil.copy(DATA / "global_compute.csv", tmp_path)
    gc = next(r for r in package["resources"] if r["name"] == "global_compute")
    unit = next(f for f in gc["schema"]["fields"] if f["name"] == "unit")
    unit["constraints"]["enum"] = ["ZFLOPS"]
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(DataError) as err:
        data.load("global_compute", data_dir=tmp_path)
    assert (err.value.line, err.value.column, err.value.value) == (2, "unit", "EFLOPS")


# --------------------------------------------------------------------------- broken files

BROKEN_CASES = [
    # file, dataset, line, column, words in the message
    ("missing_column.csv", "global_compute", 1, "precision", ["missing column"]),
    ("unknown_column.csv", "global_compute", 1, "source", ["unknown column", "only the columns"]),
    ("duplicated_column.csv", "global_compute", 1, "note", ["duplicated column"]),
    ("non_numeric_value.csv", "global_compute", 3, "value",
     ["not a number", "expected a finite number", "got 'three hundred'"]),
    ("zero_value.csv", "global_compute", 3, "value",
     ["must be positive", "expected a number > 0", "got '0'"]),
    ("negative_value.csv", "global_compute", 2, "value", ["must be positive", "got '-615'"]),
    ("non_integer_year.csv", "global_compute", 3, "year", ["not an integer", "got '2021.5'"]),
    ("unknown_unit.csv", "global_compute", 3, "unit",
     ["value not allowed", "expected one of PFLOPS, EFLOPS, ZFLOPS", "got 'EFLOPZ'"]),
    ("unknown_precision.csv", "global_compute", 3, "precision",
     ["value not allowed", "FP64, FP32, TF32, FP16", "got 'FP12'"]),
    ("unknown_status.csv", "global_compute", 2, "status",
     ["value not allowed", "verified-primary", "got 'rumour'"]),
    ("duplicated_key.csv", "global_compute", 4, "scope, component, year, point, document",
     ["duplicated primary key (same as line 2)", "('global', 'total', '2021', 'year', 'WP 2022')"]),
    ("empty_publisher.csv", "global_compute", 3, "publisher", ["empty required field", "got ''"]),
    ("bad_published_format.csv", "global_compute", 2, "published",
     ["expected a date YYYY, YYYY-MM or YYYY-MM-DD", "got 'Nov 2022'"]),
    ("bad_published_calendar.csv", "global_compute", 3, "published",
     ["not a calendar date", "got '2022-02-30'"]),
    ("short_row.csv", "global_compute", 3, None, ["row has 3 cells", "expected 18 cells"]),
    ("blank_line.csv", "global_compute", 3, None, ["blank line", "expected 18 cells"]),
    # the first data row spans lines 2-3, so the bad row is line 4
    ("multiline_note.csv", "global_compute", 4, "value", ["not a number", "got 'n/a'"]),
    ("empty.csv", "global_compute", 1, None, ["empty file", "expected a header row"]),
    ("nvidia_bad_date.csv", "nvidia_datacenter_revenue", 3, "period_end",
     ["not a date", "expected a calendar date YYYY-MM-DD", "got '2025-07-32'"]),
    ("nvidia_bad_quarter.csv", "nvidia_datacenter_revenue", 2, "fiscal_quarter",
     ["value out of range", "expected a number <= 4", "got '5'"]),
]


@pytest.mark.parametrize("name, dataset, line, column, words", BROKEN_CASES,
                         ids=[c[0] for c in BROKEN_CASES])
def test_broken_file_raises_data_error(broken_dir, name, dataset, line, column, words):
    folder = broken_dir(name, as_=dataset)
    with pytest.raises(DataError) as err:
        data.load(dataset, data_dir=folder)
    message = str(err.value)
    assert err.value.line == line
    assert err.value.column == column
    assert message.startswith(f"{folder / (dataset + '.csv')}, line {line}")
    for word in words:
        assert word in message, (word, message)


# The loader is stricter than frictionless on calendar dates (2022-02-30 passes the
# descriptor's regex); every other broken file must be rejected by frictionless too,
# which shows the rules come from the descriptor and not from Python.
FRICTIONLESS_CASES = [c[:2] for c in BROKEN_CASES
                      if c[0] not in ("bad_published_calendar.csv", "empty.csv")]


@pytest.mark.parametrize("name, dataset", FRICTIONLESS_CASES,
                         ids=[c[0] for c in FRICTIONLESS_CASES])
def test_frictionless_rejects_the_broken_files_too(broken_dir, name, dataset):
    frictionless = pytest.importorskip("frictionless")
    folder = broken_dir(name, as_=dataset)
    resource = next(r for r in descriptor()["resources"] if r["name"] == dataset)
    package = {**descriptor(), "resources": [resource]}
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert not report.valid


# --------------------------------------------------------------------------- figures


def _one(df, **where) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for column, value in where.items():
        mask &= df[column] == value
    rows = df[mask]
    assert len(rows) == 1, (where, rows)
    return rows.iloc[0]


def test_global_2021_is_615_eflops_and_its_components_sum():
    gc = data.load("global_compute")
    caict = gc[gc["publisher"] == "CAICT"]
    total = _one(caict, scope="global", component="total", year=2021)
    # facts section 1: "2021年，全球计算设备算力总规模达到615 EFlops，增速达到44%"
    assert total["flops"] == pytest.approx(6.15e20)
    assert total["precision"] == "mixed" and total["reported_growth"] == pytest.approx(0.44)
    parts = {c: _one(caict, scope="global", component=c, year=2021)
             for c in ("basic", "intelligent", "supercomputing")}
    assert {c: r["precision"] for c, r in parts.items()} == {
        "basic": "FP32", "intelligent": "FP16", "supercomputing": "FP64"}
    assert sum(r["value"] for r in parts.values()) == 369 + 232 + 14 == total["value"]


def test_both_global_2022_figures_are_kept_apart_by_document():
    gc = data.load("global_compute")
    rows = gc[(gc["scope"] == "global") & (gc["component"] == "total") & (gc["year"] == 2022)]
    assert sorted(rows["value"]) == [650, 906]
    assert rows["document"].nunique() == 2
    h3c = gc[(gc["publisher"] == "H3C; CAICT") & (gc["scope"] == "global") & (gc["year"] == 2022)]
    # facts section 1: 650 = general 498 + intelligent 142 + super 10
    assert h3c.set_index("component")["value"].to_dict() == {
        "total": 650, "basic": 498, "intelligent": 142, "supercomputing": 10}


def test_two_china_series_are_separate_scopes():
    gc = data.load("global_compute")
    year_end = gc[(gc["point"] == "year") & (gc["component"] == "total")]
    device = year_end[(year_end["scope"] == "china-device") & (year_end["publisher"] == "CAICT")]
    infra = year_end[year_end["scope"] == "china-infrastructure"]
    # facts caveat 3: device 135/202/302/435 (2020-23) vs infrastructure 140/180/230/280 (2021-24)
    assert device.set_index("year")["value"].to_dict() == {
        2020: 135, 2021: 202, 2022: 302, 2023: 435}
    assert infra.set_index("year")["value"].to_dict() == {
        2021: 140, 2022: 180, 2023: 230, 2024: 280}


def test_series_refuses_the_conflicting_2022_until_filtered():
    gc = data.load("global_compute")
    with pytest.raises(DataError) as err:
        data.series(gc, scope="global", component="total", point="year")
    message = str(err.value)
    assert err.value.column == "year" and err.value.value == [2022]
    assert "中国算力发展指数白皮书（2023年）" in message and "(906 EFLOPS)" in message
    assert "2023智能算力发展白皮书" in message and "(650 EFLOPS)" in message
    assert "differ in: publisher, document" in message

    caict = data.series(gc, scope="global", component="total", point="year", publisher="CAICT")
    assert caict.to_dict() == pytest.approx({2020: 4.29e20, 2021: 6.15e20, 2022: 9.06e20})
    assert list(caict.index) == [2020, 2021, 2022] and caict.index.dtype == "int64"
    assert caict.attrs["unit"] == "FLOP/s" and caict.attrs["precision"] == "mixed"
    assert [s["status"] for s in caict.attrs["sources"]] == [
        "recalled", "verified-secondary", "verified-primary"]


def test_series_refuses_mixed_precisions():
    gc = data.load("global_compute")
    with pytest.raises(DataError, match="mixes precisions") as err:
        data.series(gc, scope="global", year=2021, publisher="CAICT")
    assert err.value.column == "precision"
    assert set(err.value.value) == {"mixed", "FP32", "FP16", "FP64"}


def test_series_refuses_mid_year_duplicates_and_names_the_column_to_filter():
    gc = data.load("global_compute")
    with pytest.raises(DataError, match=r"differ in: point"):
        data.series(gc, scope="china-infrastructure", component="total")
    infra = data.series(gc, scope="china-infrastructure", component="total", point="year")
    assert infra[2024] == pytest.approx(2.8e20)


def test_series_refuses_multiples_and_bad_filters():
    cf = data.load("compute_forecasts")
    with pytest.raises(DataError, match="not a FLOP/s rate") as err:
        data.series(cf, publisher="Huawei", component="intelligent", precision="FP16")
    assert err.value.value == "x"
    with pytest.raises(DataError, match="unknown column 'vendor'"):
        data.series(cf, vendor="NVIDIA")
    with pytest.raises(DataError, match="no row with a value matches"):
        data.series(cf, publisher="nobody")


def test_series_marks_lower_bounds():
    cf = data.load("compute_forecasts")
    wp23 = data.series(cf, edition="WP 2023", scope="global")
    assert wp23.to_dict() == pytest.approx({2022: 9.06e20, 2025: 3e21, 2030: 2e22})
    assert wp23.attrs["lower_bounds"] == [2025, 2030]


def test_caict_2030_forecast_revision():
    cf = data.load("compute_forecasts")
    caict = cf[(cf["publisher"] == "CAICT") & (cf["year"] == 2030)].set_index("edition")
    # facts section 2 / caveat 5: 56 ZFLOPS (WP 2022) -> more than 20 ZFLOPS (WP 2023)
    assert caict.at["WP 2022", "flops"] == pytest.approx(5.6e22)
    assert caict.at["WP 2023", "flops"] == pytest.approx(2e22)
    assert caict.at["WP 2023", "bound"] == "lower"


def test_stated_cagrs_match_the_editions_own_levels():
    # where an edition gives both end points of its CAGR, (end/start)^(1/n) - 1 must agree
    cf = data.load("compute_forecasts")
    checked = 0
    for _, row in cf[cf["stated_cagr"].notna() & cf["flops"].notna()].iterrows():
        start = cf[(cf["edition"] == row["edition"]) & (cf["publisher"] == row["publisher"])
                   & (cf["scope"] == row["scope"]) & (cf["component"] == row["component"])
                   & (cf["year"] == row["cagr_from"]) & cf["flops"].notna()]
        if start.empty:
            continue
        years = row["cagr_to"] - row["cagr_from"]
        implied = (row["flops"] / start["flops"].iloc[0]) ** (1 / years) - 1
        assert implied == pytest.approx(row["stated_cagr"], abs=0.005), (row["edition"],
                                                                          row["year"])
        checked += 1
    # CAICT WP 2022 (615 E -> 56 Z: 0.651), IDC 2022-23 (0.523), IDC 2023-24 (0.339, 0.166)
    assert checked == 4


def test_nvidia_quarters_sum_to_the_published_annual_totals():
    nv = data.load("nvidia_datacenter_revenue")
    annual = nv.groupby("fiscal_year")["revenue"].sum()
    # facts section 3: FY24 $47.5bn, FY25 $115.2bn, FY26 $193.7bn (quarters rounded to 0.1bn)
    for year, total in {2024: 47.5e9, 2025: 115.2e9, 2026: 193.7e9}.items():
        assert annual[year] == pytest.approx(total, abs=0.1e9), year
    assert annual[2023] == pytest.approx(15.01e9)  # 3.75 + 3.81 + 3.83 + 3.62
    # the fiscal year ends in late January
    assert nv.loc[nv["fiscal_quarter"] == 4, "period_end"].dt.month.eq(1).all()
    gaps = nv.sort_values("period_end")["period_end"].diff().dropna().dt.days
    assert gaps.between(84, 98).all()  # consecutive quarters of 12-14 weeks
    split = nv.dropna(subset=["compute_revenue"])
    parts = split["compute_revenue"] + split["networking_revenue"]
    assert (parts <= split["revenue"] * 1.001).all()


def test_accelerator_specs_needed_by_the_gpu_layer():
    acc = data.load("accelerators")
    fp16 = acc[acc["precision"] == "FP16"].set_index("id")
    for chip in ("h100-sxm", "h100-pcie", "h200", "h800-sxm", "h20", "a100-sxm", "v100", "b200",
                 "mi300x", "ascend-910b"):
        assert fp16.at[chip, "flops"] > 0, chip
    # facts section 5: H100 SXM dense FP16 989 TFLOPS; 24,000 GPUs ~ 23.7 EFLOPS
    assert fp16.at["h100-sxm", "flops"] == pytest.approx(989e12)
    assert 24_000 * fp16.at["h100-sxm", "flops"] == pytest.approx(23.736e18)
    assert fp16.at["h20", "dense"] / fp16.at["h100-sxm", "dense"] == pytest.approx(0.15, abs=0.005)
    int8 = acc[acc["unit"] == "TOPS"]
    assert (int8["precision"] == "INT8").all() and int8["flops"].isna().all()  # TOPS are not FLOP/s


def test_sparse_figures_are_twice_dense():
    acc = data.load("accelerators").dropna(subset=["sparse"])
    assert len(acc) >= 20
    # 2:4 sparsity doubles the peak; figures are rounded to whole TFLOPS (495 vs 989 for
    # H100 TF32 gives 1.998), so allow 0.25%
    assert (acc["sparse"] / acc["dense"]).between(1.995, 2.005).all()


def test_conflicting_specs_keep_one_row_with_the_alternatives_in_note():
    acc = data.load("accelerators").set_index(["id", "precision"])
    assert acc.loc[("h800-sxm", "FP64"), "dense"] == 1
    assert "29.65" in acc.loc[("h800-sxm", "FP64"), "note"]
    assert acc.loc[("b200", "FP64"), "dense"] == 37
    assert {"40", "31"} <= set(acc.loc[("b200", "FP64"), "note"].replace(")", " ").split())
    assert acc.loc[("mi300x", "FP8"), "status"] == "recalled"


def test_shipments_reference_known_accelerators():
    sh = data.load("accelerator_shipments")
    ids = set(data.load("accelerators")["id"])
    assert set(sh["accelerator"].dropna()) <= ids
    omdia23 = sh[(sh["estimator"] == "Omdia") & (sh["year"] == 2023) & (sh["kind"] == "purchase")]
    # facts section 4: Microsoft 150k ... Tesla 15k, twelve buyers
    assert len(omdia23) == 12 and omdia23["units"].sum() == 650_000
    epoch = sh[(sh["estimator"] == "Epoch AI") & (sh["year"] == 2025)
               & (sh["unit"] == "GPUs")].iloc[0]
    assert epoch["units_low"] < epoch["units"] < epoch["units_high"]


def test_claims_keep_their_status():
    claims = data.load("claims").set_index("id")
    servers = claims.at["baidu-gpu-order-servers", "value"]
    assert claims.at["baidu-gpu-order-gpus", "value"] == servers * 8 == 24_000
    assert claims.at["baidu-gpu-order-gpus", "status"] == "claim"
    assert claims.at["global-compute-2030", "flops"] == pytest.approx(5.6e22)
    confirmed = claims[claims["status"] != "claim"]
    assert len(confirmed) == 4 and confirmed["confirmed_by"].notna().all()
    assert claims.loc[claims["status"] == "claim", "confirmed_by"].isna().all()


def test_hardware_prices_are_the_epoch_rows_as_read():
    prices = data.load("hardware_prices")
    # Rows of epoch-research/training-cost-trends data/Hardware prices.csv at commit
    # f2dc68a9df5f5895244c1fecdbacaf606dfa8c42 (columns: Price source, Price date, Hardware
    # model, ..., Price (hardware purchase), Notes, Cloud GPU description, Number of GPUs):
    #   .../www.semianalysis.com/p/ai-server-cost-analysis-memory-is,2023-05-29,NVIDIA H100 SXM5
    #     80GB,NVIDIA,,,,,,33750.00,"DGX, 8 GPU, 640GB. “Nvidia sells DGX H100’s at around
    #     $270,000”.",,8
    #   .../dgx-a100-comparable-dihuni-optiready-...-server/#gpu%20,2023-09-23,NVIDIA A100 SXM4
    #     80 GB,NVIDIA,,,,,,18548.75,"HGX A100, 8 GPU, 640GB",,8
    #   .../www.deltacomputer.com/nvidia-dgx-b200-1440gb.html,2024-12-17,NVIDIA B200,NVIDIA,,,,,,
    #     47409.13,"DGX, 8 GPU, euro to USD",,8
    def row(chip, date):
        rows = prices[(prices["accelerator"] == chip) & (prices["price_date"] == date)
                      & prices["basis"].str.contains("8-GPU")]
        assert len(rows) == 1, (chip, date)
        return rows.iloc[0]

    h100 = row("h100-sxm", "2023-05-29")
    assert h100["price"] == 33_750.00 == 270_000 / 8  # Epoch's per-GPU share of a DGX H100
    assert h100["basis"] == "per GPU: DGX 8-GPU system price / 8"
    assert "semianalysis.com" in h100["price_source"]
    a100 = row("a100-sxm", "2023-09-23")
    assert a100["price"] == 18_548.75 and a100["model"] == "NVIDIA A100 SXM4 80 GB"
    assert a100["basis"] == "per GPU: HGX 8-GPU price / 8"
    b200 = row("b200", "2024-12-17")
    assert b200["price"] == 47_409.13 and "dgx-b200" in b200["price_source"]
    # one Blackwell row only; no GB200 or Ascend price exists in the file
    assert (prices["accelerator"] == "b200").sum() == 1
    assert not prices["accelerator"].isin(["gb200", "ascend-910", "ascend-910b",
                                           "ascend-910c"]).any()
    # provenance: every row read in Epoch's file at that commit
    assert set(prices["publisher"]) == {"Epoch AI"} and set(prices["unit"]) == {"USD"}
    assert set(prices["status"]) == {"verified-primary"}
    assert prices["document"].str.contains("f2dc68a9").all()
    assert prices["url"].str.contains("f2dc68a9df5f5895244c1fecdbacaf606dfa8c42").all()
    assert set(prices["accelerator"]) <= set(data.load("accelerators")["id"])
