"""Several series backtested together: windows, runs, failures, scores, rankings, verdicts.

Notebook 04 backtests the same models on a few named series with a window
each (``{name: (initial, horizon)}``: points in the first training window and
periods forecast after each cutoff).  These functions apply
:mod:`forecast.backtest` to every series and stack the results with a
``series`` column, so one table holds them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import pandas as pd

from forecast import io
from forecast.analysis import backtest
from forecast.i18n import gettext as _

Windows = Mapping[str, tuple[int, int]]


def windows_table(series: Mapping[str, pd.Series], windows: Windows, step: int = 1
                  ) -> pd.DataFrame:
    """Each series' length, span and cutoffs under its window.

    Returns one row per series: ``series``, ``points``, ``first``, ``last``
    (periods as text), ``initial``, ``horizon`` and ``cutoffs`` (text list).

    Raises
    ------
    DataError
        A series too short for its window (from :func:`forecast.backtest.cutoffs`).
    """
    rows = []
    for name, y in series.items():
        initial, horizon = windows[name]
        cuts = backtest.cutoffs(y.index, initial, horizon, step=step)
        rows.append({"series": name, "points": len(y), "first": str(y.index[0]),
                     "last": str(y.index[-1]), "initial": initial, "horizon": horizon,
                     "cutoffs": ", ".join(map(str, cuts))})
    return pd.DataFrame(rows)


def largest_change(y: pd.Series) -> tuple[float, object]:
    """The largest period-on-period change of ``y`` (fraction) and the period it ends."""
    jump = y.pct_change()
    return float(jump.max()), jump.idxmax()


def run_all(series: Mapping[str, pd.Series], models: Iterable[str], windows: Windows, *,
            step: int = 1, level: float = 0.8) -> dict[str, pd.DataFrame]:
    """:func:`forecast.backtest.run` on every series with its window: ``{name: frame}``."""
    models = list(models)
    return {name: backtest.run(y, models, initial=windows[name][0], horizon=windows[name][1],
                               step=step, level=level) for name, y in series.items()}


def save_runs(runs: Mapping[str, pd.DataFrame], output_dir: str | os.PathLike | None = None,
              prefix: str = "backtest_") -> None:
    """Save each run as ``tables/<prefix><name>.csv`` (:func:`forecast.io.save_table`)."""
    for name, frame in runs.items():
        io.save_table(frame, f"{prefix}{name}", output_dir)


def failures(runs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Fits that failed, by series and model: ``failed_fits`` (cutoffs) and ``first_error``."""
    failed = pd.concat([frame[frame["error"].notna()].assign(series=name)
                        for name, frame in runs.items()])
    return failed.groupby(["series", "model"]).agg(failed_fits=("cutoff", "nunique"),
                                                   first_error=("error", "first"))


def scores(runs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """:func:`forecast.backtest.score` of every run, stacked with a ``series`` column."""
    return pd.concat([backtest.score(frame).assign(series=name) for name, frame in runs.items()],
                     ignore_index=True)


def by_series(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``{series: rows}`` of a stacked table, in order of first appearance."""
    return {name: rows for name, rows in table.groupby("series", sort=False)}


def rankings(scored: pd.DataFrame, metric: str, level: float = 0.8) -> pd.DataFrame:
    """:func:`forecast.backtest.rank` per series, stacked with a ``series`` column."""
    return pd.concat([backtest.rank(rows, metric, level=level).assign(series=name)
                      for name, rows in by_series(scored).items()], ignore_index=True)


def verdicts(runs: Mapping[str, pd.DataFrame], metric: str, windows: Windows) -> str:
    """:func:`forecast.backtest.verdict` of every series (horizons 1 to max(3, its horizon))."""
    parts = []
    for name, frame in runs.items():
        horizons = range(1, max(3, windows[name][1]) + 1)
        parts.append(f"== {_(name)} ==\n{backtest.verdict(frame, metric, horizons=horizons)}")
    return "\n".join(parts)


def scored_counts(scored: pd.DataFrame) -> dict[str, str]:
    """``{series: "n (failed)"}``: forecasts scored and lost to failed fits, per series."""
    totals = scored.groupby("series")[["n", "failed"]].sum()
    return {name: f"{row.n} ({row.failed})" for name, row in totals.iterrows()}
