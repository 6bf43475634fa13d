"""Published totals of installed computing power: the series, the 2030 tension, growth paths.

One definition of the *global total series* the notebooks fit, simulate and
backtest: the full-year totals of ``global_compute.csv`` (``component ==
"total"``, ``point == "year"``) published by CAICT in its China Computing Power
Development Index white papers, with the CCIA Data Center Committee's figure for
2023 (:data:`GLOBAL_TOTAL_PUBLISHERS`).  The H3C + CAICT *Intelligent Computing
Power Development White Paper 2023* gives a lower 2022 figure (650 EFLOPS
against CAICT's 906) by another method; it is left out of the series on
purpose and listed by :func:`left_out`, never averaged in.

The totals are a publisher's sum of FP32, FP16 and FP64 FLOP/s (precision
``mixed``); :func:`components` keeps the components apart.

The rest of the module is the arithmetic of notebook 01's section 3:
:func:`published_tension` (CAICT's 615 EFLOPS for 2021 at its own 44% a year
against its 56 ZFLOPS forecast for 2030) and :func:`projection_paths`
(constant-growth paths from a base).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data import series
from forecast.errors import DataError
from forecast.growth import implied_cagr, project
from forecast.i18n import gettext as _
from forecast.i18n import ngettext
from forecast.units import format_flops

#: Publishers whose full-year totals form the headline series (CAICT; CCIA for 2023).
GLOBAL_TOTAL_PUBLISHERS = ("CAICT", "CCIA Data Center Committee (中国通信工业协会数据中心委员会)")
#: Components of a CAICT total, each in its own precision.
COMPONENTS = ("basic", "intelligent", "supercomputing")
#: Growth statuses trusted for the default projection rate.
VERIFIED = ("verified-primary", "verified-secondary")


def total_series(frame: pd.DataFrame, *, scope: str = "global",
                 publishers: Iterable[str] = GLOBAL_TOTAL_PUBLISHERS,
                 start_year: int | None = None) -> pd.Series:
    """The yearly total series of ``scope``: one full-year figure a year, in FLOP/s.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``forecast.data.load("global_compute")``.
    scope : str
        global, china-device or china-infrastructure.
    publishers : iterable of str
        Whose totals form the series (default :data:`GLOBAL_TOTAL_PUBLISHERS`).
    start_year : int, optional
        Drop earlier years (the full series keeps its ``attrs`` either way).

    Returns
    -------
    pandas.Series
        FLOP/s by integer year, with the ``attrs`` of :func:`forecast.data.series`
        (``precision``, ``sources`` with each year's document and status).

    Raises
    ------
    DataError
        No matching row, or two rows for one year (the sources conflict: the
        message names both documents).
    """
    y = series(frame, scope=scope, component="total", point="year", publisher=list(publishers))
    if start_year is None:
        return y
    kept = y[y.index >= start_year]
    kept.attrs = dict(y.attrs)
    return kept


def sources(y: pd.Series) -> pd.DataFrame:
    """Which document each year of a :func:`total_series` comes from.

    Returns columns ``year``, ``flops`` (FLOP/s), ``publisher``, ``document``,
    ``published`` and ``status``, one row per year.
    """
    table = pd.DataFrame(y.attrs["sources"])[["year", "publisher", "document", "published",
                                              "status"]]
    table.insert(1, "flops", y.to_numpy())
    return table


def recalled_years(table: pd.DataFrame) -> str:
    """The years of a :func:`sources` table whose figure is *recalled* (not found in the
    documents), as text: ``"2020, 2021"``, or ``"none"``."""
    return ", ".join(table.loc[table["status"] == "recalled", "year"].astype(str)) or _("none")


def left_out(frame: pd.DataFrame, *, scope: str = "global",
             publishers: Iterable[str] = GLOBAL_TOTAL_PUBLISHERS) -> pd.DataFrame:
    """Full-year totals of ``scope`` by other publishers: conflicting sources, never averaged.

    Returns the ``global_compute`` rows (columns ``year``, ``value``, ``unit``,
    ``publisher``, ``document``, ``status``), indexed by file line.
    """
    rows = frame[(frame["scope"] == scope) & (frame["component"] == "total")
                 & (frame["point"] == "year") & ~frame["publisher"].isin(list(publishers))]
    return rows[["year", "value", "unit", "publisher", "document", "status"]]


def left_out_summary(left: pd.DataFrame, series: pd.Series, *,
                     parameter: str = "publishers") -> str:
    """One Markdown sentence naming every row a publisher filter left out of ``series``.

    ``left`` is :func:`left_out`'s frame (``year``, ``value``, ``unit``, ``publisher``,
    ``status``); ``series`` the :func:`total_series` built with the filter; ``parameter``
    the notebook parameter holding the filter.  A left-out year after the series' last
    year is called out: a newer total by another publisher would otherwise be silently
    ignored by the default filter.

    >>> left = pd.DataFrame([{"year": 2024, "value": 2000, "unit": "EFLOPS",
    ...                       "publisher": "IDC", "status": "claim"}])
    >>> print(left_out_summary(left, pd.Series([1.0, 2.0], index=[2022, 2023])))
    Left out by the `publishers` filter (1 row): 2024, 2000 EFLOPS by IDC (claim). **2024 is later than the series' last year (2023)**: add its publisher to `publishers` to use it.
    """
    if left.empty:
        return _("No total of this scope is left out by the `{parameter}` filter.").format(
            parameter=parameter)
    rows = left.to_dict("records")
    items = "; ".join(_("{year}, {value} {unit} by {publisher} ({status})").format(
        year=int(r["year"]), value=f"{float(r['value']):g}", unit=r["unit"],
        publisher=r["publisher"], status=_(r["status"])) for r in rows)
    text = ngettext("Left out by the `{parameter}` filter ({n} row): {items}.",
                    "Left out by the `{parameter}` filter ({n} rows): {items}.",
                    len(rows)).format(parameter=parameter, n=len(rows), items=items)
    last = int(series.index.max())
    newer = sorted({int(r["year"]) for r in rows if int(r["year"]) > last})
    if newer:
        text += " " + ngettext(
            "**{years} is later than the series' last year ({last})**: add its publisher to "
            "`{parameter}` to use it.",
            "**{years} are later than the series' last year ({last})**: add its publisher to "
            "`{parameter}` to use it.", len(newer)).format(
            years=", ".join(map(str, newer)), last=last, parameter=parameter)
    return text


def components(frame: pd.DataFrame, total: pd.Series, *, scope: str = "global",
               publishers: Iterable[str] = GLOBAL_TOTAL_PUBLISHERS,
               start_year: int | None = None) -> dict[str, pd.Series]:
    """The components of ``scope`` that the publishers report, each in its own precision.

    Returns ``{"basic (FP32)": series, ..., "total (mixed, as published)": total}``
    (FLOP/s by year from ``start_year``); components nobody reports are left out.
    """
    publishers = list(publishers)
    parts = {}
    for component in COMPONENTS:
        rows = frame[(frame["scope"] == scope) & (frame["component"] == component)
                     & frame["publisher"].isin(publishers)]
        if len(rows):
            part = series(frame, scope=scope, component=component, point="year",
                          publisher=publishers)
            kept = part[part.index >= start_year] if start_year is not None else part
            parts[f"{component} ({part.attrs['precision']})"] = kept
    parts[f"total ({total.attrs['precision']}, as published)"] = total
    return parts


@dataclass(frozen=True)
class Tension:
    """A published base, its stated growth and a published target, checked by arithmetic.

    Attributes: ``publisher``, ``edition``; ``base_year`` and ``base`` (FLOP/s);
    ``stated`` (the growth the publisher reported for the base year, a fraction
    a year); ``target_year`` and ``target`` (FLOP/s); ``at_stated`` (the base
    compounded at ``stated`` to the target year, FLOP/s) and ``needed`` (the
    growth a year that reaches the target).
    """

    publisher: str
    edition: str
    base_year: int
    base: float
    stated: float
    target_year: int
    target: float
    at_stated: float
    needed: float

    def sentence(self) -> str:
        """"615 EFLOPS in 2021 growing 44% a year gives 16.4 ZFLOPS in 2030; ..."."""
        return _("{base} in {base_year} growing {stated:.0%} a year gives {at_stated} in "
                 "{target_year}; {target} in {target_year} needs {needed:.1%} a year.").format(
            base=format_flops(self.base), base_year=self.base_year, stated=self.stated,
            at_stated=format_flops(self.at_stated), target_year=self.target_year,
            target=format_flops(self.target), needed=self.needed)


def published_tension(frame: pd.DataFrame, forecasts: pd.DataFrame, *,
                      publisher: str = "CAICT", edition: str = "WP 2022",
                      publishers: Iterable[str] = GLOBAL_TOTAL_PUBLISHERS) -> Tension:
    """Does a published global forecast follow from its own base and stated growth?

    Takes the edition's first global point forecast with a FLOP/s value (CAICT
    WP 2022: 56 ZFLOPS in 2030 from 2021), the base year's total from
    :func:`total_series` and the growth reported for that year in
    ``global_compute`` (44% for 2021).

    Raises
    ------
    DataError
        The edition has no such forecast, or the base year no total or growth.
    """
    publishers = list(publishers)
    chosen = forecasts[(forecasts["publisher"] == publisher) & (forecasts["edition"] == edition)
                       & (forecasts["kind"] == "forecast") & (forecasts["scope"] == "global")
                       & forecasts["flops"].notna()]
    if chosen.empty:
        raise DataError("no global FLOP/s forecast in this edition", path=forecasts.attrs.get(
            "path"), column="edition", expected=f"a forecast row of {publisher} {edition}")
    target = chosen.iloc[0]
    base_year, target_year = int(target["base_year"]), int(target["year"])
    base = float(total_series(frame, publishers=publishers).loc[base_year])
    growth = frame[(frame["scope"] == "global") & (frame["component"] == "total")
                   & (frame["year"] == base_year) & frame["publisher"].isin(publishers)]
    stated = float(growth["reported_growth"].iloc[0])
    periods = target_year - base_year
    return Tension(publisher=publisher, edition=edition, base_year=base_year, base=base,
                   stated=stated, target_year=target_year, target=float(target["flops"]),
                   at_stated=float(project(base, stated, periods)),
                   needed=float(implied_cagr(base, target["flops"], periods)))


def projection_rate(frame: pd.DataFrame, *, scope: str = "global",
                    publishers: Iterable[str] = GLOBAL_TOTAL_PUBLISHERS,
                    growth_rate: float | None = None) -> tuple[float, str]:
    """The growth a year of the constant-growth projection, and where it comes from.

    ``growth_rate`` when given ("given"); otherwise the latest reported y/y
    growth of the scope's totals whose growth status is verified.

    Returns
    -------
    (float, str)
        The rate (fraction a year) and its source in words.
    """
    if growth_rate is not None:
        return float(growth_rate), _("given")
    rows = frame[(frame["scope"] == scope) & (frame["component"] == "total")
                 & frame["publisher"].isin(list(publishers))
                 & frame["growth_status"].isin(list(VERIFIED))]
    latest = rows.dropna(subset=["reported_growth"]).sort_values("year").iloc[-1]
    return (float(latest["reported_growth"]),
            _("published y/y growth for {year}, {publisher}, status {status}").format(
                year=int(latest["year"]), publisher=latest["publisher"],
                status=_(latest["growth_status"])))


def projection_paths(y: pd.Series, rate: float, *, end_year: int,
                     tension: Tension | None = None) -> pd.DataFrame:
    """Constant-growth paths to ``end_year``, one row per path and year.

    The first path starts from the last value of ``y`` at ``rate``; with a
    ``tension``, two more start from its base: at the stated growth, and at
    the growth that reaches its target.

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` (label), ``base_year``, ``base_flops``, ``growth_rate``
        (fraction a year), ``year``, ``flops`` and ``unit`` ("FLOP/s").
    """
    last_year = int(y.index[-1])
    paths = [(f"{format_flops(y.iloc[-1])} ({last_year}) at {rate:.1%}/yr", last_year,
              y.iloc[-1], rate)]
    if tension is not None:
        t = tension
        paths += [(f"{format_flops(t.base)} ({t.base_year}) at {t.stated:.0%}/yr",
                   t.base_year, t.base, t.stated),
                  (f"{format_flops(t.base)} ({t.base_year}) at {t.needed:.1%}/yr "
                   f"({format_flops(t.target)} in {t.target_year})", t.base_year, t.base,
                   t.needed)]
    frame = pd.concat([pd.DataFrame({"path": label, "base_year": start, "base_flops": value,
                                     "growth_rate": g, "year": np.arange(start, end_year + 1),
                                     "flops": project(value, g,
                                                      np.arange(0, end_year - start + 1))})
                       for label, start, value, g in paths], ignore_index=True)
    frame["unit"] = "FLOP/s"
    return frame


def projection(frame: pd.DataFrame, y: pd.Series, *, end_year: int, scope: str = "global",
               publishers: Iterable[str] = GLOBAL_TOTAL_PUBLISHERS,
               growth_rate: float | None = None,
               tension: Tension | None = None) -> tuple[pd.DataFrame, float, str]:
    """Notebook 01's constant-growth paths in one call: :func:`projection_rate`, then
    :func:`projection_paths` (with the ``tension``'s two paths for the global scope only: its
    base and target are global figures).

    Returns
    -------
    (pandas.DataFrame, float, str)
        The paths, the rate (fraction a year) and its source in words.
    """
    rate, source = projection_rate(frame, scope=scope, publishers=publishers,
                                   growth_rate=growth_rate)
    paths = projection_paths(y, rate, end_year=end_year,
                             tension=tension if scope == "global" else None)
    return paths, rate, source


#: what each path of :func:`projection_paths` is, in its order: names without data values, so
#: a series in the forecast history keeps its identity when the data move its label
PATH_ROLES = ("latest total at the projection rate", "publisher's base at its stated rate",
              "publisher's base at the rate its target needs")


def path_roles(paths: pd.DataFrame) -> dict[str, str]:
    """``{path label: role}`` (:data:`PATH_ROLES`) for the paths of :func:`projection_paths`."""
    labels = list(dict.fromkeys(paths["path"]))
    return dict(zip(labels, PATH_ROLES))


def path_series(paths: pd.DataFrame) -> dict[str, pd.Series]:
    """``{path label: FLOP/s by year}`` from :func:`projection_paths`, in path order."""
    return {label: group.set_index("year")["flops"]
            for label, group in paths.groupby("path", sort=False)}


def published_forecasts(forecasts: pd.DataFrame, *, scope: str = "global") -> pd.DataFrame:
    """Published point and "more than" forecasts of the scope's total, labelled for charts.

    Returns the ``compute_forecasts`` rows with a FLOP/s value plus ``label``
    ("CAICT WP 2023: >20.0 ZFLOPS in 2030"): the publisher's name up to any
    parenthesised original-language name, the edition, ">" for a lower bound.
    """
    rows = forecasts[(forecasts["scope"] == scope) & (forecasts["component"] == "total")
                     & (forecasts["kind"] == "forecast") & forecasts["flops"].notna()].copy()
    rows["label"] = [f"{p.split(' (')[0]} {e}: {'>' if b == 'lower' else ''}{format_flops(f)} "
                     f"in {yr}" for p, e, b, f, yr in zip(rows["publisher"], rows["edition"],
                                                         rows["bound"], rows["flops"],
                                                         rows["year"])]
    return rows


def published_at(published: pd.DataFrame, year: int) -> dict[str, float]:
    """``{label: FLOP/s}`` of the :func:`published_forecasts` for one year (chart references)."""
    rows = published[published["year"] == year]
    return dict(zip(rows["label"], rows["flops"]))


def needed_growth(base: float, base_year: int, targets: Iterable[str | float],
                  year: int) -> pd.DataFrame:
    """The growth a year each target needs from a base ("56 ZFLOPS in 2030 needs 65.1%/yr").

    Returns columns ``target`` (as given), ``flops`` (FLOP/s), ``year`` and
    ``needed`` (fraction a year from ``base`` in ``base_year``).
    """
    from forecast.units import to_flops

    targets = list(targets)
    flops = [to_flops(t) if isinstance(t, str) else float(t) for t in targets]
    return pd.DataFrame({"target": targets, "flops": flops, "year": year,
                         "needed": [implied_cagr(base, f, year - base_year) for f in flops]})


def percentiles_in(sim, component: str, reported: pd.Series, end_year: int) -> pd.DataFrame:
    """Where reported values after the simulation's first year fall among its paths.

    ``sim`` is a :class:`forecast.scenarios.Simulation`; returns columns
    ``year``, ``flops`` (the reported value) and ``percentile`` (0-100).
    """
    first = sim.years[component][0]
    kept = reported[(reported.index > first) & (reported.index <= end_year)]
    return pd.DataFrame({"year": kept.index, "flops": kept.to_numpy(),
                         "percentile": [sim.percentile_of(component, int(year), value)
                                        for year, value in kept.items()]})
