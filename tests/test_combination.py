"""Combination by track record: CRPS, weights, the equal-weight benchmark, coinciding methods."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.analysis import calibration as cal
from forecast.analysis import combination as comb
from forecast.errors import DataError, ParameterError


def test_crps_of_a_sample_matches_hand_and_closed_form_values():
    # two equally likely points 0 and 1, outcome 0: E|X - y| = 0.5, E|X - X'| = 0.5
    assert comb.crps_sample(np.array([0.0, 1.0]), 0.0) == pytest.approx(0.25)
    # a point forecast: CRPS = absolute error
    assert comb.crps_sample(np.array([3.0]), 1.0) == pytest.approx(2.0)
    # weights act as replication: (0, 0, 1) equals (0, 1) with weights (2/3, 1/3)
    assert comb.crps_sample(np.array([0.0, 1.0]), 0.4, np.array([2.0, 1.0])) == pytest.approx(
        comb.crps_sample(np.array([0.0, 0.0, 1.0]), 0.4))
    # Gneiting & Raftery (2007) eq. 5: CRPS(N(0, 1), y) = y(2 Phi(y) - 1) + 2 phi(y) - 1/sqrt(pi)
    draws = stats.norm.ppf((np.arange(20000) + 0.5) / 20000)
    y = 0.7
    exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
    assert comb.crps_sample(draws, y) == pytest.approx(exact, abs=1e-4)


def _rows(scores: dict) -> pd.DataFrame:
    records = [{"series": "s", "origin": 2000 + i, "horizon": 1, "target": 2001 + i,
                "method": m, "crps": v} for m, vals in scores.items() for i, v in enumerate(vals)]
    return pd.DataFrame(records)


def test_a_method_with_lower_crps_gets_more_weight():
    w = comb.weights(_rows({"a": [0.1, 0.1], "b": [0.2, 0.2]}), ["a", "b"])
    assert w["a"] > w["b"]
    assert w.tolist() == pytest.approx([2 / 3, 1 / 3])
    assert w.sum() == pytest.approx(1.0)


def test_tied_scores_give_equal_weights():
    w = comb.weights(_rows({"a": [0.1, 0.3], "b": [0.3, 0.1], "c": [0.2, 0.2]}), ["a", "b", "c"])
    assert w.tolist() == pytest.approx([1 / 3] * 3)


def test_weights_use_only_the_origins_every_method_scored():
    rows = _rows({"a": [0.1, 0.1, 5.0], "b": [0.2, 0.2]})
    # a's bad third origin was not scored for b: it does not count against a
    assert comb.weights(rows, ["a", "b"])["a"] == pytest.approx(2 / 3)
    with pytest.raises(DataError, match="every method"):
        comb.weights(rows, ["a", "c"])
    with pytest.raises(ParameterError, match="positive and finite"):
        comb.inverse_score_weights({"a": 0.0, "b": 1.0})


def _walks(n_series=6, n=70, seed=0):
    rng = np.random.default_rng(seed)
    return {f"s{k}": pd.Series(np.exp(np.cumsum(0.3 + 0.1 * rng.standard_normal(n))),
                               index=range(1900, 1900 + n)) for k in range(n_series)}


def test_out_of_sample_scores_prefer_the_correctly_specified_method():
    # a random walk with drift: a 10-year growth estimate is less noisy than last year's step
    # (forecast error variance h sigma^2 + h^2 sigma^2 / window)
    good = cal.Method("growth_10y", "10-year growth", window=10)
    bad = cal.Method("growth_1y", "last year's growth", window=1)
    errors = cal.rolling_errors(_walks(), [good, bad], horizons=[1, 3, 5])
    rows = comb.score_rows(errors)
    # every row scored only with errors observable at its origin
    assert rows["crps"].notna().all() and (rows["crps"] > 0).all()
    w = comb.weights(rows, ["growth_10y", "growth_1y"])
    assert w["growth_10y"] > w["growth_1y"]
    mixtures = comb.realtime_mixtures(errors, rows, ["growth_10y", "growth_1y"])
    table = comb.evaluate(mixtures).set_index("combination")
    assert set(table.index) == {"track record", "equal"}
    assert table.loc["track record", "crps"] < table.loc["equal", "crps"]
    assert table.loc["track record", "n"] == table.loc["equal", "n"] == len(mixtures) > 0
    # the combination's own real-time bands: a linear pool of calibrated forecasts is at
    # least as wide as its parts (Gneiting & Ranjan 2013), so it covers at least nominal
    cov = comb.combined_coverage(mixtures, "combined")
    assert set(cov["horizon"]) == {1, 3, 5} and set(cov["level"]) == {0.8, 0.9}
    for _, row in cov.iterrows():
        assert row["nominal"] - 0.05 <= row["coverage"] <= 1.0
        assert row["ci_low"] <= row["coverage"] <= row["ci_high"]
    with pytest.raises(ParameterError, match="'track' or 'equal'"):
        comb.combined_coverage(mixtures, weights="best")


def test_coinciding_methods_are_kept_once():
    z = np.log([429.0, 615.0, 906.0, 1397.0])   # four points: 3-year growth = whole-series CAGR
    paths = {m.name: m.log_path(z, [7, 12]) for m in cal.METHODS}
    kept, dropped = comb.coinciding(paths)
    assert dropped == {"cagr": "growth_3y"}
    assert "cagr" not in kept and "growth_3y" in kept and len(kept) == len(cal.METHODS) - 1


def test_mixture_quantiles_are_exact_weighted_quantiles():
    parts = {"a": (0.0, np.arange(100.0)), "b": (1000.0, np.arange(100.0))}
    # a quarter of the weight on a (0..99), three quarters on b (1000..1099)
    q = comb.mixture_quantiles(parts, {"a": 0.25, "b": 0.75}, [0.1, 0.2, 0.5, 0.99])
    assert q.tolist() == [39.0, 79.0, 1033.0, 1098.0]
    draws = comb.mixture_sample(parts, {"a": 0.25, "b": 0.75}, 200000, seed=3)
    assert np.quantile(draws, 0.5) == pytest.approx(q[2], abs=2)


def test_mixture_sample_draws_methods_in_proportion_to_their_weights():
    parts = {"a": (0.0, np.zeros(10)), "b": (10.0, np.zeros(10))}
    x = comb.mixture_sample(parts, {"a": 0.25, "b": 0.75}, 40000, seed=1)
    assert np.mean(x == 10.0) == pytest.approx(0.75, abs=0.01)
    with pytest.raises(ParameterError, match="positive weight"):
        comb.mixture_sample(parts, {"a": 0.0, "b": 0.0}, 10)
