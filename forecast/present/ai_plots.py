"""Charts of the bottom-up AI compute forecast (notebook 00): flows, stock fan, share fan,
tornado, revenue bridge.  Each takes ``ax=None`` and returns the Figure; FLOP/s are dense FP16.

Texts drawn with values are translated here (:mod:`forecast.i18n`); constant titles are only
marked (``N_``): :func:`forecast.present.figure` translates every text of the chart, after
naming the chart's CSV download by its English title."""

from __future__ import annotations

import numpy as np

from forecast.i18n import N_
from forecast.i18n import gettext as _
from forecast.present.style import STYLE, figure_axes, flops_axis, legend_outside

#: legend text of each share basis (``AIComputeForecast.shares``)
BASIS_LABELS = {"shipments_h100e": N_("of the year's shipments, H100e"),
                "shipments_flops": N_("of the year's shipments, FP16 FLOP/s"),
                "stock_flops": N_("of the installed stock, FP16 FLOP/s")}


def _color(i: int) -> str:
    return STYLE["colors"][i % len(STYLE["colors"])]


def _finish_years(ax, xlabel: str, ylabel: str, title: str) -> None:
    """Log FLOP/s y-axis against whole years, labels, title, legend outside."""
    flops_axis(ax)
    ax.set_xlabel(_(xlabel))
    ax.set_ylabel(_(ylabel))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title)
    legend_outside(ax)


def plot_flows(flows, implied=None, ax=None, title: str | None = None):
    """Quarterly FP16 FLOP/s shipped by designer (``ai_flows.quarterly_flows``), log scale;
    ``implied`` (``ai_flows.implied_flow``) adds NVIDIA's revenue-implied flow per quarter
    (a fiscal year's flow / 4, drawn at the middle of its calendar year)."""
    fig, ax = figure_axes(ax)
    for i, (designer, rows) in enumerate(flows.groupby("designer", sort=False)):
        t = rows["quarter"].dt.year + (rows["quarter"].dt.quarter - 0.5) / 4
        ax.plot(t, rows["flops"], marker="o", ms=STYLE["marker_size"] - 2, color=_color(i),
                label=_("{designer} (counted, Epoch AI)").format(designer=designer))
    if implied is not None and len(implied):
        ax.errorbar(implied["calendar_year"] + 0.5, implied["flops"] / 4,
                    yerr=[(implied["flops"] - implied["flops_p5"]) / 4,
                          (implied["flops_p95"] - implied["flops"]) / 4],
                    fmt="s", ms=4, color="black", alpha=0.7,
                    label=_("NVIDIA, revenue-implied (per quarter, 90% price scatter)"))
    _finish_years(ax, N_("year"), N_("dense FP16 peak shipped per quarter (FLOP/s)"),
                  title or N_("AI accelerator shipments by designer"))
    return fig


def plot_stock_fan(table, ax=None, title: str | None = None, measure: str = "stock",
                   published=None):
    """The total's 5-95% fan and median by year, each designer's median, observed years
    as dots (rows of ``AIComputeForecast.table()``); ``published`` (a Series year ->
    FLOP/s, e.g. ``ai_flows.epoch_year_end()``) is drawn as crosses, labelled by its name."""
    fig, ax = figure_axes(ax)
    rows = table[table["measure"] == measure]
    total = rows[rows["designer"] == "all"]
    ax.fill_between(total["year"], total["p5"], total["p95"], color=_color(0),
                    alpha=STYLE["band_alpha"], label=_("all designers, 5-95%"))
    ax.plot(total["year"], total["p50"], color=_color(0), label=_("all designers, median"))
    seen = total[total["kind"] == "observed"]
    ax.plot(seen["year"], seen["p50"], "o", color="black", ms=STYLE["marker_size"],
            label=_("from counted shipments"))
    if published is not None and len(published):
        ax.plot(published.index, published.to_numpy(), "x", color=_color(6),
                ms=STYLE["marker_size"] + 2, label=_(published.name or N_("published figures")))
    for i, (designer, part) in enumerate(rows[rows["designer"] != "all"].groupby("designer")):
        ax.plot(part["year"], part["p50"], linestyle="--", color=_color(i + 1),
                label=_("{designer}, median").format(designer=designer))
    _finish_years(ax, N_("year (end)"), N_("installed dense FP16 peak (FLOP/s)")
                  if measure == "stock" else N_("dense FP16 peak shipped in the year (FLOP/s)"),
                  title or N_("Installed AI accelerator compute"))
    return fig


def plot_share_fan(shares, ax=None, title: str | None = None, designer: str = "NVIDIA"):
    """A designer's share by year and basis (``AIComputeForecast.shares``): bands 5-95%."""
    from matplotlib.ticker import PercentFormatter

    fig, ax = figure_axes(ax)
    for i, (basis, rows) in enumerate(shares.groupby("basis", sort=False)):
        ax.fill_between(rows["year"], rows["p5"], rows["p95"], color=_color(i),
                        alpha=STYLE["band_alpha"])
        ax.plot(rows["year"], rows["p50"], color=_color(i), marker="o",
                ms=STYLE["marker_size"] - 2, label=_(BASIS_LABELS.get(basis, basis)))
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(True, axis="y", alpha=STYLE["grid_alpha"])
    ax.set_xlabel(_("year"))
    ax.set_ylabel(_("{designer}'s share").format(designer=designer))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or _("{designer}'s share, median and 5-95%").format(designer=designer))
    legend_outside(ax)
    return fig


def plot_tornado(sensitivity, ax=None, title: str | None = None):
    """Median stock when one assumption moves (``ai_compute.sensitivity``): a bar per
    parameter from its low to its high setting, the base as a line; log FLOP/s axis."""
    fig, ax = figure_axes(ax)
    rows = sensitivity.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(rows))
    low = np.minimum(rows["low"], rows["high"])
    high = np.maximum(rows["low"], rows["high"])
    ax.barh(y, high - low, left=low, color=_color(0), alpha=0.6, height=0.5)
    for i, r in rows.iterrows():
        # each setting's label outside its end of the bar: the smaller value to the left
        for setting, value in ((r["low_setting"], r["low"]), (r["high_setting"], r["high"])):
            left = value <= min(r["low"], r["high"])
            ax.annotate(f"{setting:g}" if isinstance(setting, float) else _(str(setting)),
                        (value, i), xytext=(-4 if left else 4, 0), textcoords="offset points",
                        ha="right" if left else "left", va="center",
                        fontsize=STYLE["font_size"] - 1)
    ax.axvline(rows["base"].iloc[0], color="black", lw=1, label=_("default settings"))
    ax.set_xlim(low.min() / 1.6, high.max() * 1.6)  # room for the settings' labels
    ax.set_yticks(y, [_(p) for p in rows["parameter"]])
    flops_axis(ax, which="x")
    ax.set_xlabel(_("median installed dense FP16 peak, {year} (FLOP/s)").format(
        year=sensitivity.attrs.get("year", "")))
    ax.set_title(title or N_("What moves the forecast"))
    legend_outside(ax)
    return fig


def plot_bridge(bridge, ax=None, title: str | None = None):
    """Revenue-implied vs counted NVIDIA shipments per year (``ai_flows.bridge``), FLOP/s."""
    fig, ax = figure_axes(ax)
    ax.errorbar(bridge["year"], bridge["implied"],
                yerr=[bridge["implied"] - bridge["implied_p5"],
                      bridge["implied_p95"] - bridge["implied"]],
                fmt="s", color=_color(1), capsize=3,
                label=_("revenue / price of a FLOP/s (90% price scatter)"))
    ax.plot(bridge["year"], bridge["counted"], "o", color=_color(0), ms=STYLE["marker_size"] + 1,
            label=_("counted (Epoch AI chip timelines)"))
    _finish_years(ax, N_("calendar year (fiscal year - 1)"),
                  N_("NVIDIA dense FP16 peak shipped (FLOP/s)"),
                  title or N_("Does the revenue bridge hold?"))
    return fig


def plot_coverage(coverage, ax=None, title: str | None = None):
    """Coverage of the replayed bands by horizon (``hindcast.coverage``) against nominal."""
    from matplotlib.ticker import PercentFormatter

    fig, ax = figure_axes(ax)
    for i, column in enumerate(c for c in coverage.columns if c.startswith("coverage_")):
        nominal = int(column.split("_")[1]) / 100
        ax.plot(coverage["horizon"], coverage[column], marker="o", color=_color(i),
                label=_("{nominal:.0%} band: share of outcomes inside").format(nominal=nominal))
        ax.axhline(nominal, color=_color(i), linestyle=":", lw=1)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_("horizon (years)"))
    ax.set_ylabel(_("coverage"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, axis="y", alpha=STYLE["grid_alpha"])
    ax.set_title(title or N_("Track record on a long series"))
    legend_outside(ax)
    return fig
