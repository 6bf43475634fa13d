"""The answers at the top of ``outputs/index.html``: key figures computed from the run's tables.

Each key figure is read from a CSV file the notebooks wrote into
``<outputs>/tables/`` and links to the page that derives it.  Reading is
forgiving on purpose: a missing table, a missing column or an unreadable
number makes that one figure say "not yet computed" (with the reason), never
breaks the index.  Only the standard library is used, so writing the index
after a run with nothing to do stays fast.

The answers come first; every figure states its scope, precision, year and
band level, and a ratio is only taken between figures of the same year and
scope.

Every sentence and label is looked up in the catalog of the current language when it is made
(:mod:`forecast.i18n`; the index computes and renders the key figures inside
``i18n.use(lang)``); the numbers are formatted the same way in every language, and the
``"; "`` that separates the lines of an answer is kept.

=========================  ==========================================  ===================
key figure                 table (in ``tables/``)                       page
=========================  ==========================================  ===================
AI accelerators 2030       ``ai_compute_forecast.csv``                  00 answer
NVIDIA's 2030 share        ``nvidia_share_forecast.csv``                00 answer
CAICT-style index 2030     ``forecast_2030.csv``                        07 answers
verdict on 56 ZFLOPS       ``published_verdicts.csv``                   07 answers
track record               ``hindcast.csv``, ``calibration_coverage``   00 answer, 07
2030 what-ifs              ``scenarios_comparison.csv`` (or each        03 scenarios
                           scenario's ``scenarios_headline.csv``)
model range                ``headline_01_global_compute.csv``           01 global compute
bottom-up vs top-down      ``ai_stock_vs_top_down.csv`` (Epoch AI       05 long-run evidence
                           chips), else ``gpu_bottom_up_vs_top_down.csv``  (02 GPU demand)
=========================  ==========================================  ===================
"""

from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

from forecast.i18n import N_
from forecast.i18n import gettext as _
from forecast.present import format_flops_sig, format_sig

#: the year the key figures answer for
YEAR = 2030
#: the notebook page that derives each table (stem of ``html/<stem>.html``)
PAGES = {
    "ai_compute_forecast.csv": "00_answer",
    "nvidia_share_forecast.csv": "00_answer",
    "hindcast.csv": "00_answer",
    "forecast_2030.csv": "07_answers",
    "published_verdicts.csv": "07_answers",
    "calibration_coverage.csv": "07_answers",
    "scenarios_comparison.csv": "03_scenarios",
    "scenarios_headline.csv": "03_scenarios",
    "scenarios_thresholds.csv": "03_scenarios",
    "headline_01_global_compute.csv": "01_global_compute",
    "gpu_bottom_up_vs_top_down.csv": "02_gpu_demand",
    "ai_stock_vs_top_down.csv": "05_long_run_evidence",
    "skill_top500.csv": "05_long_run_evidence",
}
NOT_YET = N_("not yet computed")


@dataclass(frozen=True)
class KeyFigure:
    """One answer: ``question``, ``answer`` (HTML-safe text or None when missing),
    ``detail`` (text), ``table`` (file it came from), ``page`` (notebook stem)."""

    key: str
    question: str
    answer: str | None
    detail: str
    table: str
    page: str


def _rows(path: Path) -> list[dict]:
    """The rows of a CSV file as dicts ([] when missing or unreadable)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _num(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _year(text) -> int | None:
    value = _num(text)
    return int(value) if value is not None and value == int(value) else None


def _range(low: float, high: float) -> str:
    """``5.04 to 12.2 ZFLOPS`` (one unit when both ends share it)."""
    a, b = format_flops_sig(low), format_flops_sig(high)
    unit_a, unit_b = a.split(" ", 1)[1], b.split(" ", 1)[1]
    return _("{low} to {high}").format(low=a.split(" ")[0] if unit_a == unit_b else a, high=b)


def _precision_words(precision: str) -> str:
    return _("mixed-precision sum") if precision == "mixed" else f"{precision} FLOP/s"


def _band(p5: float, p50: float, p95: float) -> str:
    """``1.44 YFLOPS (354 ZFLOPS to 7.08 YFLOPS)``."""
    return _("{median} ({range})").format(median=format_flops_sig(p50), range=_range(p5, p95))


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _needs(*sources: str) -> str:
    """``Needs tables/<file>`` (the reason a figure is missing)."""
    return (_("Needs tables/{source}").format(source=sources[0]) if len(sources) == 1 else
            _("Needs tables/{source} and tables/{other}").format(source=sources[0],
                                                                 other=sources[1]))


def ai_compute(tables: Path) -> KeyFigure:
    """Installed AI accelerator compute at the end of 2030: dense FP16, the 90% band."""
    source = "ai_compute_forecast.csv"
    question = _("Installed AI accelerator compute at the end of {year} (dense FP16 peak, "
                 "median and 90% band)").format(year=YEAR)
    stock = {}
    for r in _rows(tables / source):
        if (r.get("designer") == "all" and r.get("measure") == "stock"
                and r.get("precision") == "FP16" and _year(r.get("year")) is not None):
            values = tuple(_num(r.get(k)) for k in ("p5", "p50", "p95"))
            if None not in values:
                stock[_year(r["year"])] = (values, r.get("kind"))
    if YEAR not in stock:
        return KeyFigure("ai_compute", question, None, _needs(source), source, PAGES[source])
    answer = _("{band} of dense FP16 peak at the end of {year}").format(
        band=_band(*stock[YEAR][0]), year=YEAR)
    seen = [y for y, (_, kind) in stock.items() if kind == "observed"]
    if seen:
        last = max(seen)
        answer += "; " + _("{value} at the end of {year} (observed)").format(
            value=format_flops_sig(stock[last][0][1]), year=last)
    detail = _("Scope: AI accelerators installed (NVIDIA, Google TPU, AMD, Amazon Trainium as "
               "counted by Epoch AI), FP16, never added to other precisions; bottom-up "
               "stock-flow model, 5th-95th percentiles of the simulated paths.")
    return KeyFigure("ai_compute", question, answer, detail, source, PAGES[source])


def nvidia_share(tables: Path) -> KeyFigure:
    """NVIDIA's share of the AI accelerators shipped in 2030 (FP16 FLOP/s and H100e), 90% band."""
    source = "nvidia_share_forecast.csv"
    question = _("NVIDIA's share of {year} AI accelerator shipments (median and 90% "
                 "band)").format(year=YEAR)
    found = {}
    for r in _rows(tables / source):
        values = tuple(_num(r.get(k)) for k in ("p5", "p50", "p95"))
        if _year(r.get("year")) == YEAR and None not in values:
            found[r.get("basis")] = values
    words = {"shipments_flops": N_("of the dense FP16 FLOP/s shipped"),
             "shipments_h100e": N_("of the H100-equivalents shipped")}
    parts = [_("{median} ({low} to {high}) {what} in {year}").format(
        median=_pct(found[b][1]), low=_pct(found[b][0]), high=_pct(found[b][2]),
        what=_(words[b]), year=YEAR) for b in words if b in found]
    if not parts:
        return KeyFigure("nvidia_share", question, None, _needs(source), source, PAGES[source])
    detail = _("Scope: the counted designers' shipments in the year (FP16 for FLOP/s); "
               "shares of the designers sum to one on every simulated path.")
    return KeyFigure("nvidia_share", question, "; ".join(parts), detail, source, PAGES[source])


def index_answer(tables: Path) -> KeyFigure:
    """The CAICT-style index in 2030: the combined, calibrated 90% band of notebook 07."""
    source = "forecast_2030.csv"
    question = _("The CAICT-style computing-devices index in {year} (mixed precision, an "
                 "index; combined, calibrated 90% band)").format(year=YEAR)
    rows = [r for r in _rows(tables / source)
            if r.get("scope") == "computing_index" and _year(r.get("year")) == YEAR]
    combined = next((r for r in rows if r.get("method") == "combined"), None)
    values = tuple(_num(combined.get(k)) for k in ("p5", "p50", "p95")) if combined else (None,)
    if None in values:
        return KeyFigure("index", question, None, _needs(source), source, PAGES[source])
    answer = _("{band} in {year}").format(band=_band(*values), year=YEAR)
    base, base_year = _num(combined.get("base_value")), _year(combined.get("base_year"))
    if base is not None and base_year is not None:
        answer += "; " + _("top down from {value} in {year}").format(
            value=format_flops_sig(base), year=base_year)
    weights = [(r.get("method", "?"), _num(r.get("weight"))) for r in rows
               if r.get("method") != "combined" and (_num(r.get("weight")) or 0) > 0]
    detail = _("An index that adds FP32, FP16 and FP64 FLOP/s (not one physical quantity); "
               "methods weighted by their out-of-sample score: {weights}; bands from their "
               "errors on long compute series.").format(
        weights=", ".join(f"{m} {_pct(w)}" for m, w in weights))
    return KeyFigure("index", question, answer, detail, source, PAGES[source])


def verdict_56(tables: Path) -> KeyFigure:
    """The computed verdict on CAICT's 56 ZFLOPS for 2030 (the index scope)."""
    source = "published_verdicts.csv"
    question = _("Verdict on CAICT's 56 ZFLOPS for {year} (the CAICT-style index, mixed "
                 "precision)").format(year=YEAR)
    row = next((r for r in _rows(tables / source)
                if r.get("scope") == "computing_index" and _year(r.get("year")) == YEAR
                and _num(r.get("value")) is not None
                and abs(_num(r["value"]) - 5.6e22) <= 1e-6 * 5.6e22), None)
    if row is None or not row.get("verdict"):
        return KeyFigure("verdict_56", question, None, _needs(source), source, PAGES[source])
    detail = _("Probability: share of the index's simulated paths at or above 56 ZFLOPS in "
               "{year}; growth needed from the publisher's own base, measured on the "
               "index.").format(year=YEAR)
    # one line on the index (render() starts a new line at each "; ")
    return KeyFigure("verdict_56", question, row["verdict"].replace("; ", ", "), detail, source,
                     PAGES[source])


def track_record(tables: Path) -> KeyFigure:
    """How the forecasts would have done: hindcasts of the AI stock and the calibration's coverage."""
    source = "hindcast.csv"
    question = _("Track record: how often the 90% bands held")
    parts = []
    hits = [r.get("inside_90") for r in _rows(tables / source)
            if r.get("target") == "stock:all" and r.get("inside_90") in ("True", "False")]
    if hits:
        parts.append(_("AI accelerator stock (FP16), replayed from past year-ends: {hits} of "
                       "{n} outcomes inside the 90% band").format(hits=hits.count("True"),
                                                                  n=len(hits)))
    used = {r.get("method") for r in _rows(tables / "forecast_2030.csv")
            if r.get("scope") == "computing_index" and (_num(r.get("weight")) or 0) > 0
            and r.get("method") != "combined"}
    horizon = next((_year(r.get("horizon")) for r in _rows(tables / "forecast_2030.csv")
                    if r.get("scope") == "computing_index" and _year(r.get("year")) == YEAR),
                   None)
    coverage = _rows(tables / "calibration_coverage.csv")
    combined = next((r for r in coverage if r.get("method") == "combined:computing_index"
                     and _year(r.get("horizon")) == horizon and _num(r.get("level")) == 0.9
                     and _num(r.get("coverage")) is not None), None)
    cover = [(_num(r.get("coverage")), _year(r.get("n_origins"))) for r in coverage
             if r.get("method") in used and _year(r.get("horizon")) == horizon
             and _num(r.get("level")) == 0.9 and _num(r.get("coverage")) is not None]
    if combined is not None:
        parts.append(_("the index's combined 90% band, replayed on long series, held {share} "
                       "of outcomes {h} years ahead ({n} origins)").format(
            share=_pct(_num(combined["coverage"])), h=horizon,
            n=_year(combined.get("n_origins"))))
    elif cover:
        low, high = min(c for c, _ in cover), max(c for c, _ in cover)
        span = _pct(low) if low == high else _("{low} to {high}").format(low=_pct(low),
                                                                          high=_pct(high))
        parts.append(_("the index methods' calibrated 90% bands held {span} of outcomes {h} "
                       "years ahead, in real time on long series (at least {n} "
                       "origins)").format(span=span, h=horizon,
                                          n=min(n for _c, n in cover)))
    if not parts:
        return KeyFigure("track_record", question, None,
                         _needs(source, "calibration_coverage.csv"), source, PAGES[source])
    detail = _("Hindcasts: the bottom-up model run as of past year-ends, scored on the latest "
               "counts; calibration: bands made only from errors observable at each origin.")
    return KeyFigure("track_record", question, "; ".join(parts), detail, source, PAGES[source])


def scenarios_2030(tables: Path, scenario_dirs: dict[str, Path] | None = None) -> KeyFigure:
    """The CAICT-style index in 2030 by scenario (what-ifs), median with p5-p95."""
    source = "scenarios_comparison.csv"
    rows = _rows(tables / source)
    if not rows and scenario_dirs:
        source = "scenarios_headline.csv"
        rows = [r for d in scenario_dirs.values() for r in _rows(d / "tables" / source)]
    found = {}
    for r in rows:
        if r.get("component") == "total" and _year(r.get("year")) == YEAR:
            p5, p50, p95 = (_num(r.get(k)) for k in ("p5", "p50", "p95"))
            if None not in (p5, p50, p95) and r.get("scenario"):
                found[r["scenario"]] = (p50, p5, p95, r.get("precision", ""))
    question = _("Scenario assumptions (what-ifs): the CAICT-style index in {year} by scenario "
                 "(median and 90% band)").format(year=YEAR)
    if not found:
        return KeyFigure("scenarios", question, None, _needs(source), source, PAGES[source])
    order = sorted(found, key=lambda n: found[n][0])
    answer = "; ".join(_("{scenario}: {band}").format(
        scenario=_(n), band=_band(found[n][1], found[n][0], found[n][2])) for n in order)
    precision = found[order[0]][3]
    detail = _("CAICT-style index ({precision}); Monte Carlo over growth ranges a user sets in "
               "each scenario file: assumptions, not an estimate (the evidence-based answer is "
               "the index figure above).").format(precision=_precision_words(precision))
    return KeyFigure("scenarios", question, answer, detail, source, PAGES[source])


def model_range(tables: Path) -> KeyFigure:
    """The spread of the growth models' 2030 medians for global total compute."""
    source = "headline_01_global_compute.csv"
    question = _("What the growth models say for the CAICT-style index in {year} (medians, "
                 "mixed precision)").format(year=YEAR)
    found = []
    for r in _rows(tables / source):
        median = _num(r.get("median", r.get("mean")))
        if (r.get("scope") == "global" and r.get("component") == "total"
                and _year(r.get("year")) == YEAR and median is not None and r.get("unit") == "FLOP/s"):
            found.append((median, r.get("model", "?"), r.get("precision", "")))
    if not found:
        return KeyFigure("models", question, None, _needs(source), source, PAGES[source])
    found.sort(key=lambda f: f[0])  # stable: tied models keep the table order
    # models whose medians are identical (CAGR and ARIMA(0,1,0) with drift on four points)
    # are one forecast, not two: count distinct medians and say which coincide
    groups: list[list] = []
    for median, model, precision in found:
        if groups and abs(median - groups[-1][0][0]) <= 1e-9 * abs(median):
            groups[-1].append((median, model, precision))
        else:
            groups.append([(median, model, precision)])
    names = [" = ".join(m for _, m, _ in g) for g in groups]
    low, high = groups[0][0], groups[-1][0]
    lowest = _("{value} ({models})").format(value=format_flops_sig(low[0]), models=names[0])
    answer = (_("{low} to {high}").format(low=lowest, high=_("{value} ({models})").format(
        value=format_flops_sig(high[0]), models=names[-1])) if len(groups) > 1 else lowest)
    same = [n for n in names if " = " in n]
    detail = _("{medians} from {models} fitted to the published global totals "
               "({precision}){same}.").format(
        medians=(_("{n} distinct median") if len(groups) == 1
                 else _("{n} distinct medians")).format(n=len(groups)),
        models=(_("{n} model") if len(found) == 1 else _("{n} models")).format(n=len(found)),
        precision=_precision_words(low[2]),
        same=_("; {models} give the same forecast").format(models=", ".join(same)) if same
        else "")
    return KeyFigure("models", question, answer, detail, source, PAGES[source])


def _observed_stock(tables: Path) -> dict[int, float]:
    """Year -> median installed AI accelerator stock (FP16), observed years of notebook 00."""
    out = {}
    for r in _rows(tables / "ai_compute_forecast.csv"):
        if (r.get("designer") == "all" and r.get("measure") == "stock" and r.get("kind") ==
                "observed" and r.get("precision") == "FP16" and _num(r.get("p50")) is not None
                and _year(r.get("year")) is not None):
            out[_year(r["year"])] = _num(r["p50"])
    return out


def _published_totals(rows: list[dict]) -> str:
    """``56 ZFLOPS, more than 20 ZFLOPS``: each published total for YEAR, bounds as bounds."""
    seen = []
    for r in rows:
        value = _num(r.get("median"))
        if (r.get("kind") == "forecast" and _year(r.get("year")) == YEAR
                and r.get("comparable") == "False" and value is not None):
            text = (_("more than {value}") if r.get("bound") == "lower" else "{value}").format(
                value=format_flops_sig(value))
            if (value, text) not in seen:
                seen.append((value, text))
    return ", ".join(text for _, text in sorted(seen, reverse=True))


def ai_stock_gap(tables: Path) -> KeyFigure | None:
    """Epoch AI's chip stock (all designers, FP16) against CAICT's FP16 figures of the same year.

    From notebook 05's ``ai_stock_vs_top_down.csv``: the bottom-up row (``what`` = "sum of
    medians") and the top-down *actuals* at the same precision (``comparable`` True).  A ratio
    is taken only between figures of the same year: the bottom-up stock of that year comes
    from notebook 00's ``ai_compute_forecast.csv`` (observed years) or from the Epoch row
    itself.  The published 2030 totals are mixed-precision sums: quoted with their bounds,
    never divided.  None when the table is missing.
    """
    rows = _rows(tables / "ai_stock_vs_top_down.csv")
    stock = [r for r in rows if r.get("what") == "sum of medians" and _year(r.get("year"))
             and _num(r.get("median")) is not None]
    if not stock:
        return None
    s = max(stock, key=lambda r: _year(r["year"]))
    precision = s.get("precision", "")
    median, low, high = _num(s["median"]), _num(s.get("lower")), _num(s.get("upper"))
    band = (_(" ({range}, 90% band)").format(range=_range(low, high))
            if None not in (low, high) else "")
    answer = _("{year}: {value}{band} of {precision} peak in AI accelerators shipped since 2022 "
               "(Epoch AI, bottom-up)").format(year=_year(s["year"]),
                                              value=format_flops_sig(median), band=band,
                                              precision=precision)
    by_year = {**(_observed_stock(tables) if precision == "FP16" else {}),
               _year(s["year"]): median}
    same = [r for r in rows if r.get("kind") == "actual" and r.get("comparable") == "True"
            and r.get("precision") == precision and _num(r.get("median")) is not None
            and _year(r.get("year"))]
    if same:
        # the latest year with a bottom-up figure too; every estimate of it (publishers
        # disagree: say so, do not pick one)
        matched = [_year(r["year"]) for r in same if _year(r["year"]) in by_year]
        latest = max(matched) if matched else max(_year(r["year"]) for r in same)
        values = sorted({_num(r["median"]) for r in same if _year(r["year"]) == latest})
        lo, hi = values[0], values[-1]
        top = (format_flops_sig(lo) if lo == hi else _("{range} ({n} estimates)").format(
            range=_range(lo, hi), n=len(values)))
        answer += "; " + _("top-down, CAICT-style {precision}: {value} in {year}").format(
            precision=precision, value=top, year=latest)
        if latest in by_year:
            bottom = by_year[latest]
            times = (format_sig(bottom / lo, 3) if lo == hi
                     else f"{format_sig(bottom / hi, 3)}-{format_sig(bottom / lo, 3)}")
            # say which stock: the model's (page 00) counts surviving chips shipped before
            # 2022 too; page 05's own ratio uses Epoch's count since 2022 only
            whose = (_("installed at the end of {y} by the bottom-up model (00_answer, with "
                       "NVIDIA chips shipped before 2022 implied by revenue)")
                     if latest in _observed_stock(tables) and latest != _year(s["year"])
                     else _("bottom-up at the end of {y}")).format(y=latest)
            answer += _(", against {value} {whose}: {times}x").format(
                value=format_flops_sig(bottom), whose=whose, times=times)
        else:
            answer += _(" (no bottom-up figure for {year}: no ratio)").format(year=latest)
    totals = _published_totals(rows)
    if totals:
        answer += "; " + _("published {year} totals ({totals}) are mixed-precision sums "
                           "(FP32 + FP16 + FP64), not comparable").format(year=YEAR,
                                                                          totals=totals)
    detail = _("Epoch AI's chip counts x each chip's peak; the top-down figures count servers "
               "shipped over about six years and, for totals, add precisions; ratios only "
               "within one year.")
    return KeyFigure("bottom_up", _("Bottom-up AI accelerator stock vs the top-down figures "
                                    "(FP16)"),
                     answer, detail, "ai_stock_vs_top_down.csv",
                     PAGES["ai_stock_vs_top_down.csv"])


def bottom_up(tables: Path) -> KeyFigure:
    """The bottom-up AI accelerator stock against the top-down figure.

    Epoch AI's stock of all designers' chips (notebook 05) when that table exists; else
    notebook 02's NVIDIA stock implied by revenue, in the latest comparable year.
    """
    epoch = ai_stock_gap(tables)
    if epoch is not None:
        return epoch
    source = "gpu_bottom_up_vs_top_down.csv"
    question = _("Bottom-up AI accelerator stock vs the top-down figure of the same year")
    best = None
    for r in _rows(tables / source):
        top, bottom, year = (_num(r.get("top_down_EFLOPS")), _num(r.get("revenue_implied_EFLOPS")),
                             _year(r.get("year")))
        if None in (top, bottom, year) or not str(r.get("source", "")).startswith("global"):
            continue
        rank = (year, r.get("status") == "verified-primary")
        if best is None or rank > best[0]:
            best = (rank, r, top, bottom)
    if best is None:
        return KeyFigure("bottom_up", question, None, _needs(source), source, PAGES[source])
    _rank, r, top, bottom = best
    precision = r.get("top_down_precision", "")
    answer = _("{year}: {bottom} bottom-up vs {top} top-down ({precision}), ratio "
               "{ratio}").format(year=best[0][0], bottom=format_flops_sig(bottom * 1e18),
                                 top=format_flops_sig(top * 1e18), precision=precision,
                                 ratio=format_sig(bottom / top, 3))
    detail = _("Bottom-up: installed NVIDIA data-center GPUs implied by revenue; top-down: "
               "{source} ({status}).").format(source=r.get("source", ""),
                                             status=_(r.get("status", "")))
    return KeyFigure("bottom_up", question, answer, detail, source, PAGES[source])


def compute(out: Path, scenario_dirs: dict[str, Path] | None = None) -> list[KeyFigure]:
    """Every key figure of the output folder ``out`` (missing ones say why).

    The answers lead, the AI accelerator answer first; the scenario what-ifs, the growth
    models and the bottom-up vs top-down comparison follow.
    """
    tables = Path(out) / "tables"
    return [ai_compute(tables), nvidia_share(tables), index_answer(tables), verdict_56(tables),
            track_record(tables), scenarios_2030(tables, scenario_dirs), model_range(tables),
            bottom_up(tables)]


def render(figures: list[KeyFigure], out: Path) -> str:
    """The ``id="key-figures"`` block of the index (links relative to ``out``)."""
    items = []
    for f in figures:
        page = Path(out) / "html" / f"{f.page}.html"
        link = (f'<a href="html/{html.escape(f.page)}.html">{html.escape(f.page)}</a>'
                if page.is_file() else html.escape(f.page))
        if f.answer is None:
            value = f'<p class="cf-answer cf-missing">{html.escape(_(NOT_YET))}</p>'
        else:
            value = ('<p class="cf-answer">' + "<br>".join(html.escape(part[:1].upper() + part[1:])
                                                           for part in f.answer.split("; "))
                     + "</p>")
        where = _("{detail}. Derived in {page} from {table}.").format(
            detail=html.escape(f.detail.rstrip(".。")), page=link,
            table=f"<code>tables/{html.escape(f.table)}</code>")
        items.append(f'<div class="cf-key" id="key-{f.key}"><h3>{html.escape(f.question)}</h3>'
                     f'{value}<p class="cf-small">{where}</p></div>')
    return ('<section id="key-figures"><h2 id="key-figures-heading">' + html.escape(
                _("Key figures")) + "</h2>"
            '<div class="cf-keys">' + "".join(items) + "</div></section>")
