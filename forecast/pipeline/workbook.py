"""Every table of a run in one Excel workbook, for readers who open Excel rather than CSV.

``outputs/compute-forecast.xlsx`` holds:

* a first sheet, ``tables``, listing each table with its sheet, the page (notebook) that wrote
  it, its scope, unit and precision (the distinct values of those columns) and the sources
  the page read (publishers, from the executed notebook's provenance);
* the key figures of the index on their own sheet, ``key figures``;
* one sheet per table, in the CSV's column order: numbers stored as numbers (FLOP/s with a
  scientific number format, rates and probabilities as percentages, years and counts as
  integers), text as text, a missing value as an empty cell; the header row frozen and
  filters on.

In a language other than English (``compute-forecast run --lang zh`` writes
``outputs/zh/compute-forecast.xlsx``, built inside :func:`forecast.i18n.use`), the two first
sheets' names and headers, every table's header row (its column names, as the pages show
them) and the key figures are in that language; sheet names of tables and every value stay
as in the CSV files.

The CSV files stay the reference: the workbook is built from them after the run (its values
read back equal the CSV's), and is rewritten atomically, so a failed build leaves the old one.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

from forecast.errors import ForecastError
from forecast.i18n import N_, SOURCE, language
from forecast.i18n import gettext as _

#: the workbook's file name under the output folder
WORKBOOK = "compute-forecast.xlsx"
#: Excel's limits: sheet names of at most 31 characters, none of these characters
_SHEET_LIMIT, _SHEET_BAD = 31, re.compile(r"[\[\]:*?/\\]")
#: cell formats by column kind (forecast.present.column_kind)
FORMATS = {"flops": "0.00E+00", "rate": "0.0%", "percent": "0.0", "year": "0", "int": "#,##0",
           "multiple": "0.00", "number": "General"}


def _sheet_name(stem: str, taken: set[str]) -> str:
    """A unique, valid sheet name for a table (Excel compares names case-insensitively)."""
    base = _SHEET_BAD.sub("_", stem)[:_SHEET_LIMIT] or "table"
    name, i = base, 2
    while name.lower() in taken:
        suffix = f"~{i}"
        name, i = base[:_SHEET_LIMIT - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def _pages(out: Path) -> dict[str, dict]:
    """``tables/<file>`` -> provenance of the executed notebook that wrote it."""
    found = {}
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["compute_forecast"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for written in meta.get("outputs") or []:
            found[str(written)] = {"page": path.stem, "sources": meta.get("sources") or []}
    return found


def _distinct(frame, column: str) -> str:
    if column not in frame:
        return ""
    return ", ".join(str(v) for v in dict.fromkeys(frame[column].dropna().astype(str)))


def _cell_value(value):
    """A CSV value as Excel stores it: numbers as numbers, missing as empty, else text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return str(value)  # Excel has no infinity
    return value


def _header(name) -> str:
    """A table's column name as its sheet's header: as in the CSV in English, else the
    column's header as the pages show it, translated (``median_2030`` -> ``中位数 2030``)."""
    if language() == SOURCE:
        return str(name)
    return _(str(name).replace("_", " "))


def _write_sheet(ws, frame, kinds: dict[str, str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([_header(name) for name in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell_value(v) for v in row])
    for j, name in enumerate(frame.columns, start=1):
        fmt = FORMATS.get(kinds.get(name, ""), None)
        letter = get_column_letter(j)
        if fmt and fmt != "General":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
        width = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200)])
        ws.column_dimensions[letter].width = min(max(8, width + 2), 60)
    ws.freeze_panes = "A2"
    if frame.shape[1]:
        ws.auto_filter.ref = f"A1:{get_column_letter(frame.shape[1])}{len(frame) + 1}"


def _kinds(frame) -> dict[str, str]:
    from forecast.present import column_kind

    flops_rows = (frame["unit"].astype(str).str.upper().isin(["FLOP/S", "FLOPS"])
                  if "unit" in frame else None)
    return {name: column_kind(name, frame[name], flops_rows) for name in frame.columns}


def build(out: str | os.PathLike, *, key_figures: list | None = None):
    """The workbook of output folder ``out`` (an ``openpyxl.Workbook``, not saved).

    ``key_figures``: the index's key figures (objects with ``question``, ``answer``,
    ``detail``, ``table``, ``page``); None computes them from ``out``.
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out = Path(out)
    if key_figures is None:
        from forecast.pipeline.site import keyfigures

        key_figures = keyfigures.compute(out)
    pages = _pages(out)
    book = Workbook()
    listing = book.active
    listing.title = _(N_("tables"))
    figures_title = _(N_("key figures"))
    taken = {listing.title.lower(), figures_title.lower()}
    listing.append([_(h) for h in (N_("sheet"), N_("table"), N_("page"), N_("scope"),
                                   N_("unit"), N_("precision"), N_("rows"), N_("sources"))])
    figures = book.create_sheet(figures_title)
    figures.append([_(h) for h in (N_("question"), N_("answer"), N_("detail"), N_("table"),
                                   N_("page"))])
    for kf in key_figures:
        figures.append([getattr(kf, k, "") or "" for k in
                        ("question", "answer", "detail", "table", "page")])
    for path in sorted((out / "tables").glob("*.csv")):
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError, pd.errors.ParserError):
            continue  # an unreadable table has no sheet; its CSV shows why
        name = _sheet_name(path.stem, taken)
        _write_sheet(book.create_sheet(name), frame, _kinds(frame))
        prov = pages.get(f"tables/{path.name}", {})
        publishers = ", ".join(dict.fromkeys(str(s.get("publisher", "")) for s in
                                             prov.get("sources", []) if s.get("publisher")))
        listing.append([name, path.name, prov.get("page", ""), _distinct(frame, "scope"),
                        _distinct(frame, "unit"), _distinct(frame, "precision"), len(frame),
                        publishers])
        listing.cell(row=listing.max_row, column=1).hyperlink = f"#'{name}'!A1"
    for ws in (listing, figures):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 80)
    return book


def _inputs_key(out: Path) -> str:
    """What the workbook is built from: every table (name, size, mtime), the executed notebooks'
    provenance and the library (key figures are computed by it)."""
    import hashlib

    from forecast.pipeline.runcache import library_fingerprint

    parts = [library_fingerprint()]
    for path in [*sorted((out / "tables").glob("*.csv")), *sorted((out / "notebooks").glob(
            "*.ipynb"))]:
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def write_if_changed(out: str | os.PathLike) -> Path | None:
    """:func:`write` unless the workbook already holds the current tables (then None): a run
    that changed nothing does not pay for rebuilding it."""
    from forecast.files import atomic_write_text

    out = Path(out)
    key, stamp = _inputs_key(out), out / ".cache" / "workbook.key"
    try:
        if (out / WORKBOOK).is_file() and stamp.read_text(encoding="utf-8") == key:
            return None
    except OSError:
        pass
    path = write(out)
    try:
        atomic_write_text(stamp, key)
    except OSError:
        pass  # without the stamp the next run only rebuilds the workbook again
    return path


def write(out: str | os.PathLike, *, key_figures: list | None = None) -> Path:
    """Build the workbook of ``out`` and write it atomically to ``out/compute-forecast.xlsx``."""
    import io as _bytes

    from forecast.files import atomic_write_bytes

    buffer = _bytes.BytesIO()
    try:
        build(out, key_figures=key_figures).save(buffer)
    except (OSError, ValueError) as err:
        raise ForecastError(f"{Path(out) / WORKBOOK}: the workbook could not be built: {err}"
                            ) from err
    return atomic_write_bytes(Path(out) / WORKBOOK, buffer.getvalue())
