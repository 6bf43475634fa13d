"""One scenario comparison for notebook 03 and the site: built from simulations or read back."""

import pandas as pd
import pytest

from forecast import scenarios
from forecast.scenarios import comparison


@pytest.fixture(scope="module")
def sims():
    return {name: scenarios.simulate(name, n_paths=500, seed=7, end_year=2030)
            for name in ("bear", "base")}


def test_the_medians_are_each_scenarios_own_p50(sims):
    both = comparison.compare(sims, years=[2030], thresholds=["56 ZFLOPS"])
    medians = both.medians().set_index(["component", "year"])
    for name, sim in sims.items():
        head = sim.headline(years=[2030]).set_index(["component", "year"])["p50"]
        pd.testing.assert_series_equal(medians[name], head, check_names=False)
    assert both.scenarios == ["bear", "base"]


def test_probabilities_pivot_the_share_of_paths_above_each_threshold(sims):
    both = comparison.compare(sims, years=[2030], thresholds=["56 ZFLOPS", "20 ZFLOPS"])
    pivot = both.probabilities().set_index("label")
    for name, sim in sims.items():
        assert 0 <= pivot[name].min() <= pivot[name].max() <= 1, name
        # a lower threshold is passed at least as often as a higher one
        assert pivot.loc["> 20 ZFLOPS", name] >= pivot.loc["> 56 ZFLOPS", name]


def test_reading_the_tables_back_gives_the_same_comparison(sims, tmp_path):
    both = comparison.compare(sims, years=[2030], thresholds=["56 ZFLOPS"])
    runs = []
    for name in sims:  # each scenario run writes all scenarios' rows; only its own are read
        folder = tmp_path / name / "tables"
        folder.mkdir(parents=True)
        both.headline.to_csv(folder / "scenarios_headline.csv", index=False)
        both.percentiles.to_csv(folder / "scenarios_percentiles.csv", index=False)
        both.thresholds.to_csv(folder / "scenarios_thresholds.csv", index=False)
        runs.append((name, tmp_path / name))
    back = comparison.from_tables(runs)
    pd.testing.assert_frame_equal(back.medians(), both.medians(), check_dtype=False)
    pd.testing.assert_frame_equal(back.probabilities(), both.probabilities(), check_dtype=False)


def test_missing_tables_give_empty_pivots(tmp_path):
    back = comparison.from_tables([("base", tmp_path / "nothing")])
    assert back.medians().empty and back.probabilities().empty and back.fans().empty
    assert back.scenarios == []
