"""Kernels forked from one process that has already imported what every notebook imports.

A fresh kernel spends about 1.4 s of CPU before a notebook's first line does any work:
starting Python, importing ipykernel, then NumPy, pandas, Matplotlib, SciPy and statsmodels
on first use.  On a 2-core machine running eight notebooks that is most of what separates
the runner from half the notebooks' own time (docs/benchmarks-runner.md).  The fork server
pays it once: :class:`ForkServer` starts ``python -m forecast.pipeline.forkserver`` (the
kernelspec's interpreter and flags), which imports those libraries, then forks one child
per kernel.  Each child resets its signals, joins a new session (as jupyter_client starts a
kernel), changes to the notebook's folder, takes the kernel's environment and log file, and
becomes an ordinary ``ipykernel`` on the connection file the runner wrote.  Nothing of a
notebook has run in the server, so each kernel is as fresh as a spawned one; only the
imports are shared, as copy-on-write memory.

:class:`ForkKernelManager` is a jupyter_client ``AsyncKernelManager`` that launches through
the server (the method jupyter_client documents for this); the kernel's process is watched
through :class:`ForkedProcess` (poll, wait, signals by pid).  Anything unexpected (no
server, a kernelspec that is not ``python -m ipykernel_launcher -f {connection_file}``)
makes :class:`forecast.pipeline.kernels.KernelPool` start kernels the usual way.  The server
dies with the runner (``PR_SET_PDEATHSIG``) and its kernels with it (ipykernel's parent
poller).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

#: modules the server imports once, for every kernel it forks (the notebooks' common ones)
#: (not pyplot nor the inline backend: imported before the kernel's shell exists, the inline
#: backend would not hook itself into it, and figures would be shown differently)
PRELOAD = ("numpy", "pandas", "matplotlib", "matplotlib.font_manager", "scipy.stats",
           "statsmodels.api", "ipykernel.kernelapp", "ipykernel.debugger", "jedi",
           "forecast.present.reader", "forecast.analysis.evidence")


#: seconds the server may take to import :data:`PRELOAD` before kernels are spawned instead
START_SECONDS = 60.0


class ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client's provisioner uses, for a kernel
    that is a child of the fork server (its exit status is not ours to read)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
                with open(f"/proc/{self.pid}/stat", "rb") as stat:
                    if stat.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                        self.returncode = -1  # exited, not yet reaped by the server
            except (ProcessLookupError, FileNotFoundError):
                self.returncode = -1
            except (PermissionError, OSError, IndexError):
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """As ``Popen.send_signal``: nothing for a process that has exited."""
        if self.poll() is not None:
            return
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            self.returncode = -1

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """One fork server for a run, started from ``argv`` (the kernelspec's interpreter)."""

    def __init__(self, python: list[str]):
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [*python, "-m", "forecast.pipeline.forkserver", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        import select

        # its imports take about a second; one that hangs must not hold the run
        ready = select.select([self.process.stdout], [], [], START_SECONDS)[0]
        if not ready or self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            self.close()
            raise OSError("the kernel fork server did not start")

    def launch(self, args: list[str], *, cwd: str, env: dict, log: str) -> ForkedProcess:
        """Fork a kernel running ``ipykernel_launcher`` with ``args``; its output goes to
        ``log`` (appended)."""
        request = json.dumps({"args": args, "cwd": str(cwd), "env": dict(env), "log": str(log)})
        with self._lock:
            if self.process.poll() is not None:
                raise OSError("the kernel fork server is gone")
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer.strip().isdigit():
            raise OSError(f"the kernel fork server could not fork: {answer.strip()[:200]}")
        return ForkedProcess(int(answer))

    def close(self) -> None:
        """Stop the server (its kernels have been killed or handed on already)."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def python_of(argv: list[str]) -> list[str] | None:
    """The interpreter and flags of a kernelspec ``argv`` of the form ``PYTHON [FLAGS] -m
    ipykernel_launcher -f {connection_file} ...``; None for any other kernel."""
    if "-m" not in argv:
        return None
    at = argv.index("-m")
    if argv[at + 1:at + 2] != ["ipykernel_launcher"] or "{connection_file}" not in argv:
        return None
    return list(argv[:at])


def launcher_args(cmd: list[str]) -> list[str] | None:
    """What follows ``-m ipykernel_launcher`` in a kernel command (None if it is not one)."""
    if "-m" not in cmd or cmd[cmd.index("-m") + 1:cmd.index("-m") + 2] != ["ipykernel_launcher"]:
        return None
    return cmd[cmd.index("-m") + 2:]


def kernel_manager(server: ForkServer, kernel_name: str, log: str):
    """An ``AsyncKernelManager`` for ``kernel_name`` whose kernel the fork server starts,
    logging to ``log``."""
    from jupyter_client.manager import AsyncKernelManager

    class ForkKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            args = launcher_args(kernel_cmd)
            if args is None:  # not an ipykernel command: the usual launch
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            process = server.launch(args, cwd=kw.get("cwd") or os.getcwd(),
                                    env=kw.get("env") or dict(os.environ), log=log)
            # the child leads its own session before the server answers: its group is its pid
            provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, process.pid
            provisioner.cwd = kw.get("cwd")
            self._reconcile_connection_info(provisioner.connection_info)

    return ForkKernelManager(kernel_name=kernel_name)


# -- the server side ----------------------------------------------------------------------------

def _reap(signum, frame) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _become_kernel(request: dict, ready: int) -> None:
    """In the forked child: a fresh session (said on ``ready``), folder, environment and log,
    then ipykernel."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()
        _die_with_parent(signal.SIGKILL)  # the server goes only after the run's kernels
        os.write(ready, b"1")
        os.close(ready)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        if "numpy" in sys.modules:  # as in a spawned kernel: a global random state of its own
            sys.modules["numpy"].random.seed()  # (Python's own random reseeds itself on fork)
        sys.argv = ["ipykernel_launcher", *request["args"]]
        sys.path[0] = ""  # as python -m ipykernel_launcher started in cwd
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance()
    except BaseException:  # noqa: BLE001 - whatever happens, the child never returns
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _die_with_parent(signum: int) -> None:
    """Linux: receive ``signum`` when the parent process dies (``PR_SET_PDEATHSIG``)."""
    from forecast.pipeline.sweep.workers import PR_SET_PDEATHSIG

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
        except (OSError, AttributeError):
            pass


def main(parent: int) -> None:
    """Import :data:`PRELOAD`, say ``ready``, then fork a kernel per request line."""
    _die_with_parent(signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
    import importlib

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a kernel imports it again itself, and says why if it fails
            pass
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            read_end, write_end = os.pipe()
            pid = os.fork()
        except (ValueError, OSError) as err:
            print(f"error {type(err).__name__}: {err}", flush=True)
            continue
        if pid == 0:
            os.close(read_end)
            _become_kernel(request, write_end)
        os.close(write_end)
        os.read(read_end, 1)  # the child leads its session (or died): its pid names a group
        os.close(read_end)
        print(pid, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
