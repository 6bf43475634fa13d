"""Benchmark: the scenario Monte Carlo at 100,000 paths x 15 years.

Run with ``.venv/bin/python benchmarks/bench_scenarios.py`` (or ``make bench``).
Target: < 0.2 s for 100,000 paths x 15 projected years of one component.  Each
figure is the best of several repeats and is printed beside a baseline timed in
the same run: ``numpy.random.Generator.standard_normal`` of the same shape
(1.5 million draws), the least work any Monte Carlo of that size must do.  A
ratio near 1 means the simulation costs little more than drawing the numbers.

Timed separately: reading and resolving the base rows from the data (done once
per ``simulate`` call), one component per draw mode (per path, per year), the
shipped base scenario (three components and their mixed-precision sum), and
the percentile table.
"""

from __future__ import annotations

from types import MappingProxyType

import _timing  # benchmarks/_timing.py
import numpy as np

from forecast import scenarios

N_PATHS, YEARS, REPEATS = 100_000, 15, 7
BASE_YEAR = 2021


def best(func, repeats: int = REPEATS) -> float:
    """Best wall time of ``repeats`` calls, in seconds (the least disturbed run)."""
    return _timing.best(func, repeats)


def one_component(per: str) -> scenarios.Scenario:
    """CAICT basic compute from 2021 with a 10%-40% growth range, drawn ``per`` path or year."""
    doc = {"format": scenarios.FORMAT, "end_year": BASE_YEAR + YEARS, "components": {
        "basic": {"precision": "FP32",
                  "base": {"dataset": "global_compute", "year": BASE_YEAR,
                           "where": {"scope": "global", "component": "basic",
                                     "publisher": "CAICT", "point": "year"}},
                  "growth": {"low": 0.1, "high": 0.4, "per": per}}}}
    return scenarios.parse_scenario(doc, source="benchmark")


def main() -> None:
    rng = np.random.default_rng(0)
    baseline = best(lambda: rng.standard_normal((N_PATHS, YEARS)))
    print(f"baseline: standard_normal(({N_PATHS:,}, {YEARS})) = {baseline * 1e3:.1f} ms")

    spec = one_component("year")
    resolve = best(lambda: scenarios.resolve(spec))
    print(f"resolve base rows from data/ (inside every simulate call): {resolve * 1e3:.1f} ms")

    rows = []
    for per in ("path", "year"):
        spec = one_component(per)
        seconds = best(lambda: scenarios.simulate(spec, n_paths=N_PATHS, seed=1))
        rows.append((f"simulate 1 component, per {per}", seconds))
    sim = scenarios.simulate(one_component("year"), n_paths=N_PATHS, seed=1)
    assert sim.paths["basic"].shape == (N_PATHS, YEARS + 1)  # base year + 15 projected years
    rows.append(("percentile table (p5, p50, p95)", best(lambda: sim.percentiles())))
    base = scenarios.load_scenario("base")
    base = scenarios.Scenario(base.name, MappingProxyType(dict(base.components)),
                              BASE_YEAR + YEARS, correlation=base.correlation, source=base.source)
    rows.append(("simulate base.yaml (3 components + sum)",
                 best(lambda: scenarios.simulate(base, n_paths=N_PATHS, seed=1), repeats=3)))

    print(f"{'step':45s} {'seconds':>9s} {'x baseline':>11s}  target")
    for label, seconds in rows:
        target = "< 0.2 s: " + ("met" if seconds < 0.2 else "MISSED") \
            if label.startswith("simulate 1") else ""
        print(f"{label:45s} {seconds:9.4f} {seconds / baseline:11.1f}  {target}")


if __name__ == "__main__":
    main()
