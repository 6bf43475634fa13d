"""GPU demand: accelerator counts, shipments, purchases and revenue as FLOP/s at a named precision.

Every FLOP/s figure here is *peak* throughput at one stated precision, dense
unless ``sparse=True`` is asked for (NVIDIA's headline tensor figures assume
2:4 sparsity and are twice the dense ones: H100 SXM FP16 is 989 TFLOP/s dense,
1,979 sparse).  Frames carry ``precision`` and ``sparse`` columns, and nothing
here adds figures of different precisions.

Per-chip peaks come from ``data/accelerators.csv`` (one row per chip and
precision, with ``dense`` and ``sparse`` figures in TFLOPS, or TOPS for
integer formats, and their provenance).  Every function takes ``specs=``, that
table as a DataFrame; ``None`` loads it with :func:`forecast.data.load`.

H100-equivalents (H100e)
    FLOP/s of a fleet at the chosen precision (dense or sparse as chosen)
    divided by the FLOP/s of one H100 SXM at the same precision and sparsity.
    At dense FP16 one H100e is 989 TFLOP/s.  Epoch AI's chip counts define
    H100e as "units x the chip's 8-bit TOPS / 1,979" (epoch-research/
    ai-chip-counts, docs/schema.md), so Epoch's H100e and ours agree only for
    chips whose 8-bit to 16-bit ratio equals the H100's (in the spec table: H20
    FP8/FP16 296/148, H100/H200 1979/989, B200 4500/2250; A100 lists no 8-bit figure).

Oracles: the tests check hand arithmetic (24,000 H100 SXM at dense FP16 =
24,000 x 989e12 = 2.3736e19 FLOP/s) and the retirement boundaries below.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import DataError, ParameterError, UnknownNameError
from forecast.i18n import gettext as _
from forecast.units import check_precision, flops_per_unit

#: the chip one H100-equivalent stands for
H100E_REFERENCE = "h100-sxm"

#: Default service life in years.  Source: CAICT's device-side compute totals
#: sum the last six years of server shipments times average per-server peak
#: ("∑近六年(年服务器出货规模*当年服务器平均算力)", docs/sources.md caveat 2), so
#: six years makes a bottom-up stock comparable with the top-down series.
DEFAULT_SERVICE_LIFE = 6

#: Default utilisation: 1.0, i.e. installed *peak*, as CAICT and Epoch count it.
DEFAULT_UTILISATION = 1.0


def _specs(specs: pd.DataFrame | None) -> pd.DataFrame:
    if specs is not None:
        return specs
    from forecast.data import load  # lazy: the data layer validates the whole package

    return load("accelerators")


def accelerator_ids(specs: pd.DataFrame | None = None) -> list[str]:
    """The accelerator ids listed in the spec table, sorted."""
    return sorted(str(x) for x in _specs(specs)["id"].dropna().unique())


def peak_flops(accelerator: str, precision: str = "FP16", sparse: bool = False, *,
               specs: pd.DataFrame | None = None) -> float:
    """Peak FLOP/s (OP/s for INT8) of one ``accelerator`` at ``precision``.

    Parameters
    ----------
    accelerator : str
        An id of ``data/accelerators.csv`` (``"h100-sxm"``, ``"mi300x"`` ...).
    precision : str
        One of :data:`forecast.units.PRECISIONS` that the chip lists.
    sparse : bool
        ``True`` for the 2:4-sparsity figure; only where the table lists one.
    specs : DataFrame, optional
        The spec table; default ``forecast.data.load("accelerators")``.

    Raises
    ------
    UnknownNameError
        Unknown accelerator (lists the ids), or a precision the chip does not
        list (lists the precisions it does).
    UnitError
        ``precision`` is not a precision at all (``"FP17"``).
    ParameterError
        ``sparse=True`` where the chip lists no sparse figure at that precision.
    """
    table = _specs(specs)
    check_precision(precision)
    rows = table[table["id"] == accelerator]
    if rows.empty:
        raise UnknownNameError(accelerator, accelerator_ids(table), kind="accelerator")
    column = "sparse" if sparse else "dense"
    listed = rows[rows[column].notna()]
    row = listed[listed["precision"] == precision]
    if row.empty:
        if sparse and (rows["precision"] == precision).any():
            raise ParameterError(
                f"{accelerator} lists no sparse {precision} figure", name="sparse",
                expected="sparse=False, or a precision with a sparse figure: "
                         + (", ".join(sorted(listed["precision"].astype(str))) or "none"),
                value=True)
        kind = f"{'sparse' if sparse else 'dense'} precision for {accelerator}"
        raise UnknownNameError(precision, listed["precision"].astype(str), kind=kind)
    if len(row) > 1:
        raise DataError(f"{len(row)} rows for {accelerator} at {precision}",
                        path=table.attrs.get("path"), column="precision",
                        expected="one row per (id, precision)", value=precision)
    value, unit = float(row[column].iloc[0]), str(row["unit"].iloc[0])
    return value * flops_per_unit(unit)


def _line(frame: pd.DataFrame, position: int) -> int:
    """File line of the row at ``position``: the ``line`` index of a loaded dataset, else the
    line it would have in a CSV with a header (position + 2)."""
    if frame.index.name == "line":
        return int(frame.index[position])
    return position + 2


def _check_rows(frame: pd.DataFrame) -> None:
    """Raise DataError naming the file line of the first bad ``units`` value."""
    for i, units in enumerate(frame["units"]):
        try:
            _check_units(units)
        except ParameterError as err:
            raise DataError(err.reason, path=frame.attrs.get("path"), line=_line(frame, i),
                            column="units", expected="a non-negative number",
                            value=units) from None


def _check_units(units, name: str = "units") -> float:
    try:
        value = float(units)
    except (TypeError, ValueError):
        raise ParameterError("must be a number of units", name=name, value=units) from None
    if not math.isfinite(value) or value < 0:
        raise ParameterError("must be a finite, non-negative number of units",
                             name=name, expected=">= 0", value=units)
    return value


def fleet_flops(units: float, accelerator: str, precision: str = "FP16", sparse: bool = False,
                *, specs: pd.DataFrame | None = None) -> float:
    """Peak FLOP/s of ``units`` accelerators of one kind, at ``precision``.

    ``fleet_flops(24_000, "h100-sxm")`` is 24,000 x 989e12 = 2.3736e19 FLOP/s
    (23.7 EFLOPS, dense FP16); with ``sparse=True`` twice that.

    Raises
    ------
    ParameterError
        ``units`` negative, infinite or not a number.
    UnknownNameError, UnitError
        As :func:`peak_flops`.
    """
    count = _check_units(units)
    return count * peak_flops(accelerator, precision, sparse, specs=specs)


def h100_equivalents(flops, precision: str = "FP16", sparse: bool = False, *,
                     specs: pd.DataFrame | None = None):
    """``flops`` (FLOP/s at ``precision``) in H100 SXM equivalents at the same precision."""
    return flops / peak_flops(H100E_REFERENCE, precision, sparse, specs=specs)


# ---------------------------------------------------------------------------
# Installed base


def _periods(frame: pd.DataFrame) -> tuple[pd.Series, int]:
    """Integer period numbers (year, or 4*year + quarter - 1) and periods per year."""
    years = pd.to_numeric(frame["year"], errors="coerce")
    path = frame.attrs.get("path")
    if years.isna().any():
        bad = int(years.isna().to_numpy().argmax())
        raise DataError("year is missing or not a number", path=path, line=_line(frame, bad),
                        column="year", expected="a year such as 2024",
                        value=frame["year"].iloc[bad])
    quarter = (frame["quarter"] if "quarter" in frame.columns
               else pd.Series(pd.NA, index=frame.index))
    quarter = pd.to_numeric(quarter.astype("string").str.upper().str.lstrip("Q"), errors="coerce")
    if quarter.isna().all():
        return years.astype(int), 1
    if quarter.isna().any() or not quarter.isin([1, 2, 3, 4]).all():
        bad = int((quarter.isna() | ~quarter.isin([1, 2, 3, 4])).to_numpy().argmax())
        raise DataError("shipments mix annual and quarterly rows, or a quarter is not 1-4",
                        path=path, line=_line(frame, bad), column="quarter",
                        expected="all rows quarterly (1-4 or Q1-Q4) or all annual (empty)",
                        value=frame["quarter"].iloc[bad])
    return years.astype(int) * 4 + quarter.astype(int) - 1, 4


def _label(number: int, per_year: int):
    if per_year == 1:
        return int(number)
    return pd.Period(year=number // 4, quarter=number % 4 + 1, freq="Q")


def installed_base(shipments: pd.DataFrame, precision: str = "FP16", *,
                   service_life: int = DEFAULT_SERVICE_LIFE,
                   utilisation: float = DEFAULT_UTILISATION, sparse: bool = False,
                   end: int | pd.Period | None = None,
                   specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Installed compute stock by period and chip, from shipments.

    Retirement rule: a unit shipped in year ``Y`` is installed in years ``Y``
    to ``Y + service_life - 1`` and retired from ``Y + service_life``.  For
    quarterly shipments the life is ``4 * service_life`` quarters, counted
    from the quarter of shipment.

    Parameters
    ----------
    shipments : DataFrame
        Columns ``accelerator`` (spec-table id), ``year``, ``units`` and
        optionally ``quarter`` (1-4 or "Q1"-"Q4"; all rows or none).
        Several rows per chip and period are summed.
    precision : str
        Precision of every FLOP/s figure in the result.
    service_life : int
        Years a unit counts once shipped (default 6, CAICT's six-year window).
    utilisation : float
        Fraction of peak counted, in (0, 1]; 1 = installed peak.
    sparse : bool
        Use the 2:4-sparsity peaks.
    end : int or Period, optional
        Last period reported (default: the last shipment period); later
        periods show the fleet retiring.

    Returns
    -------
    DataFrame
        One row per (period, accelerator) from the first shipment to ``end``:
        ``period`` (int year or quarterly Period), ``accelerator``,
        ``shipped`` (units shipped in the period), ``units`` (installed),
        ``flops`` (installed FLOP/s x utilisation), ``h100e``, ``precision``,
        ``sparse``, ``service_life``, ``utilisation``.
    """
    if isinstance(service_life, bool) or not isinstance(service_life, (int, np.integer)) \
            or service_life < 1:
        raise ParameterError("must be a whole number of years >= 1", name="service_life",
                             value=service_life)
    if isinstance(utilisation, bool) or not (isinstance(utilisation, (int, float))
                                             and 0 < utilisation <= 1):
        raise ParameterError("must be a fraction in (0, 1]", name="utilisation",
                             value=utilisation)
    missing = {"accelerator", "year", "units"} - set(shipments.columns)
    if missing:
        raise DataError("shipments lack columns " + ", ".join(sorted(missing)),
                        expected="columns accelerator, year, units (and optionally quarter)")
    if shipments.empty:
        raise DataError("no shipments given", expected="at least one row")
    table = _specs(specs)
    frame = shipments
    _check_rows(frame)
    numbers, per_year = _periods(frame)
    chips = list(dict.fromkeys(str(x) for x in frame["accelerator"]))
    peaks = {chip: peak_flops(chip, precision, sparse, specs=table) for chip in chips}
    reference = peak_flops(H100E_REFERENCE, precision, sparse, specs=table)

    shipped = (pd.DataFrame({"n": numbers.to_numpy(),
                             "accelerator": frame["accelerator"].astype(str).to_numpy(),
                             "units": frame["units"].astype(float).to_numpy()})
               .groupby(["accelerator", "n"])["units"].sum())
    first, last = int(numbers.min()), int(numbers.max())
    if end is not None:
        if per_year == 1:
            last = int(end)
        else:
            quarter = pd.Period(end, freq="Q")
            last = quarter.year * 4 + quarter.quarter - 1
        if last < first:
            raise ParameterError("is before the first shipment", name="end",
                                 value=end, expected=f">= {_label(first, per_year)}")
    span = np.arange(first, last + 1)
    life = service_life * per_year
    rows = []
    for chip in chips:
        flow = shipped.loc[chip].reindex(span, fill_value=0.0).to_numpy()
        # stock[t] = shipments in periods t-life+1 .. t: a moving sum over `life` periods
        cumulative = np.concatenate([[0.0], np.cumsum(flow)])
        stock = cumulative[1:] - cumulative[np.maximum(np.arange(1, len(span) + 1) - life, 0)]
        for n, flow_n, stock_n in zip(span, flow, stock):
            flops = stock_n * peaks[chip] * utilisation
            rows.append((_label(n, per_year), chip, flow_n, stock_n, flops, flops / reference))
    result = pd.DataFrame(rows, columns=["period", "accelerator", "shipped", "units", "flops",
                                         "h100e"])
    result = result.assign(precision=precision, sparse=sparse, service_life=service_life,
                           utilisation=float(utilisation))
    result.attrs.update(precision=precision, sparse=sparse, unit="FLOP/s",
                        h100e=f"FLOP/s / {H100E_REFERENCE} {precision} "
                              f"{'sparse' if sparse else 'dense'} peak")
    return result.sort_values(["period", "accelerator"], ignore_index=True)


def stock_by_period(base: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`installed_base` over chips: ``period`` -> units, flops, h100e (one precision)."""
    precisions = base["precision"].unique()
    if len(precisions) != 1 or base["sparse"].nunique() != 1:
        raise DataError("cannot sum FLOP/s of different precisions or sparsity",
                        column="precision", expected="one precision",
                        value=sorted(map(str, precisions)))
    total = base.groupby("period", sort=True)[["shipped", "units", "flops", "h100e"]].sum()
    return total.assign(precision=precisions[0], sparse=bool(base["sparse"].iloc[0]))


# ---------------------------------------------------------------------------
# Purchases by buyer


def _resolve_chips(frame: pd.DataFrame, chip_map: Mapping[str, str] | None) -> pd.DataFrame:
    """Add ``accelerator`` (id) and ``accelerator_source`` ("data" or "assumption")."""
    chip_map = dict(chip_map or {})
    given = frame["accelerator"] if "accelerator" in frame.columns \
        else pd.Series(pd.NA, index=frame.index)
    given = given.astype("string").str.strip().replace("", pd.NA)
    mapped = frame["chip"].astype("string").map(chip_map) if "chip" in frame.columns \
        else pd.Series(pd.NA, index=frame.index)
    unresolved = given.isna() & mapped.isna()
    if unresolved.any():
        chips = sorted(set(frame.loc[unresolved, "chip"].astype(str))) if "chip" in frame \
            else ["(no chip column)"]
        raise DataError("rows without an accelerator id: chips " + ", ".join(map(repr, chips)),
                        path=frame.attrs.get("path"), column="accelerator",
                        expected="an id in the accelerator column, or chip_map={chip: id} "
                                 "stating the assumption")
    return frame.assign(
        accelerator=given.fillna(mapped).astype(str),
        accelerator_source=np.where(given.notna(), "data", "assumption"))


def purchases_flops(purchases: pd.DataFrame, precision: str = "FP16", *, sparse: bool = False,
                    chip_map: Mapping[str, str] | None = None,
                    specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """FLOP/s bought, row by row, from purchase counts (Omdia estimates, claims ...).

    Parameters
    ----------
    purchases : DataFrame
        Columns ``units`` and ``accelerator`` (id, may be empty) and, for rows
        without an id, ``chip`` (a name such as ``"Hopper"``); other columns
        (buyer, year, estimator, status ...) are kept.
    chip_map : mapping, optional
        ``{chip name: accelerator id}`` for rows without an id.  This is an
        assumption of the caller (e.g. Omdia's 2024 "Hopper" counts include
        the H20, with ~15% of an H100's FP16 peak), recorded per row as
        ``accelerator_source == "assumption"``.

    Returns
    -------
    DataFrame
        ``purchases`` plus ``accelerator``, ``accelerator_source``,
        ``flops`` (FLOP/s at ``precision``), ``h100e``, ``precision``, ``sparse``.

    Raises
    ------
    DataError
        A row has neither an id nor a mapped chip (the message lists the chips),
        or a negative unit count (names the line).
    """
    if "units" not in purchases.columns:
        raise DataError("purchases lack a units column", column="units",
                        expected="columns units and accelerator (or chip)")
    table = _specs(specs)
    _check_rows(purchases)
    frame = _resolve_chips(purchases, chip_map)
    peaks = {chip: peak_flops(chip, precision, sparse, specs=table)
             for chip in dict.fromkeys(frame["accelerator"])}
    result = frame.assign(flops=frame["units"].astype(float)
                          * frame["accelerator"].map(peaks).astype(float))
    result = result.assign(h100e=result["flops"] / peak_flops(H100E_REFERENCE, precision,
                                                                sparse, specs=table),
                           precision=precision, sparse=sparse)
    result.attrs.update(precision=precision, sparse=sparse, unit="FLOP/s")
    return result


# ---------------------------------------------------------------------------
# Revenue -> units


def networking_share(revenue: pd.DataFrame) -> pd.Series:
    """Reported networking share of data-center revenue, per row (NaN where not reported).

    ``networking_revenue / revenue`` from the NVIDIA revenue table (FY26 Q3:
    8.2 / 51.215 = 0.160).  Rows without a networking figure give NaN; the
    share is never filled in here.
    """
    if "networking_revenue" not in revenue.columns:
        return pd.Series(np.nan, index=revenue.index, name="networking_share")
    share = (pd.to_numeric(revenue["networking_revenue"], errors="coerce")
             / pd.to_numeric(revenue["revenue"], errors="coerce"))
    return share.rename("networking_share")


#: NVIDIA's fiscal year ends in late January: quarterly periods whose year ends in January.
FISCAL_QUARTER = "Q-JAN"


def revenue_series(revenue: pd.DataFrame) -> pd.Series:
    """NVIDIA Data Center revenue as one quarterly series, indexed by **fiscal** quarter.

    Parameters
    ----------
    revenue : pandas.DataFrame
        ``forecast.data.load("nvidia_datacenter_revenue")``: columns
        ``fiscal_year``, ``fiscal_quarter``, ``period_end`` and ``revenue`` (USD).

    Returns
    -------
    pandas.Series
        Revenue in USD per quarter, named "NVIDIA data-center revenue (USD)",
        indexed by a ``PeriodIndex`` of frequency :data:`FISCAL_QUARTER` named
        ``fiscal_quarter``: period ``2026Q4`` is fiscal 2026 Q4, November 2025
        to January 2026 (:func:`fiscal_labels` writes "FY2026 Q4").  The
        periods' start and end are calendar dates, so models and charts place
        each quarter at its calendar time.  Sorted by quarter.

    Raises
    ------
    DataError
        A column is missing, a quarter appears twice, or a row's ``period_end``
        falls outside its fiscal quarter (naming the file line).
    """
    path = revenue.attrs.get("path")
    for column in ("fiscal_year", "fiscal_quarter", "period_end", "revenue"):
        if column not in revenue.columns:
            raise DataError("NVIDIA revenue table lacks a column", path=path, column=column,
                            expected="load('nvidia_datacenter_revenue')")
    index = pd.PeriodIndex.from_fields(year=revenue["fiscal_year"].to_numpy(int),
                                       quarter=revenue["fiscal_quarter"].to_numpy(int),
                                       freq=FISCAL_QUARTER)
    # NVIDIA's 52/53-week quarters end on a Sunday near the month's end (FY2023 Q1 on
    # 2022-05-01): a period_end more than a week from its quarter's end is a wrong row
    ends = pd.to_datetime(revenue["period_end"]).to_numpy()
    month_end = (index.end_time.normalize()).to_numpy()
    outside = np.abs(ends - month_end) > np.timedelta64(7, "D")
    if outside.any():
        row = int(np.argmax(outside))
        raise DataError("period end does not match its fiscal quarter", path=path,
                        line=revenue.index[row], column="period_end",
                        expected=f"a date within a week of {index[row].end_time:%Y-%m-%d}, "
                                 f"the end of FY{index[row].qyear} Q{index[row].quarter}",
                        value=str(revenue["period_end"].iloc[row])[:10])
    if index.has_duplicates:
        row = int(np.argmax(index.duplicated()))
        raise DataError("a fiscal quarter appears twice", path=path, line=revenue.index[row],
                        column="fiscal_quarter", expected="one row per fiscal quarter",
                        value=str(index[row]))
    y = pd.Series(revenue["revenue"].to_numpy(dtype=float), index=index.rename("fiscal_quarter"),
                  name="NVIDIA data-center revenue (USD)")
    return y.sort_index()


def fiscal_labels(index: pd.PeriodIndex) -> pd.Index:
    """Fiscal quarters as text, "FY2026 Q4" (NVIDIA's own labelling), for tables."""
    return pd.Index(index.strftime("FY%F Q%q"), name=index.name)


def revenue_to_units(revenue: pd.DataFrame, *, asp: Mapping[str, float],
                     generation: str | Mapping[int, str], networking: float | None = None,
                     precision: str = "FP16", sparse: bool = False,
                     specs: pd.DataFrame | None = None,
                     missing_price: str = "raise") -> pd.DataFrame:
    """Implied accelerator units and FLOP/s from data-center revenue.  An *estimate*.

    ``units = revenue x (1 - networking share) / average selling price``, with
    the price of the generation sold in that period.

    There are no defaults for prices: the fact sheet has none, and a price is
    the whole answer here.  The networking share is taken from the table where
    the table reports networking revenue (status "reported"); elsewhere it is
    the caller's ``networking`` (status "assumption").

    Parameters
    ----------
    revenue : DataFrame
        Columns ``fiscal_year`` (int or "FY2024"), ``revenue`` (USD) and
        optionally ``networking_revenue`` (USD); other columns are kept.
    asp : mapping
        ``{accelerator id: USD per unit}``, the average selling price of each
        generation *as it enters data-center revenue* (a DGX/HGX system price
        per GPU, say).  Required; every generation used needs one.
    generation : str or mapping
        The accelerator sold: one id for every row, or ``{fiscal year: id}``
        (keys 2026, "2026" or "FY2026").
    networking : float, optional
        Networking share in [0, 1) for rows the table gives none.
    missing_price : {"raise", "nan"}
        What a generation without a price (absent from ``asp``, or NaN) does:
        raise (default), or give its rows NaN ``asp``, ``units``, ``flops``
        and ``h100e`` with status "no sourced price", so that no unit count
        is made up for them.

    Returns
    -------
    DataFrame
        ``revenue`` plus ``networking_share``, ``networking_source``
        ("reported" or "assumption"), ``compute_revenue``, ``accelerator``,
        ``asp``, ``units``, ``flops``, ``h100e``, ``precision``, ``sparse`` and
        ``status`` ("estimate", or "no sourced price").

    Raises
    ------
    ParameterError
        A fiscal year without a generation, a generation without a price
        (unless ``missing_price="nan"``), a non-positive price, or rows without
        a reported networking figure when ``networking`` is not given (the
        message lists the periods).
    """
    if missing_price not in ("raise", "nan"):
        raise ParameterError("must be 'raise' or 'nan'", name="missing_price",
                             value=missing_price)
    missing = {"fiscal_year", "revenue"} - set(revenue.columns)
    if missing:
        raise DataError("revenue lacks columns " + ", ".join(sorted(missing)),
                        path=revenue.attrs.get("path"),
                        expected="columns fiscal_year, revenue (USD), optionally "
                                 "fiscal_quarter and networking_revenue")
    table = _specs(specs)
    frame = revenue
    years = pd.to_numeric(frame["fiscal_year"].astype("string").str.upper().str.lstrip("FY"),
                          errors="coerce")
    if isinstance(generation, str):
        chips = pd.Series(generation, index=frame.index)
    else:
        # keys may be 2026, "2026" or "FY2026" (papermill passes dict keys as text)
        by_year = {}
        for key, chip in dict(generation).items():
            year = str(key).strip().upper().removeprefix("FY")
            if not year.isdigit():
                raise ParameterError(f"{key!r} is not a fiscal year", name="generation",
                                     expected="{fiscal year: accelerator id}", value=key)
            by_year[int(year)] = chip
        chips = years.map(by_year)
        if chips.isna().any():
            missing = sorted(set(int(y) for y in years[chips.isna()]))
            raise ParameterError("no generation for fiscal years " + ", ".join(map(str, missing)),
                                 name="generation", expected="{fiscal year: accelerator id}")
    prices = {}
    for chip in dict.fromkeys(chips):
        given = asp.get(chip)
        if missing_price == "nan" and (given is None or (isinstance(given, float)
                                                         and math.isnan(given))):
            continue  # no price: NaN units below, never a made-up count
        if chip not in asp:
            raise ParameterError(f"no average selling price for {chip!r}", name="asp",
                                 expected="{accelerator id: USD per unit} covering "
                                          + ", ".join(dict.fromkeys(chips)),
                                 value=dict(asp))
        price = asp[chip]
        if not (isinstance(price, (int, float)) and math.isfinite(price) and price > 0):
            raise ParameterError(f"price of {chip!r} must be a positive number of USD",
                                 name="asp", value=price)
        prices[chip] = float(price)

    share = networking_share(frame)
    source = pd.Series(np.where(share.notna(), "reported", "assumption"), index=frame.index)
    if share.isna().any():
        if networking is None:
            periods = frame.loc[share.isna(), ["fiscal_year", "fiscal_quarter"]] \
                if "fiscal_quarter" in frame else frame.loc[share.isna(), ["fiscal_year"]]
            listed = ", ".join(" ".join(map(str, row)) for row in periods.itertuples(index=False))
            raise ParameterError("no reported networking revenue for " + listed,
                                 name="networking", expected="a share in [0, 1) to assume")
        if not (isinstance(networking, (int, float)) and 0 <= networking < 1):
            raise ParameterError("must be a share in [0, 1)", name="networking",
                                 value=networking)
        share = share.fillna(float(networking))

    revenue_usd = pd.to_numeric(frame["revenue"], errors="coerce").astype(float)
    compute = revenue_usd * (1.0 - share)
    price = chips.map(prices).astype(float)
    units = compute / price
    peak = chips.map({c: peak_flops(c, precision, sparse, specs=table) for c in prices})
    reference = peak_flops(H100E_REFERENCE, precision, sparse, specs=table)
    result = frame.assign(networking_share=share, networking_source=source,
                          compute_revenue=compute, accelerator=chips, asp=price, units=units,
                          flops=units * peak.astype(float))
    status = np.where(price.notna(), "estimate", "no sourced price")
    result = result.assign(h100e=result["flops"] / reference, precision=precision,
                           sparse=sparse, status=status)
    result.attrs.update(precision=precision, sparse=sparse, unit="FLOP/s", status="estimate")
    return result


#: Price bases that stand for the selling price of a data-center GPU as it enters NVIDIA's
#: revenue: per-GPU shares of 8-GPU DGX systems, HGX products and baseboards (NVIDIA sells
#: DGX systems and HGX boards; single-card list prices are retail and are left out).
SYSTEM_BASES = ("per GPU: DGX 8-GPU system price / 8", "per GPU: HGX 8-GPU price / 8",
                "per GPU: 8-GPU baseboard price / 8")


def selling_prices(prices: pd.DataFrame, chips: Iterable[str], *,
                   given: Mapping[str, float] | None = None,
                   bases: Iterable[str] = SYSTEM_BASES) -> pd.DataFrame:
    """One average selling price per chip, with its source and status.

    A price given by the caller wins and is labelled "user assumption".
    Otherwise the price is the median of the chip's observations in
    ``prices`` whose ``basis`` is one of ``bases``: status "derived" (median
    of several rows) or the row's own status (a single row).  A chip with
    neither gets NaN and status "no sourced price"; no price is ever carried
    over from another chip.

    Parameters
    ----------
    prices : DataFrame
        ``forecast.data.load("hardware_prices")``: columns ``accelerator``,
        ``price`` (USD per GPU), ``unit``, ``basis``, ``price_date``,
        ``publisher``, ``document``, ``status``.
    chips : iterable of str
        Accelerator ids to price (duplicates are ignored; order kept).
    given : mapping, optional
        ``{accelerator id: USD per GPU}`` set by the caller.
    bases : iterable of str
        The ``basis`` values counted (default :data:`SYSTEM_BASES`).

    Returns
    -------
    DataFrame
        Indexed by ``accelerator``: ``price`` (USD per GPU, NaN when none),
        ``status``, ``source`` (publisher, document, dates and the lines of
        ``prices`` used), ``observations`` (rows used), ``low`` and ``high``
        (their range, USD).

    Raises
    ------
    DataError
        ``prices`` lacks a column, or holds a price in another currency.
    ParameterError
        A given price that is not a positive number.
    """
    needed = {"accelerator", "price", "unit", "basis", "price_date", "publisher",
              "document", "status"}
    missing = needed - set(prices.columns)
    if missing:
        raise DataError("prices lack columns " + ", ".join(sorted(missing)),
                        path=prices.attrs.get("path"),
                        expected="the hardware_prices dataset (forecast.data.load)")
    other = prices[prices["unit"] != "USD"]
    if not other.empty:
        raise DataError("price not in USD", path=prices.attrs.get("path"),
                        line=int(other.index[0]), column="unit", expected="USD",
                        value=other["unit"].iloc[0])
    given = dict(given or {})
    for chip, price in given.items():
        if isinstance(price, bool) or not (isinstance(price, (int, float))
                                           and math.isfinite(price) and price > 0):
            raise ParameterError(f"price of {chip!r} must be a positive number of USD",
                                 name="given", value=price)
    bases = list(bases)
    path = prices.attrs.get("path")
    file = Path(path).name if path else "prices"
    rows = []
    for chip in dict.fromkeys(chips):
        if chip in given:
            rows.append((chip, float(given[chip]), "user assumption",
                         _("given by the user (not in the data)"), 0, np.nan, np.nan))
            continue
        seen = prices[(prices["accelerator"] == chip) & prices["basis"].isin(bases)]
        if seen.empty:
            rows.append((chip, np.nan, "no sourced price",
                         _("no row of {file} for {chip} with basis in: {bases}").format(
                             file=file, chip=chip, bases="; ".join(bases)),
                         0, np.nan, np.nan))
            continue
        values = seen["price"].astype(float)
        dates = seen["price_date"].dt.strftime("%Y-%m-%d")
        lines = ", ".join(str(line) for line in seen.index)
        publishers = "; ".join(dict.fromkeys(seen["publisher"] + ", " + seen["document"]))
        if len(seen) == 1:
            status = str(seen["status"].iloc[0])
            source = _("{publishers}: {basis}, dated {date} ({file} line {lines})").format(
                publishers=publishers, basis=_(seen["basis"].iloc[0]), date=dates.iloc[0],
                file=file, lines=lines)
        else:
            status = "derived"
            source = _("{publishers}: median of {n} per-GPU prices dated {first} to {last} "
                       "({file} lines {lines})").format(
                publishers=publishers, n=len(seen), first=dates.min(), last=dates.max(),
                file=file, lines=lines)
        rows.append((chip, float(values.median()), status, source, len(seen),
                     float(values.min()), float(values.max())))
    return pd.DataFrame(rows, columns=["accelerator", "price", "status", "source",
                                       "observations", "low", "high"]).set_index("accelerator")
