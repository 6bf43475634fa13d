"""TOP500: per-list series derived from the per-system table, never typed in.

``data/top500.csv`` (dataset ``top500``) holds every system of every list
since June 1993, built from TOP500.org's spreadsheets by
``data/scripts/build_top500.py``.  This module turns it into one row per list
(sums, #1, #500, accelerated share) and per-country sums.

Units and precision: every FLOP/s figure here is **FP64**.  ``rmax`` columns
are *achieved* HPL (LINPACK) performance, ``rpeak`` columns the theoretical
*peak*; the two are different quantities and neither is an AI-precision
(FP16/FP8) figure.  The list is voluntary: it is the top of the stock, not a
census (hyperscaler AI clusters are mostly absent; China stopped submitting
its largest systems after about 2022).

>>> from forecast import top500
>>> per_list = top500.lists()
>>> float(per_list.set_index("list").at["1993-06", "sum_rmax"])   # FLOP/s, FP64 achieved
1122845000000.0
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from forecast import data
from forecast.errors import DataError

DATASET = "top500"

_CACHE: dict = {}  # data folder -> ((csv stat, descriptor stat), validated frame)

#: columns of :func:`lists`, with their unit; FLOP/s columns are FP64
LIST_COLUMNS = {
    "list": "YYYY-MM",
    "t": "decimal year (mid-month of the list)",
    "systems": "count",
    "sum_rmax": "FLOP/s, FP64 achieved (HPL)",
    "sum_rpeak": "FLOP/s, FP64 peak",
    "no1_rmax": "FLOP/s, FP64 achieved (HPL)",
    "no1_name": "text",
    "no1_country": "text",
    "no500_rmax": "FLOP/s, FP64 achieved (HPL)",
    "accelerated_systems": "count (empty before 2011-06: no accelerator field)",
    "accelerated_share": "fraction of systems (empty before 2011-06)",
    "accelerated_rmax_share": "fraction of sum_rmax (empty before 2011-06)",
    "precision": "FP64",
}


def systems(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The validated per-system table (``forecast.load("top500")``).

    Columns ``list`` (YYYY-MM), ``rank``, ``name``, ``computer``, ``site``,
    ``manufacturer``, ``country``, ``year`` (installed), ``cores``, ``rmax``
    and ``rpeak`` (FLOP/s, FP64 achieved and peak), ``precision`` (FP64),
    ``power_kw``, ``accelerator`` ('none', a name, or NaN where the list had
    no accelerator field), ``segment`` and the provenance columns.
    """
    folder = data.resolve_data_dir(data_dir).resolve()
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None
                  for p in (folder / f"{DATASET}.csv", folder / data.DESCRIPTOR))
    cached = _CACHE.get(folder)
    if cached is None or cached[0] != stamp:
        # validating 33,500 rows takes about 2 s; reuse the frame until either file changes
        cached = _CACHE[folder] = (stamp, data.load(DATASET, folder))
    return cached[1].copy()


def _check(df: pd.DataFrame) -> pd.DataFrame:
    missing = {"list", "rank", "country", "rmax", "rpeak", "accelerator"} - set(df.columns)
    if missing:
        raise DataError("not a TOP500 per-system table", path=df.attrs.get("path"),
                        column=sorted(missing)[0],
                        expected="a frame from forecast.top500.systems()")
    if "precision" in df.columns and set(df["precision"].dropna()) - {"FP64"}:
        raise DataError("TOP500 rows must be FP64", path=df.attrs.get("path"),
                        column="precision", expected="FP64",
                        value=sorted(set(df["precision"].dropna()) - {"FP64"}))
    return df


def list_time(list_dates: pd.Series | list[str]) -> np.ndarray:
    """Decimal years of ``YYYY-MM`` list dates, at mid-month: 1993-06 -> 1993.458.

    June lists are released at ISC (June), November lists at SC (November), so
    consecutive lists are 5 and 7 months apart, not exactly half a year.
    """
    parts = pd.Series(list(list_dates), dtype="str").str.split("-", expand=True).astype(int)
    return (parts[0] + (parts[1] - 0.5) / 12).to_numpy(dtype=float)


def _accelerated(df: pd.DataFrame) -> pd.Series:
    """True for accelerated systems, False for 'none', NA where the list had no such field."""
    name = df["accelerator"]
    return name.notna().where(name.isna(), name != "none").where(name.notna(), pd.NA)


def lists(df: pd.DataFrame | None = None, *, data_dir: str | os.PathLike | None = None
          ) -> pd.DataFrame:
    """One row per TOP500 list: sums, #1, #500 and accelerated share.

    Parameters
    ----------
    df : DataFrame, optional
        A per-system table (default :func:`systems`); a subset (e.g. one
        country) gives that subset's series, with ``no500_rmax`` then meaning
        the lowest Rmax of the subset.

    Returns
    -------
    DataFrame
        Columns :data:`LIST_COLUMNS`, one row per list in date order (0-based
        index).  FLOP/s columns are FP64: ``sum_rmax``, ``no1_rmax`` and
        ``no500_rmax`` achieved (HPL), ``sum_rpeak`` peak.  ``no500_rmax`` is
        the Rmax of the lowest-ranked system (rank 500 on a full list).
        Accelerated shares are NaN for lists without an accelerator field
        (before 2011-06), never 0.  ``attrs``: ``unit`` ("FLOP/s"),
        ``precision`` ("FP64"), ``columns`` (units of each column) and
        ``provenance`` (publisher, document, url per list).
    """
    df = _check(systems(data_dir) if df is None else df)
    if df.empty:
        raise DataError("no TOP500 system to summarise", path=df.attrs.get("path"),
                        expected="at least one row")
    ordered = df.sort_values(["list", "rank"], kind="stable")
    accelerated = _accelerated(ordered)
    frame = ordered.assign(_acc=accelerated.fillna(False).astype(bool),
                           _known=accelerated.notna(),
                           _acc_rmax=ordered["rmax"].where(accelerated.fillna(False).astype(bool),
                                                           0.0))
    grouped = frame.groupby("list", sort=True)
    first, last = grouped.head(1).set_index("list"), grouped.tail(1).set_index("list")
    out = pd.DataFrame({
        "systems": grouped.size(),
        "sum_rmax": grouped["rmax"].sum(),
        "sum_rpeak": grouped["rpeak"].sum(),
        "no1_rmax": first["rmax"],
        # lists before 2011-11 have no Name column: the system description stands in
        "no1_name": (first["name"].fillna(first["computer"]) if "computer" in first.columns
                     else first["name"]),
        "no1_country": first["country"],
        "no500_rmax": last["rmax"],
        "accelerated_systems": grouped["_acc"].sum().astype(float),
        "_known": grouped["_known"].all(),
        "_acc_rmax": grouped["_acc_rmax"].sum(),
    })
    known = out.pop("_known")
    acc_rmax = out.pop("_acc_rmax")
    out["accelerated_systems"] = out["accelerated_systems"].where(known)
    out["accelerated_share"] = out["accelerated_systems"] / out["systems"]
    out["accelerated_rmax_share"] = (acc_rmax / out["sum_rmax"]).where(known)
    out["precision"] = "FP64"
    out = out.reset_index()
    out.insert(1, "t", list_time(out["list"]))
    out = out[list(LIST_COLUMNS)]
    out.attrs.update(unit="FLOP/s", precision="FP64", columns=dict(LIST_COLUMNS),
                     provenance=_provenance(ordered))
    return out


def by_country(df: pd.DataFrame | None = None, *, data_dir: str | os.PathLike | None = None
               ) -> pd.DataFrame:
    """Systems and FP64 FLOP/s per list and country (long format).

    Returns
    -------
    DataFrame
        Columns ``list``, ``t``, ``country``, ``systems``, ``sum_rmax``
        (FLOP/s, FP64 achieved), ``sum_rpeak`` (FLOP/s, FP64 peak),
        ``share_rmax`` (fraction of the list's sum of Rmax), sorted by list
        and descending ``sum_rmax``.  A country absent from a list has no row
        (not a zero).  China's fall after 2022 reflects systems no longer
        submitted, not systems retired.
    """
    df = _check(systems(data_dir) if df is None else df)
    grouped = df.groupby(["list", "country"], sort=True)
    out = pd.DataFrame({"systems": grouped.size(), "sum_rmax": grouped["rmax"].sum(),
                        "sum_rpeak": grouped["rpeak"].sum()}).reset_index()
    totals = df.groupby("list")["rmax"].sum()
    out["share_rmax"] = out["sum_rmax"] / out["list"].map(totals)
    out.insert(1, "t", list_time(out["list"]))
    out = out.sort_values(["list", "sum_rmax"], ascending=[True, False], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(unit="FLOP/s", precision="FP64")
    return out


def country_table(df: pd.DataFrame | None = None, *, countries=None, value: str = "sum_rmax",
                  data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Wide table: one row per list, one column per country, of ``value``.

    ``countries`` (list of TOP500 country names, e.g. ``["United States",
    "China"]``) keeps those columns, with 0 where a country had no system on a
    list; default all countries.  ``value`` is ``sum_rmax``, ``sum_rpeak``,
    ``systems`` or ``share_rmax``.
    """
    long = by_country(df, data_dir=data_dir)
    if value not in ("sum_rmax", "sum_rpeak", "systems", "share_rmax"):
        raise DataError(f"unknown value {value!r}", column=value,
                        expected="sum_rmax, sum_rpeak, systems or share_rmax")
    wide = long.pivot(index="list", columns="country", values=value).fillna(0)
    if countries is not None:
        unknown = [c for c in countries if c not in wide.columns]
        if unknown:
            raise DataError("country never on a TOP500 list", column="country",
                            expected="a TOP500 country name such as 'United States'",
                            value=unknown)
        wide = wide[list(countries)]
    wide.columns.name = None
    wide.attrs.update(unit="FLOP/s" if value.startswith("sum_") else None, precision="FP64",
                      value=value)
    return wide


def series(column: str = "sum_rmax", per_list: pd.DataFrame | None = None) -> pd.Series:
    """One column of :func:`lists` as a Series indexed by decimal year ``t``.

    ``attrs`` carry ``unit``, ``precision`` (FP64), ``kind`` (achieved or peak)
    and ``lists`` (the YYYY-MM labels), so a model fit on it keeps its units.
    """
    per_list = lists() if per_list is None else per_list
    kinds = {"sum_rmax": "achieved", "no1_rmax": "achieved", "no500_rmax": "achieved",
             "sum_rpeak": "peak"}
    if column not in kinds:
        raise DataError(f"not a FLOP/s column of the per-list table: {column!r}", column=column,
                        expected="one of " + ", ".join(kinds))
    result = pd.Series(per_list[column].to_numpy(dtype=float),
                       index=pd.Index(per_list["t"].to_numpy(dtype=float), name="t"), name=column)
    result.attrs.update(unit="FLOP/s", precision="FP64", kind=kinds[column],
                        lists=per_list["list"].tolist())
    return result


def _provenance(df: pd.DataFrame) -> list[dict]:
    columns = [c for c in ("list", "publisher", "document", "url") if c in df.columns]
    unique = df[columns].drop_duplicates()
    return [{k: ("" if pd.isna(v) else str(v)) for k, v in row.items()}
            for row in unique.to_dict("records")]
