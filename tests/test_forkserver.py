"""Kernels forked from a server that has imported the scientific stack once (issue 22).

Each forked kernel must be as fresh as a spawned one (nothing of another notebook in it, its
own folder, environment and session), must die when killed or when the server goes, and the
runner must fall back to spawning when the server cannot be used.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from forecast.pipeline import forkserver

pytestmark = pytest.mark.slow


def _client(km):
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient(connection_file=km.connection_file)
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def _run(client, code: str) -> str:
    out = []
    client.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(
        m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    return "".join(out).strip()


@pytest.fixture
def server():
    from jupyter_client.kernelspec import KernelSpecManager

    python = forkserver.python_of(KernelSpecManager().get_kernel_spec("compute-forecast").argv)
    assert python, "the compute-forecast kernelspec is python -m ipykernel_launcher"
    started = forkserver.ForkServer(python)
    yield started
    started.close()


def test_each_forked_kernel_is_fresh_in_its_folder_with_its_environment(server, tmp_path):
    seen, draws = [], []
    for n in range(2):
        km = forkserver.kernel_manager(server, "compute-forecast", str(tmp_path / f"{n}.log"))
        asyncio.run(km.start_kernel(cwd=str(tmp_path), env={**os.environ, "CF_TEST": str(n)}))
        client = _client(km)
        try:
            text = _run(client, "import os, sys; print(os.getcwd(), os.environ['CF_TEST'], "
                                "'x' in globals(), 'pandas' in sys.modules, os.getsid(0) == "
                                "os.getpid()); x = 1")
            draws.append(_run(client, "import numpy; print(numpy.random.random())"))
        finally:
            client.stop_channels()
            asyncio.run(km.shutdown_kernel(now=True))
        seen.append(text)
        assert not asyncio.run(km.is_alive())
    # its folder and environment; no variable of the kernel before; the stack already
    # imported; a session of its own (signals to its group reach nothing else)
    assert seen == [f"{tmp_path} {n} False True True" for n in range(2)]
    assert draws[0] != draws[1]  # unseeded NumPy draws differ between kernels, as when spawned


def test_a_killed_kernel_is_seen_dead_and_the_server_takes_no_other_with_it(server, tmp_path):
    kms = []
    for n in range(2):
        km = forkserver.kernel_manager(server, "compute-forecast", str(tmp_path / f"{n}.log"))
        asyncio.run(km.start_kernel(cwd=str(tmp_path)))
        kms.append(km)
    victim, other = (km.provisioner.process for km in kms)
    os.kill(victim.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert victim.poll() is not None and other.poll() is None
    assert server.process.poll() is None  # the server lives on
    for km in kms:
        asyncio.run(km.shutdown_kernel(now=True))
    assert other.poll() is not None


def test_closing_the_server_ends_the_kernels_it_forked(server, tmp_path):
    km = forkserver.kernel_manager(server, "compute-forecast", str(tmp_path / "k.log"))
    asyncio.run(km.start_kernel(cwd=str(tmp_path)))
    kernel = km.provisioner.process
    server.process.kill()  # as if the runner died and took the server with it
    server.process.wait()
    deadline = time.monotonic() + 10
    while kernel.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kernel.poll() is not None
    asyncio.run(km.shutdown_kernel(now=True))  # closes its sockets (an open one holds exit)


def test_the_pool_spawns_kernels_when_forking_is_off_or_impossible(tmp_path, monkeypatch):
    from forecast.pipeline.kernels import KernelPool

    monkeypatch.setenv("COMPUTE_FORECAST_FORK", "0")
    pool = KernelPool("compute-forecast", tmp_path, tmp_path / "logs")
    pool.prepare()
    km = pool.take(tmp_path / "k.log")
    try:
        assert type(km).__name__ == "AsyncKernelManager" and pool._server is None
    finally:
        asyncio.run(km.shutdown_kernel(now=True))
        pool.close()
    assert forkserver.python_of(["R", "--slave", "-f", "{connection_file}"]) is None
    assert forkserver.python_of(["/py", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                                 "{connection_file}"]) == ["/py", "-Xfrozen_modules=off"]
