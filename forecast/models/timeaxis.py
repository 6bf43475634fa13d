"""Time axes and input validation shared by every model.

* :class:`TimeAxis` / :func:`time_axis`: the time values ``t`` of a series
  (the index itself for numbers, decimal years for dates and periods) and how
  to continue its index with its own step;
* :func:`prepare`: the checks every fit starts with (a pandas Series, numbers,
  no NaN, enough points, positive values for models on log y, sorted and evenly
  spaced time unless the model is a regression on time), each failure a
  ``DataError`` that says what is wrong and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import DataError

# ----------------------------------------------------------------------------
# Time axis


@dataclass(frozen=True)
class TimeAxis:
    """The time axis of a series: numeric times ``t`` and how to continue the index.

    ``t`` is the index itself for numeric indexes and decimal years for dates
    and periods (2023Q3 starts at 2023.5), so rates are per year for dated
    series and per unit of the index otherwise.
    """

    index: pd.Index
    t: np.ndarray
    kind: str  # "int", "float", "datetime", "period"
    step: float | None  # spacing in t units when evenly spaced, else None
    freq: Any = None

    def future(self, horizon: int) -> tuple[pd.Index, np.ndarray]:
        """The ``horizon`` periods after the last one: (index, t values).

        Integer indexes continue with their own step: the common spacing when
        evenly spaced (1790, 1800, ... continues 2020, 2030), else the greatest
        common divisor of the gaps (1 for years with holes).  Floats continue by
        their even spacing; integral floats by 1; irregular decimal years (event
        dates such as 2019.37, all within 1000-3000) at the whole years after the
        last (2025.0, 2026.0); any other numeric covariate by its median gap.
        """
        last = self.index[-1]
        if self.kind == "period":
            index = pd.period_range(last + 1, periods=horizon, freq=self.index.freq)
            return index, _decimal_year(index.start_time)
        if self.kind == "datetime":
            if self.freq is None:
                raise DataError("cannot continue a DatetimeIndex that has no regular frequency",
                                expected="dates at a regular frequency (or a PeriodIndex)")
            index = pd.date_range(last, periods=horizon + 1, freq=self.freq)[1:]
            return index, _decimal_year(index)
        if self.kind == "int":
            t = float(last) + self._int_step() * np.arange(1, horizon + 1)
            return pd.Index(np.round(t).astype(np.int64)), t
        distinct = np.unique(self.t)
        if self.step is not None and self.step > 0:
            step = self.step
        elif np.all(self.t == np.round(self.t)):
            step = 1.0  # integral floats (2020.0, 2021.0) continue by years
        elif distinct.size and distinct[0] >= 1000 and distinct[-1] < 3000:
            # decimal years of irregular events: forecast at whole years, not at
            # fractional ones an average gap would give
            t = np.floor(float(last)) + np.arange(1, horizon + 1, dtype=float)
            return pd.Index(t), t
        else:
            gaps = np.diff(distinct)
            step = float(np.median(gaps)) if gaps.size else 1.0
        t = float(last) + step * np.arange(1, horizon + 1)
        return pd.Index(t), t

    def _int_step(self) -> int:
        if self.step is not None and self.step >= 1 and float(self.step).is_integer():
            return int(self.step)
        gaps = np.diff(np.unique(np.asarray(self.index, dtype=np.int64)))
        return int(np.gcd.reduce(gaps)) if gaps.size else 1


def _decimal_year(stamps: pd.DatetimeIndex) -> np.ndarray:
    stamps = pd.DatetimeIndex(stamps)
    start = pd.to_datetime({"year": stamps.year, "month": 1, "day": 1})
    end = pd.to_datetime({"year": stamps.year + 1, "month": 1, "day": 1})
    frac = (stamps - pd.DatetimeIndex(start)) / (pd.DatetimeIndex(end) - pd.DatetimeIndex(start))
    return np.asarray(stamps.year + np.asarray(frac, dtype=float), dtype=float)


def time_axis(index: pd.Index, model: str = "model") -> TimeAxis:
    """Classify ``index`` as time; ``DataError`` when it is not time-like."""
    if isinstance(index, pd.PeriodIndex):
        return TimeAxis(index, _decimal_year(index.start_time), "period", None, index.freq)
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq or (pd.infer_freq(index) if len(index) >= 3 else None)
        return TimeAxis(index, _decimal_year(index), "datetime", None, freq)
    if pd.api.types.is_bool_dtype(index.dtype) or not pd.api.types.is_numeric_dtype(index.dtype):
        raise DataError(
            f"{model}: the index of y is not time-like",
            expected="integer years, floats, a DatetimeIndex or a PeriodIndex",
            value=str(index.dtype))
    kind = "int" if pd.api.types.is_integer_dtype(index.dtype) else "float"
    return TimeAxis(index, np.asarray(index, dtype=float), kind, None)


# ----------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class Prepared:
    """A validated series: ``y`` values (float), time axis, and the original Series.

    ``y`` and ``t`` are in the order of ``series``; ``axis`` is over the sorted
    times (the same unless the model accepts unsorted times), so forecasts
    continue from the latest time point.
    """

    series: pd.Series
    y: np.ndarray
    axis: TimeAxis
    times: np.ndarray | None = None

    @property
    def t(self) -> np.ndarray:
        return self.axis.t if self.times is None else self.times

    @property
    def n(self) -> int:
        return len(self.y)


def prepare(y, model: str, *, min_obs: int, min_reason: str, positive: bool,
            replicates: bool, unsorted: bool = False) -> Prepared:
    """Validate ``y`` for ``model``; raise ``DataError`` saying what is wrong.

    ``replicates=True`` (curve models) accepts unevenly spaced and repeated time
    points; otherwise the time points must be distinct and evenly spaced
    (consecutive periods for a PeriodIndex, an inferable frequency for a
    DatetimeIndex), because the model is a time series: each value follows the
    one before it.  ``unsorted=True`` (regressions on time) accepts any order.
    """
    if not isinstance(y, pd.Series):
        raise DataError(f"{model}: y must be a pandas Series indexed by time",
                        expected="pandas.Series", value=type(y).__name__)
    try:
        values = np.asarray(pd.to_numeric(y, errors="raise"), dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"{model}: y has non-numeric values", expected="numbers",
                        value=str(err)) from err
    axis = time_axis(y.index, model)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataError(f"{model}: y has missing or infinite values at {list(y.index[bad])}",
                        expected="finite numbers (drop or fill the gaps first)")
    if np.isnan(axis.t).any():
        raise DataError(f"{model}: the time index has missing values",
                        expected="a time for every value")
    if len(values) < min_obs:
        raise DataError(f"{model} needs at least {min_obs} observations ({min_reason})",
                        value=len(values))
    times = None
    if unsorted and (np.diff(axis.t) < 0).any():
        times = axis.t
        order = np.argsort(times, kind="stable")
        axis = TimeAxis(axis.index[order], times[order], axis.kind, None, axis.freq)
    steps = np.diff(axis.t)
    if (steps < 0).any():
        where = int(np.argmax(steps < 0)) + 1
        raise DataError(f"{model}: the time index is not sorted (at position {where}); "
                        "a time-series model reads each value after the one before it",
                        expected="increasing time (sort with y.sort_index())",
                        value=str(y.index[where]))
    if positive and (values <= 0).any():
        where = int(np.argmax(values <= 0))
        raise DataError(f"{model} fits log y, so every value must be positive "
                        f"(at {y.index[where]})", expected="values > 0", value=float(values[where]))
    step = None
    if not replicates:
        if (steps == 0).any():
            where = int(np.argmax(steps == 0)) + 1
            raise DataError(f"{model}: repeated time point {axis.index[where]}; only the curve "
                            "models (exponential, logistic, gompertz) accept replicates",
                            expected="one value per period")
        step = _even_step(axis, steps, model)
    elif steps.size and np.allclose(steps, steps[0]):
        step = float(steps[0])
    axis = TimeAxis(axis.index, axis.t, axis.kind, step, axis.freq)
    return Prepared(y, values, axis, times)


def _even_step(axis: TimeAxis, steps: np.ndarray, model: str) -> float:
    uneven = DataError(f"{model}: the time points are not evenly spaced",
                       expected="one value per period without gaps (or use a curve model)")
    if axis.kind == "period":
        if (np.diff(axis.index.asi8) != 1).any():
            raise uneven
        return 1.0 / _periods_per_year(axis.index.freqstr)
    if axis.kind == "datetime":
        if axis.freq is None:
            raise uneven
        return float(np.mean(steps)) if steps.size else 1.0
    if steps.size and not np.allclose(steps, steps[0], rtol=1e-9, atol=0):
        raise uneven
    return float(steps[0]) if steps.size else 1.0


def _periods_per_year(freqstr: str) -> float:
    head = freqstr.upper()[0]
    return {"Y": 1.0, "A": 1.0, "Q": 4.0, "M": 12.0, "W": 52.1775, "D": 365.25}.get(head, 1.0)
