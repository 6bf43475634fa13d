"""Stand-ins for sweep tests: a project with a tiny notebook and point functions without a kernel.

Not a test module: the sweep test files import it, and so do the worker processes they
spawn (the point functions must be importable by name there).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

HEADLINE = "target,scope,component,precision,year,model,median,mean,lower,upper,level,unit\n"


def make_project(root: Path, source: str = "output_dir = None\ngrowth = 0.3  # a year\n"
                 "noise = 0\nsleep = 0.0  # seconds a point takes\n") -> Path:
    """A project folder holding ``notebooks/fake.ipynb`` whose parameters cell is ``source``."""
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    cell = {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["parameters"]},
            "outputs": [], "source": source}
    (root / "notebooks" / "fake.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return root


def headline_point(task):
    """Sleeps ``sleep`` seconds, then writes the headline a notebook would:
    total = 1e21 * (1 + growth)^(year - 2021) * (1 + noise / 100)."""
    from forecast.pipeline.sweep.executors import PointOutcome

    time.sleep(float(task.parameters.get("sleep", 0.0)))
    growth, noise = task.parameters["growth"], task.parameters.get("noise", 0)
    tables = Path(task.output_dir) / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    rows = []
    for year in (2030, 2035):
        value = 1e21 * (1 + growth) ** (year - 2021) * (1 + 0.01 * noise)
        rows.append(f"global compute,global,total,mixed,{year},fake,{value!r},{value!r},"
                    f"{value / 2!r},{value * 2!r},0.9,FLOP/s\n")
    (tables / f"headline_{Path(task.notebook).stem}.csv").write_text(HEADLINE + "".join(rows))
    return PointOutcome(task.id, task.index, "ok", 0.0, worker=str(os.getpid()))


def pid_point(task):
    """Records this worker's pid in ``<output_dir>.pid``, then works like :func:`headline_point`."""
    Path(task.output_dir).parent.mkdir(parents=True, exist_ok=True)
    Path(task.output_dir + ".pid").write_text(str(os.getpid()))
    return headline_point(task)


def dying_point(task):
    """Kills its own worker process (SIGKILL, like the OOM killer) when ``growth`` < 0."""
    import signal

    if task.parameters["growth"] < 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return headline_point(task)
