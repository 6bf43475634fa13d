"""The long-run evidence of notebook 05, one named step per section of the page.

Each step loads what it needs, fits, and returns a frozen result holding the tables the
notebook saves (``tables``: file name -> DataFrame, written by :func:`save_tables`), the
objects its figures draw, and ``facts``: the values its prose quotes, by name, ready for
``forecast.present.prose(template, **result.facts)``.

========================  ===============================================================
step                      section of the page
========================  ===============================================================
:func:`top500_section`    33 years of TOP500: eras, Chow tests, decades, accelerators,
                          the United States and China
:func:`skill_section`     rolling-origin skill of every model on TOP500, error quantiles
:func:`ai_section`        Epoch AI's chip stock, cluster frontier, notable models, and the
                          bottom-up stock against CAICT's top-down figures
:func:`vendor_section`    shipments by designer, NVIDIA's share of the stock to a year
:func:`back_to_2030`      constant-growth paths with error-calibrated bands, the headline
========================  ===============================================================

FLOP/s are FP64 achieved (HPL Rmax) on TOP500 and dense FP16 peak for the AI stock, as the
loaders label them.  Modelling code: nothing here draws (figures are in
:mod:`forecast.present.evidence_plots`, shown by :mod:`forecast.evidence_views`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from forecast import io
from forecast.analysis import ai_stock, answer, skill, top500, totals, trends
from forecast.data import headline, load
from forecast.errors import ParameterError
from forecast.i18n import N_
from forecast.i18n import gettext as _
from forecast.models import compare

#: TOP500 per-list columns scored and drawn, with the label each has on the page
SERIES = MappingProxyType({"sum_rmax": N_("sum of the 500"), "no1_rmax": N_("#1"),
                           "no500_rmax": N_("#500")})
#: the list after which China stopped submitting its largest systems (decimal year)
CHINA_STOPPED = 2022.5
#: model families fitted to NVIDIA's quarterly shipments
SHIPMENT_MODELS = ("cagr", "exponential", "logistic", "gompertz")

DataDir = str | os.PathLike | None


def _facts(**values) -> Mapping[str, object]:
    return MappingProxyType(values)


def _listed(items) -> str:
    """Texts joined as a list in a sentence of the page (``a, b, c``; Chinese ``a、b、c``)."""
    return _(", ").join(items)


def save_tables(*results, output_dir: DataDir = None) -> None:
    """Write every table of the section results (their ``tables``) with
    :func:`forecast.io.save_table` under ``output_dir``; returns None, so nothing is shown."""
    for result in results:
        tables = getattr(result, "tables", None)
        if not isinstance(tables, Mapping):
            raise ParameterError("not a section result", name="results",
                                 expected="results of forecast.evidence (with .tables)",
                                 value=type(result).__name__)
        for name, frame in tables.items():
            io.save_table(frame, name, output_dir)


# -- 1-2. TOP500 ------------------------------------------------------------------------

@dataclass(frozen=True)
class Top500Evidence:
    """TOP500 over all lists.

    ``lists``: one row per list (:func:`forecast.top500.lists`); ``eras``: column ->
    :class:`forecast.trends.Segmented`; ``era_table``/``chow``/``decade_table``: the eras, the
    Chow test at each series' first break, growth by window; ``accelerated``: the lists with
    the accelerator field (2011-06 on); ``countries``/``shares``: sum of Rmax (FLOP/s) and
    share of the list's Rmax per list for the United States and China.
    """

    lists: pd.DataFrame
    eras: Mapping[str, trends.Segmented]
    era_table: pd.DataFrame
    chow: pd.DataFrame
    decade_table: pd.DataFrame
    accelerated: pd.DataFrame
    countries: pd.DataFrame
    shares: pd.DataFrame
    level: float
    facts: Mapping[str, object]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"top500_lists": self.lists, "top500_eras": self.era_table,
                "top500_chow": self.chow, "top500_growth_by_decade": self.decade_table}


def top500_section(data_dir: DataDir = None, *, n_breaks: int = 1, level: float = 0.9,
                   decades: Sequence[float] = (1993, 2003, 2013, 2023, 2027)) -> Top500Evidence:
    """Fit the eras of TOP500 growth and gather the per-list views of sections 1-2.

    ``n_breaks`` break dates per series (1 to 3, :func:`forecast.trends.segmented`), ``level``
    the coverage of the growth intervals, ``decades`` the window edges (decimal years).
    """
    lists = top500.lists(data_dir=data_dir)
    eras = {c: trends.segmented(lists["t"], lists[c], n_breaks=n_breaks, level=level)
            for c in SERIES}
    era_table = pd.concat({SERIES[c]: seg.segments for c, seg in eras.items()},
                          names=["series"]).reset_index(level=0).reset_index(drop=True)
    chow = pd.DataFrame([{"series": SERIES[c],
                          **vars(trends.chow_test(lists["t"], lists[c], seg.breaks[0]))}
                         for c, seg in eras.items()])
    decade_table = trends.windows(lists["t"], lists["sum_rmax"], decades, level=level)
    accelerated = lists.dropna(subset=["accelerated_share"])
    pair = ["United States", "China"]
    countries = top500.country_table(countries=pair, data_dir=data_dir)
    shares = top500.country_table(countries=pair, value="share_rmax", data_dir=data_dir)
    first, last = lists.iloc[0], lists.iloc[-1]
    sum_eras = eras["sum_rmax"].segments
    facts = _facts(
        n_lists=len(lists), first_list=first["list"], last_list=last["list"],
        sum_first=first["sum_rmax"], sum_last=last["sum_rmax"],
        no1_first=first["no1_rmax"], no1_last=last["no1_rmax"],
        x_early=sum_eras["x_per_year"].iloc[0], doubling_early=sum_eras["doubling_months"].iloc[0],
        x_late=sum_eras["x_per_year"].iloc[-1], doubling_late=sum_eras["doubling_months"].iloc[-1],
        break_sum=eras["sum_rmax"].breaks[0], break_no1=eras["no1_rmax"].breaks[0],
        break_no500=eras["no500_rmax"].breaks[0], level=level,
        accel_first_list=accelerated["list"].iloc[0], accel_last_list=accelerated["list"].iloc[-1],
        accel_first=accelerated["accelerated_share"].iloc[0],
        accel_last=accelerated["accelerated_share"].iloc[-1],
        accel_rmax_last=accelerated["accelerated_rmax_share"].iloc[-1],
        china_peak=shares["China"].max(), china_peak_list=shares["China"].idxmax(),
        china_last=shares["China"].iloc[-1], country_last_list=shares.index[-1],
        us_last=shares["United States"].iloc[-1])
    return Top500Evidence(lists=lists, eras=MappingProxyType(eras), era_table=era_table,
                          chow=chow, decade_table=decade_table, accelerated=accelerated,
                          countries=countries, shares=shares, level=level, facts=facts)


# -- 3-4. skill ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SkillEvidence:
    """Rolling-origin forecasts of the TOP500 series and their scores.

    ``frame``: :func:`forecast.skill.run_many` (one row per series x model x origin x
    horizon); ``scores``/``versus``: :func:`forecast.skill.score` and
    :func:`forecast.skill.versus_benchmark`; ``ranked``: ``versus`` at 1, 5 and
    ``max_horizon`` years sorted by ratio, ``best`` its first row per series and horizon;
    ``quantiles``/``calibration``: past log errors of ``cagr`` at ``fan_level``.
    """

    frame: pd.DataFrame
    scores: pd.DataFrame
    versus: pd.DataFrame
    ranked: pd.DataFrame
    best: pd.DataFrame
    quantiles: pd.DataFrame
    calibration: pd.DataFrame
    max_horizon: int
    fan_level: float
    facts: Mapping[str, object]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"skill_top500": self.scores, "skill_top500_vs_cagr": self.versus,
                "skill_error_quantiles": self.quantiles,
                "skill_calibrated_coverage": self.calibration}


def skill_section(lists: pd.DataFrame, models: Sequence[str] | None = None, *, initial: int = 20,
                  max_horizon: int = 10, workers: int = 2, fan_level: float = 0.8
                  ) -> SkillEvidence:
    """Score every model (``models``; None means all registered) on the TOP500 series.

    ``lists`` is :attr:`Top500Evidence.lists`; ``initial`` lists in the first training
    window, horizons 1..``max_horizon`` years at two lists a year, ``workers`` processes.
    Under ``compute-forecast run`` the table is kept in the run's ``.cache/`` and reused
    while its inputs are unchanged (:mod:`forecast.analysis.skill_cache`).
    """
    from forecast.analysis import skill_cache  # the table is reused across runs (~10 s CPU)

    series = {SERIES[c]: top500.series(c, lists).set_axis(lists["list"]) for c in SERIES}
    frame = skill_cache.run_many(series, models, initial=initial,
                                 horizons=range(1, max_horizon + 1), steps_per_year=2,
                                 workers=workers)
    scores = skill_cache.score(frame)
    versus = skill.versus_benchmark(frame)
    naive = scores[(scores["model"] == "cagr")
                   & (scores["series"] == SERIES["sum_rmax"])].set_index("horizon")
    origins = scores.groupby("horizon")["n"].max()
    ranked = versus[versus["horizon"].isin([1, 5, max_horizon])].sort_values(
        ["series", "horizon", "ratio"]).reset_index(drop=True)
    best = ranked.groupby(["series", "horizon"]).head(1)
    at_5 = scores[(scores["model"] == "cagr") & (scores["horizon"] == min(5, max_horizon))]
    naive_5 = at_5.set_index("series")["coverage_80"]
    quantiles = skill.error_quantiles(frame, "cagr", levels=(fan_level,))
    calibration = skill.calibrated_coverage(frame, "cagr", levels=(fan_level,))
    h = max_horizon
    facts = _facts(
        n_models=scores["model"].nunique(), n_series=len(series), origins_1=origins.loc[1],
        origins_h=origins.loc[h], horizon=h, mape_1=naive.loc[1, "mape"] / 100,
        mape_h=naive.loc[h, "mape"] / 100, bias_1=naive.loc[1, "bias"],
        bias_h=naive.loc[h, "bias"], factor_h=np.exp(naive.loc[h, "bias"]),
        cover_1=naive.loc[1, "coverage_80"], cover_h=naive.loc[h, "coverage_80"],
        best_rows=_("; ").join(
            _("{series}, {horizon} yr: {model} (ratio {ratio:.2f}, n={n})").format(
                series=_(r.series), horizon=r.horizon, model=r.model, ratio=r.ratio,
                n=r.n_shared) for r in best.itertuples()),
        cover5_sum=naive_5.loc[SERIES["sum_rmax"]], cover5_no500=naive_5.loc[SERIES["no500_rmax"]],
        cover5_no1=naive_5.loc[SERIES["no1_rmax"]])
    return SkillEvidence(frame=frame, scores=scores, versus=versus, ranked=ranked, best=best,
                         quantiles=quantiles, calibration=calibration, max_horizon=max_horizon,
                         fan_level=fan_level, facts=facts)


# -- 5. AI compute --------------------------------------------------------------------------

@dataclass(frozen=True)
class AIEvidence:
    """Epoch AI's chip stock, GPU clusters and notable models, and the bottom-up stock against
    CAICT.

    ``stock``: cumulative H100e by designer and quarter (:func:`forecast.ai_stock.stock`);
    ``operational``/``frontier``: clusters in operation and the running maximum of their size
    (H100e); ``recent``/``top``: notable models since 2010 and the 10 largest a year
    (training FLOP); ``trend_table``: the four log-linear trends; ``bridge``:
    :func:`forecast.ai_stock.versus_top_down` (FP16 dense peak, FLOP/s).
    """

    stock: pd.DataFrame
    stock_trend: trends.Trend
    operational: pd.DataFrame
    frontier: pd.DataFrame
    cluster_trend: trends.Trend
    recent: pd.DataFrame
    top: pd.DataFrame
    top_trend: trends.Trend
    trend_table: pd.DataFrame
    bridge: pd.DataFrame
    level: float
    stock_year: int
    facts: Mapping[str, object]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"ai_trends": self.trend_table, "ai_stock_vs_top_down": self.bridge}


def ai_section(data_dir: DataDir = None, *, level: float = 0.9, stock_year: int = 2025,
               target_year: int = 2030) -> AIEvidence:
    """Trends of the AI stock, cluster frontier and model compute; the stock at the end of
    ``stock_year`` against every top-down figure (CAICT's for ``target_year`` quoted)."""
    stock = ai_stock.stock("H100e", data_dir=data_dir)
    complete = stock[stock["incomplete"] == "false"]
    nvidia = complete[complete["designer"] == "Nvidia"]
    stock_trend = trends.loglinear(nvidia["period_end"], nvidia["median"], level=level)
    clusters = load("gpu_clusters", data_dir)
    operational = clusters[clusters["cluster_status"].isin(["Existing", "Decommissioned"])].assign(
        date=pd.to_datetime(clusters["first_operational"], format="mixed", errors="coerce")
    ).dropna(subset=["date", "h100e"])
    frontier = trends.running_max(operational, "date", "h100e")
    cluster_trend = trends.loglinear(frontier["date"], frontier["h100e"], level=level)
    ai_models = load("ai_models", data_dir)
    dated = ai_models.dropna(subset=["publication_date", "training_compute_flop"])
    recent = dated[dated["publication_date"] >= pd.Timestamp("2010-01-01")]
    top = trends.top_k(recent, "publication_date", "training_compute_flop", k=10)
    model_trend = trends.loglinear(recent["publication_date"], recent["training_compute_flop"],
                                   level=level)
    top_trend = trends.loglinear(top["publication_date"], top["training_compute_flop"],
                                 level=level)
    trend_table = trends.trend_table({N_("notable models since 2010"): model_trend,
                                      N_("top 10 per year"): top_trend,
                                      N_("NVIDIA H100e stock"): stock_trend,
                                      N_("cluster frontier"): cluster_trend})
    bridge = ai_stock.versus_top_down(stock_year, "FP16", data_dir=data_dir)
    # a ratio only between figures of the same year and precision: the stock at the end of
    # stock_year over a figure of another year (or a mixed-precision total) is not a gap
    bridge = bridge.assign(ratio=bridge["ratio"].where(
        (bridge["year"] == stock_year) & bridge["comparable"].astype(bool)))
    bottom = bridge.iloc[0]
    caict = bridge[bridge["source"].str.startswith("CAICT")]
    caict_target = caict[caict["year"] == target_year].sort_values("median").iloc[0]
    caict_ai = caict[caict["what"] == "intelligent"].sort_values("year").iloc[-1]
    same_year = int(caict_ai["year"])
    at_same = ai_stock.at_year_end(ai_stock.stock_flops("FP16", data_dir=data_dir), same_year)
    bottom_same = float(at_same["median"].sum())
    same = bridge[(bridge["what"] == "intelligent") & (bridge["kind"] == "actual")
                  & (bridge["year"] == same_year) & bridge["comparable"].astype(bool)]["median"]
    g, cg = stock_trend.growth(), cluster_trend.growth()
    facts = _facts(
        level=level, stock_x=g["x_per_year"], stock_lower=g["x_lower"], stock_upper=g["x_upper"],
        stock_doubling=g["doubling_months"], stock_n=stock_trend.n,
        cluster_x=cg["x_per_year"], cluster_lower=cg["x_lower"], cluster_upper=cg["x_upper"],
        cluster_n=cluster_trend.n, cluster_start=np.floor(cluster_trend.start),
        cluster_end=np.floor(cluster_trend.end), cluster_top=frontier["h100e"].max(),
        bottom=bottom["median"], stock_year=stock_year, bottom_lower=bottom["lower"],
        bottom_upper=bottom["upper"],
        bound=_("more than ") if caict_target["bound"] == "lower" else "",
        caict_target=caict_target["median"], target_year=target_year,
        caict_document=caict_target["source"].split(": ")[-1],
        same_year=same_year, bottom_same=bottom_same,
        same_designers=_listed(sorted(at_same["designer"])), n_same=len(same),
        same_low=same.min(), same_high=same.max(), ratio_low=bottom_same / same.max(),
        ratio_high=bottom_same / same.min())
    return AIEvidence(stock=stock, stock_trend=stock_trend, operational=operational,
                      frontier=frontier, cluster_trend=cluster_trend, recent=recent, top=top,
                      top_trend=top_trend, trend_table=trend_table, bridge=bridge, level=level,
                      stock_year=stock_year, facts=facts)


# -- 6. vendor demand -------------------------------------------------------------------------

@dataclass(frozen=True)
class VendorEvidence:
    """Quarterly shipments by designer and NVIDIA's share of the AI accelerator stock.

    ``shipments``: H100e shipped per quarter by designer; ``ship_fits``: the growth families
    fitted to NVIDIA's complete quarters (:func:`forecast.compare`); ``ship_growth``:
    log-linear growth by designer in H100e and in units; ``share``:
    :func:`forecast.ai_stock.nvidia_share` (of the cumulative stock, observed only: its fall
    is mostly the late start of the other designers' series, so it is not extrapolated;
    notebook 00 forecasts NVIDIA's share of shipments); ``ship_share``: NVIDIA's share of
    each quarter's H100e shipments in the quarters where every designer is counted.
    """

    shipments: pd.DataFrame
    ship_fits: pd.DataFrame
    ship_growth: pd.DataFrame
    share: pd.DataFrame
    ship_share: pd.Series
    level: float
    facts: Mapping[str, object]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"nvidia_shipment_fits": self.ship_fits,
                "shipment_growth_by_designer": self.ship_growth}


def vendor_section(data_dir: DataDir = None, *, level: float = 0.9,
                   target_year: int = 2030) -> VendorEvidence:
    """Fit the growth families and log-linear trends to shipments; NVIDIA's share of the stock
    and of each quarter's shipments, observed (no share forecast: see notebook 00)."""
    shipments = ai_stock.shipments("H100e", data_dir=data_dir)
    nv_ship = shipments[(shipments["designer"] == "Nvidia") & (shipments["incomplete"] == "false")]
    y_ship = pd.Series(nv_ship["median"].to_numpy(float),
                       index=pd.PeriodIndex(nv_ship["quarter"], freq="Q"),
                       name="NVIDIA shipments (H100e)")
    ship_fits = compare(y_ship, list(SHIPMENT_MODELS), level=level)
    units = ai_stock.shipments("units", data_dir=data_dir)
    both = pd.concat([shipments, units], ignore_index=True)
    both = both[both["incomplete"] == "false"]
    ship_growth = trends.trend_table(
        {f"{d}, {m}": trends.loglinear(g["period_end"], g["median"], level=level)
         for (d, m), g in both.groupby(["designer", "measure"])})
    share = ai_stock.nvidia_share(data_dir=data_dir)
    complete = share[share["complete"]]
    # NVIDIA's share of each quarter's shipments once every designer is counted: the
    # quantity the cumulative-stock share is mistaken for (it falls as late series catch up)
    counted = shipments[shipments["incomplete"] == "false"]
    per_quarter = counted.pivot_table(index="quarter", columns="designer", values="median")
    per_quarter = per_quarter.dropna()
    ship_share = per_quarter["Nvidia"] / per_quarter.sum(axis=1)
    starts = shipments.groupby("designer")["quarter"].min().sort_values()
    s = complete["share"]
    facts = _facts(
        share_first=s.iloc[0], quarter_first=complete["quarter"].iloc[0], share_last=s.iloc[-1],
        quarter_last=complete["quarter"].iloc[-1], target_year=target_year, level=level,
        n_quarters=len(complete), ship_share_low=ship_share.min(),
        ship_share_high=ship_share.max(), ship_first=ship_share.index[0],
        ship_last=ship_share.index[-1],
        starts=_listed(f"{d} {q}" for d, q in starts.items()))
    return VendorEvidence(shipments=shipments, ship_fits=ship_fits, ship_growth=ship_growth,
                          share=share, ship_share=ship_share.rename("nvidia_share"),
                          level=level, facts=facts)


# -- 7. back to 2030 ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BackTo2030:
    """Constant-growth paths of the global total with bands from TOP500's past errors.

    ``history``: the published global total (FLOP/s, mixed precision); ``fans``: path label ->
    :func:`forecast.skill.calibrated_fan`; ``fan_table``: all fans stacked (column ``path``);
    ``published``: the published forecasts for ``target_year``; ``headline``: the rows of
    ``tables/headline_05_long_run_evidence.csv``.
    """

    history: pd.Series
    fans: Mapping[str, pd.DataFrame]
    fan_table: pd.DataFrame
    published: pd.DataFrame
    headline: pd.DataFrame
    target_year: int
    fan_level: float
    facts: Mapping[str, object]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"calibrated_fans": self.fan_table,
                "headline_05_long_run_evidence": self.headline}


def back_to_2030(quantiles: pd.DataFrame, data_dir: DataDir = None, *, target_year: int = 2030,
                 fan_level: float = 0.8) -> BackTo2030:
    """Band notebook 01's constant-growth paths to ``target_year`` with the past log errors
    ``quantiles`` (:attr:`SkillEvidence.quantiles`, which must hold ``fan_level``)."""
    gc, cf = load("global_compute", data_dir), load("compute_forecasts", data_dir)
    history = totals.total_series(gc)
    tension = totals.published_tension(gc, cf)
    rate = totals.projection_rate(gc)[0]
    projected = totals.projection_paths(history, rate, end_year=target_year, tension=tension)
    roles, paths = totals.path_roles(projected), totals.path_series(projected)
    fans = {label: skill.calibrated_fan(path, path.index[0], quantiles, fan_level)
            for label, path in paths.items()}
    published = totals.published_forecasts(cf)
    fan_table = pd.concat(fans, names=["path"]).reset_index(level=0).reset_index(drop=True)
    name = skill.level_name(fan_level)
    # the horizon of CAICT's own path: its base year to the target year (the next longer
    # evaluated horizon when that one was not scored)
    span = target_year - tension.base_year
    hs = quantiles["horizon"].to_numpy(float)
    nine = quantiles.set_index("horizon").loc[hs[hs >= span].min() if (hs >= span).any()
                                              else hs.max()]
    centred = skill.calibrated_fan(pd.Series({target_year: tension.target}), tension.base_year,
                                   quantiles, fan_level, centred=True).iloc[0]
    at_target = fan_table["year"] == target_year
    rows = fan_table[at_target].assign(
        target="global compute", scope="global", component="total", precision="mixed",
        # the model's name says which path, never its figures (a stable series in the history)
        model="constant growth + TOP500 error band: "
              + fan_table.loc[at_target, "path"].map(roles),
        unit="FLOP/s")
    lower, upper = nine[f"q_lower_{name}"], nine[f"q_upper_{name}"]
    facts = _facts(
        horizon=nine.name, n_errors=nine["n"], n_series=len(SERIES),
        spliced=answer.splice(history),
        pooled=_listed(_(v) for v in SERIES.values()), typical=np.exp(nine["median"]),
        factor_lower=np.exp(lower), factor_upper=np.exp(upper), fan_level=fan_level,
        target_year=target_year, caict=tension.target, caict_lower=tension.target * np.exp(lower),
        caict_upper=tension.target * np.exp(upper), centred_lower=centred["lower"],
        centred_upper=centred["upper"])
    return BackTo2030(history=history, fans=MappingProxyType(fans), fan_table=fan_table,
                      published=published[published["year"] == target_year],
                      headline=headline.table(rows[list(headline.COLUMNS)]),
                      target_year=target_year, fan_level=fan_level, facts=facts)
