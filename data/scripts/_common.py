"""Helpers shared by the data build scripts (not part of the ``forecast`` library).

The build scripts turn raw public files (spreadsheets, CSV exports) into the
tidy CSVs of ``data/``.  They read the raw folder given on the command line,
never a fixed path, and stop on the first surprise with a one-line
:class:`~forecast.errors.DataError` naming the file and what was expected.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from forecast.files import atomic_write_bytes
from forecast.errors import DataError, ForecastError

#: the provenance columns every tidy file ends with (data/README.md, "Provenance columns")
PROVENANCE = ("publisher", "document", "published", "url", "via", "status", "note")


def scaled(value, factor: int) -> str:
    """``value`` (a spreadsheet float or int) times the integer ``factor``, as exact decimal text.

    The spreadsheet float is read through its shortest round-trip text
    (``repr``), so 59.7 GFlop/s becomes ``5.97e+10`` FLOP/s, not
    59.700000000000003e9.  ``factor`` is a power of ten (1e9 for GFlop/s).
    """
    number = Decimal(repr(float(value))) * factor
    if number == number.to_integral_value() and abs(number) < 10**6:
        return str(int(number))
    return format(number.normalize(), "e") if number else "0"


def plain(value) -> str:
    """A spreadsheet number as its shortest exact decimal text, without exponent (2345.5)."""
    number = Decimal(repr(float(value))).normalize()
    return format(number, "f")


def text(value) -> str:
    """A spreadsheet cell as clean one-line text ('' for empty / NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    out = " ".join(str(value).split())
    return "" if out.lower() == "nan" else out


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write ``rows`` under ``header`` atomically (LF line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    atomic_write_bytes(path, buffer.getvalue().encode("utf-8"))


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file as text."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            return header, [row for row in reader]
    except FileNotFoundError:
        raise DataError("file not found", path=path, expected="an existing CSV file") from None


def main_guard(main: Callable[[list[str] | None], int]) -> None:
    """Run ``main`` and turn a library error into a one-line message and exit code 2."""
    try:
        code = main(None)
    except ForecastError as err:
        print(f"error: {err}", file=sys.stderr)
        code = 2
    sys.exit(code)
