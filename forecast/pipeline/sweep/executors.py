"""How sweep points run: the point function, the cache shortcut, executors and progress.

:func:`run_point` is the one function every executor calls, in a local worker
process or on a Dask worker; it wraps :func:`forecast.runner.run_notebook`.
:func:`up_to_date` finds the points whose outputs are current before any worker
starts.  The executors (local processes, a Dask ``LocalCluster``, an existing
Dask scheduler) take a list of :class:`PointTask` and return one
:class:`PointOutcome` per task, in completion order; :class:`SweepProgress`
shows how far they are.  See :mod:`forecast.sweep` for the whole sweep.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from forecast.pipeline import params as nbp
from forecast.pipeline.progress import Terminal
from forecast._version import __version__
from forecast.errors import UsageError


@dataclass(frozen=True)
class PointTask:
    """What a worker needs to run one point (plain data: it is pickled to the worker)."""

    root: str
    notebook: str            # absolute path of the notebook
    id: str
    index: int
    parameters: dict
    output_dir: str          # outputs/sweeps/NAME/points/<id>
    html: bool = False
    timeout: float | None = None
    force: bool = False


@dataclass
class PointOutcome:
    """How one point ended: ``status`` "ok", "cached", "failed" or "not run"."""

    id: str
    index: int
    status: str
    seconds: float = 0.0     # the notebook's execution (runner's figure)
    error: str = ""
    worker: str = ""
    wall: float = 0.0        # the whole point function, runner overhead included
    reason: str = ""         # why it ran ("never run successfully", "parameters changed"...)


#: how long to wait for a Dask scheduler given with --scheduler before saying it cannot be reached
CONNECT_TIMEOUT = "10s"


def run_point(task: PointTask) -> PointOutcome:
    """Run one point with :func:`forecast.runner.run_notebook`; never raises for a failure.

    This is the function every executor calls, in a local worker process or on a
    Dask worker.  A notebook error, a timeout or a dead kernel come back as a
    ``failed`` outcome with a one-line error; so does an unexpected error of the
    runner itself, so that one point cannot take the sweep down.
    """
    import socket

    worker = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.monotonic()
    try:
        from forecast.pipeline import runner

        run = runner.run_notebook(task.notebook, task.parameters, task.output_dir,
                                  html=task.html, use_cache=not task.force, timeout=task.timeout)
    except Exception as err:  # the sweep goes on; the point says what happened
        message = " ".join(str(err).split()) or type(err).__name__
        wall = time.monotonic() - t0
        return PointOutcome(task.id, task.index, "failed", wall,
                            f"{type(err).__name__}: {message}", worker, wall)
    error = "" if run.error is None else " ".join(run.error.message.split())
    return PointOutcome(task.id, task.index, run.status, float(run.seconds or 0.0), error, worker,
                        time.monotonic() - t0, run.reason or "")


def up_to_date(tasks: list[PointTask]) -> set[str]:
    """Ids of the points whose outputs are current, found here without starting any worker.

    This is the runner's own cache rule (:func:`forecast.pipeline.runcache.stale_reason` on the
    key :func:`forecast.runner.run_notebook` records), so a cached rerun costs no
    process, cluster or kernel.  It is a shortcut only: a point it does not find
    current goes to a worker, where ``run_notebook`` decides again, so a key built
    differently here can cost time, never a stale result.
    """
    from forecast.pipeline import runcache
    from forecast.pipeline import runplan
    from forecast.pipeline.runner import KERNEL

    have_state = [t for t in tasks if not t.force
                  and runcache.state_path(t.output_dir, Path(t.notebook).stem).is_file()]
    if not have_state:
        return set()
    first = have_state[0]
    root, path = Path(first.root), Path(first.notebook)
    fingerprint = runcache.notebook_fingerprint(nbp.read_notebook(path))
    library, packages = runcache.library_fingerprint(), runcache.packages_fingerprint()
    memo, current = {}, set()
    for task in have_state:
        try:
            job = runplan.single_job(root, path, dict(task.parameters),
                                     Path(task.output_dir).resolve())
            key = runcache.key(notebook=fingerprint, parameters=job.parameters, library=library,
                               packages=packages, options={"show_code": False, "kernel": KERNEL,
                                                           "html": task.html})
            state = runcache.load_state(job.run_dir, job.stem)
            if runcache.stale_reason(state, key, root, job.run_dir, memo) is None:
                current.add(task.id)
        except Exception:  # noqa: BLE001 - any doubt sends the point to a worker
            continue
    return current


def project_visible(root: str, notebook: str, version: str) -> str | None:
    """None when this machine sees the project as the caller does, else the reason.

    Run on every Dask worker before a sweep (``Client.run``).
    """
    import socket

    here = socket.gethostname()
    if not Path(root).is_dir():
        return f"worker on {here} cannot see the project folder {root}"
    if not Path(notebook).is_file():
        return f"worker on {here} cannot see the notebook {notebook}"
    if not os.access(Path(root) / "outputs", os.W_OK) and (Path(root) / "outputs").exists():
        return f"worker on {here} cannot write {Path(root) / 'outputs'}"
    if version != __version__:
        return (f"worker on {here} has compute-forecast {__version__}, this machine {version}")
    return None


# -- progress --------------------------------------------------------------------------------

class SweepProgress(Terminal):
    """Points done / failed / cached, points running and an ETA, on one line.

    On a terminal the line is redrawn in place every second (failures are printed
    above it); elsewhere one line is printed per finished point, so logs are not
    flooded.  ``quiet`` prints nothing.  The ETA is the points still to execute at
    the rate seen so far, counted down between completions.
    """

    def __init__(self, total: int, *, name: str = "", stream=None, quiet: bool = False):
        super().__init__(stream, quiet=quiet)
        self.total, self.name = total, name
        self.counts = {"ok": 0, "cached": 0, "failed": 0}
        self.running, self.executed_seconds, self.to_execute = 0, 0.0, total
        self.slots = None  # points that can run at once (Dask: worker threads), when known
        self.start = time.monotonic()
        self.left_at = None  # (time of the last completion, seconds left then)

    def say(self, text: str) -> None:
        with self.lock:
            self._write(("\r\x1b[2K" if self.tty else "") + text + "\n")

    def eta(self) -> float | None:
        """Seconds left (None: unknown until a point has finished)."""
        if self.left_at is None:
            return None
        at, left = self.left_at
        return max(0.0, left - (time.monotonic() - at))

    def _update_eta(self) -> None:
        executed = self.counts["ok"] + self.counts["failed"]
        left = self.to_execute - executed
        now = time.monotonic()
        if left <= 0:
            self.left_at = (now, 0.0)
        elif executed:
            self.left_at = (now, (now - self.start) / executed * left)

    def line(self) -> str:
        done = sum(self.counts.values())
        eta = self.eta()
        eta_text = "?" if eta is None else f"{int(eta // 60)}:{int(eta % 60):02d}"
        return (f"sweep {self.name}: {done}/{self.total} points ({self.counts['ok']} ran, "
                f"{self.counts['cached']} cached, {self.counts['failed']} failed), "
                f"{min(self.running, self.slots or self.running)} running, ETA {eta_text}")

    def _tick(self) -> None:
        while True:
            time.sleep(1.0)
            with self.lock:
                if self.running == 0:
                    self.ticker = None
                    return
                self._write("\r\x1b[2K" + self.line())

    def planned(self, cached: int) -> None:
        """``cached`` points were found up to date before anything ran."""
        with self.lock:
            self.counts["cached"] += cached
            self.to_execute = self.total - cached
            self.start = time.monotonic()
            if self.tty:
                self._write("\r\x1b[2K" + self.line())

    def started(self) -> None:
        with self.lock:
            self.running += 1
            if self.tty:
                self._write("\r\x1b[2K" + self.line())
                if self.ticker is None:
                    self.ticker = threading.Thread(target=self._tick, daemon=True)
                    self.ticker.start()

    def finished(self, outcome: PointOutcome, label: str) -> None:
        with self.lock:
            self.running = max(0, self.running - 1)
            status = outcome.status if outcome.status in self.counts else "failed"
            self.counts[status] += 1
            if status == "cached":
                self.to_execute -= 1
            self._update_eta()
            text = f"  {outcome.status:<7} {outcome.id}  {label}  {outcome.seconds:5.1f} s"
            if outcome.error:
                text += f"  {outcome.error}"
            if self.tty:
                lead = "\r\x1b[2K" + (text + "\n" if outcome.status == "failed" else "")
                self._write(lead + self.line())
            else:
                self._write(f"{text}  [{self.line()}]\n")

    def close(self) -> None:
        if self.tty:
            self._write("\n")


# -- executors -------------------------------------------------------------------------------

def warm_up() -> None:
    """Import the runner and papermill once when a worker process starts, not in its first point."""
    try:
        import forecast.pipeline.engine  # noqa: F401
        import forecast.pipeline.runner  # noqa: F401
    except Exception:  # noqa: BLE001 - the point itself will then say what is wrong
        pass


def _result(future, task) -> PointOutcome:
    try:
        return future.result()
    except Exception as err:  # the worker process died, or the outcome could not come back
        text = " ".join(str(err).split()) or type(err).__name__
        if type(err).__name__ == "KilledWorker":  # Dask gave the point to several workers
            return PointOutcome(task.id, task.index, "failed", 0.0,
                                f"the Dask workers running this point died ({text})")
        return PointOutcome(task.id, task.index, "failed", 0.0,
                            f"worker error: {type(err).__name__}: {text}")


def _dask_client(executor, jobs, scheduler):
    """A connected ``distributed.Client`` and what to close after the sweep."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # a declared dependency; only a broken install lacks it
        raise UsageError(f"the Dask executors need the 'distributed' package ({err})") from None
    if executor == "dask-local":
        try:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.CRITICAL)
        except RuntimeError as err:  # the worker processes died while starting
            import __main__

            hint = ("; a script that runs a 'dask-local' sweep must do so under if __name__ == "
                    "'__main__': (Dask's worker processes import the script again), or use the "
                    "'local' executor, which needs no guard"
                    if getattr(__main__, "__file__", None) else "")
            raise UsageError(f"the Dask LocalCluster's worker processes failed to start "
                             f"({' '.join(str(err).split())}){hint}") from None
        return Client(cluster), [cluster]
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as err:
        raise UsageError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler "
                         f"({' '.join(str(err).split())})") from None
    return client, []


def check_workers(client, task: PointTask, scheduler) -> None:
    """UsageError (one line) when there is no worker, or a worker cannot see the project."""
    try:
        client.wait_for_workers(1, timeout=30)
    except (TimeoutError, OSError):
        raise UsageError(f"--scheduler {scheduler}: the scheduler has no workers") from None
    try:
        answers = client.run(project_visible, task.root, task.notebook, __version__,
                             on_error="return")
    except Exception as err:  # the workers could not run the check at all
        raise UsageError(f"--scheduler {scheduler}: the workers cannot run compute-forecast "
                         f"({type(err).__name__}: {err}); install the project in their "
                         "environment") from None
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise UsageError(f"--scheduler {scheduler}: worker {worker} cannot run "
                             "compute-forecast "
                             f"({type(answer).__name__}: {answer}); install the project in its "
                             "environment")
        if answer is not None:
            raise UsageError(f"--scheduler {scheduler}: {answer}; sweeps on a Dask scheduler "
                             "need the project on a filesystem shared at the same path")


#: seconds a Dask sweep waits, with points left, for a worker when the scheduler has none (the
#: only worker died) or for the scheduler when the connection to it is lost
LOST_WAIT = 60.0


def _dask(tasks, client, fn, progress, labels, record, where: str) -> None:
    """Submit every task and record each outcome as it comes.

    A worker that dies is the scheduler's to handle: it gives the point to another worker
    (a point that has killed ``allowed-failures`` workers fails with KilledWorker).  Two
    losses are ours, each noticed within :data:`LOST_WAIT` seconds: no worker left (the
    remaining points fail with one line) and a lost scheduler (UsageError, one line).
    """
    from distributed import wait

    try:
        progress.slots = sum(client.nthreads().values()) or None
    except Exception:  # noqa: BLE001 - only the progress display uses it
        progress.slots = None
    pending = {}
    for task in tasks:
        future = client.submit(fn, task, key=f"sweep-point-{task.id}-{time.monotonic_ns()}",
                               pure=False, retries=0)
        pending[future] = task
        progress.started()
    lost = {"workers": None, "scheduler": None}  # since when (monotonic), None: all is well
    try:
        while pending:
            try:
                wait(list(pending), timeout=1.0, return_when="FIRST_COMPLETED")
            except Exception:  # noqa: BLE001 - a timeout, or a lost connection (checked below)
                pass
            for future in [f for f in pending if f.done()]:
                if future.status == "cancelled" and client.status != "running":
                    _scheduler_lost(where, "its futures were cancelled")  # not the points' fault
                task = pending.pop(future)
                outcome = _result(future, task)
                record(outcome)
                progress.finished(outcome, labels[task.id])
            if not pending:
                break
            problem = _lost(client, lost, where)
            if problem is not None:
                for future, task in list(pending.items()):
                    outcome = PointOutcome(task.id, task.index, "failed", 0.0, problem)
                    record(outcome)
                    progress.finished(outcome, labels[task.id])
                pending.clear()
    except BaseException:
        try:
            client.cancel(list(pending))
        except Exception:  # noqa: BLE001 - the scheduler is gone: nothing left to cancel
            pass
        raise


def _scheduler_lost(where: str, why: str):
    raise UsageError(f"{where}: lost the connection to the Dask scheduler ({why}); the points "
                     "that finished are in sweep.csv")


def _lost(client, lost: dict, where: str) -> str | None:
    """Check the scheduler and its workers between completions.

    Returns the one-line error of the points left when no worker has been there for
    :data:`LOST_WAIT` seconds; raises UsageError when the scheduler has been unreachable that
    long; None otherwise.
    """
    now = time.monotonic()
    try:
        if client.status != "running":
            raise OSError(client.status)
        workers = len(client.nthreads())
        lost["scheduler"] = None
    except Exception as err:  # noqa: BLE001 - a closed comm, a timeout: the scheduler is gone
        lost["scheduler"] = lost["scheduler"] or now
        if now - lost["scheduler"] >= LOST_WAIT or client.status in ("closed", "closing"):
            _scheduler_lost(where, f"{type(err).__name__}: {' '.join(str(err).split())}")
        return None
    if workers:
        lost["workers"] = None
        return None
    lost["workers"] = lost["workers"] or now
    if now - lost["workers"] < LOST_WAIT:
        return None
    return (f"no Dask worker left to run this point: the scheduler has had none for "
            f"{LOST_WAIT:.0f} s (its worker died?)")


def execute(tasks, executor, jobs, scheduler, fn, progress, labels, record) -> None:
    """Run ``fn`` on every task with the chosen executor; ``record(outcome)`` as each finishes.

    ``executor``: "local", "dask-local" or "dask" (``scheduler`` is then its address);
    ``labels``: point id -> text shown by ``progress``.  Every task gets one outcome unless
    the sweep is interrupted (KeyboardInterrupt) or the Dask scheduler is lost (UsageError).
    """
    if not tasks:
        return
    if executor == "local":
        from forecast.pipeline.sweep import workers

        workers.run_local(tasks, jobs, fn, progress, labels, record)
        return
    client, closers = _dask_client(executor, jobs, scheduler)
    try:
        if executor == "dask":
            check_workers(client, tasks[0], scheduler)
        try:  # every worker imports the runner now, in parallel, not in its first point
            client.run(warm_up)
        except Exception:  # noqa: BLE001 - the points themselves will say what is wrong
            pass
        where = f"--scheduler {scheduler}" if scheduler else "the Dask LocalCluster"
        with _quiet_dask():
            _dask(tasks, client, fn, progress, labels, record, where)
    finally:
        with _quiet_dask():
            try:
                client.close(timeout=10)
            except Exception:  # noqa: BLE001 - a lost scheduler: nothing to close cleanly
                pass
            for closer in closers:
                closer.close()


@contextlib.contextmanager
def _quiet_dask():
    """Dask's own log lines (``distributed.client - ERROR - ...`` when the scheduler goes)
    are silenced while a sweep runs: the sweep says what happened in one line."""
    import logging

    names = ["distributed", *(n for n in list(logging.root.manager.loggerDict)
                              if n.startswith("distributed."))]
    loggers = [logging.getLogger(n) for n in names]  # each may have a level of its own
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
