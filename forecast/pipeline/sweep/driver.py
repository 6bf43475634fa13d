"""``compute-forecast sweep``: one notebook over a grid of parameters, gathered into one table.

A sweep runs a notebook once per point of a grid file (:mod:`forecast.pipeline.sweep.grid`)
and answers in one place::

    outputs/sweeps/NAME/
      points/<id>/      one run of the notebook per point (tables/, figures/, notebooks/...)
      sweep.csv         every point's headline rows, one row per point x headline row
      sweep.json        how the last sweep went: each point's status, time and error
      index.html        the sweep page: what moves each headline figure (forecast.pipeline.sweep.page)
    outputs/sweeps/index.html   every sweep, linked from outputs/index.html

**Each point** is one :func:`forecast.runner.run_notebook` call, so it has the
runner's guarantees: outputs staged and promoted only on success, cached (a
rerun executes only new or changed points), a failure recorded without stopping
the other points.  ``<id>`` is a digest of the point's parameter values
(:func:`forecast.pipeline.sweep.grid.point_id`), so a point keeps its folder and cache
when the grid around it changes.  HTML pages are off by default (``html=True``).

**sweep.csv** has the columns ``point``, the parameters set by the grid file
(named as in the notebook; ``param_<name>`` when the name is also a column of
sweep.csv or of the headline schema, such as ``level``), ``status`` (``ok``,
``failed`` or ``not run``), ``error``, then the
headline table's columns, whose values are copied as text.  Rows follow the
grid's point order and each table's row order, so the file is byte-identical
whichever executor ran the points and in whatever order they finished.

**Executors.**

* ``"local"`` (default): ``jobs`` worker processes on this machine (default: the
  number of cores), each running one point at a time
  (:mod:`forecast.pipeline.sweep.workers`).  They are started without
  :mod:`multiprocessing`, so a script calling :func:`run` needs no
  ``if __name__ == "__main__":`` guard, and they end with the sweep, even when it is
  killed.  A worker that dies fails its point with one line; the others go on.
* ``"dask-local"``: a :class:`distributed.LocalCluster` of ``jobs`` single-threaded
  worker processes, started for the sweep and closed after it.  Dask starts them with
  ``spawn``, which imports the caller's script again: a script must call :func:`run`
  under ``if __name__ == "__main__":`` (without it, the sweep stops with one line saying so).
* ``"dask"`` with ``scheduler="tcp://HOST:PORT"``: an existing Dask scheduler.
  Its workers run the same point function, :func:`run_point`.  **They must see
  the project at the same path as this machine** (a shared filesystem: NFS, a
  cluster home folder, or one machine) **and have the project installed** in
  their Python environment with the same version and the ``compute-forecast``
  Jupyter kernel registered.  The project's notebooks, ``data/`` and the points'
  output folders are read and written there.  Before any point is submitted,
  every worker is asked whether it can see the notebook; when one cannot, the
  sweep stops with a one-line error naming the worker.

Dask is used through its public API only (``LocalCluster``, ``Client.submit``,
``as_completed``, ``Client.run``), and imported only when a Dask executor is chosen.

**Interruptions.**  ``sweep.csv`` and ``sweep.json`` are rewritten as each point
finishes, so a sweep killed at any moment leaves a table of every point finished so
far (the others "not run").  Ctrl-C, and SIGTERM (turned into :class:`Terminated`, a
``KeyboardInterrupt``, while the sweep runs), stop the workers, write the table and the
page, and raise; the command line then exits 130 or 143 with one line.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io as _text_io
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from forecast import files, paths
from forecast.pipeline.sweep import executors as sweep_exec
from forecast.pipeline.sweep import grid as sweep_grid
from forecast.pipeline import params as nbp
from forecast._version import __version__
from forecast.errors import ForecastError, UsageError
from forecast.pipeline.sweep.executors import (  # noqa: F401  (public names of the sweep API)
    PointOutcome,
    PointTask,
    SweepProgress,
    run_point,
    up_to_date,
)

EXECUTORS = ("local", "dask-local", "dask")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
#: columns of sweep.csv before the parameters and after them (then the headline columns)
LEAD, STATUS = ("point",), ("status", "error")


# -- gathering ----------------------------------------------------------------------------------

def _text(value) -> str:
    """A parameter value as a sweep.csv cell (floats round-trip; lists and dicts as JSON)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def headline_path(point_dir: Path, stem: str) -> Path:
    """Where a point's headline table is (contract 1: ``tables/headline_<notebook>.csv``)."""
    return Path(point_dir) / "tables" / f"headline_{stem}.csv"


def gather(sweep_dir: Path, grid, stem: str, outcomes: dict, read: dict | None = None
           ) -> tuple[str, dict]:
    """The text of sweep.csv (every point's headline rows, in the grid's point order) and
    the column of each parameter in it.

    ``outcomes``: point id -> :class:`PointOutcome` (a point without one is "not run").
    ``read``: point id -> headline rows already read (filled here), so that a sweep that
    rewrites sweep.csv as each point finishes reads each table once.
    """
    points_dir = Path(sweep_dir) / "points"
    tables, headline_cols = {}, []
    read = {} if read is None else read
    for point in grid.points:
        outcome = outcomes.get(point.id)
        if outcome is None or outcome.status not in ("ok", "cached"):
            continue
        rows = read.get(point.id)
        if rows is None:
            try:
                with open(headline_path(points_dir / point.id, stem), newline="",
                          encoding="utf-8") as handle:
                    rows = list(csv.reader(handle))
            except FileNotFoundError:
                rows = []
            read[point.id] = rows
        tables[point.id] = rows
        for column in rows[0] if rows else []:
            if column not in headline_cols:
                headline_cols.append(column)
    from forecast.data.headline import COLUMNS  # the contract's columns clash even when absent

    taken = set(LEAD) | set(STATUS) | set(headline_cols) | set(COLUMNS)
    param_cols = [(name, f"param_{name}" if name in taken else name) for name in grid.parameters]
    buffer = _text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*LEAD, *(c for _, c in param_cols), *STATUS, *headline_cols])
    for point in grid.points:
        outcome = outcomes.get(point.id)
        status = "not run" if outcome is None else \
            "ok" if outcome.status in ("ok", "cached") else "failed"
        error = "" if outcome is None else outcome.error
        lead = [point.id, *(_text(point.values[name]) for name, _ in param_cols), status, error]
        rows = tables.get(point.id, [])
        if len(rows) < 2:
            writer.writerow(lead + [""] * len(headline_cols))
            continue
        index = [headline_cols.index(c) for c in rows[0]]
        for row in rows[1:]:
            cells = [""] * len(headline_cols)
            for i, value in zip(index, row):
                cells[i] = value
            writer.writerow(lead + cells)
    return buffer.getvalue(), dict(param_cols)


# -- the sweep -------------------------------------------------------------------------------

@dataclass
class SweepReport:
    """What a sweep did; ``exit_code`` is 0 when every point is ok or cached, else 1."""

    name: str
    notebook: str
    directory: Path
    outcomes: list
    seconds: float
    executor: str
    grid: object = field(repr=False, default=None)

    @property
    def counts(self) -> dict:
        return {s: sum(o.status == s for o in self.outcomes)
                for s in ("ok", "cached", "failed", "not run")}

    @property
    def exit_code(self) -> int:
        return 0 if all(o.status in ("ok", "cached") for o in self.outcomes) else 1

    @property
    def csv(self) -> Path:
        return self.directory / "sweep.csv"

    @property
    def page(self) -> Path:
        return self.directory / "index.html"

    def frame(self):
        """sweep.csv as a DataFrame (``error`` empty strings, not NaN)."""
        import pandas as pd

        frame = pd.read_csv(self.csv, keep_default_na=False, na_values=[""],
                            dtype={"point": str, "status": str, "error": str})
        frame["error"] = frame["error"].fillna("")
        if "year" in frame.columns and frame["year"].dtype.kind == "f":
            frame["year"] = frame["year"].astype("Int64")  # failed points leave it empty
        frame.attrs["sweep"] = {"name": self.name, "notebook": self.notebook,
                                "directory": str(self.directory), "counts": self.counts,
                                "parameters": list(self.grid.parameters) if self.grid else []}
        return frame


def _select(root: Path, notebook) -> Path:
    from forecast.pipeline.runplan import notebooks, select

    path = Path(notebook)
    if path.suffix == ".ipynb" and path.is_file():
        return path.resolve()
    return select(notebooks(root), [str(notebook)])[0]


def plan(notebook, grid, *, project=None, name=None, max_points=None):
    """Check a sweep before anything runs: ``(root, notebook path, Grid, name)``.

    Raises ParameterError / UsageError / UnknownNameError (one line) for a bad
    notebook, grid file or name.
    """
    root = paths.project_root(project)
    path = _select(root, notebook)
    params = nbp.notebook_parameters(path)
    from forecast.pipeline import runplan

    scenarios = []

    def validate(name, value):  # what the runner refuses beyond types: an unknown scenario
        if name == runplan.SCENARIO_PARAM and value is not None:
            if not scenarios:
                scenarios.extend(runplan.scenario_names(root))
            runplan.check_scenario(value, scenarios, None)

    checked = sweep_grid.load_grid(grid, params, notebook=path.stem, max_points=max_points,
                                   validate=validate)
    if name is None:
        name = Path(grid).stem if isinstance(grid, (str, Path)) else path.stem
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UsageError(f"--name {name!r}: expected letters, digits, '.', '_' or '-' "
                         "(a folder name, at most 80 characters)")
    return root, path, checked, name


def execute(notebook, grid, *, name=None, executor="local", jobs=None, scheduler=None,
            max_points=None, project=None, html=False, timeout=None, force=False,
            wait=True, progress=None, point_function=None) -> SweepReport:
    """Run a sweep and write sweep.csv, sweep.json and the pages; see the module docstring.

    Parameters
    ----------
    notebook : notebook name (stem or unique prefix such as ``"03"``) or path.
    grid : a grid file (path) or the same mapping in Python (:mod:`forecast.pipeline.sweep.grid`).
    name : folder under ``outputs/sweeps/`` (default: the grid file's stem, or the
        notebook's stem for a mapping).
    executor : ``"local"``, ``"dask-local"`` or ``"dask"`` (with ``scheduler``).
    jobs : points at once (local processes or LocalCluster workers; default: cores).
    max_points : allow more points than the default limit.
    html : render each point's HTML page.  timeout : seconds per point.
    force : rerun every point.  wait : wait for another sweep of the same name.
    progress : a :class:`SweepProgress` (None: a quiet one).
    point_function : replaces :func:`run_point` (tests); must be picklable.

    Raises
    ------
    ParameterError, UsageError, UnknownNameError
        A bad notebook, grid, name or executor, before anything runs; UsageError also for
        a Dask scheduler lost mid-sweep (the finished points are in sweep.csv).
    KeyboardInterrupt
        Ctrl-C, or :class:`Terminated` for SIGTERM: the workers are stopped, sweep.csv,
        sweep.json and the page written; the report is the exception's ``sweep_report``.
    """
    from forecast.pipeline.runner import RunLock

    t0 = time.monotonic()
    spawning = sys.modules.get("multiprocessing")  # a spawned child has imported it
    if spawning is not None and getattr(spawning.current_process(), "_inheriting", False):
        # a worker process (Dask's LocalCluster spawns them) is importing the caller's script
        # again, which has no `if __name__ == "__main__":` guard: starting the sweep here would
        # wait for the parent's lock forever; this worker ends, the parent says why in one line
        os._exit(3)
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}")
    if (executor == "dask") != (scheduler is not None):
        raise UsageError("a scheduler address goes with the 'dask' executor (--scheduler ADDR)")
    if scheduler is not None and not re.fullmatch(r"(tcp|tls|ucx|inproc)://\S+", str(scheduler)):
        raise UsageError(f"--scheduler {scheduler!r}: expected an address like tcp://HOST:8786")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise UsageError(f"jobs must be a whole number >= 1, got {jobs!r}")
    if timeout is not None and not timeout > 0:
        raise UsageError(f"--timeout must be positive, got {timeout!r}")
    root, path, checked, name = plan(notebook, grid, project=project, name=name,
                                     max_points=max_points)
    jobs = jobs or os.cpu_count() or 1
    sweep_dir = root / "outputs" / "sweeps" / name
    fn = point_function or run_point
    progress = progress or SweepProgress(len(checked.points), name=name, quiet=True)
    progress.name = progress.name or name
    labels = {p.id: " ".join(f"{k}={_text(v)}" for k, v in p.values.items() if k in checked.swept)
              for p in checked.points}
    with RunLock(sweep_dir / ".lock", wait=wait, say=progress.say):
        manifest = sweep_dir / "sweep.json"
        try:
            before = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            before = {}
        if before.get("notebook") not in (None, path.stem):
            raise UsageError(f"sweep {name!r} holds points of {before['notebook']}, not "
                             f"{path.stem}; choose another --name")
        tasks = [PointTask(str(root), str(path), p.id, p.index, dict(p.values),
                           str(sweep_dir / "points" / p.id), html, timeout, force)
                 for p in checked.points]
        started = _dt.datetime.now(_dt.timezone.utc)
        current = up_to_date(tasks) if point_function is None else set()
        outcomes = [PointOutcome(t.id, t.index, "cached") for t in tasks if t.id in current]
        progress.planned(len(outcomes))
        todo = [t for t in tasks if t.id not in current]
        sweep = _Sweep(root, sweep_dir, path.stem, checked, tasks, outcomes, executor, jobs,
                       started, t0)
        try:
            with terminate_as_interrupt():
                sweep_exec.execute(todo, executor, jobs, scheduler, fn, progress, labels,
                                   sweep.record)
        except ForecastError:  # no cluster, no worker sees the project, a lost scheduler
            progress.close()
            if sweep.ran:  # points finished before the executor failed: the table says which
                sweep.finish()
            raise  # else nothing ran: the last sweep's table and page stay as they were
        except BaseException as stop:  # Ctrl-C, SIGTERM: the table says which points finished
            progress.close()
            stop.sweep_report = sweep.finish()
            raise
        progress.close()
        report = sweep.finish()
    _link_from_index(root, progress)
    return report


class Terminated(KeyboardInterrupt):
    """SIGTERM reached a sweep: handled like Ctrl-C (the finished points are kept)."""


@contextlib.contextmanager
def terminate_as_interrupt():
    """Turn the first SIGTERM into :class:`Terminated` in the main thread for the duration
    (the default action would end the process at once, without sweep.csv); a second SIGTERM
    ends it.  Nothing changes off the main thread or when the caller has its own handler."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated("SIGTERM")

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Sweep:
    """The sweep's outcomes so far; sweep.csv and sweep.json are rewritten as each point
    finishes (:meth:`record`), and the pages once at the end (:meth:`finish`)."""

    def __init__(self, root, sweep_dir, stem, grid, tasks, outcomes, executor, jobs, started,
                 t0):
        self.root, self.dir, self.stem, self.grid, self.tasks = root, sweep_dir, stem, grid, tasks
        self.outcomes, self.executor, self.jobs, self.started = outcomes, executor, jobs, started
        self.t0, self.read, self.ran = t0, {}, False

    def record(self, outcome: PointOutcome) -> None:
        """One more point finished: add it to sweep.csv and sweep.json now."""
        self.outcomes.append(outcome)
        self.ran = True
        self._write(state="running")

    def finish(self) -> SweepReport:
        """Write sweep.csv, sweep.json and the pages; a point without an outcome is "not run"."""
        from forecast.pipeline.sweep import page as sweep_page

        report, info, text = self._write(state="finished")
        sweep_page.write_pages(self.root, self.dir, info, text)
        return report

    def _write(self, *, state: str):
        by_id = {o.id: o for o in self.outcomes}
        grid = self.grid
        report = SweepReport(self.dir.name, self.stem, self.dir,
                             [by_id.get(t.id) or PointOutcome(t.id, t.index, "not run")
                              for t in self.tasks], time.monotonic() - self.t0, self.executor,
                             grid)
        text, columns = gather(self.dir, grid, self.stem, by_id, self.read)
        files.atomic_write_text(report.csv, text)
        info = {"name": self.dir.name, "notebook": self.stem, "grid": grid.source,
                "executor": self.executor, "jobs": self.jobs, "state": state,
                "started": self.started.isoformat(timespec="seconds"),
                "seconds": round(report.seconds, 2), "library_version": __version__,
                "swept": list(grid.swept), "fixed": list(grid.fixed),
                "sampled": list(grid.sampled), "method": grid.method, "columns": columns,
                "duplicates": grid.duplicates, "counts": report.counts,
                "points": [{**asdict(o), "parameters": {
                    k: _text(v) for k, v in grid.points[o.index].values.items()}}
                    for o in report.outcomes]}
        files.atomic_write_text(self.dir / "sweep.json",
                                json.dumps(info, indent=1, ensure_ascii=False) + "\n")
        return report, info, text


def _link_from_index(root: Path, progress) -> None:
    """Rewrite ``outputs/index.html`` so that it links the sweeps (when it exists and does
    not yet); skipped while a run holds ``outputs/``, whose index will link them anyway."""
    index = root / "outputs" / "index.html"
    try:
        if not index.is_file() or 'href="sweeps/index.html"' in index.read_text(encoding="utf-8"):
            return
        from forecast.pipeline.site import pages as report
        from forecast.pipeline.runner import RunLock, git_commit

        with RunLock(root / "outputs" / ".lock", wait=False):
            report.write_indexes(root, [], {
                "run_started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "git_commit": git_commit(root), "library_version": __version__})
    except Exception as err:  # noqa: BLE001 - the sweep's own outputs are written already
        progress.say(f"outputs/index.html not updated ({type(err).__name__}: {err}); the next "
                     "compute-forecast run links the sweeps")


def run(notebook, grid, *, name=None, executor="local", jobs=None, scheduler=None,
        max_points=None, project=None, html=False, timeout=None, force=False, progress=None):
    """Run a sweep and return its tidy table (sweep.csv as a DataFrame).

    The arguments are those of :func:`execute`.  ``frame.attrs["sweep"]`` holds the
    sweep's name, notebook, folder, point counts and parameter names.

    >>> from forecast import sweep                                   # doctest: +SKIP
    >>> frame = sweep.run("03_scenarios", {"grid": {"seed": [1, 2], "n_paths": [500, 1000]}})
    >>> frame.groupby(["component", "year"])["median"].agg(["min", "max"])
    """
    return execute(notebook, grid, name=name, executor=executor, jobs=jobs,
                   scheduler=scheduler, max_points=max_points, project=project, html=html,
                   timeout=timeout, force=force, progress=progress).frame()
