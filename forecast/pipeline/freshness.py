"""No stale page after a run: which output folders a run left behind, and bringing them up to date.

A run changes files that other output folders read: ``run --scenario base`` after an
edit of ``notebooks/params/base.yaml`` leaves notebook 03 of ``outputs/`` (which sets
every scenario side by side, and feeds the index's key figures) and the other
scenarios' copies of it stale; a data edit followed by ``run`` leaves every scenario
folder stale.  The run cache already knows (:mod:`forecast.pipeline.runcache`): a
folder's notebook is stale when its code, parameters, data, library or packages
changed since its last good run.  :func:`stale` asks it, for the main output folder
and every scenario folder that has been run, with each notebook's default
parameters; ``compute-forecast run`` then refreshes them (:func:`refresh`) or names
them in its last line with the command that does (:func:`advice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stale:
    """A notebook whose outputs in one folder are not current: ``scenario`` None for
    ``outputs/`` itself; ``reason`` as the run cache says it."""

    stem: str
    scenario: str | None
    reason: str

    @property
    def name(self) -> str:
        return self.stem if self.scenario is None else f"{self.scenario}/{self.stem}"


def stale(root: Path, *, show_code: bool = False, wait: bool = True) -> list[Stale]:
    """Every notebook of ``outputs/`` (that has run before) and of each scenario folder that
    has been run whose outputs are not current for its default parameters."""
    from forecast.errors import UsageError
    from forecast.pipeline import runcache, runner
    from forecast.pipeline.runplan import plan

    root = Path(root)
    out = root / "outputs"
    jobs = plan(root)
    scen = out / "scenarios"
    if scen.is_dir() and any(p.is_dir() for p in scen.iterdir()):
        try:
            jobs += plan(root, all_scenarios=True)
        except UsageError:  # no scenario file left: no scenario folder can be refreshed
            pass
    # only notebooks with a good run in their folder: a scenario never run is not stale
    jobs = [j for j in jobs if runcache.load_state(j.run_dir, j.stem).get("good")]
    found = []
    with runner.RunLock(out / ".lock", wait=wait):
        state = runner._Run(root, show_code=show_code)
        for job in jobs:
            if job.problem:
                continue
            _, reason = state.check(job)
            if reason is not None:
                found.append(Stale(job.stem, job.scenario, reason))
    return found


def refresh(root: Path, items: list[Stale], **options) -> list:
    """Run the ``items`` with their default parameters, one runner call per folder; returns
    the runner's :class:`forecast.pipeline.runner.RunReport` objects.  ``options``: the
    runner's (jobs, timeout, show_code, wait, progress)."""
    from forecast.pipeline import runner

    reports = []
    for scenario in dict.fromkeys(i.scenario for i in items):
        stems = [i.stem for i in items if i.scenario == scenario]
        reports.append(runner.run(root, only=stems, scenario=scenario, **options))
    return reports


def command(items: list[Stale]) -> str:
    """The command that refreshes ``items``."""
    scenarios = sorted({i.scenario for i in items if i.scenario})
    if not scenarios:
        return "compute-forecast run"
    if any(i.scenario is None for i in items) or len(scenarios) > 1:
        return "compute-forecast run (it refreshes every stale folder)"
    return f"compute-forecast run --scenario {scenarios[0]}"


def advice(items: list[Stale]) -> str:
    """One line naming the stale outputs and the command that refreshes them ("" when none)."""
    if not items:
        return ""
    shown = ", ".join(f"{i.name} ({i.reason})" for i in items[:6])
    more = f" and {len(items) - 6} more" if len(items) > 6 else ""
    return f"stale, not refreshed: {shown}{more}; refresh with: {command(items)}"
