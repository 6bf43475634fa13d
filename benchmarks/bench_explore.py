"""Benchmark: one update of the scenario explorer after one control change.

Run with ``.venv/bin/python benchmarks/bench_explore.py`` (or ``make bench``).
Target: a median of at most 0.2 s per update with the default number of paths
(20,000, notebook 03's) on the 2-core development machine.  An update is
everything a user waits for after moving one control: the paths, the headline
and threshold tables, and the fan chart redrawn as a PNG (``Explorer.set``
runs exactly what a moved widget runs).

Baseline, timed in the same run: a full ``scenarios.simulate`` of the same
scenario and size (reading the base rows, drawing every normal number,
building the paths), which is what an update would cost if it drew again.
The explorer reuses the draws, so its paths cost a fraction of that; the
chart is most of an update.  Wall and CPU times are both printed, because
other work on a shared machine inflates wall times.
"""

from __future__ import annotations

import statistics
import time

from forecast import scenarios
from forecast.present.explore import DEFAULT_PATHS, Explorer

ROUNDS = 7

#: one control at a time, each move undone by the next of the same control
MOVES = [
    ("growth_intelligent", (0.5, 0.9)), ("growth_intelligent", (0.462, 0.9728)),
    ("growth_basic", (0.15, 0.3)), ("growth_basic", (0.1789, 0.2756)),
    ("cap_intelligent", "50 ZFLOPS"), ("cap_intelligent", ""),
    ("correlation", 0.4), ("correlation", 0.0),
    ("end_year", 2040), ("end_year", 2035),
    ("thresholds", "10 ZFLOPS, 100 ZFLOPS"), ("thresholds", "56 ZFLOPS, 20 ZFLOPS"),
    ("threshold_year", 2028), ("threshold_year", 2030),
]
#: a new number of paths draws again by design: timed, but outside the median
REDRAW = [("n_paths", 10_000), ("n_paths", DEFAULT_PATHS)]


def timed(func) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    explorer = Explorer("base")
    spec = explorer.scenario()
    baseline = [timed(lambda: scenarios.simulate(spec, n_paths=DEFAULT_PATHS, seed=explorer.seed))
                for _ in range(ROUNDS)]
    base_wall = statistics.median(w for w, _ in baseline)
    base_cpu = statistics.median(c for _, c in baseline)
    print(f"baseline: simulate base.yaml, {DEFAULT_PATHS:,} paths x 15 years, 3 components + sum: "
          f"{base_wall:.3f} s wall, {base_cpu:.3f} s CPU (median of {ROUNDS})")

    per_control, walls, cpus, parts = {}, [], [], {"paths": [], "tables": [], "chart": []}
    for _ in range(ROUNDS):
        for name, value in MOVES + REDRAW:
            wall, cpu = timed(lambda: explorer.set(**{name: value}))
            per_control.setdefault(name, []).append(wall)
            if (name, value) in MOVES:
                walls.append(wall)
                cpus.append(cpu)
                for key in parts:
                    parts[key].append(explorer.timings[key])

    print(f"{'control moved':22s} {'median wall s':>14s}")
    for name, times in per_control.items():
        note = "  (draws again: outside the median)" if name == "n_paths" else ""
        print(f"{name:22s} {statistics.median(times):14.3f}{note}")
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"update after one control change, median of {len(walls)}: {wall:.3f} s wall "
          f"({wall / base_wall:.2f}x a full simulate), {cpu:.3f} s CPU; "
          f"target <= 0.2 s: {'met' if wall <= 0.2 else 'MISSED'}")
    print("  of which (medians): " + ", ".join(
        f"{key} {statistics.median(values):.3f} s" for key, values in parts.items()))


if __name__ == "__main__":
    main()
