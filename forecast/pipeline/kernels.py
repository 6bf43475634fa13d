"""Kernels started ahead of need, so a notebook does not wait for one.

A kernel takes 0.5-0.8 s to start (a Python process importing IPython and
connecting its sockets), much of it waiting rather than computing.  While the
runner's notebooks run, :class:`KernelPool` starts the kernels the next ones will
use, in a thread of its own; :func:`forecast.pipeline.engine.execute` is handed one
instead of starting its own.  Every notebook still gets a fresh kernel in which
nothing has run: a pooled kernel is started exactly as nbclient starts one (same
kernelspec, working directory, environment and in-memory IPython history) and only
the wait is saved.  Kernels not handed out are killed by :meth:`KernelPool.close`.

The pool forks its kernels from a server that has already imported ipykernel and the
scientific stack (:mod:`forecast.pipeline.forkserver`), so each kernel skips about 1.4 s of
start-up and imports; the kernels are otherwise the same (a new session, the notebook
folder, the environment nbclient would give, nothing run in them).  When the server cannot
be started, or with ``COMPUTE_FORECAST_FORK=0``, kernels are spawned as nbclient spawns them;
so are they for a run of fewer than :data:`forecast.pipeline.schedule.FORK_FROM` notebooks,
where the server's own second of imports would not pay off.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# what nbclient passes to a kernel it starts (NotebookClient.ipython_hist_file): the
# IPython history stays in memory, so kernels never share a history database
_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


class KernelPool:
    """Kernels of ``kernel_name`` started in ``cwd``, ``workers`` at a time, each logging
    to its own file in ``log_dir`` until :meth:`take` renames it for the notebook it serves."""

    def __init__(self, kernel_name: str, cwd: str | os.PathLike, log_dir: str | os.PathLike,
                 workers: int = 1, fork: bool = True):
        self.kernel_name, self.cwd, self.log_dir = kernel_name, str(cwd), Path(log_dir)
        self._starting: deque = deque()
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False
        self._fork = fork and os.environ.get("COMPUTE_FORECAST_FORK", "1") != "0"
        self._server = None  # the fork server (forecast.pipeline.forkserver)
        self._server_ready = threading.Event()
        self._closing = threading.Event()
        if self._fork:  # it imports for about a second; the first kernels wait for it (spawning
            # them meanwhile was measured slower: more CPU on a machine that has none to spare)
            threading.Thread(target=self._start_server, name="kernel-fork-server",
                             daemon=True).start()
        else:
            self._server_ready.set()
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers),
                                            thread_name_prefix="kernel-start")

    def prepare(self) -> None:
        """Start one more kernel in the background (nothing after :meth:`close`)."""
        with self._lock:
            if self._closed:
                return
            self._count += 1
            log = self.log_dir / f".kernel-{os.getpid()}-{self._count}.log"
            self._starting.append(self._executor.submit(self._start, log))

    def take(self, log_path: str | os.PathLike):
        """A started kernel manager, its log renamed to ``log_path``; None when none was
        prepared or the start failed (the caller then starts one the usual way)."""
        with self._lock:
            future = self._starting.popleft() if self._starting else None
        if future is None:
            return None
        try:
            km, log = future.result()
        except Exception:  # a kernel that did not start is started again by nbclient
            return None
        try:
            os.replace(log, log_path)
        except OSError:
            pass  # the log keeps its first name; the kernel is fine
        return km

    def close(self) -> None:
        """Kill every kernel started and not taken, and stop starting new ones."""
        with self._lock:
            self._closed = True
            left, self._starting = list(self._starting), deque()
        for future in left:
            future.cancel()
        self._executor.shutdown(wait=True)
        for future in left:
            if future.cancelled() or future.exception() is not None:
                continue
            km, log = future.result()
            kill(km)
            Path(log).unlink(missing_ok=True)
        self._server_ready.wait(timeout=30)
        self._closing.set()
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.close()

    def _start_server(self) -> None:
        from jupyter_client.kernelspec import KernelSpecManager

        from forecast.pipeline import forkserver

        try:
            python = forkserver.python_of(
                KernelSpecManager().get_kernel_spec(self.kernel_name).argv)
            server = forkserver.ForkServer(python) if python else None
        except Exception:  # kernels are spawned as nbclient spawns them
            server = None
        with self._lock:
            if self._closed and server is not None:
                server.close()
                server = None
            self._server = server
        self._server_ready.set()
        # Linux sends the server its parent-death signal when the *thread* that started it
        # ends: this thread lives until the pool closes
        self._closing.wait()

    def _server_for(self):
        """The fork server (waiting for it to start); None when kernels are spawned instead
        (it failed to start, the kernelspec is not ipykernel's, or COMPUTE_FORECAST_FORK=0)."""
        if not self._fork or not self._server_ready.wait(timeout=60):
            return None
        return self._server

    def _start(self, log: Path):
        from jupyter_client.manager import AsyncKernelManager

        self.log_dir.mkdir(parents=True, exist_ok=True)
        server = self._server_for()
        if server is not None:
            from forecast.pipeline import forkserver

            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            os.close(fd)  # the kernel appends to it (a planted link is refused by O_NOFOLLOW)
            km = forkserver.kernel_manager(server, self.kernel_name, str(log))
            try:
                asyncio.run(km.start_kernel(cwd=self.cwd, extra_arguments=list(_ARGUMENTS)))
                return km, log
            except Exception:  # the server died: this and later kernels are spawned
                self._fork = False
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        # O_NOFOLLOW: a link planted under a predictable name must not be truncated
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w") as handle:  # the kernel process keeps its own copy of the fd
            asyncio.run(km.start_kernel(cwd=self.cwd, stdout=handle, stderr=handle,
                                        extra_arguments=list(_ARGUMENTS)))
        return km, log


def check_kernel(name: str) -> None:
    """Raise UsageError when the Jupyter kernel ``name`` is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager

    from forecast.errors import UsageError

    installed = KernelSpecManager().find_kernel_specs()
    if name not in installed:
        raise UsageError(f"the Jupyter kernel {name!r} is not installed (found: "
                         f"{', '.join(sorted(installed)) or 'none'}); run `make setup`, which "
                         f"registers it for .venv")


def kill(km) -> None:
    """Kill a kernel at once and remove its connection file; never raises."""
    try:
        asyncio.run(km.shutdown_kernel(now=True))
    except Exception:
        pid = getattr(getattr(getattr(km, "provisioner", None), "process", None), "pid", None)
        if pid:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
