"""The headline table: the forecast figures a notebook stands behind, in one shape.

Every notebook that forecasts writes ``<output_dir>/tables/headline_<notebook>.csv``
with the columns :data:`COLUMNS`, one row per (target, quantity, year, model,
level).  The runner appends these tables to the forecast history
(:mod:`forecast.history`), so runs made months apart compare like with like.
This module is the one definition of that shape: writers build their rows with
:func:`table`, readers check a file with :func:`validate`.

Columns
    ``target``      what is forecast, in words ("global compute").
    ``scope``       the ``scope`` of the data rows (global, china-device, ...).
    ``component``   total, basic, intelligent, supercomputing, ...
    ``precision``   FP16, FP32, FP64, mixed (a publisher's sum over precisions).
    ``year``        the forecast year (whole number).
    ``model``       the model or scenario that made the figure.
    ``median``      the median of the forecast distribution, in ``unit``.
    ``mean``        its mean, in ``unit``.
    ``lower``, ``upper``  the central interval of coverage ``level``, in ``unit``.
    ``level``       the nominal coverage of ``[lower, upper]``, in (0, 1): 0.8, 0.9.
    ``unit``        FLOP/s, USD, ...

``median`` and ``mean`` are both given because they differ for skewed
forecasts.  For a model fitted on the log scale, with log-scale forecast
``Normal(mu, sigma)``: ``median = exp(mu)`` and ``mean = exp(mu + sigma**2 / 2)``
(:func:`lognormal_mean`).  For a model with additive symmetric errors they are
equal.  For a Monte Carlo they are the sample median and sample mean.

>>> frame = table([{"target": "global compute", "scope": "global", "component": "total",
...                 "precision": "mixed", "year": 2030, "model": "cagr",
...                 "median": 1.64e22, "mean": 1.8e22, "lower": 8e21, "upper": 3.3e22,
...                 "level": 0.8, "unit": "FLOP/s"}])
>>> list(frame.columns) == list(COLUMNS)
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from forecast.errors import DataError

#: The columns of every ``tables/headline_<notebook>.csv``, in order.
COLUMNS = ("target", "scope", "component", "precision", "year", "model", "median", "mean",
           "lower", "upper", "level", "unit")
#: Text columns; each cell must be non-empty.
TEXT_COLUMNS = ("target", "scope", "component", "precision", "model", "unit")
#: Columns in ``unit``; each cell must be a finite number.
VALUE_COLUMNS = ("median", "mean", "lower", "upper")
#: Columns that identify one figure: no two rows may share them.
KEY_COLUMNS = ("target", "scope", "component", "precision", "year", "model", "level")
#: File name of a notebook's headline table inside ``<output_dir>/tables/``.
FILE_PATTERN = "headline_{notebook}.csv"


def lognormal_mean(median, sigma):
    """The mean of a lognormal forecast from its median and log-scale standard deviation.

    Parameters
    ----------
    median : float or array
        ``exp(mu)``, in the unit of the forecast (> 0).
    sigma : float or array
        Standard deviation of the forecast on the natural-log scale (>= 0).

    Returns
    -------
    float or numpy.ndarray
        ``median * exp(sigma**2 / 2)`` = ``exp(mu + sigma**2 / 2)``, same unit as ``median``.

    >>> round(lognormal_mean(100.0, 0.5), 4)
    113.3148
    """
    import numpy as np  # here, not at import: the sweep reads COLUMNS without pandas or numpy

    result = np.asarray(median, dtype=float) * np.exp(np.asarray(sigma, dtype=float) ** 2 / 2)
    return float(result) if result.ndim == 0 else result


def table(rows: Iterable[Mapping] | pd.DataFrame) -> pd.DataFrame:
    """Build a headline table from rows (mappings with exactly :data:`COLUMNS` as keys).

    Parameters
    ----------
    rows : iterable of mappings, or a DataFrame
        One mapping per figure.  A DataFrame must have exactly the columns
        :data:`COLUMNS` (any order).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` in order; ``year`` int64, the value columns and
        ``level`` float64, text columns as str; a plain RangeIndex.  An empty
        ``rows`` gives an empty table with those columns.

    Raises
    ------
    DataError
        As :func:`validate`: a missing or unknown column, an empty text cell, a
        year that is not whole, a non-finite value, ``lower <= median <= upper``
        broken, a level outside (0, 1), or two rows for the same figure.
    """
    import pandas as pd

    if isinstance(rows, pd.DataFrame):
        frame = rows.reset_index(drop=True)
    else:
        records = [dict(r) for r in rows]
        for number, record in enumerate(records):
            _check_columns(record.keys(), None, row=number)
        frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    return validate(frame)


def validate(frame: pd.DataFrame, *, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Check a headline table and return it typed and in column order.

    Parameters
    ----------
    frame : pandas.DataFrame
        A headline table, e.g. ``pd.read_csv(path)``.
    path : path, optional
        The file it was read from; errors then name the file and its 1-based
        line (header = line 1) instead of the row number.

    Raises
    ------
    DataError
        Naming the file (or row), the column, what was expected and what was found.
    """
    import numpy as np
    import pandas as pd

    _check_columns(frame.columns, path)
    frame = frame.reset_index(drop=True)
    out = {}
    for column in TEXT_COLUMNS:
        values = frame[column]
        bad = values.isna() | (values.astype(str).str.strip() == "")
        _fail_first(bad, path, column, "a non-empty text", values)
        out[column] = values.astype(str)
    years = pd.to_numeric(frame["year"], errors="coerce")
    whole = years.notna() & np.isfinite(years) & (years == years.round())
    _fail_first(~whole, path, "year", "a whole year such as 2030", frame["year"])
    out["year"] = years.astype("int64")
    for column in (*VALUE_COLUMNS, "level"):
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        _fail_first(~np.isfinite(values), path, column, "a finite number", frame[column])
        out[column] = values
    level = out["level"]
    _fail_first((level <= 0) | (level >= 1), path, "level",
                "a coverage strictly between 0 and 1 (e.g. 0.8)", level)
    lower, median, upper = out["lower"], out["median"], out["upper"]
    _fail_first(lower > median, path, "lower", "lower <= median", lower)
    _fail_first(median > upper, path, "upper", "median <= upper", upper)
    result = pd.DataFrame({c: out[c] for c in COLUMNS})
    clash = result.duplicated(subset=list(KEY_COLUMNS), keep="first")
    _fail_first(clash, path, "model",
                "one row per (" + ", ".join(KEY_COLUMNS) + ")", result["model"],
                message="the same figure is given twice")
    return result


def _check_columns(columns: Iterable, path, row: int | None = None) -> None:
    columns = list(columns)
    what = f"headline row {row}" if row is not None else "headline table"
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise DataError(f"{what} lacks a column", path=path, column=missing[0],
                        expected=f"columns {list(COLUMNS)}")
    extra = [c for c in columns if c not in COLUMNS]
    if extra:
        raise DataError(f"{what} has a column outside the schema", path=path,
                        column=str(extra[0]), expected=f"only the columns {list(COLUMNS)}")


def _fail_first(bad: pd.Series, path, column: str, expected: str, values: pd.Series,
                message: str = "bad headline value") -> None:
    """Raise DataError for the first True of ``bad``: file line when ``path``, else row."""
    bad = bad.fillna(True).to_numpy(dtype=bool)
    if not bad.any():
        return
    i = int(bad.argmax())
    value = values.iloc[i]
    value = value.item() if hasattr(value, "item") else value
    if path is not None:
        raise DataError(message, path=path, line=i + 2, column=column, expected=expected,
                        value=value)
    raise DataError(f"{message} in row {i}", column=column, expected=expected, value=value)
