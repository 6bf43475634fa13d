"""``compute-forecast run``: every notebook of the project, executed and rendered, safely.

What a run does, in order:

1. **Plan** (:mod:`forecast.runplan`, nothing heavy imported): find the project (walk up
   to ``pyproject.toml``), its ``notebooks/*.ipynb``, read each ``parameters``
   cell, merge the user's values (notebook defaults < ``--params`` file <
   ``--param``), and check every name and type.  All user errors surface here,
   before anything runs.
2. **Lock** ``outputs/.lock``, so two runs never write the same files at once
   (the second waits, or refuses with ``wait=False``).
3. **Cache**: a notebook whose code, parameters, input data, library and
   packages are unchanged is skipped (:mod:`forecast.runcache`).
4. **Execute** the others with papermill, ``jobs`` at a time, each in a fresh
   kernel started in ``notebooks/`` (:mod:`forecast._engine`); render each to one
   self-contained HTML page (:mod:`forecast.report`).  Every file goes through
   :mod:`forecast.io`'s atomic writes.  A failing notebook (error, dead kernel,
   ``timeout``) goes to ``outputs/failed/`` and never replaces the last good page.
5. **Index** pages, ``outputs/run.log``, and the forecast history
   (:func:`forecast.history.record_run`).

Scenario runs (``scenario="bear"``) execute the notebooks that declare a
``scenario`` parameter into ``outputs/scenarios/bear/``, and write the
comparison page ``outputs/scenarios/index.html``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from forecast import io, runcache
from forecast import notebook_params as nbp
from forecast._version import __version__
from forecast.errors import UsageError
from forecast.runplan import Job, plan

KERNEL = "compute-forecast"


@dataclass
class Result:
    """How one notebook ended: ``status`` is "ok", "cached", "failed" or "interrupted"."""

    stem: str
    scenario: str | None
    status: str
    seconds: float = 0.0
    reason: str = ""
    error: str = ""
    inputs: dict = field(default_factory=dict)       # data file -> sha256 (ran notebooks)
    parameters: dict = field(default_factory=dict)   # effective parameters (ran notebooks)


@dataclass
class RunReport:
    """All results of a run; ``exit_code`` is 0 when nothing failed, else 1."""

    results: list[Result]
    index: Path
    log: Path
    seconds: float

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status in ("failed", "interrupted") for r in self.results) else 0

    def as_json(self) -> str:
        results = [{k: v for k, v in r.__dict__.items() if k not in ("inputs", "parameters")}
                   for r in self.results]
        return json.dumps({"results": results, "index": str(self.index),
                           "log": str(self.log), "seconds": round(self.seconds, 3)}, indent=1)


# -- the lock ---------------------------------------------------------------------------

class RunLock:
    """An exclusive ``flock`` on ``outputs/.lock`` for the duration of a run."""

    def __init__(self, path: Path, *, wait: bool, say=lambda text: None):
        self.path, self.wait, self.say, self.handle = Path(path), wait, say, None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "unknown"
            if not self.wait:
                self.handle.close()
                raise UsageError(f"another compute-forecast run (pid {holder}) is writing "
                                 f"{self.path.parent}; try again when it has finished") from None
            self.say(f"waiting for another compute-forecast run (pid {holder}) to finish...")
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.close()  # closing releases the flock


# -- provenance ---------------------------------------------------------------------------

def git_commit(root: Path) -> str | None:
    """``<sha>`` of HEAD, with " (modified)" when the work tree differs; None outside git."""
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return sha.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")


def data_sources(paths: list[Path]) -> list[dict]:
    """Distinct sources (publisher, document, published, url, status) of the rows of CSV files.

    These are the provenance columns every data file carries, the same facts
    ``forecast.data.load`` puts in ``df.attrs["provenance"]``.
    """
    import csv

    keys = ("publisher", "document", "published", "url", "status")
    found = {}
    for path in paths:
        if path.suffix != ".csv":
            continue
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row.get("publisher") or row.get("document"):
                        item = {k: (row.get(k) or "").strip() for k in keys}
                        found[tuple(item.values())] = item
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
    return [found[k] for k in sorted(found)]


# -- one notebook ---------------------------------------------------------------------------

class _Run:
    """State shared by the worker threads of one run."""

    def __init__(self, root: Path, *, force, jobs, timeout, show_code, progress):
        self.root, self.force, self.jobs, self.timeout = root, force, jobs, timeout
        self.show_code, self.progress = show_code, progress
        self.started = _dt.datetime.now(_dt.timezone.utc)
        self.cancel = threading.Event()
        self.kernels: list = []
        self.memo: dict = {}
        self.log_lines: list[str] = []
        self.log_lock = threading.Lock()
        self.log_path = root / "outputs" / "run.log"
        self.library = runcache.library_fingerprint()
        self.packages = runcache.packages_fingerprint()
        self.commit = git_commit(root)

    def log(self, text: str) -> None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%H:%M:%S")
        with self.log_lock:
            self.log_lines.extend(f"{stamp} {line}" for line in text.rstrip().splitlines())
            io.atomic_write_text(self.log_path, "\n".join(self.log_lines) + "\n")

    def static_key(self, job: Job, nb: dict) -> dict:
        return runcache.key(notebook=runcache.notebook_fingerprint(nb), parameters=job.parameters,
                            library=self.library, packages=self.packages,
                            options={"show_code": self.show_code, "kernel": KERNEL})

    def check(self, job: Job) -> tuple[dict, str | None]:
        """The job's cache key and why it must run (None: it is up to date)."""
        nb = nbp.read_notebook(job.path)
        key = self.static_key(job, nb)
        if self.force:
            return key, "--force"
        state = runcache.load_state(job.run_dir, job.stem)
        return key, runcache.stale_reason(state, key, self.root, job.run_dir, self.memo)

    def execute(self, job: Job, key: dict) -> Result:
        from forecast import _engine, report  # _engine first: it speeds up nbformat's import

        import nbformat

        name = job.stem if job.scenario is None else f"{job.scenario}/{job.stem}"
        began, t0 = _dt.datetime.now(_dt.timezone.utc), time.monotonic()
        cache_dir = job.run_dir / ".cache"
        cache_dir.mkdir(parents=True, exist_ok=True)
        with open(cache_dir / f"{job.stem}.kernel.log", "w") as kernel_log:
            ex = _engine.execute(
                job.path, parameters=job.inject, kernel_name=KERNEL, cwd=str(job.path.parent),
                read_roots=[str(self.root / "data"), str(self.root / "notebooks")],
                write_root=str(job.run_dir), timeout=self.timeout, kernel_log=kernel_log,
                on_kernel=self.kernels.append)
        seconds = time.monotonic() - t0
        if self.cancel.is_set():
            return Result(job.stem, job.scenario, "interrupted", seconds)

        inputs = {Path(p).resolve() for p in ex.read if Path(p).is_file() and Path(p) != job.path}
        inputs |= {(self.root / "data" / p).resolve() for p in job.declared_inputs
                   if (self.root / "data" / p).is_file()}
        input_hashes = {str(p.relative_to(self.root)): runcache.sha256_file(p, self.memo)
                        for p in sorted(inputs) if p.is_relative_to(self.root)}
        written = sorted(str(Path(p).relative_to(job.run_dir)) for p in ex.written
                         if Path(p).is_file() and not Path(p).name.startswith("."))
        prov = {"notebook": job.path.name, "scenario": job.scenario,
                "run_started": began.isoformat(timespec="seconds"), "seconds": round(seconds, 2),
                "git_commit": self.commit, "library_version": __version__,
                "python": sys.version.split()[0], "kernel": KERNEL,
                "parameters": {k: v for k, v in job.parameters.items()},
                "data_files": [{"path": p, "sha256": d} for p, d in input_hashes.items()],
                "sources": data_sources(sorted(inputs)), "outputs": written,
                "status": "failed" if ex.error else "ok"}
        ex.nb.metadata["compute_forecast"] = prov
        footer = report.provenance_footer(prov)
        try:
            page = report.render_notebook(ex.nb, notebook_dir=job.path.parent, footer=footer,
                                          show_code=self.show_code, title=job.title)
        except Exception as err:  # a broken output must not take the run down
            page = None
            ex.error = ex.error or ("RenderError", f"HTML rendering failed: {err}", None)
        text = nbformat.writes(ex.nb)
        state = runcache.load_state(job.run_dir, job.stem)
        finished = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        if ex.error:
            ename, evalue, where = ex.error
            message = f"{ename}: {evalue}" + (f" ({where})" if where else "")
            io.atomic_write_text(job.run_dir / "failed" / f"{job.stem}.ipynb", text)
            if page is not None:
                io.atomic_write_text(job.run_dir / "failed" / f"{job.stem}.html", page)
            state["last"] = {"status": "failed", "finished": finished, "seconds": seconds,
                             "error": message}
            runcache.save_state(job.run_dir, job.stem, state)
            wrote = f"\nfiles written before the failure: {', '.join(written)}" if written else ""
            self.log(f"FAILED {name}: {message}{wrote}\n{_strip_ansi(ex.traceback)}".rstrip())
            return Result(job.stem, job.scenario, "failed", seconds, error=message)
        io.atomic_write_text(job.run_dir / "notebooks" / f"{job.stem}.ipynb", text)
        io.atomic_write_text(job.run_dir / "html" / f"{job.stem}.html", page)
        for stale in ("ipynb", "html"):
            (job.run_dir / "failed" / f"{job.stem}.{stale}").unlink(missing_ok=True)
        outputs = [f"notebooks/{job.stem}.ipynb", f"html/{job.stem}.html", *written]
        state["good"] = {"key": key, "inputs": input_hashes, "outputs": outputs,
                         "finished": finished, "seconds": seconds}
        state["last"] = {"status": "ok", "finished": finished, "seconds": seconds, "error": ""}
        runcache.save_state(job.run_dir, job.stem, state)
        self.log(f"ok {name} in {seconds:.1f} s; read {', '.join(input_hashes) or 'no data file'}; "
                 f"wrote {len(written)} file(s)")
        return Result(job.stem, job.scenario, "ok", seconds, inputs=input_hashes,
                      parameters={k: v for k, v in job.parameters.items() if k not in nbp.RESERVED})

    def kill_kernels(self) -> None:
        import signal

        for km in self.kernels:
            pid = getattr(getattr(getattr(km, "provisioner", None), "process", None), "pid", None)
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


# -- the run ---------------------------------------------------------------------------

def _record_history(results: list[Result], run_dirs: dict, run_info: dict, log) -> None:
    """Append the headline forecasts of the notebooks that ran to each output folder's history.

    Only notebooks executed in this run (not cached ones) are recorded, so a
    rerun with nothing changed adds no duplicate rows (forecast.history.record_run).
    """
    for target, run_dir in run_dirs.items():
        ran = [r for r in results if r.scenario == target and r.status == "ok"
               and (run_dir / "tables" / f"headline_{r.stem}.csv").is_file()]
        if not ran:
            continue
        try:
            from forecast.history import record_run
        except ImportError as err:
            log(f"forecast history not updated: {err}")
            return
        inputs = sorted({(p, d) for r in ran for p, d in r.inputs.items()})
        data_hash = runcache.sha256_text("\n".join(f"{p} {d}" for p, d in inputs))
        try:
            rows = record_run(run_dir, run_time=run_info["run_started"],
                              parameters={r.stem: r.parameters for r in ran},
                              data_hash=data_hash, version=__version__,
                              notebooks=[r.stem for r in ran])
            log(f"forecast history: {rows} headline row(s) appended in {run_dir / 'history'}")
        except Exception as err:  # the history must not turn a good run into a failed one
            log(f"forecast history not updated: {type(err).__name__}: {err}")


def run(project=None, *, only=(), params=(), params_file=None, force=False, jobs=None,
        timeout=None, scenario=None, all_scenarios=False, show_code=False, wait=True,
        progress=None) -> RunReport:
    """Bring every selected notebook's outputs up to date; see the module docstring.

    Parameters
    ----------
    project : any folder inside the project (default: the cwd).
    only : notebook names (stem, file name or unique prefix) to run; default all.
    params : ``"NAME=VALUE"`` texts (Python literals); params_file : YAML file.
    force : ignore the cache.  jobs : notebooks at once (default: number of cores).
    timeout : seconds allowed per notebook (None: unlimited).
    scenario / all_scenarios : run the scenario notebooks for one / every scenario.
    show_code : show code cells in the HTML pages.  wait : wait for a concurrent run
        (False: refuse).  progress : a :class:`forecast._progress.Progress` or None.

    Returns
    -------
    RunReport; ``exit_code`` 1 when a notebook failed.  User errors raise
    UsageError / UnknownNameError / ParameterError before anything runs.
    """
    from forecast import report
    from forecast._progress import Progress

    t0 = time.monotonic()
    root = io.project_root(project)
    job_list = plan(root, only=only, params=params, params_file=params_file, scenario=scenario,
                    all_scenarios=all_scenarios)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    if timeout is not None and timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {timeout:g}")
    progress = progress or Progress(stream=None)
    with RunLock(root / "outputs" / ".lock", wait=wait, say=progress.say):
        state = _Run(root, force=force, jobs=jobs, timeout=timeout, show_code=show_code,
                     progress=progress)
        state.log(f"compute-forecast {__version__} run in {root} (jobs={jobs}, force={force})")
        results: list[Result] = []
        todo = []
        for job in job_list:
            key, reason = state.check(job)
            name = job.stem if job.scenario is None else f"{job.scenario}/{job.stem}"
            if reason is None:
                results.append(Result(job.stem, job.scenario, "cached", reason="unchanged"))
                progress.finished(name, "cached", 0.0)
                for stale in ("ipynb", "html"):
                    (job.run_dir / "failed" / f"{job.stem}.{stale}").unlink(missing_ok=True)
                last = runcache.load_state(job.run_dir, job.stem)
                if last.get("last", {}).get("status") != "ok":
                    last["last"] = {**last.get("last", {}), "status": "ok", "error": ""}
                    runcache.save_state(job.run_dir, job.stem, last)
            else:
                todo.append((job, key, name, reason))
                state.log(f"run {name}: {reason}")
        # longest first (last run's time) packs the workers best
        todo.sort(key=lambda t: -runcache.load_state(t[0].run_dir, t[0].stem)
                  .get("last", {}).get("seconds", 0.0))
        if todo:
            from forecast import _engine

            _engine.check_kernel(KERNEL)
            results += _execute_all(state, todo, jobs, progress)
        run_info = {"run_started": state.started.isoformat(timespec="seconds"),
                    "git_commit": state.commit, "library_version": __version__}
        _record_history(results, {j.scenario: j.run_dir for j in job_list}, run_info, state.log)
        index = report.write_indexes(root, results, run_info)
        report = RunReport(results, index, state.log_path, time.monotonic() - t0)
        counts = {s: sum(r.status == s for r in results) for s in ("ok", "cached", "failed")}
        state.log(f"done in {report.seconds:.1f} s: {counts['ok']} ok, {counts['cached']} cached, "
                  f"{counts['failed']} failed")
    progress.summary(report)
    if any(r.status == "interrupted" for r in results):
        raise KeyboardInterrupt
    return report


def _execute_all(state: _Run, todo, jobs: int, progress) -> list[Result]:
    results = []
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook")

    def work(job, key, name, reason):
        if state.cancel.is_set():
            return Result(job.stem, job.scenario, "interrupted")
        progress.started(name)
        state.log(f"start {name}")
        try:
            result = state.execute(job, key)
            result.reason = reason
        except Exception as err:  # a runner bug must not hide the other notebooks' results
            import traceback

            state.log(f"FAILED {name}: runner error {type(err).__name__}: {err}\n"
                      f"{traceback.format_exc()}")
            result = Result(job.stem, job.scenario, "failed", error=f"runner error: {err}")
        progress.finished(name, result.status, result.seconds, result.error)
        return result

    futures = {pool.submit(work, *item): item for item in todo}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            results += [f.result() for f in done]
    except KeyboardInterrupt:
        state.cancel.set()
        state.kill_kernels()
        pool.shutdown(wait=True, cancel_futures=True)
        results += [f.result() for f in futures if f.done() and not f.cancelled()
                    and f.result() not in results]
        results += [Result(j.stem, j.scenario, "interrupted") for f, (j, *_) in futures.items()
                    if f.cancelled()]
        state.log("interrupted (Ctrl-C): outputs of unfinished notebooks were left as they were")
        return results
    pool.shutdown(wait=True)
    return results
