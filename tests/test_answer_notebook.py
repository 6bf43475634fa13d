"""Notebook 07 run by papermill with small parameters: the three tables the acceptance reads."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def test_notebook_07_writes_the_three_tables(run_notebook):
    out = run_notebook("07_answers", n_paths=1000, n_boot=20)
    tables = out / "tables"
    forecast = pd.read_csv(tables / "forecast_2030.csv")
    assert list(forecast.columns[:9]) == ["scope", "precision", "method", "weight", "year", "p5",
                                          "p50", "p95", "unit"]
    combined = forecast[forecast["method"] == "combined"]
    assert sorted(zip(combined["scope"], combined["year"])) == [
        (s, y) for s in ("ai_accelerators", "computing_index", "supercomputing")
        for y in (2030, 2035)]
    assert ((combined["p5"] < combined["p50"]) & (combined["p50"] < combined["p95"])).all()
    verdicts = pd.read_csv(tables / "published_verdicts.csv")
    assert list(verdicts.columns[:10]) == ["publisher", "published", "scope", "year", "value",
                                           "bound", "implied_growth", "measured_growth",
                                           "probability", "verdict"]
    assert {"computing_index", "ai_accelerators"} <= set(verdicts["scope"])
    coverage = pd.read_csv(tables / "calibration_coverage.csv")
    assert list(coverage.columns[:8]) == ["method", "horizon", "level", "nominal", "coverage",
                                          "n_origins", "ci_low", "ci_high"]
    assert (out / "figures" / "07_calibration_coverage.png").exists()


def test_scenario_page_calls_its_cases_what_ifs_beside_the_answer():
    """Notebook 03 (as shipped) names bear/base/bull assumptions and shows the evidence-based
    index answer beside them, computed by the library, never typed."""
    import json

    from _project import SHIPPED

    cells = json.loads((SHIPPED / "notebooks" / "03_scenarios.ipynb").read_text())["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "assumptions (what-ifs)" in code and "answer.index_answer(" in code
    assert "not a probability estimate" in code
