"""Sweeps in real processes: a script without a ``__main__`` guard, kills and signals.

Each test runs a real script file in a subprocess (with a timeout), as a user would:

* issue 22: the README example pasted into a script without ``if __name__ == "__main__":``
  ran forever (spawned workers re-imported the script, which waited for the sweep's lock);
* issue 25: SIGKILL or SIGTERM to a sweep left its workers alive (parent 1), SIGTERM exited
  143 without a word or ``sweep.csv``, and SIGINT to the parent alone marked finished points
  "not run"; ``sweep.csv`` must record every finished point as it finishes.

The points are stand-ins (:mod:`_sweep_fakes`) that sleep: the first two finish at once, the
last two would take a minute, so a signal always arrives while two points run.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import _sweep_fakes as fakes
from _project import copy_project

TESTS = Path(__file__).resolve().parent
PYTHON = sys.executable

pytestmark = [pytest.mark.slow,  # real processes, a few seconds each
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="reads /proc to find processes")]

#: the stand-in sweep: points 1 and 3 finish at once, points 2 and 4 sleep a minute
GRID = "growth: [0.1, 0.2]\nsleep: [0.0, 60.0]\n"


def state(pid: int) -> str | None:
    """The process's state letter (R, S, Z...), None when it does not exist."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()[0]


def alive(pid: int) -> bool:
    return state(pid) not in (None, "Z")


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (the sweep was started as a session leader)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def statuses(project: Path, name: str = "grid") -> dict:
    """point -> status in sweep.csv (one entry per point)."""
    path = project / "outputs" / "sweeps" / name / "sweep.csv"
    if not path.is_file():
        return {}
    return {row["point"]: row["status"] for row in rows(path)}


@pytest.fixture
def project(tmp_path):
    root = fakes.make_project(tmp_path / "proj")
    (root / "grid.yaml").write_text(GRID)
    return root


CLI_SCRIPT = """\
import sys
sys.path.insert(0, {tests!r})
import _sweep_fakes
from forecast import cli
from forecast.pipeline.sweep import driver

real = driver.execute
driver.execute = lambda *a, **k: real(*a, **{{**k, "point_function": _sweep_fakes.pid_point}})
if __name__ == "__main__":  # the Dask LocalCluster's workers import this script again
    sys.exit(cli.main(["sweep", "fake", "--grid", "grid.yaml", "--jobs", "2", *{extra!r}]))
"""


def start_cli_sweep(project: Path, extra=()) -> subprocess.Popen:
    """``compute-forecast sweep`` (its real code, with stand-in points) in a new session."""
    script = project / "sweep_cli.py"
    script.write_text(CLI_SCRIPT.format(tests=str(TESTS), extra=list(extra)))
    return subprocess.Popen([PYTHON, str(script)], cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def two_finished_two_running(project: Path, process) -> list[int]:
    """Wait until two points are in sweep.csv as ok and two workers are sleeping; return the
    pids of those two workers."""
    wait_for(lambda: process.poll() is not None or
             sorted(statuses(project).values()) == ["not run", "not run", "ok", "ok"],
             60, "two finished points in sweep.csv")
    assert process.poll() is None, process.communicate()
    pid_files = lambda: sorted((project / "outputs/sweeps/grid/points").glob("*.pid"))  # noqa
    wait_for(lambda: len(pid_files()) == 4, 30, "the two slow points to start")
    finished = {p for p, s in statuses(project).items() if s == "ok"}
    return [int(f.read_text()) for f in pid_files() if f.name[:-4] not in finished]


def assert_all_gone(pids, seconds=15.0):
    wait_for(lambda: not any(alive(p) for p in pids), seconds, f"workers {pids} to end")


def no_helper_left(sid: int, seconds=15.0) -> None:
    """No process of the sweep's session outlives it by more than ``seconds`` (a helper that
    got the parent-death signal may need a moment to exit; one that stays is an orphan)."""
    wait_for(lambda: session_members(sid) == [], seconds,
             f"every process of session {sid} to end")


# -- a script without a __main__ guard ---------------------------------------------------------

UNGUARDED = """\
import sys
sys.path.insert(0, {tests!r})
import _sweep_fakes
from forecast.pipeline.sweep import driver

report = driver.execute("fake", {{"growth": [0.1, 0.2, 0.3]}}, executor={executor!r}, jobs=2,
                        point_function=_sweep_fakes.headline_point)
print("counts", report.counts)
"""


def test_a_script_without_main_guard_finishes_with_the_local_executor(project):
    script = project / "unguarded.py"
    script.write_text(UNGUARDED.format(tests=str(TESTS), executor="local"))
    done = subprocess.run([PYTHON, str(script)], cwd=project, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "counts {'ok': 3, 'cached': 0, 'failed': 0, 'not run': 0}"
    assert sorted(statuses(project, "fake").values()) == ["ok", "ok", "ok"]


def test_a_script_without_main_guard_fails_in_one_line_with_dask_local(project):
    script = project / "unguarded.py"
    script.write_text(UNGUARDED.format(tests=str(TESTS), executor="dask-local"))
    done = subprocess.run([PYTHON, str(script)], cwd=project, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("forecast.errors.UsageError: the Dask LocalCluster's worker "
                           "processes failed to start (") and \
        "must do so under if __name__ == '__main__':" in last, done.stderr
    assert done.stderr.count("Traceback") == 1, done.stderr  # the script's own, no worker's


def test_the_readme_example_in_a_script_without_guard_finishes(tmp_path):
    """The README's Python example, pasted into a script file as is, on notebook 03."""
    project = copy_project(tmp_path / "proj")  # the shipped project, never the user's edits
    script = project / "example.py"
    script.write_text(textwrap.dedent("""\
        from forecast import sweep
        frame = sweep.run("03_scenarios", {"grid": {"seed": [1, 2], "n_paths": [200, 300]},
                                           "fixed": {"end_year": 2032}},
                          name="mc_noise", executor="local", jobs=2)
        print(sorted(frame["status"].unique()), frame.attrs["sweep"]["counts"]["ok"])
        """))
    done = subprocess.run([PYTHON, str(script)], cwd=project, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "['ok'] 4"


# -- signals -----------------------------------------------------------------------------------

def test_sigkill_of_the_sweep_ends_its_workers_and_keeps_the_finished_points(project):
    process = start_cli_sweep(project)
    try:
        workers = two_finished_two_running(project, process)
        assert len(workers) == 2 and all(alive(p) for p in workers)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert_all_gone(workers)  # parent-death signal: no worker left with parent 1
        no_helper_left(process.pid)  # nor any other helper process
    finally:
        os.killpg(process.pid, signal.SIGKILL) if session_members(process.pid) else None
        process.communicate()
    # the finished points were in sweep.csv as they finished
    assert sorted(statuses(project).values()) == ["not run", "not run", "ok", "ok"]


@pytest.mark.parametrize("how, code, word, extra", [
    ("SIGTERM", 143, "terminated (SIGTERM)", ()),
    ("SIGINT", 130, "interrupted (Ctrl-C)", ()),      # to the parent alone
    ("group SIGINT", 130, "interrupted (Ctrl-C)", ()),  # Ctrl-C in a terminal: the group
    ("SIGTERM", 143, "terminated (SIGTERM)", ("--dask", "local")),
])
def test_a_signal_ends_the_sweep_like_ctrl_c_with_sweep_csv(project, how, code, word, extra):
    process = start_cli_sweep(project, extra)
    try:
        workers = two_finished_two_running(project, process)
        finished = {p for p, s in statuses(project).items() if s == "ok"}
        if how == "group SIGINT":
            os.killpg(process.pid, signal.SIGINT)
        else:
            os.kill(process.pid, getattr(signal, how))
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == code, err
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert lines[-1] == (f"compute-forecast: sweep {word}: {project}/outputs/sweeps/grid/"
                         "sweep.csv has the 2 points that finished; 2 not run (the same "
                         "command runs them, the finished ones are cached)"), err
    after = statuses(project)
    assert {p for p, s in after.items() if s == "ok"} == finished  # never marked "not run"
    assert sorted(after.values()) == ["not run", "not run", "ok", "ok"]
    assert_all_gone(workers)
    no_helper_left(process.pid)


DASK_LOCAL = """\
import sys
sys.path.insert(0, {tests!r})
import _sweep_fakes
from forecast.pipeline.sweep import driver

if __name__ == "__main__":
    driver.execute("fake", "grid.yaml", executor="dask-local", jobs=2,
                   point_function=_sweep_fakes.pid_point)
"""


def test_sigkill_of_a_dask_local_sweep_ends_its_cluster(project):
    script = project / "dask_local.py"
    script.write_text(DASK_LOCAL.format(tests=str(TESTS)))
    process = subprocess.Popen([PYTHON, str(script)], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        workers = two_finished_two_running(project, process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert_all_gone(workers, 30)
        wait_for(lambda: session_members(process.pid) == [], 30,
                 "the nannies' processes and the resource tracker to end")
    finally:
        if session_members(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert sorted(statuses(project).values()) == ["not run", "not run", "ok", "ok"]


def test_a_worker_that_dies_fails_its_point_in_one_line_and_the_others_finish(project):
    from forecast.pipeline.sweep import driver

    report = driver.execute("fake", {"growth": [0.1, -1.0, 0.2, 0.3]}, jobs=2, project=project,
                            point_function=fakes.dying_point)
    assert report.counts == {"ok": 3, "cached": 0, "failed": 1, "not run": 0}
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert re.fullmatch(r"worker process \d+ died \(killed by SIGKILL\) while running this "
                        r"point", failed[0].error), failed[0].error
    frame = report.frame()
    assert list(frame[frame["status"] == "failed"]["growth"]) == [-1.0]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def kernels_of(parents) -> list[int]:
    """Live kernel processes started by one of ``parents`` (jupyter_client sets
    JPY_PARENT_PID; kernels run in sessions of their own)."""
    wanted = {f"JPY_PARENT_PID={p}".encode() for p in parents}
    found = []
    for entry in Path("/proc").iterdir():
        try:
            env = set((entry / "environ").read_bytes().split(b"\0"))
        except (OSError, ValueError):
            continue
        if env & wanted and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_sigkill_of_a_real_sweep_ends_its_workers_and_their_kernels(tmp_path):
    """Notebook 03 for real: kill -9 of the sweep while its workers' kernels execute."""
    project = copy_project(tmp_path / "proj")  # the shipped project, never the user's edits
    (project / "grid.yaml").write_text("seed: [1, 2, 3, 4]\nn_paths: [20000]\n")
    process = subprocess.Popen([str(Path(PYTHON).parent / "compute-forecast"), "sweep", "03",
                                "--grid", "grid.yaml", "--jobs", "2"], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        workers = wait_for(lambda: len(children(process.pid)) == 2 and children(process.pid),
                           60, "two workers")
        kernels = wait_for(lambda: len(kernels_of(workers)) == 2 and kernels_of(workers), 120,
                           "a kernel in each worker")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert_all_gone(workers + kernels, 30)
    finally:
        if session_members(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
