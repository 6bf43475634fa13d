"""Top-down growth methods whose bands come from their own past errors on long series.

A top-down answer extends a short series (e.g. the CAICT-style index: four
yearly points) from its latest observation.  Its point path comes from one of a
few simple :class:`Method` s (constant growth over a recent window or the whole
series, a log-linear trend, a damped trend in logs); its band cannot come from
four points, so it comes from how wrong the *same method* has been on long
compute series (TOP500 sum, #1 and #500 of Rmax; microprocessor transistors and
SPECint; NVIDIA's revenue-implied flow of FP16 FLOP/s; any other yearly series
given):

1. :func:`rolling_errors`: stand at every yearly origin of every long series,
   apply each method to the data up to it, and record the log error
   ``e = ln(actual / forecast)`` 1..12 years ahead;
2. :func:`predictive_draws`: the band at horizon h is the distribution of the
   pooled errors around a *bootstrapped centre*.  Errors from origins less than
   h years apart share the same years of data, so they are not independent; a
   moving-block bootstrap over origins (blocks of h consecutive origins within
   each series) measures how uncertain their centre (the method's bias) is, and
   that uncertainty widens the band.  An iid bootstrap (block = 1) would count
   overlapping errors as independent and give a band that is too narrow;
3. :func:`realtime_coverage`: the calibration checked as it would have been
   used: at each origin year only the errors already observable then (target
   year <= origin) make the band, and the share of later outcomes inside it is
   the coverage, with a confidence interval that counts overlapping forecasts once.

Conventions: series are yearly (one value a year, FLOP/s or any positive
unit), gaps interpolated geometrically; errors and draws are natural-log ratios
(``actual = forecast * exp(e)``); ``horizon`` is in years.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import DataError, ParameterError
from forecast.i18n import N_

#: horizons (years) the calibration measures: 2030 and 2035 from a 2023 base need 7 and 12
HORIZONS = tuple(range(1, 13))
#: band levels reported by default
LEVELS = (0.8, 0.9)
#: fewest pooled errors a real-time band is made from
MIN_ERRORS = 20


@dataclass(frozen=True)
class Method:
    """A top-down growth method on log y, always rebased on the latest observation.

    ``window``: years of history its growth is measured over (None: the whole
    series); ``fit``: ``"endpoint"`` (growth between the window's first and
    last points: a constant CAGR) or ``"ols"`` (least-squares slope of ln y on
    the window); ``phi``: damping of the growth per year (1 = none; the
    forecast h years ahead adds ``g * (phi + phi^2 + ... + phi^h)``, Gardner &
    McKenzie's damped trend applied to ln y).
    """

    name: str
    label: str
    window: int | None = None
    fit: str = "endpoint"
    phi: float = 1.0

    def min_points(self) -> int:
        """Observations the method needs (window + 1; 3 for a whole-series fit)."""
        return (self.window + 1) if self.window else 3

    def growth(self, z: np.ndarray) -> float:
        """Log growth per year (ln units) of the log series ``z`` (oldest first)."""
        part = z if self.window is None else z[-(self.window + 1):]
        if self.fit == "ols":
            t = np.arange(part.size, dtype=float)
            t -= t.mean()
            return float(t @ (part - part.mean()) / (t @ t))
        return float((part[-1] - part[0]) / (part.size - 1))

    def steps(self, horizons: np.ndarray) -> np.ndarray:
        """Years of growth applied at each horizon (h, or the damped sum of phi^i)."""
        h = np.asarray(horizons, dtype=float)
        if self.phi == 1.0:
            return h
        return self.phi * (1.0 - self.phi ** h) / (1.0 - self.phi)

    def log_path(self, z: np.ndarray, horizons: Iterable[int]) -> np.ndarray:
        """ln forecasts ``h`` years after the last point of ``z``."""
        return z[-1] + self.growth(z) * self.steps(np.asarray(list(horizons), dtype=float))


#: the default methods: a small set, each a different view of "recent growth"
METHODS = (
    Method("growth_2y", N_("constant growth over the last 2 years"), window=2),
    Method("growth_3y", N_("constant growth over the last 3 years"), window=3),
    Method("cagr", N_("constant growth over the whole series (= ARIMA(0,1,0) with drift on "
                      "ln y)")),
    Method("loglinear", N_("log-linear trend (least squares) over the whole series, rebased"),
           fit="ols"),
    Method("damped", N_("damped trend in logs: 3-year growth, damped by 0.9 a year"),
           window=3, phi=0.9),
)


def method(name: str) -> Method:
    """The default method called ``name``."""
    for m in METHODS:
        if m.name == name:
            return m
    raise ParameterError("unknown top-down method", name="method",
                         expected=f"one of {[m.name for m in METHODS]}", value=name)


# ----------------------------------------------------------------------------
# The long series


def yearly(values: pd.Series, *, how: str = "max") -> pd.Series:
    """One value a year from dated observations (decimal-year index), gaps filled geometrically.

    ``how``: ``"max"`` (the frontier: the year's best, carried as a running
    maximum) or ``"last"``.  Returns a Series indexed by integer year.
    """
    v = values[values > 0].dropna()
    if v.empty:
        raise DataError("no positive values to make a yearly series of",
                        expected="positive numbers indexed by (decimal) year")
    years = np.floor(np.asarray(v.index, dtype=float)).astype(int)
    grouped = pd.Series(v.to_numpy(float), index=years).groupby(level=0)
    per_year = grouped.max() if how == "max" else grouped.last()
    if how == "max":
        per_year = per_year.cummax()
    full = pd.Index(range(int(per_year.index.min()), int(per_year.index.max()) + 1))
    logs = np.log(per_year).reindex(full).interpolate(method="index")
    return np.exp(logs).rename(values.name)


def long_series(data_dir: str | os.PathLike | None = None, *,
                extra: Mapping[str, pd.Series] | None = None) -> dict[str, pd.Series]:
    """The long yearly series the bands are calibrated on.

    TOP500 (June list of each year, FP64 Rmax achieved): ``top500_sum``,
    ``top500_no1``, ``top500_no500``; Rupp's microprocessor trend data (the
    frontier of each year, geometric interpolation over empty years):
    ``transistors``, ``specint``; NVIDIA's revenue-implied flow of dense FP16
    peak shipped per calendar year (``nvidia_flow``, from
    :func:`forecast.analysis.ai_flows.implied_flow`, 2015 onwards); plus
    ``extra`` series, yearly, indexed by integer year.
    """
    from forecast.analysis import ai_flows, top500
    from forecast.data import datapackage

    lists = top500.lists(data_dir=data_dir)
    june = lists[lists["list"].str.endswith("-06")]
    years = june["list"].str[:4].astype(int).to_numpy()
    out = {f"top500_{k}": pd.Series(june[col].to_numpy(float), index=years, name=f"top500_{k}")
           for k, col in (("sum", "sum_rmax"), ("no1", "no1_rmax"), ("no500", "no500_rmax"))}
    micro = datapackage.load("microprocessor_trends", data_dir)
    for metric in ("transistors", "specint"):
        rows = micro[micro["metric"] == metric]
        out[metric] = yearly(pd.Series(rows["value"].to_numpy(float),
                                       index=rows["year"].to_numpy(float), name=metric))
    flow = ai_flows.implied_flow(data_dir)
    out["nvidia_flow"] = pd.Series(flow["flops"].to_numpy(float),
                                   index=flow["calendar_year"].to_numpy(int), name="nvidia_flow")
    for name, s in (extra or {}).items():
        out[name] = s.astype(float).rename(name)
    return out


# ----------------------------------------------------------------------------
# Errors at every origin


def rolling_errors(series: Mapping[str, pd.Series], methods: Sequence[Method] = METHODS, *,
                   horizons: Iterable[int] = HORIZONS) -> pd.DataFrame:
    """Log errors of every method from every yearly origin of every series.

    Returns one row per series x method x origin x scored horizon: ``series``,
    ``method``, ``origin`` (year of the last point used), ``horizon``,
    ``target`` (= origin + horizon), ``forecast`` and ``actual`` (ln of the
    series' unit) and ``error`` (= actual - forecast: > 0 the method
    under-forecast).  A method is applied only from origins with at least
    ``min_points()`` observations.
    """
    hs = np.array(sorted({int(h) for h in horizons}))
    if hs.size == 0 or hs[0] < 1:
        raise ParameterError("must be whole years >= 1", name="horizons", value=list(hs))
    cols: dict[str, list] = {k: [] for k in ("series", "method", "origin", "horizon", "target",
                                             "forecast", "actual")}
    for name, s in series.items():
        s = s.sort_index()
        values = s.to_numpy(float)
        if not np.all(np.isfinite(values) & (values > 0)):
            raise DataError(f"series {name!r} needs positive finite values", column=name,
                            expected="positive numbers, one a year")
        idx = np.asarray(s.index, dtype=int)
        if idx.size > 1 and np.any(np.diff(idx) != 1):
            raise DataError(f"series {name!r} must have one value every year", column=name,
                            expected="consecutive integer years", value=list(idx[:5]))
        z = np.log(values)
        for m in methods:
            for pos in range(m.min_points() - 1, z.size - 1):
                ahead = hs[hs <= z.size - 1 - pos]
                cols["series"].append(np.full(ahead.size, name, dtype=object))
                cols["method"].append(np.full(ahead.size, m.name, dtype=object))
                cols["origin"].append(np.full(ahead.size, idx[pos]))
                cols["horizon"].append(ahead)
                cols["target"].append(idx[pos] + ahead)
                cols["forecast"].append(m.log_path(z[:pos + 1], ahead))
                cols["actual"].append(z[pos + ahead])
    if not cols["series"]:
        raise DataError("no series is long enough to score any method",
                        expected="yearly series with more points than a method's window")
    out = pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})
    out["error"] = out["actual"] - out["forecast"]
    return out


# ----------------------------------------------------------------------------
# Bands from pooled errors with a block bootstrap of their centre


def _block_indices(n: int, block: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) indices of a moving-block bootstrap of a length-n sequence."""
    block = max(1, min(int(block), n))
    n_blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)).reshape(n_boot, -1)
    return idx[:, :n]


def bootstrap_centre(groups: Sequence[np.ndarray], *, block: int, n_boot: int = 500,
                     seed: int = 0) -> np.ndarray:
    """Bootstrap replicates of the pooled mean error, resampling blocks of origins.

    ``groups``: one array of errors per series, ordered by origin (errors of
    different series are resampled separately: a block never spans two series).
    ``block`` = 1 is the iid bootstrap.  Returns ``n_boot`` replicates of the
    pooled mean (each series keeps its number of errors).
    """
    rng = np.random.default_rng(seed)
    total = np.zeros(n_boot)
    count = 0
    for g in groups:
        g = np.asarray(g, dtype=float)
        if g.size == 0:
            continue
        total += g[_block_indices(g.size, block, n_boot, rng)].sum(axis=1)
        count += g.size
    if count == 0:
        raise DataError("no errors to bootstrap", expected="at least one error")
    return total / count


def predictive_draws(groups: Sequence[np.ndarray], *, block: int, n_boot: int = 200,
                     seed: int = 0) -> np.ndarray:
    """Draws of the error of a new forecast: pooled errors around a bootstrapped centre.

    Each draw is ``(e_j - mean(e)) + m*_b``: a past error's deviation from the
    pooled mean, plus a bootstrap replicate of that mean.  The spread of the
    draws is the errors' own spread plus the uncertainty of their centre, which
    a block bootstrap measures honestly when neighbouring errors overlap.
    Returns ``n_errors * n_boot`` draws (ln ratio).
    """
    pooled = np.concatenate([np.asarray(g, dtype=float) for g in groups])
    centres = bootstrap_centre(groups, block=block, n_boot=n_boot, seed=seed)
    return ((pooled - pooled.mean())[None, :] + centres[:, None]).ravel()


def _groups(rows: pd.DataFrame) -> list[np.ndarray]:
    return [part.sort_values("origin")["error"].to_numpy(float)
            for _, part in rows.groupby("series", sort=True)]


def error_sampler(errors: pd.DataFrame, method_name: str, horizon: int, *,
                  max_target: int | None = None, n_boot: int = 200, seed: int = 0
                  ) -> np.ndarray:
    """All predictive draws (ln ratio) of ``method_name`` at ``horizon``.

    Uses the errors of :func:`rolling_errors` (only those with target <= ``max_target``
    when given), block length = horizon (see :func:`predictive_draws`).
    """
    rows = errors[(errors["method"] == method_name) & (errors["horizon"] == horizon)]
    if max_target is not None:
        rows = rows[rows["target"] <= max_target]
    if rows.empty:
        raise DataError(f"no past errors of {method_name!r} at {horizon} years",
                        column="horizon", expected="a horizon the long series can score")
    return predictive_draws(_groups(rows), block=horizon, n_boot=n_boot, seed=seed)


def band_quantiles(errors: pd.DataFrame, method_name: str, horizon: int,
                   probs: Sequence[float], **options) -> np.ndarray:
    """Quantiles (ln ratio) of :func:`error_sampler`'s draws (same options)."""
    return np.quantile(error_sampler(errors, method_name, horizon, **options), probs)


# ----------------------------------------------------------------------------
# The calibration's own track record


def wilson(p: float, n_eff: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n_eff`` effective trials."""
    if n_eff <= 0 or not np.isfinite(p):
        return math.nan, math.nan
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / (1 + z * z / n_eff)
    return max(0.0, centre - half), min(1.0, centre + half)


def realtime_coverage(errors: pd.DataFrame, *, levels: Sequence[float] = LEVELS,
                      min_errors: int = MIN_ERRORS, n_boot: int = 100,
                      seed: int = 0) -> pd.DataFrame:
    """Coverage of the calibrated bands as they would have been used, by method and horizon.

    At each origin year Y, the band at horizon h is made from the errors whose
    target year is <= Y (all series pooled; at least ``min_errors`` of them),
    and each series' forecast from Y is scored against it.

    Returns
    -------
    pandas.DataFrame
        ``method``, ``horizon``, ``level``, ``nominal`` (= level),
        ``coverage`` (share of outcomes inside), ``n_forecasts``,
        ``n_origins`` (distinct origin years scored), ``ci_low``, ``ci_high``
        (95% Wilson interval of the coverage on ``n_eff`` = n_forecasts / h
        effective forecasts: forecasts of one series from origins less than h
        years apart share outcomes, so only about one in h is new; forecasts
        of different series in the same years are still counted as
        independent, which makes the interval somewhat too narrow).
    """
    lv = [float(v) for v in levels]
    if not lv or any(not 0 < v < 1 for v in lv):
        raise ParameterError("must be coverages strictly between 0 and 1", name="levels",
                             value=levels)
    probs = sorted({p for v in lv for p in ((1 - v) / 2, (1 + v) / 2)})
    out = []
    for (name, h), rows in errors.groupby(["method", "horizon"], sort=True):
        # per series, errors in origin order; its targets (origin + h) are then sorted too,
        # so the errors known in a year are a prefix of each series' array
        series = [(part["target"].to_numpy(), part["error"].to_numpy(float))
                  for _, part in rows.sort_values("origin").groupby("series", sort=True)]
        origins = rows["origin"].to_numpy()
        all_errors = rows["error"].to_numpy(float)
        per_year: dict[float, list] = {v: [] for v in lv}
        for year in np.unique(origins):
            known = [e[:np.searchsorted(t, year, side="right")] for t, e in series]
            if sum(k.size for k in known) < min_errors:
                continue
            q = dict(zip(probs, np.quantile(
                predictive_draws([k for k in known if k.size], block=int(h), n_boot=n_boot,
                                 seed=seed + int(year)), probs)))
            e = all_errors[origins == year]
            for v in lv:
                inside = (e >= q[(1 - v) / 2]) & (e <= q[(1 + v) / 2])
                per_year[v].append((year, int(inside.sum()), int(e.size)))
        for v in lv:
            got = per_year[v]
            if not got:
                out.append({"method": name, "horizon": int(h), "level": v, "nominal": v,
                            "coverage": math.nan, "n_forecasts": 0, "n_origins": 0,
                            "ci_low": math.nan, "ci_high": math.nan})
                continue
            hits = sum(g[1] for g in got)
            counts = sum(g[2] for g in got)
            lo, hi = wilson(hits / counts, counts / int(h))
            out.append({"method": name, "horizon": int(h), "level": v, "nominal": v,
                        "coverage": hits / counts, "n_forecasts": counts,
                        "n_origins": len(got), "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(out)


def fails(coverage: pd.DataFrame, method_name: str, horizon: int, level: float = 0.9) -> bool:
    """True when the method's real-time coverage at ``horizon`` is clearly below nominal.

    "Clearly": the upper end of its 95% interval is below the nominal level (a
    method with no scored origin there fails too: its band is untested).
    """
    row = coverage[(coverage["method"] == method_name) & (coverage["horizon"] == horizon)
                   & np.isclose(coverage["level"], level)]
    if row.empty or not np.isfinite(row["ci_high"].iloc[0]):
        return True
    return bool(row["ci_high"].iloc[0] < level)
