"""Draws made once give exactly simulate's paths, for any growth range, ceiling or correlation."""

from dataclasses import replace

import numpy as np
import pytest

from forecast import scenarios
from forecast.scenarios import draws as draws_mod
from forecast.scenarios.draws import Draws


@pytest.fixture(scope="module")
def base():
    spec = scenarios.load_scenario("base")
    resolved, bases = scenarios.resolve(spec)
    return resolved, bases


@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
def test_the_draws_give_simulates_paths_bit_for_bit(base, rho):
    spec, bases = base
    spec = replace(spec, correlation=rho)
    sim = scenarios.simulate(spec, n_paths=300, seed=11, end_year=2032)
    years, paths = Draws(spec, bases, 300, 11, 2032).paths(spec)
    for name in sim.paths:
        assert np.array_equal(years[name], sim.years[name])
        assert np.array_equal(paths[name], sim.paths[name]), name


def test_one_set_of_draws_serves_another_growth_range_and_ceiling(base):
    spec, bases = base
    draws = Draws(spec, bases, 200, 3, 2030)
    name = next(c.name for c in spec.components.values() if not c.sum_of)
    other = spec.with_growth(name, 0.1, 0.9).with_cap(name, bases[name].value * 20)
    other = replace(other, components={**other.components, name: replace(
        other.components[name], growth=replace(other.components[name].growth, fit=None))})
    expected = scenarios.simulate(other, n_paths=200, seed=3, end_year=2030)
    assert np.array_equal(draws.paths(other)[1][name], expected.paths[name])
    assert expected.paths[name].max() <= bases[name].value * 20


def test_a_unit_deviation_compounds_per_path_and_walks_per_year():
    z = np.array([1.0, -2.0])
    assert draws_mod.unit_deviation(z, "path", 4).tolist() == [[0, 1, 2, 3], [0, -2, -4, -6]]
    walk = draws_mod.unit_deviation(np.array([[1.0, 1.0, -1.0]]), "year", 4)
    assert walk.tolist() == [[0, 1, 2, 1]]


def test_sorted_percentiles_equal_numpys(base):
    spec, bases = base
    sim = Draws(spec, bases, 501, 5, 2031).simulation(spec)
    q = [5, 25, 50, 75, 95]
    for name in sim.paths:
        np.testing.assert_allclose(sim.quantile_values(name, q),
                                   np.percentile(sim.paths[name], q, axis=0), rtol=1e-12)
