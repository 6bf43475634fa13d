"""One answer per question: three scopes, each with its precision, year and band level.

The scopes are never added together (their precisions differ):

* ``ai_accelerators``: installed AI accelerator compute, dense FP16 peak, the
  bottom-up stock-flow forecast (:mod:`forecast.analysis.ai_compute`), taken
  as its simulated paths or, failing those, its percentile table;
* ``computing_index``: the CAICT-style computing-devices index (CAICT's white
  papers 2020-2022 spliced with CCIA's 2023 figure; mixed precision, an
  index, not a physical quantity);
* ``supercomputing``: the TOP500 sum of Rmax (June list of each year; FP64,
  achieved HPL, not peak).

The two top-down scopes are extended from their latest observation by the
methods of :mod:`forecast.analysis.calibration`, whose bands come from their
errors on long series; methods whose bands fail the real-time coverage check
at an answer's horizon get no weight, methods that coincide on the scope's
series are kept once, and the rest are combined with weights from their
out-of-sample CRPS (:mod:`forecast.analysis.combination`) when those beat
equal weights in real time, else with equal weights.  Every band here is the
90% band (p5-p95).

The sentences made here (notes, labels, the verdicts) are written in the current language
(:mod:`forecast.i18n`), so a run in Chinese writes them in Chinese; names that are keys
(scope, method, bound) stay English and are translated where shown.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.analysis import calibration, combination, verdicts
from forecast.analysis.calibration import METHODS, Method
from forecast.errors import DataError, ParameterError
from forecast.i18n import N_
from forecast.i18n import gettext as _

DataDir = str | os.PathLike | None

#: the band every answer reports: p5-p95
LEVEL = 0.9
#: answer years
YEARS = (2030, 2035)
#: default seed of the bootstraps and draws (notebook 07's default)
SEED = 2030


@dataclass(frozen=True)
class Scope:
    """A quantity we answer for: ``label``, ``precision``, ``unit`` (never added across scopes)."""

    name: str
    label: str
    precision: str
    short: str
    unit: str = "FLOP/s"


SCOPES = {
    "ai_accelerators": Scope("ai_accelerators",
                             N_("installed AI accelerator compute, dense peak"), "FP16",
                             N_("installed AI accelerators, FP16")),
    "computing_index": Scope("computing_index",
                             N_("CAICT-style computing-devices index (an index of mixed "
                                "precisions)"),
                             N_("mixed"), N_("the CAICT-style index, mixed precision")),
    "supercomputing": Scope("supercomputing", N_("TOP500 sum of Rmax, June list"),
                            N_("FP64 achieved"), N_("TOP500 sum of Rmax, FP64")),
}

#: the columns of forecast_2030.csv, in order
FORECAST_COLUMNS = ["scope", "precision", "method", "weight", "year", "p5", "p50", "p95", "unit",
                    "level", "base_year", "base_value", "horizon", "label", "note"]


@dataclass(frozen=True)
class Calibration:
    """The long-series evidence: ``errors`` (:func:`calibration.rolling_errors`),
    ``coverage`` (:func:`calibration.realtime_coverage`), ``scores``
    (:func:`combination.score_rows`), ``series`` (names of the long series)."""

    errors: pd.DataFrame
    coverage: pd.DataFrame
    scores: pd.DataFrame
    series: tuple[str, ...]


def calibrate(long: Mapping[str, pd.Series], *, methods: Sequence[Method] = METHODS,
              n_boot: int = 100, seed: int = 0) -> Calibration:
    """Errors, real-time coverage and CRPS of the top-down methods on the ``long`` series
    (name -> yearly values, e.g. :func:`calibration.long_series`)."""
    errors = calibration.rolling_errors(long, methods)
    coverage = calibration.realtime_coverage(errors, n_boot=n_boot, seed=seed)
    return Calibration(errors, coverage, combination.score_rows(errors), tuple(long))


@dataclass(frozen=True)
class ScopeAnswer:
    """One scope's answer: ``rows`` (forecast table rows), ``paths`` (year -> FLOP/s draws),
    ``observed`` (FLOP/s by year), ``weights`` (method -> weight), ``notes`` (sentences:
    coinciding and excluded methods, the choice of weights), ``evaluation`` (CRPS of
    the track-record and the equal-weight combination, or empty), ``coverage`` (the
    real-time coverage of the combination used, method ``combined:<scope>``, or empty)."""

    scope: Scope
    rows: pd.DataFrame
    paths: Mapping[int, np.ndarray]
    observed: pd.Series
    weights: pd.Series
    notes: tuple[str, ...] = ()
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)


def _quantiles(log_draws: np.ndarray) -> np.ndarray:
    return np.exp(np.quantile(log_draws, [0.05, 0.5, 0.95]))


def topdown(scope: Scope, observed: pd.Series, calib: Calibration, *,
            years: Sequence[int] = YEARS, methods: Sequence[Method] = METHODS,
            n_paths: int = 20000, seed: int = 0, n_boot: int = 100,
            verdict_years: Sequence[int] = ()) -> ScopeAnswer:
    """The calibrated, combined top-down answer for ``scope`` from its yearly ``observed`` series.

    ``observed``: FLOP/s by consecutive integer year, the last one the base.
    Paths are drawn for ``years`` and ``verdict_years`` (``n_paths`` each).
    """
    y = observed.dropna().sort_index().astype(float)
    if len(y) < 2 or np.any(np.diff(np.asarray(y.index, dtype=int)) != 1):
        raise DataError(f"the {scope.name} series needs consecutive years", column="year",
                        expected="at least 2 consecutive yearly values", value=list(y.index))
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ParameterError("must be a whole number of paths >= 1", name="n_paths",
                             value=n_paths)
    z = np.log(y.to_numpy())
    base_year = int(y.index[-1])
    wanted = sorted({int(v) for v in (*years, *verdict_years)})
    horizons = [v - base_year for v in wanted]
    longest = int(calib.errors["horizon"].max())
    if min(horizons) < 1 or max(horizons) > longest:
        raise ParameterError(f"years must lie 1 to {longest} years after {base_year}",
                             name="years", value=wanted)
    usable = [m for m in methods if len(y) >= m.min_points()]
    paths_by = {m.name: m.log_path(z, horizons) for m in usable}
    kept, same = combination.coinciding(paths_by)
    answer_h = [v - base_year for v in years]
    failed = {m: min(h for h in answer_h if calibration.fails(calib.coverage, m, h, LEVEL))
              for m in kept if any(calibration.fails(calib.coverage, m, h, LEVEL)
                                   for h in answer_h)}
    used = [m for m in kept if m not in failed]
    notes = [_("{method} coincides with {other} on this {n}-point series and is counted "
               "once").format(method=a, other=b, n=len(y)) for a, b in same.items()]
    notes += [_("{method}: its 90% band covered less than 90% in real time at {h} years "
                "(upper end of the 95% interval below 90%), so it gets no weight").format(
                    method=m, h=h) for m, h in failed.items()]
    if not used:
        raise DataError(f"no method passes the real-time coverage check for {scope.name}",
                        expected="at least one method with a calibrated band that holds")
    evaluation, coverage = pd.DataFrame(), pd.DataFrame()
    if len(used) > 1:
        tracked = combination.weights(calib.scores, used)
        mixtures = combination.realtime_mixtures(calib.errors, calib.scores, used)
        evaluation = combination.evaluate(mixtures)
        crps = evaluation.set_index("combination")["crps"]
        if crps["track record"] < crps["equal"]:
            w = tracked
            notes.append(_("track-record weights beat equal weights in real time (mean CRPS "
                           "{track:.4f} vs {equal:.4f}, ln units)").format(
                               track=crps["track record"], equal=crps["equal"]))
        else:
            w = pd.Series(1.0 / len(used), index=used, name="weight")
            notes.append(_("track-record weights did not beat equal weights in real time "
                           "(mean CRPS {track:.4f} vs {equal:.4f}), so the methods are "
                           "weighted equally").format(track=crps["track record"],
                                                      equal=crps["equal"]))
        coverage = combination.combined_coverage(
            mixtures, f"combined:{scope.name}",
            weights="track" if w is tracked else "equal")
    else:
        w = pd.Series([1.0], index=used, name="weight")
    rows, paths = [], {}
    labels = {m.name: m.label for m in methods}
    for k, (year, h) in enumerate(zip(wanted, horizons)):
        parts = {m: (paths_by[m][k], calibration.error_sampler(calib.errors, m, h, n_boot=n_boot,
                                                               seed=seed))
                 for m in kept}
        draws = combination.mixture_sample({m: parts[m] for m in used}, w.to_dict(), n_paths,
                                           seed=seed + year)
        paths[year] = np.exp(draws)
        if year not in years:
            continue
        common = {"scope": scope.name, "precision": scope.precision, "year": year,
                  "unit": scope.unit, "level": LEVEL, "base_year": base_year,
                  "base_value": float(y.iloc[-1]), "horizon": h}
        for m in kept:
            p5, p50, p95 = _quantiles(parts[m][0] + parts[m][1])
            twins = [a for a, b in same.items() if b == m]
            note = ("" if m not in failed else _("fails the real-time coverage check")) + (
                _("; coincides with {methods}").format(methods=", ".join(twins))
                if twins else "")
            rows.append({**common, "method": m, "weight": float(w.get(m, 0.0)),
                         "p5": p5, "p50": p50, "p95": p95, "label": _(labels[m]),
                         "note": note.strip("; ；")})
        p5, p50, p95 = np.exp(combination.mixture_quantiles(
            {m: parts[m] for m in used}, w.to_dict(), [0.05, 0.5, 0.95]))
        rows.append({**common, "method": "combined", "weight": 1.0, "p5": p5, "p50": p50,
                     "p95": p95, "label": _("{label}: combined, calibrated 90% band").format(
                         label=_(scope.label)),
                     "note": _("weighted mixture of {methods}").format(methods=", ".join(used))})
    return ScopeAnswer(scope, pd.DataFrame(rows, columns=FORECAST_COLUMNS), paths, y, w,
                       tuple(notes), evaluation, coverage)


def index_series(data_dir: DataDir = None) -> pd.Series:
    """The CAICT-style index, FLOP/s (mixed precision) by year: CAICT 2020-2022 + CCIA 2023."""
    from forecast.analysis import totals
    from forecast.data import datapackage

    return totals.total_series(datapackage.load("global_compute", data_dir))


def splice(y: pd.Series) -> str:
    """Which publisher each run of years of a :func:`totals.total_series` comes from.

    ``"CAICT 2020-2022 + CCIA Data Center Committee 2023"``: a series spliced from several
    publishers says so wherever it is drawn or extended. Publishers are named without their
    parenthesised original-language names, so the text fits a chart title in any font.
    """
    import re

    from forecast.analysis import totals

    runs: list[list] = []
    for year, publisher in totals.sources(y)[["year", "publisher"]].itertuples(index=False):
        publisher = re.sub(r"\s*\([^)]*\)", "", str(publisher)).strip()
        if runs and runs[-1][0] == publisher and runs[-1][2] == int(year) - 1:
            runs[-1][2] = int(year)
        else:
            runs.append([publisher, int(year), int(year)])
    return " + ".join(f"{p} {a}" if a == b else f"{p} {a}-{b}" for p, a, b in runs)


def split_lognormal_paths(p5: float, p50: float, p95: float, n: int, seed: int = 0
                          ) -> np.ndarray:
    """Draws of a two-piece log-normal through (p5, p50, p95): paths when only percentiles exist."""
    if not 0 < p5 <= p50 <= p95:
        raise DataError("percentiles must be positive and ordered", column="p5/p50/p95",
                        expected="0 < p5 <= p50 <= p95", value=(p5, p50, p95))
    zq = 1.6448536269514722
    zs = np.random.default_rng(seed).standard_normal(n)
    scale = np.where(zs < 0, np.log(p50 / p5), np.log(p95 / p50)) / zq
    return p50 * np.exp(zs * scale)


def ai_answer(table: pd.DataFrame, *, paths: Mapping[int, np.ndarray] | None = None,
              years: Sequence[int] = YEARS, n_paths: int = 20000,
              seed: int = 0) -> ScopeAnswer:
    """The AI accelerator scope from the bottom-up forecast's table (and paths, when given).

    ``table``: the ``ai_compute_forecast.csv`` layout (year, designer, measure,
    precision, p5, p50, p95, unit, kind); the rows of designer ``all``,
    measure ``stock``, precision ``FP16`` are read.  ``paths``: year ->
    simulated stock (FLOP/s); where a year has none, a two-piece log-normal
    through its percentiles stands in (said in the notes).
    """
    need = {"year", "designer", "measure", "precision", "p5", "p50", "p95", "kind"}
    missing = sorted(need - set(table.columns))
    if missing:
        raise DataError("not an AI compute forecast table", column=missing[0],
                        expected=f"columns {sorted(need)}")
    stock = table[(table["designer"] == "all") & (table["measure"] == "stock")
                  & (table["precision"] == "FP16")].set_index("year").sort_index()
    observed = stock.loc[stock["kind"] == "observed", "p50"].astype(float)
    scope = SCOPES["ai_accelerators"]
    rows, out, drawn = [], {}, []
    for year in sorted(stock.index[stock["kind"] == "forecast"]):
        r = stock.loc[year]
        if paths is not None and year in paths:
            out[year] = np.asarray(paths[year], dtype=float)
        else:
            out[year] = split_lognormal_paths(r["p5"], r["p50"], r["p95"], n_paths, seed + year)
            drawn.append(str(year))
    notes = ([_("paths for {years} drawn from a two-piece log-normal through the bottom-up "
                "p5/p50/p95 (no simulated paths given)").format(years=", ".join(drawn))]
             if drawn else [])
    for year in years:
        if year not in stock.index:
            raise DataError(f"the AI compute forecast has no stock row for {year}",
                            column="year", expected=f"years up to {max(years)}")
        r = stock.loc[year]
        common = {"scope": scope.name, "precision": scope.precision, "year": int(year),
                  "unit": scope.unit, "level": LEVEL,
                  "base_year": int(observed.index.max()) if len(observed) else np.nan,
                  "base_value": float(observed.iloc[-1]) if len(observed) else np.nan,
                  "horizon": int(year - observed.index.max()) if len(observed) else np.nan}
        for method, label in (("stock_flow", _("bottom-up stock-flow model by designer")),
                              ("combined", _("{label}: the bottom-up answer").format(
                                  label=_(scope.label)))):
            rows.append({**common, "method": method, "weight": 1.0, "p5": float(r["p5"]),
                         "p50": float(r["p50"]), "p95": float(r["p95"]), "label": label,
                         "note": _("one method: the combined answer is the stock-flow "
                                   "model's")})
    return ScopeAnswer(scope, pd.DataFrame(rows, columns=FORECAST_COLUMNS), out, observed,
                       pd.Series({"stock_flow": 1.0}, name="weight"), tuple(notes))


def _index_answer(index: pd.Series, calib: Calibration, **options) -> ScopeAnswer:
    top = topdown(SCOPES["computing_index"], index, calib, **options)
    spliced = _("the index is spliced from {splice}").format(splice=splice(index))
    return dataclasses.replace(top, notes=(spliced, *top.notes))


def index_answer(data_dir: DataDir = None, *, years: Sequence[int] = YEARS,
                 n_paths: int = 20000, n_boot: int = 100, seed: int = SEED) -> ScopeAnswer:
    """The CAICT-style index's evidence-based answer alone (as in :func:`answer`), e.g. to
    show beside the scenario what-ifs of notebook 03; with the defaults its bands are
    notebook 07's (they depend on ``seed`` and ``n_boot``, not on ``n_paths``)."""
    calib = calibrate(calibration.long_series(data_dir), n_boot=n_boot, seed=seed)
    return _index_answer(index_series(data_dir), calib, years=years, n_paths=n_paths,
                         seed=seed, n_boot=n_boot)


def flat_shipments(data_dir: DataDir = None, *, year: int = 2030, value: float = 56e21,
                   n_paths: int = 4000, seed: int = SEED,
                   service_life_years: float = 5.0) -> dict[str, float]:
    """What-if: the installed FP16 AI stock in ``year`` if shipments stopped growing.

    The bottom-up model of :mod:`forecast.analysis.ai_compute` with its growth set to
    zero after the last observed quarter (``Reversion(mu=0, phi=0, tau=0)``: each
    designer's flow stays at its fitted level).  Returns ``flat_p5``, ``flat_p50``,
    ``flat_p95`` (FLOP/s, FP16), ``flat_value`` and ``flat_share`` (share of paths at or
    above ``value`` FLOP/s of FP16), ``flat_year``.  A lower bound on the stock, not a
    forecast.
    """
    from forecast.analysis import ai_compute

    flat = ai_compute.Reversion(0.0, 0.0, 0.0, 0, N_("what-if: shipments flat at their "
                                                     "last fitted level"))
    fc = ai_compute.forecast(data_dir, end_year=year, n_paths=n_paths, seed=seed,
                             service_life_years=service_life_years, reversion=flat)
    stock = np.asarray(fc.paths["stock"]).sum(axis=1)[:, list(fc.years).index(year)]
    p5, p50, p95 = np.percentile(stock, [5, 50, 95])
    return {"flat_p5": float(p5), "flat_p50": float(p50), "flat_p95": float(p95),
            "flat_value": float(value), "flat_share": float(np.mean(stock >= value)),
            "flat_year": year}


def ai_from_forecast(fc) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """(table, year -> total stock paths in FLOP/s) of a bottom-up AI compute forecast.

    ``fc``: a :class:`forecast.analysis.ai_compute.AIComputeForecast` (its
    ``table()``, ``years`` and ``paths["stock"]`` of shape (n_paths, designers,
    years)); the total is summed over designers on each path, never percentiles.
    """
    total = np.asarray(fc.paths["stock"]).sum(axis=1)
    return fc.table(), {int(y): total[:, j] for j, y in enumerate(fc.years)}


@dataclass(frozen=True)
class Answer:
    """The three scopes' answers, the calibration and the verdicts (see :func:`answer`)."""

    scopes: Mapping[str, ScopeAnswer]
    calibration: Calibration
    verdicts: pd.DataFrame

    @property
    def forecast(self) -> pd.DataFrame:
        """forecast_2030.csv: every scope's method rows and its ``combined`` row per year."""
        return pd.concat([a.rows for a in self.scopes.values()], ignore_index=True)

    @property
    def coverage(self) -> pd.DataFrame:
        """calibration_coverage.csv: real-time coverage by method, horizon and level, each
        method's and each scope's combination (``combined:<scope>``)."""
        cols = ["method", "horizon", "level", "nominal", "coverage", "n_origins", "ci_low",
                "ci_high", "n_forecasts"]
        frames = [self.calibration.coverage, *(a.coverage for a in self.scopes.values()
                                               if not a.coverage.empty)]
        return pd.concat([f[cols] for f in frames], ignore_index=True)

    @property
    def notes(self) -> list[str]:
        """Every scope's notes, prefixed by the scope."""
        return [_("{scope}: {note}").format(scope=_(name), note=n)
                for name, a in self.scopes.items() for n in a.notes]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables by their file stem (``forecast.evidence.save_tables`` writes them)."""
        return {"forecast_2030": self.forecast, "published_verdicts": self.verdicts,
                "calibration_coverage": self.coverage}

    def facts(self, year: int = 2030) -> dict[str, object]:
        """Numbers for the page's prose: each scope's combined band in ``year``
        (``<key>_p5/_p50/_p95``, ``<key>_base``, ``<key>_base_year``; keys ``ai``,
        ``index``, ``super``), the verdict on CAICT's 56 ZFLOPS (``v56_*``) and the
        real-time coverage of the index methods' 90% bands at the 2030 horizon.  Every key
        is present: a figure that cannot be computed (a scope left out, no such published
        forecast) is NaN, which the page's prose shows as "not available"."""
        out: dict[str, object] = {"year": year, "level": LEVEL,
                                  "n_series": len(self.calibration.series)}
        out.update(dict.fromkeys(
            [f"{k}_{v}" for k in ("ai", "index", "super")
             for v in ("p5", "p50", "p95", "base", "base_year", "horizon")]
            + ["v56_probability", "v56_implied", "v56_measured", "v56_base_year", "cover_h",
               "cover_low", "cover_high", "cover_origins", "combined_cover", "combined_low",
               "combined_high"], math.nan))
        out["v56_verdict"] = _("no verdict: the published forecast is not in the data")
        for scope, key in (("ai_accelerators", "ai"), ("computing_index", "index"),
                           ("supercomputing", "super")):
            if scope not in self.scopes:
                continue
            row = self.combined(scope, year)
            out.update({f"{key}_p5": row["p5"], f"{key}_p50": row["p50"],
                        f"{key}_p95": row["p95"], f"{key}_base": row["base_value"],
                        f"{key}_base_year": row["base_year"], f"{key}_horizon": row["horizon"]})
        v = self.verdicts
        v56 = v[(v["scope"] == "computing_index") & np.isclose(v["value"], 56e21)
                & (v["bound"] == "point")]
        if not v56.empty:
            r = v56.iloc[0]
            out.update(v56_probability=r["probability"], v56_implied=r["implied_growth"],
                       v56_measured=r["measured_growth"], v56_verdict=r["verdict"],
                       v56_base_year=r["base_year"])
        index = self.scopes.get("computing_index")
        if index is not None:
            h = int(year - index.observed.index.max())
            cov = self.coverage
            used = cov[cov["method"].isin(list(index.weights.index)) & (cov["horizon"] == h)
                       & np.isclose(cov["level"], LEVEL)]
            out.update(cover_h=h, cover_low=used["coverage"].min(),
                       cover_high=used["coverage"].max(), cover_origins=used["n_origins"].min())
            mixed = cov[(cov["method"] == "combined:computing_index") & (cov["horizon"] == h)
                        & np.isclose(cov["level"], LEVEL)]
            if not mixed.empty:
                out.update(combined_cover=mixed["coverage"].iloc[0],
                           combined_low=mixed["ci_low"].iloc[0],
                           combined_high=mixed["ci_high"].iloc[0])
        return out

    def combined(self, scope: str, year: int = 2030) -> pd.Series:
        """The ``combined`` row of ``scope`` in ``year``."""
        rows = self.forecast
        pick = rows[(rows["scope"] == scope) & (rows["year"] == year)
                    & (rows["method"] == "combined")]
        if pick.empty:
            raise DataError(f"no combined answer for {scope} in {year}", column="scope",
                            expected=f"one of {sorted(self.scopes)}")
        return pick.iloc[0]


def answer(data_dir: DataDir = None, *, ai_table: pd.DataFrame | None = None,
           ai_paths: Mapping[int, np.ndarray] | None = None,
           extra_series: Mapping[str, pd.Series] | None = None,
           years: Sequence[int] = YEARS, n_paths: int = 20000, n_boot: int = 100,
           seed: int = SEED) -> Answer:
    """The whole answer: calibration, the three scopes, verdicts on the published forecasts.

    ``ai_table``/``ai_paths``: the bottom-up AI forecast (see :func:`ai_answer`);
    without them the AI scope is left out (and so are the verdicts on it).
    ``extra_series``: more long series for the calibration (yearly, by year).
    """
    from forecast.data import datapackage

    long = calibration.long_series(data_dir, extra=extra_series)
    calib = calibrate(long, n_boot=n_boot, seed=seed)
    published = datapackage.load("compute_forecasts", data_dir)
    index = index_series(data_dir)
    ours = [verdicts.match_scope(row) for _, row in published.iterrows()]
    index_years = sorted({int(v) for v, s, kind in zip(published["year"], ours, published["kind"])
                          if s == "computing_index" and kind == "forecast"
                          and int(v) > index.index.max()})
    scopes = {}
    if ai_table is not None:
        scopes["ai_accelerators"] = ai_answer(ai_table, paths=ai_paths, years=years,
                                              n_paths=n_paths, seed=seed)
    scopes["computing_index"] = _index_answer(
        index, calib, years=years, n_paths=n_paths, seed=seed, n_boot=n_boot,
        verdict_years=[v for v in index_years
                       if v - index.index.max() <= calib.errors["horizon"].max()])
    scopes["supercomputing"] = topdown(SCOPES["supercomputing"], long["top500_sum"],
                                       calib, years=years, n_paths=n_paths, seed=seed,
                                       n_boot=n_boot)
    forecasts = {name: verdicts.ScopeForecast(a.scope.short, a.scope.precision, a.observed,
                                              a.paths) for name, a in scopes.items()}
    return Answer(scopes, calib, verdicts.verdicts(published, forecasts))
