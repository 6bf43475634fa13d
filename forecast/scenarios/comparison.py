"""Every scenario side by side: one comparison, built once, for notebook 03 and the site.

Notebook 03 simulates every scenario file and writes three tables; the scenario pages of the
site read those tables back from each scenario's own run. Both go through :class:`Comparison`,
so the pivots a reader sees (medians by scenario, threshold probabilities by scenario) are the
same computation wherever they appear.

>>> from forecast.scenarios import comparison
>>> c = comparison.simulate_all(["bear", "base"], n_paths=200, seed=1, end_year=2030,
...                             thresholds=["56 ZFLOPS"], threshold_year=2030)
>>> list(c.medians().columns[-2:])
['bear', 'base']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: percentiles drawn in the fans of the comparison
FAN_PERCENTILES = (5, 25, 50, 75, 95)
#: the tables a scenario run writes, read back by :func:`from_tables`
TABLES = ("scenarios_headline", "scenarios_percentiles", "scenarios_thresholds")


@dataclass(frozen=True)
class Comparison:
    """The scenarios' results side by side (frames in long form, one ``scenario`` column each).

    headline : percentiles p5/p50/p95 and implied growth by scenario, component and year
        (:meth:`Simulation.headline`).
    percentiles : the fan percentiles (5, 25, 50, 75, 95) by scenario, component and year.
    thresholds : the share of paths above each threshold by scenario (may be empty).
    """

    headline: pd.DataFrame
    percentiles: pd.DataFrame
    thresholds: pd.DataFrame

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in the order they were given."""
        frames = (self.headline, self.percentiles, self.thresholds)
        return list(dict.fromkeys(name for f in frames if "scenario" in f for name in f["scenario"]))

    def medians(self) -> pd.DataFrame:
        """Median (p50) FLOP/s: one row per component, precision and year, one column per scenario."""
        needed = {"component", "precision", "year", "scenario", "p50"}
        if self.headline.empty or not needed <= set(self.headline):
            return pd.DataFrame(columns=["component", "precision", "year"])
        pivot = self.headline.pivot_table(index=["component", "precision", "year"],
                                          columns="scenario", values="p50", sort=False)
        return pivot[[s for s in self.scenarios if s in pivot]].reset_index().rename_axis(
            columns=None)

    def probabilities(self) -> pd.DataFrame:
        """Share of paths above each threshold: one row per component, year and threshold label,
        one column per scenario (fractions in [0, 1])."""
        needed = {"component", "year", "label", "scenario", "probability"}
        if self.thresholds.empty or not needed <= set(self.thresholds):
            return pd.DataFrame(columns=["component", "year", "label"])
        pivot = self.thresholds.pivot_table(index=["component", "year", "label"],
                                            columns="scenario", values="probability", sort=False)
        return pivot[[s for s in self.scenarios if s in pivot]].reset_index().rename_axis(
            columns=None)

    def fans(self, component: str = "total") -> pd.DataFrame:
        """The fan percentiles of one component, every scenario."""
        if self.percentiles.empty or "component" not in self.percentiles:
            return self.percentiles
        return self.percentiles[self.percentiles["component"] == component]


def compare(simulations: Mapping[str, object], *, years: Sequence[int] = (2030, 2035),
            thresholds: Iterable = (), threshold_year: int = 2030,
            component: str = "total") -> Comparison:
    """Side by side results of simulations already run (name -> :class:`Simulation`).

    ``thresholds`` are FLOP/s values or strings (``"56 ZFLOPS"``) for ``component`` in
    ``threshold_year``; none gives an empty ``thresholds`` frame.
    """
    thresholds = list(thresholds)
    sims = list(simulations.values())
    headline = pd.concat([s.headline(years=years) for s in sims], ignore_index=True)
    percentiles = pd.concat([s.percentiles(FAN_PERCENTILES) for s in sims])
    probabilities = (pd.concat([s.exceedance(component, threshold_year, thresholds)
                                for s in sims], ignore_index=True)
                     if thresholds else pd.DataFrame())
    return Comparison(headline, percentiles, probabilities)


def simulate_all(names: Iterable[str] | None = None, *, n_paths: int = 10_000, seed: int = 0,
                 end_year: int = 2035, data_dir: str | os.PathLike | None = None,
                 years: Sequence[int] | None = None, thresholds: Iterable = (),
                 threshold_year: int = 2030) -> Comparison:
    """Simulate every named scenario (None: every file in ``notebooks/params/``) and compare them.

    Each scenario is drawn with the same ``n_paths`` and ``seed``; ``years`` defaults to
    2030 and 2035 where they are not after ``end_year``.
    """
    from forecast.scenarios import montecarlo, spec

    names = spec.available_scenarios() if names is None else list(names)
    if years is None:
        years = [y for y in (2030, 2035) if y <= end_year]
    sims = {name: montecarlo.simulate(spec.load_scenario(name), n_paths=n_paths, seed=seed,
                                      end_year=end_year, data_dir=data_dir)
            for name in names}
    return compare(sims, years=years, thresholds=thresholds, threshold_year=threshold_year)


def _own_rows(path: Path, name: str) -> pd.DataFrame | None:
    """The rows of ``name`` in a scenario table, or None when the file is missing or unreadable."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError):
        return None
    return frame[frame["scenario"] == name] if "scenario" in frame else None


def from_tables(runs: Iterable[tuple[str, str | os.PathLike]]) -> Comparison:
    """The comparison of scenario runs already written: (name, run folder) pairs.

    Each folder's ``tables/scenarios_headline.csv``, ``scenarios_percentiles.csv`` and
    ``scenarios_thresholds.csv`` contribute that scenario's own rows; a missing table
    contributes nothing (the pivots then say what is missing by being empty).
    """
    found: dict[str, list[pd.DataFrame]] = {table: [] for table in TABLES}
    for name, folder in runs:
        for table in TABLES:
            rows = _own_rows(Path(folder) / "tables" / f"{table}.csv", name)
            if rows is not None:
                found[table].append(rows)
    frames = [pd.concat(found[t], ignore_index=True) if found[t] else pd.DataFrame()
              for t in TABLES]
    return Comparison(*frames)
