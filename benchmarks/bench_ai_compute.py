"""Benchmark: the bottom-up AI compute forecast (forecast.ai_compute) at 20,000 paths.

Run with ``.venv/bin/python benchmarks/bench_ai_compute.py`` (or ``make bench``).
Target (issue 20): the whole forecast -- reading the inputs as of a date, fitting
the growth, simulating 20,000 paths of four designers' quarterly flows to 2030
and the stock they leave -- in under 2 s.  Each figure is the best of several
repeats, printed beside a baseline timed in the same run: drawing the standard
normals the simulation needs (paths x forecast quarters x designers, twice: the
growth shocks and the quarterly noise) with ``numpy.random.Generator``, the least
work any such Monte Carlo must do.

Timed separately: reading the inputs (``load_inputs``), the simulation alone on
inputs already read (``forecast(inputs=...)``), the tables (``table`` and
``shares``), and the whole forecast from the data files.
"""

from __future__ import annotations

import _timing  # benchmarks/_timing.py
import numpy as np

from forecast.analysis import ai_compute

N_PATHS, REPEATS = 20_000, 5
TARGET = 2.0  # seconds, issue 20


def best(func, repeats: int = REPEATS) -> float:
    """Best wall time of ``repeats`` calls, in seconds (the least disturbed run)."""
    return _timing.best(func, repeats)


def main() -> None:
    inputs = ai_compute.load_inputs()
    quarters = int((inputs.quarters[-1] - min(inputs.last)).n)
    shape = (N_PATHS, quarters, len(inputs.designers))
    rng = np.random.default_rng(0)
    baseline = best(lambda: (rng.standard_normal(shape), rng.standard_normal(shape)))
    print(f"baseline: 2 x standard_normal({shape}) = {baseline * 1e3:.1f} ms")

    run = ai_compute.forecast(inputs=inputs, n_paths=N_PATHS)
    assert run.paths["stock"].shape == (N_PATHS, len(inputs.designers), len(run.years))
    rows = [("load_inputs (data files, as_of=None)", best(ai_compute.load_inputs)),
            (f"simulate {N_PATHS:,} paths (inputs read)",
             best(lambda: ai_compute.forecast(inputs=inputs, n_paths=N_PATHS))),
            ("tables (table + NVIDIA shares)", best(lambda: (run.table(), run.shares))),
            (f"whole forecast, {N_PATHS:,} paths, from the data",
             best(lambda: ai_compute.forecast(n_paths=N_PATHS).table(), repeats=3))]
    print(f"{'step':50s} {'seconds':>9s} {'x baseline':>11s}  target")
    for label, seconds in rows:
        target = (f"< {TARGET:g} s: " + ("met" if seconds < TARGET else "MISSED")
                  if label.startswith("whole") else "")
        print(f"{label:50s} {seconds:9.4f} {seconds / baseline:11.1f}  {target}")


if __name__ == "__main__":
    main()
