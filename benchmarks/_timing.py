"""Timing shared by the benchmark scripts (run as scripts, so this folder is on sys.path)."""

from __future__ import annotations

import time


def best(func, repeats: int) -> float:
    """Best wall time of ``repeats`` calls of ``func()``, in seconds (the least disturbed run)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
