"""data/scripts: raw public files -> tidy CSVs, round trips and bad-input messages.

Fixtures in tests/data/top500/ are the first three systems of three official
TOP500.org spreadsheets (1993-06, 2017-06, 2026-06), copied cell by cell into
.xlsx files (tests/data/README.md).  Reference values are TOP500.org's own
list entries, e.g. #1 of June 1993 (CM-5/1024, Los Alamos): Rmax 59.7 GFlop/s,
Rpeak 131 GFlop/s; #1 of June 2017 (Sunway TaihuLight): Rmax 93,014.594 TFlop/s.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from forecast import data
from forecast.errors import DataError

from _project import ROOT, SHIPPED

SCRIPTS = ROOT / "data" / "scripts"  # code under test, as in the working tree
FIXTURES = Path(__file__).resolve().parent / "data" / "top500"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"build_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


top500_script = _script("build_top500")


def _package(folder: Path, *names: str) -> Path:
    """The project's descriptor, reduced to ``names``, written into ``folder``."""
    package = json.loads((SHIPPED / "data" / "datapackage.json").read_text(encoding="utf-8"))
    package["resources"] = [r for r in package["resources"] if r["name"] in names]
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return folder


def _edit(src: Path, dst: Path, edit) -> Path:
    """Copy a fixture spreadsheet, applying ``edit(worksheet)``."""
    book = openpyxl.load_workbook(src)
    edit(book.active)
    book.save(dst)
    return dst


def _header_cell(sheet, label: str):
    return next(c for row in sheet.iter_rows() for c in row if c.value == label)


# --------------------------------------------------------------------------- round trip


def test_top500_round_trip_fixture_to_validated_csv(tmp_path):
    rows = top500_script.build(FIXTURES)
    out = tmp_path / "top500.csv"
    top500_script.write_csv(out, top500_script.COLUMNS, rows)
    df = data.load("top500", data_dir=_package(tmp_path, "top500"))
    assert sorted(set(df["list"])) == ["1993-06", "2017-06", "2026-06"]
    one = df.set_index(["list", "rank"])
    # GFlop/s (header 'RMax', no unit) -> FLOP/s, exactly
    assert one.at[("1993-06", 1), "rmax"] == 59.7e9
    assert one.at[("1993-06", 1), "rpeak"] == 131e9
    assert one.at[("1993-06", 1), "computer"] == "CM-5/1024"
    # TFlop/s (header 'Rmax [TFlop/s]') -> FLOP/s
    assert one.at[("2017-06", 1), "rmax"] == 93014.594e12
    assert one.at[("2017-06", 1), "name"] == "Sunway TaihuLight"
    assert one.at[("2026-06", 1), "rmax"] == 2198400e12
    # the exact decimal text is kept (no float noise such as 5.9700000000000003e+10)
    assert "5.97e+10" in out.read_text(encoding="utf-8")
    assert set(df["precision"]) == {"FP64"} and set(df["status"]) == {"verified-primary"}
    # accelerator: empty before the column existed, 'none' when listed without one
    assert df[df["list"] == "1993-06"]["accelerator"].isna().all()
    assert one.at[("2017-06", 1), "accelerator"] == "none"
    assert one.at[("2017-06", 3), "accelerator"] == "NVIDIA Tesla P100"
    assert one.at[("2017-06", 1), "power_kw"] == 15371
    assert one.at[("1993-06", 1), "url"] == "https://www.top500.org/lists/top500/1993/06/"


def test_top500_add_appends_one_list_and_refuses_it_twice(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in ("TOP500_199306.xlsx", "TOP500_201706.xlsx"):
        shutil.copy(FIXTURES / name, folder)
    out = tmp_path / "top500.csv"
    assert top500_script.main([str(folder), "--out", str(out)]) == 0
    assert top500_script.main(["--add", str(FIXTURES / "TOP500_202606.xlsx"),
                               "--out", str(out)]) == 0
    rebuilt = tmp_path / "rebuilt.csv"
    top500_script.main([str(FIXTURES), "--out", str(rebuilt)])
    assert out.read_bytes() == rebuilt.read_bytes()  # add == full rebuild
    with pytest.raises(DataError, match=r"TOP500_202606.xlsx: duplicate list 2026-06"):
        top500_script.add(FIXTURES / "TOP500_202606.xlsx", out)


# --------------------------------------------------------------------------- bad input


def test_top500_missing_column(tmp_path):
    bad = _edit(FIXTURES / "TOP500_201706.xlsx", tmp_path / "TOP500_201706.xlsx",
                lambda ws: setattr(_header_cell(ws, "Rpeak [TFlop/s]"), "value", "Peak"))
    with pytest.raises(DataError, match=r"TOP500_201706.xlsx: missing column 'rpeak'; "
                                        r"expected a header with 'rpeak'"):
        top500_script.read_list(bad)


def test_top500_unknown_unit(tmp_path):
    bad = _edit(FIXTURES / "TOP500_201706.xlsx", tmp_path / "TOP500_201706.xlsx",
                lambda ws: setattr(_header_cell(ws, "Rmax [TFlop/s]"), "value",
                                   "Rmax [kWh]"))
    with pytest.raises(DataError, match=r"unknown unit 'kWh' in the rmax header; "
                                        r"expected GFlop/s, TFlop/s or PFlop/s"):
        top500_script.read_list(bad)


def test_top500_unitless_header_after_2016_is_refused(tmp_path):
    # a bare 'RMax' meant GFlop/s only up to 2016-11: the same sheet dated 2026-11 is ambiguous
    bad = shutil.copy(FIXTURES / "TOP500_199306.xlsx", tmp_path / "TOP500_202611.xlsx")
    with pytest.raises(DataError, match=r"TOP500_202611.xlsx: no unit in the rmax header"):
        top500_script.read_list(bad)


def test_top500_duplicate_list_in_folder(tmp_path):
    shutil.copy(FIXTURES / "TOP500_199306.xlsx", tmp_path)
    shutil.copy(FIXTURES / "TOP500_199306.xlsx", tmp_path / "TOP500_199306.xls")
    with pytest.raises(DataError, match=r"duplicate list 1993-06 \(also in TOP500_199306"):
        top500_script.build(tmp_path)


def test_top500_file_name_must_give_the_list(tmp_path):
    bad = shutil.copy(FIXTURES / "TOP500_199306.xlsx", tmp_path / "top500_june.xlsx")
    with pytest.raises(DataError, match=r"top500_june.xlsx: cannot tell which list the file "
                                        r"holds; expected a file named TOP500_YYYYMM.xls"):
        top500_script.read_list(bad)


def test_top500_duplicated_rank_and_non_number(tmp_path):
    def dup(ws):
        ws.cell(row=4, column=1).value = 1  # rank 2 -> 1 (header on row 2, data from row 3)
    bad = _edit(FIXTURES / "TOP500_199306.xlsx", tmp_path / "TOP500_199306.xlsx", dup)
    with pytest.raises(DataError, match=r"line 4, column 'Rank': duplicated rank 1"):
        top500_script.read_list(bad)

    def text_rmax(ws):
        _header_cell(ws, "RMax")
        col = _header_cell(ws, "RMax").column
        ws.cell(row=3, column=col).value = "n/a"
    bad = _edit(FIXTURES / "TOP500_199306.xlsx", tmp_path / "TOP500_199306.xlsx", text_rmax)
    with pytest.raises(DataError, match=r"line 3, column 'Rmax': not a positive number"):
        top500_script.read_list(bad)


def test_command_line_error_is_one_line_without_traceback(tmp_path):
    shutil.copy(FIXTURES / "TOP500_199306.xlsx", tmp_path)
    shutil.copy(FIXTURES / "TOP500_199306.xlsx", tmp_path / "TOP500_199306.xls")
    out = tmp_path / "out.csv"
    done = subprocess.run([sys.executable, str(SCRIPTS / "build_top500.py"), str(tmp_path),
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "duplicate list 1993-06" in done.stderr
    assert not out.exists()  # nothing written


# --------------------------------------------------------------------------- Epoch, HPL-MxP, Rupp

sources_script = _script("build_sources")
EPOCH = Path(__file__).resolve().parent / "data" / "epoch"
EPOCH_NEWER = Path(__file__).resolve().parent / "data" / "epoch_newer"


def _chip_tables(folder: Path, source: Path = EPOCH) -> Path:
    stock, sales = sources_script.chip_counts(source)
    sources_script.write_csv(folder / "ai_chip_stock.csv", sources_script.STOCK_COLUMNS, stock)
    sources_script.write_csv(folder / "ai_chip_sales.csv", sources_script.SALES_COLUMNS, sales)
    return _package(folder, "ai_chip_stock", "ai_chip_sales")


def test_chip_counts_round_trip_by_column_name(tmp_path):
    folder = _chip_tables(tmp_path)
    stock = data.load("ai_chip_stock", data_dir=folder)
    nv = stock[(stock["designer"] == "Nvidia") & (stock["measure"] == "H100e")]
    # "Nvidia total Q1 2022 to Q1 2022 ... 51547,66883,87166" (H100e p5, median, p95)
    first = nv.sort_values("period_end").iloc[0]
    assert (first["p5"], first["median"], first["p95"]) == (51547, 66883, 87166)
    assert str(first["vintage"].date()) == "2026-03-31" and first["owner"] == "all"
    # Trainium lists 'Compute estimate in H100e (median)' first: 32836 is the median
    tr = stock[(stock["designer"] == "Amazon") & (stock["measure"] == "H100e")]
    assert tr.sort_values("period_end")[["p5", "median", "p95"]].iloc[0].tolist() == [
        18425, 32836, 62883]
    # 'Number of Units' without a statistic is Epoch's median (Trainium units 125513)
    units = stock[(stock["designer"] == "Amazon") & (stock["measure"] == "units")]
    assert units.sort_values("period_end")["median"].iloc[0] == 125513
    sales = data.load("ai_chip_sales", data_dir=folder)
    mi300x = sales[(sales["chip"] == "Instinct MI300X") & (sales["measure"] == "units")]
    assert mi300x[["p5", "median", "p95"]].values.tolist() == [[25001, 34535, 47707]]


def test_add_vintage_keeps_both_and_refuses_a_repeat(tmp_path):
    folder = _chip_tables(tmp_path)
    before = len(data.load("ai_chip_stock", data_dir=folder))
    assert sources_script.main(["--add-vintage", str(EPOCH_NEWER), "--out", str(folder)]) == 0
    stock = data.load("ai_chip_stock", data_dir=folder)
    assert len(stock) == before + 3 * 3  # 3 quarters x (units, H100e, MW) of the new vintage
    assert sorted({str(v.date()) for v in stock["vintage"]}) == ["2026-03-31", "2026-04-30"]
    with pytest.raises(DataError, match="vintage 2026-04-30 is already in ai_chip_stock.csv"):
        sources_script.add_vintage(EPOCH_NEWER, folder)


def _copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir(exist_ok=True)
    text = (EPOCH / name).read_text(encoding="utf-8")
    assert old in text
    (folder / name).write_text(text.replace(old, new), encoding="utf-8")
    return folder / name


def test_chip_export_missing_column(tmp_path):
    bad = _copy_with(tmp_path, "aichipcounts__nvidia_cumulative_totals.csv",
                     "Compute estimate in H100e (95th percentile),", "")
    with pytest.raises(DataError, match=r"aichipcounts__nvidia_cumulative_totals.csv, line 1: "
                                        r"missing column for H100e \(p95\)"):
        sources_script.chip_count_rows(bad)


def test_chip_export_unknown_statistic(tmp_path):
    bad = _copy_with(tmp_path, "aichipcounts__nvidia_cumulative_totals.csv",
                     "Number of units (median)", "Number of units (mean)")
    with pytest.raises(DataError, match=r"unrecognised statistic in column 'Number of units "
                                        r"\(mean\)'; expected '\(5th percentile\)'"):
        sources_script.chip_count_rows(bad)


def test_chip_export_without_vintage(tmp_path):
    bad = _copy_with(tmp_path, "aichipcounts__amd_chip_timelines.csv",
                     "Estimates generated on: 04-03-2026 17:00", "")
    with pytest.raises(DataError, match=r"line 2, column 'Notes': no vintage; expected "
                                        r"'Estimates generated on: MM-DD-YYYY'"):
        sources_script.chip_count_rows(bad)


def test_hpl_mxp_footnote_mark_and_units(tmp_path):
    path = tmp_path / "hpl_mxp_results_2025-11_to_2025-11.csv"
    path.write_text("edition,Rank,Site,Computer,Cores,HPL-MxP (Eflop/s),TOP500 Rank,"
                    "HPL Rmax (Eflop/s),Speedup\n"
                    'November 2025,6,AIST,ABCI 3.0,"479,232",2.363a,16,0.1451,16.3\n',
                    encoding="utf-8")
    (row,) = sources_script.hpl_mxp(path)
    columns = dict(zip(sources_script.HPL_MXP_COLUMNS, row))
    assert columns["edition"] == "2025-11" and columns["cores"] == "479232"
    assert float(columns["mxp"]) == 2.363e18 and float(columns["rmax"]) == 0.1451e18
    assert "footnote mark 'a'" in columns["note"]
    assert (columns["mxp_precision"], columns["rmax_precision"]) == ("mixed", "FP64")


def test_microprocessor_comments_and_units(tmp_path):
    for metric in sources_script.RUPP_METRICS:
        (tmp_path / f"50yrs_{metric}.dat").write_text("1971.875  2.30824152676\n####\n"
                                                      "2009.3    36600   # Xeon W5580\n")
    rows = sources_script.microprocessor_trends(tmp_path)
    transistors = [r for r in rows if r[0] == "transistors"]
    assert transistors[0][2] == "2308.24152676"  # thousands -> count
    assert transistors[1][-1].endswith("file comment: Xeon W5580")
    (tmp_path / "50yrs_cores.dat").write_text("1971.9 1 2\n")
    with pytest.raises(DataError, match=r"50yrs_cores.dat, line 1: 3 fields"):
        sources_script.microprocessor_trends(tmp_path)


def test_accelerators_and_epoch_ml_hardware_never_silently_disagree():
    """Every chip linked from ml_hardware.csv to accelerators.csv either agrees within 1% or
    the accelerators.csv row's note names Epoch's value and the choice made."""
    specs = data.load("accelerators").set_index(["id", "precision"])
    hardware = data.load("ml_hardware")
    linked = hardware[hardware["accelerator"].notna()]
    assert set(linked["accelerator"]) >= {"h100-sxm", "a100-sxm", "b200", "mi300x", "h20"}
    checked = 0
    for _, row in linked.iterrows():
        precisions = ["FP16", "BF16"] if row["precision"] == "FP16" else [row["precision"]]
        if (row["kind"] == "tensor") != (row["precision"] not in ("FP64", "FP32")):
            continue  # accelerators.csv: FP64/FP32 vector, the rest tensor
        for precision in precisions:
            key = (row["accelerator"], precision)
            if key not in specs.index:
                continue
            ours = specs.at[key, "dense"] * 1e12
            checked += 1
            if abs(row["peak"] / ours - 1) > 0.01:
                assert f"Epoch ml_hardware.csv ({row['hardware']}): {row['peak'] / 1e12:g}" \
                    in specs.at[key, "note"], key
    assert checked >= 50


def test_sources_command_line_error_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPTS / "build_sources.py"),
                           str(tmp_path / "missing"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: ") and "not a folder" in done.stderr
