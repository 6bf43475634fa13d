"""Scenarios (bear, base, bull) as YAML files, and a seeded Monte Carlo over them.

A scenario file (``notebooks/params/<name>.yaml``; reading, validation and
names live in :mod:`forecast.scenarios.spec`, re-exported here) states, per
component of global compute, where the starting value comes from (rows of a dataset, read with
:func:`forecast.data.load` and :func:`forecast.data.series`), an assumed growth
range, an optional cap and the horizon.  Components keep their own precision
(CAICT counts basic compute in FP32, intelligent in FP16, supercomputing in
FP64); a component may be declared as the sum of others only with precision
``mixed``, which is how the CAICT-style "total" is rebuilt, labelled as such.

Growth uncertainty follows Epoch AI's convention of stating a 90% interval for
a growth factor and reading it as a lognormal: the yearly growth factor
``1 + g`` has ``ln(1 + g) ~ Normal(mu, sigma)`` with ``exp(mu +- 1.645 sigma)``
equal to ``1 + low`` and ``1 + high``.  The draw is made either once per path
(``per: path``, uncertainty about the trend: the 90% range is a range for the
average growth over the horizon) or every year (``per: year``, independent
yearly shocks, so the spread of the level grows like the square root of time).

Paths are computed as ``project(value, g_mid, k) * exp(sigma * D)``, where
``g_mid`` is the median growth, ``k`` the years since the base year and ``D``
the standard-normal deviation of the path (``z * k`` or a cumulative sum of
yearly ``z``).  With zero spread ``exp(0) == 1`` and the paths equal
:func:`forecast.growth.project` exactly, which the tests check.

Instead of a stated range, ``growth: {fit: cagr}`` (or ``exponential``) takes
the range from a model fitted to the base rows (its growth rate and
``FitResult.cov``; see :func:`resolve`).  Components are drawn independently
unless the file sets ``correlation`` (a shared normal shock).

Randomness comes from :class:`numpy.random.Generator` streams derived from the
seed and the component's name (``SeedSequence([seed, crc32(name)])``), so the
same seed gives identical tables on any run and a component's draws do not
change when another component is added.

Everything is in FLOP/s; growth rates are fractions per year (0.44 = +44%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from forecast.errors import ForecastError, ParameterError
from forecast.scenarios.spec import (  # noqa: F401  (the format's public names, re-exported)
    FIT_MODELS,
    FORMAT,
    NAME,
    Z90,
    BaseSource,
    Component,
    Growth,
    Scenario,
    available_scenarios,
    check_name,
    load_scenario,
    params_dir,
    parse_scenario,
    unreadable_files,
)

#: Default percentiles of the summary tables.
PERCENTILES = (5, 50, 95)
#: Most paths per component, last year simulated, and most values (paths x years) in one
#: component's array (8 bytes each): larger requests are refused before any memory is taken.
MAX_PATHS = 2_000_000
MAX_END_YEAR = 2100
MAX_CELLS = 40_000_000


# --------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class Base:
    """A component's resolved starting point: the observed series and the base year's value.

    ``history`` is the selected data series (FLOP/s, indexed by year) whose
    ``attrs`` carry the unit, precision and sources; ``value`` is its value in ``year``.
    """

    year: int
    value: float
    history: pd.Series = field(repr=False)


def resolve(scenario: Scenario, data_dir=None) -> tuple[Scenario, dict[str, Base]]:
    """Read each projected component's base rows from the data; turn fits into ranges.

    A ``growth: {fit: cagr}`` (or ``exponential``) assumption is resolved by
    fitting that model (:func:`forecast.models.fit`) to the base series up to
    the base year: both estimate ``b = ln(1 + growth)`` with a normal standard
    error ``se_b = sqrt(cov[growth, growth]) / (1 + growth)`` (the delta method
    run backwards) on the fit's ``df_resid`` degrees of freedom, so the range is
    ``exp(b -+ t(0.95, df_resid) se_b) - 1`` (Student t, as R's ``confint`` for
    ``lm``; 6.31 instead of 1.645 when three rows leave one degree of freedom),
    then drawn as the same lognormal as a stated range.  Only the growth is drawn: the projection is
    anchored at the observed base value, so the fitted level is not used.

    Returns
    -------
    (Scenario, dict)
        The scenario with every growth range filled in, and ``{component: Base}``
        (sum components get the sum of their members' bases).

    Raises
    ------
    ParameterError
        Naming the scenario file and the ``components.<name>.base...`` key when a
        dataset is unknown, the filters select no rows or rows of several years'
        conflicting sources, the precision differs from the component's, or the
        base year is not in the data.
    """
    from forecast import data

    bases, frames = {}, {}
    for comp in scenario.components.values():
        if comp.base is None:
            continue
        key = f"components.{comp.name}.base"
        src = comp.base
        try:
            if src.dataset not in frames:
                frames[src.dataset] = data.load(src.dataset, data_dir=data_dir)
            history = data.series(frames[src.dataset], **dict(src.where))
        except ForecastError as err:
            raise ParameterError(f"cannot read the base rows: {err}", name=key,
                                 source=scenario.source) from err
        found = history.attrs.get("precision")
        if found != comp.precision:
            raise ParameterError(
                f"the rows are {found} FLOP/s but the component is declared {comp.precision}",
                name=f"components.{comp.name}.precision", source=scenario.source,
                expected=repr(found), value=comp.precision)
        year = src.year if src.year is not None else int(history.index.max())
        if year not in history.index:
            raise ParameterError("no data row for the base year", name=f"{key}.year",
                                 source=scenario.source,
                                 expected="one of " + ", ".join(map(str, history.index)),
                                 value=year)
        value = float(history.loc[year])
        if comp.cap is not None and value > comp.cap:
            raise ParameterError("the cap is below the base value",
                                 name=f"components.{comp.name}.cap", source=scenario.source,
                                 expected=f"a cap above {value:.4g} FLOP/s", value=comp.cap)
        bases[comp.name] = Base(year, value, history)
        if comp.growth.fit is not None:
            scenario = _fitted_growth(scenario, comp, history.loc[:year])
    for comp in scenario.components.values():
        if comp.sum_of:
            years = {bases[m].year for m in comp.sum_of}
            if len(years) > 1:
                raise ParameterError(
                    "members have different base years", name=f"components.{comp.name}.sum_of",
                    source=scenario.source,
                    expected="members sharing one base year (set base.year)",
                    value={m: bases[m].year for m in comp.sum_of})
            year = years.pop()
            bases[comp.name] = Base(year, float(sum(bases[m].value for m in comp.sum_of)),
                                    _summed_history(comp, bases))
    return scenario, bases


def _fitted_growth(scenario: Scenario, comp: Component, history: pd.Series) -> Scenario:
    from forecast.models import fit
    from forecast.models.base import t_quantile

    key = f"components.{comp.name}.growth.fit"
    try:
        result = fit(comp.growth.fit, history)
    except ForecastError as err:
        raise ParameterError(f"cannot fit {comp.growth.fit!r} to the base rows: {err}", name=key,
                             source=scenario.source) from err
    growth = float(result.params["growth"])
    variance = float(result.cov.loc["growth", "growth"])
    if not (math.isfinite(variance) and variance >= 0):
        raise ParameterError("the fit gives no finite variance for the growth rate", name=key,
                             source=scenario.source, value=variance)
    b, se_b = math.log1p(growth), math.sqrt(variance) / (1 + growth)
    # se_b is estimated on the fit's residual degrees of freedom, so the 90% range of b
    # is b -+ t(0.95, df) se_b (as R's confint.lm), not the normal 1.645
    quantile = t_quantile(0.9, result.df_resid)
    low, high = math.expm1(b - quantile * se_b), math.expm1(b + quantile * se_b)
    new = replace(comp, growth=replace(comp.growth, low=low, high=high))
    return replace(scenario, components=MappingProxyType({**scenario.components, comp.name: new}))


def _summed_history(comp: Component, bases) -> pd.Series:
    """Sum of the members' observed series over the years they all have (mixed precision)."""
    frame = pd.concat({m: bases[m].history for m in comp.sum_of}, axis=1).dropna()
    total = frame.sum(axis=1).rename(comp.name)
    total.attrs = {"unit": "FLOP/s", "precision": comp.precision,
                   "sources": [s for m in comp.sum_of
                               for s in bases[m].history.attrs.get("sources", [])
                               if s.get("year") in total.index]}
    return total


#: two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``
Z95 = 1.959963984540054


def mc_error(p: float, n: int) -> dict[str, float]:
    """Monte Carlo error of a proportion ``p`` of ``n`` paths: stderr and 95% interval.

    ``{"mc_stderr", "mc_low", "mc_high"}``: the binomial standard error
    ``sqrt(p (1 - p) / n)`` with ``p -+ 1.96 se`` clipped to [0, 1]; at ``p == 0``
    (or 1) the rule-of-three bound ``[0, 3 / n]`` (or ``[1 - 3 / n, 1]``), the
    one-sided 95% limit ``1 - 0.05 ** (1 / n)`` rounded up, with the stderr it implies,
    ``3 / (1.96 n)``, instead of a standard error of 0.
    """
    if p <= 0 or p >= 1:
        bound = min(3.0 / n, 1.0)
        low, high = (0.0, bound) if p <= 0 else (1.0 - bound, 1.0)
        return {"mc_stderr": bound / Z95, "mc_low": low, "mc_high": high}
    se = math.sqrt(p * (1 - p) / n)
    return {"mc_stderr": se, "mc_low": max(p - Z95 * se, 0.0), "mc_high": min(p + Z95 * se, 1.0)}


def _check_int(name, value, low, high=None):
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low
            or (high is not None and value > high)):
        top = None if high is None else f"{high:,}" if high >= 10_000 else str(high)
        bounds = f"an integer >= {low}" if high is None else f"an integer from {low} to {top}"
        raise ParameterError("wrong value", name=name, expected=bounds, value=value)
    return int(value)


@dataclass(frozen=True)
class Simulation:
    """Monte Carlo paths of every component of a scenario.

    ``years[c]`` (shape (n_years,)) and ``paths[c]`` (shape (n_paths, n_years),
    FLOP/s, read-only) per component name ``c``; column 0 is the base year.
    """

    scenario: Scenario
    n_paths: int
    seed: int
    bases: MappingProxyType = field(repr=False)
    years: MappingProxyType = field(repr=False)
    paths: MappingProxyType = field(repr=False)

    def _component(self, component: str) -> Component:
        return self.scenario._get(component)

    def quantile_values(self, component: str, q) -> np.ndarray:
        """Percentiles ``q`` (0-100) of ``component`` in each year: shape (len(q), n_years),
        FLOP/s (numpy's default "linear" method)."""
        return np.percentile(self.paths[component], q, axis=0)

    def percentiles(self, q=PERCENTILES, components=None) -> pd.DataFrame:
        """Tidy percentile table: scenario, component, precision, year, p<q>..., unit (FLOP/s)."""
        q = _check_percentiles(q)
        rows = []
        for name in components or self.scenario.components:
            comp = self._component(name)
            values = self.quantile_values(name, q)  # (len(q), n_years)
            frame = pd.DataFrame(values.T, columns=[_pname(x) for x in q])
            frame.insert(0, "year", self.years[name])
            frame.insert(0, "precision", comp.precision)
            frame.insert(0, "component", name)
            frame.insert(0, "scenario", self.scenario.name)
            frame["unit"] = "FLOP/s"
            rows.append(frame)
        return pd.concat(rows, ignore_index=True)

    def headline(self, years=(2030, 2035), q=PERCENTILES) -> pd.DataFrame:
        """Percentiles in ``years`` with the CAGR implied by the median from the base year.

        Columns: scenario, component, precision, year, p<q>..., implied_cagr, unit.
        ``implied_cagr`` is ``(p50 / base value) ** (1 / (year - base year)) - 1``.
        """
        from forecast.growth import implied_cagr

        q = _check_percentiles(tuple(sorted(set(q) | {50})))
        table = self.percentiles(q)
        table = table[table["year"].isin(list(years))].reset_index(drop=True)
        base_value = table["component"].map(lambda c: self.bases[c].value)
        periods = table["year"] - table["component"].map(lambda c: self.bases[c].year)
        table.insert(len(table.columns) - 1, "implied_cagr",
                     implied_cagr(base_value.to_numpy(float), table["p50"].to_numpy(float),
                                  periods.to_numpy(float)))
        return table

    def exceedance(self, component: str, year: int, thresholds) -> pd.DataFrame:
        """P(value in ``year`` > threshold) for each threshold (FLOP/s or text like '56 ZFLOPS').

        Columns: scenario, component, precision, year, threshold (FLOP/s), label,
        probability, mc_stderr, mc_low, mc_high.  ``mc_stderr`` is the binomial
        standard error ``sqrt(p (1 - p) / n_paths)`` and ``[mc_low, mc_high]`` the
        95% Monte Carlo interval ``p -+ 1.96 mc_stderr`` clipped to [0, 1].  When
        no path (or every path) exceeds the threshold that formula gives 0, which
        is not an honest error; the rule of three (Hanley and Lippman-Hand 1983,
        JAMA 249(13): 1743-1745) bounds p below ``3 / n_paths`` at 95%
        (``[1 - 3 / n_paths, 1]`` when every path exceeds), and ``mc_stderr`` is
        then the standard error that interval implies, ``3 / (1.96 n_paths)``.
        """
        from forecast.units import format_flops, to_flops

        comp = self._component(component)
        column = self._column(component, year)
        rows = []
        for threshold in thresholds:
            flops = to_flops(threshold)
            p = float(np.mean(column > flops))
            rows.append({"scenario": self.scenario.name, "component": component,
                         "precision": comp.precision, "year": year, "threshold": flops,
                         "label": f"> {format_flops(flops)}", "probability": p,
                         **mc_error(p, self.n_paths)})
        return pd.DataFrame(rows)

    def _column(self, component: str, year: int) -> np.ndarray:
        self._component(component)
        years = self.years[component]
        if year not in years:
            raise ParameterError("year outside the simulated range", name="year",
                                 expected=f"{years[0]}..{years[-1]}", value=year)
        return self.paths[component][:, int(np.searchsorted(years, year))]

    def percentile_of(self, component: str, year: int, value: float) -> float:
        """Share of paths (in %) at or below ``value`` FLOP/s in ``year``: where a figure falls."""
        return float(np.mean(self._column(component, year) <= value) * 100)

    def assumptions(self) -> pd.DataFrame:
        """The scenario's assumptions as a table, one row per component.

        Columns: component, precision, label, base_year, base_value (FLOP/s),
        base_status (status of the base row), low, median, high (growth per
        year), sigma (of ln(1 + g)), per, cap (FLOP/s or NaN), rows (dataset and
        filters, or the summed components).
        """
        rows = []
        for name, comp in self.scenario.components.items():
            base = self.bases[name]
            statuses = sorted({s.get("status", "") for s in base.history.attrs.get("sources", [])
                               if s.get("year") == base.year})
            g = comp.growth
            rows.append({
                "component": name, "precision": comp.precision, "label": comp.label,
                "base_year": base.year, "base_value": base.value,
                "base_status": ", ".join(statuses),
                "low": g.low if g else math.nan, "median": g.rate if g else math.nan,
                "high": g.high if g else math.nan, "sigma": g.sigma if g else math.nan,
                "per": (g.per + (f" (fit: {g.fit})" if g.fit else "")) if g else "",
                "cap": comp.cap if comp.cap is not None else math.nan,
                "rows": ("sum of " + " + ".join(comp.sum_of)) if comp.sum_of else
                f"{comp.base.dataset}: "
                + ", ".join(f"{k}={v}" for k, v in comp.base.where.items()),
            })
        return pd.DataFrame(rows)

    def median_path(self, component: str) -> pd.Series:
        """The path with every growth at its median rate (no Monte Carlo), FLOP/s by year."""
        years = self.years[component]
        return pd.Series(_deterministic(self.scenario, self.bases, component, years),
                         index=pd.Index(years, name="year"), name=component)

    def forecasts(self, years=(2030, 2035), target: str = "global compute") -> pd.DataFrame:
        """Rows for ``tables/headline_<notebook>.csv`` (schema :mod:`forecast.headline`).

        ``median`` and ``mean`` are the sample median and mean of the paths;
        ``lower``/``upper`` the 5th/95th percentiles (``level`` 0.9); ``scope``
        is the ``scope`` filter of the component's base rows.
        """
        from forecast.data import headline

        rows = []
        for name, comp in self.scenario.components.items():
            first = self.scenario.components[comp.sum_of[0] if comp.sum_of else name]
            scope = first.base.where.get("scope", "")
            for year in years:
                values = self._column(name, year)
                lower, median, upper = np.percentile(values, [5, 50, 95])
                rows.append({"target": target, "scope": scope, "component": name,
                             "precision": comp.precision, "year": year,
                             "model": f"monte-carlo {self.scenario.name} scenario",
                             "median": float(median), "mean": float(np.mean(values)),
                             "lower": float(lower), "upper": float(upper), "level": 0.9,
                             "unit": "FLOP/s"})
        return headline.table(rows)

    def sensitivity(self, component: str = "total", year: int = 2030) -> pd.DataFrame:
        """One-at-a-time sensitivity of ``component``'s ``year`` value (tornado chart input).

        Every assumption feeding ``component`` is moved alone to each end of its
        range while the others stay at their median: growth to ``low`` and
        ``high`` (the 5th and 95th percentiles of its lognormal), a cap removed.
        No Monte Carlo: the values are deterministic projections.

        Returns a DataFrame sorted by ``swing`` (largest first) with columns
        assumption, key, input_low, input_high, value_low, value_high, value_base,
        swing (``|value_high - value_low|``, FLOP/s), component, year, precision.
        """
        comp = self._component(component)
        years = np.array([year])
        if year < self.bases[component].year:
            raise ParameterError("year before the base year", name="year",
                                 expected=f">= {self.bases[component].year}", value=year)
        members = comp.sum_of or (component,)
        base = float(_deterministic(self.scenario, self.bases, component, years)[0])
        rows = []
        for member in members:
            g = self.scenario.components[member].growth
            ends = []
            for rate in (g.low, g.high):
                varied = self.scenario.with_growth(member, rate, rate)
                ends.append(float(_deterministic(varied, self.bases, component, years)[0]))
            rows.append({"assumption": f"{member} growth", "key": f"components.{member}.growth",
                         "input_low": g.low, "input_high": g.high,
                         "value_low": ends[0], "value_high": ends[1]})
            cap = self.scenario.components[member].cap
            if cap is not None:
                uncapped = self.scenario.with_cap(member, None)
                value = float(_deterministic(uncapped, self.bases, component, years)[0])
                rows.append({"assumption": f"{member} cap", "key": f"components.{member}.cap",
                             "input_low": cap, "input_high": math.inf,
                             "value_low": base, "value_high": value})
        table = pd.DataFrame(rows)
        table["value_base"] = base
        table["swing"] = (table["value_high"] - table["value_low"]).abs()
        table["component"], table["year"], table["precision"] = component, year, comp.precision
        return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _pname(q: float) -> str:
    return f"p{q:g}"


def _check_percentiles(q) -> tuple:
    values = tuple(q)
    if not values or any(isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x <= 100
                         for x in values):
        raise ParameterError("wrong value", name="percentiles",
                             expected="numbers between 0 and 100", value=q)
    return tuple(sorted(set(values)))


def _deterministic(scenario: Scenario, bases, component: str, years: np.ndarray) -> np.ndarray:
    """Values in ``years`` with each growth at its median rate (caps applied), FLOP/s."""
    from forecast.growth import project

    comp = scenario.components[component]
    if comp.sum_of:
        return sum(_deterministic(scenario, bases, m, years) for m in comp.sum_of)
    base = bases[component]
    values = project(base.value, comp.growth.rate, np.asarray(years, dtype=float) - base.year)
    values = np.atleast_1d(values)
    return values if comp.cap is None else np.minimum(values, comp.cap)


def simulate(scenario: Scenario | str, *, n_paths: int = 10_000, seed: int = 0,
             end_year: int | None = None, data_dir=None) -> Simulation:
    """Monte Carlo paths of every component of ``scenario`` (a :class:`Scenario` or a name).

    Parameters
    ----------
    n_paths : number of paths per component.
    seed : non-negative integer; the same seed gives the same paths on any run.
    end_year : last simulated year (default: the scenario's ``end_year``).
    data_dir : data folder passed to :func:`forecast.data.load` (None: the project's).

    Returns
    -------
    Simulation
        ``paths[c]`` of shape (n_paths, end_year - base_year + 1), FLOP/s.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    n_paths = _check_int("n_paths", n_paths, 1, MAX_PATHS)
    seed = _check_int("seed", seed, 0)
    end_year = (scenario.end_year if end_year is None
                else _check_int("end_year", end_year, 1990, MAX_END_YEAR))
    scenario, bases = resolve(scenario, data_dir)
    if end_year <= max(b.year for b in bases.values()):
        raise ParameterError("must be after every base year", name="end_year",
                             expected=f"> {max(b.year for b in bases.values())}", value=end_year)
    cells = n_paths * (end_year - min(b.year for b in bases.values()) + 1)
    if cells > MAX_CELLS:  # one float64 array of this size per component
        raise ParameterError(f"n_paths x years = {cells:,} values per component is more than "
                             f"the limit of {MAX_CELLS:,} ({MAX_CELLS * 8 // 2**20} MiB)",
                             name="n_paths", expected="fewer paths or an earlier end_year",
                             value=n_paths)

    from forecast.scenarios.draws import Draws

    years, paths = Draws(scenario, bases, n_paths, seed, end_year).paths(scenario)
    return Simulation(scenario, n_paths, seed, MappingProxyType(dict(bases)), years, paths)


# --------------------------------------------------------------------------- evidence

#: Columns of :func:`evidence`.
EVIDENCE_COLUMNS = ("component", "kind", "scope", "precision", "period", "rate", "bound",
                    "publisher", "document", "status", "dataset", "line")


def evidence(scenario: Scenario | str, data_dir=None) -> pd.DataFrame:
    """Growth rates in the data that a scenario's ranges can be checked against.

    For each component (its data ``scope`` and ``component`` taken from the
    base filters; for a sum, from its members):

    * ``observed``: year-on-year growth of the component's base series
      (``(v2 / v1) ** (1 / gap) - 1``; ``status`` is the weaker of the two rows');
    * ``stated CAGR``: the ``stated_cagr`` of ``compute_forecasts`` rows for the
      same component, any scope (a China CAGR is growth evidence, not a level);
    * ``implied by level``: the CAGR taking the component's base value to a
      published forecast level of the same scope, component and precision
      (``bound`` "lower" when the publisher said "more than").

    Forecasts stated as multiples ("x 500") are left out: their base year is not
    stated.  Rates are fractions per year, rounded to 4 decimals.
    """
    from forecast import data
    from forecast.growth import implied_cagr

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    scenario, bases = resolve(scenario, data_dir)
    forecasts = data.load("compute_forecasts", data_dir=data_dir)
    rank = {"verified-primary": 0, "verified-secondary": 1, "derived": 2, "estimate": 3,
            "claim": 4, "recalled": 5}
    rows = []
    for comp in scenario.components.values():
        members = comp.sum_of or (comp.name,)
        where = dict(scenario.components[members[0]].base.where)
        label = comp.name if comp.sum_of else where.get("component", comp.name)
        scope = where.get("scope")
        base = bases[comp.name]
        sources = {s["year"]: s for s in base.history.attrs.get("sources", [])}
        history = base.history
        for (y1, v1), (y2, v2) in zip(history.items(), list(history.items())[1:]):
            s1, s2 = sources.get(y1, {}), sources.get(y2, {})
            weaker = max((s1.get("status", ""), s2.get("status", "")), key=lambda x: rank.get(x, 9))
            if comp.sum_of:  # several rows per year: cite the dataset, not one line
                s2 = {"publisher": s2.get("publisher", ""), "line": None,
                      "document": "sum of " + ", ".join(comp.sum_of) + " (mixed precisions)"}
                weaker = max((s["status"] for s in history.attrs["sources"]
                              if s["year"] in (y1, y2)), key=lambda x: rank.get(x, 9))
            rows.append({"component": comp.name, "kind": "observed", "scope": scope,
                         "precision": comp.precision, "period": f"{y1}-{y2}",
                         "rate": (v2 / v1) ** (1 / (y2 - y1)) - 1, "bound": "point",
                         "publisher": s2.get("publisher", ""), "document": s2.get("document", ""),
                         "status": weaker, "dataset": scenario.components[members[0]].base.dataset,
                         "line": s2.get("line")})
        same = forecasts[forecasts["component"] == label]
        for line, row in same.iterrows():
            common = {"component": comp.name, "scope": row["scope"],
                      "precision": row["precision"], "publisher": row["publisher"],
                      "document": row["document"], "status": row["status"],
                      "dataset": "compute_forecasts", "line": int(line)}
            if pd.notna(row["stated_cagr"]):
                rows.append({**common, "kind": "stated CAGR",
                             "period": f"{row['cagr_from']}-{row['cagr_to']}",
                             "rate": float(row["stated_cagr"]), "bound": row["bound"]})
            if (row["kind"] == "forecast" and pd.notna(row["flops"]) and row["scope"] == scope
                    and row["precision"] == comp.precision and row["year"] > base.year):
                rows.append({**common, "kind": "implied by level",
                             "period": f"{base.year}-{row['year']}",
                             "rate": implied_cagr(base.value, row["flops"],
                                                  row["year"] - base.year),
                             "bound": row["bound"]})
    table = pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
    table["rate"] = table["rate"].astype(float).round(4)
    table["line"] = table["line"].astype("Int64")
    return table


def published(simulation: Simulation, component: str, data_dir=None) -> pd.DataFrame:
    """Published forecasts comparable with a component, to mark on its fan chart.

    Rows of ``compute_forecasts`` with kind "forecast", a FLOP/s value, and the
    component's data scope, component name and precision (a mixed total is
    compared only with mixed totals).  Columns: year, flops (FLOP/s), bound,
    label (e.g. "CAICT WP 2022: 56 ZFLOPS (2022-11-05)"; "> " for lower bounds),
    publisher, published, status, line.
    """
    from forecast import data
    from forecast.units import format_flops

    comp = simulation.scenario._get(component)
    first = comp.sum_of[0] if comp.sum_of else component
    where = dict(simulation.scenario.components[first].base.where)
    name = component if comp.sum_of else where.get("component", component)
    frame = data.load("compute_forecasts", data_dir=data_dir)
    rows = frame[(frame["kind"] == "forecast") & frame["flops"].notna()
                 & (frame["component"] == name) & (frame["precision"] == comp.precision)]
    if "scope" in where:
        rows = rows[rows["scope"] == where["scope"]]
    out = pd.DataFrame({
        "year": rows["year"].astype(int), "flops": rows["flops"].astype(float),
        "bound": rows["bound"],
        # the English part of the publisher's name (fonts for CJK are not guaranteed)
        "label": [f"{p.split(' (')[0]} {e}: {'> ' if b == 'lower' else ''}{format_flops(f)} ({d})"
                  for p, e, b, f, d in zip(rows["publisher"], rows["edition"], rows["bound"],
                                           rows["flops"], rows["published"])],
        "publisher": rows["publisher"], "published": rows["published"],
        "status": rows["status"], "line": rows.index.astype(int)})
    return out.reset_index(drop=True)
