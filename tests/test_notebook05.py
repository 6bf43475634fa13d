"""Notebook 05 (long-run evidence): thin, and its outputs are what the acceptance check reads."""

from __future__ import annotations

import ast
import json

import numpy as np
import pandas as pd
import pytest

from forecast.data import headline
from forecast.models import available_models

from _project import SHIPPED

NOTEBOOK = SHIPPED / "notebooks" / "05_long_run_evidence.ipynb"


def test_notebook_05_holds_narrative_and_library_calls_only():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    for cell in code:
        source = "".join(cell["source"])
        assert "forecast._" not in source and "from forecast import _" not in source
        tree = ast.parse(source)
        banned = [type(n).__name__ for n in ast.walk(tree)
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While,
                                    ast.Lambda))]
        assert not banned, (banned, source[:80])


def test_notebook_05_runs_and_writes_its_tables(executed_project):
    """Notebook 05 with its default parameters, in the session's executed project."""
    out = executed_project.require("05_long_run_evidence")
    lists = pd.read_csv(out / "tables" / "top500_lists.csv")
    first = lists.set_index("list").loc["1993-06"]
    # TOP500 June 1993: Rmax sums to 1,122.845 GFlop/s; #1 (CM-5/1024) 59.7 GFlop/s
    assert first["sum_rmax"] == pytest.approx(1122.845e9, rel=1e-9)
    assert first["no1_rmax"] == pytest.approx(59.7e9, rel=1e-9)
    assert len(lists) == 67 and lists["list"].is_unique
    skill = pd.read_csv(out / "tables" / "skill_top500.csv")
    needed = {"series", "model", "horizon", "n", "mape", "mase", "bias", "coverage_80",
              "coverage_95"}
    assert needed <= set(skill.columns)
    assert set(skill["model"]) == set(available_models())  # models=None: every registered one
    assert sorted(set(skill["horizon"])) == list(range(1, 11))
    # 67 lists, two a year, first origin the 20th list (initial=20): an h-year forecast needs
    # 2h lists after its origin, so 67 - 20 - 2h + 1 origins: 46 at 1 year, 28 at 10
    n = skill[skill["model"] == "cagr"].groupby("horizon")["n"].max()
    assert (n.loc[1], n.loc[10]) == (46, 28)
    assert skill["coverage_80"].between(0, 1).all()
    table = headline.validate(pd.read_csv(out / "tables" / "headline_05_long_run_evidence.csv"))
    assert (table["year"] == 2030).all() and (table["level"] == 0.8).all()
    assert np.all(table["lower"] < table["upper"])
    for name in ("05_top500_eras", "05_skill_error", "05_ai_stock", "05_calibrated_fans"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
