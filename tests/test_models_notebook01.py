"""Notebook 01 (global compute) runs headless through papermill with small parameters."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from _project import SHIPPED

NOTEBOOK = SHIPPED / "notebooks" / "01_global_compute.ipynb"
FIGURES = ("01_history_by_component", "01_projection_vs_published", "01_model_forecasts",
           "01_cap_sensitivity")


def test_notebook_is_stored_clean_with_a_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "compute-forecast"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "data_dir = None" in code[0].source and "output_dir = None" in code[0].source
    assert all(c.execution_count is None and not c.outputs for c in code)
    assert not any("def " in c.source or "class " in c.source or "lambda" in c.source for c in code)


def test_papermill_parses_every_parameter_with_its_comment():
    import papermill

    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert set(params) == {"data_dir", "output_dir", "start_year", "end_year", "growth_rate", "scope",
                           "publishers", "models", "horizons", "caps", "level"}
    assert all(p["help"] for p in params.values())


@pytest.mark.slow
def test_notebook_runs_and_writes_figures_and_tables(run_notebook):
    out = run_notebook("01_global_compute", end_year=2030, horizons=[2030], caps=[2e22, 5.6e22],
                       models=["cagr", "exponential", "logistic"])
    for name in FIGURES:
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 1000, (name, ext)

    projection = pd.read_csv(out / "tables" / "projection_01_global_compute.csv")
    at_2030 = projection[projection["year"] == 2030].set_index("growth_rate")["flops"]
    # 615 EFLOPS (2021) x 1.44^9 = 16.37 ZFLOPS;
    # 56 ZFLOPS in 2030 needs (56e21 / 615e18) ** (1 / 9) - 1 = 65.08% a year
    assert at_2030[0.44] == pytest.approx(1.637e22, rel=1e-3)
    implied = [g for g in at_2030.index if abs(g - 0.651) < 5e-4]
    assert implied and at_2030[implied[0]] == pytest.approx(5.6e22, rel=1e-9)

    comparison = pd.read_csv(out / "tables" / "model_comparison_01_global_compute.csv")
    assert list(comparison["model"]) == ["cagr", "exponential", "logistic"]
    # four points on a rising line cannot locate a ceiling: the free logistic says so
    assert comparison.set_index("model").loc["logistic", "status"] == "failed"

    from forecast.data import headline as schema

    headline = schema.validate(pd.read_csv(out / "tables" / "headline_01_global_compute.csv"))
    assert tuple(headline.columns) == schema.COLUMNS
    assert set(headline["model"]) == {"cagr", "exponential"} and set(headline["year"]) == {2030}
    assert (headline["lower"] <= headline["median"]).all()
    assert (headline["median"] <= headline["upper"]).all()
    # both models are fitted on log y: the lognormal mean lies above the median
    assert (headline["mean"] > headline["median"]).all()
    assert (headline["level"] == 0.8).all() and (headline["unit"] == "FLOP/s").all()

    sensitivity = pd.read_csv(out / "tables" / "cap_sensitivity_01_global_compute.csv")
    assert len(sensitivity) == 4 and (sensitivity["status"] == "ok").all()
