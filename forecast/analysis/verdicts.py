"""Verdicts on published forecasts: their probability under our forecast, and the growth they need.

For every published forecast in ``data/compute_forecasts.csv`` whose scope is
one of ours (:func:`match_scope`), :func:`verdicts` computes

* ``probability``: the share of our simulated paths for that scope and year at
  or above the published value (for a point forecast, the chance of reaching
  it; for a lower bound "more than V", the chance the bound holds).  When no
  path reaches it, the share is 0 and the verdict gives the rule-of-three
  bound: with n independent paths, P < 3/n at 95% confidence (Hanley &
  Lippman-Hand 1983);
* ``implied_growth``: the yearly growth the value needs, from the publisher's
  own base year when it states one, else from our latest observation;
* ``measured_growth``: the constant growth our observed series shows over its
  own window;
* ``verdict``: one line computed from those numbers.

A value published as a multiple ("10x") without a base, or in a scope we do
not forecast, cannot be tested; :func:`verdicts` keeps the first (saying so)
and leaves out the second (:func:`match_scope` returns None).  Probabilities
are never added across scopes or precisions.

The verdict sentences are written in the current language (:mod:`forecast.i18n`); the
other columns (scope, bound, numbers) are the same in every language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import units
from forecast.errors import DataError
from forecast.i18n import gettext as _

#: published (scope, component, precision) -> our scope
SCOPE_MAP = {
    ("global", "total", "mixed"): "computing_index",
    ("global", "total", ""): "computing_index",
    ("global", "intelligent", "FP16"): "ai_accelerators",
}

#: the columns of published_verdicts.csv, in order
COLUMNS = ["publisher", "published", "scope", "year", "value", "bound", "implied_growth",
           "measured_growth", "probability", "verdict", "precision", "probability_bound",
           "n_paths", "base_year", "base_value", "edition"]


@dataclass(frozen=True)
class ScopeForecast:
    """What a verdict needs from one of our scopes.

    ``label`` (e.g. "the CAICT-style index (mixed precision)"), ``precision``,
    ``observed`` (FLOP/s by integer year, oldest first), ``paths`` (year ->
    simulated FLOP/s values, shape (n,)).
    """

    label: str
    precision: str
    observed: pd.Series
    paths: Mapping[int, np.ndarray]


def match_scope(row: Mapping) -> str | None:
    """Our scope for a published forecast row, or None when we forecast no such quantity."""
    precision = row.get("precision")
    precision = "" if pd.isna(precision) else str(precision)
    return SCOPE_MAP.get((str(row.get("scope")), str(row.get("component")), precision))


def probability(paths: np.ndarray, value: float) -> tuple[float, float, int]:
    """(share of paths >= value, a 95% bound, n paths).

    The bound is the rule of three when no path reaches the value (P < 3/n)
    or when every path does (P > 1 - 3/n); otherwise the Wilson 95% upper
    bound of the share is not needed and NaN is returned.
    """
    x = np.asarray(paths, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise DataError("no simulated paths to compute a probability from",
                        expected="at least one finite path value")
    k = int(np.count_nonzero(x >= value))
    n = int(x.size)
    if k == 0:
        return 0.0, 3.0 / n, n
    if k == n:
        return 1.0, 1.0 - 3.0 / n, n
    return k / n, math.nan, n


def _rate(a: float, b: float, years: float) -> float:
    return (b / a) ** (1.0 / years) - 1.0 if years > 0 and a > 0 and b > 0 else math.nan


def measured_growth(observed: pd.Series) -> tuple[float, int, int]:
    """Constant yearly growth of ``observed`` from its first to its last year, and the years."""
    s = observed.dropna().sort_index()
    if len(s) < 2:
        raise DataError("a measured growth needs two observed years", expected=">= 2 years",
                        value=list(s.index))
    first, last = int(s.index[0]), int(s.index[-1])
    return _rate(float(s.iloc[0]), float(s.iloc[-1]), last - first), first, last


def _level(row: Mapping, observed: pd.Series) -> tuple[float | None, bool]:
    """(the published level in FLOP/s or None, whether it comes from a stated growth rate).

    A forecast that states only a growth rate from a year we observed (CAICT
    2021: "50% a year 2020-2025") implies the level observed x (1 + rate)^years.
    A multiple ("10x") without a base has no level.
    """
    raw, unit = row.get("value"), str(row.get("unit"))
    if not pd.isna(raw) and unit != "x":
        return units.to_flops(f"{raw} {unit}"), False
    rate, start = row.get("stated_cagr"), row.get("cagr_from")
    if pd.isna(raw) and not pd.isna(rate) and not pd.isna(start) \
            and int(start) in observed.index:
        years = int(row["year"]) - int(start)
        return float(observed.loc[int(start)]) * (1.0 + float(rate)) ** years, True
    return None, False


def _chance(p: float, bound: float, n: int) -> str:
    if p == 0.0:
        return _("no path of {n:,} reaches it (P < {bound:.2g}, rule of three)").format(
            n=n, bound=bound)
    if p == 1.0:
        return _("every path of {n:,} reaches it (P > {bound:.4g}, rule of three)").format(
            n=n, bound=1 - 3 / n)
    # two decimals near the ends, so that 0.9998 never reads as a certain 100%
    return f"P = {p:.0%}" if 0.01 <= p <= 0.99 else f"P = {p:.2%}"


def _judgement(p: float, bound_kind: str) -> str:
    if bound_kind == "lower":
        return (_("the bound very likely holds") if p >= 0.9 else
                _("the bound more likely holds than not") if p >= 0.5 else
                _("the bound is doubtful") if p >= 0.1 else _("the bound very likely fails"))
    return (_("likely to be reached") if p >= 0.5 else _("plausible but less likely than not")
            if p >= 0.2 else _("a stretch") if p >= 0.05 else _("out of reach on the record"))


def _target(value_text: str, year: int, lower: bool) -> str:
    """``more than 20 ZFLOPS in 2030`` (a lower bound) or ``56 ZFLOPS in 2030``."""
    return (_("more than {value} in {year}") if lower else _("{value} in {year}")).format(
        value=value_text, year=year)


def verdict_line(*, publisher: str, value_text: str, year: int, bound: str, scope_label: str,
                 implied: float, base_text: str, measured: float, window: tuple[int, int],
                 p: float, p_bound: float, n: int) -> str:
    """One sentence: what the forecast needs, what was measured, its chance under our forecast."""
    lower = bound == "lower"
    need = ((_("needs more than {rate:.0%}/yr from {base}") if lower
             else _("needs {rate:.0%}/yr from {base}")).format(rate=implied, base=base_text)
            if np.isfinite(implied) else _("implies no growth we can compute"))
    return _("{publisher}: {target} ({scope}) {need}; measured {measured:.0%}/yr over "
             "{first}-{last}; {chance}: {judgement}.").format(
        publisher=publisher, target=_target(value_text, year, lower), scope=_(scope_label),
        need=need, measured=measured, first=window[0], last=window[1],
        chance=_chance(p, p_bound, n), judgement=_judgement(p, bound))


def verdicts(forecasts: pd.DataFrame, scopes: Mapping[str, ScopeForecast]) -> pd.DataFrame:
    """One verdict per published forecast whose scope we forecast (see the module docstring).

    ``forecasts``: ``forecast.data.load("compute_forecasts")``; ``scopes``:
    our scope name -> :class:`ScopeForecast`.  Rows of kind ``forecast`` only;
    rows whose scope has no entry in ``scopes`` are left out.  Returns the
    :data:`COLUMNS` (``value`` in the published unit's FLOP/s; growth as
    fractions per year; NaN where not testable).
    """
    out = []
    rows = forecasts[forecasts["kind"] == "forecast"]
    for _index, row in rows.iterrows():
        scope = match_scope(row)
        if scope is None or scope not in scopes:
            continue
        ours = scopes[scope]
        year = int(row["year"])
        bound = "point" if pd.isna(row.get("bound")) else str(row["bound"])
        base = {"publisher": row["publisher"], "published": str(row["published"]),
                "scope": scope, "year": year, "bound": bound, "precision": ours.precision,
                "edition": row.get("edition")}
        measured, first, last = measured_growth(ours.observed)
        raw = row.get("value")
        unit = str(row.get("unit"))
        value, from_rate = _level(row, ours.observed)
        if value is None:
            text = (_("{multiple:g}x by {year} is not testable (a multiple without a stated "
                      "base)").format(multiple=raw, year=year)
                    if unit == "x" and not pd.isna(raw) else _("not testable (no level published)"))
            out.append({**base, "value": math.nan, "implied_growth": math.nan,
                        "measured_growth": measured, "probability": math.nan,
                        "probability_bound": math.nan, "n_paths": 0,
                        "base_year": math.nan, "base_value": math.nan,
                        "verdict": _("{who}: {text}.").format(
                            who=f"{row['publisher']} ({row['published']})", text=text)})
            continue
        observed = ours.observed.dropna()
        if year not in ours.paths:
            who = f"{row['publisher']} ({row['published']})"
            target = _target(units.format_flops(value, 3), year, bound == "lower")
            if year in observed.index:
                # the outcome is known: the figure was reached or not, no simulation needed
                actual = float(observed.loc[year])
                held = actual >= value
                out.append({**base, "value": value, "implied_growth": math.nan,
                            "measured_growth": measured, "probability": float(held),
                            "probability_bound": math.nan, "n_paths": 0,
                            "base_year": year, "base_value": actual,
                            "verdict": _("{who}: {target} ({scope}); observed {actual}: "
                                         "{outcome}.").format(
                                who=who, target=target, scope=_(ours.label),
                                actual=units.format_flops(actual, 3),
                                outcome=_("reached") if held else _("missed"))})
            else:
                out.append({**base, "value": value, "implied_growth": math.nan,
                            "measured_growth": measured, "probability": math.nan,
                            "probability_bound": math.nan, "n_paths": 0,
                            "base_year": math.nan, "base_value": math.nan,
                            "verdict": _("{who}: {target} is not testable here: our forecast "
                                         "of {scope} covers {first}-{last}.").format(
                                who=who, target=target, scope=_(ours.label),
                                first=min(ours.paths), last=max(ours.paths))})
            continue
        stated = row.get("cagr_from") if from_rate else row.get("base_year")
        if not pd.isna(stated) and int(stated) in ours.observed.index:
            base_year = int(stated)
        else:
            base_year = int(ours.observed.dropna().index.max())
        base_value = float(ours.observed.loc[base_year])
        implied = _rate(base_value, value, year - base_year)
        p, p_bound, n = probability(ours.paths[year], value)
        shown = units.format_flops(value, 3)
        if from_rate:
            shown += _(" (the level its stated {rate:.0%}/yr implies)").format(
                rate=float(row["stated_cagr"]))
        line = verdict_line(publisher=f"{row['publisher']} ({row['published']})",
                            value_text=shown,
                            year=year, bound=bound, scope_label=ours.label, implied=implied,
                            base_text=_("{value} in {year}").format(
                                value=units.format_flops(base_value, 3), year=base_year),
                            measured=measured, window=(first, last), p=p, p_bound=p_bound, n=n)
        out.append({**base, "value": value, "implied_growth": implied,
                    "measured_growth": measured, "probability": p,
                    "probability_bound": p_bound, "n_paths": n, "base_year": base_year,
                    "base_value": base_value, "verdict": line})
    return pd.DataFrame(out, columns=COLUMNS)
