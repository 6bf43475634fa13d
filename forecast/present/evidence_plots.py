"""Figures of notebook 05 (long-run evidence): TOP500 eras, skill by horizon, AI stock, fans.

A leaf like :mod:`forecast.plots`: every function takes results and ``ax=None``
(a new figure when None), imports matplotlib inside, and returns the Figure.
Style, FLOP/s axes and legends (always outside the data) come from
:mod:`forecast.present.style`, the same rules as every other chart.  Modelling code never imports this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.i18n import SOURCE, language
from forecast.i18n import gettext as _
from forecast.present import fonts
from forecast.present.style import STYLE, flops_axis, legend_outside


def _axes(ax, ncols: int = 1, height: float | None = None):
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": STYLE["font_size"]})
    if language() != SOURCE:  # before any text is made: a text keeps the fonts of its birth
        fonts.use_for_charts()
    if ax is not None:
        return ax.figure, np.atleast_1d(ax)
    width, base = STYLE["figsize"]
    fig, axes = plt.subplots(1, ncols, figsize=(width if ncols == 1 else 3.6 * ncols,
                                                height or base), dpi=STYLE["dpi"], squeeze=False)
    return fig, axes[0]


def _log_y(axis, flops: bool) -> None:
    """A log y-axis: FLOP/s tick labels when ``flops`` (the house FLOP/s axis), else
    matplotlib's own; a major grid."""
    if flops:
        flops_axis(axis, log=True)
    else:
        axis.set_yscale("log")
        axis.grid(True, which="major", alpha=STYLE["grid_alpha"])


def _finish(fig, axis, *, xlabel: str | None, ylabel: str, title: str | None):
    """Axis labels, the title (none when empty), the legend outside the data, a tight layout."""
    if xlabel is not None:
        axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    if title:
        axis.set_title(title)
    legend_outside(axis)
    fig.tight_layout()
    return fig


def _color(i: int) -> str:
    return STYLE["colors"][i % len(STYLE["colors"])]


def plot_eras(lists: pd.DataFrame, fits: dict, labels: dict | None = None, ax=None,
              title: str | None = None):
    """TOP500 per-list FLOP/s (log) with each series' segmented trend and break dates.

    Parameters
    ----------
    lists : DataFrame
        :func:`forecast.top500.lists` (columns ``t`` and the FLOP/s columns).
    fits : dict
        Column name -> :class:`forecast.trends.Segmented` fitted on (t, column).
    labels : dict, optional
        Column name -> legend label.
    """
    fig, (axis,) = _axes(ax)
    labels = labels or {}
    for i, (column, seg) in enumerate(fits.items()):
        color = _color(i)
        axis.plot(lists["t"], lists[column], "o", ms=2.5, color=color, alpha=0.6,
                  label=labels.get(column, column))
        grid = np.linspace(lists["t"].min(), lists["t"].max(), 400)
        axis.plot(grid, seg.predict(grid), "-", color=color, lw=1.4)
        for brk in seg.breaks:
            axis.axvline(brk, color=color, ls=":", lw=1)
    flops_axis(axis, log=True)
    return _finish(fig, axis, xlabel=_("year (TOP500 list)"),
                   ylabel=_("FLOP/s (FP64, achieved: HPL Rmax)"),
                   title=title or _("TOP500, 1993-2026: eras of growth"))


def plot_accelerated_share(lists: pd.DataFrame, ax=None, title: str | None = None):
    """Share of TOP500 systems, and of their Rmax, with an accelerator (from 2011-06)."""
    fig, (axis,) = _axes(ax)
    rows = lists.dropna(subset=["accelerated_share"])
    axis.plot(rows["t"], 100 * rows["accelerated_share"], "-o", ms=3, color=_color(0),
              label=_("share of systems"))
    axis.plot(rows["t"], 100 * rows["accelerated_rmax_share"], "-o", ms=3, color=_color(1),
              label=_("share of the list's Rmax"))
    axis.set_ylim(0, 100)
    axis.grid(True, alpha=STYLE["grid_alpha"])
    return _finish(fig, axis, xlabel=_("year (TOP500 list)"), ylabel="%",
                   title=title or _("Accelerated TOP500 systems (GPUs and other co-processors)"))


def plot_countries(table: pd.DataFrame, t, stopped: float | None = None, ax=None,
                   title: str | None = None):
    """Sum of Rmax per country and list (log), with the year a country stopped submitting.

    ``table`` is :func:`forecast.top500.country_table` (one column per country);
    ``t`` the lists' decimal years; ``stopped`` shades the lists after that year.
    """
    fig, (axis,) = _axes(ax)
    t = np.asarray(t, dtype=float)
    for i, country in enumerate(table.columns):
        values = table[country].to_numpy(float)
        keep = values > 0
        axis.plot(t[keep], values[keep], "-", color=_color(i), lw=1.5, label=country)
    if stopped is not None:
        axis.axvspan(stopped, t.max() + 0.3, color="grey", alpha=0.15,
                     label=_("China no longer submits its largest systems"))
    flops_axis(axis, log=True)
    return _finish(fig, axis, xlabel=_("year (TOP500 list)"),
                   ylabel=_("sum of Rmax (FP64, achieved)"),
                   title=title or _("TOP500 capacity by country"))


def plot_skill(scores: pd.DataFrame, metric: str = "male", *, benchmark: str = "cagr",
               ylabel: str | None = None, ax=None, title: str | None = None):
    """A skill metric by horizon (years), one panel per series, one line per model.

    ``scores`` is :func:`forecast.skill.score` output.  The benchmark is black
    and dashed.  Models with no successful forecast at a horizon have no point.
    """
    series = list(dict.fromkeys(scores["series"]))
    fig, axes = _axes(ax, ncols=len(series), height=3.6)
    models = [m for m in dict.fromkeys(scores["model"]) if m != benchmark]
    for axis, name in zip(axes, series):
        part = scores[scores["series"] == name]
        for i, model in enumerate([benchmark, *models]):
            rows = part[(part["model"] == model) & part[metric].notna()].sort_values("horizon")
            style = ({"color": "black", "ls": "--", "lw": 2.2} if model == benchmark
                     else {"color": _color(i), "lw": 1.2})
            axis.plot(rows["horizon"], rows[metric], marker="o", ms=3, label=model, **style)
        if metric.startswith("coverage_"):
            nominal = float(metric.removeprefix("coverage_")) / 100
            axis.axhline(nominal, color="grey", lw=1, ls=":")
            axis.set_ylim(0, 1.02)
        axis.set_title(name)
        axis.set_xlabel(_("horizon (years)"))
        axis.grid(True, alpha=STYLE["grid_alpha"])
    axes[0].set_ylabel(ylabel or metric)
    legend_outside(axes[-1])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_stock(stock: pd.DataFrame, *, unit: str = "H100e", ylabel: str | None = None, ax=None,
               title: str | None = None):
    """AI-chip counts by designer and quarter (log), median with the 5-95% band.

    ``stock`` is :func:`forecast.ai_stock.stock` (or ``stock_flops``, or
    ``shipments``) output: ``designer``, ``period_end``, ``median``, ``p5``, ``p95``.
    """
    fig, (axis,) = _axes(ax)
    for i, (designer, rows) in enumerate(stock.groupby("designer", sort=False)):
        rows = rows.sort_values("period_end")
        color = _color(i)
        axis.fill_between(rows["period_end"], rows["p5"], rows["p95"], color=color,
                          alpha=STYLE["band_alpha"], lw=0)
        axis.plot(rows["period_end"], rows["median"], "-o", ms=2.5, color=color, label=designer)
    _log_y(axis, flops=unit == "FLOP/s")
    return _finish(fig, axis, xlabel=_("quarter end"),
                   ylabel=ylabel or _("cumulative stock ({unit})").format(unit=unit),
                   title=title or _("AI accelerators shipped since each series' start (Epoch AI)"))


def plot_events(t, y, *, trend=None, frontier=None, ylabel: str = "", flops: bool = False,
                ax=None, title: str | None = None):
    """Dated events (grey), a frontier subset (colour) and a fitted log-linear trend with its band.

    ``t`` and ``y``: every event (decimal years, values); ``frontier``: a
    (t, y) pair of the selected events; ``trend``: a
    :class:`forecast.trends.Trend` drawn over its own date range.
    """
    fig, (axis,) = _axes(ax)
    axis.plot(t, y, "o", ms=2.5, color="grey", alpha=0.45, label=_("all events"))
    if frontier is not None:
        axis.plot(frontier[0], frontier[1], "o", ms=4, color=_color(1), label=_("frontier"))
    if trend is not None:
        band = trend.predict(np.linspace(trend.start, trend.end, 200))
        g = trend.growth()
        axis.plot(band["t"], band["fit"], "-", color=_color(0), lw=1.6,
                  label=_("trend: x{x:.2f}/yr ({level:.0%} CI x{lower:.2f}-{upper:.2f})").format(
                      x=g["x_per_year"], level=trend.level, lower=g["x_lower"],
                      upper=g["x_upper"]))
        axis.fill_between(band["t"], band["lower"], band["upper"], color=_color(0),
                          alpha=STYLE["band_alpha"], lw=0)
    _log_y(axis, flops)
    return _finish(fig, axis, xlabel=_("year"), ylabel=ylabel, title=title)


def plot_share(share: pd.DataFrame, projection: pd.DataFrame | None = None, ax=None,
               title: str | None = None):
    """NVIDIA's share of the AI-chip stock by quarter, its extreme-combination band, a projection.

    ``share`` is :func:`forecast.ai_stock.nvidia_share`; ``projection`` has
    columns ``t``, ``share``, ``lower``, ``upper`` (e.g.
    :func:`forecast.trends.share_trend` ``.predict``).
    """
    fig, (axis,) = _axes(ax)
    t = share["period_end"]
    complete = share["complete"].to_numpy(bool)
    axis.fill_between(t, 100 * share["share_low"], 100 * share["share_high"], color=_color(0),
                      alpha=STYLE["band_alpha"], lw=0)
    axis.plot(t[complete], 100 * share["share"][complete], "-o", ms=3, color=_color(0),
              label=_("all four designers counted"))
    axis.plot(t[~complete], 100 * share["share"][~complete], "o", ms=3, mfc="white",
              color=_color(0), label=_("fewer designers counted (overstates NVIDIA)"))
    if projection is not None:
        t_dec = projection["t"].to_numpy(float)
        dates = (pd.to_datetime(np.floor(t_dec).astype(int).astype(str), format="%Y")
                 + pd.to_timedelta((t_dec % 1) * 365.25, unit="D"))
        axis.plot(dates, 100 * projection["share"], "--", color=_color(1), label=_("fitted trend"))
        axis.fill_between(dates, 100 * projection["lower"], 100 * projection["upper"],
                          color=_color(1), alpha=STYLE["band_alpha"], lw=0)
    axis.set_ylim(0, 100)
    axis.grid(True, alpha=STYLE["grid_alpha"])
    return _finish(fig, axis, xlabel=None, ylabel=_("NVIDIA share of the H100e stock (%)"),
                   title=title or _("How much of the AI-chip stock is NVIDIA's?"))


def plot_calibrated_fans(history: pd.Series, fans: dict, *, published=None, ax=None,
                         title: str | None = None):
    """A history, projections with error-calibrated bands, and published forecasts (log).

    ``fans``: label -> :func:`forecast.skill.calibrated_fan` frame (``year``,
    ``projection``, ``lower``, ``upper``, ``level``); ``published``: a frame
    with ``year``, ``flops``, ``label``.
    """
    fig, (axis,) = _axes(ax)
    axis.plot(history.index, history.to_numpy(float), "o-", color="black", lw=1.5,
              label=_("published totals"))
    for i, (label, fan) in enumerate(fans.items()):
        color = _color(i)
        level = float(fan["level"].iloc[0])
        axis.plot(fan["year"], fan["projection"], "--", color=color, label=label)
        axis.fill_between(fan["year"], fan["lower"], fan["upper"], color=color,
                          alpha=STYLE["band_alpha"], lw=0,
                          label=_("{level:.0%} band from TOP500 errors").format(level=level))
    if published is not None and len(published):
        axis.plot(published["year"], published["flops"], "D", color=_color(3), ms=5,
                  label=_("published forecasts"), linestyle="none")
    flops_axis(axis, log=True)
    return _finish(fig, axis, xlabel=_("year"), ylabel=_("FLOP/s (mixed precision, as published)"),
                   title=title or _("Back to 2030: projections with error-calibrated bands"))
