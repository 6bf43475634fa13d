"""Worker processes die with their parent (issue 25): the skill table's forked pool, whatever
ends the process that started it (SIGKILL, SIGTERM, Ctrl-C sent to it alone).

A child Python process runs :func:`forecast.analysis.skill._execute` with jobs that sleep a
minute and write their pid first; the test signals the child only (not its group) and checks
that every worker is gone within seconds instead of waiting on its queue forever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
from forecast.analysis import skill
def sleepy(job):
    with open(os.path.join({folder!r}, str(os.getpid())), "w") as f:
        f.write("started")
    time.sleep(60)
    return {{}}
skill._model_forecasts = sleepy  # forked workers see the patched module
skill._execute([(None, "cagr")] * 3, workers=3)
"""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def workers_started(folder: Path, count: int, seconds: float = 60) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = [int(p.name) for p in folder.iterdir()]
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"only {len(list(folder.iterdir()))} of {count} workers started")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_the_skill_pool_dies_with_its_parent(tmp_path, sig):
    folder = tmp_path / "pids"
    folder.mkdir()
    code = CHILD.format(root=str(ROOT), folder=str(folder))
    parent = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        pids = workers_started(folder, 3)
        assert all(alive(pid) for pid in pids)
        os.kill(parent.pid, sig)  # the parent alone, as `kill PID` or a dying kernel would
        _, err = parent.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in pids), [p for p in pids if alive(p)]
        if sig == signal.SIGINT:
            assert parent.returncode != 0 and "KeyboardInterrupt" in err
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except OSError:
            pass
        parent.wait()
