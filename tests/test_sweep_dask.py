"""Dask sweeps that lose a worker or the scheduler (issue 25).

SIGKILL of the only Dask worker mid-sweep left the sweep at "1 running" forever, without
``sweep.csv``; a lost scheduler ended with a raw ``distributed.client - ERROR`` log line
beside the one-line error.  Here a real scheduler and real workers run as separate processes
(``dask scheduler``, ``dask worker --no-nanny``: nothing restarts a killed worker), the sweep
runs through ``compute-forecast sweep --scheduler`` with stand-in points
(:mod:`_sweep_fakes`), and a thread kills a worker or the scheduler while a point runs.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import _sweep_fakes as fakes
from forecast import cli
from forecast.pipeline.sweep import driver
from forecast.pipeline.sweep import executors

pytestmark = pytest.mark.slow  # a scheduler and workers in processes: about 10 s a test

TESTS = Path(__file__).resolve().parent
DASK = str(Path(sys.executable).parent / "dask")


def start(args, tmp_path, name):
    log = open(tmp_path / f"{name}.log", "w")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(TESTS), os.environ.get("PYTHONPATH")) if p)}
    return subprocess.Popen([DASK, *args], stdout=log, stderr=log, env=env)


@pytest.fixture
def cluster(tmp_path):
    """``(address, scheduler process, start_worker)``; everything is killed afterwards."""
    info = tmp_path / "scheduler.json"
    processes = [start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(info)], tmp_path, "scheduler")]

    def start_worker():
        processes.append(start(["worker", "--scheduler-file", str(info), "--nthreads", "1",
                                "--no-nanny", "--no-dashboard"], tmp_path,
                               f"worker{len(processes)}"))
        return processes[-1]

    deadline = time.monotonic() + 60
    while not info.is_file() or not info.read_text().strip():
        assert time.monotonic() < deadline, (tmp_path / "scheduler.log").read_text()
        time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    yield address, processes[0], start_worker
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = fakes.make_project(tmp_path / "proj")
    (root / "grid.yaml").write_text("growth: [0.1]\nsleep: [0.0, 30.0]\n")  # fast, then slow
    monkeypatch.chdir(root)
    real = driver.execute
    monkeypatch.setattr(driver, "execute", lambda *a, **k: real(
        *a, **{**k, "point_function": fakes.pid_point}))
    monkeypatch.setattr(executors, "LOST_WAIT", 3.0)
    return root


def kill_when_slow_point_runs(project: Path, pid_of, sig=signal.SIGKILL) -> threading.Thread:
    """A thread that waits for the slow point to start, then sends ``sig`` to ``pid_of()``."""
    def run():
        points = project / "outputs" / "sweeps" / "grid" / "points"
        deadline = time.monotonic() + 60
        while len(list(points.glob("*.pid"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        os.kill(pid_of(), sig)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def sweep_rows(project: Path) -> list[dict]:
    with open(project / "outputs" / "sweeps" / "grid" / "sweep.csv", newline="") as handle:
        return list(csv.DictReader(handle))


SWEEP = """\
import sys
sys.path.insert(0, {tests!r})
import _sweep_fakes
from forecast import cli
from forecast.pipeline.sweep import driver, executors

executors.LOST_WAIT = 3.0
real = driver.execute
driver.execute = lambda *a, **k: real(*a, **{{**k, "point_function": _sweep_fakes.pid_point}})
sys.exit(cli.main(["sweep", "fake", "--grid", "grid.yaml", "--scheduler", sys.argv[1]]))
"""


def run_sweep(project: Path, address: str) -> subprocess.CompletedProcess:
    """``compute-forecast sweep --scheduler`` in a process of its own, with a timeout: Dask logs
    to the stderr it found at import, where a user sees its lines (pytest would capture them
    elsewhere), and a sweep that waits forever fails here instead of hanging the tests."""
    script = project / "sweep.py"
    script.write_text(SWEEP.format(tests=str(TESTS)))
    return subprocess.run([sys.executable, str(script), address], cwd=project,
                          capture_output=True, text=True, timeout=90)


def test_the_only_worker_killed_fails_its_point_after_a_bounded_wait(cluster, project):
    address, _, start_worker = cluster
    worker = start_worker()
    killer = kill_when_slow_point_runs(project, lambda: worker.pid)
    done = run_sweep(project, address)  # LOST_WAIT is 3 s there; it used to wait forever
    killer.join()
    assert done.returncode == 1, done.stderr
    message = ("no Dask worker left to run this point: the scheduler has had none for 3 s "
               "(its worker died?)")
    assert "  failed  " in done.stderr and message in done.stderr, done.stderr
    assert "distributed." not in done.stderr and "Traceback" not in done.stderr, done.stderr
    rows = sweep_rows(project)
    assert [(r["sleep"], r["status"], r["error"]) for r in rows] == [
        ("0.0", "ok", ""), ("0.0", "ok", ""), ("30.0", "failed", message)]


def test_a_killed_worker_s_point_is_retried_on_another_worker(cluster, project, capfd):
    address, _, start_worker = cluster
    (project / "grid.yaml").write_text("growth: [0.1]\nsleep: [0.0, 3.0]\n")
    start_worker(), start_worker()

    def running_slow_point():
        points = project / "outputs" / "sweeps" / "grid" / "points"
        slow = [f for f in points.glob("*.pid") if f.stat().st_mtime == max(
            g.stat().st_mtime for g in points.glob("*.pid"))]
        return int(slow[0].read_text())

    killer = kill_when_slow_point_runs(project, running_slow_point)
    code = cli.main(["sweep", "fake", "--grid", "grid.yaml", "--scheduler", address])
    killer.join()
    assert code == 0, capfd.readouterr().err
    assert [r["status"] for r in sweep_rows(project)] == ["ok"] * 4


def test_a_lost_scheduler_ends_the_sweep_with_one_line_and_sweep_csv(cluster, project):
    address, scheduler, start_worker = cluster
    start_worker()
    killer = kill_when_slow_point_runs(project, lambda: scheduler.pid)
    done = run_sweep(project, address)
    killer.join()
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"compute-forecast: error: --scheduler {address}: lost the "
                           "connection to the Dask scheduler (") and \
        last.endswith("); the points that finished are in sweep.csv"), done.stderr
    assert "distributed." not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert [(r["sleep"], r["status"]) for r in sweep_rows(project)] == [
        ("0.0", "ok"), ("0.0", "ok"), ("30.0", "not run")]
