"""Rolling-origin backtests of the registered models, and the metrics that score them.

A backtest pretends to stand at successive *cutoffs* in the past: at each one it
fits every model to the data up to and including the cutoff, forecasts the next
``horizon`` periods, and sets the forecast beside what actually happened.  The
result is one tidy frame (one row per cutoff, model and forecast period) that
the registered metrics summarise by model and horizon.

The constant-growth benchmark is the ``cagr`` model (constant compound growth, see
:mod:`forecast.models`): :func:`run` adds it unless told not to, and
:func:`verdict` says in words whether any model beat it.

Conventions (stated once, used everywhere below):

* a cutoff is the *label* of the last training period; the first cutoff leaves
  ``initial`` points to train on, and every cutoff leaves ``horizon`` actual
  points after it, so each fold scores every horizon 1..``horizon``;
* MASE is scaled, at each cutoff, by the mean absolute one-step naive error
  ``mean(|y[t] - y[t-1]|)`` of *that cutoff's training window* (Hyndman &
  Koehler 2006, non-seasonal); it is not defined for a one-point window;
* the point forecast scored by the metrics is the forecast's ``median`` (R's
  default point forecast, which for a model fitted on log y is ``exp(mu)``);
  the frame also carries the ``mean`` (``exp(mu + s^2/2)`` for log-scale
  models, equal to the median for additive ones);
* series indexed by years with a step other than 1 (census decades: 1790,
  1800, ...) are backtested in their own periods: models continue the index
  with its step, so ``horizon=1`` is the next decade;
* a model that fails to fit at a cutoff (:class:`~forecast.errors.ConvergenceError`,
  or :class:`~forecast.errors.DataError` for too few points) is recorded, not
  raised: its rows carry NaN forecasts and the error text in ``error``, and
  :func:`score` counts them in ``failed``.

References
----------
Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast
accuracy. International Journal of Forecasting 22(4), 679-688.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import (ConvergenceError, DataError, ParameterError, UnknownModelError,
                             UnknownNameError)
from forecast.i18n import gettext as _
from forecast.i18n import ngettext

#: Columns of the frame returned by :func:`run`, in order.
COLUMNS = ("cutoff", "period", "horizon", "model", "actual", "median", "mean", "lower",
           "upper", "scale", "error")


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError("must be a whole number of periods", name=name,
                             expected="an integer >= 1", value=value)
    return int(value)


def cutoffs(index: Sequence, initial: int, horizon: int, step: int = 1) -> pd.Index:
    """The cutoffs of a rolling-origin backtest over ``index``.

    Parameters
    ----------
    index : sequence of period labels, shape (n,)
        The series' index (years, dates, periods), strictly increasing.
    initial : int
        Points in the first training window (the first cutoff is ``index[initial - 1]``).
    horizon : int
        Periods forecast after each cutoff; the last cutoff is ``index[n - 1 - horizon]``
        so that every fold has ``horizon`` actual points to be scored on.
    step : int
        Periods between successive cutoffs.

    Returns
    -------
    pandas.Index
        The cutoff labels, oldest first.

    Raises
    ------
    ParameterError
        When ``initial``, ``horizon`` or ``step`` is not an integer >= 1.
    DataError
        When the index is not strictly increasing, or has fewer than
        ``initial + horizon`` points (the message says how many are needed and
        how many there are).

    Examples
    --------
    >>> list(cutoffs(range(2010, 2020), initial=5, horizon=2, step=2))
    [2014, 2016]
    """
    initial, horizon = _positive_int("initial", initial), _positive_int("horizon", horizon)
    step = _positive_int("step", step)
    index = pd.Index(index)
    if not (index.is_unique and index.is_monotonic_increasing):
        raise DataError("the series index must be strictly increasing (sorted, no repeats)",
                        value=list(index))
    need = initial + horizon
    if len(index) < need:
        raise DataError(
            f"series of {len(index)} points is too short for a backtest with "
            f"initial={initial} and horizon={horizon}",
            expected=f"at least {need} points (initial + horizon)", value=len(index))
    return index[initial - 1:len(index) - horizon:step]


def _naive_scale(train: np.ndarray) -> float:
    """Mean absolute one-step naive error of a training window (NaN below 2 points)."""
    return float(np.mean(np.abs(np.diff(train)))) if len(train) > 1 else float("nan")


def _check_series(y) -> pd.Series:
    if not isinstance(y, pd.Series):
        raise DataError("a backtest needs a pandas Series indexed by period",
                        expected="pandas.Series", value=type(y).__name__)
    values = y.to_numpy(dtype=float, na_value=np.nan)
    if not np.all(np.isfinite(values)):
        bad = list(y.index[~np.isfinite(values)])
        raise DataError(f"series {y.name!r} has missing or infinite values at {bad}",
                        expected="finite numbers")
    return y


def run(y: pd.Series, models: Iterable[str], *, initial: int, horizon: int, step: int = 1,
        level: float = 0.8, options: Mapping[str, Mapping] | None = None,
        benchmark: str | None = "cagr") -> pd.DataFrame:
    """Rolling-origin backtest of ``models`` on the series ``y``.

    At each cutoff from :func:`cutoffs`, every model is refitted with
    ``forecast.fit(model, y_train, **options[model])`` on the data up to and
    including the cutoff and asked for ``forecast(horizon, level)``.

    Parameters
    ----------
    y : pandas.Series
        The observed series, any unit (the metrics are unit-free), indexed by
        period (int years, floats, DatetimeIndex or PeriodIndex), strictly increasing.
    models : iterable of str
        Registered model names (``forecast.available_models()``).
    initial, horizon, step : int
        See :func:`cutoffs`.
    level : float
        Central probability of the forecast intervals (0 < level < 1).
    options : mapping of model name to keyword arguments, optional
        Extra options passed to ``fit`` for that model.
    benchmark : str or None
        A model always included as the constant-growth benchmark (default ``"cagr"``,
        constant compound growth); None to leave it out.

    Returns
    -------
    pandas.DataFrame
        One row per cutoff, model and forecast period, columns :data:`COLUMNS`:
        ``cutoff`` and ``period`` (index labels), ``horizon`` (1..horizon),
        ``model``, ``actual``, ``median`` (the point forecast), ``mean``,
        ``lower``, ``upper`` (unit of ``y``),
        ``scale`` (MASE scale of the training window, unit of ``y``) and
        ``error`` (NA, or ``"<ErrorClass>: <message>"`` when the fit failed; the
        forecast columns are then NaN).  ``attrs`` holds ``series``, ``initial``,
        ``horizon``, ``step``, ``level`` and ``benchmark``.

    Raises
    ------
    UnknownModelError
        When a model name is not registered (checked before any fitting).
    ParameterError
        For a bad ``initial``/``horizon``/``step``/``level`` or bad model options.
    DataError
        When ``y`` is too short for ``initial + horizon`` points, is not a finite
        Series, or a model forecasts periods that are not the series' next periods.
    """
    from forecast.models import available_models, fit  # the model library imports statsmodels

    y = _check_series(y)
    if not 0 < level < 1:
        raise ParameterError("must be a probability strictly between 0 and 1", name="level",
                             value=level)
    names = list(dict.fromkeys([*models, *([benchmark] if benchmark else [])]))
    if not names:
        raise ParameterError("no models to backtest", name="models", expected="at least one name")
    valid = available_models()
    for name in names:
        if name not in valid:
            raise UnknownModelError(name, valid)
    options = dict(options or {})
    for name in options:
        if name not in names:
            raise ParameterError("options given for a model that is not backtested",
                                 name="options", expected=f"one of {names}", value=name)
    cuts = cutoffs(y.index, initial, horizon, step)
    values = y.to_numpy(dtype=float)
    rows = []
    for cut in cuts:
        pos = y.index.get_loc(cut)
        train = y.iloc[:pos + 1]
        periods = y.index[pos + 1:pos + 1 + horizon]
        actual = values[pos + 1:pos + 1 + horizon]
        scale = _naive_scale(values[:pos + 1])
        for name in names:
            try:
                result = fit(name, train, **options.get(name, {}))
                frame = result.forecast(horizon, level=level)
            except (ConvergenceError, DataError) as err:
                # a failed fit is a result of the backtest, not a crash of it
                text = f"{type(err).__name__}: {err}"
                nan = np.full(horizon, np.nan)
                rows.append((cut, periods, name, actual, nan, nan, nan, nan, scale, text))
                continue
            if not frame.index.equals(periods):
                raise DataError(
                    f"model {name!r} forecast periods {list(frame.index)} after cutoff {cut!r} "
                    f"are not the series' next periods", expected=str(list(periods)))
            rows.append((cut, periods, name, actual, frame["median"].to_numpy(float),
                         frame["mean"].to_numpy(float), frame["lower"].to_numpy(float),
                         frame["upper"].to_numpy(float), scale, None))
    parts = [pd.DataFrame({
        "cutoff": [cut] * horizon, "period": list(periods), "horizon": np.arange(1, horizon + 1),
        "model": name, "actual": actual, "median": median, "mean": mean, "lower": lower,
        "upper": upper, "scale": scale, "error": pd.Series([error] * horizon, dtype="string")})
        for cut, periods, name, actual, median, mean, lower, upper, scale, error in rows]
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(series=y.name, initial=initial, horizon=horizon, step=step, level=level,
                     benchmark=benchmark)
    return out


# --- metrics ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """A registered backtest metric.

    ``func(frame) -> float`` scores the successful rows of one group of a
    :func:`run` frame; ``loss(value, level) -> float`` turns its value into
    "smaller is better" for ranking (e.g. ``|bias|``, ``|coverage - level|``).
    """

    name: str
    func: Callable[[pd.DataFrame], float]
    loss: Callable[[float, float], float]
    description: str


METRICS: dict[str, Metric] = {}


def register_metric(name: str, *, loss: Callable[[float, float], float] | None = None):
    """Decorator registering ``func(frame) -> float`` as metric ``name``.

    ``loss`` maps (value, level) to a smaller-is-better number for :func:`rank`
    (default: the value itself).  The function's docstring first line becomes
    the metric's description.
    """
    def decorate(func):
        doc = (func.__doc__ or name).strip().splitlines()[0]
        METRICS[name] = Metric(name, func, loss or (lambda value, level: value), doc)
        return func
    return decorate


def get_metric(name: str) -> Metric:
    """The registered metric ``name``; :class:`UnknownNameError` lists the valid ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownNameError(name, METRICS, kind="metric") from None


def point(frame: pd.DataFrame) -> pd.Series:
    """The point forecast of a backtest frame: ``median``, or ``mean`` in a frame without one."""
    return frame["median"] if "median" in frame.columns else frame["mean"]


@register_metric("mape")
def mape(frame: pd.DataFrame) -> float:
    """Mean absolute percentage error, in percent: mean(|point - actual| / |actual|) * 100."""
    return float(np.mean(np.abs(point(frame) - frame["actual"]) / np.abs(frame["actual"])) * 100)


@register_metric("mase")
def mase(frame: pd.DataFrame) -> float:
    """Mean absolute scaled error: mean(|point - actual| / scale), scale = window's naive MAE."""
    return float(np.mean(np.abs(point(frame) - frame["actual"]) / frame["scale"]))


@register_metric("bias", loss=lambda value, level: abs(value))
def bias(frame: pd.DataFrame) -> float:
    """Mean log ratio ln(point / actual): > 0 over-forecast (NaN if a value is <= 0)."""
    ratio = point(frame).to_numpy(float) / frame["actual"].to_numpy(float)
    if np.any(~(ratio > 0)):
        return float("nan")  # a log ratio of a non-positive forecast or actual is undefined
    return float(np.mean(np.log(ratio)))


@register_metric("coverage", loss=lambda value, level: abs(value - level))
def coverage(frame: pd.DataFrame) -> float:
    """Share of actuals inside [lower, upper] (bounds included); compare with the level."""
    inside = (frame["actual"] >= frame["lower"]) & (frame["actual"] <= frame["upper"])
    return float(np.mean(inside))


def score(frame: pd.DataFrame, metrics: Iterable[str] | None = None,
          by: Sequence[str] = ("model", "horizon")) -> pd.DataFrame:
    """Score a :func:`run` frame with registered metrics, grouped by ``by``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`run` (or any frame with its columns).
    metrics : iterable of str, optional
        Metric names (default: every registered metric).
    by : sequence of str
        Columns to group by (default model and horizon).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n`` (forecasts scored),
        ``failed`` (forecasts lost to failed fits) and one column per metric
        (NaN when a group has no successful forecast).
    """
    chosen = [get_metric(name) for name in (metrics if metrics is not None else METRICS)]
    missing = [c for c in (*by, "actual", "lower", "upper", "scale", "error")
               if c not in frame.columns]
    if not missing and not {"median", "mean"} & set(frame.columns):
        missing = ["median"]
    if missing:
        raise DataError("not a backtest frame", column=missing[0],
                        expected=f"columns {list(COLUMNS)}")
    records = []
    for key, group in frame.groupby(list(by), sort=True):
        ok = group[group["error"].isna()]
        record = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        record.update(n=len(ok), failed=len(group) - len(ok))
        for metric in chosen:
            record[metric.name] = metric.func(ok) if len(ok) else float("nan")
        records.append(record)
    return pd.DataFrame.from_records(records)


def rank(scores: pd.DataFrame, metric: str = "mape", *, level: float = 0.8,
         benchmark: str | None = "cagr") -> pd.DataFrame:
    """Rank models by ``metric`` at each horizon of a :func:`score` table.

    Returns one row per (horizon, model) sorted by horizon then rank, with the
    metric ``value``, its ``loss`` (smaller is better; see :class:`Metric`),
    ``rank`` (1 = least wrong; models with a NaN value are ranked last) and,
    when ``benchmark`` is scored, ``vs_benchmark`` = loss / benchmark's loss at
    that horizon (< 1 beats the benchmark).
    """
    spec = get_metric(metric)
    if metric not in scores.columns:
        raise DataError("the score table has no column for this metric", column=metric,
                        expected=f"one of {[c for c in scores.columns if c in METRICS]}")
    table = scores[["horizon", "model", metric]].rename(columns={metric: "value"})
    table["loss"] = [spec.loss(v, level) for v in table["value"]]
    table["rank"] = (table.groupby("horizon")["loss"].rank(method="min", na_option="bottom")
                     .astype(int))
    if benchmark is not None and benchmark in set(table["model"]):
        base = table[table["model"] == benchmark].set_index("horizon")["loss"]
        table["vs_benchmark"] = table["loss"] / table["horizon"].map(base)
    return table.sort_values(["horizon", "rank", "model"], ignore_index=True)


def verdict(frame: pd.DataFrame, metric: str = "mape", *, horizons: Iterable[int] = (1, 2, 3),
            benchmark: str = "cagr") -> str:
    """The conclusion of a backtest in words, computed from a :func:`run` frame.

    For each requested horizon: the least wrong model by ``metric`` (with how
    many of the horizon's forecasts it managed: failed fits are not scored),
    then each model against the naive ``benchmark`` *on the forecasts both
    made*, so a model that failed on the hard cutoffs does not win by
    omission; horizons without any fold are named as not evaluated.  Only the
    sentence frames are fixed; every name and number comes from ``frame``.
    """
    spec = get_metric(metric)
    level = frame.attrs.get("level", 0.8)
    ranked = rank(score(frame, [metric]), metric, level=level, benchmark=benchmark)
    ok = frame[frame["error"].isna()]
    # every sentence is one catalog template (forecast.i18n), so it reads whole in Chinese
    lines = [_("Backtest verdict by {metric} ({description}):").format(
        metric=_(metric), description=_(spec.description.split(":")[0].lower()))]
    for h in horizons:
        at = ranked[(ranked["horizon"] == h) & ranked["loss"].notna()]
        if at.empty:
            lines.append(_("horizon {h}: not evaluated (no cutoff leaves {h} periods to score, "
                           "or every fit failed)").format(h=h))
            continue
        best = at.iloc[0]
        total = frame.loc[frame["horizon"] == h, "cutoff"].nunique()
        n = int((ok["horizon"] == h).mul(ok["model"] == best["model"]).sum())
        text = ngettext("horizon {h}: least wrong is {model} ({metric} {value:.3g} over {n} of "
                        "{total} forecast)",
                        "horizon {h}: least wrong is {model} ({metric} {value:.3g} over {n} of "
                        "{total} forecasts)", total).format(
            h=h, model=best["model"], metric=_(metric), value=best["value"], n=n, total=total)
        base = ok[(ok["model"] == benchmark) & (ok["horizon"] == h)]
        if base.empty:
            lines.append(text + _("; the benchmark {benchmark} made no forecast at this "
                                  "horizon").format(benchmark=benchmark))
            continue
        wins = []
        for model in sorted(set(ok["model"]) - {benchmark}):
            mine = ok[(ok["model"] == model) & (ok["horizon"] == h)]
            shared = [c for c in mine["cutoff"] if c in set(base["cutoff"])]
            if not shared:
                continue
            a = spec.func(mine[mine["cutoff"].isin(shared)])
            b = spec.func(base[base["cutoff"].isin(shared)])
            if spec.loss(a, level) < spec.loss(b, level):
                wins.append(_("{model} ({a:.3g} vs {b:.3g}, n={n})").format(
                    model=model, a=a, b=b, n=len(shared)))
        if wins:
            text += _("; against the naive {benchmark} on the forecasts both made: beaten by "
                      "{wins}").format(benchmark=benchmark, wins=_(", ").join(wins))
        else:
            text += _("; against the naive {benchmark} on the forecasts both made: no model "
                      "beats it").format(benchmark=benchmark)
        lines.append(text)
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# R's accuracy() and tsCV()

#: Measures returned by :func:`accuracy`, in R's order.
ACCURACY_MEASURES = ("ME", "RMSE", "MAE", "MPE", "MAPE", "MASE", "ACF1")


def _point_forecasts(forecast) -> pd.Series | np.ndarray:
    """A forecast frame's ``median`` (R's point forecast), a Series or an array as is."""
    if isinstance(forecast, pd.DataFrame):
        if "median" not in forecast.columns:
            raise ParameterError("a forecast frame needs a 'median' column",
                                 name="forecast", expected="FitResult.forecast(...) or a Series",
                                 value=list(forecast.columns))
        return forecast["median"]
    if isinstance(forecast, pd.Series):
        return forecast
    return np.asarray(forecast, dtype=float)


def accuracy(forecast, actual=None, *, train=None, seasonal_period: int = 1) -> pd.Series:
    """R ``forecast::accuracy()`` measures of point forecasts against what happened.

    Parameters
    ----------
    forecast : pandas.Series, forecast frame, array (shape (h,)) or FitResult
        Point forecasts; a ``FitResult.forecast(...)`` frame is scored on its
        ``median`` (R's point forecast).  A ``FitResult`` without ``actual``
        gives R's "Training set" row: its fitted values (one-step forecasts)
        against the data it was fitted to, which is also ``train``.
    actual : pandas.Series or array
        Actual values.  Two Series are aligned on their common labels (R's
        ``accuracy(f, x)`` with a time series overlapping the forecast); an
        array must have the forecast's length.
    train : pandas.Series or array, optional
        The training data, for MASE: the forecast's mean absolute error divided
        by the in-sample mean absolute error of the naive forecast of the
        training data, ``mean|y_t - y_(t-m)|`` with ``m = seasonal_period``
        (R: lag-1 differences for a non-seasonal series, seasonal differences
        for a seasonal one).  Without it MASE is NaN, as R omits it.
    seasonal_period : int
        m above (4 for quarterly data, 12 for monthly; 1 = non-seasonal).

    Returns
    -------
    pandas.Series
        ``ME``, ``RMSE``, ``MAE`` (unit of y), ``MPE``, ``MAPE`` (percent),
        ``MASE`` (unitless) and ``ACF1`` (lag-1 autocorrelation of the errors),
        with errors ``actual - forecast`` as R defines them (R/accuracy.R).
    """
    from forecast.models import FitResult

    if isinstance(forecast, FitResult):
        data = forecast.fitted + forecast.residuals  # the series the model was fitted to
        if actual is None:
            actual = data
            train = data if train is None else train
        forecast = forecast.fitted
    if actual is None:
        raise ParameterError("needs the actual values (or a FitResult, for the training set)",
                             name="actual", expected="a Series or array like the forecast")
    fc, act = _point_forecasts(forecast), actual
    if isinstance(fc, pd.Series) and isinstance(act, pd.Series):
        common = fc.index.intersection(act.index, sort=False)
        if len(common) == 0:
            raise DataError("the forecast and the actual values share no period",
                            expected="overlapping indexes",
                            value=f"{list(fc.index[:3])} vs {list(act.index[:3])}")
        fc, act = fc.loc[common], act.loc[common]
    f = np.asarray(fc, dtype=float)
    a = np.asarray(act, dtype=float)
    if f.shape != a.shape or f.ndim != 1:
        raise DataError("forecast and actual values must have the same length",
                        expected=f"{f.size} actual values", value=a.size)
    if isinstance(seasonal_period, bool) or not isinstance(seasonal_period, (int, np.integer)) \
            or seasonal_period < 1:
        raise ParameterError("must be a whole number of periods >= 1", name="seasonal_period",
                             value=seasonal_period)
    error = a - f
    ok = np.isfinite(error)
    e, x = error[ok], a[ok]
    if e.size == 0:
        raise DataError("no forecast has an actual value to compare with",
                        expected="at least one finite pair")
    with np.errstate(divide="ignore", invalid="ignore"):
        pe = 100 * e / x
        mase = math.nan
        if train is not None:
            y = np.asarray(train, dtype=float)
            changes = np.abs(y[seasonal_period:] - y[:-seasonal_period])
            changes = changes[np.isfinite(changes)]
            scale = float(np.mean(changes)) if changes.size else math.nan
            mase = float(np.mean(np.abs(e)) / scale) if scale > 0 else math.nan
        centred = e - e.mean()
        denominator = float(centred @ centred)
        acf1 = float(centred[:-1] @ centred[1:] / denominator) if e.size > 1 and denominator > 0 \
            else math.nan
    values = [float(np.mean(e)), float(np.sqrt(np.mean(e ** 2))), float(np.mean(np.abs(e))),
              float(np.mean(pe)), float(np.mean(np.abs(pe))), mase, acf1]
    return pd.Series(values, index=list(ACCURACY_MEASURES), name="accuracy")


def tscv(y: pd.Series, model: str, h: int = 1, *, window: int | None = None,
         initial: int | None = None, **fit_options) -> pd.DataFrame:
    """Forecast errors of time-series cross-validation, as R's ``forecast::tsCV()``.

    At every origin i (the label of the last training period), ``model`` is
    fitted to y up to i (the last ``window`` points only, when given) and
    forecasts 1..h periods; the error is ``y[i + j] - forecast_j``.

    Parameters
    ----------
    y : pandas.Series, shape (n,)
        The series, oldest first.
    model : str
        A registered model name, fitted with ``forecast.fit(model, ..., **fit_options)``.
    h : int
        Forecast horizon in periods (columns 1..h).
    window : int, optional
        Length of a rolling training window (default: all the data up to the
        origin, an expanding window).  Origins with fewer points give NaN rows.
    initial : int, optional
        Origins before position ``initial`` (0-based; R's ``initial``) are not
        used (NaN rows).
    **fit_options
        Options of the model (e.g. ``drift=True`` for ``naive``).

    Returns
    -------
    pandas.DataFrame, shape (n, h)
        Rows indexed by y's labels (the origins), columns 1..h (``horizon``),
        errors in the unit of y; NaN where ``i + j`` is beyond the data, where
        the origin is not used, or where the fit fails (R's ``try``: a
        ``ConvergenceError`` or a ``DataError`` for too few points).  The last
        row is all NaN.  ``np.sqrt(np.nanmean(e ** 2))`` is the cross-validated
        RMSE; ``np.nanmean(e ** 2, axis=0)`` the MSE by horizon.
    """
    from forecast.models import fit, get_model

    y = _check_series(y)
    h = _positive_int("h", h)
    get_model(model)  # UnknownModelError before any fit
    if window is not None:
        window = _positive_int("window", window)
    first = 0
    if initial is not None:
        if isinstance(initial, bool) or not isinstance(initial, (int, np.integer)) or initial < 0:
            raise ParameterError("must be a whole number of periods >= 0", name="initial",
                                 value=initial)
        first = int(initial)
    n = len(y)
    values = y.to_numpy(dtype=float)
    errors = np.full((n, h), np.nan)
    for i in range(first, n - 1):
        start = 0 if window is None else i + 1 - window
        if start < 0:
            continue
        ahead = min(h, n - 1 - i)
        try:
            frame = fit(model, y.iloc[start:i + 1], **fit_options).forecast(h)
        except (ConvergenceError, DataError):
            continue
        errors[i, :ahead] = values[i + 1:i + 1 + ahead] - frame["median"].to_numpy(float)[:ahead]
    out = pd.DataFrame(errors, index=y.index, columns=pd.RangeIndex(1, h + 1, name="horizon"))
    return out
