"""Notebook 07's tables and figure: the answers, their methods, their track record, the verdicts.

Presentation of :class:`forecast.analysis.answer.Answer`: each ``*_table``
returns a :func:`forecast.present.table` with its caption; the coverage figure
is drawn once, saved as ``figures/07_calibration_coverage.png``/``.svg`` and
shown with the data behind it.  Every caption names scope, precision, year and
band level; nothing here adds figures across scopes.

Captions and chart texts are translated where they are made (:mod:`forecast.i18n`); scope
labels are translated as values, their English stays in the tables written to CSV.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import present
from forecast.analysis.answer import LEVEL, SCOPES, Answer
from forecast.i18n import gettext as _
from forecast.present.style import STYLE, flops_axis, legend_outside

_BAND = {"p5": "flops", "p50": "flops", "p95": "flops", "base_value": "flops"}


def answers_table(answer: Answer):
    """The combined answer of every scope and year (one row each)."""
    rows = answer.forecast[answer.forecast["method"] == "combined"]
    shown = rows.assign(quantity=rows["scope"].map(lambda s: _(SCOPES[s].label)))
    return present.table(
        shown[["quantity", "precision", "year", "p5", "p50", "p95", "base_year", "base_value",
               "unit"]],
        kinds={**_BAND, "quantity": "text", "precision": "text"},
        labels={"base_value": _("latest observation (FLOP/s)"), "base_year": _("observed in")},
        caption=_("One answer per question: {level:.0%} bands (p5-p95) of each scope's combined "
                  "forecast. The scopes are different quantities at different precisions and "
                  "are never added.").format(level=LEVEL))


def methods_table(answer: Answer, scope: str, year: int = 2030):
    """Every method of one top-down scope in ``year``: its weight and calibrated band."""
    rows = answer.forecast[(answer.forecast["scope"] == scope)
                           & (answer.forecast["year"] == year)]
    return present.table(
        rows[["method", "label", "weight", "p5", "p50", "p95", "note", "unit"]],
        kinds={**_BAND, "weight": "rate", "label": "text", "note": "text"},
        caption=_("{label} ({precision}), {year}: each method's calibrated {level:.0%} band "
                  "(p5-p95) from the latest observation, its weight in the combination, and why "
                  "a method has none.").format(label=_(SCOPES[scope].label),
                                               precision=_(SCOPES[scope].precision), year=year,
                                               level=LEVEL))


def coverage_table(answer: Answer, horizons=(1, 4, 7, 12), level: float = LEVEL):
    """Real-time coverage of the calibrated bands at a few horizons."""
    cov = answer.coverage
    rows = cov[cov["horizon"].isin(list(horizons)) & np.isclose(cov["level"], level)]
    return present.table(
        rows[["method", "horizon", "nominal", "coverage", "ci_low", "ci_high", "n_origins",
              "n_forecasts"]],
        kinds={"nominal": "rate", "coverage": "rate", "ci_low": "rate", "ci_high": "rate",
               "horizon": "int"},
        caption=_("Track record of the calibration itself: share of outcomes inside the "
                  "{level:.0%} band made, at each origin, only from errors observable then "
                  "(pooled over {n} long series), with a 95% interval that counts overlapping "
                  "forecasts once.").format(level=level, n=len(answer.calibration.series)))


def weights_table(answer: Answer):
    """Each top-down scope's weights and the real-time score of the combination vs equal weights."""
    frames = []
    for name, scope in answer.scopes.items():
        if scope.evaluation.empty:
            continue
        ev = scope.evaluation.set_index("combination")["crps"]
        frames.append(pd.DataFrame({
            "scope": name, "method": scope.weights.index, "weight": scope.weights.to_numpy(),
            "crps_track_record": ev["track record"], "crps_equal": ev["equal"]}))
    return present.table(
        pd.concat(frames, ignore_index=True),
        kinds={"weight": "rate", "crps_track_record": "number", "crps_equal": "number"},
        labels={"crps_track_record": _("CRPS, track-record weights (ln)"),
                "crps_equal": _("CRPS, equal weights (ln)")},
        caption=_("Weights from each method's out-of-sample CRPS (lower score, more weight), and "
                  "the mean CRPS of the combination with those weights and with equal weights, "
                  "both scored in real time on the long series."))


def verdicts_table(answer: Answer):
    """The verdicts on the published forecasts."""
    v = answer.verdicts
    return present.table(
        v[["publisher", "published", "scope", "precision", "year", "bound", "value",
           "implied_growth", "measured_growth", "probability", "verdict"]],
        kinds={"value": "flops", "implied_growth": "rate", "measured_growth": "rate",
               "probability": "rate", "verdict": "text", "published": "text", "bound": "text"},
        caption=_("Published forecasts in one of our scopes: the growth each needs, the growth "
                  "measured, and its probability under our forecast for the same scope and year "
                  "(for a lower bound, the probability that it holds)."))


def coverage_figure(answer: Answer, output_dir=None, level: float = LEVEL, ax=None):
    """Figure 07_calibration_coverage: real-time coverage by horizon and method, with intervals."""
    import matplotlib.pyplot as plt

    cov = answer.coverage
    rows = cov[np.isclose(cov["level"], level)].dropna(subset=["coverage"])
    plt.rcParams.update({"font.size": STYLE["font_size"]})
    if ax is None:
        fig, ax = plt.subplots(figsize=STYLE["figsize"], dpi=STYLE["dpi"])
    fig = ax.figure
    methods = list(dict.fromkeys(rows["method"]))
    for i, name in enumerate(methods):
        part = rows[rows["method"] == name]
        x = part["horizon"].to_numpy(float) + (i - (len(methods) - 1) / 2) * 0.12
        y = part["coverage"].to_numpy(float)
        err = np.vstack([y - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - y])
        ax.errorbar(x, y, yerr=err, fmt="o-", ms=STYLE["marker_size"] - 1, lw=1, capsize=2,
                    color=STYLE["colors"][i % len(STYLE["colors"])], label=name)
    ax.axhline(level, color="black", lw=0.8, ls="--",
               label=_("nominal {level:.0%}").format(level=level))
    ax.set_xlabel(_("horizon (years)"))
    ax.set_ylabel(_("share of outcomes inside the {level:.0%} band").format(level=level))
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=STYLE["grid_alpha"])
    legend_outside(ax)
    fig.tight_layout()
    return present.figure(
        fig, data=rows, save_as="07_calibration_coverage", output_dir=output_dir,
        caption=_("Real-time coverage of each method's calibrated {level:.0%} band by horizon, "
                  "pooled over the long series, with 95% intervals; the dashed line is the "
                  "nominal level. A method whose interval lies below it gets no weight.").format(
            level=level))


def methods_figure(answer: Answer, scope: str = "computing_index", year: int = 2030,
                   output_dir=None, ax=None):
    """Figure 07_methods_<scope>: each method's calibrated band and the combined one in ``year``,
    with the published figures for that scope and year (lower bounds drawn as such)."""
    import matplotlib.pyplot as plt

    rows = answer.forecast[(answer.forecast["scope"] == scope)
                           & (answer.forecast["year"] == year)].reset_index(drop=True)
    plt.rcParams.update({"font.size": STYLE["font_size"]})
    if ax is None:
        fig, ax = plt.subplots(figsize=STYLE["figsize"], dpi=STYLE["dpi"])
    fig = ax.figure
    y = np.arange(len(rows))[::-1]
    for i, row in rows.iterrows():
        used = row["method"] == "combined" or row["weight"] > 0
        color = STYLE["colors"][0 if row["method"] == "combined" else 1 if used else 6]
        ax.plot([row["p5"], row["p95"]], [y[i], y[i]], color=color, lw=4 if used else 2,
                alpha=1 if used else 0.5, solid_capstyle="butt")
        ax.plot(row["p50"], y[i], "o", color="white", mec=color, ms=STYLE["marker_size"])
    published = answer.verdicts[(answer.verdicts["scope"] == scope)
                                & (answer.verdicts["year"] == year)].dropna(subset=["value"])
    for k, (_index, v) in enumerate(published.iterrows()):
        lower = v["bound"] == "lower"
        ax.axvline(v["value"], color=STYLE["colors"][3 + k % 3], ls=":" if lower else "--",
                   lw=1, label=(_("{publisher} {year}: more than {value}") if lower else
                                _("{publisher} {year}: {value}")).format(
                       publisher=v["publisher"].split(" (")[0], year=v["published"][:4],
                       value=present.format_value(v["value"], "flops")))
    labels = [f"{m} ({w:.0%})" if m != "combined" else _("combined")
              for m, w in zip(rows["method"], rows["weight"])]
    ax.set_yticks(y, labels)
    flops_axis(ax, which="x")
    ax.set_xlabel(_("{label}, {year}").format(label=_(SCOPES[scope].label), year=year))
    legend_outside(ax, "below", ncol=1)
    fig.tight_layout()
    return present.figure(
        fig, data=rows[["method", "weight", "p5", "p50", "p95", "unit"]],
        save_as=f"07_methods_{scope}", output_dir=output_dir,
        caption=_("{label} ({precision}) in {year}: each method's calibrated {level:.0%} band "
                  "(p5 to p95, dot: median; grey: no weight) and the combined band, with the "
                  "published figures for that year (dotted: lower bounds). Log scale.").format(
            label=_(SCOPES[scope].label), precision=_(SCOPES[scope].precision), year=year,
            level=LEVEL))
