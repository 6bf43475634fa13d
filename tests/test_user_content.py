"""A user's own content never turns the tests red (issue 23).

A scratch git repository holds the shipped project (committed) and this checkout's tests; a
user then saves a scenario from the explorer, edits base.yaml's intelligent growth ``high``,
changes a data figure and saves notebook 06 with an output, and leaves it all uncommitted.
The tests that read scenario files, data and notebooks must still pass there: they read the
shipped files (tests/_project.py), not the working tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from _project import ROOT, copy_project
from forecast import scenarios
from forecast.present.explore import Explorer

pytestmark = pytest.mark.slow

#: the tests that failed after these edits when they read the working tree, and the notebook
#: style check (a notebook saved with outputs)
AFFECTED = ["tests/test_scenarios.py::test_the_three_scenarios_are_available",
            "tests/test_scenarios.py::test_unknown_scenario_lists_the_available_ones",
            "tests/test_scenarios.py::test_every_growth_bound_is_a_rate_found_in_the_data",
            "tests/test_scenarios.py::test_sensitivity_moves_one_assumption_at_a_time",
            "tests/test_explore.py::test_controls_cover_every_assumption",
            "tests/test_explore.py::test_save_scenario_writes_a_valid_file_that_reruns_to_the_same_numbers",
            "tests/test_sweep.py::test_bad_grid_files_are_one_line_errors",
            "tests/test_totals.py", "tests/test_notebook_style.py"]
GIT = ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.org",
       "-c", "commit.gpgsign=false"]


def user_edits(root) -> None:
    """What a user does in an afternoon, none of it committed."""
    params, data = root / "notebooks" / "params", root / "data"
    explorer = Explorer("base", n_paths=500, directory=params, data_dir=data)
    explorer.set(growth_intelligent=(0.6, 1.2))
    explorer.save_scenario("fast_ai")
    base = params / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert text.count("high: 0.9728") == 1
    base.write_text(text.replace("high: 0.9728", "high: 0.8"), encoding="utf-8")
    totals = data / "global_compute.csv"
    text = totals.read_text(encoding="utf-8")
    assert text.count("global,total,2023,year,1397,EFLOPS") == 1
    totals.write_text(text.replace("global,total,2023,year,1397,EFLOPS",
                                   "global,total,2023,year,1700,EFLOPS"), encoding="utf-8")
    notebook = root / "notebooks" / "06_explore.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell["execution_count"] = 1
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["saved in the Lab\n"]}]
    notebook.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_saved_scenarios_and_edits_leave_the_tests_green(tmp_path):
    root = copy_project(tmp_path / "clone")
    shutil.copytree(ROOT / "tests", root / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "shipped"], cwd=root, check=True)
    user_edits(root)
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.split("\n")
    assert sorted(line[3:] for line in changed if line) == [
        "data/global_compute.csv", "notebooks/06_explore.ipynb", "notebooks/params/base.yaml",
        "notebooks/params/fast_ai.yaml"]
    # a test reading the working tree would see them
    params = root / "notebooks" / "params"
    assert scenarios.available_scenarios(params) == ["base", "bear", "bull", "fast_ai"]
    assert scenarios.load_scenario("base", directory=params).components[
        "intelligent"].growth.high == 0.8
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COMPUTE_FORECAST"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "-m", "not slow", *AFFECTED],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
