"""Parameter sweeps: grid files, the tidy table, the page, and real sweeps of notebook 03.

The fast tests check grid parsing and validation (every bad grid file is one
line naming the file, line and parameter), the Latin hypercube, the gathering
of sweep.csv and the influence measure, with a stand-in point function that
writes a headline table without a kernel.  The slow ones sweep notebook 03 for
real: the local executor and a 2-worker Dask ``LocalCluster`` give byte-identical
``sweep.csv``; a rerun executes nothing; a failing point is recorded while the
others finish; the sweep page loads cleanly in headless Chromium.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from forecast import cli
from forecast.pipeline.sweep import driver as sweep
from forecast.pipeline.sweep import executors as sweep_exec
from forecast.pipeline.sweep import grid as sweep_grid
from forecast.pipeline.sweep import page as sweep_page
from forecast.pipeline import params as nbp
from forecast.errors import ParameterError

from _browser import check_page, visit
from _project import SHIPPED, copy_project

NB03 = SHIPPED / "notebooks" / "03_scenarios.ipynb"
PARAMS03 = nbp.notebook_parameters(NB03)


def grid_of(doc, **kw):
    return sweep_grid.parse_grid(doc, PARAMS03, notebook="03_scenarios", **kw)


def grid_file(tmp_path, text: str) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    return path


# -- grids ----------------------------------------------------------------------------------

def test_full_grid_is_every_combination_in_file_order():
    grid = grid_of({"grid": {"seed": [1, 2, 3], "scenario": ["bear", "bull"]},
                    "fixed": {"n_paths": 500}})
    assert [p.values for p in grid.points[:3]] == [
        {"seed": 1, "scenario": "bear", "n_paths": 500},
        {"seed": 1, "scenario": "bull", "n_paths": 500},
        {"seed": 2, "scenario": "bear", "n_paths": 500}]
    assert len(grid.points) == 6 and [p.index for p in grid.points] == list(range(6))
    assert grid.swept == ("seed", "scenario") and grid.fixed == ("n_paths",)
    assert len({p.id for p in grid.points}) == 6


def test_point_ids_depend_on_values_only():
    a = grid_of({"grid": {"seed": [1, 2], "n_paths": [500]}})
    b = grid_of({"grid": {"n_paths": [500], "seed": [2, 1, 7]}})
    assert {p.id for p in a.points} < {p.id for p in b.points}
    assert sweep_grid.point_id({"seed": 1}) != sweep_grid.point_id({"seed": 2})
    # a float where the notebook has a float: 2 and 2.0 are the same checked value
    assert sweep_grid.point_id({"x": [1, 2]}) != sweep_grid.point_id({"x": (1, 2)})


def test_latin_hypercube_hits_every_stratum_once_and_is_reproducible():
    doc = {"ranges": {"n_paths": {"low": 1000, "high": 1999}, "end_year": [2031, 2040]},
           "sampling": {"samples": 10, "method": "latin", "seed": 42}}
    grid = grid_of(doc)
    n_paths = [p.values["n_paths"] for p in grid.points]
    years = sorted(p.values["end_year"] for p in grid.points)
    assert sorted((x - 1000) // 100 for x in n_paths) == list(range(10))  # one per stratum
    assert years == list(range(2031, 2041))   # 10 whole years in 10 strata: each exactly once
    assert all(isinstance(x, int) for x in n_paths)
    assert [p.values for p in grid_of(doc).points] == [p.values for p in grid.points]
    other = grid_of({**doc, "sampling": {**doc["sampling"], "seed": 43}})
    assert [p.values for p in other.points] != [p.values for p in grid.points]
    assert grid.sampled == ("n_paths", "end_year") and grid.method == "latin"


def test_random_draws_and_log_scale_stay_in_range(tmp_path):
    params = nbp.parse_parameters_source("growth = 0.5\nsteps = 10")
    doc = {"ranges": {"growth": {"low": 0.01, "high": 1.0, "scale": "log"}},
           "sampling": {"samples": 8, "method": "latin", "seed": 1}}
    grid = sweep_grid.parse_grid(doc, params, notebook="x")
    logs = sorted(math.log(p.values["growth"] / 0.01) / math.log(100) for p in grid.points)
    assert [int(v * 8) for v in logs] == list(range(8))  # strata are equal in log space
    assert all(isinstance(p.values["growth"], float) for p in grid.points)
    grid = sweep_grid.parse_grid({**doc, "sampling": {"method": "random", "samples": 50,
                                                      "seed": 1}}, params, notebook="x")
    assert all(0.01 <= p.values["growth"] <= 1.0 for p in grid.points)


def test_grid_crossed_with_samples():
    grid = grid_of({"grid": {"scenario": ["bear", "bull"]}, "ranges": {"n_paths": [100, 900]},
                    "sampling": {"samples": 3, "seed": 5}})
    assert len(grid.points) == 6
    first, second = grid.points[:3], grid.points[3:]
    assert [p.values["n_paths"] for p in first] == [p.values["n_paths"] for p in second]


@pytest.mark.parametrize("text, message", [
    ("grid:\n  sead: [1, 2]\n",
     "grid.yaml, line 2, parameter 'sead': unknown parameter of 03_scenarios; valid: end_year, "
     "n_paths, scenario, seed, threshold_year, thresholds"),
    ("grid:\n  seed: []\n",
     "grid.yaml, line 2, parameter 'seed': empty list: a grid parameter needs at least one value"),
    ("grid:\n  seed:\n    - 1\n    - two\n",
     "grid.yaml, line 4, parameter 'seed': wrong type (str); expected int like the default "
     "20260101, got 'two'"),
    ("grid:\n  seed: 5\n",
     "grid.yaml, line 2, parameter 'seed': grid: needs a list of values; expected "
     "[20260101, ...], got 5"),
    ("grid:\n  seed: [1, 1]\n",
     "grid.yaml, line 2, parameter 'seed': value given twice, got 1"),
    ("grid:\n  thresholds: ['56 ZFLOPS', '20 ZFLOPS']\n",
     "grid.yaml, line 2, parameter 'thresholds': wrong type (str); expected list like the "
     "default ['56 ZFLOPS', '20 ZFLOPS'], got '56 ZFLOPS'"),
    ("grid:\n  scenario: [base, nosuch]\n",
     "grid.yaml, line 2, parameter 'scenario': unknown scenario 'nosuch'; valid: base, bear, bull"),
    ("grid:\n  output_dir: [a]\n",
     "grid.yaml, line 2, parameter 'output_dir': is set by the runner (each point gets its own "
     "output folder)"),
    ("ranges:\n  scenario: [a, b]\nsampling: {samples: 3, seed: 1}\n",
     "grid.yaml, line 2, parameter 'scenario': ranges apply to int or float parameters (use "
     "grid: for other values); expected numbers low < high (default 'base'), got "
     "{'low': 'a', 'high': 'b'}"),
    ("ranges:\n  n_paths: [500, 100]\nsampling: {samples: 3, seed: 1}\n",
     "grid.yaml, line 2, parameter 'n_paths': low must be below high; expected finite numbers "
     "low < high, got {'low': 500, 'high': 100}"),
    ("ranges:\n  n_paths: [100, 500]\nsampling:\n  seed: 1\n",
     "grid.yaml, line 3: samples: needs a whole number >= 1 with ranges:; expected sampling: "
     "{samples: 20, seed: 42}"),
    ("ranges:\n  n_paths: [100, 500]\nsampling:\n  samples: 4\n",
     "grid.yaml, line 3: seed: needs a whole number with ranges: (the same seed gives the same "
     "points); expected sampling: {samples: 20, seed: 42}"),
    ("ranges:\n  n_paths: [100, 500]\nsampling:\n  samples: 4\n  seed: 1\n  method: sobol\n",
     "grid.yaml, line 6: unknown sampling method; expected latin | random, got 'sobol'"),
    ("grid:\n  seed: [1]\nsampling:\n  samples: 4\n",
     "grid.yaml, line 3: sampling: applies to ranges:, and there is none"),
    ("grid:\n  seed: [1]\nfixed:\n  seed: 2\n",
     "grid.yaml, line 4, parameter 'seed': is in both grid: and fixed:"),
    ("grdi:\n  seed: [1]\n",
     "grid.yaml, line 1: unknown key 'grdi'; expected a parameter of 03_scenarios (end_year, "
     "n_paths, scenario, seed, threshold_year, thresholds) with a list of values, or one of "
     "notebook, grid, ranges, sampling, fixed, max_points"),
    ("fixed:\n  seed: 1\n",
     "grid.yaml: nothing to sweep; expected a grid: or ranges: section naming parameters, or "
     "parameters with lists of values"),
    ("notebook: 02_gpu_demand\ngrid:\n  seed: [1]\n",
     "grid.yaml, line 1: this grid is written for notebook '02_gpu_demand', not '03_scenarios'"),
    ("grid:\n  seed: [1, 2]\n  seed: [3]\n", "grid.yaml, line 3: duplicate key 'seed'"),
    ("grid: [1, 2\n", "grid.yaml, line 2: not valid YAML (expected ',' or ']', but got "
                      "'<stream end>')"),
    ("", "grid.yaml: the grid is empty; expected a mapping with grid: and/or ranges:"),
    ("- 1\n- 2\n", "grid.yaml: a grid must be a mapping; expected parameters with lists of "
                   "values, or keys notebook, grid, ranges, sampling, fixed, max_points, got "
                   "[1, 2]"),
])
def test_bad_grid_files_are_one_line_errors(tmp_path, text, message):
    path = grid_file(tmp_path, text)
    with pytest.raises(ParameterError) as caught:
        sweep.plan("03", path, project=SHIPPED)
    text = str(caught.value).replace(str(tmp_path) + "/", "")
    assert text == message and "\n" not in text


def test_too_many_points_need_max_points(tmp_path):
    values = list(range(30))
    doc = {"grid": {"seed": values, "n_paths": values}}
    with pytest.raises(ParameterError, match=r"grid: the grid has 900 points; expected at most "
                       r"500 points; pass --max-points 900 \(or max_points: 900 in the grid "
                       r"file\) to run them all"):
        grid_of(doc)
    assert len(grid_of(doc, max_points=900).points) == 900
    assert len(grid_of({**doc, "max_points": 1000}).points) == 900
    with pytest.raises(ParameterError, match="the grid has 900 points"):
        grid_of({**doc, "max_points": 1000}, max_points=10)  # the caller's limit wins
    huge = {"grid": {"seed": list(range(400)), "n_paths": list(range(400))}}
    with pytest.raises(ParameterError, match="at most 100000 points"):
        grid_of(huge, max_points=10**9)  # refused before any point is built


@pytest.mark.parametrize("text, message", [
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
     "grid.yaml, line 2: aliases (*name) are not allowed here"),
    ("grid:\n  seed: " + "[" * 60 + "1" + "]" * 60 + "\n",
     "grid.yaml, line 2: nested more than 20 levels deep"),
])
def test_hostile_yaml_is_refused_before_anything_is_built(tmp_path, text, message):
    path = grid_file(tmp_path, text)  # the alias bomb would expand to 9**3 values per key
    with pytest.raises(ParameterError) as caught:
        sweep_grid.load_grid(path, PARAMS03, notebook="03_scenarios")
    assert str(caught.value).replace(str(tmp_path) + "/", "") == message


def test_example_grids_are_valid():
    files = sorted((SHIPPED / "notebooks" / "sweeps").glob("*.yaml"))
    assert files
    for path in files:
        doc = sweep_grid.read_grid_file(path)[0]
        stem = doc["notebook"]
        params = nbp.notebook_parameters(SHIPPED / "notebooks" / f"{stem}.ipynb")
        grid = sweep_grid.load_grid(path, params, notebook=stem)
        assert 1 <= len(grid.points) <= sweep_grid.DEFAULT_MAX_POINTS


# -- gathering, with a stand-in for the notebook ---------------------------------------------

HEADLINE = "target,scope,component,precision,year,model,median,mean,lower,upper,level,unit\n"


def fake_point(task):
    """Writes the headline table a notebook would: total = 1e21 * (1 + growth)^(year - 2021);
    ``growth`` < 0 fails like a notebook error.  Module level, so worker processes import it."""
    growth = task.parameters["growth"]
    if growth < 0:
        return sweep.PointOutcome(task.id, task.index, "failed", 0.1,
                                  "ValueError: growth must be >= 0 (In [3])")
    tables = Path(task.output_dir) / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    rows = []
    for year in (2030, 2035):
        noise = 1 + 0.01 * task.parameters.get("noise", 0)
        value = 1e21 * (1 + growth) ** (year - 2021) * noise
        rows.append(f"global compute,global,total,mixed,{year},fake,{value!r},{value!r},"
                    f"{value / 2!r},{value * 2!r},0.9,FLOP/s\n")
    (tables / f"headline_{Path(task.notebook).stem}.csv").write_text(HEADLINE + "".join(rows))
    return sweep.PointOutcome(task.id, task.index, "ok", 0.1)


@pytest.fixture
def fake_project(tmp_path):
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    cell = {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["parameters"]},
            "outputs": [], "source": "output_dir = None\ngrowth = 0.3  # a year\nnoise = 0\n"
                                     "level = 0.9  # clashes with a headline column"}
    (root / "notebooks" / "fake.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return root


def test_sweep_table_has_one_row_per_point_and_headline_row(fake_project):
    doc = {"grid": {"growth": [0.2, -1.0, 0.4], "noise": [0, 1]}, "fixed": {"level": 0.8}}
    report = sweep.execute("fake", doc, project=fake_project, jobs=2, point_function=fake_point)
    assert report.counts == {"ok": 4, "cached": 0, "failed": 2, "not run": 0}
    assert report.exit_code == 1
    lines = report.csv.read_text().splitlines()
    assert lines[0] == ("point,growth,noise,param_level,status,error,target,scope,component,"
                        "precision,year,model,median,mean,lower,upper,level,unit")
    assert len(lines) == 1 + 4 * 2 + 2  # ok points: 2 rows each; failed points: 1 row each
    frame = report.frame()
    assert list(frame["growth"].drop_duplicates()) == [0.2, -1.0, 0.4]  # the grid's order
    failed = frame[frame["status"] == "failed"]
    assert list(failed["error"]) == ["ValueError: growth must be >= 0 (In [3])"] * 2
    assert failed["median"].isna().all()
    ok = frame[(frame["status"] == "ok") & (frame["year"] == 2030)]
    expected = [1e21 * (1 + g) ** 9 * (1 + 0.01 * n) for g, n in
                [(0.2, 0), (0.2, 1), (0.4, 0), (0.4, 1)]]
    assert list(ok["median"]) == expected  # copied as text: exact
    assert (frame["param_level"] == 0.8).all() and (frame["level"].dropna() == 0.9).all()
    manifest = json.loads((report.directory / "sweep.json").read_text())
    assert [p["status"] for p in manifest["points"]] == ["ok", "ok", "failed", "failed", "ok",
                                                         "ok"]
    assert frame.attrs["sweep"]["parameters"] == ["growth", "noise", "level"]


def test_sweep_csv_does_not_depend_on_completion_order(fake_project):
    grid = sweep_grid.parse_grid({"grid": {"growth": [0.1, 0.2, 0.3]}},
                                 nbp.notebook_parameters(fake_project / "notebooks" /
                                                         "fake.ipynb"), notebook="fake")
    out = fake_project / "outputs" / "sweeps" / "x"
    tasks = [sweep.PointTask(str(fake_project), str(fake_project / "notebooks" / "fake.ipynb"),
                             p.id, p.index, {**p.values, "noise": 0},
                             str(out / "points" / p.id)) for p in grid.points]
    outcomes = [fake_point(t) for t in tasks]
    forward = sweep.gather(out, grid, "fake", {o.id: o for o in outcomes})
    backward = sweep.gather(out, grid, "fake", {o.id: o for o in reversed(outcomes)})
    assert forward == backward and forward[0].count("\n") == 1 + 3 * 2


def test_page_ranks_the_parameter_that_moves_the_answer(fake_project):
    doc = {"grid": {"growth": [0.2, 0.3, 0.4], "noise": [0, 1, 2]}}
    report = sweep.execute("fake", doc, name="ranked", project=fake_project, jobs=1,
                           point_function=fake_point)
    frame = report.frame()
    table = sweep_page.influence(frame, {"growth": "growth", "noise": "noise"})
    rank = sweep_page.ranking(table)
    assert list(rank["parameter"]) == ["growth", "noise"]
    # ln(value) = 9 ln(1+g) + ln(1 + 0.01 n): additive on the full grid, so the two main-effect
    # shares add up to 1, and each is that term's variance over the total
    a = [9 * math.log(1 + g) for g in (0.2, 0.3, 0.4)]
    b = [math.log(1 + 0.01 * n) for n in (0, 1, 2)]
    var = lambda xs: sum((x - sum(xs) / len(xs)) ** 2 for x in xs) / len(xs)  # noqa: E731
    share = var(a) / (var(a) + var(b))
    row = table[(table["figure"] == "2030") & (table["parameter"] == "growth")].iloc[0]
    assert row["eta2"] == pytest.approx(share, rel=1e-9)
    assert row["swing"] == pytest.approx((1.4 / 1.2) ** 9 - 1, rel=1e-9)
    assert row["move"] == pytest.approx(9 * math.log(1.4 / 1.2), rel=1e-9)
    assert rank["mean_move"].iloc[1] == pytest.approx(math.log(1.02), rel=1e-9)  # noise 0..2
    page = report.page.read_text()
    assert "<h2>What moves the answer</h2>" in page and page.count("data:image/png;base64,") == 2
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    index = (report.directory.parent / "index.html").read_text()
    assert 'href="ranked/index.html"' in index


def test_eta_squared_of_a_pure_interaction_is_zero():
    import numpy as np

    x1, x2 = np.array([-1, -1, 1, 1]), np.array([-1, 1, -1, 1])
    assert sweep_page.eta_squared(x1 * x2, x1) == 0.0
    assert sweep_page.eta_squared(x1 * x2, x2) == 0.0
    assert sweep_page.eta_squared(2.0 * x1, x1) == 1.0
    assert sweep_page.eta_squared(np.ones(4), x1) == 0.0  # a figure that does not move


def test_rerun_of_a_different_notebook_under_the_same_name_is_refused(fake_project):
    shutil.copy(fake_project / "notebooks" / "fake.ipynb", fake_project / "notebooks" / "g.ipynb")
    sweep.execute("fake", {"grid": {"growth": [0.1]}}, name="same", project=fake_project,
                  point_function=fake_point)
    with pytest.raises(sweep.UsageError, match="sweep 'same' holds points of fake, not g; "
                       "choose another --name"):
        sweep.execute("g", {"grid": {"growth": [0.1]}}, name="same", project=fake_project,
                      point_function=fake_point)


@pytest.mark.parametrize("argv, message", [
    (["sweep", "03", "--grid", "{grid}", "--name", "../up"],
     "compute-forecast: error: --name '../up': expected letters, digits, '.', '_' or '-' (a "
     "folder name, at most 80 characters)"),
    (["sweep", "03", "--grid", "missing.yaml"],
     "compute-forecast: error: missing.yaml: file not found; expected a readable YAML grid file"),
    (["sweep", "03", "--grid", "{grid}", "--jobs", "0"],
     "compute-forecast sweep: error: argument --jobs/-j: expected a whole number >= 1, got '0' "
     "(see compute-forecast sweep --help)"),
    (["sweep", "03", "--grid", "{grid}", "--dask", "local", "--scheduler", "tcp://x:1"],
     "compute-forecast sweep: error: argument --scheduler: not allowed with argument --dask "
     "(see compute-forecast sweep --help)"),
    (["sweep", "03", "--grid", "{grid}", "--scheduler", "x:1"],
     "compute-forecast: error: --scheduler 'x:1': expected an address like tcp://HOST:8786"),
    (["sweep", "03", "--grid", "{big}"],
     "compute-forecast: error: {big}, line 1: the grid has 900 points; expected at most 500 "
     "points; pass --max-points 900 (or max_points: 900 in the grid file) to run them all"),
    (["sweep", "nope", "--grid", "{grid}"],
     "compute-forecast: error: unknown notebook 'nope'; valid: 01_global_compute, "
     "02_gpu_demand, 03_scenarios, 04_backtest_and_vintages"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    if not hasattr(cli, "main") or "sweep" not in cli.build_parser().format_help():
        pytest.fail("compute-forecast has no sweep command")
    good = grid_file(tmp_path, "grid:\n  seed: [1]\n")
    big = tmp_path / "big.yaml"
    big.write_text("grid:\n  seed: [" + ", ".join(map(str, range(30))) + "]\n"
                   "  n_paths: [" + ", ".join(map(str, range(1, 31))) + "]\n")
    monkeypatch.chdir(SHIPPED)
    argv = [a.format(grid=good, big=big) for a in argv]
    names = [n for n in (p.stem for p in (SHIPPED / "notebooks").glob("*.ipynb"))]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    expected = message.format(big=big)
    if "valid:" in expected:  # the list of notebooks is the project's
        expected = expected.split("valid:")[0] + "valid: " + ", ".join(sorted(names))
    assert err.strip() == expected


# -- real sweeps of notebook 03 -----------------------------------------------------------------

@pytest.fixture(scope="module")
def project03(tmp_path_factory):
    """A copy of the project (notebooks, data) so that sweeps never touch outputs/."""
    return copy_project(tmp_path_factory.mktemp("sweep") / "proj")


SMALL = {"grid": {"seed": [1, 2], "n_paths": [200, 300]}, "fixed": {"end_year": 2032}}


@pytest.mark.slow
def test_local_and_dask_sweeps_agree_byte_for_byte_and_rerun_executes_nothing(project03):
    from forecast.pipeline import runcache

    library = runcache.library_fingerprint()
    local = sweep.execute("03", SMALL, name="local", project=project03, jobs=2)
    assert local.counts == {"ok": 4, "cached": 0, "failed": 0, "not run": 0}, local.outcomes
    rerun = sweep.execute("03", SMALL, name="local", project=project03, jobs=2)
    if runcache.library_fingerprint() == library:
        assert rerun.counts == {"ok": 0, "cached": 4, "failed": 0, "not run": 0}, rerun.outcomes
    else:  # the forecast source was edited meanwhile (a shared working tree): rerunning is right
        assert {o.reason for o in rerun.outcomes if o.status != "cached"} <= \
            {"the forecast library changed"}, rerun.outcomes
    dask = sweep.execute("03", SMALL, name="dask", project=project03, jobs=2,
                         executor="dask-local")
    assert dask.counts["ok"] == 4, dask.outcomes
    assert len({o.worker for o in dask.outcomes}) == 2  # both workers ran points
    text = local.csv.read_bytes()
    assert dask.csv.read_bytes() == text
    frame = local.frame()
    headline = (project03 / "outputs" / "sweeps" / "local" / "points" / local.outcomes[0].id
                / "tables" / "headline_03_scenarios.csv").read_text().splitlines()
    assert len(frame) == 4 * (len(headline) - 1)
    assert set(frame["year"]) == {2030}  # end_year 2032: only 2030 is reported
    # the Monte Carlo median moves with seed and n_paths, never more than sampling noise
    total = frame[frame["component"] == "total"]["median"]
    assert total.nunique() == 4 and total.max() / total.min() < 1.5


@pytest.fixture(scope="module")
def failing_sweep(project03):
    doc = {"grid": {"thresholds": [["56 ZFLOPS"], ["lots of FLOPS"]]},
           "fixed": {"n_paths": 200, "end_year": 2032}}
    from forecast.pipeline import runcache

    library = runcache.library_fingerprint()
    report = sweep.execute("03", doc, name="failing", project=project03, jobs=2)
    report.library = library  # the forecast source the points ran with
    return report


@pytest.mark.slow
def test_cli_reruns_only_the_failed_point_and_exits_1(failing_sweep, project03, monkeypatch,
                                                      capsys):
    grid = project03 / "failing.yaml"
    grid.write_text("grid:\n  thresholds: [['56 ZFLOPS'], ['lots of FLOPS']]\n"
                    "fixed:\n  n_paths: 200\n  end_year: 2032\n")
    before = failing_sweep.csv.read_bytes()
    monkeypatch.chdir(project03)
    assert cli.main(["sweep", "03", "--grid", str(grid), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    from forecast.pipeline import runcache

    unchanged = runcache.library_fingerprint() == failing_sweep.library  # a shared tree
    lines = err.splitlines()  # off a terminal: one line per point that ran, then the summary
    ran, summary = lines[:-1], lines[-1]
    assert sum(line.startswith("  failed  ") and "lots of FLOPS" in line for line in ran) == 1
    if unchanged or summary.startswith("0 ran"):
        assert len(ran) == 1 and summary.startswith("0 ran, 1 cached, 1 failed in ")
    else:  # the forecast source was edited since the first sweep: the ok point reran too
        assert len(ran) == 2 and summary.startswith("1 ran, 0 cached, 1 failed in ")
    assert lines[-1].endswith(f"{failing_sweep.page}")
    assert failing_sweep.csv.read_bytes() == before  # same points, same outcome, same bytes


@pytest.mark.slow
def test_a_failing_point_is_recorded_while_the_others_finish(failing_sweep):
    report = failing_sweep
    assert report.counts == {"ok": 1, "cached": 0, "failed": 1, "not run": 0}
    assert report.exit_code == 1
    frame = report.frame()
    bad = frame[frame["status"] == "failed"]
    assert len(bad) == 1 and bad["thresholds"].iloc[0] == '["lots of FLOPS"]'
    assert "lots of FLOPS" in bad["error"].iloc[0] and "In [" in bad["error"].iloc[0]
    good = frame[frame["status"] == "ok"]
    assert len(good) > 1 and good["median"].notna().all()
    failed_id = bad["point"].iloc[0]
    point = report.directory / "points" / failed_id
    assert (point / "failed" / "03_scenarios.ipynb").is_file()
    assert not (point / "tables" / "headline_03_scenarios.csv").exists()  # nothing promoted
    page = report.page.read_text()
    assert "Failed points (1)" in page and "lots of FLOPS" in page


@pytest.mark.slow
def test_sweep_page_loads_cleanly_in_chromium(failing_sweep, browser):
    for page in (failing_sweep.page, failing_sweep.directory.parent / "index.html"):
        result = visit(browser, page)
        check_page(result, page)  # no console error, images load, local links resolve, offline
    result = visit(browser, failing_sweep.page)
    assert result["title"] == "Sweep failing: 03_scenarios"
    assert len(result["images"]) >= 1 and result["screenshot"].startswith(b"\x89PNG")
    assert any(link.endswith("failed/03_scenarios.ipynb") for link in result["links"])


@pytest.mark.slow
def test_existing_scheduler_runs_points_and_refuses_workers_that_cannot_see_the_project(
        fake_project, tmp_path):
    from distributed import LocalCluster

    doc = {"grid": {"growth": [0.1, 0.2, -1.0]}}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        report = sweep.execute("fake", doc, name="remote", project=fake_project, executor="dask",
                               scheduler=address, point_function=fake_point)
        assert report.counts == {"ok": 2, "cached": 0, "failed": 1, "not run": 0}
        local = sweep.execute("fake", doc, name="here", project=fake_project, jobs=2,
                              point_function=fake_point)
        assert report.csv.read_bytes() == local.csv.read_bytes()
        # a project the workers do not see (here: a folder that is gone by the time they look)
        gone = tmp_path / "gone"
        shutil.copytree(fake_project, gone)
        grid = sweep.plan("fake", doc, project=gone)[2]
        task = sweep.PointTask(str(gone), str(gone / "notebooks" / "fake.ipynb"),
                               grid.points[0].id, 0, grid.points[0].values, str(gone / "x"))
        shutil.rmtree(gone)
        from distributed import Client

        with Client(address) as client, pytest.raises(sweep.UsageError) as caught:
            sweep_exec.check_workers(client, task, address)
    message = str(caught.value)
    assert message == (f"--scheduler {address}: worker on {_host()} cannot see the project "
                       f"folder {gone}; sweeps on a Dask scheduler need the project on a "
                       "filesystem shared at the same path")


def sweep_exec_check(client, task, address):
    from forecast.pipeline.sweep import executors as sweep_exec

    sweep_exec._check_workers(client, task, address)


def _host():
    import socket

    return socket.gethostname()


@pytest.mark.slow
def test_scheduler_that_cannot_be_reached_is_one_line(fake_project, monkeypatch):
    from forecast.pipeline.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "2s")  # nothing listens: no need for 10 s
    with pytest.raises(sweep.UsageError, match=r"^--scheduler tcp://127\.0\.0\.1:9: cannot "
                       r"connect to a Dask scheduler \(.*\)$"):
        sweep.execute("fake", {"grid": {"growth": [0.1]}}, project=fake_project,
                      executor="dask", scheduler="tcp://127.0.0.1:9", point_function=fake_point)


def test_a_column_naming_the_point_does_not_split_figures():
    import pandas as pd

    # notebook 03 names the scenario in `model`: one value per point, different across points
    rows = [{"point": s, "scenario": s, "status": "ok", "component": "total", "year": year,
             "model": f"monte-carlo {s} scenario", "median": m * (1.5 if year == 2035 else 1),
             "unit": "FLOP/s"}
            for s, m in (("bear", 1e22), ("bull", 4e22)) for year in (2030, 2035)]
    frame = pd.DataFrame(rows)  # two points, two headline rows each
    found = sweep_page.figures(frame)
    assert [sweep_page.label(key) for key, _ in found] == ["2030", "2035"]
    table = sweep_page.influence(frame, {"scenario": "scenario"})
    assert list(table["eta2"]) == [1.0, 1.0]
    assert table["swing"].iloc[0] == pytest.approx(3.0)  # 40 / 10 ZFLOPS - 1


def test_main_index_links_the_sweeps_after_a_sweep(fake_project):
    index = fake_project / "outputs" / "index.html"
    index.parent.mkdir(parents=True)
    index.write_text("<html>an index written before any sweep</html>")
    sweep.execute("fake", {"grid": {"growth": [0.1]}}, name="linked", project=fake_project,
                  point_function=fake_point)
    page = index.read_text()
    assert 'href="sweeps/index.html"' in page and "an index written before" not in page
    sweeps = (fake_project / "outputs" / "sweeps" / "index.html").read_text()
    assert 'href="../index.html"' in sweeps and 'href="linked/index.html"' in sweeps
