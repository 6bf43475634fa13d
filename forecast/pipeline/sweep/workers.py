"""The local executor's worker processes: started clean, tied to their parent, watched.

A sweep's local points run in ``jobs`` worker processes started with
``python -c "...serve()"`` (:func:`start`), not with :mod:`multiprocessing`:

* **No ``__main__`` re-import.**  ``multiprocessing``'s ``spawn`` re-imports the caller's
  ``__main__`` in every worker, so a script calling ``sweep.run`` without an
  ``if __name__ == "__main__":`` guard started the sweep again in each worker, which then
  waited forever for the parent's sweep lock.  These workers import only the point function's
  module (by name, as :mod:`pickle` does), so any script works.
* **They die with their parent.**  Each worker asks Linux to send it SIGTERM when its parent
  dies (``prctl(PR_SET_PDEATHSIG)``, through :mod:`ctypes`) and also polls its parent id every
  second (other systems, and a parent gone before the ``prctl``).  SIGTERM in a worker is
  handled like Ctrl-C (the point's kernel is shut down and its staging removed), with an
  ``os._exit`` after :data:`CLEANUP_SECONDS` if that cleanup hangs.  The notebook kernels
  notice a dead worker themselves (ipykernel polls ``JPY_PARENT_PID``).  No
  ``multiprocessing`` resource tracker is started.
* **A dead worker is noticed.**  Each worker has a reader thread; end of file on its pipe
  means the worker died, and the point it was running fails with one line naming the signal
  or exit code (the next points go to a fresh worker).

The protocol is length-prefixed pickles: the parent sends ``{"sys_path": [...]}`` once, then
``(function, task)`` pairs on the worker's stdin; the worker answers each with the outcome on
its original stdout (its file descriptor 1 is pointed at stderr, so stray prints cannot
corrupt the channel).
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time

#: seconds a worker may take to clean up after SIGTERM before it exits regardless
CLEANUP_SECONDS = 15.0
#: seconds the parent waits for workers to exit after closing their pipes / SIGTERM
SHUTDOWN_SECONDS = 20.0
PR_SET_PDEATHSIG = 1
_HEADER = struct.Struct("!Q")
EOF = object()


def _read_exact(stream, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream):
    """The next message, or :data:`EOF` when the other side closed the pipe (or died)."""
    head = _read_exact(stream, _HEADER.size)
    if head is None:
        return EOF
    data = _read_exact(stream, _HEADER.unpack(head)[0])
    return EOF if data is None else pickle.loads(data)


# -- the worker side ----------------------------------------------------------------------------

def die_with_parent(parent: int) -> None:
    """Have this process receive SIGTERM when ``parent`` dies (Linux ``PR_SET_PDEATHSIG``), and
    poll for it every second everywhere; exit at once when the parent is already gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the poll below still works
            pass
    if os.getppid() != parent:  # died before the prctl took effect
        os._exit(143)

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="sweep-parent-watch", daemon=True).start()


def _on_sigterm(signum, frame):
    """SIGTERM like Ctrl-C (the running point cleans up), bounded by :data:`CLEANUP_SECONDS`."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    timer = threading.Timer(CLEANUP_SECONDS, os._exit, args=(143,))
    timer.daemon = True
    timer.start()
    raise KeyboardInterrupt


def serve() -> None:
    """A worker's main loop (``python -c "...; serve()" PARENT_PID``): run each
    ``(function, task)`` received and answer with its outcome, until the pipe closes."""
    from forecast.pipeline.sweep.executors import PointOutcome, warm_up

    parent = int(sys.argv[1])
    die_with_parent(parent)
    signal.signal(signal.SIGTERM, _on_sigterm)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # prints of the point code go to stderr, never into the answers
    requests = sys.stdin.buffer
    try:
        hello = receive(requests)
        if hello is EOF:
            return
        sys.path[:0] = [p for p in hello["sys_path"] if p not in sys.path]
        warm_up()
        while True:
            try:
                message = receive(requests)
            except Exception as err:  # noqa: BLE001 - a function this worker cannot import
                send(answers, ("error", f"{type(err).__name__}: {' '.join(str(err).split())}"))
                continue
            if message is EOF:
                return
            fn, task = message
            try:
                outcome = fn(task)
            except Exception as err:  # noqa: BLE001 - the point fails, the worker goes on
                text = " ".join(str(err).split()) or type(err).__name__
                outcome = PointOutcome(task.id, task.index, "failed", 0.0,
                                       f"{type(err).__name__}: {text}")
            send(answers, outcome)
    except KeyboardInterrupt:  # Ctrl-C to the process group, or SIGTERM: the point cleaned up
        os._exit(130)
    except BrokenPipeError:  # the parent is gone
        os._exit(141)


# -- the parent side ----------------------------------------------------------------------------

class Worker:
    """One worker process, its reader thread, and the task it is running (None: idle)."""

    def __init__(self, answers: queue.Queue):
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from forecast.pipeline.sweep.workers import serve; serve()",
             str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.task, self.answers = None, answers
        try:
            send(self.process.stdin, {"sys_path": list(sys.path)})
        except OSError:  # it died at once: its reader reports the end of its pipe
            pass
        self.reader = threading.Thread(target=self._read, args=(answers,), daemon=True,
                                       name=f"sweep-worker-{self.process.pid}")
        self.reader.start()

    def _read(self, answers: queue.Queue) -> None:
        while True:
            try:
                message = receive(self.process.stdout)
            except Exception as err:  # noqa: BLE001 - an answer that cannot be read
                message = ("error", f"{type(err).__name__}: {' '.join(str(err).split())}")
            answers.put((self, message))
            if message is EOF:
                return

    def run(self, fn, task) -> None:
        self.task = task
        try:
            send(self.process.stdin, (fn, task))
        except OSError:  # the worker died: its reader reports the end of its pipe
            pass
        except Exception as err:  # noqa: BLE001 - a function or task that cannot be pickled
            self.answers.put((self, ("error", f"cannot send the point to a worker "
                                     f"({type(err).__name__}: {' '.join(str(err).split())})")))

    def death(self) -> str:
        """How the worker ended, in words (it has closed its pipe)."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "its pipe closed"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


def stop(workers, *, graceful: bool) -> None:
    """End every worker: close its pipe (an idle worker exits), SIGTERM the busy ones unless
    ``graceful``, SIGKILL whatever is left after :data:`SHUTDOWN_SECONDS`."""
    for worker in workers:
        try:
            worker.process.stdin.close()
        except OSError:
            pass
        if not graceful and worker.task is not None and worker.process.poll() is None:
            worker.process.terminate()
    deadline = time.monotonic() + SHUTDOWN_SECONDS
    for worker in workers:
        try:
            worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def run_local(tasks, jobs, fn, progress, labels, record) -> None:
    """Run ``fn(task)`` for every task in ``jobs`` worker processes; ``record(outcome)`` as
    each finishes.  A worker that dies fails its point with one line and is replaced."""
    from forecast.pipeline.sweep.executors import PointOutcome

    answers: queue.Queue = queue.Queue()
    todo, workers, graceful = list(tasks), [], False
    try:
        workers = [Worker(answers) for _ in range(min(jobs, len(todo)))]
        for worker in workers:
            if todo:
                worker.run(fn, todo.pop(0))
                progress.started()
        busy = sum(w.task is not None for w in workers)
        while busy:
            try:
                worker, message = answers.get(timeout=0.5)
            except queue.Empty:
                continue
            task = worker.task
            if message is EOF:  # the worker died (a crash, the OOM killer, a kill -9)
                workers.remove(worker)
                if task is None:
                    continue
                outcome = PointOutcome(task.id, task.index, "failed", 0.0,
                                       f"worker process {worker.process.pid} died "
                                       f"({worker.death()}) while running this point")
                if todo:
                    worker = Worker(answers)
                    workers.append(worker)
            elif isinstance(message, tuple):  # ("error", text): the task could not be unpickled
                outcome = PointOutcome(task.id, task.index, "failed", 0.0,
                                       f"worker error: {message[1]}")
            else:
                outcome = message
            worker.task = None
            busy -= 1
            record(outcome)
            progress.finished(outcome, labels[task.id])
            if todo and worker in workers:
                worker.run(fn, todo.pop(0))
                busy += 1
                progress.started()
        graceful = True
    finally:
        stop(workers, graceful=graceful)
