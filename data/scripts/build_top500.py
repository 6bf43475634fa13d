"""Build ``data/top500.csv`` (one row per system per list) from TOP500.org spreadsheets.

Usage (from the project root)::

    .venv/bin/python data/scripts/build_top500.py SOURCE_DIR   # every TOP500_YYYYMM.xls[x] in it
    .venv/bin/python data/scripts/build_top500.py --add FILE        # append one new list
    .venv/bin/python data/scripts/build_top500.py SOURCE_DIR --out other.csv

``SOURCE_DIR`` holds the official spreadsheets as TOP500.org distributes them,
named ``TOP500_YYYYMM.xls`` (up to 2019-11) or ``.xlsx`` (from 2020-06).  The
list date comes from the file name.  ``--add FILE`` reads one spreadsheet
(e.g. ``TOP500_202611.xlsx``) and merges it into the existing CSV; a list that
is already there is refused (use a full rebuild to replace it).

What the script does, list by list:

* finds the header row (the first row with a ``Rank`` cell; lists up to
  2007-11 start with a blank row) and maps the column names, which change over
  the years (``Processors`` / ``Cores`` / ``Total Cores``; ``RMax`` / ``Rmax`` /
  ``Rmax [TFlop/s]``; ``Accelerator`` in 2011-06 and ``Accelerator/Co-Processor``
  from 2011-11; ``Power`` / ``Power (kW)`` from 2008-06);
* converts Rmax and Rpeak to FLOP/s exactly (decimal arithmetic): a header
  with a unit in brackets says it (GFlop/s, TFlop/s, PFlop/s); a header
  without one means GFlop/s, which TOP500 used up to the 2016-11 list. A list
  from 2017-06 on without a unit, or any other unit, is an error;
* keeps Rmax as *achieved* FP64 (HPL/LINPACK) and Rpeak as *theoretical peak*
  FP64 (``precision`` = FP64 on every row);
* writes ``accelerator`` = the spreadsheet's accelerator/co-processor name,
  ``none`` when the list has the column and the cell is empty or "None", and
  an empty cell when the list has no such column (before 2011-06);
* writes ``power_kw`` empty where the list gives none (before 2008-06) or 0;
* adds the provenance columns: publisher TOP500.org, the list as document, its
  month as publication date, its URL, status verified-primary, and in note
  the spreadsheet name and the unit read.

Errors (a missing column, an unknown unit, a duplicated list or rank, a file
name without a list date) stop the build with one line naming the file and
what was expected; nothing is written.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PROVENANCE, main_guard, plain, read_csv, scaled, text, write_csv  # noqa: E402

from forecast.errors import DataError  # noqa: E402

COLUMNS = ("list", "rank", "name", "computer", "site", "manufacturer", "country", "year",
           "cores", "rmax", "rpeak", "precision", "power_kw", "accelerator", "segment",
           *PROVENANCE)

FILE_NAME = re.compile(r"TOP500_(\d{4})(0[1-9]|1[0-2])\.xlsx?", re.IGNORECASE)
#: last list whose Rmax/Rpeak headers carry no unit and mean GFlop/s (TFlop/s from 2017-06)
LAST_GFLOPS_LIST = "2016-11"
FLOPS_UNITS = {"gflop/s": 10**9, "gflops": 10**9, "tflop/s": 10**12, "tflops": 10**12,
               "pflop/s": 10**15, "pflops": 10**15}
MONTHS = {"06": "June", "11": "November"}

# canonical column -> accepted spreadsheet headers (lower case, without a [unit] suffix)
HEADERS = {
    "rank": ("rank",),
    "name": ("name",),
    "computer": ("computer", "system"),
    "site": ("site",),
    "manufacturer": ("manufacturer",),
    "country": ("country",),
    "year": ("year",),
    "cores": ("total cores", "cores", "processors"),
    "rmax": ("rmax",),
    "rpeak": ("rpeak",),
    "power_kw": ("power (kw)", "power"),
    "accelerator": ("accelerator/co-processor", "accelerator"),
    "segment": ("segment",),
}
OPTIONAL = {"name", "manufacturer", "power_kw", "accelerator"}
_UNIT_SUFFIX = re.compile(r"^(?P<base>.*?)\s*\[(?P<unit>[^\]]*)\]\s*$")


def list_date(path: Path) -> str:
    """``YYYY-MM`` of the list a spreadsheet holds, from its name ``TOP500_YYYYMM.xls[x]``."""
    match = FILE_NAME.fullmatch(path.name)
    if match is None:
        raise DataError("cannot tell which list the file holds", path=path,
                        expected="a file named TOP500_YYYYMM.xls or TOP500_YYYYMM.xlsx")
    return f"{match.group(1)}-{match.group(2)}"


def _read_sheet(path: Path):
    import pandas as pd

    kwargs = {}
    if path.suffix.lower() == ".xls":
        # xlrd prints harmless "OLE2 inconsistency" notes on TOP500's old files
        kwargs["engine_kwargs"] = {"logfile": open(os.devnull, "w")}  # noqa: SIM115
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_excel(path, header=None, dtype=object, **kwargs)
    except FileNotFoundError:
        raise DataError("file not found", path=path, expected="a TOP500 spreadsheet") from None
    except Exception as err:  # xlrd / openpyxl raise many types for a damaged file
        raise DataError(f"not a readable spreadsheet ({type(err).__name__})", path=path,
                        expected="an .xls or .xlsx file as TOP500.org distributes it") from None


def _columns(header: list, path: Path, listed: str) -> tuple[dict[str, int], int]:
    """Canonical column -> position, and the FLOP/s factor of Rmax/Rpeak."""
    labels: dict[str, tuple[int, str | None]] = {}
    for position, cell in enumerate(header):
        label = text(cell)
        match = _UNIT_SUFFIX.match(label)
        base, unit = (match["base"], match["unit"]) if match else (label, None)
        labels.setdefault(base.lower(), (position, unit))
    found: dict[str, int] = {}
    units: dict[str, str | None] = {}
    for canonical, names in HEADERS.items():
        # first accepted name wins: 'Total Cores' over 'Cores' (2010 lists have both meanings)
        hit = next((labels[n] for n in names if n in labels), None)
        if hit is not None:
            found[canonical], units[canonical] = hit
    for canonical, names in HEADERS.items():
        if canonical not in found and canonical not in OPTIONAL:
            raise DataError(f"missing column {names[0]!r}", path=path,
                            expected="a header with " + " or ".join(repr(n) for n in names))
    factors = set()
    for canonical in ("rmax", "rpeak"):
        unit = units[canonical]
        if unit is None:
            if listed > LAST_GFLOPS_LIST:
                raise DataError(f"no unit in the {canonical} header", path=path,
                                expected=f"a unit such as 'Rmax [TFlop/s]' for lists after "
                                         f"{LAST_GFLOPS_LIST} (TOP500 gave GFlop/s without a "
                                         "unit only up to 2016-11)")
            factors.add(10**9)
            continue
        factor = FLOPS_UNITS.get(unit.replace(" ", "").lower())
        if factor is None:
            raise DataError(f"unknown unit {unit!r} in the {canonical} header", path=path,
                            expected="GFlop/s, TFlop/s or PFlop/s")
        factors.add(factor)
    if len(factors) != 1:
        raise DataError("Rmax and Rpeak headers give different units", path=path,
                        expected="one unit for both")
    power = found.get("power_kw")
    if power is not None:
        unit = _UNIT_SUFFIX.match(text(header[power]))
        label = text(header[power]).lower()
        if label not in ("power", "power (kw)") or unit:
            raise DataError(f"unknown power unit in header {text(header[power])!r}", path=path,
                            expected="'Power' or 'Power (kW)' (kilowatts)")
    return found, factors.pop()


def _integer(value, path: Path, line: int, column: str, *, positive: bool = True) -> int:
    try:
        number = float(value)
        if number != int(number):
            raise ValueError
    except (TypeError, ValueError):
        raise DataError("not an integer", path=path, line=line, column=column,
                        expected="a whole number", value=text(value)) from None
    if positive and number <= 0:
        raise DataError("not positive", path=path, line=line, column=column,
                        expected="a number > 0", value=text(value))
    return int(number)


def _number(value, path: Path, line: int, column: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0:
        raise DataError("not a positive number", path=path, line=line, column=column,
                        expected="a FLOP/s figure > 0", value=text(value))
    return number


def read_list(path: str | os.PathLike) -> list[list]:
    """The rows of ``data/top500.csv`` for one spreadsheet (columns :data:`COLUMNS`)."""
    path = Path(path)
    listed = list_date(path)
    sheet = _read_sheet(path)
    starts = [i for i in range(min(10, len(sheet)))
              if any(text(c).lower() == "rank" for c in sheet.iloc[i])]
    if not starts:
        raise DataError("no header row with a 'Rank' column in the first 10 rows", path=path,
                        expected="a TOP500 spreadsheet")
    top = starts[0]
    header = list(sheet.iloc[top])
    columns, factor = _columns(header, path, listed)
    unit = {10**9: "GFlop/s", 10**12: "TFlop/s", 10**15: "PFlop/s"}[factor]
    year, month = listed.split("-")
    label = f"TOP500 list, {MONTHS.get(month, month)} {year}"
    url = f"https://www.top500.org/lists/top500/{year}/{month}/"
    note = f"{path.name}; Rmax and Rpeak read in {unit}"
    rows, ranks = [], {}
    for offset, cells in enumerate(sheet.iloc[top + 1:].itertuples(index=False)):
        line = top + 2 + offset  # 1-based spreadsheet row
        if all(text(c) == "" for c in cells):
            continue
        get = {k: cells[i] for k, i in columns.items()}
        rank = _integer(get["rank"], path, line, "Rank")
        if rank in ranks:
            raise DataError(f"duplicated rank {rank} (also row {ranks[rank]})", path=path,
                            line=line, column="Rank", expected="each rank once per list")
        ranks[rank] = line
        rmax = _number(get["rmax"], path, line, "Rmax")
        rpeak = _number(get["rpeak"], path, line, "Rpeak")
        power = get.get("power_kw")
        if text(power) in ("", "0", "0.0"):
            power = ""  # no power column (before 2008-06), or 0 = not reported
        else:
            power = plain(_number(power, path, line, "Power"))
        if "accelerator" in columns:
            accelerator = text(get["accelerator"])
            accelerator = "none" if accelerator.lower() in ("", "none") else accelerator
        else:
            accelerator = ""
        rows.append([
            listed, rank, text(get.get("name")), text(get["computer"]), text(get["site"]),
            text(get.get("manufacturer")), text(get["country"]),
            _integer(get["year"], path, line, "Year"),
            _integer(get["cores"], path, line, "Cores"),
            scaled(rmax, factor), scaled(rpeak, factor), "FP64", power, accelerator,
            text(get["segment"]),
            "TOP500.org", label, listed, url, "", "verified-primary", note])
    if not rows:
        raise DataError("no systems in the list", path=path, expected="at least one ranked row")
    return rows


def _sorted(rows: list[list]) -> list[list]:
    return sorted(rows, key=lambda r: (r[0], int(r[1])))


def build(source_dir: str | os.PathLike) -> list[list]:
    """Rows for every ``TOP500_YYYYMM.xls[x]`` in ``source_dir``, sorted by list and rank."""
    folder = Path(source_dir)
    if not folder.is_dir():
        raise DataError("not a folder", path=folder,
                        expected="a folder of TOP500_YYYYMM.xls[x] spreadsheets")
    files = sorted(p for p in folder.iterdir() if p.name.upper().startswith("TOP500_"))
    if not files:
        raise DataError("no TOP500 spreadsheet", path=folder,
                        expected="files named TOP500_YYYYMM.xls or .xlsx")
    seen: dict[str, Path] = {}
    for path in files:  # all names first: a duplicate is reported before any slow read
        listed = list_date(path)
        if listed in seen:
            raise DataError(f"duplicate list {listed} (also in {seen[listed].name})", path=path,
                            expected="one spreadsheet per list")
        seen[listed] = path
    return _sorted([row for path in files for row in read_list(path)])


def add(file: str | os.PathLike, out: str | os.PathLike) -> list[list]:
    """Rows of ``out`` with the list in ``file`` merged in; refuses a list already present."""
    out = Path(out)
    header, existing = read_csv(out)
    if tuple(header) != COLUMNS:
        raise DataError("unexpected header", path=out, line=1,
                        expected="the columns " + ", ".join(COLUMNS))
    new = read_list(file)
    listed = new[0][0]
    if any(row[0] == listed for row in existing):
        raise DataError(f"duplicate list {listed}: {out.name} already holds it", path=Path(file),
                        expected="a list not yet in the CSV (rebuild from the folder to "
                                 "replace one)")
    return _sorted([*existing, *new])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source_dir", nargs="?", help="folder of TOP500_YYYYMM.xls[x] files")
    parser.add_argument("--add", metavar="FILE", help="append one list's spreadsheet to --out")
    parser.add_argument("--out", default=None, help="CSV to write (default data/top500.csv)")
    args = parser.parse_args(argv)
    if (args.source_dir is None) == (args.add is None):
        parser.error("give either SOURCE_DIR or --add FILE")
    out = Path(args.out) if args.out else Path(__file__).resolve().parents[1] / "top500.csv"
    rows = build(args.source_dir) if args.source_dir else add(args.add, out)
    write_csv(out, COLUMNS, rows)
    lists = sorted({r[0] for r in rows})
    print(f"wrote {out}: {len(rows)} systems in {len(lists)} lists ({lists[0]} to {lists[-1]})")
    return 0


if __name__ == "__main__":
    main_guard(main)
