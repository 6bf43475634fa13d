"""The scenario explorer: same numbers as simulate, controls, saving, the loop through the runner.

The explorer reuses simulate's standard-normal draws; these tests compare its
tables with :func:`forecast.scenarios.simulate` run from scratch on the scenario
the controls describe (relative differences of 1e-15 come from the log/exp
round trip, so the tolerance is 1e-12).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.pipeline import params as notebook_params
from forecast import scenarios
from forecast.errors import ParameterError, UnknownNameError
from forecast.present.explore import DEFAULT_PATHS, DEFAULT_SEED, Explorer

from _project import SHIPPED, copy_project

# the shipped files, never a user's saved scenarios or edits
PARAMS = SHIPPED / "notebooks" / "params"
DATA = SHIPPED / "data"
N = 2_000
Q = ["p5", "p50", "p95"]


@pytest.fixture
def folder(tmp_path):
    """A scratch scenario folder holding copies of the shipped scenarios."""
    for path in PARAMS.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.fixture
def explorer(folder):
    return Explorer("base", n_paths=N, directory=folder, data_dir=DATA)


def reference(spec, explorer) -> pd.DataFrame:
    """The headline of a fresh simulate run of ``spec`` with the explorer's size and seed."""
    sim = scenarios.simulate(spec, n_paths=explorer.controls["n_paths"].value,
                             seed=explorer.seed, data_dir=DATA)
    return sim.headline(years=explorer.report_years())


def assert_same_numbers(table, ref):
    assert list(table["component"]) == list(ref["component"])
    assert list(table["year"]) == list(ref["year"])
    np.testing.assert_allclose(table[Q + ["implied_cagr"]].to_numpy(float),
                               ref[Q + ["implied_cagr"]].to_numpy(float), rtol=1e-12)


def test_defaults_are_notebook_03s_so_the_starting_state_is_the_headless_run():
    spec = notebook_params.notebook_parameters(SHIPPED / "notebooks" / "03_scenarios.ipynb")
    assert spec["n_paths"].default == DEFAULT_PATHS
    assert spec["seed"].default == DEFAULT_SEED


def test_starting_state_equals_simulate_of_the_scenario_file(explorer):
    table = explorer.headline()
    assert explorer.report_years() == [2025, 2030, 2035]
    start = scenarios.load_scenario("base", directory=PARAMS)
    assert_same_numbers(table, reference(start, explorer))
    # base.yaml: total p50 in 2030 lies between the 5% and 95% paths and above 2021's 615 EFLOPS
    total = table.query("component == 'total' and year == 2030").iloc[0]
    assert 6.15e20 < total.p5 < total.p50 < total.p95


@pytest.mark.parametrize("moves", [
    {"growth_intelligent": (0.5, 0.9)},
    {"correlation": 0.4},
    {"cap_intelligent": "20 ZFLOPS"},
    {"end_year": 2040},
    {"n_paths": 1_000},
    {"growth_basic": (0.2, 0.2), "correlation": 1.0, "end_year": 2031},
])
def test_after_a_move_the_tables_equal_a_fresh_simulate_of_its_scenario(explorer, moves):
    explorer.set(**moves)
    spec = explorer.scenario()
    assert_same_numbers(explorer.headline(), reference(spec, explorer))
    sim = scenarios.simulate(spec, n_paths=explorer.controls["n_paths"].value, seed=explorer.seed,
                             data_dir=DATA)
    year = explorer.controls["threshold_year"].value
    expected = sim.exceedance("total", year, ["56 ZFLOPS", "20 ZFLOPS"])
    np.testing.assert_array_equal(explorer.thresholds()["probability"], expected["probability"])


def test_yearly_draws_and_correlation_match_simulate(folder):
    text = (folder / "bull.yaml").read_text().replace("per: path", "per: year")
    (folder / "yearly.yaml").write_text(text.replace("name: bull", "name: yearly"))
    explorer = Explorer("yearly", n_paths=N, directory=folder, data_dir=DATA)
    explorer.set(correlation=0.6, growth_supercomputing=(0.1, 0.3))
    assert_same_numbers(explorer.headline(), reference(explorer.scenario(), explorer))
    explorer.set(end_year=2033)  # yearly draws depend on the horizon: drawn again
    assert_same_numbers(explorer.headline(), reference(explorer.scenario(), explorer))


def test_sorted_percentiles_equal_numpys(explorer):
    sim = explorer.simulation
    q = (0, 1, 5, 25, 50, 75, 95, 99, 100)
    for name in sim.scenario.components:
        fast = sim.quantile_values(name, q)
        slow = scenarios.Simulation.quantile_values(sim, name, q)  # np.percentile on the paths
        assert fast.shape == (len(q), len(sim.years[name]))
        np.testing.assert_allclose(fast, slow, rtol=1e-14)
    cols = [f"p{x}" for x in q]
    table = sim.percentiles(q)  # the scenario module's table, read off the sorted columns
    assert list(table.columns) == ["scenario", "component", "precision", "year", *cols, "unit"]
    name = next(iter(sim.scenario.components))
    np.testing.assert_array_equal(table.loc[table["component"] == name, cols].to_numpy(float),
                                  sim.quantile_values(name, q).T)


def test_moving_a_widget_does_what_set_does(folder):
    by_widget = Explorer("base", n_paths=N, directory=folder, data_dir=DATA)
    by_set = Explorer("base", n_paths=N, directory=folder, data_dir=DATA)
    by_widget.controls["growth_intelligent"].value = (0.3, 0.6)
    by_set.set(growth_intelligent=(0.3, 0.6))
    pd.testing.assert_frame_equal(by_widget.headline(), by_set.headline())
    assert by_widget._headline.value == by_set._headline.value
    assert by_widget._headline.value != Explorer("base", n_paths=N, directory=folder,
                                                 data_dir=DATA)._headline.value


def test_controls_cover_every_assumption(explorer):
    assert set(explorer.controls) == {
        "growth_basic", "growth_intelligent", "growth_supercomputing", "cap_basic",
        "cap_intelligent", "cap_supercomputing", "correlation", "end_year", "n_paths",
        "component", "threshold_year", "thresholds"}
    # base.yaml's bounds, exactly
    assert explorer.controls["growth_intelligent"].value == (0.462, 0.9728)
    assert explorer.controls["cap_basic"].value == ""


@pytest.mark.parametrize("moves, error, message", [
    ({"growth_speed": (0.1, 0.2)}, UnknownNameError,
     "unknown control 'growth_speed'; valid: cap_basic"),
    ({"growth_intelligent": (0.9, 0.5)}, ParameterError, "'growth_intelligent': out of range"),
    ({"growth_intelligent": (0.5, 9.0)}, ParameterError, "'growth_intelligent': out of range"),
    ({"correlation": 1.5}, ParameterError, "'correlation': out of range"),
    ({"n_paths": 1234}, ParameterError, "'n_paths': not offered"),
    ({"end_year": 2031, "threshold_year": 2032}, ParameterError, "'threshold_year': out of range"),
    ({"thresholds": "56 zebras"}, ParameterError, "'thresholds'"),
    ({"cap_intelligent": "fast"}, ParameterError, "'cap_intelligent'"),
    ({"cap_intelligent": "100 EFLOPS"}, ParameterError, "below the base value"),
])
def test_bad_values_are_refused_and_move_nothing(explorer, moves, error, message):
    before = {n: c.value for n, c in explorer.controls.items()}
    table = explorer.headline()
    with pytest.raises(error, match=re.escape(message)):
        explorer.set(growth_basic=(0.1, 0.2), **moves)
    assert {n: c.value for n, c in explorer.controls.items()} == before
    pd.testing.assert_frame_equal(explorer.headline(), table)


@pytest.mark.parametrize("kw, error, message", [
    ({"scenario": "../base"}, UnknownNameError,
     "unknown scenario '../base'; valid: base, bear, bull"),
    ({"n_paths": 10**6}, ParameterError, "'n_paths': wrong value; expected an integer 100..50000"),
    ({"thresholds": "many"}, ParameterError, "'thresholds'"),
])
def test_bad_arguments_are_one_clear_error(folder, kw, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Explorer(**{"scenario": "base", **kw}, directory=folder, data_dir=DATA)


def test_a_bad_value_typed_in_a_widget_is_shown_not_raised(explorer):
    explorer.controls["thresholds"].value = "lots"
    assert "thresholds" in explorer._status.value and explorer.error
    explorer.controls["thresholds"].value = "10 ZFLOPS"
    assert explorer.error is None
    assert list(explorer.thresholds()["threshold"]) == [1e22]


def test_end_year_pulls_the_threshold_year_back(explorer):
    explorer.set(end_year=2028)
    assert explorer.controls["threshold_year"].value == 2028
    assert explorer.report_years() == [2025, 2028]
    assert set(explorer.thresholds()["year"]) == {2028}


def test_save_scenario_writes_a_valid_file_that_reruns_to_the_same_numbers(explorer, folder):
    explorer.set(growth_intelligent=(0.55, 1.1), cap_intelligent="100 ZFLOPS", correlation=0.25)
    path = explorer.save_scenario("fast_ai")
    assert path == folder / "fast_ai.yaml"
    text = path.read_text()
    saved = re.search(r"^# saved: (\S+)", text, re.M).group(1)
    assert pd.Timestamp(saved).tzinfo is not None
    assert re.search(r"^# started from: base \(.*base\.yaml\)$", text, re.M)
    assert "intelligent growth 46.2%..97.3%/yr -> 55.0%..110.0%/yr" in text
    assert "fast_ai" in scenarios.available_scenarios(folder)
    spec = scenarios.load_scenario("fast_ai", directory=folder)
    assert spec.components["intelligent"].growth.low == 0.55
    assert spec.components["intelligent"].cap == 1e23
    assert spec.correlation == 0.25 and spec.end_year == 2035
    assert spec.components["total"].sum_of == ("basic", "intelligent", "supercomputing")
    assert_same_numbers(explorer.headline(), reference(spec, explorer))


def test_save_scenario_refuses_to_overwrite_unless_asked(explorer, folder):
    before = (folder / "base.yaml").read_text()
    with pytest.raises(ParameterError, match="exists; expected a new name, or overwrite=True"):
        explorer.save_scenario("base")
    assert (folder / "base.yaml").read_text() == before
    explorer.set(correlation=0.5)
    explorer.save_scenario("base", overwrite=True)
    assert scenarios.load_scenario("base", directory=folder).correlation == 0.5


@pytest.mark.parametrize("name", ["../escape", "a/b", "/tmp/x", "Base", "", "x.yaml", "-x", 3])
def test_scenario_names_are_names_never_paths(explorer, folder, tmp_path, name):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ParameterError, match="plain name, not a path"):
        explorer.save_scenario(name)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_without_a_widget_front_end_the_explorer_reads_as_a_hint(explorer):
    bundle = explorer.widget._repr_mimebundle_()
    assert bundle["text/plain"] == ("Scenario explorer: interactive in JupyterLab (make lab, "
                                    "open 06_explore.ipynb, Run All Cells)")
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_importing_forecast_or_the_module_loads_no_widgets_or_matplotlib():
    code = ("import sys, forecast; import forecast.present.explore; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_notebook_06_holds_narrative_and_library_calls_only():
    nb = json.loads((SHIPPED / "notebooks" / "06_explore.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None
        tree = ast.parse("".join(cell["source"]))
        assert not [n for n in ast.walk(tree) if isinstance(
            n, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda))]
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [getattr(n, "module", None) or "" for n in imports] + [
            a.name for n in imports for a in n.names]
        assert not [m for m in names if m.startswith("_") or "._" in m]
    params = notebook_params.notebook_parameters(SHIPPED / "notebooks" / "06_explore.ipynb")
    assert "scenario" not in params  # not a scenario notebook: --all-scenarios does not rerun it


# --------------------------------------------------------------------- the loop, through the runner


@pytest.mark.slow
def test_a_saved_scenario_reruns_headlessly_and_is_compared(project_copy):
    copy = project_copy
    explorer = Explorer("base", n_paths=N, directory=copy / "notebooks" / "params",
                        data_dir=copy / "data")
    explorer.set(growth_intelligent=(0.6, 1.2), correlation=0.3)
    explorer.save_scenario("explored_fast")
    script = Path(sys.executable).with_name("compute-forecast")
    done = subprocess.run([str(script), "run", "--quiet", "--only", "03", "--scenario",
                           "explored_fast", "--param", f"n_paths={N}"],
                          cwd=copy / "notebooks", capture_output=True, text=True, timeout=600)
    out = copy / "outputs" / "scenarios"
    assert done.returncode == 0, done.stdout + done.stderr
    table = pd.read_csv(out / "explored_fast" / "tables" / "scenarios_headline.csv")
    mine = explorer.headline()
    mine = mine[mine["year"].isin(table["year"])].reset_index(drop=True)
    assert sorted(set(table["year"])) == [2030, 2035]
    assert_same_numbers(table, mine)
    page = (out / "index.html").read_text()
    # the comparison page has a section for it and its rows in the side-by-side tables
    assert ">Scenario explored_fast<" in page and ">explored_fast<" in page
    assert set(table["scenario"]) == {"explored_fast"}


@pytest.mark.slow
def test_notebook_06_page_shows_the_starting_state_offline(tmp_path):
    copy = copy_project(tmp_path / "project", notebooks=("06_explore",))
    script = Path(sys.executable).with_name("compute-forecast")
    done = subprocess.run([str(script), "run", "--quiet", "--only", "06",
                           "--param", f"n_paths={N}"], cwd=copy / "notebooks",
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (copy / "outputs" / "html" / "06_explore.html").read_text()
    # no script, style sheet or widget manager fetched from a network host
    assert not re.search(r"""<(script|link|iframe)\b[^>]*(src|href)\s*=\s*["']?(https?:)?//""",
                         page, re.I)
    assert "application/vnd.jupyter.widget-state" not in page
    assert "interactive in JupyterLab (make lab" in page  # the widget's stand-in text
    assert page.count("data:image/png;base64,") >= 1 and "&gt; 56 ZFLOPS" in page
    assert f"{N:,} paths" in page or f"{N} paths" in page
    # exploring writes nothing but the page and the run's own records
    assert not (copy / "outputs" / "tables").exists()
