"""Trends on dated events, as Epoch AI fits them: log-linear least squares, frontiers, eras.

Event data (notable AI models, GPU clusters, chips, TOP500 systems) are a
scatter of dated values, not a regular series: dates are unsorted and repeat,
gaps are uneven.  Epoch AI fits such data by ordinary least squares of
``log10(value)`` on the date in decimal years and reports the slope as orders
of magnitude per year (OOM/yr), as a growth factor per year (x/yr) and as a
doubling time.  This module does the same, with every figure's interval:

* :func:`loglinear`: the fit (a frozen :class:`Trend`); intervals are the
  Student-t intervals of the slope on ``n - 2`` degrees of freedom, as R's
  ``confint(lm(log10(y) ~ t))`` and statsmodels' ``OLS(...).conf_int`` give
  them, mapped through the monotone transforms x/yr = 10**slope and doubling
  time = log10(2) / slope;
* :func:`line`: the underlying straight-line OLS (any x, any y), checked in
  ``tests/test_trends.py`` against R's printed ``summary(lm(dist ~ speed, cars))``;
* :func:`running_max` and :func:`top_k`: frontier selections (record-setters,
  and the k largest per calendar period);
* :func:`chow_test`: the Chow (1960) F test of one break at a given date;
* :func:`segmented`: a piecewise log-linear trend ("eras") with break dates
  estimated by least squares over a grid, continuous (hinged) or not.

Units: dates are decimal years (a ``datetime64`` or ``Timestamp`` input is
converted: 2023-07-02 is about 2023.5); values are in any positive unit, fitted
on log10.  Rates are per year.

References
----------
Chow, G. C. (1960). Tests of equality between sets of coefficients in two
linear regressions. Econometrica 28(3), 591-605.
Bai, J. & Perron, P. (1998). Estimating and testing linear models with
multiple structural changes. Econometrica 66(1), 47-78 (least-squares break
dates over a grid; the sup-F caveat below).
Sevilla, J. et al. (2022). Compute trends across three eras of machine
learning. arXiv:2202.05924 (the practice of eras with separate trends).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from forecast.errors import DataError, ParameterError

LOG10_2 = math.log10(2.0)
#: largest number of candidate break dates searched per break (see :func:`segmented`)
MAX_GRID = 400


# ----------------------------------------------------------------------------
# Inputs


def decimal_year(dates) -> np.ndarray:
    """Dates as decimal years, shape (n,): numbers pass through, datetimes become year + fraction.

    >>> decimal_year(pd.to_datetime(["2020-01-01", "2020-07-02"])).round(3).tolist()
    [2020.0, 2020.5]
    """
    values = pd.Series(dates) if not isinstance(dates, pd.Series) else dates
    if isinstance(values.dtype, pd.PeriodDtype):
        values = values.dt.start_time
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = pd.DatetimeIndex(values)
        if stamps.tz is not None:
            stamps = stamps.tz_convert(None)
        start = pd.to_datetime(pd.DataFrame({"year": stamps.year, "month": 1, "day": 1}))
        end = pd.to_datetime(pd.DataFrame({"year": stamps.year + 1, "month": 1, "day": 1}))
        start, end = pd.DatetimeIndex(start), pd.DatetimeIndex(end)
        frac = (stamps - start) / (end - start)
        return np.asarray(stamps.year, dtype=float) + np.asarray(frac, dtype=float)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    raise DataError("dates must be decimal years or datetimes", column="t",
                    expected="numbers (2023.5) or datetime64 values", value=str(values.dtype))


def _check_xy(t, y, *, positive: bool, minimum: int = 3) -> tuple[np.ndarray, np.ndarray]:
    x = decimal_year(t)
    try:
        v = np.asarray(pd.to_numeric(pd.Series(y), errors="raise"), dtype=float).ravel()
    except (TypeError, ValueError) as err:
        raise DataError("values must be numbers", column="y", expected="numbers",
                        value=str(err)) from err
    if x.shape != v.shape:
        raise DataError("dates and values differ in length", column="t",
                        expected=f"{v.size} dates, one per value", value=x.size)
    bad = ~(np.isfinite(x) & np.isfinite(v))
    if bad.any():
        where = int(np.argmax(bad))
        raise DataError(f"missing or infinite date or value at position {where}",
                        column="t" if not np.isfinite(x[where]) else "y",
                        expected="finite numbers (drop the gaps first)",
                        value=float(x[where]) if not np.isfinite(x[where]) else float(v[where]))
    if positive and (v <= 0).any():
        where = int(np.argmax(v <= 0))
        raise DataError(f"a log-linear trend needs positive values (position {where})",
                        column="y", expected="values > 0", value=float(v[where]))
    if v.size < minimum:
        raise DataError(f"too few events for a trend with an interval", column="y",
                        expected=f"at least {minimum}", value=int(v.size))
    if np.unique(x).size < 2:
        raise DataError("every event has the same date: no trend can be fitted", column="t",
                        expected="at least 2 distinct dates")
    return x, v


def _level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ParameterError("must be a coverage strictly between 0 and 1", name="level",
                             expected="e.g. 0.9", value=level)
    return float(level)


# ----------------------------------------------------------------------------
# Least squares


@dataclass(frozen=True)
class _OLS:
    beta: np.ndarray
    cov: np.ndarray
    sse: float
    df: int
    sigma: float


def _ols(X: np.ndarray, z: np.ndarray) -> _OLS:
    """OLS by QR: coefficients, covariance sigma^2 (X'X)^-1, SSE, df = n - p, sigma."""
    n, p = X.shape
    q, r = np.linalg.qr(X)
    if np.min(np.abs(np.diag(r))) <= 1e-12 * np.max(np.abs(np.diag(r))):
        raise DataError("the design is singular (too few distinct dates in a segment)",
                        expected="at least 2 distinct dates per fitted line")
    beta = np.linalg.solve(r, q.T @ z)
    resid = z - X @ beta
    sse = float(resid @ resid)
    df = n - p
    sigma = math.sqrt(sse / df) if df > 0 else math.nan
    rinv = np.linalg.solve(r, np.eye(p))
    return _OLS(beta, sigma ** 2 * (rinv @ rinv.T), sse, df, sigma)


@dataclass(frozen=True)
class Line:
    """A straight line fitted by OLS, as R's ``lm(y ~ x)`` prints it.

    ``intercept`` and ``slope`` with ``stderr_*``; ``sigma`` the residual
    standard error on ``df = n - 2`` degrees of freedom; ``r_squared``;
    ``cov`` (2 x 2, intercept then slope); ``level`` and the Student-t
    intervals ``intercept_interval`` and ``slope_interval``.
    """

    n: int
    df: int
    intercept: float
    slope: float
    stderr_intercept: float
    stderr_slope: float
    sigma: float
    r_squared: float
    cov: np.ndarray = field(repr=False)
    level: float
    intercept_interval: tuple[float, float]
    slope_interval: tuple[float, float]


def line(x, y, *, level: float = 0.95) -> Line:
    """OLS of ``y`` on ``x`` (any order, repeated x allowed); see :class:`Line`.

    >>> fit = line([1, 2, 3, 4], [2.0, 4.1, 5.9, 8.0])
    >>> round(fit.slope, 3), round(fit.intercept, 3)
    (1.98, 0.05)
    """
    level = _level(level)
    xv, yv = _check_xy(x, y, positive=False)
    X = np.column_stack([np.ones_like(xv), xv])
    res = _ols(X, yv)
    tq = float(stats.t.ppf(0.5 + level / 2, res.df))
    se = np.sqrt(np.diag(res.cov))
    sst = float(np.sum((yv - yv.mean()) ** 2))
    return Line(n=int(yv.size), df=res.df, intercept=float(res.beta[0]), slope=float(res.beta[1]),
                stderr_intercept=float(se[0]), stderr_slope=float(se[1]), sigma=res.sigma,
                r_squared=1 - res.sse / sst if sst > 0 else math.nan, cov=res.cov, level=level,
                intercept_interval=(float(res.beta[0] - tq * se[0]),
                                    float(res.beta[0] + tq * se[0])),
                slope_interval=(float(res.beta[1] - tq * se[1]), float(res.beta[1] + tq * se[1])))


# ----------------------------------------------------------------------------
# Growth in the three ways it is reported


def doubling_from_oom(oom_per_year) -> np.ndarray | float:
    """Doubling time in years from a slope in log10 per year (inf when the slope is <= 0)."""
    slope = np.asarray(oom_per_year, dtype=float)
    with np.errstate(divide="ignore"):
        out = np.where(slope > 0, LOG10_2 / np.where(slope > 0, slope, 1.0), np.inf)
    return float(out) if out.ndim == 0 else out


def growth_table(slope: float, interval: tuple[float, float], level: float) -> dict[str, float]:
    """A slope in log10 per year and its interval as x/yr, OOM/yr, %/yr and doubling months.

    The interval bounds are mapped through the same monotone transforms, so the
    90% interval of the doubling time is the doubling time of the slope's
    bounds (inverted; infinite when the lower slope bound is <= 0).
    """
    lo, hi = interval
    return {
        "oom_per_year": slope, "oom_lower": lo, "oom_upper": hi,
        "x_per_year": 10 ** slope, "x_lower": 10 ** lo, "x_upper": 10 ** hi,
        "growth": 10 ** slope - 1, "growth_lower": 10 ** lo - 1, "growth_upper": 10 ** hi - 1,
        "doubling_months": 12 * doubling_from_oom(slope),
        "doubling_lower": 12 * doubling_from_oom(hi), "doubling_upper": 12 * doubling_from_oom(lo),
        "level": level,
    }


@dataclass(frozen=True)
class Trend:
    """A log-linear trend ``log10(y) = a + b t`` fitted to dated events.

    Attributes: ``line`` (the :class:`Line` on log10 y, intervals at
    ``level``), ``start`` and ``end`` (first and last date, decimal years),
    ``t`` and ``log10y`` (the data, as given, shape (n,)).  Properties give the
    slope as OOM/yr, x/yr and doubling time, each with its interval.
    """

    line: Line
    start: float
    end: float
    t: np.ndarray = field(repr=False)
    log10y: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        return self.line.n

    @property
    def level(self) -> float:
        return self.line.level

    @property
    def oom_per_year(self) -> float:
        """Orders of magnitude per year (the slope of log10 y)."""
        return self.line.slope

    @property
    def x_per_year(self) -> float:
        """Growth factor per year: 10 ** slope (3.0 means x3 a year)."""
        return 10 ** self.line.slope

    @property
    def doubling_months(self) -> float:
        """Doubling time in months (inf when the trend does not grow)."""
        return 12 * doubling_from_oom(self.line.slope)

    def growth(self) -> dict[str, float]:
        """The growth figures and their intervals: see :func:`growth_table`."""
        return growth_table(self.line.slope, self.line.slope_interval, self.level)

    def table(self, label: str | None = None) -> pd.DataFrame:
        """One row: label, n, start, end, x/yr, OOM/yr, %/yr and doubling months with intervals."""
        row = {"trend": label, "n": self.n, "start": self.start, "end": self.end, **self.growth()}
        return pd.DataFrame([row])

    def predict(self, t, level: float | None = None) -> pd.DataFrame:
        """The fitted line at dates ``t`` with a confidence band of the mean (unit of y).

        Columns ``t`` (decimal years), ``fit``, ``lower``, ``upper``; the band
        is Student t on the fit's df at ``level`` (default the fit's).
        """
        level = self.level if level is None else _level(level)
        tv = decimal_year(t)
        X = np.column_stack([np.ones_like(tv), tv])
        mu = X @ np.array([self.line.intercept, self.line.slope])
        se = np.sqrt(np.einsum("ij,jk,ik->i", X, self.line.cov, X))
        half = float(stats.t.ppf(0.5 + level / 2, self.line.df)) * se
        return pd.DataFrame({"t": tv, "fit": 10 ** mu, "lower": 10 ** (mu - half),
                             "upper": 10 ** (mu + half)})


def loglinear(t, y, *, level: float = 0.9) -> Trend:
    """Fit ``log10(y) = a + b t`` by OLS to dated events (unsorted, repeated dates allowed).

    Parameters
    ----------
    t : array-like, shape (n,)
        Dates: decimal years or datetimes.
    y : array-like, shape (n,)
        Positive values in any unit (FLOP, FLOP/s, chips...).
    level : float
        Coverage of the intervals (Epoch reports 90%).

    Returns
    -------
    Trend

    Examples
    --------
    >>> tr = loglinear([2020, 2020, 2021, 2022], [1.0, 1.0, 4.0, 16.0])
    >>> round(tr.x_per_year, 6), round(tr.doubling_months, 3)
    (4.0, 6.0)
    """
    level = _level(level)
    x, v = _check_xy(t, y, positive=True)
    z = np.log10(v)
    return Trend(line(x, z, level=level), float(x.min()), float(x.max()), x, z)


def trend_table(trends: dict[str, Trend]) -> pd.DataFrame:
    """One row per named trend (see :meth:`Trend.table`)."""
    return pd.concat([tr.table(name) for name, tr in trends.items()], ignore_index=True)


# ----------------------------------------------------------------------------
# Frontier selections


def _frame_columns(frame: pd.DataFrame, date: str, value: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError("expected a DataFrame of events", expected="pandas.DataFrame",
                        value=type(frame).__name__)
    for col in (date, value):
        if col not in frame.columns:
            raise DataError("no such column", column=col,
                            expected=f"one of {list(frame.columns)}")


def running_max(frame: pd.DataFrame, date: str, value: str) -> pd.DataFrame:
    """The events that set a record: larger than every event dated strictly before them.

    Rows with a missing date or value are ignored.  On one date the largest
    event counts (ties on value keep the first row).  Returns those rows of
    ``frame``, sorted by date.
    """
    _frame_columns(frame, date, value)
    rows = frame.dropna(subset=[date, value])
    if rows.empty:
        return rows.copy()
    t = decimal_year(rows[date])
    order = np.lexsort((-rows[value].to_numpy(float), t))  # by date, largest first on a date
    ordered = rows.iloc[order]
    t, v = t[order], ordered[value].to_numpy(float)
    keep, best = [], -np.inf
    first = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])  # the largest event of each date
    for i in first:  # one pass: a record must beat every event dated strictly before it
        if v[i] > best:
            keep.append(i)
            best = v[i]
    return ordered.iloc[keep]


def top_k(frame: pd.DataFrame, date: str, value: str, k: int = 10, freq: str = "Y"
          ) -> pd.DataFrame:
    """The ``k`` largest events of each calendar period (``freq``: "Y" years, "Q" quarters).

    Dates may be datetimes or decimal years (then periods are calendar years).
    Returns those rows of ``frame``, sorted by date.
    """
    _frame_columns(frame, date, value)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError("must be a whole number >= 1", name="k", value=k)
    rows = frame.dropna(subset=[date, value])
    if rows.empty:
        return rows.copy()
    if pd.api.types.is_datetime64_any_dtype(rows[date].dtype):
        if freq not in ("Y", "Q", "M"):
            raise ParameterError("unknown period", name="freq", expected="'Y', 'Q' or 'M'",
                                 value=freq)
        period = pd.DatetimeIndex(rows[date]).to_period(freq).astype(str)
    else:
        if freq != "Y":
            raise ParameterError("decimal-year dates can only be grouped by year", name="freq",
                                 expected="'Y'", value=freq)
        period = np.floor(decimal_year(rows[date])).astype(int)
    ranked = rows.assign(_period=np.asarray(period))
    picked = (ranked.sort_values(value, ascending=False, kind="stable")
              .groupby("_period", sort=False).head(int(k)))
    order = np.argsort(decimal_year(picked[date]), kind="stable")
    return picked.iloc[order].drop(columns="_period")


# ----------------------------------------------------------------------------
# Structural breaks


@dataclass(frozen=True)
class Chow:
    """The Chow test of one break at ``at`` in the log-linear trend.

    ``F`` on (``df_num``, ``df_den``) = (2, n - 4) degrees of freedom and its
    ``p_value``; ``n_before`` and ``n_after`` events on each side (an event
    dated exactly at ``at`` belongs to the later segment).  The p-value is
    valid for a break date chosen *before* looking at the data; at a date
    estimated from the same data (:func:`segmented`) it overstates the
    evidence (the sup-F problem, Andrews 1993), so read it as descriptive.
    """

    at: float
    F: float
    df_num: int
    df_den: int
    p_value: float
    n_before: int
    n_after: int


def _chow_from(x: np.ndarray, z: np.ndarray, at: float) -> Chow:
    before = x < at
    n1, n2 = int(before.sum()), int((~before).sum())
    for n_side, side in ((n1, "before"), (n2, "on or after")):
        if n_side < 3 or np.unique(x[before if side == "before" else ~before]).size < 2:
            raise DataError(f"too few events {side} the break {at:g} for a Chow test",
                            expected="at least 3 events on 2 distinct dates on each side",
                            value=n_side)
    ones = np.ones_like(x)
    pooled = _ols(np.column_stack([ones, x]), z).sse
    sse1 = _ols(np.column_stack([ones[before], x[before]]), z[before]).sse
    sse2 = _ols(np.column_stack([ones[~before], x[~before]]), z[~before]).sse
    k = 2
    df_den = x.size - 2 * k
    split = sse1 + sse2
    F = ((pooled - split) / k) / (split / df_den) if split > 0 else math.inf
    return Chow(float(at), float(F), k, int(df_den), float(stats.f.sf(F, k, df_den)), n1, n2)


def chow_test(t, y, at) -> Chow:
    """Chow (1960) F test that the log-linear trend of ``y`` changes at date ``at``.

    ``F = ((SSE_pooled - SSE_1 - SSE_2) / 2) / ((SSE_1 + SSE_2) / (n - 4))``
    with the SSE of ``log10 y`` on a line before ``at``, from ``at`` on, and
    pooled; equal to the F test of the four-parameter model with a shifted
    intercept and slope against the single line (checked in the tests with
    statsmodels).
    """
    x, v = _check_xy(t, y, positive=True, minimum=6)
    return _chow_from(x, np.log10(v), float(decimal_year([at])[0]))


@dataclass(frozen=True)
class Segmented:
    """A piecewise log-linear trend with estimated break dates ("eras").

    Attributes:

    * ``breaks``: break dates, decimal years, increasing;
    * ``continuous``: True for a hinged line (slopes change, no jump), False for
      separate lines per era;
    * ``segments``: one row per era: ``era`` (1..), ``start``, ``end`` (break
      dates or the data's ends), ``n`` and the growth figures of
      :func:`growth_table` with Student-t intervals *given the break dates*
      (the uncertainty of the dates themselves is not in them);
    * ``sse`` (log10 scale), ``n``, ``k`` (coefficients), ``bic``
      (``n ln(SSE/n) + (k + breaks) ln n``, to compare numbers of breaks);
    * ``chow``: for one break of a discontinuous fit, the Chow test at the
      estimated date (descriptive, see :class:`Chow`), else None.
    """

    breaks: tuple[float, ...]
    continuous: bool
    segments: pd.DataFrame
    sse: float
    n: int
    k: int
    bic: float
    chow: Chow | None
    level: float
    beta: np.ndarray = field(repr=False)

    def predict(self, t) -> np.ndarray:
        """The fitted trend at dates ``t`` (unit of y), shape (len(t),)."""
        tv = decimal_year(t)
        return 10 ** (_design(tv, self.breaks, self.continuous) @ self.beta)


def _design(x: np.ndarray, breaks: Sequence[float], continuous: bool) -> np.ndarray:
    if continuous:
        cols = [np.ones_like(x), x] + [np.maximum(x - b, 0.0) for b in breaks]
        return np.column_stack(cols)
    edges = [-np.inf, *breaks, np.inf]
    cols = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = ((x >= lo) & (x < hi)).astype(float)
        cols += [inside, inside * x]
    return np.column_stack(cols)


def _slope_contrasts(n_breaks: int, continuous: bool) -> np.ndarray:
    """Rows c_j with slope_j = c_j . beta for each era."""
    p = 2 + n_breaks if continuous else 2 * (n_breaks + 1)
    rows = np.zeros((n_breaks + 1, p))
    for j in range(n_breaks + 1):
        if continuous:
            rows[j, 1:2 + j] = 1.0
        else:
            rows[j, 2 * j + 1] = 1.0
    return rows


def _candidates(x: np.ndarray, continuous: bool, min_size: int, grid: int) -> np.ndarray:
    ux = np.unique(x)
    # a discontinuous break sits between two dates (midpoints); a hinge at a date
    cand = ux if continuous else (ux[:-1] + ux[1:]) / 2
    xs = np.sort(x)
    lo, hi = xs[min_size - 1], xs[-min_size]
    cand = cand[(cand > lo) & (cand <= hi)] if not continuous else cand[(cand >= lo) & (cand <= hi)]
    if cand.size > grid:
        cand = cand[np.unique(np.round(np.linspace(0, cand.size - 1, grid)).astype(int))]
    return cand


def segmented(t, y, *, n_breaks: int = 1, continuous: bool = True, min_size: int = 5,
              level: float = 0.9, grid: int = 200) -> Segmented:
    """Fit a piecewise log-linear trend to ``log10 y`` with ``n_breaks`` estimated break dates.

    Break dates are chosen by least squares over a grid (Bai & Perron 1998):
    every combination of candidate dates leaving at least ``min_size`` events
    in each era is fitted, and the smallest SSE wins.  Candidates are the
    distinct dates (``continuous=True``: the trend bends at an observed date)
    or the midpoints between consecutive distinct dates (separate lines per
    era); with more than ``grid`` candidates, ``grid`` of them evenly spread.

    Parameters
    ----------
    t, y : array-like, shape (n,)
        Dates (decimal years or datetimes; unsorted and repeated allowed) and
        positive values.
    n_breaks : int
        Number of breaks, 1 to 3.
    continuous : bool
        Hinged line (default) or separate lines per era.
    min_size : int
        Smallest number of events in an era (>= 3).
    level : float
        Coverage of the per-era growth intervals.
    grid : int
        Largest number of candidate dates per break (<= :data:`MAX_GRID`).

    Returns
    -------
    Segmented
    """
    level = _level(level)
    if isinstance(n_breaks, bool) or n_breaks not in (1, 2, 3):
        raise ParameterError("must be 1, 2 or 3", name="n_breaks", value=n_breaks)
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 3:
        raise ParameterError("must be a whole number >= 3", name="min_size", value=min_size)
    if (isinstance(grid, bool) or not isinstance(grid, (int, np.integer))
            or not 2 <= grid <= MAX_GRID):
        raise ParameterError(f"must be a whole number from 2 to {MAX_GRID}", name="grid",
                             value=grid)
    x, v = _check_xy(t, y, positive=True, minimum=(n_breaks + 1) * min_size)
    z = np.log10(v)
    cand = _candidates(x, continuous, int(min_size), int(grid))
    xs = np.sort(x)
    best = (math.inf, None)
    for combo in itertools.combinations(cand, n_breaks):
        # events before each break; an event dated at a break belongs to the later era
        sizes = np.diff([0, *np.searchsorted(xs, combo, side="left"), xs.size])
        if sizes.min() < min_size:
            continue
        X = _design(x, combo, continuous)
        beta, *_ = np.linalg.lstsq(X, z, rcond=None)
        resid = z - X @ beta
        sse = float(resid @ resid)
        if sse < best[0]:
            best = (sse, combo)
    if best[1] is None:
        raise DataError(f"no break date leaves {min_size} events in each of {n_breaks + 1} eras",
                        expected=f"more events, or a smaller min_size", value=x.size)
    breaks = tuple(float(b) for b in best[1])
    X = _design(x, breaks, continuous)
    res = _ols(X, z)
    contrasts = _slope_contrasts(n_breaks, continuous)
    slopes = contrasts @ res.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", contrasts, res.cov, contrasts))
    tq = float(stats.t.ppf(0.5 + level / 2, res.df))
    edges = [float(x.min()), *breaks, float(x.max())]
    rows = []
    for j in range(n_breaks + 1):
        lo, hi = edges[j], edges[j + 1]
        inside = (x >= (lo if j else -np.inf)) & (x < (hi if j < n_breaks else np.inf))
        rows.append({"era": j + 1, "start": lo, "end": hi, "n": int(inside.sum()),
                     **growth_table(float(slopes[j]), (float(slopes[j] - tq * se[j]),
                                                      float(slopes[j] + tq * se[j])), level)})
    n, k = x.size, X.shape[1]
    bic = n * math.log(res.sse / n) + (k + n_breaks) * math.log(n) if res.sse > 0 else -math.inf
    chow = _chow_from(x, z, breaks[0]) if (n_breaks == 1 and not continuous) else None
    return Segmented(breaks, bool(continuous), pd.DataFrame(rows), res.sse, int(n), int(k),
                     float(bic), chow, level, res.beta)


def windows(t, y, edges: Sequence[float], *, level: float = 0.9) -> pd.DataFrame:
    """Log-linear growth in consecutive windows ``[edges[i], edges[i+1])`` (e.g. decades).

    Returns one row per window with at least 3 events on 2 distinct dates:
    ``window`` ("1993-2003"), ``n``, ``start``, ``end`` and the figures of
    :func:`growth_table`.  Windows with fewer events are left out.
    """
    level = _level(level)
    x, v = _check_xy(t, y, positive=True)
    bounds = [float(e) for e in edges]
    if len(bounds) < 2 or any(b <= a for a, b in zip(bounds, bounds[1:])):
        raise ParameterError("must be at least two increasing dates", name="edges",
                             expected="e.g. [1993, 2003, 2013, 2023]", value=edges)
    rows = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        inside = (x >= lo) & (x < hi)
        if inside.sum() < 3 or np.unique(x[inside]).size < 2:
            continue
        tr = loglinear(x[inside], v[inside], level=level)
        rows.append({"window": f"{lo:g}-{hi:g}", **tr.table().iloc[0].drop("trend").to_dict()})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ShareTrend:
    """A share (0..1) trending linearly on the logit scale: ``logit(s) = a + b t``.

    ``line`` is the OLS :class:`Line` on logit(share); :meth:`predict` gives
    the share at future dates with a Student-t *prediction* interval (a new
    quarter's share, not only the trend line), back-transformed, so bounds stay
    within 0..1.
    """

    line: Line
    start: float
    end: float

    def predict(self, t, level: float | None = None) -> pd.DataFrame:
        """Columns ``t``, ``share``, ``lower``, ``upper`` at dates ``t``."""
        level = self.line.level if level is None else _level(level)
        tv = decimal_year(t)
        X = np.column_stack([np.ones_like(tv), tv])
        mu = X @ np.array([self.line.intercept, self.line.slope])
        var = np.einsum("ij,jk,ik->i", X, self.line.cov, X) + self.line.sigma ** 2
        half = float(stats.t.ppf(0.5 + level / 2, self.line.df)) * np.sqrt(var)
        expit = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
        return pd.DataFrame({"t": tv, "share": expit(mu), "lower": expit(mu - half),
                             "upper": expit(mu + half)})


def share_trend(t, share, *, level: float = 0.9) -> ShareTrend:
    """Fit ``logit(share) = a + b t`` by OLS to shares strictly between 0 and 1."""
    level = _level(level)
    x, s = _check_xy(t, share, positive=True)
    if (s >= 1).any():
        raise DataError("a share must be below 1", column="share", expected="0 < share < 1",
                        value=float(s[np.argmax(s >= 1)]))
    return ShareTrend(line(x, np.log(s / (1 - s)), level=level), float(x.min()), float(x.max()))
