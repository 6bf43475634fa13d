"""Crashes and faults in the middle of a run (issue 25): promotion all or nothing, history rows
inside the notebook's transaction, a cache that vouches only for what it hashed.

The first part drives :mod:`forecast.pipeline.staging`, :mod:`forecast.data.history` and the
runner's bookkeeping directly (no kernel).  The second part (marked slow) runs real kernels:
``kill -9`` at each step of a run, a data file edited and ``outputs/`` wiped while a notebook
runs, a full disk during promotion.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from forecast.data import history
from forecast.pipeline import runcache, runner
from forecast.pipeline import staging as _staging
from forecast.pipeline.progress import Progress

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "notebooks"
HEADER = "target,scope,component,precision,year,model,median,mean,lower,upper,level,unit\n"
ROW = "global compute,global,total,mixed,2030,cagr,5e+22,6e+22,1e+22,9e+22,0.8,FLOP/s\n"
RECORD = {"run_time": "2026-12-06T10:00:00+00:00", "parameters": {}, "data_hash": "h",
          "version": "0"}


def tree(folder: Path) -> dict:
    """Relative path -> sha256 of the files under ``folder``, hidden ones included."""
    found = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(
                path.read_bytes()).hexdigest()
    return dict(sorted(found.items()))


def outputs_of_a_past_run(out: Path) -> None:
    for rel, text in (("tables/a.csv", "a\nold\n"), ("tables/b.csv", "b\nold\n"),
                      ("figures/f.png", "old png")):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)


def staged(out: Path, files=("tables/a.csv", "tables/b.csv", "figures/f.png", "html/nb.html")):
    stage = _staging.prepare(out, "nb")
    for rel in files:
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_text(f"new {rel}\n")
    return stage


def state() -> dict:
    return {"good": {"key": {}, "inputs": {}}, "last": {"status": "ok"}}


# -- promotion all or nothing -------------------------------------------------------------------

@pytest.mark.parametrize("obstacle", ["folder where a file goes", "file where a folder goes",
                                      "link where a folder goes"])
def test_promotion_checks_every_destination_before_moving_anything(tmp_path, obstacle):
    out = tmp_path / "out"
    outputs_of_a_past_run(out)
    if obstacle == "folder where a file goes":
        (out / "html" / "nb.html").mkdir(parents=True)
    elif obstacle == "file where a folder goes":
        (out / "html").write_text("a file")
    else:
        (tmp_path / "elsewhere").mkdir()
        (out / "html").symlink_to(tmp_path / "elsewhere")
    before = tree(out)
    stage = staged(out)
    with pytest.raises(OSError) as info:
        _staging.promote(out, "nb", state())
    assert "html" in info.value.filename and "\n" not in str(info.value)
    assert {k: v for k, v in tree(out).items() if not k.startswith(".")} == before
    assert not _staging.journal_path(out, "nb").exists()
    assert sorted(_staging.staged_files(stage)) == sorted(
        ["tables/a.csv", "tables/b.csv", "figures/f.png", "html/nb.html"])
    if obstacle.startswith("link"):
        assert not any((tmp_path / "elsewhere").iterdir())


@pytest.mark.parametrize("error", [errno.EACCES, errno.ENOSPC, errno.EROFS])
def test_a_move_that_fails_midway_puts_back_every_file(tmp_path, monkeypatch, error):
    """A read-only table, a full disk: the files moved before it are taken back."""
    out = tmp_path / "out"
    outputs_of_a_past_run(out)
    before = tree(out)
    staged(out)
    real = os.replace

    def fails_on_b(src, dst):
        if str(src).endswith(".staging/nb/tables/b.csv"):  # the new table, not a backup
            raise OSError(error, os.strerror(error), str(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", fails_on_b)
    with pytest.raises(OSError) as info:
        _staging.promote(out, "nb", state())
    monkeypatch.setattr(os, "replace", real)
    assert info.value.errno == error and info.value.filename.endswith("tables/b.csv")
    assert {k: v for k, v in tree(out).items() if not k.startswith(".")} == before
    assert not _staging.journal_path(out, "nb").exists()
    assert runcache.load_state(out, "nb") == {}
    # the next run throws the stage away: nothing half-promoted is finished later
    assert _staging.recover(out, "nb") == "nb: removed the partial outputs of a stopped run"
    assert {k: v for k, v in tree(out).items() if not k.startswith(".")} == before


def test_the_history_is_promoted_but_not_vouched_for(tmp_path):
    out = tmp_path / "out"
    staged(out, files=("tables/a.csv", "history/forecast_history.csv"))
    files = _staging.promote(out, "nb", record := state())
    assert files == ["history/forecast_history.csv", "tables/a.csv"]
    assert list(record["good"]["outputs"]) == ["tables/a.csv"]  # other notebooks append to it
    assert (out / "history" / "forecast_history.csv").read_text() == \
        "new history/forecast_history.csv\n"


# -- history inside the transaction -------------------------------------------------------------

def test_stage_run_writes_the_new_history_into_the_stage_only(tmp_path):
    out, stage = tmp_path / "out", tmp_path / "out" / ".staging" / "nb"
    (out / "history").mkdir(parents=True)
    (out / history.HISTORY_FILE).write_text(",".join(history.HISTORY_COLUMNS) + "\n")
    before = tree(out / "history")
    (stage / "tables").mkdir(parents=True)
    (stage / "tables" / "headline_nb.csv").write_text(HEADER + ROW)
    assert history.stage_run(out, stage, notebooks=["nb"], **RECORD) == (1, None)
    assert tree(out / "history") == before
    text = (stage / history.HISTORY_FILE).read_text()
    assert text.startswith((out / history.HISTORY_FILE).read_text()) and text.count("\n") == 2


def test_stage_run_repairs_a_cut_line_and_says_so(tmp_path):
    out, stage = tmp_path / "out", tmp_path / "stage"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "headline_nb.csv").write_text(HEADER + ROW)
    history.record_run(out, **RECORD)
    whole = (out / history.HISTORY_FILE).read_bytes()
    (out / history.HISTORY_FILE).write_bytes(whole[:-7])  # a disk filled during an old append
    (stage / "tables").mkdir(parents=True)
    (stage / "tables" / "headline_nb.csv").write_text(HEADER + ROW)
    rows, note = history.stage_run(out, stage, notebooks=["nb"], **RECORD)
    assert rows == 1 and "last line was cut" in note and "\n" not in note
    repaired = (stage / history.HISTORY_FILE).read_bytes()
    header = whole[:whole.index(b"\n") + 1]
    assert repaired == header + whole[len(header):]  # the cut row dropped, the new one whole
    (aside,) = (stage / "history").glob("forecast_history.torn-*.txt")
    assert aside.read_bytes() == whole[len(header):-7]


def test_a_history_with_an_unknown_header_is_left_alone(tmp_path):
    out, stage = tmp_path / "out", tmp_path / "stage"
    (out / "history").mkdir(parents=True)
    (out / history.HISTORY_FILE).write_text("not,the,header\n")
    (stage / "tables").mkdir(parents=True)
    (stage / "tables" / "headline_nb.csv").write_text(HEADER + ROW)
    with pytest.raises(history.DataError, match="unexpected header"):
        history.stage_run(out, stage, notebooks=["nb"], **RECORD)
    assert not (stage / "history").exists()


# -- the cache hashes what was read ---------------------------------------------------------------

@pytest.fixture
def bookkeeping(tmp_path, monkeypatch):
    """A runner state over a tiny project, with the sources hashed as before a kernel starts."""
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    root = tmp_path / "p"
    (root / "data").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "pyproject.toml").write_text("")
    for name in ("a.csv", "b.csv", "c.csv"):
        (root / "data" / name).write_text(f"{name}\n1\n")
    run = runner._Run(root.resolve(), history=False)
    run.hash_sources()
    job = SimpleNamespace(path=root / "notebooks" / "nb.ipynb", declared_inputs=())
    return run, job, root.resolve()


def _read(root: Path, *names: str):
    return SimpleNamespace(read=[str(root / "data" / n) for n in names], written=[])


def test_inputs_unchanged_during_the_run_are_recorded_with_their_hash(bookkeeping):
    run, job, root = bookkeeping
    found = run._input_hashes(job, _read(root, "a.csv", "b.csv"))
    assert found == {"data/a.csv": runcache.sha256_file(root / "data" / "a.csv"),
                     "data/b.csv": runcache.sha256_file(root / "data" / "b.csv")}


@pytest.mark.parametrize("change", ["edited", "removed"])
def test_an_input_changed_during_the_run_is_marked_stale(bookkeeping, change):
    run, job, root = bookkeeping
    if change == "edited":
        (root / "data" / "a.csv").write_text("a.csv\n2\n")  # after the kernel read it
    else:
        (root / "data" / "a.csv").unlink()
    found = run._input_hashes(job, _read(root, "a.csv", "b.csv"))
    assert found["data/a.csv"] == runner.CHANGED
    assert found["data/b.csv"] == runcache.sha256_file(root / "data" / "b.csv")
    good = {"key": {"notebook": 1}, "inputs": found, "outputs": {}}
    reason = runcache.stale_reason({"good": good}, {"notebook": 1, **dict.fromkeys(
        ("parameters", "library", "packages", "options"), None)}, root, root / "outputs")
    assert reason is not None and reason.startswith("input data/a.csv")


def test_a_stage_removed_during_the_run_names_the_lost_files(tmp_path):
    stage = _staging.prepare(tmp_path, "nb")
    (stage / "tables").mkdir()
    (stage / "tables" / "late.csv").write_text("x")
    ex = SimpleNamespace(written=[str(stage / "tables" / "early.csv"),
                                  str(stage / "tables" / "late.csv")])
    assert runner._Run._lost_outputs(ex, stage) == []  # intact: the files are what they are
    (stage / _staging.MARKER).unlink()  # outputs/ wiped mid-run, then late.csv written again
    assert runner._Run._lost_outputs(ex, stage) == ["tables/early.csv"]


def test_the_cache_reruns_when_a_recorded_output_is_missing(tmp_path):
    out = tmp_path / "out"
    staged(out, files=("tables/a.csv", "tables/b.csv"))
    record = state()
    _staging.promote(out, "nb", record)
    key = dict.fromkeys(("notebook", "parameters", "library", "packages", "options"))
    record["good"]["key"] = key
    assert runcache.stale_reason(record, key, tmp_path, out) is None
    (out / "tables" / "b.csv").unlink()
    assert runcache.stale_reason(record, key, tmp_path, out) == "output tables/b.csv is missing"


# -- real runs: kill -9 at each step --------------------------------------------------------------

def make_project(root: Path, *names: str) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    (root / "data" / "values.csv").write_text("name,value\na,1.5\nb,2\n")
    for name in names:
        shutil.copy(FIXTURES / f"{name}.ipynb", root / "notebooks" / f"{name}.ipynb")
    return root


#: where the runner kills itself (SIGKILL), injected into a child process
KILL_AT = {
    "before staging": "staging.prepare = die",
    "after execution, before promotion": "runner._Run._stage_pages = die",
    "journal written, nothing moved": "staging._move_all = die",
    "while the history is staged": "os.replace = die_on(True, os.replace)",
    "during the history's promotion": "os.replace = die_on(False, os.replace)",
    "after promotion": "staging._finish = after(staging._finish)",
}
CHILD = """
import os, signal, sys
sys.path.insert(0, {root!r})
from forecast.pipeline import runner, runcache, staging
from forecast.pipeline.progress import Progress
runcache.library_fingerprint = lambda: "pinned"
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
def die_on(staged, real):
    def replace(src, dst):
        if str(dst).endswith("forecast_history.csv") and (".staging" in str(dst)) == staged:
            die()
        real(src, dst)
    return replace
def after(real):
    def call(*a, **k):
        real(*a, **k)
        die()
    return call
{inject}
runner.run({project!r}, progress=Progress(quiet=True))
"""


def history_rows(root: Path) -> int:
    path = root / "outputs" / history.HISTORY_FILE
    return len(history.load_history(root / "outputs")) if path.is_file() else 0


@pytest.mark.slow
@pytest.mark.parametrize("where", list(KILL_AT))
def test_a_kill_at_any_step_loses_no_history_and_leaves_consistent_outputs(tmp_path, where,
                                                                           monkeypatch):
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    root = make_project(tmp_path / "p", "scen")
    code = CHILD.format(root=str(ROOT), project=str(root), inject=KILL_AT[where])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    table = root / "outputs" / "tables" / "headline_scen.csv"
    # right after the kill: the old state (nothing) or the new one, tables with their rows
    assert table.is_file() == (history_rows(root) == 1) or _staging.journal_path(
        root / "outputs", "scen").is_file()
    report = runner.run(root, progress=Progress(quiet=True))
    finished = where in ("journal written, nothing moved", "during the history's promotion",
                         "after promotion")
    assert [r.status for r in report.results] == ["cached" if finished else "ok"]
    assert table.is_file() and history_rows(root) == 1  # never 0, never twice
    assert not (root / "outputs" / _staging.STAGING).exists()
    again = runner.run(root, progress=Progress(quiet=True))
    assert [r.status for r in again.results] == ["cached"] and history_rows(root) == 1


@pytest.mark.slow
def test_a_data_file_edited_while_the_notebook_runs_is_not_vouched_for(tmp_path, monkeypatch):
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    root = make_project(tmp_path / "p", "reads_data")
    real = runner._Run._execute_in_kernel

    def edits_data(self, *args, **kw):
        ex = real(self, *args, **kw)
        (root / "data" / "values.csv").write_text("name,value\na,10\n")  # after it was read
        return ex

    monkeypatch.setattr(runner._Run, "_execute_in_kernel", edits_data)
    said = []
    progress = Progress(quiet=True)
    monkeypatch.setattr(progress, "say", said.append)
    first = runner.run(root, progress=progress)
    assert [r.status for r in first.results] == ["ok"]
    assert first.results[0].inputs == {"data/values.csv": runner.CHANGED}
    assert any("data/values.csv changed while it ran" in s for s in said), said
    monkeypatch.setattr(runner._Run, "_execute_in_kernel", real)
    second = runner.run(root, progress=Progress(quiet=True))
    assert [(r.status, r.reason) for r in second.results] == [
        ("ok", "input data/values.csv changed")]
    total = (root / "outputs" / "tables" / "reads_data_total.csv").read_text()
    assert total == "column,total\nvalue,10.0\n"
    assert [r.status for r in runner.run(root, progress=Progress(quiet=True)).results] == \
        ["cached"]


@pytest.mark.slow
def test_outputs_wiped_during_the_run_fail_the_notebook_and_leave_no_cache(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    root = make_project(tmp_path / "p", "halfway")
    real = runner._Run._execute_in_kernel

    def wipes(self, job, stage, km=None):
        ex = real(self, job, stage, km)
        shutil.rmtree(root / "outputs" / _staging.STAGING)  # `rm -rf outputs/.staging` mid-run
        (stage / "tables").mkdir(parents=True)
        (stage / "tables" / "halfway_second.csv").write_text("value\n2\n")  # a later write
        return ex

    monkeypatch.setattr(runner._Run, "_execute_in_kernel", wipes)
    report = runner.run(root, progress=Progress(quiet=True))
    (result,) = report.results
    assert result.status == "failed" and result.error.ename == "LostOutputs"
    assert "tables/halfway_first.csv" in result.message
    assert not (root / "outputs" / "tables").exists()
    monkeypatch.setattr(runner._Run, "_execute_in_kernel", real)
    again = runner.run(root, progress=Progress(quiet=True))
    assert [r.status for r in again.results] == ["ok"]
    assert sorted(p.name for p in (root / "outputs" / "tables").iterdir()) == [
        "halfway_first.csv", "halfway_second.csv"]


@pytest.mark.slow
def test_a_full_disk_during_promotion_fails_the_notebook_and_keeps_the_old_outputs(
        tmp_path, monkeypatch):
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    root = make_project(tmp_path / "p", "halfway")
    assert [r.status for r in runner.run(root, progress=Progress(quiet=True)).results] == ["ok"]
    before = {k: v for k, v in tree(root / "outputs").items()
              if not k.startswith((".cache", ".lock", "run.log", "index.html", "history/runs",
                                      "changes"))}
    real = os.replace

    def full(src, dst):
        if str(src).endswith(".staging/halfway/tables/halfway_second.csv"):  # not a backup
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", full)
    report = runner.run(root, params=["value=5"], progress=Progress(quiet=True))
    monkeypatch.setattr(os, "replace", real)
    (result,) = report.results
    assert result.status == "failed" and "No space left on device" in result.message
    assert "halfway_second.csv" in result.message
    after = {k: v for k, v in tree(root / "outputs").items() if k in before}
    assert after == before
    assert runcache.load_state(root / "outputs", "halfway")["last"]["status"] != "ok"


@pytest.mark.slow
def test_a_timed_out_cell_ends_without_asyncio_noise(tmp_path):
    root = make_project(tmp_path / "p", "sleeps")
    proc = subprocess.run([sys.executable, "-m", "forecast", "run", "--only", "sleeps",
                           "--param", "seconds=60", "--timeout", "3"],
                          cwd=root / "notebooks", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert "TimeoutError: the notebook exceeded its time limit of 3 s" in text
    assert "Task was destroyed" not in text and "Traceback" not in text, text


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_of_the_runner_alone_during_execution_leaves_no_kernel(tmp_path):
    import time

    root = make_project(tmp_path / "p", "sleeps")
    proc = subprocess.Popen([sys.executable, "-m", "forecast", "run", "-q", "--only", "sleeps",
                             "--param", "seconds=60"], cwd=root / "notebooks",
                            start_new_session=True)
    try:
        stage = root / "outputs" / _staging.STAGING / "sleeps"
        deadline = time.monotonic() + 90
        while not stage.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # the kernel is in its cell
        kernels = _children(proc.pid)
        assert kernels and all(_running(pid) for pid in kernels)
        os.kill(proc.pid, signal.SIGKILL)  # the runner only, not its process group
        proc.wait()
        deadline = time.monotonic() + 15
        while any(_running(pid) for pid in kernels) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_running(pid) for pid in kernels)
        assert not (root / "outputs" / "tables").exists()  # nothing promoted
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.mark.slow
def test_sigterm_to_the_runner_alone_is_handled_like_ctrl_c(tmp_path):
    import time

    root = make_project(tmp_path / "p", "sleeps")
    proc = subprocess.Popen([sys.executable, "-m", "forecast", "run", "-q", "--only", "sleeps",
                             "--param", "seconds=60"], cwd=root / "notebooks",
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stage = root / "outputs" / _staging.STAGING / "sleeps"
        deadline = time.monotonic() + 90
        while not stage.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        kernels = _children(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)  # `kill PID`: the runner only
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 143 and "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith("compute-forecast: terminated;")
        assert not (root / "outputs" / _staging.STAGING).exists()  # cleaned up as on Ctrl-C
        assert not (root / "outputs" / "tables").exists()
        assert not any(_running(pid) for pid in kernels)
        assert "interrupted (SIGTERM)" in (root / "outputs" / "run.log").read_text()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
