"""Sections of the site built from a run's files: the forecast history chart and the
scenario comparison (fans on one axis, pivots of medians and threshold probabilities).

These need pandas and matplotlib, so each section is cached in
``<outputs>/.cache/site-<name>.json`` under a key made of its input files'
sizes and modification times, the library's source, the language and its message
catalogs: writing the index after a run with nothing to do reuses them without
importing either.
Every section degrades to a sentence saying what is missing, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from forecast.i18n import catalog_dir, language
from forecast.i18n import gettext as _
from forecast.present.html import escape


def cached(cache_dir: Path, name: str, inputs: list[Path], build) -> str:
    """``build()`` (an HTML string), reused while ``inputs`` and the library source are unchanged.

    The library counts whole (every module of the package, as the run cache counts it): a
    change of chart style or number format must not leave a cached section stale.  So do
    the current language and its catalogs: a section is written in one language, and a
    corrected translation shows at the next run.
    """
    from forecast.pipeline.runcache import library_fingerprint

    lang = language()
    catalogs = sorted((catalog_dir() / lang / "LC_MESSAGES").glob("*.po")) if lang != "en" else []
    parts = [f"library:{library_fingerprint()}", f"lang:{lang}"]
    for path in [*inputs, *catalogs]:
        try:
            st = os.stat(path)
            parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}:missing")
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    file = Path(cache_dir) / f"site-{name}.json"
    try:
        saved = json.loads(file.read_text(encoding="utf-8"))
        if saved.get("key") == key:
            return saved["html"]
    except (OSError, ValueError, KeyError):
        pass
    text = build()
    try:
        from forecast.files import atomic_write_text

        atomic_write_text(file, json.dumps({"key": key, "html": text}))
    except OSError:
        pass  # a read-only cache only costs time
    return text


# -- forecast history ----------------------------------------------------------------------

def _defaults(root: Path) -> dict[str, dict]:
    """Notebook stem -> {parameter: default} (literal defaults only)."""
    from forecast.pipeline import params as nbp
    from forecast.pipeline.runplan import notebooks

    found = {}
    for path in notebooks(root):
        try:
            found[path.stem] = {n: p.default for n, p in nbp.notebook_parameters(path).items()
                                if n not in nbp.RESERVED}
        except Exception:  # an unreadable notebook: its runs count as exploratory
            found[path.stem] = None
    return found


def canonical(parameters: str, notebook: str, defaults: dict) -> bool:
    """Whether a history row's run used the notebook's default parameters.

    ``parameters`` is the row's JSON: ``{notebook: {name: value}}`` (as the
    runner records it) or a flat ``{name: value}``.
    """
    try:
        given = json.loads(parameters) if isinstance(parameters, str) and parameters else {}
    except ValueError:
        return False
    if isinstance(given.get(notebook), dict):
        given = given[notebook]
    wanted = defaults.get(notebook)
    if wanted is None or not isinstance(given, dict):
        return False

    def same(a, b):
        return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)

    return all(name in wanted and same(value, wanted[name]) for name, value in given.items()
               if name not in ("data_dir", "output_dir"))


def history_section(out: Path, root: Path, year: int = 2030) -> str:
    """The forecast-history chart (how the ``year`` forecast moved, run by run) with its data."""
    from forecast.data import history

    heading = ('<h2 id="forecast-history">'
               + escape(_("How our {year} forecast moved, run by run").format(year=year))
               + "</h2>")
    try:
        rows = history.load_history(out)
    except Exception as err:  # no history yet, or a damaged one: say so
        return heading + "<p>" + escape(_("No forecast history to draw yet ({reason}).").format(
            reason=str(err).split(";")[0])) + "</p>"
    rows = rows[(rows["year"] == year) & (rows["unit"] == "FLOP/s")
                & (rows["component"] == "total")]
    if rows.empty:
        return heading + "<p>" + escape(_("The forecast history has no {year} total yet.").format(
            year=year)) + "</p>"
    defaults = _defaults(root)
    rows = rows.assign(canonical=[canonical(p, n, defaults)
                                  for p, n in zip(rows["parameters"], rows["notebook"])])
    rows = rows.assign(run_time=rows["run_time"].astype(str))
    import matplotlib

    matplotlib.use("Agg")
    from forecast.present import plots
    from forecast import present

    fig = plots.plot_forecast_history(rows, year=year)
    n_runs, n_explore = rows["run_time"].nunique(), rows.loc[~rows["canonical"], "run_time"].nunique()
    caption = _("The {year} forecast of global total compute in each of {n_runs} recorded runs "
                "(median and interval per notebook and model). Filled markers joined by lines "
                "are canonical runs (default parameters); hollow markers are exploratory runs "
                "with other parameters ({n_explore} of the {n_runs}).").format(
        year=year, n_runs=n_runs, n_explore=n_explore)
    data = rows[["run_time", "notebook", "model", "scope", "precision", "year", "median",
                 "lower", "upper", "level", "canonical", "parameters"]]
    shown = present.figure(fig, caption=caption, data=data, name=f"forecast_history_{year}")
    return heading + shown._repr_html_()


# -- scenario comparison -------------------------------------------------------------------

def comparison_sections(scenarios: list[dict], component: str = "total") -> str:
    """Fans of every scenario on one axis, a pivot of medians and one of threshold probabilities.

    ``scenarios``: dicts with ``name`` and ``dir`` (the scenario's output folder); the
    comparison itself is :func:`forecast.scenarios.comparison.from_tables`, the same
    computation as notebook 03's.
    """
    from forecast import present
    from forecast.scenarios import comparison

    both = comparison.from_tables((s["name"], s["dir"]) for s in scenarios)
    parts = []
    parts.append(f'<h2 id="fans">{escape(_("The scenarios on one axis"))}</h2>')
    mine = both.fans(component)
    if not mine.empty:
        import matplotlib

        matplotlib.use("Agg")
        from forecast.present import plots

        fig = plots.fan_comparison(both.percentiles, component,
                                   title=_("Global {component}: every scenario").format(
                                       component=_(component)))
        caption = _("Median and 5th-95th percentile band of the simulated {component} in each "
                    "scenario ({scenarios}), one log axis.").format(
            component=_(component),
            scenarios=_(", ").join(_(name) for name in dict.fromkeys(mine["scenario"])))
        parts.append(present.figure(fig, caption=caption, data=mine,
                                    name=f"scenario_fans_{component}")._repr_html_())
    else:
        parts.append("<p>" + escape(_("Not yet computed: the scenario runs have not written "
                                      "{table}.")).format(
            table="<code>tables/scenarios_percentiles.csv</code>") + "</p>")

    parts.append(f'<h2 id="medians">{escape(_("Medians by scenario"))}</h2>')
    parts.append(_pivot_section(
        both.medians(), ("component", "precision", "year"), "flops",
        lambda n: _("{scenario} p50").format(scenario=_(n)),
        _("Median (p50) of each scenario's simulated FLOP/s; the precision of each row is named."),
        "scenarios_headline.csv"))
    parts.append(f'<h2 id="thresholds">{escape(_("Threshold probabilities"))}</h2>')
    # the probability kind: the same text as the index (never "0%" for a rare event)
    parts.append(_pivot_section(
        both.probabilities(), ("component", "year", "label"), "probability",
        lambda n: _("{scenario}: P").format(scenario=_(n)),
        _("Share of simulated paths above each published figure, by scenario."),
        "scenarios_thresholds.csv", labels={"label": "threshold"}))
    return "\n".join(parts)


def _pivot_section(pivot, fixed: tuple, kind: str, label, caption: str, table: str,
                   labels: dict | None = None) -> str:
    """One scenario pivot as a reader table (a column per scenario, of ``kind``), or what is
    missing when no scenario has written ``tables/<table>``."""
    from forecast import present

    names = [c for c in pivot.columns if c not in fixed]
    if not names:
        return "<p>" + escape(_("Not yet computed: no scenario has written {table}.")).format(
            table=f"<code>tables/{escape(table)}</code>") + "</p>"
    return present.table(pivot, kinds={n: kind for n in names},
                         labels={**(labels or {}), **{n: label(n) for n in names}},
                         caption=caption)._repr_html_()
