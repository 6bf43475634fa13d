"""Measured skill: rolling-origin evaluation of every model on long series; error-calibrated fans.

How often has this kind of forecast been right?  :func:`run` stands at every
origin of a long series (e.g. each of the 67 TOP500 lists), refits each
registered model on the data up to it, and forecasts 1..10 years ahead; the
forecasts are set beside what happened.  :func:`score` summarises them per
series x model x horizon (n origins, MAPE, MASE, mean and median log error,
coverage of the 80% and 95% intervals); :func:`versus_benchmark` compares each
model with the naive ``cagr`` benchmark on the origins where both fitted, so a
model that fails on hard origins cannot win by omission.

Error-calibrated fans (the practice of the OECD and central banks, who publish
fans whose widths come from their own past errors) take the empirical
distribution of past log errors ``ln(actual / forecast)`` at each horizon
(:func:`error_quantiles`) and put it around any projection
(:func:`calibrated_fan`), e.g. a published 2030 path.  :func:`calibrated_coverage`
checks them honestly: at each origin only the errors already observable then
are used, and the share of later actuals inside is set beside the models'
stated coverage.  A TOP500 error is not a CAICT error: the fan says how wrong
trend forecasts of one long compute series have been, not how wrong a given
publisher is.

Conventions:

* the series is treated as evenly spaced at ``steps_per_year`` (2 for TOP500:
  lists in June and November); models are fitted on the time axis
  ``t0 + k / steps_per_year`` (decimal years; t0 is the first label's date for
  numeric, datetime or period labels, 0 for text labels such as "1993-06"), so
  time-series models accept it; the original labels stay in ``cutoff`` and
  ``period``;
* ``horizon`` is in years (step / steps_per_year); only whole-year horizons
  are scored by default;
* origins come from :func:`forecast.backtest.cutoffs`: the first leaves
  ``initial`` points to fit, the last leaves one scored horizon;
* metrics are :mod:`forecast.backtest`'s registered ``mape``, ``mase``,
  ``bias`` (mean ln(forecast / actual), > 0 over-forecast) and ``coverage``;
  MASE scales by the mean absolute one-step naive error of each origin's
  training window (Hyndman & Koehler 2006), as there;
* a failed fit (``ConvergenceError``, or ``DataError`` for too few points) is
  recorded with its message and NaN forecasts, never raised.

Performance: statsmodels' optimisers call BLAS on tiny matrices, where
OpenBLAS threads cost far more than they save on a shared 2-core machine (4x
slower measured); :func:`run` limits BLAS to one thread while it fits.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from forecast.analysis import backtest
from forecast.errors import ConvergenceError, DataError, ParameterError, UnknownModelError

#: interval levels scored by default
LEVELS = (0.8, 0.95)
#: forecast horizons in years scored by default
HORIZONS = tuple(range(1, 11))


def level_name(level: float) -> str:
    """``0.8`` -> ``"80"``: the suffix of ``lower_80``, ``coverage_80``."""
    return f"{round(level * 100, 6):g}"


# ----------------------------------------------------------------------------
# BLAS threads


_LIBRARIES: list = []


def _openblas_libraries() -> list:
    """The OpenBLAS libraries loaded in this process (found once, then remembered)."""
    if _LIBRARIES:
        return _LIBRARIES
    try:
        with open("/proc/self/maps", encoding="utf-8") as handle:
            paths = {line.split()[-1] for line in handle
                     if "openblas" in line.lower() and line.rstrip().split()[-1].startswith("/")}
    except OSError:
        return []
    libs = []
    for path in sorted(paths):
        try:
            libs.append(ctypes.CDLL(path))
        except OSError:
            continue
    _LIBRARIES.extend(libs)
    return libs


_THREAD_SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                   ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
                   ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                   ("openblas_get_num_threads", "openblas_set_num_threads"))


@contextlib.contextmanager
def single_threaded_blas():
    """Run the block with every loaded OpenBLAS limited to one thread, then restore.

    Many small fits in a loop are faster this way (threads are started and
    synchronised for 3 x 3 matrices otherwise).  Does nothing where OpenBLAS
    is not found (other BLAS, other systems).
    """
    restore = []
    for lib in _openblas_libraries():
        for get, set_ in _THREAD_SYMBOLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                before = int(getattr(lib, get)())
                getattr(lib, set_)(1)
                restore.append((getattr(lib, set_), before))
                break
    try:
        yield
    finally:
        for setter, before in restore:
            setter(before)


# ----------------------------------------------------------------------------
# Rolling origins


def _time_axis(index: pd.Index, steps_per_year: int) -> np.ndarray:
    """Decimal-year times of an evenly spaced series: t0 + k / steps_per_year."""
    first = index[0]
    if isinstance(index, (pd.PeriodIndex, pd.DatetimeIndex)):
        stamp = first.start_time if isinstance(index, pd.PeriodIndex) else first
        t0 = stamp.year + (stamp.day_of_year - 1) / (366 if stamp.is_leap_year else 365)
    elif pd.api.types.is_numeric_dtype(index.dtype):
        t0 = float(first)
    else:
        t0 = 0.0
    return t0 + np.arange(len(index)) / steps_per_year


def _check_run_args(y, models, initial, horizons, steps_per_year, levels, benchmark):
    if not isinstance(y, pd.Series):
        raise DataError("skill needs a pandas Series indexed by period", expected="pandas.Series",
                        value=type(y).__name__)
    values = y.to_numpy(dtype=float, na_value=np.nan)
    if not np.all(np.isfinite(values)):
        raise DataError(f"series {y.name!r} has missing or infinite values at "
                        f"{list(y.index[~np.isfinite(values)])[:5]}", expected="finite numbers")
    if isinstance(steps_per_year, bool) or steps_per_year not in (1, 2, 4, 12):
        raise ParameterError("must be 1, 2, 4 or 12", name="steps_per_year", value=steps_per_year)
    hs = sorted({float(h) for h in horizons}) if horizons is not None else []
    if not hs or any(h <= 0 or abs(h * steps_per_year - round(h * steps_per_year)) > 1e-9
                     for h in hs):
        raise ParameterError("must be positive horizons in years, multiples of one step",
                             name="horizons", expected="e.g. range(1, 11)", value=horizons)
    lv = tuple(float(v) for v in levels)
    if not lv or any(not 0 < v < 1 for v in lv) or len(set(lv)) != len(lv):
        raise ParameterError("must be distinct coverages strictly between 0 and 1",
                             name="levels", expected="e.g. (0.8, 0.95)", value=levels)
    from forecast.models import available_models

    names = list(dict.fromkeys([*(models if models is not None else available_models()),
                                *([benchmark] if benchmark else [])]))
    valid = available_models()
    for name in names:
        if name not in valid:
            raise UnknownModelError(name, valid)
    return values, hs, lv, names


def _model_forecasts(job: tuple) -> dict:
    """Fit one model at every origin of one series; the arrays of its scored forecasts.

    ``job`` = (series values as a Series on the fitting time axis, model name,
    origin positions, steps scored (array), levels, fit options).  Runs in a
    worker process when :func:`run_many` has ``workers > 1``.
    """
    fitted_y, name, cuts, steps, levels, options = job
    from forecast.models import fit

    n = len(fitted_y)
    out = {"origin": [], "target": [], "forecast": [], "error": [],
           **{f"lower_{level_name(v)}": [] for v in levels},
           **{f"upper_{level_name(v)}": [] for v in levels}}
    with single_threaded_blas():
        for pos in cuts:
            ahead = steps[steps <= n - 1 - pos]
            out["origin"].append(np.full(ahead.size, pos))
            out["target"].append(pos + ahead)
            try:
                result = fit(name, fitted_y.iloc[:pos + 1], **options)
                frames = [result.forecast(int(ahead.max()), level=lvl) for lvl in levels]
            except (ConvergenceError, DataError) as err:
                # a failed fit is a result of the evaluation, not a crash of it
                out["error"].extend([f"{type(err).__name__}: {err}"] * ahead.size)
                nan = np.full(ahead.size, np.nan)
                out["forecast"].append(nan)
                for lvl in levels:
                    out[f"lower_{level_name(lvl)}"].append(nan)
                    out[f"upper_{level_name(lvl)}"].append(nan)
                continue
            out["error"].extend([None] * ahead.size)
            # the point forecast is the median on the scale of y where the model gives
            # one (log-scale models: exp(mu)), else the mean
            point = "median" if "median" in frames[0].columns else "mean"
            out["forecast"].append(frames[0][point].to_numpy(float)[ahead - 1])
            for lvl, frame in zip(levels, frames):
                out[f"lower_{level_name(lvl)}"].append(frame["lower"].to_numpy(float)[ahead - 1])
                out[f"upper_{level_name(lvl)}"].append(frame["upper"].to_numpy(float)[ahead - 1])
    return {k: (v if k == "error" else
                np.concatenate(v) if v else np.array([], dtype=float)) for k, v in out.items()}


def _execute(jobs: list[tuple], workers: int) -> list[dict]:
    """Run :func:`_model_forecasts` on every job, in ``workers`` forked processes if > 1."""
    if workers <= 1 or len(jobs) <= 1:
        return [_model_forecasts(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        context = multiprocessing.get_context("fork")  # workers inherit the imported library
    except ValueError:  # no fork on this system: run here
        return [_model_forecasts(job) for job in jobs]
    # the slowest models first, so the last job to start is a short one
    order = sorted(range(len(jobs)), key=lambda i: jobs[i][1] not in ("ets", "arima"))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    try:
        done = list(pool.map(_model_forecasts, [jobs[i] for i in order]))
    except BaseException:  # Ctrl-C, SIGTERM turned into an exception, a failed job
        # the workers still running their job would keep the caller waiting in shutdown()
        for pid in list(getattr(pool, "_processes", None) or {}):  # pid -> Process
            _kill_worker(pid)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    results: list = [None] * len(jobs)
    for i, result in zip(order, done):
        results[i] = result
    return results


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it ends.

    A kernel killed while the skill table is computed (``kill -9`` of a run, a stopped
    kernel) would otherwise leave its forked workers waiting forever on a queue nobody
    writes to, each holding ~200 MB and the kernel's inherited ports.  Linux delivers
    SIGKILL at the parent's death (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and for a parent
    that died before this ran, a watcher thread checks the parent id twice a second.
    """
    import signal
    import threading

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _kill_worker(pid: int) -> None:
    """SIGKILL one pool worker; a worker already gone is fine."""
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _assemble(y: pd.Series, name: str, names: list[str], parts: list[dict],
              steps_per_year: int, levels: tuple[float, ...]) -> pd.DataFrame:
    values = y.to_numpy(dtype=float)
    frame = pd.DataFrame({
        "model": np.concatenate([np.full(part["origin"].size, m, dtype=object)
                                 for m, part in zip(names, parts)]),
        "_order": np.concatenate([np.full(part["origin"].size, i) for i, part in enumerate(parts)]),
        **{k: np.concatenate([part[k] for part in parts]) for k in parts[0] if k != "error"},
        "error": pd.array([e for part in parts for e in part["error"]], dtype="string")})
    frame = frame.sort_values(["origin", "_order", "target"], kind="stable", ignore_index=True)
    origin, target = frame["origin"].to_numpy(int), frame["target"].to_numpy(int)
    # MASE scale: mean |one-step change| of each origin's training window
    cumulative = np.r_[0.0, np.cumsum(np.abs(np.diff(values)))]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(origin > 0, cumulative[origin] / np.maximum(origin, 1), np.nan)
    horizon = (target - origin) / steps_per_year
    labels = np.asarray(y.index)
    out = pd.DataFrame({
        "series": name, "cutoff": labels[origin], "period": labels[target],
        "origin": origin, "target": target,
        "horizon": horizon.astype(int) if np.all(horizon == np.round(horizon)) else horizon,
        "model": frame["model"].to_numpy(), "actual": values[target],
        "forecast": frame["forecast"].to_numpy(float)})
    for lvl in levels:
        for side in ("lower", "upper"):
            out[f"{side}_{level_name(lvl)}"] = frame[f"{side}_{level_name(lvl)}"].to_numpy(float)
    out["scale"] = scale
    out["error"] = pd.array(frame["error"], dtype="string")
    return out


def run(y: pd.Series, models: Iterable[str] | None = None, *, initial: int,
        horizons: Iterable[float] = HORIZONS, steps_per_year: int = 1,
        levels: Sequence[float] = LEVELS, options: Mapping[str, Mapping] | None = None,
        benchmark: str | None = "cagr", series: str | None = None,
        workers: int = 1) -> pd.DataFrame:
    """Rolling-origin forecasts of ``models`` on ``y``, 1..10 years ahead from every origin.

    Parameters
    ----------
    y : pandas.Series, shape (n,)
        An evenly spaced series (any positive unit, e.g. FLOP/s), oldest first.
    models : iterable of str, optional
        Registered model names (default: every one of ``forecast.available_models()``).
    initial : int
        Points in the first training window.
    horizons : iterable of float
        Horizons in years (multiples of one step); each origin forecasts those
        that the data can still score.
    steps_per_year : int
        Observations per year (1, 2, 4 or 12): 2 for TOP500.
    levels : sequence of float
        Interval coverages (default 0.8 and 0.95), one forecast call each from
        the same fit.
    options : mapping, optional
        Options per model, passed to ``forecast.fit``.
    benchmark : str or None
        The constant-growth benchmark, always included (default ``"cagr"``).
    series : str, optional
        Name stored in the ``series`` column (default ``y.name``).
    workers : int
        Processes to fit in (1 = here; more uses forked processes where the
        system has fork).  The result does not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per origin x model x scored horizon, sorted by origin, model
        (in the order given, benchmark last) and horizon: ``series``,
        ``cutoff`` and ``period`` (labels of y), ``origin`` and ``target``
        (their positions in y), ``horizon`` (years), ``model``, ``actual``,
        ``forecast`` (the point forecast: the median on the scale of y where
        the model gives one, else its mean), ``lower_<L>``/``upper_<L>`` per
        level (unit of y), ``scale`` (MASE scale) and ``error`` (NA, or the
        failed fit's message).  ``attrs``: ``levels``, ``steps_per_year``,
        ``initial``, ``benchmark``.
    """
    name = series if series is not None else (y.name if y.name is not None else "y")
    return run_many({name: y}, models, initial=initial, horizons=horizons,
                    steps_per_year=steps_per_year, levels=levels, options=options,
                    benchmark=benchmark, workers=workers)


def run_many(series: Mapping[str, pd.Series], models: Iterable[str] | None = None, *,
             initial: int, horizons: Iterable[float] = HORIZONS, steps_per_year: int = 1,
             levels: Sequence[float] = LEVELS, options: Mapping[str, Mapping] | None = None,
             benchmark: str | None = "cagr", workers: int = 1) -> pd.DataFrame:
    """:func:`run` on several named series (e.g. TOP500 sum, #1, #500), concatenated.

    Every (series, model) pair is one job, so ``workers`` processes share the
    whole table; see :func:`run` for the parameters and the columns.
    """
    if not isinstance(series, Mapping) or not series:
        raise ParameterError("must be a non-empty mapping of name to Series", name="series",
                             value=type(series).__name__)
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ParameterError("must be a whole number >= 1", name="workers", value=workers)
    models = list(models) if models is not None else None
    options = dict(options or {})
    plan, jobs = [], []
    for name, y in series.items():
        values, hs, lv, names = _check_run_args(y, models, initial, horizons, steps_per_year,
                                                levels, benchmark)
        for model in options:
            if model not in names:
                raise ParameterError("options given for a model that is not evaluated",
                                     name="options", expected=f"one of {names}", value=model)
        steps = np.array([int(round(h * steps_per_year)) for h in hs])
        # every origin that leaves at least the shortest horizon to score
        cuts = backtest.cutoffs(pd.RangeIndex(len(y)), initial, int(steps.min()), 1)
        fitted_y = pd.Series(values, index=pd.Index(_time_axis(y.index, steps_per_year)),
                             name=y.name)
        plan.append((name, y, names, len(jobs)))
        jobs += [(fitted_y, model, np.asarray(cuts), steps, lv, dict(options.get(model, {})))
                 for model in names]
    results = _execute(jobs, int(workers))
    frames = [_assemble(y, name, names, results[first:first + len(names)], steps_per_year, lv)
              for name, y, names, first in plan]
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(levels=lv, steps_per_year=steps_per_year, initial=initial,
                     benchmark=benchmark)
    return out


# ----------------------------------------------------------------------------
# Scores


def _levels_of(frame: pd.DataFrame) -> tuple[float, ...]:
    levels = frame.attrs.get("levels")
    if levels:
        return tuple(levels)
    found = [c.removeprefix("lower_") for c in frame.columns if c.startswith("lower_")]
    return tuple(float(s) / 100 for s in found)


def _check_frame(frame: pd.DataFrame) -> None:
    need = ("series", "origin", "horizon", "model", "actual", "forecast", "scale", "error")
    missing = [c for c in need if c not in getattr(frame, "columns", ())]
    if missing:
        raise DataError("not a skill frame (see forecast.skill.run)", column=missing[0],
                        expected=f"columns {list(need)} and lower_/upper_ per level")


def _metric_view(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """The columns forecast.backtest's metrics read: the point as ``mean`` (and ``median``)."""
    name = level_name(level)
    view = frame.rename(columns={f"lower_{name}": "lower", f"upper_{name}": "upper"})
    return view.assign(mean=view["forecast"], median=view["forecast"])


def log_error(frame: pd.DataFrame) -> pd.Series:
    """ln(forecast / actual) per row: > 0 over-forecast (NaN for failed fits)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(frame["forecast"].astype(float) / frame["actual"].astype(float))


def score(frame: pd.DataFrame, by: Sequence[str] = ("series", "model", "horizon")
          ) -> pd.DataFrame:
    """Skill per series x model x horizon of a :func:`run` frame.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n`` (origins scored), ``failed`` (origins whose
        fit failed), ``mape`` (percent), ``mase``, ``bias`` (mean
        ln(forecast / actual)), ``median_log_error``, ``male`` (mean absolute
        log error; symmetric where MAPE is not: an under-forecast misses by at
        most 100%, an over-forecast by any amount) and ``coverage_<L>`` per
        level (share of actuals inside the stated interval; the nominal level
        is in the column name).
    """
    _check_frame(frame)
    levels = _levels_of(frame)
    metrics = {name: backtest.get_metric(name).func for name in ("mape", "mase", "bias")}
    coverage = backtest.get_metric("coverage").func
    views = {lvl: _metric_view(frame, lvl) for lvl in levels}
    records = []
    ok_mask = frame["error"].isna().to_numpy()
    logs = log_error(frame).to_numpy()
    for key, idx in frame.groupby(list(by), sort=True).indices.items():
        record = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        good = idx[ok_mask[idx]]
        record.update(n=int(good.size), failed=int(idx.size - good.size))
        part = views[levels[0]].iloc[good]
        for name, func in metrics.items():
            record[name] = func(part) if good.size else math.nan
        record["median_log_error"] = float(np.median(logs[good])) if good.size else math.nan
        record["male"] = float(np.mean(np.abs(logs[good]))) if good.size else math.nan
        for lvl in levels:
            record[f"coverage_{level_name(lvl)}"] = (coverage(views[lvl].iloc[good])
                                                     if good.size else math.nan)
        records.append(record)
    return pd.DataFrame.from_records(records)


def versus_benchmark(frame: pd.DataFrame, benchmark: str | None = None,
                     by: Sequence[str] = ("series", "model", "horizon")) -> pd.DataFrame:
    """Each model against the constant-growth benchmark on the origins where *both* fitted.

    Returns one row per ``by`` group (the benchmark itself left out):
    ``n_shared`` (origins both forecast), ``mape`` and ``mape_benchmark``,
    ``male`` and ``male_benchmark`` (mean absolute log error) on those
    origins, ``ratio`` (= male / male_benchmark, < 1 beats it) and
    ``win_share`` (share of shared origins where the model's absolute log error
    is smaller).
    """
    _check_frame(frame)
    benchmark = benchmark or frame.attrs.get("benchmark") or "cagr"
    ok = frame[frame["error"].isna()]
    keys = [c for c in by if c != "model"]
    base = ok[ok["model"] == benchmark][[*keys, "origin", "forecast"]].rename(
        columns={"forecast": "forecast_benchmark"})
    if base.empty:
        raise DataError(f"the benchmark {benchmark!r} has no successful forecast in the frame",
                        column="model", expected=f"rows for {benchmark!r}")
    mine = ok[ok["model"] != benchmark].merge(base, on=[*keys, "origin"], how="inner")
    actual = mine["actual"].to_numpy(float)
    point, point_base = mine["forecast"].to_numpy(float), mine["forecast_benchmark"].to_numpy(float)
    err_model = np.abs(point - actual) / np.abs(actual) * 100
    err_base = np.abs(point_base - actual) / np.abs(actual) * 100
    with np.errstate(invalid="ignore", divide="ignore"):
        log_model = np.abs(np.log(point / actual))
        log_base = np.abs(np.log(point_base / actual))
    mine = mine.assign(_a=err_model, _b=err_base, _la=log_model, _lb=log_base,
                       _w=(log_model < log_base).astype(float))
    out = (mine.groupby(list(by), sort=True)
           .agg(n_shared=("_a", "size"), mape=("_a", "mean"), mape_benchmark=("_b", "mean"),
                male=("_la", "mean"), male_benchmark=("_lb", "mean"),
                win_share=("_w", "mean")).reset_index())
    out["ratio"] = out["male"] / out["male_benchmark"]
    out.insert(len(by), "benchmark", benchmark)
    return out


# ----------------------------------------------------------------------------
# Error-calibrated fans


def error_quantiles(frame: pd.DataFrame, model: str = "cagr", *,
                    levels: Sequence[float] = LEVELS, series: str | Sequence[str] | None = None,
                    max_origin: int | None = None) -> pd.DataFrame:
    """Quantiles of past log errors ``ln(actual / forecast)`` of ``model`` at each horizon.

    Parameters
    ----------
    frame : pandas.DataFrame
        A :func:`run` frame.
    model : str
        Whose errors (default the naive ``cagr``).
    levels : sequence of float
        Central coverages: quantiles ``(1 - L) / 2`` and ``(1 + L) / 2``.
    series : str or list of str, optional
        Pool only these series (default all in the frame).
    max_origin : int, optional
        Use only forecasts whose *target* position is <= this (the errors
        observable at that origin); used by :func:`calibrated_coverage`.

    Returns
    -------
    pandas.DataFrame
        One row per horizon: ``horizon``, ``n`` (errors pooled), ``median``
        (log ratio), ``mean_factor`` (mean of actual / forecast) and
        ``q_lower_<L>``, ``q_upper_<L>`` (log ratios; the interval around a
        projection P is ``P * exp(q)``).
    """
    _check_frame(frame)
    rows = frame[(frame["model"] == model) & frame["error"].isna()]
    if series is not None:
        rows = rows[rows["series"].isin([series] if isinstance(series, str) else list(series))]
    if max_origin is not None:
        rows = rows[rows["target"] <= max_origin]
    if rows.empty:
        raise DataError(f"no successful forecasts of {model!r} to take errors from",
                        column="model", expected="a model and series present in the frame")
    errs = np.log(rows["actual"].to_numpy(float) / rows["forecast"].to_numpy(float))
    out = []
    for h, idx in pd.Series(range(len(rows)), index=rows["horizon"].to_numpy()).groupby(
            level=0, sort=True):
        e = errs[idx.to_numpy()]
        rec = {"horizon": h, "n": int(e.size), "median": float(np.median(e)),
               "mean_factor": float(np.mean(np.exp(e)))}
        for lvl in levels:
            lo, hi = np.quantile(e, [(1 - lvl) / 2, (1 + lvl) / 2])
            rec[f"q_lower_{level_name(lvl)}"] = float(lo)
            rec[f"q_upper_{level_name(lvl)}"] = float(hi)
        out.append(rec)
    return pd.DataFrame(out)


def calibrated_fan(projection: pd.Series, base: float, quantiles: pd.DataFrame,
                   level: float = 0.8, *, centred: bool = False) -> pd.DataFrame:
    """Put the empirical error band of ``quantiles`` around any projection.

    Parameters
    ----------
    projection : pandas.Series
        Point values (unit of the projection, e.g. FLOP/s) indexed by year.
    base : float
        The year the projection was made from (its last known point): the
        horizon of year Y is ``Y - base``.
    quantiles : pandas.DataFrame
        :func:`error_quantiles` output containing ``level``.
    level : float
        Which band.
    centred : bool
        False (default): the band keeps the past errors' bias (a projection
        method that over-forecast is moved down).  True: the errors are taken
        around their median, so the band is centred on the projection and only
        its width comes from the past.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``horizon``, ``projection``, ``median`` (P * exp(median
        error)), ``mean`` (P * mean(actual / forecast)), ``lower``, ``upper``
        (unit of the projection), ``level`` and ``n_errors``; years at or before ``base`` are
        left out.  A horizon between two evaluated ones uses the next longer
        one (the wider band); one beyond the longest raises ``ParameterError``.
    """
    name = level_name(level)
    if f"q_lower_{name}" not in quantiles.columns:
        raise ParameterError("the quantile table has no band at this level", name="level",
                             expected=f"one of the levels in {list(quantiles.columns)}",
                             value=level)
    q = quantiles.sort_values("horizon")
    hs = q["horizon"].to_numpy(float)
    out = []
    for year, value in projection.items():
        h = float(year) - float(base)
        if h <= 0:
            continue
        pick = np.flatnonzero(hs >= h - 1e-9)
        if pick.size == 0:
            raise ParameterError(f"no past errors at a horizon of {h:g} years (longest "
                                 f"evaluated: {hs.max():g})", name="projection",
                                 expected=f"years up to {base + hs.max():g}", value=year)
        row = q.iloc[pick[0]]
        shift = float(row["median"]) if centred else 0.0
        out.append({"year": year, "horizon": h, "projection": float(value),
                    "median": float(value) * math.exp(row["median"] - shift),
                    "mean": float(value) * float(row["mean_factor"]) * math.exp(-shift),
                    "lower": float(value) * math.exp(row[f"q_lower_{name}"] - shift),
                    "upper": float(value) * math.exp(row[f"q_upper_{name}"] - shift),
                    "level": level, "n_errors": int(row["n"])})
    return pd.DataFrame(out)


def calibrated_coverage(frame: pd.DataFrame, model: str = "cagr", *,
                        levels: Sequence[float] = LEVELS, min_errors: int = 10
                        ) -> pd.DataFrame:
    """Stated vs empirical coverage, and the coverage of error-calibrated bands in real time.

    For each series, horizon and level: ``stated`` (the nominal level),
    ``model_coverage`` (share of actuals inside the model's own intervals) and
    ``calibrated_coverage`` (share inside ``forecast * exp(q)``, with the
    quantiles ``q`` taken at each origin from the errors of the same series and
    horizon whose target was already observed then; origins with fewer than
    ``min_errors`` such errors are skipped and counted out of ``n_calibrated``).
    """
    _check_frame(frame)
    rows = frame[(frame["model"] == model) & frame["error"].isna()]
    out = []
    for (series, h), part in rows.groupby(["series", "horizon"], sort=True):
        part = part.sort_values("origin")
        errs = np.log(part["actual"].to_numpy(float) / part["forecast"].to_numpy(float))
        targets = part["target"].to_numpy()
        for lvl in levels:
            name = level_name(lvl)
            inside_model = ((part["actual"] >= part[f"lower_{name}"])
                            & (part["actual"] <= part[f"upper_{name}"])).to_numpy()
            hits = []
            for i, origin in enumerate(part["origin"].to_numpy()):
                known = errs[targets <= origin]
                if known.size < min_errors:
                    continue
                lo, hi = np.quantile(known, [(1 - lvl) / 2, (1 + lvl) / 2])
                hits.append(lo <= errs[i] <= hi)
            out.append({"series": series, "model": model, "horizon": h, "stated": lvl,
                        "n": int(part.shape[0]), "model_coverage": float(inside_model.mean()),
                        "n_calibrated": len(hits),
                        "calibrated_coverage": float(np.mean(hits)) if hits else math.nan})
    return pd.DataFrame(out)
