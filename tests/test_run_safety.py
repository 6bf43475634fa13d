"""Outputs you can trust after any failure: transactional runs, cache checks of the outputs,
runs outside the runner (JupyterLab-style kernel, plain papermill), run_notebook.

Each test builds a throw-away project (see tests/test_runner.py) and runs real kernels.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast import paths
from forecast.pipeline import staging as _staging
from forecast.pipeline import runcache
from forecast.pipeline import runner
from forecast.pipeline.progress import Progress
from forecast.errors import NotebookExecutionError, ParameterError, UnknownNameError

from _project import ROOT, make_project

pytestmark = pytest.mark.usefixtures("pinned_library")


def run(root, **kw):
    return runner.run(root, progress=Progress(quiet=True), **kw)


def snapshot(folder: Path, *, skip=("failed", ".cache", "run.log", "index.html")) -> dict:
    """sha256 of every file under ``folder`` except the runner's own status files."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(rel.parts[0] == s or rel.as_posix() == s for s in skip):
            found[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.mark.slow
def test_a_run_that_fails_halfway_leaves_the_outputs_as_they_were(tmp_path):
    root = make_project(tmp_path / "p", "halfway")
    out = root / "outputs"
    assert [r.status for r in run(root, params=["value=1"]).results] == ["ok"]
    assert (out / "tables" / "halfway_second.csv").read_text() == "value\n2\n"
    before = snapshot(out)
    report = run(root, params=["value=5", "fail=True"])
    assert [r.status for r in report.results] == ["failed"]
    assert isinstance(report.results[0].error, NotebookExecutionError)
    assert report.results[0].error.ename == "AssertionError"
    assert snapshot(out) == before                      # nothing promoted
    assert (out / "failed" / "halfway" / "tables" / "halfway_first.csv").read_text() == "value\n5\n"
    assert not (out / _staging.STAGING).exists()
    # the last good run's key matches again, and its files are the ones it recorded
    assert [r.status for r in run(root, params=["value=1"]).results] == ["cached"]
    assert not (out / "failed" / "halfway").exists()


@pytest.mark.slow
def test_cache_reruns_when_its_outputs_were_changed(tmp_path):
    root = make_project(tmp_path / "p", "halfway")
    run(root)
    table = root / "outputs" / "tables" / "halfway_first.csv"
    table.write_text("value\n999\n")
    report = run(root)
    assert [(r.status, r.reason) for r in report.results] == [
        ("ok", "output tables/halfway_first.csv changed since the last run")]
    assert table.read_text() == "value\n1\n"


def test_recover_finishes_a_promotion_that_was_interrupted(tmp_path):
    run_dir = tmp_path / "outputs"
    stage = _staging.prepare(run_dir, "nb")
    (stage / "tables").mkdir()
    (stage / "tables" / "a.csv").write_text("a\n1\n")
    (stage / "tables" / "b.csv").write_text("b\n2\n")
    state = {"good": {"key": {}, "inputs": {}}, "last": {"status": "ok"}}
    real_replace, moved = os.replace, []

    def dies_after_one(src, dst):  # the process is killed after the first file moved
        if moved and "tables" in str(dst):
            raise KeyboardInterrupt
        real_replace(src, dst)
        moved.append(dst)

    os.replace = dies_after_one
    try:
        with pytest.raises(KeyboardInterrupt):
            _staging.promote(run_dir, "nb", state)
    finally:
        os.replace = real_replace
    assert _staging.journal_path(run_dir, "nb").is_file()
    assert _staging.recover(run_dir, "nb") == "nb: finished the promotion a stopped run had begun"
    assert (run_dir / "tables" / "b.csv").read_text() == "b\n2\n"
    saved = runcache.load_state(run_dir, "nb")["good"]["outputs"]
    assert saved == {"tables/a.csv": runcache.sha256_file(run_dir / "tables" / "a.csv"),
                     "tables/b.csv": runcache.sha256_file(run_dir / "tables" / "b.csv")}
    assert not _staging.journal_path(run_dir, "nb").exists() and not (run_dir / ".staging").exists()


def test_recover_throws_away_an_abandoned_stage(tmp_path):
    stage = _staging.prepare(tmp_path, "nb")
    (stage / "half.csv").write_text("x")
    assert _staging.recover(tmp_path, "nb") == "nb: removed the partial outputs of a stopped run"
    assert not (tmp_path / ".staging").exists()
    assert _staging.recover(tmp_path, "nb") is None


# -- runs outside the runner ------------------------------------------------------------------

def _kernel_run(notebook: Path, cwd: Path) -> None:
    """Execute every code cell as JupyterLab does: the kernel's own cwd, no injected parameters."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="compute-forecast", cwd=str(cwd),
                              env={k: v for k, v in os.environ.items() if k != paths.RUNNER_ENV})
    try:
        nb = json.loads(notebook.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                reply = kc.execute_interactive("".join(cell["source"]), timeout=60,
                                               output_hook=lambda msg: None)
                assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.slow
def test_a_jupyterlab_style_run_writes_to_scratch_and_the_runner_stays_cached(tmp_path):
    root = make_project(tmp_path / "p", "halfway")
    run(root)
    before = snapshot(root / "outputs", skip=("failed", ".cache", "run.log", "index.html",
                                              "scratch"))
    _kernel_run(root / "notebooks" / "halfway.ipynb", root / "notebooks")
    scratch = root / "outputs" / "scratch" / "tables"
    assert sorted(p.name for p in scratch.iterdir()) == ["halfway_first.csv", "halfway_second.csv"]
    after = snapshot(root / "outputs", skip=("failed", ".cache", "run.log", "index.html",
                                             "scratch"))
    assert after == before
    assert [r.status for r in run(root).results] == ["cached"]


@pytest.mark.slow
def test_plain_papermill_writes_to_scratch_unless_told_otherwise(tmp_path):
    import papermill

    root = make_project(tmp_path / "p", "halfway")
    run(root)
    canonical = root / "outputs" / "tables" / "halfway_first.csv"
    papermill.execute_notebook(str(root / "notebooks" / "halfway.ipynb"), str(tmp_path / "o.ipynb"),
                               parameters={"value": 7}, kernel_name="compute-forecast",
                               cwd=str(root / "notebooks"), progress_bar=False)
    assert (root / "outputs" / "scratch" / "tables" / "halfway_first.csv").read_text() == "value\n7\n"
    assert canonical.read_text() == "value\n1\n"
    assert [r.status for r in run(root).results] == ["cached"]
    # told to write into outputs/: the runner notices and regenerates its own files
    papermill.execute_notebook(str(root / "notebooks" / "halfway.ipynb"), str(tmp_path / "o.ipynb"),
                               parameters={"value": 7, "output_dir": str(root / "outputs")},
                               kernel_name="compute-forecast", cwd=str(root / "notebooks"),
                               progress_bar=False)
    assert canonical.read_text() == "value\n7\n"
    report = run(root)
    assert [r.status for r in report.results] == ["ok"]
    assert "changed since the last run" in report.results[0].reason
    assert canonical.read_text() == "value\n1\n"


# -- run_notebook --------------------------------------------------------------------------

@pytest.mark.slow
def test_run_notebook_is_cached_per_point_and_transactional(tmp_path):
    root = make_project(tmp_path / "p", "halfway")
    nb = root / "notebooks" / "halfway.ipynb"
    point = tmp_path / "sweep" / "v3"
    first = runner.run_notebook(nb, {"value": 3}, point)
    assert (first.status, first.error, first.output_dir) == ("ok", None, point)
    assert set(first.outputs) == {"tables/halfway_first.csv", "tables/halfway_second.csv",
                                  "notebooks/halfway.ipynb"}
    assert (point / "tables" / "halfway_second.csv").read_text() == "value\n6\n"
    assert not (point / "html").exists()  # html=False by default
    again = runner.run_notebook(nb, {"value": 3}, point)
    assert again.status == "cached" and set(again.outputs) == set(first.outputs)
    before = snapshot(point)
    failed = runner.run_notebook(nb, {"value": 4, "fail": True}, point)
    assert failed.status == "failed" and isinstance(failed.error, NotebookExecutionError)
    assert "failed halfway on purpose" in failed.error.evalue
    assert snapshot(point) == before
    page = runner.run_notebook(nb, {"value": 3}, tmp_path / "with_html", html=True)
    assert (tmp_path / "with_html" / "html" / "halfway.html").is_file() and page.status == "ok"


def test_run_notebook_checks_parameters_before_running(tmp_path):
    root = make_project(tmp_path / "p", "halfway", scenarios=("base",))
    nb = root / "notebooks" / "halfway.ipynb"
    with pytest.raises(ParameterError, match="unknown parameter; valid: fail, value"):
        runner.run_notebook(nb, {"nope": 1}, tmp_path / "o")
    with pytest.raises(ParameterError, match="wrong type"):
        runner.run_notebook(nb, {"value": "x"}, tmp_path / "o")
    with pytest.raises(ParameterError, match="is set by the runner"):
        runner.run_notebook(nb, {"output_dir": "/tmp"}, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_run_notebook_scenario_names_are_names(tmp_path):
    root = make_project(tmp_path / "p", "scen", scenarios=("base",))
    with pytest.raises(UnknownNameError, match="unknown scenario '../base'; valid: base"):
        runner.run_notebook(root / "notebooks" / "scen.ipynb", {"scenario": "../base"},
                            tmp_path / "o")


@pytest.mark.slow
def test_history_rows_of_finished_notebooks_survive_a_kill(tmp_path):
    root = make_project(tmp_path / "p", "scen", "sleeps")
    code = ("import sys; sys.path.insert(0, %r); from forecast.pipeline import runner, runcache; "
            "from forecast.pipeline.progress import Progress; "
            "runner.run(%r, params=['seconds=120'], jobs=2, progress=Progress(quiet=True))"
            % (str(ROOT), str(root)))
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    history = root / "outputs" / "history" / "forecast_history.csv"
    deadline = time.monotonic() + 90
    while not history.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernels, as `kill -9` would
    proc.wait()
    assert history.is_file() and b"scen" in history.read_bytes()
    staged = root / "outputs" / _staging.STAGING / "sleeps"
    assert staged.exists()  # the killed notebook's stage is left ...
    run(root, only=["scen"])
    assert not staged.exists()  # ... and cleaned by the next run
