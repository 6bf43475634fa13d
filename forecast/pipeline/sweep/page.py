"""The sweep page: what moves each headline figure, which parameter matters most, what failed.

``outputs/sweeps/NAME/index.html`` is built from ``sweep.csv`` alone (plus the
run facts of ``sweep.json``), so it can be rebuilt at any time, and it is
self-contained like the other pages: figures are PNG ``data:`` URIs, styles
inline, no script, nothing fetched from a network.  ``outputs/sweeps/index.html``
lists every sweep.

**Influence.**  For each headline figure (one row key of the headline table:
component, year, model, ...) and each swept parameter, the page reports the share
of the figure's variance across the sweep that the parameter explains on its
own: the correlation ratio ``eta^2 = sum_g n_g (mean_g - mean)^2 / sum (y - mean)^2``
over the groups ``g`` of points sharing a value of the parameter (ten
quantile bins for a sampled parameter with more than ten values).  On a full
grid this is the parameter's main-effect share of an ANOVA; interactions are
not attributed to any one parameter, so the shares need not add up to 1.
``y`` is the natural log of the figure when every value is positive (a 10% move
counts the same at 1 and at 100 ZFLOPS), else the figure itself.  The *swing* is
how far the median over the other parameters moves across the parameter's
values: a ratio (max / min - 1) on the log scale, a difference in the figure's
unit otherwise.  Parameters are ranked by their mean swing over the figures on a
relative scale (the log of the ratio, or the difference over the figure's
median), not by their share of variance: a parameter can explain all of the
variance of a figure that hardly moves (Monte Carlo noise in a figure the
scenarios leave alone).

**Panels.**  One chart per headline figure, one panel per parameter: the
parameter's values on the x axis; for each value, the median over the other
parameters (line) and the spread from their minimum to their maximum (band),
with every point drawn.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io as _bytes_io
import json
import math
from pathlib import Path

from forecast import io
from forecast._version import __version__
from forecast.present import html as shell
from forecast.present.html import escape

#: headline columns that identify a figure (contract 1), in label order
KEY_COLUMNS = ("target", "scope", "component", "precision", "year", "model", "level", "unit")
#: charts drawn on one page at most (every figure stays in sweep.csv and the influence table)
MAX_CHARTS = 40
#: point rows listed on the page at most (sweep.json lists them all)
MAX_POINT_ROWS = 300
#: groups of a sampled parameter's values
BINS = 10

# -- analysis -----------------------------------------------------------------------------------

def value_column(frame) -> str | None:
    """The headline column a sweep compares: ``median`` (contract 1), else ``mean``."""
    return next((c for c in ("median", "mean") if c in frame.columns), None)


def figures(frame) -> list[tuple[dict, object]]:
    """``[(key, rows)]``: the headline figures of the ok points, in first-seen order.

    A figure is one value of the identifying columns (:data:`KEY_COLUMNS`) shared by the
    points.  A column that holds one value per point and changes from point to point
    (notebook 03 names the scenario in ``model``) describes the point, not the figure,
    so it does not split figures.  ``key`` maps the identifying columns that differ
    between figures to their value.
    """
    ok = frame[frame["status"] == "ok"]
    value = value_column(frame)
    if value is None or ok.empty:
        return []
    ok = ok[ok[value].notna()]
    keys = [c for c in KEY_COLUMNS if c in ok.columns]
    per_point = ok.groupby("point", sort=False)
    keys = [c for c in keys if not (per_point[c].nunique(dropna=False).max() == 1
                                    and ok[c].nunique(dropna=False) > 1)]
    if not keys:
        return [({}, ok)]
    varying = [c for c in keys if ok[c].nunique(dropna=False) > 1] or keys[:1]
    groups = ok.groupby(keys, sort=False, dropna=False)
    return [({c: key[keys.index(c)] for c in varying}, rows) for key, rows in groups]


def label(key: dict) -> str:
    """``total, 2030``: the varying key values of a figure (whole floats shown as integers)."""
    def text(v):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)

    return ", ".join(text(v) for v in key.values()) or "headline figure"


def _numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _whole(x) -> bool:
    """True when a numeric column holds whole numbers only (an int parameter)."""
    import numpy as np

    values = x.dropna().to_numpy(dtype=float)
    return bool(len(values)) and bool(np.all(values == np.round(values)))


def groups(x, *, bins: int = BINS):
    """Group labels of a parameter's values: its values, or quantile bins when it is
    numeric with more than ``bins`` distinct values."""
    import pandas as pd

    if _numeric(x) and x.nunique() > bins:
        return pd.qcut(x.rank(method="first"), bins, labels=False)
    return x.astype(str) if not _numeric(x) else x


def scale(values):
    """``(y, log)``: the natural log of the values when all are positive, else the values."""
    import numpy as np

    values = values.astype(float)
    if len(values) and (values > 0).all():
        return np.log(values), True
    return values, False


def eta_squared(y, g) -> float:
    """Share of the variance of ``y`` explained by the groups ``g`` (0 when ``y`` is constant)."""
    import numpy as np

    y = np.asarray(y, dtype=float)
    total = float(((y - y.mean()) ** 2).sum())
    if not np.isfinite(total) or total <= 1e-12 * max(1.0, float((y ** 2).sum())):
        return 0.0
    import pandas as pd

    frame = pd.DataFrame({"y": y, "g": np.asarray(g)})
    stats = frame.groupby("g", sort=False)["y"].agg(["mean", "size"])
    between = float((stats["size"] * (stats["mean"] - y.mean()) ** 2).sum())
    return min(1.0, max(0.0, between / total))


def influence(frame, columns: dict):
    """One row per (figure, parameter): share of variance, swing and relative move.

    ``columns``: parameter name -> its column in ``frame``.  Returns a DataFrame with
    ``figure, parameter, eta2, swing, move, log``: ``swing`` is ratio - 1 when ``log``,
    else a difference in the figure's unit; ``move`` is the same swing on a relative
    scale comparable across figures (the log of the ratio, or the difference over the
    figure's median).
    """
    import numpy as np
    import pandas as pd

    value = value_column(frame)
    rows = []
    for key, part in figures(frame):
        y, log = scale(part[value])
        centre = abs(float(np.median(part[value].astype(float))))
        for name, column in columns.items():
            g = groups(part[column])
            medians = pd.Series(y.to_numpy(), index=part.index).groupby(g.to_numpy()).median()
            spread = float(medians.max() - medians.min()) if len(medians) else 0.0
            move = spread if log else (spread / centre if centre > 0 else 0.0)
            rows.append({"figure": label(key), "parameter": name, "eta2": eta_squared(y, g),
                         "swing": math.expm1(spread) if log else spread, "move": move,
                         "log": log})
    return pd.DataFrame(rows, columns=["figure", "parameter", "eta2", "swing", "move", "log"])


def ranking(table):
    """Parameters by how far they move the figures (mean relative move over the figures),
    with their mean share of variance and the figure they move most."""
    import pandas as pd

    if table.empty:
        return pd.DataFrame(columns=["parameter", "mean_move", "mean_eta2", "figure", "swing",
                                     "log"])
    by = table.groupby("parameter", sort=False)
    best = table.loc[by["move"].idxmax()].set_index("parameter")
    out = pd.DataFrame({"mean_move": by["move"].mean(), "mean_eta2": by["eta2"].mean()})
    out = out.join(best[["figure", "swing", "log"]]).reset_index()
    return out.sort_values(["mean_move", "parameter"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


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
        numeric = _numeric(x)
        g = groups(x)
        stats = y_all.groupby(g.to_numpy()).agg(["median", "min", "max"])
        if numeric:
            centre = x.groupby(g.to_numpy()).median()
            order = np.argsort(centre.to_numpy())
            xs = centre.to_numpy()[order]
            ax.scatter(x, y_all, s=9, color="#7f7f7f", alpha=0.5, zorder=2, label="points")
        else:
            labels_ = list(dict.fromkeys(x.astype(str)))
            order = [list(stats.index).index(v) for v in labels_]
            xs = np.arange(len(labels_))
            pos = {v: i for i, v in enumerate(labels_)}
            ax.scatter([pos[v] for v in x.astype(str)], y_all, s=9, color="#7f7f7f",
                       alpha=0.5, zorder=2, label="points")
            ax.set_xticks(xs, labels_, rotation=30 if len(labels_) > 3 else 0, ha="right"
                          if len(labels_) > 3 else "center")
        med = stats["median"].to_numpy()[order]
        ax.fill_between(xs, stats["min"].to_numpy()[order], stats["max"].to_numpy()[order],
                        color=color, alpha=band, linewidth=0, label="spread across the others")
        ax.plot(xs, med, color=color, marker="o", markersize=4, label="median over the others")
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=STYLE["grid_alpha"])
        ax.tick_params(labelsize=8)
        if numeric and _whole(x):
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
    axes[0].set_ylabel(f"{value} ({unit})" if unit else value, fontsize=9)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return fig


def _png(fig) -> str:
    buffer = _bytes_io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode()


# -- pages --------------------------------------------------------------------------------------

def _point_links(sweep_dir: Path, point: str, stem: str) -> str:
    found = []
    for rel, text in ((f"points/{point}/html/{stem}.html", "page"),
                      (f"points/{point}/notebooks/{stem}.ipynb", "notebook"),
                      (f"points/{point}/failed/{stem}.html", "failed page"),
                      (f"points/{point}/failed/{stem}.ipynb", "failed notebook"),
                      (f"points/{point}/tables/headline_{stem}.csv", "headline")):
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


def render(info: dict, text: str, sweep_dir: Path, *, root_index: bool = False) -> str:
    """The HTML of one sweep page from its ``sweep.json`` facts and ``sweep.csv`` text."""
    import pandas as pd

    frame = pd.read_csv(_bytes_io.StringIO(text), keep_default_na=False, na_values=[""],
                        dtype={"point": str, "status": str, "error": str})
    stem, name = info["notebook"], info["name"]
    columns = {p: info.get("columns", {}).get(p, p) for p in info["swept"]}
    columns = {p: c for p, c in columns.items() if c in frame.columns}
    counts = info.get("counts", {})
    value = value_column(frame)
    unit_col = frame["unit"].dropna().unique() if "unit" in frame.columns else []
    units = {str(u) for u in unit_col}
    links = ['<a href="sweep.csv">sweep.csv</a>', '<a href="sweep.json">sweep.json</a>',
             '<a href="../index.html">all sweeps</a>']
    if root_index:
        links.append('<a href="../../index.html">all notebooks</a>')
    swept = ", ".join(f"<code>{escape(p)}</code>" for p in info["swept"])
    fixed = ", ".join(f"<code>{escape(p)}</code>" for p in info.get("fixed", []))
    method = (f"; {escape(', '.join(info['sampled']))} drawn by {escape(info['method'])} sampling"
              if info.get("sampled") else "")
    parts = [f"<h1>Sweep {escape(name)}: {escape(stem)}</h1>",
             f'<p class="cf-small">{" · ".join(links)}</p>',
             f"<p>{len(info.get('points', []))} points of <code>{escape(stem)}</code> over {swept}"
             f"{method}{'; fixed: ' + fixed if fixed else ''}. Last sweep: "
             f"{counts.get('ok', 0)} ran, {counts.get('cached', 0)} cached, "
             f"{counts.get('failed', 0)} failed" + (f", {counts['not run']} not run"
                                                     if counts.get("not run") else "")
             + f" ({escape(info.get('executor', ''))}, {info.get('seconds', 0):.1f} s).</p>"]

    figs = figures(frame) if value and columns else []
    table = influence(frame, columns) if figs else None
    parts.append("<h2>What moves the answer</h2>")
    if table is None or table.empty:
        parts.append("<p>No headline figure to compare: no point finished with a headline "
                     f"table (<code>tables/headline_{escape(stem)}.csv</code>).</p>")
    else:
        rank = ranking(table)
        parts.append(
            f"<p>Parameters ranked by how far they move the headline figures. The <em>swing</em> "
            f"of a parameter in a figure is how far the figure's {escape(value)} moves across the "
            "parameter's values, taking at each value the median over the other parameters. "
            "The ranking uses its mean over the figures (a ratio when every value is "
            "positive). The <em>share of "
            "variance</em> is the part of a figure's variance across the sweep that the "
            "parameter explains on its own (its main effect, on the log scale when every value "
            "is positive), averaged over the figures: a parameter can explain all of a figure "
            "that hardly moves.</p>")
        rows, unit = [], next(iter(units), None)
        top = max(float(rank["mean_move"].max()), 1e-300)
        for i, r in rank.iterrows():
            width = int(round(160 * r["mean_move"] / top))
            typical = _fmt(math.expm1(r["mean_move"]), True, unit) if r["log"] else \
                f"{r['mean_move']:.1%} of the median"
            rows.append(f"<tr><td class=\"cf-num\">{i + 1}</td><td><code>{escape(r['parameter'])}"
                        f"</code></td><td class=\"cf-num\">{escape(typical)}</td><td>"
                        f"<span class=\"cf-bar\" style=\"width:{width}px\"></span></td>"
                        f"<td class=\"cf-num\">{r['mean_eta2']:.1%}</td>"
                        f"<td class=\"cf-num\">{escape(_fmt(r['swing'], r['log'], unit))}</td>"
                        f"<td>{escape(r['figure'])}</td></tr>")
        parts.append('<table class="cf-list"><tr><th>rank</th><th>parameter</th>'
                     "<th>mean swing</th><th></th><th>mean share of variance</th>"
                     "<th>largest swing</th><th>in figure</th></tr>" + "".join(rows)
                     + "</table>")
        parts.append("<h2>How each headline figure moves with each parameter</h2>")
        parts.append(f"<p>One chart per headline figure ({escape(value)} of the headline table), one "
                     "panel per parameter: the line is the median over the other parameters at "
                     "each value, the band their spread (minimum to maximum), dots are points."
                     "</p>")
        for key, rows_ in figs[:MAX_CHARTS]:
            unit = str(rows_["unit"].iloc[0]) if "unit" in rows_.columns else None
            fig = effect_chart(rows_, columns, value=value, title=label(key), unit=unit)
            alt = f"{label(key)}: {value} against " + ", ".join(columns)
            parts.append(f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,'
                         f'{_png(fig)}"><figcaption class="cf-small">{escape(label(key))} '
                         f"({len(rows_)} points)</figcaption></figure>")
        if len(figs) > MAX_CHARTS:
            parts.append(f"<p>{len(figs) - MAX_CHARTS} more figures are in the influence table "
                         "and in sweep.csv; charts are drawn for the first "
                         f"{MAX_CHARTS}.</p>")

    points = info.get("points", [])
    failed = [p for p in points if p["status"] == "failed"]
    parts.append(f"<h2>Failed points ({len(failed)})</h2>")
    if failed:
        rows = [f"<tr><td><code>{escape(p['id'])}</code></td><td>"
                + "<br>".join(f"{escape(k)} = {escape(v)}" for k, v in p["parameters"].items())
                + f"</td><td><div class=\"cf-error\">{escape(p['error'])}</div></td>"
                f"<td class=\"cf-small\">{_point_links(sweep_dir, p['id'], stem)}</td></tr>"
                for p in failed]
        parts.append('<table class="cf-list"><tr><th>point</th><th>parameters</th><th>error</th>'
                     "<th>files</th></tr>" + "".join(rows) + "</table>")
    else:
        parts.append("<p>None.</p>")

    names = list(info["swept"]) + list(info.get("fixed", []))
    parts.append(f"<h2>Points ({len(points)})</h2>")
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for p in points[:MAX_POINT_ROWS]:
        cells = "".join(f"<td>{escape(p['parameters'].get(n, ''))}</td>" for n in names)
        rows.append(f"<tr><td><code>{escape(p['id'])}</code></td>{cells}<td>{shell.status(p['status'])}"
                    f"</td><td class=\"cf-num\">{p['seconds']:.1f} s</td><td class=\"cf-small\">"
                    f"{_point_links(sweep_dir, p['id'], stem)}</td></tr>")
    parts.append(f'<table class="cf-list"><tr><th>point</th>{head}<th>status</th><th>time</th>'
                 "<th>files</th></tr>" + "".join(rows) + "</table>")
    if len(points) > MAX_POINT_ROWS:
        parts.append(f"<p>{len(points) - MAX_POINT_ROWS} more points are listed in "
                     "sweep.json.</p>")
    parts.append(f"<footer>Generated {escape(info.get('started', ''))} by compute-forecast "
                 f"{escape(info.get('library_version', __version__))} from {escape(info.get('grid', ''))}."
                 "</footer>")
    return shell.page(f"Sweep {name}: {stem}", "\n".join(parts))


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
    back = '<p class="cf-small"><a href="../index.html">all notebooks</a></p>' if root_index else ""
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    body = ("<h1>Parameter sweeps</h1>" + back
            + '<table class="cf-list"><tr><th>sweep</th><th>notebook</th><th>parameters</th>'
            "<th>points</th><th>failed</th><th>last run</th></tr>" + "".join(rows) + "</table>"
            + f"<footer>Generated {escape(stamp)} by compute-forecast {escape(__version__)}.</footer>")
    return shell.page("Parameter sweeps", body)


def write_pages(root: Path, sweep_dir: Path, info: dict, text: str) -> Path:
    """Write the sweep's ``index.html`` and ``outputs/sweeps/index.html``; return the first."""
    root_index = (Path(root) / "outputs" / "index.html").is_file()
    page = io.atomic_write_text(Path(sweep_dir) / "index.html",
                                render(info, text, Path(sweep_dir), root_index=root_index))
    io.atomic_write_text(Path(sweep_dir).parent / "index.html",
                         render_list(Path(sweep_dir).parent, root_index=root_index))
    return page
