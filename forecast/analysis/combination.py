"""Combining top-down methods by their track record, with equal weights as the benchmark.

Each method's forecast from an origin is a distribution: its point path times
the errors it had made before that origin (:mod:`forecast.analysis.calibration`).
Its out-of-sample score is the CRPS of that distribution against what happened,
on the log scale (so series of different units pool; Gneiting & Raftery 2007,
the continuous ranked probability score, ``E|X - y| - E|X - X'| / 2``).

* :func:`score_rows`: the CRPS of every method at every (series, origin,
  horizon) of the long series, each using only errors observable at its origin;
* :func:`inverse_score_weights`: weights proportional to 1 / mean CRPS over the
  rows where *every* method scored (a method cannot win by skipping hard
  origins); tied scores give equal weights;
* :func:`realtime_mixtures`, :func:`evaluate`: the combination against the equal-weight
  benchmark, in real time (the weights at each origin come from the scores observable
  then); :func:`combined_coverage`: how often the combination's own bands held;
* :func:`coinciding`: methods whose forecasts of a given series are identical
  (e.g. 3-year growth and whole-series growth on a 4-point series) are
  reported as coinciding, and only the first is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from forecast.analysis.calibration import MIN_ERRORS
from forecast.errors import DataError, ParameterError


def crps_sample(draws: np.ndarray, y: float, weights: np.ndarray | None = None) -> float:
    """CRPS of a (weighted) sample forecast against the outcome ``y`` (unit of the draws).

    ``E|X - y| - E|X - X'| / 2`` for X drawn from the sample with the given
    weights (equal by default; they are normalised).  Exact for the sample's
    distribution, O(n log n).
    """
    x = np.asarray(draws, dtype=float)
    if x.size == 0:
        raise DataError("no draws to score", expected="at least one draw")
    w = np.full(x.size, 1.0 / x.size) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    c = np.cumsum(w)
    spread = 2.0 * np.sum(w * x * (c - w + c - 1.0))
    return float(np.sum(w * np.abs(x - y)) - 0.5 * spread)


def _known(errors: pd.DataFrame) -> dict:
    """(method, horizon) -> (sorted target years, errors in that order)."""
    out = {}
    for (name, h), rows in errors.groupby(["method", "horizon"], sort=False):
        rows = rows.sort_values("target", kind="stable")
        out[(name, int(h))] = (rows["target"].to_numpy(), rows["error"].to_numpy(float))
    return out


def score_rows(errors: pd.DataFrame, *, min_errors: int = MIN_ERRORS) -> pd.DataFrame:
    """Out-of-sample CRPS (log scale) of every method's calibrated forecast, row by row.

    ``errors`` is a :func:`forecast.analysis.calibration.rolling_errors`
    frame.  The forecast from origin Y at horizon h is ``forecast + e`` over
    the errors of the same method and horizon whose target is <= Y (at least
    ``min_errors``; fewer: the row is not scored).  Returns the rows of
    ``errors`` that were scored, with a ``crps`` column (ln units).
    """
    known = _known(errors)
    crps = np.full(len(errors), np.nan)
    method_col = errors["method"].to_numpy()
    horizon_col = errors["horizon"].to_numpy()
    origin_col = errors["origin"].to_numpy()
    err_col = errors["error"].to_numpy(float)
    for i in range(len(errors)):
        targets, errs = known[(method_col[i], int(horizon_col[i]))]
        n = np.searchsorted(targets, origin_col[i], side="right")
        if n >= min_errors:
            crps[i] = crps_sample(errs[:n], err_col[i])
    out = errors.assign(crps=crps)
    return out[np.isfinite(crps)].reset_index(drop=True)


def _common(rows: pd.DataFrame, methods: Sequence[str]) -> pd.DataFrame:
    """Rows of the (series, origin, horizon) keys that every method scored."""
    rows = rows[rows["method"].isin(methods)]
    keys = ["series", "origin", "horizon"]
    counts = rows.groupby(keys)["method"].transform("nunique")
    return rows[counts == len(set(methods))]


def inverse_score_weights(mean_scores: Mapping[str, float]) -> pd.Series:
    """Weights proportional to 1 / score (lower CRPS, more weight); they sum to one."""
    s = pd.Series(dict(mean_scores), dtype=float)
    if s.empty or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ParameterError("scores must be positive and finite", name="mean_scores",
                             value=dict(mean_scores))
    w = 1.0 / s
    return (w / w.sum()).rename("weight")


def mean_scores(rows: pd.DataFrame, methods: Sequence[str]) -> pd.Series:
    """Mean CRPS of each method over the rows every one of ``methods`` scored."""
    common = _common(rows, methods)
    if common.empty:
        raise DataError("no origin where every method was scored", column="method",
                        expected=f"scores for all of {list(methods)}")
    return common.groupby("method")["crps"].mean().reindex(list(methods))


def weights(rows: pd.DataFrame, methods: Sequence[str]) -> pd.Series:
    """Track-record weights of ``methods``: inverse mean CRPS over their common rows."""
    return inverse_score_weights(mean_scores(rows, methods))


def _mixture_crps(parts: list[tuple[float, np.ndarray]], w: np.ndarray, y: float) -> float:
    draws = np.concatenate([f + e for f, e in parts])
    wt = np.concatenate([np.full(e.size, wi / e.size) for (f, e), wi in zip(parts, w)])
    return crps_sample(draws, y, wt)


def realtime_mixtures(errors: pd.DataFrame, rows: pd.DataFrame, methods: Sequence[str], *,
                      min_rows: int = 20, levels: Sequence[float] = (0.8, 0.9)) -> pd.DataFrame:
    """The combination of ``methods`` as it would have been used, at every common origin.

    At every (series, origin, horizon) where all ``methods`` scored, two mixtures of their
    calibrated forecasts (each method: its point plus the errors observable at the origin)
    are scored: one with weights from the scores observable then (common rows whose target
    is <= origin; equal weights until ``min_rows`` such rows exist), one with equal weights.

    Returns one row per key: ``series``, ``origin``, ``horizon``, ``crps_track``,
    ``crps_equal`` (ln units), and ``inside_track_<L>``, ``inside_equal_<L>`` per level (the
    outcome inside the central band of each mixture, made of the methods' raw past errors,
    without the bootstrapped centre of
    :func:`forecast.analysis.calibration.predictive_draws`).
    """
    methods = list(methods)
    known = _known(errors)
    common = _common(rows, methods)
    if common.empty:
        raise DataError("no origin where every method was scored", column="method",
                        expected=f"scores for all of {methods}")
    keys = ["series", "origin", "horizon"]
    wide = common.pivot_table(index=keys, columns="method", values=["forecast", "crps"],
                              aggfunc="first")
    first = common.groupby(keys)[["target", "actual"]].first().loc[wide.index]
    forecast = wide["forecast"][methods].to_numpy(float)
    crps = wide["crps"][methods].to_numpy(float)
    origin = wide.index.get_level_values("origin").to_numpy()
    horizon = wide.index.get_level_values("horizon").to_numpy()
    target, actual = first["target"].to_numpy(), first["actual"].to_numpy(float)
    # mean score of each method over the keys whose target is observable at each origin
    order = np.argsort(target, kind="stable")
    cum = np.vstack([np.zeros(len(methods)), np.cumsum(crps[order], axis=0)])
    seen = np.searchsorted(target[order], origin, side="right")
    equal = np.full(len(methods), 1.0 / len(methods))
    probs = [p for v in levels for p in ((1 - v) / 2, (1 + v) / 2)]
    out = {"crps_track": [], "crps_equal": [],
           **{f"inside_{kind}_{v:g}": [] for kind in ("track", "equal") for v in levels}}
    for i in range(len(origin)):
        if seen[i] >= min_rows:
            inverse = seen[i] / cum[seen[i]]
            w = inverse / inverse.sum()
        else:
            w = equal
        parts = []
        for j, name in enumerate(methods):
            t, e = known[(name, int(horizon[i]))]
            parts.append((forecast[i, j], e[:np.searchsorted(t, origin[i], side="right")]))
        out["crps_track"].append(_mixture_crps(parts, w, actual[i]))
        out["crps_equal"].append(_mixture_crps(parts, equal, actual[i]))
        for kind, weights in (("track", w), ("equal", equal)):
            q = mixture_quantiles(dict(zip(methods, parts)), dict(zip(methods, weights)), probs)
            for k, v in enumerate(levels):
                out[f"inside_{kind}_{v:g}"].append(bool(q[2 * k] <= actual[i] <= q[2 * k + 1]))
    frame = wide.index.to_frame(index=False)
    for k, v in out.items():
        frame[k] = v
    return frame


def evaluate(mixtures: pd.DataFrame) -> pd.DataFrame:
    """The track-record combination against equal weights: mean CRPS (ln units) of each over
    the rows of :func:`realtime_mixtures`.  Columns ``combination`` (``track record`` or
    ``equal``), ``crps``, ``n``."""
    return pd.DataFrame([
        {"combination": "track record", "crps": float(mixtures["crps_track"].mean()),
         "n": len(mixtures)},
        {"combination": "equal", "crps": float(mixtures["crps_equal"].mean()),
         "n": len(mixtures)}])


def combined_coverage(mixtures: pd.DataFrame, name: str = "combined", *,
                      weights: str = "track") -> pd.DataFrame:
    """Real-time coverage of a combination by horizon and level.

    ``weights``: ``"track"`` (the track-record weights) or ``"equal"``.  Same columns as
    :func:`forecast.analysis.calibration.realtime_coverage` (``method`` = ``name``), from
    the ``inside_<weights>_<L>`` columns of :func:`realtime_mixtures`.
    """
    from forecast.analysis.calibration import wilson

    if weights not in ("track", "equal"):
        raise ParameterError("must be 'track' or 'equal'", name="weights", value=weights)
    prefix = f"inside_{weights}_"
    out = []
    levels = [float(c.removeprefix(prefix)) for c in mixtures.columns if c.startswith(prefix)]
    for h, part in mixtures.groupby("horizon", sort=True):
        for v in levels:
            hits = part[f"{prefix}{v:g}"].to_numpy(bool)
            lo, hi = wilson(float(hits.mean()), hits.size / int(h))
            out.append({"method": name, "horizon": int(h), "level": v, "nominal": v,
                        "coverage": float(hits.mean()), "n_forecasts": int(hits.size),
                        "n_origins": int(part["origin"].nunique()), "ci_low": lo,
                        "ci_high": hi})
    return pd.DataFrame(out)


def coinciding(paths: Mapping[str, np.ndarray], *, rtol: float = 1e-9
               ) -> tuple[list[str], dict[str, str]]:
    """Methods whose forecast paths are identical: (kept names, dropped -> the one it equals)."""
    kept: list[str] = []
    dropped: dict[str, str] = {}
    for name, path in paths.items():
        twin = next((k for k in kept if np.allclose(paths[k], path, rtol=rtol, atol=0.0)), None)
        if twin is None:
            kept.append(name)
        else:
            dropped[name] = twin
    return kept, dropped


def mixture_quantiles(parts: Mapping[str, tuple[float, np.ndarray]], w: Mapping[str, float],
                      probs) -> np.ndarray:
    """Exact quantiles (ln) of the weighted mixture of ``log point + error draws`` per method.

    Every draw of method m weighs ``w[m] / n_m``; the quantile is the smallest value whose
    cumulative weight reaches each probability (no Monte Carlo noise).
    """
    names = [k for k in parts if w.get(k, 0.0) > 0]
    if not names:
        raise ParameterError("no method has a positive weight", name="weights", value=dict(w))
    x = np.concatenate([parts[k][0] + parts[k][1] for k in names])
    wt = np.concatenate([np.full(parts[k][1].size, w[k] / parts[k][1].size) for k in names])
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(wt[order]) / wt.sum()
    idx = np.minimum(np.searchsorted(cum, np.asarray(probs, dtype=float), side="left"),
                     x.size - 1)
    return x[order][idx]


def mixture_sample(parts: Mapping[str, tuple[float, np.ndarray]], w: Mapping[str, float],
                   n: int, seed: int = 0) -> np.ndarray:
    """``n`` draws (ln) from the weighted mixture of ``log point + error draws`` per method."""
    if n < 1:
        raise ParameterError("must be >= 1", name="n_paths", value=n)
    names = [k for k in parts if w.get(k, 0.0) > 0]
    if not names:
        raise ParameterError("no method has a positive weight", name="weights", value=dict(w))
    rng = np.random.default_rng(seed)
    p = np.array([w[k] for k in names], dtype=float)
    pick = rng.choice(len(names), size=n, p=p / p.sum())
    out = np.empty(n)
    for i, name in enumerate(names):
        sel = pick == i
        point, draws = parts[name]
        out[sel] = point + draws[rng.integers(0, draws.size, size=int(sel.sum()))]
    return out

