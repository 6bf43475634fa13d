"""``compute-forecast run``: every notebook of the project, executed and rendered, safely.

What a run does, in order:

1. **Plan** (:mod:`forecast.pipeline.runplan`, nothing heavy imported): find the project (walk up
   to ``pyproject.toml``), its ``notebooks/*.ipynb``, read each ``parameters``
   cell, merge the user's values (notebook defaults < ``--params`` file <
   ``--param``), and check every name and type.  All user errors surface here,
   before anything runs.  A notebook file that cannot be read is not a user
   error: it fails alone and the others run.
2. **Lock** ``outputs/.lock``, so two runs never write the same files at once
   (the second waits, or refuses with ``wait=False``).
3. **Cache**: a notebook whose code, parameters, input data, library and
   packages are unchanged, and whose outputs are still the bytes it promoted,
   is skipped (:mod:`forecast.pipeline.runcache`).
4. **Execute** the others with papermill, ``jobs`` at a time, each in a fresh
   kernel started in ``notebooks/`` (:mod:`forecast.pipeline.engine`), writing into a
   staging folder; render each to one self-contained HTML page
   (:mod:`forecast.pipeline.site.pages`).  Only a notebook that succeeds has its files
   promoted into the output folder (:mod:`forecast.pipeline.staging`); a failing one
   (error, dead kernel, ``timeout``, Ctrl-C) leaves the folder as it was, apart
   from ``failed/`` and its status.
5. **Record** each successful notebook's headline forecasts in the history as
   soon as it finishes (:func:`forecast.history.record_run`), then write the
   index pages and ``outputs/run.log``.

Languages (``langs=("zh",)``, ``--lang zh`` or ``--lang all``): each notebook runs once per
language, with ``COMPUTE_FORECAST_LANG`` set in its kernel, into that language's folder
(:func:`forecast.pipeline.runplan.language_root`: ``outputs/zh/`` for Chinese), from the
same notebook file: its text comes from the message catalogs (:mod:`forecast.i18n`).  Every
page links to its version in the other languages.  The forecast history is kept in English
only, since the numbers are the same.

Scenario runs (``scenario="bear"``) execute the notebooks that declare a
``scenario`` parameter into ``outputs/scenarios/bear/``, and write the
comparison page ``outputs/scenarios/index.html``.

:func:`run_notebook` is step 3-4 for one notebook, parameters and output folder
(what sweeps build on).
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
from dataclasses import dataclass, field
from pathlib import Path

from forecast import files, i18n, paths
from forecast.pipeline import staging as _staging
from forecast.pipeline import runcache
from forecast.pipeline import runplan
from forecast.pipeline import params as nbp
from forecast._version import __version__
from forecast.errors import NotebookExecutionError, UsageError
from forecast.pipeline.runplan import Job, plan

KERNEL = "compute-forecast"
#: longest time limit a notebook may be given, in seconds (30 days; ``inf`` is refused)
MAX_TIMEOUT = 30 * 86400.0
#: recorded instead of a sha256 for an input that changed while the notebook ran
CHANGED = "changed during the run"


class Terminated(KeyboardInterrupt):
    """SIGTERM reached a run: handled like Ctrl-C (kernels killed, outputs left as they were)."""


def _terminate(signum, frame):
    raise Terminated()


@dataclass
class Result:
    """How one notebook ended: ``status`` is "ok", "cached", "failed" or "interrupted".

    ``error`` is the :class:`NotebookExecutionError` of a failed notebook (else None).
    """

    stem: str
    scenario: str | None
    status: str
    seconds: float = 0.0
    reason: str = ""
    error: NotebookExecutionError | None = None
    inputs: dict = field(default_factory=dict)       # data file -> sha256 (ran notebooks)
    parameters: dict = field(default_factory=dict)   # effective parameters (ran notebooks)
    lang: str = "en"                                 # language of its pages (forecast.i18n)

    @property
    def message(self) -> str:
        """The error in one line (empty when there is none)."""
        return self.error.message if self.error is not None else ""


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
        results = [{"stem": r.stem, "scenario": r.scenario, "status": r.status,
                    "seconds": r.seconds, "reason": r.reason, "error": r.message}
                   for r in self.results]
        return json.dumps({"results": results, "index": str(self.index),
                           "log": str(self.log), "seconds": round(self.seconds, 3)}, indent=1)


@dataclass(frozen=True)
class NotebookRun:
    """How :func:`run_notebook` ended.

    ``status`` is "ok" (executed, outputs promoted), "cached" (outputs already
    current) or "failed" (``error`` says why; the output folder is unchanged
    apart from ``failed/``).  ``outputs`` are the files in ``output_dir`` the
    run vouches for (relative paths); ``seconds`` the execution time.
    """

    notebook: Path
    status: str
    output_dir: Path
    seconds: float = 0.0
    error: NotebookExecutionError | None = None
    reason: str = ""
    outputs: tuple = ()


# -- the lock ---------------------------------------------------------------------------

class RunLock:
    """An exclusive ``flock`` on ``outputs/.lock`` for the duration of a run."""

    def __init__(self, path: Path, *, wait: bool, say=lambda text: None):
        self.path, self.wait, self.say, self.handle = Path(path), wait, say, None

    def __enter__(self):
        import fcntl

        try:
            self.handle = _staging.open_lock(self.path)
        except OSError as err:
            raise UsageError(f"cannot lock {self.path}: {err.strerror or err}; the output "
                             f"folder must be a writable folder") from None
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


# -- one notebook ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Ran:
    """A notebook whose kernel has finished: what it did, where it wrote, when and how long."""

    ex: object            # forecast.pipeline.engine.Execution
    stage: Path
    began: _dt.datetime
    seconds: float


class _Run:
    """State shared by the worker threads of one run, and the recipe that runs one notebook."""

    def __init__(self, root: Path, *, force=False, timeout=None, show_code=False, html=True,
                 history=True, log_path: Path | None = None, say=lambda text: None,
                 langs=("en",)):
        self.root, self.force, self.timeout = root, force, timeout
        self.langs = tuple(langs)
        self.catalog_digest: str | None = None
        self.show_code, self.html, self.history, self.say = show_code, html, history, say
        self.started = _dt.datetime.now(_dt.timezone.utc)
        self.cancel = threading.Event()
        self.kernels: list = []
        self.memo: dict = {}
        self.log_lines: list[str] = []
        self.lock = threading.Lock()
        self.promoting = threading.Lock()  # one promotion (and history update) at a time
        self.terminated = False
        self.log_path = log_path
        self.log_head = _earlier_log(log_path, self.started)  # run.log appends (issue 23)
        self.library = runcache.library_fingerprint()
        self.packages = runcache.packages_fingerprint()
        self.commit = git_commit(root)
        self.info = {"run_started": self.started.isoformat(timespec="seconds"),
                     "git_commit": self.commit, "library_version": __version__}

    def log(self, text: str) -> None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%H:%M:%S")
        with self.lock:
            self.log_lines.extend(f"{stamp} {line}" for line in text.rstrip().splitlines())
            if self.log_path is not None:
                files.atomic_write_text(self.log_path,
                                        self.log_head + "\n".join(self.log_lines) + "\n")

    def check(self, job: Job) -> tuple[dict, str | None]:
        """The job's cache key and why it must run (None: its outputs are current)."""
        note = _staging.recover(job.run_dir, job.stem)
        if note:
            self.log(note)
        key = runcache.key(notebook=runcache.notebook_fingerprint(nbp.read_notebook(job.path)),
                           parameters=job.parameters, library=self.library,
                           packages=self.packages,
                           options={"show_code": self.show_code, "kernel": KERNEL,
                                    "html": self.html, **self._language_key(job.lang)})
        if self.force:
            return key, "--force"
        state = runcache.load_state(job.run_dir, job.stem)
        return key, runcache.stale_reason(state, key, self.root, job.run_dir, self.memo)

    def _language_key(self, lang: str) -> dict:
        """The language's part of a cache key: nothing for English (its pages use no catalog),
        else the language and the digest of its catalogs, so a new translation reruns it."""
        if lang == i18n.SOURCE:
            return {}
        if self.catalog_digest is None:
            folder = i18n.catalog_dir()
            texts = sorted(p for p in folder.rglob("*") if p.suffix in (".po", ".txt"))
            self.catalog_digest = runcache.sha256_text("\n".join(
                f"{p.relative_to(folder)} {runcache.sha256_file(p)}" for p in texts))
        return {"lang": lang, "catalog": self.catalog_digest}

    def languages_shown(self) -> tuple[str, ...]:
        """Languages a page links to: this run's, and those with an index already."""
        return tuple(lang for lang in i18n.LANGUAGES if lang in self.langs
                     or (runplan.language_root(self.root, lang) / "index.html").is_file())

    # The recipe (papermill's execute_notebook is the model): each step is one method.
    def execute(self, job: Job, key: dict) -> Result:
        """Run one notebook in a staging folder; promote its files only when it succeeds."""
        return self.finish(job, key, self.run_kernel(job))

    def run_kernel(self, job: Job, km=None) -> _Ran:
        """The part that needs a kernel: the notebook executed, writing into its staging
        folder; in the kernel of ``km`` when one was started for it (else a new one)."""
        began, t0 = _dt.datetime.now(_dt.timezone.utc), time.monotonic()
        self.hash_sources()  # before the kernel reads anything: what it may read, as it was
        stage = _staging.prepare(job.run_dir, job.stem)
        ex = self._execute_in_kernel(job, stage, km)
        return _Ran(ex, stage, began, time.monotonic() - t0)

    def finish(self, job: Job, key: dict, ran: _Ran) -> Result:
        """The rest, once the kernel has gone: hash inputs, provenance, page, then promote or
        fail, then history.  :func:`run` does it while the next notebook's kernel runs."""
        ex, stage, seconds = ran.ex, ran.stage, ran.seconds
        if self.cancel.is_set():
            _staging.discard(job.run_dir, job.stem)
            return Result(job.stem, job.scenario, "interrupted", seconds)
        inputs = self._input_hashes(job, ex)
        lost = self._lost_outputs(ex, stage)
        if lost and ex.error is None:
            from forecast.pipeline import engine as _engine

            ex.error = NotebookExecutionError(
                job.path.name, None, "LostOutputs", f"{len(lost)} file(s) it wrote are gone "
                f"from its staging folder (deleted during the run?): {', '.join(lost[:3])}")
            _engine.mark_failed(ex.nb, ex.error)
        self._add_provenance(job, ex, ran.began, seconds, inputs, _staging.staged_files(stage))
        t1 = time.monotonic()
        page = self._render(job, ex)
        if ex.error is not None:
            return self._fail(job, ex, page, seconds)
        t2 = time.monotonic()
        self._stage_pages(job, ex, page, stage)
        result = Result(job.stem, job.scenario, "ok", seconds, inputs=inputs,
                        parameters={k: v for k, v in job.parameters.items()
                                    if k not in nbp.RESERVED})
        # the history's new rows are promoted with the tables, in the same journal: a kill
        # at any instant leaves the old outputs and history, or the new ones with their rows
        with self.promoting:
            rows = (self._stage_history(job, result, stage)
                    if self.history and job.lang == i18n.SOURCE else None)
            outputs = self._promote(job, key, inputs, seconds)
        self.log(f"ok {job.name} in {seconds:.1f} s (then page {t2 - t1:.1f} s, promote "
                 f"{time.monotonic() - t2:.2f} s); read {', '.join(inputs) or 'no data file'}; "
                 f"wrote {len(outputs)} file(s)")
        if rows:
            self.log(f"forecast history: {rows} headline row(s) of {job.name} promoted into "
                     f"{job.run_dir / 'history'}")
        changed = [rel for rel, digest in inputs.items() if digest == CHANGED]
        if changed:
            text = (f"{job.name}: {', '.join(changed)} changed while it ran; its outputs are "
                    f"kept but marked stale (the next run runs it again)")
            self.log(text)
            self.say(text)
        return result

    def _execute_in_kernel(self, job: Job, stage: Path, km=None):
        """papermill in a fresh kernel, ``output_dir`` pointing at the staging folder."""
        from forecast.pipeline import engine as _engine

        inject = dict(job.inject)
        if "output_dir" in inject:
            inject["output_dir"] = str(stage)
        # a pooled kernel already writes to this log (KernelPool.take renamed it): append;
        # O_NOFOLLOW: a planted link must not be truncated
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if km is not None
                                                            else os.O_TRUNC)
        with os.fdopen(os.open(self.kernel_log(job), flags, 0o644), "w") as kernel_log:
            ex = _engine.execute(
                job.path, parameters=inject, kernel_name=KERNEL, cwd=str(job.path.parent),
                read_roots=[str(self.root / "data"), str(self.root / "notebooks")],
                write_root=str(stage), timeout=self.timeout, kernel_log=kernel_log,
                on_kernel=self.kernels.append, km=km, env={i18n.ENV: job.lang})
        for cell in ex.nb.cells:  # the page shows where the files went, not the staging folder
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell.source = cell.source.replace(str(stage), str(job.run_dir))
        return ex

    @staticmethod
    def kernel_log(job: Job) -> Path:
        """``<run_dir>/.cache/<stem>.kernel.log``: the kernel's own stdout and stderr."""
        cache_dir = files.refuse_symlinks(job.run_dir / ".cache", job.run_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        return cache_dir / f"{job.stem}.kernel.log"

    def hash_sources(self) -> None:
        """sha256 of every file a notebook may read (``data/``, ``notebooks/``), once per run,
        before the first kernel starts: the cache records these, so an edit made while a
        notebook runs is seen by :meth:`_input_hashes` instead of being vouched for."""
        for folder in (self.root / "data", self.root / "notebooks"):
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    try:
                        runcache.sha256_file(Path(dirpath) / name, self.memo)
                    except OSError:
                        pass  # unreadable now; a notebook that reads it fails on its own

    def _input_hashes(self, job: Job, ex) -> dict:
        """sha256 of the data files the notebook read (and the inputs it declares), as they were
        before it ran; :data:`CHANGED` for a file that differs now (edited or removed during
        the run), so the cache never vouches for outputs made from data it did not hash."""
        inputs = {Path(p).resolve() for p in ex.read if Path(p) != job.path}
        inputs |= {(self.root / "data" / p).resolve() for p in job.declared_inputs
                   if (self.root / "data" / p).is_file()}
        found = {}
        for path in sorted(p for p in inputs if p.is_relative_to(self.root)):
            before = self.memo.get(str(path))
            try:
                now = runcache.sha256_file(path)
            except OSError:  # removed (or made unreadable) while the notebook ran
                now = None
            if before is None and now is None:
                continue  # a file it looked for and never found
            if before is None:  # not hashed before the run (outside data/ and notebooks/)
                unchanged = path.stat().st_mtime < self.started.timestamp()
                before = now if unchanged else CHANGED
            found[str(path.relative_to(self.root))] = before if before == now else CHANGED
        return found

    @staticmethod
    def _lost_outputs(ex, stage: Path) -> list[str]:
        """Files the kernel wrote that its staging folder no longer holds, when that folder was
        removed during the run (``outputs/`` wiped): promoting the rest would vouch for a
        partial set.  Empty when the stage is intact."""
        if _staging.intact(stage):
            return []
        staged = set(_staging.staged_files(stage))
        lost = {Path(p).relative_to(stage).as_posix() for p in ex.written
                if Path(p).is_relative_to(stage)} - staged
        return sorted(lost) or ["(the staging folder itself)"]

    def _add_provenance(self, job: Job, ex, began, seconds, inputs: dict, written) -> None:
        from forecast.data.provenance import data_sources

        ex.nb.metadata["compute_forecast"] = {
            "notebook": job.path.name, "scenario": job.scenario,
            "run_started": began.isoformat(timespec="seconds"), "seconds": round(seconds, 2),
            "git_commit": self.commit, "library_version": __version__,
            "python": sys.version.split()[0], "kernel": KERNEL,
            "parameters": dict(job.parameters),
            "data_files": [{"path": p, "sha256": d} for p, d in inputs.items()],
            "sources": data_sources(sorted(self.root / p for p in inputs)), "outputs": written,
            "status": "failed" if ex.error else "ok"}

    def _render(self, job: Job, ex) -> str | None:
        """The HTML page (None when pages are not wanted); a rendering failure fails the notebook."""
        if not self.html and ex.error is None:
            return None
        from forecast.pipeline.site import pages as report

        try:
            with i18n.use(job.lang):
                page = job.run_dir / "html" / f"{job.stem}.html"
                home = runplan.language_root(self.root, job.lang)
                # pages of the plan's folders have a version in each language; a sweep
                # point's or run_notebook's own folder has not
                planned = job.run_dir == home or job.run_dir.parent == home / "scenarios"
                switch = (report.language_switch(page.relative_to(home).as_posix(),
                                                 self.languages_shown()) if planned else "")
                return report.render_notebook(
                    ex.nb, notebook_dir=job.path.parent, show_code=self.show_code,
                    title=job.title, footer=report.provenance_footer(
                        ex.nb.metadata["compute_forecast"]), switch=switch)
        except Exception as err:  # a broken output must not take the run down
            if ex.error is None:
                ex.error = NotebookExecutionError(job.path.name, None, "RenderError",
                                                  f"HTML rendering failed: {err}")
            return None

    def _fail(self, job: Job, ex, page: str | None, seconds: float) -> Result:
        """Keep the failed notebook in ``failed/``; the output folder itself is not touched."""
        import nbformat

        failed = job.run_dir / "failed"
        files.atomic_write_text(failed / f"{job.stem}.ipynb", nbformat.writes(ex.nb))
        if page is not None:
            files.atomic_write_text(failed / f"{job.stem}.html", page)
        else:
            (failed / f"{job.stem}.html").unlink(missing_ok=True)
        partial = _staging.discard(job.run_dir, job.stem)
        state = runcache.load_state(job.run_dir, job.stem)
        state["last"] = {"status": "failed", "finished": _now(), "seconds": seconds,
                         "error": ex.error.message}
        runcache.save_state(job.run_dir, job.stem, state)
        kept = (f"\nfiles it wrote are in failed/{job.stem}/: {', '.join(partial)}"
                if partial else "")
        self.log(f"FAILED {job.name}: {ex.error.message}{kept}\n"
                 f"{_strip_ansi(ex.error.traceback)}".rstrip())
        return Result(job.stem, job.scenario, "failed", seconds, error=ex.error)

    def _stage_pages(self, job: Job, ex, page: str | None, stage: Path) -> None:
        import nbformat

        files.atomic_write_text(stage / "notebooks" / f"{job.stem}.ipynb", nbformat.writes(ex.nb))
        if page is not None:
            files.atomic_write_text(stage / "html" / f"{job.stem}.html", page)

    def _promote(self, job: Job, key: dict, inputs: dict, seconds: float) -> list[str]:
        finished = _now()
        state = runcache.load_state(job.run_dir, job.stem)
        state["good"] = {"key": key, "inputs": inputs, "finished": finished, "seconds": seconds}
        state["last"] = {"status": "ok", "finished": finished, "seconds": seconds, "error": ""}
        return _staging.promote(job.run_dir, job.stem, state)

    def _stage_history(self, job: Job, result: Result, stage: Path) -> int | None:
        """Stage the folder's history plus the notebook's headline rows, to be promoted with
        its outputs; the number of rows (None: no headline table).  A damaged history is
        reported on the console and in the log, and left as it was."""
        if not (stage / "tables" / f"headline_{job.stem}.csv").is_file():
            return None
        from forecast.data.history import stage_run

        data_hash = runcache.sha256_text("\n".join(f"{p} {d}" for p, d in result.inputs.items()))
        try:
            rows, note = stage_run(job.run_dir, stage, run_time=self.info["run_started"],
                                   parameters={job.stem: result.parameters},
                                   data_hash=data_hash, version=__version__,
                                   notebooks=[job.stem])
        except Exception as err:  # the history must not turn a good run into a failed one
            text = f"forecast history not updated for {job.name}: {type(err).__name__}: {err}"
            self.say(text)
            self.log(text)
            for left in (stage / "history").glob("*"):
                left.unlink()
            return None
        if note:
            self.say(f"forecast history repaired: {note}")
            self.log(f"forecast history repaired: {note}")
        return rows

    def broken(self, job: Job) -> Result:
        """A notebook file that cannot be read or parsed: failed, alone."""
        error = NotebookExecutionError(job.path.name, None, "InvalidNotebook", job.problem)
        state = runcache.load_state(job.run_dir, job.stem)
        state["last"] = {"status": "failed", "finished": _now(), "seconds": 0.0,
                         "error": error.message}
        runcache.save_state(job.run_dir, job.stem, state)
        self.log(f"FAILED {job.name}: {error.message}")
        return Result(job.stem, job.scenario, "failed", error=error, reason="cannot be read",
                      lang=job.lang)

    def kill_kernels(self) -> None:
        import signal

        for km in self.kernels:
            pid = getattr(getattr(getattr(km, "provisioner", None), "process", None), "pid", None)
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


# -- run.log appends: earlier runs stay above, each run under a dated line (issue 23) ---------

#: lines of earlier runs that ``run.log`` keeps above a new run
LOG_KEEP = 5000


def _earlier_log(path: Path | None, started: _dt.datetime) -> str:
    """The last :data:`LOG_KEEP` lines ``path`` holds from earlier runs, then this run's
    dated separator ("" when the run keeps no log)."""
    if path is None:
        return ""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_KEEP:]
    except OSError:
        lines = []
    return "\n".join([*lines, f"==== run started {started:%Y-%m-%d %H:%M:%S} UTC ===="]) + "\n"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


# -- one notebook, for sweeps and scripts -------------------------------------------------------

def run_notebook(notebook, parameters=None, output_dir=None, *, html: bool = False,
                 use_cache: bool = True, timeout: float | None = None,
                 show_code: bool = False) -> NotebookRun:
    """Execute one notebook with ``parameters`` into ``output_dir``, transactionally and cached.

    Parameters
    ----------
    notebook : path of an ``.ipynb`` inside a project (the project is found from it).
    parameters : ``{name: value}``, checked against the notebook's ``parameters``
        cell (names and types) before anything runs; ``data_dir`` and ``output_dir``
        are set by the runner.
    output_dir : the folder the notebook's figures, tables and executed copy go to
        (``html/`` too with ``html=True``); created when missing.
    use_cache : skip the run when the same notebook, parameters, data, library and
        packages already produced the files now in ``output_dir``.
    timeout : seconds for the whole notebook (None: no limit).

    Returns
    -------
    NotebookRun.  A failing notebook is ``status="failed"`` with a
    :class:`NotebookExecutionError` in ``error``, and leaves ``output_dir`` as it
    was apart from ``failed/``.  Bad parameters raise ParameterError /
    UnknownNameError; a missing kernel UsageError.  Runs on the same notebook and
    folder wait for each other; different folders run independently.
    """
    if output_dir is None:
        raise UsageError("run_notebook needs an output_dir")
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT:
        raise UsageError(f"timeout must be seconds > 0 and at most {MAX_TIMEOUT:g}, "
                         f"got {timeout!r}")
    path = Path(notebook).resolve()
    root = paths.project_root(path.parent)
    job = runplan.single_job(root, path, dict(parameters or {}), Path(output_dir).resolve())
    with RunLock(_staging.lock_path(job.run_dir, job.stem), wait=True):
        state = _Run(root, force=not use_cache, timeout=timeout, show_code=show_code, html=html,
                     history=False)
        key, reason = state.check(job)
        if reason is None:
            outputs = runcache.load_state(job.run_dir, job.stem)["good"]["outputs"]
            return NotebookRun(path, "cached", job.run_dir, 0.0, None, "unchanged",
                               tuple(outputs))
        from forecast.pipeline import kernels as _kernels

        _kernels.check_kernel(KERNEL)
        runcache.compile_library()
        try:
            result = state.execute(job, key)
        except BaseException:
            state.cancel.set()
            state.kill_kernels()
            _staging.discard(job.run_dir, job.stem)
            raise
    outputs = ()
    if result.status == "ok":
        outputs = tuple(runcache.load_state(job.run_dir, job.stem)["good"]["outputs"])
    return NotebookRun(path, result.status, job.run_dir, result.seconds, result.error, reason,
                       outputs)


# -- the run ---------------------------------------------------------------------------

def run(project=None, *, only=(), params=(), params_file=None, force=False, jobs=None,
        timeout=None, scenario=None, all_scenarios=False, show_code=False, wait=True,
        progress=None, langs=("en",)) -> RunReport:
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
        (False: refuse).  progress : a :class:`forecast.pipeline.progress.Progress` or None.
    langs : languages of the pages (``("en",)``, ``("zh",)`` or ``("en", "zh")``); each
        language other than English is written under ``outputs/<lang>/``.

    Returns
    -------
    RunReport; ``exit_code`` 1 when a notebook failed.  User errors raise
    UsageError / UnknownNameError / ParameterError before anything runs.
    """
    from forecast.pipeline import schedule
    from forecast.pipeline.progress import Progress
    from forecast.pipeline.site import pages as report

    t0 = time.monotonic()
    root = paths.project_root(project)
    job_list = plan(root, only=only, params=params, params_file=params_file, scenario=scenario,
                    all_scenarios=all_scenarios, langs=langs)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT:
        raise UsageError(f"--timeout: expected seconds > 0 and at most {MAX_TIMEOUT:g} "
                         f"(30 days), got {timeout:g}")
    progress = progress or Progress(stream=None)
    with _sigterm_as_interrupt(), RunLock(root / "outputs" / ".lock", wait=wait,
                                          say=progress.say):
        state = _Run(root, force=force, timeout=timeout, show_code=show_code,
                     log_path=root / "outputs" / "run.log", say=progress.say,
                     langs=tuple(dict.fromkeys(job.lang for job in job_list)))
        state.log(f"compute-forecast {__version__} run in {root} (jobs={jobs}, force={force})")
        for run_dir in sorted({job.run_dir for job in job_list}):
            for note in _staging.recover_all(run_dir):
                state.log(note)
        for warning in runplan.skipped_scenario_files(root):
            state.log(warning)
            progress.say(warning)
        results, todo = schedule.check_all(state, job_list, progress)
        if todo:
            from forecast.pipeline import kernels as _kernels

            _kernels.check_kernel(KERNEL)
            results += schedule.execute_all(state, todo, jobs, progress)
        index = report.write_indexes(root, results, state.info, langs=state.langs,
                                     shown=state.languages_shown())
        report = RunReport(results, index, state.log_path, time.monotonic() - t0)
        counts = {s: sum(r.status == s for r in results) for s in ("ok", "cached", "failed")}
        state.log(f"done in {report.seconds:.1f} s: {counts['ok']} ok, {counts['cached']} cached, "
                  f"{counts['failed']} failed")
    progress.summary(report)
    if any(r.status == "interrupted" for r in results):
        raise Terminated if state.terminated else KeyboardInterrupt
    return report


class _sigterm_as_interrupt:
    """While a run lasts, SIGTERM raises :class:`Terminated` (a KeyboardInterrupt) in the main
    thread, so ``kill PID`` stops kernels and leaves outputs as Ctrl-C does."""

    def __enter__(self):
        import signal

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _terminate)
        return self

    def __exit__(self, *exc):
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
