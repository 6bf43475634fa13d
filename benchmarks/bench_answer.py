"""Benchmark: the whole answer of notebook 07, against reading its inputs.

Run with ``.venv/bin/python benchmarks/bench_answer.py``.  Subject: the three
scopes end to end, as notebook 07 runs them with its default parameters:
``ai_compute.forecast`` (bottom up, 20,000 paths, to 2035), then
``answer.answer`` (the long series read, the rolling-origin errors of every
top-down method, their real-time coverage, out-of-sample CRPS, the combination
evaluated against equal weights, 20,000 draws per scope and year, the
verdicts).  Baseline, timed in the same run: reading the inputs only (TOP500
lists, microprocessor trends, NVIDIA's revenue-implied flow, the global
compute and published-forecast tables).  Target: the whole answer in < 15 s of
wall time on the 2-core development machine.  Printed: wall and CPU seconds of
each step, the ratio to the baseline, and the load average (other sessions
share the machine; CPU time is the figure to compare on a loaded machine).
"""

from __future__ import annotations

import os
import resource
import time

T0 = time.perf_counter()
from forecast.analysis import ai_compute, answer, calibration
from forecast.data import datapackage

IMPORT_SECONDS = time.perf_counter() - T0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def timed(func):
    start, cpu = time.perf_counter(), _cpu()
    value = func()
    return time.perf_counter() - start, _cpu() - cpu, value


def inputs():
    calibration.long_series()
    datapackage.load("global_compute")
    datapackage.load("compute_forecasts")


def whole(n_paths: int = 20000):
    fc = ai_compute.forecast(end_year=2035, n_paths=n_paths, seed=2030)
    table, paths = answer.ai_from_forecast(fc)
    return answer.answer(ai_table=table, ai_paths=paths, n_paths=n_paths, seed=2030)


def main() -> None:
    print(f"imports (pandas, scipy, forecast): {IMPORT_SECONDS:.2f} s")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    timed(inputs)  # first read: validation caches warm, as in a kernel that ran notebook 00
    base_wall, base_cpu, _ = timed(inputs)
    print(f"baseline, reading the inputs: {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")
    wall_ai, cpu_ai, _ = timed(lambda: ai_compute.forecast(end_year=2035, n_paths=20000,
                                                                  seed=2030))
    print(f"bottom-up AI forecast to 2035, 20,000 paths: {wall_ai:.2f} s wall, {cpu_ai:.2f} s CPU")
    wall_cal, cpu_cal, _ = timed(lambda: answer.calibrate(calibration.long_series()))
    print(f"calibration (errors, real-time coverage, CRPS): {wall_cal:.2f} s wall, "
          f"{cpu_cal:.2f} s CPU")
    wall, cpu, result = timed(whole)
    print(f"whole answer (3 scopes, calibration, combination, verdicts): {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU, {wall / base_wall:.1f}x the baseline's wall (target < 15 s); "
          f"{len(result.forecast)} forecast rows, {len(result.verdicts)} verdicts")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
