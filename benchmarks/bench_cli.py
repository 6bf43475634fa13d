"""Benchmark: how long ``compute-forecast --help`` takes, against a bare Python start.

Run with ``.venv/bin/python benchmarks/bench_cli.py``.  Baseline, timed in the same run:
``python -c pass`` (the interpreter's own start).  The CLI imports the facade and every
subpackage ``__init__`` on its way to ``--help``; none of them may load pandas, numpy or
matplotlib (tests/test_layers.py checks that), so the difference is the CLI's own cost.
Target (issue 22): ``--help`` under 0.1 s.  Best of seven runs, wall-clock seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import _timing  # benchmarks/_timing.py

CLI = [sys.executable, "-m", "forecast", "--help"]


def best(command: list[str], repeat: int = 7) -> float:
    return _timing.best(lambda: subprocess.run(command, capture_output=True, check=True,
                                               cwd=Path(__file__).parents[1]), repeat)


def main() -> None:
    base = best([sys.executable, "-c", "pass"])
    cli = best(CLI)
    print(f"python -c pass:            {base:.3f} s")
    print(f"compute-forecast --help:   {cli:.3f} s  (ratio {cli / base:.2f}; "
          f"its own cost {cli - base:.3f} s; target under 0.1 s: "
          f"{'met' if cli < 0.1 else 'NOT met'})")


if __name__ == "__main__":
    main()
