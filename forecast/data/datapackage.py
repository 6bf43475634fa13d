"""Sourced datasets, validated against ``data/datapackage.json``.

The CSV files in ``data/`` are the project's raw figures.  Each row carries its
provenance (publisher, document, publication date, URL, status, note).  The
Frictionless Data Package descriptor ``data/datapackage.json`` is the single
source of truth for the columns, types, enums, bounds and primary keys; this
module reads it and enforces it without importing ``frictionless`` (a test-only
dependency), so loading all datasets takes milliseconds.

Validation covers: missing, unknown or duplicated columns; cells that are not
integers, numbers or dates; required cells left empty; values outside an enum
(unit, precision, status...); bounds (``exclusiveMinimum: 0`` = strictly
positive); regex patterns; publication dates (``x-partial-date``: YYYY, YYYY-MM
or YYYY-MM-DD that exist in the calendar); duplicated primary keys.  Each
failure raises :class:`~forecast.errors.DataError` naming the file, the
1-based line (header = line 1), the column, what was expected and what was
found.

Hostile packages are bounded: a data file may hold at most :data:`MAX_BYTES` bytes
and :data:`MAX_ROWS` rows; numbers are ASCII digits only (Arabic-Indic or
full-width digits are text, not numbers); a ``pattern`` constraint must match in
linear time (:func:`check_pattern`: no repeat inside a repeat, no alternation
inside an unbounded repeat, no back-reference, at most one unbounded repeat), so
``(a+)+$`` is refused when the descriptor is read instead of hanging the loader;
a figure that overflows to infinity once converted to FLOP/s is refused naming its
line.

Loaded frames are indexed by that line number (index name ``line``), so any
row can be traced back to the file.  Resources that declare ``x-flops`` get a
derived float column (``flops``; ``flops_sparse`` for accelerators) holding
the figure in FLOP/s for rows whose unit is a FLOP/s unit, NaN otherwise.

>>> gc = load("global_compute")
>>> total_2021 = gc[(gc.scope == "global") & (gc.component == "total") & (gc.year == 2021)]
>>> float(total_2021.flops.iloc[0])
6.15e+20
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import operator
import os
import re
from pathlib import Path

import pandas as pd

from forecast import units
from forecast.paths import project_root
from forecast.data.provenance import PROVENANCE  # noqa: F401  (the one definition; re-exported)
from forecast.errors import DataError, UnknownNameError

DESCRIPTOR = "datapackage.json"
#: longest line of a data file, in characters (a row, not a document)
MAX_LINE = 65_536
#: largest data file, in bytes (TOP500's 33,500 rows take 10.6 MB)
MAX_BYTES = 64 * 2**20
#: most rows in a data file
MAX_ROWS = 250_000
#: longest ``pattern`` constraint, in characters
MAX_PATTERN = 300

# ASCII digits only: "\d" alone also matches Arabic-Indic and full-width digits, which int()
# and float() would then read as numbers
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # unambiguous: no backtracking blow-up
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
_FLOPS_UNIT = re.compile(r".*flop(?:s|/s)$", re.IGNORECASE)

# Frictionless bound constraints -> (test the value must pass, symbol for the message)
_BOUNDS = {
    "minimum": (operator.ge, ">="),
    "maximum": (operator.le, "<="),
    "exclusiveMinimum": (operator.gt, ">"),
    "exclusiveMaximum": (operator.lt, "<"),
}

_descriptors: dict[Path, tuple[tuple[int, int], dict]] = {}
_UNSEEN = object()  # marks a cell text not yet checked in _validate


def resolve_data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data folder: ``path`` when given, else ``<project root>/data``.

    The project root is the nearest folder at or above the current directory
    holding ``pyproject.toml``, so a user's copy of the project reads its own files.
    """
    if path is not None and "\0" in os.fspath(path):
        raise DataError("a folder name cannot hold a NUL byte", path=repr(os.fspath(path)),
                        expected="the path of the data folder")
    return Path(path) if path is not None else project_root() / "data"


def _descriptor(folder: Path) -> dict:
    """The parsed ``datapackage.json`` of ``folder``, cached until the file changes."""
    path = folder / DESCRIPTOR
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataError("no data package descriptor", path=path,
                        expected=f"a {DESCRIPTOR} in the data folder") from None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _descriptors.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"invalid JSON: {err.msg}", path=path, line=err.lineno) from None
    except (UnicodeDecodeError, RecursionError) as err:
        raise DataError(f"not a readable JSON file ({type(err).__name__})", path=path) from None
    except OSError as err:
        raise DataError(f"cannot read ({err.strerror or err})", path=path) from None
    _check_descriptor(package, path)
    _descriptors[path] = (key, package)
    return package


_FIELD_TYPES = ("string", "integer", "number", "date")


def _check_descriptor(package, path: Path) -> None:
    """The parts of a Data Package descriptor the loader relies on, or a DataError naming them.

    Resources need a ``name``, a ``path`` inside the data folder (relative, no
    ``..``) and a ``schema`` whose ``fields`` have a name and a known type;
    ``pattern`` constraints must compile and ``primaryKey``/``x-flops`` must name
    fields.  Checked once per version of the file.
    """
    def fail(where, message, expected=None, value=None):
        raise DataError(f"{where}: {message}", path=path, expected=expected, value=value)

    if not isinstance(package, dict):
        fail("descriptor", "not a JSON object", "a Data Package descriptor")
    resources = package.get("resources")
    if not isinstance(resources, list) or not resources:
        fail("resources", "missing or empty", "a non-empty list of resources")
    names = set()
    for i, res in enumerate(resources):
        where = f"resources[{i}]"
        if not isinstance(res, dict):
            fail(where, "not an object", "an object with name, path and schema")
        name, rel = res.get("name"), res.get("path")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
            fail(f"{where}.name", "missing or not a data package name",
                 "lower-case letters, digits, '.', '_' or '-'", name)
        if name in names:
            fail(f"{where}.name", "given twice", "each resource name once", name)
        names.add(name)
        if (not isinstance(rel, str) or not rel or any(ord(c) < 32 or c == "\x7f" for c in rel)
                or Path(rel).is_absolute() or ".." in Path(rel).parts or "\\" in rel):
            fail(f"{where}.path", "must be a file inside the data folder",
                 "a relative path without '..' or control characters (NUL...)", rel)
        schema = res.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not fields:
            fail(f"{where}.schema.fields", "missing or empty", "a list of fields")
        field_names = set()
        for j, fld in enumerate(fields):
            fwhere = f"{where}.schema.fields[{j}]"
            if not isinstance(fld, dict) or not isinstance(fld.get("name"), str):
                fail(fwhere, "a field needs a name", "an object with name and type")
            field_names.add(fld["name"])
            if fld.get("type", "string") not in _FIELD_TYPES:
                fail(f"{fwhere}.type", "unsupported field type", "one of "
                     + ", ".join(_FIELD_TYPES), fld.get("type"))
            constraints = fld.get("constraints", {})
            if not isinstance(constraints, dict):
                fail(f"{fwhere}.constraints", "not an object", "an object")
            if "pattern" in constraints:
                try:
                    risk = check_pattern(constraints["pattern"])
                except (re.error, TypeError, OverflowError, RecursionError) as err:
                    fail(f"{fwhere}.constraints.pattern", f"not a regular expression ({err})",
                         value=constraints["pattern"])
                if risk:
                    fail(f"{fwhere}.constraints.pattern", f"refused: {risk}, which can take "
                         "exponential time on a hostile cell", "a pattern that matches in "
                         "linear time", constraints["pattern"])
            if "enum" in constraints and not isinstance(constraints["enum"], list):
                fail(f"{fwhere}.constraints.enum", "not a list", "a list of allowed values")
            for bound in _BOUNDS:
                if bound in constraints and (not isinstance(constraints[bound], (int, float))
                                             or isinstance(constraints[bound], bool)):
                    fail(f"{fwhere}.constraints.{bound}", "not a number", "a number",
                         constraints[bound])
        keys = schema.get("primaryKey", [])
        for key in [keys] if isinstance(keys, str) else keys if isinstance(keys, list) else [None]:
            if key not in field_names:
                fail(f"{where}.schema.primaryKey", "names no field", "field names", key)
        flops = res.get("x-flops", [])
        for item in flops if isinstance(flops, list) else [None]:
            if not isinstance(item, dict) or not {item.get("value"), item.get("unit")} <= field_names:
                fail(f"{where}.x-flops", "must name a value and a unit field",
                     '{"value": field, "unit": field, "to": column}', item)


def check_pattern(pattern: str) -> str | None:
    """Why matching ``pattern`` could take more than linear time (None: it cannot).

    Python's regular-expression engine backtracks, so ``(a+)+$`` takes exponential
    time on ``"aaaa...!"``.  Refused: a quantified part inside a repeat (``(a+)+``,
    ``(a{1,3})*``), an alternation inside an unbounded repeat (``(a|aa)*``), a
    back-reference, more than one unbounded repeat (``.*.*x`` is quadratic), and
    patterns longer than :data:`MAX_PATTERN` characters.  Raises re.error / TypeError
    for a pattern that does not compile.
    """
    import re._parser as parser  # the parser re itself uses (3.11+)
    from re._constants import MAXREPEAT

    re.compile(pattern)
    if len(pattern) > MAX_PATTERN:
        return f"longer than {MAX_PATTERN} characters"
    repeats = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
    unbounded = []

    def walk(items, outer_hi: int) -> str | None:
        for op, arg in items:
            name = str(op)
            if name in repeats:
                lo, hi, sub = arg
                if outer_hi > 1 and lo != hi:
                    return "a repeat inside a repeat"
                if hi == MAXREPEAT:
                    unbounded.append(op)
                why = walk(sub, max(outer_hi, hi))
            elif name == "BRANCH":
                if outer_hi == MAXREPEAT:
                    return "an alternation inside an unbounded repeat"
                why = next(filter(None, (walk(branch, outer_hi) for branch in arg[1])), None)
            elif name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "a back-reference"
            elif name == "SUBPATTERN":
                why = walk(arg[-1], outer_hi)
            elif name in ("ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
                why = walk(arg[-1], outer_hi)
            else:
                why = None
            if why:
                return why
        return None

    why = walk(parser.parse(pattern), 1)
    if why is None and len(unbounded) > 1:
        why = "more than one unbounded repeat"
    return why


def datasets(data_dir: str | os.PathLike | None = None) -> list[str]:
    """Names of the datasets declared in the data package, in descriptor order."""
    return [r["name"] for r in _descriptor(resolve_data_dir(data_dir))["resources"]]


def load(name: str, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load one dataset as a validated DataFrame.

    Parameters
    ----------
    name : str
        A dataset name (see :func:`datasets`): ``global_compute``,
        ``compute_forecasts``, ``nvidia_datacenter_revenue``,
        ``accelerator_shipments``, ``accelerators``, ``claims``,
        ``hardware_prices``.
    data_dir : path, optional
        Folder holding ``datapackage.json`` and the CSV files; default the
        project's ``data/`` (found by walking up from the cwd to ``pyproject.toml``).

    Returns
    -------
    pandas.DataFrame
        One row per CSV row, indexed by its 1-based line in the file (index
        name ``line``; header = line 1).  Integer columns are ``int64``
        (``Int64`` when optional), numbers ``float64``, dates ``datetime64``,
        text ``str`` with NaN for empty cells; ``published`` stays text
        because its precision varies (YYYY, YYYY-MM or YYYY-MM-DD).  Derived
        ``flops`` columns are FLOP/s (float).  ``attrs``: ``name``, ``path``,
        ``sha256`` (of the file bytes), ``title`` and ``provenance`` (unique
        list of dicts with keys publisher, document, published, url, status).

    Raises
    ------
    UnknownNameError
        ``name`` is not a dataset of the package.
    DataError
        The file breaks its Table Schema (message names file, line, column,
        what was expected and the value found).
    """
    folder = resolve_data_dir(data_dir)
    package = _descriptor(folder)
    resources = {r["name"]: r for r in package["resources"]}
    if not isinstance(name, str) or name not in resources:
        raise UnknownNameError(name, resources, kind="dataset")
    resource = resources[name]
    path = folder / resource["path"]
    if not path.resolve().is_relative_to(folder.resolve()):  # a symlink pointing out
        raise DataError("data file is outside the data folder", path=path,
                        expected=f"a file inside {folder}")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_bytes below says why
    if size > MAX_BYTES:
        raise DataError(f"data file too large ({size:,} bytes)", path=path,
                        expected=f"at most {MAX_BYTES:,} bytes (forecast.data.datapackage."
                        f"MAX_BYTES)")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError("data file not found", path=path,
                        expected=f"the file declared for {name!r} in {DESCRIPTOR}") from None
    except OSError as err:
        raise DataError(f"cannot read ({err.strerror or err})", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"not UTF-8 text (byte {err.start})", path=path, expected="UTF-8") from None

    longest = max(map(len, text.split("\n")), default=0)
    if longest > MAX_LINE:  # bounded whatever csv.field_size_limit another module set
        line = next(i for i, t in enumerate(text.split("\n"), 1) if len(t) == longest)
        raise DataError(f"line longer than {MAX_LINE:,} characters", path=path, line=line,
                        expected="one data row per line")
    rows = text.count("\n") + (not text.endswith("\n")) - 1  # lines after the header
    if rows > MAX_ROWS:
        raise DataError(f"data file has too many rows ({rows:,})", path=path,
                        expected=f"at most {MAX_ROWS:,} rows (forecast.data.datapackage.MAX_ROWS)")
    if "\0" in text:  # csv reads NUL bytes as text; in a data file they mean corruption
        line = text[:text.index("\0")].count("\n") + 1
        raise DataError("contains a NUL byte", path=path, line=line, expected="plain UTF-8 text")
    try:
        frame = _validate(text, resource["schema"], path)
    except csv.Error as err:  # a NUL byte, a cell over the csv module's field limit
        raise DataError(f"not valid CSV ({err})", path=path) from None
    for derived in resource.get("x-flops", ()):
        flops = frame[derived["to"]] = _flops(frame[derived["value"]], frame[derived["unit"]])
        overflow = flops.index[flops.abs() == math.inf]
        if len(overflow):  # 1e308 EFLOPS is finite as written, infinite in FLOP/s
            line = overflow[0]
            raise DataError("value overflows to infinity when converted to FLOP/s", path=path,
                            line=int(line), column=derived["value"],
                            expected="a figure below 1.8e308 FLOP/s",
                            value=f"{frame.at[line, derived['value']]:g} "
                                  f"{frame.at[line, derived['unit']]}")

    frame.attrs.update(
        name=name, path=str(path), title=resource.get("title", name),
        sha256=hashlib.sha256(raw).hexdigest(), provenance=_provenance(frame))
    return frame


def series(df: pd.DataFrame, **filters) -> pd.Series:
    """One FLOP/s figure per year from a loaded dataset, after filtering.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`load` with ``year`` and ``flops`` columns
        (``global_compute``, ``compute_forecasts``).
    **filters
        ``column=value`` keeps rows equal to value; ``column=[v1, v2]`` keeps
        rows whose value is in the list.  E.g. ``scope="global",
        component="total", point="year", document=...``.

    Returns
    -------
    pandas.Series
        FLOP/s (float) indexed by integer year, sorted.  Rows whose value is
        empty (growth-rate-only forecast rows) are left out.  ``attrs``:
        ``unit`` ("FLOP/s"), ``precision`` (None when the rows do not state
        one), ``dataset``, ``filters``, ``sources`` (one dict per year:
        year, line, publisher, document, published, url, status, bound) and
        ``lower_bounds`` (years whose figure is a "more than" lower bound).

    Raises
    ------
    DataError
        A filter names an unknown column; no row matches; a matching row has
        a value in a unit that is not a FLOP/s rate (e.g. a multiple "x");
        the rows mix precisions; or two rows share a year (conflicting
        sources are never resolved silently: the message lists them, filter
        by ``document`` or ``publisher``).
    """
    path = df.attrs.get("path")
    missing = {"year", "flops"} - set(df.columns)
    if missing:
        raise DataError("the frame has no FLOP/s series", path=path, column=sorted(missing)[0],
                        expected="a frame from load() with 'year' and 'flops' columns")
    mask = pd.Series(True, index=df.index)
    for column, wanted in filters.items():
        if column not in df.columns:
            raise DataError(f"cannot filter on unknown column {column!r}", path=path, column=column,
                            expected="one of " + ", ".join(map(str, df.columns)))
        if isinstance(wanted, (list, tuple, set, frozenset)):
            mask &= df[column].isin(list(wanted))
        else:
            mask &= df[column] == wanted
    rows = df[mask.fillna(False).astype(bool)]
    if "value" in rows.columns:
        rows = rows[rows["value"].notna()]
    if rows.empty:
        raise DataError("no row with a value matches the filters", path=path,
                        expected="filters that select at least one row", value=filters)

    not_flops = rows[rows["flops"].isna()]
    if not not_flops.empty:
        line = not_flops.index[0]
        unit = not_flops["unit"].iloc[0] if "unit" in rows.columns else None
        raise DataError("the selection holds a figure that is not a FLOP/s rate",
                        path=path, line=line, column="unit",
                        expected="rows in a FLOP/s unit (filter e.g. unit='ZFLOPS')", value=unit)

    precision = None
    if "precision" in rows.columns:
        precisions = rows["precision"].astype(object).where(rows["precision"].notna(), None)
        found = list(dict.fromkeys(precisions))
        if len(found) > 1:
            raise DataError("the selection mixes precisions (FP16, FP32 and FP64 FLOP/s are "
                            "different quantities)", path=path, column="precision",
                            expected="one precision: add a filter such as precision='FP16'",
                            value=[p if p is not None else "(empty)" for p in found])
        precision = found[0]

    years = rows["year"].astype(int)
    clashes = years[years.duplicated(keep=False)]
    if not clashes.empty:
        raise DataError("two or more rows share a year; conflicting sources are never resolved "
                        "silently: " + _describe_clashes(rows, clashes),
                        path=path, column="year",
                        expected="one row per year (filter by document, publisher or point)",
                        value=sorted(set(clashes.tolist())))

    order = years.sort_values().index
    index = pd.Index(years.loc[order].to_numpy(dtype=int), name="year")
    result = pd.Series(rows.loc[order, "flops"].to_numpy(dtype=float), index=index, name="flops")
    result.attrs.update(
        unit="FLOP/s", precision=precision, dataset=df.attrs.get("name"), filters=dict(filters),
        sources=[{"year": int(years[line]), "line": int(line),
                  **{key: _text(rows.at[line, key]) for key in (*PROVENANCE, "bound")
                     if key in rows.columns}} for line in order],
        lower_bounds=[int(years[line]) for line in order
                      if "bound" in rows.columns and rows.at[line, "bound"] == "lower"])
    return result


# --------------------------------------------------------------------------- validation


def _validate(text: str, schema: dict, path: Path) -> pd.DataFrame:
    """Parse ``text`` as CSV and check it against the Table Schema ``schema``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise DataError("empty file", path=path, line=1, expected="a header row")
    fields = {f["name"]: f for f in schema["fields"]}
    seen: set[str] = set()
    for name in header:
        if name not in fields:
            raise DataError("unknown column", path=path, line=1, column=name,
                            expected="only the columns of the schema: " + ", ".join(fields))
        if name in seen:
            raise DataError("duplicated column", path=path, line=1, column=name,
                            expected="each column once")
        seen.add(name)
    for name in fields:
        if name not in seen:
            raise DataError("missing column", path=path, line=1, column=name,
                            expected=f"a column {name!r} ({fields[name].get('description', '')})")

    checks = [(position, _cell_check(fields[name], path)) for position, name in enumerate(header)]
    memo: list[dict] = [{} for _ in checks]  # per column: cell text -> checked value
    columns: dict[str, list] = {name: [] for name in header}
    lines: list[int] = []
    key_fields = schema.get("primaryKey", [])
    if isinstance(key_fields, str):
        key_fields = [key_fields]
    keys: dict[tuple, int] = {}
    line = reader.line_num + 1
    for row in reader:
        if not row:
            raise DataError("blank line", path=path, line=line,
                            expected=f"{len(header)} cells, one per column of the header")
        if len(row) != len(header):
            raise DataError(f"row has {len(row)} cells", path=path, line=line,
                            expected=f"{len(header)} cells, one per column of the header")
        values = {}
        for (position, check), seen in zip(checks, memo):
            cell = row[position]
            # a cell's validity does not depend on its line: check each distinct text once
            # (TOP500's 33,500 rows repeat lists, countries and provenance); failures raise
            value = seen.get(cell, _UNSEEN)
            if value is _UNSEEN:
                value = seen[cell] = check(cell, line)
            values[header[position]] = value
        if key_fields:
            key = tuple(values[k] for k in key_fields)
            if key in keys:
                raise DataError(f"duplicated primary key (same as line {keys[key]})", path=path,
                                line=line, column=", ".join(key_fields),
                                expected=f"a unique ({', '.join(key_fields)})",
                                value=tuple(row[header.index(k)] for k in key_fields))
            keys[key] = line
        for name, value in values.items():
            columns[name].append(value)
        lines.append(line)
        line = reader.line_num + 1

    index = pd.Index(lines, name="line", dtype="int64")
    data = {name: _column(columns[name], fields[name], index)
            for name in fields}  # schema order, whatever the file's column order
    return pd.DataFrame(data, index=index)


def _cell_check(field: dict, path: Path):
    """A function ``(cell text, line) -> typed value or None`` for one schema field."""
    name, kind = field["name"], field.get("type", "string")
    constraints = field.get("constraints", {})
    required = constraints.get("required", False)
    enum = constraints.get("enum")
    pattern = re.compile(constraints["pattern"], re.ASCII) if "pattern" in constraints else None
    min_length = constraints.get("minLength")
    bounds = [(test, symbol, constraints[c]) for c, (test, symbol) in _BOUNDS.items()
              if c in constraints]
    partial_date = field.get("x-partial-date", False)

    def fail(message, line, expected, value):
        raise DataError(message, path=path, line=line, column=name, expected=expected, value=value)

    def check(cell: str, line: int):
        if cell == "":
            if required:
                fail("empty required field", line,
                     f"a value ({field.get('description', kind)})", cell)
            return None
        if kind == "integer":
            if not _INTEGER.fullmatch(cell):
                fail("not an integer", line, "an integer", cell)
            value = int(cell)
        elif kind == "number":
            value = float(cell) if _NUMBER.fullmatch(cell) else math.nan
            if not math.isfinite(value):  # 1e400 matches the pattern but is inf
                fail("not a number", line, "a finite number such as 615 or 6.15e2", cell)
        elif kind == "date":
            value = _parse_date(cell)
            if value is None:
                fail("not a date", line, "a calendar date YYYY-MM-DD", cell)
        else:
            value = cell
        if enum is not None and value not in enum:
            fail("value not allowed", line, "one of " + ", ".join(map(str, enum)), cell)
        if pattern is not None and not pattern.fullmatch(value):
            expected = ("a date YYYY, YYYY-MM or YYYY-MM-DD" if partial_date
                        else f"text matching {pattern.pattern}")
            fail("badly formatted value", line, expected, cell)
        if min_length is not None and len(value) < min_length:
            fail("value too short", line, f"at least {min_length} characters", cell)
        for test, symbol, limit in bounds:
            if not test(value, limit):
                positive = (symbol, limit) == (">", 0)
                fail("value must be positive" if positive else "value out of range", line,
                     f"a number {symbol} {limit}", cell)
        if partial_date and not _is_partial_date(value):
            fail("not a calendar date", line,
                 "a date YYYY, YYYY-MM or YYYY-MM-DD that exists", cell)
        return value

    return check


def _parse_date(cell: str) -> dt.date | None:
    if not _DATE.fullmatch(cell):
        return None
    try:
        return dt.date.fromisoformat(cell)
    except ValueError:
        return None


def partial_date(value, *, column: str = "published") -> pd.Timestamp:
    """A partial date (YYYY, YYYY-MM or YYYY-MM-DD) as the first day it can mean.

    Publication dates in ``data/`` are often only a year or a month
    (``x-partial-date`` fields): ``"2023"`` is 2023-01-01 and ``"2023-06"`` is
    2023-06-01, so "published on or before" comparisons never credit a
    document with knowledge it may not have had.

    >>> partial_date("2023-06")
    Timestamp('2023-06-01 00:00:00')

    Raises
    ------
    DataError
        The text is not of that form or names a day the calendar lacks
        (``2023-02-30``); the error names ``column`` and the value.
    """
    text = str(value).strip()
    match = _PARTIAL_DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day = (int(x) if x else 1 for x in match.groups())
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError as err:
        raise DataError("unreadable date", column=column,
                        expected="a date YYYY, YYYY-MM or YYYY-MM-DD that exists",
                        value=text) from err


def _is_partial_date(cell: str) -> bool:
    try:
        partial_date(cell)
    except DataError:
        return False
    return True


def _column(values: list, field: dict, index: pd.Index) -> pd.Series:
    """A typed column: ints, floats, datetimes or text (missing -> NA/NaN/NaT)."""
    kind = field.get("type", "string")
    required = field.get("constraints", {}).get("required", False)
    if kind == "integer":
        dtype = "int64" if required else "Int64"
        return pd.Series(values, index=index, dtype=dtype)
    if kind == "number":
        numbers = [math.nan if v is None else v for v in values]
        return pd.Series(numbers, index=index, dtype="float64")
    if kind == "date":
        return pd.Series(pd.to_datetime(values), index=index)
    return pd.Series(values, index=index, dtype="str")


def _flops(values: pd.Series, unit: pd.Series) -> pd.Series:
    """``values`` in FLOP/s where ``unit`` is a FLOP/s unit; NaN for other units (TOPS, x, GPUs)."""
    factors = {u: units.flops_per_unit(u) for u in unit.dropna().unique() if _FLOPS_UNIT.match(u)}
    return values * unit.map(factors).astype("float64")


def _provenance(frame: pd.DataFrame) -> list[dict]:
    """Unique provenance tuples in file order, as dicts (plain lists: pandas is slow here)."""
    present = [c for c in PROVENANCE if c in frame.columns]
    unique = dict.fromkeys(zip(*(frame[c].tolist() for c in present)))
    return [dict(zip(present, map(_text, key))) for key in unique]


def _text(value) -> str:
    """Provenance values as plain text; an empty cell becomes ''."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _describe_clashes(rows: pd.DataFrame, clashes: pd.Series) -> str:
    """'2022: line 10 CAICT / <doc>; line 14 H3C; CAICT / <doc> (differ in: document)'."""
    ignore = {"value", "flops", "note", "via", "url", "published", "status", "reported_growth",
              "growth_status", "share_of_global", "year"}
    parts = []
    for year in sorted(set(clashes.tolist())):
        group = rows.loc[clashes[clashes == year].index]
        listed = "; ".join(
            f"line {line} {group.at[line, 'publisher']} / {group.at[line, 'document']}"
            + (f" ({group.at[line, 'value']:g} {group.at[line, 'unit']})"
               if {"value", "unit"} <= set(group.columns) else "")
            for line in group.index)
        differ = [c for c in group.columns
                  if c not in ignore and group[c].nunique(dropna=False) > 1]
        parts.append(f"{year}: {listed}" + (f" (differ in: {', '.join(differ)})" if differ else ""))
    return " | ".join(parts)
