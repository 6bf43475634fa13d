"""Scheduling a run's notebooks: which are cached, which run, in what order, on how many kernels.

:func:`check_all` settles the cached and unreadable notebooks and orders the rest longest
first (each notebook's last run time, or its own estimate before any run), which packs the
cores best; :func:`execute_all` runs them ``jobs`` kernels at a time, a notebook holding a slot
only while its kernel runs (its page, provenance, promotion and history are finished by
another thread while the next kernel starts). The per-notebook steps are
:class:`forecast.pipeline.runner._Run`'s.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from forecast.errors import NotebookExecutionError, UsageError
from forecast.pipeline import params as nbp
from forecast.pipeline import runcache
from forecast.pipeline import staging as _staging
from forecast.pipeline.runner import KERNEL, Result, RunLock, Terminated, _now, _Run
from forecast.pipeline.runplan import Job


def check_all(state: _Run, job_list: list[Job], progress) -> tuple[list[Result], list]:
    """Cached and unreadable notebooks are settled here; the rest is returned to run,
    longest first (last run's time), which packs the workers best."""
    results, todo = [], []
    for job in job_list:
        if job.problem:
            results.append(state.broken(job))
            progress.finished(job.name, "failed", 0.0, results[-1].message)
            continue
        key, reason = state.check(job)
        if reason is not None:
            todo.append((job, key, reason))
            state.log(f"run {job.name}: {reason}")
            continue
        results.append(Result(job.stem, job.scenario, "cached", reason="unchanged",
                              lang=job.lang))
        progress.finished(job.name, "cached", 0.0)
        _staging.clear_failed(job.run_dir, job.stem)
        last = runcache.load_state(job.run_dir, job.stem)
        if last.get("last", {}).get("status") != "ok":
            last["last"] = {**last.get("last", {}), "status": "ok", "error": ""}
            runcache.save_state(job.run_dir, job.stem, last)
    todo.sort(key=lambda t: -expected_seconds(t[0]))
    return results, todo


def expected_seconds(job: Job) -> float:
    """How long ``job`` should take, to start the longest first: its last run's seconds;
    before any run, the notebook's own estimate (``metadata.compute_forecast.
    expected_seconds``, a positive number); else 0."""
    seconds = runcache.load_state(job.run_dir, job.stem).get("last", {}).get("seconds")
    if isinstance(seconds, (int, float)) and seconds > 0:
        return float(seconds)
    try:
        hint = nbp.read_notebook(job.path)["metadata"]["compute_forecast"]["expected_seconds"]
    except (UsageError, KeyError, TypeError):
        return 0.0
    ok = isinstance(hint, (int, float)) and not isinstance(hint, bool) and 0 < hint < 86400
    return float(hint) if ok else 0.0


#: runs with at least this many notebooks to execute fork their kernels from a server that has
#: imported the scientific stack once (forecast.pipeline.forkserver); fewer spawn them
FORK_FROM = 4


def execute_all(state: _Run, todo, jobs: int, progress) -> list[Result]:
    """Run ``todo`` in its order, ``jobs`` kernels at a time.

    A notebook holds one of the ``jobs`` slots only while its kernel runs: its page,
    provenance, promotion and history are done by a finishing thread while the next
    kernel starts, so no core waits on the runner's bookkeeping between notebooks.
    """
    from forecast.pipeline.kernels import KernelPool, kill

    waiting, lock, done = list(todo), threading.Lock(), []
    finishing = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="finish")
    # the next notebooks' kernels start while the current ones run (see forecast.pipeline.kernels)
    notebooks = state.root / "notebooks"
    # the fork server's imports (about a second of CPU) pay off over several kernels only
    pool = KernelPool(KERNEL, notebooks, state.root / "outputs" / ".cache", workers=jobs,
                      fork=len(todo) >= FORK_FROM)
    ahead = [0]

    def prepare():  # one kernel per notebook still to run, at most
        with lock:
            if ahead[0] < len(todo) and not state.cancel.is_set():
                ahead[0] += 1
                pool.prepare()

    def take():
        with lock:
            return waiting.pop(0) if waiting and not state.cancel.is_set() else None

    def settle(job, result: Result) -> Result:
        result.lang = job.lang
        progress.finished(job.name, result.status, result.seconds, result.message)
        return result

    def finish(job, key, reason, ran, job_lock) -> Result:
        try:
            result = state.finish(job, key, ran)
            result.reason = reason
        except Exception as err:  # a runner bug must not hide the other notebooks' results
            result = _runner_error(state, job, err)
        finally:
            job_lock.__exit__(None, None, None)
        return settle(job, result)

    def kernels():
        while (item := take()) is not None:
            job, key, reason = item
            progress.started(job.name)
            state.log(f"start {job.name}")
            job_lock = RunLock(_staging.lock_path(job.run_dir, job.stem), wait=True).__enter__()
            km = pool.take(state.kernel_log(job)) if job.path.parent == notebooks else None
            prepare()
            try:
                ran = state.run_kernel(job, km)
            except BaseException as err:  # also asyncio.CancelledError from a killed kernel
                job_lock.__exit__(None, None, None)
                if km is not None:
                    kill(km)  # nbclient may not have taken it over
                if state.cancel.is_set():
                    _staging.discard(job.run_dir, job.stem)
                    result = Result(job.stem, job.scenario, "interrupted")
                else:
                    result = _runner_error(state, job, err)
                with lock:
                    done.append(settle(job, result))
                continue
            future = finishing.submit(finish, job, key, reason, ran, job_lock)
            with lock:
                done.append(future)

    n = max(1, min(jobs, len(todo)))
    for _ in range(n):
        prepare()
    runcache.compile_library()  # each kernel then imports the library's bytecode
    if state.html:
        from forecast.pipeline.site import pages as report

        finishing.submit(report.warm_up, state.show_code)
    from forecast.pipeline import engine as _engine  # noqa: F401  (papermill's import, while the kernels start)

    # futures, not Thread.join: a Ctrl-C that lands inside Thread.join can leave a running
    # thread marked as finished (CPython 3.11), and its notebook would go missing
    workers = ThreadPoolExecutor(max_workers=n, thread_name_prefix="notebook")
    loops = [workers.submit(kernels) for _ in range(n)]
    try:
        _wait_all(loops)
        _wait_all([f for f in done if not isinstance(f, Result)])
    except KeyboardInterrupt as stop:
        state.cancel.set()
        state.terminated = isinstance(stop, Terminated)
        state.kill_kernels()
        wait(loops)
        state.log(f"interrupted ({'SIGTERM' if state.terminated else 'Ctrl-C'}): outputs of "
                  f"unfinished notebooks were left as they were")
    workers.shutdown(wait=True)
    pool.close()
    finishing.shutdown(wait=True)
    for loop in loops:
        loop.result()  # a bug in the loop itself is not swallowed
    results = [f if isinstance(f, Result) else f.result() for f in done]
    return results + [Result(job.stem, job.scenario, "interrupted") for job, *_ in waiting]


def _wait_all(futures) -> None:
    """Wait for every future, waking twice a second so Ctrl-C is handled promptly."""
    pending = list(futures)
    while pending:
        pending = list(wait(pending, timeout=0.5).not_done)


def _runner_error(state: _Run, job: Job, err: Exception) -> Result:
    """A failure of the runner itself (not of the notebook), logged with its traceback."""
    import traceback

    state.log(f"FAILED {job.name}: runner error {type(err).__name__}: {err}\n"
              f"{traceback.format_exc()}")
    error = NotebookExecutionError(job.path.name, None, "RunnerError",
                                   f"{type(err).__name__}: {err}")
    try:
        _staging.discard(job.run_dir, job.stem)
        record = runcache.load_state(job.run_dir, job.stem)  # the index must not say ok
        record["last"] = {"status": "failed", "finished": _now(), "seconds": 0.0,
                          "error": error.message}
        runcache.save_state(job.run_dir, job.stem, record)
    except OSError as again:  # the disk that failed the promotion may still be full
        state.log(f"{job.name}: could not record the failure: {again}")
    return Result(job.stem, job.scenario, "failed", error=error)
