"""Figures for the notebooks: functions of result objects and DataFrames, one shared style.

Every function takes its data and ``ax=None`` (a new figure when None), imports
matplotlib inside the function (importing ``forecast`` never pulls it in) and
returns the Figure.  Modelling code never imports this module.  Every chart
follows the same reader rules, checked in ``tests/test_plots.py``:

* it has a title (a default one when the caller gives none);
* a log FLOP/s axis carries labelled ticks in FLOP/s units (``100 ZFLOPS``,
  never ``1e+02 ZFLOPS``); an axis spanning under two decades labels minor
  ticks too, so it never shows a single bare label;
* the legend sits outside the plotting area (right, or below a panel), so it
  never covers data;
* a missing estimate is drawn as the words "no estimate", not as an absent bar;
* scenarios compared side by side share one axis (:func:`fan_comparison`).

The style and the axis helpers (FLOP/s ticks, legends, panel grids) live in
:mod:`forecast.present.style`.  A chart gets its numbered caption, alt text and CSV
download on the page from :func:`forecast.present.figure`; files are written by
:func:`forecast.io.save_figure`, or by ``present.figure(fig, save_as=...)`` together.
"""

from __future__ import annotations

from forecast.i18n import gettext as _
# STYLE and flops_label stay importable from here, where callers have always found them
from forecast.present.style import (STYLE, figure_axes, flops_axis, flops_label,  # noqa: F401
                                  legend_outside, panel_axes)


def _date_formats() -> dict:
    """ConciseDateFormatter's formats: matplotlib's (English month names) in English, numbered
    months with 年/月/日 in Chinese (``%b`` would print Jul on a Chinese chart)."""
    from forecast.i18n import SOURCE, language

    if language() == SOURCE:
        return {}
    return {"formats": ["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
            "zero_formats": ["", "%Y年", "%m月", "%m月%d日", "%H:%M", "%H:%M"],
            "offset_formats": ["", "%Y年", "%Y年%m月", "%Y年%m月%d日", "%Y年%m月%d日",
                               "%Y年%m月%d日 %H:%M"]}


def plot_history(series, ax=None, title: str | None = None):
    """Separate FLOP/s series (e.g. the components of global compute) on one log axis.

    Parameters
    ----------
    series : Mapping[str, pandas.Series]
        Label -> FLOP/s indexed by year.  Each is drawn on its own; nothing is
        summed (FP32, FP16 and FP64 FLOP/s are different quantities), so put
        the precision in the label.
    """
    fig, ax = figure_axes(ax)
    for i, (label, values) in enumerate(series.items()):
        ax.plot(values.index, values.to_numpy(), marker="o", ms=STYLE["marker_size"],
                color=STYLE["colors"][i % len(STYLE["colors"])], label=label)
    flops_axis(ax)
    ax.set_xlabel(_("year"))
    ax.set_ylabel(_("installed peak compute (FLOP/s)"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or _("Installed computing power by series"))
    legend_outside(ax)
    return fig


def _finish_yearly(ax, ylabel: str, title: str, log: bool = True) -> None:
    """FLOP/s axis against years, labels, the title and a legend outside the data."""
    flops_axis(ax, log=log)
    ax.set_xlabel(_("year"))
    ax.set_ylabel(ylabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title)
    legend_outside(ax)


def _mark_published(ax, published) -> None:
    """Published forecasts as markers: diamonds for point figures, triangles for "more than"."""
    if published is None:
        return
    for j, row in enumerate(published.itertuples(index=False)):
        marker = "^" if getattr(row, "bound", "point") == "lower" else "D"
        ax.plot([row.year], [row.flops], marker, ms=7, color=STYLE["colors"][(j + 3) % 8],
                label=row.label, linestyle="none")


def plot_projection(history, projection, published=None, ax=None, title: str | None = None):
    """History, a constant-growth projection and published forecasts, on a log axis.

    Parameters
    ----------
    history : pandas.Series
        FLOP/s by year (the observed series).
    projection : Mapping[str, pandas.Series]
        Label -> projected FLOP/s by year (drawn dashed).
    published : pandas.DataFrame, optional
        Columns ``year``, ``flops``, ``label`` (and optionally ``bound``:
        "lower" draws an upward triangle for a "more than" figure).
    """
    fig, ax = figure_axes(ax)
    ax.plot(history.index, history.to_numpy(), "o-", color="black", ms=STYLE["marker_size"],
            label=_("published actuals"))
    for i, (label, values) in enumerate(projection.items()):
        ax.plot(values.index, values.to_numpy(), "--", color=STYLE["colors"][i % 8], label=label)
    _mark_published(ax, published)
    precision = history.attrs.get("precision") or "mixed"
    _finish_yearly(ax, _("installed compute (FLOP/s, {precision} precision)").format(
        precision=_(precision)), title or _("Published totals against constant growth"))
    return fig


def plot_forecasts(history, forecasts, ax=None, title: str | None = None, log: bool = True,
                   published=None):
    """Model forecasts with their prediction intervals beside the history.

    Parameters
    ----------
    history : pandas.Series
        Observed values by year.
    forecasts : Mapping[str, pandas.DataFrame]
        Model label -> frame with ``median`` (the line; ``mean`` when absent), ``lower``,
        ``upper`` (``FitResult.forecast``).
    published : pandas.DataFrame, optional
        Published forecasts to mark, as in :func:`plot_projection`.
    """
    fig, ax = figure_axes(ax)
    ax.plot(history.index, history.to_numpy(), "o", color="black", ms=STYLE["marker_size"],
            label=_("published actuals"), zorder=5)
    for i, (label, frame) in enumerate(forecasts.items()):
        color = STYLE["colors"][i % len(STYLE["colors"])]
        x = list(frame.index)
        point = frame["median" if "median" in frame else "mean"]  # the point forecast
        ax.plot(x, point.to_numpy(), color=color, label=label)
        ax.fill_between(x, frame["lower"].to_numpy(), frame["upper"].to_numpy(), color=color,
                        alpha=STYLE["band_alpha"], linewidth=0)
    _mark_published(ax, published)
    _finish_yearly(ax, "FLOP/s", title or _("Model forecasts with prediction intervals"), log=log)
    return fig


def plot_cap_sensitivity(table, ax=None, title: str | None = None, reference=None):
    """Forecast at one year against the fixed ceiling of saturating models.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`forecast.models.cap_sensitivity`: ``model``, ``cap``,
        ``status``, ``mean``, ``lower``, ``upper``.
    reference : Mapping[str, float], optional
        Label -> FLOP/s drawn as horizontal lines (e.g. published 2030 figures).
    """
    fig, ax = figure_axes(ax)
    ok = table[table["status"] == "ok"]
    for i, (model, rows) in enumerate(ok.groupby("model", sort=False)):
        color = STYLE["colors"][i % len(STYLE["colors"])]
        ax.plot(rows["cap"], rows["mean"], "o-", color=color, label=model, ms=STYLE["marker_size"])
        ax.fill_between(rows["cap"], rows["lower"], rows["upper"], color=color,
                        alpha=STYLE["band_alpha"], linewidth=0)
    for j, (label, value) in enumerate((reference or {}).items()):
        ax.axhline(value, color=STYLE["colors"][(j + 4) % 8], linestyle=":", label=label)
    flops_axis(ax)
    flops_axis(ax, which="x")
    ax.set_xlabel(_("fixed ceiling (cap)"))
    ax.set_ylabel(_("forecast (FLOP/s)"))
    ax.set_title(title or _("Saturating forecasts against their fixed ceiling"))
    legend_outside(ax)
    return fig


# --- GPU demand (notebook 02) ------------------------------------------------------------


def plot_revenue_fits(y, fits, horizon: int = 8, level: float = 0.8, ax=None):
    """Quarterly revenue (dots, USD bn) with each model's fit, projection and interval.

    Parameters
    ----------
    y : pandas.Series
        Revenue in USD, indexed by a quarterly PeriodIndex (drawn at quarter ends).
    fits : Mapping[str, FitResult]
        Model name -> result of ``forecast.fit(name, y)``.
    horizon, level : int, float
        Quarters projected, and the coverage of the shaded interval.
    """
    fig, ax = figure_axes(ax)
    x = y.index.to_timestamp(how="end")
    ax.plot(x, y.to_numpy() / 1e9, "o", color="black", ms=STYLE["marker_size"],
            label=_("reported"), zorder=5)
    for i, (name, res) in enumerate(fits.items()):
        color = STYLE["colors"][i % len(STYLE["colors"])]
        ahead = res.forecast(horizon, level=level)
        future = ahead.index.to_timestamp(how="end")
        ax.plot(x, res.fitted.to_numpy() / 1e9, "-", color=color, label=name)
        ax.plot(future, ahead["median"].to_numpy() / 1e9, "--", color=color)  # point forecast
        ax.fill_between(future, ahead["lower"].to_numpy() / 1e9, ahead["upper"].to_numpy() / 1e9,
                        color=color, alpha=STYLE["band_alpha"], linewidth=0)
    ax.set_ylabel(_("USD bn per quarter"))
    ax.set_xlabel(_("quarter end"))
    ax.set_title(_("{name}: fits and projections ({level:.0%} intervals)").format(
        name=_(y.name) if y.name else _("revenue"), level=level))
    ax.grid(True, alpha=STYLE["grid_alpha"])
    legend_outside(ax)
    return fig


def plot_purchases_by_buyer(buyers, ax=None, title: str | None = None):
    """FLOP/s bought per buyer and year as grouped horizontal bars (EFLOPS, one precision).

    Parameters
    ----------
    buyers : pandas.DataFrame
        Columns ``buyer``, ``year``, ``flops`` (FLOP/s; the high reading where
        there is a range), optionally ``flops_low`` (a black line runs down to
        it) and ``precision`` (one value, shown in the axis label).
    """
    import numpy as np

    fig, ax = figure_axes(ax)
    order = buyers.groupby("buyer")["flops"].sum().sort_values().index
    years = sorted(buyers["year"].unique())
    height = 0.8 / len(years)
    for j, year in enumerate(years):
        rows = buyers[buyers["year"] == year].set_index("buyer").reindex(order)
        pos = np.arange(len(order)) + (j - (len(years) - 1) / 2) * height
        high = (rows["flops"] / 1e18).to_numpy()
        ax.barh(pos, high, height=height, color=STYLE["colors"][j % len(STYLE["colors"])],
                label=str(year))
        for where in pos[np.isnan(high)]:  # a buyer without a figure that year: say so
            ax.text(0, where, " " + _("no estimate"), va="center", ha="left",
                    fontsize=STYLE["font_size"] - 2, color="#555555", style="italic")
        if "flops_low" in rows:
            low = (rows["flops_low"] / 1e18).to_numpy()
            spread = low < high
            ax.hlines(pos[spread], low[spread], high[spread], color="black", linewidth=1.5)
    ax.set_yticks(np.arange(len(order)), list(order))
    precision = str(buyers["precision"].iloc[0]) if "precision" in buyers else "peak"
    ax.set_xlabel(_("EFLOPS bought ({precision} peak)").format(precision=_(precision)))
    ax.grid(True, axis="x", alpha=STYLE["grid_alpha"])
    ax.set_title(title or _("Accelerator FLOP/s bought, by buyer and year"))
    legend_outside(ax, title=_("year"))
    return fig


def _point_date(year, point: str = "year"):
    """The date a yearly figure refers to: 30 June for a "mid-year" point, else 31 December."""
    import pandas as pd

    return pd.Timestamp(f"{int(year)}-{'06-30' if point == 'mid-year' else '12-31'}")


def plot_installed_base(base, top_down=None, epoch=None, ax=None, title: str | None = None):
    """Installed FLOP/s stacked by chip (log axis) against top-down and Epoch points.

    Parameters
    ----------
    base : pandas.DataFrame
        Output of :func:`forecast.gpu.installed_base`: ``period`` (quarterly
        Periods or int years), ``accelerator``, ``flops``, ``precision``.
    top_down : pandas.DataFrame, optional
        Columns ``year``, ``point`` ("year" or "mid-year"), ``flops``, ``label``,
        all at the precision of ``base``.
    epoch : pandas.Series, optional
        Year-end FLOP/s indexed by year (drawn as black squares).
    """
    import pandas as pd

    fig, ax = figure_axes(ax)
    wide = base.pivot_table(index="period", columns="accelerator", values="flops",
                            aggfunc="sum", sort=True)
    x = ([p.to_timestamp(how="end") for p in wide.index] if isinstance(wide.index[0], pd.Period)
         else [_point_date(v) for v in wide.index])
    colors = [STYLE["colors"][i % len(STYLE["colors"])] for i in range(len(wide.columns))]
    ax.stackplot(x, wide.to_numpy().T, labels=[_("revenue-implied: {chip}").format(chip=c)
                                     for c in wide.columns],
                 colors=colors, alpha=0.55)
    if epoch is not None:
        ax.plot([_point_date(y) for y in epoch.index], epoch.to_numpy(), "s", color="black",
                ms=STYLE["marker_size"] + 1, label=_("Epoch AI NVIDIA stock (H100e)"), zorder=5)
    if top_down is not None:
        markers = "o^vD<>ph*"
        for i, (label, rows) in enumerate(top_down.groupby("label", sort=True)):
            ax.plot([_point_date(y, p) for y, p in zip(rows["year"], rows["point"])],
                    rows["flops"].to_numpy(), markers[i % len(markers)], linestyle="none",
                    ms=STYLE["marker_size"] + 2, markeredgecolor="black", zorder=6,
                    color=STYLE["colors"][(i + len(colors)) % len(STYLE["colors"])],
                    label=_("top-down: {label}").format(label=_(label)))
    flops_axis(ax)
    # a log axis cannot show the zero stock before the first shipment: start below the
    # smallest positive value drawn
    positive = wide.sum(axis=1)
    floor = min([v for v in positive if v > 0]
                + ([] if top_down is None else list(top_down["flops"]))) / 3
    ax.set_ylim(bottom=floor)
    ax.set_ylabel(_("installed peak ({precision} FLOP/s)").format(
        precision=base["precision"].iloc[0]))
    ax.set_xlabel(_("date (year-end figures at 31 December, mid-year ones at 30 June)"))
    ax.set_title(title or _("Installed NVIDIA GPU compute: bottom-up vs top-down"))
    legend_outside(ax, fontsize=STYLE["font_size"] - 2)
    return fig


# --- scenarios (notebook 03) ----------------------------------------------------------


def fan_chart(simulation, component: str, *, history=None, published=None,
              bands=((5, 95), (25, 75)), ax=None, title: str | None = None,
              history_label: str = "published actuals"):
    """Monte Carlo percentile bands of one component (a fan chart), on a log FLOP/s axis.

    Parameters
    ----------
    simulation : forecast.scenarios.Simulation
        Result of :func:`forecast.scenarios.simulate`.
    component : str
        Component to draw (its precision is shown in the axis label).
    history : pandas.Series, optional
        Observed FLOP/s by year, drawn as black dots (same precision as the component)
        and labelled ``history_label``.
    published : pandas.DataFrame, optional
        Published forecasts to mark: columns ``year``, ``flops``, ``label`` and
        optionally ``bound`` ("lower": an upward triangle, a "more than" figure).
    bands : sequence of (low, high) percentiles
        Shaded bands, outermost first; the median (p50) is drawn as a line.
    """
    fig, ax = figure_axes(ax)
    q = sorted({50, *(p for band in bands for p in band)})
    table = simulation.percentiles(q, components=[component])
    years = table["year"].to_numpy()
    color = STYLE["colors"][0]
    for i, (low, high) in enumerate(bands):
        ax.fill_between(years, table[f"p{low:g}"], table[f"p{high:g}"], color=color,
                        alpha=STYLE["band_alpha"] * (1 + i), linewidth=0,
                        label=_("p{low:g}-p{high:g} of {n:,} paths").format(
                            low=low, high=high, n=simulation.n_paths))
    ax.plot(years, table["p50"], color=color, label=_("median (p50)"))
    if history is not None:
        ax.plot(history.index, history.to_numpy(), "o", color="black", ms=STYLE["marker_size"],
                label=_(history_label), zorder=5)
    if published is not None:
        for j, row in enumerate(published.itertuples(index=False)):
            marker = "^" if getattr(row, "bound", "point") == "lower" else "D"
            ax.plot([row.year], [row.flops], marker, ms=7, linestyle="none", zorder=6,
                    markeredgecolor="black", color=STYLE["colors"][(j + 1) % len(STYLE["colors"])],
                    label=row.label)
    flops_axis(ax)
    ax.xaxis.get_major_locator().set_params(integer=True)
    precision = table["precision"].iloc[0]
    kind = _("mixed-precision sum") if precision == "mixed" else f"{precision} FLOP/s"
    ax.set_ylabel(f"{_(component)} ({kind})")
    ax.set_xlabel(_("year"))
    ax.set_title(title or _("{component}: {scenario} scenario").format(
        component=_(component), scenario=_(simulation.scenario.name)))
    legend_outside(ax)
    return fig


def tornado_chart(table, *, ax=None, title: str | None = None):
    """One-at-a-time sensitivity as a tornado chart (log FLOP/s axis).

    Parameters
    ----------
    table : pandas.DataFrame
        From ``Simulation.sensitivity``: ``assumption``, ``input_low``,
        ``input_high``, ``value_low``, ``value_high``, ``value_base``,
        ``component``, ``year``, ``precision``; rows sorted by swing (largest
        first, drawn at the top).
    """
    import math

    fig, ax = figure_axes(ax)
    rows = table.iloc[::-1].reset_index(drop=True)
    base = float(rows["value_base"].iloc[0])
    labels = []
    for i, row in rows.iterrows():
        ax.barh(i, row["value_low"] - base, left=base, color=STYLE["colors"][1], height=0.6,
                label=_("assumption at its low end") if i == 0 else None)
        ax.barh(i, row["value_high"] - base, left=base, color=STYLE["colors"][2], height=0.6,
                label=_("assumption at its high end") if i == 0 else None)
        if "growth" in row["assumption"]:
            span = _("{low:.1%} to {high:.1%}/yr").format(low=row["input_low"],
                                                         high=row["input_high"])
        else:
            from forecast.units import format_flops

            high = _("none") if math.isinf(row["input_high"]) else format_flops(row["input_high"])
            span = _("{low} to {high}").format(low=format_flops(row["input_low"]), high=high)
        labels.append(f"{_(row['assumption'])}\n({span})")
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(range(len(rows)), labels)
    flops_axis(ax, which="x")
    from forecast.units import format_flops

    first = table.iloc[0]
    kind = _("mixed-precision sum") if first["precision"] == "mixed" else first["precision"]
    ax.set_xlabel(_("{component} in {year} ({kind}; others at their median, base {base})").format(
        component=_(first["component"]), year=first["year"], kind=kind, base=format_flops(base)))
    ax.set_title(title or _("What moves the projection: one assumption at a time"))
    legend_outside(ax, where="below")
    return fig



def plot_vintages(paths, actual, ax=None, title: str | None = None):
    """Every published forecast path against the actuals, one log panel per quantity.

    Parameters
    ----------
    paths : pandas.DataFrame
        :func:`forecast.vintages.implied_paths` (FLOP/s by edition and year).
        One panel per (scope, component, precision); ``ax`` only for one.
    actual : pandas.DataFrame
        :func:`forecast.vintages.actuals`.  The line joins, for each year, the
        most recently published figure; other sources' figures for the same
        year are drawn as hollow grey circles (conflicts stay visible).

    Notes
    -----
    Paths are dashed between stated points; stated figures are circles,
    "more than" figures upward triangles, the base a small square; an edition
    that gives only a target is a lone marker.
    """
    import pandas as pd

    from forecast.data import partial_date
    from forecast.analysis.vintages import KEYS

    # the most revised quantity first
    counts = paths.groupby(list(KEYS), sort=True, dropna=False)["edition"].nunique()
    keys = list(counts.sort_values(ascending=False, kind="stable").index)
    fig, axes = panel_axes(len(keys), ax)
    for axis, key in zip(axes, keys):
        quantity = dict(zip(KEYS, key))
        same = (actual[list(KEYS)] == pd.Series(quantity)).all(axis=1)
        act = actual[same].assign(_when=[partial_date(p) for p in actual.loc[same, "published"]])
        if not act.empty:
            act = act.sort_values(["year", "_when"])
            latest = act.groupby("year").tail(1)
            others = act.drop(latest.index)
            axis.plot(latest["year"], latest["flops"], "o-", color="black", lw=2,
                      ms=STYLE["marker_size"], label=_("actual (latest published)"), zorder=5)
            if not others.empty:
                axis.plot(others["year"], others["flops"], "o", mfc="none", color="grey",
                          ms=STYLE["marker_size"] + 1, label=_("actual (other sources)"), zorder=4)
        mine = paths[(paths[list(KEYS)] == pd.Series(quantity)).all(axis=1)]
        editions = mine.groupby(["publisher", "edition", "published"], sort=False)
        for i, ((publisher, edition, published), rows) in enumerate(editions):
            color = STYLE["colors"][i % len(STYLE["colors"])]
            label = f"{publisher.split(' (')[0]} {edition} ({str(published)[:7]})"
            if rows["how"].iloc[0] != "target only":
                axis.plot(rows["year"], rows["flops"], "--", color=color, lw=1.3, label=label)
                label = None
            base = rows[rows["point"] == "base"]
            axis.plot(base["year"], base["flops"], "s", color=color, ms=STYLE["marker_size"] - 1)
            for bound, marker in (("point", "o"), ("lower", "^")):
                marks = rows[rows["point"].isin(["stated", "from CAGR", "from multiple"])
                             & (rows["bound"] == bound)]
                if not marks.empty:
                    axis.plot(marks["year"], marks["flops"], marker, color=color,
                              ms=STYLE["marker_size"] + 2, label=label, linestyle="none")
                    label = None
        flops_axis(axis)  # labels minor ticks too when a panel spans under two decades
        years = sorted(set(mine["year"]) | set(act["year"]))
        if len(years) == 1:  # a lone target: keep the year axis readable
            axis.set_xlim(years[0] - 2, years[0] + 1)
        axis.xaxis.get_major_locator().set_params(integer=True)
        axis.set_xlabel(_("year"))
        axis.set_ylabel(f"FLOP/s ({_(quantity['precision'])})")  # "mixed" is a word
        axis.set_title(title if title and len(keys) == 1
                       else " / ".join(_(str(v)) for v in quantity.values()))
        legend_outside(axis, where="below", fontsize=STYLE["font_size"] - 2, ncol=2)
    if len(keys) > 1:
        fig.suptitle(title or _("Published forecast paths against the actuals"))
    if ax is None:
        fig.set_layout_engine("constrained")  # legends below each panel get their own room
    return fig


def plot_backtest_errors(scores, metric: str = "mape", ax=None, title: str | None = None,
                         benchmark: str | None = "cagr"):
    """A backtest metric by forecast horizon, one line per model.

    Parameters
    ----------
    scores : pandas.DataFrame or Mapping[str, pandas.DataFrame]
        :func:`forecast.backtest.score` output (columns model, horizon, n and
        the metric); a mapping label -> scores draws one panel per series.
    metric : str
        The column to draw (e.g. ``"mape"``, percent).
    benchmark : str or None
        Drawn in black, dashed and thicker (the naive constant-CAGR model).

    Notes
    -----
    Models with no successful forecast at a horizon have no point there.
    """
    from forecast.analysis.backtest import get_metric

    spec = get_metric(metric)
    named = dict(scores) if hasattr(scores, "keys") and not hasattr(scores, "columns") \
        else {title or "": scores}
    fig, axes = panel_axes(len(named), ax)
    for axis, (label, table) in zip(axes, named.items()):
        models = list(dict.fromkeys(table["model"]))
        others = [m for m in models if m != benchmark]
        # the benchmark first and thick, so a model that matches it stays visible on top
        for i, model in enumerate(([benchmark] if benchmark in models else []) + others):
            rows = table[(table["model"] == model) & table[metric].notna()].sort_values("horizon")
            if model == benchmark:
                style = {"color": "black", "lw": 3.0, "ls": "--", "zorder": 1}
            else:
                style = {"color": STYLE["colors"][i % len(STYLE["colors"])], "lw": 1.3}
            name = _("{model} (benchmark)").format(model=model) if model == benchmark else model
            axis.plot(rows["horizon"], rows[metric], marker="o", ms=STYLE["marker_size"],
                      label=name if len(rows) else _("{name}: no successful fit").format(
                          name=name), **style)
        horizons = sorted(set(table["horizon"]))
        axis.set_xticks(horizons)
        axis.set_xlim(min(horizons) - 0.5, max(horizons) + 0.5)
        values = table[metric].dropna()
        if len(values) and (values >= 0).all():  # errors and coverage start at zero
            axis.set_ylim(0, 1.1 * values.max() if values.max() > 0 else 1.0)
        axis.set_xlabel(_("horizon (periods after the cutoff)"))
        axis.set_ylabel(_(spec.description.split(":")[0]))
        axis.grid(True, alpha=STYLE["grid_alpha"])
        axis.set_title(_(label) if label else _("Backtest {metric} by horizon").format(
            metric=metric))
        legend_outside(axis, where="below", fontsize=STYLE["font_size"] - 2)
    if len(named) > 1:
        fig.suptitle(title or _("Backtest {metric} by horizon").format(metric=metric))
    if ax is None:
        fig.set_layout_engine("constrained")
    return fig


# --- comparisons across scenarios and runs (notebook 03, the site) -------------------------


def fan_comparison(percentiles, component: str = "total", *, layout: str = "overlay",
                   history=None, published=None, band=(5, 95), ax=None,
                   title: str | None = None):
    """Several scenarios' fans on one FLOP/s axis (overlaid, or side by side sharing it).

    Parameters
    ----------
    percentiles : pandas.DataFrame
        ``Simulation.percentiles`` of each scenario, concatenated: columns
        ``scenario``, ``component``, ``precision``, ``year``, ``p50`` and the
        band's ``p<low>``/``p<high>`` (FLOP/s).
    component : str
        The component drawn (one precision).
    layout : "overlay" or "panels"
        One axis with every scenario's band and median, or one panel per
        scenario with the y axis shared (ax must then be None).
    history, published : as in :func:`fan_chart` (drawn on every panel).
    band : (low, high) percentiles shaded.
    """
    import matplotlib.pyplot as plt

    from forecast.errors import ParameterError

    rows = percentiles[percentiles["component"] == component]
    if rows.empty:
        raise ParameterError("no rows for this component", name="component", value=component,
                             expected="one of " + ", ".join(map(str, percentiles["component"].unique())))
    if layout not in ("overlay", "panels"):
        raise ParameterError("unknown layout", name="layout", value=layout,
                             expected="'overlay' or 'panels'")
    low, high = (f"p{q:g}" for q in band)
    names = list(dict.fromkeys(rows["scenario"]))
    if layout == "panels":
        if ax is not None:
            raise ParameterError("side-by-side panels need their own figure", name="ax",
                                 expected="ax=None with layout='panels'")
        plt.rcParams.update({"font.size": STYLE["font_size"]})
        width, height = STYLE["figsize"]
        fig, axes = plt.subplots(1, len(names), sharey=True, squeeze=False, dpi=STYLE["dpi"],
                                 figsize=(max(width, 3.2 * len(names)), height))
        axes = list(axes.flat)
    else:
        fig, one = figure_axes(ax)
        axes = [one] * len(names)
    precision = rows["precision"].iloc[0]
    kind = _("mixed-precision sum") if precision == "mixed" else f"{precision} FLOP/s"
    for i, (name, axis) in enumerate(zip(names, axes)):
        mine = rows[rows["scenario"] == name].sort_values("year")
        color = STYLE["colors"][i % len(STYLE["colors"])]
        axis.fill_between(mine["year"], mine[low], mine[high], color=color,
                          alpha=STYLE["band_alpha"] * 1.5, linewidth=0,
                          label=f"{_(name)}: {low}-{high}")
        axis.plot(mine["year"], mine["p50"], color=color, lw=1.8,
                  label=_("{name}: median").format(name=_(name)))
        if layout == "panels" or i == len(names) - 1:
            if history is not None:
                axis.plot(history.index, history.to_numpy(), "o", color="black",
                          ms=STYLE["marker_size"], label=_("published actuals"), zorder=5)
            _mark_published(axis, published)
            flops_axis(axis)
            axis.xaxis.get_major_locator().set_params(integer=True)
            axis.set_xlabel(_("year"))
        if layout == "panels":
            axis.set_title(_("{name} scenario").format(name=_(name)))
            legend_outside(axis, where="below", ncol=1)
    axes[0].set_ylabel(f"{_(component)} ({kind})")
    heading = title or _("{component}: scenarios compared on one axis").format(
        component=_(component))
    if layout == "panels":
        fig.suptitle(heading)
        fig.set_layout_engine("constrained")
    else:
        axes[0].set_title(heading)
        legend_outside(axes[0])
    return fig


#: marker shapes of the forecast-history series; with the 8 colours of STYLE, the first 40
#: series each get their own (colour, marker) pair (8 and 10 are coprime to 40's factors)
HISTORY_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def plot_forecast_history(history, *, year: int, ax=None, title: str | None = None):
    """How a forecast for ``year`` moved, run by run, one series per forecast.

    Parameters
    ----------
    history : pandas.DataFrame
        Rows of the forecast history (:func:`forecast.history.load_history`)
        with ``run_time``, ``notebook``, ``model``, ``year``, ``median``,
        ``lower``, ``upper``, ``unit`` and a boolean ``canonical`` (the run used
        the notebook's default parameters); ``target``, ``scope``,
        ``component``, ``precision`` and ``parameters`` identify the series when
        present.  FLOP/s rows only are drawn.
    year : int
        The forecast year followed (e.g. 2030).

    Notes
    -----
    A series is one forecast (:data:`forecast.data.history.SERIES_COLUMNS`: notebook,
    target, scope, component, precision, model and parameters), never a label holding a
    figure, so a forecast that moved stays one series.  Each series has its own colour
    and marker (unique for 40 series) and its legend label names the notebook number,
    the model, the scope when several are drawn, and "exploratory" for non-default
    parameters (with the series id when two labels would otherwise be equal).
    Canonical series are filled markers joined by a line, with their interval as an
    error bar; exploratory series are hollow markers without a line.  The legend takes
    two columns above 10 series.
    """
    import pandas as pd

    from forecast.data.history import SERIES_COLUMNS, series_ids

    fig, ax = figure_axes(ax)
    rows = history[(history["year"].astype(float) == year) & (history["unit"] == "FLOP/s")].copy()
    rows["when"] = pd.to_datetime(rows["run_time"], utc=True, format="ISO8601").dt.tz_localize(None)
    if "canonical" not in rows:
        rows["canonical"] = True
    for column in SERIES_COLUMNS:  # rows from elsewhere may lack a column: it then tells none apart
        if column not in rows:
            rows[column] = "" if column != "parameters" else "{}"
    rows["series"] = series_ids(rows) + rows["canonical"].map({True: "", False: "x"})
    groups = list(rows.groupby("series", sort=False))
    groups.sort(key=lambda item: (item[1]["notebook"].iloc[0], item[1]["model"].iloc[0],
                                  not item[1]["canonical"].all(), item[0]))
    several_scopes = rows["scope"].nunique() > 1
    labels = []
    for series, mine in groups:
        first = mine.iloc[0]
        label = f"{str(first['notebook']).split('_', 1)[0]} {first['model']}"
        label += f" {first['scope']}" if several_scopes else ""
        labels.append(label + ("" if mine["canonical"].all() else " " + _("(exploratory)")))
    for i, ((series, mine), label) in enumerate(zip(groups, labels)):
        if labels.count(label) > 1:
            label = f"{label} {series[:9]}"
        color = STYLE["colors"][i % len(STYLE["colors"])]
        marker = HISTORY_MARKERS[i % len(HISTORY_MARKERS)]
        canonical = bool(mine["canonical"].all())
        mine = mine.sort_values("when")
        y = mine["median"].astype(float).to_numpy()
        spread = [y - mine["lower"].astype(float).to_numpy(),
                  mine["upper"].astype(float).to_numpy() - y]
        ax.errorbar(mine["when"], y, yerr=spread, fmt="none", ecolor=color, capsize=2,
                    lw=0.8, alpha=1.0 if canonical else 0.5)
        ax.plot(mine["when"], y, linestyle="-" if canonical else "None", marker=marker,
                color=color, mfc=color if canonical else "white",
                ms=STYLE["marker_size"] + (0 if canonical else 1), lw=1.2, label=label)
    flops_axis(ax)
    ax.set_xlabel(_("run time (UTC)"))
    ax.set_ylabel(_("forecast for {year} (FLOP/s, median and interval)").format(year=year))
    ax.set_title(title or _("How the {year} forecast moved, run by run").format(year=year))
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, **_date_formats()))
    legend_outside(ax, ncol=2 if len(groups) > 10 else 1)
    return fig
