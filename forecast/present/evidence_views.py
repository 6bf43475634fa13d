"""Notebook 05's figures and tables as shown on the page: drawn, saved, captioned.

Presentation of :mod:`forecast.evidence` results: each ``*_figure`` draws with
:mod:`forecast.present.evidence_plots`, and returns :func:`forecast.present.figure` with
``save_as=<name>`` (the chart drawn once, written as ``figures/<name>.png`` and ``.svg``
under ``output_dir``, shown with its caption and the data behind it); each
``*_table`` returns a :func:`forecast.present.table` with the columns shown, their kinds and
the caption.  The captions describe what is drawn; the page's claims stay in the notebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.present import evidence_plots as plots_evidence
from forecast import present
from forecast.analysis import skill
from forecast.analysis import trends
from forecast.analysis.evidence import (CHINA_STOPPED, SERIES, AIEvidence, BackTo2030, SkillEvidence,
                               Top500Evidence, VendorEvidence)
from forecast.i18n import gettext as _

#: column kinds of every table on the page (kinds of absent columns are ignored)
_GROWTH = {"x_per_year": "multiple", "x_lower": "multiple", "x_upper": "multiple",
           "doubling_months": "number", "doubling_lower": "number", "doubling_upper": "number"}
_ERA_COLUMNS = ["n", "x_per_year", "x_lower", "x_upper", "doubling_months", "doubling_lower",
                "doubling_upper"]


def _shown(fig, name: str, output_dir, data, caption: str):
    return present.figure(fig, data=data, caption=caption, save_as=name, output_dir=output_dir)


def _years(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Decimal years shown with one decimal, as text (2012.9, not 2.01e3)."""
    return frame.assign(**{c: frame[c].map("{:.1f}".format) for c in columns})


def _growth_table(frame: pd.DataFrame, columns: list[str], caption: str):
    """Growth over dated spans: ``columns`` of ``frame`` in order, ``start``/``end`` decimal
    years with one decimal, growth factors as multiples, doubling times in months."""
    return present.table(_years(frame, "start", "end")[columns],
                         kinds={"start": "text", "end": "text", **_GROWTH}, caption=caption)


# -- TOP500 ---------------------------------------------------------------------------------

def eras_figure(top: Top500Evidence, output_dir=None):
    """Figure 05_top500_eras: the three TOP500 series with their segmented trends."""
    fig = plots_evidence.plot_eras(top.lists, dict(top.eras), labels=dict(SERIES))
    return _shown(fig, "05_top500_eras", output_dir, top.lists[["list", "t", *SERIES]], _(
        "TOP500 sum of Rmax, #1 and #500 per list (FP64, achieved), log scale, with segmented "
        "log-linear trends; dotted lines mark the estimated breaks."))


def eras_table(top: Top500Evidence):
    """Table 1: each era's growth a year and doubling time, with intervals."""
    return _growth_table(top.era_table, ["series", "era", "start", "end", *_ERA_COLUMNS],
                         _("Eras of TOP500 growth: growth factor a year and doubling time "
                           "(months) with {level:.0%} intervals given the break dates."
                           ).format(level=top.level))


def _p_value(p: float) -> str:
    """A p-value for a reader: ``0.032``, ``< 0.001`` (never ``1.1e-48``)."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def chow_table(top: Top500Evidence):
    """Table 2: the Chow test at each series' estimated break."""
    chow = top.chow
    shown = chow[["series", "at", "F", "df_num", "df_den", "p_value", "n_before", "n_after"]]
    return present.table(shown.assign(at=chow["at"].map("{:.1f}".format),
                                      p_value=chow["p_value"].map(_p_value)),
                         kinds={"at": "text", "F": "number", "p_value": "text"},
                         caption=_("Chow test of one line against two at the estimated break "
                                   "(descriptive)."))


def decades_table(top: Top500Evidence):
    """Growth of the sum of Rmax by window (decade)."""
    shown = top.decade_table[["window", "n", "x_per_year", "x_lower", "x_upper", "oom_per_year",
                              "doubling_months"]]
    return present.table(shown, kinds={**_GROWTH, "oom_per_year": "number"},
                         caption=_("Growth of the TOP500 sum of Rmax by window: x a year "
                                   "({level:.0%} interval), orders of magnitude a year, "
                                   "doubling time in months.").format(level=top.level))


def accelerated_figure(top: Top500Evidence, output_dir=None):
    """Figure 05_top500_accelerated: accelerated systems and their Rmax share."""
    fig = plots_evidence.plot_accelerated_share(top.lists)
    data = top.accelerated[["list", "accelerated_share", "accelerated_rmax_share"]]
    return _shown(fig, "05_top500_accelerated", output_dir, data,
                  _("Share of TOP500 systems with an accelerator, and their share of the "
                    "list's Rmax (the field exists from 2011-06)."))


def countries_figure(top: Top500Evidence, output_dir=None):
    """Figure 05_top500_countries: sum of Rmax of the United States and China."""
    fig = plots_evidence.plot_countries(top.countries, top.lists["t"], stopped=CHINA_STOPPED)
    return _shown(fig, "05_top500_countries", output_dir, top.countries.reset_index(), _(
        "Sum of Rmax of the United States' and China's TOP500 systems per list (FP64, achieved). "
        "Shaded: lists after China stopped submitting its largest systems."))


# -- skill ----------------------------------------------------------------------------------

def error_figure(sk: SkillEvidence, output_dir=None):
    """Figure 05_skill_error: mean absolute log error by horizon and model."""
    fig = plots_evidence.plot_skill(sk.scores, "male", ylabel=_("mean |log error|"),
                                    title=_("Forecast error by horizon (TOP500, every origin)"))
    return _shown(fig, "05_skill_error", output_dir, sk.scores, _(
        "Mean absolute log error of each model by horizon (years), per series; the naive "
        "constant-growth benchmark dashed. 0.69 means a factor of 2 off."))


def coverage_figure(sk: SkillEvidence, output_dir=None):
    """Figure 05_skill_coverage: empirical coverage of the stated 80% intervals."""
    fig = plots_evidence.plot_skill(sk.scores, "coverage_80",
                                    ylabel=_("share of actuals inside the 80% interval"),
                                    title=_("Stated 80% intervals: how often they held"))
    return _shown(fig, "05_skill_coverage", output_dir, sk.scores, _(
        "Empirical coverage of each model's 80% prediction interval by horizon; the dotted line "
        "is the stated 80%."))


def versus_table(sk: SkillEvidence):
    """Each model against cagr at 1, 5 and ``max_horizon`` years, on shared origins."""
    shown = sk.ranked[["series", "horizon", "model", "n_shared", "male", "male_benchmark",
                       "ratio", "win_share", "mape", "mape_benchmark"]]
    return present.table(shown, kinds={"male": "number", "male_benchmark": "number",
                                       "ratio": "multiple", "win_share": "rate"},
                         caption=_("Each model against constant growth on the origins where "
                                   "both fitted: mean absolute log error, their ratio (below 1 "
                                   "beats cagr), the share of origins where the model was "
                                   "closer, and MAPE."))


def skill_table(sk: SkillEvidence):
    """The skill table at 1, 5 and ``max_horizon`` years (an excerpt)."""
    scores = sk.scores
    shown = scores[scores["horizon"].isin([1, 5, sk.max_horizon])][
        ["series", "model", "horizon", "n", "failed", "mape", "mase", "bias",
         "median_log_error", "male", "coverage_80", "coverage_95"]].reset_index(drop=True)
    return present.table(shown, kinds={"bias": "number", "median_log_error": "number",
                                       "male": "number", "mase": "number"},
                         caption=_("The skill table (excerpt; every horizon is in "
                                   "tables/skill_top500.csv)."))


def quantiles_table(sk: SkillEvidence):
    """Past errors of cagr as factors actual / forecast, by horizon."""
    q, name = sk.quantiles, skill.level_name(sk.fan_level)
    shown = q.assign(low=np.exp(q[f"q_lower_{name}"]), high=np.exp(q[f"q_upper_{name}"]),
                     typical=np.exp(q["median"]))[["horizon", "n", "typical", "low", "high"]]
    return present.table(shown, kinds={"typical": "multiple", "low": "multiple",
                                       "high": "multiple"},
                         caption=_("Actual / constant-growth forecast of TOP500 by horizon: "
                                   "median and central {level:.0%} range of past errors."
                                   ).format(level=sk.fan_level))


def calibration_table(sk: SkillEvidence):
    """Stated against empirical coverage, model intervals and calibrated bands."""
    return present.table(sk.calibration[["series", "horizon", "stated", "n", "model_coverage",
                                         "n_calibrated", "calibrated_coverage"]],
                         caption=_("Stated vs empirical coverage: the model's own intervals, "
                                   "and error-calibrated bands built only from errors known at "
                                   "each origin."))


# -- AI compute -------------------------------------------------------------------------------

def stock_figure(ai: AIEvidence, output_dir=None):
    """Figure 05_ai_stock: cumulative H100e by designer with the 5-95% band."""
    fig = plots_evidence.plot_stock(ai.stock)
    return _shown(fig, "05_ai_stock", output_dir, ai.stock, _(
        "Cumulative AI accelerators shipped by designer (Epoch AI, H100e, median and 5-95% "
        "band), log scale."))


def clusters_figure(ai: AIEvidence, output_dir=None):
    """Figure 05_cluster_frontier: clusters in operation and the record-setters."""
    frontier = ai.frontier
    fig = plots_evidence.plot_events(
        trends.decimal_year(ai.operational["date"]), ai.operational["h100e"],
        trend=ai.cluster_trend,
        ylabel=_("cluster size (H100e)"),
        frontier=(trends.decimal_year(frontier["date"]), frontier["h100e"]),
        title=_("GPU clusters: the frontier of size (Epoch AI)"))
    return _shown(fig, "05_cluster_frontier", output_dir,
                  frontier[["name", "owner", "date", "h100e"]], _(
                      "Operational GPU clusters by first operational date (grey) and the "
                      "record-setters (frontier), with a log-linear trend on the frontier."))


def models_figure(ai: AIEvidence, output_dir=None):
    """Figure 05_model_compute: training FLOP of notable models, top 10 a year."""
    recent, top = ai.recent, ai.top
    fig = plots_evidence.plot_events(
        trends.decimal_year(recent["publication_date"]), recent["training_compute_flop"],
        trend=ai.top_trend,
        frontier=(trends.decimal_year(top["publication_date"]), top["training_compute_flop"]),
        ylabel=_("training compute (FLOP)"),
        title=_("Training compute of notable AI models (Epoch AI)"))
    data = top[["model", "organization", "publication_date", "training_compute_flop"]]
    return _shown(fig, "05_model_compute", output_dir, data, _(
        "Training compute of notable models since 2010 (grey), the 10 largest of each year, and "
        "their log-linear trend."))


def trends_table(ai: AIEvidence):
    """The four log-linear trends on Epoch AI's data."""
    return _growth_table(ai.trend_table, ["trend", "n", "start", "end", *_ERA_COLUMNS[1:]],
                         _("Log-linear trends on dated events, as Epoch AI fits them "
                           "({level:.0%} intervals).").format(level=ai.level))


def bridge_table(ai: AIEvidence):
    """The bottom-up AI stock beside every global top-down figure."""
    shown = ai.bridge[["source", "what", "year", "kind", "precision", "median", "lower", "upper",
                       "bound", "comparable", "ratio"]]
    return present.table(shown, kinds={"median": "flops", "lower": "flops", "upper": "flops",
                                       "ratio": "multiple"},
                         caption=_("Bottom-up AI stock at the end of {year} (FP16 dense "
                                   "peak) beside every global top-down figure; ratio = bottom-up "
                                   "/ figure, only for FP16 figures of {year} (a ratio across "
                                   "years or precisions is left blank).").format(
                                       year=ai.stock_year))


# -- vendor demand ------------------------------------------------------------------------------

def shipment_fits_table(vendor: VendorEvidence):
    """The growth families fitted to NVIDIA's quarterly shipments."""
    return present.table(vendor.ship_fits[["model", "status", "reason", "n_obs", "params", "rmse",
                                           "mape"]],
                         kinds={"rmse": "number"},
                         caption=_("Growth families fitted to NVIDIA's quarterly shipments "
                                   "(H100e a quarter; growth rates per year, the index is "
                                   "quarterly)."))


def shipments_figure(vendor: VendorEvidence, output_dir=None):
    """Figure 05_shipments: H100e shipped per quarter by designer."""
    shipments = vendor.shipments
    fig = plots_evidence.plot_stock(shipments[shipments["incomplete"] == "false"],
                                    ylabel=_("shipped in the quarter (H100e)"), title=_(
        "AI accelerators shipped per quarter by designer (Epoch AI, H100e)"))
    return _shown(fig, "05_shipments", output_dir, shipments, _(
        "Quarterly shipments by designer in H100e: differences of Epoch's cumulative medians, "
        "with the sums of the chips' 5th and 95th percentiles as the band (exact only if the "
        "chips' errors were perfectly correlated)."))


def shipment_growth_table(vendor: VendorEvidence):
    """Log-linear growth of shipments by designer, in H100e and units."""
    shown = vendor.ship_growth[["trend", "n", "x_per_year", "x_lower", "x_upper",
                                "doubling_months"]]
    return present.table(shown, kinds=_GROWTH,
                         caption=_("Growth of quarterly shipments by designer, in H100e and in "
                                   "units (log-linear, {level:.0%} intervals; 8 to 16 "
                                   "quarters). H100e grow faster than units because each "
                                   "generation is faster.").format(level=vendor.level))


def share_figure(vendor: VendorEvidence, output_dir=None):
    """Figure 05_nvidia_share: NVIDIA's share of the cumulative stock, observed only."""
    fig = plots_evidence.plot_share(vendor.share)
    return _shown(fig, "05_nvidia_share", output_dir, vendor.share, _(
        "NVIDIA's share of the designers' cumulative H100e stock, observed (band: extreme "
        "combinations of the 90% intervals). Not a forecast: the share of a cumulative count "
        "falls while later series start from zero; NVIDIA's share of shipments, with its "
        "forecast, is in notebook 00."))


# -- back to 2030 ---------------------------------------------------------------------------------

def _band_words(back: BackTo2030, page_level: float | None) -> str:
    """``80% bands`` and, when the page's other intervals have another level, which."""
    if page_level is not None and not np.isclose(page_level, back.fan_level):
        return _("{fan:.0%} bands (not the {page:.0%} of the trend intervals above)").format(
            fan=back.fan_level, page=page_level)
    return _("{fan:.0%} bands").format(fan=back.fan_level)


def fans_figure(back: BackTo2030, output_dir=None, page_level: float | None = None):
    """Figure 05_calibrated_fans: the 2030 paths with error-calibrated bands."""
    fig = plots_evidence.plot_calibrated_fans(back.history, dict(back.fans),
                                              published=back.published)
    return _shown(fig, "05_calibrated_fans", output_dir, back.fan_table, _(
        "Published global totals (mixed precision; one series spliced from {spliced}), "
        "constant-growth paths to {year} and {bands} from the past errors of constant-growth "
        "forecasts pooled over the TOP500 {pooled}.").format(
            spliced=back.facts["spliced"], year=back.target_year,
            bands=_band_words(back, page_level), pooled=back.facts["pooled"]))


def fans_table(back: BackTo2030, page_level: float | None = None):
    """Each path in the target year with its band, the horizon and the errors it comes from."""
    fans = back.fan_table
    shown = fans[fans["year"] == back.target_year][["path", "year", "horizon", "projection",
                                                    "median", "lower", "upper", "n_errors"]]
    return present.table(shown, kinds={"projection": "flops", "median": "flops",
                                       "lower": "flops", "upper": "flops"},
                         caption=_("Each path in {year} with its error-calibrated {bands}: "
                                   "n_errors past errors at that horizon, pooled over the "
                                   "TOP500 {pooled} ({n} series).").format(
                                       year=back.target_year, bands=_band_words(back, page_level),
                                       pooled=back.facts["pooled"], n=back.facts["n_series"]))

