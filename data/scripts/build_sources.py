"""Build the Epoch AI, NVIDIA, HPL-MxP and microprocessor tables of ``data/`` from raw public files.

Usage (from the project root)::

    .venv/bin/python data/scripts/build_sources.py SOURCE_DIR         # rebuild all tables
    .venv/bin/python data/scripts/build_sources.py --add-vintage DIR   # newer chip-count export

``SOURCE_DIR`` holds ``epoch/``, ``nvidia/``, ``hpl_mxp/`` and ``karlrupp/`` folders as
described in their SOURCES files (Epoch AI's ai-chip-counts CSV exports named
``aichipcounts__<export>.csv``, ``gpu_clusters.csv``, ``ml_hardware.csv``,
``notable_ai_models__column_subset.csv``; NVIDIA's quarterly revenue by
market and Epoch's NVIDIA revenue input).  Tables written into ``data/``:

``ai_chip_stock.csv``
    Cumulative AI chips shipped since the first quarter Epoch covers (NVIDIA
    Q1 2022, Google TPU Q1 2023, AMD and Amazon Trainium Q1 2024), no
    retirements; by designer (``owner = all``, ``chip = all``), by NVIDIA chip
    and by owner.  One row per measure (``units``, ``H100e``, ``MW``) with
    Epoch's 5th percentile, median and 95th percentile.
``ai_chip_sales.csv``
    Chips shipped per quarter, by designer and chip, same measures (calendar
    quarters; NVIDIA also by its fiscal quarters).
``gpu_clusters.csv``, ``ai_models.csv``, ``ml_hardware.csv``,
``nvidia_revenue_by_market.csv``, ``nvidia_revenue_inputs.csv``
    One row per cluster, per notable model, per chip and precision, per
    NVIDIA market and quarter, per NVIDIA fiscal quarter of Epoch's input.

Vintages: every chip-count row keeps Epoch's "Estimates generated on" date in
``vintage``, which is part of the primary key.  A later export revises
earlier quarters; ``--add-vintage DIR`` appends the rows of DIR's exports to
the existing ``ai_chip_stock.csv`` and ``ai_chip_sales.csv`` and never
overwrites an older vintage (a vintage already present is refused).

Column names differ between Epoch's files (the Trainium and owner exports list
the H100e median first and label the unit median ``Number of Units``); columns
are matched by name, never by position.  A file with a missing column, an
unrecognised measure or statistic, or no vintage stops the build with one line
naming the file and what was expected.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PROVENANCE, main_guard, read_csv, text, write_csv  # noqa: E402

from forecast.errors import DataError  # noqa: E402

DATA = Path(__file__).resolve().parents[1]
CHIP_COUNTS_URL = "https://github.com/epoch-research/ai-chip-counts"
EPOCH_DATA_URL = "https://epoch.ai/data"
EPOCH = "Epoch AI"
MEASURES = ("units", "H100e", "MW")

STOCK_COLUMNS = ("designer", "owner", "chip", "series_start", "period_end", "measure",
                 "p5", "median", "p95", "incomplete", "vintage", *PROVENANCE)
SALES_COLUMNS = ("designer", "chip", "calendar", "period_start", "period_end", "measure",
                 "p5", "median", "p95", "incomplete", "vintage", *PROVENANCE)

_VINTAGE = re.compile(r"Estimates generated on:?\s*(\d{1,2})-(\d{1,2})-(\d{4})")
_EXPORT = re.compile(r"aichipcounts__(?P<owners>owners__)?(?P<name>[a-z]+_[a-z_]+)\.csv")


def _date(value: str, path: Path, line: int, column: str) -> str:
    """ISO date from Epoch's M/D/YYYY, M/D/YY or YYYY-MM-DD."""
    cell = text(value)
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(cell, fmt).date().isoformat()
        except ValueError:
            continue
    raise DataError("not a date", path=path, line=line, column=column,
                    expected="M/D/YYYY or YYYY-MM-DD", value=cell)


def _number(cell: str, path: Path, line: int, column: str, *, required: bool = True):
    cell = text(cell).replace(",", "").replace("$", "")
    if cell == "":
        if required:
            raise DataError("empty cell", path=path, line=line, column=column,
                            expected="a number")
        return ""
    try:
        value = float(cell)
    except ValueError:
        raise DataError("not a number", path=path, line=line, column=column,
                        expected="a number", value=cell) from None
    if not math.isfinite(value) or value < 0:
        raise DataError("not a finite number >= 0", path=path, line=line, column=column,
                        expected="a number >= 0", value=cell)
    return cell


def _measure_columns(header: list[str], path: Path) -> dict[tuple[str, str], int]:
    """(measure, statistic) -> column position, matched on Epoch's column names."""
    found: dict[tuple[str, str], int] = {}
    for position, name in enumerate(header):
        low = name.lower()
        if "tdp" in low:
            continue  # 'Total TDP (W)' repeats power (Epoch docs/schema.md drops it)
        if "h100e" in low:
            measure = "H100e"
        elif low.startswith("number of units"):
            measure = "units"
        elif low.startswith("power in mw"):
            measure = "MW"
        else:
            continue
        if "5th percentile" in low and "95th" not in low:
            stat = "p5"
        elif "95th percentile" in low:
            stat = "p95"
        elif "median" in low or "(" not in low.replace("(mw)", "").replace("in mw", ""):
            stat = "median"  # Epoch labels some medians only by omission ('Number of Units')
        else:
            raise DataError(f"unrecognised statistic in column {name!r}", path=path, line=1,
                            expected="'(5th percentile)', '(median)' or '(95th percentile)'")
        if (measure, stat) in found:
            raise DataError(f"two columns for {measure} {stat}", path=path, line=1,
                            column=name, expected="one column per measure and percentile")
        found[(measure, stat)] = position
    for measure in ("units", "H100e"):
        for stat in ("p5", "median", "p95"):
            if (measure, stat) not in found:
                raise DataError(f"missing column for {measure} ({stat})", path=path, line=1,
                                expected="Epoch's 5th percentile, median and 95th percentile "
                                         "columns for units and H100e")
    return found


def _column(header: list[str], path: Path, *names: str, required: bool = True) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    if required:
        raise DataError(f"missing column {names[0]!r}", path=path, line=1,
                        expected="a header with " + " or ".join(repr(n) for n in names))
    return None


def _vintage(notes: str, path: Path, line: int) -> str:
    match = _VINTAGE.search(notes)
    if match is None:
        raise DataError("no vintage", path=path, line=line, column="Notes",
                        expected="'Estimates generated on: MM-DD-YYYY' in the notes", value=notes)
    month, day, year = (int(g) for g in match.groups())
    return dt.date(year, month, day).isoformat()


def chip_count_rows(path: str | os.PathLike) -> tuple[str, list[list]]:
    """``("stock" | "sales", rows)`` for one ai-chip-counts export file."""
    path = Path(path)
    match = _EXPORT.fullmatch(path.name)
    if match is None:
        raise DataError("not an ai-chip-counts export name", path=path,
                        expected="aichipcounts__[owners__]<designer>_<table>.csv")
    export = match["name"]
    if export.endswith("cumulative_totals") or export.endswith("cumulative_by_chip"):
        kind = "stock"
    elif export.endswith("chip_timelines"):
        kind = "sales"
    else:
        raise DataError(f"unknown export {export!r}", path=path,
                        expected="a *_cumulative_totals, *_cumulative_by_chip or "
                                 "*_chip_timelines export")
    header, body = read_csv(path)
    header = [h.strip() for h in header]
    measures = _measure_columns(header, path)
    designer_at = _column(header, path, "Chip manufacturer", "Designer")
    start_at = _column(header, path, "Start date", "Series start date")
    end_at = _column(header, path, "End date")
    notes_at = _column(header, path, "Notes", "Note")
    owner_at = _column(header, path, "Owner", required=bool(match["owners"]))
    chip_at = _column(header, path, "Chip type", required=kind == "sales"
                      or export.endswith("by_chip"))
    incomplete_at = _column(header, path, "Incomplete", required=False)
    calendar = "nvidia-fiscal" if "fiscal_quarter" in export else "calendar"
    rows = []
    for line, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))
        notes = cells[notes_at]
        vintage = _vintage(notes, path, line)
        incomplete = ("true" if (incomplete_at is not None and text(cells[incomplete_at]))
                      or notes.strip().startswith("Incomplete") else "false")
        designer = text(cells[designer_at])
        start = _date(cells[start_at], path, line, header[start_at])
        end = _date(cells[end_at], path, line, header[end_at])
        chip = text(cells[chip_at]) if chip_at is not None else "all"
        owner = text(cells[owner_at]) if owner_at is not None else "all"
        note = " ".join(notes.split())
        for measure in MEASURES:
            if (measure, "median") not in measures:
                continue
            values = [_number(cells[measures[(measure, s)]], path, line,
                              header[measures[(measure, s)]], required=measure != "MW")
                      for s in ("p5", "median", "p95") if (measure, s) in measures]
            if all(v == "" for v in values):
                continue
            provenance = [EPOCH, f"AI Chip Sales (ai-chip-counts export {path.name})", vintage,
                          CHIP_COUNTS_URL, "", "verified-primary", note]
            if kind == "stock":
                rows.append([designer, owner, chip, start, end, measure, *values, incomplete,
                             vintage, *provenance])
            else:
                rows.append([designer, chip, calendar, start, end, measure, *values, incomplete,
                             vintage, *provenance])
    if not rows:
        raise DataError("no data rows", path=path, expected="at least one estimate")
    return kind, rows


def _check_keys(rows: list[list], key: tuple[int, ...], path: Path, what: str) -> None:
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows):
        k = tuple(row[i] for i in key)
        if k in seen:
            raise DataError(f"duplicate {what} row {k}", path=path,
                            expected="one row per key and vintage (a vintage added twice?)")
        seen[k] = number


STOCK_KEY = (0, 1, 2, 4, 5, 10)      # designer, owner, chip, period_end, measure, vintage
SALES_KEY = (0, 1, 2, 3, 5, 10)      # designer, chip, calendar, period_start, measure, vintage


def chip_counts(folder: str | os.PathLike) -> tuple[list[list], list[list]]:
    """(stock rows, sales rows) from every ai-chip-counts export in ``folder``."""
    folder = Path(folder)
    files = sorted(folder.glob("aichipcounts__*.csv"))
    stock, sales = [], []
    for path in files:
        if not re.search(r"(cumulative_totals|cumulative_by_chip|chip_timelines)\.csv$",
                         path.name):
            continue  # price and revenue inputs are read elsewhere
        kind, rows = chip_count_rows(path)
        (stock if kind == "stock" else sales).extend(rows)
    if not stock:
        raise DataError("no ai-chip-counts cumulative export", path=folder,
                        expected="files named aichipcounts__<designer>_cumulative_totals.csv")
    _check_keys(stock, STOCK_KEY, folder, "stock")
    _check_keys(sales, SALES_KEY, folder, "sales")
    order = lambda key: (lambda r: tuple(r[i] for i in key))  # noqa: E731
    return sorted(stock, key=order(STOCK_KEY)), sorted(sales, key=order(SALES_KEY))


def add_vintage(folder: str | os.PathLike, data_dir: Path) -> tuple[list[list], list[list]]:
    """Existing stock and sales rows plus those of a newer export folder (older vintages kept)."""
    new_stock, new_sales = chip_counts(folder)
    merged = []
    for name, columns, key, new in (("ai_chip_stock.csv", STOCK_COLUMNS, STOCK_KEY, new_stock),
                                    ("ai_chip_sales.csv", SALES_COLUMNS, SALES_KEY, new_sales)):
        header, old = read_csv(data_dir / name)
        if tuple(header) != columns:
            raise DataError("unexpected header", path=data_dir / name, line=1,
                            expected="the columns " + ", ".join(columns))
        vintages = {row[10] for row in old}
        clash = sorted({row[10] for row in new} & vintages)
        if clash:
            raise DataError(f"vintage {clash[0]} is already in {name}", path=Path(folder),
                            expected="an export with a newer 'Estimates generated on' date")
        rows = old + new
        _check_keys(rows, key, data_dir / name, name)
        merged.append(sorted(rows, key=lambda r: tuple(r[i] for i in key)))
    return merged[0], merged[1]


# --------------------------------------------------------------------------- event tables


def _table(path: Path, required: tuple[str, ...]) -> tuple[dict[str, int], list[list[str]]]:
    header, body = read_csv(path)
    header = [h.strip() for h in header]
    for name in required:
        if name not in header:
            raise DataError(f"missing column {name!r}", path=path, line=1,
                            expected="the columns " + ", ".join(repr(n) for n in required))
    return {name: header.index(name) for name in header}, body


def _cells(cells: list[str], width: int) -> list[str]:
    return cells + [""] * (width - len(cells))


def _log_number(cell: str, path: Path, line: int, column: str) -> str:
    """A number as written, with thousands separators removed; '' when empty."""
    return _number(cell, path, line, column, required=False)


def _records(path: Path, fields: tuple[str, ...]):
    """``(line, get, num)`` for each data row of ``path`` (line 2 is the first): ``get(name)``
    the text of column ``name``, ``num(name)`` its number (:func:`_log_number`)."""
    at, body = _table(path, fields)
    for line, cells in enumerate(body, start=2):
        cells = _cells(cells, len(at))
        yield (line, lambda name, cells=cells: text(cells[at[name]]),
               lambda name, cells=cells, line=line: _log_number(cells[at[name]], path, line, name))


def _partial(cell: str) -> str:
    cell = text(cell)
    return cell if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", cell) else ""


GPU_CLUSTER_COLUMNS = ("name", "cluster_status", "certainty", "first_operational", "decommissioned",
                       "owner", "country", "sector", "single_cluster", "chip_type",
                       "chip_quantity", "total_chips", "h100e", "ops_16bit", "ops_8bit",
                       "max_ops", "power_mw", "source", "record", *PROVENANCE)


def gpu_clusters(path: Path) -> list[list]:
    """One row per cluster of Epoch AI's GPU clusters dataset (``record`` = row in the file)."""
    fields = ("Name", "Status", "Certainty", "Single cluster?", "H100 equivalents",
              "Chip type (primary)", "Chip quantity (primary)", "Country", "Owner",
              "First Operational Date", "Sector", "Power Capacity (MW)",
              "Total number of AI chips", "16-bit OP/s", "8-bit OP/s", "Max OP/s",
              "Decommissioned Date (if applicable)", "Source 1")
    rows = []
    for line, get, num in _records(path, fields):
        rows.append([
            get("Name"), get("Status"), get("Certainty"), _partial(get("First Operational Date")),
            _partial(get("Decommissioned Date (if applicable)")), get("Owner"), get("Country"),
            get("Sector"), get("Single cluster?"), get("Chip type (primary)"),
            num("Chip quantity (primary)"), num("Total number of AI chips"),
            num("H100 equivalents"), num("16-bit OP/s"), num("8-bit OP/s"), num("Max OP/s"),
            num("Power Capacity (MW)"), get("Source 1"), line - 1,
            EPOCH, "GPU Clusters dataset (gpu_clusters.csv)", "2025-12",
            f"{EPOCH_DATA_URL}/gpu-clusters", "github.com/cnyke/cnyke.github.io "
            "(mirror of the epoch.ai download, file commit a64f15ae)", "verified-secondary", ""])
    return rows


AI_MODEL_COLUMNS = ("model", "organization", "publication_date", "domain", "parameters",
                    "training_compute_flop", "confidence", "country", "organization_type",
                    "training_hardware", "hardware_quantity", "numerical_format",
                    "frontier_model", "accessibility", "link", *PROVENANCE)


def ai_models(path: Path) -> list[list]:
    """One row per notable AI model (Epoch AI), training compute in FLOP (an amount, not a rate)."""
    fields = ("Model", "Organization", "Publication date", "Domain", "Parameters",
              "Training compute (FLOP)", "Confidence", "Country (of organization)",
              "Organization categorization", "Training hardware", "Hardware quantity",
              "Numerical format", "Frontier model", "Model accessibility", "Link")
    rows = []
    for line, get, num in _records(path, fields):
        rows.append([
            get("Model"), get("Organization"), _date(get("Publication date"), path, line,
                                                     "Publication date"),
            get("Domain"), num("Parameters"), num("Training compute (FLOP)"), get("Confidence"),
            get("Country (of organization)"), get("Organization categorization"),
            get("Training hardware"), num("Hardware quantity"), get("Numerical format"),
            "true" if get("Frontier model").lower() == "true" else "false",
            get("Model accessibility"), get("Link"),
            EPOCH, "Notable AI Models dataset (notable_ai_models.csv, 19 of 46 columns)",
            "2025-12", f"{EPOCH_DATA_URL}/notable-ai-models",
            "github.com/cnyke/cnyke.github.io (mirror of the epoch.ai download, file commit "
            "a64f15ae)", "verified-secondary", ""])
    return rows


#: Epoch ml_hardware column -> (precision, kind, unit)
HARDWARE_PRECISIONS = {
    "FP64 (double precision) performance (FLOP/s)": ("FP64", "non-tensor", "FLOP/s"),
    "FP32 (single precision) performance (FLOP/s)": ("FP32", "non-tensor", "FLOP/s"),
    "FP16 (half precision) performance (FLOP/s)": ("FP16", "non-tensor", "FLOP/s"),
    "TF32 (TensorFloat-32) performance (FLOP/s)": ("TF32", "tensor", "FLOP/s"),
    "Tensor-FP16/BF16 performance (FLOP/s)": ("FP16", "tensor", "FLOP/s"),
    "FP8 performance (FLOP/s)": ("FP8", "tensor", "FLOP/s"),
    "FP4 performance (FLOP/s)": ("FP4", "tensor", "FLOP/s"),
    "INT8 performance (OP/s)": ("INT8", "tensor", "OP/s"),
}
ML_HARDWARE_COLUMNS = ("hardware", "manufacturer", "type", "release_date", "precision", "kind",
                       "peak", "unit", "tdp_w", "accelerator", "datasheet", *PROVENANCE)


def ml_hardware(path: Path, links: dict[str, str]) -> list[list]:
    """Peak throughput per chip and precision from Epoch AI's ML hardware dataset (long format).

    ``links`` maps Epoch's hardware name to an id of ``data/accelerators.csv``
    (the project's chosen spec table) when the chip is there.
    """
    fields = ("Hardware name", "Manufacturer", "Type", "Release date", "TDP (W)",
              "Link to datasheet", *HARDWARE_PRECISIONS)
    at, body = _table(path, fields)
    rows = []
    for line, cells in enumerate(body, start=2):
        cells = _cells(cells, len(at))
        get = lambda name: text(cells[at[name]])  # noqa: E731
        name = get("Hardware name")
        for column, (precision, kind, unit) in HARDWARE_PRECISIONS.items():
            value = _log_number(cells[at[column]], path, line, column)
            if value == "" or float(value) == 0:
                continue
            rows.append([
                name, get("Manufacturer"), get("Type"), _partial(get("Release date")), precision,
                kind, value, unit, _log_number(cells[at["TDP (W)"]], path, line, "TDP (W)"),
                links.get(name, ""), get("Link to datasheet"),
                EPOCH, "Machine Learning Hardware dataset (ml_hardware.csv)", "2025-12",
                f"{EPOCH_DATA_URL}/machine-learning-hardware",
                "github.com/cnyke/cnyke.github.io (mirror of the epoch.ai download, file commit "
                "a64f15ae)", "verified-secondary", f"column: {column}"])
    return rows


# --------------------------------------------------------------------------- NVIDIA revenue

_FISCAL = re.compile(r"Q([1-4]) ?FY(\d{2})|FY(\d{2}) ?Q([1-4])")
NVIDIA_MARKET_COLUMNS = ("fiscal_year", "fiscal_quarter", "market", "revenue", "unit",
                         *PROVENANCE)
NVIDIA_INPUT_COLUMNS = ("fiscal_year", "fiscal_quarter", "period_start", "period_end",
                        "total_revenue", "dc_revenue", "network_revenue", "compute_share_of_dc",
                        "compute_revenue", "share_a100", "share_h100", "share_h20",
                        "share_gb200", "share_gb300", "unit", *PROVENANCE)


def _fiscal(label: str, path: Path, line: int) -> tuple[int, int]:
    match = _FISCAL.fullmatch(text(label))
    if match is None:
        raise DataError("not a fiscal quarter", path=path, line=line,
                        expected="'Q1 FY22' or 'FY23Q1'", value=label)
    quarter, year = (match[1], match[2]) if match[1] else (match[4], match[3])
    return 2000 + int(year), int(quarter)


def _usd(cell: str, factor: int, path: Path, line: int, column: str) -> str:
    """USD text from millions (factor 10**6) or billions (10**9), exact decimal."""
    from decimal import Decimal

    value = _number(cell, path, line, column, required=False)
    if value == "":
        return ""
    return str(int(Decimal(value) * factor))


def nvidia_by_market(path: Path) -> list[list]:
    """NVIDIA revenue by market and fiscal quarter (USD), transcribed from NVIDIA's IR slides."""
    at, body = _table(path, ("fiscal_quarter", "market", "revenue_usd_millions", "source_pdf"))
    rows = []
    for line, cells in enumerate(body, start=2):
        year, quarter = _fiscal(cells[at["fiscal_quarter"]], path, line)
        pdf = text(cells[at["source_pdf"]])
        rows.append([year, quarter, text(cells[at["market"]]),
                     _usd(cells[at["revenue_usd_millions"]], 10**6, path, line,
                          "revenue_usd_millions"), "USD",
                     "NVIDIA", f"Quarterly revenue by market ({pdf})",
                     "2023-02" if pdf.startswith("Q423") else "2025-02",
                     "https://investor.nvidia.com/financial-info/quarterly-results/default.aspx",
                     "github.com/ContextualAI/examples (vendored copy of the PDF, commit "
                     "7dd1b799)", "verified-primary",
                     "Transcribed from the PDF (pdftotext); segment sums equal TOTAL in every "
                     "quarter"])
    return rows


def nvidia_inputs(path: Path) -> list[list]:
    """Epoch AI's NVIDIA revenue input (USD; compute share and chip mix are Epoch's assumptions)."""
    fields = ("Quarter", "Start Date", "End Date", "total_revenue", "dc_revenue",
              "network_revenue", "compute_share_of_dc", "compute_revenue", "A100", "H100",
              "H20", "GB200", "GB300", "Notes")
    at, body = _table(path, fields)
    rows = []
    for line, cells in enumerate(body, start=2):
        cells = _cells(cells, len(at))
        if not text(cells[at["Quarter"]]):
            continue
        year, quarter = _fiscal(cells[at["Quarter"]], path, line)
        num = lambda name: _number(cells[at[name]], path, line, name, required=False)  # noqa
        bn = lambda name: _usd(cells[at[name]], 10**9, path, line, name)  # noqa: E731
        rows.append([year, quarter, _date(cells[at["Start Date"]], path, line, "Start Date"),
                     _date(cells[at["End Date"]], path, line, "End Date"),
                     bn("total_revenue"), bn("dc_revenue"), bn("network_revenue"),
                     num("compute_share_of_dc"), bn("compute_revenue"), num("A100"), num("H100"),
                     num("H20"), num("GB200"), num("GB300"), "USD",
                     EPOCH, "AI Chip Sales input: data_inputs/Nvidia quarterly revenue.csv",
                     "2026-04", CHIP_COUNTS_URL, "", "verified-primary",
                     "Revenue from NVIDIA releases; compute_share_of_dc and the chip-mix shares "
                     "are Epoch's assumptions. " + " ".join(text(cells[at["Notes"]]).split())])
    return rows


# --------------------------------------------------------------------------- HPL-MxP, Karl Rupp

HPL_MXP_COLUMNS = ("edition", "rank", "site", "computer", "cores", "mxp", "top500_rank",
                   "rmax", "speedup", "mxp_precision", "rmax_precision", *PROVENANCE)
_EDITION = re.compile(r"(June|November) (\d{4})")


def hpl_mxp(path: Path) -> list[list]:
    """HPL-MxP (mixed-precision achieved) vs HPL Rmax (FP64 achieved) per system, in FLOP/s."""
    from decimal import Decimal

    fields = ("edition", "Rank", "Site", "Computer", "Cores", "HPL-MxP (Eflop/s)",
              "TOP500 Rank", "HPL Rmax (Eflop/s)", "Speedup")
    at, body = _table(path, fields)
    rows = []
    for line, cells in enumerate(body, start=2):
        cells = _cells(cells, len(at))
        edition = _EDITION.fullmatch(text(cells[at["edition"]]))
        if edition is None:
            raise DataError("not an edition", path=path, line=line, column="edition",
                            expected="'June YYYY' or 'November YYYY'",
                            value=cells[at["edition"]])
        listed = f"{edition[2]}-{'06' if edition[1] == 'June' else '11'}"
        marks = []

        def exa(name):
            # the results page marks some figures with a footnote letter ('2.363a')
            cell = text(cells[at[name]])
            match = re.fullmatch(r"([0-9.,]+)([a-z])", cell)
            if match:
                cell = match[1]
                marks.append(f"{name} carries footnote mark '{match[2]}' on the results page")
            return format((Decimal(_number(cell, path, line, name)) * 10**18).normalize(), "e")

        mxp, rmax = exa("HPL-MxP (Eflop/s)"), exa("HPL Rmax (Eflop/s)")
        rows.append([listed, int(_number(cells[at["Rank"]], path, line, "Rank")),
                     text(cells[at["Site"]]), text(cells[at["Computer"]]),
                     _number(cells[at["Cores"]], path, line, "Cores", required=False),
                     mxp,
                     _number(cells[at["TOP500 Rank"]], path, line, "TOP500 Rank",
                             required=False),
                     rmax,
                     _number(cells[at["Speedup"]], path, line, "Speedup"),
                     "mixed", "FP64",
                     "ICL, University of Tennessee (hpl-mxp.org)", "HPL-MxP results",
                     f"{edition[2]}-{'06' if edition[1] == 'June' else '11'}",
                     "https://hpl-mxp.org/results.md",
                     "github.com/icl-utk-edu/web, hpl-mxp.org/results.md (commit a9576418)",
                     "verified-primary",
                     "; ".join(["Transcribed from the results page's HTML tables, cell text "
                                "unchanged; EFlop/s converted to FLOP/s", *marks])])
    return rows


RUPP_METRICS = {
    "transistors": ("transistors", 1000, "thousands of transistors in the file"),
    "specint": ("SpecINT x 1000", 1, "single-thread SpecINT x 10^3"),
    "frequency": ("MHz", 1, "typical clock frequency"),
    "watts": ("W", 1, "typical power"),
    "cores": ("logical cores", 1, "number of logical cores"),
}
MICROPROCESSOR_COLUMNS = ("metric", "year", "value", "unit", *PROVENANCE)


def microprocessor_trends(folder: Path) -> list[list]:
    """Karl Rupp's 50 years of microprocessor trend data (decimal year, value)."""
    from decimal import Decimal

    rows = []
    for metric, (unit, factor, meaning) in RUPP_METRICS.items():
        path = folder / f"50yrs_{metric}.dat"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise DataError("file not found", path=path,
                            expected=f"Karl Rupp's 50yrs/{metric}.dat") from None
        for line, content in enumerate(lines, start=1):
            data_part, _, comment = content.partition("#")
            parts = data_part.split()
            if not parts:
                continue  # blank line, '####' separator or comment
            if len(parts) != 2:
                raise DataError(f"{len(parts)} fields", path=path, line=line,
                                expected="two whitespace-separated numbers: decimal year, value")
            year = _number(parts[0], path, line, "year")
            value = Decimal(_number(parts[1], path, line, "value")) * factor
            rows.append([metric, year, format(value.normalize(), "f") if factor != 1
                         else parts[1], unit,
                         "Karl Rupp", "Microprocessor Trend Data, 50yrs/" + path.name[6:],
                         "2022-02", "https://github.com/karlrupp/microprocessor-trend-data",
                         "", "verified-primary",
                         f"{meaning}; early points digitised from published charts "
                         "(M. Horowitz et al.), hence fractional years"
                         + (f"; file comment: {comment.strip()}" if comment.strip() else "")])
    return rows


# --------------------------------------------------------------------------- command line

#: Epoch ml_hardware name -> data/accelerators.csv id (the project's chosen spec table)
ACCELERATOR_LINKS = {
    "NVIDIA Tesla V100 SXM2": "v100", "NVIDIA A100 SXM4 40 GB": "a100-sxm",
    "NVIDIA H100 SXM5 80GB": "h100-sxm", "NVIDIA H100 PCIe": "h100-pcie",
    "NVIDIA H800 SXM5": "h800-sxm", "NVIDIA HGX H20": "h20", "NVIDIA H200 SXM": "h200",
    "NVIDIA B200": "b200", "NVIDIA GB200": "gb200", "AMD Radeon Instinct MI250X": "mi250x",
    "AMD Instinct MI300X": "mi300x", "Huawei Ascend 910": "ascend-910",
    "Huawei Ascend 910B": "ascend-910b", "Huawei Ascend 910C": "ascend-910c",
}

TABLES = {
    "ai_chip_stock.csv": STOCK_COLUMNS, "ai_chip_sales.csv": SALES_COLUMNS,
    "gpu_clusters.csv": GPU_CLUSTER_COLUMNS, "ai_models.csv": AI_MODEL_COLUMNS,
    "ml_hardware.csv": ML_HARDWARE_COLUMNS,
    "nvidia_revenue_by_market.csv": NVIDIA_MARKET_COLUMNS,
    "nvidia_revenue_inputs.csv": NVIDIA_INPUT_COLUMNS,
    "hpl_mxp.csv": HPL_MXP_COLUMNS, "microprocessor_trends.csv": MICROPROCESSOR_COLUMNS,
}


def build(source: str | os.PathLike) -> dict[str, list[list]]:
    """Every table from a source folder holding epoch/, nvidia/, hpl_mxp/ and karlrupp/."""
    root = Path(source)
    if not root.is_dir():
        raise DataError("not a folder", path=root,
                        expected="a folder with epoch/, nvidia/, hpl_mxp/ and karlrupp/")
    epoch, nvidia = root / "epoch", root / "nvidia"
    stock, sales = chip_counts(epoch)
    mxp = sorted(root.glob("hpl_mxp/hpl_mxp_results_*.csv"))
    if len(mxp) != 1:
        raise DataError(f"{len(mxp)} HPL-MxP result files", path=root / "hpl_mxp",
                        expected="one hpl_mxp_results_<from>_to_<to>.csv")
    market = sorted(nvidia.glob("nvidia_revenue_by_market_*.csv"))
    if len(market) != 1:
        raise DataError(f"{len(market)} revenue-by-market files", path=nvidia,
                        expected="one nvidia_revenue_by_market_<from>-<to>.csv")
    return {
        "ai_chip_stock.csv": stock, "ai_chip_sales.csv": sales,
        "gpu_clusters.csv": gpu_clusters(epoch / "gpu_clusters.csv"),
        "ai_models.csv": ai_models(epoch / "notable_ai_models__column_subset.csv"),
        "ml_hardware.csv": ml_hardware(epoch / "ml_hardware.csv", ACCELERATOR_LINKS),
        "nvidia_revenue_by_market.csv": nvidia_by_market(market[0]),
        "nvidia_revenue_inputs.csv": nvidia_inputs(
            nvidia / "epoch_aichipcounts__Nvidia_quarterly_revenue.csv"),
        "hpl_mxp.csv": hpl_mxp(mxp[0]),
        "microprocessor_trends.csv": microprocessor_trends(root / "karlrupp"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source_dir", nargs="?",
                        help="folder holding epoch/, nvidia/, hpl_mxp/, karlrupp/")
    parser.add_argument("--add-vintage", metavar="DIR",
                        help="a folder of newer ai-chip-counts exports to append")
    parser.add_argument("--out", default=None, help="folder to write into (default data/)")
    args = parser.parse_args(argv)
    if (args.source_dir is None) == (args.add_vintage is None):
        parser.error("give either SOURCE_DIR or --add-vintage DIR")
    out = Path(args.out) if args.out else DATA
    if args.source_dir:
        tables = build(args.source_dir)
    else:
        stock, sales = add_vintage(args.add_vintage, out)
        tables = {"ai_chip_stock.csv": stock, "ai_chip_sales.csv": sales}
    for name, rows in tables.items():  # every table built before any is written
        write_csv(out / name, TABLES[name], rows)
        print(f"wrote {out / name}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    main_guard(main)
