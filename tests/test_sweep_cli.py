"""Grid files (short form, namespacing, messages) and the ``compute-forecast sweep`` command line.

Issue 22: the natural grid file ``seed: [1, 2]`` was refused ("unknown key 'n_paths'"), and the
sweep's options lived in the sweep driver with a ``_positive_int`` of its own.  Issue 23: the
grid's own ``seed`` (of the draws) collided with notebook 03's ``seed`` parameter, and a
top-level parameter did not say where it goes; ``--scheduler`` with every point cached said
nothing about the scheduler it never contacted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import _sweep_fakes as fakes
from forecast import cli
from forecast.errors import ParameterError
from forecast.pipeline import params as nbp
from forecast.pipeline.sweep import driver
from forecast.pipeline.sweep import grid as sweep_grid

ROOT = Path(__file__).resolve().parents[1]
PARAMS03 = nbp.notebook_parameters(ROOT / "notebooks" / "03_scenarios.ipynb")


def parse(doc):
    return sweep_grid.parse_grid(doc, PARAMS03, notebook="03_scenarios")


def load(tmp_path, text):
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    return sweep_grid.load_grid(path, PARAMS03, notebook="03_scenarios")


def test_the_natural_grid_file_is_the_short_form_of_grid(tmp_path):
    short = load(tmp_path, "seed: [1, 2]\nn_paths: [500, 1000]\n")
    long = load(tmp_path, "grid:\n  seed: [1, 2]\n  n_paths: [500, 1000]\n")
    assert [p.values for p in short.points] == [p.values for p in long.points] == [
        {"seed": 1, "n_paths": 500}, {"seed": 1, "n_paths": 1000},
        {"seed": 2, "n_paths": 500}, {"seed": 2, "n_paths": 1000}]
    assert [p.id for p in short.points] == [p.id for p in long.points]  # same cache folders
    assert short.swept == ("seed", "n_paths")
    mixed = load(tmp_path, "scenario: [bear, bull]\nfixed:\n  n_paths: 300\n")
    assert [p.values for p in mixed.points] == [{"scenario": "bear", "n_paths": 300},
                                                 {"scenario": "bull", "n_paths": 300}]


def test_the_notebooks_seed_and_the_seed_of_the_draws_never_collide(tmp_path):
    grid = load(tmp_path, "grid:\n  seed: [1, 2]\nranges:\n  n_paths: [500, 5000]\n"
                "sampling:\n  samples: 3\n  seed: 7\n")
    assert len(grid.points) == 6
    assert sorted({p.values["seed"] for p in grid.points}) == [1, 2]  # the notebook's seed
    draws = [p.values["n_paths"] for p in grid.points[:3]]
    again = load(tmp_path, "grid:\n  seed: [3]\nranges:\n  n_paths: [500, 5000]\n"
                 "sampling:\n  samples: 3\n  seed: 7\n")
    assert [p.values["n_paths"] for p in again.points] == draws  # the draws' seed: same draws
    other = load(tmp_path, "grid:\n  seed: [3]\nranges:\n  n_paths: [500, 5000]\n"
                 "sampling:\n  samples: 3\n  seed: 8\n")
    assert [p.values["n_paths"] for p in other.points] != draws


@pytest.mark.parametrize("text, message", [
    ("n_paths: 500\n",
     "grid.yaml, line 1, parameter 'n_paths': a top-level parameter is short for grid: and "
     "needs a list of values: did you mean n_paths: [500], or to put n_paths under fixed:?"),
    ("grid:\n  scenario: [bear]\nseed: 2026\n",
     "grid.yaml, line 3, parameter 'seed': a top-level parameter is short for grid: and needs a "
     "list of values: did you mean seed: [2026], or to put seed under fixed:? (the seed of the "
     "draws goes under sampling:)"),
    ("ranges:\n  n_paths: [500, 5000]\nsamples: 4\nsampling:\n  seed: 1\n",
     "grid.yaml, line 3: samples: goes under sampling: (sampling: {samples: 8, method: latin, "
     "seed: 42}); 03_scenarios has no parameter 'samples'"),
    ("seed: [1]\ngrid:\n  seed: [2]\n",
     "grid.yaml, line 1, parameter 'seed': is in both grid: and the top level (short for grid:)"),
    ("seed: [1]\nfixed:\n  seed: 2\n",
     "grid.yaml, line 3, parameter 'seed': is in both grid: and fixed:"),
    ("sead: [1, 2]\n",
     "grid.yaml, line 1: unknown key 'sead'; expected a parameter of 03_scenarios (end_year, "
     "n_paths, scenario, seed, threshold_year, thresholds) with a list of values, or one of "
     "notebook, grid, ranges, sampling, fixed, max_points"),
    ("seed: [1, two]\n",
     "grid.yaml, line 1, parameter 'seed': wrong type (str); expected int like the default "
     "20260101, got 'two'"),
    ("output_dir: [a]\n",
     "grid.yaml, line 1, parameter 'output_dir': is set by the runner (each point gets its own "
     "output folder)"),
    ("ranges:\n  n_paths: [500, 5000]\nsampling:\n  samples: 4\n  seed: 1\n  sede: 2\n",
     "grid.yaml, line 6: unknown key 'sede' in sampling:; expected one of samples, method, seed"),
    ("ranges:\n  n_paths: [500, 5000]\nsampling: 4\n",
     "grid.yaml, line 3: sampling: must be a mapping; expected sampling: {samples: 8, seed: 42}, "
     "got 4"),
])
def test_grid_file_mistakes_say_where_the_key_goes(tmp_path, text, message):
    with pytest.raises(ParameterError) as caught:
        load(tmp_path, text)
    assert str(caught.value).replace(str(tmp_path) + "/", "") == message


def test_the_shipped_grids_use_the_namespaced_form():
    for path in sorted((ROOT / "notebooks" / "sweeps").glob("*.yaml")):
        doc = sweep_grid.read_grid_file(path)[0]
        assert not set(doc) & set(sweep_grid.SAMPLING_KEYS) - set(PARAMS03), path
        assert len(sweep_grid.load_grid(path, PARAMS03, notebook="03_scenarios").points) == 12


# -- the command line -----------------------------------------------------------------------

def test_the_sweep_command_lives_in_cli_with_its_shared_guards():
    assert not hasattr(driver, "add_arguments") and not hasattr(driver, "_positive_int")
    sweep = cli.build_parser()._subparsers._group_actions[0].choices["sweep"]
    types = {a.dest: a.type for a in sweep._actions}
    assert types["jobs"] is cli._positive_int and types["max_points"] is cli._positive_int
    assert types["timeout"] is cli._positive_float


@pytest.mark.parametrize("option, value, message", [
    ("--jobs", "9" * 40, "argument --jobs/-j: expected a whole number >= 1, got '" + "9" * 36
     + "..."),
    ("--timeout", "nan", "argument --timeout: expected seconds > 0"),
    ("--timeout", "-5", "argument --timeout: expected seconds > 0"),
    ("--max-points", "0", "argument --max-points: expected a whole number >= 1, got '0'"),
])
def test_sweep_options_are_guarded_like_run(tmp_path, capsys, option, value, message):
    grid = tmp_path / "g.yaml"
    grid.write_text("seed: [1]\n")
    assert cli.main(["sweep", "03", "--grid", str(grid), option, value]) == 2
    err = capsys.readouterr().err  # run's own guard (its wording may grow: bounds)
    assert err.startswith(f"compute-forecast sweep: error: {message}") and err.count("\n") == 1
    assert err.endswith(" (see compute-forecast sweep --help)\n")


def test_a_cli_sweep_of_a_short_form_grid_runs(tmp_path, monkeypatch, capsys):
    root = fakes.make_project(tmp_path / "proj")
    (root / "grid.yaml").write_text("growth: [0.1, 0.2]\n")
    monkeypatch.chdir(root)
    real = driver.execute
    monkeypatch.setattr(driver, "execute", lambda *a, **k: real(
        *a, **{**k, "point_function": fakes.headline_point}))
    assert cli.main(["sweep", "fake", "--grid", "grid.yaml", "--jobs", "1"]) == 0
    assert capsys.readouterr().err.splitlines()[-1].startswith("2 ran, 0 cached, 0 failed in ")
    lines = (root / "outputs" / "sweeps" / "grid" / "sweep.csv").read_text().splitlines()
    assert lines[0].startswith("point,growth,status,error,") and len(lines) == 1 + 2 * 2


def test_scheduler_with_every_point_cached_says_it_was_not_contacted(tmp_path, monkeypatch,
                                                                     capsys):
    root = fakes.make_project(tmp_path / "proj")
    (root / "grid.yaml").write_text("growth: [0.1, 0.2]\n")
    monkeypatch.chdir(root)
    monkeypatch.setattr(driver, "up_to_date", lambda tasks: {t.id for t in tasks})
    # nothing listens on port 9: contacting it would fail with exit 2
    assert cli.main(["sweep", "fake", "--grid", "grid.yaml", "--scheduler",
                     "tcp://127.0.0.1:9"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[-2] == ("every point was cached: nothing was sent to the scheduler "
                         "tcp://127.0.0.1:9, which was not contacted (--force reruns them "
                         "there)")
    assert lines[-1].startswith("0 ran, 2 cached, 0 failed in ")
