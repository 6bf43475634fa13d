"""The sweep page: what moves each headline figure, which parameter matters most, what failed.

``outputs/sweeps/NAME/index.html`` is built from ``sweep.csv`` alone (plus the
run facts of ``sweep.json``), so it can be rebuilt at any time, and it is
self-contained like the other pages: figures are PNG ``data:`` URIs, styles
inline, no script, nothing fetched from a network.  ``outputs/sweeps/index.html``
lists every sweep.

**Influence** (which parameter moves each headline figure, by how much, and its share of the
figure's variance) is computed by :mod:`forecast.analysis.influence`; this module renders it.
The ranking and the charts depend only on ``sweep.csv``, so they are kept in
``.page-cache.json`` and a rerun with every point cached rewrites the page without pandas or
matplotlib work (:func:`write_pages`).

**Panels.**  One chart per headline figure, one panel per parameter: the
parameter's values on the x axis; for each value, the median over the other
parameters (line) and the spread from their minimum to their maximum (band),
with every point drawn.  A linear axis spans at least :data:`MIN_RELATIVE_SPAN` of the
figure's median (from zero at most), so that Monte Carlo noise of 1-2% stays a flat line
instead of filling the panel; the title and the caption state how far the figure moves
across the sweep relative to its median.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io as _bytes_io
import json
import math
from pathlib import Path

from forecast import files
from forecast._version import __version__
from forecast.i18n import SOURCE, catalog_dir, language
from forecast.i18n import gettext as _
from forecast.present import html as shell
from forecast.present.html import escape
from forecast.analysis.influence import (  # the analysis lives there; the page renders it
    eta_squared, figures, groups, influence, is_numeric, is_whole, label, ranking, spread,
    value_column)

__all__ = ["effect_chart", "render", "render_list", "write_pages", "eta_squared"]

#: charts drawn on one page at most (every figure stays in sweep.csv and the influence table)
MAX_CHARTS = 40
#: point rows listed on the page at most (sweep.json lists them all)
MAX_POINT_ROWS = 300
#: a linear axis spans at least this share of the figure's median, so that noise looks like noise
MIN_RELATIVE_SPAN = 0.2

# -- charts ------------------------------------------------------------------------------------

def effect_chart(rows, columns: dict, *, value: str, title: str, unit: str | None = None,
                 axes=None):
    """How one headline figure moves with each parameter: one panel per parameter.

    Parameters
    ----------
    rows : the sweep rows of one figure (one per point).
    columns : parameter name -> column of ``rows``.
    value : the column plotted (``median``).  unit : its unit, for the axis label.
    axes : a sequence of matplotlib Axes, one per parameter (None: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import numpy as np
    from matplotlib.figure import Figure

    from forecast.present.plots import STYLE, flops_label

    if language() != SOURCE:  # Chinese labels: the CJK font as fallback, no glyph as a box
        from forecast.present import fonts

        fonts.use_for_charts()
    n = len(columns)
    if axes is None:
        ncols = min(n, 4)
        nrows = math.ceil(n / ncols)
        fig = Figure(figsize=(3.1 * ncols + 0.6, 2.7 * nrows + 0.5), dpi=100)
        axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel())
        for extra in axes[n:]:
            extra.set_visible(False)
    fig = axes[0].figure
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    y_all = rows[value].astype(float)
    # a log axis when the values span more than a factor of 3 (below that it has too few ticks)
    log = unit == "FLOP/s" and bool((y_all > 0).all()) and y_all.max() > 3 * y_all.min()
    color, band = STYLE["colors"][0], STYLE["band_alpha"]
    for ax, (name, column) in zip(axes, columns.items()):
        x = rows[column]
        numeric = is_numeric(x)
        g = groups(x)
        stats = y_all.groupby(g.to_numpy()).agg(["median", "min", "max"])
        if numeric:
            centre = x.groupby(g.to_numpy()).median()
            order = np.argsort(centre.to_numpy())
            xs = centre.to_numpy()[order]
            ax.scatter(x, y_all, s=9, color="#7f7f7f", alpha=0.5, zorder=2, label=_("points"))
        else:
            labels_ = list(dict.fromkeys(x.astype(str)))
            order = [list(stats.index).index(v) for v in labels_]
            xs = np.arange(len(labels_))
            pos = {v: i for i, v in enumerate(labels_)}
            ax.scatter([pos[v] for v in x.astype(str)], y_all, s=9, color="#7f7f7f",
                       alpha=0.5, zorder=2, label=_("points"))
            ax.set_xticks(xs, labels_, rotation=30 if len(labels_) > 3 else 0, ha="right"
                          if len(labels_) > 3 else "center")
        med = stats["median"].to_numpy()[order]
        ax.fill_between(xs, stats["min"].to_numpy()[order], stats["max"].to_numpy()[order],
                        color=color, alpha=band, linewidth=0,
                        label=_("spread across the others"))
        ax.plot(xs, med, color=color, marker="o", markersize=4,
                label=_("median over the others"))
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=STYLE["grid_alpha"])
        ax.tick_params(labelsize=8)
        if numeric and is_whole(x):
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        if unit == "FLOP/s":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: flops_label(v)))
        if log:  # labelled ticks at 1, 2 and 5 of each decade when under two decades
            ax.set_yscale("log")
            narrow = y_all.max() < 100 * y_all.min()
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow
                                                  else (1.0,)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: flops_label(v)))
            ax.yaxis.set_minor_formatter(NullFormatter())
        elif unit == "FLOP/s":
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    moved = spread(y_all)
    if not log and math.isfinite(moved["median"]):  # never stretch noise across the whole axis
        low, high = axes[0].get_ylim()  # shared by the panels
        half = MIN_RELATIVE_SPAN * abs(moved["median"]) / 2
        low, high = min(low, moved["median"] - half), max(high, moved["median"] + half)
        if moved["min"] >= 0:
            low = max(low, 0.0)
        axes[0].set_ylim(low, high)
    axes[0].set_ylabel(f"{_(value)} ({unit})" if unit else _(value), fontsize=9)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(_("{figure}: the sweep spans {share} of the median").format(
        figure=title, share=f"{moved['relative']:.1%}"), fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return fig


def _png(fig) -> str:
    buffer = _bytes_io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode()


# -- pages --------------------------------------------------------------------------------------

def _point_links(sweep_dir: Path, point: str, stem: str) -> str:
    found = []
    for rel, text in ((f"points/{point}/html/{stem}.html", _("page")),
                      (f"points/{point}/notebooks/{stem}.ipynb", _("notebook")),
                      (f"points/{point}/failed/{stem}.html", _("failed page")),
                      (f"points/{point}/failed/{stem}.ipynb", _("failed notebook")),
                      (f"points/{point}/tables/headline_{stem}.csv", _("headline"))):
        if (sweep_dir / rel).is_file():
            found.append(f'<a href="{escape(rel)}">{escape(text)}</a>')
    return " · ".join(found)


def _fmt(value, log: bool, unit: str | None) -> str:
    from forecast.present import format_value

    if log:
        return f"{value:+.1%}" if abs(value) < 10 else f"x{value + 1:.3g}"
    if unit == "FLOP/s":
        return format_value(value, "flops")
    return format_value(value, "sig3")


def analysis_section(info: dict, text: str) -> str:
    """The page's costly part, HTML: the ranking and one chart per figure (pandas, matplotlib).

    It depends only on ``sweep.csv``'s text, the swept parameters and their columns, so
    :func:`write_pages` keeps it in ``.page-cache.json`` and a rerun that changes none of them
    (every point cached) skips it.
    """
    import pandas as pd

    frame = pd.read_csv(_bytes_io.StringIO(text), keep_default_na=False, na_values=[""],
                        dtype={"point": str, "status": str, "error": str})
    stem = info["notebook"]
    columns = {p: info.get("columns", {}).get(p, p) for p in info["swept"]}
    columns = {p: c for p, c in columns.items() if c in frame.columns}
    value = value_column(frame)
    unit_col = frame["unit"].dropna().unique() if "unit" in frame.columns else []
    units = {str(u) for u in unit_col}
    parts = []

    figs = figures(frame) if value and columns else []
    table = influence(frame, columns) if figs else None
    parts.append(f"<h2>{escape(_('What moves the answer'))}</h2>")
    if table is None or table.empty:
        parts.append("<p>" + escape(_("No headline figure to compare: no point finished with a "
                                      "headline table ({table}).")).format(
            table=f"<code>tables/headline_{escape(stem)}.csv</code>") + "</p>")
    else:
        rank = ranking(table)
        parts.append("<p>" + _(
            "Parameters ranked by how far they move the headline figures. The <em>swing</em> "
            "of a parameter in a figure is how far the figure's {value} moves across the "
            "parameter's values, taking at each value the median over the other parameters. "
            "The ranking uses its mean over the figures (a ratio when every value is "
            "positive). The <em>share of variance</em> is the part of a figure's variance "
            "across the sweep that the parameter explains on its own (its main effect, on the "
            "log scale when every value is positive), averaged over the figures: a parameter "
            "can explain all of a figure that hardly moves.").format(value=escape(_(value)))
            + "</p>")
        rows, unit = [], next(iter(units), None)
        top = max(float(rank["mean_move"].max()), 1e-300)
        for i, r in rank.iterrows():
            width = int(round(160 * r["mean_move"] / top))
            typical = _fmt(math.expm1(r["mean_move"]), True, unit) if r["log"] else \
                _("{share} of the median").format(share=f"{r['mean_move']:.1%}")
            rows.append(f"<tr><td class=\"cf-num\">{i + 1}</td><td><code>{escape(r['parameter'])}"
                        f"</code></td><td class=\"cf-num\">{escape(typical)}</td><td>"
                        f"<span class=\"cf-bar\" style=\"width:{width}px\"></span></td>"
                        f"<td class=\"cf-num\">{r['mean_eta2']:.1%}</td>"
                        f"<td class=\"cf-num\">{escape(_fmt(r['swing'], r['log'], unit))}</td>"
                        f"<td>{escape(r['figure'])}</td></tr>")
        head = "".join(f"<th>{escape(h)}</th>" for h in (
            _("rank"), _("parameter"), _("mean swing"), "", _("mean share of variance"),
            _("largest swing"), _("in figure")))
        parts.append(f'<table class="cf-list"><tr>{head}</tr>' + "".join(rows) + "</table>")
        parts.append(f"<h2>{escape(_('How each headline figure moves with each parameter'))}</h2>")
        parts.append("<p>" + escape(_(
            "One chart per headline figure ({value} of the headline table), one panel per "
            "parameter: the line is the median over the other parameters at each value, the "
            "band their spread (minimum to maximum), dots are points.").format(value=_(value)))
            + "</p>")
        for key, rows_ in figs[:MAX_CHARTS]:
            unit = str(rows_["unit"].iloc[0]) if "unit" in rows_.columns else None
            fig = effect_chart(rows_, columns, value=value, title=label(key), unit=unit)
            alt = _("{figure}: {value} against {parameters}").format(
                figure=label(key), value=_(value), parameters=", ".join(columns))
            moved = spread(rows_[value])
            caption = _("{figure} ({n} points): across the sweep the {value} spans {low} to "
                        "{high}, {share} of its median {median}").format(
                figure=label(key), n=len(rows_), value=_(value),
                low=_fmt(moved["min"], False, unit), high=_fmt(moved["max"], False, unit),
                share=f"{moved['relative']:.1%}", median=_fmt(moved["median"], False, unit))
            parts.append(f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,'
                         f'{_png(fig)}"><figcaption class="cf-small">{escape(caption)}'
                         "</figcaption></figure>")
        if len(figs) > MAX_CHARTS:
            parts.append("<p>" + escape(_(
                "{n} more figures are in the influence table and in sweep.csv; charts are drawn "
                "for the first {max}.").format(n=len(figs) - MAX_CHARTS, max=MAX_CHARTS))
                + "</p>")
    return "\n".join(parts)


def render(info: dict, text: str, sweep_dir: Path, *, root_index: bool = False,
           analysis: str | None = None) -> str:
    """The HTML of one sweep page from its ``sweep.json`` facts and ``sweep.csv`` text
    (``analysis``: :func:`analysis_section`, computed here when None)."""
    stem, name = info["notebook"], info["name"]
    counts = info.get("counts", {})
    links = ['<a href="sweep.csv">sweep.csv</a>', '<a href="sweep.json">sweep.json</a>',
             f'<a href="../index.html">{escape(_("all sweeps"))}</a>']
    if root_index:
        links.append(f'<a href="../../index.html">{escape(_("all notebooks"))}</a>')
    swept = ", ".join(f"<code>{escape(p)}</code>" for p in info["swept"])
    fixed = ", ".join(f"<code>{escape(p)}</code>" for p in info.get("fixed", []))
    method = (escape(_("; {parameters} drawn by {method} sampling").format(
        parameters=", ".join(info["sampled"]), method=info["method"]))
        if info.get("sampled") else "")
    fixed = escape(_("; fixed: {parameters}")).format(parameters=fixed) if fixed else ""
    last = _("Last sweep: {ok} ran, {cached} cached, {failed} failed").format(
        ok=counts.get("ok", 0), cached=counts.get("cached", 0), failed=counts.get("failed", 0))
    if counts.get("not run"):
        last += _(", {n} not run").format(n=counts["not run"])
    parts = [f"<h1>{escape(_('Sweep {name}: {notebook}').format(name=name, notebook=stem))}</h1>",
             f'<p class="cf-small">{" · ".join(links)}</p>',
             "<p>" + escape(_("{points}{method}{fixed}. {last} ({executor}, {seconds} s).")).format(
                 points=escape(_("{n} points of {notebook} over {parameters}")).format(
                     n=len(info.get("points", [])), notebook=f"<code>{escape(stem)}</code>",
                     parameters=swept),
                 method=method, fixed=fixed, last=escape(last),
                 executor=escape(info.get("executor", "")),
                 seconds=f"{info.get('seconds', 0):.1f}") + "</p>",
             analysis_section(info, text) if analysis is None else analysis]

    points = info.get("points", [])
    failed = [p for p in points if p["status"] == "failed"]
    parts.append(f"<h2>{escape(_('Failed points ({n})').format(n=len(failed)))}</h2>")
    if failed:
        rows = [f"<tr><td><code>{escape(p['id'])}</code></td><td>"
                + "<br>".join(f"{escape(k)} = {escape(v)}" for k, v in p["parameters"].items())
                + f"</td><td><div class=\"cf-error\">{escape(p['error'])}</div></td>"
                f"<td class=\"cf-small\">{_point_links(sweep_dir, p['id'], stem)}</td></tr>"
                for p in failed]
        head = "".join(f"<th>{escape(h)}</th>" for h in (_("point"), _("parameters"),
                                                          _("error"), _("files")))
        parts.append(f'<table class="cf-list"><tr>{head}</tr>' + "".join(rows) + "</table>")
    else:
        parts.append(f"<p>{escape(_('None.'))}</p>")

    names = list(info["swept"]) + list(info.get("fixed", []))
    parts.append(f"<h2>{escape(_('Points ({n})').format(n=len(points)))}</h2>")
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for p in points[:MAX_POINT_ROWS]:
        cells = "".join(f"<td>{escape(p['parameters'].get(n, ''))}</td>" for n in names)
        rows.append(f"<tr><td><code>{escape(p['id'])}</code></td>{cells}<td>{shell.status(p['status'])}"
                    f"</td><td class=\"cf-num\">{p['seconds']:.1f} s</td><td class=\"cf-small\">"
                    f"{_point_links(sweep_dir, p['id'], stem)}</td></tr>")
    parts.append(f'<table class="cf-list"><tr><th>{escape(_("point"))}</th>{head}'
                 f'<th>{escape(_("status"))}</th><th>{escape(_("time"))}</th>'
                 f'<th>{escape(_("files"))}</th></tr>' + "".join(rows) + "</table>")
    if len(points) > MAX_POINT_ROWS:
        parts.append("<p>" + escape(_("{n} more points are listed in sweep.json.").format(
            n=len(points) - MAX_POINT_ROWS)) + "</p>")
    parts.append("<footer>" + escape(_("Generated {when} by compute-forecast {version} from "
                                       "{grid}.").format(
        when=info.get("started", ""), version=info.get("library_version", __version__),
        grid=info.get("grid", ""))) + "</footer>")
    return shell.page(_("Sweep {name}: {notebook}").format(name=name, notebook=stem),
                      "\n".join(parts))


def render_list(sweeps_dir: Path, *, root_index: bool = False) -> str:
    """``outputs/sweeps/index.html``: every sweep with its notebook, points and last run."""
    rows = []
    for manifest in sorted(Path(sweeps_dir).glob("*/sweep.json")):
        try:
            info = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        counts = info.get("counts", {})
        name = manifest.parent.name
        link = (f'<a href="{escape(name)}/index.html">{escape(name)}</a>'
                if (manifest.parent / "index.html").is_file() else escape(name))
        rows.append(f"<tr><td>{link}</td><td><code>{escape(info.get('notebook', ''))}</code></td>"
                    f"<td>{escape(', '.join(info.get('swept', [])))}</td>"
                    f"<td class=\"cf-num\">{len(info.get('points', []))}</td>"
                    f"<td class=\"cf-num\">{counts.get('failed', 0)}</td>"
                    f"<td class=\"cf-small\">{escape(info.get('started', ''))}</td></tr>")
    back = (f'<p class="cf-small"><a href="../index.html">{escape(_("all notebooks"))}</a></p>'
            if root_index else "")
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    head = "".join(f"<th>{escape(h)}</th>" for h in (
        _("sweep"), _("notebook"), _("parameters"), _("points"), _("failed"), _("last run")))
    body = (f"<h1>{escape(_('Parameter sweeps'))}</h1>" + back
            + f'<table class="cf-list"><tr>{head}</tr>' + "".join(rows) + "</table>"
            + "<footer>" + escape(_("Generated {when} by compute-forecast {version}.").format(
                when=stamp, version=__version__)) + "</footer>")
    return shell.page(_("Parameter sweeps"), body)


def write_pages(root: Path, sweep_dir: Path, info: dict, text: str) -> Path:
    """Write the sweep's ``index.html`` and ``outputs/sweeps/index.html``; return the first.

    The ranking and charts (:func:`analysis_section`) come from ``.page-cache.json`` when
    sweep.csv, the swept parameters, the library, the language and its catalogs are those it
    was made from.
    """
    import hashlib

    from forecast.pipeline import runcache

    sweep_dir = Path(sweep_dir)
    lang = language()
    catalogs = sorted((catalog_dir() / lang / "LC_MESSAGES").glob("*.po")) if lang != SOURCE \
        else []
    key = hashlib.sha256("\0".join([
        text, json.dumps([info["notebook"], info["swept"], info.get("columns", {})]),
        runcache.library_fingerprint(), lang,
        *(f"{c.name}:{c.stat().st_size}:{c.stat().st_mtime_ns}" for c in catalogs)
    ]).encode()).hexdigest()
    cache = sweep_dir / ".page-cache.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        analysis = cached["analysis"] if cached.get("key") == key else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        analysis = None
    if analysis is None:
        analysis = analysis_section(info, text)
        files.atomic_write_text(cache, json.dumps({"key": key, "analysis": analysis}))
    root_index = (Path(root) / "outputs" / "index.html").is_file()
    page = files.atomic_write_text(sweep_dir / "index.html", render(
        info, text, sweep_dir, root_index=root_index, analysis=analysis))
    files.atomic_write_text(sweep_dir.parent / "index.html",
                            render_list(sweep_dir.parent, root_index=root_index))
    return page
