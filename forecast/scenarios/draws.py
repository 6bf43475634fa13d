"""The random draws of a scenario simulation, made once and reused for any growth range.

:func:`forecast.scenarios.simulate` writes every path of a projected component as
``project(base, g_median, k) * exp(sigma * D)``, where ``D`` (the *unit deviation*, shape
(n_paths, n_years)) depends only on the seed, the number of paths, the component's draw mode
(``per: path`` or ``per: year``), the correlation and, for yearly draws, the end year; never
on the growth range or the ceiling. :class:`Draws` holds the standard-normal draws behind
``D`` (each component's own stream and the shared stream of correlated draws), and
:meth:`Draws.paths` turns them into paths for any growth ranges, ceilings and correlation:
``simulate`` itself computes its paths this way, so the scenario explorer, which keeps one
:class:`Draws` and moves a control, shows exactly the headless run's numbers while only
rescaling stored draws.

Streams: each component draws from ``stream(seed, component name)``, correlated draws from
``stream(seed, "__common__")`` (one value per path, then one per path and calendar year), so
adding a component or a correlation never changes another component's draws.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from forecast.scenarios.montecarlo import Simulation


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of one named stream of a seeded simulation."""
    # crc32 (not hash()) so the stream is the same in every Python process.
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


def unit_deviation(z: np.ndarray, per: str, n_years: int) -> np.ndarray:
    """``D`` from standard normals ``z``: shape (n_paths, n_years), column 0 (the base year) 0.

    ``per == "path"``: one draw per path, ``z`` of shape (n_paths,), ``D = z k`` (a constant
    growth factor compounds); ``per == "year"``: ``z`` of shape (n_paths, n_years - 1), ``D``
    their running sum (a random walk of log growth).
    """
    if per == "path":
        return np.multiply.outer(z, np.arange(n_years, dtype=float))  # ln F^k = k ln F
    deviation = np.zeros((z.shape[0], n_years))
    np.cumsum(z, axis=1, out=deviation[:, 1:])
    return deviation


def mix(own: np.ndarray, shared: np.ndarray | None, rho: float) -> np.ndarray:
    """Correlated standard normals: ``sqrt(rho) shared + sqrt(1 - rho) own`` (``own`` if rho 0)."""
    if not rho:
        return own
    return math.sqrt(rho) * shared + math.sqrt(1 - rho) * own


class Draws:
    """Standard-normal draws of a scenario's projected components, for one number of paths,
    seed and end year.

    Parameters
    ----------
    scenario : the :class:`~forecast.scenarios.Scenario` (its components and draw modes).
    bases : component -> base (``year``, ``value``), as :func:`forecast.scenarios.resolve` gives.
    n_paths, seed : as :func:`forecast.scenarios.simulate`.
    end_year : last simulated year.
    """

    def __init__(self, scenario, bases, n_paths: int, seed: int, end_year: int):
        self.scenario, self.bases = scenario, bases
        self.n_paths, self.seed, self.end_year = n_paths, seed, end_year
        self.projected = [c for c in scenario.components.values() if not c.sum_of]
        self._calendar_start = min(b.year for b in bases.values()) + 1  # first yearly shock
        self._common = None  # (per path, per path and calendar year), drawn when first needed
        self._own = {}
        for comp in self.projected:
            rng = stream(seed, comp.name)
            n_years = end_year - bases[comp.name].year + 1
            self._own[comp.name] = (rng.standard_normal(n_paths) if comp.growth.per == "path"
                                    else rng.standard_normal((n_paths, n_years - 1)))

    def deviation(self, component: str, rho: float) -> np.ndarray:
        """Unit deviation ``D`` of one projected component at correlation ``rho``: shape
        (n_paths, end_year - base year + 1), a new array."""
        comp = self.scenario.components[component]
        shared = None
        if rho:
            if self._common is None:
                common = stream(self.seed, "__common__")
                self._common = (common.standard_normal(self.n_paths), common.standard_normal(
                    (self.n_paths, self.end_year - self._calendar_start + 1)))
            shared = (self._common[0] if comp.growth.per == "path" else
                      self._common[1][:, self.bases[component].year + 1 - self._calendar_start:])
        z = mix(self._own[component], shared, rho)
        return unit_deviation(z, comp.growth.per, self.end_year - self.bases[component].year + 1)

    def paths(self, scenario) -> tuple[MappingProxyType, MappingProxyType]:
        """``(years, paths)`` of ``scenario`` (same components and draw modes as the draws; any
        growth ranges, ceilings and correlation) from these draws, as ``simulate`` computes
        them: ``years[c]`` shape (n_years,), ``paths[c]`` shape (n_paths, n_years), FLOP/s,
        read-only."""
        from forecast.growth import project

        years, paths = {}, {}
        for comp in scenario.components.values():
            if comp.sum_of:
                continue
            base, g = self.bases[comp.name], comp.growth
            span = np.arange(base.year, self.end_year + 1)
            out = self.deviation(comp.name, scenario.correlation)
            out *= g.sigma
            values = np.atleast_1d(project(base.value, g.rate, (span - base.year).astype(float)))
            np.exp(out, out=out)
            out *= values
            if comp.cap is not None:
                np.minimum(out, comp.cap, out=out)
            years[comp.name], paths[comp.name] = span, out
        for comp in scenario.components.values():
            if comp.sum_of:
                span = np.arange(self.bases[comp.name].year, self.end_year + 1)
                total = np.zeros((self.n_paths, span.size))
                for member in comp.sum_of:
                    total += paths[member][:, self.bases[comp.name].year
                                           - self.bases[member].year:]
                years[comp.name], paths[comp.name] = span, total
        for array in (*years.values(), *paths.values()):
            array.setflags(write=False)
        return MappingProxyType(years), MappingProxyType(paths)

    def simulation(self, scenario) -> SortedSimulation:
        """:meth:`paths` as a :class:`SortedSimulation` (fast percentiles for interactive use)."""
        years, paths = self.paths(scenario)
        return SortedSimulation(scenario, self.n_paths, self.seed,
                                MappingProxyType(dict(self.bases)), years, paths)


@dataclass(frozen=True)
class SortedSimulation(Simulation):
    """A :class:`~forecast.scenarios.Simulation` whose percentiles come from sorted columns.

    ``np.percentile`` partitions every column for every call; an interactive view asks for
    several tables per update, so each component's values are sorted once (per year) and the
    percentiles read off them with numpy's default ("linear") interpolation: the same
    numbers, several times faster.
    """

    _sorted: dict = field(default_factory=dict, repr=False, compare=False)

    def sorted_values(self, component: str) -> np.ndarray:
        """Values of ``component`` sorted within each year: shape (n_years, n_paths), FLOP/s."""
        if component not in self._sorted:
            self._sorted[component] = np.sort(self.paths[component].T, axis=1)
        return self._sorted[component]

    def quantile_values(self, component: str, q) -> np.ndarray:
        """As :meth:`Simulation.quantile_values`, read off the sorted columns."""
        return linear_quantiles(self.sorted_values(component), np.asarray(q) / 100)


def linear_quantiles(ordered: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Quantiles of each row of ``ordered`` (sorted rows), shape (len(quantiles), n_rows).

    numpy's default method written out: virtual index ``n q + (1 - q) - 1``, then a lerp
    that is exact at both ends.
    """
    n = ordered.shape[1]
    virtual = n * quantiles + (1 + quantiles * -1) - 1
    below = np.clip(np.floor(virtual).astype(int), 0, n - 1)
    above = np.clip(below + 1, 0, n - 1)
    gamma = (virtual - below)[:, None]
    a, b = ordered[:, below].T, ordered[:, above].T
    diff = b - a
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
