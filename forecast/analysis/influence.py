"""Which parameter moves a sweep's headline figures: main-effect shares and swings.

A parameter sweep (:mod:`forecast.pipeline.sweep`) gives one table, ``sweep.csv``: one row per
point and headline row, with the point's parameters beside the headline columns.  This module
answers "what moves the answer" from that table; the sweep page
(:mod:`forecast.pipeline.sweep.page`) only renders what it computes.

**Figures.**  A headline figure is one value of the identifying columns
(:data:`KEY_COLUMNS`: component, year, model, ...) shared by the points (:func:`figures`);
its value is the ``median`` column (contract 1), else ``mean`` (:func:`value_column`).

**Share of variance.**  For each figure and each swept parameter, :func:`eta_squared` is the
share of the figure's variance across the sweep that the parameter explains on its own: the
correlation ratio ``eta^2 = sum_g n_g (mean_g - mean)^2 / sum (y - mean)^2`` over the groups
``g`` of points sharing a value of the parameter (:data:`BINS` quantile bins for a numeric
parameter with more than :data:`BINS` values, :func:`groups`).  On a full grid this is the
parameter's main-effect share of a one-way ANOVA (the between-groups sum of squares over the
total); interactions are not attributed to any one parameter, so the shares need not add up
to 1.  ``y`` is the natural log of the figure when every value is positive (a 10% move counts
the same at 1 and at 100 ZFLOPS), else the figure itself (:func:`scale`).

**Swing.**  How far the median over the other parameters moves across the parameter's
values: a ratio (max / min - 1) on the log scale, a difference in the figure's unit
otherwise.  :func:`ranking` orders parameters by their mean swing over the figures on a
relative scale (the log of the ratio, or the difference over the figure's median), not by
their share of variance: a parameter can explain all of the variance of a figure that hardly
moves (Monte Carlo noise in a figure the scenarios leave alone).

**Spread.**  :func:`spread` says how far a figure moves across the whole sweep relative to its
median, so that a page or a reader can tell noise (0.9%) from signal (x13).

Everything takes pandas DataFrames (sweep.csv as read by ``SweepReport.frame``); pandas and
numpy are imported inside the functions.
"""

from __future__ import annotations

import math

from forecast.i18n import gettext as _

#: headline columns that identify a figure (contract 1), in label order
KEY_COLUMNS = ("target", "scope", "component", "precision", "year", "model", "level", "unit")
#: groups of a sampled parameter's values
BINS = 10


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
    """``total, 2030``: the varying key values of a figure (whole floats shown as integers),
    in the current language (a component or model name the catalogs have is translated)."""
    def text(v):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else _(str(v))

    return ", ".join(text(v) for v in key.values()) or _("headline figure")


def is_numeric(series) -> bool:
    """True for a numeric, non-boolean column (a parameter drawn on a numeric axis)."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def is_whole(x) -> bool:
    """True when a numeric column holds whole numbers only (an int parameter)."""
    import numpy as np

    values = x.dropna().to_numpy(dtype=float)
    return bool(len(values)) and bool(np.all(values == np.round(values)))


def groups(x, *, bins: int = BINS):
    """Group labels of a parameter's values: its values, or quantile bins when it is
    numeric with more than ``bins`` distinct values."""
    import pandas as pd

    if is_numeric(x) and x.nunique() > bins:
        return pd.qcut(x.rank(method="first"), bins, labels=False)
    return x.astype(str) if not is_numeric(x) else x


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


def spread(values) -> dict:
    """How far a figure moves across the sweep: ``{"median", "min", "max", "relative"}``.

    ``relative`` is ``(max - min) / |median|`` (0 when the median is 0), the share of the
    median that the whole sweep spans: about 0.02 for Monte Carlo noise in notebook 03's
    figures, above 10 for its scenarios.

    >>> spread([2.29e21, 2.31e21, 2.33e21])["relative"]  # doctest: +ELLIPSIS
    0.0173...
    """
    import numpy as np

    y = np.asarray(values, dtype=float)
    y = y[np.isfinite(y)]
    if not len(y):
        return {"median": math.nan, "min": math.nan, "max": math.nan, "relative": math.nan}
    median, low, high = float(np.median(y)), float(y.min()), float(y.max())
    return {"median": median, "min": low, "max": high,
            "relative": (high - low) / abs(median) if median else 0.0}
