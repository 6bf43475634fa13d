"""Forecast vintages: how published forecasts (and our own runs) compared with what happened.

Published vintages
    Each edition of a forecaster's report states a few figures for one quantity
    (a scope, a component and a precision): the latest actual it knew, perhaps
    an estimate, and one or more targets.  :func:`implied_paths` turns every
    edition into the path it implies, compounding at a constant rate between
    consecutive stated points, so the path hits every stated value exactly.
    :func:`compare` sets the path beside actuals published later, like for like
    (same scope, component and precision), and :func:`closest` ranks publishers.

    How a path is anchored (its *base*), in order of preference:

    1. the edition's own latest actual before its first target (an estimate
       only when it states no actual); later estimates of the edition are
       stated points of the path;
    2. the publisher's own latest actual for that quantity published on or
       before the edition (e.g. from ``global_compute``): what it knew;
    3. a stated CAGR with a target: the target discounted at that rate to
       ``cagr_from``;
    4. otherwise the edition gives only a target: it is kept as a single point
       (``how = "target only"``), drawn and compared where an actual exists
       for the target year, but no path is invented for it.

    A CAGR stated without a target value is compounded from the base when the
    base year is its ``cagr_from``.  A target stated as a multiple (unit ``x``:
    "AI compute x500 by 2030") is taken as a multiple of the base and placed
    only when there is one; forecasts that imply no FLOP/s figure are listed in
    the ``skipped`` table with the reason, never dropped in silence.

Our own vintages (the history of this project's runs) are in :mod:`forecast.history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from forecast.data import partial_date
from forecast.errors import DataError
from forecast.i18n import gettext as _
from forecast.units import format_flops

#: What makes two figures the same quantity (never compare across these).
KEYS = ("scope", "component", "precision")
#: Identifies one edition of one forecaster's report.
EDITION = ("publisher", "edition", "published")
#: Units meaning "a multiple of a base" in compute_forecasts.
MULTIPLE_UNITS = ("x",)
#: Columns ``compute_forecasts`` must have for :func:`implied_paths`.
FORECAST_COLUMNS = (*EDITION, "document", *KEYS, "year", "kind", "value", "unit", "bound",
                    "stated_cagr", "cagr_from", "cagr_to", "flops")
#: Columns of the ``paths`` frame of :func:`implied_paths`.
PATH_COLUMNS = (*EDITION, "document", *KEYS, "year", "flops", "point", "bound", "base_year",
                "segment_cagr", "stated_cagr", "how", "base_status")
#: Columns of the frame of :func:`actuals`.
ACTUAL_COLUMNS = (*KEYS, "year", "flops", "publisher", "document", "published", "status",
                  "origin")


class _Point(NamedTuple):
    year: int
    flops: float
    point: str  # base | stated | from CAGR | from multiple
    bound: str  # point | lower
    stated_cagr: float


#: Which figure an edition's path keeps when it states two for one year.
_PRIORITY = {"base": -1, "stated": 0, "from CAGR": 1, "from multiple": 2}


def _require(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what} lacks columns {missing}", path=df.attrs.get("path"),
                        column=missing[0], expected=f"columns {list(columns)}")


def _number(value) -> float:
    """A cell as float: NaN for empty cells (NaN, NA, None) and text."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _same_quantity(frame: pd.DataFrame, ident: Mapping) -> pd.Series:
    return ((frame["scope"] == ident["scope"]) & (frame["component"] == ident["component"])
            & (frame["precision"] == ident["precision"])).fillna(False).astype(bool)


def actuals(forecasts: pd.DataFrame, observed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every actual figure available as a base or for comparison, with its source.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        ``forecast.data.load("compute_forecasts")``; its ``kind == "actual"``
        rows with a FLOP/s value (the actuals each edition reports) are used.
    observed : pandas.DataFrame, optional
        ``forecast.data.load("global_compute")``: rows that are full-year
        (``point == "year"``) point figures (``bound == "point"``) are used;
        mid-year figures and "more than" bounds are not actuals of a year.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ACTUAL_COLUMNS`: the quantity, ``year``, ``flops``
        (FLOP/s), ``publisher``, ``document``, ``published``, ``status`` and
        ``origin`` (the dataset name).
    """
    _require(forecasts, (*KEYS, "year", "kind", "flops", "publisher", "document", "published"),
             "compute_forecasts")
    frames = [(forecasts[(forecasts["kind"] == "actual") & forecasts["flops"].notna()],
               forecasts.attrs.get("name", "compute_forecasts"))]
    if observed is not None:
        _require(observed, (*KEYS, "year", "flops", "publisher", "document", "published"),
                 observed.attrs.get("name", "observed"))
        keep = observed["flops"].notna()
        if "point" in observed.columns:
            keep &= observed["point"] == "year"
        if "bound" in observed.columns:
            keep &= observed["bound"] == "point"
        frames.append((observed[keep.fillna(False).astype(bool)],
                       observed.attrs.get("name", "observed")))
    parts = [pd.DataFrame({
        **{k: frame[k].to_numpy(object) for k in KEYS},
        "year": frame["year"].to_numpy(int), "flops": frame["flops"].to_numpy(float),
        **{k: frame[k].to_numpy(object) for k in ("publisher", "document", "published")},
        "status": frame["status"].to_numpy(object) if "status" in frame else None,
        "origin": origin}) for frame, origin in frames]
    out = pd.concat(parts, ignore_index=True)
    # the same figure from the same document may sit in both datasets
    return out.drop_duplicates(subset=[*KEYS, "year", "flops", "publisher", "document"],
                               ignore_index=True)


def implied_paths(forecasts: pd.DataFrame, actual: pd.DataFrame | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The path every edition in ``compute_forecasts`` implies, one row per year.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        ``forecast.data.load("compute_forecasts")``, columns
        :data:`FORECAST_COLUMNS`: kind is actual | estimate | forecast, bound
        point | lower, ``stated_cagr`` a fraction per year (0.65 = 65%/yr)
        from ``cagr_from`` to ``cagr_to``, ``flops`` the value in FLOP/s (NaN for
        multiples and growth-only rows).
    actual : pandas.DataFrame, optional
        :func:`actuals`, for bases an edition does not restate (anchor 2 in
        the module docstring).

    Returns
    -------
    paths : pandas.DataFrame
        Columns :data:`PATH_COLUMNS`, one row per edition, quantity and year from
        the base year to the last target: ``flops`` (FLOP/s); ``point``
        (``"base"``; ``"stated"`` for a figure the edition states; ``"from CAGR"``
        for a target compounded from a stated CAGR; ``"from multiple"`` for a
        multiple of the base; ``"interpolated"`` between them); ``bound`` of
        the target the segment leads to; ``base_year`` (NA for target-only
        editions); ``segment_cagr`` (fraction per year of the
        segment ending that year); ``stated_cagr``; ``how`` the base was found
        (``"edition actual"``, ``"edition estimate"``, ``"earlier actual of the
        publisher"``, ``"stated CAGR"``, ``"target only"``); ``base_status``
        (status of the base figure, e.g. ``recalled``).
    skipped : pandas.DataFrame
        Forecast rows that imply no FLOP/s figure: the edition and quantity
        columns, ``year``, ``value``, ``unit`` and ``reason``.
    """
    _require(forecasts, FORECAST_COLUMNS, "compute_forecasts")
    rows, skipped = [], []
    for key, group in forecasts.groupby([*EDITION, "document", *KEYS], sort=True, dropna=False):
        ident = dict(zip((*EDITION, "document", *KEYS), key))
        targets = group[group["kind"] == "forecast"].sort_values("year", kind="stable")
        if targets.empty:
            continue
        base, how, status = _base(ident, group, int(targets["year"].min()), actual)
        points = [base] if base else []
        known = group[(group["kind"] == "estimate") & group["flops"].notna()]
        if base:  # estimates between the base and the first target are stated points
            points += [_Point(int(r.year), float(r.flops), "stated", "point", float("nan"))
                       for r in known.itertuples() if base.year < r.year < targets["year"].min()]
        for target in targets.itertuples():
            point, reason = _target(target, base)
            if point is None:
                skipped.append({**ident, "year": int(target.year), "value": target.value,
                                "unit": target.unit, "reason": reason})
            else:
                points.append(point)
        points, dropped = _one_per_year(points)
        skipped += [{**ident, "year": lost.year, "value": lost.flops, "unit": "FLOP/s",
                     "reason": f"the edition also gives {kept.flops:.4g} FLOP/s ({kept.point}) "
                               f"for {kept.year}, which the path keeps"}
                    for lost, kept in dropped]
        stated = [p for p in points if p.point != "base"]
        if not stated:
            continue
        if base is None:
            first = stated[0]
            start = _number(targets.loc[targets["year"] == first.year, "cagr_from"].iloc[0])
            if np.isfinite(first.stated_cagr) and np.isfinite(start) and start < first.year:
                flops = first.flops / (1 + first.stated_cagr) ** (first.year - start)
                base = _Point(int(start), flops, "base", "point", float("nan"))
                points.insert(0, base)
                how, status = "stated CAGR", targets["status"].iloc[0]
            else:
                how = "target only"
        points.sort(key=lambda p: p.year)
        rows.extend(_interpolate({**ident, "how": how, "base_status": status}, points,
                                 base.year if base else pd.NA))
    paths = pd.DataFrame.from_records(rows, columns=list(PATH_COLUMNS))
    paths["year"] = paths["year"].astype(int)
    paths["base_year"] = paths["base_year"].astype("Int64")
    skipped_frame = pd.DataFrame.from_records(
        skipped, columns=[*EDITION, "document", *KEYS, "year", "value", "unit", "reason"])
    return paths, skipped_frame


def _one_per_year(points: list[_Point]) -> tuple[list[_Point], list[tuple[_Point, _Point]]]:
    """Keep one point per year (e.g. "x10" and "3.3 ZFLOPS" for 2030: the stated figure).

    Returns the kept points and (dropped, kept) pairs.
    """
    kept, dropped = {}, []
    for point in points:
        other = kept.get(point.year)
        if other is None:
            kept[point.year] = point
        elif _PRIORITY[point.point] < _PRIORITY[other.point]:
            kept[point.year] = point
            dropped.append((other, point))
        else:
            dropped.append((point, other))
    return list(kept.values()), dropped


def _base(ident: Mapping, group: pd.DataFrame, first_target: int, actual: pd.DataFrame | None):
    """The base point of an edition's path: (point or None, how, status of the figure)."""
    known = group[group["kind"].isin(["actual", "estimate"]) & group["flops"].notna()
                  & (group["year"] < first_target)]
    own = known[known["kind"] == "actual"]
    own = own if not own.empty else known
    if not own.empty:
        row = own.sort_values("year").iloc[-1]
        return (_Point(int(row["year"]), float(row["flops"]), "base", "point", float("nan")),
                f"edition {row['kind']}", row.get("status"))
    if actual is not None and not actual.empty:
        when = partial_date(ident["published"])
        before = actual[_same_quantity(actual, ident) & (actual["publisher"] == ident["publisher"])
                        & (actual["year"] < first_target)]
        before = before[[partial_date(p) <= when for p in before["published"]]]
        if not before.empty:
            row = before.assign(_when=[partial_date(p) for p in before["published"]]) \
                .sort_values(["year", "_when"]).iloc[-1]
            return (_Point(int(row["year"]), float(row["flops"]), "base", "point", float("nan")),
                    "earlier actual of the publisher", row["status"])
    return None, None, None


def _target(target, base: _Point | None) -> tuple[_Point | None, str]:
    """One forecast row as a path point, or (None, why it implies no FLOP/s figure)."""
    year, cagr = int(target.year), _number(target.stated_cagr)
    bound = target.bound if isinstance(target.bound, str) else "point"
    if np.isfinite(_number(target.flops)):
        return _Point(year, float(target.flops), "stated", bound, cagr), ""
    value = _number(target.value)
    if str(target.unit).strip().lower() in MULTIPLE_UNITS:
        if base is None or not np.isfinite(value):
            return None, "a multiple of a base that neither the edition nor earlier data states"
        return _Point(year, base.flops * value, "from multiple", bound, cagr), ""
    start, end = _number(target.cagr_from), _number(target.cagr_to)
    if np.isfinite(cagr) and np.isfinite(end):
        if base is not None and base.year == start:
            return _Point(int(end), base.flops * (1 + cagr) ** (end - start), "from CAGR", bound,
                          cagr), ""
        return None, (f"a growth rate of {cagr:.1%}/yr from {int(start)}, a year whose value "
                      "neither the edition nor earlier data states"
                      if np.isfinite(start) else f"a growth rate of {cagr:.1%}/yr without a start")
    return None, "no FLOP/s value, multiple or growth rate"


def _interpolate(ident: dict, points: list[_Point], base_year) -> list[dict]:
    """Path rows through ``points``, at a constant rate between consecutive points."""
    def row(year, flops, point, bound, rate, cagr):
        return {**ident, "year": year, "flops": flops, "point": point, "bound": bound,
                "base_year": base_year, "segment_cagr": rate, "stated_cagr": cagr}

    if ident["how"] == "target only":
        return [row(p.year, p.flops, p.point, p.bound, float("nan"), p.stated_cagr)
                for p in points]
    rows = [row(points[0].year, points[0].flops, "base", "point", float("nan"), float("nan"))]
    for start, end in zip(points, points[1:]):
        rate = (end.flops / start.flops) ** (1.0 / (end.year - start.year)) - 1.0
        for year in range(start.year + 1, end.year + 1):
            # the stated value itself at the end, not the compounded float
            flops = (end.flops if year == end.year
                     else start.flops * (1 + rate) ** (year - start.year))
            rows.append(row(year, flops, end.point if year == end.year else "interpolated",
                            end.bound, rate, end.stated_cagr))
    return rows


def compare(paths: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Set every forecast path beside the actuals that came after it, like for like.

    For each path year after the edition's base year (or the target year of a
    target-only edition), the candidates are the :func:`actuals` for the same
    scope, component and precision and year, published on or after the edition
    (publication dates are often only a year) in another document.  The
    forecaster's own figure is preferred (its method is the one it forecast),
    then the most recently published.  ``alternatives`` counts the other
    candidates, so a conflict between sources is visible, not resolved in silence.

    Beside each point stands the **constant-growth benchmark** the edition could have
    written itself: the base compounded at the CAGR from the earliest figure
    for the same quantity published by then (the publisher's own first) to the
    base, the published-forecast twin of the ``cagr`` model in the backtest.

    Returns
    -------
    pandas.DataFrame
        One row per (edition, quantity, year) with an actual: the edition and
        quantity columns, ``how``, ``year``, ``horizon`` (years after the base
        year, NA for target-only editions), ``lead`` (years after the
        publication year), ``point``, ``bound``, ``forecast`` and ``actual``
        (FLOP/s), ``ratio`` = forecast / actual, ``log_ratio``, ``pct_error`` =
        (ratio - 1) * 100, ``held`` (for a "more than" bound: actual >= bound;
        NA for point forecasts), the actual's ``actual_publisher``,
        ``actual_document``, ``actual_published``, ``actual_status``,
        ``alternatives``, and ``naive`` (FLOP/s; NaN when nothing before the base
        year was published by then), ``naive_log_ratio`` and ``naive_from``
        (year the naive CAGR starts).
    """
    _require(actual, ACTUAL_COLUMNS, "actuals")
    when_actual = pd.Series([partial_date(p) for p in actual["published"]], index=actual.index)
    scored = paths[(paths["point"] != "base") | (paths["how"] == "target only")]
    bases = {_edition_key(r): r.flops for r in paths[paths["point"] == "base"].itertuples()}
    out = []
    for row in scored.itertuples():
        ident = {"scope": row.scope, "component": row.component, "precision": row.precision,
                 "publisher": row.publisher}
        match = actual[_same_quantity(actual, ident) & (actual["year"] == row.year)
                       & (when_actual >= partial_date(row.published))
                       & (actual["document"] != row.document)]
        if match.empty:
            continue
        best = match.assign(_own=match["publisher"] == row.publisher,
                            _when=when_actual[match.index]) \
            .sort_values(["_own", "_when"], ascending=False).iloc[0]
        ratio = row.flops / best["flops"]
        naive, start = float("nan"), pd.NA
        if pd.notna(row.base_year):
            base = bases[_edition_key(row)]
            rate, start = _naive_rate(ident, int(row.base_year), base, row.published, actual,
                                      when_actual)
            naive = base * (1 + rate) ** (row.year - row.base_year)
        out.append({
            **{k: getattr(row, k) for k in (*EDITION, *KEYS, "how")}, "year": row.year,
            "horizon": row.year - row.base_year if pd.notna(row.base_year) else pd.NA,
            "lead": row.year - partial_date(row.published).year, "point": row.point,
            "bound": row.bound, "forecast": row.flops, "actual": best["flops"], "ratio": ratio,
            "log_ratio": float(np.log(ratio)), "pct_error": (ratio - 1) * 100,
            "held": bool(best["flops"] >= row.flops) if row.bound == "lower" else pd.NA,
            "actual_publisher": best["publisher"], "actual_document": best["document"],
            "actual_published": best["published"], "actual_status": best["status"],
            "alternatives": len(match) - 1, "naive": naive,
            "naive_log_ratio": float(np.log(naive / best["flops"])), "naive_from": start})
    columns = [*EDITION, *KEYS, "how", "year", "horizon", "lead", "point", "bound", "forecast",
               "actual", "ratio", "log_ratio", "pct_error", "held", "actual_publisher",
               "actual_document", "actual_published", "actual_status", "alternatives", "naive",
               "naive_log_ratio", "naive_from"]
    frame = pd.DataFrame.from_records(out, columns=columns)
    frame["horizon"] = frame["horizon"].astype("Int64")
    frame["naive_from"] = frame["naive_from"].astype("Int64")
    return frame


def _edition_key(row) -> tuple:
    return (row.publisher, row.edition, row.published, row.scope, row.component,
            str(row.precision))


def _naive_rate(ident: Mapping, base_year: int, base: float, published, actual: pd.DataFrame,
                when_actual: pd.Series) -> tuple[float, object]:
    """(CAGR, start year) from the earliest figure known at publication to the base."""
    known = actual[_same_quantity(actual, ident) & (actual["year"] < base_year)
                   & (when_actual <= partial_date(published))]
    if known.empty:
        return float("nan"), pd.NA
    start = int(known["year"].min())
    first = known[known["year"] == start].assign(
        _own=known["publisher"] == ident["publisher"], _when=when_actual[known.index]) \
        .sort_values(["_own", "_when"], ascending=False).iloc[0]
    return (base / first["flops"]) ** (1.0 / (base_year - start)) - 1.0, start


def closest(errors: pd.DataFrame, by: Iterable[str] = ("publisher",), *,
            include_bounds: bool = False) -> pd.DataFrame:
    """Which publisher was closest: mean absolute log error of :func:`compare` rows.

    "More than X" forecasts are left out unless ``include_bounds``: a floor
    that held is not an error of ``X / actual``; their outcome is ``held``.

    Returns one row per group with ``n`` (comparisons), ``editions``,
    ``mean_abs_log_ratio`` (0 = exact; 0.1 is about 10% off),
    ``mean_log_ratio`` (> 0: forecasts ran above the actuals),
    ``mean_abs_pct_error``, ``n_naive`` (comparisons that have a naive
    benchmark), ``mean_abs_log_ratio_naive_rows`` and
    ``naive_mean_abs_log_ratio`` (the publisher's and the constant-growth benchmark's
    errors on those same comparisons: did the publisher beat it?) and ``rank``
    (1 = closest), sorted by rank.
    """
    by = list(by)
    if not include_bounds:
        errors = errors[errors["bound"] != "lower"]
    if errors.empty:
        return pd.DataFrame(columns=[*by, "n", "editions", "mean_abs_log_ratio",
                                     "mean_log_ratio", "mean_abs_pct_error", "n_naive",
                                     "mean_abs_log_ratio_naive_rows",
                                     "naive_mean_abs_log_ratio", "rank"])
    has_naive = errors["naive"].notna()
    table = errors.assign(
        _abs_log=errors["log_ratio"].abs(), _abs_pct=errors["pct_error"].abs(),
        _own_on_naive=errors["log_ratio"].abs().where(has_naive),
        _naive=errors["naive_log_ratio"].abs().where(has_naive)).groupby(by, sort=True).agg(
        n=("log_ratio", "size"), editions=("edition", "nunique"),
        mean_abs_log_ratio=("_abs_log", "mean"), mean_log_ratio=("log_ratio", "mean"),
        mean_abs_pct_error=("_abs_pct", "mean"), n_naive=("_naive", "count"),
        mean_abs_log_ratio_naive_rows=("_own_on_naive", "mean"),
        naive_mean_abs_log_ratio=("_naive", "mean")).reset_index()
    table["rank"] = table["mean_abs_log_ratio"].rank(method="min").astype(int)
    return table.sort_values(["rank", *by], ignore_index=True)


# --- reading the results ---------------------------------------------------------------------

def editions(paths: pd.DataFrame) -> pd.DataFrame:
    """One row per edition and quantity of :func:`implied_paths`: how its path was anchored.

    Indexed by publisher, edition and the quantity (:data:`KEYS`); columns
    ``published``, ``base_year``, ``last_year``, ``how`` and ``base_status``.
    """
    return paths.groupby(["publisher", "edition", *KEYS], dropna=False).agg(
        published=("published", "first"), base_year=("base_year", "first"),
        last_year=("year", "max"), how=("how", "first"), base_status=("base_status", "first"))


def scored_view(errors: pd.DataFrame) -> pd.DataFrame:
    """The columns of :func:`compare` a reader needs, with the constant-growth benchmark's error.

    ``naive_pct_error`` = (naive / actual - 1) * 100 (NaN without a naive
    benchmark); ``forecast`` and ``actual`` stay in FLOP/s.
    """
    view = errors[["publisher", "edition", "scope", "component", "year", "horizon", "lead",
                   "point", "bound", "forecast", "actual", "pct_error", "held",
                   "actual_publisher", "actual_status", "alternatives", "naive_from"]].copy()
    view["naive_pct_error"] = errors["naive"].div(errors["actual"]).sub(1).mul(100)
    return view


def floors_held(errors: pd.DataFrame) -> str:
    """"'More than' forecasts scored: 3, held: 2 (CAICT WP 2023, ...)": the lower bounds' record."""
    floors = errors[errors["bound"] == "lower"]
    which = _(", ").join(sorted(set(floors["publisher"] + " " + floors["edition"])))
    return _("'More than' forecasts scored: {n}, held: {held} ({which})").format(
        n=len(floors), held=int(floors["held"].sum()), which=which)


def naive_verdicts(ranking: pd.DataFrame) -> list[str]:
    """For each publisher of :func:`closest` with naive comparisons: did it beat the benchmark?"""
    rows = ranking[ranking["n_naive"] > 0]
    beat = _("{publisher} beat the naive constant-CAGR benchmark on the {n} point(s) where "
             "both exist: mean |log ratio| {own:.3f} against {naive:.3f}")
    lost = _("{publisher} did not beat the naive constant-CAGR benchmark on the {n} point(s) "
             "where both exist: mean |log ratio| {own:.3f} against {naive:.3f}")
    return [(beat if own < naive else lost).format(publisher=publisher, n=n, own=own,
                                                   naive=naive)
            for publisher, n, own, naive in zip(rows["publisher"], rows["n_naive"],
                                                rows["mean_abs_log_ratio_naive_rows"],
                                                rows["naive_mean_abs_log_ratio"])]


def overview(errors: pd.DataFrame, ranking: pd.DataFrame) -> str:
    """Points scored, the closest publisher on point forecasts, and the largest miss."""
    best, worst = ranking.iloc[0], errors.loc[errors["log_ratio"].abs().idxmax()]
    return _("Published forecasts: {points} path points scored, {editions} editions of "
             "{publishers} publishers. Closest on point forecasts: {best} (mean |error| "
             "{best_error:.1f}% over {best_n} points). Largest miss: {worst} {edition} for "
             "{year}, {forecast} against {actual} ({miss:+.0f}%).").format(
        points=len(errors), editions=errors["edition"].nunique(),
        publishers=errors["publisher"].nunique(), best=best["publisher"],
        best_error=best["mean_abs_pct_error"], best_n=best["n"], worst=worst["publisher"],
        edition=worst["edition"], year=worst["year"], forecast=format_flops(worst["forecast"]),
        actual=format_flops(worst["actual"]), miss=worst["pct_error"])
