"""Shared fixtures and the test tiers (docs/testing.md).

Every test runs in a writable copy of the *shipped* project (``_project.SHIPPED``: data/,
notebooks/ and pyproject.toml as git's index has them), which is also the working
directory, so a user's saved scenarios or edited data never change what the tests see.

Tiers: tests marked ``slow`` (kernels, notebooks, servers, a browser) are the end-to-end
tier; the rest is the unit tier (``make test-fast``).  A test using ``run_notebook``,
``executed_project`` or ``browser`` is marked ``slow`` here whether or not it says so, and
``browser`` tests also ``browser``.  Under pytest-xdist the workers of one run share the
executed project: the first that needs it runs it, the others wait for it (a file lock).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _project import EXECUTED_PARAMS, FIXTURES, ROOT, SHIPPED, SHIPPED_FROM, copy_project  # noqa: F401



def pytest_report_header(config):
    return f"shipped project: {SHIPPED} ({SHIPPED_FROM})"


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & {"run_notebook", "executed_project", "browser"} and "slow" not in item.keywords:
            item.add_marker(pytest.mark.slow)
        if "browser" in used and "browser" not in item.keywords:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def shipped_project(tmp_path_factory):
    """A writable copy of the shipped project, and the working directory of every test.

    Library calls that find the project from the working directory (``data.load`` without
    ``directory``, ``load_scenario`` without ``directory``) read the shipped files; a test
    that writes must use ``project_copy`` or a folder of its own instead.
    """
    root = copy_project(tmp_path_factory.mktemp("shipped") / "project")
    before = os.getcwd()
    os.chdir(root)
    yield root
    os.chdir(before)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A fresh writable copy of the shipped project at ``tmp_path / "project"``."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def pinned_library(monkeypatch):
    """Pin the library part of the runner's cache key.

    Other work edits forecast/*.py while tests run; cache tests must see only the changes
    they make (test_cache_key_covers_library... checks the real fingerprint).
    """
    from forecast.pipeline import runcache

    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")


@pytest.fixture
def run_notebook(tmp_path, shipped_project):
    """Execute the shipped ``notebooks/<stem>.ipynb`` with papermill; return the output folder.

    ``data_dir`` (the shipped data/) and ``output_dir`` (``tmp_path / "outputs"``) are
    injected; other keyword arguments are notebook parameters.  The notebook runs
    on the project kernel with the shipped ``notebooks/`` as its working directory, as the
    runner does, and the executed copy is kept at ``tmp_path / "<stem>.ipynb"``.
    """
    import papermill

    def run(stem: str, **parameters) -> Path:
        out = tmp_path / "outputs"
        papermill.execute_notebook(
            str(shipped_project / "notebooks" / f"{stem}.ipynb"), str(tmp_path / f"{stem}.ipynb"),
            parameters={"data_dir": str(shipped_project / "data"), "output_dir": str(out),
                        **parameters},
            kernel_name="compute-forecast", cwd=str(shipped_project / "notebooks"),
            progress_bar=False)
        return out

    return run


@dataclasses.dataclass(frozen=True)
class Executed:
    """One ``compute-forecast run`` of a copy of the shipped project."""

    root: Path
    returncode: int
    log: str  # outputs/run.log, or the command's stderr when it wrote none

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def stems(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "notebooks").glob("*.ipynb"))

    def require(self, stem: str) -> Path:
        """The outputs folder, once notebook ``stem`` is known to have run: a test of one
        notebook fails with the run's log when that notebook failed, not when another did."""
        page = self.outputs / "html" / f"{stem}.html"
        assert page.is_file() and not (self.outputs / "failed" / f"{stem}.ipynb").exists(), \
            f"{stem} did not run in the executed project:\n{self.log}"
        return self.outputs


@pytest.fixture(scope="session")
def executed_project(tmp_path_factory) -> Executed:
    """The shipped project run once per session by ``compute-forecast run --lang all``, as a
    user runs it.

    Every notebook, in English and Chinese, with ``n_paths=2000`` Monte Carlo paths; the pages, browser and
    end-to-end tests read its outputs and must not change them.  pytest-xdist workers of one
    run share it (their base folders have one parent): the first runs it under a lock, the
    others wait and read the result it recorded.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    root, record = shared / "executed" / "project", shared / "executed" / "result.json"
    with open(shared / "executed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not record.is_file():
            copy_project(root)
            script = Path(sys.executable).with_name("compute-forecast")
            params = [f"--param={name}={value}" for name, value in EXECUTED_PARAMS.items()]
            # both languages: the page and browser tests read the Chinese pages too; the
            # texts shown untranslated are collected for tests/test_languages.py
            env = {**os.environ, "COMPUTE_FORECAST_MISSED": str(root / "missed.jsonl")}
            done = subprocess.run([str(script), "run", "--quiet", "--lang", "all", *params],
                                  cwd=root / "notebooks", capture_output=True, text=True,
                                  timeout=900, env=env)
            log = root / "outputs" / "run.log"
            record.write_text(json.dumps({
                "returncode": done.returncode,
                "log": log.read_text(encoding="utf-8") if log.is_file()
                else done.stdout + done.stderr}))
        result = json.loads(record.read_text())
    return Executed(root, result["returncode"], result["log"])


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Chromium, driven over the DevTools protocol (``_browser.DevTools``)."""
    from _browser import CHROMIUM, start_browser

    if CHROMIUM is None:
        pytest.skip("headless Chromium not found: install Debian's 'chromium' package "
                    "(apt-get install -y chromium) to run the browser checks")
    with start_browser(tmp_path_factory.mktemp("chromium-profile")) as tools:
        yield tools
