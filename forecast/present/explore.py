"""Explore a scenario interactively in JupyterLab, and save what you find as a scenario file.

``Explorer("base")`` starts from a scenario file (``notebooks/params/base.yaml``)
and shows controls for every assumption the file states (a growth range per
component, a ceiling per component, the correlation of the growth draws, the
end year), the number of paths, and the thresholds whose probability is
reported; the fan chart, the headline table (p5/p50/p95 by year) and the
threshold probabilities follow every move of a control.
``save_scenario("mine")`` writes ``notebooks/params/mine.yaml`` in the scenario
format, so ``compute-forecast run --scenario mine`` reruns it headlessly and
the scenario comparison page shows it beside bear, base and bull.

**Same numbers as the headless run.**  The explorer's paths are the paths
:func:`forecast.scenarios.simulate` draws for the same scenario, number of
paths and seed (to floating-point round-off, about 1e-15 relative): the
defaults are notebook 03's 20,000 paths and seed 20260101, so a saved
scenario reruns to the figures the explorer showed.

**Fast updates: the standard-normal draws are made once.**  The explorer keeps the
draws of the simulation (:class:`forecast.scenarios.draws.Draws`, the same object
``simulate`` computes its paths with); moving a growth range, a ceiling, the
correlation or a threshold only rescales them (an ``exp`` and a product per
component); only a new number of paths or a new end year draws again.
Percentiles come from one sort per component and year
(:class:`~forecast.scenarios.draws.SortedSimulation`).

ipywidgets and matplotlib are imported when an :class:`Explorer` is built,
never when :mod:`forecast` is imported.
"""

from __future__ import annotations

import html
import io
import math
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from forecast.scenarios import montecarlo as scenarios
from forecast.errors import ForecastError, ParameterError, UnitError, UnknownNameError
from forecast.i18n import SOURCE, language
from forecast.i18n import gettext as _
from forecast.scenarios.draws import Draws, SortedSimulation
from forecast.scenarios.writer import flops_text

#: Notebook 03's defaults (its ``n_paths`` and ``seed`` parameters), so the explorer's
#: starting state shows exactly what the headless scenario run reports.
DEFAULT_PATHS = 20_000
DEFAULT_SEED = 20260101
#: Choices of the "paths" control; a given ``n_paths`` (100 to the largest choice) is added.
#: The explorer keeps about twenty (n_paths x years) arrays: 50,000 x 40 years is 300 MB.
PATH_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
#: Latest end year the controls offer.
LAST_YEAR = 2060
#: Growth-range sliders span at least this range of yearly growth (fractions per year).
GROWTH_SPAN = (-0.5, 2.0)
#: Thresholds offered at the start: CAICT's two published 2030 totals.
DEFAULT_THRESHOLDS = "56 ZFLOPS, 20 ZFLOPS"

#: the interactive chart, an SVG with its text as text (the browser draws the glyphs: a third
#: less work per update than a PNG); fixed margins leave the right 44% to the legend (plots
#: puts legends outside the axes), as a tight bounding box would cost a second drawing pass
_CHART_SIZE, _CHART_DPI, _CHART_MARGINS = (10.5, 4.2), 72, {"left": 0.115, "right": 0.56,
                                                            "bottom": 0.12, "top": 0.9}
_CHART_RC = {"axes.titley": 1.0, "svg.fonttype": "none", "svg.hashsalt": "compute-forecast"}


@dataclass(frozen=True)
class _State:
    """The values of the controls that change the numbers."""

    growth: MappingProxyType   # component -> (low, high)
    caps: MappingProxyType     # component -> FLOP/s or None
    correlation: float
    end_year: int
    n_paths: int


class Explorer:
    """An interactive explorer of one scenario (see the module docstring).

    Parameters
    ----------
    scenario : a scenario name (``notebooks/params/<name>.yaml``) or a Scenario.
    n_paths, seed : Monte Carlo size and seed (default: notebook 03's).
    thresholds : FLOP/s figures whose exceedance probability is shown.
    threshold_year : year of those probabilities (default 2030, or the end year).
    directory : folder of the scenario files, where :meth:`save_scenario` writes
        (default ``notebooks/params/`` of the project).
    data_dir : data folder (None: the project's ``data/``).

    Notes
    -----
    Public surface: :attr:`widget` (display it), :attr:`controls` (name ->
    widget), :meth:`set`, :meth:`headline`, :meth:`thresholds`,
    :meth:`figure`, :meth:`save_scenario`, and
    :attr:`simulation` (the current Monte Carlo, a Simulation).
    """

    def __init__(self, scenario="base", *, n_paths: int = DEFAULT_PATHS, seed: int = DEFAULT_SEED,
                 thresholds=DEFAULT_THRESHOLDS, threshold_year: int = 2030, directory=None,
                 data_dir=None):
        if not isinstance(scenario, scenarios.Scenario):
            scenario = scenarios.load_scenario(scenario, directory=directory)
        self.start = scenario
        self.directory = scenarios.params_dir(directory)
        self.seed, self.data_dir = seed, data_dir
        self.spec, self.bases = scenarios.resolve(scenario, data_dir)
        self.base_year = max(b.year for b in self.bases.values())
        self._draws = None
        self._published = {}
        self.timings: dict[str, float] = {}
        self._held = False
        self.error: str | None = None
        self.controls = self._build_controls(n_paths, thresholds, threshold_year)
        self.widget = self._build_widget()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._update()

    # ------------------------------------------------------------------ controls

    @property
    def projected(self) -> list[str]:
        """Names of the components with a growth assumption (the others are sums)."""
        return [n for n, c in self.spec.components.items() if not c.sum_of]

    def _build_controls(self, n_paths, thresholds, threshold_year) -> dict:
        import ipywidgets as w

        wide = {"layout": w.Layout(width="460px"), "style": {"description_width": "170px"}}
        controls = {}
        for name in self.projected:
            g = self.spec.components[name].growth
            controls[f"growth_{name}"] = w.FloatRangeSlider(
                value=(g.low, g.high), min=min(GROWTH_SPAN[0], g.low),
                max=max(GROWTH_SPAN[1], 1.5 * g.high), step=0.0001, readout_format=".1%",
                continuous_update=False,
                description=_("{component} growth").format(component=_(name)), **wide)
        for name in self.projected:
            cap = self.spec.components[name].cap
            controls[f"cap_{name}"] = w.Text(
                value="" if cap is None else flops_text(cap),
                placeholder=_("none, e.g. {example}").format(example="100 ZFLOPS"),
                continuous_update=False,
                description=_("{component} ceiling").format(component=_(name)), **wide)
        controls["correlation"] = w.FloatSlider(
            value=self.spec.correlation, min=0.0, max=1.0, step=0.05, readout_format=".2f",
            continuous_update=False, description=_("correlation"), **wide)
        controls["end_year"] = w.IntSlider(
            value=self.spec.end_year, min=self.base_year + 1,
            max=max(LAST_YEAR, self.spec.end_year),
            continuous_update=False, description=_("end year"), **wide)
        # the explorer keeps several (n_paths x years) arrays per component: bounded memory
        if (isinstance(n_paths, bool) or not isinstance(n_paths, int)
                or not 100 <= n_paths <= max(PATH_CHOICES)):
            raise ParameterError("wrong value", name="n_paths",
                                 expected=f"an integer 100..{max(PATH_CHOICES)}", value=n_paths)
        controls["n_paths"] = w.SelectionSlider(
            options=sorted({*PATH_CHOICES, n_paths}), value=n_paths, continuous_update=False,
            description=_("paths"), **wide)
        components = list(self.spec.components)
        controls["component"] = w.Dropdown(
            options=[(_(c), c) for c in components],
            value="total" if "total" in components else components[0],
            description=_("chart and thresholds"), **wide)
        controls["threshold_year"] = w.IntSlider(
            value=min(max(threshold_year, self.base_year + 1), self.spec.end_year),
            min=self.base_year + 1, max=self.spec.end_year, continuous_update=False,
            description=_("threshold year"), **wide)
        controls["thresholds"] = w.Text(
            value=_thresholds_text(thresholds), continuous_update=False,
            description=_("thresholds"), **wide)
        return controls

    def _build_widget(self):
        import ipywidgets as w

        source = html.escape(self.start.source)
        title = w.HTML(_("<b>Scenario explorer</b>: starting from <code>{name}</code> ({source}). "
                         "Growth ranges are 90% ranges per year.").format(
                             name=html.escape(self.start.name), source=source))
        self._chart = w.Image(format="svg+xml", layout=w.Layout(width="756px"))
        self._headline = w.HTML(_dom_classes=("cf-headline",))
        self._threshold_table = w.HTML(_dom_classes=("cf-thresholds",))
        self._status = w.HTML(_dom_classes=("cf-status",))
        self._save_name = w.Text(placeholder=_("name, e.g. {example}").format(example="fast_ai"),
                                 description=_("save as"),
                                 layout=w.Layout(width="260px"))
        self._overwrite = w.Checkbox(value=False, description=_("overwrite"), indent=False,
                                     layout=w.Layout(width="100px"))
        button = w.Button(description=_("Save scenario"), icon="save")
        self._save_message = w.HTML()
        button.on_click(self._on_save)
        left = w.VBox(list(self.controls.values()) + [w.HBox([self._save_name, self._overwrite]),
                                                      button, self._save_message])
        right = w.VBox([self._chart, self._threshold_table, self._headline],
                       layout=w.Layout(width="780px"))
        return _Box([title, self._status, w.HBox([left, right])])

    @contextmanager
    def _hold(self):
        held, self._held = self._held, True
        try:
            yield
        finally:
            self._held = held

    def _on_change(self, change) -> None:
        if change["owner"] is self.controls["end_year"]:
            year = self.controls["threshold_year"]
            year.max = change["new"]  # the value follows when it was later
        if not self._held:
            self._update(raise_errors=False)

    def set(self, **values) -> None:
        """Move controls by name (see :attr:`controls`), then update once, as the widgets do.

        ``growth_<component>=(low, high)`` (fractions per year), ``cap_<component>``
        ("100 ZFLOPS", a number of FLOP/s, or None), ``correlation`` (0..1),
        ``end_year``, ``n_paths`` (one of the offered choices), ``component``
        (chart and thresholds), ``threshold_year``, ``thresholds`` ("56 ZFLOPS,
        20 ZFLOPS" or a list).  A value the control cannot take raises
        ParameterError and moves nothing.
        """
        end_year = values.get("end_year", self.controls["end_year"].value)
        checked = {name: self._check(name, value, end_year) for name, value in values.items()}
        with self._hold():
            for name, value in checked.items():
                self.controls[name].value = value
        self._update(raise_errors=True)

    def _check(self, name: str, value, end_year: int):
        if name not in self.controls:
            raise UnknownNameError(name, self.controls, kind="control")
        control = self.controls[name]
        if name.startswith("cap_"):
            value = "" if value is None else flops_text(value) if isinstance(value, (int, float)) \
                else str(value)
            cap = _cap(value, name)
            base = self.bases[name.removeprefix("cap_")].value
            if cap is not None and cap <= base:
                raise ParameterError("the ceiling is below the base value", name=name,
                                     expected=f"more than {flops_text(base)}", value=value)
            return value
        if name == "thresholds":
            value = _thresholds_text(value)
            _threshold_list(value)
            return value
        if hasattr(control, "options"):
            # (label, value) pairs: a label is shown in the reader's language, the value is a name
            offered = [o[1] if isinstance(o, tuple) else o for o in control.options]
            if value not in offered:
                raise ParameterError("not offered", name=name,
                                     expected="one of " + ", ".join(map(str, offered)),
                                     value=value)
            return value
        low, high = control.min, end_year if name == "threshold_year" else control.max
        items = tuple(value) if name.startswith("growth_") else (value,)
        if (name.startswith("growth_") and (len(items) != 2 or items[0] > items[1])) or any(
                isinstance(x, bool) or not isinstance(x, (int, float)) or not low <= x <= high
                for x in items):
            shape = ("(low, high) with low <= high, each" if name.startswith("growth_")
                     else "a number")
            raise ParameterError("out of range", name=name, expected=f"{shape} in [{low}, {high}]",
                                 value=value)
        return items if name.startswith("growth_") else value

    # ------------------------------------------------------------------ computing

    def _state(self) -> _State:
        c = self.controls
        return _State(
            growth=MappingProxyType({n: tuple(map(float, c[f"growth_{n}"].value))
                                     for n in self.projected}),
            caps=MappingProxyType({n: _cap(c[f"cap_{n}"].value, f"cap_{n}")
                                   for n in self.projected}),
            correlation=float(c["correlation"].value), end_year=int(c["end_year"].value),
            n_paths=int(c["n_paths"].value))

    def scenario(self) -> scenarios.Scenario:
        """The scenario the controls describe now (growth ranges, caps, correlation, end year)."""
        state = self._state()
        spec = self.spec
        for name in self.projected:
            g = spec.components[name].growth
            if state.growth[name] != (g.low, g.high):
                spec = spec.with_growth(name, *state.growth[name])
                comp = spec.components[name]
                unfitted = replace(comp, growth=replace(comp.growth, fit=None))
                spec = replace(spec, components=MappingProxyType(
                    {**spec.components, name: unfitted}))
            if state.caps[name] != spec.components[name].cap:
                spec = spec.with_cap(name, state.caps[name])
        return replace(spec, correlation=state.correlation, end_year=state.end_year)

    def _simulate(self, state: _State, spec) -> SortedSimulation:
        for name, cap in state.caps.items():
            if cap is not None and cap <= self.bases[name].value:
                raise ParameterError("the ceiling is below the base value", name=f"cap_{name}",
                                     expected=f"more than {flops_text(self.bases[name].value)}",
                                     value=flops_text(cap))
        draws = self._draws
        if draws is None or (draws.n_paths, draws.end_year) != (state.n_paths, state.end_year):
            draws = self._draws = Draws(self.spec, self.bases, state.n_paths, self.seed,
                                        state.end_year)
        return draws.simulation(replace(spec, name=f"{self.start.name}, explored"))

    def _update(self, raise_errors: bool = True) -> None:
        start = time.perf_counter()
        try:
            state = self._state()
            spec = self.scenario()
            simulation = self._simulate(state, spec)
            computed = time.perf_counter()
            headline = simulation.headline(years=self.report_years())
            exceed = self._exceedance(simulation)
            tabled = time.perf_counter()
        except ForecastError as err:
            self.error = str(err)
            self._status.value = f'<span style="color:#a00">{html.escape(self.error)}</span>'
            if raise_errors:
                raise
            return
        self.error, self.simulation = None, simulation
        self._headline_frame, self._exceed_frame = headline, exceed
        self._headline.value = _headline_html(headline)
        self._threshold_table.value = _thresholds_html(exceed)
        self._chart.value = self._svg()
        done = time.perf_counter()
        self.timings = {"paths": computed - start, "tables": tabled - computed,
                        "chart": done - tabled, "total": done - start}
        self._status.value = _("{n} paths, seed {seed}, updated in {seconds} s").format(
            n=f"{state.n_paths:,}", seed=self.seed, seconds=f"{done - start:.2f}")

    def report_years(self) -> list[int]:
        """Years of the headline table: every fifth year after the base year, and the end year."""
        end = int(self.controls["end_year"].value)
        years = [y for y in range(self.base_year + 1, end + 1) if y % 5 == 0]
        return years if years and years[-1] == end else [*years, end]

    def _exceedance(self, simulation) -> pd.DataFrame:
        component = self.controls["component"].value
        year = int(self.controls["threshold_year"].value)
        return simulation.exceedance(component, year,
                                     _threshold_list(self.controls["thresholds"].value))

    # ------------------------------------------------------------------ outputs

    def headline(self) -> pd.DataFrame:
        """The current headline table: scenario, component, precision, year, p5, p50, p95,
        implied_cagr, unit (FLOP/s), as :meth:`Simulation.headline` for :meth:`report_years`."""
        return self._headline_frame.copy()

    def thresholds(self) -> pd.DataFrame:
        """P(value > threshold) for the charted component in the threshold year, with MC error."""
        return self._exceed_frame.copy()

    def figure(self, ax=None):
        """The current fan chart (:func:`forecast.plots.fan_chart`) with the data and published
        forecasts of the charted component; ``ax=None`` makes a new figure."""
        from forecast.present import plots

        component = self.controls["component"].value
        sim = self.simulation
        if component not in self._published:
            self._published[component] = scenarios.published(sim, component,
                                                              data_dir=self.data_dir)
        return plots.fan_chart(
            sim, component, ax=ax, history=sim.bases[component].history,
            published=self._published[component], history_label=_("observed (base rows)"),
            title=_("{component}: explored from the {scenario} scenario").format(
                component=_(component), scenario=_(self.start.name)))

    def _svg(self) -> bytes:
        """The chart as SVG bytes, redrawn only when what it shows changed."""
        from matplotlib import rc_context
        from matplotlib.figure import Figure
        from matplotlib.ticker import NullLocator

        key = (self._state(), self.controls["component"].value)
        if getattr(self, "_chart_key", None) == key:
            return self._chart.value
        if language() != SOURCE:  # before the axes exist: their labels take the CJK fallback
            from forecast.present import fonts

            fonts.use_for_charts()
        if not hasattr(self, "_axes"):
            figure = Figure(figsize=_CHART_SIZE, dpi=_CHART_DPI)
            figure.subplots_adjust(**_CHART_MARGINS)
            self._axes = figure.add_subplot()
        self._axes.clear()  # one figure and axes for every update: cheaper than new ones
        buffer = io.BytesIO()
        # a fixed title height: placing it automatically measures every tick label each draw
        with rc_context(_CHART_RC):
            self.figure(ax=self._axes)
            # the interactive chart drops the unlabelled minor ticks: a third of its drawing time
            self._axes.yaxis.set_minor_locator(NullLocator())
            self._axes.figure.savefig(buffer, format="svg")
        self._chart_key = key
        return buffer.getvalue()

    # ------------------------------------------------------------------ saving

    def save_scenario(self, name: str, overwrite: bool = False) -> Path:
        """Write the current assumptions to ``<directory>/<name>.yaml`` and return its path.

        In the scenario format, checked by the scenario loader before it is
        written (:func:`forecast.scenarios.writer.write_scenario`); comments record
        when it was saved, from which scenario and what changed.  An existing
        file is kept unless ``overwrite=True``.  ``name`` is a plain name
        (lower-case letters, digits, ``_`` or ``-``, starting with a letter),
        never a path.
        """
        from forecast.scenarios.writer import write_scenario

        if self.error:
            raise ParameterError(f"the controls are not valid: {self.error}", name="name")
        spec = self.scenario()
        changes = self._changes(spec)
        notes = [f"saved from the scenario explorer (forecast.explore) with "
                 f"{self.controls['n_paths'].value:,} paths, seed {self.seed};",
                 f"`compute-forecast run --scenario {name}` reruns it with notebook 03's "
                 "n_paths and seed.",
                 "changes: " + ("none" if not changes else changes[0]),
                 *[f"         {c}" for c in changes[1:]]]
        description = (f"Explored from the {self.start.name} scenario. "
                       + ("Changed: " + "; ".join(changes) + "." if changes else "No change."))
        return write_scenario(spec, name, directory=self.directory, started_from=self.start,
                              notes=notes, overwrite=overwrite, description=description,
                              label=f"{name} (assumption, explored from {self.start.name})")

    def _changes(self, spec) -> list[str]:
        out = []
        for name in self.projected:
            old, new = self.spec.components[name], spec.components[name]
            if (old.growth.low, old.growth.high) != (new.growth.low, new.growth.high):
                out.append(f"{name} growth {old.growth.low:.1%}..{old.growth.high:.1%}/yr -> "
                           f"{new.growth.low:.1%}..{new.growth.high:.1%}/yr")
            if old.cap != new.cap:
                out.append(f"{name} ceiling {_cap_words(old.cap)} -> {_cap_words(new.cap)}")
        if spec.correlation != self.spec.correlation:
            out.append(f"correlation {self.spec.correlation:g} -> {spec.correlation:g}")
        if spec.end_year != self.spec.end_year:
            out.append(f"end year {self.spec.end_year} -> {spec.end_year}")
        return out

    def _on_save(self, _button) -> None:
        try:
            path = self.save_scenario(self._save_name.value.strip(), self._overwrite.value)
        except ForecastError as err:
            self._save_message.value = f'<span style="color:#a00">{html.escape(str(err))}</span>'
            return
        self._save_message.value = _("saved <code>{path}</code>; rerun with <code>{command}</code>"
                                     ).format(path=html.escape(str(path)),
                                              command=f"compute-forecast run --scenario {path.stem}")


_BOX = []


def _Box(children):
    """The explorer's widget, a VBox that, without a widget front end, reads as a hint."""
    if not _BOX:
        import ipywidgets as w

        class ExplorerBox(w.VBox):
            def __repr__(self) -> str:
                # at most 110 characters: Jupyter cuts longer text/plain reprs of widgets
                return _("Scenario explorer: interactive in JupyterLab (make lab, open "
                         "06_explore.ipynb, Run All Cells)")

        _BOX.append(ExplorerBox)
    return _BOX[0](children)


# ---------------------------------------------------------------------- helpers


def _cap_words(cap) -> str:
    from forecast.units import format_flops

    return "none" if cap is None else format_flops(cap)


def _cap(text: str, name: str):
    from forecast.units import to_flops

    text = (text or "").strip()
    if text.lower() in ("", "none", "null"):
        return None
    try:
        value = to_flops(text)
    except UnitError as err:
        raise ParameterError(str(err), name=name, expected="a FLOP/s figure such as '100 ZFLOPS', "
                             "or empty for none", value=text) from None
    if not (value > 0 and math.isfinite(value)):
        raise ParameterError("must be positive", name=name, value=text)
    return value


def _thresholds_text(value) -> str:
    if isinstance(value, str):
        return value
    return ", ".join(str(v) for v in value)


def _threshold_list(text: str) -> list[float]:
    from forecast.units import to_flops

    items = [t.strip() for t in re.split(r"[,;]", text) if t.strip()]
    if not items or len(items) > 10:
        raise ParameterError("wrong value", name="thresholds",
                             expected="1 to 10 FLOP/s figures separated by commas, "
                                      "e.g. '56 ZFLOPS, 20 ZFLOPS'", value=text)
    try:
        return [to_flops(t) for t in items]
    except UnitError as err:
        raise ParameterError(str(err), name="thresholds",
                             expected="FLOP/s figures such as '56 ZFLOPS'", value=text) from None


#: compact tables inside the widget (JupyterLab's own table style is roomy)
_TABLE_STYLE = "border-collapse:collapse;font-size:12px;line-height:1.25;margin:4px 0"


def _headline_html(table: pd.DataFrame) -> str:
    from forecast.units import format_flops

    rows = "".join(
        f"<tr><td>{html.escape(_(r.component))}</td><td>{html.escape(_(r.precision))}</td>"
        f"<td>{r.year}</td><td>{format_flops(r.p5)}</td><td><b>{format_flops(r.p50)}</b></td>"
        f"<td>{format_flops(r.p95)}</td><td>{r.implied_cagr:.1%}</td></tr>"
        for r in table.itertuples(index=False))
    caption = _("Headline: percentiles of the paths (FLOP/s); CAGR of the median from the base "
                "year")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (
        _("component"), _("precision"), _("year"), "p5", "p50", "p95", _("median CAGR")))
    return (f'<table class="cf-table" style="{_TABLE_STYLE}"><caption>{caption}</caption>'
            f'<tr>{head}</tr>{rows}</table>')


def _thresholds_html(table: pd.DataFrame) -> str:
    if table.empty:
        return ""
    first = table.iloc[0]
    rows = "".join(f"<tr><td>{html.escape(_(r.label))}</td><td>{r.probability:.1%}</td>"
                   f"<td>{r.mc_stderr:.1%}</td></tr>" for r in table.itertuples(index=False))
    caption = _("Probability that {component} ({precision}) exceeds each threshold in {year}"
                ).format(component=html.escape(_(first.component)),
                         precision=html.escape(_(first.precision)), year=first.year)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (_("threshold"), _("probability"),
                                                          _("MC std. error")))
    return (f'<table class="cf-table" style="{_TABLE_STYLE}"><caption>{caption}</caption>'
            f'<tr>{head}</tr>{rows}</table>')
