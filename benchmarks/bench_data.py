"""Benchmark: load and validate the largest dataset (TOP500, 33,500 rows x 22 columns).

Run with ``.venv/bin/python benchmarks/bench_data.py``.  Baseline, timed in the
same run: ``pandas.read_csv`` of the same file, which parses but validates
nothing.  ``forecast.load("top500")`` checks every cell against the Table
Schema (types, enums, patterns, bounds, calendar dates, primary key); the
ratio says what that validation costs.  Also timed: ``forecast.top500.lists()``
on a warm cache (the per-list series derived from the validated frame).  Best
of three runs; wall-clock and CPU seconds (on a busy machine CPU is the stable one).
"""

from __future__ import annotations

import time

import pandas as pd

from forecast import data
from forecast.analysis import top500


def best(function, repeat: int = 3) -> tuple[float, float]:
    """Best wall-clock and CPU seconds of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    path = data.resolve_data_dir() / "top500.csv"
    base_wall, base_cpu = best(lambda: pd.read_csv(path, dtype=str, keep_default_na=False))
    load_wall, load_cpu = best(lambda: data.load("top500"))
    top500.lists()  # fill the cache
    lists_wall, lists_cpu = best(top500.lists)
    size = path.stat().st_size / 1e6
    print(f"top500.csv: {size:.1f} MB")
    print(f"pandas.read_csv (baseline)   {base_wall:6.2f} s wall {base_cpu:6.2f} s CPU")
    print(f"forecast.load('top500')      {load_wall:6.2f} s wall {load_cpu:6.2f} s CPU"
          f"   x{load_cpu / base_cpu:.1f} the baseline (CPU)")
    print(f"top500.lists() (cached load) {lists_wall:6.2f} s wall {lists_cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
