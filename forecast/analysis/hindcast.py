"""Track record of the bottom-up AI compute forecast: hindcasts as of past dates, and a long replay.

Hindcasts (:func:`hindcasts`)
    :func:`forecast.analysis.ai_compute.forecast` is run ``as_of`` each origin
    (end-2022, end-2023, end-2024 by default) and every year it forecast that
    has since been observed is scored against the same quantity computed from
    the latest data (the median of the latest run's observed rows): p5, p50,
    p95, actual, ``log_error = ln(actual / p50)``, ``inside_90``.  Targets are
    the stock and the year's shipments, of all designers and of NVIDIA.  A
    forecast of "all" made before a designer's series started cannot know that
    designer: such misses are part of the record.  Replays are pseudo-real-time
    (later revisions of earlier quarters are kept).

Long replay (:func:`replay`, :func:`coverage`)
    Three origins are too few to judge a 90% band.  The same growth machinery
    (:func:`~forecast.analysis.ai_compute.fit_trend` on the last ``window``
    points, :func:`~forecast.analysis.ai_compute.fit_reversion` on the yearly
    values before the origin, :func:`~forecast.analysis.ai_compute.log_paths`)
    is replayed at every origin of a long series -- by default the TOP500 sum
    of Rmax (FP64 achieved, twice a year since 1993) -- and the coverage of its
    80% and 90% bands is counted by horizon.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from forecast.analysis import ai_compute
from forecast.errors import DataError, ParameterError

DataDir = str | os.PathLike | None
ORIGINS = ("2022-12-31", "2023-12-31", "2024-12-31")
TARGETS = (("stock", "all"), ("stock", "Nvidia"), ("shipments", "all"),
           ("shipments", "Nvidia"))
COLUMNS = ["origin", "target", "year", "p5", "p50", "p95", "actual", "log_error", "inside_90"]


def hindcasts(data_dir: DataDir = None, *, as_of=None, origins=ORIGINS, n_paths: int = 4000,
              seed: int = 2030, latest: ai_compute.AIComputeForecast | None = None,
              **options) -> pd.DataFrame:
    """Forecasts made as of each origin, scored against the data as of ``as_of`` (None: all).

    ``options`` go to :func:`~forecast.analysis.ai_compute.forecast` (service life,
    window...).  ``latest`` reuses a run made on the scoring data.  Origins on or
    after the scoring run's last observed year are skipped (nothing to score).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` (``target`` like ``"stock:all"``; FLOP/s of dense FP16 peak),
        one row per origin, target and scored year; ``attrs["skipped"]`` lists
        origins without a scored year.
    """
    if latest is None:
        latest = ai_compute.forecast(data_dir, as_of=as_of, n_paths=n_paths, seed=seed,
                                     **options)
    truth = latest.table()
    truth = truth[truth["kind"] == "observed"].set_index(["measure", "designer", "year"])
    if truth.empty:  # no full year observed yet (as of mid-2022): nothing to score
        out = pd.DataFrame(columns=COLUMNS)
        out.attrs.update(skipped=[str(o) for o in origins], unit="FLOP/s",
                         precision=ai_compute.PRECISION)
        return out
    scored_until = int(truth.index.get_level_values("year").max())
    rows, skipped = [], []
    for origin in origins:
        stamp = pd.Timestamp(origin)
        if stamp.year >= scored_until or (as_of is not None and stamp >= pd.Timestamp(as_of)):
            skipped.append(str(origin))
            continue
        run = ai_compute.forecast(data_dir, as_of=origin, n_paths=n_paths, seed=seed,
                                  **options)
        table = run.table().set_index(["measure", "designer", "year"])
        for measure, designer in TARGETS:
            for year in range(stamp.year + 1, scored_until + 1):
                key = (measure, designer, year)
                if key not in table.index or key not in truth.index \
                        or table.at[key, "kind"] != "forecast":
                    continue
                p5, p50, p95 = table.loc[key, ["p5", "p50", "p95"]]
                actual = truth.at[key, "p50"]
                rows.append((f"{stamp:%Y-%m-%d}", f"{measure}:{designer}", year, p5, p50, p95,
                             actual, float(np.log(actual / p50)), bool(p5 <= actual <= p95)))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs.update(skipped=skipped, unit="FLOP/s", precision=ai_compute.PRECISION)
    return out


# --------------------------------------------------------------------------- long replay


def _annual(series: pd.Series) -> pd.Series:
    """One value per calendar year (the last observation of the year)."""
    years = np.floor(series.index.to_numpy(dtype=float)).astype(int)
    return series.groupby(years).last()


def replay(series: pd.Series, *, steps_per_year: int = 2, window: int = 10,
           horizons=(1, 2, 3, 4, 5), levels=(0.8, 0.9), n_paths: int = 2000, seed: int = 2030,
           reversion: bool = True, min_origin: int | None = None) -> pd.DataFrame:
    """Forecast a positive series from every origin and score each horizon (years).

    Parameters
    ----------
    series : Series
        Positive values indexed by decimal year, ``steps_per_year`` per year
        (TOP500: 2), in time order.
    window : int
        Points in each trend fit (>= 4).
    horizons : iterable of int
        Years ahead scored.
    levels : iterable of float
        Central band coverages checked (0.8 -> 10th to 90th percentile).
    reversion : bool
        Fit the yearly AR(1) of growth on the values before each origin (as the
        AI forecast does on NVIDIA's flow); False keeps each path's growth.
    min_origin : int, optional
        First origin (position); default ``window - 1``.

    Returns
    -------
    DataFrame
        ``origin`` (decimal year), ``horizon`` (years), ``p50``, ``actual``,
        ``log_error``, and per level ``lower_80``/``upper_80``/``inside_80``...
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 4:
        raise ParameterError("window too short", name="window",
                             expected="an integer number of points >= 4", value=window)
    values = series.to_numpy(dtype=float)
    if len(values) < window + steps_per_year or (values <= 0).any():
        raise DataError("series too short or not positive", value=len(values),
                        expected=f"at least {window + steps_per_year} positive values")
    t = series.index.to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    rows = []
    first = window - 1 if min_origin is None else int(min_origin)
    n_steps = max(horizons) * steps_per_year
    for k in range(first, len(values) - steps_per_year):
        tr = ai_compute.fit_trend(t[k - window + 1:k + 1], np.log(values[k - window + 1:k + 1]))
        rev = ai_compute.NO_REVERSION
        if reversion:
            rev = ai_compute.fit_reversion(_annual(series.iloc[:k + 1]))
            if rev.n == 0:
                continue  # too few years before this origin to fit how growth varies
        logs = ai_compute.log_paths(tr.level, tr.slope, tr.se, tr.sigma, rev,
                                    steps_per_year=steps_per_year, n_steps=n_steps, rng=rng,
                                    n_paths=n_paths, level_se=tr.level_se,
                                    offset=tr.offset)[:, :, 0]
        for h in horizons:
            target = k + h * steps_per_year
            if target >= len(values):
                break
            draws = logs[:, h * steps_per_year - 1]
            actual = np.log(values[target])
            row = {"origin": t[k], "horizon": int(h), "p50": float(np.exp(np.median(draws))),
                   "actual": float(values[target]),
                   "log_error": float(actual - np.median(draws))}
            for level_ in levels:
                tag = f"{round(level_ * 100)}"
                lo, hi = np.quantile(draws, [(1 - level_) / 2, (1 + level_) / 2])
                row.update({f"lower_{tag}": float(np.exp(lo)), f"upper_{tag}": float(np.exp(hi)),
                            f"inside_{tag}": bool(lo <= actual <= hi)})
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(window=window, steps_per_year=steps_per_year, reversion=reversion,
                     levels=tuple(levels))
    return out


def coverage(replayed: pd.DataFrame) -> pd.DataFrame:
    """Share of origins whose band held the outcome, by horizon: ``horizon``, ``n``,
    ``coverage_80``, ``coverage_90`` (one column per level replayed), ``median_log_error``."""
    inside = [c for c in replayed.columns if c.startswith("inside_")]
    grouped = replayed.groupby("horizon")
    out = grouped[inside].mean().rename(columns=lambda c: c.replace("inside_", "coverage_"))
    out.insert(0, "n", grouped.size())
    out["median_log_error"] = grouped["log_error"].median()
    return out.reset_index()


def top500_replay(data_dir: DataDir = None, *, as_of=None, **options) -> pd.DataFrame:
    """:func:`replay` on the TOP500 sum of Rmax (lists published on or before ``as_of``)."""
    from forecast.analysis import ai_flows, top500

    per_list = top500.lists(data_dir=data_dir)
    cutoff = ai_flows.check_as_of(as_of)
    if cutoff is not None:
        per_list = per_list[pd.to_datetime(per_list["list"] + "-28") <= cutoff]
    return replay(top500.series("sum_rmax", per_list), **options)
