"""Notebook 00 (the answer) runs with small parameters and writes the three tables the
acceptance check reads, for all data and as of a past date (built only from rows observed by
then)."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

FORECAST = ["year", "designer", "measure", "precision", "p5", "p50", "p95", "mean", "unit", "kind"]
SHARES = ["year", "basis", "p5", "p50", "p95", "kind"]
HINDCAST = ["origin", "target", "year", "p5", "p50", "p95", "actual", "log_error", "inside_90"]


def _tables(out):
    folder = out / "tables"
    return (pd.read_csv(folder / "ai_compute_forecast.csv"),
            pd.read_csv(folder / "nvidia_share_forecast.csv"), pd.read_csv(folder / "hindcast.csv"))


def _check(forecast, shares):
    assert list(forecast.columns) == FORECAST and list(shares.columns) == SHARES
    assert sorted(forecast["year"].unique()) == list(range(2022, 2031))
    assert set(forecast["measure"]) == {"stock", "shipments"}
    assert set(forecast["precision"]) == {"FP16"} and set(forecast["unit"]) == {"FLOP/s"}
    assert ((forecast["p5"] <= forecast["p50"]) & (forecast["p50"] <= forecast["p95"])).all()
    assert set(shares["basis"]) == {"shipments_h100e", "shipments_flops", "stock_flops"}
    assert shares[["p5", "p50", "p95"]].stack().between(0, 1).all()
    assert set(shares["kind"]) <= {"observed", "forecast"}


def test_notebook_00_writes_the_answer_tables(run_notebook):
    out = run_notebook("00_answer", n_paths=300)
    forecast, shares, track = _tables(out)
    _check(forecast, shares)
    total = forecast[(forecast["designer"] == "all") & (forecast["measure"] == "stock")]
    assert total.set_index("year")["kind"].loc[2025] == "observed"
    assert total.set_index("year")["kind"].loc[2030] == "forecast"
    assert list(track.columns) == HINDCAST
    assert set(track["origin"]) == {"2022-12-31", "2023-12-31", "2024-12-31"}
    assert (out / "figures" / "00_stock_fan.png").exists()


def test_notebook_00_replays_as_of_a_past_date(run_notebook):
    out = run_notebook("00_answer", n_paths=300, as_of="2023-12-31")
    forecast, shares, track = _tables(out)
    _check(forecast, shares)
    kinds = forecast[forecast["designer"] == "all"].groupby("year")["kind"].first()
    assert kinds.loc[:2023].eq("observed").all() and kinds.loc[2024:].eq("forecast").all()
    # AMD and Trainium had no counted quarter by then
    assert set(forecast["designer"]) == {"all", "Nvidia", "Google"}
    assert set(track["origin"]) == {"2022-12-31"} and set(track["year"]) == {2023}
