"""The sweep page: influence computed in the analysis layer, honest axes, a cheap cached rerun.

Issue 22: the influence ranking was computed inside the HTML module, and a cached
``compute-forecast sweep`` rerun took 2.9 s to do nothing (pandas, matplotlib and four charts
drawn again).  Issue 23: the Monte Carlo noise sweep's auto-scaled axis (2.29-2.33 ZFLOPS) made
noise look like signal.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import _sweep_fakes as fakes
from forecast.analysis import influence
from forecast.pipeline.sweep import driver
from forecast.pipeline.sweep import page as sweep_page

TESTS = Path(__file__).resolve().parent


def noise_rows():
    """Notebook 03's 2030 total over 3 seeds x 2 path counts: Monte Carlo noise of ~1.7%."""
    import pandas as pd

    values = [2.29e21, 2.31e21, 2.30e21, 2.33e21, 2.32e21, 2.30e21]
    return pd.DataFrame({"seed": [1, 1, 2, 2, 3, 3], "n_paths": [500, 2000] * 3,
                         "median": values, "unit": "FLOP/s"})


# -- the analysis layer -------------------------------------------------------------------------

def test_eta_squared_agrees_with_a_one_way_anova_in_statsmodels():
    import numpy as np

    y = np.log([2.30, 2.31, 2.29, 2.33, 2.32, 2.30, 2.35, 2.31, 2.34])
    g = ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    # statsmodels 0.15: anova_lm(ols("y ~ C(g)")) gives sum_sq 0.000310 (C(g)) and 0.000285
    # (Residual); eta^2 = 0.000310 / (0.000310 + 0.000285) = 0.5209721624677864
    assert influence.eta_squared(y, g) == pytest.approx(0.5209721624677864, rel=1e-9)


def test_spread_relative_to_the_median():
    moved = influence.spread([2.29e21, 2.33e21, 2.31e21, float("nan")])
    assert moved == {"median": 2.31e21, "min": 2.29e21, "max": 2.33e21,
                     "relative": pytest.approx(0.04 / 2.31, rel=1e-12)}
    assert influence.spread([0.0, 0.0])["relative"] == 0.0


def test_the_page_module_renders_and_computes_nothing_itself():
    source = Path(sweep_page.__file__).read_text()
    for computation in ("def eta_squared", "def influence", "def ranking", "def figures",
                        "def groups", "def scale", "def spread"):
        assert computation not in source
    assert influence.__name__ == "forecast.analysis.influence"
    assert sweep_page.influence is influence.influence  # the page uses the analysis


# -- charts ------------------------------------------------------------------------------------

def test_noise_is_drawn_flat_on_an_axis_of_at_least_a_fifth_of_the_median():
    rows = noise_rows()
    fig = sweep_page.effect_chart(rows, {"seed": "seed", "n_paths": "n_paths"},
                                  value="median", title="total, 2030", unit="FLOP/s")
    low, high = fig.axes[0].get_ylim()
    median = 2.305e21
    assert high - low >= sweep_page.MIN_RELATIVE_SPAN * median * (1 - 1e-9)
    assert low <= 2.29e21 and high >= 2.33e21 and low >= 0
    # the data fill at most a fifth of the axis: 0.04 of >= 0.461 ZFLOPS
    assert (2.33e21 - 2.29e21) / (high - low) < 0.1
    assert fig._suptitle.get_text() == "total, 2030: the sweep spans 1.7% of the median"


def test_a_figure_that_moves_keeps_its_own_axis():
    import pandas as pd

    rows = pd.DataFrame({"growth": [0.1, 0.2, 0.3], "median": [1.0, 5.0, 9.0], "unit": "x"})
    fig = sweep_page.effect_chart(rows, {"growth": "growth"}, value="median", title="t",
                                  unit="x")
    low, high = fig.axes[0].get_ylim()
    assert low < 1.0 and high > 9.0 and high - low < 12  # matplotlib's margins, not stretched
    assert fig._suptitle.get_text() == "t: the sweep spans 160.0% of the median"


# -- the page and its cache ---------------------------------------------------------------------

@pytest.fixture
def project(tmp_path):
    return fakes.make_project(tmp_path / "proj")


def test_the_page_states_each_figures_spread_relative_to_its_median(project):
    report = driver.execute("fake", {"growth": [0.1, 0.2], "noise": [0, 1, 2]}, jobs=1,
                            project=project, point_function=fakes.headline_point)
    page = report.page.read_text()
    # 2030: 1e21 * 1.1^9 = 2.358 ZFLOPS ... 1e21 * 1.2^9 * 1.02 = 5.27 ZFLOPS
    frame = report.frame()
    values = frame[frame["year"] == 2030]["median"]
    moved = influence.spread(values)
    assert f"{moved['relative']:.1%} of its median" in page
    assert page.count("of its median") == 2  # one caption per figure (2030, 2035)


def test_a_rerun_with_the_same_table_reuses_the_charts(project, monkeypatch):
    doc = {"growth": [0.1, 0.2]}
    first = driver.execute("fake", doc, jobs=1, project=project,
                           point_function=fakes.headline_point)
    before = first.page.read_text()

    def no_charts(*args, **kwargs):
        raise AssertionError("the analysis was computed again for the same sweep.csv")

    monkeypatch.setattr(sweep_page, "analysis_section", no_charts)
    again = driver.execute("fake", doc, jobs=1, project=project,
                           point_function=fakes.headline_point)
    after = again.page.read_text()
    charts = lambda html: html[html.index("<h2>What moves"):html.index("<h2>Failed")]  # noqa
    assert charts(after) == charts(before) and "data:image/png;base64," in after
    monkeypatch.undo()  # a different table is analysed again
    changed = driver.execute("fake", {"growth": [0.1, 0.3]}, jobs=1, project=project,
                             point_function=fakes.headline_point, name="fake")
    assert charts(changed.page.read_text()) != charts(before)
    cache = json.loads((first.directory / ".page-cache.json").read_text())
    assert set(cache) == {"key", "analysis"}


CACHED_RERUN = """\
import sys
sys.path.insert(0, {tests!r})
import _sweep_fakes
from forecast import cli
from forecast.pipeline.sweep import driver

real = driver.execute
if sys.argv[1] == "first":
    driver.execute = lambda *a, **k: real(*a, **{{**k, "point_function": _sweep_fakes.headline_point}})
else:  # every point current, as the runner's cache says after an unchanged rerun
    driver.up_to_date = lambda tasks: {{t.id for t in tasks}}
code = cli.main(["sweep", "fake", "--grid", "grid.yaml", "--jobs", "1", "--quiet"])
heavy = sorted(m for m in ("pandas", "numpy", "matplotlib") if m in sys.modules)
print(code, heavy)
"""


def test_a_cached_rerun_imports_no_pandas_numpy_or_matplotlib(project):
    """What made a cached rerun take 2.9 s: importing pandas and matplotlib and drawing the
    charts again.  Its time is measured in benchmarks/bench_sweep.py (--cached-only)."""
    (project / "grid.yaml").write_text("growth: [0.1, 0.2]\n")
    script = project / "rerun.py"
    script.write_text(CACHED_RERUN.format(tests=str(TESTS)))
    run = lambda how: subprocess.run([sys.executable, str(script), how], cwd=project,  # noqa
                                     capture_output=True, text=True, timeout=120)
    first = run("first")
    assert first.stdout.strip().startswith("0 ["), first.stderr
    again = run("again")
    assert again.stdout.strip() == "0 []", again.stderr
    page = (project / "outputs" / "sweeps" / "grid" / "index.html").read_text()
    assert "0 ran, 2 cached" in page and page.count("data:image/png;base64,") == 2
