"""The answers at the top of ``outputs/index.html``: key figures computed from the run's tables.

Each key figure is read from a CSV file the notebooks wrote into
``<outputs>/tables/`` and links to the page that derives it.  Reading is
forgiving on purpose: a missing table, a missing column or an unreadable
number makes that one figure say "not yet computed" (with the reason), never
breaks the index.  Only the standard library is used, so writing the index
after a run with nothing to do stays fast.

=====================  ==========================================  ===================
key figure             table (in ``tables/``)                       page
=====================  ==========================================  ===================
2030 by scenario       ``scenarios_comparison.csv`` (or each        03 scenarios
                       scenario's ``scenarios_headline.csv``)
P(> 20 / 56 ZFLOPS)    ``scenarios_thresholds.csv``                 03 scenarios
model range            ``headline_01_global_compute.csv``           01 global compute
bottom-up vs top-down  ``ai_stock_vs_top_down.csv`` (Epoch AI       05 long-run evidence
                       chips), else ``gpu_bottom_up_vs_top_down.csv``  (02 GPU demand)
9-year forecasts       ``skill_top500.csv``                         05 long-run evidence
=====================  ==========================================  ===================
"""

from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

from forecast.present import format_flops_sig, format_sig

#: the year the key figures answer for
YEAR = 2030
#: the notebook page that derives each table (stem of ``html/<stem>.html``)
PAGES = {
    "scenarios_comparison.csv": "03_scenarios",
    "scenarios_headline.csv": "03_scenarios",
    "scenarios_thresholds.csv": "03_scenarios",
    "headline_01_global_compute.csv": "01_global_compute",
    "gpu_bottom_up_vs_top_down.csv": "02_gpu_demand",
    "ai_stock_vs_top_down.csv": "05_long_run_evidence",
    "skill_top500.csv": "05_long_run_evidence",
}
NOT_YET = "not yet computed"


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
    return f"{a.split(' ')[0]} to {b}" if unit_a == unit_b else f"{a} to {b}"


def probability(p: float) -> str:
    """A Monte Carlo probability for a reader: ``70.8%``, ``< 0.1%``, ``> 99.9%``."""
    if p < 0.001:
        return "< 0.1%"
    if p > 0.999:
        return "> 99.9%"
    return f"{p * 100:.1f}%"


def _precision_words(precision: str) -> str:
    return "mixed-precision sum" if precision == "mixed" else f"{precision} FLOP/s"


def scenarios_2030(tables: Path, scenario_dirs: dict[str, Path] | None = None) -> KeyFigure:
    """Global total compute in 2030 by scenario, median with p5-p95."""
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
    question = f"Global compute in {YEAR}, by scenario (median, 5th-95th percentile)"
    if not found:
        return KeyFigure("scenarios", question, None, f"Needs tables/{source}", source,
                         PAGES[source])
    order = sorted(found, key=lambda n: found[n][0])
    answer = "; ".join(f"{n}: {format_flops_sig(found[n][0])} ({_range(found[n][1], found[n][2])})"
                       for n in order)
    precision = found[order[0]][3]
    detail = (f"CAICT-style total ({_precision_words(precision)}); Monte Carlo over each "
              "scenario's growth assumptions.")
    return KeyFigure("scenarios", question, answer, detail, source, PAGES[source])


def thresholds(tables: Path) -> KeyFigure:
    """P(total > 20 ZFLOPS) and P(> 56 ZFLOPS) in 2030 by scenario."""
    source = "scenarios_thresholds.csv"
    question = f"Chance that global compute passes 20 and 56 ZFLOPS by {YEAR}"
    found: dict[str, dict[float, float]] = {}
    for r in _rows(tables / source):
        level, p = _num(r.get("threshold")), _num(r.get("probability"))
        if r.get("component") == "total" and _year(r.get("year")) == YEAR and None not in (level, p):
            found.setdefault(r.get("scenario", "?"), {})[level] = p
    def pick(probs: dict, level: float):
        return next((p for t, p in probs.items() if abs(t - level) <= 1e-6 * level), None)

    complete = {name: (pick(probs, 2e22), pick(probs, 5.6e22)) for name, probs in found.items()}
    complete = {name: pair for name, pair in complete.items() if None not in pair}
    if not complete:
        return KeyFigure("thresholds", question, None, f"Needs tables/{source}", source,
                         PAGES[source])
    parts = [f"{name}: P(> 20 ZFLOPS) {probability(p20)}, P(> 56 ZFLOPS) {probability(p56)}"
             for name, (p20, p56) in sorted(complete.items(), key=lambda item: sum(item[1]))]
    detail = ("20 and 56 ZFLOPS are CAICT's two published 2030 forecasts (2023 and 2022 white "
              "papers); share of simulated paths above each.")
    return KeyFigure("thresholds", question, "; ".join(parts), detail, source, PAGES[source])


def model_range(tables: Path) -> KeyFigure:
    """The spread of the growth models' 2030 medians for global total compute."""
    source = "headline_01_global_compute.csv"
    question = f"What the growth models say for {YEAR} (global total)"
    found = []
    for r in _rows(tables / source):
        median = _num(r.get("median", r.get("mean")))
        if (r.get("scope") == "global" and r.get("component") == "total"
                and _year(r.get("year")) == YEAR and median is not None and r.get("unit") == "FLOP/s"):
            found.append((median, r.get("model", "?"), r.get("precision", "")))
    if not found:
        return KeyFigure("models", question, None, f"Needs tables/{source}", source, PAGES[source])
    found.sort()
    low, high = found[0], found[-1]
    answer = (f"{format_flops_sig(low[0])} ({low[1]}) to {format_flops_sig(high[0])} ({high[1]})"
              if len(found) > 1
              else f"{format_flops_sig(low[0])} ({low[1]})")
    detail = (f"Medians of {len(found)} model{'s' if len(found) != 1 else ''} fitted to the "
              f"published global totals ({_precision_words(low[2])}).")
    return KeyFigure("models", question, answer, detail, source, PAGES[source])


def ai_stock_gap(tables: Path) -> KeyFigure | None:
    """Epoch AI's chip stock (all designers, one precision) against CAICT's figures.

    From notebook 05's ``ai_stock_vs_top_down.csv``: the bottom-up row (``what`` = "sum of
    medians", its band the summed 5th and 95th percentiles), the latest top-down *actual* at
    the same precision (``comparable`` True), and the latest top-down 2030 forecast, which is
    a mixed-precision sum and so is quoted, not divided.  None when the table is missing.
    """
    rows = _rows(tables / "ai_stock_vs_top_down.csv")
    stock = [r for r in rows if r.get("what") == "sum of medians" and _year(r.get("year"))
             and _num(r.get("median")) is not None]
    if not stock:
        return None
    s = max(stock, key=lambda r: _year(r["year"]))
    precision = s.get("precision", "")
    median, low, high = _num(s["median"]), _num(s.get("lower")), _num(s.get("upper"))
    band = f" ({_range(low, high)})" if None not in (low, high) else ""
    answer = (f"{_year(s['year'])}: {format_flops_sig(median)}{band} of {precision} peak in AI "
              f"accelerators shipped since 2022 (Epoch AI, bottom-up)")
    same = [r for r in rows if r.get("kind") == "actual" and r.get("comparable") == "True"
            and r.get("precision") == precision and _num(r.get("median")) is not None
            and _year(r.get("year"))]
    if same:
        # every estimate of the latest year (publishers disagree: say so, do not pick one)
        latest = max(_year(r["year"]) for r in same)
        values = sorted({_num(r["median"]) for r in same if _year(r["year"]) == latest})
        lo, hi = values[0], values[-1]
        top = format_flops_sig(lo) if lo == hi else f"{_range(lo, hi)} ({len(values)} estimates)"
        times = (format_sig(median / lo, 3) if lo == hi
                 else f"{format_sig(median / hi, 3)}-{format_sig(median / lo, 3)}")
        answer += (f"; top-down, CAICT-style {precision}: {top} in {latest}, "
                   f"{times}x smaller")
    ahead = sorted({_num(r["median"]) for r in rows
                    if r.get("kind") == "forecast" and _year(r.get("year")) == YEAR
                    and r.get("comparable") == "False" and _num(r.get("median")) is not None})
    if ahead:
        span = format_flops_sig(ahead[0]) if len(ahead) == 1 else _range(ahead[0], ahead[-1])
        answer += (f"; published {YEAR} totals of {span} are mixed-precision sums "
                   f"(FP32 + FP16 + FP64), not comparable")
    detail = ("Epoch AI's chip counts x each chip's peak; the top-down figures count servers "
              "shipped over about six years and, for totals, add precisions.")
    return KeyFigure("bottom_up", "Bottom-up AI accelerator stock vs the top-down figures",
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
    question = "Bottom-up AI accelerator stock vs the top-down figure"
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
        return KeyFigure("bottom_up", question, None, f"Needs tables/{source}", source,
                         PAGES[source])
    _, r, top, bottom = best
    precision = r.get("top_down_precision", "")
    answer = (f"{best[0][0]}: {format_flops_sig(bottom * 1e18)} bottom-up vs "
              f"{format_flops_sig(top * 1e18)} top-down "
              f"({precision}), ratio {format_sig(bottom / top, 3)}")
    detail = (f"Bottom-up: installed NVIDIA data-center GPUs implied by revenue; top-down: "
              f"{r.get('source', '')} ({r.get('status', '')}).")
    return KeyFigure("bottom_up", question, answer, detail, source, PAGES[source])


def nine_years(tables: Path, horizon: int = 9) -> KeyFigure:
    """What the long TOP500 history says about a constant-growth forecast ``horizon`` years ahead.

    From ``skill_top500.csv``: the ``cagr`` model (constant growth, the method behind the
    published 2030 figures) on the TOP500 sum, its median log error as a factor and the
    coverage of its 80% intervals; with ``headline_05_long_run_evidence.csv``, the 2030
    band that record gives the first constant-growth path.
    """
    source = "skill_top500.csv"
    question = f"What history says about a {horizon}-year forecast"
    rows = [r for r in _rows(tables / source) if _year(r.get("horizon")) == horizon]
    sums = [r for r in rows if "sum" in str(r.get("series", ""))] or rows
    chosen = next((r for r in sums if r.get("model") == "cagr"), sums[0] if sums else None)
    if chosen is None:
        return KeyFigure("nine_years", question, None,
                         f"Needs tables/{source} (notebook 05)", source, PAGES[source])
    log_error, mape = _num(chosen.get("median_log_error")), _num(chosen.get("mape"))
    coverage, n = _num(chosen.get("coverage_80")), _year(chosen.get("n"))
    model = chosen.get("model", "?")
    kind = f"constant-growth ({model})" if model == "cagr" else model
    if log_error is not None:
        factor = math.exp(abs(log_error))
        answer = (f"{format_sig(factor, 2)}x too {'high' if log_error > 0 else 'low'} "
                  f"(median), for a {kind} forecast")
    elif mape is not None:
        answer = f"{format_sig(mape, 3)}% mean absolute error for a {kind} forecast"
    else:
        return KeyFigure("nine_years", question, None, f"Needs tables/{source} with errors",
                         source, PAGES[source])
    if coverage is not None:
        answer += f"; its 80% intervals held {coverage * 100:.0f}% of the time"
    band = next((r for r in _rows(tables / "headline_05_long_run_evidence.csv")
                 if _year(r.get("year")) == YEAR and r.get("component") == "total"
                 and None not in (_num(r.get("median")), _num(r.get("lower")),
                                  _num(r.get("upper")))), None)
    if band is not None:
        level = _num(band.get("level"))
        answer += (f"; {band.get('model', '')}: {format_flops_sig(_num(band['median']))} in {YEAR} "
                   f"({_range(_num(band['lower']), _num(band['upper']))}"
                   + (f", {level * 100:.0f}% band)" if level else ")"))
    detail = (f"Backtests on the TOP500 {chosen.get('series', '')} series, {horizon} years "
              f"ahead{f', {n} forecasts' if n else ''}.")
    return KeyFigure("nine_years", question, answer, detail, source, PAGES[source])


def compute(out: Path, scenario_dirs: dict[str, Path] | None = None) -> list[KeyFigure]:
    """Every key figure of the output folder ``out`` (missing ones say why).

    The bottom-up vs top-down gap comes first: the 2030 figures after it extend the top-down
    series, so a reader should know what that series counts before reading them.
    """
    tables = Path(out) / "tables"
    return [bottom_up(tables), scenarios_2030(tables, scenario_dirs), thresholds(tables),
            model_range(tables), nine_years(tables)]


def render(figures: list[KeyFigure], out: Path) -> str:
    """The ``id="key-figures"`` block of the index (links relative to ``out``)."""
    items = []
    for f in figures:
        page = Path(out) / "html" / f"{f.page}.html"
        link = (f'<a href="html/{html.escape(f.page)}.html">{html.escape(f.page)}</a>'
                if page.is_file() else html.escape(f.page))
        if f.answer is None:
            value = f'<p class="cf-answer cf-missing">{NOT_YET}</p>'
        else:
            value = ('<p class="cf-answer">' + "<br>".join(html.escape(part[:1].upper() + part[1:])
                                                           for part in f.answer.split("; "))
                     + "</p>")
        items.append(f'<div class="cf-key" id="key-{f.key}"><h3>{html.escape(f.question)}</h3>'
                     f"{value}<p class=\"cf-small\">{html.escape(f.detail.rstrip('.'))}. "
                     f"Derived in {link} from <code>tables/{html.escape(f.table)}</code>.</p></div>")
    return ('<section id="key-figures"><h2 id="key-figures-heading">Key figures</h2>'
            '<div class="cf-keys">' + "".join(items) + "</div></section>")
