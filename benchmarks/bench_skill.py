"""Benchmark: the full TOP500 skill table, against the same loop with only the naive benchmark.

Run with ``.venv/bin/python benchmarks/bench_skill.py``.  Subject:
``forecast.skill.run_many`` on the TOP500 sum of Rmax, #1 and #500 (67 lists,
two a year), every registered model, every origin from the 20th list, horizons
1..10 years (2..20 lists ahead), intervals at 80% and 95%; then ``score``.
Baseline, timed in the same run: the same loop with only ``cagr``.  Target:
the full table in < 10 s of wall time on the 2-core development machine.
Printed: wall and CPU seconds (CPU of worker processes included), the ratio of
the full table to the baseline, the CPU each model takes in one process (where
the time goes), and the load average, since other sessions share the machine.
CPU time is the figure to compare between runs on a loaded machine: wall time
grows with the load average, CPU time much less.
"""

from __future__ import annotations

import os
import resource
import time

T0 = time.perf_counter()
import pandas as pd  # noqa: E402
import statsmodels.tsa.arima.model  # noqa: E402,F401
import statsmodels.tsa.exponential_smoothing.ets  # noqa: E402,F401

from forecast.analysis import skill  # noqa: E402
from forecast.analysis import top500
from forecast.models import available_models, fit  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0
SERIES = {"sum": "sum_rmax", "#1": "no1_rmax", "#500": "no500_rmax"}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(series, models, workers, benchmark="cagr"):
    start, cpu = time.perf_counter(), _cpu()
    frame = skill.run_many(series, models, initial=20, steps_per_year=2, workers=workers,
                           benchmark=benchmark)
    table = skill.score(frame)
    return time.perf_counter() - start, _cpu() - cpu, frame, table


def main() -> None:
    lists = top500.lists()
    series = {name: pd.Series(lists[col].to_numpy(float), index=pd.Index(lists["list"]), name=name)
              for name, col in SERIES.items()}
    for model in ("ets", "arima"):  # first calls: lazy imports inside the libraries
        fit(model, series["sum"].iloc[:30].reset_index(drop=True))
    base_wall, base_cpu, _, _ = timed(series, ["cagr"], 1)
    print(f"imports (pandas, scipy, statsmodels, forecast): {IMPORT_SECONDS:.2f} s")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"baseline, cagr only: {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")
    for workers in (1, 2):
        wall, cpu, frame, table = timed(series, None, workers)
        origins = frame[frame["horizon"] == 1].groupby("series")["origin"].nunique()
        print(f"full table, {len(available_models())} models x 3 series x "
              f"{origins.min()} origins (horizon 1) x horizons 1-10, workers={workers}: "
              f"{wall:.2f} s wall, {cpu:.2f} s CPU, {wall / base_wall:.1f}x the baseline's wall "
              f"and {cpu / base_cpu:.1f}x its CPU "
              f"(target < 10 s); {len(frame)} forecasts, {int(table['failed'].sum())} "
              "lost to failed fits")
    parts = []
    for model in available_models():  # one process, one model at a time
        _, cpu, _, _ = timed(series, [model], 1, benchmark=None)
        parts.append(f"{model} {cpu:.2f}")
    print("CPU by model, one process (s): " + ", ".join(parts))
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
