"""Execute one notebook with papermill in a fresh kernel, and see which files it touched.

This is a papermill engine (registered as ``"compute-forecast"``) on top of
papermill's nbclient engine, with three additions the runner needs:

* **File audit.** Before the first cell, a silent (not recorded, no output)
  request installs a :func:`sys.addaudithook` hook in the kernel that notes every
  file opened under the watched folders (``data/`` and ``notebooks/``) and every
  file written or renamed into the output folder.  After the last cell a second
  silent request returns the lists through ``user_expressions``.  The notebook
  itself is not modified, so it still runs unchanged with plain ``papermill``.
* **Working directory without ``os.chdir``.** The kernel is started in
  ``notebooks/`` through nbclient's ``resources["metadata"]["path"]``; papermill's
  ``cwd=`` changes the cwd of the whole process, which is not safe with several
  notebooks running in threads (papermill #473).
* **A deadline for the whole notebook**: each cell's timeout is the time left.

Heavy imports (papermill, nbformat) happen when this module is imported, which
the runner does only when a notebook actually has to run.
"""

from __future__ import annotations

import ast
import copy
import json
import logging
import sys
import time
from dataclasses import dataclass, field

# nbformat's validator imports jsonschema, which imports the optional package
# rfc3987_syntax; that package builds a parser grammar at import time (about 2.4 s,
# most of the runner's start-up). jsonschema uses it only for the "iri" string format,
# which the notebook schema does not use, and it skips that check when the import
# fails. A None entry in sys.modules makes the import fail, in this process only.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402  (after the guard above)
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402
from papermill.clientwrap import PapermillNotebookClient  # noqa: E402
from papermill.engines import NBClientEngine, papermill_engines  # noqa: E402
from papermill.execute import prepare_notebook_metadata, remove_error_markers  # noqa: E402
from papermill.iorw import load_notebook_node  # noqa: E402
from papermill.parameterize import parameterize_notebook  # noqa: E402

from forecast.errors import NotebookExecutionError  # noqa: E402
from forecast.paths import RUNNER_ENV  # noqa: E402

ENGINE_NAME = "compute-forecast"

# nbclient logs timeouts and dead kernels itself; the runner reports them, once, its own way
_log = logging.getLogger("forecast.pipeline.runner.kernel")
_log.addHandler(logging.NullHandler())
_log.propagate = False


class _PendingPollFilter(logging.Filter):
    """Drop asyncio's "Task was destroyed but it is pending!" for nbclient's output poller.

    When a cell times out, nbclient abandons the task polling the kernel's output messages
    (``NotebookClient._async_poll_output_msg``); it is garbage-collected at exit and asyncio
    prints two lines of noise after the runner's own one-line TimeoutError.  Nothing is lost:
    the kernel is killed and the notebook already failed.  Other asyncio errors still show.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not ("Task was destroyed but it is pending" in text and "nbclient" in text)


logging.getLogger("asyncio").addFilter(_PendingPollFilter())

# Runs inside the kernel. Kept free of names in the user namespace (deleted at the end);
# the hook must never raise, or the notebook's own open() calls would fail.
_WATCH = r"""
def _cf_watch(read_roots, write_root, env, settings):
    import os, sys
    os.environ[env] = write_root  # forecast.paths.output_dir(None) writes here, in this kernel
    os.environ.update(settings)  # e.g. the language of the pages (forecast.i18n.ENV)
    if settings.get("COMPUTE_FORECAST_LANG", "en") != "en":
        try:  # every chart of a Chinese page falls back to the CJK font, however it is made
            from forecast.present import fonts
            fonts.use_for_charts()
        except Exception:
            pass  # the page then shows why where it draws
    seen = {"read": set(), "written": set()}
    writing_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT
    def inside(path, root):
        return path == root or path.startswith(root + os.sep)
    def hook(event, args):
        try:
            if event == "open":
                path, mode, flags = args
                if path is None or isinstance(path, int):
                    return
                path = os.path.abspath(os.fsdecode(path))
                if isinstance(flags, int) and flags & writing_flags:
                    writes = True
                else:
                    writes = isinstance(mode, str) and any(c in mode for c in "wax+")
                if writes and inside(path, write_root):
                    seen["written"].add(path)
                elif not writes and any(inside(path, r) for r in read_roots):
                    seen["read"].add(path)
            elif event == "os.rename":
                path = os.path.abspath(os.fsdecode(args[1]))
                if inside(path, write_root):
                    seen["written"].add(path)
        except Exception:
            pass
    sys.addaudithook(hook)
    sys._compute_forecast_files = seen
_cf_watch(%r, %r, %r, %r)
del _cf_watch
"""

_REPORT = ("__import__('json').dumps({k: sorted(v) for k, v in "
           "__import__('sys')._compute_forecast_files.items()})")


@dataclass
class Execution:
    """What happened to one notebook: the executed notebook and the files it touched.

    ``error`` is None on success, else a :class:`~forecast.errors.NotebookExecutionError`
    whose ``cell`` is the failing cell as a user finds it (``"In [4]"``; None
    when unknown).  A failed notebook gets a banner cell on top naming the error.
    ``read`` and ``written`` are absolute paths.
    """

    nb: nbformat.NotebookNode
    error: NotebookExecutionError | None = None
    read: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)


class _Client(PapermillNotebookClient):
    """papermill's client plus the silent watch/report requests around the cells."""

    def __init__(self, nb_man, *, watch, on_kernel, kernel_log, **kw):
        super().__init__(nb_man, **kw)
        self._watch, self._on_kernel, self._log, self.files = watch, on_kernel, kernel_log, None

    def _silent(self, code: str, expressions: dict | None = None) -> dict:
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=expressions or {})
        reply = self.wait_for_reply(msg_id)
        return reply["content"] if reply else {}

    def execute(self, **kwargs):
        self.reset_execution_trackers()
        # cleanup_kc: kill the kernel at the end even when it was handed in (km=...)
        with self.setup_kernel(stdout=self._log, stderr=self._log, cleanup_kc=True, **kwargs):
            self._on_kernel(self.km)
            self._silent(self._watch)
            self.papermill_execute_cells()
            info = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            found = self._silent("", {"files": _REPORT}).get("user_expressions", {}).get("files", {})
            if found.get("status") == "ok":
                self.files = json.loads(ast.literal_eval(found["data"]["text/plain"]))
        return self.nb


class _Engine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, *, watch, on_kernel, box, kernel_log,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        for unused in ("input_path", "output_path", "timeout", "startup_timeout"):
            kwargs.pop(unused, None)
        # "immediate": the kernel is killed once the last reply is in, instead of the half
        # second a graceful exit takes; every output has arrived by then, and the notebook's
        # files are written atomically, so nothing is lost
        client = _Client(nb_man, watch=watch, on_kernel=on_kernel, kernel_log=kernel_log,
                         kernel_name=kernel_name, shutdown_kernel="immediate",
                         startup_timeout=start_timeout, timeout=execution_timeout, log=_log,
                         **kwargs)
        box.append(client)
        return client.execute()


papermill_engines.register(ENGINE_NAME, _Engine)


#: seconds a kernel may take to answer its first request, and how often a kernel that never
#: answered is replaced by a fresh one (before any cell ran)
START_TIMEOUT, START_RETRIES = 60, 1


def _never_started(err: Exception, box: list) -> bool:
    """Whether ``err`` says the kernel never answered, before any cell executed."""
    text = str(err)
    ran = box and any(c.get("execution_count") for c in box[0].nb.cells)
    return not ran and ("didn't respond" in text or "died before replying" in text)


def _label(nb, index: int | None) -> str | None:
    """How a user finds a cell: ``In [7]`` when it ran, else its position (1-based)."""
    if index is None:
        return None
    count = nb.cells[index].get("execution_count")
    return f"In [{count}]" if count else f"cell {index + 1}"


def _failure(nb) -> tuple[int | None, dict | None]:
    """Index and error output of the first failing cell, else of the cell left running."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return index, out
    started = [i for i, cell in enumerate(nb.cells)
               if cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    return (started[-1] if started else None), None


def _escape(text: str) -> str:
    """Make text inert inside a Markdown cell (HTML and Markdown syntax)."""
    table = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "&#96;", "*": "&#42;",
             "_": "&#95;", "$": "&#36;", "[": "&#91;", "\\": "&#92;"}
    return "".join(table.get(c, c) for c in text)


def execute(path, *, parameters: dict, kernel_name: str, cwd: str, read_roots: list[str],
            write_root: str, timeout: float | None = None, kernel_log=None,
            on_kernel=lambda km: None, km=None, env: dict | None = None) -> Execution:
    """Run the notebook at ``path`` with papermill; never raises for notebook errors.

    Parameters
    ----------
    path : notebook file; ``parameters`` are injected after its ``parameters`` cell.
    cwd : working directory of the kernel.
    read_roots, write_root : folders whose reads / writes are recorded (absolute).
    timeout : seconds for the whole notebook (None: no limit).
    kernel_log : open file receiving the kernel process's own stdout/stderr
        (None: inherit ours).
    on_kernel : called with the kernel manager once the kernel is up (used to kill
        kernels on Ctrl-C).
    env : environment variables set in the kernel before the first cell (the runner sets
        ``COMPUTE_FORECAST_LANG``, so the notebook's pages are written in that language).
    km : a kernel manager whose fresh kernel (``kernel_name``, started in ``cwd``) is
        used instead of starting one (:class:`forecast.pipeline.kernels.KernelPool`); it is
        killed at the end all the same.
    """
    nb = load_notebook_node(str(path))  # also gives every cell metadata.tags, as papermill needs
    if parameters:  # papermill would warn about, and inject into, a notebook without parameters
        # language: the runner's kernel is Python, whatever the file says (a notebook saved
        # without kernelspec metadata would otherwise fail with "No language found")
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name, language="python",
                                   engine_name=ENGINE_NAME,
                                   comment="Parameters injected by compute-forecast")
    nb = remove_error_markers(prepare_notebook_metadata(nb, str(path), None))
    deadline = None if timeout is None else time.monotonic() + timeout
    watch = _WATCH % (read_roots, write_root, RUNNER_ENV,
                      {str(k): str(v) for k, v in (env or {}).items()})
    original = nb
    for attempt in range(1 + START_RETRIES):
        nb, box, problem = copy.deepcopy(original), [], None
        try:
            papermill_engines.execute_notebook_with_engine(
                ENGINE_NAME, nb, kernel_name, input_path=str(path), progress_bar=False,
                start_timeout=START_TIMEOUT, watch=watch, on_kernel=on_kernel,
                km=km if attempt == 0 else None, box=box, kernel_log=kernel_log,
                resources={"metadata": {"path": cwd}},
                timeout_func=None if deadline is None else
                (lambda cell: max(1, int(deadline - time.monotonic() + 0.999))))
        except CellTimeoutError:
            problem = ("TimeoutError", f"the notebook exceeded its time limit of {timeout:g} s")
        except DeadKernelError:
            problem = ("DeadKernelError", "the kernel died (crash, os._exit or out of memory)")
        except Exception as err:  # the kernel did not start, bad kernelspec...
            lines = str(err).strip().splitlines()
            problem = (type(err).__name__, lines[-1] if lines else "")
            # a kernel that never answered (seen once in a loaded test run): no cell has run,
            # so a fresh kernel may run the notebook from the start
            if attempt < START_RETRIES and _never_started(err, box):
                continue
        break
    nb = box[0].nb if box else nb
    error = _error(path, nb, problem)
    if error is not None:
        mark_failed(nb, error)
    files = (box[0].files if box else None) or {}
    return Execution(nb=nb, error=error, read=files.get("read", []),
                     written=files.get("written", []))


def _error(path, nb, problem: tuple[str, str] | None) -> NotebookExecutionError | None:
    """The typed error of a finished execution (None when every cell succeeded)."""
    index, out = _failure(nb)
    name = getattr(path, "name", str(path))
    if problem is not None:
        return NotebookExecutionError(name, _label(nb, index), *problem)
    if out is not None:
        return NotebookExecutionError(name, _label(nb, index), out.get("ename", ""),
                                      out.get("evalue", ""),
                                      traceback="\n".join(out.get("traceback", [])))
    return None


def mark_failed(nb, error: NotebookExecutionError) -> None:
    """Put a banner cell naming ``error`` on top of the executed notebook."""
    where = f" at {error.cell}" if error.cell else ""
    cell = nbformat.v4.new_markdown_cell(
        f"<div class=\"cf-error\"><strong>This notebook failed{where}:</strong> "
        f"<code>{_escape(error.ename)}: {_escape(error.evalue)}</code></div>")
    cell.metadata["tags"] = ["compute-forecast-error"]
    nb.cells.insert(0, cell)
