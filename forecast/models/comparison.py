"""Side-by-side comparison of model families on one series, and ceiling sensitivity.

Both functions return tidy DataFrames for notebooks.  A model that cannot be
fitted to the series (too few points, no convergence) gets a row saying why
instead of stopping the comparison: on a four-point series that is an answer,
not an accident.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from forecast.errors import ConvergenceError, DataError, ParameterError
from forecast.models.base import FitResult, available_models, fit, get_model


def horizon_to(result: FitResult, target: float) -> int:
    """Periods from the last observation of ``result`` to time ``target`` (numeric index).

    Periods are the index's own steps: on a decadal series (1790, 1800, ...)
    2030 is 2 periods after 2010.
    """
    index = result.fitted.index
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise ParameterError("forecasting to a given year needs a numeric (year) index",
                             name="at", value=target)
    future, _ = result._axis.future(2)
    first, step = float(future[0]), float(future[1] - future[0])
    steps = (float(target) - first) / step + 1
    if steps < 1 - 1e-9 or abs(steps - round(steps)) > 1e-9:
        last = float(np.max(np.asarray(index, dtype=float)))
        raise ParameterError("must be a whole number of periods (steps of "
                             f"{step:g}) after the last observation ({last:g})",
                             name="at", value=target)
    return int(round(steps))


def forecast_at(result: FitResult, targets: Iterable[float], level: float = 0.8) -> pd.DataFrame:
    """``result.forecast`` rows for the given future times (years) only."""
    targets = [float(t) for t in targets]
    frame = result.forecast(max(horizon_to(result, t) for t in targets), level=level)
    return frame.loc[[type(frame.index[0])(t) if isinstance(frame.index[0], (int, np.integer))
                      else t for t in targets]]


def _describe(result: FitResult) -> str:
    parts = []
    for name, value in result.params.items():
        se = result.stderr.get(name, math.nan)
        fixed = " (fixed)" if name in result.fixed else ""
        parts.append(f"{name}={value:.4g}" + (f" ± {se:.2g}" if math.isfinite(se) else "") + fixed)
    return "; ".join(parts)


def compare(y: pd.Series, models: Iterable[str] | None = None, *,
            options: Mapping[str, Mapping] | None = None, at: Iterable[float] = (),
            level: float = 0.8) -> pd.DataFrame:
    """Fit several models to ``y`` and tabulate them, one row per model.

    Parameters
    ----------
    y : pandas.Series
        The series (see :func:`forecast.models.fit`).
    models : list of str, optional
        Registered model names; default all of :func:`available_models`.
    options : dict, optional
        Options per model name, e.g. ``{"logistic": {"fixed": {"cap": 5.6e22}}}``.
    at : iterable of float
        Future years to forecast (numeric index only), e.g. ``(2030, 2035)``:
        adds columns ``median_2030``, ``mean_2030``, ``lower_2030``,
        ``upper_2030``... (``median`` is the point forecast; for log-scale models
        ``mean`` is the larger lognormal mean, see :meth:`FitResult.forecast`).
    level : float
        Coverage of the forecast intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``status`` ("ok" or "failed"), ``reason`` (the error
        message when failed), ``n_obs``, ``k`` (free parameters), ``params``
        (estimates ± standard errors), ``sigma``, ``aic`` (NaN unless it is a
        likelihood of all n observations of y, so that every number in the
        column is comparable with every other), ``aic_note`` (why it is NaN:
        cagr models growth steps; arima with d >= 1 leaves out the first d
        observations), ``rmse`` and ``mape`` (in-sample, on the scale of y; MAPE
        in percent), and the forecast columns.  ``attrs["level"]`` is ``level``.
    """
    names = list(models) if models is not None else available_models()
    for name in names:
        get_model(name)  # unknown names fail before any fitting
    options = dict(options or {})
    unknown = set(options) - set(names)
    if unknown:
        raise ParameterError("options given for a model that is not compared", name="options",
                             expected=f"keys among {', '.join(names)}", value=sorted(unknown))
    targets = [float(t) for t in at]
    rows = []
    for name in names:
        row = {"model": name, "status": "ok", "reason": ""}
        try:
            result = fit(name, y, **dict(options.get(name, {})))
        except (DataError, ConvergenceError) as err:
            row.update(status="failed", reason=str(err))
            rows.append(row)
            continue
        errors = result.residuals.to_numpy(dtype=float)
        actual = y.to_numpy(dtype=float)
        ok = np.isfinite(errors)
        row.update(n_obs=result.n_obs, k=len(result.cov), params=_describe(result),
                   sigma=result.sigma, aic=math.nan if result.aic_note else result.aic,
                   aic_note=result.aic_note,
                   rmse=float(np.sqrt(np.mean(errors[ok] ** 2))),
                   mape=float(100 * np.mean(np.abs(errors[ok] / actual[ok]))))
        if targets:
            frame = forecast_at(result, targets, level)
            for target, (_, values) in zip(targets, frame.iterrows()):
                label = f"{target:g}"
                row.update({f"median_{label}": values["median"], f"mean_{label}": values["mean"],
                            f"lower_{label}": values["lower"], f"upper_{label}": values["upper"]})
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["level"] = float(level)
    return table


def cap_sensitivity(y: pd.Series, caps: Iterable[float], *, models=("logistic", "gompertz"),
                    at: float = 2030, level: float = 0.8) -> pd.DataFrame:
    """The forecast at year ``at`` of saturating models with the ceiling ``cap`` held fixed.

    Returns one row per (model, cap): ``model``, ``cap``, ``status``, ``reason``,
    ``rate``, ``midpoint``, ``median``, ``mean`` (equal: additive curves),
    ``lower``, ``upper`` (unit of y).  Short
    series cannot pin a ceiling down; this shows how much the answer depends on
    the one assumed.
    """
    rows = []
    for name in models:
        for cap in caps:
            row = {"model": name, "cap": float(cap), "status": "ok", "reason": ""}
            try:
                result = fit(name, y, fixed={"cap": float(cap)})
                values = forecast_at(result, [at], level).iloc[0]
            except (DataError, ConvergenceError) as err:
                row.update(status="failed", reason=str(err))
            else:
                row.update(rate=result.params["rate"], midpoint=result.params["midpoint"],
                           median=values["median"], mean=values["mean"], lower=values["lower"],
                           upper=values["upper"])
            rows.append(row)
    return pd.DataFrame(rows)


def headline_table(table: pd.DataFrame, *, target: str, scope: str, component: str,
                   precision: str, unit: str = "FLOP/s", level: float | None = None
                   ) -> pd.DataFrame:
    """Reshape a :func:`compare` table into the cross-notebook headline format.

    Returns one row per (fitted model, forecast year) with the columns of
    :data:`forecast.headline.COLUMNS` (``median``, ``mean``, ``lower``,
    ``upper``, ``level``...), validated by :func:`forecast.headline.table`.
    ``level`` is the interval coverage (default: ``table.attrs["level"]``, set
    by :func:`compare`).  Failed models are left out.
    """
    from forecast.data import headline

    if level is None:
        level = table.attrs.get("level")
    if level is None:
        raise ParameterError("the interval coverage is not known", name="level",
                             expected="level=... (the level given to compare)")
    years = sorted({int(float(c.split("_", 1)[1])) for c in table.columns
                    if c.startswith("median_")})
    rows = [{"target": target, "scope": scope, "component": component, "precision": precision,
             "year": year, "model": row["model"], "median": row[f"median_{year}"],
             "mean": row[f"mean_{year}"], "lower": row[f"lower_{year}"],
             "upper": row[f"upper_{year}"], "level": float(level), "unit": unit}
            for _, row in table[table["status"] == "ok"].iterrows() for year in years]
    return headline.table(rows)
